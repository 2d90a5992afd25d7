/*
 * vidmm.c: the video memory manager's mechanisms, shared by the entry points of allocation.c and
 * residency.c: usage accounting, an allocation's memory (allocate, bind, discard, free), the
 * resolve of handle lists, the priority map and its application, the budget manager (trim) and
 * the statistics.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Memory.  Each allocation owns one VkDeviceMemory.  Where the device has sparse binding it is
 * fronted by a sparse VkBuffer, so the buffer (and its device address) survives the budget manager
 * discarding the memory and a reclaim binding new memory; binds go through vkQueueBindSparse on the
 * device queue, chained on the tracker's bind timeline (a rebind for Reclaim2 also signals the
 * paging queue's fence).  Without sparse binding the buffer is bound once with vkBindBufferMemory
 * and the memory is never discarded while the allocation lives.
 *
 * Budget manager.  Vulkan never discards memory, so a truthful DISCARDED needs the library to give
 * memory back itself.  When LOCAL usage would exceed the budget, trim discards the memory of offered
 * allocations of every device of the adapter (LOW, then NORMAL, then HIGH offers; the device that
 * needs room first, then oldest offer first within a priority), only of offers that took effect
 * (their earlier GPU work completed), never of an allocation that is not offered and never of
 * imported memory.  Discarding is: unbind the sparse buffer, then vkFreeMemory once the unbind ran.
 * Without sparse binding nothing is discarded.
 *
 * Priorities (docs/decisions/priorities.md): an allocation's Vulkan priority is
 *   offered (in effect)  the offer level of its offer priority: LOW 0.0, NORMAL 0.05, HIGH 0.1
 *   evicted              EVICTED_LEVEL 0.2
 *   otherwise            d3dkmt_priority_to_vk(its D3DDDI priority), in [0.25, 1]
 * and changes live through vkSetDeviceMemoryPriorityEXT where pageable memory is on, made by the
 * device's tracker thread from a queue the entry points fill (the priority queue below).
 *
 * Everything here runs under device->lock unless its comment says otherwise.
 *
 * Existing system memory.  A standard allocation over an existing heap (EXISTINGHEAP) imports the
 * application's memory with VK_EXT_external_memory_host behind a plain buffer; it is imported
 * memory: offered and reclaimed like any allocation, but never discarded (trim skips it), and
 * destroying it frees the VkDeviceMemory, never the application's pages
 * (docs/decisions/existing-heap.md).
 *
 * Layer 8 (src/d3dkmt_private.h): calls fence.c (paging fence values), device.c, tracker.c,
 * adapter.c, vulkan.c and handle.c.
 */
#include "d3dkmt_private.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVICTED_LEVEL 0.2f

/* ---- Priorities ---- */

/* Breakpoints of the D3DDDI -> Vulkan priority map, linear in between (monotonic). */
static const struct { uint32_t d3d; float vk; } priority_map[] = {
    { 0,                                 0.25f },
    { D3DDDI_ALLOCATIONPRIORITY_MINIMUM, 0.3f  },
    { D3DDDI_ALLOCATIONPRIORITY_LOW,     0.375f },
    { D3DDDI_ALLOCATIONPRIORITY_NORMAL,  0.5f  },
    { D3DDDI_ALLOCATIONPRIORITY_HIGH,    0.75f },
    { D3DDDI_ALLOCATIONPRIORITY_MAXIMUM, 1.0f  },
};

float d3dkmt_priority_to_vk(uint32_t p)
{
    unsigned int i;

    for (i = 1; i < D3DKMT_ARRAY_SIZE(priority_map); i++)
    {
        if (p <= priority_map[i].d3d)
        {
            double span = (double)priority_map[i].d3d - priority_map[i - 1].d3d;
            double t = ((double)p - priority_map[i - 1].d3d) / span;
            return priority_map[i - 1].vk + (float)t * (priority_map[i].vk - priority_map[i - 1].vk);
        }
    }
    return 1.0f;
}

float d3dkmt_vidmm_offer_level(unsigned int offer_priority)
{
    static const float level[3] = { 0.0f, 0.05f, 0.1f };   /* LOW, NORMAL, HIGH */
    return level[offer_priority - D3DKMT_OFFER_PRIORITY_LOW];
}

/* The priority a has once it is not offered: evicted, or that of its D3DDDI priority. */
static float resident_priority(const struct d3dkmt_allocation *a)
{
    return a->residency_count ? d3dkmt_priority_to_vk(a->d3d_priority) : EVICTED_LEVEL;
}

float d3dkmt_vidmm_effective_priority(const struct d3dkmt_allocation *a)
{
    if ((a->flags & (D3DKMT_ALLOC_OFFERED | D3DKMT_ALLOC_OFFER_PENDING)) == D3DKMT_ALLOC_OFFERED)
        return d3dkmt_vidmm_offer_level(a->offer_priority);
    return resident_priority(a);
}

/* A priority as kept in priority_applied: 1/255 steps (what distinguishes the levels). */
static inline uint8_t priority_code(float priority)
{
    return (uint8_t)(priority * 255.0f + 0.5f);
}

/* ---- The priority queue ----
 *
 * A priority change costs the calling thread a few stores: the allocation goes on the device's
 * queue (tracker.job_items, under device->lock, holding a reference) and the device's tracker
 * thread gives the driver the priority the allocation has *then*, within D3DKMT_JOB_DELAY_NS
 * (docs/decisions/priorities.md).  priority_applied is what the driver has, so a change undone
 * before the queue is drained (offer then reclaim, Evict then MakeResident) costs no driver call.
 * The driver call is made under device->lock, like every vkFreeMemory of the device's memory, and
 * only while the allocation still has memory: it can never reach freed memory. */

#define PRIORITY_CHUNK 64   /* driver calls per hold of device->lock */

/* Gives the driver alloc's effective priority if it has another one (device->lock held). */
static void apply_priority_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc)
{
    float priority;
    uint8_t code;

    if (!device->pageable || !alloc->memory) return;
    priority = d3dkmt_vidmm_effective_priority(alloc);
    if ((code = priority_code(priority)) == alloc->priority_applied) return;
    device->vkd.vkSetDeviceMemoryPriorityEXT(device->vk, alloc->memory, priority);
    alloc->priority_applied = code;
}

/* The tracker thread's job: drains the queue, PRIORITY_CHUNK allocations per hold of
 * device->lock.  The queue's references go under the lock, so that a destroy serialised on it
 * finds them gone, except a last one (the allocation was destroyed meanwhile and nothing else
 * holds it), dropped after the lock because the release takes it. */
static void priority_drain(struct d3dkmt_device *device)
{
    struct d3dkmt_tracker *t = &device->tracker;
    struct d3dkmt_allocation *last[PRIORITY_CHUNK];
    unsigned int n, k, i;
    bool more;

    do
    {
        pthread_mutex_lock(&device->lock);
        for (n = k = 0; n < PRIORITY_CHUNK && t->job_count; n++)
        {
            struct d3dkmt_allocation *a = t->job_items[--t->job_count];
            a->priority_queued = 0;
            apply_priority_locked(device, a);
            if (!d3dkmt_object_put_not_last(&a->obj)) last[k++] = a;
        }
        more = t->job_count != 0;
        pthread_mutex_unlock(&device->lock);
        for (i = 0; i < k; i++) d3dkmt_allocation_put(last[i]);
    } while (more);
}

void d3dkmt_vidmm_priority_forget_locked(struct d3dkmt_device *device)
{
    struct d3dkmt_tracker *t = &device->tracker;
    uint32_t i, n = 0;

    for (i = 0; i < t->job_count; i++)
    {
        struct d3dkmt_allocation *a = t->job_items[i];
        if (!(a->flags & D3DKMT_ALLOC_DESTROYED)) t->job_items[n++] = a;
        else
        {
            a->priority_queued = 0;
            /* Never the last reference: the destroy that set DESTROYED holds one until it ran. */
            d3dkmt_allocation_put(a);
        }
    }
    t->job_count = n;
}

void d3dkmt_vidmm_priority_changed_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc)
{
    struct d3dkmt_tracker *t = &device->tracker;

    if (!device->pageable || !alloc->memory || alloc->priority_queued) return;
    if (priority_code(d3dkmt_vidmm_effective_priority(alloc)) == alloc->priority_applied) return;
    if (t->job_count == t->job_capacity)
    {
        uint32_t capacity = t->job_capacity ? 2 * t->job_capacity : 256;
        void **grown = realloc(t->job_items, capacity * sizeof(*grown));
        if (!grown)
        {
            /* No room to queue it: the driver gets it now, on this thread (no wait). */
            apply_priority_locked(device, alloc);
            return;
        }
        t->job_items = grown;
        t->job_capacity = capacity;
    }
    /* Resolved without a reference: its last one may have gone on another thread, whose release
     * waits for device->lock and frees the memory anyway. */
    if (!d3dkmt_object_get_unless_zero(&alloc->obj)) return;
    t->job_items[t->job_count++] = alloc;
    alloc->priority_queued = 1;
    if (t->job_count == 1) d3dkmt_tracker_schedule(device, priority_drain);
}

/* ---- Memory ---- */

static bool type_is_local(const struct d3dkmt_device *device, uint32_t type)
{
    const VkPhysicalDeviceMemoryProperties *mp = &device->adapter->mem_props;
    return d3dkmt_adapter_heap_is_local(device->adapter, mp->memoryTypes[type].heapIndex);
}

void d3dkmt_vidmm_account(struct d3dkmt_device *device, const struct d3dkmt_allocation *alloc, bool add)
{
    _Atomic uint64_t *usage = type_is_local(device, alloc->memory_type) ? &device->adapter->local_usage
                                                                        : &device->adapter->nonlocal_usage;
    if (add) atomic_fetch_add(usage, alloc->size);
    else atomic_fetch_sub(usage, alloc->size);
}

void d3dkmt_vidmm_free_memory_locked(struct d3dkmt_device *device, VkDeviceMemory memory, uint64_t size)
{
    device->vkd.vkFreeMemory(device->vk, memory, NULL);
    device->stats.BytesFreed += size;
}

/* Submits one sparse bind of `memory` (VK_NULL_HANDLE to unbind) to alloc's buffer, chained on the
 * bind timeline (*bind_value: its value there) and, with a paging queue, signalling its fence to a
 * new value (*fence_value).  Values are taken only when vkQueueBindSparse succeeded: after a
 * failure nothing was queued and nothing waits for anything (Vulkan leaves the semaphores of a
 * failed submission alone).  Takes queue_lock. */
static VkResult queue_bind(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc, VkDeviceMemory memory,
                           struct d3dkmt_paging_queue *paging_queue, uint64_t *fence_value, uint64_t *bind_value)
{
    VkSparseMemoryBind bind = { .resourceOffset = 0, .size = alloc->size, .memory = memory, .memoryOffset = 0 };
    VkSparseBufferMemoryBindInfo buffer_bind = { .buffer = alloc->buffer, .bindCount = 1, .pBinds = &bind };
    uint64_t previous, signal_values[2];
    VkSemaphore signal_sems[2];
    VkTimelineSemaphoreSubmitInfo timeline = { .sType = VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO };
    VkBindSparseInfo info = {
        .sType = VK_STRUCTURE_TYPE_BIND_SPARSE_INFO,
        .pNext = &timeline,
        .bufferBindCount = 1,
        .pBufferBinds = &buffer_bind,
        .pSignalSemaphores = signal_sems,
    };
    VkResult vr;

    pthread_mutex_lock(&device->queue_lock);
    signal_values[0] = d3dkmt_tracker_bind_peek(device, &previous);
    signal_sems[0] = device->tracker.bind_timeline;
    info.signalSemaphoreCount = 1;
    if (paging_queue)
    {
        /* The queue's next value, taken below once the bind is queued (queue_lock is held). */
        signal_sems[1] = paging_queue->fence->value.semaphore;
        signal_values[1] = paging_queue->fence_next;
        info.signalSemaphoreCount = 2;
    }
    if (previous)
    {
        info.waitSemaphoreCount = 1;
        info.pWaitSemaphores = &device->tracker.bind_timeline;
        timeline.waitSemaphoreValueCount = 1;
        timeline.pWaitSemaphoreValues = &previous;
    }
    timeline.signalSemaphoreValueCount = info.signalSemaphoreCount;
    timeline.pSignalSemaphoreValues = signal_values;
    if ((vr = device->vkd.vkQueueBindSparse(device->queue, 1, &info, VK_NULL_HANDLE)) == VK_SUCCESS)
    {
        d3dkmt_tracker_bind_commit(device, signal_values[0]);
        *bind_value = signal_values[0];
        if (paging_queue)
        {
            uint64_t value = d3dkmt_paging_queue_next_value_locked(device, paging_queue);
            if (fence_value) *fence_value = value;
        }
    }
    else WARN("vkQueueBindSparse failed: %d", vr);
    pthread_mutex_unlock(&device->queue_lock);
    return vr;
}

uint64_t d3dkmt_vidmm_bind_value(struct d3dkmt_device *device, const struct d3dkmt_allocation *alloc)
{
    const uint64_t mask = (1ull << D3DKMT_BIND_LOW_BITS) - 1;
    uint64_t last;

    if (!device->sparse) return 0;
    /* The full value is the last one queued so far with these low bits: exact while fewer than
     * 2^39 binds were queued since (after that it can only name a later bind, never one not yet
     * queued). */
    last = d3dkmt_tracker_bind_last(device);
    return last - ((last - alloc->bind_low) & mask);
}

static inline void set_bind_value(struct d3dkmt_allocation *alloc, uint64_t value)
{
    alloc->bind_low = value & ((1ull << D3DKMT_BIND_LOW_BITS) - 1);
}

NTSTATUS d3dkmt_vidmm_allocate_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc,
                                             VkDeviceMemory *memory)
{
    VkMemoryPriorityAllocateInfoEXT priority = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_PRIORITY_ALLOCATE_INFO_EXT,
        .priority = resident_priority(alloc),
    };
    VkMemoryAllocateFlagsInfo flags = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO,
        .flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT,
    };
    VkMemoryAllocateInfo info = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .allocationSize = alloc->size,
        .memoryTypeIndex = alloc->memory_type,
    };
    VkResult vr;

    if (device->memory_priority) { priority.pNext = info.pNext; info.pNext = &priority; }
    if (device->bda) { flags.pNext = info.pNext; info.pNext = &flags; }
    if ((vr = device->vkd.vkAllocateMemory(device->vk, &info, NULL, memory)) != VK_SUCCESS)
    {
        *memory = VK_NULL_HANDLE;
        return d3dkmt_device_check_vk(device, vr);
    }
    return STATUS_SUCCESS;
}

void d3dkmt_vidmm_drop_unbound_locked(struct d3dkmt_device *device, VkDeviceMemory memory)
{
    device->vkd.vkFreeMemory(device->vk, memory, NULL);
}

NTSTATUS d3dkmt_vidmm_bind_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc,
                                         VkDeviceMemory memory, struct d3dkmt_paging_queue *queue,
                                         uint64_t *fence_value)
{
    uint64_t value = 0;
    VkResult vr;

    if (device->sparse) vr = queue_bind(device, alloc, memory, queue, fence_value, &value);
    else vr = device->vkd.vkBindBufferMemory(device->vk, alloc->buffer, memory, 0);
    if (vr != VK_SUCCESS)
    {
        /* Never bound, nothing queued refers to it. */
        d3dkmt_vidmm_drop_unbound_locked(device, memory);
        return d3dkmt_device_check_vk(device, vr);
    }
    if (device->sparse) set_bind_value(alloc, value);
    alloc->memory = memory;
    /* Allocated with the priority it has once not offered (d3dkmt_vidmm_allocate_memory_locked). */
    alloc->priority_applied = priority_code(resident_priority(alloc));
    d3dkmt_vidmm_account(device, alloc, true);
    return STATUS_SUCCESS;
}

struct memory_free
{
    VkDeviceMemory memory;
    uint64_t size;
};

/* Deferred: frees discarded memory once the unbind queued before it ran. */
static void free_memory_deferred(struct d3dkmt_device *device, void *ctx, bool cancelled)
{
    struct memory_free *f = ctx;

    pthread_mutex_lock(&device->lock);
    d3dkmt_vidmm_free_memory_locked(device, f->memory, f->size);
    pthread_mutex_unlock(&device->lock);
    free(f);
}

bool d3dkmt_vidmm_discard_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc)
{
    struct d3dkmt_deferred *d = NULL;
    struct memory_free *f;
    uint64_t value = 0;
    VkResult vr;

    if (!alloc->memory) return true;
    if (!device->sparse) return false;
    /* Everything that can fail comes first: the record of the free, then the unbind. */
    if (!(f = malloc(sizeof(*f))) || !(d = d3dkmt_tracker_prepare(device, D3DKMT_WAIT_NONE)))
    {
        free(f);
        return false;
    }
    if ((vr = queue_bind(device, alloc, VK_NULL_HANDLE, NULL, NULL, &value)) != VK_SUCCESS
            && vr != VK_ERROR_DEVICE_LOST)
    {
        d3dkmt_tracker_discard(d);
        free(f);
        return false;
    }
    /* Queued (or the device is lost, and nothing runs any more). */
    d3dkmt_device_check_vk(device, vr);
    d3dkmt_vidmm_account(device, alloc, false);
    if (value) set_bind_value(alloc, value);
    f->memory = alloc->memory;
    f->size = alloc->size;
    alloc->memory = VK_NULL_HANDLE;
    /* Free the memory once the unbind ran.  device->lock is held, and free_memory_deferred takes
     * it, so it must not run on this thread now. */
    d3dkmt_tracker_commit(device, d, value, free_memory_deferred, f, true);
    return true;
}

void d3dkmt_vidmm_retire_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc)
{
    if (!alloc->memory) return;
    d3dkmt_vidmm_account(device, alloc, false);
    if (alloc->flags & D3DKMT_ALLOC_LOCKED) device->vkd.vkUnmapMemory(device->vk, alloc->memory);
    alloc->flags &= ~D3DKMT_ALLOC_LOCKED;
}

void d3dkmt_vidmm_free_allocation_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc)
{
    if (!alloc->memory) return;
    d3dkmt_vidmm_retire_memory_locked(device, alloc);
    d3dkmt_vidmm_free_memory_locked(device, alloc->memory, alloc->size);
    alloc->memory = VK_NULL_HANDLE;
}

/* ---- Existing system memory (standard allocations) ---- */

/* Bytes both the pointer and the size of an import must be multiples of: a page, and the
 * device's minImportedHostPointerAlignment. */
static VkDeviceSize host_import_alignment(const struct d3dkmt_device *device)
{
    VkDeviceSize align = device->adapter->host_import_alignment;
    return align > 4096 ? align : 4096;
}

NTSTATUS d3dkmt_vidmm_host_memory_type(struct d3dkmt_device *device, const void *pointer, uint64_t size,
                                       uint32_t *type)
{
    VkMemoryHostPointerPropertiesEXT props = { .sType = VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT };
    const VkPhysicalDeviceMemoryProperties *mp = &device->adapter->mem_props;
    const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    VkDeviceSize align = host_import_alignment(device);
    uint32_t i, found = UINT32_MAX;
    VkResult vr;

    if (!device->host_import) return STATUS_NOT_SUPPORTED;
    if (!pointer || !size || (uintptr_t)pointer % align || size % align) return STATUS_INVALID_PARAMETER;
    vr = device->vkd.vkGetMemoryHostPointerPropertiesEXT(device->vk, VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT,
                                                         pointer, &props);
    if (vr == VK_ERROR_INVALID_EXTERNAL_HANDLE) return STATUS_INVALID_PARAMETER;
    if (vr != VK_SUCCESS) return d3dkmt_device_check_vk(device, vr);
    /* Host-visible and coherent where the driver offers it (Lock2 needs host-visible). */
    for (i = 0; i < mp->memoryTypeCount && i < 32; i++)
    {
        if (!(props.memoryTypeBits & (1u << i)) || mp->memoryTypes[i].propertyFlags & VK_MEMORY_PROPERTY_PROTECTED_BIT)
            continue;
        if ((mp->memoryTypes[i].propertyFlags & host) == host) { found = i; break; }
        if (found == UINT32_MAX) found = i;
    }
    if (found == UINT32_MAX || found > 255) return STATUS_INVALID_PARAMETER;
    *type = found;
    return STATUS_SUCCESS;
}

NTSTATUS d3dkmt_vidmm_import_host_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc,
                                                const void *pointer)
{
    VkExternalMemoryBufferCreateInfo external = {
        .sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO,
        .handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT,
    };
    VkImportMemoryHostPointerInfoEXT import = {
        .sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT,
        .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT,
        .pHostPointer = (void *)pointer,
    };
    VkMemoryPriorityAllocateInfoEXT priority = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_PRIORITY_ALLOCATE_INFO_EXT,
        .priority = resident_priority(alloc),
    };
    VkMemoryAllocateFlagsInfo flags = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO,
        .flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT,
    };
    VkMemoryAllocateInfo info = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .pNext = &import,
        .allocationSize = alloc->size,
        .memoryTypeIndex = alloc->memory_type,
    };
    VkBufferCreateInfo buffer_info = d3dkmt_device_buffer_info(device, alloc->size);
    VkMemoryRequirements reqs;
    VkDeviceMemory memory;
    VkBuffer buffer;
    NTSTATUS status;
    VkResult vr;

    /* A plain buffer: the memory is the application's and never changes, so it is bound once. */
    buffer_info.flags = 0;
    buffer_info.pNext = &external;
    if ((vr = device->vkd.vkCreateBuffer(device->vk, &buffer_info, NULL, &buffer)) != VK_SUCCESS)
        return d3dkmt_device_check_vk(device, vr);
    device->vkd.vkGetBufferMemoryRequirements(device->vk, buffer, &reqs);
    status = STATUS_INVALID_PARAMETER;
    if (!(reqs.memoryTypeBits & (1u << alloc->memory_type)) || reqs.size > alloc->size
            || reqs.alignment > host_import_alignment(device))
        goto fail;
    if (device->memory_priority) { priority.pNext = info.pNext; info.pNext = &priority; }
    if (device->bda) { flags.pNext = info.pNext; info.pNext = &flags; }
    if ((vr = device->vkd.vkAllocateMemory(device->vk, &info, NULL, &memory)) != VK_SUCCESS)
    {
        status = vr == VK_ERROR_INVALID_EXTERNAL_HANDLE ? STATUS_INVALID_PARAMETER : d3dkmt_device_check_vk(device, vr);
        goto fail;
    }
    if ((vr = device->vkd.vkBindBufferMemory(device->vk, buffer, memory, 0)) != VK_SUCCESS)
    {
        device->vkd.vkFreeMemory(device->vk, memory, NULL);
        status = d3dkmt_device_check_vk(device, vr);
        goto fail;
    }
    alloc->buffer = buffer;
    alloc->memory = memory;
    alloc->flags |= D3DKMT_ALLOC_IMPORTED;
    alloc->priority_applied = priority_code(resident_priority(alloc));
    d3dkmt_vidmm_account(device, alloc, true);
    return STATUS_SUCCESS;

fail:
    device->vkd.vkDestroyBuffer(device->vk, buffer, NULL);
    return status;
}

/* ---- Handle lists ---- */

struct d3dkmt_allocation *d3dkmt_allocation_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device)
{
    return (struct d3dkmt_allocation *)d3dkmt_handle_get(handle, D3DKMT_OBJ_ALLOCATION, device);
}

struct d3dkmt_resource *d3dkmt_resource_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device)
{
    return (struct d3dkmt_resource *)d3dkmt_handle_get(handle, D3DKMT_OBJ_RESOURCE, device);
}

void d3dkmt_resource_unlink_locked(struct d3dkmt_allocation *alloc)
{
    struct d3dkmt_allocation **p;

    if (!alloc->resource) return;
    for (p = &alloc->resource->first; *p && *p != alloc; p = &(*p)->next_in_resource) ;
    if (!*p) return;
    *p = alloc->next_in_resource;
    alloc->resource->count--;
}

void d3dkmt_allocation_put_list(struct d3dkmt_allocation **list, UINT count)
{
    UINT i;
    if (!list) return;
    for (i = 0; i < count; i++) d3dkmt_allocation_put(list[i]);
    free(list);
}

NTSTATUS d3dkmt_vidmm_lookup_list(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles,
                                  UINT count, bool resources, struct d3dkmt_allocation ***out, UINT *out_count)
{
    struct d3dkmt_allocation **list;
    struct d3dkmt_resolved r;
    NTSTATUS status;
    UINT i;

    pthread_mutex_lock(&device->lock);
    if (!(status = d3dkmt_vidmm_resolve_locked(device, handles, count, resources, 0, &r)))
    {
        /* The references are taken under device->lock, while the resolved pointers are valid. */
        if (!(list = malloc((r.count ? r.count : 1) * sizeof(*list)))) status = STATUS_NO_MEMORY;
        else
        {
            for (i = 0; i < r.count; i++)
            {
                /* One whose last reference went meanwhile is as stale as its handle. */
                if (!d3dkmt_object_get_unless_zero(&r.allocs[i]->obj)) break;
                list[i] = r.allocs[i];
            }
            if (i == r.count)
            {
                *out = list;
                *out_count = r.count;
            }
            else
            {
                status = STATUS_INVALID_PARAMETER;
                d3dkmt_resolved_free(&r);
                pthread_mutex_unlock(&device->lock);
                d3dkmt_allocation_put_list(list, i);
                return status;
            }
        }
        d3dkmt_resolved_free(&r);
    }
    pthread_mutex_unlock(&device->lock);
    return status;
}

/* Whether a resolved allocation is usable: not stopped by a racing destroy, none of `reject`. */
static inline bool resolvable(const struct d3dkmt_allocation *a, uint8_t reject)
{
    return !(a->flags & (D3DKMT_ALLOC_DESTROYED | reject))
        && atomic_load_explicit(&a->obj.state, memory_order_relaxed) == D3DKMT_STATE_ACTIVE;
}

/* The allocation-handle form of the resolve. */
static NTSTATUS resolve_allocations_locked(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles,
                                           UINT count, uint8_t reject, struct d3dkmt_resolved *out)
{
    uint8_t flags_or = 0;
    UINT i;

    if (count > D3DKMT_RESOLVE_INLINE && !(out->allocs = malloc(count * sizeof(*out->allocs))))
        return STATUS_NO_MEMORY;
    for (i = 0; i < count; i++)
    {
        struct d3dkmt_allocation *a =
            (struct d3dkmt_allocation *)d3dkmt_handle_peek(handles[i], D3DKMT_OBJ_ALLOCATION, device);
        if (!a || !resolvable(a, reject))
        {
            d3dkmt_resolved_free(out);
            return STATUS_INVALID_PARAMETER;
        }
        flags_or |= a->flags;
        out->allocs[i] = a;
    }
    out->count = count;
    out->flags_or = flags_or;
    return STATUS_SUCCESS;
}

/* The resource-handle form: each resource expands to its allocations.  Their lists are under
 * device->lock, which the caller holds; each resource is referenced while it is walked (an empty
 * one is not kept alive otherwise). */
static NTSTATUS resolve_resources_locked(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles,
                                         UINT count, uint8_t reject, struct d3dkmt_resolved *out)
{
    UINT i, n = 0, total = 0;
    uint8_t flags_or = 0;

    for (i = 0; i < count; i++)
    {
        struct d3dkmt_resource *res = d3dkmt_resource_get(handles[i], device);
        if (!res) return STATUS_INVALID_PARAMETER;
        total += res->count;
        d3dkmt_object_put(&res->obj);
    }
    if (total > D3DKMT_RESOLVE_INLINE && !(out->allocs = malloc(total * sizeof(*out->allocs))))
        return STATUS_NO_MEMORY;
    if (!(out->group = malloc((total ? total : 1) * sizeof(*out->group))))
    {
        d3dkmt_resolved_free(out);
        return STATUS_NO_MEMORY;
    }
    for (i = 0; i < count; i++)
    {
        struct d3dkmt_resource *res = d3dkmt_resource_get(handles[i], device);
        struct d3dkmt_allocation *a;

        if (!res)   /* destroyed between the two passes: device->lock keeps lists, not handles */
        {
            d3dkmt_resolved_free(out);
            return STATUS_INVALID_PARAMETER;
        }
        for (a = res->first; a && n < total; a = a->next_in_resource)
        {
            if (!resolvable(a, reject))
            {
                d3dkmt_object_put(&res->obj);
                d3dkmt_resolved_free(out);
                return STATUS_INVALID_PARAMETER;
            }
            flags_or |= a->flags;
            out->group[n] = i;
            out->allocs[n++] = a;
        }
        d3dkmt_object_put(&res->obj);
    }
    out->count = n;
    out->flags_or = flags_or;
    return STATUS_SUCCESS;
}

NTSTATUS d3dkmt_vidmm_resolve_locked(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles,
                                     UINT count, bool resources, uint8_t reject, struct d3dkmt_resolved *out)
{
    out->allocs = out->inline_allocs;
    out->group = NULL;
    out->count = 0;
    out->flags_or = 0;
    if (resources) return resolve_resources_locked(device, handles, count, reject, out);
    return resolve_allocations_locked(device, handles, count, reject, out);
}

void d3dkmt_resolved_free(struct d3dkmt_resolved *r)
{
    if (r->allocs != r->inline_allocs) free(r->allocs);
    free(r->group);
    r->allocs = r->inline_allocs;
    r->group = NULL;
    r->count = 0;
}

/* ---- Budget manager ---- */

/* The LOCAL budget, re-read from the driver at most every 50 ms. */
static uint64_t local_budget_locked(struct d3dkmt_device *device)
{
    struct timespec now;
    uint64_t ms;

    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    ms = (uint64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    if (!device->budget_time_ms || ms - device->budget_time_ms >= 50)
    {
        device->budget_cache = d3dkmt_adapter_budget(device->adapter, true);
        device->budget_time_ms = ms ? ms : 1;
    }
    return device->budget_cache;
}

/* Discards the memory of one allocation whose offer is in effect; false (nothing changed) when it
 * cannot now (out of memory for the bookkeeping, the queue refused the unbind). */
static bool discard_offered_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *a)
{
    if (!d3dkmt_vidmm_discard_memory_locked(device, a)) return false;
    d3dkmt_list_remove(&a->offer_link);
    a->flags |= D3DKMT_ALLOC_DISCARDED;
    device->stats.Releases++;
    TRACE("discarded %#x (%llu bytes, offer priority %u)", a->obj.handle, (unsigned long long)a->size,
          a->offer_priority);
    return true;
}

/* Discards offered memory of offer priority `prio` of `owner` (its lock held) until `bytes` more
 * fit in `budget`; true when they do. */
static bool trim_offered_locked(struct d3dkmt_device *owner, unsigned int prio, uint64_t budget, uint64_t bytes)
{
    struct d3dkmt_list *list = &owner->offered[prio - D3DKMT_OFFER_PRIORITY_LOW], *e, *next;

    if (atomic_load(&owner->adapter->local_usage) + bytes <= budget) return true;
    for (e = list->next; e != list; e = next)
    {
        struct d3dkmt_allocation *a = D3DKMT_CONTAINER(e, struct d3dkmt_allocation, offer_link);
        next = e->next;
        if (a->flags & D3DKMT_ALLOC_IMPORTED || !a->memory) continue;
        if (!discard_offered_locked(owner, a)) continue;
        if (atomic_load(&owner->adapter->local_usage) + bytes <= budget) return true;
    }
    return false;
}

/* The same for the adapter's other devices whose lock is free right now (device->lock held: the
 * others are only tried, never waited for; see the lock order). */
/* Takes another device's lock while this one's is held.  The lock order forbids waiting for it (its
 * holder may be trimming this device at the same moment), so it is only tried, for at most
 * TRIM_LOCK_WAIT_NS: long enough to ride out a short hold, such as that device's tracker thread
 * applying queued priorities or freeing discarded memory, and bounded, so two devices trimming each
 * other both give up instead of waiting for ever.  False: skip the device this time. */
#define TRIM_LOCK_WAIT_NS 2000000ull
static bool lock_other_briefly(pthread_mutex_t *lock)
{
    struct timespec now;
    uint64_t start = 0, t;

    while (pthread_mutex_trylock(lock))
    {
        clock_gettime(CLOCK_MONOTONIC, &now);
        t = (uint64_t)now.tv_sec * 1000000000ull + now.tv_nsec;
        if (!start) start = t;
        else if (t - start >= TRIM_LOCK_WAIT_NS) return false;
        sched_yield();
    }
    return true;
}

static bool trim_others_locked(struct d3dkmt_device *device, unsigned int prio, uint64_t budget, uint64_t bytes)
{
    struct d3dkmt_adapter *adapter = device->adapter;
    struct d3dkmt_list *e;
    bool fits = false;

    pthread_mutex_lock(&adapter->devices_lock);
    for (e = adapter->devices.next; e != &adapter->devices && !fits; e = e->next)
    {
        struct d3dkmt_device *other = D3DKMT_CONTAINER(e, struct d3dkmt_device, adapter_link);
        if (other == device || !other->sparse || !lock_other_briefly(&other->lock)) continue;
        fits = trim_offered_locked(other, prio, budget, bytes);
        pthread_mutex_unlock(&other->lock);
    }
    pthread_mutex_unlock(&adapter->devices_lock);
    return fits;
}

uint64_t d3dkmt_vidmm_trim_locked(struct d3dkmt_device *device, uint64_t bytes)
{
    uint64_t budget = local_budget_locked(device);
    uint64_t usage = atomic_load(&device->adapter->local_usage);
    unsigned int prio;

    if (usage + bytes <= budget) return 0;
    /* VidMm's view is the adapter's: LOW offers of every device go before any NORMAL one, the
     * device that needs room first within an offer priority. */
    for (prio = D3DKMT_OFFER_PRIORITY_LOW; prio <= D3DKMT_OFFER_PRIORITY_HIGH; prio++)
    {
        if (device->sparse && trim_offered_locked(device, prio, budget, bytes)) return 0;
        if (trim_others_locked(device, prio, budget, bytes)) return 0;
    }
    usage = atomic_load(&device->adapter->local_usage);
    return usage + bytes > budget ? usage + bytes - budget : 0;
}

void d3dkmt_vidmm_offer_take_effect_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *a)
{
    a->flags &= ~D3DKMT_ALLOC_OFFER_PENDING;
    if (!(a->flags & D3DKMT_ALLOC_DISCARDED))
        d3dkmt_list_add_tail(&device->offered[a->offer_priority - D3DKMT_OFFER_PRIORITY_LOW], &a->offer_link);
    d3dkmt_vidmm_priority_changed_locked(device, a);
}

/* ---- Statistics ---- */

/* Adds one allocation to the byte gauges; runs with a reference held and no lock (the put after
 * it may free the allocation, which takes device->lock). */
static void gauge_cb(struct d3dkmt_object *obj, void *ctx)
{
    struct d3dkmt_allocation *a = (struct d3dkmt_allocation *)obj;
    struct d3dkmt_device *device = a->obj.device;
    D3DKMT_VK_STATISTICS *s = ctx;

    pthread_mutex_lock(&device->lock);
    if (a->flags & D3DKMT_ALLOC_DISCARDED) s->BytesReleased += a->size;
    else if (a->flags & D3DKMT_ALLOC_OFFERED) s->BytesOffered += a->size;
    else if (a->memory) s->BytesResident += a->size;
    pthread_mutex_unlock(&device->lock);
}

void d3dkmt_vidmm_query_statistics(struct d3dkmt_device *device, D3DKMT_VK_STATISTICS *stats)
{
    D3DKMT_VK_STATISTICS s;

    d3dkmt_tracker_poll(device);
    pthread_mutex_lock(&device->lock);
    s = device->stats;
    s.Budget = local_budget_locked(device);
    pthread_mutex_unlock(&device->lock);
    s.BytesResident = s.BytesOffered = s.BytesReleased = 0;
    d3dkmt_handle_for_each(device, D3DKMT_OBJ_ALLOCATION, gauge_cb, &s);
    s.Code = D3DKMT_VK_ESCAPE_QUERY_STATISTICS;
    s.ResidencyMode = device->residency_mode;
    s.SparseBinding = device->sparse;
    s.Usage = atomic_load(&device->adapter->local_usage);
    pthread_mutex_lock(&device->tracker.lock);
    s.DeferredPending = device->tracker.pending_count + device->tracker.running;
    pthread_mutex_unlock(&device->tracker.lock);
    *stats = s;
}
