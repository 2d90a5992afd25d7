/*
 * tests/fuzz/fuzz_api.c: libFuzzer target over byte-encoded sequences of D3DKMT calls, on the
 * mock Vulkan driver (tests/unit/mock_vulkan.c).  Build and run: tests/fuzz/build.sh
 * (docs/reliability.md).
 *
 * Input: byte 0 picks a LOCAL budget cap (0: none, else n * 256 KiB); then up to 256 operations,
 * each an opcode byte followed by its arguments.  Handles are picked from a pool of every handle
 * the calls returned so far (adapters, devices, allocations, resources, paging queues, fences,
 * all mixed: type confusion is part of the game) or read raw from the input; counts, flags,
 * priorities, sizes and values are read raw too, with NULL arrays and oversized counts.  The
 * harness also pauses and resumes the mock GPU (deferred offers and frees), injects Vulkan
 * faults (the Nth call of a function fails with a chosen VkResult, VK_ERROR_DEVICE_LOST
 * included) and loses the device.
 *
 * Findings (abort): a crash or sanitizer report; a status no entry point documents
 * (STATUS_INTERNAL_ERROR or any other); after d3dkmt_host_shutdown(), a handle still live, a
 * mock Vulkan object not destroyed, or any Vulkan misuse the mock detected.
 *
 * The harness keeps to the contract a real program keeps where breaking it would only hang or
 * crash the program itself: it never waits (CPU or GPU) for a fence value not yet reached, it
 * resumes the GPU before calls that wait for it (DestroyDevice, synchronous destroys), and it
 * passes only real semaphores to the host API.
 */
#include "d3dkmt_private.h"
#include "fence.h"
#include "vidmm.h"
#include "../unit/mock_vulkan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct input
{
    const uint8_t *data;
    size_t size, pos;
};

static uint8_t u8(struct input *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

static uint32_t u32(struct input *in)
{
    uint32_t v = 0;
    unsigned int i;
    for (i = 0; i < 4; i++) v |= (uint32_t)u8(in) << (8 * i);
    return v;
}

static uint64_t u64(struct input *in)
{
    return u32(in) | (uint64_t)u32(in) << 32;
}

static atomic_bool gpu_paused;
static bool fault_armed;
static VkResult fault_result;

#define POOL 64
static D3DKMT_HANDLE pool[POOL];
static unsigned int pool_count;

static void add(D3DKMT_HANDLE h)
{
    if (!h) return;
    pool[pool_count++ % POOL] = h;
}

static D3DKMT_HANDLE handle(struct input *in)
{
    uint8_t b = u8(in);
    if (b >= 0xf0) return u32(in);
    if (b >= 0xe0) return 0;
    return pool_count ? pool[b % (pool_count < POOL ? pool_count : POOL)] : 0;
}

/* Fences the harness knows: their CPU-visible value, to wait only for values reached. */
#define FENCES 32
static struct { D3DKMT_HANDLE handle, device, queue; volatile UINT64 *cpu; } fences[FENCES];

static void fence_add(D3DKMT_HANDLE h, D3DKMT_HANDLE device, D3DKMT_HANDLE queue, void *cpu)
{
    unsigned int i;
    for (i = 0; i < FENCES; i++)
        if (!fences[i].handle)
        {
            fences[i].handle = h;
            fences[i].device = device;
            fences[i].queue = queue;
            fences[i].cpu = cpu;
            return;
        }
}

/* Forgets fences destroyed with h (a fence, a paging queue or a device). */
static void fence_forget(D3DKMT_HANDLE h)
{
    unsigned int i;
    for (i = 0; i < FENCES; i++)
        if (fences[i].handle == h || fences[i].device == h || fences[i].queue == h) fences[i].handle = 0;
}

/* Sync objects a wait can block on for good: mutexes and semaphores (a wait takes a unit that may
 * never come) and fences whose FromGpu value is the inline FenceValue (the harness passes an array
 * pointer there).  CPU waits on them poll, GPU waits leave them out: a real program that waits for
 * what it never releases waits for itself. */
#define BLOCKERS 32
static D3DKMT_HANDLE blockers[BLOCKERS];
/* Entries of the harness's handle and value lists (handle_list). */
#define LIST 16
static unsigned int blocker_next;

static void blocker_add(D3DKMT_HANDLE h)
{
    blockers[blocker_next++ % BLOCKERS] = h;
}

/* Over LIST entries the list is the harness's 16 (handle_list): n is over the library's limit
 * then, and the call is refused before anything is read or waited for. */
static bool any_blocker(const D3DKMT_HANDLE *list, UINT n)
{
    unsigned int i, j;
    for (i = 0; list && n <= LIST && i < n; i++)
        for (j = 0; j < BLOCKERS; j++)
            if (blockers[j] && blockers[j] == list[i]) return true;
    return false;
}

/* The value to wait for on handle h: never above what it reached (0 for unknown handles). */
static UINT64 reached(D3DKMT_HANDLE h, UINT64 want)
{
    unsigned int i;
    for (i = 0; i < FENCES; i++)
        if (fences[i].handle && fences[i].handle == h) return want < *fences[i].cpu ? want : *fences[i].cpu;
    return 0;
}

/* True for 1 in m values of the next byte; an exhausted input (zeros) reads false: zeros make
 * the common, valid choice everywhere, so seeds stay short. */
static bool rare(struct input *in, unsigned int m)
{
    return u8(in) % m == m - 1;
}

static void check(NTSTATUS status, const char *what)
{
    switch (status)
    {
    case STATUS_SUCCESS: case STATUS_PENDING: case STATUS_INVALID_PARAMETER: case STATUS_INVALID_HANDLE:
    case STATUS_NOT_SUPPORTED: case STATUS_BUFFER_TOO_SMALL: case STATUS_NO_MEMORY:
    case STATUS_GRAPHICS_NO_VIDEO_MEMORY: case STATUS_DEVICE_REMOVED: case STATUS_TIMEOUT:
        return;
    case STATUS_INTERNAL_ERROR:
        /* The catch-all for a VkResult the library does not expect (docs/reliability.md). */
        if (fault_result == VK_ERROR_UNKNOWN && mock_vk_fault_fired()) return;
        /* fall through */
    default:
        fprintf(stderr, "fuzz_api: %s returned undocumented status %#x\n", what, (unsigned)status);
        abort();
    }
}

/* A count: small usually, sometimes the limit, above it, or raw. */
static UINT count(struct input *in, UINT limit)
{
    uint8_t b = u8(in);
    if (b < 0xf0) return b == 0xef ? 0 : 1 + b % 8;
    if (b < 0xf8) return limit + (b & 1);
    return u32(in);
}

static D3DKMT_HANDLE list_buf[LIST];
static UINT64 values_buf[LIST];
static UINT prio_buf[LIST];

/* A handle list for `n` entries: NULL sometimes; a list too short for n is never passed (the
 * library reads n entries, as Windows does) unless n is over the limit, refused first. */
static D3DKMT_HANDLE *handle_list(struct input *in, UINT n, UINT limit)
{
    UINT i;
    if (rare(in, 16)) return NULL;
    if (n > LIST && n <= limit) return NULL;
    for (i = 0; i < n && i < LIST; i++) list_buf[i] = handle(in);
    return list_buf;
}


static void resume(void)
{
    if (atomic_exchange(&gpu_paused, false)) mock_vk_pause(false);
}

/* A paused GPU stands for work that takes long, not for work that never ends: when the library
 * blocks for it (a wait of 1 s or more, as some failure and cleanup paths do), the GPU resumes. */
static void *watchdog(void *arg)
{
    struct timespec tick = { 0, 1000000 };
    for (;;)
    {
        if (atomic_load(&gpu_paused) && mock_vk_blocked() > 0) resume();
        nanosleep(&tick, NULL);
    }
    return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    pthread_t thread;
    pthread_create(&thread, NULL, watchdog, NULL);
    pthread_detach(thread);
    return 0;
}

static const VkResult fault_results[] = {
    VK_ERROR_OUT_OF_HOST_MEMORY, VK_ERROR_OUT_OF_DEVICE_MEMORY, VK_ERROR_DEVICE_LOST, VK_ERROR_TOO_MANY_OBJECTS,
    VK_ERROR_MEMORY_MAP_FAILED, VK_ERROR_INITIALIZATION_FAILED, VK_ERROR_UNKNOWN,
};

static void run_op(struct input *in)
{
    uint8_t op = u8(in) % 32;
    NTSTATUS status;
    UINT n, i;

    switch (op)
    {
    case 0:
    {
        D3DKMT_ADAPTERINFO infos[4];
        D3DKMT_ENUMADAPTERS2 d = { .NumAdapters = 4 - u8(in) % 5, .pAdapters = rare(in, 4) ? NULL : infos };
        check(status = D3DKMTEnumAdapters2(&d), "EnumAdapters2");
        if (!status && d.pAdapters) for (i = 0; i < d.NumAdapters; i++) add(infos[i].hAdapter);
        break;
    }
    case 1:
    {
        D3DKMT_OPENADAPTERFROMLUID d = { 0 };
        d.AdapterLuid.LowPart = rare(in, 2) ? u32(in) : 0x14d;
        check(status = D3DKMTOpenAdapterFromLuid(&d), "OpenAdapterFromLuid");
        if (!status) add(d.hAdapter);
        break;
    }
    case 2:
    {
        D3DKMT_CLOSEADAPTER d = { .hAdapter = handle(in) };
        check(D3DKMTCloseAdapter(&d), "CloseAdapter");
        break;
    }
    case 3:
    {
        D3DKMT_CREATEDEVICE d = { .hAdapter = handle(in) };
        check(status = D3DKMTCreateDevice(&d), "CreateDevice");
        if (!status) add(d.hDevice);
        break;
    }
    case 4:
    {
        D3DKMT_DESTROYDEVICE d = { .hDevice = handle(in) };
        resume();
        check(status = D3DKMTDestroyDevice(&d), "DestroyDevice");
        if (!status) fence_forget(d.hDevice);
        break;
    }
    case 5: case 6:
    {
        D3DKMT_VK_ALLOCATIONDATA data = { .Version = rare(in, 8) ? u8(in) : 1, .Placement = u8(in) % 3,
                                          .Size = rare(in, 8) ? u64(in) : (UINT64)(u8(in) + 1) << (u8(in) % 20),
                                          .Alignment = rare(in, 8) ? u32(in) : 0, .Priority = rare(in, 4) ? u32(in) : 0 };
        D3DDDI_ALLOCATIONINFO2 infos[LIST] = { 0 };
        D3DKMT_CREATEALLOCATION d = { .hDevice = handle(in), .pAllocationInfo2 = infos };
        n = count(in, D3DKMT_MAX_CREATE_LIST);
        d.NumAllocations = n;
        d.Flags.CreateResource = u8(in) % 2;
        if (!d.Flags.CreateResource && rare(in, 4)) d.hResource = handle(in);
        if (rare(in, 16))
        {
            UINT bits;
            memcpy(&bits, &d.Flags, sizeof(bits));
            bits |= 1u << (u8(in) % 32);
            memcpy(&d.Flags, &bits, sizeof(bits));
        }
        if (n > LIST && n <= D3DKMT_MAX_CREATE_LIST) d.pAllocationInfo2 = NULL;
        else if (rare(in, 16)) d.pAllocationInfo2 = NULL;
        for (i = 0; i < n && i < LIST; i++)
        {
            infos[i].pPrivateDriverData = rare(in, 16) ? NULL : &data;
            infos[i].PrivateDriverDataSize = rare(in, 16) ? u8(in) : sizeof(data);
            infos[i].Flags.OverridePriority = rare(in, 8);
            if (infos[i].Flags.OverridePriority) infos[i].Priority = u32(in);
        }
        for (; i < LIST; i++)
        {
            infos[i].pPrivateDriverData = &data;
            infos[i].PrivateDriverDataSize = sizeof(data);
        }
        check(status = op == 5 ? D3DKMTCreateAllocation2(&d) : D3DKMTCreateAllocation(&d), "CreateAllocation");
        if (!status)
        {
            for (i = 0; i < n && i < LIST; i++) add(op == 5 ? infos[i].hAllocation : d.pAllocationInfo[i].hAllocation);
            if (d.Flags.CreateResource) add(d.hResource);
        }
        break;
    }
    case 7:
    {
        D3DKMT_DESTROYALLOCATION2 d = { .hDevice = handle(in) };
        if (rare(in, 3)) d.hResource = handle(in);
        d.AllocationCount = count(in, D3DKMT_MAX_CREATE_LIST);
        d.phAllocationList = handle_list(in, d.AllocationCount, D3DKMT_MAX_CREATE_LIST);
        d.Flags.Value = rare(in, 8) ? u32(in) : u8(in) & 3;
        if (d.Flags.SynchronousDestroy) resume();
        check(D3DKMTDestroyAllocation2(&d), "DestroyAllocation2");
        break;
    }
    case 8:
    {
        D3DKMT_HANDLE res = handle(in);
        D3DKMT_OFFERALLOCATIONS d = { .hDevice = handle(in) };
        uint8_t form = u8(in) % 4;   /* 0 list, 1 resources, 2 both, 3 neither */
        d.NumAllocations = count(in, D3DKMT_MAX_RESIDENCY_LIST);
        if (form == 1 || form == 2) d.pResources = d.NumAllocations == 1 ? &res : handle_list(in, d.NumAllocations, D3DKMT_MAX_RESIDENCY_LIST);
        if (form == 0 || form == 2) d.HandleList = handle_list(in, d.NumAllocations, D3DKMT_MAX_RESIDENCY_LIST);
        d.Priority = rare(in, 8) ? u32(in) : 1 + u8(in) % 4;
        d.Flags.Value = rare(in, 8) ? u32(in) : u8(in) & 3;
        check(D3DKMTOfferAllocations(&d), "OfferAllocations");
        break;
    }
    case 9:
    {
        BOOL discarded[LIST];
        D3DKMT_RECLAIMALLOCATIONS d = { .hDevice = handle(in), .pDiscarded = rare(in, 4) ? NULL : discarded };
        d.NumAllocations = count(in, D3DKMT_MAX_RESIDENCY_LIST);
        if (d.NumAllocations > LIST && d.NumAllocations <= D3DKMT_MAX_RESIDENCY_LIST) d.pDiscarded = NULL;
        if (rare(in, 4)) d.pResources = handle_list(in, d.NumAllocations, D3DKMT_MAX_RESIDENCY_LIST);
        else d.HandleList = handle_list(in, d.NumAllocations, D3DKMT_MAX_RESIDENCY_LIST);
        check(D3DKMTReclaimAllocations(&d), "ReclaimAllocations");
        break;
    }
    case 10:
    {
        D3DDDI_RECLAIM_RESULT results[LIST];
        D3DKMT_RECLAIMALLOCATIONS2 d = { .hPagingQueue = handle(in), .pResults = rare(in, 4) ? NULL : results };
        d.NumAllocations = count(in, D3DKMT_MAX_RESIDENCY_LIST);
        if (d.NumAllocations > LIST && d.NumAllocations <= D3DKMT_MAX_RESIDENCY_LIST) d.pResults = NULL;
        if (rare(in, 4)) d.pResources = handle_list(in, d.NumAllocations, D3DKMT_MAX_RESIDENCY_LIST);
        else d.HandleList = handle_list(in, d.NumAllocations, D3DKMT_MAX_RESIDENCY_LIST);
        check(D3DKMTReclaimAllocations2(&d), "ReclaimAllocations2");
        break;
    }
    case 11:
    {
        D3DDDI_MAKERESIDENT d = { .hPagingQueue = handle(in) };
        d.NumAllocations = count(in, D3DKMT_MAX_RESIDENCY_LIST);
        d.AllocationList = handle_list(in, d.NumAllocations, D3DKMT_MAX_RESIDENCY_LIST);
        for (i = 0; i < LIST; i++) prio_buf[i] = rare(in, 8) ? u32(in) : 0x28000000;
        if (rare(in, 2) && d.NumAllocations <= LIST) d.PriorityList = prio_buf;
        d.Flags.Value = rare(in, 8) ? u32(in) : u8(in) & 3;
        check(D3DKMTMakeResident(&d), "MakeResident");
        break;
    }
    case 12:
    {
        D3DKMT_EVICT d = { .hDevice = handle(in) };
        d.NumAllocations = count(in, D3DKMT_MAX_RESIDENCY_LIST);
        d.AllocationList = handle_list(in, d.NumAllocations, D3DKMT_MAX_RESIDENCY_LIST);
        d.Flags.Value = rare(in, 8) ? u32(in) : u8(in) & 3;
        check(D3DKMTEvict(&d), "Evict");
        break;
    }
    case 13:
    {
        D3DKMT_SETALLOCATIONPRIORITY d = { .hDevice = handle(in) };
        for (i = 0; i < LIST; i++) prio_buf[i] = rare(in, 8) ? u32(in) : 0x28000000u + u8(in);
        if (rare(in, 3)) d.hResource = handle(in);
        d.AllocationCount = d.hResource && !rare(in, 4) ? 0 : count(in, D3DKMT_MAX_RESIDENCY_LIST);
        d.phAllocationList = handle_list(in, d.AllocationCount, D3DKMT_MAX_RESIDENCY_LIST);
        d.pPriorities = (!rare(in, 16) && (d.hResource || d.AllocationCount <= LIST)) ? prio_buf : NULL;
        check(D3DKMTSetAllocationPriority(&d), "SetAllocationPriority");
        break;
    }
    case 14:
    {
        D3DKMT_GETALLOCATIONPRIORITY d = { .hDevice = handle(in) };
        if (rare(in, 3)) d.hResource = handle(in);
        d.AllocationCount = d.hResource && !rare(in, 4) ? 0 : count(in, D3DKMT_MAX_RESIDENCY_LIST);
        d.phAllocationList = handle_list(in, d.AllocationCount, D3DKMT_MAX_RESIDENCY_LIST);
        d.pPriorities = (!rare(in, 16) && (d.hResource || d.AllocationCount <= LIST)) ? prio_buf : NULL;
        check(D3DKMTGetAllocationPriority(&d), "GetAllocationPriority");
        break;
    }
    case 15:
    {
        D3DKMT_LOCK2 d = { .hDevice = handle(in), .hAllocation = handle(in) };
        d.Flags.Value = rare(in, 8) ? u32(in) : 0;
        check(status = D3DKMTLock2(&d), "Lock2");
        if (!status && d.pData) memset(d.pData, 0xa5, 64);
        break;
    }
    case 16:
    {
        D3DKMT_UNLOCK2 d = { .hDevice = handle(in), .hAllocation = handle(in) };
        check(D3DKMTUnlock2(&d), "Unlock2");
        break;
    }
    case 17:
    {
        D3DKMT_CREATEPAGINGQUEUE d = { .hDevice = handle(in), .Priority = (INT)(u8(in) % 4) - 1 };
        d.PhysicalAdapterIndex = rare(in, 16) ? u32(in) : 0;
        check(status = D3DKMTCreatePagingQueue(&d), "CreatePagingQueue");
        if (!status)
        {
            add(d.hPagingQueue);
            add(d.hSyncObject);
            fence_add(d.hSyncObject, d.hDevice, d.hPagingQueue, d.FenceValueCPUVirtualAddress);
        }
        break;
    }
    case 18:
    {
        D3DDDI_DESTROYPAGINGQUEUE d = { .hPagingQueue = handle(in) };
        check(status = D3DKMTDestroyPagingQueue(&d), "DestroyPagingQueue");
        if (!status) fence_forget(d.hPagingQueue);
        break;
    }
    case 19:
    {
        D3DKMT_CREATESYNCHRONIZATIONOBJECT2 d = { .hDevice = handle(in) };
        d.Info.Type = rare(in, 8) ? u8(in) : D3DDDI_MONITORED_FENCE;
        d.Info.Flags.Value = rare(in, 4) ? u32(in) : 0;
        d.Info.MonitoredFence.InitialFenceValue = rare(in, 2) ? u64(in) : u8(in);
        check(status = D3DKMTCreateSynchronizationObject2(&d), "CreateSynchronizationObject2");
        if (!status)
        {
            add(d.hSyncObject);
            /* Only a monitored fence has a CPU address; the other types are waited for differently. */
            if (d.Info.Type == D3DDDI_MONITORED_FENCE)
                fence_add(d.hSyncObject, d.hDevice, 0, d.Info.MonitoredFence.FenceValueCPUVirtualAddress);
            else if (d.Info.Type != D3DDDI_CPU_NOTIFICATION) blocker_add(d.hSyncObject);
        }
        break;
    }
    case 20:
    {
        D3DKMT_DESTROYSYNCHRONIZATIONOBJECT d = { .hSyncObject = handle(in) };
        check(status = D3DKMTDestroySynchronizationObject(&d), "DestroySynchronizationObject");
        if (!status) fence_forget(d.hSyncObject);
        break;
    }
    case 21: case 22: case 23:
    {
        D3DKMT_HANDLE device = handle(in);
        n = count(in, D3DKMT_MAX_SYNC_LIST);
        for (i = 0; i < n && i < LIST; i++) values_buf[i] = rare(in, 4) ? u64(in) : u8(in) + 1;
        if (op == 21)
        {
            D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU d = { .hDevice = device, .ObjectCount = n,
                                                            .ObjectHandleArray = handle_list(in, n, D3DKMT_MAX_SYNC_LIST) };
            d.FenceValueArray = n <= LIST ? values_buf : NULL;
            d.Flags.Value = rare(in, 8) ? u32(in) : 0;
            check(D3DKMTSignalSynchronizationObjectFromCpu(&d), "SignalFromCpu");
        }
        else if (op == 22)
        {
            D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU d = { .hContext = device, .ObjectCount = n,
                                                            .ObjectHandleArray = handle_list(in, n, D3DKMT_MAX_SYNC_LIST) };
            d.MonitoredFenceValueArray = n <= LIST ? values_buf : NULL;
            check(D3DKMTSignalSynchronizationObjectFromGpu(&d), "SignalFromGpu");
        }
        else
        {
            D3DKMT_HANDLE contexts[3] = { device, rare(in, 4) ? handle(in) : device, device };
            D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU2 d = { .ObjectCount = n,
                                                             .ObjectHandleArray = handle_list(in, n, D3DKMT_MAX_SYNC_LIST) };
            d.BroadcastContextCount = 1 + u8(in) % 3;
            d.BroadcastContextArray = contexts;
            d.MonitoredFenceValueArray = n <= LIST ? values_buf : NULL;
            d.Flags.Value = rare(in, 8) ? u32(in) : 0;
            check(D3DKMTSignalSynchronizationObjectFromGpu2(&d), "SignalFromGpu2");
        }
        break;
    }
    case 24: case 25:
    {
        /* Waits only for values reached: a real program that waits for more waits for itself. */
        D3DKMT_HANDLE device = handle(in);
        n = count(in, D3DKMT_MAX_SYNC_LIST);
        D3DKMT_HANDLE *list = handle_list(in, n, D3DKMT_MAX_SYNC_LIST);
        for (i = 0; i < LIST; i++) values_buf[i] = list && i < n ? reached(list[i], rare(in, 2) ? u64(in) : u8(in)) : 0;
        if (op == 24)
        {
            D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU d = { .hDevice = device, .ObjectCount = n, .ObjectHandleArray = list };
            d.FenceValueArray = n <= LIST ? values_buf : NULL;
            d.Flags.Value = rare(in, 8) ? u32(in) : u8(in) & 1;
            resume();
            if (any_blocker(list, n)) check(d3dkmt_host_wait_from_cpu(&d, 0), "d3dkmt_host_wait_from_cpu");
            else check(D3DKMTWaitForSynchronizationObjectFromCpu(&d), "WaitFromCpu");
        }
        else
        {
            D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU d = { .hContext = device, .ObjectCount = n, .ObjectHandleArray = list };
            d.MonitoredFenceValueArray = n <= LIST ? values_buf : NULL;
            if (!any_blocker(list, n)) check(D3DKMTWaitForSynchronizationObjectFromGpu(&d), "WaitFromGpu");
        }
        break;
    }
    case 26:
    {
        D3DKMT_VK_STATISTICS stats = { .Code = rare(in, 8) ? u32(in) : D3DKMT_VK_ESCAPE_QUERY_STATISTICS };
        D3DKMT_ESCAPE d = { .hDevice = handle(in), .Type = rare(in, 8) ? u8(in) : D3DKMT_ESCAPE_DRIVERPRIVATE,
                            .pPrivateDriverData = rare(in, 16) ? NULL : &stats,
                            .PrivateDriverDataSize = rare(in, 8) ? u8(in) % sizeof(stats) : sizeof(stats) };
        check(D3DKMTEscape(&d), "Escape");
        break;
    }
    case 27:
    {
        uint8_t buf[64];
        D3DKMT_QUERYADAPTERINFO d = { .hAdapter = handle(in), .Type = u8(in) % 40, .pPrivateDriverData = buf,
                                      .PrivateDriverDataSize = u8(in) % 48 };
        D3DKMT_QUERYVIDEOMEMORYINFO v = { .hAdapter = d.hAdapter, .MemorySegmentGroup = u8(in) % 3 };
        memset(buf, 0, sizeof(buf));
        check(D3DKMTQueryAdapterInfo(&d), "QueryAdapterInfo");
        check(D3DKMTQueryVideoMemoryInfo(&v), "QueryVideoMemoryInfo");
        break;
    }
    case 28:
    {
        D3DKMT_HANDLE device = handle(in);
        struct d3dkmt_host_device_info info;
        struct d3dkmt_host_allocation_info ainfo;
        VkSubmitInfo2 s = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2 };
        uint64_t value;
        check(d3dkmt_host_get_device_info(device, &info), "d3dkmt_host_get_device_info");
        check(d3dkmt_host_get_allocation_info(device, handle(in), &ainfo), "d3dkmt_host_get_allocation_info");
        check(d3dkmt_host_submit(device, &s, &value), "d3dkmt_host_submit");
        check(d3dkmt_host_flush_deferred(device, 0), "d3dkmt_host_flush_deferred");
        check(d3dkmt_host_query_statistics(device, rare(in, 8) ? NULL : &(D3DKMT_VK_STATISTICS){ 0 }), "statistics");
        break;
    }
    case 29:
        /* Never while a fault is armed: a failed bind or submission waits for the work before it. */
        if (u8(in) % 2 == 0 && !fault_armed) { atomic_store(&gpu_paused, true); mock_vk_pause(true); }
        else resume();
        break;
    case 30:
    {
        enum mock_vk_fn fn = u8(in) % MOCK_FN_COUNT;
        unsigned int nth = 1 + u8(in) % 8;
        VkResult vr = fault_results[u8(in) % (sizeof(fault_results) / sizeof(fault_results[0]))];
        /* Only results the function can return; a lost device only where it can be reported. */
        if (vr == VK_ERROR_MEMORY_MAP_FAILED && fn != MOCK_vkMapMemory) vr = VK_ERROR_OUT_OF_HOST_MEMORY;
        resume();
        mock_vk_fail(fn, nth, vr);
        fault_armed = true;
        fault_result = vr;
        break;
    }
    case 31:
        if (u8(in) == 0x5a) mock_vk_lose_devices();
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size, 0 };
    struct mock_vk_config config;
    struct mock_vk_counts counts;
    uint8_t cap = u8(&in);
    char text[32];
    unsigned int ops;

    mock_vk_default_config(&config);
    config.quiet = !getenv("MOCK_VERBOSE");
    config.hang_ms = 5000;
    mock_vk_install(&config);
    if (cap)
    {
        snprintf(text, sizeof(text), "%u", cap * 262144u);
        setenv("D3DKMT_BUDGET_CAP", text, 1);
    }
    else unsetenv("D3DKMT_BUDGET_CAP");
    pool_count = 0;
    memset(fences, 0, sizeof(fences));
    memset(blockers, 0, sizeof(blockers));
    atomic_store(&gpu_paused, false);
    fault_armed = false;
    fault_result = VK_SUCCESS;
    for (ops = 0; ops < 256 && in.pos < in.size; ops++)
    {
        run_op(&in);
        if (fault_armed && mock_vk_fault_fired()) fault_armed = false;
    }

    resume();
    mock_vk_fail_clear();
    d3dkmt_host_shutdown();
    {
        /* CPU notifications signalled by the input: their entries, for the DLL's PE side. */
        struct d3dkmt_host_cpu_event event;
        while (!d3dkmt_host_next_cpu_event(0, &event)) ;
    }
    mock_vk_get_counts(&counts);
    if (d3dkmt_handle_count() || counts.instances || counts.devices || counts.memories || counts.buffers
            || counts.semaphores || counts.messengers || counts.batches)
    {
        fprintf(stderr, "fuzz_api: leak after shutdown: handles %u devices %d memories %d buffers %d semaphores %d\n",
                d3dkmt_handle_count(), counts.devices, counts.memories, counts.buffers, counts.semaphores);
        abort();
    }
    if (mock_vk_errors())
    {
        fprintf(stderr, "fuzz_api: %u Vulkan misuse reports (rerun the input with MOCK_VERBOSE=1)\n", mock_vk_errors());
        abort();
    }
    return 0;
}
