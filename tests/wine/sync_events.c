/*
 * sync_events.c: the sync object types whose Windows side d3dkmt.dll's PE side implements,
 * through d3dkmt.dll under wine64: a CPU notification's event is set once for each of its signals
 * reached (at once from the CPU, when the queue reaches it from the GPU), from an event handle
 * the application may close after creating the object; an invalid event is STATUS_INVALID_HANDLE;
 * a mutex taken through the hAsyncEvent form of D3DKMTWaitForSynchronizationObjectFromCpu
 * (docs/decisions/sync-objects.md, docs/wine-dll.md).
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

WT_MAIN(WT_TEST(test_cpu_notification), WT_TEST(test_mutex_async))
