/*
 * d3dkmt_private.h: libd3dkmt's structure: its layers, its objects, who owns them, and what
 * protects each field, in one place.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Layers (bottom to top).  A file calls functions of the files below it only, never of a file at
 * its own level or above; a lower layer reaches a higher one only through a function pointer the
 * higher one handed it (an object's release function, a deferred operation).
 *   1. d3dkmt_private.h, log.c  types, lists, limits, the lock order; the debug channel
 *   2. handle.c                 the base object (reference count, release function, state) and
 *                               the process-wide handle table
 *      share.c                  global (shared) handles: the names of objects created shared
 *   3. vulkan.c                 Vulkan dispatch: the loader, the instance, the validation
 *                               messenger; the one VkResult -> NTSTATUS map
 *      alias.c                  alias maps (names another implementation gave to library objects)
 *      stats.c                  the live statistics region (include/d3dkmt_stats.h): its creation
 *                               and removal, adapter and device slots
 *   4. adapter.c                adapters (one per VkPhysicalDevice), library initialisation, their
 *                               identities (LUID, UUID, DRM node, PCI location) and budgets
 *   5. tracker.c                the fence tracker: deferred operations behind GPU work (and
 *                               behind one allocation's own bind), tracked timelines, monitored
 *                               CPU-visible fence values, the waiter thread and the job it runs
 *                               for the memory manager (the priority queue)
 *      adapter_handle.c         adapter handles; D3DKMTEnumAdapters(2), OpenAdapterFromLuid,
 *                               CloseAdapter, QueryAdapterInfo, QueryVideoMemoryInfo
 *   6. device.c                 devices; D3DKMTCreateDevice, DestroyDevice; the host API's device
 *                               calls (interop, tracked submission, queue lock, shutdown)
 *      cpu_event.c              CPU notifications reached: the process-wide queue of Windows events
 *                               that d3dkmt.dll's PE side sets
 *   7. fence.c                  monitored fences and paging queues: the objects, their values, the
 *                               queue submissions that signal and wait for them
 *   8. vidmm.c                  the video memory manager's mechanisms, shared by the entry points:
 *                               usage accounting, memory allocate / bind / unbind / discard, the
 *                               existing heaps of standard allocations, the priority map and its
 *                               queue, the budget manager (trim), the statistics
 *      resolve.c                handle lists: typed lookups of allocations and resources, the
 *                               resolve of a call's handle list (all or nothing)
 *   9. resource.c               resources and allocations, the objects: making them (buffer, memory
 *                               or an imported existing heap, reserved handle), publishing a
 *                               call's new objects together, their release functions, the
 *                               descriptions of resources created shared
 *  10. allocation.c             D3DKMTCreateAllocation(2), DestroyAllocation(2), QueryResourceInfo,
 *                               OpenResource(2), Lock2, Unlock2; the host allocation calls
 *      residency.c              D3DKMTOfferAllocations, ReclaimAllocations(2), MakeResident, Evict,
 *                               Set/GetAllocationPriority, Escape (statistics)
 *      sync.c                   D3DKMTCreateSynchronizationObject(2), OpenSynchronizationObject,
 *                               DestroySynchronizationObject,
 *                               Signal/WaitForSynchronizationObjectFrom{Cpu,Gpu}(2),
 *                               CreatePagingQueue, DestroyPagingQueue
 * The three files of layer 10 are the entry points of their families; they never call each other.
 * Layers 7 to 9 declare their functions in headers of their own (fence.h, vidmm.h, resolve.h,
 * resource.h), which the files that call them include after this one.
 *
 * Objects and ownership
 *   adapter        one per usable VkPhysicalDevice, from initialisation to d3dkmt_host_shutdown;
 *                  each D3DKMTOpenAdapterFromLuid / EnumAdapters2 makes an adapter handle object
 *                  that points at it.
 *   device         D3DKMTCreateDevice; owns a VkDevice, a queue, its tracker and every object
 *                  created on it (resources, allocations, paging queues, sync objects), each of
 *                  which holds a reference on it.
 *   resource       groups allocations (D3DKMTCreateAllocation with CreateResource); one created
 *                  shared (or opened) holds a shared description (struct d3dkmt_shared_resource)
 *                  that a global handle names (share.c).
 *   allocation     one VkDeviceMemory (and, with sparse binding, a sparse VkBuffer in front of it);
 *                  a standard allocation imports the application's existing heap behind a plain
 *                  buffer.
 *   paging queue   D3DKMTCreatePagingQueue; owns one monitored fence (sync object).
 *   sync object    any D3DDDI_SYNCHRONIZATIONOBJECT_TYPE: a timeline VkSemaphore plus a
 *                  CPU-visible UINT64 (layer 7 says what the value counts per type); an opened
 *                  handle (D3DKMTOpenSynchronizationObject) is a sync object naming its target.
 *   global handle  (share.c) the name of a shared resource or sync object within the process.
 *
 * Every object starts with struct d3dkmt_object: type, handle, reference count, state, owning
 * device and the release function its kind passed to d3dkmt_object_init.  The handle table holds
 * one reference while the handle is published; lookups return a new reference (d3dkmt_handle_get),
 * released with d3dkmt_object_put, whose last call runs the release function.  *Stopping* an object
 * (unpublishing its handle, state STOPPED) is separate from *releasing* it (the last reference
 * frees it): a destroy on one thread never frees memory another thread still uses.
 *
 * Lock order (outer first; never take an outer lock while holding an inner one):
 *   1. the init lock (adapter.c)  library initialisation and shutdown, the adapter array
 *   2. device->lock               residency state of all the device's allocations, offered lists,
 *                                 the priority queue, statistics, resource membership, vkFreeMemory
 *                                 and vkSetDeviceMemoryPriorityEXT on the device's memory; never
 *                                 held while waiting for the GPU (docs/decisions/waits.md)
 *   3. device->queue_lock         external synchronisation of the VkQueue; timeline values are
 *                                 taken under it, on success only, so signals reach the queue in
 *                                 value order
 *   4. device->tracker.lock       pending deferred operations, tracked fence values, monitored
 *                                 values, the job's state
 *   5. handle table stripe locks, the global handle table's lock, the CPU notification queue's
 *      lock (fence.c): leaves, nothing else is taken or called while one is held (the free-list
 *      mutex of handle.c is taken only by create and destroy, never with a stripe lock)
 *   6. the statistics region lock  leaf (stats.c): slot assignment, the region's creation and removal
 * The statistics region's fields are written by the holder of the lock of the state they describe
 * (device->lock for a device's residency state, tracker.lock for its deferred operations), with
 * the d3dkmt_stat_* helpers: relaxed atomic stores, no lock of their own.
 * The budget manager, holding one device's lock, takes adapter->devices_lock and then only
 * *tries* the locks of the adapter's other devices (pthread_mutex_trylock, for at most 2 ms), so two
 * devices trimming for each other cannot deadlock.  Callers must not call into the library while holding a queue
 * lock from d3dkmt_host_lock_queue.
 *
 * Error conventions: D3DKMT entry points report a handle that names no live object of the kind
 * they expect as STATUS_INVALID_PARAMETER, as Windows does (D3DKMTCreateAllocation's hResource
 * excepted: STATUS_INVALID_HANDLE, as Windows); the host API's conventions are in
 * include/d3dkmt_host.h.  Names follow VidMm: memory the budget manager took back from an offered
 * allocation is *discarded* (D3DKMT_ALLOC_DISCARDED; a reclaim reports DISCARDED, or
 * NOT_COMMITTED when it was offered with AllowDecommit), and taking it back is a *trim*.
 */
#ifndef D3DKMT_PRIVATE_H
#define D3DKMT_PRIVATE_H

#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vulkan/vulkan.h>

#include <ntstatus.h>
#define WIN32_NO_STATUS
#include <windef.h>
#include <winbase.h>
#include <wingdi.h>
#include <winternl.h>

#include "d3dkmt.h"
#include "d3dkmt_host.h"
#include "d3dkmt_stats.h"

#define D3DKMT_EXPORT __attribute__((visibility("default")))

/* ==== Layer 1: types, lists, limits, logging (log.c) ==== */

/* Limits of one call, as the WSL GPU driver (drivers/hv/dxgkrnl/ioctl.c) enforces them. */
#define D3DKMT_MAX_RESIDENCY_LIST   10240   /* Offer, Reclaim, MakeResident, Evict */
#define D3DKMT_MAX_CREATE_LIST      1024    /* CreateAllocation, DestroyAllocation2 */
#define D3DKMT_MAX_SYNC_LIST        64      /* sync objects in one signal/wait call */

/* A WINEDEBUG-style channel selected by D3DKMT_DEBUG. */
enum d3dkmt_log_level { D3DKMT_LOG_ERR, D3DKMT_LOG_WARN, D3DKMT_LOG_FIXME, D3DKMT_LOG_TRACE };
extern unsigned int d3dkmt_log_mask;   /* bit per level, set once at init */
void d3dkmt_log_init(void);
/* The level mask a D3DKMT_DEBUG value selects (NULL: the default). */
unsigned int d3dkmt_log_parse(const char *spec);
void d3dkmt_log(enum d3dkmt_log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define D3DKMT_LOG_ON(l) (d3dkmt_log_mask & (1u << (l)))
#define ERR(...)   do { if (D3DKMT_LOG_ON(D3DKMT_LOG_ERR))   d3dkmt_log(D3DKMT_LOG_ERR, __func__, __VA_ARGS__); } while (0)
#define WARN(...)  do { if (D3DKMT_LOG_ON(D3DKMT_LOG_WARN))  d3dkmt_log(D3DKMT_LOG_WARN, __func__, __VA_ARGS__); } while (0)
#define FIXME(...) do { if (D3DKMT_LOG_ON(D3DKMT_LOG_FIXME)) d3dkmt_log(D3DKMT_LOG_FIXME, __func__, __VA_ARGS__); } while (0)
#define TRACE(...) do { if (D3DKMT_LOG_ON(D3DKMT_LOG_TRACE)) d3dkmt_log(D3DKMT_LOG_TRACE, __func__, __VA_ARGS__); } while (0)

/* Intrusive doubly linked list. */
struct d3dkmt_list { struct d3dkmt_list *next, *prev; };
static inline void d3dkmt_list_init(struct d3dkmt_list *l) { l->next = l->prev = l; }
static inline bool d3dkmt_list_empty(const struct d3dkmt_list *l) { return l->next == l; }
static inline void d3dkmt_list_add_tail(struct d3dkmt_list *head, struct d3dkmt_list *e)
{
    e->prev = head->prev; e->next = head;
    head->prev->next = e; head->prev = e;
}
static inline void d3dkmt_list_remove(struct d3dkmt_list *e)
{
    e->prev->next = e->next; e->next->prev = e->prev;
    e->next = e->prev = e;
}
/* Removes e from the list it is on, if any (an unlinked entry points at itself). */
static inline void d3dkmt_list_unlink(struct d3dkmt_list *e)
{
    if (!d3dkmt_list_empty(e)) d3dkmt_list_remove(e);
}
#define D3DKMT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define D3DKMT_CONTAINER(ptr, type, field) ((type *)((char *)(ptr) - offsetof(type, field)))

/* ==== Layer 2: base object and handle table (handle.c) ==== */
enum d3dkmt_object_type
{
    D3DKMT_OBJ_NONE = 0,
    D3DKMT_OBJ_ADAPTER,
    D3DKMT_OBJ_DEVICE,
    D3DKMT_OBJ_RESOURCE,
    D3DKMT_OBJ_ALLOCATION,
    D3DKMT_OBJ_PAGING_QUEUE,
    D3DKMT_OBJ_SYNC_OBJECT,
    D3DKMT_OBJ_COUNT
};

enum d3dkmt_object_state
{
    D3DKMT_STATE_CREATED = 0,   /* handle reserved, not yet published */
    D3DKMT_STATE_ACTIVE,        /* handle resolves */
    D3DKMT_STATE_STOPPED,       /* handle removed; memory lives until the last reference */
};

struct d3dkmt_object;
struct d3dkmt_device;
/* Frees an object whose last reference was dropped.  Each kind passes its own to
 * d3dkmt_object_init, so the handle table never needs to know the kinds. */
typedef void (*d3dkmt_release_fn)(struct d3dkmt_object *obj);

struct d3dkmt_object
{
    uint8_t type;                 /* enum d3dkmt_object_type, immutable */
    _Atomic uint8_t state;        /* enum d3dkmt_object_state */
    uint16_t owner_id;            /* devices: the id the handle table packs into their children's slots
                                   * (1..D3DKMT_HANDLE_MAX_OWNERS - 1), from reserve or adopt to the
                                   * last reference; 0 for other kinds */
    _Atomic uint32_t refcount;    /* the handle table holds one while published */
    D3DKMT_HANDLE handle;         /* immutable once reserved */
    uint32_t pad;
    d3dkmt_release_fn release;    /* immutable */
    struct d3dkmt_device *device; /* owning device (NULL for adapter handles and devices), immutable */
};

/* Starts obj with one reference (the creator's), state CREATED, no handle. */
void d3dkmt_object_init(struct d3dkmt_object *obj, enum d3dkmt_object_type type, struct d3dkmt_device *device,
                        d3dkmt_release_fn release);
static inline void d3dkmt_object_get(struct d3dkmt_object *obj)
{
    atomic_fetch_add_explicit(&obj->refcount, 1, memory_order_relaxed);
}
/* Takes a reference unless the last one already went (the object is being released: callers that
 * found it without one, under a lock its release function waits for, must not revive it). */
static inline bool d3dkmt_object_get_unless_zero(struct d3dkmt_object *obj)
{
    uint32_t refs = atomic_load_explicit(&obj->refcount, memory_order_relaxed);
    while (refs)
        if (atomic_compare_exchange_weak_explicit(&obj->refcount, &refs, refs + 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return true;
    return false;
}
/* Drops one reference unless it is the last one: true when dropped (for callers holding a lock
 * the release function takes, which drop a last reference later, with no lock held). */
static inline bool d3dkmt_object_put_not_last(struct d3dkmt_object *obj)
{
    uint32_t refs = atomic_load_explicit(&obj->refcount, memory_order_relaxed);
    while (refs > 1)
        if (atomic_compare_exchange_weak_explicit(&obj->refcount, &refs, refs - 1, memory_order_acq_rel,
                                                  memory_order_relaxed))
            return true;
    return false;
}
/* Drops one reference; the last one gives back the object's owner id and calls obj->release. */
void d3dkmt_object_put(struct d3dkmt_object *obj);

/* Handles use Windows' local format: (index << 6) | 0x40000000, low 6 bits zero.  Handles the
 * table makes have the top bit of the 24-bit index field set (0x20000000), then a 2-bit generation
 * and a 21-bit slot index.  A freed slot goes back to a queue of its object kind and is reused
 * only by that kind, and only after D3DKMT_HANDLE_REUSE_DELAY more creations of the kind; each
 * reuse advances the generation, so a destroyed handle cannot name another object before
 * 4 x 2^18 = 2^20 creations of its kind (docs/decisions/handles.md).  Values with the top bit
 * clear belong to another maker in the process (Wine's gdi32 / win32u); an object may take one
 * with d3dkmt_handle_adopt. */
#define D3DKMT_HANDLE_INDEX_BITS  21
#define D3DKMT_HANDLE_GEN_BITS    2
#define D3DKMT_HANDLE_MAX_SLOTS   (1u << D3DKMT_HANDLE_INDEX_BITS)
#define D3DKMT_HANDLE_REUSE_DELAY (1u << 18)
#define D3DKMT_HANDLE_MAX_OWNERS  (1u << 13)   /* live devices, plus one */

/* Reserves a handle for obj (sets obj->handle); the handle does not resolve until published.
 * STATUS_SUCCESS or STATUS_NO_MEMORY (table full, D3DKMT_HANDLE_MAX_OWNERS - 1 devices live, or
 * out of memory). */
NTSTATUS d3dkmt_handle_reserve(struct d3dkmt_object *obj);
/* Makes a reserved handle resolve (state ACTIVE); the table takes over the caller's reference. */
void d3dkmt_handle_publish(struct d3dkmt_object *obj);
/* Publishes obj under `value`, a local handle another maker in the process made (its own-space bit
 * clear: Wine's gdi32 / win32u), and sets obj->handle to it; the table takes over the caller's
 * reference as for d3dkmt_handle_publish.  STATUS_SUCCESS; STATUS_INVALID_PARAMETER (not a local
 * handle of another maker); STATUS_OBJECT_NAME_COLLISION (the value already names an object);
 * STATUS_NO_MEMORY. */
NTSTATUS d3dkmt_handle_adopt(struct d3dkmt_object *obj, D3DKMT_HANDLE value);
/* Stops obj: its handle no longer resolves (state STOPPED), its slot is recycled (an adopted value
 * is left to its maker), and the table's reference is dropped.  Returns false when another thread
 * stopped it first. */
bool d3dkmt_handle_remove(struct d3dkmt_object *obj);
/* Releases a reserved, never published handle (creation failed); does not touch references. */
void d3dkmt_handle_unreserve(struct d3dkmt_object *obj);
/* Resolves handle to an ACTIVE object of `type` (and owned by `device` when device is not NULL),
 * returning a new reference, or NULL when the handle is stale, unknown, of another type or of
 * another device.  O(1): reads one 8-byte slot (a refusal reads nothing else), then takes one
 * stripe lock to take the reference. */
struct d3dkmt_object *d3dkmt_handle_get(D3DKMT_HANDLE handle, enum d3dkmt_object_type type,
                                        const struct d3dkmt_device *device);
/* d3dkmt_handle_get of handles[0..count-1] into out[0..count-1], in order, without taking references
 * and without any lock or atomic write (one 8-byte read per handle): only for callers that
 * otherwise keep the objects alive for as long as they use the pointers (allocations under
 * device->lock, see d3dkmt_resolve_locked).  Stops at the first handle refused (its out entry
 * NULL); returns how many were found before it (count: all).  Made for lists (HandleList,
 * residency lists): it prefetches each slot word some handles before it reads it, so that the
 * lookups' cache misses overlap instead of coming one after another. */
UINT d3dkmt_handle_peek_list(const D3DKMT_HANDLE *handles, UINT count, enum d3dkmt_object_type type,
                             const struct d3dkmt_device *device, struct d3dkmt_object **out);
/* Calls fn(obj, ctx) with a reference held for every ACTIVE object owned by device, of `type`
 * (D3DKMT_OBJ_NONE for all types).  Objects created meanwhile may be missed. */
void d3dkmt_handle_for_each(const struct d3dkmt_device *device, enum d3dkmt_object_type type,
                            void (*fn)(struct d3dkmt_object *obj, void *ctx), void *ctx);
/* Live published handles (diagnostics and leak tests). */
uint32_t d3dkmt_handle_count(void);
/* Memory the table's slots hold, in bytes (what the own slots below the high-water mark commit,
 * and the adopted pages): the table is not on the heap (make bench, docs/bench.md). */
size_t d3dkmt_handle_table_bytes(void);
/* Frees the table's memory; only when no handle is live (shutdown). */
void d3dkmt_handle_table_reset(void);

/* Global D3DKMT handles (share.c; docs/decisions/sharing.md): (index << 6) | 0x40000002, the name
 * under which an object created shared is opened again.  An entry names `object` (a sync object,
 * or a resource's shared description) whose owner keeps `refcount`, and counts the local handles
 * that keep it alive: 1 at creation, one more per open; the entry dies when the last is closed.
 * True when handle has the global format (bit 30 set, low 6 bits 2). */
bool d3dkmt_handle_is_global(D3DKMT_HANDLE handle);
/* A new entry naming object, with one local handle (the creator's).  STATUS_SUCCESS or
 * STATUS_NO_MEMORY (65535 live global handles, or out of memory). */
NTSTATUS d3dkmt_global_create(enum d3dkmt_object_type type, void *object, _Atomic uint32_t *refcount,
                              D3DKMT_HANDLE *handle);
/* For a new local handle opened from `handle`: the object it names, of `type`, with *refcount
 * incremented and the entry's local count too; NULL when the handle names nothing live. */
void *d3dkmt_global_open(D3DKMT_HANDLE handle, enum d3dkmt_object_type type);
/* As d3dkmt_global_open without counting a local handle (a query). */
void *d3dkmt_global_lookup(D3DKMT_HANDLE handle, enum d3dkmt_object_type type);
/* Closes one local handle of the entry (each local handle closes once); true when it was the
 * last: the entry is gone and the global handle names nothing any more. */
bool d3dkmt_global_close(D3DKMT_HANDLE handle, enum d3dkmt_object_type type);
/* Removes the entry naming `object`, whatever its count (its owner is being freed). */
void d3dkmt_global_remove(D3DKMT_HANDLE handle, enum d3dkmt_object_type type, const void *object);
/* Live global handles (leak tests). */
uint32_t d3dkmt_global_count(void);

/* -- Alias maps (alias.c, layer 3): for one object kind, the values another D3DKMT implementation
 * in the process made that are not in Windows' local format (Wine 8 / 10.0 count 1, 2, 3 per kind)
 * and the library object each names (docs/decisions/wine-handles.md).  Each entry holds a
 * reference on its object.  A leaf lock: nothing else is taken while a map's lock is held. */
struct d3dkmt_alias { D3DKMT_HANDLE value; struct d3dkmt_object *obj; };
struct d3dkmt_alias_map
{
    pthread_mutex_t lock;
    struct d3dkmt_alias *entries;         /* count entries of capacity; lock */
    uint32_t count, capacity;             /* lock */
    _Atomic uint32_t live;                /* count, readable without the lock */
};
#define D3DKMT_ALIAS_MAP_INIT { .lock = PTHREAD_MUTEX_INITIALIZER }
/* Makes value name obj (taking a reference).  STATUS_SUCCESS; STATUS_INVALID_PARAMETER (value 0);
 * STATUS_OBJECT_NAME_COLLISION (value names an object already); STATUS_NO_MEMORY. */
NTSTATUS d3dkmt_alias_add(struct d3dkmt_alias_map *map, D3DKMT_HANDLE value, struct d3dkmt_object *obj);
/* The ACTIVE object value names, with a new reference, or NULL. */
struct d3dkmt_object *d3dkmt_alias_get(struct d3dkmt_alias_map *map, D3DKMT_HANDLE value);
/* A value that names obj, or 0. */
D3DKMT_HANDLE d3dkmt_alias_of(struct d3dkmt_alias_map *map, const struct d3dkmt_object *obj);
/* Removes every value that names obj; removes every value (shutdown). */
void d3dkmt_alias_remove_object(struct d3dkmt_alias_map *map, const struct d3dkmt_object *obj);
void d3dkmt_alias_clear(struct d3dkmt_alias_map *map);

/* ==== Layer 3: Vulkan dispatch (vulkan.c) ==== */
#define D3DKMT_VK_INSTANCE_FUNCS(X) \
    X(vkDestroyInstance) \
    X(vkEnumeratePhysicalDevices) \
    X(vkGetPhysicalDeviceProperties) \
    X(vkGetPhysicalDeviceProperties2) \
    X(vkGetPhysicalDeviceFeatures2) \
    X(vkGetPhysicalDeviceMemoryProperties) \
    X(vkGetPhysicalDeviceMemoryProperties2) \
    X(vkGetPhysicalDeviceQueueFamilyProperties) \
    X(vkEnumerateDeviceExtensionProperties) \
    X(vkCreateDevice) \
    X(vkGetDeviceProcAddr) \
    X(vkCreateDebugUtilsMessengerEXT) \
    X(vkDestroyDebugUtilsMessengerEXT)

#define D3DKMT_VK_DEVICE_FUNCS(X) \
    X(vkDestroyDevice) \
    X(vkGetDeviceQueue) \
    X(vkDeviceWaitIdle) \
    X(vkAllocateMemory) \
    X(vkFreeMemory) \
    X(vkMapMemory) \
    X(vkUnmapMemory) \
    X(vkCreateBuffer) \
    X(vkDestroyBuffer) \
    X(vkGetBufferMemoryRequirements) \
    X(vkBindBufferMemory) \
    X(vkGetBufferDeviceAddress) \
    X(vkQueueBindSparse) \
    X(vkQueueSubmit2) \
    X(vkQueueWaitIdle) \
    X(vkCreateSemaphore) \
    X(vkDestroySemaphore) \
    X(vkGetSemaphoreCounterValue) \
    X(vkWaitSemaphores) \
    X(vkSignalSemaphore) \
    X(vkSetDeviceMemoryPriorityEXT) \
    X(vkGetMemoryHostPointerPropertiesEXT) \
    X(vkCreateCommandPool) \
    X(vkDestroyCommandPool) \
    X(vkAllocateCommandBuffers) \
    X(vkBeginCommandBuffer) \
    X(vkEndCommandBuffer) \
    X(vkCmdCopyBuffer)

struct d3dkmt_vk_instance_funcs
{
#define X(name) PFN_##name name;
    D3DKMT_VK_INSTANCE_FUNCS(X)
#undef X
};

struct d3dkmt_vk_device_funcs
{
#define X(name) PFN_##name name;
    D3DKMT_VK_DEVICE_FUNCS(X)
#undef X
};

/* The process's Vulkan instance; written by d3dkmt_vk_create_instance / destroy_instance under
 * the init lock (adapter.c), read-only otherwise. */
struct d3dkmt_vk_global
{
    PFN_vkGetInstanceProcAddr get_instance_proc_addr;
    VkInstance instance;
    uint32_t api_version;
    struct d3dkmt_vk_instance_funcs vki;
    VkDebugUtilsMessengerEXT messenger;
};
extern struct d3dkmt_vk_global g_vk;

/* Creates the instance (and the validation messenger when D3DKMT_VALIDATION asks for it).
 * STATUS_SUCCESS; STATUS_NOT_SUPPORTED (no Vulkan 1.3 loader, or the validation layer is missing
 * when requested); STATUS_NO_MEMORY.  Caller holds the init lock. */
NTSTATUS d3dkmt_vk_create_instance(void);
/* Destroys what d3dkmt_vk_create_instance made (caller holds the init lock). */
void d3dkmt_vk_destroy_instance(void);
/* Replaces the loader entry point (unit tests install a mock Vulkan this way); NULL restores the
 * real loader.  Only while nothing is initialised. */
void d3dkmt_vk_set_loader(PFN_vkGetInstanceProcAddr gipa);
/* VkResult -> NTSTATUS, the one place that maps them. */
NTSTATUS d3dkmt_status_from_vk(VkResult vr);
/* Marks the device removed when vr is VK_ERROR_DEVICE_LOST; returns d3dkmt_status_from_vk(vr). */
NTSTATUS d3dkmt_device_check_vk(struct d3dkmt_device *device, VkResult vr);

/* -- The statistics region (stats.c, layer 3; include/d3dkmt_stats.h, docs/statistics.md) -- */
/* Field updates.  Each field has one writer at a time: the holder of the lock of the state it
 * describes; readers in other processes load it atomically.  No lock, no read-modify-write. */
static inline void d3dkmt_stat_set(d3dkmt_stats_u64 *field, uint64_t value)
{
    __atomic_store_n(field, value, __ATOMIC_RELAXED);
}
static inline void d3dkmt_stat_add(d3dkmt_stats_u64 *field, uint64_t value)
{
    __atomic_store_n(field, __atomic_load_n(field, __ATOMIC_RELAXED) + value, __ATOMIC_RELAXED);
}
/* For the few fields several threads change with no lock in common (fence waits, adapter usage). */
static inline void d3dkmt_stat_add_shared(d3dkmt_stats_u64 *field, uint64_t value)
{
    __atomic_fetch_add(field, value, __ATOMIC_RELAXED);
}
/* CLOCK_MONOTONIC in nanoseconds, the region's clock. */
uint64_t d3dkmt_stats_now(void);
/* Makes the process's region, /dev/shm/d3dkmt-stats-<uid>-<pid> (d3dkmt_init, init lock held),
 * when D3DKMT_STATS=1 (off by default, docs/statistics.md); none when it is 0 or shm_open fails (a
 * warning): nothing is published then. */
void d3dkmt_stats_init(void);
/* Removes the region's name and mapping (d3dkmt_adapter_shutdown, no device live).  The name also
 * goes at process exit. */
void d3dkmt_stats_shutdown(void);
/* The slot of adapter `index` (below D3DKMT_STATS_ADAPTERS), filled from *info (its `present`
 * set); NULL without a region. */
struct d3dkmt_stats_adapter *d3dkmt_stats_adapter_open(uint32_t index, const struct d3dkmt_stats_adapter *info);
/* A slot for a new device of `adapter` (its adapter's slot, may be NULL), with what does not
 * change; NULL without a region or when every slot holds a live device.  Release with
 * d3dkmt_stats_device_close (NULL is fine), after the last write to it. */
struct d3dkmt_stats_device *d3dkmt_stats_device_open(const struct d3dkmt_stats_adapter *adapter, uint32_t handle,
                                                     uint32_t residency_mode, bool sparse);
void d3dkmt_stats_device_close(struct d3dkmt_stats_device *slot);
/* The mapping of the region (NULL: none) and its shm_open name ("" when none), for tests. */
const struct d3dkmt_stats_region *d3dkmt_stats_region(void);
const char *d3dkmt_stats_name(char *buf, size_t size);

/* ==== Layer 4: adapters and initialisation (adapter.c) ==== */
struct d3dkmt_adapter
{
    VkPhysicalDevice physical_device;
    _Atomic uint64_t luid;             /* LUID: LowPart | (UINT64)HighPart << 32; the init lock for
                                        * writes (d3dkmt_host_set_adapter_luid), read lock-free */
    VkPhysicalDeviceProperties props;
    VkPhysicalDeviceMemoryProperties mem_props;
    uint8_t device_uuid[VK_UUID_SIZE];
    bool luid_from_vulkan;             /* deviceLUIDValid */
    bool has_memory_priority, has_pageable, has_memory_budget, has_sparse_binding, has_bda;
    bool has_host_import;              /* VK_EXT_external_memory_host */
    VkDeviceSize host_import_alignment; /* minImportedHostPointerAlignment, bytes */
    bool has_drm_ext, has_pci_ext;
    bool software;                     /* VK_PHYSICAL_DEVICE_TYPE_CPU */
    int64_t drm_render_major, drm_render_minor; /* -1 when unknown */
    char drm_render_node[64];          /* "" when none (lavapipe) */
    uint32_t pci_domain, pci_bus, pci_device, pci_function;
    bool pci_valid;
    uint32_t pci_subvendor, pci_subdevice, pci_revision;
    uint32_t queue_family;             /* graphics/compute (+ sparse where possible) */
    bool queue_sparse;
    uint64_t budget_cap;               /* bytes, 0 = none (D3DKMT_BUDGET_CAP) */
    _Atomic uint64_t local_usage;      /* bytes the library holds in LOCAL heaps, all devices */
    _Atomic uint64_t nonlocal_usage;   /* bytes in NON_LOCAL heaps */
    pthread_mutex_t devices_lock;      /* the devices list */
    struct d3dkmt_list devices;        /* struct d3dkmt_device.adapter_link, for the budget manager */
    struct d3dkmt_stats_adapter *pub;  /* its statistics slot or NULL; immutable */
};

/* Initialises the library once (the Vulkan instance and the adapters); later calls return the
 * first successful result at once.  A failed attempt is retried by the next call.
 * STATUS_SUCCESS; STATUS_NOT_SUPPORTED (no Vulkan 1.3); STATUS_NO_MEMORY. */
NTSTATUS d3dkmt_init(void);
/* Undoes d3dkmt_init (no adapter handle or device may be live); the next d3dkmt_init starts over. */
void d3dkmt_adapter_shutdown(void);
/* The number of adapters, and adapter `index` of them (NULL past the end); immutable between
 * d3dkmt_init and d3dkmt_adapter_shutdown. */
uint32_t d3dkmt_adapter_count(void);
struct d3dkmt_adapter *d3dkmt_adapter_at(uint32_t index);
/* A LUID as one number (LowPart | HighPart << 32), and an adapter's LUID. */
static inline uint64_t d3dkmt_luid_bits(LUID luid)
{
    return (uint64_t)luid.LowPart | (uint64_t)(uint32_t)luid.HighPart << 32;
}
static inline LUID d3dkmt_adapter_luid(const struct d3dkmt_adapter *adapter)
{
    uint64_t bits = atomic_load_explicit(&adapter->luid, memory_order_relaxed);
    LUID luid;

    luid.LowPart = (DWORD)bits;
    luid.HighPart = (LONG)(bits >> 32);
    return luid;
}
/* Budget of the LOCAL (local=true) or NON_LOCAL group in bytes: min(driver budget, user cap). */
uint64_t d3dkmt_adapter_budget(struct d3dkmt_adapter *adapter, bool local);
bool d3dkmt_adapter_heap_is_local(const struct d3dkmt_adapter *adapter, uint32_t heap_index);
/* Parses D3DKMT_BUDGET_CAP ("268435456", "256M", "1G", "512K"); 0 when unset or invalid. */
uint64_t d3dkmt_parse_size(const char *text);

/* ==== Layer 5: adapter handles (adapter_handle.c) ==== */
/* The adapter behind an adapter handle, under any of its names (adapters live until shutdown), or NULL. */
struct d3dkmt_adapter *d3dkmt_adapter_from_handle(D3DKMT_HANDLE handle);
/* Whether handle names a live adapter handle object. */
bool d3dkmt_adapter_handle_known(D3DKMT_HANDLE handle);
/* d3dkmt_host_share_handle for an adapter handle: STATUS_INVALID_HANDLE when own is none. */
NTSTATUS d3dkmt_adapter_share_handle(D3DKMT_HANDLE own, D3DKMT_HANDLE foreign);
/* Forgets every alias of adapter handles (shutdown, after every adapter handle was closed). */
void d3dkmt_adapter_handles_shutdown(void);

/* ==== Layer 5: the fence tracker (tracker.c) ====
 * Per device: for each timeline semaphore that submitted GPU work will signal, the highest value
 * it will reach.  A deferred operation captures a snapshot of those values and runs once every
 * one is reached.  Progress happens on every entry point (d3dkmt_tracker_poll) and on one
 * background waiter thread per device that sleeps in vkWaitSemaphores.  The same thread runs the
 * job the memory manager hands it (the queued priority changes, d3dkmt_tracker_schedule). */
typedef void (*d3dkmt_deferred_fn)(struct d3dkmt_device *device, void *ctx, bool cancelled);

struct d3dkmt_tracked_fence
{
    VkSemaphore semaphore;
    uint64_t pending_value;   /* highest value submitted work will signal */
};

/* A CPU-visible value that follows a timeline semaphore the GPU signals (a monitored fence's
 * FenceValueCPUVirtualAddress).  Embedded in its owner; the tracker keeps *cpu_value current. */
struct d3dkmt_monitored_value
{
    VkSemaphore semaphore;                /* immutable */
    _Atomic uint64_t *cpu_value;          /* own 8-aligned block; written only under tracker.lock */
    uint64_t gpu_pending;                 /* highest value a queued GPU signal will write; tracker.lock */
    struct d3dkmt_list link;              /* tracker.monitored while gpu_pending > *cpu_value */
};

/* An operation embedded in the object it finishes (so queuing it cannot fail): entry->fn runs, on
 * the waiter thread or a poll, with no library lock held, once the bind timeline reached
 * entry->bind_value. */
struct d3dkmt_tracker_entry
{
    struct d3dkmt_list link;              /* tracker.bind_waiters */
    uint64_t bind_value;
    void (*fn)(struct d3dkmt_device *device, struct d3dkmt_tracker_entry *entry);
};

/* The memory manager's job on the waiter thread: fn(device) drains `items` (its queue of
 * allocations whose priority changed, under device->lock; the tracker only frees the array). */
typedef void (*d3dkmt_job_fn)(struct d3dkmt_device *device);

struct d3dkmt_tracker
{
    pthread_mutex_t lock;
    pthread_cond_t cond;                  /* CLOCK_MONOTONIC; broadcast when deferred work ran */
    struct d3dkmt_tracked_fence *fences;  /* [0] is the device's own timeline, [1] its bind timeline */
    uint32_t fence_count, fence_capacity;
    struct d3dkmt_list pending;           /* struct d3dkmt_deferred, oldest first */
    uint64_t pending_count;
    struct d3dkmt_list bind_waiters;      /* struct d3dkmt_tracker_entry */
    uint64_t waiter_count;
    uint64_t running;                     /* deferred functions taken off the lists and still running */
    VkSemaphore timeline;                 /* fences[0]: submissions through d3dkmt_host_submit and GPU signals */
    uint64_t timeline_next;               /* next value to signal */
    VkSemaphore bind_timeline;            /* fences[1]: sparse binds, each waiting for the one before */
    uint64_t bind_next;                   /* next bind value; queue_lock and tracker.lock to write */
    _Atomic uint64_t pending_atomic;      /* pending_count + waiter_count, readable without the lock */
    _Atomic bool monitored_atomic;        /* monitored list not empty, readable without the lock */
    VkSemaphore wake;                     /* signalled to wake the waiter thread */
    uint64_t wake_value;
    pthread_t thread;
    bool thread_running, stopping;
    bool in_wait;                         /* the waiter thread is in vkWaitSemaphores on copied handles */
    uint64_t wait_epoch;                  /* waits the waiter thread finished (broadcast on cond) */
    struct d3dkmt_list monitored;         /* struct d3dkmt_monitored_value with GPU-pending values */
    /* The job (d3dkmt_tracker_schedule): */
    d3dkmt_job_fn job_fn;
    bool job_requested, job_running;
    uint64_t job_due_ns;                  /* CLOCK_MONOTONIC time it runs at the latest */
    void **job_items;                     /* the job owner's queue (its lock); freed by d3dkmt_tracker_finish */
    uint32_t job_count, job_capacity;
};

/* Which tracked GPU work a deferred operation waits for, besides the bind value it names. */
enum d3dkmt_wait
{
    D3DKMT_WAIT_ALL,     /* everything: submissions, reported work and all the library's binds */
    D3DKMT_WAIT_WORK,    /* submissions and reported work, not the binds */
    D3DKMT_WAIT_NONE,    /* only the bind value given to d3dkmt_tracker_commit */
};

/* How long after d3dkmt_tracker_schedule the job runs at the latest (coalescing window). */
#define D3DKMT_JOB_DELAY_NS 250000ull

struct d3dkmt_deferred;

/* Sets up an empty tracker (its lock, condition, lists; nothing of Vulkan), at device creation:
 * every tracker call is valid from then on, and tracks nothing until d3dkmt_tracker_init. */
void d3dkmt_tracker_setup(struct d3dkmt_device *device);
/* Starts tracking: the timelines and the fence list, once the device has its VkDevice
 * (d3dkmt_device_ready).  STATUS_SUCCESS or STATUS_NO_MEMORY (the tracker stays empty). */
NTSTATUS d3dkmt_tracker_init(struct d3dkmt_device *device);
/* Runs everything pending (after waiting for the GPU, up to a device loss), stops the thread,
 * destroys the semaphores (where it was started) and the tracker's lock. */
void d3dkmt_tracker_finish(struct d3dkmt_device *device);
/* The two halves of queuing a deferred operation, so that nothing can fail after a caller's point
 * of no return.  d3dkmt_tracker_prepare records the selected GPU work queued so far (the snapshot)
 * in a new record: NULL when out of memory.  d3dkmt_tracker_commit completes it with the bind
 * value the operation also waits for (0: none) and queues fn(device, ctx, false) behind it; it
 * cannot fail.  When nothing is pending fn runs at once on the caller, unless `never_inline` (for
 * callers that hold a lock fn takes).  fn always runs with no tracker lock held.  A record never
 * committed goes with d3dkmt_tracker_discard. */
struct d3dkmt_deferred *d3dkmt_tracker_prepare(struct d3dkmt_device *device, enum d3dkmt_wait what);
void d3dkmt_tracker_commit(struct d3dkmt_device *device, struct d3dkmt_deferred *d, uint64_t bind_value,
                           d3dkmt_deferred_fn fn, void *ctx, bool never_inline);
void d3dkmt_tracker_discard(struct d3dkmt_deferred *d);
/* Both halves at once (callers with nothing to undo): STATUS_SUCCESS or STATUS_NO_MEMORY (nothing
 * queued, fn not called).  The caller must hold no library lock that fn takes. */
NTSTATUS d3dkmt_tracker_defer(struct d3dkmt_device *device, enum d3dkmt_wait what, d3dkmt_deferred_fn fn, void *ctx);
/* Queues entry (bind_value and fn set by the caller) to run once the bind timeline reached
 * entry->bind_value; never on the caller (which may hold device->lock). */
void d3dkmt_tracker_after_bind(struct d3dkmt_device *device, struct d3dkmt_tracker_entry *entry);
/* Whether the bind timeline reached `value` (0 always has). */
bool d3dkmt_tracker_bind_done(struct d3dkmt_device *device, uint64_t value);
/* The last bind value queued (0 when none). */
uint64_t d3dkmt_tracker_bind_last(struct d3dkmt_device *device);
/* True when none of the selected tracked GPU work is pending at the moment of the call. */
bool d3dkmt_tracker_idle(struct d3dkmt_device *device, enum d3dkmt_wait what);
/* Runs deferred operations whose GPU work completed. */
void d3dkmt_tracker_poll(struct d3dkmt_device *device);
/* Waits up to timeout_ns for everything pending, the scheduled job included; STATUS_SUCCESS or
 * STATUS_TIMEOUT. */
NTSTATUS d3dkmt_tracker_wait_all(struct d3dkmt_device *device, uint64_t timeout_ns);
/* Records that `semaphore` will reach `value` (GPU work submitted elsewhere). */
NTSTATUS d3dkmt_tracker_track(struct d3dkmt_device *device, VkSemaphore semaphore, uint64_t value);
/* Submits *info to the device queue as tracked GPU work (caller holds queue_lock): appends a wait
 * for the last sparse bind to `waits` and a signal of the device timeline to `signals` (arrays
 * that info's counts index, each with room for one more entry), points info at them, and submits.
 * *value receives the timeline value that marks the work's completion.  The value is taken only
 * when the submission succeeds: a failed one leaves the timeline as it was (Vulkan leaves the
 * semaphores of a failed submission untouched), so nothing waits for it.  Returns
 * vkQueueSubmit2's result. */
VkResult d3dkmt_tracker_submit_locked(struct d3dkmt_device *device, VkSubmitInfo2 *info,
                                      VkSemaphoreSubmitInfo *waits, VkSemaphoreSubmitInfo *signals, uint64_t *value);
/* The value the next sparse bind signals on the bind timeline, not taken yet (caller holds
 * queue_lock; *previous: the bind it must wait for, 0 when none).  Once vkQueueBindSparse
 * succeeded the caller takes it with d3dkmt_tracker_bind_commit (still holding queue_lock); after
 * a failure it does nothing and the value goes to the next bind. */
uint64_t d3dkmt_tracker_bind_peek(struct d3dkmt_device *device, uint64_t *previous);
void d3dkmt_tracker_bind_commit(struct d3dkmt_device *device, uint64_t value);
/* Keeps mv->cpu_value current until its semaphore reaches `value` (a GPU signal was queued). */
void d3dkmt_tracker_monitor(struct d3dkmt_device *device, struct d3dkmt_monitored_value *mv, uint64_t value);
/* Stops monitoring mv (before its semaphore is destroyed). */
void d3dkmt_tracker_unmonitor(struct d3dkmt_device *device, struct d3dkmt_monitored_value *mv);
/* Raises mv's CPU-visible value to `value` (never lowers it). */
void d3dkmt_tracker_publish_value(struct d3dkmt_device *device, struct d3dkmt_monitored_value *mv, uint64_t value);
/* The highest value a queued GPU signal of mv will write. */
uint64_t d3dkmt_tracker_gpu_pending(struct d3dkmt_device *device, struct d3dkmt_monitored_value *mv);
/* A new timeline semaphore of the device with `initial` value, or VK_NULL_HANDLE. */
VkSemaphore d3dkmt_create_timeline_semaphore(struct d3dkmt_device *device, uint64_t initial);
/* Asks the waiter thread to run fn(device) within D3DKMT_JOB_DELAY_NS (requests made before it
 * ran are merged into one run; fn is the same every time).  Callable with device->lock held. */
void d3dkmt_tracker_schedule(struct d3dkmt_device *device, d3dkmt_job_fn fn);

/* ==== Layer 6: devices (device.c) ==== */
struct d3dkmt_allocation;
struct d3dkmt_device
{
    struct d3dkmt_object obj;
    struct d3dkmt_adapter *adapter;       /* immutable */
    /* The VkDevice and what depends on it (vk, vkd, queue, queue_family, local_type, host_type,
     * sparse_alignment, tracker) are made by the first call that needs them
     * (d3dkmt_device_ready), under device->lock, and immutable once vk_ready is set. */
    _Atomic bool vk_ready;
    VkDevice vk;
    struct d3dkmt_vk_device_funcs vkd;
    VkQueue queue;                        /* external sync: queue_lock */
    uint32_t queue_family;
    pthread_mutex_t queue_lock;
    _Atomic bool removed;                 /* set on VK_ERROR_DEVICE_LOST; never cleared */

    /* What the VkDevice has on (immutable). */
    bool memory_priority, pageable, memory_budget, sparse, bda;
    bool host_import;                     /* VK_EXT_external_memory_host on (standard allocations) */
    uint32_t residency_mode;              /* D3DKMT_HOST_RESIDENCY_* */
    uint32_t local_type, host_type;       /* memory type indices for the two placements */
    VkDeviceSize sparse_alignment;        /* bytes; allocation sizes round up to it when sparse */

    pthread_mutex_t lock;                 /* see the lock order above */
    struct d3dkmt_list offered[3];        /* allocations whose offer is in effect and not discarded, per
                                           * offer priority (LOW, NORMAL, HIGH), oldest first */
    D3DKMT_VK_STATISTICS stats;           /* event counters; the byte gauges are computed on query */
    uint64_t budget_cache;                /* LOCAL budget in bytes, re-read every 50 ms */
    uint64_t budget_time_ms;
    struct d3dkmt_stats_device *pub;      /* its statistics slot or NULL (immutable); written as the
                                           * fields' comments in include/d3dkmt_stats.h say */

    struct d3dkmt_tracker tracker;
    struct d3dkmt_list adapter_link;      /* adapter->devices; adapter->devices_lock */
};

/* Looks up a device handle, under any of its names: referenced device or NULL. */
struct d3dkmt_device *d3dkmt_device_get(D3DKMT_HANDLE handle);
/* Makes the device's VkDevice, queue and fence tracker if it has none yet; every call that needs
 * them calls this first (a device costs no VkDevice until then).  Takes device->lock: call it
 * holding no library lock.  STATUS_SUCCESS; STATUS_NO_MEMORY; STATUS_NOT_SUPPORTED (the driver
 * refused the device or has no usable memory type); STATUS_DEVICE_REMOVED.  A failure leaves the
 * device without one: the next call tries again. */
NTSTATUS d3dkmt_device_ready(struct d3dkmt_device *device);
/* Drops a reference on a device (d3dkmt_object_put of handle.c; a macro, so that this header calls
 * nothing of the files above it). */
#define d3dkmt_device_put(device) d3dkmt_object_put(&(device)->obj)
/* STATUS_DEVICE_REMOVED once the device is lost, else STATUS_SUCCESS. */
NTSTATUS d3dkmt_device_status(struct d3dkmt_device *device);
/* Waits for all work on the device's queue (takes queue_lock). */
void d3dkmt_device_wait_idle(struct d3dkmt_device *device);
/* The VkBufferCreateInfo of an allocation buffer of `size` bytes on device. */
VkBufferCreateInfo d3dkmt_device_buffer_info(const struct d3dkmt_device *device, VkDeviceSize size);
/* Publishes `count` reserved child objects of device (the table takes one reference of each from
 * the caller), then checks that the device was not stopped meanwhile: a DestroyDevice that ran
 * since may have swept the device's children before these were published.  If it was, the
 * children are stopped again and STATUS_INVALID_HANDLE is returned (docs/decisions/lifetime.md);
 * else STATUS_SUCCESS.  The caller writes the handles out before calling (once published, another
 * thread may destroy them) and keeps a reference of its own on each until it is done with them. */
NTSTATUS d3dkmt_device_publish_children(struct d3dkmt_device *device, struct d3dkmt_object *const *children,
                                        unsigned int count);

/* ==== Layer 6: CPU notifications reached (cpu_event.c) ==== */
/* One entry of the process-wide queue d3dkmt.dll's PE side drains: a CPU notification's Windows
 * event to set, or (release) to let go of.  Allocated by the signalling code, freed by the queue. */
struct d3dkmt_cpu_event
{
    struct d3dkmt_list link;
    uint64_t event;                       /* the Windows event, opaque */
    bool release;                         /* the object was freed: let go of the event */
    struct d3dkmt_object *holder;         /* while the event waits for the GPU: the object, referenced,
                                           * so that its release entry comes after */
};
/* Queues e (taking ownership); landed: it was counted with d3dkmt_cpu_event_expect. */
void d3dkmt_cpu_event_push(struct d3dkmt_cpu_event *e, bool landed);
/* Counts one entry still to come (a GPU signal not reached yet, a destroyed object not freed yet),
 * and takes one back that will not come after all. */
void d3dkmt_cpu_event_expect(void);
void d3dkmt_cpu_event_forget(void);
/* A deferred operation (d3dkmt_tracker_defer) with ctx an entry counted as expected: queues it once
 * the GPU reached the signal, then drops its holder's reference. */
void d3dkmt_cpu_event_reached(struct d3dkmt_device *device, void *ctx, bool cancelled);
/* Waits up to timeout_ns (UINT64_MAX: no limit) for the next entry and returns its event in *event;
 * *release is true when the object was freed instead (the event is no longer needed).
 * *in_flight: entries still to come, so a caller that polls knows whether to keep polling.
 * STATUS_SUCCESS or STATUS_TIMEOUT. */
NTSTATUS d3dkmt_cpu_event_next(uint64_t timeout_ns, uint64_t *event, bool *release, uint32_t *in_flight);

#endif /* D3DKMT_PRIVATE_H */
