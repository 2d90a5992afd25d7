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
 * up), and below it a 2-bit generation and a 21-bit slot; handles made by someone else in the same
 * process, Wine's own gdi32 / win32u above all (whose local handles count up from 0x40000040), have
 * it clear, and an object can be published under such a value with d3dkmt_handle_adopt.  No value
 * can therefore name two objects, whichever side made it (docs/decisions/handles.md).
 *
 * Slots.  Each space is an array of pages of 1024 slots, kept until shutdown, so a lookup indexes
 * two arrays without any global lock.  The own space's pages lie in one contiguous reservation of
 * 2^21 slots (16 MiB of address space, mapped at the first handle, committed by the kernel page
 * by page as slots are first used: 8 bytes per slot): a million random lookups then walk compact
 * page tables instead of pages scattered over the heap, which made them several times slower
 * (docs/bench.md).  Adopted values are rare and get heap pages.  A slot is one 64-bit word
 * that holds everything a lookup checks, so that a lookup reads one cache line and a refusal
 * nothing else:
 *   live  bit 0 = 1 | generation (2 bits) | kind (3 bits) | owning device's owner id (13 bits) |
 *         object pointer >> 3 (45 bits: 8-byte aligned objects below 2^48)
 *   free  bit 0 = 0 | generation of the next occupant | next free slot of the kind (21 bits) |
 *         the kind's creation count when it was freed (32 bits)
 * Devices get an owner id (1..8191) when their handle is reserved, given back with their last
 * reference; their children's slots carry it, so "of this device" is a compare in the slot.
 *
 * Locking.  d3dkmt_handle_peek_list reads the words (acquire) and takes nothing.  Publishing,
 * removing and taking a reference (d3dkmt_handle_get) take one of 64 stripe spinlocks (by index),
 * which makes "find and take a reference" atomic with respect to removal: a destroy on another thread
 * cannot free the object between the two.  The free queues, the high-water mark, the owner ids
 * and page allocation are under free_lock, taken only by create, adopt and destroy.
 *
 * Reuse (docs/decisions/handles.md): a freed slot goes to the tail of its kind's queue with the
 * kind's creation count, and is taken again (by that kind only) once the kind has made
 * D3DKMT_HANDLE_REUSE_DELAY more objects; until then new objects take never-used slots.  Every
 * reuse advances the generation, so a stale handle cannot name another object before 4 reuses of
 * its slot by its own kind, 2^20 creations of that kind.  Only a full table (2^21 slots live or
 * waiting) makes a creation take a slot early (logged).  Adopted values are the maker's to reuse.
 */
#include "d3dkmt_private.h"

#include <sched.h>
#include <sys/mman.h>
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
#define GEN_MASK          ((1u << D3DKMT_HANDLE_GEN_BITS) - 1)

/* The slot word. */
#define W_LIVE          1ull
#define W_GEN_SHIFT     1
#define W_KIND_SHIFT    3
#define W_OWNER_SHIFT   6
#define W_OWNER_BITS    13
#define W_PTR_SHIFT     19               /* pointer >> 3 in bits 19..63 */
#define W_CHECK_ALL     ((1ull << W_PTR_SHIFT) - 1)            /* live, generation, kind, owner */
#define W_CHECK_NO_OWNER ((1ull << W_OWNER_SHIFT) - 1)         /* live, generation, kind */
#define W_NEXT_SHIFT    8                /* free words: next free slot of the kind */
#define W_FREED_SHIFT   32               /* free words: the kind's creation count at the free */

_Static_assert(6 + D3DKMT_HANDLE_INDEX_BITS + D3DKMT_HANDLE_GEN_BITS == 29, "own handles: slot and generation below the own bit");
_Static_assert(D3DKMT_OBJ_COUNT <= 8, "the kind takes 3 bits of a slot word");
_Static_assert(D3DKMT_HANDLE_MAX_OWNERS == 1u << W_OWNER_BITS, "owner ids take 13 bits of a slot word");
_Static_assert(W_NEXT_SHIFT + D3DKMT_HANDLE_INDEX_BITS <= W_FREED_SHIFT, "free words: next slot below the count");
_Static_assert(D3DKMT_HANDLE_REUSE_DELAY < (1u << 31), "the delay is compared in 32-bit counts");

struct slot_page
{
    _Atomic uint64_t words[PAGE_SLOTS];
};

struct kind_queue
{
    uint32_t head, tail, count;   /* free slots of one kind, oldest first */
    uint32_t created;             /* objects of the kind made so far (wraps) */
};

static struct
{
    _Atomic(struct slot_page *) pages[PAGE_COUNT];                  /* own handles: into own_slots */
    struct slot_page *own_slots;                                     /* the reservation; free_lock */
    _Atomic(struct slot_page *) foreign_pages[FOREIGN_PAGE_COUNT];  /* adopted handles */
    struct { _Alignas(64) atomic_flag lock; } stripes[STRIPES];   /* spinlocks, one cache line each */
    pthread_mutex_t free_lock;
    uint32_t high_water;      /* next never-used own index; index 0 is never used */
    uint32_t foreign_high;    /* one above the highest adopted index */
    struct kind_queue queues[D3DKMT_OBJ_COUNT];
    bool full_warned;
    uint16_t owner_next[D3DKMT_HANDLE_MAX_OWNERS];   /* free owner ids, a FIFO linked through this array */
    uint16_t owner_head, owner_tail, owner_high;
    _Atomic uint32_t live;
} table = {
    .free_lock = PTHREAD_MUTEX_INITIALIZER,
    .high_water = 1,
    .foreign_high = 1,
    .owner_high = 1,
};

/* The stripe locks guard a few loads and stores each, so they are spinlocks: uncontended they
 * cost one atomic exchange.  A waiter yields after a short spin (the holder may have been
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
    return (h >> (6 + D3DKMT_HANDLE_INDEX_BITS)) & GEN_MASK;
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

static inline _Atomic uint64_t *own_word(uint32_t index)
{
    return &page_of(index)->words[index & (PAGE_SLOTS - 1)];
}

static inline atomic_flag *stripe_of(uint32_t index)
{
    return &table.stripes[index & (STRIPES - 1)].lock;
}

/* The owner id of objects owned by `device` (0: none). */
static inline uint64_t owner_of(const struct d3dkmt_device *device)
{
    return device ? ((const struct d3dkmt_object *)device)->owner_id : 0;
}

/* Whether obj can be packed into a slot word (8-byte aligned, below 2^48: every heap object on
 * the 64-bit ABIs Wine runs on, and every pointer on 32-bit ones). */
static inline bool packable(const struct d3dkmt_object *obj)
{
    return !((uintptr_t)obj & 7) && (uint64_t)(uintptr_t)obj >> 48 == 0;
}

static inline uint64_t live_word(const struct d3dkmt_object *obj, uint32_t gen)
{
    return W_LIVE | (uint64_t)gen << W_GEN_SHIFT | (uint64_t)obj->type << W_KIND_SHIFT
         | owner_of(obj->device) << W_OWNER_SHIFT | (uint64_t)(uintptr_t)obj << (W_PTR_SHIFT - 3);
}

static inline struct d3dkmt_object *word_object(uint64_t word)
{
    return (struct d3dkmt_object *)(uintptr_t)((word >> W_PTR_SHIFT) << 3);
}

/* The slot word of a handle of either space (its page allocated) and its stripe lock; NULL for a
 * value that is not a local handle, index 0, or a page never allocated.  *gen: the generation the
 * handle carries. */
static inline _Atomic uint64_t *slot_of(D3DKMT_HANDLE handle, atomic_flag **stripe, uint32_t *gen)
{
    struct slot_page *page;
    uint32_t index;

    *stripe = NULL;
    *gen = 0;
    if ((handle & HANDLE_FIXED_MASK) != HANDLE_LOCAL_BIT) return NULL;
    if (handle & HANDLE_OWN_BIT)
    {
        index = handle_index(handle);
        page = page_of(index);
        *gen = handle_gen(handle);
    }
    else
    {
        index = foreign_index(handle);
        page = atomic_load_explicit(&table.foreign_pages[index >> PAGE_BITS], memory_order_acquire);
        *gen = 0;
    }
    if (!index || !page) return NULL;
    *stripe = stripe_of(index);
    return &page->words[index & (PAGE_SLOTS - 1)];
}

/* ---- Owner ids (free_lock held) ---- */

static uint16_t owner_id_alloc(void)
{
    uint16_t id;

    /* Never-used ids first, then the oldest freed one. */
    if (table.owner_high < D3DKMT_HANDLE_MAX_OWNERS) return table.owner_high++;
    if (!(id = table.owner_head)) return 0;
    if (!(table.owner_head = table.owner_next[id])) table.owner_tail = 0;
    return id;
}

static void owner_id_free(uint16_t id)
{
    table.owner_next[id] = 0;
    if (table.owner_tail) table.owner_next[table.owner_tail] = id;
    else table.owner_head = id;
    table.owner_tail = id;
}

/* ---- Reserve, publish, adopt, remove ---- */

/* Takes the head of queue q (free_lock held). */
static uint32_t queue_pop(struct kind_queue *q)
{
    uint32_t index = q->head;
    uint64_t word = atomic_load_explicit(own_word(index), memory_order_relaxed);

    q->head = (word >> W_NEXT_SHIFT) & (D3DKMT_HANDLE_MAX_SLOTS - 1);
    if (!--q->count) q->head = q->tail = NO_SLOT;
    return index;
}

/* A slot for a new object of `kind` (free_lock held), or NO_SLOT when the table is full or out of
 * memory. */
static uint32_t take_slot(unsigned int kind)
{
    struct kind_queue *q = &table.queues[kind];
    struct slot_page *page;
    uint32_t index, k;

    q->created++;
    if (q->count)
    {
        uint32_t freed = atomic_load_explicit(own_word(q->head), memory_order_relaxed) >> W_FREED_SHIFT;
        if (q->created - freed >= D3DKMT_HANDLE_REUSE_DELAY) return queue_pop(q);
    }
    if (table.high_water < D3DKMT_HANDLE_MAX_SLOTS)
    {
        index = table.high_water;
        if (!page_of(index))
        {
            if (!table.own_slots)
            {
                void *base = mmap(NULL, (size_t)PAGE_COUNT * sizeof(*page), PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
                if (base == MAP_FAILED) return NO_SLOT;
                table.own_slots = base;
            }
            page = &table.own_slots[index >> PAGE_BITS];
            atomic_store_explicit(&table.pages[index >> PAGE_BITS], page, memory_order_release);
        }
        table.high_water++;
        return index;
    }
    /* Full: 2^21 slots live or waiting out their delay.  Reuse the oldest freed slot, of this kind
     * if there is one (the generation still changes), before refusing the creation. */
    if (!table.full_warned) WARN("handle table full: reusing slots before their delay");
    table.full_warned = true;
    if (q->count) return queue_pop(q);
    for (k = 0; k < D3DKMT_OBJ_COUNT; k++) if (table.queues[k].count) return queue_pop(&table.queues[k]);
    return NO_SLOT;
}

NTSTATUS d3dkmt_handle_reserve(struct d3dkmt_object *obj)
{
    uint32_t index, gen;
    uint16_t owner = 0;

    if (!packable(obj)) return STATUS_NO_MEMORY;
    pthread_mutex_lock(&table.free_lock);
    if (obj->type == D3DKMT_OBJ_DEVICE && !obj->owner_id && !(owner = owner_id_alloc()))
    {
        pthread_mutex_unlock(&table.free_lock);
        WARN("too many devices (%u)", D3DKMT_HANDLE_MAX_OWNERS - 1);
        return STATUS_NO_MEMORY;
    }
    if ((index = take_slot(obj->type)) == NO_SLOT)
    {
        if (owner) owner_id_free(owner);
        pthread_mutex_unlock(&table.free_lock);
        WARN("handle table full (%u slots)", D3DKMT_HANDLE_MAX_SLOTS);
        return STATUS_NO_MEMORY;
    }
    if (owner) obj->owner_id = owner;
    gen = (atomic_load_explicit(own_word(index), memory_order_relaxed) >> W_GEN_SHIFT) & GEN_MASK;
    /* Not live, not queued: only this reservation knows the slot until it is published. */
    atomic_store_explicit(own_word(index), (uint64_t)gen << W_GEN_SHIFT, memory_order_relaxed);
    pthread_mutex_unlock(&table.free_lock);

    obj->handle = make_handle(index, gen);
    atomic_store_explicit(&obj->state, D3DKMT_STATE_CREATED, memory_order_relaxed);
    return STATUS_SUCCESS;
}

/* Puts slot `index`, emptied of an object of `kind`, at the tail of the kind's queue with its
 * generation advanced (free_lock taken here). */
static void release_slot(uint32_t index, unsigned int kind)
{
    struct kind_queue *q = &table.queues[kind];
    _Atomic uint64_t *word = own_word(index);
    uint32_t gen;

    pthread_mutex_lock(&table.free_lock);
    gen = ((atomic_load_explicit(word, memory_order_relaxed) >> W_GEN_SHIFT) + 1) & GEN_MASK;
    atomic_store_explicit(word, (uint64_t)gen << W_GEN_SHIFT | (uint64_t)q->created << W_FREED_SHIFT,
                          memory_order_release);
    if (q->count)
    {
        _Atomic uint64_t *tail = own_word(q->tail);
        atomic_store_explicit(tail, atomic_load_explicit(tail, memory_order_relaxed) | (uint64_t)index << W_NEXT_SHIFT,
                              memory_order_relaxed);
    }
    else q->head = index;
    q->tail = index;
    q->count++;
    pthread_mutex_unlock(&table.free_lock);
}

void d3dkmt_handle_unreserve(struct d3dkmt_object *obj)
{
    if (obj->handle & HANDLE_OWN_BIT) release_slot(handle_index(obj->handle), obj->type);
    obj->handle = 0;
}

void d3dkmt_handle_publish(struct d3dkmt_object *obj)
{
    atomic_flag *stripe;
    uint32_t gen;
    _Atomic uint64_t *slot = slot_of(obj->handle, &stripe, &gen);

    stripe_lock(stripe);
    atomic_store_explicit(&obj->state, D3DKMT_STATE_ACTIVE, memory_order_relaxed);
    atomic_store_explicit(slot, live_word(obj, gen), memory_order_release);
    stripe_unlock(stripe);
    atomic_fetch_add_explicit(&table.live, 1, memory_order_relaxed);
}

NTSTATUS d3dkmt_handle_adopt(struct d3dkmt_object *obj, D3DKMT_HANDLE value)
{
    uint32_t index = foreign_index(value), gen;
    _Atomic uint64_t *slot;
    struct slot_page *page;
    atomic_flag *stripe;
    uint16_t owner = 0;
    bool taken;

    if ((value & HANDLE_FIXED_MASK) != HANDLE_LOCAL_BIT || (value & HANDLE_OWN_BIT) || !index)
        return STATUS_INVALID_PARAMETER;
    if (!packable(obj)) return STATUS_NO_MEMORY;
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
    if (obj->type == D3DKMT_OBJ_DEVICE && !obj->owner_id && !(owner = owner_id_alloc()))
    {
        pthread_mutex_unlock(&table.free_lock);
        return STATUS_NO_MEMORY;
    }
    if (index >= table.foreign_high) table.foreign_high = index + 1;
    pthread_mutex_unlock(&table.free_lock);

    slot = slot_of(value, &stripe, &gen);
    stripe_lock(stripe);
    if (!(taken = atomic_load_explicit(slot, memory_order_relaxed) & W_LIVE))
    {
        if (owner) obj->owner_id = owner;
        obj->handle = value;
        atomic_store_explicit(&obj->state, D3DKMT_STATE_ACTIVE, memory_order_relaxed);
        atomic_store_explicit(slot, live_word(obj, 0), memory_order_release);
    }
    stripe_unlock(stripe);
    if (taken)
    {
        if (owner)
        {
            pthread_mutex_lock(&table.free_lock);
            owner_id_free(owner);
            pthread_mutex_unlock(&table.free_lock);
        }
        return STATUS_OBJECT_NAME_COLLISION;
    }
    atomic_fetch_add_explicit(&table.live, 1, memory_order_relaxed);
    return STATUS_SUCCESS;
}

bool d3dkmt_handle_remove(struct d3dkmt_object *obj)
{
    atomic_flag *stripe;
    uint32_t gen;
    _Atomic uint64_t *slot = slot_of(obj->handle, &stripe, &gen);
    bool removed = false;
    uint64_t word;

    if (!slot) return false;
    stripe_lock(stripe);
    word = atomic_load_explicit(slot, memory_order_relaxed);
    if ((word & W_LIVE) && word_object(word) == obj)
    {
        /* Not live, same generation: release_slot advances it under free_lock. */
        atomic_store_explicit(slot, (uint64_t)gen << W_GEN_SHIFT, memory_order_release);
        atomic_store_explicit(&obj->state, D3DKMT_STATE_STOPPED, memory_order_relaxed);
        removed = true;
    }
    stripe_unlock(stripe);
    if (!removed) return false;

    atomic_fetch_sub_explicit(&table.live, 1, memory_order_relaxed);
    if (obj->handle & HANDLE_OWN_BIT) release_slot(handle_index(obj->handle), obj->type);
    d3dkmt_object_put(obj);
    return true;
}

/* ---- Lookup ---- */

/* The bits a lookup of `handle` for `type` (and `device`) expects in the slot word, and which of
 * them it compares. */
static inline uint64_t expected_word(uint32_t gen, enum d3dkmt_object_type type, const struct d3dkmt_device *device,
                                     uint64_t *mask)
{
    *mask = device ? W_CHECK_ALL : W_CHECK_NO_OWNER;
    return W_LIVE | (uint64_t)gen << W_GEN_SHIFT | (uint64_t)type << W_KIND_SHIFT | owner_of(device) << W_OWNER_SHIFT;
}

/* How many handles ahead d3dkmt_handle_peek_list asks for the slot word: enough lookups in flight
 * to cover a miss to memory, few enough that the words are still in L1 when they are read (8, 16
 * and 32 measured the same on the project's VM, docs/bench.md). */
#define PEEK_AHEAD 16

/* The slot word of handle (NULL as slot_of), asked for in the cache. */
static inline _Atomic uint64_t *prefetch_slot(D3DKMT_HANDLE handle, uint32_t *gen)
{
    atomic_flag *stripe;
    _Atomic uint64_t *slot = slot_of(handle, &stripe, gen);

    if (slot) __builtin_prefetch((const void *)slot);
    return slot;
}

UINT d3dkmt_handle_peek_list(const D3DKMT_HANDLE *handles, UINT count, enum d3dkmt_object_type type,
                             const struct d3dkmt_device *device, struct d3dkmt_object **out)
{
    /* A ring of the next PEEK_AHEAD handles' slots, each decoded once, when it is prefetched. */
    _Atomic uint64_t *slots[PEEK_AHEAD];
    uint32_t gens[PEEK_AHEAD];
    uint64_t word, mask, expect;
    UINT i;

    for (i = 0; i < count && i < PEEK_AHEAD; i++) slots[i] = prefetch_slot(handles[i], &gens[i]);
    for (i = 0; i < count; i++)
    {
        _Atomic uint64_t *slot = slots[i % PEEK_AHEAD];
        uint32_t gen = gens[i % PEEK_AHEAD];

        if (i + PEEK_AHEAD < count)
            slots[i % PEEK_AHEAD] = prefetch_slot(handles[i + PEEK_AHEAD], &gens[i % PEEK_AHEAD]);
        out[i] = NULL;
        if (!slot) break;
        expect = expected_word(gen, type, device, &mask);
        word = atomic_load_explicit(slot, memory_order_acquire);
        if ((word & mask) != expect) break;
        out[i] = word_object(word);
    }
    return i;
}

struct d3dkmt_object *d3dkmt_handle_get(D3DKMT_HANDLE handle, enum d3dkmt_object_type type,
                                        const struct d3dkmt_device *device)
{
    struct d3dkmt_object *obj = NULL;
    _Atomic uint64_t *slot;
    atomic_flag *stripe;
    uint64_t word, mask, expect;
    uint32_t gen;

    if (!(slot = slot_of(handle, &stripe, &gen))) return NULL;
    expect = expected_word(gen, type, device, &mask);
    /* A refusal needs no lock: the word alone says no. */
    if ((atomic_load_explicit(slot, memory_order_relaxed) & mask) != expect) return NULL;
    stripe_lock(stripe);
    word = atomic_load_explicit(slot, memory_order_relaxed);
    if ((word & mask) == expect)
    {
        obj = word_object(word);
        d3dkmt_object_get(obj);
    }
    stripe_unlock(stripe);
    return obj;
}

/* d3dkmt_handle_for_each over one space's pages, indices below `high`. */
static void for_each_in(_Atomic(struct slot_page *) *pages, uint32_t high, const struct d3dkmt_device *device,
                        enum d3dkmt_object_type type, void (*fn)(struct d3dkmt_object *obj, void *ctx), void *ctx)
{
    uint64_t mask = W_LIVE | (uint64_t)((1u << W_OWNER_BITS) - 1) << W_OWNER_SHIFT;
    uint64_t expect = W_LIVE | owner_of(device) << W_OWNER_SHIFT;
    uint32_t index;

    if (type != D3DKMT_OBJ_NONE)
    {
        mask |= 7ull << W_KIND_SHIFT;
        expect |= (uint64_t)type << W_KIND_SHIFT;
    }
    for (index = 1; index < high; index++)
    {
        struct slot_page *page = atomic_load_explicit(&pages[index >> PAGE_BITS], memory_order_acquire);
        _Atomic uint64_t *slot;
        struct d3dkmt_object *obj = NULL;
        uint64_t word;

        if (!page) { index |= PAGE_SLOTS - 1; continue; }
        slot = &page->words[index & (PAGE_SLOTS - 1)];
        if ((atomic_load_explicit(slot, memory_order_relaxed) & mask) != expect) continue;
        stripe_lock(stripe_of(index));
        word = atomic_load_explicit(slot, memory_order_relaxed);
        if ((word & mask) == expect)
        {
            obj = word_object(word);
            d3dkmt_object_get(obj);
        }
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

size_t d3dkmt_handle_table_bytes(void)
{
    size_t bytes, pages = 0;
    unsigned int i;

    pthread_mutex_lock(&table.free_lock);
    /* Own slots below the high-water mark, in whole 4 KiB pages as the kernel commits them. */
    bytes = ((size_t)table.high_water * sizeof(uint64_t) + 4095) & ~(size_t)4095;
    for (i = 0; i < FOREIGN_PAGE_COUNT; i++) if (atomic_load(&table.foreign_pages[i])) pages++;
    pthread_mutex_unlock(&table.free_lock);
    return bytes + pages * sizeof(struct slot_page);
}

uint32_t d3dkmt_handle_count(void)
{
    return atomic_load_explicit(&table.live, memory_order_relaxed);
}

void d3dkmt_handle_table_reset(void)
{
    unsigned int i;

    pthread_mutex_lock(&table.free_lock);
    for (i = 0; i < PAGE_COUNT; i++) atomic_store(&table.pages[i], NULL);
    if (table.own_slots) munmap(table.own_slots, (size_t)PAGE_COUNT * sizeof(struct slot_page));
    table.own_slots = NULL;
    for (i = 0; i < FOREIGN_PAGE_COUNT; i++)
    {
        free(atomic_load(&table.foreign_pages[i]));
        atomic_store(&table.foreign_pages[i], NULL);
    }
    table.high_water = 1;
    table.foreign_high = 1;
    memset(table.queues, 0, sizeof(table.queues));
    table.full_warned = false;
    /* Owner ids belong to device objects, which may outlive their handles: they are given back by
     * the object's last d3dkmt_object_put, never reset here. */
    atomic_store(&table.live, 0);
    pthread_mutex_unlock(&table.free_lock);
}

/* ---- Base object ---- */

void d3dkmt_object_init(struct d3dkmt_object *obj, enum d3dkmt_object_type type, struct d3dkmt_device *device,
                        d3dkmt_release_fn release)
{
    obj->type = type;
    atomic_init(&obj->state, D3DKMT_STATE_CREATED);
    obj->owner_id = 0;
    atomic_init(&obj->refcount, 1);
    obj->handle = 0;
    obj->pad = 0;
    obj->release = release;
    obj->device = device;
}

void d3dkmt_object_put(struct d3dkmt_object *obj)
{
    if (atomic_fetch_sub_explicit(&obj->refcount, 1, memory_order_acq_rel) != 1) return;
    if (obj->owner_id)
    {
        pthread_mutex_lock(&table.free_lock);
        owner_id_free(obj->owner_id);
        pthread_mutex_unlock(&table.free_lock);
        obj->owner_id = 0;
    }
    obj->release(obj);
}
