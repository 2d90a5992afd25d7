/*
 * allocation.c: resources and allocations.  D3DKMTCreateAllocation(2), D3DKMTDestroyAllocation(2),
 * D3DKMTQueryResourceInfo, D3DKMTOpenResource(2), D3DKMTLock2, D3DKMTUnlock2 and the host API's
 * allocation calls.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * This file owns the two object kinds' lifecycles (creation, destruction, their release
 * functions); what happens to an allocation's memory in between is the memory manager's
 * (vidmm.c), which also describes how memory is bound (sparse binding or a plain bind).
 *
 * Shared resources (docs/decisions/sharing.md): a resource created shared holds a description
 * (struct d3dkmt_shared_resource) named by a global handle; D3DKMTOpenResource(2) makes new
 * allocations over the same memory from it.
 *
 * Layer 9 (src/d3dkmt_private.h): calls vidmm.c, device.c, tracker.c, vulkan.c, share.c and
 * handle.c; never the other entry-point files (residency.c, sync.c).
 */
#include "d3dkmt_private.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(void *) != 8 || sizeof(struct d3dkmt_allocation) == 104,
               "allocation metadata budget: keep struct d3dkmt_allocation at 104 bytes");

static inline uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

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

static void shared_put(struct d3dkmt_shared_resource *shared)
{
    if (atomic_fetch_sub_explicit(&shared->refcount, 1, memory_order_acq_rel) != 1) return;
    free(shared->runtime_data);
    free(shared);
}

/* Closes one local handle's count in the global entry of `shared`; the entry's own reference goes
 * with the last one. */
static void shared_close(struct d3dkmt_shared_resource *shared)
{
    if (d3dkmt_global_close(shared->global, D3DKMT_OBJ_RESOURCE)) shared_put(shared);
}

/* Stops res counting in its global entry (once: a destroy, or the release of a resource that a
 * DestroyDevice stopped). */
static void resource_close_global(struct d3dkmt_resource *res)
{
    if (res->shared && atomic_exchange(&res->global_held, false)) shared_close(res->shared);
}

/* The resource's release function. */
static void resource_release(struct d3dkmt_object *obj)
{
    struct d3dkmt_resource *res = D3DKMT_CONTAINER(obj, struct d3dkmt_resource, obj);
    struct d3dkmt_device *device = res->obj.device;

    resource_close_global(res);
    if (res->shared) shared_put(res->shared);
    free(res);
    d3dkmt_device_put(device);
}

/* A new allocation object of device (no handle, no memory, one reference). */
static struct d3dkmt_allocation *allocation_new(struct d3dkmt_device *device, uint64_t size, uint32_t type,
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

/* ---- Creation ---- */

/* One allocation to make, as validated from its description. */
struct create_entry
{
    uint64_t size;          /* bytes, rounded up to the allocation granularity */
    uint32_t type;          /* memory type index */
    uint32_t d3d_priority;  /* D3DDDI_ALLOCATIONPRIORITY_* */
    const void *system_mem; /* a standard allocation's existing heap, else NULL */
};

/* Bytes of private runtime data a resource keeps (D3DKMT_CREATEALLOCATION.PrivateRuntimeDataSize). */
#define MAX_RUNTIME_DATA (1u << 20)

/* Checks one allocation description; fills the parameters of the allocation to make. */
static NTSTATUS parse_private_data(const struct d3dkmt_device *device, const void *data, UINT size,
                                   BOOL override, UINT override_priority, struct create_entry *entry)
{
    D3DKMT_VK_ALLOCATIONDATA desc;
    VkDeviceSize max;

    if (!data || size != sizeof(desc)) return STATUS_INVALID_PARAMETER;
    memcpy(&desc, data, sizeof(desc));
    if (desc.Version != D3DKMT_VK_ALLOCATIONDATA_VERSION || desc.Flags) return STATUS_INVALID_PARAMETER;
    if (desc.Placement != D3DKMT_VK_PLACEMENT_DEVICE_LOCAL && desc.Placement != D3DKMT_VK_PLACEMENT_HOST_VISIBLE)
        return STATUS_INVALID_PARAMETER;
    if (desc.Alignment & (desc.Alignment - 1) || desc.Alignment > 65536) return STATUS_INVALID_PARAMETER;
    entry->type = desc.Placement == D3DKMT_VK_PLACEMENT_DEVICE_LOCAL ? device->local_type : device->host_type;
    max = device->adapter->mem_props.memoryHeaps[device->adapter->mem_props.memoryTypes[entry->type].heapIndex].size;
    if (!desc.Size || desc.Size > max) return STATUS_INVALID_PARAMETER;
    entry->size = align_up(desc.Size, device->sparse_alignment > 64 ? device->sparse_alignment : 64);
    entry->d3d_priority = override ? override_priority : desc.Priority ? desc.Priority : D3DDDI_ALLOCATIONPRIORITY_NORMAL;
    return STATUS_SUCCESS;
}

/* Validates every entry of a create call before anything is created. */
static NTSTATUS parse_create_entries(const struct d3dkmt_device *device, const D3DKMT_CREATEALLOCATION *desc,
                                     bool v2, struct create_entry *entries)
{
    NTSTATUS status;
    UINT i;

    for (i = 0; i < desc->NumAllocations; i++)
    {
        if (v2)
        {
            const D3DDDI_ALLOCATIONINFO2 *info = &desc->pAllocationInfo2[i];
            if (info->pSystemMem || info->Flags.Primary || info->Flags.Stereo) return STATUS_INVALID_PARAMETER;
            status = parse_private_data(device, info->pPrivateDriverData, info->PrivateDriverDataSize,
                                        info->Flags.OverridePriority, info->Priority, &entries[i]);
        }
        else
        {
            const D3DDDI_ALLOCATIONINFO *info = &desc->pAllocationInfo[i];
            if (info->pSystemMem || info->Flags.Primary || info->Flags.Stereo) return STATUS_INVALID_PARAMETER;
            status = parse_private_data(device, info->pPrivateDriverData, info->PrivateDriverDataSize,
                                        FALSE, 0, &entries[i]);
        }
        if (status) return status;
    }
    return STATUS_SUCCESS;
}

/* Checks a standard allocation (Flags.StandardAllocation with Flags.ExistingSysMem), as Windows
 * checks it: the descriptor's private driver data is the D3DKMT_CREATESTANDARDALLOCATION (its
 * size field 0), one allocation, an existing heap of a whole number of pages at pSystemMem (the
 * entry's own private driver data is accepted and not used).  Fills entries[0]. */
static NTSTATUS parse_standard(const struct d3dkmt_device *device, const D3DKMT_CREATEALLOCATION *desc, bool v2,
                               struct create_entry *entry)
{
    D3DKMT_CREATESTANDARDALLOCATION standard;
    const void *system_mem;
    UINT flags, priority = D3DDDI_ALLOCATIONPRIORITY_NORMAL;

    if (desc->PrivateDriverDataSize || !desc->pPrivateDriverData || desc->NumAllocations != 1)
        return STATUS_INVALID_PARAMETER;
    memcpy(&standard, desc->pPrivateDriverData, sizeof(standard));
    if (standard.Type == D3DKMT_STANDARDALLOCATIONTYPE_INTERNALBACKINGSTORE)
    {
        FIXME("standard allocation type INTERNALBACKINGSTORE not supported");
        return STATUS_NOT_SUPPORTED;
    }
    if (standard.Type != D3DKMT_STANDARDALLOCATIONTYPE_EXISTINGHEAP || standard.Flags.Value)
        return STATUS_INVALID_PARAMETER;
    if (!standard.ExistingHeapData.Size || standard.ExistingHeapData.Size % 4096) return STATUS_INVALID_PARAMETER;
    if (v2)
    {
        const D3DDDI_ALLOCATIONINFO2 *info = &desc->pAllocationInfo2[0];
        system_mem = info->pSystemMem;
        flags = info->Flags.Value;
        if (info->Flags.OverridePriority) priority = info->Priority;
        flags &= ~4u;   /* OverridePriority */
    }
    else
    {
        system_mem = desc->pAllocationInfo[0].pSystemMem;
        flags = desc->pAllocationInfo[0].Flags.Value;
    }
    if (!system_mem || (uintptr_t)system_mem % 4096 || flags) return STATUS_INVALID_PARAMETER;
    entry->size = standard.ExistingHeapData.Size;
    entry->d3d_priority = priority;
    entry->system_mem = system_mem;
    return d3dkmt_vidmm_host_memory_type((struct d3dkmt_device *)device, system_mem, entry->size, &entry->type);
}

/* Makes one standard allocation: the existing heap imported (handle reserved, not yet published). */
static NTSTATUS create_one_standard(struct d3dkmt_device *device, const struct create_entry *entry,
                                    struct d3dkmt_allocation **out)
{
    struct d3dkmt_allocation *alloc;
    NTSTATUS status;

    if (!(alloc = allocation_new(device, entry->size, entry->type, entry->d3d_priority))) return STATUS_NO_MEMORY;
    if ((status = d3dkmt_handle_reserve(&alloc->obj)))
    {
        free(alloc);
        return status;
    }
    /* Nothing is trimmed for it: the memory exists already, the application's. */
    pthread_mutex_lock(&device->lock);
    if (!(status = d3dkmt_vidmm_import_host_memory_locked(device, alloc, entry->system_mem)))
        device->stats.AllocationsLive++;
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
static NTSTATUS create_one(struct d3dkmt_device *device, const struct create_entry *entry,
                           struct d3dkmt_allocation **out)
{
    struct d3dkmt_allocation *alloc;
    VkDeviceMemory memory;
    VkBufferCreateInfo info;
    NTSTATUS status;
    VkResult vr;

    if (!(alloc = allocation_new(device, entry->size, entry->type, entry->d3d_priority))) return STATUS_NO_MEMORY;
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
static void discard_unpublished(struct d3dkmt_allocation *alloc)
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
static NTSTATUS create_all(struct d3dkmt_device *device, const struct create_entry *entries, UINT n,
                           bool new_resource, struct d3dkmt_resource **resource, struct d3dkmt_allocation **allocs)
{
    NTSTATUS status;
    UINT i;

    if (new_resource && (status = resource_create(device, resource))) return status;
    for (i = 0; i < n; i++)
    {
        if (entries[i].system_mem) status = create_one_standard(device, &entries[i], &allocs[i]);
        else status = create_one(device, &entries[i], &allocs[i]);
        if (!status) continue;
        while (i--) discard_unpublished(allocs[i]);
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
static NTSTATUS publish_all(struct d3dkmt_device *device, struct d3dkmt_resource *resource, bool new_resource,
                            struct d3dkmt_allocation **allocs, UINT n, struct d3dkmt_object **objs)
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
static D3DGPU_VIRTUAL_ADDRESS buffer_address(struct d3dkmt_device *device, VkBuffer buffer)
{
    VkBufferDeviceAddressInfo addr = { .sType = VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO, .buffer = buffer };
    return device->bda && buffer ? device->vkd.vkGetBufferDeviceAddress(device->vk, &addr) : 0;
}

/* The description of a new shared resource over the standard allocations of `entries`, with its
 * global handle (two references: the resource's and the global entry's).  STATUS_SUCCESS or
 * STATUS_NO_MEMORY. */
static NTSTATUS shared_create(const D3DKMT_CREATEALLOCATION *desc, const struct create_entry *entries, UINT n,
                              struct d3dkmt_shared_resource **out)
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

static NTSTATUS create_allocations(D3DKMT_CREATEALLOCATION *desc, bool v2)
{
    struct d3dkmt_shared_resource *shared = NULL;
    struct d3dkmt_allocation **allocs = NULL;
    struct d3dkmt_resource *resource = NULL;
    struct create_entry *entries = NULL;
    struct d3dkmt_object **objs = NULL;
    struct d3dkmt_device *device;
    bool new_resource, standard;
    NTSTATUS status;
    UINT n, i;

    if (!desc || !desc->pAllocationInfo) return STATUS_INVALID_PARAMETER;
    n = desc->NumAllocations;
    if (!n || n > D3DKMT_MAX_CREATE_LIST) return STATUS_INVALID_PARAMETER;
    if (desc->Flags.CreateProtected || desc->Flags.CrossAdapter || desc->Flags.OpenCrossAdapter
            || desc->Flags.ExistingSection)
        return STATUS_INVALID_PARAMETER;
    /* Standard allocations go with existing system memory, and only they (docs/decisions/allocations.md). */
    standard = desc->Flags.StandardAllocation;
    if (standard != desc->Flags.ExistingSysMem) return STATUS_INVALID_PARAMETER;
    new_resource = desc->Flags.CreateResource;
    if (desc->Flags.CreateShared && !new_resource) return STATUS_INVALID_PARAMETER;
    if (desc->Flags.NtSecuritySharing && !desc->Flags.CreateShared) return STATUS_INVALID_PARAMETER;
    if (desc->PrivateRuntimeDataSize > MAX_RUNTIME_DATA || (desc->PrivateRuntimeDataSize && !desc->pPrivateRuntimeData))
        return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_device_status(device))) goto done;
    d3dkmt_tracker_poll(device);

    /* hResource must name a resource of the device (STATUS_INVALID_HANDLE), and is for adding the
     * library's own allocations to it: not with CreateResource, not for standard allocations. */
    if (desc->hResource)
    {
        status = STATUS_INVALID_HANDLE;
        if (!(resource = d3dkmt_resource_get(desc->hResource, device))) goto done;
        status = STATUS_INVALID_PARAMETER;
        if (new_resource || standard) goto done;
    }
    status = STATUS_NO_MEMORY;
    if (!(allocs = calloc(n, sizeof(*allocs))) || !(entries = calloc(n, sizeof(*entries)))
            || !(objs = malloc((n + 1) * sizeof(*objs))))
        goto done;
    if ((status = d3dkmt_device_ready(device))) goto done;
    if (standard) status = parse_standard(device, desc, v2, entries);
    else status = parse_create_entries(device, desc, v2, entries);
    if (status) goto done;
    if (desc->Flags.CreateShared && !standard)
    {
        FIXME("shared resources of the library's own allocations are not supported");
        status = STATUS_NOT_SUPPORTED;
        goto done;
    }
    if ((status = create_all(device, entries, n, new_resource, &resource, allocs))) goto done;
    /* NtSecuritySharing: shared through NT handles only, which are not supported: no global handle. */
    if (desc->Flags.CreateShared && !desc->Flags.NtSecuritySharing
            && (status = shared_create(desc, entries, n, &shared)))
    {
        for (i = 0; i < n; i++) discard_unpublished(allocs[i]);
        d3dkmt_handle_unreserve(&resource->obj);
        d3dkmt_object_put(&resource->obj);
        resource = NULL;
        goto done;
    }
    if (shared)
    {
        resource->shared = shared;
        atomic_init(&resource->global_held, true);
    }

    /* Out: the handles (written before publishing), hGlobalShare (output only). */
    for (i = 0; i < n; i++)
    {
        if (v2)
        {
            desc->pAllocationInfo2[i].hAllocation = allocs[i]->obj.handle;
            desc->pAllocationInfo2[i].GpuVirtualAddress = buffer_address(device, allocs[i]->buffer);
        }
        else desc->pAllocationInfo[i].hAllocation = allocs[i]->obj.handle;
    }
    if (new_resource) desc->hResource = resource->obj.handle;
    desc->hGlobalShare = shared ? shared->global : 0;
    status = publish_all(device, resource, new_resource, allocs, n, objs);
    if (new_resource) resource = NULL;   /* the table holds (or held) the creation reference */

done:
    if (resource) d3dkmt_object_put(&resource->obj);
    free(allocs);
    free(entries);
    free(objs);
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTCreateAllocation2
 *
 * desc->hDevice: a device.  desc->NumAllocations: 1 to 1024 entries of desc->pAllocationInfo2.
 * The library's own allocations: each entry's pPrivateDriverData points at a
 * D3DKMT_VK_ALLOCATIONDATA (PrivateDriverDataSize its size; docs/private-driver-data.md),
 * pSystemMem NULL, Flags.Primary/Stereo 0; Flags.OverridePriority takes Priority instead of the
 * private data's.  Standard allocations (Flags.StandardAllocation with Flags.ExistingSysMem):
 * desc->pStandardAllocation (pPrivateDriverData's place, PrivateDriverDataSize 0) is a
 * D3DKMT_CREATESTANDARDALLOCATION of type EXISTINGHEAP whose Size is a whole number of 4 KiB
 * pages; one entry, whose pSystemMem is that existing heap (4 KiB aligned, and to the device's
 * minImportedHostPointerAlignment), imported with VK_EXT_external_memory_host; its private
 * driver data is accepted and not used (docs/decisions/existing-heap.md).  Out per entry:
 * hAllocation and GpuVirtualAddress (the buffer's device address, 0 without bufferDeviceAddress).
 * desc->Flags.CreateResource: also create a resource grouping them, returned in desc->hResource
 * (desc->hResource must be 0); otherwise a non-zero desc->hResource adds the library's own
 * allocations to that existing resource (not standard allocations, as on Windows).
 * desc->Flags.CreateShared (with CreateResource; standard allocations only): the resource gets a
 * global handle, out in desc->hGlobalShare, for D3DKMTQueryResourceInfo / D3DKMTOpenResource(2)
 * in this process; with NtSecuritySharing no global handle is made (sharing through NT handles
 * is not supported).  desc->hGlobalShare is output only: 0 unless shared.  The private runtime
 * data (up to 1 MiB) is kept with a shared resource.  Protected, cross-adapter and section
 * allocations are not supported.  Creating memory in the LOCAL group first trims offered memory
 * when over budget.  All or nothing: on failure no handle is created.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or array NULL, count 0 or above 1024,
 * bad device, bad private data or standard allocation, unsupported flags, StandardAllocation
 * without ExistingSysMem or the reverse, CreateShared without CreateResource, NtSecuritySharing
 * without CreateShared, hResource with CreateResource or with a standard allocation);
 * STATUS_INVALID_HANDLE (hResource not a resource of the device; or another thread destroyed the
 * device during the call, docs/decisions/lifetime.md); STATUS_NOT_SUPPORTED (standard allocations
 * on a device without VK_EXT_external_memory_host, INTERNALBACKINGSTORE, shared resources of the
 * library's own allocations; or the device's VkDevice, made by the first call that needs it, could
 * not be made); STATUS_NO_MEMORY; STATUS_GRAPHICS_NO_VIDEO_MEMORY (the driver is out of memory);
 * STATUS_DEVICE_REMOVED.
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
    bool queued = false;
    UINT i;

    pthread_mutex_lock(&device->lock);
    for (i = 0; i < batch->count; i++)
    {
        d3dkmt_vidmm_free_allocation_memory_locked(device, batch->allocs[i]);
        queued |= batch->allocs[i]->priority_queued;
    }
    /* A priority change still queued must not keep them (buffer, statistics) beyond the destroy. */
    if (queued) d3dkmt_vidmm_priority_forget_locked(device);
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

/* Collects what a DestroyAllocation2 call destroys: the listed allocations and those of
 * desc->hResource (*resource, referenced), each once, into a malloc'ed array of referenced
 * allocations (*all, *total).  STATUS_SUCCESS, STATUS_INVALID_PARAMETER (a bad or repeated
 * handle) or STATUS_NO_MEMORY; nothing is kept on failure. */
static NTSTATUS collect_destroy_targets(struct d3dkmt_device *device, const D3DKMT_DESTROYALLOCATION2 *desc,
                                        struct d3dkmt_resource **resource, struct d3dkmt_allocation ***all,
                                        UINT *total)
{
    struct d3dkmt_allocation **listed = NULL, **owned = NULL, **out = NULL;
    UINT listed_count = 0, owned_count = 0, n = 0, i, j;
    NTSTATUS status;

    *resource = NULL;
    if (desc->AllocationCount
            && (status = d3dkmt_vidmm_lookup_list(device, desc->phAllocationList, desc->AllocationCount,
                                                  false, &listed, &listed_count)))
        return status;
    if (desc->hResource)
    {
        status = STATUS_INVALID_PARAMETER;
        if (!(*resource = d3dkmt_resource_get(desc->hResource, device))) goto done;
        if ((status = d3dkmt_vidmm_lookup_list(device, &desc->hResource, 1, true, &owned, &owned_count)))
            goto done;
    }
    status = STATUS_NO_MEMORY;
    if (!(out = malloc((listed_count + owned_count + 1) * sizeof(*out)))) goto done;

    /* A handle listed twice is refused; one listed and also in hResource is destroyed once. */
    status = STATUS_INVALID_PARAMETER;
    for (i = 0; i < listed_count; i++)
        for (j = i + 1; j < listed_count; j++)
            if (listed[i] == listed[j]) goto done;
    for (i = 0; i < owned_count; i++) out[n++] = owned[i];
    for (i = 0; i < listed_count; i++)
    {
        for (j = 0; j < owned_count; j++) if (owned[j] == listed[i]) break;
        if (j == owned_count) { out[n++] = listed[i]; d3dkmt_object_get(&listed[i]->obj); }
    }
    free(owned);   /* its references moved to out */
    owned = NULL;
    owned_count = 0;
    *all = out;
    *total = n;
    out = NULL;
    status = STATUS_SUCCESS;

done:
    d3dkmt_allocation_put_list(listed, listed_count);
    d3dkmt_allocation_put_list(owned, owned_count);
    free(out);
    if (status && *resource)
    {
        d3dkmt_object_put(&(*resource)->obj);
        *resource = NULL;
    }
    return status;
}

/* Stops the handles of the allocations (and the resource) and takes them out of the residency
 * state: they are invalid from here on, whatever happens to the memory.  Returns the highest bind
 * value of their buffers (0 when none): what freeing their memory must wait for. */
static uint64_t stop_destroy_targets(struct d3dkmt_device *device, struct d3dkmt_allocation **all, UINT total,
                                     struct d3dkmt_resource *resource)
{
    uint64_t bind = 0, value;
    UINT i;

    for (i = 0; i < total; i++) d3dkmt_handle_remove(&all[i]->obj);
    if (resource && d3dkmt_handle_remove(&resource->obj)) resource_close_global(resource);

    pthread_mutex_lock(&device->lock);
    for (i = 0; i < total; i++)
    {
        struct d3dkmt_allocation *a = all[i];
        a->flags |= D3DKMT_ALLOC_DESTROYED;
        a->flags &= ~(D3DKMT_ALLOC_OFFERED | D3DKMT_ALLOC_OFFER_PENDING);
        d3dkmt_list_unlink(&a->offer_link);
        d3dkmt_resource_unlink_locked(a);
        /* DESTROYED: nothing binds its buffer again, so this is its last bind. */
        if ((value = d3dkmt_vidmm_bind_value(device, a)) > bind) bind = value;
    }
    pthread_mutex_unlock(&device->lock);
    return bind;
}

/***********************************************************************
 *           D3DKMTDestroyAllocation2
 *
 * desc->hDevice: a device.  desc->hResource: 0, or a resource of it, destroyed with all its
 * allocations.  desc->phAllocationList / AllocationCount (0 to 1024): allocations of the device to
 * destroy (they may be of any resource; docs/decisions/destroy.md).  At least one of the two.
 * desc->Flags: AssumeNotInUse = 0 frees the memory only after all GPU work queued on the device
 * before the call completed (the fence tracker; the call itself does not wait); = 1 frees it now,
 * except that a pending sparse bind of that very memory is still waited for (never the device's
 * other binds or work).  SynchronousDestroy = 1 returns only once the memory is freed (it waits
 * for exactly what the free waits for).  SystemUseOnly set is refused.  Offered allocations may be
 * destroyed.  Every handle is invalid as soon as the call returns.  All or nothing: a bad entry
 * destroys nothing, and so does a lack of memory for the bookkeeping (allocated first).
 * Nothing to destroy (no list, hResource 0) is a no-op that succeeds, as on Windows.  Destroying
 * a resource created shared (or opened) stops it counting for its global handle, which dies with
 * the last such resource (docs/decisions/sharing.md).
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, SystemUseOnly, count above 1024
 * or list NULL with a count, bad device, a bad or repeated handle); STATUS_NO_MEMORY (nothing
 * destroyed).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtdestroyallocation2 and d3dukmdt/ns-d3dukmdt-d3dddicb_destroyallocation2flags;
 * docs/decisions/destroy.md, docs/decisions/waits.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTDestroyAllocation2(const D3DKMT_DESTROYALLOCATION2 *desc)
{
    struct d3dkmt_allocation **all = NULL;
    struct d3dkmt_resource *resource;
    struct d3dkmt_deferred *deferred;
    struct destroy_batch *batch;
    struct d3dkmt_device *device;
    UINT total = 0;
    uint64_t bind;
    NTSTATUS status;

    if (!desc || desc->Flags.SystemUseOnly) return STATUS_INVALID_PARAMETER;
    if (desc->AllocationCount > D3DKMT_MAX_CREATE_LIST) return STATUS_INVALID_PARAMETER;
    if (desc->AllocationCount && !desc->phAllocationList) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    if (!desc->AllocationCount && !desc->hResource)
    {
        /* Nothing to destroy: a no-op that succeeds, as on Windows. */
        d3dkmt_device_put(device);
        return STATUS_SUCCESS;
    }
    d3dkmt_tracker_poll(device);

    if ((status = collect_destroy_targets(device, desc, &resource, &all, &total))) goto done;
    /* Everything that can fail before anything is stopped: the batch and the tracker's record
     * (whose snapshot is the GPU work queued before the call). */
    batch = calloc(1, sizeof(*batch));
    deferred = batch ? d3dkmt_tracker_prepare(device, desc->Flags.AssumeNotInUse ? D3DKMT_WAIT_NONE : D3DKMT_WAIT_WORK)
                     : NULL;
    if (!deferred)
    {
        free(batch);
        d3dkmt_allocation_put_list(all, total);
        status = STATUS_NO_MEMORY;
        goto done;
    }
    bind = stop_destroy_targets(device, all, total, resource);

    batch->allocs = all;
    batch->count = total;
    batch->synchronous = desc->Flags.SynchronousDestroy;
    d3dkmt_tracker_commit(device, deferred, bind, destroy_batch_run, batch, false);
    if (desc->Flags.SynchronousDestroy)
    {
        pthread_mutex_lock(&device->tracker.lock);
        while (!atomic_load(&batch->done)) pthread_cond_wait(&device->tracker.cond, &device->tracker.lock);
        pthread_mutex_unlock(&device->tracker.lock);
        free(batch);
    }
    status = STATUS_SUCCESS;

done:
    if (resource) d3dkmt_object_put(&resource->obj);
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTDestroyAllocation
 *
 * As D3DKMTDestroyAllocation2 with Flags = 0, which is how Microsoft's d3dkmthk.h defines the
 * first version.
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

/* ---- Shared resources: query and open (docs/decisions/sharing.md) ---- */

/* Bytes of the total private driver data of a shared resource: one D3DKMT_VK_ALLOCATIONDATA per
 * allocation (docs/private-driver-data.md); the resource's own private driver data is empty. */
static UINT shared_driver_data_size(const struct d3dkmt_shared_resource *shared)
{
    return shared->count * sizeof(D3DKMT_VK_ALLOCATIONDATA);
}

/***********************************************************************
 *           D3DKMTQueryResourceInfo
 *
 * desc->hDevice: a device.  desc->hGlobalShare: the global handle of a resource created shared
 * (CreateResource + CreateShared) in this process.  Out: PrivateRuntimeDataSize, the bytes of
 * private runtime data the resource was created with; TotalPrivateDriverDataSize, the bytes
 * D3DKMTOpenResource writes to its total driver data buffer; ResourcePrivateDriverDataSize 0;
 * NumAllocations.  pPrivateRuntimeData is not written (as on Windows: D3DKMTOpenResource gives the
 * data).
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, bad device, hGlobalShare not the
 * global handle of a live shared resource, a local handle included).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtqueryresourceinfo; docs/decisions/sharing.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTQueryResourceInfo(D3DKMT_QUERYRESOURCEINFO *desc)
{
    struct d3dkmt_shared_resource *shared;
    struct d3dkmt_device *device;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    d3dkmt_device_put(device);
    if (!(shared = d3dkmt_global_lookup(desc->hGlobalShare, D3DKMT_OBJ_RESOURCE))) return STATUS_INVALID_PARAMETER;
    desc->PrivateRuntimeDataSize = shared->runtime_size;
    desc->TotalPrivateDriverDataSize = shared_driver_data_size(shared);
    desc->ResourcePrivateDriverDataSize = 0;
    desc->NumAllocations = shared->count;
    shared_put(shared);
    return STATUS_SUCCESS;
}

/* Checks an open against the shared description: the sizes must be the ones QueryResourceInfo
 * gives (exactly for the runtime and resource data, at least for the total buffer). */
static NTSTATUS check_open(const D3DKMT_OPENRESOURCE *desc, const struct d3dkmt_shared_resource *shared)
{
    if (desc->NumAllocations != shared->count || !desc->pOpenAllocationInfo) return STATUS_INVALID_PARAMETER;
    if (desc->PrivateRuntimeDataSize != shared->runtime_size || (shared->runtime_size && !desc->pPrivateRuntimeData))
        return STATUS_INVALID_PARAMETER;
    if (desc->ResourcePrivateDriverDataSize) return STATUS_INVALID_PARAMETER;
    if (desc->TotalPrivateDriverDataBufferSize < shared_driver_data_size(shared) || !desc->pTotalPrivateDriverDataBuffer)
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

static NTSTATUS open_resource(D3DKMT_OPENRESOURCE *desc, bool v2)
{
    struct d3dkmt_shared_resource *shared;
    struct d3dkmt_allocation **allocs = NULL;
    struct d3dkmt_resource *resource = NULL;
    struct create_entry *entries = NULL;
    struct d3dkmt_object **objs = NULL;
    struct d3dkmt_device *device;
    NTSTATUS status;
    UINT i, n;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    if (!(shared = d3dkmt_global_open(desc->hGlobalShare, D3DKMT_OBJ_RESOURCE)))
    {
        d3dkmt_device_put(device);
        return STATUS_INVALID_PARAMETER;
    }
    if ((status = check_open(desc, shared))) goto fail;
    if ((status = d3dkmt_device_status(device))) goto fail;
    d3dkmt_tracker_poll(device);
    if ((status = d3dkmt_device_ready(device))) goto fail;
    n = shared->count;
    status = STATUS_NO_MEMORY;
    if (!(allocs = calloc(n, sizeof(*allocs))) || !(entries = calloc(n, sizeof(*entries)))
            || !(objs = malloc((n + 1) * sizeof(*objs))))
        goto fail;
    /* The same existing heaps, imported again on the opening device. */
    for (i = 0; i < n; i++)
    {
        entries[i].size = shared->allocs[i].data.Size;
        entries[i].d3d_priority = shared->allocs[i].data.Priority;
        entries[i].system_mem = shared->allocs[i].system_mem;
        if ((status = d3dkmt_vidmm_host_memory_type(device, entries[i].system_mem, entries[i].size, &entries[i].type)))
            goto fail;
    }
    if ((status = create_all(device, entries, n, true, &resource, allocs))) goto fail;
    resource->shared = shared;   /* the reference d3dkmt_global_open took */
    atomic_init(&resource->global_held, true);

    /* Out, before publishing.  Each allocation's PrivateDriverDataSize says how much of the total
     * buffer is its own; its own buffer is not written (as on Windows). */
    desc->hResource = resource->obj.handle;
    for (i = 0; i < n; i++)
    {
        if (v2)
        {
            desc->pOpenAllocationInfo2[i].hAllocation = allocs[i]->obj.handle;
            desc->pOpenAllocationInfo2[i].PrivateDriverDataSize = sizeof(D3DKMT_VK_ALLOCATIONDATA);
            desc->pOpenAllocationInfo2[i].GpuVirtualAddress = buffer_address(device, allocs[i]->buffer);
        }
        else
        {
            desc->pOpenAllocationInfo[i].hAllocation = allocs[i]->obj.handle;
            desc->pOpenAllocationInfo[i].PrivateDriverDataSize = sizeof(D3DKMT_VK_ALLOCATIONDATA);
        }
        memcpy((char *)desc->pTotalPrivateDriverDataBuffer + i * sizeof(D3DKMT_VK_ALLOCATIONDATA),
               &shared->allocs[i].data, sizeof(D3DKMT_VK_ALLOCATIONDATA));
    }
    if (shared->runtime_size) memcpy(desc->pPrivateRuntimeData, shared->runtime_data, shared->runtime_size);
    desc->TotalPrivateDriverDataBufferSize = shared_driver_data_size(shared);
    desc->ResourcePrivateDriverDataSize = 0;
    status = publish_all(device, resource, true, allocs, n, objs);
    free(allocs);
    free(entries);
    free(objs);
    d3dkmt_device_put(device);
    return status;

fail:
    shared_close(shared);
    shared_put(shared);
    free(allocs);
    free(entries);
    free(objs);
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTOpenResource
 *
 * desc->hDevice: a device (of any adapter).  desc->hGlobalShare: the global handle of a resource
 * created shared in this process.  desc->NumAllocations: the resource's count (from
 * D3DKMTQueryResourceInfo); desc->pOpenAllocationInfo: as many D3DDDI_OPENALLOCATIONINFO, out:
 * hAllocation and PrivateDriverDataSize (its part of the total buffer; pPrivateDriverData is not
 * written).  desc->pPrivateRuntimeData / PrivateRuntimeDataSize: exactly the stored size, out the
 * data; desc->pResourcePrivateDriverData / ResourcePrivateDriverDataSize: 0 (the stored size);
 * desc->pTotalPrivateDriverDataBuffer / TotalPrivateDriverDataBufferSize: at least
 * TotalPrivateDriverDataSize, out the data (one D3DKMT_VK_ALLOCATIONDATA per allocation,
 * docs/private-driver-data.md) and its size.  Out: desc->hResource, a new resource of the device
 * whose allocations are new allocations over the same memory (standard allocations: the same
 * existing heap, imported on this device); destroy it with D3DKMTDestroyAllocation(hResource).
 * While it lives the global handle does (docs/decisions/sharing.md).  All or nothing.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, bad device, hGlobalShare not the
 * global handle of a live shared resource, NumAllocations or a size not as stored, a NULL buffer);
 * STATUS_NOT_SUPPORTED (the device cannot import system memory, or its VkDevice, made by the first
 * call that needs it, could not be made); STATUS_NO_MEMORY;
 * STATUS_DEVICE_REMOVED; STATUS_INVALID_HANDLE (another thread destroyed the device during the call).
 * Opening a resource of another process, or by NT handle, is not supported.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtopenresource; docs/decisions/sharing.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTOpenResource(D3DKMT_OPENRESOURCE *desc)
{
    return open_resource(desc, false);
}

/***********************************************************************
 *           D3DKMTOpenResource2
 *
 * As D3DKMTOpenResource with desc->pOpenAllocationInfo2 (D3DDDI_OPENALLOCATIONINFO2: also
 * GpuVirtualAddress out, the buffer's device address, 0 without bufferDeviceAddress).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtopenresource2; docs/decisions/sharing.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTOpenResource2(D3DKMT_OPENRESOURCE *desc)
{
    return open_resource(desc, true);
}

/* ---- CPU access ---- */

/* Looks up the device and one of its allocations: both referenced, or STATUS_INVALID_PARAMETER. */
static NTSTATUS get_device_allocation(D3DKMT_HANDLE hDevice, D3DKMT_HANDLE hAllocation,
                                      struct d3dkmt_device **device, struct d3dkmt_allocation **alloc)
{
    if (!(*device = d3dkmt_device_get(hDevice))) return STATUS_INVALID_PARAMETER;
    if ((*alloc = d3dkmt_allocation_get(hAllocation, *device))) return STATUS_SUCCESS;
    d3dkmt_device_put(*device);
    return STATUS_INVALID_PARAMETER;
}

/***********************************************************************
 *           D3DKMTLock2
 *
 * desc->hDevice, desc->hAllocation: an allocation of the device whose memory is host visible.
 * desc->Flags: must be 0.  desc->pData: out, the CPU address of the allocation's first byte,
 * valid until D3DKMTUnlock2.  One lock at a time per allocation.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, bad handles, flags, already
 * locked, offered, or without memory: discarded or decommitted); STATUS_NOT_SUPPORTED (memory not
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
    if ((status = get_device_allocation(desc->hDevice, desc->hAllocation, &device, &alloc))) return status;
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
    NTSTATUS status;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if ((status = get_device_allocation(desc->hDevice, desc->hAllocation, &device, &alloc))) return status;
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
    if (get_device_allocation(hDevice, hAllocation, &device, &alloc)) return STATUS_INVALID_HANDLE;
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
    /* The memory came from the device's VkDevice (d3dkmt_host_get_device_info made it). */
    if ((status = d3dkmt_device_ready(device))) goto done;
    status = STATUS_NO_MEMORY;
    if (!(alloc = allocation_new(device, size, memory_type_index, D3DDDI_ALLOCATIONPRIORITY_NORMAL))) goto done;
    alloc->memory = memory;
    alloc->flags |= D3DKMT_ALLOC_IMPORTED;
    if ((status = d3dkmt_handle_reserve(&alloc->obj)))
    {
        free(alloc);
        goto done;
    }
    d3dkmt_object_get(&device->obj);
    pthread_mutex_lock(&device->lock);
    d3dkmt_vidmm_account(device, alloc, true);
    device->stats.AllocationsLive++;
    pthread_mutex_unlock(&device->lock);
    *hAllocation = alloc->obj.handle;
    d3dkmt_object_get(&alloc->obj);   /* published, it may be destroyed by another thread */
    /* If DestroyDevice ran meanwhile the memory goes with the device. */
    status = d3dkmt_device_publish_children(device, &(struct d3dkmt_object *){ &alloc->obj }, 1);
    d3dkmt_allocation_put(alloc);
done:
    d3dkmt_device_put(device);
    return status;
}
