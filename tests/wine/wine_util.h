/*
 * wine_util.h: shared helpers of the tests/wine programs: adapter / device / paging queue setup,
 * allocations described by D3DKMT_VK_ALLOCATIONDATA, CPU patterns through D3DKMTLock2, and the
 * statistics escape.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#ifndef D3DKMT_WINE_UTIL_H
#define D3DKMT_WINE_UTIL_H

#include "wine_test.h"

struct wt_env
{
    D3DKMT_HANDLE adapter;
    D3DKMT_HANDLE device;
    D3DKMT_HANDLE queue;            /* paging queue */
    D3DKMT_HANDLE queue_sync;       /* its monitored fence */
    const volatile UINT64 *queue_fence;   /* its CPU-visible value */
};

/* Opens the first adapter, a device and a paging queue; every step is a check.  FALSE when a step
 * failed (the rest of the test is then skipped by the caller). */
static inline BOOL wt_env_open(struct wt_env *env)
{
    D3DKMT_ADAPTERINFO adapters[16];
    D3DKMT_ENUMADAPTERS2 enum_desc = { 0 };
    D3DKMT_OPENADAPTERFROMLUID open_desc = { 0 };
    D3DKMT_CREATEDEVICE device_desc = { 0 };
    D3DKMT_CREATEPAGINGQUEUE queue_desc = { 0 };
    NTSTATUS status;

    memset(env, 0, sizeof(*env));
    enum_desc.NumAdapters = 16;
    enum_desc.pAdapters = adapters;
    status = D3DKMTEnumAdapters2(&enum_desc);
    ok_status(status, STATUS_SUCCESS);
    ok(enum_desc.NumAdapters >= 1, "NumAdapters %lu", (unsigned long)enum_desc.NumAdapters);
    if (status || !enum_desc.NumAdapters) return FALSE;

    open_desc.AdapterLuid = adapters[0].AdapterLuid;
    status = D3DKMTOpenAdapterFromLuid(&open_desc);
    ok_status(status, STATUS_SUCCESS);
    ok(open_desc.hAdapter != 0, "hAdapter 0");
    if (status) return FALSE;
    env->adapter = open_desc.hAdapter;

    device_desc.hAdapter = env->adapter;
    status = D3DKMTCreateDevice(&device_desc);
    ok_status(status, STATUS_SUCCESS);
    ok(device_desc.hDevice != 0, "hDevice 0");
    if (status) return FALSE;
    env->device = device_desc.hDevice;

    queue_desc.hDevice = env->device;
    queue_desc.Priority = D3DDDI_PAGINGQUEUE_PRIORITY_NORMAL;
    status = D3DKMTCreatePagingQueue(&queue_desc);
    ok_status(status, STATUS_SUCCESS);
    ok(queue_desc.hPagingQueue && queue_desc.hSyncObject, "paging queue %#x sync %#x",
       queue_desc.hPagingQueue, queue_desc.hSyncObject);
    ok(queue_desc.FenceValueCPUVirtualAddress != NULL, "no FenceValueCPUVirtualAddress");
    if (status) return FALSE;
    env->queue = queue_desc.hPagingQueue;
    env->queue_sync = queue_desc.hSyncObject;
    env->queue_fence = queue_desc.FenceValueCPUVirtualAddress;
    return TRUE;
}

static inline void wt_env_close(struct wt_env *env)
{
    if (env->queue)
    {
        D3DDDI_DESTROYPAGINGQUEUE desc = { env->queue };
        ok_status(D3DKMTDestroyPagingQueue(&desc), STATUS_SUCCESS);
    }
    if (env->device)
    {
        D3DKMT_DESTROYDEVICE desc = { env->device };
        ok_status(D3DKMTDestroyDevice(&desc), STATUS_SUCCESS);
    }
    if (env->adapter)
    {
        D3DKMT_CLOSEADAPTER desc = { env->adapter };
        ok_status(D3DKMTCloseAdapter(&desc), STATUS_SUCCESS);
    }
    memset(env, 0, sizeof(*env));
}

/* One allocation of `size` bytes with the given D3DKMT_VK_PLACEMENT, through CreateAllocation2. */
static inline NTSTATUS wt_create_allocation(D3DKMT_HANDLE device, UINT64 size, UINT placement, D3DKMT_HANDLE *handle)
{
    D3DKMT_VK_ALLOCATIONDATA data = { 0 };
    D3DDDI_ALLOCATIONINFO2 info = { 0 };
    D3DKMT_CREATEALLOCATION desc = { 0 };
    NTSTATUS status;

    data.Version = D3DKMT_VK_ALLOCATIONDATA_VERSION;
    data.Placement = placement;
    data.Size = size;
    info.pPrivateDriverData = &data;
    info.PrivateDriverDataSize = sizeof(data);
    desc.hDevice = device;
    desc.NumAllocations = 1;
    desc.pAllocationInfo2 = &info;
    status = D3DKMTCreateAllocation2(&desc);
    *handle = status ? 0 : info.hAllocation;
    return status;
}

static inline NTSTATUS wt_destroy_allocation(D3DKMT_HANDLE device, D3DKMT_HANDLE alloc, UINT flags)
{
    D3DKMT_DESTROYALLOCATION2 desc = { 0 };

    desc.hDevice = device;
    desc.phAllocationList = &alloc;
    desc.AllocationCount = 1;
    desc.Flags.Value = flags;
    return D3DKMTDestroyAllocation2(&desc);
}

static inline UINT wt_pattern(UINT seed, SIZE_T i)
{
    return seed ^ (UINT)(i * 2654435761u);
}

/* Locks the allocation, writes (write=TRUE) or compares the pattern over `size` bytes, unlocks.
 * Returns the lock status, or STATUS_DATA_ERROR (0xc000003e) when the pattern differs. */
static inline NTSTATUS wt_pattern_io(D3DKMT_HANDLE device, D3DKMT_HANDLE alloc, SIZE_T size, UINT seed, BOOL write)
{
    D3DKMT_LOCK2 lock = { 0 };
    D3DKMT_UNLOCK2 unlock = { 0 };
    NTSTATUS status = STATUS_SUCCESS, st;
    volatile UINT *p;
    SIZE_T i;

    lock.hDevice = unlock.hDevice = device;
    lock.hAllocation = unlock.hAllocation = alloc;
    if ((st = D3DKMTLock2(&lock))) return st;
    if (!lock.pData) return STATUS_INVALID_PARAMETER;
    p = lock.pData;
    for (i = 0; i < size / sizeof(UINT); i++)
    {
        if (write) p[i] = wt_pattern(seed, i);
        else if (p[i] != wt_pattern(seed, i))
        {
            status = (NTSTATUS)0xc000003e;
            break;
        }
    }
    if ((st = D3DKMTUnlock2(&unlock)) && !status) status = st;
    return status;
}

static inline NTSTATUS wt_query_stats(D3DKMT_HANDLE adapter, D3DKMT_HANDLE device, D3DKMT_VK_STATISTICS *stats)
{
    D3DKMT_ESCAPE desc = { 0 };

    memset(stats, 0, sizeof(*stats));
    stats->Code = D3DKMT_VK_ESCAPE_QUERY_STATISTICS;
    desc.hAdapter = adapter;
    desc.hDevice = device;
    desc.Type = D3DKMT_ESCAPE_DRIVERPRIVATE;
    desc.pPrivateDriverData = stats;
    desc.PrivateDriverDataSize = sizeof(*stats);
    return D3DKMTEscape(&desc);
}

/* Waits (blocking, no event) until the paging queue's fence reaches value. */
static inline NTSTATUS wt_wait_fence(D3DKMT_HANDLE device, D3DKMT_HANDLE sync, UINT64 value)
{
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU desc = { 0 };

    desc.hDevice = device;
    desc.ObjectCount = 1;
    desc.ObjectHandleArray = &sync;
    desc.FenceValueArray = &value;
    return D3DKMTWaitForSynchronizationObjectFromCpu(&desc);
}

#endif /* D3DKMT_WINE_UTIL_H */
