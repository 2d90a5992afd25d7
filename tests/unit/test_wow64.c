/*
 * test_wow64.c: the wow64 thunks of d3dkmt.so (dlls/d3dkmt/d3dkmt_wow64.c), which serve 32-bit PE
 * code in Wine's new WoW64 mode.  Debian packages no Wine of that mode, so the conversions are
 * tested here directly: each Unix call's descriptor is built byte by byte in Windows' x86 layout
 * (the offsets written out below, from Microsoft's headers: the x86 column of the project's layout
 * table), in memory below 2 GiB, and handed to __wine_unix_call_wow64_funcs[]; a recording fake of
 * the library (the D3DKMT* entry points and the host API calls d3dkmt_unix.c makes) checks every
 * field of the 64-bit descriptor it receives and writes outputs, which the test then finds in the
 * 32-bit descriptor and arrays.  Covered too: NULL descriptors, pointers above 2 GiB (zero-
 * extended), handles (sign-extended), counts past the library's limit, NULL and empty arrays, and
 * pointers the library returns above 4 GiB (the call undone, STATUS_NO_MEMORY, nothing written).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <sys/mman.h>

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

#include <cmocka.h>

extern const d3dkmt_unixlib_entry_t __wine_unix_call_wow64_funcs[];

#ifndef ARRAY_SIZE
# define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* ---- A recording fake of the library ---- */

#define MAX_CALLS 8
static struct { const char *name; void *desc; } calls[MAX_CALLS];
static int ncalls;
/* What the fake does with a call: checks the 64-bit descriptor, writes outputs, returns a status. */
static NTSTATUS (*hook)(const char *name, void *desc);
/* Extra arguments of the host API calls. */
static uint64_t last_timeout_ns;
static uint32_t *last_count;
static uint32_t last_kind;
static LUID last_luid;

static NTSTATUS fake(const char *name, void *desc)
{
    if (ncalls < MAX_CALLS)
    {
        calls[ncalls].name = name;
        calls[ncalls].desc = desc;
    }
    ncalls++;
    return hook ? hook(name, desc) : STATUS_SUCCESS;
}

#define FAKE_ENTRY(name, type) \
    NTSTATUS WINAPI D3DKMT##name(type *desc) { return fake(#name, (void *)desc); }
D3DKMT_UNIX_CALLS(FAKE_ENTRY)
#undef FAKE_ENTRY

NTSTATUS d3dkmt_host_wait_from_cpu(const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU *desc, uint64_t timeout_ns)
{
    last_timeout_ns = timeout_ns;
    return fake("wait_from_cpu", (void *)desc);
}

/* What the fake d3dkmt_host_next_cpu_event gives: status, and the entry (in_flight always). */
static NTSTATUS next_event_status;
static struct d3dkmt_host_cpu_event next_event;

NTSTATUS d3dkmt_host_next_cpu_event(uint64_t timeout_ns, struct d3dkmt_host_cpu_event *out)
{
    last_timeout_ns = timeout_ns;
    fake("next_cpu_event", out);
    out->in_flight = next_event.in_flight;
    if (next_event_status) return next_event_status;
    out->event = next_event.event;
    out->release = next_event.release;
    return STATUS_SUCCESS;
}

/* The fake library's sync objects for d3dkmt_host_get_sync_object_type: 0x40000800 + i has type
 * sync_types[i] (0: no such object); the lookups are counted, not recorded as calls. */
static uint32_t sync_types[4];
static int type_lookups;

NTSTATUS d3dkmt_host_get_sync_object_type(D3DKMT_HANDLE h, uint32_t *type)
{
    type_lookups++;
    if (h < 0x40000800 || h >= 0x40000800 + ARRAY_SIZE(sync_types) || !sync_types[h - 0x40000800])
        return STATUS_INVALID_HANDLE;
    *type = sync_types[h - 0x40000800];
    return STATUS_SUCCESS;
}

NTSTATUS d3dkmt_host_enum_adapters(struct d3dkmt_host_adapter_desc *out, uint32_t *count)
{
    last_count = count;
    return fake("enum_adapters", out);
}

NTSTATUS d3dkmt_host_set_adapter_luid(const uint8_t *uuid, LUID luid)
{
    last_luid = luid;
    return fake("set_adapter_luid", (void *)uuid);
}

uint32_t d3dkmt_host_has_handle(D3DKMT_HANDLE h, uint32_t kind)
{
    last_kind = kind;
    fake("has_handle", (void *)(uintptr_t)h);
    return h == 0x40000004;
}

NTSTATUS d3dkmt_host_share_handle(D3DKMT_HANDLE own, D3DKMT_HANDLE foreign)
{
    last_kind = foreign;
    return fake("share_handle", (void *)(uintptr_t)own);
}

/* ---- 32-bit memory and the x86 layout ---- */

static char *low;
static size_t low_used;
#define LOW_SIZE (1u << 20)

/* size bytes below 2 GiB (MAP_32BIT), zeroed, 16-aligned. */
static void *low_alloc(size_t size)
{
    void *p = low + low_used;

    low_used += (size + 15) & ~(size_t)15;
    assert_true(low_used <= LOW_SIZE);
    memset(p, 0, size);
    return p;
}

static PTR32 p32(const void *p)
{
    assert_true((uintptr_t)p <= 0xffffffffu);
    return (PTR32)(uintptr_t)p;
}

static void put32(void *b, size_t off, uint32_t v) { memcpy((char *)b + off, &v, 4); }
static void put64(void *b, size_t off, uint64_t v) { memcpy((char *)b + off, &v, 8); }
static uint32_t get32(const void *b, size_t off) { uint32_t v; memcpy(&v, (const char *)b + off, 4); return v; }
static uint64_t get64(const void *b, size_t off) { uint64_t v; memcpy(&v, (const char *)b + off, 8); return v; }

/* Pointers a 32-bit program may pass that the fake never dereferences: one above 2 GiB (a
 * large-address-aware program's) and one below. */
#define HIGH_PTR32 0xc0001000u
#define LOW_PTR32  0x00401000u
/* An address no 32-bit program can reach, as the library might return one. */
#define ABOVE_4G ((void *)(uintptr_t)0x7f0000001000ull)

static NTSTATUS call32(unsigned int code, void *params)
{
    ncalls = 0;
    return __wine_unix_call_wow64_funcs[code](params);
}

/* The call of a descriptor: struct desc_params32 { desc }. */
static NTSTATUS call_desc(unsigned int code, const void *desc32)
{
    struct desc_params32 params = { desc32 ? p32(desc32) : 0 };
    return call32(code, &params);
}

static int setup(void **state)
{
    hook = NULL;
    ncalls = 0;
    low_used = 0;
    memset(sync_types, 0, sizeof(sync_types));
    type_lookups = 0;
    return 0;
}

/* ---- The table ---- */

static void test_table(void **state)
{
    unsigned int i;

    for (i = 0; i < unix_funcs_count; i++) assert_non_null(__wine_unix_call_wow64_funcs[i]);
    assert_ptr_equal(__wine_unix_call_wow64_funcs[unix_OfferAllocations], wow64_OfferAllocations);
    assert_ptr_equal(__wine_unix_call_wow64_funcs[unix_Escape], wow64_Escape);
    assert_ptr_equal(__wine_unix_call_wow64_funcs[unix_OpenResource2], wow64_OpenResource2);
    assert_ptr_equal(__wine_unix_call_wow64_funcs[unix_OpenSynchronizationObject], wow64_OpenSynchronizationObject);
    assert_ptr_equal(__wine_unix_call_wow64_funcs[unix_wait_cpu_poll], wow64_wait_cpu_poll);
    assert_ptr_equal(__wine_unix_call_wow64_funcs[unix_next_cpu_event], wow64_next_cpu_event);
    assert_ptr_equal(__wine_unix_call_wow64_funcs[unix_share_handle], wow64_share_handle);
}

/* A NULL descriptor: STATUS_INVALID_PARAMETER, and the library is not called. */
static void test_null_descriptors(void **state)
{
    struct wait_cpu_poll_params32 poll = { 0, 0 };
    unsigned int code = 0;

#define NULL_DESC(name, type) \
    assert_int_equal(call_desc(unix_##name, NULL), STATUS_INVALID_PARAMETER); \
    assert_int_equal(ncalls, 0); \
    code++;
    D3DKMT_UNIX_CALLS(NULL_DESC)
#undef NULL_DESC
    assert_int_equal(code, unix_wait_cpu_poll);
    assert_int_equal(call32(unix_wait_cpu_poll, &poll), STATUS_INVALID_PARAMETER);
    assert_int_equal(ncalls, 0);
}

/* ---- Descriptors with the same layout on x86 and x64: the 32-bit descriptor itself ---- */

static void test_same_layout(void **state)
{
    static const struct { unsigned int code; const char *name; size_t size; } same[] =
    {
        { unix_EnumAdapters, "EnumAdapters", 4 + 16 * 20 },
        { unix_OpenAdapterFromLuid, "OpenAdapterFromLuid", 12 },
        { unix_CloseAdapter, "CloseAdapter", 4 },
        { unix_DestroyDevice, "DestroyDevice", 4 },
        { unix_Unlock2, "Unlock2", 8 },
        { unix_DestroyPagingQueue, "DestroyPagingQueue", 4 },
        { unix_DestroySynchronizationObject, "DestroySynchronizationObject", 4 },
        { unix_CreateSynchronizationObject, "CreateSynchronizationObject", 76 },
        { unix_OpenSynchronizationObject, "OpenSynchronizationObject", 72 },
    };
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(same); i++)
    {
        void *desc = low_alloc(same[i].size);
        assert_int_equal(call_desc(same[i].code, desc), STATUS_SUCCESS);
        assert_int_equal(ncalls, 1);
        assert_string_equal(calls[0].name, same[i].name);
        assert_ptr_equal(calls[0].desc, desc);
    }
}

/* ---- Adapters ---- */

static NTSTATUS hook_enum2(const char *name, void *desc)
{
    D3DKMT_ENUMADAPTERS2 *d = desc;
    assert_string_equal(name, "EnumAdapters2");
    assert_int_equal(d->NumAdapters, 4);
    assert_ptr_equal(d->pAdapters, (void *)(uintptr_t)HIGH_PTR32);
    d->NumAdapters = 2;
    return STATUS_BUFFER_TOO_SMALL;
}

static void test_enum_adapters2(void **state)
{
    void *d = low_alloc(8);     /* NumAdapters 0, pAdapters 4 */

    put32(d, 0, 4);
    put32(d, 4, HIGH_PTR32);
    hook = hook_enum2;
    assert_int_equal(call_desc(unix_EnumAdapters2, d), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(ncalls, 1);
    assert_int_equal(get32(d, 0), 2);
    assert_int_equal(get32(d, 4), HIGH_PTR32);
}

static NTSTATUS hook_query_adapter_info(const char *name, void *desc)
{
    const D3DKMT_QUERYADAPTERINFO *d = desc;
    assert_string_equal(name, "QueryAdapterInfo");
    assert_int_equal(d->hAdapter, 0x40000001);
    assert_int_equal(d->Type, KMTQAITYPE_GETSEGMENTSIZE);
    assert_ptr_equal(d->pPrivateDriverData, (void *)(uintptr_t)HIGH_PTR32);
    assert_int_equal(d->PrivateDriverDataSize, 24);
    return STATUS_SUCCESS;
}

static void test_query_adapter_info(void **state)
{
    void *d = low_alloc(16);    /* hAdapter 0, Type 4, pPrivateDriverData 8, PrivateDriverDataSize 12 */

    put32(d, 0, 0x40000001);
    put32(d, 4, KMTQAITYPE_GETSEGMENTSIZE);
    put32(d, 8, HIGH_PTR32);
    put32(d, 12, 24);
    hook = hook_query_adapter_info;
    assert_int_equal(call_desc(unix_QueryAdapterInfo, d), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
}

static NTSTATUS hook_video_memory(const char *name, void *desc)
{
    D3DKMT_QUERYVIDEOMEMORYINFO *d = desc;
    assert_string_equal(name, "QueryVideoMemoryInfo");
    assert_ptr_equal(d->hProcess, (HANDLE)(LONG_PTR)-1);   /* the pseudo handle, sign-extended */
    assert_int_equal(d->hAdapter, 0x40000002);
    assert_int_equal(d->MemorySegmentGroup, D3DKMT_MEMORY_SEGMENT_GROUP_NON_LOCAL);
    assert_int_equal(d->PhysicalAdapterIndex, 7);
    d->Budget = 0x100000000ull + 1;
    d->CurrentUsage = 0x200000000ull + 2;
    d->CurrentReservation = 3;
    d->AvailableForReservation = 0x400000000ull + 4;
    return STATUS_SUCCESS;
}

static void test_query_video_memory_info(void **state)
{
    /* hProcess 0, hAdapter 4, MemorySegmentGroup 8, Budget 16, CurrentUsage 24, CurrentReservation
     * 32, AvailableForReservation 40, PhysicalAdapterIndex 48; 56 bytes */
    void *d = low_alloc(56);

    put32(d, 0, 0xffffffffu);
    put32(d, 4, 0x40000002);
    put32(d, 8, D3DKMT_MEMORY_SEGMENT_GROUP_NON_LOCAL);
    put32(d, 48, 7);
    hook = hook_video_memory;
    assert_int_equal(call_desc(unix_QueryVideoMemoryInfo, d), STATUS_SUCCESS);
    assert_true(get64(d, 16) == 0x100000001ull);
    assert_true(get64(d, 24) == 0x200000002ull);
    assert_true(get64(d, 32) == 3);
    assert_true(get64(d, 40) == 0x400000004ull);
    assert_int_equal(get32(d, 0), 0xffffffffu);
    assert_int_equal(get32(d, 48), 7);
}

/* ---- Devices ---- */

static NTSTATUS hook_create_device(const char *name, void *desc)
{
    D3DKMT_CREATEDEVICE *d = desc;
    if (!strcmp(name, "DestroyDevice")) return STATUS_SUCCESS;
    assert_string_equal(name, "CreateDevice");
    assert_int_equal(d->hAdapter, 0x40000003);
    assert_int_equal(d->Flags.RequestVSync, 1);
    assert_ptr_equal(d->pCommandBuffer, (void *)(uintptr_t)LOW_PTR32);
    d->hDevice = 0x40000100;
    d->pCommandBuffer = NULL;
    d->CommandBufferSize = 0;
    d->pAllocationList = NULL;
    d->pPatchLocationList = NULL;
    return STATUS_SUCCESS;
}

static NTSTATUS hook_create_device_high(const char *name, void *desc)
{
    D3DKMT_CREATEDEVICE *d = desc;
    if (!strcmp(name, "DestroyDevice"))
    {
        assert_int_equal(((D3DKMT_DESTROYDEVICE *)desc)->hDevice, 0x40000100);
        return STATUS_SUCCESS;
    }
    d->hDevice = 0x40000100;
    d->pCommandBuffer = ABOVE_4G;
    return STATUS_SUCCESS;
}

static void test_create_device(void **state)
{
    /* hAdapter 0, Flags 4, hDevice 8, pCommandBuffer 12, CommandBufferSize 16, pAllocationList 20,
     * AllocationListSize 24, pPatchLocationList 28, PatchLocationListSize 32; 36 bytes */
    void *d = low_alloc(36);

    put32(d, 0, 0x40000003);
    put32(d, 4, 2);             /* RequestVSync */
    put32(d, 12, LOW_PTR32);
    put32(d, 16, 64);
    hook = hook_create_device;
    assert_int_equal(call_desc(unix_CreateDevice, d), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
    assert_int_equal(get32(d, 8), 0x40000100);
    assert_int_equal(get32(d, 12), 0);
    assert_int_equal(get32(d, 16), 0);
    assert_int_equal(get32(d, 20), 0);
    assert_int_equal(get32(d, 28), 0);

    /* A legacy pointer out of reach: the device is destroyed again, nothing written back. */
    memset(d, 0, 36);
    put32(d, 0, 0x40000003);
    hook = hook_create_device_high;
    assert_int_equal(call_desc(unix_CreateDevice, d), STATUS_NO_MEMORY);
    assert_int_equal(ncalls, 2);
    assert_string_equal(calls[1].name, "DestroyDevice");
    assert_int_equal(get32(d, 8), 0);
}

/* ---- Allocations ---- */

static char *alloc_data[2];

static NTSTATUS hook_create_allocation(const char *name, void *desc)
{
    D3DKMT_CREATEALLOCATION *d = desc;
    UINT i;

    assert_string_equal(name, "CreateAllocation");
    assert_int_equal(d->hDevice, 0x40000100);
    assert_int_equal(d->hResource, 0);
    assert_ptr_equal(d->pPrivateRuntimeData, (void *)(uintptr_t)HIGH_PTR32);
    assert_int_equal(d->PrivateRuntimeDataSize, 12);
    assert_ptr_equal(d->pPrivateDriverData, (void *)(uintptr_t)LOW_PTR32);
    assert_int_equal(d->PrivateDriverDataSize, 4);
    assert_int_equal(d->NumAllocations, 2);
    assert_int_equal(d->Flags.CreateResource, 1);
    assert_ptr_equal(d->hPrivateRuntimeResourceHandle, (HANDLE)(LONG_PTR)-2);
    assert_non_null(d->pAllocationInfo);
    for (i = 0; i < 2; i++)
    {
        const D3DDDI_ALLOCATIONINFO *info = &d->pAllocationInfo[i];
        assert_int_equal(info->hAllocation, 0);
        assert_ptr_equal(info->pSystemMem, i ? (void *)(uintptr_t)HIGH_PTR32 : NULL);
        assert_ptr_equal(info->pPrivateDriverData, alloc_data[i]);
        assert_int_equal(info->PrivateDriverDataSize, 32 + i);
        assert_int_equal(info->VidPnSourceId, 5 + i);
        assert_int_equal(info->Flags.Value, i ? 2 : 1);
        d->pAllocationInfo[i].hAllocation = 0x40000200 + i;
    }
    d->hResource = 0x40000300;
    return STATUS_SUCCESS;
}

static void test_create_allocation(void **state)
{
    /* hDevice 0, hResource 4, hGlobalShare 8, pPrivateRuntimeData 12, PrivateRuntimeDataSize 16,
     * pPrivateDriverData 20, PrivateDriverDataSize 24, NumAllocations 28, pAllocationInfo 32,
     * Flags 36, hPrivateRuntimeResourceHandle 40; 44 bytes.  D3DDDI_ALLOCATIONINFO: hAllocation 0,
     * pSystemMem 4, pPrivateDriverData 8, PrivateDriverDataSize 12, VidPnSourceId 16, Flags 20;
     * 24 bytes. */
    void *d = low_alloc(44);
    char *info = low_alloc(2 * 24);
    UINT i;

    for (i = 0; i < 2; i++)
    {
        alloc_data[i] = low_alloc(64);
        put32(info + 24 * i, 4, i ? HIGH_PTR32 : 0);
        put32(info + 24 * i, 8, p32(alloc_data[i]));
        put32(info + 24 * i, 12, 32 + i);
        put32(info + 24 * i, 16, 5 + i);
        put32(info + 24 * i, 20, i ? 2 : 1);
    }
    put32(d, 0, 0x40000100);
    put32(d, 12, HIGH_PTR32);
    put32(d, 16, 12);
    put32(d, 20, LOW_PTR32);
    put32(d, 24, 4);
    put32(d, 28, 2);
    put32(d, 32, p32(info));
    put32(d, 36, 1);            /* CreateResource */
    put32(d, 40, 0xfffffffeu);
    hook = hook_create_allocation;
    assert_int_equal(call_desc(unix_CreateAllocation, d), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
    assert_int_equal(get32(d, 4), 0x40000300);
    assert_int_equal(get32(info, 0), 0x40000200);
    assert_int_equal(get32(info + 24, 0), 0x40000201);
    /* The inputs stay. */
    assert_int_equal(get32(info + 24, 8), p32(alloc_data[1]));
    assert_int_equal(get32(d, 32), p32(info));
}

static NTSTATUS hook_create_allocation2(const char *name, void *desc)
{
    D3DKMT_CREATEALLOCATION *d = desc;
    const D3DDDI_ALLOCATIONINFO2 *info;

    assert_string_equal(name, "CreateAllocation2");
    assert_int_equal(d->NumAllocations, 1);
    info = d->pAllocationInfo2;
    assert_non_null(info);
    assert_ptr_equal(info->pSystemMem, (void *)(uintptr_t)HIGH_PTR32);
    assert_ptr_equal(info->pPrivateDriverData, alloc_data[0]);
    assert_int_equal(info->PrivateDriverDataSize, 32);
    assert_int_equal(info->VidPnSourceId, 9);
    assert_int_equal(info->Flags.OverridePriority, 1);
    assert_true(info->GpuVirtualAddress == 0x123456789000ull);
    assert_int_equal(info->Priority, 0x78000000);
    assert_int_equal(info->Reserved[4], 0x55);
    d->pAllocationInfo2[0].hAllocation = 0x40000400;
    d->pAllocationInfo2[0].GpuVirtualAddress = 0xabcdef000000ull;
    return STATUS_INVALID_PARAMETER;
}

static NTSTATUS hook_create_allocation2_section(const char *name, void *desc)
{
    D3DKMT_CREATEALLOCATION *d = desc;
    assert_int_equal(d->Flags.ExistingSection, 1);
    assert_ptr_equal(d->pAllocationInfo2[0].hSection, (HANDLE)(LONG_PTR)-16);
    return STATUS_INVALID_PARAMETER;
}

static void test_create_allocation2(void **state)
{
    /* D3DDDI_ALLOCATIONINFO2: hAllocation 0, pSystemMem / hSection 4, pPrivateDriverData 8,
     * PrivateDriverDataSize 12, VidPnSourceId 16, Flags 20, GpuVirtualAddress 24, Priority 32,
     * Reserved 36..55; 56 bytes. */
    void *d = low_alloc(44);
    char *info = low_alloc(56);

    alloc_data[0] = low_alloc(32);
    put32(info, 4, HIGH_PTR32);
    put32(info, 8, p32(alloc_data[0]));
    put32(info, 12, 32);
    put32(info, 16, 9);
    put32(info, 20, 4);         /* OverridePriority */
    put64(info, 24, 0x123456789000ull);
    put32(info, 32, 0x78000000);
    put32(info, 52, 0x55);
    put32(d, 0, 0x40000100);
    put32(d, 28, 1);
    put32(d, 32, p32(info));
    hook = hook_create_allocation2;
    /* The outputs come back whatever the status, as the 64-bit path copies them back. */
    assert_int_equal(call_desc(unix_CreateAllocation2, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(get32(info, 0), 0x40000400);
    assert_true(get64(info, 24) == 0xabcdef000000ull);
    assert_int_equal(get32(info, 4), HIGH_PTR32);

    /* ExistingSection: the union is a handle, sign-extended. */
    put32(d, 36, 1u << 17);
    put32(info, 4, 0xfffffff0u);
    hook = hook_create_allocation2_section;
    assert_int_equal(call_desc(unix_CreateAllocation2, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(ncalls, 1);
}

static NTSTATUS hook_create_allocation_arrays(const char *name, void *desc)
{
    D3DKMT_CREATEALLOCATION *d = desc;
    /* a NULL array stays NULL, an empty one stays non-NULL */
    if (d->NumAllocations == 5) assert_null(d->pAllocationInfo);
    else { assert_int_equal(d->NumAllocations, 0); assert_non_null(d->pAllocationInfo); }
    return STATUS_INVALID_PARAMETER;
}

static void test_create_allocation_counts(void **state)
{
    void *d = low_alloc(44);
    void *info = low_alloc(24);

    put32(d, 0, 0x40000100);
    /* More than the library takes: refused before any conversion, the library not called. */
    put32(d, 28, 1025);
    put32(d, 32, p32(info));
    assert_int_equal(call_desc(unix_CreateAllocation, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(call_desc(unix_CreateAllocation2, d), STATUS_INVALID_PARAMETER);
    put32(d, 28, 0xffffffffu);
    assert_int_equal(call_desc(unix_CreateAllocation, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(ncalls, 0);
    /* NULL array with a count, and an empty array: as the application passed them. */
    hook = hook_create_allocation_arrays;
    put32(d, 28, 5);
    put32(d, 32, 0);
    assert_int_equal(call_desc(unix_CreateAllocation, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(ncalls, 1);
    put32(d, 28, 0);
    put32(d, 32, p32(info));
    assert_int_equal(call_desc(unix_CreateAllocation2, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(ncalls, 1);
}

/* D3DKMT_CREATEALLOCATIONFLAGS of a standard allocation (StandardAllocation, ExistingSysMem), with
 * CreateResource and CreateShared. */
static UINT standard_flags(void)
{
    D3DKMT_CREATEALLOCATIONFLAGS flags;
    UINT value;

    memset(&flags, 0, sizeof(flags));
    flags.CreateResource = 1;
    flags.CreateShared = 1;
    flags.ExistingSysMem = 1;
    flags.StandardAllocation = 1;
    memcpy(&value, &flags, sizeof(value));
    return value;
}

static void *standard32_seen;

static NTSTATUS hook_create_standard(const char *name, void *desc)
{
    D3DKMT_CREATEALLOCATION *d = desc;
    const D3DKMT_CREATESTANDARDALLOCATION *standard = d->pStandardAllocation;
    BOOL v2 = !strcmp(name, "CreateAllocation2");

    assert_true(v2 || !strcmp(name, "CreateAllocation"));
    assert_int_equal(d->hDevice, 0x40000100);
    assert_int_equal(d->Flags.StandardAllocation, 1);
    assert_int_equal(d->Flags.ExistingSysMem, 1);
    assert_int_equal(d->Flags.CreateShared, 1);
    assert_int_equal(d->PrivateDriverDataSize, 0);
    assert_int_equal(d->NumAllocations, 1);
    /* The 12-byte x86 struct converted into memory of the thunk: Size zero-extended, Flags from
     * its x86 offset, nothing read past it (0xdeadbeef there). */
    assert_non_null(standard);
    assert_ptr_not_equal(standard, standard32_seen);
    assert_int_equal(standard->Type, D3DKMT_STANDARDALLOCATIONTYPE_EXISTINGHEAP);
    assert_true(standard->ExistingHeapData.Size == 0xfffff000ull);
    assert_int_equal(standard->Flags.Value, 5);
    if (v2)
    {
        assert_ptr_equal(d->pAllocationInfo2[0].pSystemMem, (void *)(uintptr_t)HIGH_PTR32);
        d->pAllocationInfo2[0].hAllocation = 0x40000410;
        d->pAllocationInfo2[0].GpuVirtualAddress = 0x1234500000ull;
    }
    else
    {
        assert_ptr_equal(d->pAllocationInfo[0].pSystemMem, (void *)(uintptr_t)HIGH_PTR32);
        d->pAllocationInfo[0].hAllocation = 0x40000410;
    }
    d->hResource = 0x40000310;
    d->hGlobalShare = 0x40000c00;
    return STATUS_SUCCESS;
}

static NTSTATUS hook_create_standard_unconverted(const char *name, void *desc)
{
    D3DKMT_CREATEALLOCATION *d = desc;
    /* Not the standard form the library reads (a size given, or no struct): passed as it is. */
    assert_ptr_equal(d->pPrivateDriverData, standard32_seen);
    return STATUS_INVALID_PARAMETER;
}

static void test_create_standard_allocation(void **state)
{
    /* D3DKMT_CREATESTANDARDALLOCATION on x86: Type 0, ExistingHeapData.Size 4 (a 4-byte SIZE_T),
     * Flags 8; 12 bytes (x64: 8 and 16, 24 bytes). */
    void *d = low_alloc(44);
    char *standard = low_alloc(16);
    char *info = low_alloc(56);
    unsigned int v2;

    put32(standard, 0, D3DKMT_STANDARDALLOCATIONTYPE_EXISTINGHEAP);
    put32(standard, 4, 0xfffff000u);
    put32(standard, 8, 5);
    put32(standard, 12, 0xdeadbeefu);   /* past the struct */
    standard32_seen = standard;
    for (v2 = 0; v2 < 2; v2++)
    {
        memset(d, 0, 44);
        memset(info, 0, 56);
        put32(d, 0, 0x40000100);
        put32(d, 20, p32(standard));
        put32(d, 28, 1);
        put32(d, 32, p32(info));
        put32(d, 36, standard_flags());
        put32(info, 4, HIGH_PTR32);         /* the existing heap */
        hook = hook_create_standard;
        assert_int_equal(call_desc(v2 ? unix_CreateAllocation2 : unix_CreateAllocation, d), STATUS_SUCCESS);
        assert_int_equal(ncalls, 1);
        assert_int_equal(get32(d, 4), 0x40000310);
        assert_int_equal(get32(d, 8), 0x40000c00);
        assert_int_equal(get32(info, 0), 0x40000410);
        if (v2) assert_true(get64(info, 24) == 0x1234500000ull);
        /* The 32-bit struct is not written. */
        assert_int_equal(get32(standard, 4), 0xfffff000u);
        assert_int_equal(get32(standard, 8), 5);
        assert_int_equal(get32(d, 20), p32(standard));

        /* With a private driver data size, the library refuses it: no conversion. */
        put32(d, 24, 24);
        hook = hook_create_standard_unconverted;
        assert_int_equal(call_desc(v2 ? unix_CreateAllocation2 : unix_CreateAllocation, d), STATUS_INVALID_PARAMETER);
        assert_int_equal(ncalls, 1);
    }
    /* No struct: NULL stays NULL. */
    put32(d, 20, 0);
    put32(d, 24, 0);
    standard32_seen = NULL;
    assert_int_equal(call_desc(unix_CreateAllocation, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(ncalls, 1);
}

static NTSTATUS hook_query_resource_info(const char *name, void *desc)
{
    D3DKMT_QUERYRESOURCEINFO *d = desc;
    assert_string_equal(name, "QueryResourceInfo");
    assert_int_equal(d->hDevice, 0x40000100);
    assert_int_equal(d->hGlobalShare, 0x40000c00);
    assert_ptr_equal(d->pPrivateRuntimeData, (void *)(uintptr_t)HIGH_PTR32);
    assert_int_equal(d->PrivateRuntimeDataSize, 7);
    assert_int_equal(d->TotalPrivateDriverDataSize, 8);
    assert_int_equal(d->ResourcePrivateDriverDataSize, 9);
    assert_int_equal(d->NumAllocations, 10);
    d->PrivateRuntimeDataSize = 100;
    d->TotalPrivateDriverDataSize = 2 * sizeof(D3DKMT_VK_ALLOCATIONDATA);
    d->ResourcePrivateDriverDataSize = 0;
    d->NumAllocations = 2;
    return STATUS_SUCCESS;
}

static void test_query_resource_info(void **state)
{
    /* hDevice 0, hGlobalShare 4, pPrivateRuntimeData 8, PrivateRuntimeDataSize 12,
     * TotalPrivateDriverDataSize 16, ResourcePrivateDriverDataSize 20, NumAllocations 24; 28 bytes */
    void *d = low_alloc(28);

    put32(d, 0, 0x40000100);
    put32(d, 4, 0x40000c00);
    put32(d, 8, HIGH_PTR32);
    put32(d, 12, 7);
    put32(d, 16, 8);
    put32(d, 20, 9);
    put32(d, 24, 10);
    hook = hook_query_resource_info;
    assert_int_equal(call_desc(unix_QueryResourceInfo, d), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
    assert_int_equal(get32(d, 12), 100);
    assert_int_equal(get32(d, 16), 2 * sizeof(D3DKMT_VK_ALLOCATIONDATA));
    assert_int_equal(get32(d, 20), 0);
    assert_int_equal(get32(d, 24), 2);
    assert_int_equal(get32(d, 8), HIGH_PTR32);
}

static char *open_data[2];
static void *open_runtime, *open_total;

static NTSTATUS hook_open_resource(const char *name, void *desc)
{
    D3DKMT_OPENRESOURCE *d = desc;
    BOOL v2 = !strcmp(name, "OpenResource2");
    UINT i;

    assert_true(v2 || !strcmp(name, "OpenResource"));
    assert_int_equal(d->hDevice, 0x40000100);
    assert_int_equal(d->hGlobalShare, 0x40000c00);
    assert_int_equal(d->NumAllocations, 2);
    assert_ptr_equal(d->pPrivateRuntimeData, open_runtime);
    assert_int_equal(d->PrivateRuntimeDataSize, 16);
    assert_ptr_equal(d->pResourcePrivateDriverData, (void *)(uintptr_t)HIGH_PTR32);
    assert_int_equal(d->ResourcePrivateDriverDataSize, 0);
    assert_ptr_equal(d->pTotalPrivateDriverDataBuffer, open_total);
    assert_int_equal(d->TotalPrivateDriverDataBufferSize, 3 * sizeof(D3DKMT_VK_ALLOCATIONDATA));
    assert_int_equal(d->hResource, 0);
    assert_non_null(d->pOpenAllocationInfo);
    for (i = 0; i < 2; i++)
    {
        if (v2)
        {
            D3DDDI_OPENALLOCATIONINFO2 *info = &d->pOpenAllocationInfo2[i];
            assert_int_equal(info->hAllocation, 0);
            assert_ptr_equal(info->pPrivateDriverData, open_data[i]);
            assert_int_equal(info->PrivateDriverDataSize, 40 + i);
            assert_true(info->GpuVirtualAddress == 0);
            assert_true(info->Reserved[0] == 0x11 + i);
            assert_true(info->Reserved[5] == 0xfffffff0u);   /* ULONG_PTR: zero-extended */
            info->GpuVirtualAddress = 0x2000000000ull + i;
        }
        else
        {
            D3DDDI_OPENALLOCATIONINFO *info = &d->pOpenAllocationInfo[i];
            assert_int_equal(info->hAllocation, 0);
            assert_ptr_equal(info->pPrivateDriverData, open_data[i]);
            assert_int_equal(info->PrivateDriverDataSize, 40 + i);
        }
        if (v2)
        {
            d->pOpenAllocationInfo2[i].hAllocation = 0x40000500 + i;
            d->pOpenAllocationInfo2[i].PrivateDriverDataSize = sizeof(D3DKMT_VK_ALLOCATIONDATA);
        }
        else
        {
            d->pOpenAllocationInfo[i].hAllocation = 0x40000500 + i;
            d->pOpenAllocationInfo[i].PrivateDriverDataSize = sizeof(D3DKMT_VK_ALLOCATIONDATA);
        }
    }
    memset(d->pPrivateRuntimeData, 0x5a, 16);
    memset(d->pTotalPrivateDriverDataBuffer, 0xa5, 2 * sizeof(D3DKMT_VK_ALLOCATIONDATA));
    d->TotalPrivateDriverDataBufferSize = 2 * sizeof(D3DKMT_VK_ALLOCATIONDATA);
    d->ResourcePrivateDriverDataSize = 0;
    d->hResource = 0x40000320;
    /* The outputs come back whatever the status (the 64-bit path copies them back too). */
    return v2 ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

static NTSTATUS hook_open_resource_arrays(const char *name, void *desc)
{
    D3DKMT_OPENRESOURCE *d = desc;
    if (d->NumAllocations == 5) assert_null(d->pOpenAllocationInfo);
    else { assert_int_equal(d->NumAllocations, 0); assert_non_null(d->pOpenAllocationInfo); }
    return STATUS_INVALID_PARAMETER;
}

static void test_open_resource(void **state)
{
    /* hDevice 0, hGlobalShare 4, NumAllocations 8, pOpenAllocationInfo 12, pPrivateRuntimeData 16,
     * PrivateRuntimeDataSize 20, pResourcePrivateDriverData 24, ResourcePrivateDriverDataSize 28,
     * pTotalPrivateDriverDataBuffer 32, TotalPrivateDriverDataBufferSize 36, hResource 40; 44 bytes.
     * D3DDDI_OPENALLOCATIONINFO: hAllocation 0, pPrivateDriverData 4, PrivateDriverDataSize 8; 12
     * bytes.  D3DDDI_OPENALLOCATIONINFO2: the same, then GpuVirtualAddress 16, Reserved 24..47. */
    void *d = low_alloc(44);
    char *info = low_alloc(2 * 48);
    unsigned int v2, i, k;
    size_t elem;

    open_runtime = low_alloc(16);
    open_total = low_alloc(3 * sizeof(D3DKMT_VK_ALLOCATIONDATA));
    for (i = 0; i < 2; i++) open_data[i] = low_alloc(64);
    for (v2 = 0; v2 < 2; v2++)
    {
        elem = v2 ? 48 : 12;
        memset(d, 0, 44);
        memset(info, 0, 2 * 48);
        memset(open_runtime, 0, 16);
        memset(open_total, 0, 3 * sizeof(D3DKMT_VK_ALLOCATIONDATA));
        for (i = 0; i < 2; i++)
        {
            put32(info + elem * i, 4, p32(open_data[i]));
            put32(info + elem * i, 8, 40 + i);
            if (v2)
            {
                put32(info + elem * i, 24, 0x11 + i);
                put32(info + elem * i, 44, 0xfffffff0u);
            }
        }
        put32(d, 0, 0x40000100);
        put32(d, 4, 0x40000c00);
        put32(d, 8, 2);
        put32(d, 12, p32(info));
        put32(d, 16, p32(open_runtime));
        put32(d, 20, 16);
        put32(d, 24, HIGH_PTR32);
        put32(d, 32, p32(open_total));
        put32(d, 36, 3 * sizeof(D3DKMT_VK_ALLOCATIONDATA));
        hook = hook_open_resource;
        assert_int_equal(call_desc(v2 ? unix_OpenResource2 : unix_OpenResource, d),
                         v2 ? STATUS_SUCCESS : STATUS_NO_MEMORY);
        assert_int_equal(ncalls, 1);
        assert_int_equal(get32(d, 40), 0x40000320);
        assert_int_equal(get32(d, 36), 2 * sizeof(D3DKMT_VK_ALLOCATIONDATA));
        assert_int_equal(get32(d, 28), 0);
        for (i = 0; i < 2; i++)
        {
            assert_int_equal(get32(info + elem * i, 0), 0x40000500 + i);
            assert_int_equal(get32(info + elem * i, 8), sizeof(D3DKMT_VK_ALLOCATIONDATA));
            assert_int_equal(get32(info + elem * i, 4), p32(open_data[i]));   /* inputs stay */
            if (v2) assert_true(get64(info + elem * i, 16) == 0x2000000000ull + i);
        }
        /* The buffers were written where they are: the 32-bit program's memory. */
        for (k = 0; k < 16; k++) assert_int_equal((unsigned char)((char *)open_runtime)[k], 0x5a);
        assert_int_equal((unsigned char)((char *)open_total)[2 * sizeof(D3DKMT_VK_ALLOCATIONDATA) - 1], 0xa5);
        assert_int_equal(((char *)open_total)[2 * sizeof(D3DKMT_VK_ALLOCATIONDATA)], 0);
    }

    /* Counts: more than the library ever opens is refused before any conversion; a NULL array
     * with a count stays NULL, an empty one stays non-NULL. */
    put32(d, 8, 1025);
    assert_int_equal(call_desc(unix_OpenResource, d), STATUS_INVALID_PARAMETER);
    put32(d, 8, 0xffffffffu);
    assert_int_equal(call_desc(unix_OpenResource2, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(ncalls, 0);
    hook = hook_open_resource_arrays;
    put32(d, 8, 5);
    put32(d, 12, 0);
    assert_int_equal(call_desc(unix_OpenResource2, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(ncalls, 1);
    put32(d, 8, 0);
    put32(d, 12, p32(info));
    assert_int_equal(call_desc(unix_OpenResource, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(ncalls, 1);
}

static NTSTATUS hook_destroy_allocation(const char *name, void *desc)
{
    const D3DKMT_DESTROYALLOCATION2 *d = desc;   /* DESTROYALLOCATION is its prefix */
    assert_int_equal(d->hDevice, 0x40000100);
    assert_int_equal(d->hResource, 0x40000300);
    assert_ptr_equal(d->phAllocationList, (void *)(uintptr_t)HIGH_PTR32);
    assert_int_equal(d->AllocationCount, 3);
    if (!strcmp(name, "DestroyAllocation2")) assert_int_equal(d->Flags.Value, 3);
    else assert_string_equal(name, "DestroyAllocation");
    return STATUS_SUCCESS;
}

static void test_destroy_allocation(void **state)
{
    /* hDevice 0, hResource 4, phAllocationList 8, AllocationCount 12 (, Flags 16) */
    void *d = low_alloc(20);

    put32(d, 0, 0x40000100);
    put32(d, 4, 0x40000300);
    put32(d, 8, HIGH_PTR32);
    put32(d, 12, 3);
    put32(d, 16, 3);
    hook = hook_destroy_allocation;
    assert_int_equal(call_desc(unix_DestroyAllocation, d), STATUS_SUCCESS);
    assert_int_equal(call_desc(unix_DestroyAllocation2, d), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
}

static void *lock_result;

static NTSTATUS hook_lock(const char *name, void *desc)
{
    if (!strcmp(name, "Unlock2"))
    {
        const D3DKMT_UNLOCK2 *u = desc;
        assert_int_equal(u->hDevice, 0x40000100);
        assert_int_equal(u->hAllocation, 0x40000200);
        return STATUS_SUCCESS;
    }
    D3DKMT_LOCK2 *d = desc;
    assert_string_equal(name, "Lock2");
    assert_int_equal(d->hDevice, 0x40000100);
    assert_int_equal(d->hAllocation, 0x40000200);
    assert_int_equal(d->Flags.Value, 0);
    assert_null(d->pData);
    if (!lock_result) return STATUS_INVALID_PARAMETER;
    d->pData = lock_result;
    return STATUS_SUCCESS;
}

static void test_lock2(void **state)
{
    /* hDevice 0, hAllocation 4, Flags 8, pData 12; 16 bytes */
    void *d = low_alloc(16);

    put32(d, 0, 0x40000100);
    put32(d, 4, 0x40000200);
    hook = hook_lock;
    lock_result = (void *)(uintptr_t)HIGH_PTR32;
    assert_int_equal(call_desc(unix_Lock2, d), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
    assert_int_equal(get32(d, 12), HIGH_PTR32);

    /* Mapped above 4 GiB: unlocked again, STATUS_NO_MEMORY, pData untouched. */
    put32(d, 12, 0);
    lock_result = ABOVE_4G;
    assert_int_equal(call_desc(unix_Lock2, d), STATUS_NO_MEMORY);
    assert_int_equal(ncalls, 2);
    assert_string_equal(calls[1].name, "Unlock2");
    assert_int_equal(get32(d, 12), 0);

    /* A failure passes through, nothing undone. */
    lock_result = NULL;
    assert_int_equal(call_desc(unix_Lock2, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(ncalls, 1);
    assert_int_equal(get32(d, 12), 0);
}

/* ---- Residency ---- */

static NTSTATUS hook_offer(const char *name, void *desc)
{
    const D3DKMT_OFFERALLOCATIONS *d = desc;
    assert_string_equal(name, "OfferAllocations");
    assert_int_equal(d->hDevice, 0x40000100);
    assert_null(d->pResources);
    assert_ptr_equal(d->HandleList, (void *)(uintptr_t)HIGH_PTR32);
    assert_int_equal(d->NumAllocations, 3);
    assert_int_equal(d->Priority, D3DKMT_OFFER_PRIORITY_NORMAL);
    assert_int_equal(d->Flags.AllowDecommit, 1);
    assert_int_equal(d->Flags.OfferImmediately, 1);
    return STATUS_DEVICE_REMOVED;
}

static void test_offer(void **state)
{
    /* hDevice 0, pResources 4, HandleList 8, NumAllocations 12, Priority 16, Flags 20; 24 bytes */
    void *d = low_alloc(24);

    put32(d, 0, 0x40000100);
    put32(d, 8, HIGH_PTR32);
    put32(d, 12, 3);
    put32(d, 16, D3DKMT_OFFER_PRIORITY_NORMAL);
    put32(d, 20, 3);
    hook = hook_offer;
    assert_int_equal(call_desc(unix_OfferAllocations, d), STATUS_DEVICE_REMOVED);
    assert_int_equal(ncalls, 1);
}

static BOOL *discarded;

static NTSTATUS hook_reclaim(const char *name, void *desc)
{
    D3DKMT_RECLAIMALLOCATIONS *d = desc;
    assert_string_equal(name, "ReclaimAllocations");
    assert_int_equal(d->hDevice, 0x40000100);
    assert_ptr_equal(d->pResources, (void *)(uintptr_t)LOW_PTR32);
    assert_null(d->HandleList);
    assert_ptr_equal(d->pDiscarded, discarded);
    assert_int_equal(d->NumAllocations, 2);
    d->pDiscarded[1] = TRUE;
    return STATUS_SUCCESS;
}

static void test_reclaim(void **state)
{
    /* hDevice 0, pResources 4, HandleList 8, pDiscarded 12, NumAllocations 16; 20 bytes */
    void *d = low_alloc(20);

    discarded = low_alloc(2 * sizeof(BOOL));
    put32(d, 0, 0x40000100);
    put32(d, 4, LOW_PTR32);
    put32(d, 12, p32(discarded));
    put32(d, 16, 2);
    hook = hook_reclaim;
    assert_int_equal(call_desc(unix_ReclaimAllocations, d), STATUS_SUCCESS);
    assert_int_equal(discarded[0], FALSE);
    assert_int_equal(discarded[1], TRUE);
}

static D3DDDI_RECLAIM_RESULT *results;

static NTSTATUS hook_reclaim2(const char *name, void *desc)
{
    D3DKMT_RECLAIMALLOCATIONS2 *d = desc;
    assert_string_equal(name, "ReclaimAllocations2");
    assert_int_equal(d->hPagingQueue, 0x40000500);
    assert_int_equal(d->NumAllocations, 2);
    assert_null(d->pResources);
    assert_ptr_equal(d->HandleList, (void *)(uintptr_t)HIGH_PTR32);
    assert_ptr_equal(d->pResults, results);
    assert_true(d->PagingFenceValue == 0);
    d->pResults[0] = D3DDDI_RECLAIM_RESULT_DISCARDED;
    d->pResults[1] = D3DDDI_RECLAIM_RESULT_NOT_COMMITTED;
    d->PagingFenceValue = 0x1000000005ull;
    return STATUS_PENDING;
}

static void test_reclaim2(void **state)
{
    /* hPagingQueue 0, NumAllocations 4, pResources 8, HandleList 12, pResults 16,
     * PagingFenceValue 24; 32 bytes */
    void *d = low_alloc(32);

    results = low_alloc(2 * sizeof(*results));
    put32(d, 0, 0x40000500);
    put32(d, 4, 2);
    put32(d, 12, HIGH_PTR32);
    put32(d, 16, p32(results));
    hook = hook_reclaim2;
    assert_int_equal(call_desc(unix_ReclaimAllocations2, d), STATUS_PENDING);
    assert_int_equal(results[0], D3DDDI_RECLAIM_RESULT_DISCARDED);
    assert_int_equal(results[1], D3DDDI_RECLAIM_RESULT_NOT_COMMITTED);
    assert_true(get64(d, 24) == 0x1000000005ull);
}

static NTSTATUS hook_make_resident(const char *name, void *desc)
{
    D3DDDI_MAKERESIDENT *d = desc;
    assert_string_equal(name, "MakeResident");
    assert_int_equal(d->hPagingQueue, 0x40000500);
    assert_int_equal(d->NumAllocations, 4);
    assert_ptr_equal(d->AllocationList, (void *)(uintptr_t)LOW_PTR32);
    assert_ptr_equal(d->PriorityList, (void *)(uintptr_t)HIGH_PTR32);
    assert_int_equal(d->Flags.MustSucceed, 1);
    d->NumAllocations = 3;
    d->PagingFenceValue = 0x300000007ull;
    d->NumBytesToTrim = 0x500000000ull;
    return STATUS_NO_MEMORY;
}

static void test_make_resident(void **state)
{
    /* hPagingQueue 0, NumAllocations 4, AllocationList 8, PriorityList 12, Flags 16,
     * PagingFenceValue 24, NumBytesToTrim 32; 40 bytes */
    void *d = low_alloc(40);

    put32(d, 0, 0x40000500);
    put32(d, 4, 4);
    put32(d, 8, LOW_PTR32);
    put32(d, 12, HIGH_PTR32);
    put32(d, 16, 2);
    hook = hook_make_resident;
    assert_int_equal(call_desc(unix_MakeResident, d), STATUS_NO_MEMORY);
    assert_int_equal(get32(d, 4), 3);
    assert_true(get64(d, 24) == 0x300000007ull);
    assert_true(get64(d, 32) == 0x500000000ull);
}

static NTSTATUS hook_evict(const char *name, void *desc)
{
    D3DKMT_EVICT *d = desc;
    assert_string_equal(name, "Evict");
    assert_int_equal(d->hDevice, 0x40000100);
    assert_int_equal(d->NumAllocations, 2);
    assert_ptr_equal(d->AllocationList, (void *)(uintptr_t)HIGH_PTR32);
    assert_int_equal(d->Flags.EvictOnlyIfNecessary, 1);
    d->NumBytesToTrim = 0x600000000ull;
    return STATUS_SUCCESS;
}

static void test_evict(void **state)
{
    /* hDevice 0, NumAllocations 4, AllocationList 8, Flags 12, NumBytesToTrim 16; 24 bytes */
    void *d = low_alloc(24);

    put32(d, 0, 0x40000100);
    put32(d, 4, 2);
    put32(d, 8, HIGH_PTR32);
    put32(d, 12, 1);
    hook = hook_evict;
    assert_int_equal(call_desc(unix_Evict, d), STATUS_SUCCESS);
    assert_true(get64(d, 16) == 0x600000000ull);
}

static UINT *priorities;

static NTSTATUS hook_priority(const char *name, void *desc)
{
    D3DKMT_GETALLOCATIONPRIORITY *d = desc;  /* the Set form has the same fields */
    assert_int_equal(d->hDevice, 0x40000100);
    assert_int_equal(d->hResource, 0);
    assert_ptr_equal(d->phAllocationList, (void *)(uintptr_t)HIGH_PTR32);
    assert_int_equal(d->AllocationCount, 2);
    assert_ptr_equal(d->pPriorities, priorities);
    if (!strcmp(name, "GetAllocationPriority")) d->pPriorities[1] = D3DDDI_ALLOCATIONPRIORITY_HIGH;
    else assert_string_equal(name, "SetAllocationPriority");
    return STATUS_SUCCESS;
}

static void test_priorities(void **state)
{
    /* hDevice 0, hResource 4, phAllocationList 8, AllocationCount 12, pPriorities 16; 20 bytes */
    void *d = low_alloc(20);

    priorities = low_alloc(2 * sizeof(UINT));
    put32(d, 0, 0x40000100);
    put32(d, 8, HIGH_PTR32);
    put32(d, 12, 2);
    put32(d, 16, p32(priorities));
    hook = hook_priority;
    assert_int_equal(call_desc(unix_SetAllocationPriority, d), STATUS_SUCCESS);
    assert_int_equal(priorities[1], 0);
    assert_int_equal(call_desc(unix_GetAllocationPriority, d), STATUS_SUCCESS);
    assert_int_equal(priorities[1], D3DDDI_ALLOCATIONPRIORITY_HIGH);
}

/* ---- Paging queues and synchronization objects ---- */

static void *fence_address;

static NTSTATUS hook_paging_queue(const char *name, void *desc)
{
    if (!strcmp(name, "DestroyPagingQueue"))
    {
        assert_int_equal(((D3DDDI_DESTROYPAGINGQUEUE *)desc)->hPagingQueue, 0x40000500);
        return STATUS_SUCCESS;
    }
    D3DKMT_CREATEPAGINGQUEUE *d = desc;
    assert_string_equal(name, "CreatePagingQueue");
    assert_int_equal(d->hDevice, 0x40000100);
    assert_int_equal(d->Priority, D3DDDI_PAGINGQUEUE_PRIORITY_BELOW_NORMAL);
    assert_int_equal(d->PhysicalAdapterIndex, 0);
    d->hPagingQueue = 0x40000500;
    d->hSyncObject = 0x40000501;
    d->FenceValueCPUVirtualAddress = fence_address;
    return STATUS_SUCCESS;
}

static void test_create_paging_queue(void **state)
{
    /* hDevice 0, Priority 4, hPagingQueue 8, hSyncObject 12, FenceValueCPUVirtualAddress 16,
     * PhysicalAdapterIndex 20; 24 bytes */
    void *d = low_alloc(24);

    put32(d, 0, 0x40000100);
    put32(d, 4, (UINT)D3DDDI_PAGINGQUEUE_PRIORITY_BELOW_NORMAL);
    hook = hook_paging_queue;
    fence_address = low_alloc(8);
    assert_int_equal(call_desc(unix_CreatePagingQueue, d), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
    assert_int_equal(get32(d, 8), 0x40000500);
    assert_int_equal(get32(d, 12), 0x40000501);
    assert_int_equal(get32(d, 16), p32(fence_address));

    /* A fence value above 4 GiB: the queue is destroyed again, nothing written back. */
    memset(d, 0, 24);
    put32(d, 0, 0x40000100);
    put32(d, 4, (UINT)D3DDDI_PAGINGQUEUE_PRIORITY_BELOW_NORMAL);
    fence_address = ABOVE_4G;
    assert_int_equal(call_desc(unix_CreatePagingQueue, d), STATUS_NO_MEMORY);
    assert_int_equal(ncalls, 2);
    assert_string_equal(calls[1].name, "DestroyPagingQueue");
    assert_int_equal(get32(d, 8), 0);
    assert_int_equal(get32(d, 12), 0);
    assert_int_equal(get32(d, 16), 0);
}

static NTSTATUS hook_sync_object(const char *name, void *desc)
{
    if (!strcmp(name, "DestroySynchronizationObject"))
    {
        assert_int_equal(((D3DKMT_DESTROYSYNCHRONIZATIONOBJECT *)desc)->hSyncObject, 0x40000600);
        return STATUS_SUCCESS;
    }
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 *d = desc;
    assert_string_equal(name, "CreateSynchronizationObject2");
    assert_int_equal(d->hDevice, 0x40000100);
    assert_int_equal(d->Info.Flags.NoGPUAccess, 1);
    assert_int_equal(d->Info.SharedHandle, 0);
    d->hSyncObject = 0x40000600;
    switch (d->Info.Type)
    {
    case D3DDDI_MONITORED_FENCE:
        assert_true(d->Info.MonitoredFence.InitialFenceValue == 0x700000001ull);
        assert_null(d->Info.MonitoredFence.FenceValueCPUVirtualAddress);
        assert_int_equal(d->Info.MonitoredFence.EngineAffinity, 3);
        d->Info.MonitoredFence.FenceValueCPUVirtualAddress = fence_address;
        d->Info.MonitoredFence.FenceValueGPUVirtualAddress = 0x800000000ull;
        d->Info.SharedHandle = 0x40000c20;  /* created shared */
        break;
    case D3DDDI_PERIODIC_MONITORED_FENCE:
        assert_int_equal(d->Info.PeriodicMonitoredFence.hAdapter, 0x40000001);
        assert_int_equal(d->Info.PeriodicMonitoredFence.VidPnTargetId, 2);
        assert_true(d->Info.PeriodicMonitoredFence.Time == 0x900000000ull);
        assert_int_equal(d->Info.PeriodicMonitoredFence.EngineAffinity, 4);
        d->Info.PeriodicMonitoredFence.FenceValueCPUVirtualAddress = fence_address;
        d->Info.PeriodicMonitoredFence.FenceValueGPUVirtualAddress = 0xa00000000ull;
        break;
    case D3DDDI_CPU_NOTIFICATION:
        assert_ptr_equal(d->Info.CPUNotification.Event, (HANDLE)(LONG_PTR)(LONG)0x80000010);
        break;
    case D3DDDI_SEMAPHORE:
        assert_int_equal(d->Info.Semaphore.MaxCount, 10);
        assert_int_equal(d->Info.Semaphore.InitialCount, 4);
        return STATUS_NOT_SUPPORTED;
    default:
        fail();
    }
    return STATUS_SUCCESS;
}

static void test_create_sync_object2(void **state)
{
    /* hDevice 0, Info 8: Type 8, Flags 12, union 16..79 (MonitoredFence: InitialFenceValue 16,
     * FenceValueCPUVirtualAddress 24, FenceValueGPUVirtualAddress 32, EngineAffinity 40;
     * PeriodicMonitoredFence: hAdapter 16, VidPnTargetId 20, Time 24, CPU address 32, GPU address
     * 40, EngineAffinity 48; CPUNotification.Event 16; Semaphore 16, 20), SharedHandle 80;
     * hSyncObject 88; 96 bytes */
    void *d = low_alloc(96);

    hook = hook_sync_object;
    fence_address = low_alloc(8);
    put32(d, 0, 0x40000100);
    put32(d, 8, D3DDDI_MONITORED_FENCE);
    put32(d, 12, 1u << 7);      /* NoGPUAccess */
    put64(d, 16, 0x700000001ull);
    put32(d, 40, 3);
    assert_int_equal(call_desc(unix_CreateSynchronizationObject2, d), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
    assert_int_equal(get32(d, 88), 0x40000600);
    assert_int_equal(get32(d, 80), 0x40000c20);
    assert_int_equal(get32(d, 24), p32(fence_address));
    assert_true(get64(d, 32) == 0x800000000ull);
    assert_true(get64(d, 16) == 0x700000001ull);

    /* The CPU address out of reach: the object is destroyed again, nothing written back. */
    put32(d, 24, 0);
    put64(d, 32, 0);
    put32(d, 80, 0);
    put32(d, 88, 0);
    fence_address = ABOVE_4G;
    assert_int_equal(call_desc(unix_CreateSynchronizationObject2, d), STATUS_NO_MEMORY);
    assert_int_equal(ncalls, 2);
    assert_string_equal(calls[1].name, "DestroySynchronizationObject");
    assert_int_equal(get32(d, 88), 0);
    assert_int_equal(get32(d, 80), 0);
    assert_int_equal(get32(d, 24), 0);
    assert_true(get64(d, 32) == 0);

    /* A periodic monitored fence: its own offsets. */
    memset(d, 0, 96);
    fence_address = low_alloc(8);
    put32(d, 0, 0x40000100);
    put32(d, 8, D3DDDI_PERIODIC_MONITORED_FENCE);
    put32(d, 12, 1u << 7);
    put32(d, 16, 0x40000001);
    put32(d, 20, 2);
    put64(d, 24, 0x900000000ull);
    put32(d, 48, 4);
    assert_int_equal(call_desc(unix_CreateSynchronizationObject2, d), STATUS_SUCCESS);
    assert_int_equal(get32(d, 32), p32(fence_address));
    assert_true(get64(d, 40) == 0xa00000000ull);

    /* A CPU notification's event handle is sign-extended; a semaphore's counts copied. */
    memset(d, 0, 96);
    put32(d, 0, 0x40000100);
    put32(d, 8, D3DDDI_CPU_NOTIFICATION);
    put32(d, 12, 1u << 7);
    put32(d, 16, 0x80000010);
    assert_int_equal(call_desc(unix_CreateSynchronizationObject2, d), STATUS_SUCCESS);
    assert_int_equal(get32(d, 88), 0x40000600);
    assert_int_equal(get32(d, 16), 0x80000010);     /* the event stays the caller's */
    memset(d, 0, 96);
    put32(d, 0, 0x40000100);
    put32(d, 8, D3DDDI_SEMAPHORE);
    put32(d, 12, 1u << 7);
    put32(d, 16, 10);
    put32(d, 20, 4);
    assert_int_equal(call_desc(unix_CreateSynchronizationObject2, d), STATUS_NOT_SUPPORTED);
}

static NTSTATUS hook_sync_object_v1(const char *name, void *desc)
{
    if (!strcmp(name, "OpenSynchronizationObject"))
    {
        D3DKMT_OPENSYNCHRONIZATIONOBJECT *o = desc;
        assert_int_equal(o->hSharedHandle, 0x40000c10);
        assert_true(o->Reserved[7] == 0x7777777777777777ull);
        o->hSyncObject = 0x40000620;
        return STATUS_SUCCESS;
    }
    D3DKMT_CREATESYNCHRONIZATIONOBJECT *d = desc;
    assert_string_equal(name, "CreateSynchronizationObject");
    assert_int_equal(d->hDevice, 0x40000100);
    assert_int_equal(d->Info.Type, D3DDDI_SEMAPHORE);
    assert_int_equal(d->Info.Semaphore.MaxCount, 10);
    assert_int_equal(d->Info.Semaphore.InitialCount, 4);
    d->hSyncObject = 0x40000610;
    return STATUS_SUCCESS;
}

/* The first CreateSynchronizationObject and OpenSynchronizationObject: no pointer, no handle but
 * D3DKMT_HANDLEs, the same layout; the library reads and writes the 32-bit descriptor. */
static void test_sync_object_v1_and_open(void **state)
{
    /* CreateSynchronizationObject: hDevice 0, Info 4 (Type 4, Semaphore.MaxCount 8, InitialCount
     * 12, union 8..71), hSyncObject 72; 76 bytes.  OpenSynchronizationObject: hSharedHandle 0,
     * hSyncObject 4, Reserved 8..71; 72 bytes. */
    void *d = low_alloc(76), *o = low_alloc(72);

    put32(d, 0, 0x40000100);
    put32(d, 4, D3DDDI_SEMAPHORE);
    put32(d, 8, 10);
    put32(d, 12, 4);
    hook = hook_sync_object_v1;
    assert_int_equal(call_desc(unix_CreateSynchronizationObject, d), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
    assert_int_equal(get32(d, 72), 0x40000610);
    put32(o, 0, 0x40000c10);
    put64(o, 64, 0x7777777777777777ull);
    assert_int_equal(call_desc(unix_OpenSynchronizationObject, o), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
    assert_int_equal(get32(o, 4), 0x40000620);
}

static NTSTATUS hook_signal_cpu(const char *name, void *desc)
{
    const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU *d = desc;
    assert_string_equal(name, "SignalSynchronizationObjectFromCpu");
    assert_int_equal(d->hDevice, 0x40000100);
    assert_int_equal(d->ObjectCount, 2);
    assert_ptr_equal(d->ObjectHandleArray, (void *)(uintptr_t)LOW_PTR32);
    assert_ptr_equal(d->FenceValueArray, (void *)(uintptr_t)HIGH_PTR32);
    assert_int_equal(d->Flags.AllowFenceRewind, 1);
    return STATUS_SUCCESS;
}

static void test_signal_from_cpu(void **state)
{
    /* hDevice 0, ObjectCount 4, ObjectHandleArray 8, FenceValueArray 12, Flags 16; 20 bytes */
    void *d = low_alloc(20);

    put32(d, 0, 0x40000100);
    put32(d, 4, 2);
    put32(d, 8, LOW_PTR32);
    put32(d, 12, HIGH_PTR32);
    put32(d, 16, 4);            /* AllowFenceRewind */
    hook = hook_signal_cpu;
    assert_int_equal(call_desc(unix_SignalSynchronizationObjectFromCpu, d), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
}

static NTSTATUS hook_wait_cpu(const char *name, void *desc)
{
    const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU *d = desc;
    assert_int_equal(d->hDevice, 0x40000100);
    assert_int_equal(d->ObjectCount, 1);
    assert_ptr_equal(d->ObjectHandleArray, (void *)(uintptr_t)HIGH_PTR32);
    assert_ptr_equal(d->FenceValueArray, (void *)(uintptr_t)LOW_PTR32);
    assert_int_equal(d->Flags.WaitAny, 1);
    if (!strcmp(name, "wait_from_cpu"))
    {
        assert_null(d->hAsyncEvent);
        return STATUS_TIMEOUT;
    }
    assert_string_equal(name, "WaitForSynchronizationObjectFromCpu");
    assert_ptr_equal(d->hAsyncEvent, (HANDLE)(LONG_PTR)(LONG)0xfffffff0u);
    return STATUS_SUCCESS;
}

static void test_wait_from_cpu(void **state)
{
    /* hDevice 0, ObjectCount 4, ObjectHandleArray 8, FenceValueArray 12, hAsyncEvent 16, Flags 20;
     * 24 bytes */
    void *d = low_alloc(24);
    struct wait_cpu_poll_params32 poll;

    put32(d, 0, 0x40000100);
    put32(d, 4, 1);
    put32(d, 8, HIGH_PTR32);
    put32(d, 12, LOW_PTR32);
    put32(d, 16, 0xfffffff0u);
    put32(d, 20, 1);
    hook = hook_wait_cpu;
    assert_int_equal(call_desc(unix_WaitForSynchronizationObjectFromCpu, d), STATUS_SUCCESS);

    /* The PE side's poll (hAsyncEvent cleared), with its timeout: milliseconds, ~0u for INFINITE. */
    put32(d, 16, 0);
    poll.desc = p32(d);
    poll.timeout_ms = 5;
    assert_int_equal(call32(unix_wait_cpu_poll, &poll), STATUS_TIMEOUT);
    assert_true(last_timeout_ns == 5000000ull);
    poll.timeout_ms = ~0u;
    assert_int_equal(call32(unix_wait_cpu_poll, &poll), STATUS_TIMEOUT);
    assert_true(last_timeout_ns == UINT64_MAX);
    assert_int_equal(ncalls, 1);
}

/* The GPU forms.  A list without a fence (D3DDDI_FENCE): the union's pointer meaning, the low 4
 * bytes zero-extended (stale upper bytes of a 32-bit program dropped); the other 7 values of the
 * union copied. */
static const UINT64 *gpu_expected_array;
static UINT64 gpu_expected_value;

static NTSTATUS hook_gpu(const char *name, void *desc)
{
    const UINT64 *reserved;

    if (!strcmp(name, "SignalSynchronizationObjectFromGpu2"))
    {
        const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU2 *d = desc;
        assert_int_equal(d->ObjectCount, 2);
        assert_int_equal(d->ObjectHandleArray[1], 0x40000801);
        assert_int_equal(d->Flags.SignalAtSubmission, 1);
        assert_int_equal(d->BroadcastContextCount, 3);
        assert_ptr_equal(d->BroadcastContextArray, (void *)(uintptr_t)HIGH_PTR32);
        if (gpu_expected_array) assert_ptr_equal(d->MonitoredFenceValueArray, gpu_expected_array);
        else assert_true(d->FenceValue == gpu_expected_value);
        reserved = d->Reserved;
    }
    else
    {
        /* SignalFromGpu and WaitForFromGpu: hContext, ObjectCount, ObjectHandleArray, union */
        const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU *d = desc;
        assert_true(!strcmp(name, "SignalSynchronizationObjectFromGpu")
                    || !strcmp(name, "WaitForSynchronizationObjectFromGpu"));
        assert_int_equal(d->hContext, 0x40000100);
        assert_int_equal(d->ObjectCount, 2);
        assert_int_equal(d->ObjectHandleArray[1], 0x40000801);
        if (gpu_expected_array) assert_ptr_equal(d->MonitoredFenceValueArray, gpu_expected_array);
        else assert_true(d->FenceValue == gpu_expected_value);
        reserved = d->Reserved;
    }
    assert_true(reserved[1] == 0x1111111111111111ull);
    assert_true(reserved[7] == 0x7777777777777777ull);
    return STATUS_INVALID_PARAMETER;
}

static NTSTATUS hook_gpu_refused(const char *name, void *desc)
{
    const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU *d = desc;
    assert_string_equal(name, "WaitForSynchronizationObjectFromGpu");
    assert_ptr_equal(d->MonitoredFenceValueArray, (void *)(uintptr_t)0xc0002000u);
    return STATUS_INVALID_PARAMETER;
}

static void test_gpu_forms(void **state)
{
    /* SignalFromGpu / WaitForFromGpu: hContext 0, ObjectCount 4, ObjectHandleArray 8, union 16..79;
     * SignalFromGpu2: ObjectCount 0, ObjectHandleArray 4, Flags 8, BroadcastContextCount 12,
     * BroadcastContextArray 16, union 24..87 */
    void *d = low_alloc(80), *d2 = low_alloc(88);
    D3DKMT_HANDLE *handles = low_alloc(2 * sizeof(D3DKMT_HANDLE));

    handles[0] = 0x40000800;
    handles[1] = 0x40000801;
    sync_types[0] = D3DDDI_MONITORED_FENCE;
    sync_types[1] = D3DDDI_SYNCHRONIZATION_MUTEX;
    put32(d, 0, 0x40000100);
    put32(d, 4, 2);
    put32(d, 8, p32(handles));
    put32(d, 16, 0xc0002000u);
    put32(d, 20, 0xdeadbeefu);  /* stale bytes above a 32-bit pointer */
    put64(d, 24, 0x1111111111111111ull);
    put64(d, 72, 0x7777777777777777ull);
    hook = hook_gpu;
    gpu_expected_array = (const UINT64 *)(uintptr_t)0xc0002000u;
    assert_int_equal(call_desc(unix_SignalSynchronizationObjectFromGpu, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(call_desc(unix_WaitForSynchronizationObjectFromGpu, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(type_lookups, 2);      /* the wait looked both up; the first signal form none */
    put32(d2, 0, 2);
    put32(d2, 4, p32(handles));
    put32(d2, 8, 1);
    put32(d2, 12, 3);
    put32(d2, 16, HIGH_PTR32);
    put32(d2, 24, 0xc0002000u);
    put32(d2, 28, 0xdeadbeefu);
    put64(d2, 32, 0x1111111111111111ull);
    put64(d2, 80, 0x7777777777777777ull);
    assert_int_equal(call_desc(unix_SignalSynchronizationObjectFromGpu2, d2), STATUS_INVALID_PARAMETER);
    assert_int_equal(ncalls, 1);

    /* A fence (D3DDDI_FENCE) listed: FromGpu2's signal and the wait read the inline FenceValue, all
     * 8 bytes as the program wrote them; the first signal form still reads the array. */
    sync_types[1] = D3DDDI_FENCE;
    put64(d, 16, 0x100000005ull);
    put64(d2, 24, 0x100000005ull);
    gpu_expected_array = NULL;
    gpu_expected_value = 0x100000005ull;
    assert_int_equal(call_desc(unix_WaitForSynchronizationObjectFromGpu, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(call_desc(unix_SignalSynchronizationObjectFromGpu2, d2), STATUS_INVALID_PARAMETER);
    gpu_expected_array = (const UINT64 *)(uintptr_t)5;
    assert_int_equal(call_desc(unix_SignalSynchronizationObjectFromGpu, d), STATUS_INVALID_PARAMETER);

    /* Lists the library refuses: the pointer meaning, no lookup past the limit or through NULL. */
    type_lookups = 0;
    hook = hook_gpu_refused;
    put32(d, 4, 65);
    put32(d, 16, 0xc0002000u);
    assert_int_equal(call_desc(unix_WaitForSynchronizationObjectFromGpu, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(ncalls, 1);
    put32(d, 4, 2);
    put32(d, 8, 0);
    assert_int_equal(call_desc(unix_WaitForSynchronizationObjectFromGpu, d), STATUS_INVALID_PARAMETER);
    assert_int_equal(ncalls, 1);
    assert_int_equal(type_lookups, 0);
}

/* ---- Escape ---- */

static NTSTATUS hook_escape(const char *name, void *desc)
{
    const D3DKMT_ESCAPE *d = desc;
    assert_string_equal(name, "Escape");
    assert_int_equal(d->hAdapter, 0x40000001);
    assert_int_equal(d->hDevice, 0x40000100);
    assert_int_equal(d->Type, D3DKMT_ESCAPE_DRIVERPRIVATE);
    assert_int_equal(d->Flags.HardwareAccess, 1);
    assert_ptr_equal(d->pPrivateDriverData, (void *)(uintptr_t)HIGH_PTR32);
    assert_int_equal(d->PrivateDriverDataSize, sizeof(D3DKMT_VK_STATISTICS));
    assert_int_equal(d->hContext, 0x40000700);
    return STATUS_SUCCESS;
}

static void test_escape(void **state)
{
    /* hAdapter 0, hDevice 4, Type 8, Flags 12, pPrivateDriverData 16, PrivateDriverDataSize 20,
     * hContext 24; 28 bytes */
    void *d = low_alloc(28);

    put32(d, 0, 0x40000001);
    put32(d, 4, 0x40000100);
    put32(d, 8, D3DKMT_ESCAPE_DRIVERPRIVATE);
    put32(d, 12, 1);
    put32(d, 16, HIGH_PTR32);
    put32(d, 20, sizeof(D3DKMT_VK_STATISTICS));
    put32(d, 24, 0x40000700);
    hook = hook_escape;
    assert_int_equal(call_desc(unix_Escape, d), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
}

/* ---- The DLL's own calls ---- */

/* unix_next_cpu_event: struct next_cpu_event_params has one layout on x86 and x64 (timeout_ms 0,
 * release 4, event 8, in_flight 16; 24 bytes): the library writes the 32-bit params directly. */
static void test_next_cpu_event(void **state)
{
    void *p = low_alloc(24);

    /* An entry: the event as the library got it (a 32-bit handle, sign-extended). */
    next_event_status = STATUS_SUCCESS;
    next_event.event = 0xffffffff80000010ull;
    next_event.release = 1;
    next_event.in_flight = 3;
    assert_int_equal(call32(unix_next_cpu_event, p), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
    assert_true(last_timeout_ns == 0);
    assert_int_equal(get32(p, 4), 1);
    assert_true(get64(p, 8) == 0xffffffff80000010ull);
    assert_int_equal((ULONG)get64(p, 8), 0x80000010u);   /* the handle the i386 PE side sets */
    assert_int_equal(get32(p, 16), 3);

    /* None yet: STATUS_TIMEOUT, in_flight written, the entry fields left alone; ~0u is INFINITE. */
    memset(p, 0, 24);
    put32(p, 0, ~0u);
    next_event_status = STATUS_TIMEOUT;
    next_event.in_flight = 2;
    assert_int_equal(call32(unix_next_cpu_event, p), STATUS_TIMEOUT);
    assert_true(last_timeout_ns == UINT64_MAX);
    assert_int_equal(get32(p, 16), 2);
    assert_true(get64(p, 8) == 0);
    assert_int_equal(get32(p, 4), 0);
    next_event_status = STATUS_SUCCESS;
}

static void test_dll_calls(void **state)
{
    struct enum_adapters_params32 enum_params = { HIGH_PTR32, LOW_PTR32 };
    UINT *result = low_alloc(sizeof(UINT));
    struct has_handle_params32 has = { 0x40000004, D3DKMT_UNIX_DEVICE, p32(result) };
    struct set_adapter_luid_params32 set = { HIGH_PTR32, { 0x1234, -5 } };
    struct share_handle_params share = { 0x40000008, 0x00000c01 };
    struct noop_params noop = { 0 };
    D3DKMT_HANDLE *handles = low_alloc(2 * sizeof(D3DKMT_HANDLE));
    struct lists_fence_params32 lists = { p32(handles), 1, p32(result) };

    assert_int_equal(call32(unix_enum_adapters, &enum_params), STATUS_SUCCESS);
    assert_string_equal(calls[0].name, "enum_adapters");
    assert_ptr_equal(calls[0].desc, (void *)(uintptr_t)HIGH_PTR32);
    assert_ptr_equal(last_count, (void *)(uintptr_t)LOW_PTR32);
    assert_int_equal(call32(unix_set_adapter_luid, &set), STATUS_SUCCESS);
    assert_string_equal(calls[0].name, "set_adapter_luid");
    assert_ptr_equal(calls[0].desc, (void *)(uintptr_t)HIGH_PTR32);
    assert_int_equal(last_luid.LowPart, 0x1234);
    assert_int_equal(last_luid.HighPart, -5);
    assert_int_equal(call32(unix_has_handle, &has), STATUS_SUCCESS);
    assert_int_equal(*result, 1);
    assert_int_equal(last_kind, D3DKMT_UNIX_DEVICE);
    has.handle = 0x40000005;
    assert_int_equal(call32(unix_has_handle, &has), STATUS_SUCCESS);
    assert_int_equal(*result, 0);
    assert_int_equal(call32(unix_share_handle, &share), STATUS_SUCCESS);
    assert_string_equal(calls[0].name, "share_handle");
    assert_ptr_equal(calls[0].desc, (void *)(uintptr_t)0x40000008);
    assert_int_equal(last_kind, 0x00000c01);
    assert_int_equal(call32(unix_noop, &noop), STATUS_SUCCESS);
    assert_int_equal(ncalls, 0);

    /* lists_fence: the 32-bit list, by the library's types; a monitored fence alone is no fence. */
    sync_types[0] = D3DDDI_MONITORED_FENCE;
    sync_types[1] = D3DDDI_FENCE;
    handles[0] = 0x40000800;
    handles[1] = 0x40000801;
    *result = 7;
    assert_int_equal(call32(unix_lists_fence, &lists), STATUS_SUCCESS);
    assert_int_equal(*result, 0);
    lists.count = 2;
    assert_int_equal(call32(unix_lists_fence, &lists), STATUS_SUCCESS);
    assert_int_equal(*result, 1);
    lists.handles = 0;    /* NULL list: no fence, nothing read */
    assert_int_equal(call32(unix_lists_fence, &lists), STATUS_SUCCESS);
    assert_int_equal(*result, 0);
    lists.handles = p32(handles);
    lists.count = 65;     /* over a signal's or wait's 64 objects: no fence, nothing read */
    type_lookups = 0;
    assert_int_equal(call32(unix_lists_fence, &lists), STATUS_SUCCESS);
    assert_int_equal(*result, 0);
    assert_int_equal(type_lookups, 0);
    memset(sync_types, 0, sizeof(sync_types));
}

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        cmocka_unit_test_setup(test_table, setup),
        cmocka_unit_test_setup(test_null_descriptors, setup),
        cmocka_unit_test_setup(test_same_layout, setup),
        cmocka_unit_test_setup(test_enum_adapters2, setup),
        cmocka_unit_test_setup(test_query_adapter_info, setup),
        cmocka_unit_test_setup(test_query_video_memory_info, setup),
        cmocka_unit_test_setup(test_create_device, setup),
        cmocka_unit_test_setup(test_create_allocation, setup),
        cmocka_unit_test_setup(test_create_allocation2, setup),
        cmocka_unit_test_setup(test_create_allocation_counts, setup),
        cmocka_unit_test_setup(test_create_standard_allocation, setup),
        cmocka_unit_test_setup(test_query_resource_info, setup),
        cmocka_unit_test_setup(test_open_resource, setup),
        cmocka_unit_test_setup(test_destroy_allocation, setup),
        cmocka_unit_test_setup(test_lock2, setup),
        cmocka_unit_test_setup(test_offer, setup),
        cmocka_unit_test_setup(test_reclaim, setup),
        cmocka_unit_test_setup(test_reclaim2, setup),
        cmocka_unit_test_setup(test_make_resident, setup),
        cmocka_unit_test_setup(test_evict, setup),
        cmocka_unit_test_setup(test_priorities, setup),
        cmocka_unit_test_setup(test_create_paging_queue, setup),
        cmocka_unit_test_setup(test_create_sync_object2, setup),
        cmocka_unit_test_setup(test_sync_object_v1_and_open, setup),
        cmocka_unit_test_setup(test_signal_from_cpu, setup),
        cmocka_unit_test_setup(test_wait_from_cpu, setup),
        cmocka_unit_test_setup(test_gpu_forms, setup),
        cmocka_unit_test_setup(test_escape, setup),
        cmocka_unit_test_setup(test_next_cpu_event, setup),
        cmocka_unit_test_setup(test_dll_calls, setup),
    };

    low = mmap(NULL, LOW_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (low == MAP_FAILED) return 99;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
