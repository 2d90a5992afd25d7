/*
 * d3dkmt_wow64.c: the wow64 thunks of d3dkmt.so (x86_64 only), for Wine's new WoW64 mode.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Wine built with --enable-archs runs a 32-bit program's PE code, the i386 d3dkmt.dll included, on
 * the 64-bit Unix side: its Unix calls come here, through __wine_unix_call_wow64_funcs[]
 * (d3dkmt_unix.c), with the params struct and the descriptor in the x86 layout (wow64.h).  Each
 * thunk, as Wine's wow64win does for NtGdiDdDDI*:
 *   1. refuses a NULL descriptor (STATUS_INVALID_PARAMETER; the PE side never sends one);
 *   2. builds the 64-bit descriptor: pointers zero-extended (a 32-bit address, large-address-aware
 *      ones above 2 GiB included), handles sign-extended (as Windows' WoW64 does: the pseudo
 *      handles -1, -2 stay what they are), every other field copied; arrays whose elements have
 *      the same layout on x86 and x64 (handles, BOOL, UINT, UINT64, D3DKMT_ADAPTERINFO, the
 *      reclaim results) are passed where they are, arrays of structs with pointers
 *      (D3DDDI_ALLOCATIONINFO(2)) are converted element by element into memory of the thunk;
 *   3. makes the 64-bit Unix call (__wine_unix_call_funcs[], whatever it does);
 *   4. writes every output back into the 32-bit descriptor and arrays, success or not, as the
 *      64-bit path's copy-back does.  A pointer the library returns (D3DKMT_LOCK2.pData, a fence's
 *      CPU address) that lies above 4 GiB cannot be handed to 32-bit code: the thunk undoes the
 *      call (Unlock2, DestroyPagingQueue, DestroySynchronizationObject) and returns
 *      STATUS_NO_MEMORY, the 32-bit descriptor unchanged (docs/decisions/wow64.md).
 * The PE side has copied everything the application passed into memory of its own, in the 32-bit
 * address space, before the call, so the thunks read and write only that memory.  Besides the
 * Unix calls, the GPU signal and wait thunks ask the library the types of their objects
 * (d3dkmt_host_get_sync_object_type) to know which meaning of their value union it will read.
 *
 * A new Unix call: its X() line in unixlib.h, its 32-bit layout in wow64.h (checked by
 * tests/abi/abi_wow64.c), one wow64_<Name> here, its cases in tests/unit/test_wow64.c; the table
 * in d3dkmt_unix.c follows the enum by itself (docs/wine-dll.md, "WoW64").
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ntstatus.h>
#define WIN32_NO_STATUS
#include <windef.h>
#include <winbase.h>
#include <wingdi.h>
#include <winternl.h>

#include "d3dkmt.h"
#include "d3dkmt_host.h"
#include "unixlib.h"
#include "wow64.h"

#ifndef _WIN64
# error "d3dkmt_wow64.c is the x86_64 Unix side's: the i386 one serves 32-bit callers directly"
#endif

/* The library's limit on one CreateAllocation's allocations (src/allocation.c: 1 to 1024, else
 * STATUS_INVALID_PARAMETER): a longer 32-bit array is refused with that status before the thunk
 * converts (and allocates for) it. */
#define WOW64_MAX_CREATE_LIST 1024

#ifndef ARRAY_SIZE
# define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* A 32-bit caller's pointer, zero-extended. */
static inline void *ptr64(PTR32 p)
{
    return (void *)(ULONG_PTR)p;
}

/* A 32-bit caller's handle, sign-extended. */
static inline HANDLE handle64(PTR32 h)
{
    return (HANDLE)(LONG_PTR)(LONG)h;
}

/* A pointer the library returns, for a 32-bit caller: FALSE when it lies above 4 GiB. */
static inline BOOL ptr32(const void *p, PTR32 *out)
{
    if ((ULONG_PTR)p > 0xffffffffu) return FALSE;
    *out = (PTR32)(ULONG_PTR)p;
    return TRUE;
}

/* The 32-bit descriptor of a D3DKMT_UNIX_CALLS call. */
#define DESC32(type, args) ((type *)ptr64(((const struct desc_params32 *)(args))->desc))

/* The 64-bit Unix call of the same name, on 64-bit params. */
#define CALL64(name, params) __wine_unix_call_funcs[unix_##name](params)

/* Calls whose descriptor has the same layout on x86 and x64 (wow64.h; tests/abi/abi_wow64.c):
 * the 32-bit descriptor is the 64-bit one. */
#define SAME_LAYOUT_THUNK(name, type) \
    NTSTATUS wow64_##name(void *args) \
    { \
        struct name##_params params = { DESC32(type, args) }; \
        if (!params.desc) return STATUS_INVALID_PARAMETER; \
        return CALL64(name, &params); \
    }

SAME_LAYOUT_THUNK(EnumAdapters, D3DKMT_ENUMADAPTERS)
SAME_LAYOUT_THUNK(OpenAdapterFromLuid, D3DKMT_OPENADAPTERFROMLUID)
SAME_LAYOUT_THUNK(CloseAdapter, const D3DKMT_CLOSEADAPTER)
SAME_LAYOUT_THUNK(DestroyDevice, const D3DKMT_DESTROYDEVICE)
SAME_LAYOUT_THUNK(Unlock2, const D3DKMT_UNLOCK2)
SAME_LAYOUT_THUNK(DestroyPagingQueue, D3DDDI_DESTROYPAGINGQUEUE)
SAME_LAYOUT_THUNK(DestroySynchronizationObject, const D3DKMT_DESTROYSYNCHRONIZATIONOBJECT)
SAME_LAYOUT_THUNK(CreateSynchronizationObject, D3DKMT_CREATESYNCHRONIZATIONOBJECT)
SAME_LAYOUT_THUNK(OpenSynchronizationObject, D3DKMT_OPENSYNCHRONIZATIONOBJECT)

/* ---- Adapters ---- */

NTSTATUS wow64_EnumAdapters2(void *args)
{
    D3DKMT_ENUMADAPTERS2_32 *d32 = DESC32(D3DKMT_ENUMADAPTERS2_32, args);
    D3DKMT_ENUMADAPTERS2 d;
    struct EnumAdapters2_params params = { &d };
    NTSTATUS status;

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.NumAdapters = d32->NumAdapters;
    d.pAdapters = ptr64(d32->pAdapters);
    status = CALL64(EnumAdapters2, &params);
    d32->NumAdapters = d.NumAdapters;
    return status;
}

/* The buffer is passed where it is: every query type the library answers (README) is laid out
 * the same on x86 and x64 (no pointer, 64-bit members 8-aligned). */
NTSTATUS wow64_QueryAdapterInfo(void *args)
{
    const D3DKMT_QUERYADAPTERINFO32 *d32 = DESC32(const D3DKMT_QUERYADAPTERINFO32, args);
    D3DKMT_QUERYADAPTERINFO d;
    struct QueryAdapterInfo_params params = { &d };

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hAdapter = d32->hAdapter;
    d.Type = d32->Type;
    d.pPrivateDriverData = ptr64(d32->pPrivateDriverData);
    d.PrivateDriverDataSize = d32->PrivateDriverDataSize;
    return CALL64(QueryAdapterInfo, &params);
}

NTSTATUS wow64_QueryVideoMemoryInfo(void *args)
{
    D3DKMT_QUERYVIDEOMEMORYINFO32 *d32 = DESC32(D3DKMT_QUERYVIDEOMEMORYINFO32, args);
    D3DKMT_QUERYVIDEOMEMORYINFO d;
    struct QueryVideoMemoryInfo_params params = { &d };
    NTSTATUS status;

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hProcess = handle64(d32->hProcess);
    d.hAdapter = d32->hAdapter;
    d.MemorySegmentGroup = d32->MemorySegmentGroup;
    d.Budget = d32->Budget;
    d.CurrentUsage = d32->CurrentUsage;
    d.CurrentReservation = d32->CurrentReservation;
    d.AvailableForReservation = d32->AvailableForReservation;
    d.PhysicalAdapterIndex = d32->PhysicalAdapterIndex;
    status = CALL64(QueryVideoMemoryInfo, &params);
    d32->Budget = d.Budget;
    d32->CurrentUsage = d.CurrentUsage;
    d32->CurrentReservation = d.CurrentReservation;
    d32->AvailableForReservation = d.AvailableForReservation;
    return status;
}

/* ---- Devices ---- */

NTSTATUS wow64_CreateDevice(void *args)
{
    D3DKMT_CREATEDEVICE32 *d32 = DESC32(D3DKMT_CREATEDEVICE32, args);
    D3DKMT_CREATEDEVICE d;
    struct CreateDevice_params params = { &d };
    PTR32 command_buffer, allocation_list, patch_list;
    NTSTATUS status;

    if (!d32) return STATUS_INVALID_PARAMETER;
    memset(&d, 0, sizeof(d));
    d.hAdapter = d32->hAdapter;
    d.Flags = d32->Flags;
    d.hDevice = d32->hDevice;
    d.pCommandBuffer = ptr64(d32->pCommandBuffer);
    d.CommandBufferSize = d32->CommandBufferSize;
    d.pAllocationList = ptr64(d32->pAllocationList);
    d.AllocationListSize = d32->AllocationListSize;
    d.pPatchLocationList = ptr64(d32->pPatchLocationList);
    d.PatchLocationListSize = d32->PatchLocationListSize;
    status = CALL64(CreateDevice, &params);
    /* The legacy command buffer outputs (NULL from this library) must be reachable, as any. */
    if (!ptr32(d.pCommandBuffer, &command_buffer) || !ptr32(d.pAllocationList, &allocation_list)
            || !ptr32(d.pPatchLocationList, &patch_list))
    {
        if (!status)
        {
            struct DestroyDevice_params destroy = { &(D3DKMT_DESTROYDEVICE){ d.hDevice } };
            CALL64(DestroyDevice, &destroy);
        }
        return STATUS_NO_MEMORY;
    }
    d32->hDevice = d.hDevice;
    d32->pCommandBuffer = command_buffer;
    d32->CommandBufferSize = d.CommandBufferSize;
    d32->pAllocationList = allocation_list;
    d32->AllocationListSize = d.AllocationListSize;
    d32->pPatchLocationList = patch_list;
    d32->PatchLocationListSize = d.PatchLocationListSize;
    return status;
}

/* ---- Allocations ---- */

/* CreateAllocation(2): the allocation info array is converted element by element (its elements
 * hold pointers); each element's private driver data (D3DKMT_VK_ALLOCATIONDATA, the same on x86
 * and x64), the resource-level data and pSystemMem / hSection are passed where they are.  A
 * standard allocation's D3DKMT_CREATESTANDARDALLOCATION (Flags.StandardAllocation, in
 * pPrivateDriverData's place with PrivateDriverDataSize 0, as the PE side and the library read
 * it) is converted: its x86 Size is a 4-byte SIZE_T (12 bytes in all, 24 on x64), zero-extended
 * here (an existing heap at a 32-bit pSystemMem, zero-extended too, is the 32-bit program's
 * memory in the one address space).  Out: hResource, hGlobalShare, and per element hAllocation (and
 * GpuVirtualAddress for version 2).  STATUS_INVALID_PARAMETER for more than WOW64_MAX_CREATE_LIST
 * elements; STATUS_NO_MEMORY. */
static NTSTATUS create_allocation(void *args, BOOL version2)
{
    D3DKMT_CREATEALLOCATION32 *d32 = DESC32(D3DKMT_CREATEALLOCATION32, args);
    const D3DKMT_CREATESTANDARDALLOCATION32 *standard32;
    D3DKMT_CREATESTANDARDALLOCATION standard;
    D3DDDI_ALLOCATIONINFO32 *info32;
    D3DDDI_ALLOCATIONINFO2_32 *info2_32;
    D3DDDI_ALLOCATIONINFO *info = NULL;
    D3DDDI_ALLOCATIONINFO2 *info2 = NULL;
    D3DKMT_CREATEALLOCATION d;
    NTSTATUS status;
    UINT i, count;

    if (!d32) return STATUS_INVALID_PARAMETER;
    count = d32->NumAllocations;
    info32 = ptr64(d32->pAllocationInfo);
    info2_32 = ptr64(d32->pAllocationInfo);
    memset(&d, 0, sizeof(d));
    d.hDevice = d32->hDevice;
    d.hResource = d32->hResource;
    d.hGlobalShare = d32->hGlobalShare;
    d.pPrivateRuntimeData = ptr64(d32->pPrivateRuntimeData);
    d.PrivateRuntimeDataSize = d32->PrivateRuntimeDataSize;
    d.pPrivateDriverData = ptr64(d32->pPrivateDriverData);
    d.PrivateDriverDataSize = d32->PrivateDriverDataSize;
    d.NumAllocations = count;
    d.Flags = d32->Flags;
    d.hPrivateRuntimeResourceHandle = handle64(d32->hPrivateRuntimeResourceHandle);
    if (d32->Flags.StandardAllocation && !d32->PrivateDriverDataSize
            && (standard32 = ptr64(d32->pPrivateDriverData)))
    {
        memset(&standard, 0, sizeof(standard));
        standard.Type = standard32->Type;
        standard.ExistingHeapData.Size = standard32->ExistingHeapData.Size;
        standard.Flags = standard32->Flags;
        d.pStandardAllocation = &standard;
    }
    /* NULL stays NULL and an empty array stays a (non-NULL) empty one: the library's own checks
     * see what the application passed. */
    if (d32->pAllocationInfo)
    {
        if (count > WOW64_MAX_CREATE_LIST) return STATUS_INVALID_PARAMETER;
        if (version2)
        {
            if (!(info2 = calloc(count ? count : 1, sizeof(*info2)))) return STATUS_NO_MEMORY;
            for (i = 0; i < count; i++)
            {
                UINT k;

                info2[i].hAllocation = info2_32[i].hAllocation;
                /* The union: a section handle with ExistingSection, else the system memory pointer. */
                if (d32->Flags.ExistingSection) info2[i].hSection = handle64(info2_32[i].hSection);
                else info2[i].pSystemMem = ptr64(info2_32[i].pSystemMem);
                info2[i].pPrivateDriverData = ptr64(info2_32[i].pPrivateDriverData);
                info2[i].PrivateDriverDataSize = info2_32[i].PrivateDriverDataSize;
                info2[i].VidPnSourceId = info2_32[i].VidPnSourceId;
                info2[i].Flags.Value = info2_32[i].Flags;
                info2[i].GpuVirtualAddress = info2_32[i].GpuVirtualAddress;
                info2[i].Priority = info2_32[i].Priority;
                for (k = 0; k < ARRAY_SIZE(info2[i].Reserved); k++) info2[i].Reserved[k] = info2_32[i].Reserved[k];
            }
            d.pAllocationInfo2 = info2;
        }
        else
        {
            if (!(info = calloc(count ? count : 1, sizeof(*info)))) return STATUS_NO_MEMORY;
            for (i = 0; i < count; i++)
            {
                info[i].hAllocation = info32[i].hAllocation;
                info[i].pSystemMem = ptr64(info32[i].pSystemMem);
                info[i].pPrivateDriverData = ptr64(info32[i].pPrivateDriverData);
                info[i].PrivateDriverDataSize = info32[i].PrivateDriverDataSize;
                info[i].VidPnSourceId = info32[i].VidPnSourceId;
                info[i].Flags.Value = info32[i].Flags;
            }
            d.pAllocationInfo = info;
        }
    }
    if (version2)
    {
        struct CreateAllocation2_params params = { &d };
        status = CALL64(CreateAllocation2, &params);
    }
    else
    {
        struct CreateAllocation_params params = { &d };
        status = CALL64(CreateAllocation, &params);
    }
    d32->hResource = d.hResource;
    d32->hGlobalShare = d.hGlobalShare;
    for (i = 0; info2 && i < count; i++)
    {
        info2_32[i].hAllocation = info2[i].hAllocation;
        info2_32[i].GpuVirtualAddress = info2[i].GpuVirtualAddress;
    }
    for (i = 0; info && i < count; i++)
        info32[i].hAllocation = info[i].hAllocation;
    free(info);
    free(info2);
    return status;
}

NTSTATUS wow64_CreateAllocation(void *args)
{
    return create_allocation(args, FALSE);
}

NTSTATUS wow64_CreateAllocation2(void *args)
{
    return create_allocation(args, TRUE);
}

NTSTATUS wow64_DestroyAllocation(void *args)
{
    const D3DKMT_DESTROYALLOCATION32 *d32 = DESC32(const D3DKMT_DESTROYALLOCATION32, args);
    D3DKMT_DESTROYALLOCATION d;
    struct DestroyAllocation_params params = { &d };

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hDevice = d32->hDevice;
    d.hResource = d32->hResource;
    d.phAllocationList = ptr64(d32->phAllocationList);
    d.AllocationCount = d32->AllocationCount;
    return CALL64(DestroyAllocation, &params);
}

NTSTATUS wow64_DestroyAllocation2(void *args)
{
    const D3DKMT_DESTROYALLOCATION2_32 *d32 = DESC32(const D3DKMT_DESTROYALLOCATION2_32, args);
    D3DKMT_DESTROYALLOCATION2 d;
    struct DestroyAllocation2_params params = { &d };

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hDevice = d32->hDevice;
    d.hResource = d32->hResource;
    d.phAllocationList = ptr64(d32->phAllocationList);
    d.AllocationCount = d32->AllocationCount;
    d.Flags = d32->Flags;
    return CALL64(DestroyAllocation2, &params);
}

/* pPrivateRuntimeData is passed as it is (the library neither reads nor writes it).  Out:
 * PrivateRuntimeDataSize, TotalPrivateDriverDataSize, ResourcePrivateDriverDataSize,
 * NumAllocations. */
NTSTATUS wow64_QueryResourceInfo(void *args)
{
    D3DKMT_QUERYRESOURCEINFO32 *d32 = DESC32(D3DKMT_QUERYRESOURCEINFO32, args);
    D3DKMT_QUERYRESOURCEINFO d;
    struct QueryResourceInfo_params params = { &d };
    NTSTATUS status;

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hDevice = d32->hDevice;
    d.hGlobalShare = d32->hGlobalShare;
    d.pPrivateRuntimeData = ptr64(d32->pPrivateRuntimeData);
    d.PrivateRuntimeDataSize = d32->PrivateRuntimeDataSize;
    d.TotalPrivateDriverDataSize = d32->TotalPrivateDriverDataSize;
    d.ResourcePrivateDriverDataSize = d32->ResourcePrivateDriverDataSize;
    d.NumAllocations = d32->NumAllocations;
    status = CALL64(QueryResourceInfo, &params);
    d32->PrivateRuntimeDataSize = d.PrivateRuntimeDataSize;
    d32->TotalPrivateDriverDataSize = d.TotalPrivateDriverDataSize;
    d32->ResourcePrivateDriverDataSize = d.ResourcePrivateDriverDataSize;
    d32->NumAllocations = d.NumAllocations;
    return status;
}

/* OpenResource(2): the open allocation info array is converted element by element (its elements
 * hold pointers), as CreateAllocation's; the runtime data, resource and total driver data buffers
 * (bytes; D3DKMT_VK_ALLOCATIONDATA entries, the same on x86 and x64) are passed where they are.
 * Out: hResource, TotalPrivateDriverDataBufferSize, ResourcePrivateDriverDataSize, and per
 * element hAllocation, PrivateDriverDataSize (and GpuVirtualAddress for version 2).
 * STATUS_INVALID_PARAMETER for more than WOW64_MAX_CREATE_LIST elements (no resource has more:
 * the count must be the created one); STATUS_NO_MEMORY. */
static NTSTATUS open_resource(void *args, BOOL version2)
{
    D3DKMT_OPENRESOURCE32 *d32 = DESC32(D3DKMT_OPENRESOURCE32, args);
    D3DDDI_OPENALLOCATIONINFO32 *info32;
    D3DDDI_OPENALLOCATIONINFO2_32 *info2_32;
    D3DDDI_OPENALLOCATIONINFO *info = NULL;
    D3DDDI_OPENALLOCATIONINFO2 *info2 = NULL;
    D3DKMT_OPENRESOURCE d;
    NTSTATUS status;
    UINT i, k, count;

    if (!d32) return STATUS_INVALID_PARAMETER;
    count = d32->NumAllocations;
    info32 = ptr64(d32->pOpenAllocationInfo);
    info2_32 = ptr64(d32->pOpenAllocationInfo);
    memset(&d, 0, sizeof(d));
    d.hDevice = d32->hDevice;
    d.hGlobalShare = d32->hGlobalShare;
    d.NumAllocations = count;
    d.pPrivateRuntimeData = ptr64(d32->pPrivateRuntimeData);
    d.PrivateRuntimeDataSize = d32->PrivateRuntimeDataSize;
    d.pResourcePrivateDriverData = ptr64(d32->pResourcePrivateDriverData);
    d.ResourcePrivateDriverDataSize = d32->ResourcePrivateDriverDataSize;
    d.pTotalPrivateDriverDataBuffer = ptr64(d32->pTotalPrivateDriverDataBuffer);
    d.TotalPrivateDriverDataBufferSize = d32->TotalPrivateDriverDataBufferSize;
    d.hResource = d32->hResource;
    /* NULL stays NULL and an empty array stays a (non-NULL) empty one. */
    if (d32->pOpenAllocationInfo)
    {
        if (count > WOW64_MAX_CREATE_LIST) return STATUS_INVALID_PARAMETER;
        if (version2)
        {
            if (!(info2 = calloc(count ? count : 1, sizeof(*info2)))) return STATUS_NO_MEMORY;
            for (i = 0; i < count; i++)
            {
                info2[i].hAllocation = info2_32[i].hAllocation;
                info2[i].pPrivateDriverData = ptr64(info2_32[i].pPrivateDriverData);
                info2[i].PrivateDriverDataSize = info2_32[i].PrivateDriverDataSize;
                info2[i].GpuVirtualAddress = info2_32[i].GpuVirtualAddress;
                for (k = 0; k < ARRAY_SIZE(info2[i].Reserved); k++) info2[i].Reserved[k] = info2_32[i].Reserved[k];
            }
            d.pOpenAllocationInfo2 = info2;
        }
        else
        {
            if (!(info = calloc(count ? count : 1, sizeof(*info)))) return STATUS_NO_MEMORY;
            for (i = 0; i < count; i++)
            {
                info[i].hAllocation = info32[i].hAllocation;
                info[i].pPrivateDriverData = ptr64(info32[i].pPrivateDriverData);
                info[i].PrivateDriverDataSize = info32[i].PrivateDriverDataSize;
            }
            d.pOpenAllocationInfo = info;
        }
    }
    if (version2)
    {
        struct OpenResource2_params params = { &d };
        status = CALL64(OpenResource2, &params);
    }
    else
    {
        struct OpenResource_params params = { &d };
        status = CALL64(OpenResource, &params);
    }
    d32->hResource = d.hResource;
    d32->TotalPrivateDriverDataBufferSize = d.TotalPrivateDriverDataBufferSize;
    d32->ResourcePrivateDriverDataSize = d.ResourcePrivateDriverDataSize;
    for (i = 0; info2 && i < count; i++)
    {
        info2_32[i].hAllocation = info2[i].hAllocation;
        info2_32[i].PrivateDriverDataSize = info2[i].PrivateDriverDataSize;
        info2_32[i].GpuVirtualAddress = info2[i].GpuVirtualAddress;
    }
    for (i = 0; info && i < count; i++)
    {
        info32[i].hAllocation = info[i].hAllocation;
        info32[i].PrivateDriverDataSize = info[i].PrivateDriverDataSize;
    }
    free(info);
    free(info2);
    return status;
}

NTSTATUS wow64_OpenResource(void *args)
{
    return open_resource(args, FALSE);
}

NTSTATUS wow64_OpenResource2(void *args)
{
    return open_resource(args, TRUE);
}

/* Out: pData, which must be reachable by 32-bit code (else the lock is undone). */
NTSTATUS wow64_Lock2(void *args)
{
    D3DKMT_LOCK2_32 *d32 = DESC32(D3DKMT_LOCK2_32, args);
    D3DKMT_LOCK2 d;
    struct Lock2_params params = { &d };
    NTSTATUS status;
    PTR32 data;

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hDevice = d32->hDevice;
    d.hAllocation = d32->hAllocation;
    d.Flags = d32->Flags;
    d.pData = ptr64(d32->pData);
    status = CALL64(Lock2, &params);
    if (!ptr32(d.pData, &data))
    {
        if (!status)
        {
            struct Unlock2_params unlock = { &(D3DKMT_UNLOCK2){ d.hDevice, d.hAllocation } };
            CALL64(Unlock2, &unlock);
        }
        return STATUS_NO_MEMORY;
    }
    d32->pData = data;
    return status;
}

/* ---- Residency ---- */

NTSTATUS wow64_OfferAllocations(void *args)
{
    const D3DKMT_OFFERALLOCATIONS32 *d32 = DESC32(const D3DKMT_OFFERALLOCATIONS32, args);
    D3DKMT_OFFERALLOCATIONS d;
    struct OfferAllocations_params params = { &d };

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hDevice = d32->hDevice;
    d.pResources = ptr64(d32->pResources);
    d.HandleList = ptr64(d32->HandleList);
    d.NumAllocations = d32->NumAllocations;
    d.Priority = d32->Priority;
    d.Flags = d32->Flags;
    return CALL64(OfferAllocations, &params);
}

/* pDiscarded (BOOL[]) is written where it is. */
NTSTATUS wow64_ReclaimAllocations(void *args)
{
    const D3DKMT_RECLAIMALLOCATIONS32 *d32 = DESC32(const D3DKMT_RECLAIMALLOCATIONS32, args);
    D3DKMT_RECLAIMALLOCATIONS d;
    struct ReclaimAllocations_params params = { &d };

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hDevice = d32->hDevice;
    d.pResources = ptr64(d32->pResources);
    d.HandleList = ptr64(d32->HandleList);
    d.pDiscarded = ptr64(d32->pDiscarded);
    d.NumAllocations = d32->NumAllocations;
    return CALL64(ReclaimAllocations, &params);
}

/* pResults (or pDiscarded) is written where it is; out: PagingFenceValue. */
NTSTATUS wow64_ReclaimAllocations2(void *args)
{
    D3DKMT_RECLAIMALLOCATIONS2_32 *d32 = DESC32(D3DKMT_RECLAIMALLOCATIONS2_32, args);
    D3DKMT_RECLAIMALLOCATIONS2 d;
    struct ReclaimAllocations2_params params = { &d };
    NTSTATUS status;

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hPagingQueue = d32->hPagingQueue;
    d.NumAllocations = d32->NumAllocations;
    d.pResources = ptr64(d32->pResources);
    d.HandleList = ptr64(d32->HandleList);
    d.pResults = ptr64(d32->pResults);
    d.PagingFenceValue = d32->PagingFenceValue;
    status = CALL64(ReclaimAllocations2, &params);
    d32->PagingFenceValue = d.PagingFenceValue;
    return status;
}

/* Out: NumAllocations, PagingFenceValue, NumBytesToTrim. */
NTSTATUS wow64_MakeResident(void *args)
{
    D3DDDI_MAKERESIDENT32 *d32 = DESC32(D3DDDI_MAKERESIDENT32, args);
    D3DDDI_MAKERESIDENT d;
    struct MakeResident_params params = { &d };
    NTSTATUS status;

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hPagingQueue = d32->hPagingQueue;
    d.NumAllocations = d32->NumAllocations;
    d.AllocationList = ptr64(d32->AllocationList);
    d.PriorityList = ptr64(d32->PriorityList);
    d.Flags = d32->Flags;
    d.PagingFenceValue = d32->PagingFenceValue;
    d.NumBytesToTrim = d32->NumBytesToTrim;
    status = CALL64(MakeResident, &params);
    d32->NumAllocations = d.NumAllocations;
    d32->PagingFenceValue = d.PagingFenceValue;
    d32->NumBytesToTrim = d.NumBytesToTrim;
    return status;
}

/* Out: NumBytesToTrim. */
NTSTATUS wow64_Evict(void *args)
{
    D3DKMT_EVICT32 *d32 = DESC32(D3DKMT_EVICT32, args);
    D3DKMT_EVICT d;
    struct Evict_params params = { &d };
    NTSTATUS status;

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hDevice = d32->hDevice;
    d.NumAllocations = d32->NumAllocations;
    d.AllocationList = ptr64(d32->AllocationList);
    d.Flags = d32->Flags;
    d.NumBytesToTrim = d32->NumBytesToTrim;
    status = CALL64(Evict, &params);
    d32->NumBytesToTrim = d.NumBytesToTrim;
    return status;
}

NTSTATUS wow64_SetAllocationPriority(void *args)
{
    const D3DKMT_SETALLOCATIONPRIORITY32 *d32 = DESC32(const D3DKMT_SETALLOCATIONPRIORITY32, args);
    D3DKMT_SETALLOCATIONPRIORITY d;
    struct SetAllocationPriority_params params = { &d };

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hDevice = d32->hDevice;
    d.hResource = d32->hResource;
    d.phAllocationList = ptr64(d32->phAllocationList);
    d.AllocationCount = d32->AllocationCount;
    d.pPriorities = ptr64(d32->pPriorities);
    return CALL64(SetAllocationPriority, &params);
}

/* pPriorities (UINT[]) is written where it is. */
NTSTATUS wow64_GetAllocationPriority(void *args)
{
    const D3DKMT_GETALLOCATIONPRIORITY32 *d32 = DESC32(const D3DKMT_GETALLOCATIONPRIORITY32, args);
    D3DKMT_GETALLOCATIONPRIORITY d;
    struct GetAllocationPriority_params params = { &d };

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hDevice = d32->hDevice;
    d.hResource = d32->hResource;
    d.phAllocationList = ptr64(d32->phAllocationList);
    d.AllocationCount = d32->AllocationCount;
    d.pPriorities = ptr64(d32->pPriorities);
    return CALL64(GetAllocationPriority, &params);
}

/* ---- Paging queues and synchronization objects ---- */

/* Out: hPagingQueue, hSyncObject, FenceValueCPUVirtualAddress (reachable, else the queue is
 * destroyed again). */
NTSTATUS wow64_CreatePagingQueue(void *args)
{
    D3DKMT_CREATEPAGINGQUEUE32 *d32 = DESC32(D3DKMT_CREATEPAGINGQUEUE32, args);
    D3DKMT_CREATEPAGINGQUEUE d;
    struct CreatePagingQueue_params params = { &d };
    NTSTATUS status;
    PTR32 cpu;

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hDevice = d32->hDevice;
    d.Priority = d32->Priority;
    d.hPagingQueue = d32->hPagingQueue;
    d.hSyncObject = d32->hSyncObject;
    d.FenceValueCPUVirtualAddress = ptr64(d32->FenceValueCPUVirtualAddress);
    d.PhysicalAdapterIndex = d32->PhysicalAdapterIndex;
    status = CALL64(CreatePagingQueue, &params);
    if (!ptr32(d.FenceValueCPUVirtualAddress, &cpu))
    {
        if (!status)
        {
            struct DestroyPagingQueue_params destroy = { &(D3DDDI_DESTROYPAGINGQUEUE){ d.hPagingQueue } };
            CALL64(DestroyPagingQueue, &destroy);
        }
        return STATUS_NO_MEMORY;
    }
    d32->hPagingQueue = d.hPagingQueue;
    d32->hSyncObject = d.hSyncObject;
    d32->FenceValueCPUVirtualAddress = cpu;
    return status;
}

/* The union of D3DDDI_SYNCHRONIZATIONOBJECTINFO2 has the same size and the same offsets of its
 * 64-bit members on x86 and x64; only its pointers and handles differ, by type: the union is
 * copied as it is, then those are converted.  Out: hSyncObject, Info.SharedHandle (the global
 * handle of a shared object), and a monitored fence's CPU and GPU addresses (the CPU one
 * reachable, else the object is destroyed again, its global handle with it). */
NTSTATUS wow64_CreateSynchronizationObject2(void *args)
{
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2_32 *d32 = DESC32(D3DKMT_CREATESYNCHRONIZATIONOBJECT2_32, args);
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 d;
    struct CreateSynchronizationObject2_params params = { &d };
    const void *cpu_address = NULL;
    NTSTATUS status;
    PTR32 cpu = 0;

    _Static_assert(sizeof(d.Info.Reserved) == sizeof(d32->Info.Reserved), "the union differs in size");
    if (!d32) return STATUS_INVALID_PARAMETER;
    memset(&d, 0, sizeof(d));
    d.hDevice = d32->hDevice;
    d.Info.Type = d32->Info.Type;
    d.Info.Flags = d32->Info.Flags;
    memcpy(&d.Info.Reserved, &d32->Info.Reserved, sizeof(d.Info.Reserved));
    switch (d32->Info.Type)
    {
    case D3DDDI_CPU_NOTIFICATION:
        d.Info.CPUNotification.Event = handle64(d32->Info.CPUNotification.Event);
        break;
    case D3DDDI_MONITORED_FENCE:
        d.Info.MonitoredFence.FenceValueCPUVirtualAddress = ptr64(d32->Info.MonitoredFence.FenceValueCPUVirtualAddress);
        break;
    case D3DDDI_PERIODIC_MONITORED_FENCE:
        d.Info.PeriodicMonitoredFence.FenceValueCPUVirtualAddress =
            ptr64(d32->Info.PeriodicMonitoredFence.FenceValueCPUVirtualAddress);
        break;
    default:
        break;
    }
    d.Info.SharedHandle = d32->Info.SharedHandle;
    d.hSyncObject = d32->hSyncObject;
    status = CALL64(CreateSynchronizationObject2, &params);
    if (d32->Info.Type == D3DDDI_MONITORED_FENCE) cpu_address = d.Info.MonitoredFence.FenceValueCPUVirtualAddress;
    else if (d32->Info.Type == D3DDDI_PERIODIC_MONITORED_FENCE)
        cpu_address = d.Info.PeriodicMonitoredFence.FenceValueCPUVirtualAddress;
    if (!ptr32(cpu_address, &cpu))
    {
        if (!status)
        {
            struct DestroySynchronizationObject_params destroy =
                { &(D3DKMT_DESTROYSYNCHRONIZATIONOBJECT){ d.hSyncObject } };
            CALL64(DestroySynchronizationObject, &destroy);
        }
        return STATUS_NO_MEMORY;
    }
    d32->hSyncObject = d.hSyncObject;
    d32->Info.SharedHandle = d.Info.SharedHandle;
    if (d32->Info.Type == D3DDDI_MONITORED_FENCE)
    {
        d32->Info.MonitoredFence.FenceValueCPUVirtualAddress = cpu;
        d32->Info.MonitoredFence.FenceValueGPUVirtualAddress = d.Info.MonitoredFence.FenceValueGPUVirtualAddress;
    }
    else if (d32->Info.Type == D3DDDI_PERIODIC_MONITORED_FENCE)
    {
        d32->Info.PeriodicMonitoredFence.FenceValueCPUVirtualAddress = cpu;
        d32->Info.PeriodicMonitoredFence.FenceValueGPUVirtualAddress =
            d.Info.PeriodicMonitoredFence.FenceValueGPUVirtualAddress;
    }
    return status;
}

NTSTATUS wow64_SignalSynchronizationObjectFromCpu(void *args)
{
    const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU32 *d32 =
        DESC32(const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU32, args);
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU d;
    struct SignalSynchronizationObjectFromCpu_params params = { &d };

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hDevice = d32->hDevice;
    d.ObjectCount = d32->ObjectCount;
    d.ObjectHandleArray = ptr64(d32->ObjectHandleArray);
    d.FenceValueArray = ptr64(d32->FenceValueArray);
    d.Flags = d32->Flags;
    return CALL64(SignalSynchronizationObjectFromCpu, &params);
}

static void wait_cpu_to_64(D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU *d,
                           const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU32 *d32)
{
    d->hDevice = d32->hDevice;
    d->ObjectCount = d32->ObjectCount;
    d->ObjectHandleArray = ptr64(d32->ObjectHandleArray);
    d->FenceValueArray = ptr64(d32->FenceValueArray);
    d->hAsyncEvent = handle64(d32->hAsyncEvent);
    d->Flags = d32->Flags;
}

NTSTATUS wow64_WaitForSynchronizationObjectFromCpu(void *args)
{
    const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU32 *d32 =
        DESC32(const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU32, args);
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU d;
    struct WaitForSynchronizationObjectFromCpu_params params = { &d };

    if (!d32) return STATUS_INVALID_PARAMETER;
    wait_cpu_to_64(&d, d32);
    return CALL64(WaitForSynchronizationObjectFromCpu, &params);
}

/* The GPU forms carry a union of a value array pointer (4 bytes on x86, zero-extended here) and an
 * inline FenceValue (8 bytes on both), which share their first bytes.  The library reads the
 * inline value when one of the objects is a fence (D3DDDI_FENCE) and the form has it (FromGpu2's
 * signal, the GPU wait), the array otherwise (src/sync.c: gpu_values): the thunk looks the types up
 * the same way and converts the meaning the library will read; the rest of the union is copied as
 * it is (docs/decisions/wow64.md).  A list the library refuses anyway (NULL, empty, over 64
 * handles, or naming no fence it knows) keeps the pointer meaning. */
static BOOL union_is_fence_value(PTR32 handles32, UINT count)
{
    UINT result = 0;
    struct lists_fence_params params = { ptr64(handles32), count, &result };

    return !CALL64(lists_fence, &params) && result;
}

/* SignalFromGpu (the first form) has no inline value: fences take theirs from the array too. */
NTSTATUS wow64_SignalSynchronizationObjectFromGpu(void *args)
{
    const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU32 *d32 =
        DESC32(const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU32, args);
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU d;
    struct SignalSynchronizationObjectFromGpu_params params = { &d };

    _Static_assert(sizeof(d.Reserved) == sizeof(d32->Reserved), "the union differs in size");
    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hContext = d32->hContext;
    d.ObjectCount = d32->ObjectCount;
    d.ObjectHandleArray = ptr64(d32->ObjectHandleArray);
    memcpy(d.Reserved, d32->Reserved, sizeof(d.Reserved));
    d.MonitoredFenceValueArray = ptr64(d32->MonitoredFenceValueArray);
    return CALL64(SignalSynchronizationObjectFromGpu, &params);
}

NTSTATUS wow64_SignalSynchronizationObjectFromGpu2(void *args)
{
    const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU2_32 *d32 =
        DESC32(const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU2_32, args);
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU2 d;
    struct SignalSynchronizationObjectFromGpu2_params params = { &d };

    _Static_assert(sizeof(d.Reserved) == sizeof(d32->Reserved), "the union differs in size");
    if (!d32) return STATUS_INVALID_PARAMETER;
    d.ObjectCount = d32->ObjectCount;
    d.ObjectHandleArray = ptr64(d32->ObjectHandleArray);
    d.Flags = d32->Flags;
    d.BroadcastContextCount = d32->BroadcastContextCount;
    d.BroadcastContextArray = ptr64(d32->BroadcastContextArray);
    memcpy(d.Reserved, d32->Reserved, sizeof(d.Reserved));
    if (!union_is_fence_value(d32->ObjectHandleArray, d32->ObjectCount))
        d.MonitoredFenceValueArray = ptr64(d32->MonitoredFenceValueArray);
    return CALL64(SignalSynchronizationObjectFromGpu2, &params);
}

NTSTATUS wow64_WaitForSynchronizationObjectFromGpu(void *args)
{
    const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU32 *d32 =
        DESC32(const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU32, args);
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU d;
    struct WaitForSynchronizationObjectFromGpu_params params = { &d };

    _Static_assert(sizeof(d.Reserved) == sizeof(d32->Reserved), "the union differs in size");
    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hContext = d32->hContext;
    d.ObjectCount = d32->ObjectCount;
    d.ObjectHandleArray = ptr64(d32->ObjectHandleArray);
    memcpy(d.Reserved, d32->Reserved, sizeof(d.Reserved));
    if (!union_is_fence_value(d32->ObjectHandleArray, d32->ObjectCount))
        d.MonitoredFenceValueArray = ptr64(d32->MonitoredFenceValueArray);
    return CALL64(WaitForSynchronizationObjectFromGpu, &params);
}

/* ---- Escape ---- */

/* The buffer is passed where it is: the one escape the library answers (D3DKMT_VK_STATISTICS) is
 * laid out the same on x86 and x64; the PE side hands every other type to Wine. */
NTSTATUS wow64_Escape(void *args)
{
    const D3DKMT_ESCAPE32 *d32 = DESC32(const D3DKMT_ESCAPE32, args);
    D3DKMT_ESCAPE d;
    struct Escape_params params = { &d };

    if (!d32) return STATUS_INVALID_PARAMETER;
    d.hAdapter = d32->hAdapter;
    d.hDevice = d32->hDevice;
    d.Type = d32->Type;
    d.Flags = d32->Flags;
    d.pPrivateDriverData = ptr64(d32->pPrivateDriverData);
    d.PrivateDriverDataSize = d32->PrivateDriverDataSize;
    d.hContext = d32->hContext;
    return CALL64(Escape, &params);
}

/* ---- The DLL's own calls (unixlib.h) ---- */

NTSTATUS wow64_wait_cpu_poll(void *args)
{
    const struct wait_cpu_poll_params32 *p32 = args;
    const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU32 *d32 = ptr64(p32->desc);
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU d;
    struct wait_cpu_poll_params params = { &d, p32->timeout_ms };

    if (!d32) return STATUS_INVALID_PARAMETER;
    wait_cpu_to_64(&d, d32);
    return CALL64(wait_cpu_poll, &params);
}

/* struct next_cpu_event_params, struct noop_params and struct share_handle_params: the same on x86
 * and x64.  A CPU notification's event comes back as the UINT64 the library was given (the
 * handle sign-extended by wow64_CreateSynchronizationObject2); the i386 PE side truncates it. */
NTSTATUS wow64_next_cpu_event(void *args)
{
    return CALL64(next_cpu_event, args);
}

/* struct noop_params and struct share_handle_params: the same on x86 and x64. */
NTSTATUS wow64_noop(void *args)
{
    return CALL64(noop, args);
}

NTSTATUS wow64_share_handle(void *args)
{
    return CALL64(share_handle, args);
}

NTSTATUS wow64_enum_adapters(void *args)
{
    const struct enum_adapters_params32 *p32 = args;
    struct enum_adapters_params params = { ptr64(p32->adapters), ptr64(p32->count) };

    return CALL64(enum_adapters, &params);
}

NTSTATUS wow64_set_adapter_luid(void *args)
{
    const struct set_adapter_luid_params32 *p32 = args;
    struct set_adapter_luid_params params = { ptr64(p32->uuid), p32->luid };

    return CALL64(set_adapter_luid, &params);
}

NTSTATUS wow64_has_handle(void *args)
{
    const struct has_handle_params32 *p32 = args;
    struct has_handle_params params = { p32->handle, p32->kind, ptr64(p32->result) };

    return CALL64(has_handle, &params);
}

NTSTATUS wow64_lists_fence(void *args)
{
    const struct lists_fence_params32 *p32 = args;
    struct lists_fence_params params = { ptr64(p32->handles), p32->count, ptr64(p32->result) };

    return CALL64(lists_fence, &params);
}
