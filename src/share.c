/*
 * share.c: global D3DKMT handles, the names under which objects created shared (a resource with
 * D3DKMT_CREATEALLOCATION.Flags.CreateShared, a sync object with Flags.Shared) are found again by
 * D3DKMTOpenResource(2), D3DKMTQueryResourceInfo and D3DKMTOpenSynchronizationObject.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Format: as Windows' global handles, (index << 6) | 0x40000002: bit 30 set and the low 6 bits 2,
 * so a global handle never names a local object (local handles have the low 6 bits 0;
 * d3dkmt_handle_get refuses it) and the reverse.  The 24-bit index field holds a 16-bit slot and
 * an 8-bit generation; a freed slot is reused oldest-freed first, each reuse advancing its
 * generation, so a dead global handle does not open another object before 256 reuses of its slot.
 *
 * Lifetime (docs/decisions/sharing.md): an entry counts the local handles that keep it alive (the
 * creator's and each one opened from it); the owner of each local handle closes its count once,
 * when the handle is destroyed, and the entry dies with the last one, as on Windows ("the global
 * D3DKMT_HANDLE is destroyed with the last reference").  The entry does not own what it names: it
 * points at a reference count of the owner's (`refcount`), which an open or lookup increments only
 * while it is not zero, so an object being freed is never handed out again; the owner removes the
 * entry (d3dkmt_global_remove) before freeing what it points at.
 *
 * Layer 2 (src/d3dkmt_private.h): calls nothing of the library; one mutex, a leaf lock.
 */
#include "d3dkmt_private.h"

#include <stdlib.h>
#include <string.h>

#define GLOBAL_LOW_BITS  0x2u
#define GLOBAL_BASE      0x40000000u
#define SLOT_BITS        16
#define MAX_SLOTS        (1u << SLOT_BITS)
#define GEN_MASK         0xffu

struct global_entry
{
    void *object;                 /* what the handle names; NULL when the slot is free */
    _Atomic uint32_t *refcount;   /* the owner's reference count of `object` */
    uint32_t local_count;         /* local handles keeping the entry alive */
    uint8_t type;                 /* enum d3dkmt_object_type */
    uint8_t gen;                  /* generation of the slot */
    uint32_t next_free;           /* free list link (slot index + 1, 0 = end) */
};

static struct
{
    pthread_mutex_t lock;
    struct global_entry *entries;   /* slot 0 unused */
    uint32_t capacity, used;        /* allocated slots; slots ever handed out (high-water mark) */
    uint32_t free_head, free_tail;  /* FIFO of freed slots (index + 1, 0 = empty) */
    uint32_t free_count;
} globals = { .lock = PTHREAD_MUTEX_INITIALIZER, .used = 1 };

static inline D3DKMT_HANDLE make_global(uint32_t slot, uint8_t gen)
{
    return GLOBAL_BASE | (((uint32_t)gen << SLOT_BITS | slot) << 6) | GLOBAL_LOW_BITS;
}

bool d3dkmt_handle_is_global(D3DKMT_HANDLE handle)
{
    return (handle & 0xc000003fu) == (GLOBAL_BASE | GLOBAL_LOW_BITS);
}

/* The live entry `handle` names, of `type`, or NULL (lock held). */
static struct global_entry *find_locked(D3DKMT_HANDLE handle, enum d3dkmt_object_type type)
{
    uint32_t field, slot;
    struct global_entry *e;

    if (!d3dkmt_handle_is_global(handle)) return NULL;
    field = (handle >> 6) & 0xffffffu;
    slot = field & (MAX_SLOTS - 1);
    if (!slot || slot >= globals.used) return NULL;
    e = &globals.entries[slot];
    if (!e->object || e->gen != (uint8_t)(field >> SLOT_BITS) || e->type != type) return NULL;
    return e;
}

/* Increments *refcount unless it is zero (the owner is being freed). */
static bool try_ref(_Atomic uint32_t *refcount)
{
    uint32_t r = atomic_load_explicit(refcount, memory_order_relaxed);

    while (r)
        if (atomic_compare_exchange_weak_explicit(refcount, &r, r + 1, memory_order_acquire, memory_order_relaxed))
            return true;
    return false;
}

static void free_slot_locked(uint32_t slot)
{
    struct global_entry *e = &globals.entries[slot];

    e->object = NULL;
    e->refcount = NULL;
    e->gen = (e->gen + 1) & GEN_MASK;
    e->next_free = 0;
    if (globals.free_tail) globals.entries[globals.free_tail - 1].next_free = slot + 1;
    else globals.free_head = slot + 1;
    globals.free_tail = slot + 1;
    globals.free_count++;
}

NTSTATUS d3dkmt_global_create(enum d3dkmt_object_type type, void *object, _Atomic uint32_t *refcount,
                              D3DKMT_HANDLE *handle)
{
    struct global_entry *e;
    uint32_t slot;

    pthread_mutex_lock(&globals.lock);
    /* Reuse the oldest freed slot only once 64 are free, so a handle just closed stays dead. */
    if (globals.free_head && (globals.free_count > 64 || globals.used >= MAX_SLOTS))
    {
        slot = globals.free_head - 1;
        globals.free_head = globals.entries[slot].next_free;
        if (!globals.free_head) globals.free_tail = 0;
        globals.free_count--;
        goto found;
    }
    if (globals.used >= MAX_SLOTS)
    {
        pthread_mutex_unlock(&globals.lock);
        return STATUS_NO_MEMORY;
    }
    if (globals.used >= globals.capacity)
    {
        uint32_t capacity = globals.capacity ? globals.capacity * 2 : 64;
        struct global_entry *entries = realloc(globals.entries, capacity * sizeof(*entries));
        if (!entries)
        {
            pthread_mutex_unlock(&globals.lock);
            return STATUS_NO_MEMORY;
        }
        memset(entries + globals.capacity, 0, (capacity - globals.capacity) * sizeof(*entries));
        globals.entries = entries;
        globals.capacity = capacity;
    }
    slot = globals.used++;
found:
    e = &globals.entries[slot];
    e->object = object;
    e->refcount = refcount;
    e->local_count = 1;
    e->type = type;
    e->next_free = 0;
    *handle = make_global(slot, e->gen);
    pthread_mutex_unlock(&globals.lock);
    return STATUS_SUCCESS;
}

void *d3dkmt_global_open(D3DKMT_HANDLE handle, enum d3dkmt_object_type type)
{
    struct global_entry *e;
    void *object = NULL;

    pthread_mutex_lock(&globals.lock);
    if ((e = find_locked(handle, type)) && e->local_count && try_ref(e->refcount))
    {
        e->local_count++;
        object = e->object;
    }
    pthread_mutex_unlock(&globals.lock);
    return object;
}

void *d3dkmt_global_lookup(D3DKMT_HANDLE handle, enum d3dkmt_object_type type)
{
    struct global_entry *e;
    void *object = NULL;

    pthread_mutex_lock(&globals.lock);
    if ((e = find_locked(handle, type)) && e->local_count && try_ref(e->refcount)) object = e->object;
    pthread_mutex_unlock(&globals.lock);
    return object;
}

bool d3dkmt_global_close(D3DKMT_HANDLE handle, enum d3dkmt_object_type type)
{
    struct global_entry *e;
    bool last = false;

    pthread_mutex_lock(&globals.lock);
    if ((e = find_locked(handle, type)) && e->local_count && !--e->local_count)
    {
        free_slot_locked((uint32_t)(e - globals.entries));
        last = true;
    }
    pthread_mutex_unlock(&globals.lock);
    return last;
}

void d3dkmt_global_remove(D3DKMT_HANDLE handle, enum d3dkmt_object_type type, const void *object)
{
    struct global_entry *e;

    pthread_mutex_lock(&globals.lock);
    if ((e = find_locked(handle, type)) && e->object == object) free_slot_locked((uint32_t)(e - globals.entries));
    pthread_mutex_unlock(&globals.lock);
}

uint32_t d3dkmt_global_count(void)
{
    uint32_t i, n = 0;

    pthread_mutex_lock(&globals.lock);
    for (i = 1; i < globals.used; i++) n += globals.entries[i].object != NULL;
    pthread_mutex_unlock(&globals.lock);
    return n;
}
