/*
 * adapter_handle.c: adapter handles, and the entry points that open, close and query adapters:
 * D3DKMTEnumAdapters, D3DKMTEnumAdapters2, D3DKMTOpenAdapterFromLuid, D3DKMTCloseAdapter,
 * D3DKMTQueryAdapterInfo and D3DKMTQueryVideoMemoryInfo.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * An adapter handle is an object of its own that points at its adapter (adapters live from
 * initialisation to shutdown, adapter.c); it may also be known under a value Wine made
 * (docs/decisions/wine-handles.md): one in Windows' local format is adopted by the handle table,
 * one of Wine 8 / 10.0's counter goes into an alias map.
 *
 * Layer 5 (src/d3dkmt_private.h), beside tracker.c (neither calls the other): calls adapter.c,
 * alias.c, stats.c, vulkan.c and handle.c.
 */
#include "d3dkmt_private.h"

#include <stdlib.h>
#include <string.h>

/* Adapter handles also known under a value of Wine 8 / 10.0's counter (docs/decisions/wine-handles.md). */
static struct d3dkmt_alias_map adapter_aliases = D3DKMT_ALIAS_MAP_INIT;

/* An adapter handle: the object behind a D3DKMT adapter handle, pointing at its adapter. */
struct adapter_handle
{
    struct d3dkmt_object obj;
    struct d3dkmt_adapter *adapter;
};

void d3dkmt_adapter_handles_shutdown(void)
{
    d3dkmt_alias_clear(&adapter_aliases);
}

static void adapter_handle_release(struct d3dkmt_object *obj)
{
    free(D3DKMT_CONTAINER(obj, struct adapter_handle, obj));
}

/* Makes a new adapter handle for adapter; *out receives it. */
static NTSTATUS open_adapter(struct d3dkmt_adapter *adapter, D3DKMT_HANDLE *out)
{
    struct adapter_handle *handle;
    NTSTATUS status;

    if (!(handle = calloc(1, sizeof(*handle)))) return STATUS_NO_MEMORY;
    d3dkmt_object_init(&handle->obj, D3DKMT_OBJ_ADAPTER, NULL, adapter_handle_release);
    handle->adapter = adapter;
    if ((status = d3dkmt_handle_reserve(&handle->obj)))
    {
        free(handle);
        return status;
    }
    *out = handle->obj.handle;   /* before publishing: another thread may close it at once */
    d3dkmt_handle_publish(&handle->obj);
    return STATUS_SUCCESS;
}

/* The adapter handle object h names, in the handle table or as an alias, referenced; or NULL. */
static struct d3dkmt_object *adapter_handle_get(D3DKMT_HANDLE h)
{
    struct d3dkmt_object *obj;

    if ((obj = d3dkmt_handle_get(h, D3DKMT_OBJ_ADAPTER, NULL))) return obj;
    return d3dkmt_alias_get(&adapter_aliases, h);
}

/* Returns the adapter behind an adapter handle (adapters live as long as the process), or NULL. */
struct d3dkmt_adapter *d3dkmt_adapter_from_handle(D3DKMT_HANDLE h)
{
    struct d3dkmt_object *obj;
    struct d3dkmt_adapter *adapter;

    if (!(obj = adapter_handle_get(h))) return NULL;
    adapter = D3DKMT_CONTAINER(obj, struct adapter_handle, obj)->adapter;
    d3dkmt_object_put(obj);
    return adapter;
}

/* The most adapters D3DKMTEnumAdapters2 reports, and what its query form answers: Windows 10's
 * value (Windows 11 answers 34); docs/decisions/adapters.md. */
#define ENUM_ADAPTERS2_MAX 32

bool d3dkmt_adapter_handle_known(D3DKMT_HANDLE h)
{
    struct d3dkmt_object *obj;

    if (!(obj = adapter_handle_get(h))) return false;
    d3dkmt_object_put(obj);
    return true;
}

/* Stops an adapter handle object under all its names; false when another thread stopped it first. */
static bool close_adapter_handle(struct d3dkmt_object *obj)
{
    bool removed = d3dkmt_handle_remove(obj);

    d3dkmt_alias_remove_object(&adapter_aliases, obj);
    return removed;
}

NTSTATUS d3dkmt_adapter_share_handle(D3DKMT_HANDLE own, D3DKMT_HANDLE foreign)
{
    struct d3dkmt_object *obj;
    NTSTATUS status;

    if (!foreign || D3DKMT_HOST_OWN_HANDLE(foreign)) return STATUS_INVALID_PARAMETER;
    if (!(obj = d3dkmt_handle_get(own, D3DKMT_OBJ_ADAPTER, NULL))) return STATUS_INVALID_HANDLE;
    if ((foreign & 0xc000003fu) == 0x40000000u)
    {
        /* Windows' local format: the object moves to the foreign value (the table takes over
         * this reference); the table holds one value per object. */
        if (!d3dkmt_handle_remove(obj))
        {
            d3dkmt_object_put(obj);
            return STATUS_INVALID_HANDLE;
        }
        if ((status = d3dkmt_handle_adopt(obj, foreign)))
        {
            d3dkmt_object_put(obj);
            return status == STATUS_OBJECT_NAME_COLLISION ? STATUS_NO_MEMORY : status;
        }
        return STATUS_SUCCESS;
    }
    status = d3dkmt_alias_add(&adapter_aliases, foreign, obj);
    d3dkmt_object_put(obj);
    return status == STATUS_OBJECT_NAME_COLLISION ? STATUS_NO_MEMORY : status;
}

/***********************************************************************
 *           D3DKMTEnumAdapters2
 *
 * desc->NumAdapters: in, entries of desc->pAdapters; out, adapters present (at most 32).
 * desc->pAdapters: NULL to query the size of the array to allocate: NumAdapters receives 32, the
 *   most adapters the call reports, as on Windows 10 (not the number present); else receives one
 *   D3DKMT_ADAPTERINFO per adapter with a new adapter handle (close each with
 *   D3DKMTCloseAdapter), its LUID, NumOfSources = 0 (no display outputs) and
 *   bPrecisePresentRegionsPreferred = FALSE.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL); STATUS_BUFFER_TOO_SMALL
 * (NumAdapters smaller than the number present, which is written back, no handle opened);
 * STATUS_NO_MEMORY (no handle stays open); STATUS_NOT_SUPPORTED (no Vulkan 1.3).
 * Follows the WDK page d3dkmthk/nf-d3dkmthk-d3dkmtenumadapters2; docs/decisions/adapters.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTEnumAdapters2(D3DKMT_ENUMADAPTERS2 *desc)
{
    D3DKMT_HANDLE handles[ENUM_ADAPTERS2_MAX];
    NTSTATUS status;
    uint32_t i, count;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_init())) return status;
    count = d3dkmt_adapter_count();
    if (count > ENUM_ADAPTERS2_MAX) count = ENUM_ADAPTERS2_MAX;
    if (!desc->pAdapters)
    {
        desc->NumAdapters = ENUM_ADAPTERS2_MAX;
        return STATUS_SUCCESS;
    }
    if (desc->NumAdapters < count)
    {
        desc->NumAdapters = count;
        return STATUS_BUFFER_TOO_SMALL;
    }
    for (i = 0; i < count; i++)
    {
        if ((status = open_adapter(d3dkmt_adapter_at(i), &handles[i])))
        {
            while (i--)
            {
                struct d3dkmt_object *obj = d3dkmt_handle_get(handles[i], D3DKMT_OBJ_ADAPTER, NULL);
                if (obj) { d3dkmt_handle_remove(obj); d3dkmt_object_put(obj); }
            }
            return status;
        }
    }
    for (i = 0; i < count; i++)
    {
        desc->pAdapters[i].hAdapter = handles[i];
        desc->pAdapters[i].AdapterLuid = d3dkmt_adapter_luid(d3dkmt_adapter_at(i));
        desc->pAdapters[i].NumOfSources = 0;
        desc->pAdapters[i].bPrecisePresentRegionsPreferred = FALSE;
    }
    desc->NumAdapters = count;
    return STATUS_SUCCESS;
}

/***********************************************************************
 *           D3DKMTOpenAdapterFromLuid
 *
 * desc->AdapterLuid: in, an adapter's LUID (from D3DKMTEnumAdapters2 or DXGI).
 * desc->hAdapter: out, a new adapter handle.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, or no adapter has that LUID);
 * STATUS_NO_MEMORY; STATUS_NOT_SUPPORTED (no Vulkan 1.3).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtopenadapterfromluid.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTOpenAdapterFromLuid(D3DKMT_OPENADAPTERFROMLUID *desc)
{
    NTSTATUS status;
    uint32_t i;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_init())) return status;
    for (i = 0; i < d3dkmt_adapter_count(); i++)
    {
        if (atomic_load_explicit(&d3dkmt_adapter_at(i)->luid, memory_order_relaxed) == d3dkmt_luid_bits(desc->AdapterLuid))
            return open_adapter(d3dkmt_adapter_at(i), &desc->hAdapter);
    }
    return STATUS_INVALID_PARAMETER;
}

/***********************************************************************
 *           D3DKMTEnumAdapters
 *
 * desc->NumAdapters: out, the number of entries written: every adapter, up to MAX_ENUM_ADAPTERS
 *   (16; D3DKMTEnumAdapters2 reports them all).
 * desc->Adapters: out, as D3DKMTEnumAdapters2's pAdapters: a new adapter handle per adapter (close
 *   each with D3DKMTCloseAdapter), its LUID, NumOfSources = 0, bPrecisePresentRegionsPreferred = FALSE.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL); STATUS_NO_MEMORY (no handle stays
 * open); STATUS_NOT_SUPPORTED (no Vulkan 1.3).
 * Follows the WDK page d3dkmthk/nf-d3dkmthk-d3dkmtenumadapters.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTEnumAdapters(D3DKMT_ENUMADAPTERS *desc)
{
    D3DKMT_ENUMADAPTERS2 desc2;
    D3DKMT_ADAPTERINFO infos[MAX_ENUM_ADAPTERS];
    NTSTATUS status;
    uint32_t i;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_init())) return status;
    desc2.NumAdapters = d3dkmt_adapter_count();
    if (desc2.NumAdapters > MAX_ENUM_ADAPTERS) desc2.NumAdapters = MAX_ENUM_ADAPTERS;
    desc2.pAdapters = infos;
    for (i = 0; i < desc2.NumAdapters; i++)
        if ((status = open_adapter(d3dkmt_adapter_at(i), &infos[i].hAdapter))) break;
    if (status)
    {
        while (i--)
        {
            struct d3dkmt_object *obj = d3dkmt_handle_get(infos[i].hAdapter, D3DKMT_OBJ_ADAPTER, NULL);
            if (obj) { d3dkmt_handle_remove(obj); d3dkmt_object_put(obj); }
        }
        return status;
    }
    for (i = 0; i < desc2.NumAdapters; i++)
    {
        desc->Adapters[i].hAdapter = infos[i].hAdapter;
        desc->Adapters[i].AdapterLuid = d3dkmt_adapter_luid(d3dkmt_adapter_at(i));
        desc->Adapters[i].NumOfSources = 0;
        desc->Adapters[i].bPrecisePresentRegionsPreferred = FALSE;
    }
    desc->NumAdapters = desc2.NumAdapters;
    return STATUS_SUCCESS;
}

/***********************************************************************
 *           D3DKMTCloseAdapter
 *
 * desc->hAdapter: an adapter handle.  Devices created from it stay valid (they reference the
 * adapter, not the handle).
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, handle not an open adapter).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtcloseadapter.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTCloseAdapter(const D3DKMT_CLOSEADAPTER *desc)
{
    struct d3dkmt_object *obj;
    bool removed;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if (!(obj = adapter_handle_get(desc->hAdapter))) return STATUS_INVALID_PARAMETER;
    removed = close_adapter_handle(obj);
    d3dkmt_object_put(obj);
    return removed ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
}

/***********************************************************************
 *           D3DKMTQueryAdapterInfo
 *
 * desc->hAdapter: an adapter handle.  desc->Type: what to query; desc->pPrivateDriverData /
 * PrivateDriverDataSize: the output buffer, whose size must be exactly that of the type's struct:
 *   KMTQAITYPE_ADAPTERTYPE              D3DKMT_ADAPTERTYPE (RenderSupported; SoftwareDevice for CPU devices)
 *   KMTQAITYPE_CHECKDRIVERUPDATESTATUS  BOOL (FALSE: no driver update is pending)
 *   KMTQAITYPE_DRIVERVERSION            D3DKMT_DRIVERVERSION (KMT_DRIVERVERSION_WDDM_2_1: offer/reclaim2)
 *   KMTQAITYPE_GETSEGMENTSIZE           D3DKMT_SEGMENTSIZEINFO (device-local heaps as dedicated video memory)
 *   KMTQAITYPE_ADAPTERADDRESS           D3DKMT_ADAPTERADDRESS (PCI location; NOT_SUPPORTED when unknown)
 *   KMTQAITYPE_PHYSICALADAPTERCOUNT     UINT (1)
 *   KMTQAITYPE_PHYSICALADAPTERDEVICEIDS D3DKMT_QUERY_DEVICE_IDS (in: PhysicalAdapterIndex 0)
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or buffer NULL, wrong size, bad handle,
 * PhysicalAdapterIndex not 0); STATUS_NOT_SUPPORTED (another type, or no PCI location).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtqueryadapterinfo; docs/decisions/adapters.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTQueryAdapterInfo(const D3DKMT_QUERYADAPTERINFO *desc)
{
    struct d3dkmt_adapter *adapter;
    uint32_t i;

    if (!desc || !desc->pPrivateDriverData) return STATUS_INVALID_PARAMETER;
    if (!(adapter = d3dkmt_adapter_from_handle(desc->hAdapter))) return STATUS_INVALID_PARAMETER;

#define NEED_SIZE(type) if (desc->PrivateDriverDataSize != sizeof(type)) return STATUS_INVALID_PARAMETER
    switch (desc->Type)
    {
    case KMTQAITYPE_ADAPTERTYPE:
    {
        D3DKMT_ADAPTERTYPE type = { 0 };
        NEED_SIZE(D3DKMT_ADAPTERTYPE);
        type.RenderSupported = 1;
        type.SoftwareDevice = adapter->software;
        memcpy(desc->pPrivateDriverData, &type, sizeof(type));
        return STATUS_SUCCESS;
    }
    case KMTQAITYPE_CHECKDRIVERUPDATESTATUS:
    {
        BOOL pending = FALSE;
        NEED_SIZE(BOOL);
        memcpy(desc->pPrivateDriverData, &pending, sizeof(pending));
        return STATUS_SUCCESS;
    }
    case KMTQAITYPE_DRIVERVERSION:
    {
        D3DKMT_DRIVERVERSION version = KMT_DRIVERVERSION_WDDM_2_1;
        NEED_SIZE(D3DKMT_DRIVERVERSION);
        memcpy(desc->pPrivateDriverData, &version, sizeof(version));
        return STATUS_SUCCESS;
    }
    case KMTQAITYPE_GETSEGMENTSIZE:
    {
        D3DKMT_SEGMENTSIZEINFO info = { 0 };
        NEED_SIZE(D3DKMT_SEGMENTSIZEINFO);
        for (i = 0; i < adapter->mem_props.memoryHeapCount; i++)
        {
            if (d3dkmt_adapter_heap_is_local(adapter, i))
                info.DedicatedVideoMemorySize += adapter->mem_props.memoryHeaps[i].size;
            else
                info.SharedSystemMemorySize += adapter->mem_props.memoryHeaps[i].size;
        }
        memcpy(desc->pPrivateDriverData, &info, sizeof(info));
        return STATUS_SUCCESS;
    }
    case KMTQAITYPE_ADAPTERADDRESS:
    {
        D3DKMT_ADAPTERADDRESS address;
        NEED_SIZE(D3DKMT_ADAPTERADDRESS);
        if (!adapter->pci_valid) return STATUS_NOT_SUPPORTED;
        address.BusNumber = adapter->pci_bus;
        address.DeviceNumber = adapter->pci_device;
        address.FunctionNumber = adapter->pci_function;
        memcpy(desc->pPrivateDriverData, &address, sizeof(address));
        return STATUS_SUCCESS;
    }
    case KMTQAITYPE_PHYSICALADAPTERCOUNT:
    {
        UINT one = 1;
        NEED_SIZE(UINT);
        memcpy(desc->pPrivateDriverData, &one, sizeof(one));
        return STATUS_SUCCESS;
    }
    case KMTQAITYPE_PHYSICALADAPTERDEVICEIDS:
    {
        D3DKMT_QUERY_DEVICE_IDS ids;
        NEED_SIZE(D3DKMT_QUERY_DEVICE_IDS);
        memcpy(&ids, desc->pPrivateDriverData, sizeof(ids));
        if (ids.PhysicalAdapterIndex) return STATUS_INVALID_PARAMETER;
        ids.DeviceIds.VendorID = adapter->props.vendorID;
        ids.DeviceIds.DeviceID = adapter->props.deviceID;
        ids.DeviceIds.SubVendorID = adapter->pci_subvendor;
        ids.DeviceIds.SubSystemID = adapter->pci_subdevice;
        ids.DeviceIds.RevisionID = adapter->pci_revision;
        ids.DeviceIds.BusType = adapter->pci_valid ? 1 /* PCI */ : 0;
        memcpy(desc->pPrivateDriverData, &ids, sizeof(ids));
        return STATUS_SUCCESS;
    }
    default:
        FIXME("query type %u not supported", desc->Type);
        return STATUS_NOT_SUPPORTED;
    }
#undef NEED_SIZE
}

/***********************************************************************
 *           D3DKMTQueryVideoMemoryInfo
 *
 * desc->hProcess: NULL or the current process pseudo-handle ((HANDLE)-1).
 * desc->hAdapter: an adapter handle.  desc->MemorySegmentGroup: LOCAL (device-local heaps) or
 * NON_LOCAL (the others).  desc->PhysicalAdapterIndex: 0.
 * Out, in bytes: Budget = min(VK_EXT_memory_budget's heapBudget summed over the group, the
 * D3DKMT_BUDGET_CAP cap for LOCAL) (heap sizes without the extension); CurrentUsage = memory the
 * library holds for this process in that group; CurrentReservation = AvailableForReservation = 0
 * (reservations are not implemented).
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, bad handle, group or index,
 * another process).  Follows d3dkmthk/nf-d3dkmthk-d3dkmtqueryvideomemoryinfo;
 * docs/decisions/budget.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTQueryVideoMemoryInfo(D3DKMT_QUERYVIDEOMEMORYINFO *desc)
{
    struct d3dkmt_adapter *adapter;
    bool local;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if (desc->hProcess && desc->hProcess != (HANDLE)(LONG_PTR)-1) return STATUS_INVALID_PARAMETER;
    if (desc->PhysicalAdapterIndex) return STATUS_INVALID_PARAMETER;
    if (desc->MemorySegmentGroup != D3DKMT_MEMORY_SEGMENT_GROUP_LOCAL
            && desc->MemorySegmentGroup != D3DKMT_MEMORY_SEGMENT_GROUP_NON_LOCAL)
        return STATUS_INVALID_PARAMETER;
    if (!(adapter = d3dkmt_adapter_from_handle(desc->hAdapter))) return STATUS_INVALID_PARAMETER;
    local = desc->MemorySegmentGroup == D3DKMT_MEMORY_SEGMENT_GROUP_LOCAL;
    desc->Budget = d3dkmt_adapter_budget(adapter, local);
    desc->CurrentUsage = atomic_load(local ? &adapter->local_usage : &adapter->nonlocal_usage);
    desc->CurrentReservation = 0;
    desc->AvailableForReservation = 0;
    return STATUS_SUCCESS;
}
