/*
 * handle.c: the base object (reference count, release function, state) and the process-wide
 * handle table shared by every object kind.  Layer 2 (src/d3dkmt_private.h): it calls nothing of
 * the library above it; an object's last reference runs the release function its kind passed to
 * d3dkmt_object_init, as dxgkrnl passes each kind's release to kref_put.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Layout: 2^20 slots in pages of 1024, allocated on first use and kept until shutdown, so a
 * lookup indexes two arrays without any global lock.  A slot holds the object pointer; the
 * object stores its full handle (index and generation), so a lookup that finds another object in
 * the slot, or a handle with an older generation, fails.  Each slot is guarded by one of 64
 * stripe spinlocks (by index), which also makes "find and take a reference" atomic with respect to
 * removal: a destroy on another thread cannot free the object between the two.
 *
 * Reuse (docs/decisions/handles.md): freed slots go to a FIFO and are reused only while at least
 * D3DKMT_HANDLE_REUSE_DELAY slots are free, and every reuse advances the slot's 4-bit generation,
 * so a stale handle cannot resolve again before 16 reuses of its slot, each of which needs 1024
 * other frees first.  The free list and the high-water mark are under free_lock, taken only by
 * create and destroy.
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

#define HANDLE_LOCAL_BIT 0x40000000u
#define HANDLE_FIXED_MASK 0xc000003fu   /* must read 0x40000000 in these bits */

struct slot_page
{
    struct d3dkmt_object *objs[PAGE_SLOTS];  /* stripe lock of the index */
    uint32_t meta[PAGE_SLOTS];               /* free_lock: generation (low 4 bits) | next free << 8 */
};

static struct
{
    _Atomic(struct slot_page *) pages[PAGE_COUNT];
    struct { _Alignas(64) atomic_flag lock; } stripes[STRIPES];   /* spinlocks, one cache line each */
    pthread_mutex_t free_lock;
    uint32_t high_water;      /* next never-used index; index 0 is never used */
    uint32_t free_head, free_tail, free_count;
    _Atomic uint32_t live;
} table = {
    .free_lock = PTHREAD_MUTEX_INITIALIZER,
    .high_water = 1,
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

static inline uint32_t handle_gen(D3DKMT_HANDLE h)
{
    return (h >> (6 + D3DKMT_HANDLE_INDEX_BITS)) & ((1u << D3DKMT_HANDLE_GEN_BITS) - 1);
}

static inline D3DKMT_HANDLE make_handle(uint32_t index, uint32_t gen)
{
    return HANDLE_LOCAL_BIT | (gen << (6 + D3DKMT_HANDLE_INDEX_BITS)) | (index << 6);
}

static inline struct slot_page *page_of(uint32_t index)
{
    return atomic_load_explicit(&table.pages[index >> PAGE_BITS], memory_order_acquire);
}

static inline atomic_flag *stripe_of(uint32_t index)
{
    return &table.stripes[index & (STRIPES - 1)].lock;
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
    gen = page->meta[index & (PAGE_SLOTS - 1)] & 0xf;
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
    *meta = ((*meta + 1) & 0xf);
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
    uint32_t index = handle_index(obj->handle);
    struct slot_page *page = page_of(index);

    stripe_lock(stripe_of(index));
    atomic_store_explicit(&obj->state, D3DKMT_STATE_ACTIVE, memory_order_relaxed);
    page->objs[index & (PAGE_SLOTS - 1)] = obj;
    stripe_unlock(stripe_of(index));
    atomic_fetch_add_explicit(&table.live, 1, memory_order_relaxed);
}

bool d3dkmt_handle_remove(struct d3dkmt_object *obj)
{
    uint32_t index = handle_index(obj->handle);
    struct slot_page *page = page_of(index);
    bool removed = false;

    stripe_lock(stripe_of(index));
    if (page->objs[index & (PAGE_SLOTS - 1)] == obj)
    {
        page->objs[index & (PAGE_SLOTS - 1)] = NULL;
        atomic_store_explicit(&obj->state, D3DKMT_STATE_STOPPED, memory_order_relaxed);
        removed = true;
    }
    stripe_unlock(stripe_of(index));
    if (!removed) return false;

    atomic_fetch_sub_explicit(&table.live, 1, memory_order_relaxed);
    release_slot(index);
    d3dkmt_object_put(obj);
    return true;
}

/* Finds handle's object of `type` (and `device`) under its stripe lock; takes a reference when
 * `ref` is set. */
static struct d3dkmt_object *lookup(D3DKMT_HANDLE handle, enum d3dkmt_object_type type,
                                    const struct d3dkmt_device *device, bool ref)
{
    uint32_t index = handle_index(handle);
    struct d3dkmt_object *obj;
    struct slot_page *page;

    if ((handle & HANDLE_FIXED_MASK) != HANDLE_LOCAL_BIT || !index) return NULL;
    if (!(page = page_of(index))) return NULL;

    stripe_lock(stripe_of(index));
    obj = page->objs[index & (PAGE_SLOTS - 1)];
    if (!obj || obj->handle != handle || obj->type != type || (device && obj->device != device))
        obj = NULL;
    else if (ref)
        d3dkmt_object_get(obj);
    stripe_unlock(stripe_of(index));
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

void d3dkmt_handle_for_each(const struct d3dkmt_device *device, enum d3dkmt_object_type type,
                            void (*fn)(struct d3dkmt_object *obj, void *ctx), void *ctx)
{
    uint32_t index, high;

    pthread_mutex_lock(&table.free_lock);
    high = table.high_water;
    pthread_mutex_unlock(&table.free_lock);

    for (index = 1; index < high; index++)
    {
        struct slot_page *page = page_of(index);
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
    table.high_water = 1;
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
