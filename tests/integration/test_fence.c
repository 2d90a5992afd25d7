/*
 * Monitored fences and paging queues on the real default Vulkan device (lavapipe without a GPU),
 * validation layer on: the CPU-visible value follows signals from the CPU and the GPU, CPU waits
 * wake when the value is reached, GPU waits hold back later work, paging queues own their fence,
 * destroys under pending GPU work free nothing early, and bad input gives the documented status
 * and changes nothing (docs/decisions/fences.md).
 *
 * Deterministic: the GPU is kept busy by a submission waiting on a semaphore the test signals
 * (tests/common.h), never by timing.  The D3DKMT wait has no timeout; "a value never reached does
 * not return" is checked with a timed join on the waiting thread, which then is released.
 */
#include "d3dkmt_private.h"
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct fence
{
    D3DKMT_HANDLE handle;
    volatile UINT64 *cpu;
};

static NTSTATUS create_fence(D3DKMT_HANDLE device, UINT64 initial, UINT flags, struct fence *f)
{
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 create = { .hDevice = device };
    NTSTATUS status;

    create.Info.Type = D3DDDI_MONITORED_FENCE;
    create.Info.Flags.Value = flags;
    create.Info.MonitoredFence.InitialFenceValue = initial;
    create.Info.MonitoredFence.FenceValueGPUVirtualAddress = 0xdeadbeef;
    if ((status = D3DKMTCreateSynchronizationObject2(&create))) return status;
    assert_int_not_equal(create.hSyncObject, 0);
    assert_non_null(create.Info.MonitoredFence.FenceValueCPUVirtualAddress);
    assert_int_equal((uintptr_t)create.Info.MonitoredFence.FenceValueCPUVirtualAddress % 8, 0);
    assert_int_equal(create.Info.MonitoredFence.FenceValueGPUVirtualAddress, 0);
    f->handle = create.hSyncObject;
    f->cpu = create.Info.MonitoredFence.FenceValueCPUVirtualAddress;
    return STATUS_SUCCESS;
}

static NTSTATUS destroy_fence(D3DKMT_HANDLE handle)
{
    D3DKMT_DESTROYSYNCHRONIZATIONOBJECT destroy = { .hSyncObject = handle };
    return D3DKMTDestroySynchronizationObject(&destroy);
}

static NTSTATUS signal_cpu(D3DKMT_HANDLE device, UINT count, const D3DKMT_HANDLE *handles, const UINT64 *values,
                           UINT flags)
{
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU s = {
        .hDevice = device, .ObjectCount = count, .ObjectHandleArray = handles, .FenceValueArray = values,
    };
    s.Flags.Value = flags;
    return D3DKMTSignalSynchronizationObjectFromCpu(&s);
}

static NTSTATUS signal_cpu1(D3DKMT_HANDLE device, D3DKMT_HANDLE handle, UINT64 value)
{
    return signal_cpu(device, 1, &handle, &value, 0);
}

static NTSTATUS wait_cpu(D3DKMT_HANDLE device, UINT count, const D3DKMT_HANDLE *handles, const UINT64 *values,
                         bool any)
{
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU w = {
        .hDevice = device, .ObjectCount = count, .ObjectHandleArray = handles, .FenceValueArray = values,
    };
    w.Flags.WaitAny = any;
    return D3DKMTWaitForSynchronizationObjectFromCpu(&w);
}

static NTSTATUS wait_cpu1(D3DKMT_HANDLE device, D3DKMT_HANDLE handle, UINT64 value)
{
    return wait_cpu(device, 1, &handle, &value, false);
}

static NTSTATUS signal_gpu1(D3DKMT_HANDLE context, D3DKMT_HANDLE handle, UINT64 value)
{
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU s = {
        .hContext = context, .ObjectCount = 1, .ObjectHandleArray = &handle, .MonitoredFenceValueArray = &value,
    };
    return D3DKMTSignalSynchronizationObjectFromGpu(&s);
}

static NTSTATUS wait_gpu1(D3DKMT_HANDLE context, D3DKMT_HANDLE handle, UINT64 value)
{
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU w = {
        .hContext = context, .ObjectCount = 1, .ObjectHandleArray = &handle, .MonitoredFenceValueArray = &value,
    };
    return D3DKMTWaitForSynchronizationObjectFromGpu(&w);
}

/* Reads the CPU-visible value until it reaches `value` (it is written by the library's waiter
 * thread, not by any call this thread makes), for at most 10 s.  Returns the last value read.
 * Atomic reads: another thread writes the value meanwhile. */
static UINT64 spin_until(volatile UINT64 *cpu, UINT64 value)
{
    struct timespec now, end;

    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += 10;
    do
    {
        if (__atomic_load_n(cpu, __ATOMIC_ACQUIRE) >= value) break;
        sched_yield();
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec < end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
    return __atomic_load_n(cpu, __ATOMIC_ACQUIRE);
}

static UINT64 deferred_pending(D3DKMT_HANDLE device)
{
    return test_stats(device).DeferredPending;
}

/* ---- Creation and destruction ---- */

static void test_create_destroy(void **state)
{
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 create;
    struct test_device t;
    struct fence f, g;
    uint32_t handles;

    test_open_device(&t);
    handles = d3dkmt_handle_count();
    assert_int_equal(create_fence(t.device, 7, 0, &f), STATUS_SUCCESS);
    assert_int_equal(*f.cpu, 7);
    assert_int_equal(d3dkmt_handle_count(), handles + 1);
    /* Accepted flags: TopOfPipeline, NoSignalMaxValueOnTdr. */
    assert_int_equal(create_fence(t.device, 0, 0x8 | 0x40, &g), STATUS_SUCCESS);
    assert_int_equal(*g.cpu, 0);
    assert_int_equal(destroy_fence(g.handle), STATUS_SUCCESS);
    assert_int_equal(destroy_fence(g.handle), STATUS_INVALID_PARAMETER);   /* stale */

    /* Bad input: documented status, nothing created. */
    handles = d3dkmt_handle_count();
    assert_int_equal(D3DKMTCreateSynchronizationObject2(NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(create_fence(t.adapter, 0, 0, &g), STATUS_INVALID_PARAMETER);    /* not a device */
    assert_int_equal(create_fence(f.handle, 0, 0, &g), STATUS_INVALID_PARAMETER);     /* not a device */
    assert_int_equal(create_fence(t.device, 0, 1u << 8, &g), STATUS_INVALID_PARAMETER);   /* reserved */
    assert_int_equal(create_fence(t.device, 0, 1u << 31, &g), STATUS_INVALID_PARAMETER);  /* reserved */
    /* (Shared fences, and the other types, are supported since issue 16: test_sync_types.c.) */
    assert_int_equal(create_fence(t.device, 0, 0x2, &g), STATUS_INVALID_PARAMETER);   /* NtSecuritySharing without Shared */
    assert_int_equal(create_fence(t.device, 0, 0x4, &g), STATUS_NOT_SUPPORTED);   /* CrossAdapter */
    memset(&create, 0, sizeof(create));
    create.hDevice = t.device;
    create.Info.Type = D3DDDI_PERIODIC_MONITORED_FENCE;
    assert_int_equal(D3DKMTCreateSynchronizationObject2(&create), STATUS_NOT_SUPPORTED);
    create.Info.Type = D3DDDI_CPU_NOTIFICATION;   /* no event */
    assert_int_equal(D3DKMTCreateSynchronizationObject2(&create), STATUS_INVALID_HANDLE);
    create.Info.Type = 0;
    assert_int_equal(D3DKMTCreateSynchronizationObject2(&create), STATUS_INVALID_PARAMETER);
    create.Info.Type = D3DDDI_SYNCHRONIZATION_TYPE_LIMIT;
    assert_int_equal(D3DKMTCreateSynchronizationObject2(&create), STATUS_INVALID_PARAMETER);
    assert_int_equal(create.hSyncObject, 0);
    assert_int_equal(d3dkmt_handle_count(), handles);

    assert_int_equal(D3DKMTDestroySynchronizationObject(NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(destroy_fence(t.device), STATUS_INVALID_PARAMETER);   /* not a sync object */
    assert_int_equal(destroy_fence(0), STATUS_INVALID_PARAMETER);
    assert_int_equal(*f.cpu, 7);
    assert_int_equal(destroy_fence(f.handle), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_handle_count(), handles - 1);
    test_close_device(&t);
}

/* ---- Signals from the CPU ---- */

static void test_signal_cpu(void **state)
{
    struct test_device t, other;
    struct fence f[3], foreign, nosignal;
    D3DKMT_HANDLE h[3], bad[2];
    UINT64 v[3], too_many_v[D3DKMT_MAX_SYNC_LIST + 1] = { 0 };
    D3DKMT_HANDLE too_many[D3DKMT_MAX_SYNC_LIST + 1];
    UINT i;

    test_open_device(&t);
    test_open_device(&other);
    for (i = 0; i < 3; i++)
    {
        assert_int_equal(create_fence(t.device, 0, 0, &f[i]), STATUS_SUCCESS);
        h[i] = f[i].handle;
    }
    assert_int_equal(create_fence(other.device, 0, 0, &foreign), STATUS_SUCCESS);
    assert_int_equal(create_fence(t.device, 0, 0x10 /* NoSignal */, &nosignal), STATUS_SUCCESS);

    /* A CPU signal is visible as soon as the call returns. */
    assert_int_equal(signal_cpu1(t.device, h[0], 5), STATUS_SUCCESS);
    assert_int_equal(*f[0].cpu, 5);
    v[0] = 6; v[1] = 1; v[2] = 1000000;
    assert_int_equal(signal_cpu(t.device, 3, h, v, 0), STATUS_SUCCESS);
    assert_int_equal(*f[0].cpu, 6);
    assert_int_equal(*f[1].cpu, 1);
    assert_int_equal(*f[2].cpu, 1000000);
    /* SignalAtSubmission is accepted (a CPU signal is immediate anyway). */
    v[1] = 2;
    assert_int_equal(signal_cpu(t.device, 1, &h[1], &v[1], 0x1), STATUS_SUCCESS);
    assert_int_equal(*f[1].cpu, 2);

    /* Values never go backwards: lower or equal values are ignored, successfully. */
    assert_int_equal(signal_cpu1(t.device, h[0], 3), STATUS_SUCCESS);
    assert_int_equal(signal_cpu1(t.device, h[0], 6), STATUS_SUCCESS);
    assert_int_equal(*f[0].cpu, 6);
    assert_int_equal(wait_cpu1(t.device, h[0], 6), STATUS_SUCCESS);   /* reached: returns at once */

    /* Bad input: documented status, no fence changes. */
    v[0] = 100; v[1] = 100; v[2] = 100;
    assert_int_equal(D3DKMTSignalSynchronizationObjectFromCpu(NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(signal_cpu(t.device, 0, h, v, 0), STATUS_INVALID_PARAMETER);
    for (i = 0; i <= D3DKMT_MAX_SYNC_LIST; i++) too_many[i] = h[0];
    assert_int_equal(signal_cpu(t.device, D3DKMT_MAX_SYNC_LIST + 1, too_many, too_many_v, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(signal_cpu(t.device, 1, NULL, v, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(signal_cpu(t.device, 1, h, NULL, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(signal_cpu(other.device, 1, h, v, 0), STATUS_INVALID_PARAMETER);    /* foreign fence */
    assert_int_equal(signal_cpu(t.adapter, 1, h, v, 0), STATUS_INVALID_PARAMETER);       /* not a device */
    bad[0] = h[0]; bad[1] = foreign.handle;
    assert_int_equal(signal_cpu(t.device, 2, bad, v, 0), STATUS_INVALID_PARAMETER);      /* second is foreign */
    bad[1] = t.device;
    assert_int_equal(signal_cpu(t.device, 2, bad, v, 0), STATUS_INVALID_PARAMETER);      /* second not a fence */
    bad[1] = h[0];
    assert_int_equal(signal_cpu(t.device, 2, bad, v, 0), STATUS_INVALID_PARAMETER);      /* repeated */
    bad[1] = nosignal.handle;
    assert_int_equal(signal_cpu(t.device, 2, bad, v, 0), STATUS_INVALID_PARAMETER);      /* NoSignal */
    assert_int_equal(signal_cpu(t.device, 1, h, v, 0x4), STATUS_NOT_SUPPORTED);          /* AllowFenceRewind */
    assert_int_equal(signal_cpu(t.device, 1, h, v, 0x2), STATUS_NOT_SUPPORTED);          /* EnqueueCpuEvent */
    assert_int_equal(signal_cpu(t.device, 1, h, v, 0x8), STATUS_INVALID_PARAMETER);      /* reserved */
    assert_int_equal(signal_cpu(t.device, 1, h, v, 0x80000000u), STATUS_INVALID_PARAMETER);
    assert_int_equal(*f[0].cpu, 6);
    assert_int_equal(*f[1].cpu, 2);
    assert_int_equal(*f[2].cpu, 1000000);
    assert_int_equal(*foreign.cpu, 0);
    assert_int_equal(*nosignal.cpu, 0);

    for (i = 0; i < 3; i++) assert_int_equal(destroy_fence(h[i]), STATUS_SUCCESS);
    assert_int_equal(destroy_fence(nosignal.handle), STATUS_SUCCESS);
    /* A destroyed fence is a bad handle. */
    assert_int_equal(signal_cpu1(t.device, h[0], 10), STATUS_INVALID_PARAMETER);
    assert_int_equal(wait_cpu1(t.device, h[0], 1), STATUS_INVALID_PARAMETER);
    /* Destroying the device destroys its fences. */
    test_close_device(&other);
    assert_int_equal(destroy_fence(foreign.handle), STATUS_INVALID_PARAMETER);
    test_close_device(&t);
}

/* ---- Waits from the CPU ---- */

struct waiter
{
    pthread_t thread;
    D3DKMT_HANDLE device;
    UINT count;
    D3DKMT_HANDLE handles[2];
    UINT64 values[2];
    bool any;
    NTSTATUS status;
};

static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    w->status = wait_cpu(w->device, w->count, w->handles, w->values, w->any);
    return NULL;
}

static void start_waiter(struct waiter *w)
{
    w->status = -1;
    assert_int_equal(pthread_create(&w->thread, NULL, waiter_main, w), 0);
}

/* True when the waiting thread is still blocked after 200 ms. */
static bool still_waiting(struct waiter *w)
{
    struct timespec deadline;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 200000000;
    if (deadline.tv_nsec >= 1000000000) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000; }
    return pthread_timedjoin_np(w->thread, NULL, &deadline) == ETIMEDOUT;
}

static void test_wait_cpu(void **state)
{
    struct test_device t;
    struct fence a, b, nowait;
    struct waiter w = { 0 };
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU async = { 0 };
    UINT64 value = 1;

    test_open_device(&t);
    assert_int_equal(create_fence(t.device, 0, 0, &a), STATUS_SUCCESS);
    assert_int_equal(create_fence(t.device, 0, 0, &b), STATUS_SUCCESS);
    assert_int_equal(create_fence(t.device, 0, 0x20 /* NoWait */, &nowait), STATUS_SUCCESS);

    /* A wait for all: blocks until the other thread signals the value. */
    w.device = t.device;
    w.count = 2;
    w.handles[0] = a.handle; w.values[0] = 3;
    w.handles[1] = b.handle; w.values[1] = 2;
    start_waiter(&w);
    assert_int_equal(signal_cpu1(t.device, a.handle, 3), STATUS_SUCCESS);
    assert_true(still_waiting(&w));                     /* b is not there yet */
    assert_int_equal(signal_cpu1(t.device, b.handle, 2), STATUS_SUCCESS);
    assert_int_equal(pthread_join(w.thread, NULL), 0);
    assert_int_equal(w.status, STATUS_SUCCESS);

    /* WaitAny: one fence is enough. */
    w.values[0] = 10; w.values[1] = 5;
    w.any = true;
    start_waiter(&w);
    assert_true(still_waiting(&w));
    assert_int_equal(signal_cpu1(t.device, b.handle, 5), STATUS_SUCCESS);
    assert_int_equal(pthread_join(w.thread, NULL), 0);
    assert_int_equal(w.status, STATUS_SUCCESS);
    assert_int_equal(*a.cpu, 3);

    /* The same fence twice in one wait is allowed. */
    w.handles[1] = a.handle; w.values[0] = 3; w.values[1] = 2;
    w.any = false;
    start_waiter(&w);
    assert_int_equal(pthread_join(w.thread, NULL), 0);
    assert_int_equal(w.status, STATUS_SUCCESS);

    /* Bad input. */
    assert_int_equal(D3DKMTWaitForSynchronizationObjectFromCpu(NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(wait_cpu(t.device, 0, &a.handle, &value, false), STATUS_INVALID_PARAMETER);
    assert_int_equal(wait_cpu(t.device, D3DKMT_MAX_SYNC_LIST + 1, &a.handle, &value, false), STATUS_INVALID_PARAMETER);
    assert_int_equal(wait_cpu(t.device, 1, NULL, &value, false), STATUS_INVALID_PARAMETER);
    assert_int_equal(wait_cpu(t.device, 1, &a.handle, NULL, false), STATUS_INVALID_PARAMETER);
    assert_int_equal(wait_cpu(t.device, 1, &nowait.handle, &value, false), STATUS_INVALID_PARAMETER);
    assert_int_equal(wait_cpu(a.handle, 1, &a.handle, &value, false), STATUS_INVALID_PARAMETER);
    async.hDevice = t.device;
    async.ObjectCount = 1;
    async.ObjectHandleArray = &a.handle;
    async.FenceValueArray = &value;
    async.Flags.Value = 2;   /* reserved */
    assert_int_equal(D3DKMTWaitForSynchronizationObjectFromCpu(&async), STATUS_INVALID_PARAMETER);
    async.Flags.Value = 0;
    async.hAsyncEvent = (HANDLE)0x1234;   /* a Windows event: the DLL's PE side does it */
    assert_int_equal(D3DKMTWaitForSynchronizationObjectFromCpu(&async), STATUS_NOT_SUPPORTED);
    async.ObjectHandleArray = &t.device;   /* validated before the NOT_SUPPORTED */
    assert_int_equal(D3DKMTWaitForSynchronizationObjectFromCpu(&async), STATUS_INVALID_PARAMETER);

    assert_int_equal(destroy_fence(a.handle), STATUS_SUCCESS);
    assert_int_equal(destroy_fence(b.handle), STATUS_SUCCESS);
    assert_int_equal(destroy_fence(nowait.handle), STATUS_SUCCESS);
    test_close_device(&t);
}

/* ---- Signals and waits from the GPU ---- */

/* d3dkmt_host_wait_from_cpu: the timed form of the CPU wait (the DLL's hAsyncEvent form uses it). */
static void test_wait_cpu_timeout(void **state)
{
    struct test_device t;
    struct fence f;
    UINT64 want = 5;
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU w = { 0 };

    test_open_device(&t);
    assert_int_equal(create_fence(t.device, 2, 0, &f), STATUS_SUCCESS);
    w.hDevice = t.device;
    w.ObjectCount = 1;
    w.ObjectHandleArray = &f.handle;
    w.FenceValueArray = &want;
    assert_int_equal(d3dkmt_host_wait_from_cpu(&w, 0), STATUS_TIMEOUT);             /* poll */
    assert_int_equal(d3dkmt_host_wait_from_cpu(&w, 20000000), STATUS_TIMEOUT);      /* 20 ms */
    assert_int_equal(signal_cpu(t.device, 1, &f.handle, &want, 0), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_wait_from_cpu(&w, 0), STATUS_SUCCESS);
    assert_int_equal(*f.cpu, 5);
    w.hAsyncEvent = (HANDLE)(ULONG_PTR)4;                                            /* the DLL's job */
    assert_int_equal(d3dkmt_host_wait_from_cpu(&w, 0), STATUS_NOT_SUPPORTED);
    w.hAsyncEvent = NULL;
    w.ObjectHandleArray = &t.device;                                                  /* not a fence */
    assert_int_equal(d3dkmt_host_wait_from_cpu(&w, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(d3dkmt_host_wait_from_cpu(NULL, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(destroy_fence(f.handle), STATUS_SUCCESS);
    test_close_device(&t);
}

static void test_signal_gpu(void **state)
{
    struct test_device t, other;
    struct test_busy busy;
    struct fence f, g, nogpu;
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU2 s2 = { 0 };
    D3DKMT_HANDLE contexts[3];
    UINT64 value;

    test_open_device(&t);
    test_open_device(&other);
    assert_int_equal(create_fence(t.device, 0, 0, &f), STATUS_SUCCESS);
    assert_int_equal(create_fence(t.device, 0, 0, &g), STATUS_SUCCESS);
    assert_int_equal(create_fence(t.device, 0, 0x80 /* NoGPUAccess */, &nogpu), STATUS_SUCCESS);

    /* A GPU signal runs after the work queued before it; the CPU value follows by itself. */
    test_busy_begin(&t, &busy);
    assert_int_equal(signal_gpu1(t.device, f.handle, 10), STATUS_SUCCESS);
    assert_int_equal(*f.cpu, 0);
    /* A CPU signal of a fence with a queued GPU signal: a lower value is ignored, a higher one
     * is queued behind it. */
    assert_int_equal(signal_cpu1(t.device, f.handle, 4), STATUS_SUCCESS);
    assert_int_equal(signal_cpu1(t.device, f.handle, 12), STATUS_SUCCESS);
    assert_int_equal(*f.cpu, 0);
    /* FromGpu2: a broadcast to one device. */
    value = 7;
    contexts[0] = contexts[1] = t.device;
    s2.ObjectCount = 1;
    s2.ObjectHandleArray = &g.handle;
    s2.MonitoredFenceValueArray = &value;
    s2.BroadcastContextCount = 2;
    s2.BroadcastContextArray = contexts;
    assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu2(&s2), STATUS_SUCCESS);
    assert_int_equal(*g.cpu, 0);
    assert_true(deferred_pending(t.device) == 0);
    test_busy_end(&t, &busy);
    assert_int_equal(spin_until(f.cpu, 12), 12);     /* written by the library's waiter thread */
    assert_int_equal(spin_until(g.cpu, 7), 7);
    assert_int_equal(wait_cpu1(t.device, f.handle, 12), STATUS_SUCCESS);
    assert_int_equal(*f.cpu, 12);

    /* A signal below the current value is ignored. */
    assert_int_equal(signal_gpu1(t.device, f.handle, 11), STATUS_SUCCESS);
    assert_int_equal(signal_gpu1(t.device, f.handle, 13), STATUS_SUCCESS);
    assert_int_equal(wait_cpu1(t.device, f.handle, 13), STATUS_SUCCESS);   /* CPU value current on return */
    assert_int_equal(*f.cpu, 13);

    /* Bad input: documented status, nothing queued, no fence changes. */
    value = 100;
    assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu(NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(signal_gpu1(f.handle, f.handle, 100), STATUS_INVALID_PARAMETER);       /* context not a device */
    assert_int_equal(signal_gpu1(other.device, f.handle, 100), STATUS_INVALID_PARAMETER);   /* foreign fence */
    assert_int_equal(signal_gpu1(t.device, nogpu.handle, 100), STATUS_INVALID_PARAMETER);   /* NoGPUAccess */
    {
        D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU s = { .hContext = t.device, .ObjectCount = 0,
                                                        .ObjectHandleArray = &f.handle,
                                                        .MonitoredFenceValueArray = &value };
        D3DKMT_HANDLE twice[2] = { f.handle, f.handle };
        UINT64 values[2] = { 100, 101 };
        assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu(&s), STATUS_INVALID_PARAMETER);
        s.ObjectCount = D3DKMT_MAX_SYNC_LIST + 1;
        assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu(&s), STATUS_INVALID_PARAMETER);
        s.ObjectCount = 1;
        s.MonitoredFenceValueArray = NULL;
        assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu(&s), STATUS_INVALID_PARAMETER);
        s.ObjectCount = 2;
        s.ObjectHandleArray = twice;
        s.MonitoredFenceValueArray = values;
        assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu(&s), STATUS_INVALID_PARAMETER);   /* repeated */
    }
    assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu2(NULL), STATUS_INVALID_PARAMETER);
    s2.MonitoredFenceValueArray = &value;
    contexts[1] = other.device;
    assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu2(&s2), STATUS_INVALID_PARAMETER);   /* two devices */
    contexts[1] = g.handle;
    assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu2(&s2), STATUS_INVALID_PARAMETER);   /* not a device */
    contexts[1] = t.device;
    s2.BroadcastContextCount = 0;
    assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu2(&s2), STATUS_INVALID_PARAMETER);
    s2.BroadcastContextCount = 1;
    s2.Flags.SignalAtSubmission = 1;
    assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu2(&s2), STATUS_NOT_SUPPORTED);
    s2.Flags.Value = 0x2;   /* EnqueueCpuEvent */
    assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu2(&s2), STATUS_NOT_SUPPORTED);
    s2.Flags.Value = 0x4;   /* AllowFenceRewind */
    assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu2(&s2), STATUS_NOT_SUPPORTED);
    s2.Flags.Value = 0x10;  /* reserved */
    assert_int_equal(D3DKMTSignalSynchronizationObjectFromGpu2(&s2), STATUS_INVALID_PARAMETER);
    assert_int_equal(wait_cpu1(t.device, f.handle, 13), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 10000000000ull), STATUS_SUCCESS);
    assert_int_equal(*f.cpu, 13);
    assert_int_equal(*g.cpu, 7);
    assert_int_equal(*nogpu.cpu, 0);

    test_busy_finish(&t, &busy);
    assert_int_equal(destroy_fence(f.handle), STATUS_SUCCESS);
    assert_int_equal(destroy_fence(g.handle), STATUS_SUCCESS);
    assert_int_equal(destroy_fence(nogpu.handle), STATUS_SUCCESS);
    test_close_device(&other);
    test_close_device(&t);
}

static void test_wait_gpu(void **state)
{
    struct test_device t;
    struct fence gate, after, nowait;
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU w = { 0 };
    UINT64 value = 1;

    test_open_device(&t);
    assert_int_equal(create_fence(t.device, 0, 0, &gate), STATUS_SUCCESS);
    assert_int_equal(create_fence(t.device, 0, 0, &after), STATUS_SUCCESS);
    assert_int_equal(create_fence(t.device, 0, 0x20 /* NoWait */, &nowait), STATUS_SUCCESS);

    /* A queued GPU wait holds back everything queued after it, until the CPU signals. */
    assert_int_equal(wait_gpu1(t.device, gate.handle, 4), STATUS_SUCCESS);
    assert_int_equal(signal_gpu1(t.device, after.handle, 1), STATUS_SUCCESS);
    assert_int_equal(signal_cpu1(t.device, gate.handle, 3), STATUS_SUCCESS);   /* not enough */
    assert_int_equal(*after.cpu, 0);
    assert_int_equal(signal_cpu1(t.device, gate.handle, 4), STATUS_SUCCESS);
    assert_int_equal(wait_cpu1(t.device, after.handle, 1), STATUS_SUCCESS);
    assert_int_equal(*after.cpu, 1);

    /* Bad input: nothing queued. */
    assert_int_equal(D3DKMTWaitForSynchronizationObjectFromGpu(NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(wait_gpu1(gate.handle, gate.handle, 100), STATUS_INVALID_PARAMETER);   /* context not a device */
    assert_int_equal(wait_gpu1(t.device, nowait.handle, 100), STATUS_INVALID_PARAMETER);    /* NoWait */
    assert_int_equal(wait_gpu1(t.device, t.device, 100), STATUS_INVALID_PARAMETER);         /* not a fence */
    w.hContext = t.device;
    w.ObjectHandleArray = &gate.handle;
    w.MonitoredFenceValueArray = &value;
    assert_int_equal(D3DKMTWaitForSynchronizationObjectFromGpu(&w), STATUS_INVALID_PARAMETER);   /* count 0 */
    w.ObjectCount = D3DKMT_MAX_SYNC_LIST + 1;
    assert_int_equal(D3DKMTWaitForSynchronizationObjectFromGpu(&w), STATUS_INVALID_PARAMETER);
    w.ObjectCount = 1;
    w.ObjectHandleArray = NULL;
    assert_int_equal(D3DKMTWaitForSynchronizationObjectFromGpu(&w), STATUS_INVALID_PARAMETER);
    /* Had any of them queued a wait for 100, this would never complete. */
    assert_int_equal(signal_gpu1(t.device, after.handle, 2), STATUS_SUCCESS);
    assert_int_equal(wait_cpu1(t.device, after.handle, 2), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 10000000000ull), STATUS_SUCCESS);

    assert_int_equal(destroy_fence(gate.handle), STATUS_SUCCESS);
    assert_int_equal(destroy_fence(after.handle), STATUS_SUCCESS);
    assert_int_equal(destroy_fence(nowait.handle), STATUS_SUCCESS);
    test_close_device(&t);
}

/* Destroying a fence with a queued GPU signal: the handle goes at once, the semaphore only after
 * the GPU is done with it (the validation layer would report a semaphore destroyed in use). */
static void test_destroy_pending(void **state)
{
    struct test_device t;
    struct test_busy busy;
    struct fence f;

    test_open_device(&t);
    assert_int_equal(create_fence(t.device, 0, 0, &f), STATUS_SUCCESS);
    test_busy_begin(&t, &busy);
    assert_int_equal(signal_gpu1(t.device, f.handle, 1), STATUS_SUCCESS);
    assert_int_equal(destroy_fence(f.handle), STATUS_SUCCESS);   /* does not wait for the GPU */
    assert_int_equal(signal_cpu1(t.device, f.handle, 2), STATUS_INVALID_PARAMETER);
    assert_int_equal(destroy_fence(f.handle), STATUS_INVALID_PARAMETER);
    assert_int_equal(deferred_pending(t.device), 1);              /* the free waits for the GPU */
    test_busy_end(&t, &busy);
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 10000000000ull), STATUS_SUCCESS);
    assert_int_equal(deferred_pending(t.device), 0);
    test_busy_finish(&t, &busy);
    test_close_device(&t);
}

/* ---- Paging queues ---- */

static NTSTATUS create_queue(D3DKMT_HANDLE device, int priority, UINT index, D3DKMT_CREATEPAGINGQUEUE *out)
{
    memset(out, 0, sizeof(*out));
    out->hDevice = device;
    out->Priority = priority;
    out->PhysicalAdapterIndex = index;
    return D3DKMTCreatePagingQueue(out);
}

static NTSTATUS destroy_queue(D3DKMT_HANDLE queue)
{
    D3DDDI_DESTROYPAGINGQUEUE destroy = { .hPagingQueue = queue };
    return D3DKMTDestroyPagingQueue(&destroy);
}

static void test_paging_queue(void **state)
{
    D3DKMT_CREATEPAGINGQUEUE q, bad;
    struct test_device t;
    uint32_t handles;
    UINT64 value = 1;
    int prio;

    test_open_device(&t);
    for (prio = -1; prio <= 1; prio++)
    {
        volatile UINT64 *cpu;

        handles = d3dkmt_handle_count();
        assert_int_equal(create_queue(t.device, prio, 0, &q), STATUS_SUCCESS);
        assert_int_not_equal(q.hPagingQueue, 0);
        assert_int_not_equal(q.hSyncObject, 0);
        assert_int_equal(d3dkmt_handle_count(), handles + 2);
        cpu = q.FenceValueCPUVirtualAddress;
        assert_non_null(cpu);
        assert_int_equal((uintptr_t)cpu % 8, 0);
        assert_int_equal(*cpu, 0);
        /* The fence can be waited for, not signalled or destroyed directly. */
        assert_int_equal(wait_cpu1(t.device, q.hSyncObject, 0), STATUS_SUCCESS);
        assert_int_equal(signal_cpu1(t.device, q.hSyncObject, 5), STATUS_INVALID_PARAMETER);
        assert_int_equal(signal_gpu1(t.device, q.hSyncObject, 5), STATUS_INVALID_PARAMETER);
        assert_int_equal(destroy_fence(q.hSyncObject), STATUS_INVALID_PARAMETER);
        assert_int_equal(wait_gpu1(t.device, q.hSyncObject, 0), STATUS_SUCCESS);
        assert_int_equal(*cpu, 0);
        assert_int_equal(destroy_fence(q.hPagingQueue), STATUS_INVALID_PARAMETER);   /* not a sync object */

        /* Destroying the queue destroys its fence. */
        assert_int_equal(destroy_queue(q.hPagingQueue), STATUS_SUCCESS);
        assert_int_equal(d3dkmt_handle_count(), handles);
        assert_int_equal(destroy_queue(q.hPagingQueue), STATUS_INVALID_PARAMETER);
        assert_int_equal(wait_cpu1(t.device, q.hSyncObject, 0), STATUS_INVALID_PARAMETER);
        assert_int_equal(destroy_fence(q.hSyncObject), STATUS_INVALID_PARAMETER);
    }

    /* Bad input: documented status, nothing created. */
    handles = d3dkmt_handle_count();
    assert_int_equal(D3DKMTCreatePagingQueue(NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(create_queue(t.device, 2, 0, &bad), STATUS_INVALID_PARAMETER);
    assert_int_equal(create_queue(t.device, -2, 0, &bad), STATUS_INVALID_PARAMETER);
    assert_int_equal(create_queue(t.device, 0, 1, &bad), STATUS_INVALID_PARAMETER);
    assert_int_equal(create_queue(t.adapter, 0, 0, &bad), STATUS_INVALID_PARAMETER);
    assert_int_equal(bad.hPagingQueue, 0);
    assert_int_equal(bad.hSyncObject, 0);
    assert_null(bad.FenceValueCPUVirtualAddress);
    assert_int_equal(d3dkmt_handle_count(), handles);
    assert_int_equal(D3DKMTDestroyPagingQueue(NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(destroy_queue(t.device), STATUS_INVALID_PARAMETER);

    /* A queue left alive goes with its device. */
    assert_int_equal(create_queue(t.device, 0, 0, &q), STATUS_SUCCESS);
    (void)value;
    test_close_device(&t);
    assert_int_equal(destroy_queue(q.hPagingQueue), STATUS_INVALID_PARAMETER);
}

/* A paging operation is pending (its fence signal is queued behind a busy GPU) when the queue is
 * destroyed: the call returns at once, both handles are gone, and the queue and its semaphore are
 * freed only after the signal ran.  The operation is made the way the library's own paging code
 * makes one: reserve the next fence value under the queue lock, then submit a tracked batch that
 * signals it. */
static void test_paging_queue_destroy_pending(void **state)
{
    D3DKMT_CREATEPAGINGQUEUE q;
    struct d3dkmt_paging_queue *queue;
    struct test_device t;
    struct test_busy busy;
    VkSemaphoreSubmitInfo wait = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .value = 1,
                                   .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
    VkSemaphoreSubmitInfo signal = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO,
                                     .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
    VkSubmitInfo2 submit = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2, .waitSemaphoreInfoCount = 1,
                             .pWaitSemaphoreInfos = &wait, .signalSemaphoreInfoCount = 1,
                             .pSignalSemaphoreInfos = &signal };
    struct d3dkmt_device *device;
    volatile UINT64 *cpu;

    test_open_device(&t);
    assert_int_equal(create_queue(t.device, 0, 0, &q), STATUS_SUCCESS);
    cpu = q.FenceValueCPUVirtualAddress;
    test_busy_begin(&t, &busy);

    assert_non_null(device = d3dkmt_device_get(t.device));
    assert_non_null(queue = d3dkmt_paging_queue_get(q.hPagingQueue, device));
    pthread_mutex_lock(&device->queue_lock);
    signal.value = d3dkmt_paging_queue_next_value_locked(device, queue);
    pthread_mutex_unlock(&device->queue_lock);
    assert_int_equal(signal.value, 1);
    signal.semaphore = queue->fence->value.semaphore;
    assert_int_equal(d3dkmt_paging_queue_completed(device, queue), 0);
    d3dkmt_object_put(&queue->obj);
    d3dkmt_device_put(device);
    wait.semaphore = busy.gate;
    assert_int_equal(d3dkmt_host_submit(t.device, &submit, NULL), STATUS_SUCCESS);
    assert_int_equal(*cpu, 0);

    assert_int_equal(destroy_queue(q.hPagingQueue), STATUS_SUCCESS);   /* does not wait for the GPU */
    assert_int_equal(destroy_queue(q.hPagingQueue), STATUS_INVALID_PARAMETER);
    assert_int_equal(wait_cpu1(t.device, q.hSyncObject, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(deferred_pending(t.device), 1);   /* the queue's last reference waits for the GPU */

    test_busy_end(&t, &busy);
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 10000000000ull), STATUS_SUCCESS);
    assert_int_equal(deferred_pending(t.device), 0);
    test_busy_finish(&t, &busy);
    test_close_device(&t);
}

/* The CPU-visible value of a paging queue's fence follows paging operations: completed() is the
 * semaphore's value and raises the CPU value. */
static void test_paging_queue_completed(void **state)
{
    D3DKMT_CREATEPAGINGQUEUE q;
    struct d3dkmt_paging_queue *queue;
    struct d3dkmt_device *device;
    struct test_device t;
    VkSemaphoreSubmitInfo signal = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO,
                                     .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
    VkSubmitInfo2 submit = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2, .signalSemaphoreInfoCount = 1,
                             .pSignalSemaphoreInfos = &signal };
    volatile UINT64 *cpu;
    UINT64 i;

    test_open_device(&t);
    assert_int_equal(create_queue(t.device, 0, 0, &q), STATUS_SUCCESS);
    cpu = q.FenceValueCPUVirtualAddress;
    assert_non_null(device = d3dkmt_device_get(t.device));
    assert_non_null(queue = d3dkmt_paging_queue_get(q.hPagingQueue, device));
    assert_null(d3dkmt_paging_queue_get(q.hSyncObject, device));    /* typed lookup */
    signal.semaphore = queue->fence->value.semaphore;
    for (i = 1; i <= 3; i++)
    {
        pthread_mutex_lock(&device->queue_lock);
        signal.value = d3dkmt_paging_queue_next_value_locked(device, queue);
        pthread_mutex_unlock(&device->queue_lock);
        assert_int_equal(signal.value, i);
        assert_int_equal(d3dkmt_host_submit(t.device, &submit, NULL), STATUS_SUCCESS);
    }
    assert_int_equal(wait_cpu1(t.device, q.hSyncObject, 3), STATUS_SUCCESS);
    assert_int_equal(*cpu, 3);
    assert_int_equal(d3dkmt_paging_queue_completed(device, queue), 3);
    d3dkmt_object_put(&queue->obj);
    d3dkmt_device_put(device);
    assert_int_equal(destroy_queue(q.hPagingQueue), STATUS_SUCCESS);
    test_close_device(&t);
}

/* ---- Concurrent CPU and GPU signals and waits (issue 18) ----
 * The Khronos validation layer Debian 12 ships (1.3.239) mistracks timeline semaphores: a wait for
 * a value no signal writes exactly leaves a completed signal recorded as pending, and every later
 * host signal is then reported as VUID-VkSemaphoreSignalInfo-value-03259.  The library waits only
 * for values a signal writes (src/fence.c); these tests make the sequences that produced the
 * report, deterministically (gated GPU work, threads joined), then many threads racing, and end
 * with no validation message (test_close_device, the layer fatal: main()). */

struct cpu_waiter
{
    D3DKMT_HANDLE device, fence;
    UINT64 value;
    NTSTATUS status;
};

static void *cpu_waiter_main(void *arg)
{
    struct cpu_waiter *w = arg;
    w->status = wait_cpu1(w->device, w->fence, w->value);
    return NULL;
}

static void test_exact_waits(void **state)
{
    struct test_device t;
    struct test_busy busy;
    struct fence f, g;
    struct cpu_waiter waiter;
    pthread_t thread;

    test_open_device(&t);
    assert_int_equal(create_fence(t.device, 0, 0, &f), STATUS_SUCCESS);
    assert_int_equal(create_fence(t.device, 0, 0, &g), STATUS_SUCCESS);

    /* A CPU wait for a value between the current one and a queued GPU signal (3 < 5), the GPU
     * signal completing, then host signals above it: the sequence of the 03259 reports. */
    test_busy_begin(&t, &busy);
    assert_int_equal(signal_gpu1(t.device, f.handle, 5), STATUS_SUCCESS);
    waiter = (struct cpu_waiter){ .device = t.device, .fence = f.handle, .value = 3, .status = -1 };
    assert_int_equal(pthread_create(&thread, NULL, cpu_waiter_main, &waiter), 0);
    test_busy_end(&t, &busy);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(waiter.status, STATUS_SUCCESS);
    assert_true(*f.cpu >= 3);
    assert_int_equal(signal_cpu1(t.device, f.handle, 6), STATUS_SUCCESS);
    assert_int_equal(*f.cpu, 6);
    assert_int_equal(signal_cpu1(t.device, f.handle, 7), STATUS_SUCCESS);
    assert_int_equal(*f.cpu, 7);
    test_busy_finish(&t, &busy);

    /* A wait for a value above every signal issued (the GPU waits for 12 before anything
     * signals it): the CPU signal past it releases the queue, and host signals go on after. */
    assert_int_equal(wait_gpu1(t.device, f.handle, 12), STATUS_SUCCESS);
    assert_int_equal(signal_gpu1(t.device, g.handle, 1), STATUS_SUCCESS);     /* held back */
    assert_int_equal(signal_cpu1(t.device, f.handle, 14), STATUS_SUCCESS);
    assert_int_equal(*f.cpu, 14);
    assert_int_equal(wait_cpu1(t.device, g.handle, 1), STATUS_SUCCESS);
    assert_int_equal(*g.cpu, 1);
    assert_int_equal(signal_cpu1(t.device, f.handle, 15), STATUS_SUCCESS);

    /* GPU and CPU waits for values between two queued GPU signals (25 between 20 and 30). */
    test_busy_begin(&t, &busy);
    assert_int_equal(signal_gpu1(t.device, f.handle, 20), STATUS_SUCCESS);
    assert_int_equal(signal_gpu1(t.device, f.handle, 30), STATUS_SUCCESS);
    assert_int_equal(wait_gpu1(t.device, f.handle, 25), STATUS_SUCCESS);
    assert_int_equal(signal_gpu1(t.device, g.handle, 2), STATUS_SUCCESS);
    waiter = (struct cpu_waiter){ .device = t.device, .fence = f.handle, .value = 25, .status = -1 };
    assert_int_equal(pthread_create(&thread, NULL, cpu_waiter_main, &waiter), 0);
    /* A CPU signal below a queued GPU signal is ignored (values never go backwards). */
    assert_int_equal(signal_cpu1(t.device, f.handle, 17), STATUS_SUCCESS);
    assert_int_equal(*f.cpu, 15);
    test_busy_end(&t, &busy);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(waiter.status, STATUS_SUCCESS);
    assert_int_equal(*f.cpu, 30);                     /* reached 30 on return: no value in between */
    assert_int_equal(wait_cpu1(t.device, g.handle, 2), STATUS_SUCCESS);
    assert_int_equal(signal_cpu1(t.device, f.handle, 31), STATUS_SUCCESS);
    assert_int_equal(signal_cpu1(t.device, f.handle, 32), STATUS_SUCCESS);
    assert_int_equal(*f.cpu, 32);

    test_busy_finish(&t, &busy);
    assert_int_equal(destroy_fence(f.handle), STATUS_SUCCESS);
    assert_int_equal(destroy_fence(g.handle), STATUS_SUCCESS);
    test_close_device(&t);
}

#define RACE_ROUNDS 400

struct race
{
    D3DKMT_HANDLE device, fence;
    volatile UINT64 *cpu;
    pthread_mutex_t order;        /* signallers take the next value and signal it in one go */
    UINT64 next;
    _Atomic UINT64 issued;        /* highest value a call has signalled (or queued) */
    _Atomic unsigned int running; /* signallers and waiters still going (the reader stops after) */
    _Atomic unsigned int failures, backwards;
};

static void race_issued(struct race *r, UINT64 v)
{
    UINT64 i = atomic_load(&r->issued);
    while (i < v && !atomic_compare_exchange_weak(&r->issued, &i, v)) ;
}

static void race_fail(struct race *r, const char *what, NTSTATUS status)
{
    fprintf(stderr, "race: %s returned %#x\n", what, (unsigned)status);
    atomic_fetch_add(&r->failures, 1);
}

/* kind 0: CPU signals; 1: GPU signals; 2: CPU waits, for a value issued or up to 2 above, 0 to
 * 1 ms; 3: GPU waits for a value issued (a GPU wait for one not issued could only be released by
 * a CPU signal, which a queued GPU signal may hold back: an application deadlock, not a test). */
struct race_thread
{
    struct race *race;
    unsigned int kind;
};

static void *race_main(void *arg)
{
    struct race_thread *rt = arg;
    struct race *r = rt->race;
    unsigned int i, seed = 12345 + rt->kind;
    NTSTATUS status;

    for (i = 0; i < RACE_ROUNDS; i++)
    {
        UINT64 v;

        seed = seed * 1103515245 + 12345;
        switch (rt->kind)
        {
        case 0:
        case 1:
            pthread_mutex_lock(&r->order);
            v = ++r->next;
            status = rt->kind ? signal_gpu1(r->device, r->fence, v) : signal_cpu1(r->device, r->fence, v);
            pthread_mutex_unlock(&r->order);
            if (status) race_fail(r, rt->kind ? "SignalFromGpu" : "SignalFromCpu", status);
            race_issued(r, v);
            break;
        case 2:
        {
            D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU w = { .hDevice = r->device, .ObjectCount = 1,
                                                             .ObjectHandleArray = &r->fence, .FenceValueArray = &v };
            v = atomic_load(&r->issued) + (seed >> 16) % 3;
            status = d3dkmt_host_wait_from_cpu(&w, (seed >> 8) % 2 ? 1000000 : 0);
            if (status && status != STATUS_TIMEOUT) race_fail(r, "WaitFromCpu", status);
            if (!status && *r->cpu < v) race_fail(r, "WaitFromCpu: CPU value below the value waited for", status);
            break;
        }
        case 3:
            v = atomic_load(&r->issued);
            if (v > 2) v -= (seed >> 16) % 3;
            if ((status = wait_gpu1(r->device, r->fence, v))) race_fail(r, "WaitFromGpu", status);
            break;
        }
    }
    atomic_fetch_sub(&r->running, 1);
    return NULL;
}

/* The CPU-visible value never goes backwards. */
static void *race_reader(void *arg)
{
    struct race *r = arg;
    UINT64 last = 0, v;

    while (atomic_load(&r->running))
    {
        v = __atomic_load_n(r->cpu, __ATOMIC_ACQUIRE);
        if (v < last) atomic_fetch_add(&r->backwards, 1);
        last = v;
        sched_yield();
    }
    return NULL;
}

static void test_racing_signals(void **state)
{
    struct race_thread threads[8];
    pthread_t ids[9];
    struct test_device t;
    struct race r;
    struct fence f;
    unsigned int i;
    UINT64 last;

    test_open_device(&t);
    assert_int_equal(create_fence(t.device, 0, 0, &f), STATUS_SUCCESS);
    memset(&r, 0, sizeof(r));
    r.device = t.device;
    r.fence = f.handle;
    r.cpu = f.cpu;
    pthread_mutex_init(&r.order, NULL);
    atomic_store(&r.running, 8);
    /* Two threads of each kind, and a reader. */
    for (i = 0; i < 8; i++)
    {
        threads[i].race = &r;
        threads[i].kind = i % 4;
        assert_int_equal(pthread_create(&ids[i], NULL, race_main, &threads[i]), 0);
    }
    assert_int_equal(pthread_create(&ids[8], NULL, race_reader, &r), 0);
    for (i = 0; i < 9; i++) assert_int_equal(pthread_join(ids[i], NULL), 0);
    assert_int_equal(r.failures, 0);
    assert_int_equal(r.backwards, 0);

    /* Everything signalled is reached, and the value is the last one. */
    last = r.next;
    assert_int_equal(last, 2 * 2 * RACE_ROUNDS);
    assert_int_equal(wait_cpu1(t.device, f.handle, last), STATUS_SUCCESS);
    assert_int_equal(*f.cpu, last);
    assert_int_equal(signal_cpu1(t.device, f.handle, last + 1), STATUS_SUCCESS);
    assert_int_equal(*f.cpu, last + 1);
    assert_int_equal(d3dkmt_host_flush_deferred(t.device, 10000000000ull), STATUS_SUCCESS);
    pthread_mutex_destroy(&r.order);
    assert_int_equal(destroy_fence(f.handle), STATUS_SUCCESS);
    test_close_device(&t);    /* asserts that the validation layer said nothing */
}

static int teardown_all(void **state)
{
    d3dkmt_host_shutdown();
    assert_int_equal(d3dkmt_host_validation_messages(), 0);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_destroy),
        cmocka_unit_test(test_signal_cpu),
        cmocka_unit_test(test_wait_cpu),
        cmocka_unit_test(test_wait_cpu_timeout),
        cmocka_unit_test(test_signal_gpu),
        cmocka_unit_test(test_wait_gpu),
        cmocka_unit_test(test_destroy_pending),
        cmocka_unit_test(test_paging_queue),
        cmocka_unit_test(test_paging_queue_destroy_pending),
        cmocka_unit_test(test_paging_queue_completed),
        cmocka_unit_test(test_exact_waits),
        cmocka_unit_test(test_racing_signals),
    };

    /* With the validation layer on (make check), make it fatal: the first message aborts here,
     * with its stack (issue 18 asks for these signals and waits with the layer fatal). */
    if (getenv("D3DKMT_VALIDATION") && !strcmp(getenv("D3DKMT_VALIDATION"), "1")) setenv("D3DKMT_VALIDATION", "fatal", 1);
    return cmocka_run_group_tests_name("fence", tests, NULL, teardown_all);
}
