/*
 * resource.c: resources and allocations, the objects: making one (its buffer, its memory or the
 * application's existing heap imported, its reserved handle), publishing a call's new objects
 * together, their release functions, and the descriptions of resources created shared.  The entry
 * points that validate and call these are in allocation.c (create, destroy, open).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * An object's memory in between is the memory manager's (vidmm.c), which also describes how memory
 * is bound (sparse binding or a plain bind).  Shared resources (docs/decisions/sharing.md): a
 * resource created shared holds a description (struct d3dkmt_shared_resource) named by a global
 * handle (share.c); D3DKMTOpenResource(2) makes new allocations over the same memory from it.
 *
 * Layer 9 (src/d3dkmt_private.h): calls vidmm.c, device.c, tracker.c, adapter.c, vulkan.c, share.c
 * and handle.c.
 */
#include "d3dkmt_private.h"
#include "fence.h"
#include "vidmm.h"
#include "resolve.h"
#include "resource.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(void *) != 8 || sizeof(struct d3dkmt_allocation) == 104,
               "allocation metadata budget: keep struct d3dkmt_allocation at 104 bytes");

/* ---- Release functions ---- */

/* Frees what a released allocation still owns: its memory (already out of the usage accounting)
 * and buffer, the allocation, its references.  Runs from allocation_release, or through the fence
 * tracker once the last bind of its buffer ran. */
static void allocation_finish(struct d3dkmt_device *device, struct d3dkmt_tracker_entry *entry)
{
    struct d3dkmt_allocation *alloc = D3DKMT_CONTAINER(entry, struct d3dkmt_allocation, release_entry);

    pthread_mutex_lock(&device->lock);
    if (alloc->memory) d3dkmt_vidmm_free_memory_locked(device, alloc->memory, alloc->size);
    if (alloc->buffer) device->vkd.vkDestroyBuffer(device->vk, alloc->buffer, NULL);
    pthread_mutex_unlock(&device->lock);
    if (alloc->resource) d3dkmt_object_put(&alloc->resource->obj);
    free(alloc);
    d3dkmt_device_put(device);
}

/* The allocation's release function: frees everything it owns (no reference is left).  Its
 * memory and buffer usually have no bind left queued (DestroyAllocation2 freed the memory behind
 * them); when one is (released by DestroyDevice, or by a failed creation, right after its bind was
 * queued) they go once it ran, through release_entry: nothing waits, nothing is allocated. */
static void allocation_release(struct d3dkmt_object *obj)
{
    struct d3dkmt_allocation *alloc = D3DKMT_CONTAINER(obj, struct d3dkmt_allocation, obj);
    struct d3dkmt_device *device = alloc->obj.device;
    uint64_t bind;

    pthread_mutex_lock(&device->lock);
    d3dkmt_list_unlink(&alloc->offer_link);
    /* Still linked when stopped by DestroyDevice (DestroyAllocation2 unlinks): a call that holds
     * the resource must not find a freed allocation in its list. */
    d3dkmt_resource_unlink_locked(alloc);
    /* A destroy left the gauges when it stopped the handle; DestroyDevice's sweep did not. */
    d3dkmt_vidmm_stats_released(device, alloc, !(alloc->flags & D3DKMT_ALLOC_DESTROYED));
    d3dkmt_vidmm_retire_memory_locked(device, alloc);
    device->stats.AllocationsLive--;
    bind = d3dkmt_vidmm_bind_value(device, alloc);
    if ((alloc->memory || alloc->buffer) && !d3dkmt_tracker_bind_done(device, bind))
    {
        /* The fields the entry overlays are dead from here on. */
        alloc->release_entry.bind_value = bind;
        alloc->release_entry.fn = allocation_finish;
        d3dkmt_tracker_after_bind(device, &alloc->release_entry);
        pthread_mutex_unlock(&device->lock);
        return;
    }
    pthread_mutex_unlock(&device->lock);
    allocation_finish(device, &alloc->release_entry);
}

/* ---- Shared resource descriptions (docs/decisions/sharing.md) ---- */

void d3dkmt_shared_resource_put(struct d3dkmt_shared_resource *shared)
{
    if (atomic_fetch_sub_explicit(&shared->refcount, 1, memory_order_acq_rel) != 1) return;
    free(shared->runtime_data);
    free(shared);
}

/* Closes one local handle's count in the global entry of `shared`; the entry's own reference goes
 * with the last one. */
void d3dkmt_shared_resource_close(struct d3dkmt_shared_resource *shared)
{
    if (d3dkmt_global_close(shared->global, D3DKMT_OBJ_RESOURCE)) d3dkmt_shared_resource_put(shared);
}

/* Stops res counting in its global entry (once: a destroy, or the release of a resource that a
 * DestroyDevice stopped). */
void d3dkmt_resource_close_global(struct d3dkmt_resource *res)
{
    if (res->shared && atomic_exchange(&res->global_held, false)) d3dkmt_shared_resource_close(res->shared);
}

/* The resource's release function. */
static void resource_release(struct d3dkmt_object *obj)
{
    struct d3dkmt_resource *res = D3DKMT_CONTAINER(obj, struct d3dkmt_resource, obj);
    struct d3dkmt_device *device = res->obj.device;

    d3dkmt_resource_close_global(res);
    if (res->shared) d3dkmt_shared_resource_put(res->shared);
    free(res);
    d3dkmt_device_put(device);
}

/* A new allocation object of device (no handle, no memory, one reference). */
struct d3dkmt_allocation *d3dkmt_allocation_new(struct d3dkmt_device *device, uint64_t size, uint32_t type,
                                                uint32_t d3d_priority)
{
    struct d3dkmt_allocation *alloc;

    if (!(alloc = calloc(1, sizeof(*alloc)))) return NULL;
    d3dkmt_object_init(&alloc->obj, D3DKMT_OBJ_ALLOCATION, device, allocation_release);
    d3dkmt_list_init(&alloc->offer_link);
    alloc->size = size;
    alloc->memory_type = type;
    alloc->d3d_priority = d3d_priority;
    alloc->residency_count = 1;
    if (device->adapter->mem_props.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)
        alloc->flags |= D3DKMT_ALLOC_HOST_VISIBLE;
    return alloc;
}

/* Makes one standard allocation: the existing heap imported (handle reserved, not yet published). */
static NTSTATUS create_one_standard(struct d3dkmt_device *device, const struct d3dkmt_create_entry *entry,
                                    struct d3dkmt_allocation **out)
{
    struct d3dkmt_allocation *alloc;
    NTSTATUS status;

    if (!(alloc = d3dkmt_allocation_new(device, entry->size, entry->type, entry->d3d_priority))) return STATUS_NO_MEMORY;
    if ((status = d3dkmt_handle_reserve(&alloc->obj)))
    {
        free(alloc);
        return status;
    }
    /* Nothing is trimmed for it: the memory exists already, the application's. */
    pthread_mutex_lock(&device->lock);
    if (!(status = d3dkmt_vidmm_import_host_memory_locked(device, alloc, entry->system_mem)))
    {
        device->stats.AllocationsLive++;
        d3dkmt_vidmm_stats_created(device, alloc);
    }
    pthread_mutex_unlock(&device->lock);
    if (status)
    {
        d3dkmt_handle_unreserve(&alloc->obj);
        free(alloc);
        return status;
    }
    d3dkmt_object_get(&device->obj);
    *out = alloc;
    return STATUS_SUCCESS;
}

/* Makes one allocation with its buffer and memory (handle reserved, not yet published). */
static NTSTATUS create_one(struct d3dkmt_device *device, const struct d3dkmt_create_entry *entry,
                           struct d3dkmt_allocation **out)
{
    struct d3dkmt_allocation *alloc;
    VkDeviceMemory memory;
    VkBufferCreateInfo info;
    NTSTATUS status;
    VkResult vr;

    if (!(alloc = d3dkmt_allocation_new(device, entry->size, entry->type, entry->d3d_priority))) return STATUS_NO_MEMORY;
    info = d3dkmt_device_buffer_info(device, entry->size);
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
    if (d3dkmt_adapter_heap_is_local(device->adapter, device->adapter->mem_props.memoryTypes[entry->type].heapIndex))
        d3dkmt_vidmm_trim_locked(device, entry->size);
    if (!(status = d3dkmt_vidmm_allocate_memory_locked(device, alloc, &memory))
            && !(status = d3dkmt_vidmm_bind_memory_locked(device, alloc, memory, NULL, NULL)))
    {
        device->stats.AllocationsLive++;
        d3dkmt_vidmm_stats_created(device, alloc);
    }
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
void d3dkmt_allocation_discard_unpublished(struct d3dkmt_allocation *alloc)
{
    d3dkmt_handle_unreserve(&alloc->obj);
    d3dkmt_object_put(&alloc->obj);
}

/* A new resource of device (handle reserved, not published, one reference). */
static NTSTATUS resource_create(struct d3dkmt_device *device, struct d3dkmt_resource **out)
{
    struct d3dkmt_resource *resource;
    NTSTATUS status;

    if (!(resource = calloc(1, sizeof(*resource)))) return STATUS_NO_MEMORY;
    d3dkmt_object_init(&resource->obj, D3DKMT_OBJ_RESOURCE, device, resource_release);
    if ((status = d3dkmt_handle_reserve(&resource->obj)))
    {
        free(resource);
        return status;
    }
    d3dkmt_object_get(&device->obj);
    *out = resource;
    return STATUS_SUCCESS;
}

/* Makes all `n` allocations (and the new resource, when new_resource), all or nothing. */
NTSTATUS d3dkmt_resource_create_all(struct d3dkmt_device *device, const struct d3dkmt_create_entry *entries,
                                    UINT n, bool new_resource, struct d3dkmt_resource **resource,
                                    struct d3dkmt_allocation **allocs)
{
    NTSTATUS status;
    UINT i;

    if (new_resource && (status = resource_create(device, resource))) return status;
    for (i = 0; i < n; i++)
    {
        if (entries[i].system_mem) status = create_one_standard(device, &entries[i], &allocs[i]);
        else status = create_one(device, &entries[i], &allocs[i]);
        if (!status) continue;
        while (i--) d3dkmt_allocation_discard_unpublished(allocs[i]);
        if (new_resource)
        {
            d3dkmt_handle_unreserve(&(*resource)->obj);
            d3dkmt_object_put(&(*resource)->obj);
            *resource = NULL;
        }
        return status;
    }
    return STATUS_SUCCESS;
}

/* Links the new allocations into resource (when not NULL) and publishes everything; nothing can
 * fail but a racing DestroyDevice (STATUS_INVALID_HANDLE).  The caller wrote the handles out
 * before: once published, another thread may destroy them (a guessed handle, or DestroyDevice's
 * sweep); a reference of ours keeps them alive until the end.  Consumes the creation references
 * of the allocations and of a new resource.  objs: room for n + 1 pointers. */
NTSTATUS d3dkmt_resource_publish_all(struct d3dkmt_device *device, struct d3dkmt_resource *resource,
                                     bool new_resource, struct d3dkmt_allocation **allocs, UINT n,
                                     struct d3dkmt_object **objs)
{
    UINT i, count = 0;
    NTSTATUS status;

    pthread_mutex_lock(&device->lock);
    for (i = 0; resource && i < n; i++)
    {
        allocs[i]->resource = resource;
        d3dkmt_object_get(&resource->obj);
        allocs[i]->next_in_resource = resource->first;
        resource->first = allocs[i];
        resource->count++;
    }
    pthread_mutex_unlock(&device->lock);
    for (i = 0; i < n; i++) objs[count++] = &allocs[i]->obj;
    if (new_resource) objs[count++] = &resource->obj;
    for (i = 0; i < count; i++) d3dkmt_object_get(objs[i]);
    status = d3dkmt_device_publish_children(device, objs, count);
    for (i = 0; i < count; i++) d3dkmt_object_put(objs[i]);
    return status;
}

/* The buffer's device address, 0 without bufferDeviceAddress. */
D3DGPU_VIRTUAL_ADDRESS d3dkmt_allocation_gpu_address(struct d3dkmt_device *device, VkBuffer buffer)
{
    VkBufferDeviceAddressInfo addr = { .sType = VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO, .buffer = buffer };
    return device->bda && buffer ? device->vkd.vkGetBufferDeviceAddress(device->vk, &addr) : 0;
}

/* The description of a new shared resource over the standard allocations of `entries`, with its
 * global handle (two references: the resource's and the global entry's).  STATUS_SUCCESS or
 * STATUS_NO_MEMORY. */
NTSTATUS d3dkmt_shared_resource_create(const D3DKMT_CREATEALLOCATION *desc, const struct d3dkmt_create_entry *entries,
                                       UINT n, struct d3dkmt_shared_resource **out)
{
    struct d3dkmt_shared_resource *shared;
    UINT i;

    if (!(shared = calloc(1, offsetof(struct d3dkmt_shared_resource, allocs[n])))) return STATUS_NO_MEMORY;
    if (desc->PrivateRuntimeDataSize && !(shared->runtime_data = malloc(desc->PrivateRuntimeDataSize)))
    {
        free(shared);
        return STATUS_NO_MEMORY;
    }
    if (desc->PrivateRuntimeDataSize) memcpy(shared->runtime_data, desc->pPrivateRuntimeData, desc->PrivateRuntimeDataSize);
    shared->runtime_size = desc->PrivateRuntimeDataSize;
    shared->count = n;
    for (i = 0; i < n; i++)
    {
        D3DKMT_VK_ALLOCATIONDATA *data = &shared->allocs[i].data;
        shared->allocs[i].system_mem = entries[i].system_mem;
        data->Version = D3DKMT_VK_ALLOCATIONDATA_VERSION;
        data->Placement = D3DKMT_VK_PLACEMENT_HOST_VISIBLE;
        data->Size = entries[i].size;
        data->Priority = entries[i].d3d_priority;
    }
    atomic_init(&shared->refcount, 2);
    if (d3dkmt_global_create(D3DKMT_OBJ_RESOURCE, shared, &shared->refcount, &shared->global))
    {
        free(shared->runtime_data);
        free(shared);
        return STATUS_NO_MEMORY;
    }
    *out = shared;
    return STATUS_SUCCESS;
}
