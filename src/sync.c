/*
 * sync.c: the synchronization entry points.  D3DKMTCreateSynchronizationObject2,
 * D3DKMTDestroySynchronizationObject, D3DKMTSignalSynchronizationObjectFromCpu/FromGpu/FromGpu2,
 * D3DKMTWaitForSynchronizationObjectFromCpu/FromGpu, D3DKMTCreatePagingQueue,
 * D3DKMTDestroyPagingQueue and d3dkmt_host_wait_from_cpu.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Each entry point validates its descriptor, resolves its handles into referenced objects (all or
 * nothing), and hands them to the monitored-fence mechanics of fence.c.  There are no GPU
 * contexts: the hContext of the FromGpu calls is a device handle (docs/decisions/fences.md).
 *
 * Layer 9 (src/d3dkmt_private.h): calls fence.c, device.c, tracker.c and handle.c; never the other
 * entry-point files (allocation.c, residency.c).
 */
#include "d3dkmt_private.h"

#include <stdlib.h>
#include <string.h>

/* Flags a monitored fence may be created with (Shared, NtSecuritySharing and CrossAdapter are
 * refused with STATUS_NOT_SUPPORTED before this mask is applied). */
#define SYNC_FLAGS_KNOWN 0xffu

/* Signal flags: SignalAtSubmission (1), EnqueueCpuEvent (2), AllowFenceRewind (4); the rest
 * (Reserved, DXGK_SIGNAL_FLAG_INTERNAL0) must be zero. */
#define SIGNAL_FLAGS_KNOWN 0x7u

static void sync_put(struct d3dkmt_sync_object *sync)
{
    d3dkmt_object_put(&sync->obj);
}

/***********************************************************************
 *           D3DKMTCreateSynchronizationObject2
 *
 * desc->hDevice: a device.  desc->Info.Type: D3DDDI_MONITORED_FENCE only.
 * desc->Info.MonitoredFence.InitialFenceValue: the fence's starting value (any UINT64).
 * desc->Info.Flags: TopOfPipeline and NoSignalMaxValueOnTdr are accepted and have no effect;
 * NoSignal (no signal, CPU or GPU, is accepted), NoWait (no wait is accepted) and NoGPUAccess
 * (no FromGpu signal or wait is accepted) are enforced; Shared, NtSecuritySharing and
 * CrossAdapter are not supported; the reserved bits must be 0.  EngineAffinity is ignored.
 * Out: desc->hSyncObject; desc->Info.MonitoredFence.FenceValueCPUVirtualAddress, a UINT64
 * (8-byte aligned, read-only for the caller) holding the fence's current value, valid until the
 * fence is destroyed; FenceValueGPUVirtualAddress = 0 (there is no GPU mapping: the GPU signals
 * through D3DKMTSignalSynchronizationObjectFromGpu(2)); Info.SharedHandle = 0.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, bad device, unknown type, reserved
 * flags); STATUS_NOT_SUPPORTED (another type than a monitored fence, shared or cross-adapter; or
 * the device's VkDevice, made by the first call that needs it, could not be made);
 * STATUS_NO_MEMORY; STATUS_DEVICE_REMOVED; STATUS_INVALID_HANDLE (another thread destroyed the
 * device during the call; docs/decisions/lifetime.md).  Nothing is created on failure.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtcreatesynchronizationobject2; docs/decisions/fences.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTCreateSynchronizationObject2(D3DKMT_CREATESYNCHRONIZATIONOBJECT2 *desc)
{
    struct d3dkmt_sync_object *sync;
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if (desc->Info.Type < D3DDDI_SYNCHRONIZATION_MUTEX || desc->Info.Type >= D3DDDI_SYNCHRONIZATION_TYPE_LIMIT)
        return STATUS_INVALID_PARAMETER;
    if (desc->Info.Flags.Value & ~SYNC_FLAGS_KNOWN) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_device_status(device))) goto done;
    d3dkmt_tracker_poll(device);
    status = STATUS_NOT_SUPPORTED;
    if (desc->Info.Type != D3DDDI_MONITORED_FENCE)
    {
        FIXME("synchronization object type %u not supported", desc->Info.Type);
        goto done;
    }
    if (desc->Info.Flags.Shared || desc->Info.Flags.NtSecuritySharing || desc->Info.Flags.CrossAdapter)
    {
        FIXME("shared or cross-adapter fences not supported (flags %#x)", desc->Info.Flags.Value);
        goto done;
    }
    if ((status = d3dkmt_device_ready(device))) goto done;
    if ((status = d3dkmt_fence_create(device, desc->Info.MonitoredFence.InitialFenceValue, desc->Info.Flags.Value,
                                      &sync)))
        goto done;

    /* Write out before publishing: once published, another thread may destroy it. */
    desc->hSyncObject = sync->obj.handle;
    desc->Info.MonitoredFence.FenceValueCPUVirtualAddress = (void *)sync->value.cpu_value;
    desc->Info.MonitoredFence.FenceValueGPUVirtualAddress = 0;
    desc->Info.SharedHandle = 0;
    TRACE("fence %#x on device %#x, initial %llu", sync->obj.handle, device->obj.handle,
          (unsigned long long)desc->Info.MonitoredFence.InitialFenceValue);
    d3dkmt_object_get(&sync->obj);   /* ours until the end of the call; the table takes the first */
    status = d3dkmt_device_publish_children(device, &(struct d3dkmt_object *){ &sync->obj }, 1);
    sync_put(sync);

done:
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTDestroySynchronizationObject
 *
 * desc->hSyncObject: a sync object of any device.  The handle is invalid as soon as the call
 * returns; the semaphore and the CPU-visible value are freed once the GPU work queued before the
 * call (and the fence's own queued signals and waits) completed.  The call does not wait.
 * Threads blocked in D3DKMTWaitForSynchronizationObjectFromCpu on it are not woken.
 * A paging queue's fence cannot be destroyed this way (it goes with D3DKMTDestroyPagingQueue).
 * Works on a removed device.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, not a sync object, a paging
 * queue's fence: nothing changes).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtdestroysynchronizationobject; docs/decisions/fences.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTDestroySynchronizationObject(const D3DKMT_DESTROYSYNCHRONIZATIONOBJECT *desc)
{
    struct d3dkmt_sync_object *sync;
    struct d3dkmt_device *device;

    if (!desc || !(sync = d3dkmt_sync_object_get(desc->hSyncObject, NULL))) return STATUS_INVALID_PARAMETER;
    device = sync->obj.device;
    d3dkmt_tracker_poll(device);
    if (sync->paging_queue)
    {
        WARN("fence %#x belongs to a paging queue", sync->obj.handle);
        sync_put(sync);
        return STATUS_INVALID_PARAMETER;
    }
    if (!d3dkmt_handle_remove(&sync->obj))
    {
        sync_put(sync);   /* another thread destroyed it first */
        return STATUS_INVALID_PARAMETER;
    }
    d3dkmt_object_get(&device->obj);   /* the free below may drop the sync object's reference */
    d3dkmt_fence_release_after_gpu(device, &sync->obj);
    d3dkmt_device_put(device);
    return STATUS_SUCCESS;
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

/* Common checks of a handle/value list: count 1..D3DKMT_MAX_SYNC_LIST, arrays non-NULL. */
static bool list_valid(UINT count, const D3DKMT_HANDLE *handles, const UINT64 *values)
{
    return count && count <= D3DKMT_MAX_SYNC_LIST && handles && values;
}

/***********************************************************************
 *           D3DKMTSignalSynchronizationObjectFromCpu
 *
 * desc->hDevice: a device.  desc->ObjectHandleArray / desc->FenceValueArray: desc->ObjectCount
 * (1 to 64) monitored fences of that device, each listed once, and the value to signal each to.
 * desc->Flags: SignalAtSubmission is accepted (a CPU signal is immediate anyway);
 * EnqueueCpuEvent and AllowFenceRewind are not supported; the reserved bits must be 0.
 * Values never go backwards: a value not above the fence's current value (or a GPU signal of
 * it already queued) is ignored.  Without a queued GPU signal the fence is signalled at once and
 * its CPU-visible value holds the new value when the call returns; with one, the signal is queued
 * behind it on the device queue and the value follows when it executes (the WDK says the caller
 * must not assume completion on return).  A paging queue's fence cannot be signalled.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or an array NULL, count 0 or above 64,
 * bad device, a bad, foreign, repeated, NoSignal or paging-queue fence, a value further from the
 * current one than the device's maxTimelineSemaphoreValueDifference: nothing changes);
 * STATUS_NOT_SUPPORTED (flags above); STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtsignalsynchronizationobjectfromcpu; docs/decisions/fences.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTSignalSynchronizationObjectFromCpu(
        const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU *desc)
{
    struct d3dkmt_sync_object *syncs[D3DKMT_MAX_SYNC_LIST];
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!desc || !list_valid(desc->ObjectCount, desc->ObjectHandleArray, desc->FenceValueArray))
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
 * (1 to 64) monitored fences of that device (repeats allowed) and the value to wait for on each.
 * desc->Flags.WaitAny: return when one fence reached its value, else when all did; the reserved
 * bits must be 0.  desc->hAsyncEvent NULL: the call blocks, with no timeout, and on success every
 * fence waited for has its CPU-visible value at or above its target.  A non-NULL hAsyncEvent is a
 * Windows event the host library cannot signal: after validating everything the call returns
 * STATUS_NOT_SUPPORTED, and d3dkmt.dll's PE side implements that form (a thread that makes the
 * blocking call, then sets the event).  Paging queue fences may be waited for.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or an array NULL, count 0 or above 64,
 * bad device, a bad, foreign or NoWait fence, reserved flags); STATUS_NOT_SUPPORTED
 * (hAsyncEvent); STATUS_DEVICE_REMOVED (before or during the wait).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtwaitforsynchronizationobjectfromcpu; docs/decisions/fences.md.
 */
/* The CPU wait of D3DKMTWaitForSynchronizationObjectFromCpu and d3dkmt_host_wait_from_cpu:
 * timeout_ns UINT64_MAX waits without limit; a non-NULL hAsyncEvent is validated only and answered
 * with STATUS_NOT_SUPPORTED (the DLL's PE side does the asynchronous form). */
static NTSTATUS wait_from_cpu(const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU *desc, uint64_t timeout_ns)
{
    struct d3dkmt_sync_object *syncs[D3DKMT_MAX_SYNC_LIST];
    VkSemaphore sems[D3DKMT_MAX_SYNC_LIST];
    VkSemaphoreWaitInfo wait = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO, .pSemaphores = sems };
    struct d3dkmt_device *device;
    NTSTATUS status;
    VkResult vr;
    UINT i;

    if (!desc || !list_valid(desc->ObjectCount, desc->ObjectHandleArray, desc->FenceValueArray))
        return STATUS_INVALID_PARAMETER;
    if (desc->Flags.Reserved) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_device_status(device))) goto done;
    d3dkmt_tracker_poll(device);
    if ((status = lookup_syncs(device, desc->ObjectHandleArray, desc->ObjectCount, no_wait_flag(false), false, syncs)))
        goto done;
    if (desc->hAsyncEvent)
    {
        TRACE("asynchronous wait: left to the DLL's PE side");
        status = STATUS_NOT_SUPPORTED;
    }
    else
    {
        for (i = 0; i < desc->ObjectCount; i++) sems[i] = syncs[i]->value.semaphore;
        wait.semaphoreCount = desc->ObjectCount;
        wait.pValues = desc->FenceValueArray;
        wait.flags = desc->Flags.WaitAny ? VK_SEMAPHORE_WAIT_ANY_BIT : 0;
        vr = device->vkd.vkWaitSemaphores(device->vk, &wait, timeout_ns);
        status = d3dkmt_device_check_vk(device, vr);
        if (!status && device->pub) d3dkmt_stat_add_shared(&device->pub->fence_waits_cpu, 1);
        if (!status)
        {
            /* The waiter thread may not have caught up yet: make the CPU values current now. */
            for (i = 0; i < desc->ObjectCount; i++)
                d3dkmt_tracker_publish_value(device, &syncs[i]->value, d3dkmt_fence_value(device, syncs[i]));
            d3dkmt_tracker_poll(device);
        }
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

/* The "context" of the FromGpu calls: a device handle (docs/decisions/fences.md). */
static struct d3dkmt_device *context_get(D3DKMT_HANDLE hContext)
{
    return d3dkmt_device_get(hContext);
}

/* Shared body of the two GPU signal forms. */
static NTSTATUS signal_from_gpu(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles, const UINT64 *values,
                                UINT count)
{
    struct d3dkmt_sync_object *syncs[D3DKMT_MAX_SYNC_LIST];
    NTSTATUS status;

    if ((status = d3dkmt_device_status(device))) return status;
    d3dkmt_tracker_poll(device);
    if ((status = lookup_syncs(device, handles, count, no_signal_flag(true), true, syncs))) return status;
    if (has_duplicates(syncs, count)) status = STATUS_INVALID_PARAMETER;
    else status = d3dkmt_fence_signal(device, syncs, values, count, false);
    put_syncs(syncs, count);
    return status;
}

/***********************************************************************
 *           D3DKMTSignalSynchronizationObjectFromGpu
 *
 * desc->hContext: a device handle (there are no GPU contexts: each device has one queue;
 * docs/decisions/fences.md).  desc->ObjectHandleArray / desc->MonitoredFenceValueArray:
 * desc->ObjectCount (1 to 64) monitored fences of that device, each listed once, and their values.
 * Queues, on the device's queue, a signal of each fence that runs once all work queued before it
 * completed; the call does not wait.  The fence's CPU-visible value follows when it executes.
 * A value not above the fence's current value or an already queued signal of it is ignored
 * (values never go backwards).  A paging queue's fence cannot be signalled.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or an array NULL, count 0 or above 64,
 * hContext not a device, a bad, foreign, repeated, NoSignal, NoGPUAccess or paging-queue fence, a
 * value beyond maxTimelineSemaphoreValueDifference: nothing changes); STATUS_NO_MEMORY;
 * STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtsignalsynchronizationobjectfromgpu; docs/decisions/fences.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTSignalSynchronizationObjectFromGpu(
        const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU *desc)
{
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!desc || !list_valid(desc->ObjectCount, desc->ObjectHandleArray, desc->MonitoredFenceValueArray))
        return STATUS_INVALID_PARAMETER;
    if (!(device = context_get(desc->hContext))) return STATUS_INVALID_PARAMETER;
    status = signal_from_gpu(device, desc->ObjectHandleArray, desc->MonitoredFenceValueArray, desc->ObjectCount);
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTSignalSynchronizationObjectFromGpu2
 *
 * desc->BroadcastContextArray: desc->BroadcastContextCount (1 to 64) "contexts", i.e. device
 * handles, all the same device (one queue: a broadcast to it is one signal).
 * desc->ObjectHandleArray / desc->MonitoredFenceValueArray: desc->ObjectCount (1 to 64)
 * monitored fences of that device, each listed once, and their values.  desc->Flags:
 * SignalAtSubmission, EnqueueCpuEvent (CpuEventHandle: a Windows event, left to the DLL's PE
 * side) and AllowFenceRewind are not supported; the reserved bits must be 0.  Otherwise as
 * D3DKMTSignalSynchronizationObjectFromGpu.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (as FromGpu, and a context that is not a
 * device or another device than the first); STATUS_NOT_SUPPORTED (flags above); STATUS_NO_MEMORY;
 * STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtsignalsynchronizationobjectfromgpu2; docs/decisions/fences.md.
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
    if (!list_valid(desc->ObjectCount, desc->ObjectHandleArray, desc->MonitoredFenceValueArray))
        return STATUS_INVALID_PARAMETER;
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
    status = signal_from_gpu(device, desc->ObjectHandleArray, desc->MonitoredFenceValueArray, desc->ObjectCount);
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTWaitForSynchronizationObjectFromGpu
 *
 * desc->hContext: a device handle (docs/decisions/fences.md).  desc->ObjectHandleArray /
 * desc->MonitoredFenceValueArray: desc->ObjectCount (1 to 64) monitored fences of that device
 * (repeats allowed; paging queue fences too) and the value to wait for on each.  Queues a wait on
 * the device's queue: all work queued after it waits until every fence reached its value; the
 * call itself does not wait.  A fence may be signalled (from the CPU) after the wait is queued.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or an array NULL, count 0 or above 64,
 * hContext not a device, a bad, foreign, NoWait or NoGPUAccess fence, a value beyond
 * maxTimelineSemaphoreValueDifference: nothing changes); STATUS_NO_MEMORY; STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtwaitforsynchronizationobjectfromgpu; docs/decisions/fences.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTWaitForSynchronizationObjectFromGpu(
        const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU *desc)
{
    struct d3dkmt_sync_object *syncs[D3DKMT_MAX_SYNC_LIST];
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!desc || !list_valid(desc->ObjectCount, desc->ObjectHandleArray, desc->MonitoredFenceValueArray))
        return STATUS_INVALID_PARAMETER;
    if (!(device = context_get(desc->hContext))) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_device_status(device))) goto done;
    d3dkmt_tracker_poll(device);
    if ((status = lookup_syncs(device, desc->ObjectHandleArray, desc->ObjectCount, no_wait_flag(true), false, syncs)))
        goto done;
    status = d3dkmt_fence_queue_wait(device, syncs, desc->MonitoredFenceValueArray, desc->ObjectCount);
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
