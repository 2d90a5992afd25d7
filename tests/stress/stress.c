/*
 * tests/stress/stress.c: multi-threaded stress test, bounded in time (docs/reliability.md).
 *
 * Worker threads make random offers, reclaims (both forms), evictions and MakeResident calls,
 * priority changes, locks, fence signals and waits from the CPU and the GPU (waits for values up to
 * two above the last signalled, racing the signallers), semaphore acquires and releases, CPU
 * notifications, submissions, statistics and handle lookups,
 * and destroy and recreate allocations, on two devices at once; one device is now and then
 * destroyed with everything on it and created again while the other threads keep using its
 * (then stale) handles.  Lists sometimes mix in a handle of the other device.  GPU work on the
 * first device is sometimes held back by a gate semaphore so that offers and frees are deferred
 * to the fence tracker and its waiter thread.
 *
 * Every status must be one the entry point documents for the situation (success, or
 * STATUS_INVALID_PARAMETER / STATUS_INVALID_HANDLE for a handle another thread destroyed, an
 * offered or locked allocation, an eviction below zero, a foreign handle); anything else counts
 * as a failure.  At the end everything is destroyed and nothing may be left: no handle, no mock
 * Vulkan object, no misuse reported by the mock (which also checks the queue's external
 * synchronisation).  Built with --enable-tsan, ThreadSanitizer checks the locking.
 *
 * Usage: stress [--seconds N] [--threads N] [--real]
 *   --real runs on the system's Vulkan driver instead of the mock.
 *   STRESS_SECONDS (default 3) bounds the run from the environment too.
 */
#include "d3dkmt_private.h"
#include "common.h"
#include "unit/mock_vulkan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS 48
#define SIZE 65536
#define MAX_THREADS 16
#define MAX_GATES 64

static bool use_mock = true;
static double seconds = 3.0;
static unsigned int thread_count = 4;

static D3DKMT_HANDLE adapter;
static _Atomic D3DKMT_HANDLE devs[2];
static _Atomic D3DKMT_HANDLE pqs[2];
static _Atomic D3DKMT_HANDLE syncs[2];
static _Atomic D3DKMT_HANDLE resources[2];   /* two allocations each */
static _Atomic D3DKMT_HANDLE slots[2][SLOTS];
static pthread_mutex_t churn_lock = PTHREAD_MUTEX_INITIALIZER;   /* one device rebuild at a time */
static struct d3dkmt_host_device_info dev0_info;
static _Atomic uint64_t fence_value[2];
static _Atomic uint64_t fence_issued[2];          /* highest value a signal call returned for */
static _Atomic D3DKMT_HANDLE sems[2];             /* a D3DDDI_SEMAPHORE per device */
static _Atomic D3DKMT_HANDLE notifications[2];    /* a D3DDDI_CPU_NOTIFICATION per device */

static struct
{
    pthread_mutex_t lock;
    VkSemaphore sems[MAX_GATES];
    bool open[MAX_GATES];
    unsigned int count;
} gates = { .lock = PTHREAD_MUTEX_INITIALIZER };

static atomic_bool stop;
static _Atomic uint64_t ops, failures, churns, deferred_seen;

struct rng { uint64_t s; };
static uint32_t rnd(struct rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s >> 11);
}

static void bad_status(const char *what, NTSTATUS status)
{
    atomic_fetch_add(&failures, 1);
    fprintf(stderr, "stress: %s returned %#x\n", what, (unsigned)status);
}

/* Statuses a call may return when other threads destroy its handles concurrently. */
static void expect(const char *what, NTSTATUS status, NTSTATUS ok)
{
    if (status == ok || status == STATUS_SUCCESS || status == STATUS_INVALID_PARAMETER || status == STATUS_INVALID_HANDLE)
        return;
    bad_status(what, status);
}

static D3DKMT_HANDLE create_one(D3DKMT_HANDLE device, UINT placement)
{
    D3DKMT_HANDLE h = 0;
    NTSTATUS status = test_create(device, 1, SIZE, placement, 0, &h, NULL);
    if (status) { expect("CreateAllocation2", status, STATUS_SUCCESS); return 0; }
    return h;
}

static void populate(unsigned int d)
{
    D3DKMT_HANDLE device = atomic_load(&devs[d]);
    D3DKMT_CREATEPAGINGQUEUE pq = { .hDevice = device };
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 sync = { .hDevice = device };
    unsigned int i;

    for (i = 0; i < SLOTS; i++)
        atomic_store(&slots[d][i], create_one(device, i % 2 ? D3DKMT_VK_PLACEMENT_HOST_VISIBLE : D3DKMT_VK_PLACEMENT_DEVICE_LOCAL));
    {
        D3DKMT_HANDLE h[2], res = 0;
        if (!test_create(device, 2, SIZE, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, h, &res)) atomic_store(&resources[d], res);
    }
    if (!D3DKMTCreatePagingQueue(&pq)) atomic_store(&pqs[d], pq.hPagingQueue);
    sync.Info.Type = D3DDDI_MONITORED_FENCE;
    if (!D3DKMTCreateSynchronizationObject2(&sync)) atomic_store(&syncs[d], sync.hSyncObject);
    /* As many units as threads: each thread takes one and gives it back, so every acquire the
     * queue holds is satisfied by releases queued before it. */
    memset(&sync, 0, sizeof(sync));
    sync.hDevice = device;
    sync.Info.Type = D3DDDI_SEMAPHORE;
    sync.Info.Semaphore.InitialCount = MAX_THREADS;
    if (!D3DKMTCreateSynchronizationObject2(&sync)) atomic_store(&sems[d], sync.hSyncObject);
    memset(&sync, 0, sizeof(sync));
    sync.hDevice = device;
    sync.Info.Type = D3DDDI_CPU_NOTIFICATION;
    sync.Info.CPUNotification.Event = (HANDLE)(uintptr_t)(0x1000 + d);   /* opaque to the host library */
    if (!D3DKMTCreateSynchronizationObject2(&sync)) atomic_store(&notifications[d], sync.hSyncObject);
}

static void raise_issued(unsigned int d, UINT64 value)
{
    uint64_t i = atomic_load(&fence_issued[d]);
    while (i < value && !atomic_compare_exchange_weak(&fence_issued[d], &i, value)) ;
}

static D3DKMT_HANDLE new_device(void)
{
    D3DKMT_CREATEDEVICE create = { .hAdapter = adapter };
    NTSTATUS status = D3DKMTCreateDevice(&create);
    if (status) { bad_status("CreateDevice", status); return 0; }
    return create.hDevice;
}

/* Destroys device 1 with everything on it (other threads still use its handles) and rebuilds it. */
static void churn_device(void)
{
    D3DKMT_DESTROYDEVICE destroy;

    if (pthread_mutex_trylock(&churn_lock)) return;
    destroy.hDevice = atomic_load(&devs[1]);
    atomic_store(&fence_value[1], 0);
    atomic_store(&fence_issued[1], 0);
    expect("DestroyDevice", D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);
    atomic_store(&devs[1], new_device());
    populate(1);
    atomic_fetch_add(&churns, 1);
    pthread_mutex_unlock(&churn_lock);
}

static PFN_vkVoidFunction dev0_proc(const char *name)
{
    return dev0_info.get_device_proc_addr(dev0_info.device, name);
}

/* Holds device 0's queue back on a new gate; another call opens a random gate later. */
static void gate_op(struct rng *r)
{
    unsigned int i;

    pthread_mutex_lock(&gates.lock);
    if (gates.count < MAX_GATES && rnd(r) % 2 && !atomic_load(&stop))
    {
        VkSemaphoreTypeCreateInfo type = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO,
                                           .semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE };
        VkSemaphoreCreateInfo info = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO, .pNext = &type };
        VkSemaphoreSubmitInfo wait = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .value = 1,
                                       .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
        VkSubmitInfo2 submit = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2, .waitSemaphoreInfoCount = 1,
                                 .pWaitSemaphoreInfos = &wait };
        VkSemaphore sem;

        if (((PFN_vkCreateSemaphore)dev0_proc("vkCreateSemaphore"))(dev0_info.device, &info, NULL, &sem) == VK_SUCCESS)
        {
            wait.semaphore = sem;
            gates.sems[gates.count] = sem;
            gates.open[gates.count++] = false;
            expect("d3dkmt_host_submit (gate)", d3dkmt_host_submit(atomic_load(&devs[0]), &submit, NULL), STATUS_SUCCESS);
        }
    }
    else
    {
        /* Open the oldest closed gate (they complete in order on the queue anyway). */
        for (i = 0; i < gates.count; i++)
        {
            VkSemaphoreSignalInfo sig = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO, .semaphore = gates.sems[i], .value = 1 };
            if (gates.open[i]) continue;
            ((PFN_vkSignalSemaphore)dev0_proc("vkSignalSemaphore"))(dev0_info.device, &sig);
            gates.open[i] = true;
            break;
        }
    }
    pthread_mutex_unlock(&gates.lock);
}

static void open_all_gates(void)
{
    unsigned int i;
    pthread_mutex_lock(&gates.lock);
    for (i = 0; i < gates.count; i++)
    {
        VkSemaphoreSignalInfo sig = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO, .semaphore = gates.sems[i], .value = 1 };
        if (gates.open[i]) continue;
        ((PFN_vkSignalSemaphore)dev0_proc("vkSignalSemaphore"))(dev0_info.device, &sig);
        gates.open[i] = true;
    }
    pthread_mutex_unlock(&gates.lock);
}

/* Picks 1..4 allocation handles of device d, sometimes one of the other device. */
static UINT pick(struct rng *r, unsigned int d, D3DKMT_HANDLE *list, bool *foreign)
{
    UINT n = 1 + rnd(r) % 4, i;
    *foreign = false;
    for (i = 0; i < n; i++) list[i] = atomic_load(&slots[d][rnd(r) % SLOTS]);
    if (rnd(r) % 50 == 0)
    {
        list[rnd(r) % n] = atomic_load(&slots[!d][rnd(r) % SLOTS]);
        *foreign = true;
    }
    return n;
}

static void one_op(struct rng *r)
{
    unsigned int d = rnd(r) % 2, op = rnd(r) % 100;
    D3DKMT_HANDLE device = atomic_load(&devs[d]), list[4];
    bool foreign;
    UINT n = pick(r, d, list, &foreign), i;
    NTSTATUS status;

    if (op < 18)
    {
        D3DKMT_OFFERALLOCATIONS o = { .hDevice = device, .HandleList = list, .NumAllocations = n,
                                      .Priority = 1 + rnd(r) % 4 };
        o.Flags.AllowDecommit = rnd(r) % 8 == 0;
        o.Flags.OfferImmediately = rnd(r) % 4 == 0;
        status = D3DKMTOfferAllocations(&o);
        if (foreign && status != STATUS_INVALID_PARAMETER) bad_status("Offer with a foreign handle", status);
        expect("OfferAllocations", status, STATUS_SUCCESS);
    }
    else if (op < 30)
    {
        BOOL discarded[4];
        D3DKMT_RECLAIMALLOCATIONS rc = { .hDevice = device, .HandleList = list, .NumAllocations = n, .pDiscarded = discarded };
        status = D3DKMTReclaimAllocations(&rc);
        if (foreign && status != STATUS_INVALID_PARAMETER) bad_status("Reclaim with a foreign handle", status);
        expect("ReclaimAllocations", status, STATUS_SUCCESS);
    }
    else if (op < 38)
    {
        D3DDDI_RECLAIM_RESULT results[4];
        D3DKMT_RECLAIMALLOCATIONS2 rc = { .hPagingQueue = atomic_load(&pqs[d]), .HandleList = list, .NumAllocations = n,
                                          .pResults = results };
        status = D3DKMTReclaimAllocations2(&rc);
        expect("ReclaimAllocations2", status, STATUS_PENDING);
    }
    else if (op < 44)
    {
        D3DKMT_EVICT e = { .hDevice = device, .AllocationList = list, .NumAllocations = n };
        expect("Evict", D3DKMTEvict(&e), STATUS_SUCCESS);
    }
    else if (op < 50)
    {
        D3DDDI_MAKERESIDENT m = { .hPagingQueue = atomic_load(&pqs[d]), .AllocationList = list, .NumAllocations = n };
        m.Flags.MustSucceed = 1;
        expect("MakeResident", D3DKMTMakeResident(&m), STATUS_SUCCESS);
    }
    else if (op < 56)
    {
        /* Destroy and recreate a slot; two threads may destroy the same handle: one wins. */
        unsigned int s = rnd(r) % SLOTS;
        D3DKMT_HANDLE h = atomic_load(&slots[d][s]), fresh;
        D3DKMT_DESTROYALLOCATION2 da = { .hDevice = device, .phAllocationList = &h, .AllocationCount = 1 };
        da.Flags.AssumeNotInUse = rnd(r) % 4 == 0;
        da.Flags.SynchronousDestroy = rnd(r) % 8 == 0 && d == 1;   /* device 0 may wait on a closed gate */
        expect("DestroyAllocation2", D3DKMTDestroyAllocation2(&da), STATUS_SUCCESS);
        fresh = create_one(device, s % 2 ? D3DKMT_VK_PLACEMENT_HOST_VISIBLE : D3DKMT_VK_PLACEMENT_DEVICE_LOCAL);
        if (!atomic_compare_exchange_strong(&slots[d][s], &h, fresh) && fresh)
        {
            D3DKMT_DESTROYALLOCATION2 undo = { .hDevice = device, .phAllocationList = &fresh, .AllocationCount = 1 };
            expect("DestroyAllocation2 (undo)", D3DKMTDestroyAllocation2(&undo), STATUS_SUCCESS);
        }
    }
    else if (op < 62)
    {
        UINT prio[4];
        for (i = 0; i < n; i++) prio[i] = 0x28000000 + rnd(r) % 0x10000000;
        if (rnd(r) % 2)
        {
            D3DKMT_SETALLOCATIONPRIORITY sp = { .hDevice = device, .phAllocationList = list, .AllocationCount = n, .pPriorities = prio };
            expect("SetAllocationPriority", D3DKMTSetAllocationPriority(&sp), STATUS_SUCCESS);
        }
        else
        {
            D3DKMT_GETALLOCATIONPRIORITY gp = { .hDevice = device, .phAllocationList = list, .AllocationCount = n, .pPriorities = prio };
            expect("GetAllocationPriority", D3DKMTGetAllocationPriority(&gp), STATUS_SUCCESS);
        }
    }
    else if (op < 70)
    {
        D3DKMT_LOCK2 l = { .hDevice = device, .hAllocation = list[0] };
        status = D3DKMTLock2(&l);
        if (status == STATUS_SUCCESS)
        {
            D3DKMT_UNLOCK2 u = { .hDevice = device, .hAllocation = list[0] };
            /* (No access through pData: another thread may destroy the allocation meanwhile, and
             * the mapping with it.)  Unlock may find the allocation destroyed by another thread meanwhile. */
            expect("Unlock2", D3DKMTUnlock2(&u), STATUS_SUCCESS);
        }
        else if (status != STATUS_NOT_SUPPORTED) expect("Lock2", status, STATUS_SUCCESS);
    }
    else if (op < 76)
    {
        struct d3dkmt_host_allocation_info info;
        expect("d3dkmt_host_get_allocation_info", d3dkmt_host_get_allocation_info(device, list[0], &info), STATUS_SUCCESS);
    }
    else if (op < 80)
    {
        D3DKMT_VK_STATISTICS s;
        status = d3dkmt_host_query_statistics(device, &s);
        expect("d3dkmt_host_query_statistics", status, STATUS_SUCCESS);
        if (!status && s.DeferredPending) atomic_fetch_add(&deferred_seen, 1);
    }
    else if (op < 86)
    {
        /* Fence values only grow: concurrent signallers race for the next one. */
        D3DKMT_HANDLE sync = atomic_load(&syncs[d]);
        UINT64 value = atomic_fetch_add(&fence_value[d], 1) + 1;
        if (rnd(r) % 2)
        {
            D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU s = { .hDevice = device, .ObjectCount = 1, .ObjectHandleArray = &sync,
                                                            .FenceValueArray = &value };
            expect("SignalFromCpu", D3DKMTSignalSynchronizationObjectFromCpu(&s), STATUS_SUCCESS);
        }
        else
        {
            D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU s = { .hContext = device, .ObjectCount = 1, .ObjectHandleArray = &sync,
                                                            .MonitoredFenceValueArray = &value };
            expect("SignalFromGpu", D3DKMTSignalSynchronizationObjectFromGpu(&s), STATUS_SUCCESS);
        }
        raise_issued(d, value);
    }
    else if (op < 90)
    {
        D3DKMT_HANDLE sync = atomic_load(&syncs[d]);
        UINT64 value = 0;
        D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU w = { .hDevice = device, .ObjectCount = 1, .ObjectHandleArray = &sync,
                                                         .FenceValueArray = &value };
        switch (rnd(r) % 3)
        {
        case 0:
            /* A wait for a value already reached never blocks. */
            expect("WaitFromCpu", D3DKMTWaitForSynchronizationObjectFromCpu(&w), STATUS_SUCCESS);
            break;
        case 1:
            /* Racing the signallers: up to two values above the last signalled, a short wait. */
            value = atomic_load(&fence_issued[d]) + rnd(r) % 3;
            status = d3dkmt_host_wait_from_cpu(&w, rnd(r) % 2 ? 100000 : 0);
            if (status != STATUS_TIMEOUT) expect("d3dkmt_host_wait_from_cpu", status, STATUS_SUCCESS);
            break;
        default:
        {
            /* A GPU wait for a value signalled already (device 0 only: device 1's fence is
             * recreated, and a wait for a value its new fence never gets would hang the queue). */
            D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU g = { .hContext = atomic_load(&devs[0]), .ObjectCount = 1,
                                                             .ObjectHandleArray = &sync, .MonitoredFenceValueArray = &value };
            sync = atomic_load(&syncs[0]);
            value = atomic_load(&fence_issued[0]);
            expect("WaitFromGpu", D3DKMTWaitForSynchronizationObjectFromGpu(&g), STATUS_SUCCESS);
            break;
        }
        }
    }
    else if (op < 92)
    {
        /* A semaphore's unit taken (by the GPU or the CPU) and given back; CPU notifications
         * signalled and their queue drained. */
        D3DKMT_HANDLE sem = atomic_load(&sems[d]), note = atomic_load(&notifications[d]);
        struct d3dkmt_host_cpu_event event;
        UINT64 zero = 0;
        D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU g = { .hContext = device, .ObjectCount = 1, .ObjectHandleArray = &sem };
        D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU sg = { .hContext = device, .ObjectCount = 1, .ObjectHandleArray = &sem };
        D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU cw = { .hDevice = device, .ObjectCount = 1, .ObjectHandleArray = &sem,
                                                          .FenceValueArray = &zero };
        D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU cs = { .hDevice = device, .ObjectCount = 1, .ObjectHandleArray = &sem,
                                                         .FenceValueArray = &zero };
        if (rnd(r) % 2)
        {
            if (!(status = D3DKMTWaitForSynchronizationObjectFromGpu(&g)))
                expect("SignalFromGpu (semaphore)", D3DKMTSignalSynchronizationObjectFromGpu(&sg), STATUS_SUCCESS);
            else expect("WaitFromGpu (semaphore)", status, STATUS_SUCCESS);
        }
        else
        {
            if (!(status = d3dkmt_host_wait_from_cpu(&cw, 0)))
                expect("SignalFromCpu (semaphore)", D3DKMTSignalSynchronizationObjectFromCpu(&cs), STATUS_SUCCESS);
            else if (status != STATUS_TIMEOUT) expect("d3dkmt_host_wait_from_cpu (semaphore)", status, STATUS_SUCCESS);
        }
        sg.ObjectHandleArray = cs.ObjectHandleArray = &note;
        if (rnd(r) % 2) expect("SignalFromGpu (CPU notification)", D3DKMTSignalSynchronizationObjectFromGpu(&sg), STATUS_SUCCESS);
        else expect("SignalFromCpu (CPU notification)", D3DKMTSignalSynchronizationObjectFromCpu(&cs), STATUS_SUCCESS);
        while (!d3dkmt_host_next_cpu_event(0, &event))
            if (event.event != 0x1000 && event.event != 0x1001) bad_status("d3dkmt_host_next_cpu_event: unknown event", (NTSTATUS)event.event);
    }
    else if (op < 94)
    {
        VkSubmitInfo2 s = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2 };
        expect("d3dkmt_host_submit", d3dkmt_host_submit(device, &s, NULL), STATUS_SUCCESS);
    }
    else if (op < 96)
    {
        /* The resource forms, racing with DestroyDevice's sweep of device 1. */
        D3DKMT_HANDLE res = atomic_load(&resources[d]);
        BOOL discarded[2];
        D3DKMT_OFFERALLOCATIONS o = { .hDevice = device, .pResources = &res, .NumAllocations = 1,
                                      .Priority = D3DKMT_OFFER_PRIORITY_AUTO };
        D3DKMT_RECLAIMALLOCATIONS rc = { .hDevice = device, .pResources = &res, .NumAllocations = 1, .pDiscarded = discarded };
        UINT prio = 0;
        D3DKMT_GETALLOCATIONPRIORITY gp = { .hDevice = device, .hResource = res, .pPriorities = &prio };
        expect("OfferAllocations (resource)", D3DKMTOfferAllocations(&o), STATUS_SUCCESS);
        expect("ReclaimAllocations (resource)", D3DKMTReclaimAllocations(&rc), STATUS_SUCCESS);
        expect("GetAllocationPriority (resource)", D3DKMTGetAllocationPriority(&gp), STATUS_SUCCESS);
    }
    else if (op < 98) gate_op(r);
    else if (rnd(r) % 20 == 0) churn_device();
    else expect("d3dkmt_host_flush_deferred", d3dkmt_host_flush_deferred(device, 0), STATUS_TIMEOUT);
    atomic_fetch_add(&ops, 1);
}

static void *worker(void *arg)
{
    struct rng r = { .s = 0x9e3779b97f4a7c15ull * ((uintptr_t)arg + 1) };
    while (!atomic_load(&stop)) one_op(&r);
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t threads[MAX_THREADS];
    D3DKMT_ADAPTERINFO infos[8];
    D3DKMT_ENUMADAPTERS2 enum2 = { .NumAdapters = 8, .pAdapters = infos };
    struct timespec start, now;
    const char *env = getenv("STRESS_SECONDS");
    unsigned int i;
    int rc = 0;

    if (env) seconds = atof(env);
    for (i = 1; i < (unsigned int)argc; i++)
    {
        if (!strcmp(argv[i], "--real")) use_mock = false;
        else if (!strcmp(argv[i], "--seconds") && i + 1 < (unsigned int)argc) seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < (unsigned int)argc) thread_count = atoi(argv[++i]);
        else { fprintf(stderr, "usage: %s [--seconds N] [--threads N] [--real]\n", argv[0]); return 2; }
    }
    if (thread_count < 2) thread_count = 2;
    if (thread_count > MAX_THREADS) thread_count = MAX_THREADS;
    if (use_mock)
    {
        struct mock_vk_config config;
        mock_vk_default_config(&config);
        config.hang_ms = 60000;
        mock_vk_install(&config);
    }
    if (D3DKMTEnumAdapters2(&enum2) || !enum2.NumAdapters)
    {
        fprintf(stderr, "stress: no adapter\n");
        return use_mock ? 1 : 77;
    }
    adapter = infos[0].hAdapter;
    for (i = 1; i < enum2.NumAdapters; i++)
    {
        D3DKMT_CLOSEADAPTER close = { .hAdapter = infos[i].hAdapter };
        D3DKMTCloseAdapter(&close);
    }
    atomic_store(&devs[0], new_device());
    atomic_store(&devs[1], new_device());
    if (d3dkmt_host_get_device_info(atomic_load(&devs[0]), &dev0_info)) return 1;
    populate(0);
    populate(1);

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (i = 0; i < thread_count; i++) pthread_create(&threads[i], NULL, worker, (void *)(uintptr_t)i);
    do
    {
        struct timespec tick = { 0, 50000000 };
        nanosleep(&tick, NULL);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 < seconds && !atomic_load(&failures));
    atomic_store(&stop, true);
    open_all_gates();   /* a worker may wait for gated work (a bind behind it); no new gate after stop */
    for (i = 0; i < thread_count; i++) pthread_join(threads[i], NULL);

    /* Let everything finish, then destroy everything. */
    open_all_gates();
    for (i = 0; i < 2; i++)
        if (d3dkmt_host_flush_deferred(atomic_load(&devs[i]), 30000000000ull)) bad_status("final flush", STATUS_TIMEOUT);
    if (!d3dkmt_host_lock_queue(atomic_load(&devs[0])))
    {
        ((PFN_vkQueueWaitIdle)dev0_proc("vkQueueWaitIdle"))(dev0_info.queue);
        d3dkmt_host_unlock_queue(atomic_load(&devs[0]));
    }
    for (i = 0; i < gates.count; i++)
        ((PFN_vkDestroySemaphore)dev0_proc("vkDestroySemaphore"))(dev0_info.device, gates.sems[i], NULL);
    for (i = 0; i < 2; i++)
    {
        D3DKMT_DESTROYDEVICE destroy = { .hDevice = atomic_load(&devs[i]) };
        if (D3DKMTDestroyDevice(&destroy)) bad_status("final DestroyDevice", STATUS_INVALID_PARAMETER);
    }
    {
        D3DKMT_CLOSEADAPTER close = { .hAdapter = adapter };
        D3DKMTCloseAdapter(&close);
    }
    if (d3dkmt_handle_count()) { fprintf(stderr, "stress: %u handles left\n", d3dkmt_handle_count()); rc = 1; }
    d3dkmt_host_shutdown();
    if (use_mock)
    {
        struct mock_vk_counts c;
        mock_vk_get_counts(&c);
        if (c.devices || c.memories || c.buffers || c.semaphores || c.instances || c.batches)
        {
            fprintf(stderr, "stress: Vulkan objects left: devices %d memories %d buffers %d semaphores %d\n",
                    c.devices, c.memories, c.buffers, c.semaphores);
            rc = 1;
        }
        if (mock_vk_errors()) { fprintf(stderr, "stress: %u Vulkan misuse reports\n", mock_vk_errors()); rc = 1; }
    }
    if (d3dkmt_host_validation_messages()) rc = 1;
    if (atomic_load(&failures)) rc = 1;
    printf("stress: %s, %u threads, %.1f s: %llu operations, %llu device rebuilds, %llu times deferred work seen, "
           "%llu failures\n", use_mock ? "mock Vulkan" : "system Vulkan", thread_count, seconds,
           (unsigned long long)atomic_load(&ops), (unsigned long long)atomic_load(&churns),
           (unsigned long long)atomic_load(&deferred_seen), (unsigned long long)atomic_load(&failures));
    printf("%s\n", rc ? "FAIL" : "PASS");
    return rc;
}
