/*
 * allocation.c: resources and allocations.  D3DKMTCreateAllocation(2), D3DKMTDestroyAllocation(2),
 * D3DKMTLock2, D3DKMTUnlock2 and the host API's allocation calls.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Each allocation owns one VkDeviceMemory.  Where the device has sparse binding it is fronted by
 * a sparse VkBuffer, so the buffer (and its device address) survives the budget manager releasing
 * the memory and a reclaim binding new memory; binds go through vkQueueBindSparse on the device
 * queue, chained on the tracker's bind timeline.  Without sparse binding the buffer is bound once
 * with vkBindBufferMemory and the memory is never released while the allocation lives.
 */
#include "d3dkmt_private.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(void *) != 8 || sizeof(struct d3dkmt_allocation) == 96,
               "allocation metadata budget: keep struct d3dkmt_allocation at 96 bytes");

struct d3dkmt_allocation *d3dkmt_allocation_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device)
{
    return (struct d3dkmt_allocation *)d3dkmt_handle_get(handle, D3DKMT_OBJ_ALLOCATION, device);
}

static struct d3dkmt_resource *resource_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device)
{
    return (struct d3dkmt_resource *)d3dkmt_handle_get(handle, D3DKMT_OBJ_RESOURCE, device);
}

static inline uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static bool type_is_local(const struct d3dkmt_device *device, uint32_t type)
{
    const VkPhysicalDeviceMemoryProperties *mp = &device->adapter->mem_props;
    return d3dkmt_adapter_heap_is_local(device->adapter, mp->memoryTypes[type].heapIndex);
}

static void account(struct d3dkmt_device *device, const struct d3dkmt_allocation *alloc, bool add)
{
    _Atomic uint64_t *usage = type_is_local(device, alloc->memory_type) ? &device->adapter->local_usage
                                                                        : &device->adapter->nonlocal_usage;
    if (add) atomic_fetch_add(usage, alloc->size);
    else atomic_fetch_sub(usage, alloc->size);
}

/* Submits one sparse bind of `memory` (VK_NULL_HANDLE to unbind) to alloc's buffer, chained on the
 * bind timeline and, with a paging queue, signalling its fence to a new value (*fence_value). */
static VkResult queue_bind(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc, VkDeviceMemory memory,
                           struct d3dkmt_paging_queue *paging_queue, uint64_t *fence_value)
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
    signal_values[0] = d3dkmt_tracker_next_bind_value(device, &previous);
    signal_sems[0] = device->tracker.bind_timeline;
    info.signalSemaphoreCount = 1;
    if (paging_queue)
    {
        signal_sems[1] = paging_queue->fence->semaphore;
        signal_values[1] = d3dkmt_paging_queue_next_value_locked(device, paging_queue);
        info.signalSemaphoreCount = 2;
        if (fence_value) *fence_value = signal_values[1];
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
    vr = device->vkd.vkQueueBindSparse(device->queue, 1, &info, VK_NULL_HANDLE);
    if (vr != VK_SUCCESS && vr != VK_ERROR_DEVICE_LOST)
    {
        /* Keep the timelines whole so nothing waits forever for a bind that never ran. */
        VkSemaphoreSignalInfo sig = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO };
        uint32_t i;
        if (previous)
        {
            VkSemaphoreWaitInfo wait = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO, .semaphoreCount = 1,
                                         .pSemaphores = &device->tracker.bind_timeline, .pValues = &previous };
            device->vkd.vkWaitSemaphores(device->vk, &wait, UINT64_MAX);
        }
        for (i = 0; i < info.signalSemaphoreCount; i++)
        {
            sig.semaphore = signal_sems[i];
            sig.value = signal_values[i];
            device->vkd.vkSignalSemaphore(device->vk, &sig);
        }
    }
    pthread_mutex_unlock(&device->queue_lock);
    return vr;
}

NTSTATUS d3dkmt_allocation_allocate_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc,
                                                  VkDeviceMemory *memory)
{
    VkMemoryPriorityAllocateInfoEXT priority = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_PRIORITY_ALLOCATE_INFO_EXT,
        .priority = alloc->priority,
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

void d3dkmt_allocation_discard_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc,
                                             VkDeviceMemory memory)
{
    device->vkd.vkFreeMemory(device->vk, memory, NULL);
}

NTSTATUS d3dkmt_allocation_bind_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc,
                                              VkDeviceMemory memory, struct d3dkmt_paging_queue *queue,
                                              uint64_t *fence_value)
{
    VkResult vr;

    if (device->sparse) vr = queue_bind(device, alloc, memory, queue, fence_value);
    else vr = device->vkd.vkBindBufferMemory(device->vk, alloc->buffer, memory, 0);
    if (vr != VK_SUCCESS)
    {
        if (device->sparse) d3dkmt_tracker_wait_binds(device);
        device->vkd.vkFreeMemory(device->vk, memory, NULL);
        return d3dkmt_device_check_vk(device, vr);
    }
    alloc->memory = memory;
    account(device, alloc, true);
    return STATUS_SUCCESS;
}

struct memory_free
{
    VkDeviceMemory memory;
    uint64_t size;
};

static void free_memory_deferred(struct d3dkmt_device *device, void *ctx, bool cancelled)
{
    struct memory_free *f = ctx;

    pthread_mutex_lock(&device->lock);
    device->vkd.vkFreeMemory(device->vk, f->memory, NULL);
    device->stats.BytesFreed += f->size;
    pthread_mutex_unlock(&device->lock);
    free(f);
}

void d3dkmt_allocation_release_memory_locked(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc)
{
    struct memory_free *f;

    if (!alloc->memory) return;
    account(device, alloc, false);
    if (!device->sparse || !(f = malloc(sizeof(*f))))
    {
        /* Only reached without sparse binding (destroy paths, whose GPU work completed), or when
         * out of memory for the bookkeeping: wait for the binds, then free in place. */
        if (device->sparse) d3dkmt_tracker_wait_binds(device);
        device->vkd.vkFreeMemory(device->vk, alloc->memory, NULL);
        device->stats.BytesFreed += alloc->size;
        alloc->memory = VK_NULL_HANDLE;
        return;
    }
    queue_bind(device, alloc, VK_NULL_HANDLE, NULL, NULL);
    f->memory = alloc->memory;
    f->size = alloc->size;
    alloc->memory = VK_NULL_HANDLE;
    /* The unbind is tracked on the bind timeline: free the memory once it (and the GPU work
     * before it) completed.  device->lock is held, and free_memory_deferred takes it, so it must
     * not run on this thread now: queue it behind the unbind. */
    if (d3dkmt_tracker_defer_nowait(device, free_memory_deferred, f))
    {
        d3dkmt_tracker_wait_binds(device);
        device->vkd.vkFreeMemory(device->vk, f->memory, NULL);
        device->stats.BytesFreed += f->size;
        free(f);
    }
}

/* Frees everything an allocation owns (no references left). */
void d3dkmt_allocation_free(struct d3dkmt_allocation *alloc)
{
    struct d3dkmt_device *device = alloc->obj.device;

    pthread_mutex_lock(&device->lock);
    if (!d3dkmt_list_empty(&alloc->offer_link)) d3dkmt_list_remove(&alloc->offer_link);
    if (alloc->resource)
    {
        /* Still linked when stopped by DestroyDevice (DestroyAllocation2 unlinks): a call that
         * holds the resource must not find a freed allocation in its list. */
        struct d3dkmt_allocation **p = &alloc->resource->first;
        while (*p && *p != alloc) p = &(*p)->next_in_resource;
        if (*p) { *p = alloc->next_in_resource; alloc->resource->count--; }
    }
    if (alloc->memory)
    {
        account(device, alloc, false);
        if (device->sparse) d3dkmt_tracker_wait_binds(device);
        if (alloc->flags & D3DKMT_ALLOC_LOCKED) device->vkd.vkUnmapMemory(device->vk, alloc->memory);
        device->vkd.vkFreeMemory(device->vk, alloc->memory, NULL);
        device->stats.BytesFreed += alloc->size;
    }
    if (alloc->buffer) device->vkd.vkDestroyBuffer(device->vk, alloc->buffer, NULL);
    device->stats.AllocationsLive--;
    pthread_mutex_unlock(&device->lock);
    if (alloc->resource) d3dkmt_object_put(&alloc->resource->obj);
    free(alloc);
    d3dkmt_device_put(device);
}

void d3dkmt_resource_free(struct d3dkmt_resource *res)
{
    struct d3dkmt_device *device = res->obj.device;
    free(res);
    d3dkmt_device_put(device);
}

/* ---- Lists of handles ---- */

void d3dkmt_allocation_put_list(struct d3dkmt_allocation **list, UINT count)
{
    UINT i;
    if (!list) return;
    for (i = 0; i < count; i++) d3dkmt_allocation_put(list[i]);
    free(list);
}

NTSTATUS d3dkmt_allocation_lookup_list(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles,
                                       UINT count, bool resources, struct d3dkmt_allocation ***out,
                                       UINT *out_count)
{
    struct d3dkmt_allocation **list;
    struct d3dkmt_resolved r;
    NTSTATUS status;
    UINT i;

    pthread_mutex_lock(&device->lock);
    if (!(status = d3dkmt_allocation_resolve_locked(device, handles, count, resources, 0, &r)))
    {
        /* The references are taken under device->lock, while the resolved pointers are valid. */
        if (!(list = malloc((r.count ? r.count : 1) * sizeof(*list)))) status = STATUS_NO_MEMORY;
        else
        {
            for (i = 0; i < r.count; i++)
            {
                d3dkmt_object_get(&r.allocs[i]->obj);
                list[i] = r.allocs[i];
            }
            *out = list;
            *out_count = r.count;
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

NTSTATUS d3dkmt_allocation_resolve_locked(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles,
                                          UINT count, bool resources, uint8_t reject,
                                          struct d3dkmt_resolved *out)
{
    UINT i, n = 0, total = 0;
    uint8_t flags_or = 0;

    out->allocs = out->inline_allocs;
    out->group = NULL;
    out->count = 0;
    out->flags_or = 0;
    if (!resources)
    {
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

    /* Resources: their allocation lists are under device->lock, which the caller holds; each
     * resource is referenced while it is walked (an empty one is not kept alive otherwise). */
    for (i = 0; i < count; i++)
    {
        struct d3dkmt_resource *res = resource_get(handles[i], device);
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
        struct d3dkmt_resource *res = resource_get(handles[i], device);
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

void d3dkmt_resolved_free(struct d3dkmt_resolved *r)
{
    if (r->allocs != r->inline_allocs) free(r->allocs);
    free(r->group);
    r->allocs = r->inline_allocs;
    r->group = NULL;
    r->count = 0;
}

/* ---- Creation ---- */

/* Checks one allocation description; fills the parameters of the allocation to make. */
static NTSTATUS parse_private_data(const struct d3dkmt_device *device, const void *data, UINT size,
                                   BOOL override, UINT override_priority, uint64_t *out_size,
                                   uint32_t *type, uint32_t *priority)
{
    D3DKMT_VK_ALLOCATIONDATA desc;
    VkDeviceSize max;

    if (!data || size != sizeof(desc)) return STATUS_INVALID_PARAMETER;
    memcpy(&desc, data, sizeof(desc));
    if (desc.Version != D3DKMT_VK_ALLOCATIONDATA_VERSION || desc.Flags) return STATUS_INVALID_PARAMETER;
    if (desc.Placement != D3DKMT_VK_PLACEMENT_DEVICE_LOCAL && desc.Placement != D3DKMT_VK_PLACEMENT_HOST_VISIBLE)
        return STATUS_INVALID_PARAMETER;
    if (desc.Alignment & (desc.Alignment - 1) || desc.Alignment > 65536) return STATUS_INVALID_PARAMETER;
    *type = desc.Placement == D3DKMT_VK_PLACEMENT_DEVICE_LOCAL ? device->local_type : device->host_type;
    max = device->adapter->mem_props.memoryHeaps[device->adapter->mem_props.memoryTypes[*type].heapIndex].size;
    if (!desc.Size || desc.Size > max) return STATUS_INVALID_PARAMETER;
    *out_size = align_up(desc.Size, device->sparse_alignment > 64 ? device->sparse_alignment : 64);
    *priority = override ? override_priority : desc.Priority ? desc.Priority : D3DDDI_ALLOCATIONPRIORITY_NORMAL;
    return STATUS_SUCCESS;
}

/* Makes one allocation with its buffer and memory (not yet published). */
static NTSTATUS create_one(struct d3dkmt_device *device, uint64_t size, uint32_t type, uint32_t d3d_priority,
                           struct d3dkmt_allocation **out)
{
    struct d3dkmt_allocation *alloc;
    VkDeviceMemory memory;
    VkBufferCreateInfo info;
    NTSTATUS status;
    VkResult vr;

    if (!(alloc = calloc(1, sizeof(*alloc)))) return STATUS_NO_MEMORY;
    d3dkmt_object_init(&alloc->obj, D3DKMT_OBJ_ALLOCATION, device);
    d3dkmt_list_init(&alloc->offer_link);
    alloc->size = size;
    alloc->memory_type = type;
    alloc->d3d_priority = d3d_priority;
    alloc->priority = d3dkmt_priority_to_vk(d3d_priority);
    alloc->residency_count = 1;
    if (device->adapter->mem_props.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)
        alloc->flags |= D3DKMT_ALLOC_HOST_VISIBLE;

    info = d3dkmt_device_buffer_info(device, size);
    if ((vr = device->vkd.vkCreateBuffer(device->vk, &info, NULL, &alloc->buffer)) != VK_SUCCESS)
    {
        free(alloc);
        return d3dkmt_device_check_vk(device, vr);
    }
    if ((status = d3dkmt_handle_reserve(&alloc->obj)))
    {
        device->vkd.vkDestroyBuffer(device->vk, alloc->buffer, NULL);
        free(alloc);
        return status;
    }
    pthread_mutex_lock(&device->lock);
    if (type_is_local(device, type)) d3dkmt_residency_make_room_locked(device, size);
    if (!(status = d3dkmt_allocation_allocate_memory_locked(device, alloc, &memory))
            && !(status = d3dkmt_allocation_bind_memory_locked(device, alloc, memory, NULL, NULL)))
        device->stats.AllocationsLive++;
    pthread_mutex_unlock(&device->lock);
    if (status)
    {
        d3dkmt_handle_unreserve(&alloc->obj);
        device->vkd.vkDestroyBuffer(device->vk, alloc->buffer, NULL);
        free(alloc);
        return status;
    }
    d3dkmt_object_get(&device->obj);
    *out = alloc;
    return STATUS_SUCCESS;
}

/* Undoes create_one for an allocation that was never published. */
static void discard_unpublished(struct d3dkmt_device *device, struct d3dkmt_allocation *alloc)
{
    d3dkmt_handle_unreserve(&alloc->obj);
    d3dkmt_allocation_free(alloc);
}

static NTSTATUS create_allocations(D3DKMT_CREATEALLOCATION *desc, bool v2)
{
    struct d3dkmt_allocation **allocs = NULL;
    struct d3dkmt_resource *resource = NULL;
    struct d3dkmt_device *device;
    uint64_t *sizes = NULL;
    uint32_t *types = NULL, *prios = NULL;
    bool new_resource;
    NTSTATUS status;
    UINT i, n;

    if (!desc || !desc->pAllocationInfo) return STATUS_INVALID_PARAMETER;
    n = desc->NumAllocations;
    if (!n || n > D3DKMT_MAX_CREATE_LIST) return STATUS_INVALID_PARAMETER;
    if (desc->hGlobalShare || desc->Flags.CreateShared || desc->Flags.CreateProtected || desc->Flags.ExistingSysMem
            || desc->Flags.NtSecuritySharing || desc->Flags.CrossAdapter || desc->Flags.OpenCrossAdapter
            || desc->Flags.StandardAllocation || desc->Flags.ExistingSection)
        return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_device_status(device))) goto done;
    d3dkmt_tracker_poll(device);

    new_resource = desc->Flags.CreateResource;
    status = STATUS_INVALID_PARAMETER;
    if (!new_resource && desc->hResource && !(resource = resource_get(desc->hResource, device))) goto done;

    status = STATUS_NO_MEMORY;
    if (!(allocs = calloc(n, sizeof(*allocs))) || !(sizes = malloc(n * sizeof(*sizes)))
            || !(types = malloc(n * sizeof(*types))) || !(prios = malloc(n * sizeof(*prios))))
        goto done;

    /* Validate every entry before anything is created. */
    for (i = 0; i < n; i++)
    {
        if (v2)
        {
            const D3DDDI_ALLOCATIONINFO2 *info = &desc->pAllocationInfo2[i];
            if (info->pSystemMem || info->Flags.Primary || info->Flags.Stereo) { status = STATUS_INVALID_PARAMETER; goto done; }
            status = parse_private_data(device, info->pPrivateDriverData, info->PrivateDriverDataSize,
                                        info->Flags.OverridePriority, info->Priority, &sizes[i], &types[i], &prios[i]);
        }
        else
        {
            const D3DDDI_ALLOCATIONINFO *info = &desc->pAllocationInfo[i];
            if (info->pSystemMem || info->Flags.Primary || info->Flags.Stereo) { status = STATUS_INVALID_PARAMETER; goto done; }
            status = parse_private_data(device, info->pPrivateDriverData, info->PrivateDriverDataSize,
                                        FALSE, 0, &sizes[i], &types[i], &prios[i]);
        }
        if (status) goto done;
    }

    if (new_resource)
    {
        status = STATUS_NO_MEMORY;
        if (!(resource = calloc(1, sizeof(*resource)))) goto done;
        d3dkmt_object_init(&resource->obj, D3DKMT_OBJ_RESOURCE, device);
        if ((status = d3dkmt_handle_reserve(&resource->obj)))
        {
            free(resource);
            resource = NULL;
            goto done;
        }
        d3dkmt_object_get(&device->obj);
    }

    for (i = 0; i < n; i++)
    {
        if ((status = create_one(device, sizes[i], types[i], prios[i], &allocs[i])))
        {
            while (i--) discard_unpublished(device, allocs[i]);
            if (new_resource)
            {
                d3dkmt_handle_unreserve(&resource->obj);
                d3dkmt_object_put(&resource->obj);
                resource = NULL;
            }
            goto done;
        }
    }

    /* Nothing can fail from here on: link, publish, write out. */
    pthread_mutex_lock(&device->lock);
    for (i = 0; i < n; i++)
    {
        if (!resource) continue;
        allocs[i]->resource = resource;
        d3dkmt_object_get(&resource->obj);
        allocs[i]->next_in_resource = resource->first;
        resource->first = allocs[i];
        resource->count++;
    }
    pthread_mutex_unlock(&device->lock);
    /* Write out before publishing: once published, another thread may destroy them (a guessed
     * handle, or DestroyDevice's sweep); a reference of ours keeps them alive until the end. */
    for (i = 0; i < n; i++)
    {
        if (v2)
        {
            VkBufferDeviceAddressInfo addr = { .sType = VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO,
                                               .buffer = allocs[i]->buffer };
            desc->pAllocationInfo2[i].hAllocation = allocs[i]->obj.handle;
            desc->pAllocationInfo2[i].GpuVirtualAddress =
                device->bda ? device->vkd.vkGetBufferDeviceAddress(device->vk, &addr) : 0;
        }
        else desc->pAllocationInfo[i].hAllocation = allocs[i]->obj.handle;
    }
    if (new_resource) desc->hResource = resource->obj.handle;
    for (i = 0; i < n; i++)
    {
        d3dkmt_object_get(&allocs[i]->obj);
        d3dkmt_handle_publish(&allocs[i]->obj);
    }
    if (new_resource)
    {
        d3dkmt_object_get(&resource->obj);
        d3dkmt_handle_publish(&resource->obj);
    }
    /* A DestroyDevice that stopped the device meanwhile may have swept its child handles before
     * these were published: undo, as for a device handle destroyed before the call (the stripe
     * lock taken by publish orders this read after that sweep). */
    status = STATUS_SUCCESS;
    if (atomic_load(&device->obj.state) != D3DKMT_STATE_ACTIVE)
    {
        for (i = 0; i < n; i++) d3dkmt_handle_remove(&allocs[i]->obj);
        if (new_resource) d3dkmt_handle_remove(&resource->obj);
        status = STATUS_INVALID_PARAMETER;
    }
    for (i = 0; i < n; i++) d3dkmt_object_put(&allocs[i]->obj);
    if (new_resource)
    {
        d3dkmt_object_put(&resource->obj);
        resource = NULL;   /* the table holds (or held) the creation reference */
    }

done:
    if (resource && !new_resource) d3dkmt_object_put(&resource->obj);
    free(allocs);
    free(sizes);
    free(types);
    free(prios);
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTCreateAllocation2
 *
 * desc->hDevice: a device.  desc->NumAllocations: 1 to 1024 entries of desc->pAllocationInfo2, each
 * with pPrivateDriverData pointing at a D3DKMT_VK_ALLOCATIONDATA (PrivateDriverDataSize its size;
 * docs/private-driver-data.md), pSystemMem NULL, Flags.Primary/Stereo 0; Flags.OverridePriority
 * takes Priority instead of the private data's.  Out per entry: hAllocation and
 * GpuVirtualAddress (the buffer's device address, 0 without bufferDeviceAddress).
 * desc->Flags.CreateResource: also create a resource grouping them, returned in desc->hResource;
 * otherwise a non-zero desc->hResource adds them to that existing resource.  Shared, protected,
 * existing-sysmem, cross-adapter and standard allocations are not supported.
 * Creating memory in the LOCAL group first releases offered memory when over budget.
 * All or nothing: on failure no handle is created.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or array NULL, count 0 or above 1024,
 * bad device or resource handle, bad private data, unsupported flags); STATUS_NO_MEMORY;
 * STATUS_GRAPHICS_NO_VIDEO_MEMORY (the driver is out of memory); STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtcreateallocation2; docs/decisions/allocations.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTCreateAllocation2(D3DKMT_CREATEALLOCATION *desc)
{
    return create_allocations(desc, true);
}

/***********************************************************************
 *           D3DKMTCreateAllocation
 *
 * As D3DKMTCreateAllocation2 with desc->pAllocationInfo (D3DDDI_ALLOCATIONINFO: no priority
 * override, no GPU virtual address out).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtcreateallocation.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTCreateAllocation(D3DKMT_CREATEALLOCATION *desc)
{
    return create_allocations(desc, false);
}

/* ---- Destruction ---- */

struct destroy_batch
{
    struct d3dkmt_allocation **allocs;
    UINT count;
    bool synchronous;       /* the caller waits for `done` and frees the batch */
    _Atomic bool done;
};

/* Frees the memory of a batch of stopped allocations and drops their references. */
static void destroy_batch_run(struct d3dkmt_device *device, void *ctx, bool cancelled)
{
    struct destroy_batch *batch = ctx;
    UINT i;

    pthread_mutex_lock(&device->lock);
    for (i = 0; i < batch->count; i++)
    {
        struct d3dkmt_allocation *a = batch->allocs[i];
        if (!a->memory) continue;
        account(device, a, false);
        if (a->flags & D3DKMT_ALLOC_LOCKED) device->vkd.vkUnmapMemory(device->vk, a->memory);
        a->flags &= ~D3DKMT_ALLOC_LOCKED;
        device->vkd.vkFreeMemory(device->vk, a->memory, NULL);
        device->stats.BytesFreed += a->size;
        a->memory = VK_NULL_HANDLE;
    }
    pthread_mutex_unlock(&device->lock);
    d3dkmt_allocation_put_list(batch->allocs, batch->count);
    batch->allocs = NULL;
    if (!batch->synchronous)
    {
        free(batch);
        return;
    }
    pthread_mutex_lock(&device->tracker.lock);
    atomic_store(&batch->done, true);
    pthread_cond_broadcast(&device->tracker.cond);
    pthread_mutex_unlock(&device->tracker.lock);
}

/***********************************************************************
 *           D3DKMTDestroyAllocation2
 *
 * desc->hDevice: a device.  desc->hResource: 0, or a resource of it, destroyed with all its
 * allocations.  desc->phAllocationList / AllocationCount (0 to 1024): allocations of the device to
 * destroy (they may be of any resource; docs/decisions/destroy.md).  At least one of the two.
 * desc->Flags: AssumeNotInUse = 0 frees the memory only after all GPU work queued on the device
 * before the call completed (the fence tracker; the call itself does not wait); = 1 frees it now
 * (the library's own pending binds excepted).  SynchronousDestroy = 1 returns only once the
 * memory is freed.  SystemUseOnly set is refused.  Offered allocations may be destroyed.
 * Every handle is invalid as soon as the call returns.  All or nothing: a bad entry destroys
 * nothing.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, SystemUseOnly, nothing to destroy,
 * count above 1024 or list NULL with a count, a bad or repeated handle); STATUS_NO_MEMORY.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtdestroyallocation2 and reference §2.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTDestroyAllocation2(const D3DKMT_DESTROYALLOCATION2 *desc)
{
    struct d3dkmt_allocation **listed = NULL, **owned = NULL, **all = NULL;
    struct d3dkmt_resource *resource = NULL;
    struct destroy_batch *batch = NULL;
    struct d3dkmt_device *device;
    UINT listed_count = 0, owned_count = 0, total = 0, i, j;
    NTSTATUS status;

    if (!desc || desc->Flags.SystemUseOnly) return STATUS_INVALID_PARAMETER;
    if (desc->AllocationCount > D3DKMT_MAX_CREATE_LIST) return STATUS_INVALID_PARAMETER;
    if (desc->AllocationCount && !desc->phAllocationList) return STATUS_INVALID_PARAMETER;
    if (!desc->AllocationCount && !desc->hResource) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    d3dkmt_tracker_poll(device);

    if (desc->AllocationCount
            && (status = d3dkmt_allocation_lookup_list(device, desc->phAllocationList, desc->AllocationCount,
                                                       false, &listed, &listed_count)))
        goto done;
    if (desc->hResource)
    {
        status = STATUS_INVALID_PARAMETER;
        if (!(resource = resource_get(desc->hResource, device))) goto done;
        if ((status = d3dkmt_allocation_lookup_list(device, &desc->hResource, 1, true, &owned, &owned_count)))
            goto done;
    }
    status = STATUS_NO_MEMORY;
    if (!(all = malloc((listed_count + owned_count + 1) * sizeof(*all)))) goto done;
    if (!(batch = calloc(1, sizeof(*batch)))) goto done;

    /* A handle listed twice is refused; one listed and also in hResource is destroyed once. */
    status = STATUS_INVALID_PARAMETER;
    for (i = 0; i < listed_count; i++)
        for (j = i + 1; j < listed_count; j++)
            if (listed[i] == listed[j]) goto done;
    for (i = 0; i < owned_count; i++) all[total++] = owned[i];
    for (i = 0; i < listed_count; i++)
    {
        for (j = 0; j < owned_count; j++) if (owned[j] == listed[i]) break;
        if (j == owned_count) { all[total++] = listed[i]; d3dkmt_object_get(&listed[i]->obj); }
    }
    free(owned);
    owned = NULL;
    owned_count = 0;

    /* Stop the handles: they are invalid from here on, whatever happens to the memory. */
    for (i = 0; i < total; i++) d3dkmt_handle_remove(&all[i]->obj);
    if (resource) d3dkmt_handle_remove(&resource->obj);

    pthread_mutex_lock(&device->lock);
    for (i = 0; i < total; i++)
    {
        struct d3dkmt_allocation *a = all[i];
        a->flags |= D3DKMT_ALLOC_DESTROYED;
        a->flags &= ~(D3DKMT_ALLOC_OFFERED | D3DKMT_ALLOC_OFFER_PENDING);
        if (!d3dkmt_list_empty(&a->offer_link)) d3dkmt_list_remove(&a->offer_link);
        if (a->resource)
        {
            struct d3dkmt_allocation **p = &a->resource->first;
            while (*p && *p != a) p = &(*p)->next_in_resource;
            if (*p) { *p = a->next_in_resource; a->resource->count--; }
        }
    }
    pthread_mutex_unlock(&device->lock);

    batch->allocs = all;
    batch->count = total;
    batch->synchronous = desc->Flags.SynchronousDestroy;
    all = NULL;
    if (desc->Flags.AssumeNotInUse)
        status = d3dkmt_tracker_defer(device, D3DKMT_WAIT_BINDS, destroy_batch_run, batch);
    else
        status = d3dkmt_tracker_defer(device, D3DKMT_WAIT_ALL, destroy_batch_run, batch);
    if (status)
    {
        /* Out of memory for the bookkeeping: wait for the GPU instead. */
        d3dkmt_device_wait_idle(device);
        d3dkmt_tracker_wait_binds(device);
        destroy_batch_run(device, batch, false);
        status = STATUS_SUCCESS;
    }
    if (desc->Flags.SynchronousDestroy)
    {
        pthread_mutex_lock(&device->tracker.lock);
        while (!atomic_load(&batch->done)) pthread_cond_wait(&device->tracker.cond, &device->tracker.lock);
        pthread_mutex_unlock(&device->tracker.lock);
        free(batch);
    }
    batch = NULL;
    status = STATUS_SUCCESS;

done:
    d3dkmt_allocation_put_list(listed, listed_count);
    d3dkmt_allocation_put_list(owned, owned_count);
    free(all);
    free(batch);
    if (resource) d3dkmt_object_put(&resource->obj);
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTDestroyAllocation
 *
 * As D3DKMTDestroyAllocation2 with Flags = 0 (reference §2, [LDX]).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtdestroyallocation.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTDestroyAllocation(const D3DKMT_DESTROYALLOCATION *desc)
{
    D3DKMT_DESTROYALLOCATION2 desc2 = { 0 };

    if (!desc) return STATUS_INVALID_PARAMETER;
    desc2.hDevice = desc->hDevice;
    desc2.hResource = desc->hResource;
    desc2.phAllocationList = desc->phAllocationList;
    desc2.AllocationCount = desc->AllocationCount;
    return D3DKMTDestroyAllocation2(&desc2);
}

/* ---- CPU access ---- */

/***********************************************************************
 *           D3DKMTLock2
 *
 * desc->hDevice, desc->hAllocation: an allocation of the device whose memory is host visible.
 * desc->Flags: must be 0.  desc->pData: out, the CPU address of the allocation's first byte,
 * valid until D3DKMTUnlock2.  One lock at a time per allocation.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, bad handles, flags, already
 * locked, offered, or without memory: released or decommitted); STATUS_NOT_SUPPORTED (memory not
 * host visible); STATUS_NO_MEMORY; STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtlock2; docs/decisions/allocations.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTLock2(D3DKMT_LOCK2 *desc)
{
    struct d3dkmt_allocation *alloc;
    struct d3dkmt_device *device;
    NTSTATUS status;
    void *data = NULL;

    if (!desc || desc->Flags.Value) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    if (!(alloc = d3dkmt_allocation_get(desc->hAllocation, device)))
    {
        d3dkmt_device_put(device);
        return STATUS_INVALID_PARAMETER;
    }
    if ((status = d3dkmt_device_status(device))) goto done;
    pthread_mutex_lock(&device->lock);
    if (!(alloc->flags & D3DKMT_ALLOC_HOST_VISIBLE)) status = STATUS_NOT_SUPPORTED;
    else if (alloc->flags & (D3DKMT_ALLOC_LOCKED | D3DKMT_ALLOC_OFFERED) || !alloc->memory)
        status = STATUS_INVALID_PARAMETER;
    else
    {
        VkResult vr = device->vkd.vkMapMemory(device->vk, alloc->memory, 0, VK_WHOLE_SIZE, 0, &data);
        if (!(status = d3dkmt_device_check_vk(device, vr))) alloc->flags |= D3DKMT_ALLOC_LOCKED;
    }
    pthread_mutex_unlock(&device->lock);
    if (!status) desc->pData = data;
done:
    d3dkmt_allocation_put(alloc);
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTUnlock2
 *
 * desc->hDevice, desc->hAllocation: a locked allocation of the device.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, bad handles, not locked).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtunlock2.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTUnlock2(const D3DKMT_UNLOCK2 *desc)
{
    struct d3dkmt_allocation *alloc;
    struct d3dkmt_device *device;
    NTSTATUS status = STATUS_SUCCESS;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    if (!(alloc = d3dkmt_allocation_get(desc->hAllocation, device)))
    {
        d3dkmt_device_put(device);
        return STATUS_INVALID_PARAMETER;
    }
    pthread_mutex_lock(&device->lock);
    if (!(alloc->flags & D3DKMT_ALLOC_LOCKED)) status = STATUS_INVALID_PARAMETER;
    else
    {
        device->vkd.vkUnmapMemory(device->vk, alloc->memory);
        alloc->flags &= ~D3DKMT_ALLOC_LOCKED;
    }
    pthread_mutex_unlock(&device->lock);
    d3dkmt_allocation_put(alloc);
    d3dkmt_device_put(device);
    return status;
}

/* ---- Host API ---- */

D3DKMT_EXPORT NTSTATUS d3dkmt_host_get_allocation_info(D3DKMT_HANDLE hDevice, D3DKMT_HANDLE hAllocation,
                                                       struct d3dkmt_host_allocation_info *info)
{
    struct d3dkmt_allocation *alloc;
    struct d3dkmt_device *device;

    if (!info) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(hDevice))) return STATUS_INVALID_HANDLE;
    if (!(alloc = d3dkmt_allocation_get(hAllocation, device)))
    {
        d3dkmt_device_put(device);
        return STATUS_INVALID_HANDLE;
    }
    pthread_mutex_lock(&device->lock);
    info->memory = alloc->memory;
    info->buffer = alloc->buffer;
    info->size = alloc->size;
    info->memory_type_index = alloc->memory_type;
    info->offered = !!(alloc->flags & D3DKMT_ALLOC_OFFERED);
    pthread_mutex_unlock(&device->lock);
    info->device_address = 0;
    if (device->bda && alloc->buffer)
    {
        VkBufferDeviceAddressInfo addr = { .sType = VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO, .buffer = alloc->buffer };
        info->device_address = device->vkd.vkGetBufferDeviceAddress(device->vk, &addr);
    }
    d3dkmt_allocation_put(alloc);
    d3dkmt_device_put(device);
    return STATUS_SUCCESS;
}

D3DKMT_EXPORT NTSTATUS d3dkmt_host_import_memory(D3DKMT_HANDLE hDevice, VkDeviceMemory memory, VkDeviceSize size,
                                                 uint32_t memory_type_index, D3DKMT_HANDLE *hAllocation)
{
    struct d3dkmt_allocation *alloc;
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!memory || !size || !hAllocation) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(hDevice))) return STATUS_INVALID_HANDLE;
    status = STATUS_INVALID_PARAMETER;
    if (memory_type_index >= device->adapter->mem_props.memoryTypeCount || memory_type_index > 255) goto done;
    status = STATUS_NO_MEMORY;
    if (!(alloc = calloc(1, sizeof(*alloc)))) goto done;
    d3dkmt_object_init(&alloc->obj, D3DKMT_OBJ_ALLOCATION, device);
    d3dkmt_list_init(&alloc->offer_link);
    alloc->memory = memory;
    alloc->size = size;
    alloc->memory_type = memory_type_index;
    alloc->d3d_priority = D3DDDI_ALLOCATIONPRIORITY_NORMAL;
    alloc->priority = d3dkmt_priority_to_vk(alloc->d3d_priority);
    alloc->flags = D3DKMT_ALLOC_IMPORTED;
    alloc->residency_count = 1;
    if (device->adapter->mem_props.memoryTypes[memory_type_index].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)
        alloc->flags |= D3DKMT_ALLOC_HOST_VISIBLE;
    if ((status = d3dkmt_handle_reserve(&alloc->obj)))
    {
        free(alloc);
        goto done;
    }
    d3dkmt_object_get(&device->obj);
    pthread_mutex_lock(&device->lock);
    account(device, alloc, true);
    device->stats.AllocationsLive++;
    pthread_mutex_unlock(&device->lock);
    *hAllocation = alloc->obj.handle;
    d3dkmt_object_get(&alloc->obj);   /* published, it may be destroyed by another thread */
    d3dkmt_handle_publish(&alloc->obj);
    if (atomic_load(&device->obj.state) != D3DKMT_STATE_ACTIVE)
    {
        /* DestroyDevice ran meanwhile (see create_allocations): the memory goes with the device. */
        d3dkmt_handle_remove(&alloc->obj);
        status = STATUS_INVALID_HANDLE;
    }
    d3dkmt_allocation_put(alloc);
done:
    d3dkmt_device_put(device);
    return status;
}
