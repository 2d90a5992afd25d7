/*
 * sync_events.c: the sync object types whose Windows side d3dkmt.dll's PE side implements,
 * through d3dkmt.dll under wine64: a CPU notification's event is set once for each of its signals
 * reached (at once from the CPU, when the queue reaches it from the GPU), from an event handle
 * the application may close after creating the object; an invalid event is STATUS_INVALID_HANDLE;
 * a mutex taken through the hAsyncEvent form of D3DKMTWaitForSynchronizationObjectFromCpu
 * (docs/decisions/sync-objects.md, docs/wine-dll.md); a fence's (D3DDDI_FENCE) inline FenceValue of
 * FromGpu2's signal and of the GPU wait taken as the value it is, even where it looks like a
 * pointer (docs/wine-dll.md, "Pointer validation").
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#include "wine_util.h"

static NTSTATUS create_sync(D3DKMT_HANDLE device, D3DDDI_SYNCHRONIZATIONOBJECT_TYPE type, HANDLE event,
                            D3DKMT_HANDLE *handle)
{
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 create = { 0 };
    NTSTATUS status;

    create.hDevice = device;
    create.Info.Type = type;
    if (type == D3DDDI_CPU_NOTIFICATION) create.Info.CPUNotification.Event = event;
    status = D3DKMTCreateSynchronizationObject2(&create);
    /* The application's own handle comes back, not the DLL's duplicate. */
    if (type == D3DDDI_CPU_NOTIFICATION)
        ok(create.Info.CPUNotification.Event == event, "event %p came back as %p", event, create.Info.CPUNotification.Event);
    *handle = status ? 0 : create.hSyncObject;
    return status;
}

static NTSTATUS destroy_sync(D3DKMT_HANDLE handle)
{
    D3DKMT_DESTROYSYNCHRONIZATIONOBJECT destroy = { 0 };
    destroy.hSyncObject = handle;
    return D3DKMTDestroySynchronizationObject(&destroy);
}

static NTSTATUS signal_cpu(D3DKMT_HANDLE device, D3DKMT_HANDLE handle, UINT64 value)
{
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU s = { 0 };
    s.hDevice = device;
    s.ObjectCount = 1;
    s.ObjectHandleArray = &handle;
    s.FenceValueArray = &value;
    return D3DKMTSignalSynchronizationObjectFromCpu(&s);
}

static NTSTATUS signal_gpu(D3DKMT_HANDLE device, D3DKMT_HANDLE handle, UINT64 value)
{
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU s = { 0 };
    s.hContext = device;
    s.ObjectCount = 1;
    s.ObjectHandleArray = &handle;
    s.MonitoredFenceValueArray = &value;
    return D3DKMTSignalSynchronizationObjectFromGpu(&s);
}

static NTSTATUS wait_gpu(D3DKMT_HANDLE device, D3DKMT_HANDLE handle, UINT64 value)
{
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU w = { 0 };
    w.hContext = device;
    w.ObjectCount = 1;
    w.ObjectHandleArray = &handle;
    w.MonitoredFenceValueArray = &value;
    return D3DKMTWaitForSynchronizationObjectFromGpu(&w);
}

static void test_cpu_notification(void)
{
    D3DKMT_HANDLE note = 0, gate = 0;
    struct wt_env env;
    HANDLE event, copy;

    if (!wt_env_open(&env)) goto done;
    event = CreateEventW(NULL, FALSE, FALSE, NULL);
    ok(event != NULL, "CreateEvent failed, error %lu", GetLastError());
    ok_status(create_sync(env.device, D3DDDI_CPU_NOTIFICATION, NULL, &note), STATUS_INVALID_HANDLE);
    ok_status(create_sync(env.device, D3DDDI_CPU_NOTIFICATION, (HANDLE)0xdeadbee0, &note), STATUS_INVALID_HANDLE);

    /* The application closes its handle: the object keeps a duplicate of the event. */
    ok(DuplicateHandle(GetCurrentProcess(), event, GetCurrentProcess(), &copy, 0, FALSE, DUPLICATE_SAME_ACCESS),
       "DuplicateHandle failed");
    ok_status(create_sync(env.device, D3DDDI_CPU_NOTIFICATION, copy, &note), STATUS_SUCCESS);
    CloseHandle(copy);
    ok(WaitForSingleObject(event, 0) == WAIT_TIMEOUT, "event set before any signal");

    /* From the CPU: set at once (the DLL's thread sets it: a short wait). */
    ok_status(signal_cpu(env.device, note, 0), STATUS_SUCCESS);
    ok(WaitForSingleObject(event, 5000) == WAIT_OBJECT_0, "event not set by a CPU signal");

    /* From the GPU: set once the queue reaches the signal, not before. */
    ok_status(create_sync(env.device, D3DDDI_MONITORED_FENCE, NULL, &gate), STATUS_SUCCESS);
    ok_status(wait_gpu(env.device, gate, 1), STATUS_SUCCESS);
    ok_status(signal_gpu(env.device, note, 0), STATUS_SUCCESS);
    ok(WaitForSingleObject(event, 100) == WAIT_TIMEOUT, "event set before the queue reached the signal");
    ok_status(signal_cpu(env.device, gate, 1), STATUS_SUCCESS);
    ok(WaitForSingleObject(event, 5000) == WAIT_OBJECT_0, "event not set when the queue reached the signal");
    ok(WaitForSingleObject(event, 0) == WAIT_TIMEOUT, "event set twice for one signal");

    ok_status(destroy_sync(note), STATUS_SUCCESS);
    ok_status(destroy_sync(gate), STATUS_SUCCESS);
    CloseHandle(event);
done:
    wt_env_close(&env);
}

static void test_mutex_async(void)
{
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU w = { 0 };
    D3DKMT_HANDLE mutex = 0;
    struct wt_env env;
    UINT64 zero = 0;
    HANDLE event;

    if (!wt_env_open(&env)) goto done;
    event = CreateEventW(NULL, TRUE, FALSE, NULL);
    ok_status(create_sync(env.device, D3DDDI_SYNCHRONIZATION_MUTEX, NULL, &mutex), STATUS_SUCCESS);
    w.hDevice = env.device;
    w.ObjectCount = 1;
    w.ObjectHandleArray = &mutex;
    w.FenceValueArray = &zero;
    ok_status(D3DKMTWaitForSynchronizationObjectFromCpu(&w), STATUS_SUCCESS);          /* taken */
    w.hAsyncEvent = event;
    ok_status(D3DKMTWaitForSynchronizationObjectFromCpu(&w), STATUS_SUCCESS);          /* queued */
    ok(WaitForSingleObject(event, 100) == WAIT_TIMEOUT, "mutex taken twice");
    ok_status(signal_cpu(env.device, mutex, 0), STATUS_SUCCESS);                       /* released */
    ok(WaitForSingleObject(event, 5000) == WAIT_OBJECT_0, "the asynchronous take did not get the mutex");
    ok_status(signal_cpu(env.device, mutex, 0), STATUS_SUCCESS);                       /* released again */
    ok_status(signal_cpu(env.device, mutex, 0), STATUS_INVALID_PARAMETER);             /* not owned */
    ok_status(destroy_sync(mutex), STATUS_SUCCESS);
    CloseHandle(event);
done:
    wt_env_close(&env);
}

/* The hAsyncEvent form of the CPU wait for one object: the call sets the event itself, before it
 * returns, when the value is already reached (docs/wine-dll.md), else a thread of the DLL does. */
static NTSTATUS wait_cpu_async(D3DKMT_HANDLE device, D3DKMT_HANDLE handle, UINT64 value, HANDLE event)
{
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU w = { 0 };
    w.hDevice = device;
    w.ObjectCount = 1;
    w.ObjectHandleArray = &handle;
    w.FenceValueArray = &value;
    w.hAsyncEvent = event;
    return D3DKMTWaitForSynchronizationObjectFromCpu(&w);
}

/* Whether *value reaches `expect` within timeout_ms. */
static BOOL value_reaches(const volatile UINT64 *value, UINT64 expect, DWORD timeout_ms)
{
    DWORD start = GetTickCount();

    while (*value < expect)
    {
        if (GetTickCount() - start >= timeout_ms) return FALSE;
        Sleep(1);
    }
    return TRUE;
}

/* A buffer of this program: its address is readable memory, and here the fence value too (in the
 * .bss of the image: 0x14000xxxx for x86_64, 0x40xxxx for i686). */
static UINT64 readable[4];

/* FromGpu2's signal and the GPU wait carry a fence's (D3DDDI_FENCE) value inline, in the union
 * whose other meaning is MonitoredFenceValueArray.  A value that is also the address of readable
 * memory is still the value: the fence holds exactly it after the signal, and the queue waits
 * until the fence reaches exactly it (the DLL once took it for the array, handing the library a
 * pointer to its own copy of the memory there as the value). */
static void test_fence_value_like_pointer(void)
{
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU2 s2 = { 0 };
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU w = { 0 };
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 create = { 0 };
    const UINT64 value = (ULONG_PTR)readable;
    D3DKMT_HANDLE fence = 0, fence2 = 0, marker = 0;
    const volatile UINT64 *marker_value;
    HANDLE reached, past;
    struct wt_env env;

    readable[0] = 0x1111;   /* what the DLL would have copied */
    if (!wt_env_open(&env)) goto done;
    reached = CreateEventW(NULL, TRUE, FALSE, NULL);
    past = CreateEventW(NULL, TRUE, FALSE, NULL);
    ok_status(create_sync(env.device, D3DDDI_FENCE, NULL, &fence), STATUS_SUCCESS);
    ok_status(create_sync(env.device, D3DDDI_FENCE, NULL, &fence2), STATUS_SUCCESS);
    create.hDevice = env.device;
    create.Info.Type = D3DDDI_MONITORED_FENCE;
    ok_status(D3DKMTCreateSynchronizationObject2(&create), STATUS_SUCCESS);
    marker = create.hSyncObject;
    marker_value = create.Info.MonitoredFence.FenceValueCPUVirtualAddress;
    ok(marker_value != NULL, "no FenceValueCPUVirtualAddress");
    if (!marker_value) goto destroy;

    /* The signal: the fence reaches the value (the queue is idle) and goes no further. */
    s2.ObjectCount = 1;
    s2.ObjectHandleArray = &fence;
    s2.BroadcastContextCount = 1;
    s2.BroadcastContextArray = &env.device;
    s2.FenceValue = value;
    ok_status(D3DKMTSignalSynchronizationObjectFromGpu2(&s2), STATUS_SUCCESS);
    ok(s2.FenceValue == value, "the descriptor's FenceValue changed to %#llx", (unsigned long long)s2.FenceValue);
    ok_status(wait_cpu_async(env.device, fence, value, reached), STATUS_SUCCESS);
    ok(WaitForSingleObject(reached, 5000) == WAIT_OBJECT_0, "the fence did not reach %#llx",
       (unsigned long long)value);
    ok_status(wait_cpu_async(env.device, fence, value + 1, past), STATUS_SUCCESS);
    ok(WaitForSingleObject(past, 0) == WAIT_TIMEOUT, "the fence went past %#llx", (unsigned long long)value);
    /* Ends the waits left (a value already passed is ignored). */
    ok_status(signal_cpu(env.device, fence, value + 1), STATUS_SUCCESS);
    ok(WaitForSingleObject(reached, 5000) == WAIT_OBJECT_0 && WaitForSingleObject(past, 5000) == WAIT_OBJECT_0,
       "the waits did not end");

    /* The wait: the queue holds the marker's signal until fence2 reaches the value, not before. */
    w.hContext = env.device;
    w.ObjectCount = 1;
    w.ObjectHandleArray = &fence2;
    w.FenceValue = value;
    ok_status(D3DKMTWaitForSynchronizationObjectFromGpu(&w), STATUS_SUCCESS);
    ok(w.FenceValue == value, "the descriptor's FenceValue changed to %#llx", (unsigned long long)w.FenceValue);
    ok_status(signal_gpu(env.device, marker, 1), STATUS_SUCCESS);
    ok(!value_reaches(marker_value, 1, 100), "the queue did not wait for the fence");
    ok_status(signal_cpu(env.device, fence2, value - 1), STATUS_SUCCESS);
    ok(!value_reaches(marker_value, 1, 200), "the queue went on at %#llx, before %#llx",
       (unsigned long long)(value - 1), (unsigned long long)value);
    ok_status(signal_cpu(env.device, fence2, value), STATUS_SUCCESS);
    ok(value_reaches(marker_value, 1, 5000), "the queue did not go on at %#llx", (unsigned long long)value);
    /* A queue still waiting (for a wrong value) is let go before the objects are destroyed. */
    if (*marker_value < 1) signal_cpu(env.device, fence2, (UINT64)1 << 62);

destroy:
    if (marker) ok_status(destroy_sync(marker), STATUS_SUCCESS);
    if (fence2) ok_status(destroy_sync(fence2), STATUS_SUCCESS);
    if (fence) ok_status(destroy_sync(fence), STATUS_SUCCESS);
    CloseHandle(reached);
    CloseHandle(past);
done:
    wt_env_close(&env);
}

WT_MAIN(WT_TEST(test_cpu_notification), WT_TEST(test_mutex_async), WT_TEST(test_fence_value_like_pointer))
