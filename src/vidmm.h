/*
 * vidmm.h: the declarations of layer 8, vidmm.c: resources and allocations as the memory
 * manager sees them, and its mechanisms.
 * Part of src/d3dkmt_private.h, which includes it at its end: include that header, not this one
 * (the layers, the objects and the lock order are described there).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#ifndef D3DKMT_VIDMM_H
#define D3DKMT_VIDMM_H

/* ==== Layer 8: the video memory manager (vidmm.c) ==== */
/* What a resource created shared (CreateShared) is, for D3DKMTQueryResourceInfo and
 * D3DKMTOpenResource(2) to read through its global handle (docs/decisions/sharing.md): immutable
 * once made; freed with its last reference (the global entry's and each resource's made from it). */
struct d3dkmt_shared_allocation
{
    const void *system_mem;               /* the existing heap's first byte */
    D3DKMT_VK_ALLOCATIONDATA data;        /* the allocation as the opener receives it (its private driver data) */
};

struct d3dkmt_shared_resource
{
    _Atomic uint32_t refcount;
    D3DKMT_HANDLE global;                 /* its global handle */
    UINT runtime_size;                    /* bytes of runtime_data (PrivateRuntimeData at creation) */
    void *runtime_data;
    UINT count;
    struct d3dkmt_shared_allocation allocs[];
};

struct d3dkmt_resource
{
    struct d3dkmt_object obj;
    struct d3dkmt_allocation *first;      /* singly linked through next_in_resource; device->lock */
    uint32_t count;                       /* device->lock */
    struct d3dkmt_shared_resource *shared; /* created shared or opened: the description (referenced); immutable */
    _Atomic bool global_held;             /* it still counts in the global entry of `shared` */
};

enum d3dkmt_alloc_flags
{
    D3DKMT_ALLOC_HOST_VISIBLE   = 1 << 0, /* memory type is host visible (lockable) */
    D3DKMT_ALLOC_OFFERED        = 1 << 1, /* offered and not reclaimed */
    D3DKMT_ALLOC_OFFER_PENDING  = 1 << 2, /* offered; waiting for earlier GPU work before it takes effect */
    D3DKMT_ALLOC_DISCARDED      = 1 << 3, /* the budget manager took its memory back (trim) */
    D3DKMT_ALLOC_ALLOW_DECOMMIT = 1 << 4, /* offered with AllowDecommit: once discarded, never recommitted */
    D3DKMT_ALLOC_IMPORTED       = 1 << 5, /* memory owned by the caller before import; never discarded */
    D3DKMT_ALLOC_LOCKED         = 1 << 6, /* mapped by Lock2 */
    D3DKMT_ALLOC_DESTROYED      = 1 << 7, /* destroy requested; memory freed or about to be */
};

/* 104 bytes on x64 (checked in allocation.c): library metadata per allocation is this plus the
 * 8-byte handle slot and malloc's header. */
#define D3DKMT_BIND_LOW_BITS 39
struct d3dkmt_allocation
{
    struct d3dkmt_object obj;             /* 32 */
    union
    {
        /* Hot: what resolve, offer and reclaim touch, in the first 64 bytes. */
        struct
        {
            uint8_t flags;                /* enum d3dkmt_alloc_flags; device->lock */
            uint8_t offer_priority;       /* D3DKMT_OFFER_PRIORITY LOW..HIGH while offered; device->lock */
            uint8_t offer_epoch;          /* counts offers, voids stale deferred ones; device->lock */
            uint8_t memory_type;          /* immutable */
            uint32_t d3d_priority;        /* D3DDDI_ALLOCATIONPRIORITY_*; device->lock */
            /* device->lock, all four: */
            uint64_t bind_low : D3DKMT_BIND_LOW_BITS; /* the last sparse bind or unbind of its buffer on the
                                           * bind timeline, low bits (d3dkmt_vidmm_bind_value) */
            uint64_t priority_queued : 1; /* on the device's priority queue (holding a reference) */
            uint64_t priority_applied : 8;/* the Vulkan priority its memory has in the driver, x 255 */
            uint64_t residency_count : 16;/* MakeResident minus Evict */
            struct d3dkmt_list offer_link;/* device->offered[offer_priority - 1] or unlinked; device->lock */
        };
        /* Once released while its last bind is still queued (allocation.c): the memory and the
         * buffer are freed when the bind ran, through the fence tracker. */
        struct d3dkmt_tracker_entry release_entry;
    };
    VkDeviceMemory memory;                /* device->lock; VK_NULL_HANDLE when discarded */
    uint64_t size;                        /* bytes, immutable; beside memory, in the same cache line
                                           * (the statistics region's byte gauges read both) */
    /* Cold. */
    struct d3dkmt_resource *resource;     /* immutable; NULL when standalone */
    struct d3dkmt_allocation *next_in_resource; /* device->lock */
    VkBuffer buffer;                      /* immutable (sparse buffer, or plain buffer) */
};

/* Drops a reference on an allocation (as d3dkmt_device_put). */
#define d3dkmt_allocation_put(alloc) d3dkmt_object_put(&(alloc)->obj)

/* -- The statistics region's gauges and counters (include/d3dkmt_stats.h), device->lock held --
 * Kept as allocations change, so that the region always has what the statistics escape's walk
 * computes: every place that changes an allocation's flags or memory notes the gauge it had
 * (d3dkmt_vidmm_gauge) and moves it (d3dkmt_vidmm_gauge_moved). */
/* The gauge alloc counts in, plus one, or 1 for resident (memory, not offered), 0 for none:
 * discarded or decommitted at its offer priority, offered at it, resident while it has memory. */
#define D3DKMT_GAUGE_RESIDENT 1u
static inline unsigned int d3dkmt_vidmm_gauge(const struct d3dkmt_allocation *a)
{
    unsigned int p = a->offer_priority - D3DKMT_OFFER_PRIORITY_LOW;

    if (a->flags & D3DKMT_ALLOC_DISCARDED)
        return 1 + p + (a->flags & D3DKMT_ALLOC_ALLOW_DECOMMIT ? D3DKMT_STATS_DECOMMITTED : D3DKMT_STATS_DISCARDED);
    if (a->flags & D3DKMT_ALLOC_OFFERED) return 1 + D3DKMT_STATS_OFFERED + p;
    return a->memory ? D3DKMT_GAUGE_RESIDENT : 0;
}
/* Moves `count` allocations of `bytes` in all from gauge key `from` to `to` (d3dkmt_vidmm_gauge's
 * values) in pub.  Resident ones are in D3DKMT_STATS_ALL only. */
static inline void d3dkmt_stats_gauge_move_many(struct d3dkmt_stats_device *pub, unsigned int from, unsigned int to,
                                                uint64_t count, uint64_t bytes)
{
    if (from == to) return;
    if (from > D3DKMT_GAUGE_RESIDENT)
    {
        d3dkmt_stat_add(&pub->gauge_bytes[from - 1], -bytes);
        d3dkmt_stat_add(&pub->gauge_count[from - 1], -count);
    }
    else if (!from)
    {
        d3dkmt_stat_add(&pub->gauge_bytes[D3DKMT_STATS_ALL], bytes);
        d3dkmt_stat_add(&pub->gauge_count[D3DKMT_STATS_ALL], count);
    }
    if (to > D3DKMT_GAUGE_RESIDENT)
    {
        d3dkmt_stat_add(&pub->gauge_bytes[to - 1], bytes);
        d3dkmt_stat_add(&pub->gauge_count[to - 1], count);
    }
    else if (!to)
    {
        d3dkmt_stat_add(&pub->gauge_bytes[D3DKMT_STATS_ALL], -bytes);
        d3dkmt_stat_add(&pub->gauge_count[D3DKMT_STATS_ALL], -count);
    }
}
static inline void d3dkmt_stats_gauge_move(struct d3dkmt_stats_device *pub, unsigned int from, unsigned int to,
                                           uint64_t size)
{
    d3dkmt_stats_gauge_move_many(pub, from, to, 1, size);
}
/* alloc changed since its gauge was `from` (d3dkmt_vidmm_gauge before the change). */
static inline void d3dkmt_vidmm_gauge_moved(struct d3dkmt_device *device, const struct d3dkmt_allocation *a,
                                            unsigned int from)
{
    if (device->pub) d3dkmt_stats_gauge_move(device->pub, from, d3dkmt_vidmm_gauge(a), a->size);
}
/* alloc leaves the gauges (destroyed: its handle no longer resolves). */
static inline void d3dkmt_vidmm_gauge_leave(struct d3dkmt_device *device, const struct d3dkmt_allocation *a)
{
    if (device->pub) d3dkmt_stats_gauge_move(device->pub, d3dkmt_vidmm_gauge(a), 0, a->size);
}
/* A new allocation (created or imported, with memory) / the release of one. */
static inline void d3dkmt_vidmm_stats_created(struct d3dkmt_device *device, const struct d3dkmt_allocation *a)
{
    if (!device->pub) return;
    d3dkmt_stat_add(&device->pub->allocations, 1);
    d3dkmt_stat_add(&device->pub->allocations_created, 1);
    d3dkmt_stats_gauge_move(device->pub, 0, d3dkmt_vidmm_gauge(a), a->size);
}
/* `in_gauges`: its gauge was not left yet (a destroy leaves it when it stops the handle). */
static inline void d3dkmt_vidmm_stats_released(struct d3dkmt_device *device, const struct d3dkmt_allocation *a,
                                               bool in_gauges)
{
    if (!device->pub) return;
    d3dkmt_stat_add(&device->pub->allocations, -1ull);
    if (in_gauges) d3dkmt_stats_gauge_move(device->pub, d3dkmt_vidmm_gauge(a), 0, a->size);
}
/* `count` resident allocations of `bytes` in all were just offered at offer priority `p` (0 LOW,
 * 1 NORMAL, 2 HIGH): the common case of an OfferAllocations call, counted once per call. */
static inline void d3dkmt_stats_offered_resident(struct d3dkmt_stats_device *pub, unsigned int p, uint64_t count,
                                                 uint64_t bytes)
{
    d3dkmt_stat_add(&pub->offers[p], count);
    d3dkmt_stat_add(&pub->gauge_bytes[D3DKMT_STATS_OFFERED + p], bytes);
    d3dkmt_stat_add(&pub->gauge_count[D3DKMT_STATS_OFFERED + p], count);
}
/* alloc was just offered at its offer priority (its gauge was `from`). */
static inline void d3dkmt_vidmm_stats_offered(struct d3dkmt_device *device, const struct d3dkmt_allocation *a,
                                              unsigned int from)
{
    struct d3dkmt_stats_device *pub = device->pub;
    unsigned int p = a->offer_priority - D3DKMT_OFFER_PRIORITY_LOW;

    if (!pub) return;
    d3dkmt_stat_add(&pub->offers[p], 1);
    d3dkmt_stats_gauge_move(pub, from, d3dkmt_vidmm_gauge(a), a->size);
}

/* -- Priorities (docs/decisions/priorities.md) -- */
/* Vulkan priority for a D3DDDI allocation priority (monotonic table). */
float d3dkmt_priority_to_vk(uint32_t d3d_priority);
/* Vulkan priority of an offer in effect at `offer_priority` (D3DKMT_OFFER_PRIORITY LOW..HIGH). */
float d3dkmt_vidmm_offer_level(unsigned int offer_priority);
/* The Vulkan priority alloc should have now: its offer level while an offer is in effect, the
 * evicted level while its residency count is 0, else that of its D3DDDI priority (device->lock
 * held). */
float d3dkmt_vidmm_effective_priority(const struct d3dkmt_allocation *alloc);
/* Records that alloc's effective priority may have changed (device->lock held): where pageable
 * memory is on and the driver has another priority for its memory, alloc goes on the device's
 * priority queue, which the tracker thread drains within D3DKMT_JOB_DELAY_NS (and
 * d3dkmt_tracker_wait_all at once), giving the driver the priority alloc has then.  No driver
 * call on the caller, except when the queue cannot grow (out of memory: applied now). */
void d3dkmt_vidmm_priority_changed_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc);
/* Takes the allocations being destroyed (D3DKMT_ALLOC_DESTROYED) off the priority queue and drops
 * the queue's references on them (device->lock held, by a destroy that still holds its own), so
 * that they are released when the destroy drops its references, not when the queue is drained. */
void d3dkmt_vidmm_priority_forget_locked(struct d3dkmt_device *device);

/* -- Memory (device->lock held for all) -- */
/* Adds alloc's size to (add) or subtracts it from the adapter's usage of its segment group. */
void d3dkmt_vidmm_account(struct d3dkmt_device *device, const struct d3dkmt_allocation *alloc, bool add);
/* vkFreeMemory of `memory` (`size` bytes, already out of the usage accounting) and its count in
 * the statistics. */
void d3dkmt_vidmm_free_memory_locked(struct d3dkmt_device *device, VkDeviceMemory memory, uint64_t size);
/* Allocates VkDeviceMemory for alloc (its size, type, and the priority it has once not offered)
 * into *memory, not yet bound.  STATUS_SUCCESS, STATUS_NO_MEMORY, STATUS_GRAPHICS_NO_VIDEO_MEMORY,
 * STATUS_DEVICE_REMOVED. */
NTSTATUS d3dkmt_vidmm_allocate_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc,
                                             VkDeviceMemory *memory);
/* Frees memory from d3dkmt_vidmm_allocate_memory_locked that was never bound. */
void d3dkmt_vidmm_drop_unbound_locked(struct d3dkmt_device *device, VkDeviceMemory memory);
/* Binds memory to alloc's buffer and makes it the allocation's memory; takes ownership of memory
 * whatever the result.  With sparse binding the bind is queued (taking queue_lock), chained on the
 * bind timeline (it becomes the allocation's bind value) and, when queue is not NULL, signalling
 * the paging queue's fence: *fence_value receives that value.  Nothing waits: a bind the queue
 * refuses was never queued, and its memory is freed at once.  STATUS_SUCCESS, STATUS_NO_MEMORY,
 * STATUS_GRAPHICS_NO_VIDEO_MEMORY (the queue refused it) or STATUS_DEVICE_REMOVED. */
NTSTATUS d3dkmt_vidmm_bind_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc,
                                         VkDeviceMemory memory, struct d3dkmt_paging_queue *queue,
                                         uint64_t *fence_value);
/* Discards the allocation's memory: queues the unbind of its sparse buffer (its new bind value)
 * and frees the memory once the unbind ran (the fence tracker), updates usage and statistics.
 * The bookkeeping is allocated first: false, with nothing changed, when it cannot be (out of
 * memory, the queue refused the unbind) or without sparse binding; true when the memory is gone
 * from the allocation (or it had none). */
bool d3dkmt_vidmm_discard_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc);
/* Frees an allocation's memory for good (destroy), unmapping it first; the caller knows that no
 * GPU work and no bind of the library uses it any more.  No-op when it has none. */
void d3dkmt_vidmm_free_allocation_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc);
/* Standard allocations over existing system memory (VK_EXT_external_memory_host): the memory type
 * to import `size` bytes at `pointer` with, for an allocation of device.  STATUS_SUCCESS;
 * STATUS_NOT_SUPPORTED (no VK_EXT_external_memory_host); STATUS_INVALID_PARAMETER (pointer or
 * size not aligned to the page and minImportedHostPointerAlignment, or memory the driver cannot
 * import); STATUS_DEVICE_REMOVED. */
NTSTATUS d3dkmt_vidmm_host_memory_type(struct d3dkmt_device *device, const void *pointer, uint64_t size,
                                       uint32_t *type);
/* Imports alloc->size bytes of system memory at `pointer` as alloc's memory, of alloc's memory
 * type, with a plain (never sparse) buffer over it (device->lock held; alloc has no buffer yet).
 * The memory stays the application's: the allocation is D3DKMT_ALLOC_IMPORTED, never discarded.
 * STATUS_SUCCESS; STATUS_INVALID_PARAMETER (the driver refused the import); STATUS_NO_MEMORY;
 * STATUS_DEVICE_REMOVED. */
NTSTATUS d3dkmt_vidmm_import_host_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc,
                                                const void *pointer);
/* Takes alloc's memory out of the usage accounting and unmaps it, keeping alloc->memory for a
 * later vkFreeMemory (its release, behind its last bind). */
void d3dkmt_vidmm_retire_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc);
/* The bind timeline value of the last sparse bind or unbind of alloc's buffer (0 when none): the
 * one value a free or rebind of its memory, or the destruction of its buffer, waits for. */
uint64_t d3dkmt_vidmm_bind_value(struct d3dkmt_device *device, const struct d3dkmt_allocation *alloc);

/* -- Budget manager -- */
/* Trims: discards offered memory until `bytes` more fit in the LOCAL budget (device->lock held).
 * Returns the bytes still missing (0 when they fit). */
uint64_t d3dkmt_vidmm_trim_locked(struct d3dkmt_device *device, uint64_t bytes);
/* Puts alloc's offer in effect: it joins its offer priority's trim order and its priority drops to
 * the offer level (queued, d3dkmt_vidmm_priority_changed_locked; device->lock held). */
void d3dkmt_vidmm_offer_take_effect_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc);

/* -- Statistics -- */
/* The device's statistics (the D3DKMT_VK_ESCAPE_QUERY_STATISTICS escape); takes device->lock. */
void d3dkmt_vidmm_query_statistics(struct d3dkmt_device *device, D3DKMT_VK_STATISTICS *stats);

#endif /* D3DKMT_VIDMM_H */
