/*
 * fence.c: monitored fences (sync objects) and paging queues: the objects, their values, and the
 * queue submissions that signal and wait for them.  The entry points that validate and call these
 * are in sync.c; the memory manager (vidmm.c) takes paging fence values from here for its binds.
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
 * and the highest value a queued GPU signal will write; a signal of a value not above both is
 * ignored.  A CPU signal while a GPU signal of the fence is still queued goes through the queue
 * behind it (Vulkan forbids a host signal above a pending one).
 *
 * There are no GPU contexts: the work goes to the device's one VkQueue as an empty
 * vkQueueSubmit2 that also signals the device timeline, so the fence tracker counts it as GPU work.
 *
 * Lifetime: a sync object holds a reference on its device; a paging queue holds one on its
 * fence.  Destroying either stops its handle(s) at once and drops the last reference through
 * d3dkmt_fence_release_after_gpu, i.e. after all GPU work queued so far completed; the sync
 * object's release function additionally waits for the fence's own queued GPU signals and waits
 * (a thread that still held a reference may have queued more) before destroying the semaphore.
 *
 * Layer 7 (src/d3dkmt_private.h): calls device.c, tracker.c, vulkan.c and handle.c.
 */
#include "d3dkmt_private.h"

#include <stdlib.h>
#include <string.h>

struct d3dkmt_sync_object *d3dkmt_sync_object_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device)
{
    return (struct d3dkmt_sync_object *)d3dkmt_handle_get(handle, D3DKMT_OBJ_SYNC_OBJECT, device);
}

struct d3dkmt_paging_queue *d3dkmt_paging_queue_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device)
{
    return (struct d3dkmt_paging_queue *)d3dkmt_handle_get(handle, D3DKMT_OBJ_PAGING_QUEUE, device);
}

uint64_t d3dkmt_fence_value(struct d3dkmt_device *device, struct d3dkmt_sync_object *sync)
{
    uint64_t value = 0;
    VkResult vr;

    if (atomic_load_explicit(&device->removed, memory_order_relaxed))
        return atomic_load_explicit(sync->value.cpu_value, memory_order_acquire);
    if ((vr = device->vkd.vkGetSemaphoreCounterValue(device->vk, sync->value.semaphore, &value)) == VK_SUCCESS)
        return value;
    d3dkmt_device_check_vk(device, vr);
    return atomic_load_explicit(sync->value.cpu_value, memory_order_acquire);
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

/* ---- Creation and release ---- */

/* The sync object's release function. */
static void sync_object_release(struct d3dkmt_object *obj)
{
    struct d3dkmt_sync_object *sync = D3DKMT_CONTAINER(obj, struct d3dkmt_sync_object, obj);
    struct d3dkmt_device *device = sync->obj.device;

    TRACE("freeing sync object %#x", sync->obj.handle);
    /* Out of the tracker first: after this nothing else reads the semaphore or the CPU value. */
    d3dkmt_tracker_unmonitor(device, &sync->value);
    /* Vulkan needs every queued batch that uses the semaphore to be complete.  Normally they are
     * (the destroy paths drop the last reference through d3dkmt_fence_release_after_gpu); a thread
     * that held a reference across the destroy may have queued more since. */
    wait_semaphore(device, sync->value.semaphore, sync->value.gpu_pending);
    wait_semaphore(device, device->tracker.timeline, sync->gpu_use);
    device->vkd.vkDestroySemaphore(device->vk, sync->value.semaphore, NULL);
    free(sync->value.cpu_value);
    free(sync);
    d3dkmt_device_put(device);
}

NTSTATUS d3dkmt_fence_create(struct d3dkmt_device *device, uint64_t initial, UINT flags,
                             struct d3dkmt_sync_object **out)
{
    VkPhysicalDeviceVulkan12Properties props12 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES };
    VkPhysicalDeviceProperties2 props = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &props12 };
    struct d3dkmt_sync_object *sync;
    NTSTATUS status;

    if (!(sync = calloc(1, sizeof(*sync)))) return STATUS_NO_MEMORY;
    d3dkmt_object_init(&sync->obj, D3DKMT_OBJ_SYNC_OBJECT, device, sync_object_release);
    d3dkmt_list_init(&sync->value.link);
    sync->type = D3DDDI_MONITORED_FENCE;
    sync->flags.Value = flags;
    g_vk.vki.vkGetPhysicalDeviceProperties2(device->adapter->physical_device, &props);
    sync->max_difference = props12.maxTimelineSemaphoreValueDifference;

    status = STATUS_NO_MEMORY;
    if (!(sync->value.cpu_value = aligned_alloc(8, sizeof(*sync->value.cpu_value)))) goto fail;
    atomic_init(sync->value.cpu_value, initial);
    if (!(sync->value.semaphore = d3dkmt_create_timeline_semaphore(device, initial))) goto fail;
    if ((status = d3dkmt_handle_reserve(&sync->obj))) goto fail;
    d3dkmt_object_get(&device->obj);
    *out = sync;
    return STATUS_SUCCESS;

fail:
    if (sync->value.semaphore) device->vkd.vkDestroySemaphore(device->vk, sync->value.semaphore, NULL);
    free(sync->value.cpu_value);
    free(sync);
    return status;
}

void d3dkmt_fence_discard_unpublished(struct d3dkmt_sync_object *sync)
{
    d3dkmt_handle_unreserve(&sync->obj);
    d3dkmt_object_put(&sync->obj);
}

/* The paging queue's release function. */
static void paging_queue_release(struct d3dkmt_object *obj)
{
    struct d3dkmt_paging_queue *queue = D3DKMT_CONTAINER(obj, struct d3dkmt_paging_queue, obj);
    struct d3dkmt_device *device = queue->obj.device;

    TRACE("freeing paging queue %#x", queue->obj.handle);
    if (queue->fence) d3dkmt_object_put(&queue->fence->obj);
    free(queue);
    d3dkmt_device_put(device);
}

NTSTATUS d3dkmt_paging_queue_create(struct d3dkmt_device *device, D3DDDI_PAGINGQUEUE_PRIORITY priority,
                                    struct d3dkmt_paging_queue **out)
{
    struct d3dkmt_paging_queue *queue;
    struct d3dkmt_sync_object *fence;
    NTSTATUS status;

    if ((status = d3dkmt_fence_create(device, 0, 0, &fence))) return status;
    status = STATUS_NO_MEMORY;
    if (!(queue = calloc(1, sizeof(*queue)))) goto fail;
    d3dkmt_object_init(&queue->obj, D3DKMT_OBJ_PAGING_QUEUE, device, paging_queue_release);
    queue->priority = priority;
    queue->fence_next = 1;
    if ((status = d3dkmt_handle_reserve(&queue->obj))) goto fail;
    d3dkmt_object_get(&device->obj);
    fence->paging_queue = queue;
    queue->fence = fence;
    d3dkmt_object_get(&fence->obj);   /* the queue's reference; the creator keeps the first */
    *out = queue;
    return STATUS_SUCCESS;

fail:
    free(queue);
    d3dkmt_fence_discard_unpublished(fence);
    return status;
}

/* Deferred: drops the reference the destroy call kept, once the GPU work queued before it completed. */
static void release_deferred(struct d3dkmt_device *device, void *ctx, bool cancelled)
{
    d3dkmt_object_put(ctx);
}

void d3dkmt_fence_release_after_gpu(struct d3dkmt_device *device, struct d3dkmt_object *obj)
{
    /* When the bookkeeping cannot be allocated the reference goes now: the release functions wait
     * for the fence's own work themselves. */
    if (d3dkmt_tracker_defer(device, D3DKMT_WAIT_ALL, release_deferred, obj)) d3dkmt_object_put(obj);
}

/* ---- Signals and waits ---- */

/* Submits one empty batch to the device queue (queue_lock held) that waits for waits[i] to reach
 * wait_values[i] and signals signals[i] to signal_values[i], plus the device timeline (so the
 * tracker counts it) after the last sparse bind.  Every stage: the waits hold back all later
 * work on the queue and the signals cover all earlier work (vkQueueSubmit2 scopes).  On success
 * the signals are monitored (the CPU-visible values follow them).  On failure nothing was queued:
 * the device timeline value is not taken (d3dkmt_tracker_submit_locked) and the fences are
 * untouched (Vulkan leaves a failed batch's semaphores alone). */
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
            .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .semaphore = waits[i]->value.semaphore,
            .value = wait_values[i], .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
    for (i = 0; i < signal_count; i++)
        signal_infos[info.signalSemaphoreInfoCount++] = (VkSemaphoreSubmitInfo){
            .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .semaphore = signals[i]->value.semaphore,
            .value = signal_values[i], .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };

    if ((vr = d3dkmt_tracker_submit_locked(device, &info, wait_infos, signal_infos, &value)) != VK_SUCCESS)
        return d3dkmt_device_check_vk(device, vr);
    for (i = 0; i < wait_count; i++) waits[i]->gpu_use = value;
    for (i = 0; i < signal_count; i++)
    {
        signals[i]->gpu_use = value;
        d3dkmt_tracker_monitor(device, &signals[i]->value, signal_values[i]);
    }
    return STATUS_SUCCESS;
}

/* Checks a new value for sync against the Vulkan limit on timeline value differences. */
static bool value_in_range(struct d3dkmt_sync_object *sync, uint64_t current, uint64_t value)
{
    uint64_t diff = value > current ? value - current : current - value;
    return diff <= sync->max_difference;
}

NTSTATUS d3dkmt_fence_signal(struct d3dkmt_device *device, struct d3dkmt_sync_object **syncs, const UINT64 *values,
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
        uint64_t current = d3dkmt_fence_value(device, syncs[i]);
        uint64_t pending = d3dkmt_tracker_gpu_pending(device, &syncs[i]->value);
        uint64_t cpu = atomic_load_explicit(syncs[i]->value.cpu_value, memory_order_acquire);
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
                                      .semaphore = syncs[i]->value.semaphore, .value = values[i] };
        VkResult vr;

        if (how[i] != SIGNAL_HOST) continue;
        if ((vr = device->vkd.vkSignalSemaphore(device->vk, &sig)) != VK_SUCCESS)
        {
            /* Only a lost device gets here; the earlier ones stay signalled. */
            status = d3dkmt_device_check_vk(device, vr);
            goto done;
        }
        d3dkmt_tracker_publish_value(device, &syncs[i]->value, values[i]);
    }

done:
    pthread_mutex_unlock(&device->queue_lock);
    return status;
}

NTSTATUS d3dkmt_fence_queue_wait(struct d3dkmt_device *device, struct d3dkmt_sync_object **syncs,
                                 const UINT64 *values, UINT count)
{
    NTSTATUS status = STATUS_SUCCESS;
    UINT i;

    pthread_mutex_lock(&device->queue_lock);
    for (i = 0; i < count; i++)
    {
        if (value_in_range(syncs[i], d3dkmt_fence_value(device, syncs[i]), values[i])) continue;
        status = STATUS_INVALID_PARAMETER;
        break;
    }
    if (!status) status = submit_locked(device, syncs, values, count, NULL, NULL, 0);
    pthread_mutex_unlock(&device->queue_lock);
    return status;
}

/* ---- Paging queue fence values ---- */

uint64_t d3dkmt_paging_queue_next_value_locked(struct d3dkmt_device *device, struct d3dkmt_paging_queue *queue)
{
    uint64_t value = queue->fence_next++;

    d3dkmt_tracker_monitor(device, &queue->fence->value, value);
    return value;
}

uint64_t d3dkmt_paging_queue_completed(struct d3dkmt_device *device, struct d3dkmt_paging_queue *queue)
{
    struct d3dkmt_sync_object *fence = queue->fence;
    uint64_t value = 0;
    VkResult vr = VK_ERROR_DEVICE_LOST;

    if (!atomic_load_explicit(&device->removed, memory_order_relaxed))
        vr = device->vkd.vkGetSemaphoreCounterValue(device->vk, fence->value.semaphore, &value);
    if (vr != VK_SUCCESS)
    {
        /* A lost device runs nothing any more: report everything queued as done. */
        d3dkmt_device_check_vk(device, vr);
        value = d3dkmt_tracker_gpu_pending(device, &fence->value);
        if (value < atomic_load(fence->value.cpu_value)) value = atomic_load(fence->value.cpu_value);
    }
    d3dkmt_tracker_publish_value(device, &fence->value, value);
    return value;
}
