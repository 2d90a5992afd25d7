/*
 * sync.c: the synchronization entry points.  D3DKMTCreateSynchronizationObject(2),
 * D3DKMTOpenSynchronizationObject, D3DKMTDestroySynchronizationObject,
 * D3DKMTSignalSynchronizationObjectFromCpu/FromGpu/FromGpu2,
 * D3DKMTWaitForSynchronizationObjectFromCpu/FromGpu, D3DKMTCreatePagingQueue,
 * D3DKMTDestroyPagingQueue, d3dkmt_host_wait_from_cpu, d3dkmt_host_next_cpu_event and
 * d3dkmt_host_get_sync_object_type.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Each entry point validates its descriptor, resolves its handles into referenced objects (all or
 * nothing; an opened handle resolves to the object it names), and hands them to the sync object
 * mechanics of fence.c.  There are no GPU
 * contexts: the hContext of the FromGpu calls is a device handle (docs/decisions/fences.md).
 *
 * Layer 10 (src/d3dkmt_private.h): calls fence.c, device.c, tracker.c and handle.c; never the other
 * entry-point files (allocation.c, residency.c).
 */
#include "d3dkmt_private.h"
#include "fence.h"

#include <stdlib.h>
#include <string.h>

/* Flags a sync object may be created with (CrossAdapter is refused with STATUS_NOT_SUPPORTED
 * before this mask is applied). */
#define SYNC_FLAGS_KNOWN 0xffu

/* Signal flags: SignalAtSubmission (1), EnqueueCpuEvent (2), AllowFenceRewind (4); the rest
 * (Reserved, DXGK_SIGNAL_FLAG_INTERNAL0) must be zero. */
#define SIGNAL_FLAGS_KNOWN 0x7u

static void sync_put(struct d3dkmt_sync_object *sync)
{
    d3dkmt_object_put(&sync->obj);
}

/* Creates a sync object of `desc` on hDevice and writes its handles out: *hSyncObject, and
 * *shared_handle (the global handle, or 0) when not NULL; for a monitored fence *cpu_va too.
 * Statuses of D3DKMTCreateSynchronizationObject2. */
static NTSTATUS create_sync(D3DKMT_HANDLE hDevice, const struct d3dkmt_sync_desc *desc, D3DKMT_HANDLE *hSyncObject,
                            D3DKMT_HANDLE *shared_handle, void **cpu_va)
{
    struct d3dkmt_sync_object *sync;
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!(device = d3dkmt_device_get(hDevice))) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_device_status(device))) goto done;
    d3dkmt_tracker_poll(device);
    if ((status = d3dkmt_device_ready(device))) goto done;
    if ((status = d3dkmt_sync_create(device, desc, &sync))) goto done;

    /* Write out before publishing: once published, another thread may destroy it. */
    *hSyncObject = sync->obj.handle;
    if (shared_handle) *shared_handle = sync->global;
    if (cpu_va) *cpu_va = (void *)sync->value.cpu_value;
    TRACE("sync object %#x (type %u, global %#x) on device %#x, initial %llu", sync->obj.handle, desc->type,
          sync->global, device->obj.handle, (unsigned long long)desc->initial);
    d3dkmt_object_get(&sync->obj);   /* ours until the end of the call; the table takes the first */
    status = d3dkmt_device_publish_children(device, &(struct d3dkmt_object *){ &sync->obj }, 1);
    sync_put(sync);

done:
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTCreateSynchronizationObject2
 *
 * desc->hDevice: a device.  desc->Info.Type and its part of desc->Info
 * (docs/decisions/sync-objects.md says what each type is on Vulkan):
 *   D3DDDI_MONITORED_FENCE  MonitoredFence.InitialFenceValue (any UINT64); out:
 *                           FenceValueCPUVirtualAddress, a UINT64 (8-byte aligned, read-only for
 *                           the caller) holding the fence's current value, valid until the fence
 *                           is destroyed; FenceValueGPUVirtualAddress = 0 (there is no GPU mapping:
 *                           the GPU signals through D3DKMTSignalSynchronizationObjectFromGpu(2))
 *   D3DDDI_FENCE            Fence.FenceValue, the initial value
 *   D3DDDI_SYNCHRONIZATION_MUTEX  SynchronizationMutex.InitialState: TRUE when created owned
 *   D3DDDI_SEMAPHORE        Semaphore.MaxCount (0: no limit) and InitialCount (at most MaxCount)
 *   D3DDDI_CPU_NOTIFICATION CPUNotification.Event, a Windows event set each time a signal of the
 *                           object is reached (the DLL's PE side validates it and sets it; the
 *                           host library takes it as an opaque value, d3dkmt_host_next_cpu_event)
 * desc->Info.Flags: Shared gives the object a global handle, out in desc->Info.SharedHandle, that
 * D3DKMTOpenSynchronizationObject opens within this process (docs/decisions/sharing.md);
 * NtSecuritySharing (with Shared only) makes no global handle (Info.SharedHandle = 0): sharing
 * through NT handles is not supported; TopOfPipeline and NoSignalMaxValueOnTdr are accepted and
 * have no effect; NoSignal (no signal, CPU or GPU, is accepted), NoWait (no wait is accepted) and
 * NoGPUAccess (no FromGpu signal or wait is accepted) are enforced; the reserved bits must be 0.
 * EngineAffinity is ignored.  Out: desc->hSyncObject; Info.SharedHandle 0 unless shared.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, bad device, unknown type, reserved
 * flags, NtSecuritySharing without Shared, a semaphore's InitialCount above its MaxCount);
 * STATUS_INVALID_HANDLE (a CPU notification without an event); STATUS_NOT_SUPPORTED
 * (D3DDDI_PERIODIC_MONITORED_FENCE, CrossAdapter; or the device's VkDevice, made by the first call
 * that needs it, could not be made); STATUS_NO_MEMORY; STATUS_DEVICE_REMOVED;
 * STATUS_INVALID_HANDLE (another thread destroyed the device during the call;
 * docs/decisions/lifetime.md).  Nothing is created on failure.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtcreatesynchronizationobject2 and
 * d3dukmdt/ns-d3dukmdt-_d3dddi_synchronizationobjectinfo2; docs/decisions/sync-objects.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTCreateSynchronizationObject2(D3DKMT_CREATESYNCHRONIZATIONOBJECT2 *desc)
{
    struct d3dkmt_sync_desc sync = { 0 };
    struct d3dkmt_device *device;
    D3DKMT_HANDLE shared = 0;
    void *cpu_va = NULL;
    NTSTATUS status;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if (desc->Info.Type < D3DDDI_SYNCHRONIZATION_MUTEX || desc->Info.Type >= D3DDDI_SYNCHRONIZATION_TYPE_LIMIT)
        return STATUS_INVALID_PARAMETER;
    if (desc->Info.Flags.Value & ~SYNC_FLAGS_KNOWN) return STATUS_INVALID_PARAMETER;
    /* The device first (Windows checks it before the type's fields). */
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    d3dkmt_device_put(device);

    sync.type = desc->Info.Type;
    sync.flags = desc->Info.Flags.Value;
    switch (desc->Info.Type)
    {
    case D3DDDI_SYNCHRONIZATION_MUTEX:
        sync.max_count = 1;
        sync.initial = desc->Info.SynchronizationMutex.InitialState ? 0 : 1;
        break;
    case D3DDDI_SEMAPHORE:
        if (desc->Info.Semaphore.MaxCount && desc->Info.Semaphore.InitialCount > desc->Info.Semaphore.MaxCount)
            return STATUS_INVALID_PARAMETER;
        sync.max_count = desc->Info.Semaphore.MaxCount;
        sync.initial = desc->Info.Semaphore.InitialCount;
        break;
    case D3DDDI_FENCE:
        sync.initial = desc->Info.Fence.FenceValue;
        break;
    case D3DDDI_CPU_NOTIFICATION:
        if (!desc->Info.CPUNotification.Event) return STATUS_INVALID_HANDLE;
        sync.cpu_event = (uintptr_t)desc->Info.CPUNotification.Event;
        break;
    case D3DDDI_MONITORED_FENCE:
        sync.initial = desc->Info.MonitoredFence.InitialFenceValue;
        break;
    default:
        FIXME("synchronization object type %u not supported", desc->Info.Type);
        return STATUS_NOT_SUPPORTED;
    }
    if (desc->Info.Flags.NtSecuritySharing && !desc->Info.Flags.Shared) return STATUS_INVALID_PARAMETER;
    if (desc->Info.Flags.CrossAdapter)
    {
        FIXME("cross-adapter sync objects not supported (flags %#x)", desc->Info.Flags.Value);
        return STATUS_NOT_SUPPORTED;
    }
    if ((status = create_sync(desc->hDevice, &sync, &desc->hSyncObject, &shared,
                              desc->Info.Type == D3DDDI_MONITORED_FENCE ? &cpu_va : NULL)))
        return status;
    if (desc->Info.Type == D3DDDI_MONITORED_FENCE)
    {
        desc->Info.MonitoredFence.FenceValueCPUVirtualAddress = cpu_va;
        desc->Info.MonitoredFence.FenceValueGPUVirtualAddress = 0;
    }
    desc->Info.SharedHandle = shared;
    return STATUS_SUCCESS;
}

/***********************************************************************
 *           D3DKMTCreateSynchronizationObject
 *
 * The first version: desc->hDevice: a device; desc->Info.Type: D3DDDI_SYNCHRONIZATION_MUTEX
 * (SynchronizationMutex.InitialState) or D3DDDI_SEMAPHORE (Semaphore.MaxCount, InitialCount), as
 * for D3DKMTCreateSynchronizationObject2 with no flags.  Out: desc->hSyncObject.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, bad device, another type, as on
 * Windows for D3DDDI_FENCE); the other statuses of D3DKMTCreateSynchronizationObject2.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtcreatesynchronizationobject; docs/decisions/sync-objects.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTCreateSynchronizationObject(D3DKMT_CREATESYNCHRONIZATIONOBJECT *desc)
{
    struct d3dkmt_sync_desc sync = { 0 };
    struct d3dkmt_device *device;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if (desc->Info.Type != D3DDDI_SYNCHRONIZATION_MUTEX && desc->Info.Type != D3DDDI_SEMAPHORE)
        return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    d3dkmt_device_put(device);
    sync.type = desc->Info.Type;
    if (desc->Info.Type == D3DDDI_SYNCHRONIZATION_MUTEX)
    {
        sync.max_count = 1;
        sync.initial = desc->Info.SynchronizationMutex.InitialState ? 0 : 1;
    }
    else
    {
        if (desc->Info.Semaphore.MaxCount && desc->Info.Semaphore.InitialCount > desc->Info.Semaphore.MaxCount)
            return STATUS_INVALID_PARAMETER;
        sync.max_count = desc->Info.Semaphore.MaxCount;
        sync.initial = desc->Info.Semaphore.InitialCount;
    }
    return create_sync(desc->hDevice, &sync, &desc->hSyncObject, NULL, NULL);
}

/***********************************************************************
 *           D3DKMTOpenSynchronizationObject
 *
 * desc->hSharedHandle: the global handle of a sync object created with Flags.Shared in this
 * process.  Out: desc->hSyncObject, a new local handle naming the same object (it signals and
 * waits on it, on the object's device), destroyed with D3DKMTDestroySynchronizationObject.  The
 * global handle names the object while any of its local handles lives (docs/decisions/sharing.md).
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, hSharedHandle not the global handle
 * of a live sync object: 0, a local handle, a dead global handle); STATUS_NO_MEMORY;
 * STATUS_INVALID_HANDLE (another thread destroyed the object's device during the call).
 * Opening from another process is not supported (no cross-process sharing).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtopensynchronizationobject; docs/decisions/sharing.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTOpenSynchronizationObject(D3DKMT_OPENSYNCHRONIZATIONOBJECT *desc)
{
    struct d3dkmt_sync_object *sync;
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_sync_open(desc->hSharedHandle, &sync))) return status;
    device = sync->obj.device;
    d3dkmt_object_get(&device->obj);
    desc->hSyncObject = sync->obj.handle;
    d3dkmt_object_get(&sync->obj);
    status = d3dkmt_device_publish_children(device, &(struct d3dkmt_object *){ &sync->obj }, 1);
    sync_put(sync);
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTDestroySynchronizationObject
 *
 * desc->hSyncObject: a sync object handle of any device (a created or an opened one).  The handle
 * is invalid as soon as the call returns; the object (semaphore, CPU-visible value) is freed once
 * its last handle is destroyed and the GPU work queued before (and its own queued signals and
 * waits) completed.  The call does not wait.  A global handle is not a sync object handle.
 * Threads blocked in D3DKMTWaitForSynchronizationObjectFromCpu on it are not woken.
 * A paging queue's fence cannot be destroyed this way (it goes with D3DKMTDestroyPagingQueue).
 * Works on a removed device.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, not a sync object handle, a paging
 * queue's fence: nothing changes).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtdestroysynchronizationobject; docs/decisions/fences.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTDestroySynchronizationObject(const D3DKMT_DESTROYSYNCHRONIZATIONOBJECT *desc)
{
    struct d3dkmt_sync_object *sync;

    if (!desc || !(sync = d3dkmt_sync_handle_get(desc->hSyncObject))) return STATUS_INVALID_PARAMETER;
    d3dkmt_tracker_poll(sync->obj.device);
    if (sync->paging_queue)
    {
        WARN("fence %#x belongs to a paging queue", sync->obj.handle);
        sync_put(sync);
        return STATUS_INVALID_PARAMETER;
    }
    return d3dkmt_sync_destroy(sync) ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
}

/* ---- Signals and waits ---- */

/* Resolves `count` sync object handles of device into referenced objects, all or nothing.
 * forbidden: flags (D3DDDI_SYNCHRONIZATIONOBJECT_FLAGS bits) an object must not have;
 * no_paging: refuse paging-queue fences.  STATUS_SUCCESS or STATUS_INVALID_PARAMETER. */
static NTSTATUS lookup_syncs(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles, UINT count,
                             UINT forbidden, bool no_paging, struct d3dkmt_sync_object **out)
{
    UINT i;

    for (i = 0; i < count; i++)
    {
        if (!(out[i] = d3dkmt_sync_object_get(handles[i], device)) || (out[i]->flags.Value & forbidden)
                || (no_paging && out[i]->paging_queue))
        {
            if (out[i]) sync_put(out[i]);
            while (i--) sync_put(out[i]);
            return STATUS_INVALID_PARAMETER;
        }
    }
    return STATUS_SUCCESS;
}

static void put_syncs(struct d3dkmt_sync_object **syncs, UINT count)
{
    UINT i;
    for (i = 0; i < count; i++) sync_put(syncs[i]);
}

static bool has_duplicates(struct d3dkmt_sync_object **syncs, UINT count)
{
    UINT i, j;
    for (i = 0; i < count; i++)
        for (j = i + 1; j < count; j++)
            if (syncs[i] == syncs[j]) return true;
    return false;
}

static UINT flag_bit(D3DDDI_SYNCHRONIZATIONOBJECT_FLAGS f)
{
    return f.Value;
}

static UINT no_signal_flag(bool gpu)
{
    D3DDDI_SYNCHRONIZATIONOBJECT_FLAGS f = { .Value = 0 };
    f.NoSignal = 1;
    if (gpu) f.NoGPUAccess = 1;
    return flag_bit(f);
}

static UINT no_wait_flag(bool gpu)
{
    D3DDDI_SYNCHRONIZATIONOBJECT_FLAGS f = { .Value = 0 };
    f.NoWait = 1;
    if (gpu) f.NoGPUAccess = 1;
    return flag_bit(f);
}

/* Common checks of a handle list: count 1..D3DKMT_MAX_SYNC_LIST, array non-NULL. */
static bool list_valid(UINT count, const D3DKMT_HANDLE *handles)
{
    return count && count <= D3DKMT_MAX_SYNC_LIST && handles;
}

static bool is_fence_type(const struct d3dkmt_sync_object *sync)
{
    return sync->type == D3DDDI_MONITORED_FENCE || sync->type == D3DDDI_FENCE;
}

/* The values of a FromGpu call, per object: monitored fences take theirs from `array`; fences
 * (D3DDDI_FENCE) from the inline FenceValue where the descriptor has one (`inline_value`, which
 * shares its bytes with `array`), else from `array`; mutexes, semaphores and CPU notifications
 * take none.  STATUS_INVALID_PARAMETER when a fence value is needed from a NULL array, or when
 * the union would have to be both (monitored fences and fences in one call). */
static NTSTATUS gpu_values(struct d3dkmt_sync_object **syncs, UINT count, const UINT64 *array,
                           const UINT64 *inline_value, UINT64 *out)
{
    bool monitored = false, legacy = false;
    UINT i;

    for (i = 0; i < count; i++)
    {
        if (syncs[i]->type == D3DDDI_MONITORED_FENCE || (syncs[i]->type == D3DDDI_FENCE && !inline_value))
            monitored = true;
        else if (syncs[i]->type == D3DDDI_FENCE) legacy = true;
    }
    if (monitored && legacy) return STATUS_INVALID_PARAMETER;
    if (monitored && !array) return STATUS_INVALID_PARAMETER;
    for (i = 0; i < count; i++)
        out[i] = !is_fence_type(syncs[i]) ? 0 : legacy ? *inline_value : array[i];
    return STATUS_SUCCESS;
}

/***********************************************************************
 *           D3DKMTSignalSynchronizationObjectFromCpu
 *
 * desc->hDevice: a device.  desc->ObjectHandleArray / desc->FenceValueArray: desc->ObjectCount
 * (1 to 64) sync objects of that device, each listed once, and the value to signal each fence to
 * (monitored fences, fences); a mutex or a semaphore is released (one unit), a CPU notification
 * sets its event (their values are ignored).  desc->Flags: SignalAtSubmission is accepted (a CPU
 * signal is immediate anyway); EnqueueCpuEvent and AllowFenceRewind are not supported; the
 * reserved bits must be 0.  Values never go backwards: a value not above the fence's current
 * value (or a GPU signal of it already queued) is ignored.  Without a queued GPU signal the
 * object is signalled at once and its CPU-visible value holds the new value when the call
 * returns; with one, the signal is queued behind it on the device queue and the value follows
 * when it executes (the WDK says the caller must not assume completion on return).  A paging
 * queue's fence cannot be signalled.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or an array NULL, count 0 or above 64,
 * bad device, a bad, foreign, repeated, NoSignal or paging-queue object, a value further from the
 * current one than the device's maxTimelineSemaphoreValueDifference, a release beyond a
 * semaphore's MaxCount or of a mutex not owned: nothing changes); STATUS_NOT_SUPPORTED (flags
 * above); STATUS_NO_MEMORY; STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtsignalsynchronizationobjectfromcpu; docs/decisions/sync-objects.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTSignalSynchronizationObjectFromCpu(
        const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU *desc)
{
    struct d3dkmt_sync_object *syncs[D3DKMT_MAX_SYNC_LIST];
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!desc || !list_valid(desc->ObjectCount, desc->ObjectHandleArray) || !desc->FenceValueArray)
        return STATUS_INVALID_PARAMETER;
    if (desc->Flags.Value & ~SIGNAL_FLAGS_KNOWN) return STATUS_INVALID_PARAMETER;
    if (desc->Flags.EnqueueCpuEvent || desc->Flags.AllowFenceRewind) return STATUS_NOT_SUPPORTED;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_device_status(device))) goto done;
    d3dkmt_tracker_poll(device);
    if ((status = lookup_syncs(device, desc->ObjectHandleArray, desc->ObjectCount, no_signal_flag(false), true, syncs)))
        goto done;
    if (has_duplicates(syncs, desc->ObjectCount)) status = STATUS_INVALID_PARAMETER;
    else status = d3dkmt_fence_signal(device, syncs, desc->FenceValueArray, desc->ObjectCount, true);
    put_syncs(syncs, desc->ObjectCount);

done:
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTWaitForSynchronizationObjectFromCpu
 *
 * desc->hDevice: a device.  desc->ObjectHandleArray / desc->FenceValueArray: desc->ObjectCount
 * (1 to 64) sync objects of that device and the value to wait for on each fence (monitored
 * fences, fences; repeats allowed); for a mutex or a semaphore (listed once each) the call takes
 * one unit (it owns the mutex; values ignored); a CPU notification cannot be waited for (wait for
 * its event).  desc->Flags.WaitAny: return when one object is ready (taking only that one), else
 * when all are (taking every mutex and semaphore together); the reserved bits must be 0.
 * desc->hAsyncEvent NULL: the call blocks, with no timeout, and on success every fence waited for
 * has its CPU-visible value at or above its target.  A non-NULL hAsyncEvent is a Windows event the
 * host library cannot signal: after validating everything the call returns STATUS_NOT_SUPPORTED,
 * and d3dkmt.dll's PE side implements that form (a thread that makes the blocking call, then sets
 * the event).  Paging queue fences may be waited for.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or an array NULL, count 0 or above 64,
 * bad device, a bad, foreign or NoWait object, a CPU notification, a repeated mutex or semaphore,
 * reserved flags); STATUS_NOT_SUPPORTED (hAsyncEvent); STATUS_NO_MEMORY; STATUS_DEVICE_REMOVED
 * (before or during the wait).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtwaitforsynchronizationobjectfromcpu; docs/decisions/sync-objects.md.
 */
/* The CPU wait of D3DKMTWaitForSynchronizationObjectFromCpu and d3dkmt_host_wait_from_cpu:
 * timeout_ns UINT64_MAX waits without limit; a non-NULL hAsyncEvent is validated only and answered
 * with STATUS_NOT_SUPPORTED (the DLL's PE side does the asynchronous form). */
static NTSTATUS wait_from_cpu(const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU *desc, uint64_t timeout_ns)
{
    struct d3dkmt_sync_object *syncs[D3DKMT_MAX_SYNC_LIST];
    struct d3dkmt_device *device;
    NTSTATUS status;
    UINT i;

    if (!desc || !list_valid(desc->ObjectCount, desc->ObjectHandleArray) || !desc->FenceValueArray)
        return STATUS_INVALID_PARAMETER;
    if (desc->Flags.Reserved) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_device_status(device))) goto done;
    d3dkmt_tracker_poll(device);
    if ((status = lookup_syncs(device, desc->ObjectHandleArray, desc->ObjectCount, no_wait_flag(false), false, syncs)))
        goto done;
    for (i = 0; i < desc->ObjectCount; i++)
        if (syncs[i]->type == D3DDDI_CPU_NOTIFICATION) status = STATUS_INVALID_PARAMETER;
    if (!status && desc->hAsyncEvent)
    {
        TRACE("asynchronous wait: left to the DLL's PE side");
        status = STATUS_NOT_SUPPORTED;
    }
    else if (!status)
    {
        status = d3dkmt_fence_wait_cpu(device, syncs, desc->FenceValueArray, desc->ObjectCount,
                                       desc->Flags.WaitAny, timeout_ns);
        if (!status && device->pub) d3dkmt_stat_add_shared(&device->pub->fence_waits_cpu, 1);
        if (!status) d3dkmt_tracker_poll(device);
    }
    put_syncs(syncs, desc->ObjectCount);

done:
    d3dkmt_device_put(device);
    return status;
}

D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTWaitForSynchronizationObjectFromCpu(
        const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU *desc)
{
    return wait_from_cpu(desc, UINT64_MAX);
}

D3DKMT_EXPORT NTSTATUS d3dkmt_host_wait_from_cpu(const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU *desc,
                                                 uint64_t timeout_ns)
{
    return wait_from_cpu(desc, timeout_ns);
}

D3DKMT_EXPORT NTSTATUS d3dkmt_host_next_cpu_event(uint64_t timeout_ns, struct d3dkmt_host_cpu_event *out)
{
    uint32_t in_flight;
    uint64_t event;
    bool release;
    NTSTATUS status;

    if (!out) return STATUS_INVALID_PARAMETER;
    status = d3dkmt_cpu_event_next(timeout_ns, &event, &release, &in_flight);
    out->in_flight = in_flight;
    if (status) return status;
    out->event = event;
    out->release = release;
    return STATUS_SUCCESS;
}

/* See include/d3dkmt_host.h.  An opened handle resolves to its target (d3dkmt_sync_object_get). */
D3DKMT_EXPORT NTSTATUS d3dkmt_host_get_sync_object_type(D3DKMT_HANDLE hSyncObject, uint32_t *type)
{
    struct d3dkmt_sync_object *sync;

    if (!type) return STATUS_INVALID_PARAMETER;
    if (!(sync = d3dkmt_sync_object_get(hSyncObject, NULL))) return STATUS_INVALID_HANDLE;
    *type = sync->type;
    sync_put(sync);
    return STATUS_SUCCESS;
}

/* The "context" of the FromGpu calls: a device handle (docs/decisions/fences.md). */
static struct d3dkmt_device *context_get(D3DKMT_HANDLE hContext)
{
    return d3dkmt_device_get(hContext);
}

/* Shared body of the two GPU signal forms: `array` / `inline_value` as for gpu_values. */
static NTSTATUS signal_from_gpu(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles, const UINT64 *array,
                                const UINT64 *inline_value, UINT count)
{
    struct d3dkmt_sync_object *syncs[D3DKMT_MAX_SYNC_LIST];
    UINT64 values[D3DKMT_MAX_SYNC_LIST];
    NTSTATUS status;

    if ((status = d3dkmt_device_status(device))) return status;
    d3dkmt_tracker_poll(device);
    if ((status = lookup_syncs(device, handles, count, no_signal_flag(true), true, syncs))) return status;
    if (has_duplicates(syncs, count)) status = STATUS_INVALID_PARAMETER;
    else if (!(status = gpu_values(syncs, count, array, inline_value, values)))
        status = d3dkmt_fence_signal(device, syncs, values, count, false);
    put_syncs(syncs, count);
    return status;
}

/***********************************************************************
 *           D3DKMTSignalSynchronizationObjectFromGpu
 *
 * desc->hContext: a device handle (there are no GPU contexts: each device has one queue;
 * docs/decisions/fences.md).  desc->ObjectHandleArray: desc->ObjectCount (1 to 64) sync objects of
 * that device, each listed once; desc->MonitoredFenceValueArray: the value of each fence
 * (monitored fences and fences; may be NULL when the list has none).  Queues, on the device's
 * queue, a signal of each object that runs once all work queued before it completed: a fence
 * reaches its value, a mutex or a semaphore is released (one unit), a CPU notification sets its
 * event; the call does not wait.  A fence's CPU-visible value follows when it executes.  A value
 * not above the fence's current value or an already queued signal of it is ignored (values never
 * go backwards).  A paging queue's fence cannot be signalled.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or the handle array NULL, the value array
 * NULL with a fence listed, count 0 or above 64, hContext not a device, a bad, foreign, repeated,
 * NoSignal, NoGPUAccess or paging-queue object, a value beyond maxTimelineSemaphoreValueDifference,
 * a release beyond a semaphore's MaxCount: nothing changes); STATUS_NO_MEMORY;
 * STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtsignalsynchronizationobjectfromgpu; docs/decisions/sync-objects.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTSignalSynchronizationObjectFromGpu(
        const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU *desc)
{
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!desc || !list_valid(desc->ObjectCount, desc->ObjectHandleArray)) return STATUS_INVALID_PARAMETER;
    if (!(device = context_get(desc->hContext))) return STATUS_INVALID_PARAMETER;
    status = signal_from_gpu(device, desc->ObjectHandleArray, desc->MonitoredFenceValueArray, NULL, desc->ObjectCount);
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTSignalSynchronizationObjectFromGpu2
 *
 * desc->BroadcastContextArray: desc->BroadcastContextCount (1 to 64) "contexts", i.e. device
 * handles, all the same device (one queue: a broadcast to it is one signal).
 * desc->ObjectHandleArray: desc->ObjectCount (1 to 64) sync objects of that device, each listed
 * once.  The union: desc->MonitoredFenceValueArray for monitored fences, desc->FenceValue (one
 * value for all) for fences (D3DDDI_FENCE); not both kinds in one call.  desc->Flags:
 * SignalAtSubmission, EnqueueCpuEvent (CpuEventHandle) and AllowFenceRewind are not supported;
 * the reserved bits must be 0.  Otherwise as D3DKMTSignalSynchronizationObjectFromGpu.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (as FromGpu, monitored fences and fences in one
 * call, a context that is not a device or another device than the first); STATUS_NOT_SUPPORTED
 * (flags above); STATUS_NO_MEMORY; STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtsignalsynchronizationobjectfromgpu2; docs/decisions/sync-objects.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTSignalSynchronizationObjectFromGpu2(
        const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU2 *desc)
{
    struct d3dkmt_device *device, *other;
    NTSTATUS status;
    ULONG i;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if (desc->Flags.Value & ~SIGNAL_FLAGS_KNOWN) return STATUS_INVALID_PARAMETER;
    if (desc->Flags.SignalAtSubmission || desc->Flags.EnqueueCpuEvent || desc->Flags.AllowFenceRewind)
        return STATUS_NOT_SUPPORTED;
    if (!list_valid(desc->ObjectCount, desc->ObjectHandleArray)) return STATUS_INVALID_PARAMETER;
    if (!desc->BroadcastContextCount || desc->BroadcastContextCount > D3DKMT_MAX_SYNC_LIST
            || !desc->BroadcastContextArray)
        return STATUS_INVALID_PARAMETER;
    if (!(device = context_get(desc->BroadcastContextArray[0]))) return STATUS_INVALID_PARAMETER;
    for (i = 1; i < desc->BroadcastContextCount; i++)
    {
        bool same = (other = context_get(desc->BroadcastContextArray[i])) == device;
        if (other) d3dkmt_device_put(other);
        if (!same)
        {
            d3dkmt_device_put(device);
            return STATUS_INVALID_PARAMETER;
        }
    }
    status = signal_from_gpu(device, desc->ObjectHandleArray, desc->MonitoredFenceValueArray, &desc->FenceValue,
                             desc->ObjectCount);
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTWaitForSynchronizationObjectFromGpu
 *
 * desc->hContext: a device handle (docs/decisions/fences.md).  desc->ObjectHandleArray:
 * desc->ObjectCount (1 to 64) sync objects of that device (fences may repeat; paging queue fences
 * too).  The union: desc->MonitoredFenceValueArray, the value to wait for on each monitored fence;
 * desc->FenceValue, the value to wait for on every fence (D3DDDI_FENCE); not both kinds in one
 * call.  A mutex or a semaphore gives the queue one unit (the mutex is owned until a signal
 * releases it).  A CPU notification cannot be waited for.  Queues a wait on the device's queue:
 * all work queued after it waits until every object is ready; the call itself does not wait.  An
 * object may be signalled (from the CPU) after the wait is queued.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or the handle array NULL, the value array
 * NULL with a monitored fence listed, monitored fences and fences in one call, count 0 or above
 * 64, hContext not a device, a bad, foreign, NoWait or NoGPUAccess object, a CPU notification, a
 * value beyond maxTimelineSemaphoreValueDifference: nothing changes); STATUS_NO_MEMORY;
 * STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtwaitforsynchronizationobjectfromgpu; docs/decisions/sync-objects.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTWaitForSynchronizationObjectFromGpu(
        const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU *desc)
{
    struct d3dkmt_sync_object *syncs[D3DKMT_MAX_SYNC_LIST];
    UINT64 values[D3DKMT_MAX_SYNC_LIST];
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!desc || !list_valid(desc->ObjectCount, desc->ObjectHandleArray)) return STATUS_INVALID_PARAMETER;
    if (!(device = context_get(desc->hContext))) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_device_status(device))) goto done;
    d3dkmt_tracker_poll(device);
    if ((status = lookup_syncs(device, desc->ObjectHandleArray, desc->ObjectCount, no_wait_flag(true), false, syncs)))
        goto done;
    if (!(status = gpu_values(syncs, desc->ObjectCount, desc->MonitoredFenceValueArray, &desc->FenceValue, values)))
        status = d3dkmt_fence_queue_wait(device, syncs, values, desc->ObjectCount);
    if (!status && device->pub) d3dkmt_stat_add_shared(&device->pub->fence_waits_gpu, 1);
    put_syncs(syncs, desc->ObjectCount);

done:
    d3dkmt_device_put(device);
    return status;
}

/* ---- Paging queues ---- */

/***********************************************************************
 *           D3DKMTCreatePagingQueue
 *
 * desc->hDevice: a device.  desc->Priority: a D3DDDI_PAGINGQUEUE_PRIORITY (BELOW_NORMAL, NORMAL,
 * ABOVE_NORMAL; recorded, no effect: there is one queue).  desc->PhysicalAdapterIndex: 0.
 * Out: desc->hPagingQueue; desc->hSyncObject, the queue's monitored fence (initial value 0; the
 * library signals it as paging operations complete; it may be waited for, from the CPU or the
 * GPU, but not signalled or destroyed by the caller); desc->FenceValueCPUVirtualAddress, the
 * fence's CPU-visible UINT64 (8-byte aligned, read-only for the caller, valid until the queue
 * is destroyed).
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, bad device, bad priority, adapter
 * index not 0); STATUS_NO_MEMORY; STATUS_NOT_SUPPORTED (the device's VkDevice, made by the first
 * call that needs it, could not be made); STATUS_DEVICE_REMOVED; STATUS_INVALID_HANDLE (another thread
 * destroyed the device during the call; docs/decisions/lifetime.md).  Nothing is created on failure.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtcreatepagingqueue; docs/decisions/fences.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTCreatePagingQueue(D3DKMT_CREATEPAGINGQUEUE *desc)
{
    struct d3dkmt_paging_queue *queue;
    struct d3dkmt_sync_object *fence;
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!desc || desc->PhysicalAdapterIndex) return STATUS_INVALID_PARAMETER;
    if (desc->Priority != D3DDDI_PAGINGQUEUE_PRIORITY_BELOW_NORMAL
            && desc->Priority != D3DDDI_PAGINGQUEUE_PRIORITY_NORMAL
            && desc->Priority != D3DDDI_PAGINGQUEUE_PRIORITY_ABOVE_NORMAL)
        return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_device_status(device))) goto done;
    d3dkmt_tracker_poll(device);

    if ((status = d3dkmt_device_ready(device))) goto done;
    if ((status = d3dkmt_paging_queue_create(device, desc->Priority, &queue))) goto done;
    fence = queue->fence;
    /* Write out before publishing: once published, another thread may destroy them. */
    desc->hPagingQueue = queue->obj.handle;
    desc->hSyncObject = fence->obj.handle;
    desc->FenceValueCPUVirtualAddress = (void *)fence->value.cpu_value;
    TRACE("paging queue %#x, fence %#x, on device %#x", queue->obj.handle, fence->obj.handle, device->obj.handle);
    d3dkmt_object_get(&queue->obj);   /* ours until the end of the call; the table takes the first */
    status = d3dkmt_device_publish_children(device, (struct d3dkmt_object *[]){ &fence->obj, &queue->obj }, 2);
    d3dkmt_object_put(&queue->obj);

done:
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTDestroyPagingQueue
 *
 * desc->hPagingQueue: a paging queue.  Destroys it and its fence: both handles are invalid as soon
 * as the call returns.  Paging operations still queued are not cancelled: the queue and the
 * fence's semaphore live until all GPU work queued before the call completed (the fence tracker
 * drops the last reference then), so nothing is freed under the GPU.  The call does not wait.
 * Works on a removed device.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, not a paging queue).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtdestroypagingqueue; docs/decisions/fences.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTDestroyPagingQueue(D3DDDI_DESTROYPAGINGQUEUE *desc)
{
    struct d3dkmt_paging_queue *queue;
    struct d3dkmt_device *device;

    if (!desc || !(queue = d3dkmt_paging_queue_get(desc->hPagingQueue, NULL))) return STATUS_INVALID_PARAMETER;
    device = queue->obj.device;
    d3dkmt_tracker_poll(device);
    if (!d3dkmt_handle_remove(&queue->obj))
    {
        d3dkmt_object_put(&queue->obj);   /* another thread destroyed it first */
        return STATUS_INVALID_PARAMETER;
    }
    d3dkmt_handle_remove(&queue->fence->obj);
    d3dkmt_object_get(&device->obj);
    d3dkmt_fence_release_after_gpu(device, &queue->obj);
    d3dkmt_device_put(device);
    return STATUS_SUCCESS;
}
