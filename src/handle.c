/*
 * handle.c: the base object (reference count, release function, state) and the process-wide
 * handle table shared by every object kind.  Layer 2 (src/d3dkmt_private.h): it calls nothing of
 * the library above it; an object's last reference runs the release function its kind passed to
 * d3dkmt_object_init, as dxgkrnl passes each kind's release to kref_put.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Two handle spaces share the 24-bit index field of Windows' local handle format ((index << 6) |
 * 0x40000000): handles this table makes have the top bit of the index field set (0x60000000 and
 * up), and below it a 3-bit generation and a 20-bit slot; handles made by someone else in the same
 * process, Wine's own gdi32 / win32u above all (whose local handles count up from 0x40000040), have
 * it clear, and an object can be published under such a value with d3dkmt_handle_adopt.  No value
 * can therefore name two objects, whichever side made it (docs/decisions/handles.md).
 *
 * Layout: each space is an array of pages of 1024 slots, allocated on first use and kept until
 * shutdown, so a lookup indexes two arrays without any global lock.  A slot holds the object
 * pointer; the object stores its full handle, so a lookup that finds another object in the slot,
 * or a handle with an older generation, fails.  Each slot is guarded by one of 64 stripe spinlocks
 * (by index), which also makes "find and take a reference" atomic with respect to removal: a
 * destroy on another thread cannot free the object between the two.
 *
 * Reuse (docs/decisions/handles.md): freed slots of the own space go to a FIFO and are reused only
 * while at least D3DKMT_HANDLE_REUSE_DELAY slots are free, and every reuse advances the slot's
 * generation, so a stale handle cannot resolve again before 2^D3DKMT_HANDLE_GEN_BITS reuses of its
 * slot, each of which needs D3DKMT_HANDLE_REUSE_DELAY other frees first.  Adopted values are the
 * maker's to reuse.  The free list, the high-water marks and page allocation are under free_lock,
 * taken only by create, adopt and destroy.
 */
#include "d3dkmt_private.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_BITS   10
#define PAGE_SLOTS  (1u << PAGE_BITS)
#define PAGE_COUNT  (D3DKMT_HANDLE_MAX_SLOTS / PAGE_SLOTS)
#define STRIPES     64
#define NO_SLOT     0u

#define HANDLE_LOCAL_BIT  0x40000000u
#define HANDLE_FIXED_MASK 0xc000003fu   /* must read 0x40000000 in these bits */
#define HANDLE_OWN_BIT    0x20000000u   /* top bit of the index field: made by this table */
#define FOREIGN_INDEX_BITS 23           /* the rest of the index field, for adopted values */
#define FOREIGN_PAGE_COUNT ((1u << FOREIGN_INDEX_BITS) / PAGE_SLOTS)

_Static_assert(6 + D3DKMT_HANDLE_INDEX_BITS + D3DKMT_HANDLE_GEN_BITS == 29, "own handles: slot and generation below the own bit");

struct slot_page
{
    struct d3dkmt_object *objs[PAGE_SLOTS];  /* stripe lock of the index */
    uint32_t meta[PAGE_SLOTS];               /* free_lock: generation (low bits) | next free << 8; own space only */
};

static struct
{
    _Atomic(struct slot_page *) pages[PAGE_COUNT];                  /* own handles */
    _Atomic(struct slot_page *) foreign_pages[FOREIGN_PAGE_COUNT];  /* adopted handles */
    struct { _Alignas(64) atomic_flag lock; } stripes[STRIPES];   /* spinlocks, one cache line each */
    pthread_mutex_t free_lock;
    uint32_t high_water;      /* next never-used own index; index 0 is never used */
    uint32_t foreign_high;    /* one above the highest adopted index */
    uint32_t free_head, free_tail, free_count;
    _Atomic uint32_t live;
} table = {
    .free_lock = PTHREAD_MUTEX_INITIALIZER,
    .high_water = 1,
    .foreign_high = 1,
};

/* The stripe locks guard a few loads and stores each, so they are spinlocks: uncontended they
 * cost one atomic exchange, half a mutex's two atomic operations, and the hot path (offer,
 * reclaim) takes one per handle.  A waiter yields after a short spin (the holder may have been
 * preempted on a machine with few cores). */
static inline void stripe_lock(atomic_flag *lock)
{
    unsigned int spins = 0;
    while (atomic_flag_test_and_set_explicit(lock, memory_order_acquire))
    {
        if (++spins >= 64) { sched_yield(); spins = 0; }
#if defined(__x86_64__) || defined(__i386__)
        else __builtin_ia32_pause();
#endif
    }
}

static inline void stripe_unlock(atomic_flag *lock)
{
    atomic_flag_clear_explicit(lock, memory_order_release);
}

static inline uint32_t handle_index(D3DKMT_HANDLE h)
{
    return (h >> 6) & (D3DKMT_HANDLE_MAX_SLOTS - 1);
}

static inline uint32_t foreign_index(D3DKMT_HANDLE h)
{
    return (h >> 6) & ((1u << FOREIGN_INDEX_BITS) - 1);
}

static inline D3DKMT_HANDLE make_handle(uint32_t index, uint32_t gen)
{
    return HANDLE_LOCAL_BIT | HANDLE_OWN_BIT | (gen << (6 + D3DKMT_HANDLE_INDEX_BITS)) | (index << 6);
}

static inline struct slot_page *page_of(uint32_t index)
{
    return atomic_load_explicit(&table.pages[index >> PAGE_BITS], memory_order_acquire);
}

static inline atomic_flag *stripe_of(uint32_t index)
{
    return &table.stripes[index & (STRIPES - 1)].lock;
}

/* The slot a handle of either space lives in (its page allocated), and its stripe lock; NULL for
 * a value that is not a local handle, index 0, or a page never allocated. */
static inline struct d3dkmt_object **slot_of(D3DKMT_HANDLE handle, atomic_flag **stripe)
{
    struct slot_page *page;
    uint32_t index;

    *stripe = NULL;
    if ((handle & HANDLE_FIXED_MASK) != HANDLE_LOCAL_BIT) return NULL;
    if (handle & HANDLE_OWN_BIT)
    {
        index = handle_index(handle);
        page = page_of(index);
    }
    else
    {
        index = foreign_index(handle);
        page = atomic_load_explicit(&table.foreign_pages[index >> PAGE_BITS], memory_order_acquire);
    }
    if (!index || !page) return NULL;
    *stripe = stripe_of(index);
    return &page->objs[index & (PAGE_SLOTS - 1)];
}

NTSTATUS d3dkmt_handle_reserve(struct d3dkmt_object *obj)
{
    struct slot_page *page;
    uint32_t index, gen;

    pthread_mutex_lock(&table.free_lock);
    if (table.free_count >= D3DKMT_HANDLE_REUSE_DELAY
            || (table.high_water >= D3DKMT_HANDLE_MAX_SLOTS && table.free_count))
    {
        index = table.free_head;
        page = page_of(index);
        table.free_head = page->meta[index & (PAGE_SLOTS - 1)] >> 8;
        if (!--table.free_count) table.free_head = table.free_tail = NO_SLOT;
    }
    else if (table.high_water < D3DKMT_HANDLE_MAX_SLOTS)
    {
        index = table.high_water;
        if (!(page = page_of(index)))
        {
            if (!(page = calloc(1, sizeof(*page))))
            {
                pthread_mutex_unlock(&table.free_lock);
                return STATUS_NO_MEMORY;
            }
            atomic_store_explicit(&table.pages[index >> PAGE_BITS], page, memory_order_release);
        }
        table.high_water++;
    }
    else
    {
        pthread_mutex_unlock(&table.free_lock);
        WARN("handle table full (%u slots)", D3DKMT_HANDLE_MAX_SLOTS);
        return STATUS_NO_MEMORY;
    }
    gen = page->meta[index & (PAGE_SLOTS - 1)] & ((1u << D3DKMT_HANDLE_GEN_BITS) - 1);
    page->meta[index & (PAGE_SLOTS - 1)] = gen;
    pthread_mutex_unlock(&table.free_lock);

    obj->handle = make_handle(index, gen);
    atomic_store_explicit(&obj->state, D3DKMT_STATE_CREATED, memory_order_relaxed);
    return STATUS_SUCCESS;
}

/* Returns index to the free FIFO with its generation advanced (free_lock taken here). */
static void release_slot(uint32_t index)
{
    struct slot_page *page = page_of(index);
    uint32_t *meta = &page->meta[index & (PAGE_SLOTS - 1)];

    pthread_mutex_lock(&table.free_lock);
    *meta = (*meta + 1) & ((1u << D3DKMT_HANDLE_GEN_BITS) - 1);
    if (table.free_count) page_of(table.free_tail)->meta[table.free_tail & (PAGE_SLOTS - 1)] |= index << 8;
    else table.free_head = index;
    table.free_tail = index;
    table.free_count++;
    pthread_mutex_unlock(&table.free_lock);
}

void d3dkmt_handle_unreserve(struct d3dkmt_object *obj)
{
    release_slot(handle_index(obj->handle));
    obj->handle = 0;
}

void d3dkmt_handle_publish(struct d3dkmt_object *obj)
{
    atomic_flag *stripe;
    struct d3dkmt_object **slot = slot_of(obj->handle, &stripe);

    stripe_lock(stripe);
    atomic_store_explicit(&obj->state, D3DKMT_STATE_ACTIVE, memory_order_relaxed);
    *slot = obj;
    stripe_unlock(stripe);
    atomic_fetch_add_explicit(&table.live, 1, memory_order_relaxed);
}

NTSTATUS d3dkmt_handle_adopt(struct d3dkmt_object *obj, D3DKMT_HANDLE value)
{
    uint32_t index = foreign_index(value);
    struct d3dkmt_object **slot;
    struct slot_page *page;
    atomic_flag *stripe;
    bool taken;

    if ((value & HANDLE_FIXED_MASK) != HANDLE_LOCAL_BIT || (value & HANDLE_OWN_BIT) || !index)
        return STATUS_INVALID_PARAMETER;
    pthread_mutex_lock(&table.free_lock);
    if (!(page = atomic_load_explicit(&table.foreign_pages[index >> PAGE_BITS], memory_order_relaxed)))
    {
        if (!(page = calloc(1, sizeof(*page))))
        {
            pthread_mutex_unlock(&table.free_lock);
            return STATUS_NO_MEMORY;
        }
        atomic_store_explicit(&table.foreign_pages[index >> PAGE_BITS], page, memory_order_release);
    }
    if (index >= table.foreign_high) table.foreign_high = index + 1;
    pthread_mutex_unlock(&table.free_lock);

    slot = slot_of(value, &stripe);
    stripe_lock(stripe);
    if (!(taken = *slot != NULL))
    {
        obj->handle = value;
        atomic_store_explicit(&obj->state, D3DKMT_STATE_ACTIVE, memory_order_relaxed);
        *slot = obj;
    }
    stripe_unlock(stripe);
    if (taken) return STATUS_OBJECT_NAME_COLLISION;
    atomic_fetch_add_explicit(&table.live, 1, memory_order_relaxed);
    return STATUS_SUCCESS;
}

bool d3dkmt_handle_remove(struct d3dkmt_object *obj)
{
    atomic_flag *stripe;
    struct d3dkmt_object **slot = slot_of(obj->handle, &stripe);
    bool removed = false;

    if (!slot) return false;
    stripe_lock(stripe);
    if (*slot == obj)
    {
        *slot = NULL;
        atomic_store_explicit(&obj->state, D3DKMT_STATE_STOPPED, memory_order_relaxed);
        removed = true;
    }
    stripe_unlock(stripe);
    if (!removed) return false;

    atomic_fetch_sub_explicit(&table.live, 1, memory_order_relaxed);
    if (obj->handle & HANDLE_OWN_BIT) release_slot(handle_index(obj->handle));
    d3dkmt_object_put(obj);
    return true;
}

/* Finds handle's object of `type` (and `device`) under its stripe lock; takes a reference when
 * `ref` is set. */
static struct d3dkmt_object *lookup(D3DKMT_HANDLE handle, enum d3dkmt_object_type type,
                                    const struct d3dkmt_device *device, bool ref)
{
    struct d3dkmt_object *obj, **slot;
    atomic_flag *stripe;

    if (!(slot = slot_of(handle, &stripe))) return NULL;
    stripe_lock(stripe);
    obj = *slot;
    if (!obj || obj->handle != handle || obj->type != type || (device && obj->device != device))
        obj = NULL;
    else if (ref)
        d3dkmt_object_get(obj);
    stripe_unlock(stripe);
    return obj;
}

struct d3dkmt_object *d3dkmt_handle_get(D3DKMT_HANDLE handle, enum d3dkmt_object_type type,
                                        const struct d3dkmt_device *device)
{
    return lookup(handle, type, device, true);
}

struct d3dkmt_object *d3dkmt_handle_peek(D3DKMT_HANDLE handle, enum d3dkmt_object_type type,
                                         const struct d3dkmt_device *device)
{
    return lookup(handle, type, device, false);
}

/* d3dkmt_handle_for_each over one space's pages, indices below `high`. */
static void for_each_in(_Atomic(struct slot_page *) *pages, uint32_t high, const struct d3dkmt_device *device, enum d3dkmt_object_type type,
                        void (*fn)(struct d3dkmt_object *obj, void *ctx), void *ctx)
{
    uint32_t index;

    for (index = 1; index < high; index++)
    {
        struct slot_page *page = atomic_load_explicit(&pages[index >> PAGE_BITS], memory_order_acquire);
        struct d3dkmt_object *obj;

        if (!page) { index |= PAGE_SLOTS - 1; continue; }
        stripe_lock(stripe_of(index));
        obj = page->objs[index & (PAGE_SLOTS - 1)];
        if (obj && obj->device == device && (type == D3DKMT_OBJ_NONE || obj->type == type))
            d3dkmt_object_get(obj);
        else
            obj = NULL;
        stripe_unlock(stripe_of(index));
        if (obj)
        {
            fn(obj, ctx);
            d3dkmt_object_put(obj);
        }
    }
}

void d3dkmt_handle_for_each(const struct d3dkmt_device *device, enum d3dkmt_object_type type,
                            void (*fn)(struct d3dkmt_object *obj, void *ctx), void *ctx)
{
    uint32_t high, foreign_high;

    pthread_mutex_lock(&table.free_lock);
    high = table.high_water;
    foreign_high = table.foreign_high;
    pthread_mutex_unlock(&table.free_lock);
    for_each_in(table.pages, high, device, type, fn, ctx);
    for_each_in(table.foreign_pages, foreign_high, device, type, fn, ctx);
}

uint32_t d3dkmt_handle_count(void)
{
    return atomic_load_explicit(&table.live, memory_order_relaxed);
}

void d3dkmt_handle_table_reset(void)
{
    unsigned int i;

    pthread_mutex_lock(&table.free_lock);
    for (i = 0; i < PAGE_COUNT; i++)
    {
        free(atomic_load(&table.pages[i]));
        atomic_store(&table.pages[i], NULL);
    }
    for (i = 0; i < FOREIGN_PAGE_COUNT; i++)
    {
        free(atomic_load(&table.foreign_pages[i]));
        atomic_store(&table.foreign_pages[i], NULL);
    }
    table.high_water = 1;
    table.foreign_high = 1;
    table.free_head = table.free_tail = table.free_count = 0;
    atomic_store(&table.live, 0);
    pthread_mutex_unlock(&table.free_lock);
}

/* ---- Base object ---- */

void d3dkmt_object_init(struct d3dkmt_object *obj, enum d3dkmt_object_type type, struct d3dkmt_device *device,
                        d3dkmt_release_fn release)
{
    obj->type = type;
    atomic_init(&obj->state, D3DKMT_STATE_CREATED);
    atomic_init(&obj->refcount, 1);
    obj->handle = 0;
    obj->release = release;
    obj->device = device;
}
