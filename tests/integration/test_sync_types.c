/*
 * Sync objects of every type D3DDDI_SYNCHRONIZATIONOBJECT_TYPE names that the library makes
 * (mutex, semaphore, fence, CPU notification; monitored fences are test_fence.c's), signalled and
 * waited for from the CPU and the GPU, D3DKMTCreateSynchronizationObject (the first version), and
 * shared objects opened with D3DKMTOpenSynchronizationObject, on the real default Vulkan device
 * (lavapipe without a GPU), validation layer on.  docs/decisions/sync-objects.md says what each
 * type is; these tests check that, deterministically: GPU work is held back by queued waits the
 * test releases, never by timing.
 */
#include "d3dkmt_private.h"
#include "fence.h"
#include "vidmm.h"
#include "common.h"

#include <stdlib.h>
#include <string.h>

static NTSTATUS create2(D3DKMT_HANDLE device, const D3DDDI_SYNCHRONIZATIONOBJECTINFO2 *info, D3DKMT_HANDLE *out,
                        D3DKMT_HANDLE *shared)
{
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 create = { .hDevice = device, .Info = *info, .hSyncObject = 0x1eadbeed };
    NTSTATUS status;

    *out = 0;
    if (shared) *shared = 0;
    create.Info.SharedHandle = 0x1eadbeed;
    if ((status = D3DKMTCreateSynchronizationObject2(&create))) return status;
    *out = create.hSyncObject;
    if (shared) *shared = create.Info.SharedHandle;
    else assert_int_equal(create.Info.SharedHandle, 0);
    return status;
}

static NTSTATUS destroy(D3DKMT_HANDLE h)
{
    D3DKMT_DESTROYSYNCHRONIZATIONOBJECT d = { .hSyncObject = h };
    return D3DKMTDestroySynchronizationObject(&d);
}

static NTSTATUS signal_cpu(D3DKMT_HANDLE device, D3DKMT_HANDLE h, UINT64 value)
{
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU s = { .hDevice = device, .ObjectCount = 1, .ObjectHandleArray = &h,
                                                    .FenceValueArray = &value };
    return D3DKMTSignalSynchronizationObjectFromCpu(&s);
}

/* A CPU wait with a limit (0: poll). */
static NTSTATUS wait_cpu(D3DKMT_HANDLE device, D3DKMT_HANDLE h, UINT64 value, uint64_t timeout_ns)
{
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU w = { .hDevice = device, .ObjectCount = 1, .ObjectHandleArray = &h,
                                                     .FenceValueArray = &value };
    return d3dkmt_host_wait_from_cpu(&w, timeout_ns);
}

static NTSTATUS signal_gpu(D3DKMT_HANDLE device, D3DKMT_HANDLE h, const UINT64 *values)
{
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU s = { .hContext = device, .ObjectCount = 1, .ObjectHandleArray = &h,
                                                    .MonitoredFenceValueArray = values };
    return D3DKMTSignalSynchronizationObjectFromGpu(&s);
}

static NTSTATUS wait_gpu(D3DKMT_HANDLE device, D3DKMT_HANDLE h, const UINT64 *values)
{
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU w = { .hContext = device, .ObjectCount = 1, .ObjectHandleArray = &h,
                                                     .MonitoredFenceValueArray = values };
    return D3DKMTWaitForSynchronizationObjectFromGpu(&w);
}

/* A monitored fence to see where the queue is: work queued after a wait signals it. */
struct marker
{
    D3DKMT_HANDLE handle;
    volatile UINT64 *cpu;
};

static void marker_create(D3DKMT_HANDLE device, struct marker *m)
{
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 create = { .hDevice = device };
    create.Info.Type = D3DDDI_MONITORED_FENCE;
    assert_int_equal(D3DKMTCreateSynchronizationObject2(&create), STATUS_SUCCESS);
    m->handle = create.hSyncObject;
    m->cpu = create.Info.MonitoredFence.FenceValueCPUVirtualAddress;
}

/* The queue has run everything queued before a marker signal of `value`. */
static bool queue_passed(D3DKMT_HANDLE device, struct marker *m, UINT64 value)
{
    return wait_cpu(device, m->handle, value, 0) == STATUS_SUCCESS;
}

static void test_mutex(void **state)
{
    D3DDDI_SYNCHRONIZATIONOBJECTINFO2 info = { .Type = D3DDDI_SYNCHRONIZATION_MUTEX };
    struct test_device t;
    struct marker m;
    D3DKMT_HANDLE mutex, owned;
    UINT64 one = 1, two = 2;

    test_open_device(&t);
    marker_create(t.device, &m);
    assert_int_equal(create2(t.device, &info, &mutex, NULL), STATUS_SUCCESS);

    /* Free at creation: the CPU takes it; a second take does not get it. */
    assert_int_equal(wait_cpu(t.device, mutex, 0, 0), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, mutex, 0, 0), STATUS_TIMEOUT);
    /* The queue's take waits for the CPU's release: work queued after it is held back. */
    assert_int_equal(wait_gpu(t.device, mutex, NULL), STATUS_SUCCESS);
    assert_int_equal(signal_gpu(t.device, m.handle, &one), STATUS_SUCCESS);
    assert_false(queue_passed(t.device, &m, 1));
    assert_int_equal(signal_cpu(t.device, mutex, 0), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, m.handle, 1, UINT64_MAX), STATUS_SUCCESS);
    /* Owned by the queue now: the CPU cannot take it, nor release it twice. */
    assert_int_equal(wait_cpu(t.device, mutex, 0, 0), STATUS_TIMEOUT);
    assert_int_equal(signal_gpu(t.device, mutex, NULL), STATUS_SUCCESS);      /* the queue releases */
    assert_int_equal(signal_cpu(t.device, mutex, 0), STATUS_INVALID_PARAMETER); /* not owned */
    assert_int_equal(wait_cpu(t.device, mutex, 0, UINT64_MAX), STATUS_SUCCESS);
    assert_int_equal(signal_cpu(t.device, mutex, 0), STATUS_SUCCESS);

    /* InitialState TRUE: created owned. */
    info.SynchronizationMutex.InitialState = TRUE;
    assert_int_equal(create2(t.device, &info, &owned, NULL), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, owned, 0, 0), STATUS_TIMEOUT);
    assert_int_equal(signal_cpu(t.device, owned, 0), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, owned, 0, 0), STATUS_SUCCESS);
    /* The queue releases a mutex the CPU took: both sides of a mutex work from both. */
    assert_int_equal(signal_gpu(t.device, owned, NULL), STATUS_SUCCESS);
    assert_int_equal(signal_gpu(t.device, m.handle, &two), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, m.handle, 2, UINT64_MAX), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, owned, 0, UINT64_MAX), STATUS_SUCCESS);

    assert_int_equal(destroy(mutex), STATUS_SUCCESS);
    assert_int_equal(destroy(owned), STATUS_SUCCESS);
    assert_int_equal(destroy(m.handle), STATUS_SUCCESS);
    test_close_device(&t);
}

static void test_semaphore(void **state)
{
    D3DDDI_SYNCHRONIZATIONOBJECTINFO2 info = { .Type = D3DDDI_SEMAPHORE };
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU w = { 0 };
    struct test_device t;
    struct marker m;
    D3DKMT_HANDLE sem, list[2];
    UINT64 values[2] = { 0, 0 }, one = 1;
    uint32_t handles;

    test_open_device(&t);
    marker_create(t.device, &m);
    info.Semaphore.MaxCount = 2;
    info.Semaphore.InitialCount = 3;
    handles = d3dkmt_handle_count();
    assert_int_equal(create2(t.device, &info, &sem, NULL), STATUS_INVALID_PARAMETER);   /* above MaxCount */
    assert_int_equal(d3dkmt_handle_count(), handles);
    info.Semaphore.InitialCount = 1;
    assert_int_equal(create2(t.device, &info, &sem, NULL), STATUS_SUCCESS);

    assert_int_equal(wait_cpu(t.device, sem, 0, 0), STATUS_SUCCESS);          /* 1 -> 0 */
    assert_int_equal(wait_cpu(t.device, sem, 0, 0), STATUS_TIMEOUT);
    assert_int_equal(signal_cpu(t.device, sem, 0), STATUS_SUCCESS);           /* 0 -> 1 */
    assert_int_equal(signal_cpu(t.device, sem, 0), STATUS_SUCCESS);           /* 1 -> 2 */
    assert_int_equal(signal_cpu(t.device, sem, 0), STATUS_INVALID_PARAMETER); /* MaxCount 2 */
    /* Two units to the queue, the third take waits for a release. */
    assert_int_equal(wait_gpu(t.device, sem, NULL), STATUS_SUCCESS);
    assert_int_equal(wait_gpu(t.device, sem, NULL), STATUS_SUCCESS);
    assert_int_equal(wait_gpu(t.device, sem, NULL), STATUS_SUCCESS);
    assert_int_equal(signal_gpu(t.device, m.handle, &one), STATUS_SUCCESS);
    assert_false(queue_passed(t.device, &m, 1));
    assert_int_equal(wait_cpu(t.device, sem, 0, 0), STATUS_TIMEOUT);          /* all taken */
    assert_int_equal(signal_cpu(t.device, sem, 0), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, m.handle, 1, UINT64_MAX), STATUS_SUCCESS);

    /* A semaphore listed twice in one CPU wait is refused; WaitAny takes only what it returns for. */
    list[0] = list[1] = sem;
    w.hDevice = t.device;
    w.ObjectCount = 2;
    w.ObjectHandleArray = list;
    w.FenceValueArray = values;
    assert_int_equal(d3dkmt_host_wait_from_cpu(&w, 0), STATUS_INVALID_PARAMETER);
    list[1] = m.handle;
    values[1] = 1;
    w.Flags.WaitAny = 1;
    assert_int_equal(d3dkmt_host_wait_from_cpu(&w, 0), STATUS_SUCCESS);     /* the marker: sem not taken */
    assert_int_equal(signal_cpu(t.device, sem, 0), STATUS_SUCCESS);
    assert_int_equal(signal_cpu(t.device, sem, 0), STATUS_SUCCESS);
    assert_int_equal(signal_cpu(t.device, sem, 0), STATUS_INVALID_PARAMETER);  /* 2 available: nothing was taken */
    w.Flags.WaitAny = 0;
    assert_int_equal(d3dkmt_host_wait_from_cpu(&w, 0), STATUS_SUCCESS);     /* both: one unit taken */
    assert_int_equal(signal_cpu(t.device, sem, 0), STATUS_SUCCESS);

    /* MaxCount 0: no limit. */
    info.Semaphore.MaxCount = 0;
    info.Semaphore.InitialCount = 0;
    assert_int_equal(destroy(sem), STATUS_SUCCESS);
    assert_int_equal(create2(t.device, &info, &sem, NULL), STATUS_SUCCESS);
    for (int i = 0; i < 5; i++) assert_int_equal(signal_cpu(t.device, sem, 0), STATUS_SUCCESS);
    for (int i = 0; i < 5; i++) assert_int_equal(wait_cpu(t.device, sem, 0, 0), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, sem, 0, 0), STATUS_TIMEOUT);

    assert_int_equal(destroy(sem), STATUS_SUCCESS);
    assert_int_equal(destroy(m.handle), STATUS_SUCCESS);
    test_close_device(&t);
}

static void test_fence_type(void **state)
{
    D3DDDI_SYNCHRONIZATIONOBJECTINFO2 info = { .Type = D3DDDI_FENCE };
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU2 s2 = { 0 };
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU w = { 0 };
    struct test_device t;
    struct marker m;
    D3DKMT_HANDLE fence, list[2];
    UINT64 one = 1;

    test_open_device(&t);
    marker_create(t.device, &m);
    info.Fence.FenceValue = 5;
    assert_int_equal(create2(t.device, &info, &fence, NULL), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, fence, 5, 0), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, fence, 6, 0), STATUS_TIMEOUT);

    /* WaitFromGpu and SignalFromGpu2 take a fence's value inline (FenceValue). */
    w.hContext = t.device;
    w.ObjectCount = 1;
    w.ObjectHandleArray = &fence;
    w.FenceValue = 8;
    assert_int_equal(D3DKMTWaitForSynchronizationObjectFromGpu(&w), STATUS_SUCCESS);
    assert_int_equal(signal_gpu(t.device, m.handle, &one), STATUS_SUCCESS);
    assert_false(queue_passed(t.device, &m, 1));
    assert_int_equal(signal_cpu(t.device, fence, 7), STATUS_SUCCESS);
    assert_false(queue_passed(t.device, &m, 1));
    assert_int_equal(signal_cpu(t.device, fence, 8), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, m.handle, 1, UINT64_MAX), STATUS_SUCCESS);
    s2.ObjectCount = 1;
    s2.ObjectHandleArray = &fence;
    s2.BroadcastContextCount = 1;
    s2.BroadcastContextArray = &t.device;
    s2.FenceValue = 12;
    assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu2(&s2), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, fence, 12, UINT64_MAX), STATUS_SUCCESS);

    /* The union holds one or the other: a fence with a monitored fence is refused. */
    list[0] = fence;
    list[1] = m.handle;
    w.ObjectCount = 2;
    w.ObjectHandleArray = list;
    assert_int_equal(D3DKMTWaitForSynchronizationObjectFromGpu(&w), STATUS_INVALID_PARAMETER);
    s2.ObjectCount = 2;
    s2.ObjectHandleArray = list;
    assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu2(&s2), STATUS_INVALID_PARAMETER);
    assert_int_equal(wait_cpu(t.device, fence, 13, 0), STATUS_TIMEOUT);

    assert_int_equal(destroy(fence), STATUS_SUCCESS);
    assert_int_equal(destroy(m.handle), STATUS_SUCCESS);
    test_close_device(&t);
}

/* CPU notifications through the host API (the DLL's PE side sets the events: tests/wine). */
static void test_cpu_notification(void **state)
{
    D3DDDI_SYNCHRONIZATIONOBJECTINFO2 info = { .Type = D3DDDI_CPU_NOTIFICATION };
    struct d3dkmt_host_cpu_event event;
    struct test_device t;
    struct marker m;
    D3DKMT_HANDLE note;
    UINT64 one = 1;

    test_open_device(&t);
    marker_create(t.device, &m);
    while (!d3dkmt_host_next_cpu_event(0, &event)) ;     /* left over by another test */
    assert_int_equal(create2(t.device, &info, &note, NULL), STATUS_INVALID_HANDLE);   /* no event */
    info.CPUNotification.Event = (HANDLE)(uintptr_t)0x1234;
    assert_int_equal(create2(t.device, &info, &note, NULL), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_next_cpu_event(0, &event), STATUS_TIMEOUT);
    assert_int_equal(event.in_flight, 0);

    /* A CPU signal: the event at once. */
    assert_int_equal(signal_cpu(t.device, note, 0), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_next_cpu_event(0, &event), STATUS_SUCCESS);
    assert_int_equal(event.event, 0x1234);
    assert_int_equal(event.release, 0);

    /* A GPU signal: the event once the queue reached it, not before. */
    assert_int_equal(wait_gpu(t.device, m.handle, &one), STATUS_SUCCESS);
    assert_int_equal(signal_gpu(t.device, note, NULL), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_next_cpu_event(0, &event), STATUS_TIMEOUT);
    assert_int_equal(event.in_flight, 1);
    assert_int_equal(signal_cpu(t.device, m.handle, 1), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_next_cpu_event(10000000000ull, &event), STATUS_SUCCESS);
    assert_int_equal(event.event, 0x1234);
    assert_int_equal(event.release, 0);

    /* It cannot be waited for (its event is). */
    assert_int_equal(wait_cpu(t.device, note, 1, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(wait_gpu(t.device, note, &one), STATUS_INVALID_PARAMETER);

    /* Destroyed: once freed, one entry says the event is no longer used. */
    assert_int_equal(destroy(note), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 10000000000ull), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_next_cpu_event(10000000000ull, &event), STATUS_SUCCESS);
    assert_int_equal(event.event, 0x1234);
    assert_int_equal(event.release, 1);
    assert_int_equal(d3dkmt_host_next_cpu_event(0, &event), STATUS_TIMEOUT);
    assert_int_equal(event.in_flight, 0);
    assert_int_equal(d3dkmt_host_next_cpu_event(0, NULL), STATUS_INVALID_PARAMETER);

    assert_int_equal(destroy(m.handle), STATUS_SUCCESS);
    test_close_device(&t);
}

static void test_create_v1(void **state)
{
    D3DKMT_CREATESYNCHRONIZATIONOBJECT create = { 0 };
    struct test_device t;
    D3DKMT_HANDLE mutex, sem;
    uint32_t handles;

    test_open_device(&t);
    handles = d3dkmt_handle_count();
    assert_int_equal(D3DKMTCreateSynchronizationObject(NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(D3DKMTCreateSynchronizationObject(&create), STATUS_INVALID_PARAMETER);
    create.hDevice = t.device;
    assert_int_equal(D3DKMTCreateSynchronizationObject(&create), STATUS_INVALID_PARAMETER);   /* no type */
    create.Info.Type = D3DDDI_FENCE;
    assert_int_equal(D3DKMTCreateSynchronizationObject(&create), STATUS_INVALID_PARAMETER);   /* not in v1 */
    create.Info.Type = D3DDDI_MONITORED_FENCE;
    assert_int_equal(D3DKMTCreateSynchronizationObject(&create), STATUS_INVALID_PARAMETER);
    create.Info.Type = D3DDDI_SYNCHRONIZATION_MUTEX;
    create.hDevice = t.adapter;
    assert_int_equal(D3DKMTCreateSynchronizationObject(&create), STATUS_INVALID_PARAMETER);
    assert_int_equal(d3dkmt_handle_count(), handles);
    create.hDevice = t.device;
    create.Info.SynchronizationMutex.InitialState = TRUE;
    assert_int_equal(D3DKMTCreateSynchronizationObject(&create), STATUS_SUCCESS);
    mutex = create.hSyncObject;
    assert_int_equal(wait_cpu(t.device, mutex, 0, 0), STATUS_TIMEOUT);       /* created owned */
    create.Info.Type = D3DDDI_SEMAPHORE;
    create.Info.Semaphore.MaxCount = 4;
    create.Info.Semaphore.InitialCount = 2;
    assert_int_equal(D3DKMTCreateSynchronizationObject(&create), STATUS_SUCCESS);
    sem = create.hSyncObject;
    assert_int_equal(sem, mutex + 0x40);                                     /* local handles in order */
    assert_int_equal(wait_cpu(t.device, sem, 0, 0), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, sem, 0, 0), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, sem, 0, 0), STATUS_TIMEOUT);
    assert_int_equal(destroy(mutex), STATUS_SUCCESS);
    assert_int_equal(destroy(mutex), STATUS_INVALID_PARAMETER);
    assert_int_equal(destroy(sem), STATUS_SUCCESS);
    test_close_device(&t);
}

static void test_shared_open(void **state)
{
    D3DDDI_SYNCHRONIZATIONOBJECTINFO2 info = { .Type = D3DDDI_MONITORED_FENCE };
    D3DKMT_OPENSYNCHRONIZATIONOBJECT open = { 0 };
    struct test_device t, other;
    D3DKMT_HANDLE fence, opened, global, nt, mutex, mglobal;
    uint32_t globals, handles;

    test_open_device(&t);
    test_open_device(&other);
    globals = d3dkmt_global_count();
    handles = d3dkmt_handle_count();
    info.Flags.Shared = 1;
    assert_int_equal(create2(t.device, &info, &fence, &global), STATUS_SUCCESS);
    assert_true(d3dkmt_handle_is_global(global));
    assert_int_equal(global & 0x3f, 2);
    assert_int_equal(d3dkmt_global_count(), globals + 1);

    /* Bad opens: nothing made. */
    assert_int_equal(D3DKMTOpenSynchronizationObject(NULL), STATUS_INVALID_PARAMETER);
    open.hSharedHandle = 0x1eadbeed;
    assert_int_equal(D3DKMTOpenSynchronizationObject(&open), STATUS_INVALID_PARAMETER);
    open.hSharedHandle = fence;                              /* a local handle */
    assert_int_equal(D3DKMTOpenSynchronizationObject(&open), STATUS_INVALID_PARAMETER);
    open.hSharedHandle = 0;
    assert_int_equal(D3DKMTOpenSynchronizationObject(&open), STATUS_INVALID_PARAMETER);
    assert_int_equal(destroy(global), STATUS_INVALID_PARAMETER);   /* not a local handle */
    assert_int_equal(d3dkmt_handle_count(), handles + 1);

    /* An opened handle names the same fence: a signal through one is seen through the other. */
    open.hSharedHandle = global;
    assert_int_equal(D3DKMTOpenSynchronizationObject(&open), STATUS_SUCCESS);
    opened = open.hSyncObject;
    assert_int_not_equal(opened, fence);
    assert_int_equal(signal_cpu(t.device, opened, 3), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, fence, 3, 0), STATUS_SUCCESS);
    assert_int_equal(signal_cpu(other.device, opened, 4), STATUS_INVALID_PARAMETER);   /* the fence's device only */
    {
        /* A fence and its opened handle in one signal are one fence listed twice. */
        D3DKMT_HANDLE both[2] = { fence, opened };
        UINT64 values[2] = { 5, 6 };
        D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU s = { .hDevice = t.device, .ObjectCount = 2, .ObjectHandleArray = both,
                                                        .FenceValueArray = values };
        assert_int_equal(D3DKMTSignalSynchronizationObjectFromCpu(&s), STATUS_INVALID_PARAMETER);
    }

    /* The creator's handle destroyed, the opened one keeps the fence and the global handle. */
    assert_int_equal(destroy(fence), STATUS_SUCCESS);
    assert_int_equal(signal_cpu(t.device, opened, 7), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(t.device, opened, 7, 0), STATUS_SUCCESS);
    assert_int_equal(D3DKMTOpenSynchronizationObject(&open), STATUS_SUCCESS);
    assert_int_equal(destroy(open.hSyncObject), STATUS_SUCCESS);
    assert_int_equal(destroy(open.hSyncObject), STATUS_INVALID_PARAMETER);
    assert_int_equal(d3dkmt_global_count(), globals + 1);
    /* The last local handle gone, the global handle names nothing. */
    assert_int_equal(destroy(opened), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_global_count(), globals);
    assert_int_equal(D3DKMTOpenSynchronizationObject(&open), STATUS_INVALID_PARAMETER);

    /* NtSecuritySharing: with Shared only, and then no global handle. */
    info.Flags.Shared = 0;
    info.Flags.NtSecuritySharing = 1;
    assert_int_equal(create2(t.device, &info, &nt, NULL), STATUS_INVALID_PARAMETER);
    info.Flags.Shared = 1;
    assert_int_equal(create2(t.device, &info, &nt, &global), STATUS_SUCCESS);
    assert_int_equal(global, 0);
    assert_int_equal(d3dkmt_global_count(), globals);
    assert_int_equal(destroy(nt), STATUS_SUCCESS);

    /* Any type can be shared; a device destroyed lets go of the global handles of its objects. */
    info.Type = D3DDDI_SYNCHRONIZATION_MUTEX;
    info.Flags.NtSecuritySharing = 0;
    assert_int_equal(create2(other.device, &info, &mutex, &mglobal), STATUS_SUCCESS);
    open.hSharedHandle = mglobal;
    assert_int_equal(D3DKMTOpenSynchronizationObject(&open), STATUS_SUCCESS);
    assert_int_equal(wait_cpu(other.device, open.hSyncObject, 0, 0), STATUS_SUCCESS);     /* takes the mutex */
    assert_int_equal(wait_cpu(other.device, mutex, 0, 0), STATUS_TIMEOUT);                /* the same mutex */
    assert_int_equal(d3dkmt_global_count(), globals + 1);
    test_close_device(&other);
    assert_int_equal(d3dkmt_global_count(), globals);
    assert_int_equal(D3DKMTOpenSynchronizationObject(&open), STATUS_INVALID_PARAMETER);
    test_close_device(&t);
}

/* d3dkmt_host_get_sync_object_type: every type, an opened handle (its target's type), a paging
 * queue's fence; bad handles. */
static void test_host_type(void **state)
{
    static const D3DDDI_SYNCHRONIZATIONOBJECT_TYPE types[] =
        { D3DDDI_SYNCHRONIZATION_MUTEX, D3DDDI_SEMAPHORE, D3DDDI_FENCE, D3DDDI_MONITORED_FENCE };
    D3DDDI_SYNCHRONIZATIONOBJECTINFO2 info = { 0 };
    D3DKMT_OPENSYNCHRONIZATIONOBJECT open = { 0 };
    D3DKMT_CREATEPAGINGQUEUE queue = { 0 };
    D3DDDI_DESTROYPAGINGQUEUE destroy_queue = { 0 };
    D3DKMT_HANDLE handles[D3DKMT_ARRAY_SIZE(types)], shared, global;
    struct test_device t;
    uint32_t type;
    unsigned int i;

    test_open_device(&t);
    for (i = 0; i < D3DKMT_ARRAY_SIZE(types); i++)
    {
        info.Type = types[i];
        assert_int_equal(create2(t.device, &info, &handles[i], NULL), STATUS_SUCCESS);
    }
    for (i = 0; i < D3DKMT_ARRAY_SIZE(types); i++)
    {
        type = ~0u;
        assert_int_equal(d3dkmt_host_get_sync_object_type(handles[i], &type), STATUS_SUCCESS);
        assert_int_equal(type, types[i]);
    }
    /* An opened handle: its target's type. */
    info.Type = D3DDDI_FENCE;
    info.Flags.Shared = 1;
    assert_int_equal(create2(t.device, &info, &shared, &global), STATUS_SUCCESS);
    open.hSharedHandle = global;
    assert_int_equal(D3DKMTOpenSynchronizationObject(&open), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_get_sync_object_type(open.hSyncObject, &type), STATUS_SUCCESS);
    assert_int_equal(type, D3DDDI_FENCE);
    /* A paging queue's fence: a monitored fence. */
    queue.hDevice = t.device;
    queue.Priority = D3DDDI_PAGINGQUEUE_PRIORITY_NORMAL;
    assert_int_equal(D3DKMTCreatePagingQueue(&queue), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_get_sync_object_type(queue.hSyncObject, &type), STATUS_SUCCESS);
    assert_int_equal(type, D3DDDI_MONITORED_FENCE);

    /* Not sync objects: the global handle, the device, the queue itself, 0, a destroyed one. */
    type = 0x1eadbeed;
    assert_int_equal(d3dkmt_host_get_sync_object_type(global, &type), STATUS_INVALID_HANDLE);
    assert_int_equal(d3dkmt_host_get_sync_object_type(t.device, &type), STATUS_INVALID_HANDLE);
    assert_int_equal(d3dkmt_host_get_sync_object_type(queue.hPagingQueue, &type), STATUS_INVALID_HANDLE);
    assert_int_equal(d3dkmt_host_get_sync_object_type(0, &type), STATUS_INVALID_HANDLE);
    assert_int_equal(destroy(handles[0]), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_get_sync_object_type(handles[0], &type), STATUS_INVALID_HANDLE);
    assert_int_equal(type, 0x1eadbeed);
    assert_int_equal(d3dkmt_host_get_sync_object_type(handles[1], NULL), STATUS_INVALID_PARAMETER);

    destroy_queue.hPagingQueue = queue.hPagingQueue;
    assert_int_equal(D3DKMTDestroyPagingQueue(&destroy_queue), STATUS_SUCCESS);
    assert_int_equal(destroy(open.hSyncObject), STATUS_SUCCESS);
    assert_int_equal(destroy(shared), STATUS_SUCCESS);
    for (i = 1; i < D3DKMT_ARRAY_SIZE(types); i++) assert_int_equal(destroy(handles[i]), STATUS_SUCCESS);
    test_close_device(&t);
}

static int teardown_all(void **state)
{
    d3dkmt_host_shutdown();
    assert_int_equal(d3dkmt_host_validation_messages(), 0);
    assert_int_equal(d3dkmt_global_count(), 0);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutex),
        cmocka_unit_test(test_semaphore),
        cmocka_unit_test(test_fence_type),
        cmocka_unit_test(test_cpu_notification),
        cmocka_unit_test(test_create_v1),
        cmocka_unit_test(test_shared_open),
        cmocka_unit_test(test_host_type),
    };
    return cmocka_run_group_tests_name("sync types", tests, NULL, teardown_all);
}
