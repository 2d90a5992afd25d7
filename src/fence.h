/*
 * fence.h: the declarations of layer 7, fence.c: sync objects and paging queues.
 * Part of src/d3dkmt_private.h, which includes it at its end: include that header, not this one
 * (the layers, the objects and the lock order are described there).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#ifndef D3DKMT_FENCE_H
#define D3DKMT_FENCE_H

/* ==== Layer 7: sync objects and paging queues (fence.c) ==== */
/* Every sync object is a timeline VkSemaphore plus a CPU-visible UINT64 (docs/decisions/sync-objects.md):
 *   monitored fence, fence    the value itself (D3DKMT's fence value)
 *   mutex, semaphore          units released so far (initial count + releases); an acquire takes
 *                             the next unit: it waits for the value to reach acquires + 1
 *   CPU notification          signals issued so far; each sets the object's Windows event once the
 *                             signal is reached (d3dkmt_cpu_event_next)
 * Signals of an object (CPU and GPU) happen under device->queue_lock, so values never go backwards
 * (docs/decisions/fences.md), and every wait on its semaphore, host or queue, is for a value that
 * a signal writes exactly (a wait for a value no signal writes is turned into a wait for the first
 * signal above it, or that value is signalled exactly on the way up): see fence.c.  A paging queue
 * holds one reference on its fence.  An opened handle (D3DKMTOpenSynchronizationObject) is an object
 * of its own whose `target` is the object it names. */
struct d3dkmt_paging_queue;
struct d3dkmt_value_list
{
    uint64_t *values;                     /* ascending */
    uint32_t count, capacity;
};

struct d3dkmt_sync_object
{
    struct d3dkmt_object obj;
    D3DDDI_SYNCHRONIZATIONOBJECT_TYPE type;   /* immutable */
    D3DDDI_SYNCHRONIZATIONOBJECT_FLAGS flags; /* as created; immutable */
    struct d3dkmt_sync_object *target;    /* an opened handle: the object it names (referenced), whose
                                           * fields below are the ones used; NULL otherwise; immutable */
    D3DKMT_HANDLE global;                 /* global handle (Flags.Shared), the target's for an opened
                                           * handle, else 0; immutable */
    _Atomic bool global_held;             /* this local handle still counts in the global entry */
    struct d3dkmt_monitored_value value;  /* the timeline semaphore and FenceValueCPUVirtualAddress */
    uint64_t gpu_use;                     /* device timeline value of the last submission that waits on or
                                           * signals the semaphore; queue_lock */
    uint64_t max_difference;              /* maxTimelineSemaphoreValueDifference; immutable */
    struct d3dkmt_paging_queue *paging_queue; /* owning paging queue, or NULL; immutable, a marker only
                                               * (the fence may outlive the queue: never dereferenced) */
    uint32_t max_count;                   /* mutex, semaphore: most units available at once, 0 for no
                                           * limit; immutable */
    uint64_t taken;                       /* mutex, semaphore: acquires issued; queue_lock */
    uint64_t cpu_event;                   /* CPU notification: its Windows event, opaque; immutable */
    _Atomic bool release_in_flight;       /* CPU notification: destroyed, its release entry to come */
    struct d3dkmt_value_list queued;      /* values queued GPU signals write, not yet seen reached; queue_lock */
    struct d3dkmt_value_list early_waits; /* values waited for (host or queue) above every signal issued
                                           * then, that no signal wrote yet; queue_lock */
};

struct d3dkmt_paging_queue
{
    struct d3dkmt_object obj;
    D3DDDI_PAGINGQUEUE_PRIORITY priority;
    struct d3dkmt_sync_object *fence;     /* destroyed with the queue */
    uint64_t fence_next;                  /* next paging fence value; device->queue_lock */
};

/* What a new sync object is. */
struct d3dkmt_sync_desc
{
    D3DDDI_SYNCHRONIZATIONOBJECT_TYPE type;
    UINT flags;                           /* D3DDDI_SYNCHRONIZATIONOBJECT_FLAGS */
    uint64_t initial;                     /* fences: the value; mutex, semaphore: units available */
    uint32_t max_count;                   /* mutex, semaphore: 0 for no limit */
    uint64_t cpu_event;                   /* CPU notification: the Windows event (opaque, not 0) */
};

/* A new sync object of device: handle reserved, not published, one reference (the creator's);
 * with Flags.Shared (and not NtSecuritySharing) also a global handle, sync->global.
 * STATUS_SUCCESS or STATUS_NO_MEMORY. */
NTSTATUS d3dkmt_sync_create(struct d3dkmt_device *device, const struct d3dkmt_sync_desc *desc,
                            struct d3dkmt_sync_object **out);
/* A new monitored fence (d3dkmt_sync_create of D3DDDI_MONITORED_FENCE). */
NTSTATUS d3dkmt_fence_create(struct d3dkmt_device *device, uint64_t initial, UINT flags,
                             struct d3dkmt_sync_object **out);
/* Undoes d3dkmt_sync_create / d3dkmt_sync_open for an object that was never published. */
void d3dkmt_fence_discard_unpublished(struct d3dkmt_sync_object *sync);
/* A new local handle object for the sync object the global handle names (handle reserved, not
 * published, one reference; it counts in the global entry).  STATUS_SUCCESS;
 * STATUS_INVALID_PARAMETER (not a live global sync object handle); STATUS_NO_MEMORY. */
NTSTATUS d3dkmt_sync_open(D3DKMT_HANDLE global, struct d3dkmt_sync_object **out);
/* The sync object a handle names (an opened handle resolved to its target), referenced, of
 * `device` (any device when NULL), or NULL. */
struct d3dkmt_sync_object *d3dkmt_sync_object_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device);
/* The object of the handle itself (an opened handle is not resolved), referenced, or NULL. */
struct d3dkmt_sync_object *d3dkmt_sync_handle_get(D3DKMT_HANDLE handle);
/* Stops a sync object handle (the object of the handle itself, a reference the caller owns,
 * consumed): its handle no longer resolves, it no longer keeps a global handle alive, and it is
 * freed once the GPU work queued so far completed.  False when another thread stopped it first. */
bool d3dkmt_sync_destroy(struct d3dkmt_sync_object *sync);
/* The value the object's semaphore has reached; the CPU-visible value once the device is lost. */
uint64_t d3dkmt_fence_value(struct d3dkmt_device *device, struct d3dkmt_sync_object *sync);
/* Signals syncs[i] (resolved objects of device, each once), all or nothing, from the GPU queue
 * (from_cpu = false) or the CPU (takes queue_lock).  Fences: to values[i]; values never go
 * backwards: a value not above the fence's current value and its highest queued GPU signal is
 * ignored.  Mutex, semaphore: releases one unit (values[i] ignored).  CPU notification: sets its
 * event once the signal is reached (values[i] ignored).  A CPU signal of an object without a
 * queued GPU signal is a host signal, visible in the CPU value before this returns; the others
 * join the device queue behind the work queued before.  STATUS_SUCCESS; STATUS_INVALID_PARAMETER
 * (a value beyond maxTimelineSemaphoreValueDifference, a release beyond a semaphore's MaxCount:
 * nothing signalled); STATUS_NO_MEMORY; STATUS_DEVICE_REMOVED. */
NTSTATUS d3dkmt_fence_signal(struct d3dkmt_device *device, struct d3dkmt_sync_object **syncs,
                             const UINT64 *values, UINT count, bool from_cpu);
/* Queues a wait of the device queue (takes queue_lock): work queued later waits until every
 * fence syncs[i] reached values[i] and every mutex / semaphore gave the queue one unit.  A CPU
 * notification cannot be waited for.  STATUS_SUCCESS; STATUS_INVALID_PARAMETER (a CPU
 * notification, a value beyond maxTimelineSemaphoreValueDifference: nothing queued);
 * STATUS_NO_MEMORY; STATUS_DEVICE_REMOVED. */
NTSTATUS d3dkmt_fence_queue_wait(struct d3dkmt_device *device, struct d3dkmt_sync_object **syncs,
                                 const UINT64 *values, UINT count);
/* Blocks the calling thread up to timeout_ns (UINT64_MAX: no limit) until every (any, with
 * `any`) fence syncs[i] reached values[i] and every mutex / semaphore gave the caller one unit
 * (taken all together; a mutex or semaphore listed twice is refused).  On success each fence's
 * CPU-visible value is at least its value.  STATUS_SUCCESS; STATUS_TIMEOUT (nothing taken);
 * STATUS_INVALID_PARAMETER (a CPU notification, a repeated mutex or semaphore); STATUS_NO_MEMORY;
 * STATUS_DEVICE_REMOVED. */
NTSTATUS d3dkmt_fence_wait_cpu(struct d3dkmt_device *device, struct d3dkmt_sync_object **syncs,
                               const UINT64 *values, UINT count, bool any, uint64_t timeout_ns);
/* Drops obj (a reference the caller owns) once all GPU work queued so far completed. */
void d3dkmt_fence_release_after_gpu(struct d3dkmt_device *device, struct d3dkmt_object *obj);

/* A new paging queue of device with its fence (both reserved, not published; the queue holds one
 * reference on the fence, the creator one on each).  STATUS_SUCCESS or STATUS_NO_MEMORY. */
NTSTATUS d3dkmt_paging_queue_create(struct d3dkmt_device *device, D3DDDI_PAGINGQUEUE_PRIORITY priority,
                                    struct d3dkmt_paging_queue **out);
/* A referenced paging queue of `device` (any device when NULL), or NULL. */
struct d3dkmt_paging_queue *d3dkmt_paging_queue_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device);
/* Takes the next paging fence value of queue for an operation the caller queued (holding
 * queue_lock); the fence's semaphore will be signalled to it.  Tracked as GPU-pending.  A caller
 * signals queue->fence_next, read under the same hold of queue_lock, and takes it with this call
 * only once its submission succeeded, so a failed one leaves no value that nothing signals. */
uint64_t d3dkmt_paging_queue_next_value_locked(struct d3dkmt_device *device, struct d3dkmt_paging_queue *queue);
/* Current completed value of the paging queue's fence (also written to its CPU address). */
uint64_t d3dkmt_paging_queue_completed(struct d3dkmt_device *device, struct d3dkmt_paging_queue *queue);

#endif /* D3DKMT_FENCE_H */
