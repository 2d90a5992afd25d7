/*
 * The statistics region (include/d3dkmt_stats.h, docs/statistics.md) on the real default device,
 * budget cap 32M, validation layer on: after each step of a scripted sequence (offers at every
 * offer priority and AUTO, AllowDecommit, deferred offers behind busy GPU work, discards under
 * pressure, reclaims with every result, re-offers, MakeResident / Evict, fence waits, destroys
 * while offered, a destroyed device) the region holds what the statistics escape says, its byte
 * gauges against the escape's walk; the region is read as another process reads it (from
 * /dev/shm, tools/top/stats_read.c) and through the library's own mapping.  Then the reader on
 * regions that are not right (truncated, not a region, another version, corrupt sizes, being
 * made, stale: a dead process, a reused pid; held by a process in another pid namespace), a
 * forked child (never writes into its parent's region), D3DKMT_STATS=0 and the name's removal at
 * shutdown.
 */
#include "common.h"
#include "d3dkmt_private.h"
#include "fence.h"
#include "vidmm.h"
#include "top/stats_read.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MB (1024ull * 1024ull)
#define SZ (2 * MB)

static struct test_device dev;

static int setup(void **state)
{
    test_open_device(&dev);
    return 0;
}

static int teardown(void **state)
{
    test_close_device(&dev);
    d3dkmt_host_shutdown();
    return 0;
}

/* The region of this process as another process reads it, and as the library's mapping holds it:
 * both must agree on everything the library does not change between the two reads. */
static void read_region(struct stats_entry *e)
{
    static struct d3dkmt_stats_region own;
    char name[64];

    d3dkmt_stats_name(name, sizeof(name));
    assert_true(name[0] == '/');
    assert_true(stats_read(STATS_DIR, name + 1, false, e));
    assert_int_equal(e->status, STATS_OK);
    assert_false(e->other_namespace);
    assert_int_equal(stats_copy(d3dkmt_stats_region(), sizeof(own), &own, NULL, NULL), STATS_OK);
    assert_memory_equal(&own.adapters[0], &e->region.adapters[0], offsetof(struct d3dkmt_stats_adapter, budget_time));
}

static const struct d3dkmt_stats_device *device_slot(const struct stats_entry *e, D3DKMT_HANDLE device)
{
    uint32_t i;

    for (i = 0; i < D3DKMT_STATS_DEVICES; i++)
        if (e->region.devices[i].state == D3DKMT_STATS_DEVICE_LIVE && e->region.devices[i].handle == device)
            return &e->region.devices[i];
    fail_msg("no live slot for device %#x", device);
    return NULL;
}

static uint64_t sum_gauges(const d3dkmt_stats_u64 *v, unsigned int first)
{
    return v[first] + v[first + 1] + v[first + 2];
}

/* Everything the statistics escape reports equals the region's; the counters the escape does not
 * have are checked by the callers. */
static void check_region(const char *step)
{
    D3DKMT_VK_STATISTICS s;
    const struct d3dkmt_stats_device *d;
    struct stats_entry *e = malloc(sizeof(*e));
    uint64_t offered, released, resident;

    assert_non_null(e);
    /* Nothing may be in flight between the two reads. */
    assert_int_equal(d3dkmt_host_flush_deferred(dev.device, 10000000000ull), STATUS_SUCCESS);
    s = test_stats(dev.device);
    read_region(e);
    d = device_slot(e, dev.device);
    offered = sum_gauges(d->gauge_bytes, D3DKMT_STATS_OFFERED);
    released = sum_gauges(d->gauge_bytes, D3DKMT_STATS_DISCARDED) + sum_gauges(d->gauge_bytes, D3DKMT_STATS_DECOMMITTED);
    resident = d->gauge_bytes[D3DKMT_STATS_ALL] - offered - released;
    print_message("%s: resident %llu offered %llu released %llu (escape %llu %llu %llu)\n", step,
                  (unsigned long long)resident, (unsigned long long)offered, (unsigned long long)released,
                  (unsigned long long)s.BytesResident, (unsigned long long)s.BytesOffered,
                  (unsigned long long)s.BytesReleased);
    assert_int_equal(resident, s.BytesResident);
    assert_int_equal(offered, s.BytesOffered);
    assert_int_equal(released, s.BytesReleased);
    assert_int_equal(d->allocations, s.AllocationsLive);
    assert_int_equal(d->gauge_count[D3DKMT_STATS_ALL], s.AllocationsLive);
    assert_int_equal(d->offers[0] + d->offers[1] + d->offers[2], s.Offers);
    assert_int_equal(d->discards[0] + d->discards[1] + d->discards[2], s.Releases);
    assert_int_equal(d->reclaims[0], s.ReclaimsOk);
    assert_int_equal(d->reclaims[1], s.ReclaimsDiscarded);
    assert_int_equal(d->reclaims[2], s.ReclaimsNotCommitted);
    assert_int_equal(d->bytes_freed, s.BytesFreed);
    assert_int_equal(d->deferred_pending, s.DeferredPending);
    assert_int_equal(d->residency_mode, s.ResidencyMode);
    assert_int_equal(d->sparse_binding, s.SparseBinding);
    assert_int_equal(e->region.adapters[d->adapter].usage[D3DKMT_STATS_LOCAL], s.Usage);
    assert_int_equal(e->region.adapters[d->adapter].budget[D3DKMT_STATS_LOCAL], s.Budget);
    free(e);
}

/* The count of allocations in the three gauges from gauge_first on. */
static void check_counts(unsigned int gauge_first, UINT expected)
{
    struct stats_entry *e = malloc(sizeof(*e));

    assert_non_null(e);
    read_region(e);
    assert_int_equal(sum_gauges(device_slot(e, dev.device)->gauge_count, gauge_first), expected);
    free(e);
}

static NTSTATUS offer(const D3DKMT_HANDLE *h, UINT n, D3DKMT_OFFER_PRIORITY prio, UINT flags)
{
    D3DKMT_OFFERALLOCATIONS o = { .hDevice = dev.device, .HandleList = h, .NumAllocations = n, .Priority = prio };
    o.Flags.Value = flags;
    return D3DKMTOfferAllocations(&o);
}

static NTSTATUS reclaim2(D3DKMT_HANDLE queue, const D3DKMT_HANDLE *h, UINT n, D3DDDI_RECLAIM_RESULT *results)
{
    D3DKMT_RECLAIMALLOCATIONS2 r = { .hPagingQueue = queue, .HandleList = h, .NumAllocations = n, .pResults = results };
    NTSTATUS status = D3DKMTReclaimAllocations2(&r);
    return status == STATUS_PENDING ? STATUS_SUCCESS : status;
}

static void test_region_of_the_process(void **state)
{
    struct stats_entry *e = malloc(sizeof(*e));
    const struct d3dkmt_stats_device *d;
    char name[64], path[128], expected[64];
    uint64_t start;
    struct stat st;

    assert_non_null(e);
    d3dkmt_stats_name(name, sizeof(name));
    snprintf(expected, sizeof(expected), D3DKMT_STATS_NAME_FORMAT, (unsigned)getuid(), (unsigned)getpid());
    assert_string_equal(name, expected);
    snprintf(path, sizeof(path), "%s%s", STATS_DIR, name);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);     /* its owner only */
    assert_int_equal(st.st_uid, getuid());
    assert_int_equal(st.st_size, sizeof(struct d3dkmt_stats_region));
    read_region(e);
    assert_int_equal(e->region.pid, getpid());
    assert_true(stats_process_start_time(getpid(), &start));
    assert_int_equal(e->region.start_time, start);
    assert_int_equal(e->region.state, D3DKMT_STATS_LIVE);
    assert_non_null(strstr(e->region.program, "test_stats"));
    assert_true(e->region.adapter_count >= 1);
    assert_int_equal(e->region.adapters[0].present, 1);
    assert_true(e->region.adapters[0].name[0]);
    d = device_slot(e, dev.device);
    assert_int_equal(d->residency_mode, dev.info.residency_mode);
    assert_int_equal(d->sparse_binding, dev.info.sparse_binding);
    assert_int_equal(d->vk_ready, 1);
    assert_int_equal(d->generation % 2, 0);
    free(e);
}

/* The scripted sequence. */
static void test_region_equals_escape(void **state)
{
    D3DKMT_HANDLE hot[4], low[4], normal[3], high[3], autop[2], extra[12], gate;
    D3DDDI_RECLAIM_RESULT results[4];
    D3DKMT_CREATEPAGINGQUEUE pq = { .hDevice = dev.device };
    D3DDDI_DESTROYPAGINGQUEUE dpq = { 0 };
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 sync = { .hDevice = dev.device };
    D3DKMT_DESTROYSYNCHRONIZATIONOBJECT dsync = { 0 };
    struct stats_entry *e = malloc(sizeof(*e));
    const struct d3dkmt_stats_device *d;
    struct test_busy busy;
    UINT i;

    assert_non_null(e);
    check_region("start");
    assert_int_equal(D3DKMTCreatePagingQueue(&pq), STATUS_SUCCESS);
    /* A handle listed twice in one offer is offered once, counted twice (as the escape counts). */
    {
        D3DKMT_HANDLE one, twice[2];
        assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &one, NULL), STATUS_SUCCESS);
        twice[0] = twice[1] = one;
        assert_int_equal(offer(twice, 2, D3DKMT_OFFER_PRIORITY_NORMAL, 0), STATUS_SUCCESS);
        check_region("offered twice in one call");
        check_counts(D3DKMT_STATS_OFFERED, 1);
        assert_int_equal(reclaim2(pq.hPagingQueue, twice, 2, results), STATUS_SUCCESS);
        check_region("reclaimed twice in one call");
        assert_int_equal(test_destroy(dev.device, &one, 1, 0), STATUS_SUCCESS);
    }
    assert_int_equal(test_create(dev.device, 4, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, D3DDDI_ALLOCATIONPRIORITY_HIGH,
                                 hot, NULL), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 4, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, low, NULL), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 3, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, normal, NULL), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 3, SZ, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, high, NULL), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 2, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, D3DDDI_ALLOCATIONPRIORITY_HIGH,
                                 autop, NULL), STATUS_SUCCESS);
    check_region("created");

    /* Offers at each priority, two with AllowDecommit, AUTO (HIGH for these), one repeated. */
    assert_int_equal(offer(low, 2, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_int_equal(offer(low + 2, 2, D3DKMT_OFFER_PRIORITY_LOW, 2 /* AllowDecommit */), STATUS_SUCCESS);
    assert_int_equal(offer(normal, 3, D3DKMT_OFFER_PRIORITY_NORMAL, 0), STATUS_SUCCESS);
    assert_int_equal(offer(autop, 2, D3DKMT_OFFER_PRIORITY_AUTO, 0), STATUS_SUCCESS);
    assert_int_equal(offer(normal, 1, D3DKMT_OFFER_PRIORITY_HIGH, 0), STATUS_SUCCESS);   /* re-offer, other priority */
    check_region("offered");
    check_counts(D3DKMT_STATS_OFFERED, 4 + 3 + 2);
    read_region(e);
    d = device_slot(e, dev.device);
    assert_int_equal(d->offers[0], 4);
    assert_int_equal(d->offers[1], 3 + 2);
    assert_int_equal(d->offers[2], 3);
    assert_int_equal(d->gauge_count[D3DKMT_STATS_OFFERED + 2], 3);   /* the AUTO ones and normal[0] */

    /* Behind busy GPU work an offer is deferred: the region counts the pending operation. */
    test_busy_begin(&dev, &busy);
    assert_int_equal(offer(high, 3, D3DKMT_OFFER_PRIORITY_HIGH, 0), STATUS_SUCCESS);
    {
        D3DKMT_VK_STATISTICS s = test_stats(dev.device);
        read_region(e);
        d = device_slot(e, dev.device);
        assert_true(s.DeferredPending >= 1);
        assert_int_equal(d->deferred_pending, s.DeferredPending);
        assert_true(d->deferred_oldest > 0 && d->deferred_oldest <= stats_now());
    }
    test_busy_end(&dev, &busy);
    test_busy_finish(&dev, &busy);
    check_region("deferred offer done");
    read_region(e);
    d = device_slot(e, dev.device);
    assert_int_equal(d->deferred_oldest, 0);

    /* Pressure: the budget manager discards LOW first (the AllowDecommit ones are decommitted). */
    if (dev.info.sparse_binding)
    {
        assert_int_equal(test_create(dev.device, 12, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, extra, NULL), STATUS_SUCCESS);
        check_region("pressure");
        read_region(e);
        d = device_slot(e, dev.device);
        assert_true(d->discards[0] >= 4);
        assert_int_equal(d->decommits[0], 2);
        assert_int_equal(d->gauge_count[D3DKMT_STATS_DECOMMITTED], 2);
        assert_int_equal(d->gauge_count[D3DKMT_STATS_DISCARDED], 2);
        assert_int_equal(d->discarded_bytes[0], d->discards[0] * SZ);
        assert_int_equal(test_destroy(dev.device, extra, 12, 2), STATUS_SUCCESS);
        check_region("room again");
        /* A discarded one offered again keeps its gauge at its new priority. */
        assert_int_equal(offer(low, 1, D3DKMT_OFFER_PRIORITY_NORMAL, 0), STATUS_SUCCESS);
        check_region("discarded re-offered");
    }

    /* Reclaims with every result. */
    assert_int_equal(reclaim2(pq.hPagingQueue, low, 4, results), STATUS_SUCCESS);
    check_region("reclaimed low");
    assert_int_equal(reclaim2(pq.hPagingQueue, normal, 3, results), STATUS_SUCCESS);
    assert_int_equal(reclaim2(pq.hPagingQueue, high, 3, results), STATUS_SUCCESS);
    check_region("reclaimed all but autop");
    read_region(e);
    d = device_slot(e, dev.device);
    if (dev.info.sparse_binding)
    {
        assert_int_equal(d->reclaims[D3DDDI_RECLAIM_RESULT_NOT_COMMITTED], 2);
        assert_true(d->reclaims[D3DDDI_RECLAIM_RESULT_DISCARDED] >= 2);
    }
    /* The decommitted ones stay in their gauge until destroyed. */
    assert_int_equal(sum_gauges(d->gauge_count, D3DKMT_STATS_DECOMMITTED), dev.info.sparse_binding ? 2 : 0);

    /* MakeResident / Evict and fence waits. */
    {
        D3DDDI_MAKERESIDENT mr = { .hPagingQueue = pq.hPagingQueue, .NumAllocations = 2, .AllocationList = hot };
        D3DKMT_EVICT ev = { .hDevice = dev.device, .NumAllocations = 2, .AllocationList = hot };
        D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU wc = { .hDevice = dev.device, .ObjectCount = 1 };
        D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU wg = { .hContext = dev.device, .ObjectCount = 1 };
        D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU sc = { .hDevice = dev.device, .ObjectCount = 1 };
        UINT64 value = 5;

        assert_int_equal(D3DKMTMakeResident(&mr), STATUS_SUCCESS);
        assert_int_equal(D3DKMTEvict(&ev), STATUS_SUCCESS);
        assert_int_equal(D3DKMTEvict(&ev), STATUS_SUCCESS);
        sync.Info.Type = D3DDDI_MONITORED_FENCE;
        assert_int_equal(D3DKMTCreateSynchronizationObject2(&sync), STATUS_SUCCESS);
        gate = sync.hSyncObject;
        sc.ObjectHandleArray = wc.ObjectHandleArray = wg.ObjectHandleArray = &gate;
        sc.FenceValueArray = wc.FenceValueArray = &value;
        wg.MonitoredFenceValueArray = &value;
        assert_int_equal(D3DKMTWaitForSynchronizationObjectFromGpu(&wg), STATUS_SUCCESS);
        assert_int_equal(D3DKMTSignalSynchronizationObjectFromCpu(&sc), STATUS_SUCCESS);
        assert_int_equal(D3DKMTWaitForSynchronizationObjectFromCpu(&wc), STATUS_SUCCESS);
        assert_int_equal(D3DKMTWaitForSynchronizationObjectFromCpu(&wc), STATUS_SUCCESS);
        read_region(e);
        d = device_slot(e, dev.device);
        assert_int_equal(d->make_resident_calls, 1);
        assert_int_equal(d->make_resident_allocations, 2);
        assert_int_equal(d->evict_calls, 2);
        assert_int_equal(d->evict_allocations, 4);
        assert_int_equal(d->fence_waits_cpu, 2);
        assert_int_equal(d->fence_waits_gpu, 1);
        dsync.hSyncObject = gate;
        assert_int_equal(D3DKMTDestroySynchronizationObject(&dsync), STATUS_SUCCESS);
        /* Back to resident for the destroys below. */
        mr.NumAllocations = 2;
        assert_int_equal(D3DKMTMakeResident(&mr), STATUS_SUCCESS);
    }

    /* A standard allocation over the application's memory (EXISTINGHEAP): in the gauges too. */
    {
        struct d3dkmt_device *device = d3dkmt_device_get(dev.device);
        bool host_import = device->host_import;

        d3dkmt_device_put(device);
        if (host_import)
        {
            D3DKMT_CREATESTANDARDALLOCATION standard = { .Type = D3DKMT_STANDARDALLOCATIONTYPE_EXISTINGHEAP };
            D3DDDI_ALLOCATIONINFO2 info = { 0 };
            D3DKMT_CREATEALLOCATION create = { .hDevice = dev.device, .NumAllocations = 1 };
            void *heap = aligned_alloc(65536, 65536);

            assert_non_null(heap);
            memset(heap, 0, 65536);
            info.pSystemMem = heap;
            standard.ExistingHeapData.Size = 65536;
            create.Flags.ExistingSysMem = create.Flags.StandardAllocation = 1;
            create.pStandardAllocation = &standard;
            create.pAllocationInfo2 = &info;
            assert_int_equal(D3DKMTCreateAllocation2(&create), STATUS_SUCCESS);
            check_region("standard allocation");
            assert_int_equal(offer(&info.hAllocation, 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
            check_region("standard allocation offered");
            assert_int_equal(reclaim2(pq.hPagingQueue, &info.hAllocation, 1, results), STATUS_SUCCESS);
            assert_int_equal(test_destroy(dev.device, &info.hAllocation, 1, 2 /* SynchronousDestroy */), STATUS_SUCCESS);
            check_region("standard allocation destroyed");
            free(heap);
        }
        else print_message("no host memory import: no standard allocation\n");
    }

    /* Destroys: offered ones (autop), not committed ones, the rest; then the region is empty. */
    assert_int_equal(test_destroy(dev.device, autop, 2, 0), STATUS_SUCCESS);
    check_region("offered ones destroyed");
    assert_int_equal(test_destroy(dev.device, low, 4, 0), STATUS_SUCCESS);
    assert_int_equal(test_destroy(dev.device, normal, 3, 0), STATUS_SUCCESS);
    assert_int_equal(test_destroy(dev.device, high, 3, 0), STATUS_SUCCESS);
    assert_int_equal(test_destroy(dev.device, hot, 4, 0), STATUS_SUCCESS);
    check_region("all destroyed");
    read_region(e);
    d = device_slot(e, dev.device);
    for (i = 0; i < D3DKMT_STATS_GAUGES; i++)
    {
        assert_int_equal(d->gauge_bytes[i], 0);
        assert_int_equal(d->gauge_count[i], 0);
    }
    assert_true(d->allocations_created >= 4 + 4 + 3 + 3 + 2 + 1 + (dev.info.sparse_binding ? 12 : 0));
    dpq.hPagingQueue = pq.hPagingQueue;
    assert_int_equal(D3DKMTDestroyPagingQueue(&dpq), STATUS_SUCCESS);
    free(e);
}

/* A destroyed device's slot keeps its last values; DestroyDevice's sweep of offered allocations
 * empties the gauges as DestroyAllocation2 does. */
static void test_destroyed_device_slot(void **state)
{
    D3DKMT_CREATEDEVICE create = { .hAdapter = dev.adapter };
    D3DKMT_DESTROYDEVICE destroy = { 0 };
    struct stats_entry *e = malloc(sizeof(*e));
    D3DKMT_OFFERALLOCATIONS o = { .Priority = D3DKMT_OFFER_PRIORITY_NORMAL, .NumAllocations = 3 };
    D3DKMT_HANDLE h[3];
    uint32_t i, found = 0;

    assert_non_null(e);
    assert_int_equal(D3DKMTCreateDevice(&create), STATUS_SUCCESS);
    assert_int_equal(test_create(create.hDevice, 3, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, h, NULL), STATUS_SUCCESS);
    o.hDevice = create.hDevice;
    o.HandleList = h;
    assert_int_equal(D3DKMTOfferAllocations(&o), STATUS_SUCCESS);
    destroy.hDevice = create.hDevice;
    assert_int_equal(D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);
    read_region(e);
    for (i = 0; i < D3DKMT_STATS_DEVICES; i++)
    {
        const struct d3dkmt_stats_device *d = &e->region.devices[i];
        if (d->state != D3DKMT_STATS_DEVICE_DESTROYED || d->handle != create.hDevice) continue;
        found++;
        assert_int_equal(d->offers[1], 3);
        assert_int_equal(d->allocations, 0);
        assert_int_equal(d->allocations_created, 3);
        assert_int_equal(d->gauge_count[D3DKMT_STATS_ALL], 0);
        assert_int_equal(d->gauge_bytes[D3DKMT_STATS_OFFERED + 1], 0);
        assert_int_equal(d->bytes_freed, 3 * SZ);
        assert_true(d->destroyed >= d->created && d->destroyed > 0);
    }
    assert_int_equal(found, 1);
    free(e);
}

/* ---- The reader on regions that are not right ---- */

/* A sleeping child: a live pid that is not this process. */
static pid_t sleeper(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (!pid)
    {
        pause();
        _exit(0);
    }
    return pid;
}

static pid_t dead_pid(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (!pid) _exit(0);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    return pid;
}

/* Writes a crafted region for `pid` in /dev/shm: a copy of this process's region with its pid,
 * changed by `edit`, cut to `size` bytes; returns an fd holding its lock when `hold`, else -1. */
static int craft(pid_t pid, void (*edit)(struct d3dkmt_stats_region *r), size_t size, bool hold, char *name,
                 size_t name_size)
{
    static struct d3dkmt_stats_region r;
    char path[160];
    int fd;

    assert_int_equal(stats_copy(d3dkmt_stats_region(), sizeof(r), &r, NULL, NULL), STATS_OK);
    r.pid = pid;
    if (edit) edit(&r);
    snprintf(name, name_size, D3DKMT_STATS_NAME_FORMAT, (unsigned)getuid(), (unsigned)pid);
    snprintf(path, sizeof(path), "%s%s", STATS_DIR, name);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, &r, size), (ssize_t)size);
    memmove(name, name + 1, strlen(name));   /* the name in the directory */
    if (hold)
    {
        assert_int_equal(flock(fd, LOCK_SH), 0);
        return fd;
    }
    close(fd);
    return -1;
}

static bool exists(const char *name)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/%s", STATS_DIR, name);
    return !access(path, F_OK);
}

static void remove_crafted(const char *name, int fd)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/%s", STATS_DIR, name);
    unlink(path);
    if (fd >= 0) close(fd);
}

static void edit_magic(struct d3dkmt_stats_region *r) { r->magic = 0x1234; }
static void edit_version(struct d3dkmt_stats_region *r) { r->version = 99; }
static void edit_slots(struct d3dkmt_stats_region *r) { r->device_slots = 1000; }
static void edit_making(struct d3dkmt_stats_region *r) { r->magic = 0; }
static void edit_start(struct d3dkmt_stats_region *r) { r->start_time += 12345; }
static void edit_adapters(struct d3dkmt_stats_region *r) { r->adapter_count = 1000; }

static void expect_read(const char *name, enum stats_status status, bool remove, bool kept, const char *words)
{
    struct stats_entry *e = malloc(sizeof(*e));
    char text[512];

    assert_non_null(e);
    assert_true(stats_read(STATS_DIR, name, remove, e));
    stats_problem(e, text, sizeof(text));
    print_message("%s: %s\n", name, text);
    assert_int_equal(e->status, status);
    assert_int_equal(exists(name), kept);
    if (words) assert_non_null(strstr(text, words));
    free(e);
}

static void test_reader_problems(void **state)
{
    pid_t live = sleeper();
    char name[96];
    int fd;

    /* Held by a live writer (this test holds the lock). */
    fd = craft(live, NULL, 100, true, name, sizeof(name));
    expect_read(name, STATS_TRUNCATED, true, true, "truncated");
    remove_crafted(name, fd);
    fd = craft(live, NULL, 12, true, name, sizeof(name));
    expect_read(name, STATS_TRUNCATED, true, true, "truncated");
    remove_crafted(name, fd);
    fd = craft(live, NULL, sizeof(struct d3dkmt_stats_region) - 8, true, name, sizeof(name));
    expect_read(name, STATS_TRUNCATED, true, true, "truncated");
    remove_crafted(name, fd);
    fd = craft(live, edit_magic, sizeof(struct d3dkmt_stats_region), true, name, sizeof(name));
    expect_read(name, STATS_NOT_REGION, true, true, "not a d3dkmt statistics region");
    remove_crafted(name, fd);
    fd = craft(live, edit_version, 64, true, name, sizeof(name));   /* another version's size too */
    expect_read(name, STATS_OTHER_VERSION, true, true, "version 99");
    remove_crafted(name, fd);
    fd = craft(live, edit_slots, sizeof(struct d3dkmt_stats_region), true, name, sizeof(name));
    expect_read(name, STATS_BAD_LAYOUT, true, true, "corrupt");
    remove_crafted(name, fd);
    fd = craft(live, edit_adapters, sizeof(struct d3dkmt_stats_region), true, name, sizeof(name));
    expect_read(name, STATS_BAD_LAYOUT, true, true, "corrupt");
    remove_crafted(name, fd);
    fd = craft(live, edit_making, sizeof(struct d3dkmt_stats_region), true, name, sizeof(name));
    expect_read(name, STATS_MAKING, true, true, "being made");
    remove_crafted(name, fd);
    /* Just created by shm_open, not locked yet, its process alive: being made, kept. */
    fd = craft(live, NULL, 0, false, name, sizeof(name));
    expect_read(name, STATS_MAKING, true, true, NULL);
    remove_crafted(name, fd);

    /* Held, but the pid is another process here (or none): another pid namespace, read, kept. */
    fd = craft(live, edit_start, sizeof(struct d3dkmt_stats_region), true, name, sizeof(name));
    {
        struct stats_entry *e = malloc(sizeof(*e));
        assert_true(stats_read(STATS_DIR, name, true, e));
        assert_int_equal(e->status, STATS_OK);
        assert_true(e->other_namespace);
        assert_true(exists(name));
        free(e);
    }
    remove_crafted(name, fd);

    /* Stale: nobody holds it.  A dead process's, and one whose pid a later process took. */
    fd = craft(dead_pid(), NULL, sizeof(struct d3dkmt_stats_region), false, name, sizeof(name));
    expect_read(name, STATS_STALE_KEPT, false, true, "gone");
    expect_read(name, STATS_STALE, true, false, "removed stale");
    fd = craft(live, edit_start, sizeof(struct d3dkmt_stats_region), false, name, sizeof(name));
    expect_read(name, STATS_STALE, true, false, "removed stale");
    /* Even a corrupt one goes when nobody holds it. */
    fd = craft(dead_pid(), edit_magic, 40, false, name, sizeof(name));
    expect_read(name, STATS_STALE, true, false, NULL);

    /* A scan finds this process's region among them and removes the stale one. */
    {
        struct stats_entry *list;
        size_t n, i, own = 0;
        char stale[96];

        fd = craft(dead_pid(), NULL, sizeof(struct d3dkmt_stats_region), false, stale, sizeof(stale));
        assert_int_equal(stats_scan(STATS_DIR, getuid(), true, &list, &n), 0);
        for (i = 0; i < n; i++)
        {
            if (list[i].pid == (unsigned)getpid()) own += list[i].status == STATS_OK;
            if (i) assert_true(list[i].pid >= list[i - 1].pid);
        }
        assert_int_equal(own, 1);
        assert_false(exists(stale));
        free(list);
    }
    /* Names that are not a region's are no entry. */
    {
        struct stats_entry *e = malloc(sizeof(*e));
        assert_false(stats_read(STATS_DIR, "d3dkmt-stats-1-x", true, e));
        assert_false(stats_read(STATS_DIR, "other", true, e));
        assert_false(stats_read(STATS_DIR, "d3dkmt-stats-1-0", true, e));
        free(e);
    }
    kill(live, SIGKILL);
    waitpid(live, NULL, 0);
}

/* A forked child writes into private memory: the parent's region and name are untouched.  The
 * child reports through a pipe (its exit status is valgrind's under valgrind). */
static void test_forked_child(void **state)
{
    const struct d3dkmt_stats_region *r = d3dkmt_stats_region();
    struct d3dkmt_stats_region *w = (struct d3dkmt_stats_region *)r;
    char name[64], answer = 'x';
    int status, fds[2];
    pid_t pid;

    d3dkmt_stats_name(name, sizeof(name));
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (!pid)
    {
        char child_name[64];
        d3dkmt_stats_name(child_name, sizeof(child_name));
        __atomic_store_n(&w->reserved[0], 0xdeadull, __ATOMIC_RELAXED);
        /* What the library does at exit too: the name is the parent's, not removed here. */
        d3dkmt_stats_shutdown();
        answer = child_name[0] ? 'n' : 'y';   /* 'y': the child has no name of its own */
        if (write(fds[1], &answer, 1) != 1) _exit(2);
        _exit(0);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &answer, 1), 1);
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(answer, 'y');
    assert_int_equal(__atomic_load_n(&r->reserved[0], __ATOMIC_RELAXED), 0);
    assert_true(exists(name + 1));
}

/* Shutdown removes the name; the next initialisation makes it again.  D3DKMT_STATS=0: none, and
 * everything else works. */
static void test_shutdown_and_off(void **state)
{
    D3DKMT_HANDLE h[2];
    char name[64];

    d3dkmt_stats_name(name, sizeof(name));
    test_close_device(&dev);
    d3dkmt_host_shutdown();
    assert_false(exists(name + 1));
    assert_null(d3dkmt_stats_region());

    setenv("D3DKMT_STATS", "0", 1);
    test_open_device(&dev);
    assert_null(d3dkmt_stats_region());
    assert_false(exists(name + 1));
    assert_int_equal(test_create(dev.device, 2, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, h, NULL), STATUS_SUCCESS);
    assert_int_equal(offer(h, 2, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_int_equal(test_stats(dev.device).Offers, 2);
    assert_int_equal(test_destroy(dev.device, h, 2, 0), STATUS_SUCCESS);
    test_close_device(&dev);
    d3dkmt_host_shutdown();
    setenv("D3DKMT_STATS", "1", 1);

    test_open_device(&dev);
    assert_true(exists(name + 1));
    check_region("made again");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_region_of_the_process),
        cmocka_unit_test(test_region_equals_escape),
        cmocka_unit_test(test_destroyed_device_slot),
        cmocka_unit_test(test_reader_problems),
        cmocka_unit_test(test_forked_child),
        cmocka_unit_test(test_shutdown_and_off),
    };

    setenv("D3DKMT_BUDGET_CAP", "32M", 1);
    setenv("D3DKMT_STATS", "1", 1);
    return cmocka_run_group_tests_name("stats", tests, setup, teardown);
}
