/*
 * tracker.c: the per-device fence tracker.  Windows defers an offer or a free until the GPU work
 * submitted before it completes; this is the part of VidMm that does it here.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Model (after Mesa's vk_sync_timeline): the tracker knows, for each timeline semaphore that
 * submitted GPU work will signal, the highest value it will reach (tracked fences: [0] the
 * device's submit timeline, [1] its bind timeline, then semaphores reported through
 * d3dkmt_host_track_gpu_work).  A deferred operation is prepared (d3dkmt_tracker_prepare: the
 * record is allocated and captures the fences whose pending value is not reached yet, a snapshot)
 * and committed (d3dkmt_tracker_commit: the bind value it also waits for, the function; cannot
 * fail), so that callers allocate before their point of no return.  It runs once every fence of
 * its snapshot reached its value; with an empty snapshot it runs at once, on the caller.  Objects
 * that finish after their own last sparse bind (an allocation freed while its bind is queued)
 * embed a struct d3dkmt_tracker_entry instead: queuing it allocates nothing.
 *
 * Progress: every entry point that touches a device polls it (cheap when nothing is pending), and
 * one waiter thread per device, started on first need and joined at device destruction, sleeps in
 * vkWaitSemaphores(WAIT_ANY) on the lowest value any queued operation waits for on each semaphore,
 * the monitored fences' next values and a private "wake" semaphore, then polls.  With nothing
 * pending it sleeps on a condition variable.  Deferred functions always run with no library lock
 * held.  The same thread runs the memory manager's job (d3dkmt_tracker_schedule: the queued
 * priority changes) at most D3DKMT_JOB_DELAY_NS after it was asked for, so requests coalesce.
 *
 * Monitored values: a monitored fence's CPU-visible value (struct d3dkmt_monitored_value, embedded
 * in the fence) follows its semaphore while GPU signals of it are queued; the tracker writes it
 * from polls and the waiter thread, and d3dkmt_tracker_publish_value from CPU signals, all under
 * tracker.lock, so it never goes backwards.
 *
 * Timeline values are taken only by submissions that succeeded (d3dkmt_tracker_bind_peek /
 * _commit, d3dkmt_tracker_submit_locked): a failed submission leaves no value that nothing will
 * ever signal, so no failure path has to signal one from the host, or wait for the GPU to do so.
 *
 * Locking: tracker.lock protects the fence array, the lists, the job state and the bind counter;
 * it is never held while a deferred function or the job runs or while the thread sleeps in Vulkan.
 *
 * Layer 5 (src/d3dkmt_private.h): calls vulkan.c, handle.c and log.c only; what it runs later it
 * runs through the function pointers of deferred operations, entries and the job.
 */
#include "d3dkmt_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAITER_TIMEOUT_NS 250000000ull   /* safety net only: wake-ups are event driven */
#define WAIT_SET_MAX      (D3DKMT_MAX_SYNC_LIST + 16)

struct d3dkmt_deferred
{
    struct d3dkmt_list link;
    d3dkmt_deferred_fn fn;
    void *ctx;
    uint32_t count, capacity;
    struct d3dkmt_tracked_fence wait[];
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct timespec timespec_at(uint64_t ns)
{
    struct timespec ts = { .tv_sec = ns / 1000000000ull, .tv_nsec = ns % 1000000000ull };
    return ts;
}

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
    pthread_condattr_t attr;

    memset(t, 0, sizeof(*t));
    pthread_mutex_init(&t->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cond, &attr);
    pthread_condattr_destroy(&attr);
    d3dkmt_list_init(&t->pending);
    d3dkmt_list_init(&t->bind_waiters);
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

static inline void update_pending_atomic_locked(struct d3dkmt_tracker *t)
{
    atomic_store_explicit(&t->pending_atomic, t->pending_count + t->waiter_count, memory_order_release);
}

/* Marks one function taken off the lists as finished (wait_all sees it). */
static void running_done(struct d3dkmt_tracker *t)
{
    pthread_mutex_lock(&t->lock);
    t->running--;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

void d3dkmt_tracker_poll(struct d3dkmt_device *device)
{
    struct d3dkmt_tracker *t = &device->tracker;
    struct d3dkmt_list done, done_entries, *e, *next;

    if (!atomic_load_explicit(&t->pending_atomic, memory_order_acquire)
            && !atomic_load_explicit(&t->monitored_atomic, memory_order_acquire))
        return;

    d3dkmt_list_init(&done);
    d3dkmt_list_init(&done_entries);
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
    if (t->waiter_count)
    {
        uint64_t reached = semaphore_value(device, t->bind_timeline);
        for (e = t->bind_waiters.next; e != &t->bind_waiters; e = next)
        {
            struct d3dkmt_tracker_entry *entry = D3DKMT_CONTAINER(e, struct d3dkmt_tracker_entry, link);
            next = e->next;
            if (entry->bind_value > reached) continue;
            d3dkmt_list_remove(&entry->link);
            d3dkmt_list_add_tail(&done_entries, &entry->link);
            t->waiter_count--;
            t->running++;
        }
    }
    collect_fences_locked(device);
    update_pending_atomic_locked(t);
    atomic_store_explicit(&t->monitored_atomic, !d3dkmt_list_empty(&t->monitored), memory_order_release);
    pthread_mutex_unlock(&t->lock);

    while (!d3dkmt_list_empty(&done))
    {
        struct d3dkmt_deferred *d = D3DKMT_CONTAINER(done.next, struct d3dkmt_deferred, link);
        d3dkmt_list_remove(&d->link);
        d->fn(device, d->ctx, false);
        free(d);
        running_done(t);
    }
    while (!d3dkmt_list_empty(&done_entries))
    {
        struct d3dkmt_tracker_entry *entry = D3DKMT_CONTAINER(done_entries.next, struct d3dkmt_tracker_entry, link);
        d3dkmt_list_remove(&entry->link);
        entry->fn(device, entry);   /* may free the entry's owner */
        running_done(t);
    }
}

/* Adds (sem, value) to a wait set, keeping the lowest value per semaphore: the waiter wakes as
 * soon as any queued operation may have become ready. */
static void wait_set_add(VkSemaphore *sems, uint64_t *values, uint32_t *n, VkSemaphore sem, uint64_t value)
{
    uint32_t i;

    for (i = 0; i < *n; i++)
    {
        if (sems[i] != sem) continue;
        if (value < values[i]) values[i] = value;
        return;
    }
    if (*n == WAIT_SET_MAX) return;   /* the timeout catches the rest */
    sems[*n] = sem;
    values[(*n)++] = value;
}

/* Runs the job on the waiter thread and marks it done.  The job may drop the last references of
 * allocations, and through them of the device: the thread holds a reference of its own meanwhile
 * and drops it before marking the job done (a caller of d3dkmt_tracker_wait_all holds one too, so
 * once it sees the job done the device's last reference is not on this thread).  Returns true
 * when this thread dropped the last one: the device is gone and the thread must end without
 * touching it.  No reference is taken while the device is already being released on another
 * thread, which then joins this one before it frees anything (and the queue is empty: queued
 * allocations hold the device). */
static bool run_job(struct d3dkmt_device *device, d3dkmt_job_fn fn)
{
    struct d3dkmt_tracker *t = &device->tracker;
    uint32_t refs = atomic_load_explicit(&device->obj.refcount, memory_order_relaxed);
    bool held = false;

    while (refs && !(held = atomic_compare_exchange_weak_explicit(&device->obj.refcount, &refs, refs + 1,
                                                                  memory_order_acquire, memory_order_relaxed)))
        ;
    fn(device);
    if (held && atomic_fetch_sub_explicit(&device->obj.refcount, 1, memory_order_acq_rel) == 1)
    {
        pthread_mutex_lock(&t->lock);
        t->job_running = false;
        pthread_mutex_unlock(&t->lock);
        d3dkmt_object_final(&device->obj);
        return true;
    }
    pthread_mutex_lock(&t->lock);
    t->job_running = false;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
    return false;
}

static void *waiter_main(void *arg)
{
    struct d3dkmt_device *device = arg;
    struct d3dkmt_tracker *t = &device->tracker;
    VkSemaphore sems[WAIT_SET_MAX];
    uint64_t values[WAIT_SET_MAX];

    pthread_mutex_lock(&t->lock);
    while (!t->stopping)
    {
        VkSemaphoreWaitInfo wait = {
            .sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO,
            .flags = VK_SEMAPHORE_WAIT_ANY_BIT,
            .pSemaphores = sems,
            .pValues = values,
        };
        uint64_t timeout = WAITER_TIMEOUT_NS, now;
        struct d3dkmt_list *e;
        uint32_t n = 0, i;

        if (t->job_requested)
        {
            now = now_ns();
            if (now >= t->job_due_ns)
            {
                d3dkmt_job_fn fn = t->job_fn;
                t->job_requested = false;
                t->job_running = true;
                pthread_mutex_unlock(&t->lock);
                if (run_job(device, fn)) return NULL;
                pthread_mutex_lock(&t->lock);
                continue;
            }
            timeout = t->job_due_ns - now;
        }
        if (!t->pending_count && !t->waiter_count && d3dkmt_list_empty(&t->monitored))
        {
            if (t->job_requested)
            {
                struct timespec due = timespec_at(t->job_due_ns);
                pthread_cond_timedwait(&t->cond, &t->lock, &due);
            }
            else pthread_cond_wait(&t->cond, &t->lock);
            continue;
        }
        sems[n] = t->wake;
        values[n++] = t->wake_value + 1;
        for (e = t->pending.next; e != &t->pending; e = e->next)
        {
            struct d3dkmt_deferred *d = D3DKMT_CONTAINER(e, struct d3dkmt_deferred, link);
            for (i = 0; i < d->count; i++) wait_set_add(sems, values, &n, d->wait[i].semaphore, d->wait[i].pending_value);
        }
        for (e = t->bind_waiters.next; e != &t->bind_waiters; e = e->next)
            wait_set_add(sems, values, &n, t->bind_timeline, D3DKMT_CONTAINER(e, struct d3dkmt_tracker_entry, link)->bind_value);
        /* Monitored values: each waited for at its last queued GPU signal, a value a signal writes
         * exactly (see fence.c: the validation layer mistracks waits for other values), and the
         * device and bind timelines, whose values are all signalled one by one, at their next
         * value, so that the CPU values follow every submission, not only the last one. */
        if (!d3dkmt_list_empty(&t->monitored))
        {
            for (i = 0; i < 2; i++)
            {
                uint64_t reached = semaphore_value(device, t->fences[i].semaphore);
                if (reached == UINT64_MAX || reached >= t->fences[i].pending_value) continue;
                wait_set_add(sems, values, &n, t->fences[i].semaphore, reached + 1);
            }
        }
        for (e = t->monitored.next; e != &t->monitored; e = e->next)
        {
            struct d3dkmt_monitored_value *mv = D3DKMT_CONTAINER(e, struct d3dkmt_monitored_value, link);
            wait_set_add(sems, values, &n, mv->semaphore, mv->gpu_pending);
        }
        wait.semaphoreCount = n;
        t->in_wait = true;
        pthread_mutex_unlock(&t->lock);

        if (!atomic_load(&device->removed))
        {
            VkResult vr = device->vkd.vkWaitSemaphores(device->vk, &wait, timeout);
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
        /* On a lost device the polls run everything and the thread sleeps on the condition: it
         * stays, for the jobs and deferred work still to come. */
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
    /* In vkWaitSemaphores it needs the semaphore, on the condition the broadcast.  The semaphore is
     * signalled whenever the thread waits (or is about to wait) in Vulkan, which the lists decide,
     * so that how many Vulkan calls a call makes does not depend on where the thread is. */
    if (t->in_wait || t->pending_count || t->waiter_count || !d3dkmt_list_empty(&t->monitored))
    {
        signal.value = ++t->wake_value;
        device->vkd.vkSignalSemaphore(device->vk, &signal);
    }
    pthread_cond_broadcast(&t->cond);
}

/* Whether fence i counts for `what` (fences[1] is the bind timeline). */
static inline bool fence_selected(uint32_t i, enum d3dkmt_wait what)
{
    switch (what)
    {
    case D3DKMT_WAIT_ALL:  return true;
    case D3DKMT_WAIT_WORK: return i != 1;
    default:               return false;
    }
}

struct d3dkmt_deferred *d3dkmt_tracker_prepare(struct d3dkmt_device *device, enum d3dkmt_wait what)
{
    struct d3dkmt_tracker *t = &device->tracker;
    struct d3dkmt_deferred *d;
    uint32_t i, capacity;

    pthread_mutex_lock(&t->lock);
    capacity = (what == D3DKMT_WAIT_NONE ? 0 : t->fence_count) + 1;   /* + the bind value of the commit */
    if (!(d = malloc(sizeof(*d) + capacity * sizeof(d->wait[0]))))
    {
        pthread_mutex_unlock(&t->lock);
        return NULL;
    }
    d->capacity = capacity;
    d->count = 0;
    for (i = 0; i < t->fence_count && d->count + 1 < capacity; i++)
    {
        if (!fence_selected(i, what)) continue;
        if (semaphore_value(device, t->fences[i].semaphore) >= t->fences[i].pending_value) continue;
        d->wait[d->count++] = t->fences[i];
    }
    pthread_mutex_unlock(&t->lock);
    return d;
}

void d3dkmt_tracker_discard(struct d3dkmt_deferred *d)
{
    free(d);
}

void d3dkmt_tracker_commit(struct d3dkmt_device *device, struct d3dkmt_deferred *d, uint64_t bind_value,
                           d3dkmt_deferred_fn fn, void *ctx, bool never_inline)
{
    struct d3dkmt_tracker *t = &device->tracker;

    pthread_mutex_lock(&t->lock);
    /* The snapshot may have completed since it was taken: drop what is reached. */
    if (d->count && deferred_complete(device, d)) d->count = 0;
    if (bind_value && semaphore_value(device, t->bind_timeline) < bind_value)
        d->wait[d->count++] = (struct d3dkmt_tracked_fence){ t->bind_timeline, bind_value };
    if (!d->count && !never_inline)
    {
        pthread_mutex_unlock(&t->lock);
        free(d);
        fn(device, ctx, false);
        return;
    }
    d->fn = fn;
    d->ctx = ctx;
    d3dkmt_list_add_tail(&t->pending, &d->link);
    t->pending_count++;
    update_pending_atomic_locked(t);
    kick_waiter_locked(device);
    pthread_mutex_unlock(&t->lock);
}

NTSTATUS d3dkmt_tracker_defer(struct d3dkmt_device *device, enum d3dkmt_wait what, d3dkmt_deferred_fn fn, void *ctx)
{
    struct d3dkmt_deferred *d;

    if (!(d = d3dkmt_tracker_prepare(device, what))) return STATUS_NO_MEMORY;
    d3dkmt_tracker_commit(device, d, 0, fn, ctx, false);
    return STATUS_SUCCESS;
}

void d3dkmt_tracker_after_bind(struct d3dkmt_device *device, struct d3dkmt_tracker_entry *entry)
{
    struct d3dkmt_tracker *t = &device->tracker;

    pthread_mutex_lock(&t->lock);
    d3dkmt_list_add_tail(&t->bind_waiters, &entry->link);
    t->waiter_count++;
    update_pending_atomic_locked(t);
    kick_waiter_locked(device);
    pthread_mutex_unlock(&t->lock);
}

bool d3dkmt_tracker_bind_done(struct d3dkmt_device *device, uint64_t value)
{
    return !value || semaphore_value(device, device->tracker.bind_timeline) >= value;
}

uint64_t d3dkmt_tracker_bind_last(struct d3dkmt_device *device)
{
    uint64_t value;

    pthread_mutex_lock(&device->tracker.lock);
    value = device->tracker.bind_next - 1;
    pthread_mutex_unlock(&device->tracker.lock);
    return value;
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

/* Whether anything is queued, running or scheduled (tracker.lock held). */
static inline bool busy_locked(const struct d3dkmt_tracker *t)
{
    return t->pending_count || t->waiter_count || t->running || t->job_requested || t->job_running;
}

NTSTATUS d3dkmt_tracker_wait_all(struct d3dkmt_device *device, uint64_t timeout_ns)
{
    struct d3dkmt_tracker *t = &device->tracker;
    struct timespec deadline = timespec_at(now_ns() + timeout_ns);
    NTSTATUS status = STATUS_SUCCESS;

    d3dkmt_tracker_poll(device);
    pthread_mutex_lock(&t->lock);
    /* A scheduled job runs now rather than at its due time: the caller waits for it. */
    if (t->job_requested && t->job_due_ns > now_ns())
    {
        t->job_due_ns = 0;
        kick_waiter_locked(device);
    }
    while (busy_locked(t))
    {
        if (!timeout_ns || pthread_cond_timedwait(&t->cond, &t->lock, &deadline) == ETIMEDOUT)
        {
            status = busy_locked(t) ? STATUS_TIMEOUT : STATUS_SUCCESS;
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

VkResult d3dkmt_tracker_submit_locked(struct d3dkmt_device *device, VkSubmitInfo2 *info,
                                      VkSemaphoreSubmitInfo *waits, VkSemaphoreSubmitInfo *signals, uint64_t *value)
{
    struct d3dkmt_tracker *t = &device->tracker;
    uint64_t bind_last, next;
    VkResult vr;

    /* queue_lock is held: nobody else takes a timeline value until this returns. */
    pthread_mutex_lock(&t->lock);
    bind_last = t->bind_next - 1;
    next = t->timeline_next;
    pthread_mutex_unlock(&t->lock);
    /* Work submitted after a bind must see the memory bound: wait for the last bind. */
    if (bind_last)
        waits[info->waitSemaphoreInfoCount++] = (VkSemaphoreSubmitInfo){
            .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .semaphore = t->bind_timeline,
            .value = bind_last, .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
    signals[info->signalSemaphoreInfoCount++] = (VkSemaphoreSubmitInfo){
        .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .semaphore = t->timeline,
        .value = next, .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
    info->pWaitSemaphoreInfos = waits;
    info->pSignalSemaphoreInfos = signals;

    if ((vr = device->vkd.vkQueueSubmit2(device->queue, 1, info, VK_NULL_HANDLE)) != VK_SUCCESS)
    {
        /* Nothing was queued and the timeline is as it was: the value goes to the next submission. */
        WARN("vkQueueSubmit2 failed: %d", vr);
        return vr;
    }
    pthread_mutex_lock(&t->lock);
    t->timeline_next = next + 1;
    t->fences[0].pending_value = next;
    pthread_mutex_unlock(&t->lock);
    *value = next;
    return vr;
}

uint64_t d3dkmt_tracker_bind_peek(struct d3dkmt_device *device, uint64_t *previous)
{
    struct d3dkmt_tracker *t = &device->tracker;
    uint64_t value;

    pthread_mutex_lock(&t->lock);
    value = t->bind_next;
    pthread_mutex_unlock(&t->lock);
    *previous = value - 1;
    return value;
}

void d3dkmt_tracker_bind_commit(struct d3dkmt_device *device, uint64_t value)
{
    struct d3dkmt_tracker *t = &device->tracker;

    pthread_mutex_lock(&t->lock);
    t->bind_next = value + 1;
    t->fences[1].pending_value = value;
    pthread_mutex_unlock(&t->lock);
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

void d3dkmt_tracker_schedule(struct d3dkmt_device *device, d3dkmt_job_fn fn)
{
    struct d3dkmt_tracker *t = &device->tracker;

    pthread_mutex_lock(&t->lock);
    t->job_fn = fn;
    if (!t->job_requested)
    {
        t->job_requested = true;
        t->job_due_ns = now_ns() + D3DKMT_JOB_DELAY_NS;
        kick_waiter_locked(device);
    }
    pthread_mutex_unlock(&t->lock);
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
    free(t->job_items);
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
}
