/*
 * fence.c: sync objects (monitored fences, fences, mutexes, semaphores, CPU notifications) and
 * paging queues: the objects, their values, and the queue submissions and host calls that signal
 * and wait for them.  The entry points that validate and call these are in sync.c; the memory
 * manager (vidmm.c) takes paging fence values from here for its binds.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Every sync object is a timeline VkSemaphore plus a CPU-visible UINT64 (its own 8-byte aligned
 * heap block) that the library keeps equal to the highest value the object is known to have
 * reached: a CPU signal writes it at once, a GPU signal is handed to the fence tracker
 * (d3dkmt_tracker_monitor), whose waiter thread and entry-point polls write it as the semaphore
 * advances.  The CPU value is written only under tracker.lock, so it never goes backwards.  What
 * the value means per type is in src/d3dkmt_private.h and docs/decisions/sync-objects.md.
 *
 * Values never go backwards (docs/decisions/fences.md): every signal of an object, from the CPU or
 * the GPU, happens under device->queue_lock, where the library knows the semaphore's current value
 * and the highest value a queued GPU signal will write; a signal of a value not above both is
 * ignored.  A CPU signal while a GPU signal of the object is still queued goes through the queue
 * behind it (Vulkan forbids a host signal above a pending one).
 *
 * Exact waits.  Every wait the library makes on an object's semaphore, from the host
 * (vkWaitSemaphores) or the queue, is for a value that some signal writes exactly: a wait for W
 * while queued signals will write S1 < S2 < ... (the object's `queued` list) waits for the first
 * Si >= W instead, which is the same condition since the values are written in that order; a wait
 * for W above every signal issued so far is recorded (`early_waits`), and the first signal that
 * goes past W writes W exactly on the way (a host signal of W, or a queue batch signalling W,
 * before the signal asked for).  Mutex and semaphore values grow by one, so their waits are exact
 * by construction.  Vulkan does not require this, but the Khronos validation layer up to at least
 * 1.3.261 (Debian 12 ships 1.3.239) retires a timeline semaphore's operations by erasing its
 * oldest pending entry rather than the one that completed, so a wait for a value no signal writes
 * leaves a completed signal behind as "pending", and every later host signal is then reported as
 * VUID-VkSemaphoreSignalInfo-value-03259 (issue 18, docs/decisions/fences.md).
 *
 * There are no GPU contexts: the work goes to the device's one VkQueue as an empty
 * vkQueueSubmit2 that also signals the device timeline, so the fence tracker counts it as GPU work.
 *
 * Lifetime: a sync object holds a reference on its device; a paging queue holds one on its
 * fence; an opened handle holds one on the object it names.  Destroying a handle stops it at once
 * and drops its last reference through d3dkmt_fence_release_after_gpu, i.e. after all GPU work
 * queued so far completed; the object's release function additionally waits for its own queued
 * GPU signals and waits (a thread that still held a reference may have queued more) before
 * destroying the semaphore.  A global handle (Flags.Shared) lives while a local handle of the
 * object does (share.c).
 *
 * Layer 7 (src/d3dkmt_private.h): calls device.c, tracker.c, vulkan.c, share.c and handle.c.
 */
#include "d3dkmt_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline bool is_fence(const struct d3dkmt_sync_object *sync)
{
    return sync->type == D3DDDI_MONITORED_FENCE || sync->type == D3DDDI_FENCE;
}

static inline bool is_counting(const struct d3dkmt_sync_object *sync)
{
    return sync->type == D3DDDI_SYNCHRONIZATION_MUTEX || sync->type == D3DDDI_SEMAPHORE;
}

/* ---- Value lists (ascending, no repeats) ---- */

static bool list_reserve(struct d3dkmt_value_list *list, uint32_t extra)
{
    uint32_t capacity;
    uint64_t *values;

    if (list->count + extra <= list->capacity) return true;
    capacity = list->capacity ? list->capacity : 4;
    while (capacity < list->count + extra) capacity *= 2;
    if (!(values = realloc(list->values, capacity * sizeof(*values)))) return false;
    list->values = values;
    list->capacity = capacity;
    return true;
}

/* Inserts value (room reserved); no-op when present. */
static void list_insert(struct d3dkmt_value_list *list, uint64_t value)
{
    uint32_t i = list->count;

    while (i && list->values[i - 1] > value) i--;
    if (i && list->values[i - 1] == value) return;
    memmove(list->values + i + 1, list->values + i, (list->count - i) * sizeof(*list->values));
    list->values[i] = value;
    list->count++;
}

/* Drops the values up to `value`. */
static void list_drop_upto(struct d3dkmt_value_list *list, uint64_t value)
{
    uint32_t n = 0;

    while (n < list->count && list->values[n] <= value) n++;
    if (!n) return;
    memmove(list->values, list->values + n, (list->count - n) * sizeof(*list->values));
    list->count -= n;
}

/* The first value >= `value`, or 0. */
static uint64_t list_first_from(const struct d3dkmt_value_list *list, uint64_t value)
{
    uint32_t i;

    for (i = 0; i < list->count; i++) if (list->values[i] >= value) return list->values[i];
    return 0;
}

static void list_free(struct d3dkmt_value_list *list)
{
    free(list->values);
    list->values = NULL;
    list->count = list->capacity = 0;
}

/* ---- Lookups and values ---- */

struct d3dkmt_sync_object *d3dkmt_sync_handle_get(D3DKMT_HANDLE handle)
{
    return (struct d3dkmt_sync_object *)d3dkmt_handle_get(handle, D3DKMT_OBJ_SYNC_OBJECT, NULL);
}

struct d3dkmt_sync_object *d3dkmt_sync_object_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device)
{
    struct d3dkmt_sync_object *sync, *target;

    if (!(sync = (struct d3dkmt_sync_object *)d3dkmt_handle_get(handle, D3DKMT_OBJ_SYNC_OBJECT, device)))
        return NULL;
    if (!(target = sync->target)) return sync;
    d3dkmt_object_get(&target->obj);
    d3dkmt_object_put(&sync->obj);
    return target;
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

/* The current value, with the queued signals it reached dropped from the list (queue_lock held). */
static uint64_t current_value_locked(struct d3dkmt_device *device, struct d3dkmt_sync_object *sync)
{
    uint64_t value = d3dkmt_fence_value(device, sync);

    list_drop_upto(&sync->queued, value);
    return value;
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

/* ---- CPU notifications reached: a process-wide queue the DLL's PE side drains ---- */

struct cpu_event
{
    struct d3dkmt_list link;
    uint64_t event;
    bool release;
    struct d3dkmt_sync_object *sync;      /* while a signal's event waits for the GPU: the object,
                                           * referenced, so that its release comes after */
};

static struct
{
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct d3dkmt_list ready;             /* struct cpu_event, oldest first */
    uint32_t in_flight;                   /* entries to come: GPU signals not reached yet, objects
                                           * destroyed and not freed yet */
} cpu_events = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                 { &cpu_events.ready, &cpu_events.ready }, 0 };

/* Queues an event to set (or, release, to let go of); takes ownership of e.  landed: it was
 * counted in flight. */
static void push_cpu_event(struct cpu_event *e, bool landed)
{
    pthread_mutex_lock(&cpu_events.lock);
    d3dkmt_list_add_tail(&cpu_events.ready, &e->link);
    if (landed) cpu_events.in_flight--;
    pthread_cond_broadcast(&cpu_events.cond);
    pthread_mutex_unlock(&cpu_events.lock);
}

static void cpu_event_in_flight(void)
{
    pthread_mutex_lock(&cpu_events.lock);
    cpu_events.in_flight++;
    pthread_mutex_unlock(&cpu_events.lock);
}

/* Deferred: the GPU reached a CPU notification's signal. */
static void cpu_event_deferred(struct d3dkmt_device *device, void *ctx, bool cancelled)
{
    struct cpu_event *e = ctx;
    struct d3dkmt_sync_object *sync = e->sync;

    e->sync = NULL;
    push_cpu_event(e, true);
    d3dkmt_object_put(&sync->obj);
}

NTSTATUS d3dkmt_fence_next_cpu_event(uint64_t timeout_ns, uint64_t *event, bool *release, uint32_t *in_flight)
{
    struct timespec deadline;
    struct cpu_event *e;
    int ret = 0;

    if (timeout_ns != UINT64_MAX)
    {
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += timeout_ns / 1000000000ull;
        deadline.tv_nsec += timeout_ns % 1000000000ull;
        if (deadline.tv_nsec >= 1000000000) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000; }
    }
    pthread_mutex_lock(&cpu_events.lock);
    while (d3dkmt_list_empty(&cpu_events.ready) && ret != ETIMEDOUT)
    {
        if (timeout_ns == UINT64_MAX) pthread_cond_wait(&cpu_events.cond, &cpu_events.lock);
        else ret = pthread_cond_timedwait(&cpu_events.cond, &cpu_events.lock, &deadline);
    }
    *in_flight = cpu_events.in_flight;
    if (d3dkmt_list_empty(&cpu_events.ready))
    {
        pthread_mutex_unlock(&cpu_events.lock);
        return STATUS_TIMEOUT;
    }
    e = D3DKMT_CONTAINER(cpu_events.ready.next, struct cpu_event, link);
    d3dkmt_list_remove(&e->link);
    pthread_mutex_unlock(&cpu_events.lock);
    *event = e->event;
    *release = e->release;
    free(e);
    return STATUS_SUCCESS;
}

/* ---- Creation and release ---- */

/* Stops counting this local handle in its global entry (once). */
static void close_global(struct d3dkmt_sync_object *sync)
{
    if (sync->global && atomic_exchange(&sync->global_held, false))
        d3dkmt_global_close(sync->global, D3DKMT_OBJ_SYNC_OBJECT);
}

/* The sync object's release function (an opened handle's too). */
static void sync_object_release(struct d3dkmt_object *obj)
{
    struct d3dkmt_sync_object *sync = D3DKMT_CONTAINER(obj, struct d3dkmt_sync_object, obj);
    struct d3dkmt_device *device = sync->obj.device;
    struct cpu_event *e;

    TRACE("freeing sync object %#x", sync->obj.handle);
    close_global(sync);
    if (sync->target)
    {
        d3dkmt_object_put(&sync->target->obj);
        free(sync);
        d3dkmt_device_put(device);
        return;
    }
    if (sync->global) d3dkmt_global_remove(sync->global, D3DKMT_OBJ_SYNC_OBJECT, sync);
    /* Out of the tracker first: after this nothing else reads the semaphore or the CPU value. */
    d3dkmt_tracker_unmonitor(device, &sync->value);
    /* Vulkan needs every queued batch that uses the semaphore to be complete.  Normally they are
     * (the destroy paths drop the last reference through d3dkmt_fence_release_after_gpu); a thread
     * that held a reference across the destroy may have queued more since. */
    wait_semaphore(device, sync->value.semaphore, sync->value.gpu_pending);
    wait_semaphore(device, device->tracker.timeline, sync->gpu_use);
    device->vkd.vkDestroySemaphore(device->vk, sync->value.semaphore, NULL);
    if (sync->type == D3DDDI_CPU_NOTIFICATION)
    {
        /* Every signal reached was delivered before (each held a reference until it was). */
        bool landed = atomic_exchange(&sync->release_in_flight, false);
        if ((e = calloc(1, sizeof(*e))))
        {
            e->event = sync->cpu_event;
            e->release = true;
            push_cpu_event(e, landed);
        }
        else
        {
            ERR("out of memory: the event of CPU notification %#x is not released", sync->obj.handle);
            if (landed) { pthread_mutex_lock(&cpu_events.lock); cpu_events.in_flight--; pthread_mutex_unlock(&cpu_events.lock); }
        }
    }
    list_free(&sync->queued);
    list_free(&sync->early_waits);
    free(sync->value.cpu_value);
    free(sync);
    d3dkmt_device_put(device);
}

NTSTATUS d3dkmt_sync_create(struct d3dkmt_device *device, const struct d3dkmt_sync_desc *desc,
                            struct d3dkmt_sync_object **out)
{
    VkPhysicalDeviceVulkan12Properties props12 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES };
    VkPhysicalDeviceProperties2 props = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &props12 };
    struct d3dkmt_sync_object *sync;
    NTSTATUS status;

    if (!(sync = calloc(1, sizeof(*sync)))) return STATUS_NO_MEMORY;
    d3dkmt_object_init(&sync->obj, D3DKMT_OBJ_SYNC_OBJECT, device, sync_object_release);
    d3dkmt_list_init(&sync->value.link);
    sync->type = desc->type;
    sync->flags.Value = desc->flags;
    sync->max_count = desc->max_count;
    sync->cpu_event = desc->cpu_event;
    g_vk.vki.vkGetPhysicalDeviceProperties2(device->adapter->physical_device, &props);
    sync->max_difference = props12.maxTimelineSemaphoreValueDifference;

    status = STATUS_NO_MEMORY;
    if (!(sync->value.cpu_value = aligned_alloc(8, sizeof(*sync->value.cpu_value)))) goto fail;
    atomic_init(sync->value.cpu_value, desc->initial);
    if (!(sync->value.semaphore = d3dkmt_create_timeline_semaphore(device, desc->initial))) goto fail;
    if ((status = d3dkmt_handle_reserve(&sync->obj))) goto fail;
    if (sync->flags.Shared && !sync->flags.NtSecuritySharing)
    {
        if ((status = d3dkmt_global_create(D3DKMT_OBJ_SYNC_OBJECT, sync, &sync->obj.refcount, &sync->global)))
        {
            d3dkmt_handle_unreserve(&sync->obj);
            goto fail;
        }
        atomic_init(&sync->global_held, true);
    }
    d3dkmt_object_get(&device->obj);
    *out = sync;
    return STATUS_SUCCESS;

fail:
    if (sync->value.semaphore) device->vkd.vkDestroySemaphore(device->vk, sync->value.semaphore, NULL);
    free(sync->value.cpu_value);
    free(sync);
    return status;
}

NTSTATUS d3dkmt_fence_create(struct d3dkmt_device *device, uint64_t initial, UINT flags,
                             struct d3dkmt_sync_object **out)
{
    struct d3dkmt_sync_desc desc = { .type = D3DDDI_MONITORED_FENCE, .flags = flags, .initial = initial };
    return d3dkmt_sync_create(device, &desc, out);
}

NTSTATUS d3dkmt_sync_open(D3DKMT_HANDLE global, struct d3dkmt_sync_object **out)
{
    struct d3dkmt_sync_object *target, *sync;
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!(target = d3dkmt_global_open(global, D3DKMT_OBJ_SYNC_OBJECT))) return STATUS_INVALID_PARAMETER;
    device = target->obj.device;
    status = STATUS_NO_MEMORY;
    if (!(sync = calloc(1, sizeof(*sync)))) goto fail;
    d3dkmt_object_init(&sync->obj, D3DKMT_OBJ_SYNC_OBJECT, device, sync_object_release);
    d3dkmt_list_init(&sync->value.link);
    sync->type = target->type;
    sync->flags = target->flags;
    sync->target = target;                 /* the reference d3dkmt_global_open took */
    sync->global = global;
    atomic_init(&sync->global_held, true);
    if ((status = d3dkmt_handle_reserve(&sync->obj)))
    {
        free(sync);
        goto fail;
    }
    d3dkmt_object_get(&device->obj);
    *out = sync;
    return STATUS_SUCCESS;

fail:
    d3dkmt_global_close(global, D3DKMT_OBJ_SYNC_OBJECT);
    d3dkmt_object_put(&target->obj);
    return status;
}

void d3dkmt_fence_discard_unpublished(struct d3dkmt_sync_object *sync)
{
    d3dkmt_handle_unreserve(&sync->obj);
    d3dkmt_object_put(&sync->obj);
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

bool d3dkmt_sync_destroy(struct d3dkmt_sync_object *sync)
{
    struct d3dkmt_device *device = sync->obj.device;

    if (!d3dkmt_handle_remove(&sync->obj))
    {
        d3dkmt_object_put(&sync->obj);   /* another thread destroyed it first */
        return false;
    }
    /* The global handle dies with the last local handle, now, not when the memory goes. */
    close_global(sync);
    /* A CPU notification's release entry is to come (the DLL's PE side polls until it has it). */
    if (sync->type == D3DDDI_CPU_NOTIFICATION && !sync->target && !atomic_exchange(&sync->release_in_flight, true))
        cpu_event_in_flight();
    d3dkmt_object_get(&device->obj);     /* the free below may drop the sync object's reference */
    d3dkmt_fence_release_after_gpu(device, &sync->obj);
    d3dkmt_device_put(device);
    return true;
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

/* ---- Signals and waits ---- */

/* One semaphore operation of a queue batch or a host call. */
struct sem_op
{
    struct d3dkmt_sync_object *sync;
    uint64_t value;
};

/* Submits one empty batch to the device queue (queue_lock held) that waits for waits[i] and
 * signals signals[i], plus the device timeline (so the tracker counts it) after the last sparse
 * bind.  Every stage: the waits hold back all later work on the queue and the signals cover all
 * earlier work (vkQueueSubmit2 scopes).  On success the signals are monitored (the CPU-visible
 * values follow them) and recorded in the objects' queued lists (room reserved by the caller).
 * On failure nothing was queued: the device timeline value is not taken
 * (d3dkmt_tracker_submit_locked) and the objects are untouched (Vulkan leaves a failed batch's
 * semaphores alone). */
static NTSTATUS submit_locked(struct d3dkmt_device *device, const struct sem_op *waits, UINT wait_count,
                              const struct sem_op *signals, UINT signal_count)
{
    VkSemaphoreSubmitInfo wait_infos[D3DKMT_MAX_SYNC_LIST + 1], signal_infos[D3DKMT_MAX_SYNC_LIST + 1];
    VkSubmitInfo2 info = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2, .pWaitSemaphoreInfos = wait_infos,
                           .pSignalSemaphoreInfos = signal_infos };
    uint64_t value;
    VkResult vr;
    UINT i;

    for (i = 0; i < wait_count; i++)
        wait_infos[info.waitSemaphoreInfoCount++] = (VkSemaphoreSubmitInfo){
            .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .semaphore = waits[i].sync->value.semaphore,
            .value = waits[i].value, .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
    for (i = 0; i < signal_count; i++)
        signal_infos[info.signalSemaphoreInfoCount++] = (VkSemaphoreSubmitInfo){
            .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .semaphore = signals[i].sync->value.semaphore,
            .value = signals[i].value, .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };

    if ((vr = d3dkmt_tracker_submit_locked(device, &info, wait_infos, signal_infos, &value)) != VK_SUCCESS)
        return d3dkmt_device_check_vk(device, vr);
    for (i = 0; i < wait_count; i++) waits[i].sync->gpu_use = value;
    for (i = 0; i < signal_count; i++)
    {
        signals[i].sync->gpu_use = value;
        if (!signals[i].sync->paging_queue) list_insert(&signals[i].sync->queued, signals[i].value);
        d3dkmt_tracker_monitor(device, &signals[i].sync->value, signals[i].value);
    }
    return STATUS_SUCCESS;
}

/* Checks a new value for sync against the Vulkan limit on timeline value differences. */
static bool value_in_range(struct d3dkmt_sync_object *sync, uint64_t current, uint64_t value)
{
    uint64_t diff = value > current ? value - current : current - value;
    return diff <= sync->max_difference;
}

/* The value a wait for `value` on sync waits for, so that a signal writes it exactly (queue_lock
 * held, current the object's current value, below `value`): the first queued signal at or above
 * it; else `value` itself, which the first signal past it will write (*early: record it). */
static uint64_t exact_wait_value(struct d3dkmt_sync_object *sync, uint64_t value, bool *early)
{
    uint64_t queued;

    *early = false;
    /* Paging fences, mutexes and semaphores grow by one: every value is written exactly. */
    if (sync->paging_queue || !is_fence(sync)) return value;
    if ((queued = list_first_from(&sync->queued, value))) return queued;
    *early = true;
    return value;
}

enum signal_how { SIGNAL_IGNORE, SIGNAL_HOST, SIGNAL_QUEUE };

/* What one signal does, decided before anything is signalled. */
struct signal_plan
{
    enum signal_how how;
    uint64_t value;          /* the value to signal */
    uint32_t early;          /* early waits below `value` to signal exactly first */
    struct cpu_event *event; /* CPU notification: the event to queue */
};

/* Decides the signal of one object (queue_lock held).  STATUS_SUCCESS, STATUS_INVALID_PARAMETER,
 * STATUS_NO_MEMORY; nothing changes. */
static NTSTATUS plan_signal(struct d3dkmt_device *device, struct d3dkmt_sync_object *sync, uint64_t requested,
                            bool from_cpu, struct signal_plan *plan)
{
    uint64_t current = current_value_locked(device, sync);
    uint64_t pending = d3dkmt_tracker_gpu_pending(device, &sync->value);
    uint64_t cpu = atomic_load_explicit(sync->value.cpu_value, memory_order_acquire);
    uint64_t floor = current > pending ? current : pending;
    uint32_t i;

    memset(plan, 0, sizeof(*plan));
    if (cpu > floor) floor = cpu;
    list_drop_upto(&sync->early_waits, floor);   /* none should be: a signal past one writes it */
    if (is_fence(sync))
    {
        /* Values never go backwards: a value not above the current one and every queued GPU
         * signal is ignored (docs/decisions/fences.md). */
        if (requested <= floor) return STATUS_SUCCESS;   /* SIGNAL_IGNORE */
        plan->value = requested;
    }
    else
    {
        /* One more unit (or notification) than every signal issued so far. */
        if (is_counting(sync) && sync->max_count && floor > sync->taken && floor - sync->taken >= sync->max_count)
        {
            WARN("sync object %#x: a release beyond MaxCount %u", sync->obj.handle, sync->max_count);
            return STATUS_INVALID_PARAMETER;
        }
        plan->value = floor + 1;
    }
    if (!value_in_range(sync, current, plan->value))
    {
        WARN("sync object %#x: value %llu too far from %llu", sync->obj.handle,
             (unsigned long long)plan->value, (unsigned long long)current);
        return STATUS_INVALID_PARAMETER;
    }
    for (i = 0; i < sync->early_waits.count && sync->early_waits.values[i] < plan->value; i++) plan->early++;
    /* From the CPU: at once when no GPU signal is queued, else behind the queued ones (Vulkan
     * forbids a host signal above a pending one). */
    plan->how = (from_cpu && pending <= current) ? SIGNAL_HOST : SIGNAL_QUEUE;
    if (plan->how == SIGNAL_QUEUE && !list_reserve(&sync->queued, plan->early + 1)) return STATUS_NO_MEMORY;
    if (sync->type == D3DDDI_CPU_NOTIFICATION)
    {
        if (!(plan->event = calloc(1, sizeof(*plan->event)))) return STATUS_NO_MEMORY;
        plan->event->event = sync->cpu_event;
    }
    return STATUS_SUCCESS;
}

/* Host signal of one planned value and the early waits below it (queue_lock held). */
static NTSTATUS host_signal_locked(struct d3dkmt_device *device, struct d3dkmt_sync_object *sync,
                                   const struct signal_plan *plan)
{
    VkSemaphoreSignalInfo sig = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO, .semaphore = sync->value.semaphore };
    uint32_t i;
    VkResult vr;

    for (i = 0; i <= plan->early; i++)
    {
        sig.value = i < plan->early ? sync->early_waits.values[i] : plan->value;
        if ((vr = device->vkd.vkSignalSemaphore(device->vk, &sig)) != VK_SUCCESS)
            return d3dkmt_device_check_vk(device, vr);   /* only a lost device gets here */
    }
    d3dkmt_tracker_publish_value(device, &sync->value, plan->value);
    return STATUS_SUCCESS;
}

NTSTATUS d3dkmt_fence_signal(struct d3dkmt_device *device, struct d3dkmt_sync_object **syncs, const UINT64 *values,
                             UINT count, bool from_cpu)
{
    struct signal_plan plans[D3DKMT_MAX_SYNC_LIST];
    struct sem_op queued[D3DKMT_MAX_SYNC_LIST], early;
    NTSTATUS status = STATUS_SUCCESS;
    UINT i, j, n = 0;

    memset(plans, 0, count * sizeof(*plans));
    pthread_mutex_lock(&device->queue_lock);
    for (i = 0; i < count && !status; i++)
        status = plan_signal(device, syncs[i], values ? values[i] : 0, from_cpu, &plans[i]);
    if (!status) status = d3dkmt_device_status(device);
    if (status) goto done;

    /* Queued signals: first a batch per early wait below a value (each writes that value
     * exactly, in order), then one batch for all the values asked for. */
    for (i = 0; i < count; i++)
    {
        if (plans[i].how != SIGNAL_QUEUE) continue;
        for (j = 0; j < plans[i].early; j++)
        {
            early.sync = syncs[i];
            early.value = syncs[i]->early_waits.values[j];
            if ((status = submit_locked(device, NULL, 0, &early, 1))) goto done;
        }
        list_drop_upto(&syncs[i]->early_waits, plans[i].value);
        queued[n].sync = syncs[i];
        queued[n++].value = plans[i].value;
    }
    if (n && (status = submit_locked(device, NULL, 0, queued, n))) goto done;
    for (i = 0; i < count; i++)
    {
        if (plans[i].how != SIGNAL_QUEUE || !plans[i].event) continue;
        /* The event is set once the GPU work queued so far (this signal's batch included)
         * completed; the object's release (which lets go of the event) comes after. */
        d3dkmt_object_get(&syncs[i]->obj);
        plans[i].event->sync = syncs[i];
        cpu_event_in_flight();
        if (d3dkmt_tracker_defer(device, D3DKMT_WAIT_WORK, cpu_event_deferred, plans[i].event))
        {
            ERR("out of memory: CPU notification %#x set before the GPU reached it", syncs[i]->obj.handle);
            plans[i].event->sync = NULL;
            push_cpu_event(plans[i].event, true);
            d3dkmt_object_put(&syncs[i]->obj);
        }
        plans[i].event = NULL;
    }
    for (i = 0; i < count; i++)
    {
        if (plans[i].how != SIGNAL_HOST) continue;
        if ((status = host_signal_locked(device, syncs[i], &plans[i]))) goto done;
        list_drop_upto(&syncs[i]->early_waits, plans[i].value);
        if (plans[i].event) push_cpu_event(plans[i].event, false);
        plans[i].event = NULL;
    }

done:
    pthread_mutex_unlock(&device->queue_lock);
    for (i = 0; i < count; i++) free(plans[i].event);
    return status;
}

/* Checks that sync can be waited for (not a CPU notification). */
static NTSTATUS check_waitable(struct d3dkmt_sync_object *sync)
{
    if (sync->type != D3DDDI_CPU_NOTIFICATION) return STATUS_SUCCESS;
    WARN("sync object %#x: a CPU notification cannot be waited for", sync->obj.handle);
    return STATUS_INVALID_PARAMETER;
}

NTSTATUS d3dkmt_fence_queue_wait(struct d3dkmt_device *device, struct d3dkmt_sync_object **syncs,
                                 const UINT64 *values, UINT count)
{
    struct sem_op waits[D3DKMT_MAX_SYNC_LIST];
    bool early[D3DKMT_MAX_SYNC_LIST];
    uint64_t tickets[D3DKMT_MAX_SYNC_LIST];
    NTSTATUS status = STATUS_SUCCESS;
    UINT i, j, n = 0;

    for (i = 0; i < count; i++) if ((status = check_waitable(syncs[i]))) return status;
    pthread_mutex_lock(&device->queue_lock);
    for (i = 0; i < count; i++)
    {
        struct d3dkmt_sync_object *sync = syncs[i];
        uint64_t current = current_value_locked(device, sync), value;

        early[i] = false;
        tickets[i] = 0;
        if (is_counting(sync))
        {
            /* The queue takes the next unit: it waits for the value that release writes. */
            value = sync->taken + 1;
            for (j = 0; j < i; j++) if (syncs[j] == sync) value++;
            tickets[i] = value;
        }
        else value = values[i];
        if (!value_in_range(sync, current, value))
        {
            status = STATUS_INVALID_PARAMETER;
            goto done;
        }
        if (value <= current) continue;   /* reached: nothing to wait for */
        waits[n].sync = sync;
        waits[n].value = exact_wait_value(sync, value, &early[i]);
        if (early[i] && !list_reserve(&sync->early_waits, count))
        {
            status = STATUS_NO_MEMORY;
            goto done;
        }
        n++;
    }
    if ((status = d3dkmt_device_status(device))) goto done;
    if (n && (status = submit_locked(device, waits, n, NULL, 0))) goto done;
    for (i = 0; i < count; i++)
    {
        if (tickets[i]) syncs[i]->taken++;
        if (early[i]) list_insert(&syncs[i]->early_waits, values[i]);
    }

done:
    pthread_mutex_unlock(&device->queue_lock);
    return status;
}

/* Nanoseconds left before deadline_ns (CLOCK_MONOTONIC), UINT64_MAX for none. */
static uint64_t time_left(uint64_t deadline_ns)
{
    struct timespec now;
    uint64_t ns;

    if (deadline_ns == UINT64_MAX) return UINT64_MAX;
    clock_gettime(CLOCK_MONOTONIC, &now);
    ns = (uint64_t)now.tv_sec * 1000000000ull + now.tv_nsec;
    return ns >= deadline_ns ? 0 : deadline_ns - ns;
}

NTSTATUS d3dkmt_fence_wait_cpu(struct d3dkmt_device *device, struct d3dkmt_sync_object **syncs,
                               const UINT64 *values, UINT count, bool any, uint64_t timeout_ns)
{
    VkSemaphore sems[D3DKMT_MAX_SYNC_LIST];
    uint64_t waits[D3DKMT_MAX_SYNC_LIST], deadline = UINT64_MAX;
    VkSemaphoreWaitInfo wait = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO, .pSemaphores = sems,
                                 .pValues = waits };
    bool reached[D3DKMT_MAX_SYNC_LIST];
    NTSTATUS status;
    UINT i, j, n;

    for (i = 0; i < count; i++)
    {
        if ((status = check_waitable(syncs[i]))) return status;
        for (j = i + 1; j < count && is_counting(syncs[i]); j++)
            if (syncs[j] == syncs[i]) return STATUS_INVALID_PARAMETER;
    }
    if (timeout_ns != UINT64_MAX)
    {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        deadline = (uint64_t)now.tv_sec * 1000000000ull + now.tv_nsec;
        deadline = timeout_ns > UINT64_MAX - 1 - deadline ? UINT64_MAX - 1 : deadline + timeout_ns;
    }
    for (;;)
    {
        UINT done = 0, first = count;
        VkResult vr;

        pthread_mutex_lock(&device->queue_lock);
        if ((status = d3dkmt_device_status(device)))
        {
            pthread_mutex_unlock(&device->queue_lock);
            return status;
        }
        for (i = 0; i < count; i++)
        {
            uint64_t current = current_value_locked(device, syncs[i]);
            reached[i] = is_counting(syncs[i]) ? current > syncs[i]->taken : current >= values[i];
            if (reached[i]) { done++; if (first == count) first = i; }
        }
        if ((any && done) || done == count)
        {
            /* Mutexes and semaphores are taken together: all of them, or with WaitAny the first. */
            for (i = 0; i < count; i++)
                if (is_counting(syncs[i]) && (!any || i == first)) syncs[i]->taken++;
            pthread_mutex_unlock(&device->queue_lock);
            break;
        }
        /* Wait for any object not reached yet, for a value a signal writes exactly. */
        for (i = n = 0; i < count; i++)
        {
            bool early;
            if (reached[i]) continue;
            sems[n] = syncs[i]->value.semaphore;
            if (is_counting(syncs[i])) waits[n] = syncs[i]->taken + 1;
            else
            {
                waits[n] = exact_wait_value(syncs[i], values[i], &early);
                if (early)
                {
                    if (!list_reserve(&syncs[i]->early_waits, 1))
                    {
                        pthread_mutex_unlock(&device->queue_lock);
                        return STATUS_NO_MEMORY;
                    }
                    list_insert(&syncs[i]->early_waits, values[i]);
                }
            }
            n++;
        }
        pthread_mutex_unlock(&device->queue_lock);
        wait.semaphoreCount = n;
        wait.flags = n > 1 ? VK_SEMAPHORE_WAIT_ANY_BIT : 0;
        vr = device->vkd.vkWaitSemaphores(device->vk, &wait, time_left(deadline));
        if (vr == VK_TIMEOUT) return STATUS_TIMEOUT;
        if ((status = d3dkmt_device_check_vk(device, vr))) return status;
    }
    /* The waiter thread may not have caught up yet: make the CPU values current now. */
    for (i = 0; i < count; i++)
        d3dkmt_tracker_publish_value(device, &syncs[i]->value, d3dkmt_fence_value(device, syncs[i]));
    return STATUS_SUCCESS;
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
