/*
 * fence.c: monitored fences (sync objects) and paging queues.  D3DKMTCreateSynchronizationObject2,
 * D3DKMTDestroySynchronizationObject, D3DKMTSignalSynchronizationObjectFromCpu/FromGpu/FromGpu2,
 * D3DKMTWaitForSynchronizationObjectFromCpu/FromGpu, D3DKMTCreatePagingQueue and
 * D3DKMTDestroyPagingQueue.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * A monitored fence is a timeline VkSemaphore plus a CPU-visible UINT64 (its own 8-byte aligned
 * heap block) that the library keeps equal to the highest value the fence is known to have
 * reached: a CPU signal writes it at once, a GPU signal is handed to the fence tracker
 * (d3dkmt_tracker_monitor), whose waiter thread and entry-point polls write it as the semaphore
 * advances.  The CPU value is written only under tracker.lock, so it never goes backwards.
 *
 * Values never go backwards (docs/decisions/fences.md): every signal of a fence, from the CPU or
 * the GPU, happens under device->queue_lock, where the library knows the semaphore's current value
 * and the highest value a queued GPU signal will write (sync->gpu_pending); a signal of a value
 * not above both is ignored.  A CPU signal while a GPU signal of the fence is still queued goes
 * through the queue behind it (Vulkan forbids a host signal above a pending one).
 *
 * There are no GPU contexts: the hContext of the FromGpu calls is a device handle, and the work
 * goes to the device's one VkQueue as an empty vkQueueSubmit2 that also signals the device
 * timeline, so the fence tracker counts it as GPU work.
 *
 * Lifetime: a sync object holds a reference on its device; a paging queue holds one on its
 * fence.  Destroying either stops its handle(s) at once and drops the last reference through
 * d3dkmt_tracker_defer, i.e. after all GPU work queued so far completed; d3dkmt_sync_object_free
 * additionally waits for the fence's own queued GPU signals and waits (a thread that still held a
 * reference may have queued more) before destroying the semaphore.
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

static struct d3dkmt_sync_object *sync_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device)
{
    return (struct d3dkmt_sync_object *)d3dkmt_handle_get(handle, D3DKMT_OBJ_SYNC_OBJECT, device);
}

static void sync_put(struct d3dkmt_sync_object *sync)
{
    d3dkmt_object_put(&sync->obj);
}

struct d3dkmt_paging_queue *d3dkmt_paging_queue_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device)
{
    return (struct d3dkmt_paging_queue *)d3dkmt_handle_get(handle, D3DKMT_OBJ_PAGING_QUEUE, device);
}

/* Raises the CPU-visible value to `value` (never lowers it).  Takes tracker.lock, the lock under
 * which the tracker writes it too. */
static void publish_value(struct d3dkmt_device *device, struct d3dkmt_sync_object *sync, uint64_t value)
{
    pthread_mutex_lock(&device->tracker.lock);
    if (value > atomic_load_explicit(sync->cpu_value, memory_order_relaxed))
        atomic_store_explicit(sync->cpu_value, value, memory_order_release);
    pthread_mutex_unlock(&device->tracker.lock);
}

static uint64_t gpu_pending(struct d3dkmt_device *device, struct d3dkmt_sync_object *sync)
{
    uint64_t value;

    pthread_mutex_lock(&device->tracker.lock);
    value = sync->gpu_pending;
    pthread_mutex_unlock(&device->tracker.lock);
    return value;
}

/* Current value of the fence's semaphore; on failure (device lost) the CPU-visible value. */
static uint64_t semaphore_value(struct d3dkmt_device *device, struct d3dkmt_sync_object *sync)
{
    uint64_t value = 0;
    VkResult vr;

    if (atomic_load_explicit(&device->removed, memory_order_relaxed))
        return atomic_load_explicit(sync->cpu_value, memory_order_acquire);
    if ((vr = device->vkd.vkGetSemaphoreCounterValue(device->vk, sync->semaphore, &value)) == VK_SUCCESS)
        return value;
    d3dkmt_device_check_vk(device, vr);
    return atomic_load_explicit(sync->cpu_value, memory_order_acquire);
}

/* Blocks until `sem` reaches `value` (no-op once the device is lost). */
static void wait_semaphore(struct d3dkmt_device *device, VkSemaphore sem, uint64_t value)
{
    VkSemaphoreWaitInfo wait = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO, .semaphoreCount = 1,
                                 .pSemaphores = &sem, .pValues = &value };
    VkResult vr;

    if (!value || atomic_load(&device->removed)) return;
    if ((vr = device->vkd.vkWaitSemaphores(device->vk, &wait, UINT64_MAX)) != VK_SUCCESS)
        d3dkmt_device_check_vk(device, vr);
}

/* ---- Creation and destruction ---- */

/* A new monitored fence of device (handle reserved, not published; one reference, the creator's). */
static NTSTATUS create_fence(struct d3dkmt_device *device, uint64_t initial, UINT flags,
                             struct d3dkmt_sync_object **out)
{
    VkPhysicalDeviceVulkan12Properties props12 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES };
    VkPhysicalDeviceProperties2 props = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &props12 };
    struct d3dkmt_sync_object *sync;
    NTSTATUS status;

    if (!(sync = calloc(1, sizeof(*sync)))) return STATUS_NO_MEMORY;
    d3dkmt_object_init(&sync->obj, D3DKMT_OBJ_SYNC_OBJECT, device);
    d3dkmt_list_init(&sync->monitored_link);
    sync->type = D3DDDI_MONITORED_FENCE;
    sync->flags.Value = flags;
    g_vk.vki.vkGetPhysicalDeviceProperties2(device->adapter->physical_device, &props);
    sync->max_difference = props12.maxTimelineSemaphoreValueDifference;

    status = STATUS_NO_MEMORY;
    if (!(sync->cpu_value = aligned_alloc(8, sizeof(*sync->cpu_value)))) goto fail;
    atomic_init(sync->cpu_value, initial);
    if (!(sync->semaphore = d3dkmt_create_timeline_semaphore(device, initial))) goto fail;
    if ((status = d3dkmt_handle_reserve(&sync->obj))) goto fail;
    d3dkmt_object_get(&device->obj);
    *out = sync;
    return STATUS_SUCCESS;

fail:
    if (sync->semaphore) device->vkd.vkDestroySemaphore(device->vk, sync->semaphore, NULL);
    free(sync->cpu_value);
    free(sync);
    return status;
}

/* Undoes create_fence for a fence that was never published. */
static void discard_unpublished(struct d3dkmt_sync_object *sync)
{
    d3dkmt_handle_unreserve(&sync->obj);
    sync_put(sync);
}

void d3dkmt_sync_object_free(struct d3dkmt_sync_object *sync)
{
    struct d3dkmt_device *device = sync->obj.device;

    TRACE("freeing sync object %#x", sync->obj.handle);
    /* Out of the tracker first: after this nothing else reads the semaphore or the CPU value. */
    d3dkmt_tracker_unmonitor(device, sync);
    /* Vulkan needs every queued batch that uses the semaphore to be complete.  Normally they are
     * (the destroy paths drop the last reference through d3dkmt_tracker_defer); a thread that
     * held a reference across the destroy may have queued more since. */
    wait_semaphore(device, sync->semaphore, sync->gpu_pending);
    wait_semaphore(device, device->tracker.timeline, sync->gpu_use);
    device->vkd.vkDestroySemaphore(device->vk, sync->semaphore, NULL);
    free(sync->cpu_value);
    free(sync);
    d3dkmt_device_put(device);
}

void d3dkmt_paging_queue_free(struct d3dkmt_paging_queue *queue)
{
    struct d3dkmt_device *device = queue->obj.device;

    TRACE("freeing paging queue %#x", queue->obj.handle);
    if (queue->fence) sync_put(queue->fence);
    free(queue);
    d3dkmt_device_put(device);
}

/* Deferred: drops the reference the destroy call kept, once the GPU work queued before it completed. */
static void release_deferred(struct d3dkmt_device *device, void *ctx, bool cancelled)
{
    d3dkmt_object_put(ctx);
}

/* Drops `obj` (a reference the caller owns) after all GPU work queued so far completed; at once
 * when nothing is pending, or when the bookkeeping cannot be allocated (the free functions then
 * wait for the fence's own work themselves). */
static void release_after_gpu(struct d3dkmt_device *device, struct d3dkmt_object *obj)
{
    if (d3dkmt_tracker_defer(device, D3DKMT_WAIT_ALL, release_deferred, obj)) d3dkmt_object_put(obj);
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
 * flags); STATUS_NOT_SUPPORTED (another type than a monitored fence, shared or cross-adapter);
 * STATUS_NO_MEMORY; STATUS_DEVICE_REMOVED.  Nothing is created on failure.
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
    if ((status = create_fence(device, desc->Info.MonitoredFence.InitialFenceValue, desc->Info.Flags.Value, &sync)))
        goto done;

    /* Write out before publishing: once published, another thread may destroy it. */
    desc->hSyncObject = sync->obj.handle;
    desc->Info.MonitoredFence.FenceValueCPUVirtualAddress = (void *)sync->cpu_value;
    desc->Info.MonitoredFence.FenceValueGPUVirtualAddress = 0;
    desc->Info.SharedHandle = 0;
    TRACE("fence %#x on device %#x, initial %llu", sync->obj.handle, device->obj.handle,
          (unsigned long long)desc->Info.MonitoredFence.InitialFenceValue);
    d3dkmt_object_get(&sync->obj);
    d3dkmt_handle_publish(&sync->obj);
    status = STATUS_SUCCESS;
    if (atomic_load(&device->obj.state) != D3DKMT_STATE_ACTIVE)
    {
        /* DestroyDevice stopped the device meanwhile and may have swept its children before this
         * one was published (the stripe lock taken by publish orders this read after the sweep). */
        d3dkmt_handle_remove(&sync->obj);
        status = STATUS_INVALID_PARAMETER;
    }
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

    if (!desc || !(sync = sync_get(desc->hSyncObject, NULL))) return STATUS_INVALID_PARAMETER;
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
    release_after_gpu(device, &sync->obj);
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
        if (!(out[i] = sync_get(handles[i], device)) || (out[i]->flags.Value & forbidden)
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

/* Submits one empty batch to the device queue (queue_lock held) that waits for waits[i] to reach
 * wait_values[i] and signals signals[i] to signal_values[i], plus the device timeline (so the
 * tracker counts it) after the last sparse bind.  Every stage: the waits hold back all later
 * work on the queue and the signals cover all earlier work (vkQueueSubmit2 scopes).  On success
 * the signals are monitored (the CPU-visible values follow them).  On failure other than a lost
 * device the device timeline value is signalled from the host, so nothing waits for it forever;
 * the fences are untouched (Vulkan leaves a failed batch's semaphores alone). */
static NTSTATUS submit_locked(struct d3dkmt_device *device, struct d3dkmt_sync_object **waits,
                              const UINT64 *wait_values, UINT wait_count, struct d3dkmt_sync_object **signals,
                              const UINT64 *signal_values, UINT signal_count)
{
    VkSemaphoreSubmitInfo wait_infos[D3DKMT_MAX_SYNC_LIST + 1], signal_infos[D3DKMT_MAX_SYNC_LIST + 1];
    VkSubmitInfo2 info = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2, .pWaitSemaphoreInfos = wait_infos,
                           .pSignalSemaphoreInfos = signal_infos };
    uint64_t value;
    VkResult vr;
    UINT i;

    for (i = 0; i < wait_count; i++)
        wait_infos[info.waitSemaphoreInfoCount++] = (VkSemaphoreSubmitInfo){
            .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .semaphore = waits[i]->semaphore,
            .value = wait_values[i], .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
    for (i = 0; i < signal_count; i++)
        signal_infos[info.signalSemaphoreInfoCount++] = (VkSemaphoreSubmitInfo){
            .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .semaphore = signals[i]->semaphore,
            .value = signal_values[i], .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };

    if ((vr = d3dkmt_tracker_submit_locked(device, &info, wait_infos, signal_infos, &value)) != VK_SUCCESS)
        return d3dkmt_device_check_vk(device, vr);
    for (i = 0; i < wait_count; i++) waits[i]->gpu_use = value;
    for (i = 0; i < signal_count; i++)
    {
        signals[i]->gpu_use = value;
        d3dkmt_tracker_monitor(device, signals[i], signal_values[i]);
    }
    return STATUS_SUCCESS;
}

/* Checks a new value for sync against the Vulkan limit on timeline value differences. */
static bool value_in_range(struct d3dkmt_sync_object *sync, uint64_t current, uint64_t value)
{
    uint64_t diff = value > current ? value - current : current - value;
    return diff <= sync->max_difference;
}

/* Signals syncs[i] to values[i] from the GPU queue (from_cpu = false) or the CPU, under
 * queue_lock.  A value not above both the fence's current value and its highest queued GPU
 * signal is ignored.  CPU signals of a fence without a queued GPU signal are host signals and
 * update the CPU-visible value before returning; the others join one queue submission.
 * Validates every value first: nothing changes on failure. */
static NTSTATUS signal_syncs(struct d3dkmt_device *device, struct d3dkmt_sync_object **syncs, const UINT64 *values,
                             UINT count, bool from_cpu)
{
    struct d3dkmt_sync_object *queued[D3DKMT_MAX_SYNC_LIST];
    UINT64 queued_values[D3DKMT_MAX_SYNC_LIST];
    enum { SIGNAL_IGNORE, SIGNAL_HOST, SIGNAL_QUEUE } how[D3DKMT_MAX_SYNC_LIST];
    NTSTATUS status = STATUS_SUCCESS;
    UINT i, n = 0;

    pthread_mutex_lock(&device->queue_lock);
    for (i = 0; i < count; i++)
    {
        uint64_t current = semaphore_value(device, syncs[i]);
        uint64_t pending = gpu_pending(device, syncs[i]);
        uint64_t cpu = atomic_load_explicit(syncs[i]->cpu_value, memory_order_acquire);
        uint64_t floor = current > pending ? current : pending;

        if (cpu > floor) floor = cpu;
        if (values[i] <= floor) how[i] = SIGNAL_IGNORE;
        else if (!value_in_range(syncs[i], current, values[i]))
        {
            WARN("fence %#x: value %llu too far from %llu", syncs[i]->obj.handle,
                 (unsigned long long)values[i], (unsigned long long)current);
            status = STATUS_INVALID_PARAMETER;
            goto done;
        }
        else how[i] = (from_cpu && pending <= current) ? SIGNAL_HOST : SIGNAL_QUEUE;
    }
    if ((status = d3dkmt_device_status(device))) goto done;
    for (i = 0; i < count; i++)
    {
        if (how[i] != SIGNAL_QUEUE) continue;
        queued[n] = syncs[i];
        queued_values[n++] = values[i];
    }
    if (n && (status = submit_locked(device, NULL, NULL, 0, queued, queued_values, n))) goto done;
    for (i = 0; i < count; i++)
    {
        VkSemaphoreSignalInfo sig = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO,
                                      .semaphore = syncs[i]->semaphore, .value = values[i] };
        VkResult vr;

        if (how[i] != SIGNAL_HOST) continue;
        if ((vr = device->vkd.vkSignalSemaphore(device->vk, &sig)) != VK_SUCCESS)
        {
            /* Only a lost device gets here; the earlier ones stay signalled. */
            status = d3dkmt_device_check_vk(device, vr);
            goto done;
        }
        publish_value(device, syncs[i], values[i]);
    }

done:
    pthread_mutex_unlock(&device->queue_lock);
    return status;
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
    else status = signal_syncs(device, syncs, desc->FenceValueArray, desc->ObjectCount, true);
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
        for (i = 0; i < desc->ObjectCount; i++) sems[i] = syncs[i]->semaphore;
        wait.semaphoreCount = desc->ObjectCount;
        wait.pValues = desc->FenceValueArray;
        wait.flags = desc->Flags.WaitAny ? VK_SEMAPHORE_WAIT_ANY_BIT : 0;
        vr = device->vkd.vkWaitSemaphores(device->vk, &wait, timeout_ns);
        status = d3dkmt_device_check_vk(device, vr);
        if (!status)
        {
            /* The waiter thread may not have caught up yet: make the CPU values current now. */
            for (i = 0; i < desc->ObjectCount; i++)
                publish_value(device, syncs[i], semaphore_value(device, syncs[i]));
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
    else status = signal_syncs(device, syncs, values, count, false);
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
    UINT i;

    if (!desc || !list_valid(desc->ObjectCount, desc->ObjectHandleArray, desc->MonitoredFenceValueArray))
        return STATUS_INVALID_PARAMETER;
    if (!(device = context_get(desc->hContext))) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_device_status(device))) goto done;
    d3dkmt_tracker_poll(device);
    if ((status = lookup_syncs(device, desc->ObjectHandleArray, desc->ObjectCount, no_wait_flag(true), false, syncs)))
        goto done;
    pthread_mutex_lock(&device->queue_lock);
    for (i = 0; i < desc->ObjectCount; i++)
    {
        if (value_in_range(syncs[i], semaphore_value(device, syncs[i]), desc->MonitoredFenceValueArray[i])) continue;
        status = STATUS_INVALID_PARAMETER;
        break;
    }
    if (!status)
        status = submit_locked(device, syncs, desc->MonitoredFenceValueArray, desc->ObjectCount, NULL, NULL, 0);
    pthread_mutex_unlock(&device->queue_lock);
    put_syncs(syncs, desc->ObjectCount);

done:
    d3dkmt_device_put(device);
    return status;
}

/* ---- Paging queues ---- */

uint64_t d3dkmt_paging_queue_next_value_locked(struct d3dkmt_device *device, struct d3dkmt_paging_queue *queue)
{
    uint64_t value = queue->fence_next++;

    d3dkmt_tracker_monitor(device, queue->fence, value);
    return value;
}

uint64_t d3dkmt_paging_queue_completed(struct d3dkmt_device *device, struct d3dkmt_paging_queue *queue)
{
    struct d3dkmt_sync_object *fence = queue->fence;
    uint64_t value = 0;
    VkResult vr = VK_ERROR_DEVICE_LOST;

    if (!atomic_load_explicit(&device->removed, memory_order_relaxed))
        vr = device->vkd.vkGetSemaphoreCounterValue(device->vk, fence->semaphore, &value);
    if (vr != VK_SUCCESS)
    {
        /* A lost device runs nothing any more: report everything queued as done. */
        d3dkmt_device_check_vk(device, vr);
        value = gpu_pending(device, fence);
        if (value < atomic_load(fence->cpu_value)) value = atomic_load(fence->cpu_value);
    }
    publish_value(device, fence, value);
    return value;
}

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
 * index not 0); STATUS_NO_MEMORY; STATUS_DEVICE_REMOVED.  Nothing is created on failure.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtcreatepagingqueue; docs/decisions/fences.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTCreatePagingQueue(D3DKMT_CREATEPAGINGQUEUE *desc)
{
    struct d3dkmt_paging_queue *queue = NULL;
    struct d3dkmt_sync_object *fence = NULL;
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

    if ((status = create_fence(device, 0, 0, &fence))) goto done;
    status = STATUS_NO_MEMORY;
    if (!(queue = calloc(1, sizeof(*queue)))) goto fail;
    d3dkmt_object_init(&queue->obj, D3DKMT_OBJ_PAGING_QUEUE, device);
    queue->priority = desc->Priority;
    queue->fence_next = 1;
    if ((status = d3dkmt_handle_reserve(&queue->obj))) goto fail;
    d3dkmt_object_get(&device->obj);

    /* Nothing fails from here on. */
    fence->paging_queue = queue;
    queue->fence = fence;
    d3dkmt_object_get(&fence->obj);          /* the queue's reference */
    /* Write out before publishing: once published, another thread may destroy them. */
    desc->hPagingQueue = queue->obj.handle;
    desc->hSyncObject = fence->obj.handle;
    desc->FenceValueCPUVirtualAddress = (void *)fence->cpu_value;
    TRACE("paging queue %#x, fence %#x, on device %#x", queue->obj.handle, fence->obj.handle, device->obj.handle);
    d3dkmt_object_get(&queue->obj);          /* ours until the end of the call */
    d3dkmt_handle_publish(&fence->obj);      /* the table takes the creation reference */
    d3dkmt_handle_publish(&queue->obj);
    status = STATUS_SUCCESS;
    if (atomic_load(&device->obj.state) != D3DKMT_STATE_ACTIVE)
    {
        /* DestroyDevice ran meanwhile (see D3DKMTCreateSynchronizationObject2). */
        d3dkmt_handle_remove(&queue->obj);
        d3dkmt_handle_remove(&fence->obj);
        status = STATUS_INVALID_PARAMETER;
    }
    d3dkmt_object_put(&queue->obj);
    goto done;

fail:
    free(queue);
    discard_unpublished(fence);
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
    release_after_gpu(device, &queue->obj);
    d3dkmt_device_put(device);
    return STATUS_SUCCESS;
}
