/*
 * tracker.c: the per-device fence tracker.  Windows defers an offer or a free until the GPU work
 * submitted before it completes; this is the part of VidMm that does it here.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Model (after Mesa's vk_sync_timeline): the tracker knows, for each timeline semaphore that
 * submitted GPU work will signal, the highest value it will reach (tracked fences: [0] the
 * device's submit timeline, [1] its bind timeline, then semaphores reported through
 * d3dkmt_host_track_gpu_work).  d3dkmt_tracker_defer captures the fences whose pending value is
 * not reached yet (a snapshot) and queues the operation; it runs once every fence of its
 * snapshot reached its value.  Operations with an empty snapshot run at once, on the caller.
 *
 * Progress: every entry point that touches a device polls it (cheap when nothing is pending), and
 * one waiter thread per device, started on first need and joined at device destruction, sleeps in
 * vkWaitSemaphores(WAIT_ANY) on the oldest operation's fences, the monitored fences' next values
 * and a private "wake" semaphore, then polls.  With nothing pending it sleeps on a condition
 * variable.  Deferred functions always run with no library lock held.
 *
 * Monitored values: a monitored fence's CPU-visible value (struct d3dkmt_monitored_value, embedded
 * in the fence) follows its semaphore while GPU signals of it are queued; the tracker writes it
 * from polls and the waiter thread, and d3dkmt_tracker_publish_value from CPU signals, all under
 * tracker.lock, so it never goes backwards.
 *
 * Locking: tracker.lock protects the fence array, the pending list and the monitored list; it is
 * never held while a deferred function runs or while the thread sleeps in Vulkan.
 *
 * Layer 5 (src/d3dkmt_private.h): calls vulkan.c and log.c only; what it runs later it runs through
 * the function pointers of deferred operations.
 */
#include "d3dkmt_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAITER_TIMEOUT_NS 250000000ull   /* safety net only: wake-ups are event driven */

struct d3dkmt_deferred
{
    struct d3dkmt_list link;
    d3dkmt_deferred_fn fn;
    void *ctx;
    uint32_t count;
    struct d3dkmt_tracked_fence wait[];
};

VkSemaphore d3dkmt_create_timeline_semaphore(struct d3dkmt_device *device, uint64_t initial)
{
    VkSemaphoreTypeCreateInfo type = {
        .sType = VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO,
        .semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE,
        .initialValue = initial,
    };
    VkSemaphoreCreateInfo info = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO, .pNext = &type };
    VkSemaphore sem = VK_NULL_HANDLE;

    if (device->vkd.vkCreateSemaphore(device->vk, &info, NULL, &sem) != VK_SUCCESS) return VK_NULL_HANDLE;
    return sem;
}

void d3dkmt_tracker_setup(struct d3dkmt_device *device)
{
    struct d3dkmt_tracker *t = &device->tracker;

    memset(t, 0, sizeof(*t));
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    d3dkmt_list_init(&t->pending);
    d3dkmt_list_init(&t->monitored);
}

NTSTATUS d3dkmt_tracker_init(struct d3dkmt_device *device)
{
    struct d3dkmt_tracker *t = &device->tracker;
    VkSemaphore timeline = VK_NULL_HANDLE, bind_timeline = VK_NULL_HANDLE, wake = VK_NULL_HANDLE;
    struct d3dkmt_tracked_fence *fences;

    if (!(fences = calloc(8, sizeof(*fences)))) return STATUS_NO_MEMORY;
    if (!(timeline = d3dkmt_create_timeline_semaphore(device, 0))
            || !(bind_timeline = d3dkmt_create_timeline_semaphore(device, 0))
            || !(wake = d3dkmt_create_timeline_semaphore(device, 0)))
    {
        if (timeline) device->vkd.vkDestroySemaphore(device->vk, timeline, NULL);
        if (bind_timeline) device->vkd.vkDestroySemaphore(device->vk, bind_timeline, NULL);
        free(fences);
        return STATUS_NO_MEMORY;
    }
    fences[0].semaphore = timeline;
    fences[1].semaphore = bind_timeline;
    /* Under the lock: calls on the device that need no VkDevice look at the (empty) fence list
     * meanwhile (d3dkmt_tracker_idle). */
    pthread_mutex_lock(&t->lock);
    t->fences = fences;
    t->fence_capacity = 8;
    t->fence_count = 2;
    t->timeline = timeline;
    t->bind_timeline = bind_timeline;
    t->wake = wake;
    t->timeline_next = 1;
    t->bind_next = 1;
    pthread_mutex_unlock(&t->lock);
    return STATUS_SUCCESS;
}

/* Current value of a semaphore; on device loss marks the device removed and reports UINT64_MAX
 * (nothing will ever touch the memory again, so everything waiting may run). */
static uint64_t semaphore_value(struct d3dkmt_device *device, VkSemaphore sem)
{
    uint64_t value = 0;
    VkResult vr;

    if (atomic_load_explicit(&device->removed, memory_order_relaxed)) return UINT64_MAX;
    if ((vr = device->vkd.vkGetSemaphoreCounterValue(device->vk, sem, &value)) != VK_SUCCESS)
    {
        d3dkmt_device_check_vk(device, vr);
        return UINT64_MAX;
    }
    return value;
}

static bool deferred_complete(struct d3dkmt_device *device, const struct d3dkmt_deferred *d)
{
    uint32_t i;
    for (i = 0; i < d->count; i++)
        if (semaphore_value(device, d->wait[i].semaphore) < d->wait[i].pending_value) return false;
    return true;
}

/* Updates the CPU-visible values of monitored fences and drops the ones that caught up
 * (tracker.lock held). */
static void update_monitored_locked(struct d3dkmt_device *device)
{
    struct d3dkmt_list *e, *next;

    for (e = device->tracker.monitored.next; e != &device->tracker.monitored; e = next)
    {
        struct d3dkmt_monitored_value *mv = D3DKMT_CONTAINER(e, struct d3dkmt_monitored_value, link);
        uint64_t value = semaphore_value(device, mv->semaphore);

        next = e->next;
        if (value == UINT64_MAX) value = mv->gpu_pending;
        if (value > atomic_load_explicit(mv->cpu_value, memory_order_relaxed))
            atomic_store_explicit(mv->cpu_value, value, memory_order_release);
        if (value >= mv->gpu_pending) d3dkmt_list_remove(&mv->link);
    }
}

/* Drops reported external fences whose work completed (tracker.lock held). */
static void collect_fences_locked(struct d3dkmt_device *device)
{
    struct d3dkmt_tracker *t = &device->tracker;
    uint32_t i = 2;

    while (i < t->fence_count)
    {
        if (semaphore_value(device, t->fences[i].semaphore) >= t->fences[i].pending_value)
            t->fences[i] = t->fences[--t->fence_count];
        else
            i++;
    }
}

void d3dkmt_tracker_poll(struct d3dkmt_device *device)
{
    struct d3dkmt_tracker *t = &device->tracker;
    struct d3dkmt_list done, *e, *next;

    if (!atomic_load_explicit(&t->pending_atomic, memory_order_acquire)
            && !atomic_load_explicit(&t->monitored_atomic, memory_order_acquire))
        return;

    d3dkmt_list_init(&done);
    pthread_mutex_lock(&t->lock);
    update_monitored_locked(device);
    for (e = t->pending.next; e != &t->pending; e = next)
    {
        struct d3dkmt_deferred *d = D3DKMT_CONTAINER(e, struct d3dkmt_deferred, link);
        next = e->next;
        if (!deferred_complete(device, d)) continue;
        d3dkmt_list_remove(&d->link);
        d3dkmt_list_add_tail(&done, &d->link);
        t->pending_count--;
        t->running++;   /* still counts as pending for wait_all until it returned */
    }
    collect_fences_locked(device);
    atomic_store_explicit(&t->pending_atomic, t->pending_count, memory_order_release);
    atomic_store_explicit(&t->monitored_atomic, !d3dkmt_list_empty(&t->monitored), memory_order_release);
    pthread_mutex_unlock(&t->lock);

    if (d3dkmt_list_empty(&done)) return;
    while (!d3dkmt_list_empty(&done))
    {
        struct d3dkmt_deferred *d = D3DKMT_CONTAINER(done.next, struct d3dkmt_deferred, link);
        d3dkmt_list_remove(&d->link);
        d->fn(device, d->ctx, false);
        free(d);
        pthread_mutex_lock(&t->lock);
        t->running--;
        pthread_cond_broadcast(&t->cond);
        pthread_mutex_unlock(&t->lock);
    }
}

static void *waiter_main(void *arg)
{
    struct d3dkmt_device *device = arg;
    struct d3dkmt_tracker *t = &device->tracker;
    VkSemaphore sems[D3DKMT_MAX_SYNC_LIST + 16];
    uint64_t values[D3DKMT_MAX_SYNC_LIST + 16];

    pthread_mutex_lock(&t->lock);
    while (!t->stopping)
    {
        VkSemaphoreWaitInfo wait = {
            .sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO,
            .flags = VK_SEMAPHORE_WAIT_ANY_BIT,
            .pSemaphores = sems,
            .pValues = values,
        };
        struct d3dkmt_list *e;
        uint32_t n = 0, i;

        if (!t->pending_count && d3dkmt_list_empty(&t->monitored))
        {
            pthread_cond_wait(&t->cond, &t->lock);
            continue;
        }
        sems[n] = t->wake;
        values[n++] = t->wake_value + 1;
        if (t->pending_count)
        {
            struct d3dkmt_deferred *d = D3DKMT_CONTAINER(t->pending.next, struct d3dkmt_deferred, link);
            for (i = 0; i < d->count && n < 16; i++)
            {
                sems[n] = d->wait[i].semaphore;
                values[n++] = d->wait[i].pending_value;
            }
        }
        /* Monitored values: each waited for at its last queued GPU signal, a value a signal writes
         * exactly (see fence.c: the validation layer mistracks waits for other values), and the
         * device and bind timelines, whose values are all signalled one by one, at their next
         * value, so that the CPU values follow every submission, not only the last one. */
        if (!d3dkmt_list_empty(&t->monitored))
        {
            for (i = 0; i < 2 && n < D3DKMT_ARRAY_SIZE(sems); i++)
            {
                uint64_t reached = semaphore_value(device, t->fences[i].semaphore);
                if (reached == UINT64_MAX || reached >= t->fences[i].pending_value) continue;
                sems[n] = t->fences[i].semaphore;
                values[n++] = reached + 1;
            }
        }
        for (e = t->monitored.next; e != &t->monitored && n < D3DKMT_ARRAY_SIZE(sems); e = e->next)
        {
            struct d3dkmt_monitored_value *mv = D3DKMT_CONTAINER(e, struct d3dkmt_monitored_value, link);
            sems[n] = mv->semaphore;
            values[n++] = mv->gpu_pending;
        }
        wait.semaphoreCount = n;
        t->in_wait = true;
        pthread_mutex_unlock(&t->lock);

        if (!atomic_load(&device->removed))
        {
            VkResult vr = device->vkd.vkWaitSemaphores(device->vk, &wait, WAITER_TIMEOUT_NS);
            if (vr != VK_SUCCESS && vr != VK_TIMEOUT) d3dkmt_device_check_vk(device, vr);
        }
        /* The wait no longer uses the semaphores it copied: unmonitor may let them be destroyed. */
        pthread_mutex_lock(&t->lock);
        t->in_wait = false;
        t->wait_epoch++;
        pthread_cond_broadcast(&t->cond);
        pthread_mutex_unlock(&t->lock);
        d3dkmt_tracker_poll(device);
        pthread_mutex_lock(&t->lock);
        if (atomic_load(&device->removed) && !t->pending_count) break;
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

/* Starts the waiter thread if needed and wakes it (tracker.lock held). */
static void kick_waiter_locked(struct d3dkmt_device *device)
{
    struct d3dkmt_tracker *t = &device->tracker;
    VkSemaphoreSignalInfo signal = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO, .semaphore = t->wake };

    if (!t->thread_running && !t->stopping)
    {
        if (pthread_create(&t->thread, NULL, waiter_main, device))
        {
            ERR("cannot start the waiter thread; deferred work runs on entry points only");
            return;
        }
        t->thread_running = true;
    }
    signal.value = ++t->wake_value;
    device->vkd.vkSignalSemaphore(device->vk, &signal);
    pthread_cond_broadcast(&t->cond);
}

/* Whether fence i counts for `what` (fences[1] is the bind timeline). */
static inline bool fence_selected(uint32_t i, enum d3dkmt_wait what)
{
    switch (what)
    {
    case D3DKMT_WAIT_BINDS: return i == 1;
    case D3DKMT_WAIT_WORK:  return i != 1;
    default:                return true;
    }
}

/* Queues fn behind the fences selected by `what`; runs it at once on the caller when nothing is
 * pending, unless `never_inline`. */
static NTSTATUS defer(struct d3dkmt_device *device, d3dkmt_deferred_fn fn, void *ctx, enum d3dkmt_wait what,
                      bool never_inline)
{
    struct d3dkmt_tracker *t = &device->tracker;
    struct d3dkmt_deferred *d;
    uint32_t i, n = 0;

    pthread_mutex_lock(&t->lock);
    if (!(d = malloc(sizeof(*d) + t->fence_count * sizeof(d->wait[0]))))
    {
        pthread_mutex_unlock(&t->lock);
        return STATUS_NO_MEMORY;
    }
    for (i = 0; i < t->fence_count; i++)
    {
        if (!fence_selected(i, what)) continue;
        if (semaphore_value(device, t->fences[i].semaphore) >= t->fences[i].pending_value) continue;
        d->wait[n++] = t->fences[i];
    }
    if (!n && !never_inline)
    {
        pthread_mutex_unlock(&t->lock);
        free(d);
        fn(device, ctx, false);
        return STATUS_SUCCESS;
    }
    d->fn = fn;
    d->ctx = ctx;
    d->count = n;
    d3dkmt_list_add_tail(&t->pending, &d->link);
    t->pending_count++;
    atomic_store_explicit(&t->pending_atomic, t->pending_count, memory_order_release);
    kick_waiter_locked(device);
    pthread_mutex_unlock(&t->lock);
    return STATUS_SUCCESS;
}

NTSTATUS d3dkmt_tracker_defer(struct d3dkmt_device *device, enum d3dkmt_wait what, d3dkmt_deferred_fn fn, void *ctx)
{
    return defer(device, fn, ctx, what, false);
}

NTSTATUS d3dkmt_tracker_defer_nowait(struct d3dkmt_device *device, d3dkmt_deferred_fn fn, void *ctx)
{
    return defer(device, fn, ctx, D3DKMT_WAIT_ALL, true);
}

void d3dkmt_tracker_wait_binds(struct d3dkmt_device *device)
{
    struct d3dkmt_tracker *t = &device->tracker;
    VkSemaphoreWaitInfo wait = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO, .semaphoreCount = 1,
                                 .pSemaphores = &t->bind_timeline };
    uint64_t value;
    VkResult vr;

    pthread_mutex_lock(&t->lock);
    value = t->bind_next - 1;
    pthread_mutex_unlock(&t->lock);
    if (!value || atomic_load(&device->removed)) return;
    wait.pValues = &value;
    if ((vr = device->vkd.vkWaitSemaphores(device->vk, &wait, UINT64_MAX)) != VK_SUCCESS)
        d3dkmt_device_check_vk(device, vr);
}

bool d3dkmt_tracker_idle(struct d3dkmt_device *device, enum d3dkmt_wait what)
{
    struct d3dkmt_tracker *t = &device->tracker;
    bool idle = true;
    uint32_t i;

    pthread_mutex_lock(&t->lock);
    for (i = 0; i < t->fence_count && idle; i++)
        idle = !fence_selected(i, what) || semaphore_value(device, t->fences[i].semaphore) >= t->fences[i].pending_value;
    pthread_mutex_unlock(&t->lock);
    return idle;
}

NTSTATUS d3dkmt_tracker_wait_all(struct d3dkmt_device *device, uint64_t timeout_ns)
{
    struct d3dkmt_tracker *t = &device->tracker;
    struct timespec deadline;
    NTSTATUS status = STATUS_SUCCESS;

    d3dkmt_tracker_poll(device);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ns / 1000000000ull;
    deadline.tv_nsec += timeout_ns % 1000000000ull;
    if (deadline.tv_nsec >= 1000000000) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000; }

    pthread_mutex_lock(&t->lock);
    while (t->pending_count || t->running)
    {
        if (!timeout_ns || pthread_cond_timedwait(&t->cond, &t->lock, &deadline) == ETIMEDOUT)
        {
            status = t->pending_count || t->running ? STATUS_TIMEOUT : STATUS_SUCCESS;
            break;
        }
    }
    /* Nothing pending: the waiter thread may still sleep in vkWaitSemaphores on copies of the
     * semaphores it waited for, reported ones (d3dkmt_host_track_gpu_work) included, which the
     * caller may destroy once this returns (found by valgrind): end that wait first. */
    if (!status && t->in_wait && !pthread_equal(pthread_self(), t->thread))
    {
        uint64_t epoch = t->wait_epoch;
        kick_waiter_locked(device);
        while (t->in_wait && t->wait_epoch == epoch) pthread_cond_wait(&t->cond, &t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    return status;
}

NTSTATUS d3dkmt_tracker_track(struct d3dkmt_device *device, VkSemaphore semaphore, uint64_t value)
{
    struct d3dkmt_tracker *t = &device->tracker;
    uint32_t i;

    pthread_mutex_lock(&t->lock);
    for (i = 0; i < t->fence_count; i++)
    {
        if (t->fences[i].semaphore != semaphore) continue;
        if (value > t->fences[i].pending_value) t->fences[i].pending_value = value;
        pthread_mutex_unlock(&t->lock);
        return STATUS_SUCCESS;
    }
    if (t->fence_count == t->fence_capacity)
    {
        struct d3dkmt_tracked_fence *grown = realloc(t->fences, 2 * t->fence_capacity * sizeof(*grown));
        if (!grown)
        {
            pthread_mutex_unlock(&t->lock);
            return STATUS_NO_MEMORY;
        }
        t->fences = grown;
        t->fence_capacity *= 2;
    }
    t->fences[t->fence_count].semaphore = semaphore;
    t->fences[t->fence_count++].pending_value = value;
    pthread_mutex_unlock(&t->lock);
    return STATUS_SUCCESS;
}

static uint64_t next_timeline_value(struct d3dkmt_device *device)
{
    struct d3dkmt_tracker *t = &device->tracker;
    uint64_t value;

    pthread_mutex_lock(&t->lock);
    value = t->timeline_next++;
    t->fences[0].pending_value = value;
    pthread_mutex_unlock(&t->lock);
    return value;
}

VkResult d3dkmt_tracker_submit_locked(struct d3dkmt_device *device, VkSubmitInfo2 *info,
                                      VkSemaphoreSubmitInfo *waits, VkSemaphoreSubmitInfo *signals, uint64_t *value)
{
    struct d3dkmt_tracker *t = &device->tracker;
    uint64_t bind_last;
    VkResult vr;

    pthread_mutex_lock(&t->lock);
    bind_last = t->bind_next - 1;
    pthread_mutex_unlock(&t->lock);
    /* Work submitted after a bind must see the memory bound: wait for the last bind. */
    if (bind_last)
        waits[info->waitSemaphoreInfoCount++] = (VkSemaphoreSubmitInfo){
            .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .semaphore = t->bind_timeline,
            .value = bind_last, .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
    *value = next_timeline_value(device);
    signals[info->signalSemaphoreInfoCount++] = (VkSemaphoreSubmitInfo){
        .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .semaphore = t->timeline,
        .value = *value, .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
    info->pWaitSemaphoreInfos = waits;
    info->pSignalSemaphoreInfos = signals;

    vr = device->vkd.vkQueueSubmit2(device->queue, 1, info, VK_NULL_HANDLE);
    if (vr != VK_SUCCESS && vr != VK_ERROR_DEVICE_LOST)
    {
        /* Keep the timeline whole: nothing waits forever for a value that was never queued.  Our
         * value is signalled from the host once the one before it was reached (a host signal may
         * not overtake a queued one). */
        VkSemaphoreSignalInfo sig = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO,
                                      .semaphore = t->timeline, .value = *value };
        uint64_t previous = *value - 1;
        VkSemaphoreWaitInfo wait = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO, .semaphoreCount = 1,
                                     .pSemaphores = &t->timeline, .pValues = &previous };
        if (previous) device->vkd.vkWaitSemaphores(device->vk, &wait, UINT64_MAX);
        device->vkd.vkSignalSemaphore(device->vk, &sig);
        WARN("vkQueueSubmit2 failed: %d", vr);
    }
    return vr;
}

uint64_t d3dkmt_tracker_next_bind_value(struct d3dkmt_device *device, uint64_t *previous)
{
    struct d3dkmt_tracker *t = &device->tracker;
    uint64_t value;

    pthread_mutex_lock(&t->lock);
    *previous = t->bind_next - 1;
    value = t->bind_next++;
    t->fences[1].pending_value = value;
    pthread_mutex_unlock(&t->lock);
    return value;
}

void d3dkmt_tracker_monitor(struct d3dkmt_device *device, struct d3dkmt_monitored_value *mv, uint64_t value)
{
    struct d3dkmt_tracker *t = &device->tracker;

    pthread_mutex_lock(&t->lock);
    if (value > mv->gpu_pending) mv->gpu_pending = value;
    if (d3dkmt_list_empty(&mv->link)) d3dkmt_list_add_tail(&t->monitored, &mv->link);
    atomic_store_explicit(&t->monitored_atomic, true, memory_order_release);
    kick_waiter_locked(device);
    pthread_mutex_unlock(&t->lock);
}

void d3dkmt_tracker_unmonitor(struct d3dkmt_device *device, struct d3dkmt_monitored_value *mv)
{
    struct d3dkmt_tracker *t = &device->tracker;

    pthread_mutex_lock(&t->lock);
    d3dkmt_list_unlink(&mv->link);
    /* The waiter thread may be sleeping in vkWaitSemaphores on a copy of this semaphore: wake it
     * and let that wait end before the caller destroys the semaphore.  Its next wait no longer
     * includes it.  (Not on the waiter thread itself: it is not in a wait while it runs deferred
     * work.) */
    if (t->in_wait && !pthread_equal(pthread_self(), t->thread))
    {
        uint64_t epoch = t->wait_epoch;
        kick_waiter_locked(device);
        while (t->in_wait && t->wait_epoch == epoch) pthread_cond_wait(&t->cond, &t->lock);
    }
    pthread_mutex_unlock(&t->lock);
}

void d3dkmt_tracker_publish_value(struct d3dkmt_device *device, struct d3dkmt_monitored_value *mv, uint64_t value)
{
    pthread_mutex_lock(&device->tracker.lock);
    if (value > atomic_load_explicit(mv->cpu_value, memory_order_relaxed))
        atomic_store_explicit(mv->cpu_value, value, memory_order_release);
    pthread_mutex_unlock(&device->tracker.lock);
}

uint64_t d3dkmt_tracker_gpu_pending(struct d3dkmt_device *device, struct d3dkmt_monitored_value *mv)
{
    uint64_t value;

    pthread_mutex_lock(&device->tracker.lock);
    value = mv->gpu_pending;
    pthread_mutex_unlock(&device->tracker.lock);
    return value;
}

void d3dkmt_tracker_finish(struct d3dkmt_device *device)
{
    struct d3dkmt_tracker *t = &device->tracker;

    if (!t->timeline) goto done;   /* never started: the device never had a VkDevice */
    /* Let pending work finish (the GPU is idle after vkDeviceWaitIdle in device destruction, or
     * the device is lost): everything runs, nothing is cancelled or leaked. */
    while (atomic_load(&t->pending_atomic))
    {
        d3dkmt_tracker_poll(device);
        if (atomic_load(&t->pending_atomic)) d3dkmt_tracker_wait_all(device, 100000000ull);
    }

    pthread_mutex_lock(&t->lock);
    t->stopping = true;
    if (t->thread_running) kick_waiter_locked(device);
    pthread_mutex_unlock(&t->lock);
    if (t->thread_running)
    {
        /* The last reference of a device can go inside a deferred function on the waiter
         * thread itself: it cannot join itself, so it detaches and ends after this returns. */
        if (pthread_equal(pthread_self(), t->thread)) pthread_detach(t->thread);
        else pthread_join(t->thread, NULL);
    }
    device->vkd.vkDestroySemaphore(device->vk, t->wake, NULL);
    device->vkd.vkDestroySemaphore(device->vk, t->bind_timeline, NULL);
    device->vkd.vkDestroySemaphore(device->vk, t->timeline, NULL);
    free(t->fences);
done:
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
}
