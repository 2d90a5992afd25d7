/*
 * tests/unit/test_faults.c: fault injection on the mock Vulkan driver (docs/reliability.md).
 *
 * Every scenario is one library call (an "operation") on a prepared state.  For each scenario:
 *   - malloc failure: the Nth allocation made on the calling thread inside the operation fails,
 *     for N = 1, 2, ... until the operation makes fewer than N allocations (this binary is linked
 *     with -Wl,--wrap=malloc,calloc,realloc,aligned_alloc,free);
 *   - Vulkan failure: for every VkResult-returning Vulkan function the operation calls, its Nth
 *     call fails, for every N, with each result that function can return (out of host memory,
 *     out of device memory, VK_ERROR_DEVICE_LOST, ...).
 * After each fault: the status is the operation's success status or the documented error for
 * the fault; on an error (other than a lost device) the state is unchanged (handle count,
 * statistics, allocations' memory and offer state, fence values, adapter usage, the mock's live
 * Vulkan objects); the same operation made again without a fault succeeds (later calls behave
 * consistently); after a lost device the device reports STATUS_DEVICE_REMOVED and can still be
 * destroyed.  Then everything is destroyed and d3dkmt_host_shutdown() must leave no handle, no
 * mock Vulkan object and no heap block (counted by the wrappers) behind, with no misuse reported
 * by the mock.
 *
 * Targeted tests then check the exact statuses of the list: vkAllocateMemory,
 * vkQueueBindSparse and vkQueueSubmit2 failures and VK_ERROR_DEVICE_LOST.
 */
#include "d3dkmt_private.h"
#include "fence.h"
#include "vidmm.h"
#include "common.h"
#include "mock_vulkan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- Allocator wrappers ---- */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__real_aligned_alloc(size_t align, size_t size);
void __real_free(void *p);

static atomic_long live_blocks;        /* heap blocks allocated and not freed (mock's own excluded) */
static pthread_t fault_thread;
static atomic_bool counting;            /* count (and maybe fail) allocations of fault_thread */
static unsigned int alloc_countdown;    /* 0: never fail; else the countdown-th allocation fails */
static unsigned int allocs_seen;
static bool alloc_fired;

static bool alloc_fails(void)
{
    if (mock_vk_internal || !atomic_load(&counting) || !pthread_equal(pthread_self(), fault_thread)) return false;
    allocs_seen++;
    if (alloc_countdown && !--alloc_countdown)
    {
        alloc_fired = true;
        return true;
    }
    return false;
}

/* D3DKMT_FAULTS_DEBUG=1: remember the caller of every live block to name a leak. */
#define DEBUG_SLOTS 65536
static struct { void *p; void *caller; } debug_live[DEBUG_SLOTS];
static int debug_on = -1;
static pthread_mutex_t debug_lock = PTHREAD_MUTEX_INITIALIZER;

static void debug_note(void *p, void *caller, bool add)
{
    unsigned int i;
    if (debug_on < 0) debug_on = getenv("D3DKMT_FAULTS_DEBUG") != NULL;
    if (!debug_on) return;
    pthread_mutex_lock(&debug_lock);
    for (i = 0; i < DEBUG_SLOTS; i++)
    {
        if (add && !debug_live[i].p) { debug_live[i].p = p; debug_live[i].caller = caller; break; }
        if (!add && debug_live[i].p == p) { debug_live[i].p = NULL; break; }
    }
    pthread_mutex_unlock(&debug_lock);
}

static void debug_dump(void)
{
    unsigned int i;
    if (debug_on <= 0) return;
    for (i = 0; i < DEBUG_SLOTS; i++)
        if (debug_live[i].p) fprintf(stderr, "live block %p from %p\n", debug_live[i].p, debug_live[i].caller);
}

#define track(p) track_(p, __builtin_return_address(0))
static void *track_(void *p, void *caller)
{
    if (p && !mock_vk_internal)
    {
        atomic_fetch_add(&live_blocks, 1);
        debug_note(p, caller, true);
    }
    return p;
}

void *__wrap_malloc(size_t size)
{
    return alloc_fails() ? NULL : track(__real_malloc(size));
}

void *__wrap_calloc(size_t n, size_t size)
{
    return alloc_fails() ? NULL : track(__real_calloc(n, size));
}

void *__wrap_aligned_alloc(size_t align, size_t size)
{
    return alloc_fails() ? NULL : track(__real_aligned_alloc(align, size));
}

void *__wrap_realloc(void *p, size_t size)
{
    void *q;
    if (alloc_fails()) return NULL;
    q = __real_realloc(p, size);
    if (!p && q && !mock_vk_internal) atomic_fetch_add(&live_blocks, 1);
    return q;
}

void __wrap_free(void *p)
{
    if (p && !mock_vk_internal)
    {
        atomic_fetch_sub(&live_blocks, 1);
        debug_note(p, NULL, false);
    }
    __real_free(p);
}

/* Fails the nth allocation of this thread from now (0: none, only count). */
static void alloc_arm(unsigned int nth)
{
    fault_thread = pthread_self();
    alloc_countdown = nth;
    allocs_seen = 0;
    alloc_fired = false;
    atomic_store(&counting, true);
}

static void alloc_disarm(void)
{
    atomic_store(&counting, false);
    alloc_countdown = 0;
}

/* ---- State ---- */

#define NA 4
#define SMALL 65536

struct ctx
{
    D3DKMT_HANDLE adapter, dev;
    LUID luid;
    D3DKMT_HANDLE alloc[NA];     /* [0],[1] DEVICE_LOCAL in res; [2],[3] HOST_VISIBLE */
    D3DKMT_HANDLE res;
    D3DKMT_HANDLE pq, sync;
    UINT64 *sync_cpu;
    D3DKMT_HANDLE big;           /* budget scenarios: an offered 512 KiB allocation */
    struct d3dkmt_host_device_info info;
    VkSemaphore gate;            /* busy GPU: a submission waits for it */
    VkSemaphore extra[8];
    unsigned int extra_count;
    VkDeviceMemory imported;     /* import scenario: memory the test allocated */
    bool device_gone;
    bool new_device;
    D3DKMT_HANDLE out[4];        /* handles an operation created */
};

static struct ctx c;
static atomic_bool gate_open;   /* c.gate was signalled */
static atomic_bool watch_fired; /* ... by the watcher thread, while an operation ran */

struct snapshot
{
    uint32_t handles;
    D3DKMT_VK_STATISTICS stats;
    struct d3dkmt_host_allocation_info info[NA + 1];
    UINT priority[NA];
    UINT64 sync_value;
    UINT64 usage[2];
    struct mock_vk_counts mock;
};

static void take_snapshot(struct snapshot *s)
{
    unsigned int i;

    memset(s, 0, sizeof(*s));
    s->handles = d3dkmt_handle_count();
    if (c.dev)
    {
        d3dkmt_host_query_statistics(c.dev, &s->stats);
        s->stats.Budget = 0;
        s->stats.DeferredPending = 0;   /* may run on the waiter thread at any time */
        s->stats.BytesFreed = 0;
        for (i = 0; i < NA; i++)
        {
            D3DKMT_GETALLOCATIONPRIORITY get = { .hDevice = c.dev, .phAllocationList = &c.alloc[i],
                                                 .AllocationCount = 1, .pPriorities = &s->priority[i] };
            d3dkmt_host_get_allocation_info(c.dev, c.alloc[i], &s->info[i]);
            D3DKMTGetAllocationPriority(&get);
        }
        if (c.big) d3dkmt_host_get_allocation_info(c.dev, c.big, &s->info[NA]);
    }
    s->sync_value = c.sync_cpu ? *c.sync_cpu : 0;
    for (i = 0; c.adapter && i < 2; i++)
    {
        D3DKMT_QUERYVIDEOMEMORYINFO q = { .hAdapter = c.adapter, .MemorySegmentGroup = i };
        if (!D3DKMTQueryVideoMemoryInfo(&q)) s->usage[i] = q.CurrentUsage;
    }
    mock_vk_get_counts(&s->mock);
    s->mock.batches = 0;   /* the queue drains on its own */
}

static bool snapshot_equal(const struct snapshot *orig)
{
    struct snapshot b, copy = *orig, *a = &copy;
    take_snapshot(&b);
    if (!c.dev) return a->handles == b.handles;
    /* The library waited for the busy GPU and the test let it run: its queued signals ran. */
    if (atomic_load(&watch_fired)) a->sync_value = b.sync_value;
    if (c.big && a->info[NA].memory && !b.info[NA].memory && a->info[NA].offered)
    {
        /* Offered memory may be released at any time, by any call that needs room, even one that
         * fails later (docs/reliability.md): that is the one change allowed. */
        a->info[NA].memory = VK_NULL_HANDLE;
        a->mock.memories--;
        a->mock.heap_usage[0] -= a->info[NA].size;
        a->usage[0] -= a->info[NA].size;
        a->stats.Releases++;
        a->stats.BytesOffered -= a->info[NA].size;
        a->stats.BytesReleased += a->info[NA].size;
        a->stats.Usage -= a->info[NA].size;
    }
    if (!memcmp(a, &b, sizeof(b))) return true;
    fprintf(stderr, "state changed: handles %u -> %u, memories %d -> %d, buffers %d -> %d, semaphores %d -> %d,"
            " offers %llu -> %llu, live %llu -> %llu\n", a->handles, b.handles, a->mock.memories, b.mock.memories,
            a->mock.buffers, b.mock.buffers, a->mock.semaphores, b.mock.semaphores,
            (unsigned long long)a->stats.Offers, (unsigned long long)b.stats.Offers,
            (unsigned long long)a->stats.AllocationsLive, (unsigned long long)b.stats.AllocationsLive);
    return false;
}

/* ---- Helpers ---- */

static PFN_vkVoidFunction dev_proc(const char *name)
{
    return c.info.get_device_proc_addr(c.info.device, name);
}

static VkSemaphore new_timeline(void)
{
    VkSemaphoreTypeCreateInfo type = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO,
                                       .semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE };
    VkSemaphoreCreateInfo info = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO, .pNext = &type };
    VkSemaphore sem;
    assert_int_equal(((PFN_vkCreateSemaphore)dev_proc("vkCreateSemaphore"))(c.info.device, &info, NULL, &sem), VK_SUCCESS);
    return sem;
}

/* A submission that waits for c.gate: the GPU is busy until busy_end(). */
static void busy_begin(void)
{
    VkSemaphoreSubmitInfo wait = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .value = 1,
                                   .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
    VkSubmitInfo2 submit = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2, .waitSemaphoreInfoCount = 1,
                             .pWaitSemaphoreInfos = &wait };

    c.gate = new_timeline();
    atomic_store(&gate_open, false);
    wait.semaphore = c.gate;
    assert_int_equal(d3dkmt_host_submit(c.dev, &submit, NULL), STATUS_SUCCESS);
}

/* Opens the gate from another thread if, and only if, the calling thread blocks in a wait for
 * the GPU (a fallback that waits instead of deferring): the result does not depend on timing. */
static pthread_t watcher;
static atomic_bool watch_stop;
static bool watching;

static void *watch_main(void *arg)
{
    while (!atomic_load(&watch_stop))
    {
        if (mock_vk_blocked() > 0)
        {
            VkSemaphoreSignalInfo sig = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO, .semaphore = c.gate, .value = 1 };
            if (!atomic_exchange(&gate_open, true))
                ((PFN_vkSignalSemaphore)dev_proc("vkSignalSemaphore"))(c.info.device, &sig);
            atomic_store(&watch_fired, true);
            break;
        }
        usleep(1000);
    }
    return NULL;
}

static void watch_begin(void)
{
    atomic_store(&watch_fired, false);
    if (!c.gate || atomic_load(&gate_open)) return;
    atomic_store(&watch_stop, false);
    assert_int_equal(pthread_create(&watcher, NULL, watch_main, NULL), 0);
    watching = true;
}

static void watch_end(void)
{
    if (!watching) return;
    atomic_store(&watch_stop, true);
    pthread_join(watcher, NULL);
    watching = false;
}

static NTSTATUS offer(const D3DKMT_HANDLE *list, UINT n, UINT flags)
{
    D3DKMT_OFFERALLOCATIONS d = { .hDevice = c.dev, .HandleList = list, .NumAllocations = n,
                                  .Priority = D3DKMT_OFFER_PRIORITY_LOW };
    d.Flags.Value = flags;
    return D3DKMTOfferAllocations(&d);
}

static NTSTATUS signal_gpu(D3DKMT_HANDLE sync, UINT64 value)
{
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU d = { .hContext = c.dev, .ObjectCount = 1, .ObjectHandleArray = &sync,
                                                    .MonitoredFenceValueArray = &value };
    return D3DKMTSignalSynchronizationObjectFromGpu(&d);
}

/* Base state: adapter, device, 4 allocations (2 in a resource), a paging queue, a fence. */
static void base_setup(const struct mock_vk_config *config, const char *budget_cap)
{
    D3DKMT_ADAPTERINFO infos[4];
    D3DKMT_ENUMADAPTERS2 enum2 = { .NumAdapters = 4, .pAdapters = infos };
    D3DKMT_CREATEDEVICE create = { 0 };
    D3DKMT_CREATEPAGINGQUEUE pq = { 0 };
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 sync = { 0 };

    memset(&c, 0, sizeof(c));
    if (budget_cap) setenv("D3DKMT_BUDGET_CAP", budget_cap, 1);
    assert_int_equal(D3DKMTEnumAdapters2(&enum2), STATUS_SUCCESS);
    unsetenv("D3DKMT_BUDGET_CAP");
    c.adapter = infos[0].hAdapter;
    c.luid = infos[0].AdapterLuid;
    create.hAdapter = c.adapter;
    assert_int_equal(D3DKMTCreateDevice(&create), STATUS_SUCCESS);
    c.dev = create.hDevice;
    assert_int_equal(d3dkmt_host_get_device_info(c.dev, &c.info), STATUS_SUCCESS);
    assert_int_equal(test_create(c.dev, 2, SMALL, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, c.alloc, &c.res), STATUS_SUCCESS);
    assert_int_equal(test_create(c.dev, 2, SMALL, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, c.alloc + 2, NULL), STATUS_SUCCESS);
    pq.hDevice = c.dev;
    assert_int_equal(D3DKMTCreatePagingQueue(&pq), STATUS_SUCCESS);
    c.pq = pq.hPagingQueue;
    sync.hDevice = c.dev;
    sync.Info.Type = D3DDDI_MONITORED_FENCE;
    assert_int_equal(D3DKMTCreateSynchronizationObject2(&sync), STATUS_SUCCESS);
    c.sync = sync.hSyncObject;
    c.sync_cpu = sync.Info.MonitoredFence.FenceValueCPUVirtualAddress;
    (void)config;
}

/* Releases the test's own Vulkan objects and shuts the library down. */
static void base_cleanup(void)
{
    unsigned int i;

    if (c.dev && !c.device_gone)
    {
        if (c.gate && !atomic_exchange(&gate_open, true))
        {
            VkSemaphoreSignalInfo sig = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO, .semaphore = c.gate, .value = 1 };
            ((PFN_vkSignalSemaphore)dev_proc("vkSignalSemaphore"))(c.info.device, &sig);
        }
        d3dkmt_host_flush_deferred(c.dev, 10000000000ull);
        if (d3dkmt_host_lock_queue(c.dev) == STATUS_SUCCESS)
        {
            ((PFN_vkQueueWaitIdle)dev_proc("vkQueueWaitIdle"))(c.info.queue);
            d3dkmt_host_unlock_queue(c.dev);
        }
        if (c.gate) ((PFN_vkDestroySemaphore)dev_proc("vkDestroySemaphore"))(c.info.device, c.gate, NULL);
        for (i = 0; i < c.extra_count; i++)
            ((PFN_vkDestroySemaphore)dev_proc("vkDestroySemaphore"))(c.info.device, c.extra[i], NULL);
        if (c.imported) ((PFN_vkFreeMemory)dev_proc("vkFreeMemory"))(c.info.device, c.imported, NULL);
    }
    d3dkmt_host_shutdown();
}

/* ---- Scenarios ---- */

struct scenario
{
    const char *name;
    const char *budget_cap;                 /* D3DKMT_BUDGET_CAP for the base state */
    bool no_base;                           /* the operation is the library's first call: only the
                                             * handles are compared (initialisation is internal) */
    void (*setup)(void);
    NTSTATUS (*op)(void);
    NTSTATUS ok;                            /* the operation's status without a fault */
    /* Called after a successful operation (also after a fault the library absorbed): the
     * bookkeeping the operation created, so cleanup does not see it as a leak, and checks. */
    void (*after)(NTSTATUS status);
};

static NTSTATUS op_enum(void)
{
    D3DKMT_ADAPTERINFO infos[4];
    D3DKMT_ENUMADAPTERS2 d = { .NumAdapters = 4, .pAdapters = infos };
    NTSTATUS status = D3DKMTEnumAdapters2(&d);
    if (!status)
    {
        /* A failure during initialisation must not make the adapter disappear for good. */
        assert_int_equal(d.NumAdapters, 1);
        c.adapter = infos[0].hAdapter;
    }
    return status;
}

static NTSTATUS op_open_adapter(void)
{
    D3DKMT_OPENADAPTERFROMLUID d = { .AdapterLuid = c.luid };
    NTSTATUS status = D3DKMTOpenAdapterFromLuid(&d);
    if (!status) c.out[0] = d.hAdapter;
    return status;
}

static NTSTATUS op_create_device(void)
{
    D3DKMT_CREATEDEVICE d = { .hAdapter = c.adapter };
    NTSTATUS status = D3DKMTCreateDevice(&d);
    c.new_device = true;   /* faults hit the new device, not c.dev */
    if (!status) c.out[0] = d.hDevice;
    return status;
}

/* As test_create, without allocating (the operation's allocations are the library's only). */
static NTSTATUS create_n(UINT n, UINT64 size, D3DKMT_HANDLE *out, D3DKMT_HANDLE *resource)
{
    D3DKMT_VK_ALLOCATIONDATA data = { .Version = D3DKMT_VK_ALLOCATIONDATA_VERSION,
                                      .Placement = D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, .Size = size };
    D3DDDI_ALLOCATIONINFO2 infos[4] = { 0 };
    D3DKMT_CREATEALLOCATION d = { .hDevice = c.dev, .NumAllocations = n, .pAllocationInfo2 = infos };
    NTSTATUS status;
    UINT i;

    for (i = 0; i < n; i++)
    {
        infos[i].pPrivateDriverData = &data;
        infos[i].PrivateDriverDataSize = sizeof(data);
    }
    d.Flags.CreateResource = resource != NULL;
    if ((status = D3DKMTCreateAllocation2(&d))) return status;
    for (i = 0; i < n; i++) out[i] = infos[i].hAllocation;
    if (resource) *resource = d.hResource;
    return status;
}

static NTSTATUS op_create_allocs(void)
{
    return create_n(3, SMALL, c.out, &c.out[3]);
}

static NTSTATUS op_create_in_resource(void)
{
    D3DKMT_VK_ALLOCATIONDATA data = { .Version = D3DKMT_VK_ALLOCATIONDATA_VERSION,
                                      .Placement = D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, .Size = SMALL };
    D3DDDI_ALLOCATIONINFO info = { .pPrivateDriverData = &data, .PrivateDriverDataSize = sizeof(data) };
    D3DKMT_CREATEALLOCATION d = { .hDevice = c.dev, .hResource = c.res, .NumAllocations = 1, .pAllocationInfo = &info };
    return D3DKMTCreateAllocation(&d);
}

static NTSTATUS op_create_big(void)
{
    return create_n(1, 512 << 10, c.out, NULL);
}

static void setup_busy(void) { busy_begin(); }

static NTSTATUS op_destroy_list(void) { return test_destroy(c.dev, &c.alloc[2], 2, 0); }

static NTSTATUS op_destroy_resource(void)
{
    D3DKMT_DESTROYALLOCATION2 d = { .hDevice = c.dev, .hResource = c.res };
    d.Flags.SynchronousDestroy = 1;
    return D3DKMTDestroyAllocation2(&d);
}

static NTSTATUS op_offer(void) { return offer(&c.alloc[2], 2, 0); }

static NTSTATUS op_offer_resource(void)
{
    D3DKMT_OFFERALLOCATIONS d = { .hDevice = c.dev, .pResources = &c.res, .NumAllocations = 1,
                                  .Priority = D3DKMT_OFFER_PRIORITY_AUTO };
    return D3DKMTOfferAllocations(&d);
}

static void setup_offered(void) { assert_int_equal(offer(c.alloc, 4, 0), STATUS_SUCCESS); }

static NTSTATUS op_reclaim(void)
{
    BOOL discarded[4];
    D3DKMT_RECLAIMALLOCATIONS d = { .hDevice = c.dev, .HandleList = c.alloc, .NumAllocations = 4, .pDiscarded = discarded };
    NTSTATUS status = D3DKMTReclaimAllocations(&d);
    if (!status) assert_false(discarded[0] || discarded[1] || discarded[2] || discarded[3]);
    return status;
}

/* Budget 1 MiB: a 512 KiB allocation offered, then another one released its memory. */
static void setup_released(void)
{
    D3DKMT_HANDLE other;
    struct d3dkmt_host_allocation_info info;

    assert_int_equal(test_create(c.dev, 1, 512 << 10, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &c.big, NULL), STATUS_SUCCESS);
    assert_int_equal(offer(&c.big, 1, 0), STATUS_SUCCESS);
    assert_int_equal(test_create(c.dev, 1, 512 << 10, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &other, NULL), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_flush_deferred(c.dev, 5000000000ull), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_get_allocation_info(c.dev, c.big, &info), STATUS_SUCCESS);
    assert_null(info.memory);
}

static void setup_big_offered(void)
{
    assert_int_equal(test_create(c.dev, 1, 512 << 10, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &c.big, NULL), STATUS_SUCCESS);
    assert_int_equal(offer(&c.big, 1, 0), STATUS_SUCCESS);
}

static D3DDDI_RECLAIM_RESULT reclaim_result;

static NTSTATUS op_reclaim_released(void)
{
    BOOL discarded = FALSE;
    D3DKMT_RECLAIMALLOCATIONS d = { .hDevice = c.dev, .HandleList = &c.big, .NumAllocations = 1, .pDiscarded = &discarded };
    NTSTATUS status = D3DKMTReclaimAllocations(&d);
    if (!status) assert_true(discarded);
    return status;
}

static NTSTATUS op_reclaim2_released(void)
{
    D3DKMT_RECLAIMALLOCATIONS2 d = { .hPagingQueue = c.pq, .HandleList = &c.big, .NumAllocations = 1,
                                     .pResults = &reclaim_result };
    return D3DKMTReclaimAllocations2(&d);
}

static void after_reclaim2(NTSTATUS status)
{
    /* DISCARDED with new memory; NOT_COMMITTED when the bind itself failed (content gone). */
    assert_true(reclaim_result == D3DDDI_RECLAIM_RESULT_DISCARDED || reclaim_result == D3DDDI_RECLAIM_RESULT_NOT_COMMITTED);
}

static NTSTATUS op_make_resident(void)
{
    D3DDDI_MAKERESIDENT d = { .hPagingQueue = c.pq, .AllocationList = c.alloc, .NumAllocations = 4 };
    return D3DKMTMakeResident(&d);
}

static NTSTATUS op_evict(void)
{
    D3DKMT_EVICT d = { .hDevice = c.dev, .AllocationList = c.alloc, .NumAllocations = 4 };
    return D3DKMTEvict(&d);
}

static NTSTATUS op_set_priority(void)
{
    UINT prio = D3DDDI_ALLOCATIONPRIORITY_HIGH;
    D3DKMT_SETALLOCATIONPRIORITY d = { .hDevice = c.dev, .hResource = c.res, .pPriorities = &prio };
    return D3DKMTSetAllocationPriority(&d);
}

static NTSTATUS op_get_priority(void)
{
    UINT prio[4];
    D3DKMT_GETALLOCATIONPRIORITY d = { .hDevice = c.dev, .phAllocationList = c.alloc, .AllocationCount = 4, .pPriorities = prio };
    return D3DKMTGetAllocationPriority(&d);
}

static NTSTATUS op_create_pq(void)
{
    D3DKMT_CREATEPAGINGQUEUE d = { .hDevice = c.dev };
    return D3DKMTCreatePagingQueue(&d);
}

static NTSTATUS op_destroy_pq(void)
{
    D3DDDI_DESTROYPAGINGQUEUE d = { .hPagingQueue = c.pq };
    return D3DKMTDestroyPagingQueue(&d);
}

static NTSTATUS op_create_sync(void)
{
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 d = { .hDevice = c.dev };
    d.Info.Type = D3DDDI_MONITORED_FENCE;
    return D3DKMTCreateSynchronizationObject2(&d);
}

static NTSTATUS op_destroy_sync(void)
{
    D3DKMT_DESTROYSYNCHRONIZATIONOBJECT d = { .hSyncObject = c.sync };
    NTSTATUS status = D3DKMTDestroySynchronizationObject(&d);
    if (!status) c.sync_cpu = NULL;
    return status;
}

static NTSTATUS op_signal_gpu(void) { return signal_gpu(c.sync, 10); }

static void setup_gpu_signal_pending(void)
{
    busy_begin();
    assert_int_equal(signal_gpu(c.sync, 10), STATUS_SUCCESS);
}

static NTSTATUS op_signal_cpu(void)
{
    UINT64 value = 20;
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU d = { .hDevice = c.dev, .ObjectCount = 1, .ObjectHandleArray = &c.sync,
                                                    .FenceValueArray = &value };
    return D3DKMTSignalSynchronizationObjectFromCpu(&d);
}

static NTSTATUS op_wait_cpu(void)
{
    UINT64 value = 0;
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU d = { .hDevice = c.dev, .ObjectCount = 1, .ObjectHandleArray = &c.sync,
                                                     .FenceValueArray = &value };
    return D3DKMTWaitForSynchronizationObjectFromCpu(&d);
}

static NTSTATUS op_wait_gpu(void)
{
    UINT64 value = 0;
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU d = { .hContext = c.dev, .ObjectCount = 1, .ObjectHandleArray = &c.sync,
                                                     .MonitoredFenceValueArray = &value };
    return D3DKMTWaitForSynchronizationObjectFromGpu(&d);
}

/* Six external semaphores tracked: the tracker's fence array (8 slots) is full. */
static void setup_tracked(void)
{
    unsigned int i;
    for (i = 0; i < 7; i++)
    {
        c.extra[c.extra_count] = new_timeline();
        if (i < 6) assert_int_equal(d3dkmt_host_track_gpu_work(c.dev, c.extra[c.extra_count], 0), STATUS_SUCCESS);
        c.extra_count++;
    }
}

static NTSTATUS op_track(void) { return d3dkmt_host_track_gpu_work(c.dev, c.extra[6], 0); }

static NTSTATUS op_submit(void)
{
    VkSubmitInfo2 s = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2 };
    return d3dkmt_host_submit(c.dev, &s, NULL);
}

static void setup_import(void)
{
    VkMemoryAllocateInfo info = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, .allocationSize = SMALL,
                                  .memoryTypeIndex = 1 };
    assert_int_equal(((PFN_vkAllocateMemory)dev_proc("vkAllocateMemory"))(c.info.device, &info, NULL, &c.imported),
                     VK_SUCCESS);
}

static NTSTATUS op_import(void)
{
    D3DKMT_HANDLE h;
    NTSTATUS status = d3dkmt_host_import_memory(c.dev, c.imported, SMALL, 1, &h);
    if (!status) c.imported = VK_NULL_HANDLE;   /* the library owns it now */
    return status;
}

static NTSTATUS op_lock(void)
{
    D3DKMT_LOCK2 d = { .hDevice = c.dev, .hAllocation = c.alloc[2] };
    NTSTATUS status = D3DKMTLock2(&d);
    if (!status)
    {
        D3DKMT_UNLOCK2 u = { .hDevice = c.dev, .hAllocation = c.alloc[2] };
        memset(d.pData, 0x5a, SMALL);
        assert_int_equal(D3DKMTUnlock2(&u), STATUS_SUCCESS);
    }
    return status;
}

static NTSTATUS op_destroy_device(void)
{
    D3DKMT_DESTROYDEVICE d = { .hDevice = c.dev };
    NTSTATUS status = D3DKMTDestroyDevice(&d);
    if (!status) c.device_gone = true;
    return status;
}

static NTSTATUS op_stats(void)
{
    D3DKMT_VK_STATISTICS s;
    return d3dkmt_host_query_statistics(c.dev, &s);
}

static const struct scenario scenarios[] = {
    { "first call (initialisation)", NULL, true, NULL, op_enum, STATUS_SUCCESS, NULL },
    { "OpenAdapterFromLuid", NULL, false, NULL, op_open_adapter, STATUS_SUCCESS, NULL },
    { "CreateDevice", NULL, false, NULL, op_create_device, STATUS_SUCCESS, NULL },
    { "CreateAllocation2 x3 + resource", NULL, false, NULL, op_create_allocs, STATUS_SUCCESS, NULL },
    { "CreateAllocation into a resource", NULL, false, NULL, op_create_in_resource, STATUS_SUCCESS, NULL },
    { "CreateAllocation2 releasing offered memory", "1M", false, setup_big_offered, op_create_big, STATUS_SUCCESS, NULL },
    { "DestroyAllocation2 list, GPU busy", NULL, false, setup_busy, op_destroy_list, STATUS_SUCCESS, NULL },
    { "DestroyAllocation2 resource, synchronous", NULL, false, NULL, op_destroy_resource, STATUS_SUCCESS, NULL },
    { "OfferAllocations, GPU busy", NULL, false, setup_busy, op_offer, STATUS_SUCCESS, NULL },
    { "OfferAllocations resource, GPU idle", NULL, false, NULL, op_offer_resource, STATUS_SUCCESS, NULL },
    { "ReclaimAllocations of offered", NULL, false, setup_offered, op_reclaim, STATUS_SUCCESS, NULL },
    { "ReclaimAllocations of released", "1M", false, setup_released, op_reclaim_released, STATUS_SUCCESS, NULL },
    { "ReclaimAllocations2 of released", "1M", false, setup_released, op_reclaim2_released, STATUS_PENDING, after_reclaim2 },
    { "MakeResident", NULL, false, NULL, op_make_resident, STATUS_SUCCESS, NULL },
    { "Evict", NULL, false, NULL, op_evict, STATUS_SUCCESS, NULL },
    { "SetAllocationPriority", NULL, false, NULL, op_set_priority, STATUS_SUCCESS, NULL },
    { "GetAllocationPriority", NULL, false, NULL, op_get_priority, STATUS_SUCCESS, NULL },
    { "CreatePagingQueue", NULL, false, NULL, op_create_pq, STATUS_SUCCESS, NULL },
    { "DestroyPagingQueue, GPU busy", NULL, false, setup_busy, op_destroy_pq, STATUS_SUCCESS, NULL },
    { "CreateSynchronizationObject2", NULL, false, NULL, op_create_sync, STATUS_SUCCESS, NULL },
    { "DestroySynchronizationObject, GPU busy", NULL, false, setup_busy, op_destroy_sync, STATUS_SUCCESS, NULL },
    { "SignalSynchronizationObjectFromGpu", NULL, false, NULL, op_signal_gpu, STATUS_SUCCESS, NULL },
    { "SignalSynchronizationObjectFromCpu behind a GPU signal", NULL, false, setup_gpu_signal_pending, op_signal_cpu, STATUS_SUCCESS, NULL },
    { "WaitForSynchronizationObjectFromCpu", NULL, false, NULL, op_wait_cpu, STATUS_SUCCESS, NULL },
    { "WaitForSynchronizationObjectFromGpu", NULL, false, NULL, op_wait_gpu, STATUS_SUCCESS, NULL },
    { "d3dkmt_host_track_gpu_work (grows the fence array)", NULL, false, setup_tracked, op_track, STATUS_SUCCESS, NULL },
    { "d3dkmt_host_submit", NULL, false, NULL, op_submit, STATUS_SUCCESS, NULL },
    { "d3dkmt_host_import_memory", NULL, false, setup_import, op_import, STATUS_SUCCESS, NULL },
    { "Lock2", NULL, false, NULL, op_lock, STATUS_SUCCESS, NULL },
    { "DestroyDevice with live objects", NULL, false, NULL, op_destroy_device, STATUS_SUCCESS, NULL },
    { "d3dkmt_host_query_statistics", NULL, false, NULL, op_stats, STATUS_SUCCESS, NULL },
};

#define SCENARIO_COUNT D3DKMT_ARRAY_SIZE(scenarios)

static NTSTATUS run_op(const struct scenario *s)
{
    NTSTATUS status;
    watch_begin();
    status = s->op();
    watch_end();
    return status;
}

/* Prepares the state of scenario s on a fresh mock; returns the heap baseline. */
static long prepare(const struct scenario *s)
{
    long baseline;

    d3dkmt_host_shutdown();
    mock_vk_install(NULL);
    baseline = atomic_load(&live_blocks);
    memset(&c, 0, sizeof(c));
    if (!s->no_base)
    {
        base_setup(NULL, s->budget_cap);
        if (s->setup) s->setup();
    }
    return baseline;
}

/* Cleans up and checks that nothing leaked. */
static void finish(const struct scenario *s, long baseline, const char *what)
{
    struct mock_vk_counts counts;

    base_cleanup();
    mock_vk_get_counts(&counts);
    if (d3dkmt_handle_count() || counts.devices || counts.memories || counts.buffers || counts.semaphores
            || counts.instances || counts.messengers || counts.batches)
        fail_msg("%s, %s: leaked handles %u devices %d memories %d buffers %d semaphores %d", s->name, what,
                 d3dkmt_handle_count(), counts.devices, counts.memories, counts.buffers, counts.semaphores);
    if (atomic_load(&live_blocks) != baseline) debug_dump();
    if (atomic_load(&live_blocks) != baseline)
        fail_msg("%s, %s: %ld heap blocks leaked", s->name, what, atomic_load(&live_blocks) - baseline);
    if (mock_vk_errors()) fail_msg("%s, %s: %u Vulkan misuse reports", s->name, what, mock_vk_errors());
}

static void check_device_removed(void)
{
    VkSubmitInfo2 s = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2 };
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 create = { .hDevice = c.dev };

    if (!c.dev || c.device_gone || c.new_device) return;   /* no device, or the loss hit a new one */
    /* The next call that reaches the queue notices; every later call reports the removal. */
    assert_int_equal(d3dkmt_host_submit(c.dev, &s, NULL), STATUS_DEVICE_REMOVED);
    create.Info.Type = D3DDDI_MONITORED_FENCE;
    assert_int_equal(D3DKMTCreateSynchronizationObject2(&create), STATUS_DEVICE_REMOVED);
    assert_int_equal(test_create(c.dev, 1, SMALL, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, c.out, NULL), STATUS_DEVICE_REMOVED);
    assert_int_equal(offer(c.alloc, 1, 0), STATUS_DEVICE_REMOVED);
}

static unsigned int malloc_cases;

static void test_malloc_failures(void **state)
{
    unsigned int i, nth;

    for (i = 0; i < SCENARIO_COUNT; i++)
    {
        const struct scenario *s = &scenarios[i];
        unsigned int total = 0;

        for (nth = 1;; nth++)
        {
            struct snapshot before;
            long baseline = prepare(s);
            NTSTATUS status;
            char what[64];

            take_snapshot(&before);
            alloc_arm(nth);
            status = run_op(s);
            alloc_disarm();
            snprintf(what, sizeof(what), "allocation %u failing", nth);
            if (!alloc_fired)
            {
                if (status != s->ok) fail_msg("%s without a fault: status %#x", s->name, (unsigned)status);
                total = allocs_seen;
                if (s->after) s->after(status);
                finish(s, baseline, "no fault");
                break;
            }
            malloc_cases++;
            if (status == STATUS_NO_MEMORY)
            {
                if (!snapshot_equal(&before)) fail_msg("%s, %s: state changed", s->name, what);
                /* Later calls behave: the same call without a fault succeeds. */
                status = run_op(s);
                if (status != s->ok) fail_msg("%s, retry after %s: status %#x", s->name, what, (unsigned)status);
            }
            else if (status != s->ok)
                fail_msg("%s, %s: status %#x, expected STATUS_NO_MEMORY or %#x", s->name, what, (unsigned)status,
                         (unsigned)s->ok);
            /* else: a documented fallback absorbed the failure (docs/reliability.md). */
            if (s->after) s->after(status);
            finish(s, baseline, what);
        }
        printf("malloc: %-55s %u allocation sites\n", s->name, total);
    }
    printf("malloc failure cases: %u\n", malloc_cases);
}

/* What each Vulkan function may return besides success, after the specification's list of
 * return codes (VK_ERROR_DEVICE_LOST only where it can happen, plus vkAllocateMemory). */
static const VkResult oom_results[] = { VK_ERROR_OUT_OF_HOST_MEMORY, VK_ERROR_OUT_OF_DEVICE_MEMORY };
static const VkResult queue_results[] = { VK_ERROR_OUT_OF_HOST_MEMORY, VK_ERROR_OUT_OF_DEVICE_MEMORY, VK_ERROR_DEVICE_LOST };
static const VkResult create_device_results[] = { VK_ERROR_OUT_OF_HOST_MEMORY, VK_ERROR_OUT_OF_DEVICE_MEMORY,
    VK_ERROR_INITIALIZATION_FAILED, VK_ERROR_EXTENSION_NOT_PRESENT, VK_ERROR_FEATURE_NOT_PRESENT,
    VK_ERROR_TOO_MANY_OBJECTS, VK_ERROR_DEVICE_LOST };
static const VkResult instance_results[] = { VK_ERROR_OUT_OF_HOST_MEMORY, VK_ERROR_OUT_OF_DEVICE_MEMORY,
    VK_ERROR_INITIALIZATION_FAILED, VK_ERROR_LAYER_NOT_PRESENT, VK_ERROR_EXTENSION_NOT_PRESENT,
    VK_ERROR_INCOMPATIBLE_DRIVER };
static const VkResult map_results[] = { VK_ERROR_OUT_OF_HOST_MEMORY, VK_ERROR_OUT_OF_DEVICE_MEMORY,
    VK_ERROR_MEMORY_MAP_FAILED };
static const VkResult allocate_results[] = { VK_ERROR_OUT_OF_HOST_MEMORY, VK_ERROR_OUT_OF_DEVICE_MEMORY,
    VK_ERROR_TOO_MANY_OBJECTS, VK_ERROR_DEVICE_LOST };

static void results_for(enum mock_vk_fn fn, const VkResult **list, unsigned int *n)
{
#define SET(a) do { *list = a; *n = D3DKMT_ARRAY_SIZE(a); } while (0)
    switch (fn)
    {
    case MOCK_vkCreateInstance: case MOCK_vkEnumeratePhysicalDevices: case MOCK_vkEnumerateDeviceExtensionProperties:
        SET(instance_results); break;
    case MOCK_vkCreateDevice: SET(create_device_results); break;
    case MOCK_vkMapMemory: SET(map_results); break;
    case MOCK_vkAllocateMemory: SET(allocate_results); break;
    case MOCK_vkQueueSubmit2: case MOCK_vkQueueBindSparse: case MOCK_vkQueueWaitIdle: case MOCK_vkDeviceWaitIdle:
    case MOCK_vkWaitSemaphores: case MOCK_vkGetSemaphoreCounterValue:
        SET(queue_results); break;
    default: SET(oom_results); break;
    }
#undef SET
}

static bool is_oom(VkResult vr)
{
    return vr == VK_ERROR_OUT_OF_HOST_MEMORY || vr == VK_ERROR_OUT_OF_DEVICE_MEMORY || vr == VK_ERROR_TOO_MANY_OBJECTS
        || vr == VK_ERROR_MEMORY_MAP_FAILED;
}

static unsigned int vulkan_cases;

static void test_vulkan_failures(void **state)
{
    unsigned int i, fn, k, r;

    for (i = 0; i < SCENARIO_COUNT; i++)
    {
        const struct scenario *s = &scenarios[i];
        unsigned int calls[MOCK_FN_COUNT], sites = 0;
        long baseline = prepare(s);

        /* Which Vulkan calls the operation makes, and how many. */
        mock_vk_reset_calls();
        assert_int_equal(run_op(s), s->ok);
        for (fn = 0; fn < MOCK_FN_COUNT; fn++) calls[fn] = mock_vk_calls(fn);
        if (s->after) s->after(s->ok);
        finish(s, baseline, "no fault");

        for (fn = 0; fn < MOCK_FN_COUNT; fn++)
        {
            const VkResult *list;
            unsigned int n;

            results_for(fn, &list, &n);
            for (k = 1; k <= calls[fn]; k++, sites++)
                for (r = 0; r < n; r++)
                {
                    struct snapshot before;
                    NTSTATUS status, mapped = d3dkmt_status_from_vk(list[r]);
                    bool lost = list[r] == VK_ERROR_DEVICE_LOST;
                    char what[96];

                    snprintf(what, sizeof(what), "%s call %u -> %d", mock_vk_fn_name(fn), k, list[r]);
                    baseline = prepare(s);
                    take_snapshot(&before);
                    mock_vk_reset_calls();
                    mock_vk_fail(fn, k, list[r]);
                    status = run_op(s);
                    mock_vk_fail_clear();
                    vulkan_cases++;
                    if (!mock_vk_fault_fired()) fail_msg("%s, %s: the fault did not fire", s->name, what);
                    /* Reclaim2 whose rebind failed reports NOT_COMMITTED with nothing to wait for. */
                    if (s->ok == STATUS_PENDING && status == STATUS_SUCCESS) status = STATUS_PENDING;
                    if (status != s->ok && status != mapped
                            && !(is_oom(list[r]) && (status == STATUS_NO_MEMORY || status == STATUS_GRAPHICS_NO_VIDEO_MEMORY)))
                        fail_msg("%s, %s: status %#x, expected %#x or %#x", s->name, what, (unsigned)status,
                                 (unsigned)s->ok, (unsigned)mapped);
                    if (lost) check_device_removed();
                    else if (status != s->ok)
                    {
                        if (!snapshot_equal(&before)) fail_msg("%s, %s: state changed", s->name, what);
                        status = run_op(s);
                        if (status != s->ok) fail_msg("%s, retry after %s: status %#x", s->name, what, (unsigned)status);
                    }
                    if (s->after && (status == s->ok)) s->after(status);
                    finish(s, baseline, what);
                }
        }
        printf("vulkan: %-55s %u call sites\n", s->name, sites);
    }
    printf("Vulkan failure cases: %u\n", vulkan_cases);
}

/* ---- Targeted: the list with exact statuses ---- */

static void test_allocate_memory_failure(void **state)
{
    static const struct { VkResult vr; NTSTATUS status; } cases[] = {
        { VK_ERROR_OUT_OF_DEVICE_MEMORY, STATUS_GRAPHICS_NO_VIDEO_MEMORY },
        { VK_ERROR_OUT_OF_HOST_MEMORY, STATUS_NO_MEMORY },
        { VK_ERROR_DEVICE_LOST, STATUS_DEVICE_REMOVED },
    };
    const struct scenario *s = &scenarios[3];
    unsigned int i, k;

    for (i = 0; i < D3DKMT_ARRAY_SIZE(cases); i++)
        for (k = 1; k <= 3; k++)   /* the first, second or third of three allocations */
        {
            struct snapshot before;
            long baseline = prepare(s);

            take_snapshot(&before);
            mock_vk_fail(MOCK_vkAllocateMemory, k, cases[i].vr);
            assert_int_equal(op_create_allocs(), cases[i].status);
            mock_vk_fail_clear();
            if (cases[i].vr == VK_ERROR_DEVICE_LOST) check_device_removed();
            else
            {
                assert_true(snapshot_equal(&before));
                assert_int_equal(op_create_allocs(), STATUS_SUCCESS);
            }
            finish(s, baseline, "vkAllocateMemory");
        }
}

static void test_bind_sparse_failure(void **state)
{
    static const struct { VkResult vr; NTSTATUS status; } cases[] = {
        { VK_ERROR_OUT_OF_DEVICE_MEMORY, STATUS_GRAPHICS_NO_VIDEO_MEMORY },
        { VK_ERROR_OUT_OF_HOST_MEMORY, STATUS_NO_MEMORY },
        { VK_ERROR_DEVICE_LOST, STATUS_DEVICE_REMOVED },
    };
    const struct scenario *create = &scenarios[3], *rec = &scenarios[12];
    unsigned int i;

    for (i = 0; i < D3DKMT_ARRAY_SIZE(cases); i++)
    {
        struct snapshot before;
        struct d3dkmt_host_allocation_info info;
        long baseline = prepare(create);

        /* Creation: the bind of the new memory fails: nothing is created. */
        take_snapshot(&before);
        mock_vk_fail(MOCK_vkQueueBindSparse, 2, cases[i].vr);
        assert_int_equal(op_create_allocs(), cases[i].status);
        mock_vk_fail_clear();
        if (cases[i].vr == VK_ERROR_DEVICE_LOST) check_device_removed();
        else
        {
            assert_true(snapshot_equal(&before));
            /* The bind timeline stays whole: nothing waits forever for the bind that never ran. */
            assert_int_equal(d3dkmt_host_flush_deferred(c.dev, 0), STATUS_SUCCESS);
            assert_int_equal(op_create_allocs(), STATUS_SUCCESS);
        }
        finish(create, baseline, "vkQueueBindSparse in create");

        /* Reclaim2 of released memory: the rebind fails: NOT_COMMITTED (the content was gone
         * already), the allocation stays without memory, its handle valid; destroying it works. */
        baseline = prepare(rec);
        mock_vk_fail(MOCK_vkQueueBindSparse, 1, cases[i].vr);
        {
            NTSTATUS status = op_reclaim2_released();
            assert_true(status == STATUS_SUCCESS || status == STATUS_DEVICE_REMOVED);
            if (!status) assert_int_equal(reclaim_result, D3DDDI_RECLAIM_RESULT_NOT_COMMITTED);
        }
        mock_vk_fail_clear();
        assert_int_equal(d3dkmt_host_get_allocation_info(c.dev, c.big, &info), STATUS_SUCCESS);
        assert_null(info.memory);
        assert_int_equal(info.offered, 0);
        assert_int_equal(test_destroy(c.dev, &c.big, 1, 0), STATUS_SUCCESS);
        finish(rec, baseline, "vkQueueBindSparse in reclaim");
    }
}

static void test_queue_submit_failure(void **state)
{
    static const struct { VkResult vr; NTSTATUS status; } cases[] = {
        { VK_ERROR_OUT_OF_DEVICE_MEMORY, STATUS_GRAPHICS_NO_VIDEO_MEMORY },
        { VK_ERROR_OUT_OF_HOST_MEMORY, STATUS_NO_MEMORY },
        { VK_ERROR_DEVICE_LOST, STATUS_DEVICE_REMOVED },
    };
    const struct scenario *s = &scenarios[21];
    unsigned int i;

    for (i = 0; i < D3DKMT_ARRAY_SIZE(cases); i++)
    {
        struct snapshot before;
        long baseline = prepare(s);

        take_snapshot(&before);
        mock_vk_fail(MOCK_vkQueueSubmit2, 1, cases[i].vr);
        assert_int_equal(signal_gpu(c.sync, 10), cases[i].status);
        mock_vk_fail_clear();
        if (cases[i].vr == VK_ERROR_DEVICE_LOST) check_device_removed();
        else
        {
            UINT64 value = 10;
            D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU wait = { .hDevice = c.dev, .ObjectCount = 1,
                                                                .ObjectHandleArray = &c.sync, .FenceValueArray = &value };
            assert_true(snapshot_equal(&before));
            assert_int_equal(*c.sync_cpu, 0);
            /* Nothing is left pending, and the next signal works. */
            assert_int_equal(d3dkmt_host_flush_deferred(c.dev, 0), STATUS_SUCCESS);
            assert_int_equal(signal_gpu(c.sync, 10), STATUS_SUCCESS);
            assert_int_equal(D3DKMTWaitForSynchronizationObjectFromCpu(&wait), STATUS_SUCCESS);
            assert_int_equal(*c.sync_cpu, 10);
        }
        finish(s, baseline, "vkQueueSubmit2");
    }
}

/* The GPU hangs up in the middle of work: deferred offers and frees still complete, every call
 * reports the removal, and destroying everything frees everything. */
static void test_device_lost_while_busy(void **state)
{
    const struct scenario *s = &scenarios[8];
    long baseline = prepare(s);
    struct mock_vk_counts counts;

    assert_int_equal(offer(&c.alloc[2], 2, 0), STATUS_SUCCESS);
    assert_int_equal(test_destroy(c.dev, c.alloc, 1, 0), STATUS_SUCCESS);
    mock_vk_get_counts(&counts);
    assert_true(counts.batches >= 1);
    mock_vk_lose_devices();
    check_device_removed();
    assert_int_equal(d3dkmt_host_flush_deferred(c.dev, 5000000000ull), STATUS_SUCCESS);
    assert_int_equal(test_destroy(c.dev, &c.alloc[1], 1, 2), STATUS_SUCCESS);
    finish(s, baseline, "lost while busy");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allocate_memory_failure),
        cmocka_unit_test(test_bind_sparse_failure),
        cmocka_unit_test(test_queue_submit_failure),
        cmocka_unit_test(test_device_lost_while_busy),
        cmocka_unit_test(test_malloc_failures),
        cmocka_unit_test(test_vulkan_failures),
    };
    return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
