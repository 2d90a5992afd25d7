/*
 * tests/unit/test_mock.c: unit tests on the mock Vulkan driver (tests/unit/mock_vulkan.c).
 *
 * 1. The bad-input matrix of docs/bad-input.md: every entry point against every kind of bad
 *    input (NULL descriptor, NULL array with a count, both arrays, count 0, count above the limit,
 *    a stale handle, a handle of another type, a handle of another device, double destroy), each
 *    on a fresh fixture of two devices with allocations, a resource, paging queues and fences.
 *    Each case asserts the status and that the state is unchanged afterwards (handle count,
 *    statistics of both devices, every allocation's memory, offer state and priority, fence
 *    values, adapter usage, the mock's live Vulkan objects), and that nothing leaks.  A control
 *    case per entry point makes the same call with the bad part fixed and expects success, so
 *    the status really comes from the bad part.  `test_mock --table` prints the matrix as
 *    Markdown (docs/bad-input.md is that output).
 * 2. The semantic cases of the same document (offer of an offered allocation, reclaim of one not
 *    offered, destroy of an offered allocation, destroying a device with live objects, ...).
 * 3. d3dkmt_status_from_vk, the one VkResult -> NTSTATUS map.
 * 4. Offer / release / reclaim / deferred offers observed through the mock (priorities, binds).
 * 5. Waits: destroys wait for their own memory's binds only, failures wait for nothing (issue 18).
 * 6. Priority changes are queued for the tracker thread; undone ones never reach the driver (17).
 */
#include "d3dkmt_private.h"
#include "fence.h"
#include "vidmm.h"
#include "common.h"
#include "mock_vulkan.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Fixture ---- */

#define NA 4   /* allocations on device A */
#define ALLOC_SIZE 65536

struct fixture
{
    D3DKMT_HANDLE adapter, dev, dev2;
    LUID luid;
    D3DKMT_HANDLE alloc[NA];   /* alloc[0], alloc[1] in res */
    D3DKMT_HANDLE res;
    D3DKMT_HANDLE alloc2, res2; /* on dev2 */
    D3DKMT_HANDLE pq, pq_fence, pq2;
    D3DKMT_HANDLE sync, sync_b, sync2;  /* sync2 on dev2 */
    UINT64 *sync_cpu;
    D3DKMT_HANDLE stale_adapter, stale_dev, stale_alloc, stale_res, stale_pq, stale_sync;
    D3DKMT_HANDLE dev3;                      /* the shared objects' device (the others' counts stay as they were) */
    D3DKMT_HANDLE sres, salloc, sglobal;     /* a shared resource over fx_heap (a standard allocation) */
    D3DKMT_HANDLE smutex, smglobal;          /* a shared mutex */
    D3DKMT_HANDLE stale_sglobal, stale_smglobal; /* global handles of a destroyed resource / mutex */
};

/* The existing heap of the fixture's standard allocations. */
static uint8_t fx_heap[2][ALLOC_SIZE] __attribute__((aligned(65536)));

static struct fixture fx;

static D3DKMT_HANDLE create_device(D3DKMT_HANDLE adapter)
{
    D3DKMT_CREATEDEVICE create = { .hAdapter = adapter };
    assert_int_equal(D3DKMTCreateDevice(&create), STATUS_SUCCESS);
    return create.hDevice;
}

static void destroy_device(D3DKMT_HANDLE device)
{
    D3DKMT_DESTROYDEVICE destroy = { .hDevice = device };
    assert_int_equal(D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);
}

static D3DKMT_HANDLE create_sync(D3DKMT_HANDLE device, UINT64 initial, UINT64 **cpu)
{
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 create = { .hDevice = device };
    create.Info.Type = D3DDDI_MONITORED_FENCE;
    create.Info.MonitoredFence.InitialFenceValue = initial;
    assert_int_equal(D3DKMTCreateSynchronizationObject2(&create), STATUS_SUCCESS);
    if (cpu) *cpu = create.Info.MonitoredFence.FenceValueCPUVirtualAddress;
    return create.hSyncObject;
}

static void destroy_sync(D3DKMT_HANDLE sync)
{
    D3DKMT_DESTROYSYNCHRONIZATIONOBJECT destroy = { .hSyncObject = sync };
    assert_int_equal(D3DKMTDestroySynchronizationObject(&destroy), STATUS_SUCCESS);
}

/* A shared mutex of device; *global its global handle. */
static D3DKMT_HANDLE create_shared_mutex(D3DKMT_HANDLE device, D3DKMT_HANDLE *global)
{
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 create = { .hDevice = device };
    create.Info.Type = D3DDDI_SYNCHRONIZATION_MUTEX;
    create.Info.Flags.Shared = 1;
    assert_int_equal(D3DKMTCreateSynchronizationObject2(&create), STATUS_SUCCESS);
    *global = create.Info.SharedHandle;
    return create.hSyncObject;
}

/* A shared resource of one standard allocation over heap; returns the resource. */
static D3DKMT_HANDLE create_shared_resource(D3DKMT_HANDLE device, void *heap, D3DKMT_HANDLE *alloc, D3DKMT_HANDLE *global)
{
    static const char runtime[] = { 1, 2, 3, 4 };
    D3DKMT_CREATESTANDARDALLOCATION standard = { .Type = D3DKMT_STANDARDALLOCATIONTYPE_EXISTINGHEAP,
                                                 .ExistingHeapData.Size = ALLOC_SIZE };
    D3DDDI_ALLOCATIONINFO info = { .pSystemMem = heap };
    D3DKMT_CREATEALLOCATION create = { .hDevice = device, .NumAllocations = 1, .pAllocationInfo = &info,
                                       .pStandardAllocation = &standard, .pPrivateRuntimeData = runtime,
                                       .PrivateRuntimeDataSize = sizeof(runtime) };
    create.Flags.ExistingSysMem = create.Flags.StandardAllocation = 1;
    create.Flags.CreateResource = create.Flags.CreateShared = 1;
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_SUCCESS);
    *alloc = info.hAllocation;
    *global = create.hGlobalShare;
    return create.hResource;
}

static D3DKMT_HANDLE create_pq(D3DKMT_HANDLE device, D3DKMT_HANDLE *fence)
{
    D3DKMT_CREATEPAGINGQUEUE create = { .hDevice = device, .Priority = D3DDDI_PAGINGQUEUE_PRIORITY_NORMAL };
    assert_int_equal(D3DKMTCreatePagingQueue(&create), STATUS_SUCCESS);
    if (fence) *fence = create.hSyncObject;
    return create.hPagingQueue;
}

static void destroy_pq(D3DKMT_HANDLE pq)
{
    D3DDDI_DESTROYPAGINGQUEUE destroy = { .hPagingQueue = pq };
    assert_int_equal(D3DKMTDestroyPagingQueue(&destroy), STATUS_SUCCESS);
}

static D3DKMT_HANDLE open_adapter(LUID *luid)
{
    D3DKMT_ADAPTERINFO infos[8];
    D3DKMT_ENUMADAPTERS2 enum2 = { .NumAdapters = 8, .pAdapters = infos };
    UINT i;

    assert_int_equal(D3DKMTEnumAdapters2(&enum2), STATUS_SUCCESS);
    assert_true(enum2.NumAdapters >= 1);
    for (i = 1; i < enum2.NumAdapters; i++)
    {
        D3DKMT_CLOSEADAPTER close = { .hAdapter = infos[i].hAdapter };
        assert_int_equal(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
    }
    if (luid) *luid = infos[0].AdapterLuid;
    return infos[0].hAdapter;
}

static void close_adapter(D3DKMT_HANDLE adapter)
{
    D3DKMT_CLOSEADAPTER close = { .hAdapter = adapter };
    assert_int_equal(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
}

static void fixture_create(void)
{
    D3DKMT_HANDLE h[2], res;

    memset(&fx, 0, sizeof(fx));
    fx.adapter = open_adapter(&fx.luid);
    fx.dev = create_device(fx.adapter);
    fx.dev2 = create_device(fx.adapter);
    assert_int_equal(test_create(fx.dev, 2, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, fx.alloc, &fx.res), STATUS_SUCCESS);
    assert_int_equal(test_create(fx.dev, 2, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, fx.alloc + 2, NULL), STATUS_SUCCESS);
    assert_int_equal(test_create(fx.dev2, 1, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, &fx.alloc2, &fx.res2), STATUS_SUCCESS);
    fx.pq = create_pq(fx.dev, &fx.pq_fence);
    fx.pq2 = create_pq(fx.dev2, NULL);
    fx.sync = create_sync(fx.dev, 5, &fx.sync_cpu);
    fx.sync_b = create_sync(fx.dev, 5, NULL);
    fx.sync2 = create_sync(fx.dev2, 5, NULL);

    /* Handles of destroyed objects of every type. */
    fx.stale_adapter = open_adapter(NULL);
    close_adapter(fx.stale_adapter);
    fx.stale_dev = create_device(fx.adapter);
    destroy_device(fx.stale_dev);
    assert_int_equal(test_create(fx.dev, 2, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, h, &res), STATUS_SUCCESS);
    {
        D3DKMT_DESTROYALLOCATION2 destroy = { .hDevice = fx.dev, .hResource = res };
        destroy.Flags.SynchronousDestroy = 1;
        assert_int_equal(D3DKMTDestroyAllocation2(&destroy), STATUS_SUCCESS);
    }
    fx.stale_alloc = h[0];
    fx.stale_res = res;
    fx.stale_pq = create_pq(fx.dev, NULL);
    destroy_pq(fx.stale_pq);
    fx.stale_sync = create_sync(fx.dev, 0, NULL);
    destroy_sync(fx.stale_sync);
    /* Shared objects, live and destroyed. */
    fx.dev3 = create_device(fx.adapter);
    fx.sres = create_shared_resource(fx.dev3, fx_heap[0], &fx.salloc, &fx.sglobal);
    fx.smutex = create_shared_mutex(fx.dev3, &fx.smglobal);
    {
        D3DKMT_DESTROYALLOCATION2 destroy = { .hDevice = fx.dev3 };
        D3DKMT_HANDLE alloc;
        destroy.hResource = create_shared_resource(fx.dev3, fx_heap[1], &alloc, &fx.stale_sglobal);
        assert_int_equal(D3DKMTDestroyAllocation2(&destroy), STATUS_SUCCESS);
    }
    destroy_sync(create_shared_mutex(fx.dev3, &fx.stale_smglobal));
    assert_int_equal(d3dkmt_host_flush_deferred(fx.dev, 5000000000ull), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_flush_deferred(fx.dev3, 5000000000ull), STATUS_SUCCESS);
}

static void fixture_destroy(void)
{
    /* Devices that a case destroyed are already gone: a second destroy is refused. */
    D3DKMT_DESTROYDEVICE destroy = { .hDevice = fx.dev };
    D3DKMT_CLOSEADAPTER close = { .hAdapter = fx.adapter };
    D3DKMTDestroyDevice(&destroy);
    destroy.hDevice = fx.dev2;
    D3DKMTDestroyDevice(&destroy);
    destroy.hDevice = fx.dev3;
    D3DKMTDestroyDevice(&destroy);
    D3DKMTCloseAdapter(&close);
}

/* Everything a bad call must leave as it was. */
struct snapshot
{
    uint32_t handles;
    D3DKMT_VK_STATISTICS stats[2];
    NTSTATUS stats_status[2];
    struct d3dkmt_host_allocation_info info[NA + 1];
    NTSTATUS info_status[NA + 1];
    UINT priority[NA + 1];
    NTSTATUS priority_status[NA + 1];
    UINT64 sync_value;
    UINT64 usage[2];
    uint32_t globals;
    struct mock_vk_counts mock;
};

static void take_snapshot(struct snapshot *s)
{
    D3DKMT_HANDLE devs[2] = { fx.dev, fx.dev2 };
    unsigned int i;

    memset(s, 0, sizeof(*s));
    s->handles = d3dkmt_handle_count();
    for (i = 0; i < 2; i++)
    {
        s->stats_status[i] = d3dkmt_host_query_statistics(devs[i], &s->stats[i]);
        s->stats[i].Budget = 0;
    }
    for (i = 0; i <= NA; i++)
    {
        D3DKMT_HANDLE dev = i < NA ? fx.dev : fx.dev2, h = i < NA ? fx.alloc[i] : fx.alloc2;
        D3DKMT_GETALLOCATIONPRIORITY get = { .hDevice = dev, .phAllocationList = &h, .AllocationCount = 1,
                                             .pPriorities = &s->priority[i] };
        s->info_status[i] = d3dkmt_host_get_allocation_info(dev, h, &s->info[i]);
        s->priority_status[i] = D3DKMTGetAllocationPriority(&get);
    }
    s->sync_value = fx.sync_cpu ? *fx.sync_cpu : 0;
    for (i = 0; i < 2; i++)
    {
        D3DKMT_QUERYVIDEOMEMORYINFO q = { .hAdapter = fx.adapter, .MemorySegmentGroup = i };
        if (!D3DKMTQueryVideoMemoryInfo(&q)) s->usage[i] = q.CurrentUsage;
    }
    s->globals = d3dkmt_global_count();
    mock_vk_get_counts(&s->mock);
}

static void assert_unchanged(const struct snapshot *a, const char *what)
{
    struct snapshot b;

    take_snapshot(&b);
    if (memcmp(a, &b, sizeof(b)))
    {
        fprintf(stderr, "state changed by %s: handles %u -> %u, memories %d -> %d, batches %d -> %d\n", what,
                a->handles, b.handles, a->mock.memories, b.mock.memories, a->mock.batches, b.mock.batches);
        fail_msg("state changed by %s", what);
    }
}

/* ---- The matrix ---- */

enum bad
{
    B_VALID,          /* control: the same call made valid */
    B_NULL_DESC,
    B_NULL_ARRAY,
    B_BOTH_ARRAYS,
    B_COUNT0,
    B_COUNT_OVER,
    B_STALE,
    B_STALE_IN_LIST,
    B_OTHER_TYPE,
    B_OTHER_TYPE_IN_LIST,
    B_OTHER_DEVICE,
    B_DOUBLE_DESTROY,
    B_COUNT
};

static const char *const bad_names[B_COUNT] = {
    "valid call (control)",
    "NULL descriptor",
    "NULL array, count > 0",
    "both arrays set",
    "count 0",
    "count above the limit",
    "stale handle",
    "stale handle in the list",
    "handle of another type",
    "handle of another type in the list",
    "handle of another device",
    "double destroy",
};

#define NOT_APPLICABLE ((NTSTATUS)0xdeadbeef)

/* One entry point: makes the call for `bad`, sets *expected, returns the status (or NOT_APPLICABLE). */
typedef NTSTATUS (*ep_fn)(enum bad bad, NTSTATUS *expected, const char **note);

static D3DKMT_VK_ALLOCATIONDATA alloc_data = {
    .Version = D3DKMT_VK_ALLOCATIONDATA_VERSION, .Placement = D3DKMT_VK_PLACEMENT_HOST_VISIBLE, .Size = 4096,
};

/* Big lists for "count above the limit" (the library must refuse them before reading them). */
static D3DKMT_HANDLE big_list[D3DKMT_MAX_RESIDENCY_LIST + 1];
static UINT big_prio[D3DKMT_MAX_RESIDENCY_LIST + 1];
static UINT64 big_values[D3DKMT_MAX_RESIDENCY_LIST + 1];

static NTSTATUS ep_enum_adapters2(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_ADAPTERINFO infos[8];
    D3DKMT_ENUMADAPTERS2 d = { .NumAdapters = 8, .pAdapters = infos };
    NTSTATUS status;
    UINT i;

    switch (bad)
    {
    case B_VALID:
        if ((status = D3DKMTEnumAdapters2(&d))) return status;
        for (i = 0; i < d.NumAdapters; i++)
        {
            D3DKMT_CLOSEADAPTER close = { .hAdapter = infos[i].hAdapter };
            D3DKMTCloseAdapter(&close);
        }
        *exp = STATUS_SUCCESS;
        return status;
    case B_NULL_DESC: return D3DKMTEnumAdapters2(NULL);
    case B_NULL_ARRAY:
        d.pAdapters = NULL;
        *exp = STATUS_SUCCESS;
        *note = "the query form: NumAdapters receives 32, the most adapters reported, no handle is opened";
        status = D3DKMTEnumAdapters2(&d);
        assert_int_equal(d.NumAdapters, 32);
        return status;
    case B_COUNT0:
        d.NumAdapters = 0;
        *exp = STATUS_BUFFER_TOO_SMALL;
        *note = "NumAdapters receives the count, no handle is opened";
        status = D3DKMTEnumAdapters2(&d);
        assert_int_equal(d.NumAdapters, 1);
        return status;
    default: return NOT_APPLICABLE;
    }
}

static NTSTATUS ep_open_adapter_from_luid(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_OPENADAPTERFROMLUID d = { .AdapterLuid = fx.luid };
    NTSTATUS status;

    switch (bad)
    {
    case B_VALID:
        *exp = STATUS_SUCCESS;
        if (!(status = D3DKMTOpenAdapterFromLuid(&d))) close_adapter(d.hAdapter);
        return status;
    case B_NULL_DESC: return D3DKMTOpenAdapterFromLuid(NULL);
    case B_STALE:
        d.AdapterLuid.LowPart ^= 0x5a5a;
        *note = "an unknown LUID";
        return D3DKMTOpenAdapterFromLuid(&d);
    default: return NOT_APPLICABLE;
    }
}

static NTSTATUS ep_close_adapter(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_CLOSEADAPTER d = { .hAdapter = fx.adapter };

    switch (bad)
    {
    case B_VALID:
        d.hAdapter = open_adapter(NULL);
        *exp = STATUS_SUCCESS;
        return D3DKMTCloseAdapter(&d);
    case B_NULL_DESC: return D3DKMTCloseAdapter(NULL);
    case B_STALE: case B_DOUBLE_DESTROY: d.hAdapter = fx.stale_adapter; break;
    case B_OTHER_TYPE: d.hAdapter = fx.dev; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTCloseAdapter(&d);
}

static NTSTATUS ep_query_adapter_info(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_ADAPTERTYPE type;
    D3DKMT_QUERYADAPTERINFO d = { .hAdapter = fx.adapter, .Type = KMTQAITYPE_ADAPTERTYPE,
                                  .pPrivateDriverData = &type, .PrivateDriverDataSize = sizeof(type) };
    switch (bad)
    {
    case B_VALID: *exp = STATUS_SUCCESS; break;
    case B_NULL_DESC: return D3DKMTQueryAdapterInfo(NULL);
    case B_NULL_ARRAY: d.pPrivateDriverData = NULL; break;
    case B_COUNT0: d.PrivateDriverDataSize = 0; break;
    case B_COUNT_OVER: d.PrivateDriverDataSize = sizeof(type) + 1; break;
    case B_STALE: d.hAdapter = fx.stale_adapter; break;
    case B_OTHER_TYPE: d.hAdapter = fx.dev; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTQueryAdapterInfo(&d);
}

static NTSTATUS ep_query_video_memory_info(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_QUERYVIDEOMEMORYINFO d = { .hAdapter = fx.adapter, .MemorySegmentGroup = D3DKMT_MEMORY_SEGMENT_GROUP_LOCAL };
    switch (bad)
    {
    case B_VALID: *exp = STATUS_SUCCESS; break;
    case B_NULL_DESC: return D3DKMTQueryVideoMemoryInfo(NULL);
    case B_STALE: d.hAdapter = fx.stale_adapter; break;
    case B_OTHER_TYPE: d.hAdapter = fx.dev; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTQueryVideoMemoryInfo(&d);
}

static NTSTATUS ep_create_device(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_CREATEDEVICE d = { .hAdapter = fx.adapter };
    NTSTATUS status;

    switch (bad)
    {
    case B_VALID:
        *exp = STATUS_SUCCESS;
        if (!(status = D3DKMTCreateDevice(&d))) destroy_device(d.hDevice);
        return status;
    case B_NULL_DESC: return D3DKMTCreateDevice(NULL);
    case B_STALE: d.hAdapter = fx.stale_adapter; break;
    case B_OTHER_TYPE: d.hAdapter = fx.dev; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTCreateDevice(&d);
}

static NTSTATUS ep_destroy_device(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_DESTROYDEVICE d = { .hDevice = fx.stale_dev };
    switch (bad)
    {
    case B_VALID: d.hDevice = create_device(fx.adapter); *exp = STATUS_SUCCESS; break;
    case B_NULL_DESC: return D3DKMTDestroyDevice(NULL);
    case B_STALE: case B_DOUBLE_DESTROY: break;
    case B_OTHER_TYPE: d.hDevice = fx.alloc[0]; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTDestroyDevice(&d);
}

static NTSTATUS create_allocation(enum bad bad, NTSTATUS *exp, const char **note, bool v2)
{
    D3DDDI_ALLOCATIONINFO2 info2 = { .pPrivateDriverData = &alloc_data, .PrivateDriverDataSize = sizeof(alloc_data) };
    D3DDDI_ALLOCATIONINFO info = { .pPrivateDriverData = &alloc_data, .PrivateDriverDataSize = sizeof(alloc_data) };
    D3DKMT_CREATEALLOCATION d = { .hDevice = fx.dev, .NumAllocations = 1 };
    NTSTATUS status;

    if (v2) d.pAllocationInfo2 = &info2;
    else d.pAllocationInfo = &info;
    switch (bad)
    {
    case B_VALID:
        *exp = STATUS_SUCCESS;
        d.hResource = fx.res;
        if (!(status = v2 ? D3DKMTCreateAllocation2(&d) : D3DKMTCreateAllocation(&d)))
            assert_int_equal(test_destroy(fx.dev, v2 ? &info2.hAllocation : &info.hAllocation, 1, 2), STATUS_SUCCESS);
        return status;
    case B_NULL_DESC: return v2 ? D3DKMTCreateAllocation2(NULL) : D3DKMTCreateAllocation(NULL);
    case B_NULL_ARRAY: d.pAllocationInfo2 = NULL; break;
    case B_COUNT0: d.NumAllocations = 0; break;
    case B_COUNT_OVER: d.NumAllocations = D3DKMT_MAX_CREATE_LIST + 1; break;
    case B_STALE: d.hDevice = fx.stale_dev; break;
    case B_STALE_IN_LIST:
        d.hResource = fx.stale_res;
        *note = "hResource of a destroyed resource, as Windows";
        *exp = STATUS_INVALID_HANDLE;
        break;
    case B_OTHER_TYPE: d.hDevice = fx.alloc[0]; break;
    case B_OTHER_TYPE_IN_LIST:
        d.hResource = fx.alloc[0];
        *note = "hResource is an allocation";
        *exp = STATUS_INVALID_HANDLE;
        break;
    case B_OTHER_DEVICE:
        d.hResource = fx.res2;
        *note = "hResource of another device";
        *exp = STATUS_INVALID_HANDLE;
        break;
    default: return NOT_APPLICABLE;
    }
    return v2 ? D3DKMTCreateAllocation2(&d) : D3DKMTCreateAllocation(&d);
}

static NTSTATUS ep_create_allocation(enum bad bad, NTSTATUS *exp, const char **note)
{
    return create_allocation(bad, exp, note, false);
}

static NTSTATUS ep_create_allocation2(enum bad bad, NTSTATUS *exp, const char **note)
{
    return create_allocation(bad, exp, note, true);
}

static NTSTATUS destroy_allocation(enum bad bad, NTSTATUS *exp, const char **note, bool v2)
{
    D3DKMT_HANDLE list[2] = { fx.alloc[2], fx.alloc[3] }, fresh;
    D3DKMT_DESTROYALLOCATION2 d = { .hDevice = fx.dev, .phAllocationList = list, .AllocationCount = 2 };
    D3DKMT_DESTROYALLOCATION d1;

    switch (bad)
    {
    case B_VALID:
        assert_int_equal(test_create(fx.dev, 1, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, &fresh, NULL), STATUS_SUCCESS);
        list[0] = fresh;
        d.AllocationCount = 1;
        *exp = STATUS_SUCCESS;
        break;
    case B_NULL_DESC: return v2 ? D3DKMTDestroyAllocation2(NULL) : D3DKMTDestroyAllocation(NULL);
    case B_NULL_ARRAY: d.phAllocationList = NULL; break;
    case B_COUNT0:
        d.AllocationCount = 0;
        *note = "and hResource 0: nothing to destroy, a no-op as on Windows";
        *exp = STATUS_SUCCESS;
        break;
    case B_COUNT_OVER: d.phAllocationList = big_list; d.AllocationCount = D3DKMT_MAX_CREATE_LIST + 1; break;
    case B_STALE: d.hDevice = fx.stale_dev; break;
    case B_STALE_IN_LIST: list[1] = fx.stale_alloc; *note = "the valid entry is not destroyed either"; break;
    case B_OTHER_TYPE: d.hDevice = fx.alloc[0]; break;
    case B_OTHER_TYPE_IN_LIST: list[1] = fx.sync; break;
    case B_OTHER_DEVICE: list[1] = fx.alloc2; break;
    case B_DOUBLE_DESTROY: list[0] = list[1] = fx.stale_alloc; d.AllocationCount = 1; break;
    default: return NOT_APPLICABLE;
    }
    if (v2) return D3DKMTDestroyAllocation2(&d);
    d1.hDevice = d.hDevice;
    d1.hResource = d.hResource;
    d1.phAllocationList = d.phAllocationList;
    d1.AllocationCount = d.AllocationCount;
    return D3DKMTDestroyAllocation(&d1);
}

static NTSTATUS ep_destroy_allocation(enum bad bad, NTSTATUS *exp, const char **note)
{
    return destroy_allocation(bad, exp, note, false);
}

static NTSTATUS ep_destroy_allocation2(enum bad bad, NTSTATUS *exp, const char **note)
{
    return destroy_allocation(bad, exp, note, true);
}

static NTSTATUS lock_unlock(enum bad bad, NTSTATUS *exp, bool lock)
{
    D3DKMT_LOCK2 l = { .hDevice = fx.dev, .hAllocation = fx.alloc[0] };
    D3DKMT_UNLOCK2 u = { .hDevice = fx.dev, .hAllocation = fx.alloc[0] };
    NTSTATUS status;

    switch (bad)
    {
    case B_VALID:
        *exp = STATUS_SUCCESS;
        if ((status = D3DKMTLock2(&l))) return status;
        return D3DKMTUnlock2(&u);
    case B_NULL_DESC: return lock ? D3DKMTLock2(NULL) : D3DKMTUnlock2(NULL);
    case B_STALE: l.hDevice = u.hDevice = fx.stale_dev; break;
    case B_STALE_IN_LIST: l.hAllocation = u.hAllocation = fx.stale_alloc; break;
    case B_OTHER_TYPE: l.hDevice = u.hDevice = fx.alloc[0]; break;
    case B_OTHER_TYPE_IN_LIST: l.hAllocation = u.hAllocation = fx.res; break;
    case B_OTHER_DEVICE: l.hAllocation = u.hAllocation = fx.alloc2; break;
    default: return NOT_APPLICABLE;
    }
    return lock ? D3DKMTLock2(&l) : D3DKMTUnlock2(&u);
}

static NTSTATUS ep_lock2(enum bad bad, NTSTATUS *exp, const char **note)
{
    if (bad == B_STALE_IN_LIST) *note = "hAllocation";
    return lock_unlock(bad, exp, true);
}

static NTSTATUS ep_unlock2(enum bad bad, NTSTATUS *exp, const char **note)
{
    if (bad == B_STALE_IN_LIST) *note = "hAllocation";
    return lock_unlock(bad, exp, false);
}

static NTSTATUS ep_offer(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_HANDLE list[2] = { fx.alloc[2], fx.alloc[3] };
    D3DKMT_HANDLE res[1] = { fx.res };
    D3DKMT_OFFERALLOCATIONS d = { .hDevice = fx.dev, .HandleList = list, .NumAllocations = 2,
                                  .Priority = D3DKMT_OFFER_PRIORITY_LOW };
    NTSTATUS status;

    switch (bad)
    {
    case B_VALID:
    {
        D3DKMT_RECLAIMALLOCATIONS r = { .hDevice = fx.dev, .HandleList = list, .NumAllocations = 2 };
        *exp = STATUS_SUCCESS;
        if ((status = D3DKMTOfferAllocations(&d))) return status;
        return D3DKMTReclaimAllocations(&r);
    }
    case B_NULL_DESC: return D3DKMTOfferAllocations(NULL);
    case B_NULL_ARRAY: d.HandleList = NULL; break;
    case B_BOTH_ARRAYS: d.pResources = res; d.NumAllocations = 1; break;
    case B_COUNT0: d.NumAllocations = 0; break;
    case B_COUNT_OVER: d.HandleList = big_list; d.NumAllocations = D3DKMT_MAX_RESIDENCY_LIST + 1; break;
    case B_STALE: d.hDevice = fx.stale_dev; break;
    case B_STALE_IN_LIST: list[1] = fx.stale_alloc; *note = "the valid entry is not offered either"; break;
    case B_OTHER_TYPE: d.hDevice = fx.alloc[0]; break;
    case B_OTHER_TYPE_IN_LIST: list[1] = fx.res; break;
    case B_OTHER_DEVICE: list[1] = fx.alloc2; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTOfferAllocations(&d);
}

static NTSTATUS ep_reclaim(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_HANDLE list[2] = { fx.alloc[2], fx.alloc[3] };
    D3DKMT_HANDLE res[1] = { fx.res };
    BOOL discarded[2];
    D3DKMT_RECLAIMALLOCATIONS d = { .hDevice = fx.dev, .HandleList = list, .NumAllocations = 2, .pDiscarded = discarded };

    switch (bad)
    {
    case B_VALID: *exp = STATUS_SUCCESS; break;
    case B_NULL_DESC: return D3DKMTReclaimAllocations(NULL);
    case B_NULL_ARRAY: d.HandleList = NULL; break;
    case B_BOTH_ARRAYS: d.pResources = res; d.NumAllocations = 1; break;
    case B_COUNT0: d.NumAllocations = 0; break;
    case B_COUNT_OVER: d.HandleList = big_list; d.NumAllocations = D3DKMT_MAX_RESIDENCY_LIST + 1; break;
    case B_STALE: d.hDevice = fx.stale_dev; break;
    case B_STALE_IN_LIST: list[1] = fx.stale_alloc; break;
    case B_OTHER_TYPE: d.hDevice = fx.alloc[0]; break;
    case B_OTHER_TYPE_IN_LIST: list[1] = fx.res; break;
    case B_OTHER_DEVICE: list[1] = fx.alloc2; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTReclaimAllocations(&d);
}

static NTSTATUS ep_reclaim2(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_HANDLE list[2] = { fx.alloc[2], fx.alloc[3] };
    D3DKMT_HANDLE res[1] = { fx.res };
    D3DDDI_RECLAIM_RESULT results[2];
    D3DKMT_RECLAIMALLOCATIONS2 d = { .hPagingQueue = fx.pq, .HandleList = list, .NumAllocations = 2, .pResults = results };

    switch (bad)
    {
    case B_VALID: *exp = STATUS_SUCCESS; break;
    case B_NULL_DESC: return D3DKMTReclaimAllocations2(NULL);
    case B_NULL_ARRAY: d.HandleList = NULL; break;
    case B_BOTH_ARRAYS: d.pResources = res; d.NumAllocations = 1; break;
    case B_COUNT0: d.NumAllocations = 0; break;
    case B_COUNT_OVER: d.HandleList = big_list; d.NumAllocations = D3DKMT_MAX_RESIDENCY_LIST + 1; break;
    case B_STALE: d.hPagingQueue = fx.stale_pq; *note = "hPagingQueue"; break;
    case B_STALE_IN_LIST: list[1] = fx.stale_alloc; break;
    case B_OTHER_TYPE: d.hPagingQueue = fx.dev; *note = "hPagingQueue is a device"; break;
    case B_OTHER_TYPE_IN_LIST: list[1] = fx.res; break;
    case B_OTHER_DEVICE: list[1] = fx.alloc2; *note = "an allocation of another device than the queue's"; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTReclaimAllocations2(&d);
}

static NTSTATUS ep_make_resident(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_HANDLE list[2] = { fx.alloc[2], fx.alloc[3] };
    D3DDDI_MAKERESIDENT d = { .hPagingQueue = fx.pq, .AllocationList = list, .NumAllocations = 2 };
    NTSTATUS status;

    switch (bad)
    {
    case B_VALID:
    {
        D3DKMT_EVICT e = { .hDevice = fx.dev, .AllocationList = list, .NumAllocations = 2 };
        *exp = STATUS_SUCCESS;
        if ((status = D3DKMTMakeResident(&d))) return status;
        return D3DKMTEvict(&e);
    }
    case B_NULL_DESC: return D3DKMTMakeResident(NULL);
    case B_NULL_ARRAY: d.AllocationList = NULL; break;
    case B_COUNT0: d.NumAllocations = 0; break;
    case B_COUNT_OVER: d.AllocationList = big_list; d.NumAllocations = D3DKMT_MAX_RESIDENCY_LIST + 1; break;
    case B_STALE: d.hPagingQueue = fx.stale_pq; *note = "hPagingQueue"; break;
    case B_STALE_IN_LIST: list[1] = fx.stale_alloc; break;
    case B_OTHER_TYPE: d.hPagingQueue = fx.pq_fence; *note = "hPagingQueue is the queue's fence"; break;
    case B_OTHER_TYPE_IN_LIST: list[1] = fx.res; break;
    case B_OTHER_DEVICE: list[1] = fx.alloc2; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTMakeResident(&d);
}

static NTSTATUS ep_evict(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_HANDLE list[2] = { fx.alloc[2], fx.alloc[3] };
    D3DKMT_EVICT d = { .hDevice = fx.dev, .AllocationList = list, .NumAllocations = 2 };
    NTSTATUS status;

    switch (bad)
    {
    case B_VALID:
    {
        D3DDDI_MAKERESIDENT r = { .hPagingQueue = fx.pq, .AllocationList = list, .NumAllocations = 2 };
        *exp = STATUS_SUCCESS;
        if ((status = D3DKMTEvict(&d))) return status;
        return D3DKMTMakeResident(&r);
    }
    case B_NULL_DESC: return D3DKMTEvict(NULL);
    case B_NULL_ARRAY: d.AllocationList = NULL; break;
    case B_COUNT0: d.NumAllocations = 0; break;
    case B_COUNT_OVER: d.AllocationList = big_list; d.NumAllocations = D3DKMT_MAX_RESIDENCY_LIST + 1; break;
    case B_STALE: d.hDevice = fx.stale_dev; break;
    case B_STALE_IN_LIST: list[1] = fx.stale_alloc; break;
    case B_OTHER_TYPE: d.hDevice = fx.alloc[0]; break;
    case B_OTHER_TYPE_IN_LIST: list[1] = fx.res; break;
    case B_OTHER_DEVICE: list[1] = fx.alloc2; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTEvict(&d);
}

static NTSTATUS ep_set_priority(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_HANDLE list[2] = { fx.alloc[2], fx.alloc[3] };
    UINT prio[2] = { D3DDDI_ALLOCATIONPRIORITY_NORMAL, D3DDDI_ALLOCATIONPRIORITY_NORMAL };
    D3DKMT_SETALLOCATIONPRIORITY d = { .hDevice = fx.dev, .phAllocationList = list, .AllocationCount = 2,
                                       .pPriorities = prio };
    switch (bad)
    {
    case B_VALID: *exp = STATUS_SUCCESS; break;
    case B_NULL_DESC: return D3DKMTSetAllocationPriority(NULL);
    case B_NULL_ARRAY: d.phAllocationList = NULL; break;
    case B_BOTH_ARRAYS: d.hResource = fx.res; *note = "hResource and a list"; break;
    case B_COUNT0: d.AllocationCount = 0; *note = "and hResource 0"; break;
    case B_COUNT_OVER: d.phAllocationList = big_list; d.pPriorities = big_prio; d.AllocationCount = D3DKMT_MAX_RESIDENCY_LIST + 1; break;
    case B_STALE: d.hDevice = fx.stale_dev; break;
    case B_STALE_IN_LIST: list[1] = fx.stale_alloc; break;
    case B_OTHER_TYPE: d.hDevice = fx.alloc[0]; break;
    case B_OTHER_TYPE_IN_LIST: list[1] = fx.res; break;
    case B_OTHER_DEVICE: list[1] = fx.alloc2; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTSetAllocationPriority(&d);
}

static NTSTATUS ep_get_priority(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_HANDLE list[2] = { fx.alloc[2], fx.alloc[3] };
    UINT prio[2];
    D3DKMT_GETALLOCATIONPRIORITY d = { .hDevice = fx.dev, .phAllocationList = list, .AllocationCount = 2,
                                       .pPriorities = prio };
    switch (bad)
    {
    case B_VALID: *exp = STATUS_SUCCESS; break;
    case B_NULL_DESC: return D3DKMTGetAllocationPriority(NULL);
    case B_NULL_ARRAY: d.phAllocationList = NULL; break;
    case B_BOTH_ARRAYS: d.hResource = fx.res; *note = "hResource and a list"; break;
    case B_COUNT0: d.AllocationCount = 0; *note = "and hResource 0"; break;
    case B_COUNT_OVER: d.phAllocationList = big_list; d.pPriorities = big_prio; d.AllocationCount = D3DKMT_MAX_RESIDENCY_LIST + 1; break;
    case B_STALE: d.hDevice = fx.stale_dev; break;
    case B_STALE_IN_LIST: list[1] = fx.stale_alloc; break;
    case B_OTHER_TYPE: d.hDevice = fx.alloc[0]; break;
    case B_OTHER_TYPE_IN_LIST: list[1] = fx.res; break;
    case B_OTHER_DEVICE: list[1] = fx.alloc2; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTGetAllocationPriority(&d);
}

static NTSTATUS ep_create_paging_queue(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_CREATEPAGINGQUEUE d = { .hDevice = fx.dev, .Priority = D3DDDI_PAGINGQUEUE_PRIORITY_NORMAL };
    NTSTATUS status;

    switch (bad)
    {
    case B_VALID:
        *exp = STATUS_SUCCESS;
        if (!(status = D3DKMTCreatePagingQueue(&d))) destroy_pq(d.hPagingQueue);
        return status;
    case B_NULL_DESC: return D3DKMTCreatePagingQueue(NULL);
    case B_STALE: d.hDevice = fx.stale_dev; break;
    case B_OTHER_TYPE: d.hDevice = fx.pq; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTCreatePagingQueue(&d);
}

static NTSTATUS ep_destroy_paging_queue(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DDDI_DESTROYPAGINGQUEUE d = { .hPagingQueue = fx.stale_pq };
    switch (bad)
    {
    case B_VALID: d.hPagingQueue = create_pq(fx.dev, NULL); *exp = STATUS_SUCCESS; break;
    case B_NULL_DESC: return D3DKMTDestroyPagingQueue(NULL);
    case B_STALE: case B_DOUBLE_DESTROY: break;
    case B_OTHER_TYPE: d.hPagingQueue = fx.pq_fence; *note = "the queue's own fence"; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTDestroyPagingQueue(&d);
}

static NTSTATUS ep_create_sync(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 d = { .hDevice = fx.dev };
    NTSTATUS status;

    d.Info.Type = D3DDDI_MONITORED_FENCE;
    switch (bad)
    {
    case B_VALID:
        *exp = STATUS_SUCCESS;
        if (!(status = D3DKMTCreateSynchronizationObject2(&d))) destroy_sync(d.hSyncObject);
        return status;
    case B_NULL_DESC: return D3DKMTCreateSynchronizationObject2(NULL);
    case B_STALE: d.hDevice = fx.stale_dev; break;
    case B_OTHER_TYPE: d.hDevice = fx.sync; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTCreateSynchronizationObject2(&d);
}

static NTSTATUS ep_destroy_sync(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_DESTROYSYNCHRONIZATIONOBJECT d = { .hSyncObject = fx.stale_sync };
    switch (bad)
    {
    case B_VALID: d.hSyncObject = create_sync(fx.dev, 0, NULL); *exp = STATUS_SUCCESS; break;
    case B_NULL_DESC: return D3DKMTDestroySynchronizationObject(NULL);
    case B_STALE: case B_DOUBLE_DESTROY: break;
    case B_OTHER_TYPE: d.hSyncObject = fx.pq; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTDestroySynchronizationObject(&d);
}

static NTSTATUS ep_create_sync_v1(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_CREATESYNCHRONIZATIONOBJECT d = { .hDevice = fx.dev };
    NTSTATUS status;

    d.Info.Type = D3DDDI_SEMAPHORE;
    switch (bad)
    {
    case B_VALID:
        *exp = STATUS_SUCCESS;
        if (!(status = D3DKMTCreateSynchronizationObject(&d))) destroy_sync(d.hSyncObject);
        return status;
    case B_NULL_DESC: return D3DKMTCreateSynchronizationObject(NULL);
    case B_STALE: d.hDevice = fx.stale_dev; break;
    case B_OTHER_TYPE: d.hDevice = fx.sync; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTCreateSynchronizationObject(&d);
}

static NTSTATUS ep_open_sync(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_OPENSYNCHRONIZATIONOBJECT d = { .hSharedHandle = fx.smglobal };
    NTSTATUS status;

    switch (bad)
    {
    case B_VALID:
        *exp = STATUS_SUCCESS;
        if (!(status = D3DKMTOpenSynchronizationObject(&d))) destroy_sync(d.hSyncObject);
        return status;
    case B_NULL_DESC: return D3DKMTOpenSynchronizationObject(NULL);
    case B_STALE: d.hSharedHandle = fx.stale_smglobal; *note = "the global handle of a destroyed mutex"; break;
    case B_OTHER_TYPE: d.hSharedHandle = fx.smutex; *note = "the mutex's local handle"; break;
    case B_OTHER_TYPE_IN_LIST: d.hSharedHandle = fx.sglobal; *note = "a shared resource's global handle"; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTOpenSynchronizationObject(&d);
}

static NTSTATUS ep_query_resource_info(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_QUERYRESOURCEINFO d = { .hDevice = fx.dev, .hGlobalShare = fx.sglobal };   /* any device */

    switch (bad)
    {
    case B_VALID: *exp = STATUS_SUCCESS; break;
    case B_NULL_DESC: return D3DKMTQueryResourceInfo(NULL);
    case B_STALE: d.hDevice = fx.stale_dev; break;
    case B_STALE_IN_LIST: d.hGlobalShare = fx.stale_sglobal; *note = "hGlobalShare of a destroyed resource"; break;
    case B_OTHER_TYPE: d.hDevice = fx.sync; break;
    case B_OTHER_TYPE_IN_LIST: d.hGlobalShare = fx.sres; *note = "hGlobalShare is the resource's local handle"; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTQueryResourceInfo(&d);
}

static NTSTATUS open_resource(enum bad bad, NTSTATUS *exp, const char **note, bool v2)
{
    D3DDDI_OPENALLOCATIONINFO2 info2 = { 0 };
    D3DDDI_OPENALLOCATIONINFO info = { 0 };
    D3DKMT_VK_ALLOCATIONDATA total[2];
    char runtime[4];
    D3DKMT_OPENRESOURCE d = { .hDevice = fx.dev2, .hGlobalShare = fx.sglobal, .NumAllocations = 1,
                              .pPrivateRuntimeData = runtime, .PrivateRuntimeDataSize = sizeof(runtime),
                              .pTotalPrivateDriverDataBuffer = total, .TotalPrivateDriverDataBufferSize = sizeof(total) };
    NTSTATUS status;

    if (v2) d.pOpenAllocationInfo2 = &info2;
    else d.pOpenAllocationInfo = &info;
    switch (bad)
    {
    case B_VALID:
        *exp = STATUS_SUCCESS;
        if (!(status = v2 ? D3DKMTOpenResource2(&d) : D3DKMTOpenResource(&d)))
        {
            D3DKMT_DESTROYALLOCATION2 destroy = { .hDevice = fx.dev2, .hResource = d.hResource };
            assert_int_equal(D3DKMTDestroyAllocation2(&destroy), STATUS_SUCCESS);
        }
        return status;
    case B_NULL_DESC: return v2 ? D3DKMTOpenResource2(NULL) : D3DKMTOpenResource(NULL);
    case B_NULL_ARRAY: d.pOpenAllocationInfo = NULL; break;
    case B_COUNT0: d.NumAllocations = 0; break;
    case B_COUNT_OVER: d.NumAllocations = 2; *note = "above the resource's count"; break;
    case B_STALE: d.hDevice = fx.stale_dev; break;
    case B_STALE_IN_LIST: d.hGlobalShare = fx.stale_sglobal; *note = "hGlobalShare of a destroyed resource"; break;
    case B_OTHER_TYPE: d.hDevice = fx.sync; break;
    case B_OTHER_TYPE_IN_LIST: d.hGlobalShare = fx.smglobal; *note = "hGlobalShare of a shared mutex"; break;
    default: return NOT_APPLICABLE;
    }
    return v2 ? D3DKMTOpenResource2(&d) : D3DKMTOpenResource(&d);
}

static NTSTATUS ep_open_resource(enum bad bad, NTSTATUS *exp, const char **note)
{
    return open_resource(bad, exp, note, false);
}

static NTSTATUS ep_open_resource2(enum bad bad, NTSTATUS *exp, const char **note)
{
    return open_resource(bad, exp, note, true);
}

/* The common shape of the four fence list calls. */
struct fence_call
{
    D3DKMT_HANDLE device;
    D3DKMT_HANDLE list[2];
    UINT64 values[2];
    const D3DKMT_HANDLE *handles;
    const UINT64 *vals;
    UINT count;
};

static bool fence_call_prepare(struct fence_call *c, enum bad bad, NTSTATUS *exp, const char **note, bool signal)
{
    /* Signals go above the current value; waits wait for values already reached (never block). */
    c->device = fx.dev;
    c->list[0] = fx.sync;
    c->list[1] = fx.sync_b;
    c->values[0] = c->values[1] = signal ? 100 : 5;
    c->handles = c->list;
    c->vals = c->values;
    c->count = 2;
    switch (bad)
    {
    case B_VALID: *exp = STATUS_SUCCESS; break;
    case B_NULL_ARRAY: c->handles = NULL; break;
    case B_COUNT0: c->count = 0; break;
    case B_COUNT_OVER: c->handles = big_list; c->vals = big_values; c->count = D3DKMT_MAX_SYNC_LIST + 1; break;
    case B_STALE: c->device = fx.stale_dev; break;
    case B_STALE_IN_LIST: c->list[1] = fx.stale_sync; break;
    case B_OTHER_TYPE: c->device = fx.sync; break;
    case B_OTHER_TYPE_IN_LIST: c->list[1] = fx.alloc[0]; break;
    case B_OTHER_DEVICE: c->list[1] = fx.sync2; break;
    default:
        return false;
    }
    return true;
}

static NTSTATUS ep_signal_cpu(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU d = { 0 };
    struct fence_call c;

    if (bad == B_NULL_DESC) return D3DKMTSignalSynchronizationObjectFromCpu(NULL);
    if (!fence_call_prepare(&c, bad, exp, note, true)) return NOT_APPLICABLE;
    d.hDevice = c.device;
    d.ObjectCount = c.count;
    d.ObjectHandleArray = c.handles;
    d.FenceValueArray = c.vals;
    return D3DKMTSignalSynchronizationObjectFromCpu(&d);
}

static NTSTATUS ep_wait_cpu(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU d = { 0 };
    struct fence_call c;

    if (bad == B_NULL_DESC) return D3DKMTWaitForSynchronizationObjectFromCpu(NULL);
    if (!fence_call_prepare(&c, bad, exp, note, false)) return NOT_APPLICABLE;
    d.hDevice = c.device;
    d.ObjectCount = c.count;
    d.ObjectHandleArray = c.handles;
    d.FenceValueArray = c.vals;
    return D3DKMTWaitForSynchronizationObjectFromCpu(&d);
}

static NTSTATUS ep_signal_gpu(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU d = { 0 };
    struct fence_call c;

    if (bad == B_NULL_DESC) return D3DKMTSignalSynchronizationObjectFromGpu(NULL);
    if (!fence_call_prepare(&c, bad, exp, note, true)) return NOT_APPLICABLE;
    if (bad == B_STALE || bad == B_OTHER_TYPE) *note = "hContext";
    d.hContext = c.device;
    d.ObjectCount = c.count;
    d.ObjectHandleArray = c.handles;
    d.MonitoredFenceValueArray = c.vals;
    return D3DKMTSignalSynchronizationObjectFromGpu(&d);
}

static NTSTATUS ep_signal_gpu2(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU2 d = { 0 };
    D3DKMT_HANDLE contexts[2];
    struct fence_call c;

    if (bad == B_NULL_DESC) return D3DKMTSignalSynchronizationObjectFromGpu2(NULL);
    if (!fence_call_prepare(&c, bad, exp, note, true)) return NOT_APPLICABLE;
    if (bad == B_STALE || bad == B_OTHER_TYPE) *note = "in BroadcastContextArray";
    contexts[0] = fx.dev;
    contexts[1] = c.device;
    d.BroadcastContextCount = 2;
    d.BroadcastContextArray = contexts;
    d.ObjectCount = c.count;
    d.ObjectHandleArray = c.handles;
    d.MonitoredFenceValueArray = c.vals;
    return D3DKMTSignalSynchronizationObjectFromGpu2(&d);
}

static NTSTATUS ep_wait_gpu(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU d = { 0 };
    struct fence_call c;

    if (bad == B_NULL_DESC) return D3DKMTWaitForSynchronizationObjectFromGpu(NULL);
    if (!fence_call_prepare(&c, bad, exp, note, false)) return NOT_APPLICABLE;
    if (bad == B_STALE || bad == B_OTHER_TYPE) *note = "hContext";
    d.hContext = c.device;
    d.ObjectCount = c.count;
    d.ObjectHandleArray = c.handles;
    d.MonitoredFenceValueArray = c.vals;
    return D3DKMTWaitForSynchronizationObjectFromGpu(&d);
}

static NTSTATUS ep_escape(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_VK_STATISTICS stats = { .Code = D3DKMT_VK_ESCAPE_QUERY_STATISTICS };
    D3DKMT_ESCAPE d = { .hDevice = fx.dev, .Type = D3DKMT_ESCAPE_DRIVERPRIVATE, .pPrivateDriverData = &stats,
                        .PrivateDriverDataSize = sizeof(stats) };
    switch (bad)
    {
    case B_VALID: *exp = STATUS_SUCCESS; break;
    case B_NULL_DESC: return D3DKMTEscape(NULL);
    case B_NULL_ARRAY: d.pPrivateDriverData = NULL; *note = "pPrivateDriverData"; break;
    case B_COUNT0: d.PrivateDriverDataSize = 0; break;
    case B_COUNT_OVER: d.PrivateDriverDataSize = sizeof(stats) + 8; break;
    case B_STALE: d.hDevice = fx.stale_dev; break;
    case B_OTHER_TYPE: d.hDevice = fx.alloc[0]; break;
    default: return NOT_APPLICABLE;
    }
    return D3DKMTEscape(&d);
}

/* ---- Host API ---- */

static NTSTATUS ep_host_get_device_info(enum bad bad, NTSTATUS *exp, const char **note)
{
    struct d3dkmt_host_device_info info;
    switch (bad)
    {
    case B_VALID: *exp = STATUS_SUCCESS; return d3dkmt_host_get_device_info(fx.dev, &info);
    case B_NULL_DESC: return d3dkmt_host_get_device_info(fx.dev, NULL);
    case B_STALE: *exp = STATUS_INVALID_HANDLE; return d3dkmt_host_get_device_info(fx.stale_dev, &info);
    case B_OTHER_TYPE: *exp = STATUS_INVALID_HANDLE; return d3dkmt_host_get_device_info(fx.alloc[0], &info);
    default: return NOT_APPLICABLE;
    }
}

static NTSTATUS ep_host_get_allocation_info(enum bad bad, NTSTATUS *exp, const char **note)
{
    struct d3dkmt_host_allocation_info info;
    *exp = STATUS_INVALID_HANDLE;
    switch (bad)
    {
    case B_VALID: *exp = STATUS_SUCCESS; return d3dkmt_host_get_allocation_info(fx.dev, fx.alloc[0], &info);
    case B_NULL_DESC: *exp = STATUS_INVALID_PARAMETER; return d3dkmt_host_get_allocation_info(fx.dev, fx.alloc[0], NULL);
    case B_STALE: return d3dkmt_host_get_allocation_info(fx.stale_dev, fx.alloc[0], &info);
    case B_STALE_IN_LIST: *note = "hAllocation"; return d3dkmt_host_get_allocation_info(fx.dev, fx.stale_alloc, &info);
    case B_OTHER_TYPE: return d3dkmt_host_get_allocation_info(fx.alloc[0], fx.alloc[0], &info);
    case B_OTHER_TYPE_IN_LIST: return d3dkmt_host_get_allocation_info(fx.dev, fx.res, &info);
    case B_OTHER_DEVICE: return d3dkmt_host_get_allocation_info(fx.dev, fx.alloc2, &info);
    default: return NOT_APPLICABLE;
    }
}

static NTSTATUS ep_host_get_sync_object_type(enum bad bad, NTSTATUS *exp, const char **note)
{
    uint32_t type;
    *exp = STATUS_INVALID_HANDLE;
    switch (bad)
    {
    case B_VALID: *exp = STATUS_SUCCESS; return d3dkmt_host_get_sync_object_type(fx.sync, &type);
    case B_NULL_DESC: *exp = STATUS_INVALID_PARAMETER; *note = "type NULL"; return d3dkmt_host_get_sync_object_type(fx.sync, NULL);
    case B_STALE: return d3dkmt_host_get_sync_object_type(fx.stale_sync, &type);
    case B_OTHER_TYPE: return d3dkmt_host_get_sync_object_type(fx.pq, &type);
    default: return NOT_APPLICABLE;
    }
}

static NTSTATUS ep_host_import_memory(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_HANDLE h;
    VkDeviceMemory fake = (VkDeviceMemory)(uintptr_t)0x1234;   /* never used: refused before */
    switch (bad)
    {
    case B_NULL_DESC: *note = "hAllocation NULL"; return d3dkmt_host_import_memory(fx.dev, fake, 4096, 1, NULL);
    case B_NULL_ARRAY: *note = "memory VK_NULL_HANDLE"; return d3dkmt_host_import_memory(fx.dev, VK_NULL_HANDLE, 4096, 1, &h);
    case B_COUNT0: *note = "size 0"; return d3dkmt_host_import_memory(fx.dev, fake, 0, 1, &h);
    case B_COUNT_OVER: *note = "memory type index beyond the device's"; return d3dkmt_host_import_memory(fx.dev, fake, 4096, 77, &h);
    case B_STALE: *exp = STATUS_INVALID_HANDLE; return d3dkmt_host_import_memory(fx.stale_dev, fake, 4096, 1, &h);
    case B_OTHER_TYPE: *exp = STATUS_INVALID_HANDLE; return d3dkmt_host_import_memory(fx.alloc[0], fake, 4096, 1, &h);
    default: return NOT_APPLICABLE;
    }
}

static NTSTATUS ep_host_track_gpu_work(enum bad bad, NTSTATUS *exp, const char **note)
{
    struct d3dkmt_host_device_info info;
    assert_int_equal(d3dkmt_host_get_device_info(fx.dev, &info), STATUS_SUCCESS);
    switch (bad)
    {
    case B_NULL_DESC: *note = "semaphore VK_NULL_HANDLE"; return d3dkmt_host_track_gpu_work(fx.dev, VK_NULL_HANDLE, 1);
    case B_STALE: *exp = STATUS_INVALID_HANDLE; return d3dkmt_host_track_gpu_work(fx.stale_dev, (VkSemaphore)(uintptr_t)1, 1);
    case B_OTHER_TYPE: *exp = STATUS_INVALID_HANDLE; return d3dkmt_host_track_gpu_work(fx.sync, (VkSemaphore)(uintptr_t)1, 1);
    default: return NOT_APPLICABLE;
    }
}

static NTSTATUS ep_host_submit(enum bad bad, NTSTATUS *exp, const char **note)
{
    VkSemaphoreSubmitInfo sems[9] = { 0 };
    VkSubmitInfo2 s = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2 };
    uint64_t value;
    NTSTATUS status;

    switch (bad)
    {
    case B_VALID:
        *exp = STATUS_SUCCESS;
        status = d3dkmt_host_submit(fx.dev, &s, &value);
        d3dkmt_host_flush_deferred(fx.dev, 5000000000ull);
        return status;
    case B_NULL_DESC: return d3dkmt_host_submit(fx.dev, NULL, &value);
    case B_NULL_ARRAY: s.signalSemaphoreInfoCount = 1; *note = "pSignalSemaphoreInfos"; break;
    case B_COUNT_OVER: s.signalSemaphoreInfoCount = 8; s.pSignalSemaphoreInfos = sems; *note = "8 signals"; break;
    case B_STALE: *exp = STATUS_INVALID_HANDLE; return d3dkmt_host_submit(fx.stale_dev, &s, &value);
    case B_OTHER_TYPE: *exp = STATUS_INVALID_HANDLE; return d3dkmt_host_submit(fx.alloc[0], &s, &value);
    default: return NOT_APPLICABLE;
    }
    return d3dkmt_host_submit(fx.dev, &s, &value);
}

static NTSTATUS ep_host_lock_queue(enum bad bad, NTSTATUS *exp, const char **note)
{
    NTSTATUS status;
    *exp = STATUS_INVALID_HANDLE;
    switch (bad)
    {
    case B_VALID:
        *exp = STATUS_SUCCESS;
        if ((status = d3dkmt_host_lock_queue(fx.dev))) return status;
        return d3dkmt_host_unlock_queue(fx.dev);
    case B_STALE: return d3dkmt_host_lock_queue(fx.stale_dev);
    case B_OTHER_TYPE: return d3dkmt_host_lock_queue(fx.pq);
    default: return NOT_APPLICABLE;
    }
}

static NTSTATUS ep_host_flush_deferred(enum bad bad, NTSTATUS *exp, const char **note)
{
    *exp = STATUS_INVALID_HANDLE;
    switch (bad)
    {
    case B_VALID: *exp = STATUS_SUCCESS; return d3dkmt_host_flush_deferred(fx.dev, 0);
    case B_STALE: return d3dkmt_host_flush_deferred(fx.stale_dev, 0);
    case B_OTHER_TYPE: return d3dkmt_host_flush_deferred(fx.pq, 0);
    default: return NOT_APPLICABLE;
    }
}

static NTSTATUS ep_host_query_statistics(enum bad bad, NTSTATUS *exp, const char **note)
{
    D3DKMT_VK_STATISTICS stats;
    switch (bad)
    {
    case B_VALID: *exp = STATUS_SUCCESS; return d3dkmt_host_query_statistics(fx.dev, &stats);
    case B_NULL_DESC: return d3dkmt_host_query_statistics(fx.dev, NULL);
    case B_STALE: *exp = STATUS_INVALID_HANDLE; return d3dkmt_host_query_statistics(fx.stale_dev, &stats);
    case B_OTHER_TYPE: *exp = STATUS_INVALID_HANDLE; return d3dkmt_host_query_statistics(fx.alloc[0], &stats);
    default: return NOT_APPLICABLE;
    }
}

static const struct { const char *name; ep_fn fn; } entry_points[] = {
#define EP(name, fn) { name, fn }
    EP("D3DKMTEnumAdapters2", ep_enum_adapters2),
    EP("D3DKMTOpenAdapterFromLuid", ep_open_adapter_from_luid),
    EP("D3DKMTCloseAdapter", ep_close_adapter),
    EP("D3DKMTQueryAdapterInfo", ep_query_adapter_info),
    EP("D3DKMTQueryVideoMemoryInfo", ep_query_video_memory_info),
    EP("D3DKMTCreateDevice", ep_create_device),
    EP("D3DKMTDestroyDevice", ep_destroy_device),
    EP("D3DKMTCreateAllocation", ep_create_allocation),
    EP("D3DKMTCreateAllocation2", ep_create_allocation2),
    EP("D3DKMTDestroyAllocation", ep_destroy_allocation),
    EP("D3DKMTDestroyAllocation2", ep_destroy_allocation2),
    EP("D3DKMTQueryResourceInfo", ep_query_resource_info),
    EP("D3DKMTOpenResource", ep_open_resource),
    EP("D3DKMTOpenResource2", ep_open_resource2),
    EP("D3DKMTLock2", ep_lock2),
    EP("D3DKMTUnlock2", ep_unlock2),
    EP("D3DKMTOfferAllocations", ep_offer),
    EP("D3DKMTReclaimAllocations", ep_reclaim),
    EP("D3DKMTReclaimAllocations2", ep_reclaim2),
    EP("D3DKMTMakeResident", ep_make_resident),
    EP("D3DKMTEvict", ep_evict),
    EP("D3DKMTSetAllocationPriority", ep_set_priority),
    EP("D3DKMTGetAllocationPriority", ep_get_priority),
    EP("D3DKMTCreatePagingQueue", ep_create_paging_queue),
    EP("D3DKMTDestroyPagingQueue", ep_destroy_paging_queue),
    EP("D3DKMTCreateSynchronizationObject", ep_create_sync_v1),
    EP("D3DKMTCreateSynchronizationObject2", ep_create_sync),
    EP("D3DKMTOpenSynchronizationObject", ep_open_sync),
    EP("D3DKMTDestroySynchronizationObject", ep_destroy_sync),
    EP("D3DKMTSignalSynchronizationObjectFromCpu", ep_signal_cpu),
    EP("D3DKMTWaitForSynchronizationObjectFromCpu", ep_wait_cpu),
    EP("D3DKMTSignalSynchronizationObjectFromGpu", ep_signal_gpu),
    EP("D3DKMTSignalSynchronizationObjectFromGpu2", ep_signal_gpu2),
    EP("D3DKMTWaitForSynchronizationObjectFromGpu", ep_wait_gpu),
    EP("D3DKMTEscape", ep_escape),
    EP("d3dkmt_host_get_device_info", ep_host_get_device_info),
    EP("d3dkmt_host_get_allocation_info", ep_host_get_allocation_info),
    EP("d3dkmt_host_get_sync_object_type", ep_host_get_sync_object_type),
    EP("d3dkmt_host_import_memory", ep_host_import_memory),
    EP("d3dkmt_host_track_gpu_work", ep_host_track_gpu_work),
    EP("d3dkmt_host_submit", ep_host_submit),
    EP("d3dkmt_host_lock_queue", ep_host_lock_queue),
    EP("d3dkmt_host_flush_deferred", ep_host_flush_deferred),
    EP("d3dkmt_host_query_statistics", ep_host_query_statistics),
#undef EP
};

#define EP_COUNT D3DKMT_ARRAY_SIZE(entry_points)

struct result { NTSTATUS status, expected; const char *note; bool ran; };
static struct result results[EP_COUNT][B_COUNT];

static void mock_setup(const struct mock_vk_config *config)
{
    d3dkmt_host_shutdown();   /* leftovers of a failed test */
    mock_vk_install(config);
}

/* Shuts the library down and checks that nothing leaked and the mock saw no misuse. */
static void mock_teardown(void)
{
    struct mock_vk_counts c;

    d3dkmt_host_shutdown();
    mock_vk_get_counts(&c);
    assert_int_equal(d3dkmt_handle_count(), 0);
    assert_int_equal(c.instances, 0);
    assert_int_equal(c.devices, 0);
    assert_int_equal(c.memories, 0);
    assert_int_equal(c.buffers, 0);
    assert_int_equal(c.semaphores, 0);
    assert_int_equal(c.messengers, 0);
    assert_int_equal(c.batches, 0);
    assert_int_equal(mock_vk_errors(), 0);
}

static void run_case(unsigned int ep, enum bad bad)
{
    struct result *r = &results[ep][bad];
    struct snapshot before;
    NTSTATUS expected = STATUS_INVALID_PARAMETER, status;
    const char *note = NULL;

    mock_setup(NULL);
    fixture_create();
    take_snapshot(&before);
    status = entry_points[ep].fn(bad, &expected, &note);
    if (status != NOT_APPLICABLE)
    {
        r->ran = true;
        r->status = status;
        r->expected = expected;
        r->note = note;
        if (status != expected)
            fail_msg("%s, %s: status %#x, expected %#x", entry_points[ep].name, bad_names[bad], (unsigned)status,
                     (unsigned)expected);
        assert_int_equal(d3dkmt_host_flush_deferred(fx.dev, 5000000000ull), STATUS_SUCCESS);
        if (bad != B_VALID) assert_unchanged(&before, entry_points[ep].name);
    }
    fixture_destroy();
    mock_teardown();
}

static void test_bad_input_matrix(void **state)
{
    unsigned int ep, bad, cases = 0;

    for (ep = 0; ep < EP_COUNT; ep++)
        for (bad = 0; bad < B_COUNT; bad++)
        {
            run_case(ep, bad);
            cases += results[ep][bad].ran;
        }
    /* Every entry point has a control case and at least two bad cases. */
    for (ep = 0; ep < EP_COUNT; ep++)
    {
        unsigned int n = 0;
        for (bad = 1; bad < B_COUNT; bad++) n += results[ep][bad].ran;
        if (!results[ep][B_VALID].ran && strcmp(entry_points[ep].name, "d3dkmt_host_import_memory")
                && strcmp(entry_points[ep].name, "d3dkmt_host_track_gpu_work"))
            fail_msg("%s has no control case", entry_points[ep].name);
        if (n < 2) fail_msg("%s has %u bad-input cases", entry_points[ep].name, n);
    }
    printf("bad-input matrix: %u cases\n", cases);
}

static const char *status_name(NTSTATUS s)
{
    switch (s)
    {
    case STATUS_SUCCESS: return "STATUS_SUCCESS";
    case STATUS_INVALID_PARAMETER: return "STATUS_INVALID_PARAMETER";
    case STATUS_INVALID_HANDLE: return "STATUS_INVALID_HANDLE";
    case STATUS_BUFFER_TOO_SMALL: return "STATUS_BUFFER_TOO_SMALL";
    case STATUS_NOT_SUPPORTED: return "STATUS_NOT_SUPPORTED";
    case STATUS_NO_MEMORY: return "STATUS_NO_MEMORY";
    default: return "?";
    }
}

static void print_table(void)
{
    unsigned int ep, bad;

    printf("| entry point | bad input | status | state afterwards |\n|---|---|---|---|\n");
    for (ep = 0; ep < EP_COUNT; ep++)
        for (bad = 1; bad < B_COUNT; bad++)
        {
            const struct result *r = &results[ep][bad];
            if (!r->ran) continue;
            printf("| %s | %s%s%s%s | %s | unchanged%s |\n", entry_points[ep].name, bad_names[bad],
                   r->note ? " (" : "", r->note ? r->note : "", r->note ? ")" : "", status_name(r->status),
                   r->status == STATUS_SUCCESS || r->status == STATUS_BUFFER_TOO_SMALL ? " (no handle opened)" : "");
        }
}

/* ---- Semantic cases (docs/bad-input.md, second table) ---- */

static void setup_fixture(void)
{
    mock_setup(NULL);
    fixture_create();
}

static void teardown_fixture(void)
{
    fixture_destroy();
    mock_teardown();
}

static NTSTATUS offer(D3DKMT_HANDLE device, const D3DKMT_HANDLE *list, UINT n, D3DKMT_OFFER_PRIORITY priority, UINT flags)
{
    D3DKMT_OFFERALLOCATIONS d = { .hDevice = device, .HandleList = list, .NumAllocations = n, .Priority = priority };
    d.Flags.Value = flags;
    return D3DKMTOfferAllocations(&d);
}

static NTSTATUS reclaim(D3DKMT_HANDLE device, const D3DKMT_HANDLE *list, UINT n, BOOL *discarded)
{
    D3DKMT_RECLAIMALLOCATIONS d = { .hDevice = device, .HandleList = list, .NumAllocations = n, .pDiscarded = discarded };
    return D3DKMTReclaimAllocations(&d);
}

static struct d3dkmt_host_allocation_info alloc_info(D3DKMT_HANDLE device, D3DKMT_HANDLE h)
{
    struct d3dkmt_host_allocation_info info;
    assert_int_equal(d3dkmt_host_get_allocation_info(device, h, &info), STATUS_SUCCESS);
    return info;
}

static void test_offer_offered(void **state)
{
    D3DKMT_VK_STATISTICS s0, s1;
    struct d3dkmt_host_allocation_info info;

    setup_fixture();
    assert_int_equal(offer(fx.dev, &fx.alloc[2], 1, D3DKMT_OFFER_PRIORITY_HIGH, 0), STATUS_SUCCESS);
    info = alloc_info(fx.dev, fx.alloc[2]);
    assert_int_equal(info.offered, 1);
    s0 = test_stats(fx.dev);
    /* Re-offer with another class: SUCCESS, still offered, counted again, priority of the new class. */
    assert_int_equal(offer(fx.dev, &fx.alloc[2], 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    s1 = test_stats(fx.dev);
    info = alloc_info(fx.dev, fx.alloc[2]);
    assert_int_equal(info.offered, 1);
    assert_int_equal(s1.Offers, s0.Offers + 1);
    assert_int_equal(s1.BytesOffered, s0.BytesOffered);
    assert_int_equal(d3dkmt_host_flush_deferred(fx.dev, 5000000000ull), STATUS_SUCCESS);   /* the priority queue */
    assert_true(mock_vk_memory_priority(info.memory) == 0.0f);
    teardown_fixture();
}

static void test_reclaim_not_offered(void **state)
{
    struct snapshot before;
    BOOL discarded = TRUE;

    setup_fixture();
    take_snapshot(&before);
    assert_int_equal(reclaim(fx.dev, &fx.alloc[3], 1, &discarded), STATUS_SUCCESS);
    assert_false(discarded);
    assert_unchanged(&before, "reclaim of an allocation that is not offered");
    teardown_fixture();
}

static void test_destroy_offered(void **state)
{
    struct mock_vk_counts c0, c1;
    D3DKMT_VK_STATISTICS s;

    setup_fixture();
    assert_int_equal(offer(fx.dev, &fx.alloc[3], 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    mock_vk_get_counts(&c0);
    assert_int_equal(test_destroy(fx.dev, &fx.alloc[3], 1, 2 /* SynchronousDestroy */), STATUS_SUCCESS);
    mock_vk_get_counts(&c1);
    assert_int_equal(c1.memories, c0.memories - 1);
    assert_int_equal(c1.buffers, c0.buffers - 1);
    s = test_stats(fx.dev);
    assert_int_equal(s.BytesOffered, 0);
    assert_int_equal(s.AllocationsLive, 3);
    /* The handle is stale everywhere. */
    assert_int_equal(offer(fx.dev, &fx.alloc[3], 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(reclaim(fx.dev, &fx.alloc[3], 1, NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(test_destroy(fx.dev, &fx.alloc[3], 1, 0), STATUS_INVALID_PARAMETER);
    teardown_fixture();
}

static void test_destroy_device_with_objects(void **state)
{
    struct mock_vk_counts c0, c1;
    D3DKMT_VK_STATISTICS s0, s1;
    struct d3dkmt_host_allocation_info info;
    uint32_t handles;

    setup_fixture();
    s0 = test_stats(fx.dev);
    mock_vk_get_counts(&c0);
    handles = d3dkmt_handle_count();
    destroy_device(fx.dev2);
    mock_vk_get_counts(&c1);
    /* device, allocation, resource, paging queue + its fence, sync object */
    assert_int_equal(d3dkmt_handle_count(), handles - 6);
    assert_int_equal(c1.devices, c0.devices - 1);
    assert_int_equal(c1.memories, c0.memories - 1);
    assert_true(c1.semaphores < c0.semaphores);
    /* Every child handle is stale. */
    assert_int_equal(d3dkmt_host_get_allocation_info(fx.dev2, fx.alloc2, &info), STATUS_INVALID_HANDLE);
    assert_int_equal(d3dkmt_host_get_allocation_info(fx.dev, fx.alloc2, &info), STATUS_INVALID_HANDLE);
    {
        D3DDDI_DESTROYPAGINGQUEUE d = { .hPagingQueue = fx.pq2 };
        D3DKMT_DESTROYSYNCHRONIZATIONOBJECT ds = { .hSyncObject = fx.sync2 };
        D3DKMT_DESTROYALLOCATION2 da = { .hDevice = fx.dev2, .hResource = fx.res2 };
        assert_int_equal(D3DKMTDestroyPagingQueue(&d), STATUS_INVALID_PARAMETER);
        assert_int_equal(D3DKMTDestroySynchronizationObject(&ds), STATUS_INVALID_PARAMETER);
        assert_int_equal(D3DKMTDestroyAllocation2(&da), STATUS_INVALID_PARAMETER);
    }
    /* The other device is untouched. */
    s1 = test_stats(fx.dev);
    assert_memory_equal(&s0, &s1, sizeof(s0));
    teardown_fixture();
}

static void destroy_device_hook(void *ctx)
{
    destroy_device(*(D3DKMT_HANDLE *)ctx);
}

/* A create that races the destroy of its device (docs/decisions/lifetime.md): the device is
 * destroyed from inside D3DKMTCreateAllocation2, after the new allocations' handles are reserved
 * and before they are published.  The call returns STATUS_INVALID_HANDLE and leaves nothing. */
static void test_create_races_destroy_device(void **state)
{
    struct mock_vk_counts c0, c1;
    D3DKMT_HANDLE h[2] = { 0 };
    uint32_t handles;
    D3DKMT_HANDLE dev2;

    setup_fixture();
    mock_vk_get_counts(&c0);
    handles = d3dkmt_handle_count();
    dev2 = fx.dev2;
    mock_vk_on_device_address(destroy_device_hook, &dev2);
    assert_int_equal(test_create(fx.dev2, 2, 65536, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, h, NULL),
                     STATUS_INVALID_HANDLE);
    mock_vk_get_counts(&c1);
    /* The device's own six handles are gone, and none of the two new ones stayed. */
    assert_int_equal(d3dkmt_handle_count(), handles - 6);
    assert_null(d3dkmt_handle_get(h[0], D3DKMT_OBJ_ALLOCATION, NULL));
    assert_null(d3dkmt_handle_get(h[1], D3DKMT_OBJ_ALLOCATION, NULL));
    assert_int_equal(c1.devices, c0.devices - 1);
    assert_int_equal(c1.memories, c0.memories - 1);   /* the device's allocation; the new ones freed */
    assert_int_equal(c1.buffers, c0.buffers - 1);
    teardown_fixture();
}

static void test_paging_fence_not_destroyable(void **state)
{
    D3DKMT_DESTROYSYNCHRONIZATIONOBJECT d = { 0 };
    struct snapshot before;

    setup_fixture();
    d.hSyncObject = fx.pq_fence;
    take_snapshot(&before);
    assert_int_equal(D3DKMTDestroySynchronizationObject(&d), STATUS_INVALID_PARAMETER);
    assert_unchanged(&before, "destroy of a paging queue's fence");
    teardown_fixture();
}

static void test_lock_offered(void **state)
{
    D3DKMT_LOCK2 lock = { 0 };
    struct snapshot before;

    setup_fixture();
    assert_int_equal(offer(fx.dev, &fx.alloc[2], 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    lock.hDevice = fx.dev;
    lock.hAllocation = fx.alloc[2];
    take_snapshot(&before);
    assert_int_equal(D3DKMTLock2(&lock), STATUS_INVALID_PARAMETER);
    assert_unchanged(&before, "Lock2 of an offered allocation");
    /* And the other way round: a locked allocation cannot be offered. */
    assert_int_equal(reclaim(fx.dev, &fx.alloc[2], 1, NULL), STATUS_SUCCESS);
    assert_int_equal(D3DKMTLock2(&lock), STATUS_SUCCESS);
    take_snapshot(&before);
    assert_int_equal(offer(fx.dev, &fx.alloc[2], 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_INVALID_PARAMETER);
    assert_unchanged(&before, "offer of a locked allocation");
    {
        D3DKMT_UNLOCK2 unlock = { .hDevice = fx.dev, .hAllocation = fx.alloc[2] };
        assert_int_equal(D3DKMTUnlock2(&unlock), STATUS_SUCCESS);
        take_snapshot(&before);
        assert_int_equal(D3DKMTUnlock2(&unlock), STATUS_INVALID_PARAMETER);   /* double unlock */
        assert_unchanged(&before, "Unlock2 of an unlocked allocation");
    }
    teardown_fixture();
}

static void test_duplicate_in_destroy_list(void **state)
{
    D3DKMT_HANDLE list[2];
    struct snapshot before;

    setup_fixture();
    list[0] = list[1] = fx.alloc[2];
    take_snapshot(&before);
    assert_int_equal(test_destroy(fx.dev, list, 2, 0), STATUS_INVALID_PARAMETER);
    assert_unchanged(&before, "DestroyAllocation2 with a handle listed twice");
    teardown_fixture();
}

static void test_evict_not_resident(void **state)
{
    D3DKMT_HANDLE list[2];
    D3DKMT_EVICT evict = { 0 };
    struct snapshot before;

    setup_fixture();
    list[0] = list[1] = fx.alloc[2];
    evict.hDevice = fx.dev;
    evict.AllocationList = list;
    evict.NumAllocations = 2;   /* residency count is 1: evicting twice in one call is refused */
    take_snapshot(&before);
    assert_int_equal(D3DKMTEvict(&evict), STATUS_INVALID_PARAMETER);
    assert_unchanged(&before, "Evict below zero");
    teardown_fixture();
}

/* ---- VkResult -> NTSTATUS ---- */

static void test_status_from_vk(void **state)
{
    static const struct { VkResult vr; NTSTATUS status; } map[] = {
        { VK_SUCCESS, STATUS_SUCCESS },
        { VK_TIMEOUT, STATUS_TIMEOUT },
        { VK_NOT_READY, STATUS_TIMEOUT },
        { VK_ERROR_OUT_OF_HOST_MEMORY, STATUS_NO_MEMORY },
        { VK_ERROR_TOO_MANY_OBJECTS, STATUS_NO_MEMORY },
        { VK_ERROR_FRAGMENTATION, STATUS_NO_MEMORY },
        { VK_ERROR_MEMORY_MAP_FAILED, STATUS_NO_MEMORY },
        { VK_ERROR_OUT_OF_DEVICE_MEMORY, STATUS_GRAPHICS_NO_VIDEO_MEMORY },
        { VK_ERROR_DEVICE_LOST, STATUS_DEVICE_REMOVED },
        { VK_ERROR_INITIALIZATION_FAILED, STATUS_NOT_SUPPORTED },
        { VK_ERROR_LAYER_NOT_PRESENT, STATUS_NOT_SUPPORTED },
        { VK_ERROR_EXTENSION_NOT_PRESENT, STATUS_NOT_SUPPORTED },
        { VK_ERROR_FEATURE_NOT_PRESENT, STATUS_NOT_SUPPORTED },
        { VK_ERROR_INCOMPATIBLE_DRIVER, STATUS_NOT_SUPPORTED },
        { VK_ERROR_UNKNOWN, STATUS_INTERNAL_ERROR },
        { VK_ERROR_FORMAT_NOT_SUPPORTED, STATUS_INTERNAL_ERROR },
        { (VkResult)-123456, STATUS_INTERNAL_ERROR },
    };
    unsigned int i;

    for (i = 0; i < D3DKMT_ARRAY_SIZE(map); i++)
    {
        if (d3dkmt_status_from_vk(map[i].vr) != map[i].status)
            fail_msg("VkResult %d -> %#x, expected %#x", map[i].vr, (unsigned)d3dkmt_status_from_vk(map[i].vr),
                     (unsigned)map[i].status);
    }
    /* d3dkmt_device_check_vk marks the device removed only for VK_ERROR_DEVICE_LOST. */
    assert_int_equal(d3dkmt_device_check_vk(NULL, VK_ERROR_DEVICE_LOST), STATUS_DEVICE_REMOVED);
}

/* ---- Residency behaviour seen through the mock ---- */

static void test_offer_release_reclaim(void **state)
{
    D3DKMT_HANDLE a[3], pq;
    D3DDDI_RECLAIM_RESULT results[1];
    D3DKMT_RECLAIMALLOCATIONS2 r2 = { 0 };
    struct d3dkmt_host_allocation_info info;
    VkDeviceMemory bound;
    D3DKMT_VK_STATISTICS s;
    struct test_device t;

    setenv("D3DKMT_BUDGET_CAP", "1M", 1);
    mock_setup(NULL);
    test_open_device(&t);
    unsetenv("D3DKMT_BUDGET_CAP");
    assert_int_equal(test_create(t.device, 2, 512 << 10, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, a, NULL), STATUS_SUCCESS);
    info = alloc_info(t.device, a[0]);
    assert_true(mock_vk_memory_priority(info.memory) == 0.5f);
    assert_true(mock_vk_buffer_memory(info.buffer, &bound));
    assert_ptr_equal(bound, info.memory);
    /* Offer a[0] with the GPU idle: in effect at once (priority of the LOW class). */
    assert_int_equal(offer(t.device, &a[0], 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 5000000000ull), STATUS_SUCCESS);   /* the priority queue */
    assert_true(mock_vk_memory_priority(info.memory) == 0.0f);
    /* A third allocation does not fit the 1 MiB budget: a[0]'s memory is released (unbound, freed). */
    assert_int_equal(test_create(t.device, 1, 512 << 10, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &a[2], NULL), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 5000000000ull), STATUS_SUCCESS);
    info = alloc_info(t.device, a[0]);
    assert_null(info.memory);
    assert_true(mock_vk_buffer_memory(info.buffer, &bound));
    assert_null(bound);
    s = test_stats(t.device);
    assert_int_equal(s.Releases, 1);
    assert_int_equal(s.BytesReleased, 512 << 10);
    /* Reclaim2: DISCARDED, new memory bound through the paging queue, STATUS_PENDING with a fence value. */
    pq = create_pq(t.device, NULL);
    r2.hPagingQueue = pq;
    r2.HandleList = &a[0];
    r2.NumAllocations = 1;
    r2.pResults = results;
    assert_int_equal(D3DKMTReclaimAllocations2(&r2), STATUS_PENDING);
    assert_int_equal(results[0], D3DDDI_RECLAIM_RESULT_DISCARDED);
    assert_true(r2.PagingFenceValue >= 1);
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 5000000000ull), STATUS_SUCCESS);
    info = alloc_info(t.device, a[0]);
    assert_non_null(info.memory);
    assert_true(mock_vk_buffer_memory(info.buffer, &bound));
    assert_ptr_equal(bound, info.memory);
    assert_true(mock_vk_memory_priority(info.memory) == 0.5f);
    destroy_pq(pq);
    test_close_device(&t);
    mock_teardown();
}

static void test_deferred_offer(void **state)
{
    struct d3dkmt_host_allocation_info info;
    struct test_device t;
    struct test_busy busy;
    D3DKMT_HANDLE a;

    mock_setup(NULL);
    test_open_device(&t);
    assert_int_equal(test_create(t.device, 1, 65536, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &a, NULL), STATUS_SUCCESS);
    info = alloc_info(t.device, a);
    test_busy_begin(&t, &busy);
    /* GPU work pending: the offer is accepted at once but takes effect only after it. */
    assert_int_equal(offer(t.device, &a, 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_int_equal(alloc_info(t.device, a).offered, 1);
    assert_true(mock_vk_memory_priority(info.memory) == 0.5f);
    assert_int_equal(test_stats(t.device).DeferredPending, 1);
    test_busy_end(&t, &busy);
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 5000000000ull), STATUS_SUCCESS);
    assert_true(mock_vk_memory_priority(info.memory) == 0.0f);
    test_busy_finish(&t, &busy);
    test_close_device(&t);
    mock_teardown();
}

/* ---- 5. Waits: a call waits only for GPU work it depends on (docs/decisions/waits.md) ---- */

/* Issue 18's case: X bound and idle, then GPU work held by a gate, then Y, whose sparse bind
 * queues behind that work.  DestroyAllocation2(X, AssumeNotInUse | SynchronousDestroy) frees X at
 * once (it waits for X's own bind only, which ran long ago), and the same thread then opens the
 * gate: the sequence completes.  A watchdog opens the gate after 10 s if the destroy waited. */
static void test_destroy_not_behind_other_binds(void **state)
{
    struct d3dkmt_host_allocation_info info;
    D3DKMT_VK_STATISTICS s0, s1;
    struct test_watchdog *dog;
    struct test_device t;
    struct test_busy busy;
    VkDeviceMemory bound;
    D3DKMT_HANDLE x, y;

    mock_setup(NULL);
    test_open_device(&t);
    assert_int_equal(test_create(t.device, 1, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &x, NULL), STATUS_SUCCESS);
    test_busy_begin(&t, &busy);
    assert_int_equal(test_create(t.device, 1, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &y, NULL), STATUS_SUCCESS);
    info = alloc_info(t.device, y);
    assert_true(mock_vk_buffer_memory(info.buffer, &bound));
    assert_null(bound);                                   /* Y's bind waits behind the gate */
    s0 = test_stats(t.device);
    dog = test_watchdog_begin(&t, &busy, 10);
    assert_int_equal(test_destroy(t.device, &x, 1, 3 /* AssumeNotInUse | SynchronousDestroy */), STATUS_SUCCESS);
    s1 = test_stats(t.device);
    assert_false(test_watchdog_end(dog));                 /* returned without the gate */
    assert_int_equal(s1.BytesFreed - s0.BytesFreed, ALLOC_SIZE);
    /* Non-synchronous, without AssumeNotInUse: queued behind the work, returns at once too. */
    test_busy_end(&t, &busy);                             /* the same thread opens the gate */
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 5000000000ull), STATUS_SUCCESS);
    assert_true(mock_vk_buffer_memory(info.buffer, &bound));
    assert_ptr_equal(bound, info.memory);
    assert_int_equal(test_destroy(t.device, &y, 1, 0), STATUS_SUCCESS);
    test_busy_finish(&t, &busy);
    test_close_device(&t);
    mock_teardown();
}

/* An allocation whose own bind is still queued: AssumeNotInUse keeps the memory until that bind
 * ran (freeing memory a queued bind refers to is invalid Vulkan) without blocking the call; with
 * SynchronousDestroy the call waits for exactly that bind. */
static void test_destroy_waits_own_bind(void **state)
{
    D3DKMT_VK_STATISTICS s0, s1;
    struct test_watchdog *dog;
    struct test_device t;
    struct test_busy busy;
    D3DKMT_HANDLE y[2];

    mock_setup(NULL);
    test_open_device(&t);
    test_busy_begin(&t, &busy);
    assert_int_equal(test_create(t.device, 2, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, y, NULL), STATUS_SUCCESS);
    s0 = test_stats(t.device);
    dog = test_watchdog_begin(&t, &busy, 10);
    assert_int_equal(test_destroy(t.device, &y[0], 1, 1 /* AssumeNotInUse */), STATUS_SUCCESS);
    s1 = test_stats(t.device);
    assert_false(test_watchdog_end(dog));
    assert_int_equal(s1.BytesFreed, s0.BytesFreed);       /* its bind has not run: kept */
    assert_int_equal(s1.DeferredPending, 1);
    /* Synchronous: returns once the gate opened (from a watchdog of 0 s) and the bind ran. */
    dog = test_watchdog_begin(&t, &busy, 0);
    assert_int_equal(test_destroy(t.device, &y[1], 1, 3), STATUS_SUCCESS);
    s1 = test_stats(t.device);
    test_watchdog_end(dog);
    assert_int_equal(s1.BytesFreed - s0.BytesFreed, 2 * ALLOC_SIZE);
    test_busy_finish(&t, &busy);
    test_close_device(&t);
    mock_teardown();
}

/* Failures after a bind was queued wait for nothing: a creation that fails on its second
 * allocation releases the first one, whose bind is behind the gate (its memory and buffer go once
 * the bind ran); a sparse bind or a submission the queue refuses is simply not queued. */
static void test_failures_do_not_wait(void **state)
{
    VkSemaphoreSubmitInfo wait = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .value = 1,
                                   .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
    VkSubmitInfo2 submit = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2 };
    struct mock_vk_counts c0, c1;
    struct test_watchdog *dog;
    struct test_device t;
    struct test_busy busy;
    D3DKMT_HANDLE a[2];
    uint64_t value;

    mock_setup(NULL);
    test_open_device(&t);
    test_busy_begin(&t, &busy);
    mock_vk_get_counts(&c0);
    dog = test_watchdog_begin(&t, &busy, 10);
    mock_vk_fail(MOCK_vkAllocateMemory, 2, VK_ERROR_OUT_OF_DEVICE_MEMORY);
    assert_int_equal(test_create(t.device, 2, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, a, NULL),
                     STATUS_GRAPHICS_NO_VIDEO_MEMORY);
    mock_vk_fail(MOCK_vkQueueBindSparse, 1, VK_ERROR_OUT_OF_HOST_MEMORY);
    assert_int_equal(test_create(t.device, 1, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, a, NULL), STATUS_NO_MEMORY);
    mock_vk_fail(MOCK_vkQueueSubmit2, 1, VK_ERROR_OUT_OF_HOST_MEMORY);
    assert_int_equal(d3dkmt_host_submit(t.device, &submit, &value), STATUS_NO_MEMORY);
    mock_vk_fail_clear();
    assert_false(test_watchdog_end(dog));
    mock_vk_get_counts(&c1);
    assert_int_equal(c1.memories, c0.memories + 1);       /* the first allocation's, behind its bind */
    assert_int_equal(c1.buffers, c0.buffers + 1);
    /* The timelines stayed whole: the next bind and submission work, and everything completes. */
    assert_int_equal(test_create(t.device, 1, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, a, NULL), STATUS_SUCCESS);
    wait.semaphore = busy.gate;
    submit.waitSemaphoreInfoCount = 1;
    submit.pWaitSemaphoreInfos = &wait;
    assert_int_equal(d3dkmt_host_submit(t.device, &submit, &value), STATUS_SUCCESS);
    test_busy_end(&t, &busy);
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 5000000000ull), STATUS_SUCCESS);
    mock_vk_get_counts(&c1);
    assert_int_equal(c1.memories, c0.memories + 1);       /* the new allocation only */
    assert_int_equal(c1.buffers, c0.buffers + 1);
    assert_int_equal(test_destroy(t.device, a, 1, 0), STATUS_SUCCESS);
    test_busy_finish(&t, &busy);
    test_close_device(&t);
    mock_teardown();
}

/* ---- 6. Priorities leave the calling thread (issue 17, docs/decisions/priorities.md) ---- */

/* Waits (yielding, bounded) until memory has `priority` in the driver; false when it never does. */
static bool priority_reaches(VkDeviceMemory memory, float priority)
{
    unsigned int i;
    for (i = 0; i < 20000000 && mock_vk_memory_priority(memory) != priority; i++) sched_yield();
    return mock_vk_memory_priority(memory) == priority;
}

/* Priority changes are queued and applied by the device's tracker thread: the calling thread makes
 * no driver call, a queued change reaches the driver without any further call of the
 * application, and a change undone before that (offer then reclaim, Evict then MakeResident, a
 * priority set and set back) costs no driver call at all. */
static void test_priority_queue(void **state)
{
    D3DKMT_HANDLE a[2], pq;
    D3DDDI_MAKERESIDENT mr = { 0 };
    D3DKMT_EVICT ev = { 0 };
    D3DKMT_SETALLOCATIONPRIORITY sp = { 0 };
    struct d3dkmt_host_allocation_info info;
    UINT high = D3DDDI_ALLOCATIONPRIORITY_HIGH, normal = D3DDDI_ALLOCATIONPRIORITY_NORMAL;
    unsigned int calls;
    struct test_device t;
    BOOL discarded[1];

    mock_setup(NULL);
    test_open_device(&t);
    assert_int_equal(test_create(t.device, 2, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, a, NULL), STATUS_SUCCESS);
    info = alloc_info(t.device, a[0]);
    pq = create_pq(t.device, NULL);
    calls = mock_vk_priority_calls();

    /* Offer then reclaim before the queue is drained: nothing reaches the driver. */
    assert_int_equal(offer(t.device, a, 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_int_equal(reclaim(t.device, a, 1, discarded), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 5000000000ull), STATUS_SUCCESS);
    assert_int_equal(mock_vk_priority_calls(), calls);
    assert_true(mock_vk_memory_priority(info.memory) == 0.5f);

    /* Evict then MakeResident, and a priority set and set back: nothing either. */
    ev.hDevice = t.device;
    ev.AllocationList = a;
    ev.NumAllocations = 1;
    assert_int_equal(D3DKMTEvict(&ev), STATUS_SUCCESS);
    mr.hPagingQueue = pq;
    mr.AllocationList = a;
    mr.NumAllocations = 1;
    assert_int_equal(D3DKMTMakeResident(&mr), STATUS_SUCCESS);
    sp.hDevice = t.device;
    sp.phAllocationList = a;
    sp.AllocationCount = 1;
    sp.pPriorities = &high;
    assert_int_equal(D3DKMTSetAllocationPriority(&sp), STATUS_SUCCESS);
    sp.pPriorities = &normal;
    assert_int_equal(D3DKMTSetAllocationPriority(&sp), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 5000000000ull), STATUS_SUCCESS);
    assert_int_equal(mock_vk_priority_calls(), calls);
    assert_true(mock_vk_memory_priority(info.memory) == 0.5f);

    /* An offer: the call returns before the driver has it, and the tracker thread gives it to the
     * driver by itself (no flush): one call. */
    assert_int_equal(offer(t.device, a, 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_true(priority_reaches(info.memory, 0.0f));
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 5000000000ull), STATUS_SUCCESS);
    assert_int_equal(mock_vk_priority_calls(), calls + 1);
    /* Reclaim, then a new priority: each reaches the driver, one call each. */
    assert_int_equal(reclaim(t.device, a, 1, discarded), STATUS_SUCCESS);
    assert_true(priority_reaches(info.memory, 0.5f));
    sp.pPriorities = &high;
    assert_int_equal(D3DKMTSetAllocationPriority(&sp), STATUS_SUCCESS);
    assert_true(priority_reaches(info.memory, 0.75f));
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 5000000000ull), STATUS_SUCCESS);
    assert_int_equal(mock_vk_priority_calls(), calls + 3);

    /* Destroyed, and the device destroyed, with a change still queued: the memory is freed under
     * the same lock the driver call takes, so the queued change never reaches freed memory (the
     * mock reports a dead handle) and nothing is left. */
    assert_int_equal(offer(t.device, a, 2, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_int_equal(test_destroy(t.device, a, 1, 3), STATUS_SUCCESS);
    destroy_pq(pq);
    test_close_device(&t);
    mock_teardown();
}

/* Without sparse binding, pageable memory or priorities the same calls work (bookkeeping only). */
static void test_minimal_device(void **state)
{
    struct mock_vk_config config;
    D3DKMT_HANDLE a[2];
    BOOL discarded[2];
    struct test_device t;

    mock_vk_default_config(&config);
    config.sparse_binding = config.memory_priority = config.pageable = config.memory_budget = false;
    config.buffer_device_address = false;
    mock_setup(&config);
    test_open_device(&t);
    assert_int_equal(t.info.residency_mode, D3DKMT_HOST_RESIDENCY_NONE);
    assert_int_equal(t.info.sparse_binding, 0);
    assert_int_equal(test_create(t.device, 2, 65536, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, a, NULL), STATUS_SUCCESS);
    test_fill(t.device, a[0], 65536, 7);
    assert_int_equal(offer(t.device, a, 2, D3DKMT_OFFER_PRIORITY_AUTO, 1 /* OfferImmediately */), STATUS_SUCCESS);
    assert_int_equal(reclaim(t.device, a, 2, discarded), STATUS_SUCCESS);
    assert_false(discarded[0]);
    assert_false(discarded[1]);
    assert_true(test_check(t.device, a[0], 65536, 7));
    assert_int_equal(test_destroy(t.device, a, 2, 0), STATUS_SUCCESS);
    test_close_device(&t);
    mock_teardown();
}

/* Without sparse binding offered memory is never released, even over budget: the allocations keep
 * their memory and reclaim reports OK (README, Limits).  With it, the release order is LOW, then
 * NORMAL, then HIGH, whatever the order of the offers. */
static void test_release_policy(void **state)
{
    struct mock_vk_config config;
    D3DKMT_HANDLE a[3], b[2];
    BOOL discarded[3];
    struct test_device t;
    unsigned int sparse;

    for (sparse = 0; sparse < 2; sparse++)
    {
        mock_vk_default_config(&config);
        config.sparse_binding = sparse;
        setenv("D3DKMT_BUDGET_CAP", "1536K", 1);
        mock_setup(&config);
        test_open_device(&t);
        unsetenv("D3DKMT_BUDGET_CAP");
        assert_int_equal(t.info.sparse_binding, sparse);
        assert_int_equal(test_create(t.device, 3, 512 << 10, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, a, NULL), STATUS_SUCCESS);
        /* Offered HIGH first, then NORMAL, then LOW: age alone would pick HIGH first. */
        assert_int_equal(offer(t.device, &a[0], 1, D3DKMT_OFFER_PRIORITY_HIGH, 0), STATUS_SUCCESS);
        assert_int_equal(offer(t.device, &a[1], 1, D3DKMT_OFFER_PRIORITY_NORMAL, 0), STATUS_SUCCESS);
        assert_int_equal(offer(t.device, &a[2], 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
        /* 1 MiB more on a full 1.5 MiB budget: two offered allocations must go, LOW then NORMAL. */
        assert_int_equal(test_create(t.device, 2, 512 << 10, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, b, NULL), STATUS_SUCCESS);
        assert_int_equal(d3dkmt_host_flush_deferred(t.device, 5000000000ull), STATUS_SUCCESS);
        assert_int_equal(test_stats(t.device).Releases, sparse ? 2 : 0);
        assert_non_null(alloc_info(t.device, a[0]).memory);                  /* HIGH kept either way */
        assert_int_equal(alloc_info(t.device, a[1]).memory == VK_NULL_HANDLE, sparse);
        assert_int_equal(alloc_info(t.device, a[2]).memory == VK_NULL_HANDLE, sparse);
        assert_int_equal(reclaim(t.device, a, 3, discarded), STATUS_SUCCESS);
        assert_false(discarded[0]);
        assert_int_equal(discarded[1], sparse);
        assert_int_equal(discarded[2], sparse);
        assert_int_equal(test_destroy(t.device, a, 3, 2), STATUS_SUCCESS);
        assert_int_equal(test_destroy(t.device, b, 2, 2), STATUS_SUCCESS);
        test_close_device(&t);
        mock_teardown();
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_from_vk),
        cmocka_unit_test(test_bad_input_matrix),
        cmocka_unit_test(test_offer_offered),
        cmocka_unit_test(test_reclaim_not_offered),
        cmocka_unit_test(test_destroy_offered),
        cmocka_unit_test(test_destroy_device_with_objects),
        cmocka_unit_test(test_create_races_destroy_device),
        cmocka_unit_test(test_paging_fence_not_destroyable),
        cmocka_unit_test(test_lock_offered),
        cmocka_unit_test(test_duplicate_in_destroy_list),
        cmocka_unit_test(test_evict_not_resident),
        cmocka_unit_test(test_offer_release_reclaim),
        cmocka_unit_test(test_deferred_offer),
        cmocka_unit_test(test_destroy_not_behind_other_binds),
        cmocka_unit_test(test_destroy_waits_own_bind),
        cmocka_unit_test(test_failures_do_not_wait),
        cmocka_unit_test(test_priority_queue),
        cmocka_unit_test(test_minimal_device),
        cmocka_unit_test(test_release_policy),
    };
    unsigned int i;
    int failed;

    for (i = 0; i < D3DKMT_ARRAY_SIZE(big_list); i++)
    {
        big_list[i] = 0x40000040u;
        big_prio[i] = D3DDDI_ALLOCATIONPRIORITY_NORMAL;
        big_values[i] = 1;
    }
    if (argc > 1 && !strcmp(argv[1], "--table"))
    {
        const struct CMUnitTest matrix[] = { cmocka_unit_test(test_bad_input_matrix) };
        failed = cmocka_run_group_tests_name("bad-input matrix", matrix, NULL, NULL);
        if (!failed) print_table();
        return failed;
    }
    return cmocka_run_group_tests_name("mock", tests, NULL, NULL);
}
