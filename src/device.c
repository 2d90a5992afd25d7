/*
 * device.c: devices.  D3DKMTCreateDevice, D3DKMTDestroyDevice and the host API's device calls
 * (interop, tracked submission, the queue lock, shutdown).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Lifetime: every object created on a device holds a reference on it, so the VkDevice (destroyed
 * in device_release, when the last reference goes) outlives all their Vulkan objects.
 * D3DKMTDestroyDevice stops the device handle, waits for the GPU, drains the fence tracker and
 * stops every child handle; the children free their memory as their last references go.
 *
 * Layer 6 (src/d3dkmt_private.h): calls tracker.c, adapter.c, vulkan.c and handle.c.
 */
#include "d3dkmt_private.h"

#include <stdlib.h>
#include <string.h>

/* Devices also known under a value of Wine 8 / 10.0's counter (docs/decisions/wine-handles.md). */
static struct d3dkmt_alias_map device_aliases = D3DKMT_ALIAS_MAP_INIT;

struct d3dkmt_device *d3dkmt_device_get(D3DKMT_HANDLE handle)
{
    struct d3dkmt_object *obj;

    if ((obj = d3dkmt_handle_get(handle, D3DKMT_OBJ_DEVICE, NULL))) return (struct d3dkmt_device *)obj;
    return (struct d3dkmt_device *)d3dkmt_alias_get(&device_aliases, handle);
}

NTSTATUS d3dkmt_device_status(struct d3dkmt_device *device)
{
    return atomic_load_explicit(&device->removed, memory_order_relaxed) ? STATUS_DEVICE_REMOVED : STATUS_SUCCESS;
}

/* Picks the memory type for each placement among `bits` (the allocation buffer's memoryTypeBits). */
static bool choose_memory_types(struct d3dkmt_device *device, uint32_t bits)
{
    const VkPhysicalDeviceMemoryProperties *mp = &device->adapter->mem_props;
    const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    uint32_t i, local = UINT32_MAX, host_any = UINT32_MAX, host_sys = UINT32_MAX;

    for (i = 0; i < mp->memoryTypeCount; i++)
    {
        VkMemoryPropertyFlags f = mp->memoryTypes[i].propertyFlags;
        if (!(bits & (1u << i)) || (f & VK_MEMORY_PROPERTY_PROTECTED_BIT)) continue;
        if (local == UINT32_MAX && (f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT)) local = i;
        if ((f & host) == host)
        {
            if (host_any == UINT32_MAX) host_any = i;
            if (host_sys == UINT32_MAX && !(f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT)) host_sys = i;
        }
    }
    if (host_sys == UINT32_MAX) host_sys = host_any;
    if (local == UINT32_MAX) local = host_sys;
    if (local == UINT32_MAX || host_sys == UINT32_MAX) return false;
    device->local_type = local;
    device->host_type = host_sys;
    return true;
}

VkBufferCreateInfo d3dkmt_device_buffer_info(const struct d3dkmt_device *device, VkDeviceSize size)
{
    VkBufferCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .flags = device->sparse ? VK_BUFFER_CREATE_SPARSE_BINDING_BIT : 0,
        .size = size,
        .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT
               | VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT
               | VK_BUFFER_USAGE_INDEX_BUFFER_BIT | VK_BUFFER_USAGE_VERTEX_BUFFER_BIT
               | VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT
               | (device->bda ? VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT : 0),
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    return info;
}

/* Learns the memory types and the sparse page size from a probe buffer. */
static NTSTATUS probe_buffers(struct d3dkmt_device *device)
{
    VkBufferCreateInfo info = d3dkmt_device_buffer_info(device, 65536);
    VkMemoryRequirements reqs;
    VkBuffer probe;
    VkResult vr;

    if ((vr = device->vkd.vkCreateBuffer(device->vk, &info, NULL, &probe)) != VK_SUCCESS)
        return d3dkmt_status_from_vk(vr);
    device->vkd.vkGetBufferMemoryRequirements(device->vk, probe, &reqs);
    device->vkd.vkDestroyBuffer(device->vk, probe, NULL);
    device->sparse_alignment = device->sparse ? reqs.alignment : 1;
    if (!choose_memory_types(device, reqs.memoryTypeBits)) return STATUS_NOT_SUPPORTED;
    return STATUS_SUCCESS;
}

static NTSTATUS create_vk_device(struct d3dkmt_device *device)
{
    struct d3dkmt_adapter *adapter = device->adapter;
    const char *extensions[5];
    uint32_t ext_count = 0;
    float queue_priority = 1.0f;
    VkDeviceQueueCreateInfo queue_info = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueFamilyIndex = adapter->queue_family,
        .queueCount = 1,
        .pQueuePriorities = &queue_priority,
    };
    VkPhysicalDevicePageableDeviceLocalMemoryFeaturesEXT pageable = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PAGEABLE_DEVICE_LOCAL_MEMORY_FEATURES_EXT,
        .pageableDeviceLocalMemory = VK_TRUE,
    };
    VkPhysicalDeviceMemoryPriorityFeaturesEXT priority = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PRIORITY_FEATURES_EXT,
        .memoryPriority = VK_TRUE,
    };
    VkPhysicalDeviceVulkan12Features f12 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
        .timelineSemaphore = VK_TRUE,
        .bufferDeviceAddress = adapter->has_bda,
    };
    VkPhysicalDeviceVulkan13Features f13 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES,
        .pNext = &f12,
        .synchronization2 = VK_TRUE,
    };
    VkPhysicalDeviceFeatures2 features = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
        .pNext = &f13,
        .features.sparseBinding = adapter->has_sparse_binding,
    };
    VkDeviceCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .pNext = &features,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &queue_info,
        .ppEnabledExtensionNames = extensions,
    };
    PFN_vkGetDeviceProcAddr gdpa;
    VkResult vr;

    if (adapter->has_memory_priority)
    {
        extensions[ext_count++] = VK_EXT_MEMORY_PRIORITY_EXTENSION_NAME;
        priority.pNext = f12.pNext; f12.pNext = &priority;
    }
    if (adapter->has_pageable)
    {
        extensions[ext_count++] = VK_EXT_PAGEABLE_DEVICE_LOCAL_MEMORY_EXTENSION_NAME;
        pageable.pNext = f12.pNext; f12.pNext = &pageable;
    }
    if (adapter->has_memory_budget) extensions[ext_count++] = VK_EXT_MEMORY_BUDGET_EXTENSION_NAME;
    if (adapter->has_host_import) extensions[ext_count++] = VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME;
    info.enabledExtensionCount = ext_count;

    if ((vr = g_vk.vki.vkCreateDevice(adapter->physical_device, &info, NULL, &device->vk)) != VK_SUCCESS)
    {
        ERR("vkCreateDevice failed: %d", vr);
        device->vk = VK_NULL_HANDLE;
        return d3dkmt_status_from_vk(vr);
    }
    gdpa = g_vk.vki.vkGetDeviceProcAddr;
#define X(name) device->vkd.name = (PFN_##name)gdpa(device->vk, #name);
    D3DKMT_VK_DEVICE_FUNCS(X)
#undef X
    device->vkd.vkGetDeviceQueue(device->vk, adapter->queue_family, 0, &device->queue);
    device->queue_family = adapter->queue_family;
    if (device->pageable && !device->vkd.vkSetDeviceMemoryPriorityEXT)
    {
        /* The extension is enabled, so the driver must have the function: a broken driver. */
        ERR("VK_EXT_pageable_device_local_memory enabled without vkSetDeviceMemoryPriorityEXT");
        device->vkd.vkDestroyDevice(device->vk, NULL);
        device->vk = VK_NULL_HANDLE;
        return STATUS_NOT_SUPPORTED;
    }
    if (device->host_import && !device->vkd.vkGetMemoryHostPointerPropertiesEXT)
    {
        /* The same for VK_EXT_external_memory_host. */
        ERR("VK_EXT_external_memory_host enabled without vkGetMemoryHostPointerPropertiesEXT");
        device->vkd.vkDestroyDevice(device->vk, NULL);
        device->vk = VK_NULL_HANDLE;
        return STATUS_NOT_SUPPORTED;
    }
    return STATUS_SUCCESS;
}

/* What the device's VkDevice will have on, from the adapter (no VkDevice needed): the device's
 * info and statistics report it from creation on. */
static void init_capabilities(struct d3dkmt_device *device)
{
    struct d3dkmt_adapter *adapter = device->adapter;

    device->memory_priority = adapter->has_memory_priority;
    device->pageable = adapter->has_pageable;
    device->memory_budget = adapter->has_memory_budget;
    device->sparse = adapter->has_sparse_binding && !getenv("D3DKMT_NO_SPARSE");
    device->bda = adapter->has_bda;
    device->host_import = adapter->has_host_import;
    device->residency_mode = device->pageable ? D3DKMT_HOST_RESIDENCY_PAGEABLE
                           : device->memory_priority ? D3DKMT_HOST_RESIDENCY_PRIORITY
                           : D3DKMT_HOST_RESIDENCY_NONE;
}

NTSTATUS d3dkmt_device_ready(struct d3dkmt_device *device)
{
    NTSTATUS status = STATUS_SUCCESS;

    if (__builtin_expect(atomic_load_explicit(&device->vk_ready, memory_order_acquire), 1)) return STATUS_SUCCESS;
    pthread_mutex_lock(&device->lock);
    if (!atomic_load_explicit(&device->vk_ready, memory_order_relaxed))
    {
        if (!(status = create_vk_device(device)) && !(status = probe_buffers(device))
                && !(status = d3dkmt_tracker_init(device)))
        {
            TRACE("device %#x on %s: VkDevice made, mode %u sparse %d page %llu", device->obj.handle,
                  device->adapter->props.deviceName, device->residency_mode, device->sparse,
                  (unsigned long long)device->sparse_alignment);
            atomic_store_explicit(&device->vk_ready, true, memory_order_release);
        }
        else if (device->vk)
        {
            device->vkd.vkDestroyDevice(device->vk, NULL);
            device->vk = VK_NULL_HANDLE;
        }
    }
    pthread_mutex_unlock(&device->lock);
    return status;
}

/* The device's release function: its last reference went (every child released its own). */
static void device_release(struct d3dkmt_object *obj)
{
    struct d3dkmt_device *device = D3DKMT_CONTAINER(obj, struct d3dkmt_device, obj);
    unsigned int i;

    TRACE("freeing device %#x", device->obj.handle);
    /* First: the budget manager of another device may be looking at this one under the lock. */
    pthread_mutex_lock(&device->adapter->devices_lock);
    d3dkmt_list_remove(&device->adapter_link);
    pthread_mutex_unlock(&device->adapter->devices_lock);
    d3dkmt_tracker_finish(device);
    /* Every allocation held a reference on the device and left the offered lists when released. */
    for (i = 0; i < D3DKMT_ARRAY_SIZE(device->offered); i++)
        if (!d3dkmt_list_empty(&device->offered[i])) ERR("device %#x: offered list %u not empty", device->obj.handle, i);
    if (atomic_load(&device->vk_ready)) device->vkd.vkDestroyDevice(device->vk, NULL);
    pthread_mutex_destroy(&device->queue_lock);
    pthread_mutex_destroy(&device->lock);
    free(device);
}

/***********************************************************************
 *           D3DKMTCreateDevice
 *
 * desc->hAdapter: an adapter handle (pAdapter, the legacy union member, is not supported: the
 * handle is read from the same bytes).  desc->Flags: LegacyMode, RequestVSync and
 * DisableGpuTimeout are accepted and have no effect.  desc->hDevice: out.  pCommandBuffer,
 * pAllocationList, pPatchLocationList: out, set to NULL with sizes 0 (there is no legacy DMA path).
 * The device's VkDevice is made by the first call that needs one (an allocation, a paging queue,
 * a fence, the host API's Vulkan calls: d3dkmt_device_ready), so a device that only names an
 * adapter costs no VkDevice.  It has timeline semaphores and, where the adapter has them,
 * VK_EXT_memory_priority, VK_EXT_pageable_device_local_memory, VK_EXT_memory_budget,
 * VK_EXT_external_memory_host (standard allocations over existing system memory) and sparse
 * binding (d3dkmt_host_get_device_info and the statistics escape say which, from creation on).
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, bad adapter handle);
 * STATUS_NO_MEMORY.  (vkCreateDevice's failures come from the first call that needs the VkDevice.)
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtcreatedevice; docs/bench.md (what a device costs).
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTCreateDevice(D3DKMT_CREATEDEVICE *desc)
{
    struct d3dkmt_adapter *adapter;
    struct d3dkmt_device *device;
    NTSTATUS status;
    unsigned int i;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_init())) return status;
    if (!(adapter = d3dkmt_adapter_from_handle(desc->hAdapter))) return STATUS_INVALID_PARAMETER;
    if (!(device = calloc(1, sizeof(*device)))) return STATUS_NO_MEMORY;
    d3dkmt_object_init(&device->obj, D3DKMT_OBJ_DEVICE, NULL, device_release);
    device->adapter = adapter;
    pthread_mutex_init(&device->lock, NULL);
    pthread_mutex_init(&device->queue_lock, NULL);
    for (i = 0; i < 3; i++) d3dkmt_list_init(&device->offered[i]);
    init_capabilities(device);
    d3dkmt_tracker_setup(device);

    if ((status = d3dkmt_handle_reserve(&device->obj)))
    {
        d3dkmt_tracker_finish(device);
        goto fail;
    }
    TRACE("device %#x on %s", device->obj.handle, adapter->props.deviceName);
    desc->pCommandBuffer = NULL;
    desc->CommandBufferSize = 0;
    desc->pAllocationList = NULL;
    desc->AllocationListSize = 0;
    desc->pPatchLocationList = NULL;
    desc->PatchLocationListSize = 0;
    desc->hDevice = device->obj.handle;   /* before publishing: another thread may destroy it at once */
    pthread_mutex_lock(&adapter->devices_lock);
    d3dkmt_list_add_tail(&adapter->devices, &device->adapter_link);
    pthread_mutex_unlock(&adapter->devices_lock);
    d3dkmt_handle_publish(&device->obj);
    return STATUS_SUCCESS;

fail:
    pthread_mutex_destroy(&device->queue_lock);
    pthread_mutex_destroy(&device->lock);
    free(device);
    return status;
}

NTSTATUS d3dkmt_device_publish_children(struct d3dkmt_device *device, struct d3dkmt_object *const *children,
                                        unsigned int count)
{
    unsigned int i;

    for (i = 0; i < count; i++) d3dkmt_handle_publish(children[i]);
    /* The stripe lock taken by each publish orders this read after a sweep that stopped the
     * device before it (D3DKMTDestroyDevice stops the device, then sweeps its children). */
    if (atomic_load(&device->obj.state) == D3DKMT_STATE_ACTIVE) return STATUS_SUCCESS;
    for (i = 0; i < count; i++) d3dkmt_handle_remove(children[i]);
    return STATUS_INVALID_HANDLE;
}

/* Stops one object's handle (a d3dkmt_handle_for_each callback). */
static void stop_object(struct d3dkmt_object *obj, void *ctx)
{
    d3dkmt_handle_remove(obj);
}

/* Waits for the device's GPU work (queue_lock taken here). */
void d3dkmt_device_wait_idle(struct d3dkmt_device *device)
{
    VkResult vr;

    if (!atomic_load_explicit(&device->vk_ready, memory_order_acquire)) return;   /* never had any */
    pthread_mutex_lock(&device->queue_lock);
    vr = device->vkd.vkQueueWaitIdle(device->queue);
    pthread_mutex_unlock(&device->queue_lock);
    if (vr != VK_SUCCESS) d3dkmt_device_check_vk(device, vr);
}

/* Stops the device and everything it owns; called with a reference held. */
static void destroy_device(struct d3dkmt_device *device)
{
    bool removed = d3dkmt_handle_remove(&device->obj);

    d3dkmt_alias_remove_object(&device_aliases, &device->obj);
    if (!removed) return;
    /* Making the VkDevice takes device->lock: once this holds it, none is in the making, and
     * vk_ready says whether one was made. */
    pthread_mutex_lock(&device->lock);
    pthread_mutex_unlock(&device->lock);
    if (!atomic_load_explicit(&device->vk_ready, memory_order_acquire)) return;   /* no children either */
    d3dkmt_device_wait_idle(device);
    while (d3dkmt_tracker_wait_all(device, 1000000000ull) == STATUS_TIMEOUT)
        WARN("device %#x: deferred work still pending after GPU idle", device->obj.handle);
    /* Paging queues and sync objects first (they own semaphores the tracker may watch), then
     * allocations, then resources. */
    d3dkmt_handle_for_each(device, D3DKMT_OBJ_PAGING_QUEUE, stop_object, NULL);
    d3dkmt_handle_for_each(device, D3DKMT_OBJ_SYNC_OBJECT, stop_object, NULL);
    d3dkmt_handle_for_each(device, D3DKMT_OBJ_ALLOCATION, stop_object, NULL);
    d3dkmt_handle_for_each(device, D3DKMT_OBJ_RESOURCE, stop_object, NULL);
    d3dkmt_tracker_wait_all(device, 1000000000ull);
}

/***********************************************************************
 *           D3DKMTDestroyDevice
 *
 * desc->hDevice: a device handle.  Destroys the device and every object created on it
 * (allocations, resources, paging queues, sync objects): waits for its GPU work, runs the pending
 * deferred operations, frees all memory.  Every handle of those objects is invalid afterwards.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL or not a device handle).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtdestroydevice; docs/decisions/lifetime.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTDestroyDevice(const D3DKMT_DESTROYDEVICE *desc)
{
    struct d3dkmt_device *device;

    if (!desc || !(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    destroy_device(device);
    d3dkmt_device_put(device);
    return STATUS_SUCCESS;
}

/* ---- Host API ---- */

D3DKMT_EXPORT NTSTATUS d3dkmt_host_get_device_info(D3DKMT_HANDLE hDevice, struct d3dkmt_host_device_info *info)
{
    struct d3dkmt_device *device;

    NTSTATUS status;

    if (!info) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(hDevice))) return STATUS_INVALID_HANDLE;
    if ((status = d3dkmt_device_ready(device)))
    {
        d3dkmt_device_put(device);
        return status;
    }
    info->instance = g_vk.instance;
    info->physical_device = device->adapter->physical_device;
    info->device = device->vk;
    info->queue = device->queue;
    info->queue_family_index = device->queue_family;
    info->residency_mode = device->residency_mode;
    info->memory_priority = device->memory_priority;
    info->pageable_memory = device->pageable;
    info->memory_budget = device->memory_budget;
    info->sparse_binding = device->sparse;
    info->buffer_device_address = device->bda;
    info->get_device_proc_addr = g_vk.vki.vkGetDeviceProcAddr;
    d3dkmt_device_put(device);
    return STATUS_SUCCESS;
}

D3DKMT_EXPORT NTSTATUS d3dkmt_host_track_gpu_work(D3DKMT_HANDLE hDevice, VkSemaphore semaphore, uint64_t value)
{
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!semaphore) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(hDevice))) return STATUS_INVALID_HANDLE;
    if (!(status = d3dkmt_device_ready(device))) status = d3dkmt_tracker_track(device, semaphore, value);
    d3dkmt_device_put(device);
    return status;
}

D3DKMT_EXPORT NTSTATUS d3dkmt_host_submit(D3DKMT_HANDLE hDevice, const VkSubmitInfo2 *submit, uint64_t *tracked_value)
{
    VkSemaphoreSubmitInfo signals[8], waits[33];
    struct d3dkmt_device *device;
    VkSubmitInfo2 info;
    NTSTATUS status;
    uint64_t value;
    VkResult vr;

    if (!submit || submit->sType != VK_STRUCTURE_TYPE_SUBMIT_INFO_2 || submit->signalSemaphoreInfoCount > 7
            || submit->waitSemaphoreInfoCount > 32)
        return STATUS_INVALID_PARAMETER;
    /* A count with a NULL array is bad input, not something to copy from (docs/bad-input.md). */
    if ((submit->signalSemaphoreInfoCount && !submit->pSignalSemaphoreInfos)
            || (submit->waitSemaphoreInfoCount && !submit->pWaitSemaphoreInfos)
            || (submit->commandBufferInfoCount && !submit->pCommandBufferInfos))
        return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(hDevice))) return STATUS_INVALID_HANDLE;
    if ((status = d3dkmt_device_ready(device)) || (status = d3dkmt_device_status(device))) goto done;

    info = *submit;
    if (submit->signalSemaphoreInfoCount)
        memcpy(signals, submit->pSignalSemaphoreInfos, submit->signalSemaphoreInfoCount * sizeof(*signals));
    if (submit->waitSemaphoreInfoCount)
        memcpy(waits, submit->pWaitSemaphoreInfos, submit->waitSemaphoreInfoCount * sizeof(*waits));

    pthread_mutex_lock(&device->queue_lock);
    vr = d3dkmt_tracker_submit_locked(device, &info, waits, signals, &value);
    pthread_mutex_unlock(&device->queue_lock);
    status = d3dkmt_device_check_vk(device, vr);
    if (!status && tracked_value) *tracked_value = value;
    d3dkmt_tracker_poll(device);
done:
    d3dkmt_device_put(device);
    return status;
}

D3DKMT_EXPORT NTSTATUS d3dkmt_host_lock_queue(D3DKMT_HANDLE hDevice)
{
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!(device = d3dkmt_device_get(hDevice))) return STATUS_INVALID_HANDLE;
    /* The caller uses the queue: it must exist. */
    if (!(status = d3dkmt_device_ready(device))) pthread_mutex_lock(&device->queue_lock);
    d3dkmt_device_put(device);
    return status;
}

D3DKMT_EXPORT NTSTATUS d3dkmt_host_unlock_queue(D3DKMT_HANDLE hDevice)
{
    struct d3dkmt_device *device;

    if (!(device = d3dkmt_device_get(hDevice))) return STATUS_INVALID_HANDLE;
    pthread_mutex_unlock(&device->queue_lock);
    d3dkmt_device_put(device);
    return STATUS_SUCCESS;
}

D3DKMT_EXPORT NTSTATUS d3dkmt_host_flush_deferred(D3DKMT_HANDLE hDevice, uint64_t timeout_ns)
{
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!(device = d3dkmt_device_get(hDevice))) return STATUS_INVALID_HANDLE;
    /* Without a VkDevice nothing was ever deferred. */
    if (!atomic_load_explicit(&device->vk_ready, memory_order_acquire)) status = STATUS_SUCCESS;
    else status = d3dkmt_tracker_wait_all(device, timeout_ns);
    d3dkmt_device_put(device);
    return status;
}

static void destroy_device_cb(struct d3dkmt_object *obj, void *ctx)
{
    destroy_device((struct d3dkmt_device *)obj);
}

/* ---- Host API: one handle space with another D3DKMT implementation (docs/decisions/wine-handles.md) ---- */

D3DKMT_EXPORT uint32_t d3dkmt_host_has_handle(D3DKMT_HANDLE h, uint32_t kind)
{
    struct d3dkmt_device *device;

    if (kind == D3DKMT_HOST_HANDLE_ADAPTER) return d3dkmt_adapter_handle_known(h);
    if (kind != D3DKMT_HOST_HANDLE_DEVICE || !(device = d3dkmt_device_get(h))) return 0;
    d3dkmt_device_put(device);
    return 1;
}

/* Makes device's own handle name it as `foreign` too (see d3dkmt_host_share_handle). */
static NTSTATUS share_device_handle(struct d3dkmt_device *device, D3DKMT_HANDLE foreign)
{
    NTSTATUS status;

    if ((foreign & 0xc000003fu) != 0x40000000u)
    {
        status = d3dkmt_alias_add(&device_aliases, foreign, &device->obj);
        return status == STATUS_OBJECT_NAME_COLLISION ? STATUS_NO_MEMORY : status;
    }
    /* Windows' local format: the device moves to the foreign value; the table holds one value per
     * object.  The table takes over the caller's reference, so take one for it. */
    d3dkmt_object_get(&device->obj);
    if (!d3dkmt_handle_remove(&device->obj))
    {
        d3dkmt_object_put(&device->obj);
        return STATUS_INVALID_HANDLE;
    }
    if ((status = d3dkmt_handle_adopt(&device->obj, foreign)))
    {
        d3dkmt_object_put(&device->obj);
        return status == STATUS_OBJECT_NAME_COLLISION ? STATUS_NO_MEMORY : status;
    }
    return STATUS_SUCCESS;
}

/***********************************************************************
 *           d3dkmt_host_share_handle
 *
 * See include/d3dkmt_host.h.  A library object that holds `foreign` already is the library's half
 * of an object whose other half the other implementation destroyed (and whose value it reuses):
 * it is closed or destroyed, as a D3DKMTCloseAdapter / D3DKMTDestroyDevice would.
 */
D3DKMT_EXPORT NTSTATUS d3dkmt_host_share_handle(D3DKMT_HANDLE own, D3DKMT_HANDLE foreign)
{
    struct d3dkmt_device *device, *stale;
    NTSTATUS status;

    if (!foreign || D3DKMT_HOST_OWN_HANDLE(foreign)) return STATUS_INVALID_PARAMETER;
    device = (struct d3dkmt_device *)d3dkmt_handle_get(own, D3DKMT_OBJ_DEVICE, NULL);
    if (!device && !d3dkmt_adapter_handle_known(own)) return STATUS_INVALID_HANDLE;
    /* Evict stale holders of the value: for a local-format value any kind (one table), for a
     * counter value only this kind (one counter per kind). */
    if ((device || (foreign & 0xc000003fu) == 0x40000000u) && (stale = d3dkmt_device_get(foreign)))
    {
        WARN("value %#x named device %#x, which its other half left: destroying it", foreign, stale->obj.handle);
        destroy_device(stale);
        d3dkmt_device_put(stale);
    }
    if ((!device || (foreign & 0xc000003fu) == 0x40000000u) && d3dkmt_adapter_handle_known(foreign))
    {
        D3DKMT_CLOSEADAPTER close = { foreign };
        WARN("value %#x named an adapter handle its other half closed: closing it", foreign);
        D3DKMTCloseAdapter(&close);
    }
    if (!device) return d3dkmt_adapter_share_handle(own, foreign);
    status = share_device_handle(device, foreign);
    d3dkmt_device_put(device);
    return status;
}

D3DKMT_EXPORT void d3dkmt_host_shutdown(void)
{
    d3dkmt_handle_for_each(NULL, D3DKMT_OBJ_DEVICE, destroy_device_cb, NULL);
    d3dkmt_alias_clear(&device_aliases);
    d3dkmt_handle_for_each(NULL, D3DKMT_OBJ_ADAPTER, stop_object, NULL);
    d3dkmt_adapter_shutdown();
    if (!d3dkmt_handle_count()) d3dkmt_handle_table_reset();
    else WARN("%u handles still live at shutdown", d3dkmt_handle_count());
}
