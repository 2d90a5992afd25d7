/*
 * adapter.c: adapters (one per Vulkan physical device) and the library's initialisation: the
 * adapters' identities (LUID, device UUID, DRM render node, PCI location), features and budgets,
 * and the host API's adapter identity calls.  Adapter handles and the adapter entry points are in
 * adapter_handle.c.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Layer 4 (src/d3dkmt_private.h): calls stats.c, vulkan.c and log.c.  d3dkmt_init creates the
 * Vulkan instance and the adapter array once, under the init lock; the array is immutable until
 * d3dkmt_adapter_shutdown, so readers need no lock once d3dkmt_init returned success.
 */
#include "d3dkmt_private.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <xf86drm.h>

/* Library state: the init lock guards initialisation, shutdown and the adapter array. */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic bool initialised;
static struct d3dkmt_adapter *adapters;   /* adapter_count entries, immutable after init */
static uint32_t adapter_count;

/* LUIDs given with d3dkmt_host_set_adapter_luid, by Vulkan device UUID; kept across shutdown so
 * that a re-initialised library gives its adapters the same LUIDs.  The init lock. */
static struct { uint8_t uuid[VK_UUID_SIZE]; LUID luid; } luid_overrides[64];
static uint32_t luid_override_count;


uint64_t d3dkmt_parse_size(const char *text)
{
    unsigned long long value;
    char *end;

    if (!text || !isdigit((unsigned char)*text)) return 0;
    value = strtoull(text, &end, 10);
    switch (toupper((unsigned char)*end))
    {
    case 'K': value <<= 10; end++; break;
    case 'M': value <<= 20; end++; break;
    case 'G': value <<= 30; end++; break;
    default: break;
    }
    if (*end == 'i' || *end == 'B') end++;
    if (*end == 'B') end++;
    return *end ? 0 : value;
}

bool d3dkmt_adapter_heap_is_local(const struct d3dkmt_adapter *adapter, uint32_t heap_index)
{
    return adapter->mem_props.memoryHeaps[heap_index].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT;
}


/* A stable LUID from the device UUID when the driver has none (FNV-1a, 63 bits, never 0). */
static LUID luid_from_uuid(const uint8_t *uuid)
{
    uint64_t hash = 0xcbf29ce484222325ull;
    LUID luid;
    unsigned int i;

    for (i = 0; i < VK_UUID_SIZE; i++) hash = (hash ^ uuid[i]) * 0x100000001b3ull;
    hash &= 0x7fffffffffffffffull;
    if (!hash) hash = 1;
    luid.LowPart = (DWORD)hash;
    luid.HighPart = (LONG)(hash >> 32);
    return luid;
}

/* Attaches the DRM render node and PCI identity through libdrm where Vulkan says which node the
 * device is (VK_EXT_physical_device_drm or VK_EXT_pci_bus_info).  Without /dev/dri (lavapipe)
 * there is nothing to attach and nothing fails. */
static void attach_drm(struct d3dkmt_adapter *adapter)
{
    drmDevicePtr devices[64];
    int count, i;

    if (!adapter->has_drm_ext && !adapter->pci_valid) return;
    if ((count = drmGetDevices2(0, devices, 64)) <= 0) return;
    for (i = 0; i < count; i++)
    {
        drmDevicePtr dev = devices[i];
        bool match = false;

        if (adapter->drm_render_major >= 0 && (dev->available_nodes & (1 << DRM_NODE_RENDER)))
        {
            struct stat st;
            if (!stat(dev->nodes[DRM_NODE_RENDER], &st)
                    && major(st.st_rdev) == adapter->drm_render_major
                    && minor(st.st_rdev) == adapter->drm_render_minor)
                match = true;
        }
        if (!match && adapter->pci_valid && dev->bustype == DRM_BUS_PCI)
            match = dev->businfo.pci->domain == adapter->pci_domain && dev->businfo.pci->bus == adapter->pci_bus
                 && dev->businfo.pci->dev == adapter->pci_device && dev->businfo.pci->func == adapter->pci_function;
        if (!match) continue;
        if (dev->available_nodes & (1 << DRM_NODE_RENDER))
            snprintf(adapter->drm_render_node, sizeof(adapter->drm_render_node), "%s", dev->nodes[DRM_NODE_RENDER]);
        if (dev->bustype == DRM_BUS_PCI)
        {
            adapter->pci_valid = true;
            adapter->pci_domain = dev->businfo.pci->domain;
            adapter->pci_bus = dev->businfo.pci->bus;
            adapter->pci_device = dev->businfo.pci->dev;
            adapter->pci_function = dev->businfo.pci->func;
            adapter->pci_subvendor = dev->deviceinfo.pci->subvendor_id;
            adapter->pci_subdevice = dev->deviceinfo.pci->subdevice_id;
            adapter->pci_revision = dev->deviceinfo.pci->revision_id;
        }
        break;
    }
    drmFreeDevices(devices, count);
}

static bool has_extension(const VkExtensionProperties *exts, uint32_t count, const char *name)
{
    uint32_t i;
    for (i = 0; i < count; i++) if (!strcmp(exts[i].extensionName, name)) return true;
    return false;
}

/* Reads which device extensions the adapter has.  STATUS_SUCCESS, or the driver's failure. */
static NTSTATUS query_extensions(struct d3dkmt_adapter *adapter)
{
    const struct d3dkmt_vk_instance_funcs *vki = &g_vk.vki;
    VkExtensionProperties *exts = NULL;
    uint32_t count = 0;
    VkResult vr;

    if ((vr = vki->vkEnumerateDeviceExtensionProperties(adapter->physical_device, NULL, &count, NULL)) != VK_SUCCESS
            || (vr = VK_ERROR_OUT_OF_HOST_MEMORY, !(exts = calloc(count ? count : 1, sizeof(*exts))))
            || (vr = vki->vkEnumerateDeviceExtensionProperties(adapter->physical_device, NULL, &count, exts)) != VK_SUCCESS)
    {
        free(exts);
        return d3dkmt_status_from_vk(vr);
    }
    adapter->has_memory_priority = has_extension(exts, count, VK_EXT_MEMORY_PRIORITY_EXTENSION_NAME);
    adapter->has_pageable = has_extension(exts, count, VK_EXT_PAGEABLE_DEVICE_LOCAL_MEMORY_EXTENSION_NAME);
    adapter->has_memory_budget = has_extension(exts, count, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
    adapter->has_drm_ext = has_extension(exts, count, VK_EXT_PHYSICAL_DEVICE_DRM_EXTENSION_NAME);
    adapter->has_pci_ext = has_extension(exts, count, VK_EXT_PCI_BUS_INFO_EXTENSION_NAME);
    adapter->has_host_import = has_extension(exts, count, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
    free(exts);
    return STATUS_SUCCESS;
}

/* Reads the adapter's identity: UUID, LUID (the driver's, else one derived from the UUID), DRM
 * node and PCI location where the driver names them. */
static void query_identity(struct d3dkmt_adapter *adapter)
{
    VkPhysicalDeviceDrmPropertiesEXT drm = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRM_PROPERTIES_EXT };
    VkPhysicalDevicePCIBusInfoPropertiesEXT pci = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PCI_BUS_INFO_PROPERTIES_EXT };
    VkPhysicalDeviceExternalMemoryHostPropertiesEXT host = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT };
    VkPhysicalDeviceIDProperties id = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES };
    VkPhysicalDeviceProperties2 props2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &id };

    if (adapter->has_host_import) { host.pNext = props2.pNext; props2.pNext = &host; }
    if (adapter->has_drm_ext) { drm.pNext = props2.pNext; props2.pNext = &drm; }
    if (adapter->has_pci_ext) { pci.pNext = props2.pNext; props2.pNext = &pci; }
    g_vk.vki.vkGetPhysicalDeviceProperties2(adapter->physical_device, &props2);
    memcpy(adapter->device_uuid, id.deviceUUID, VK_UUID_SIZE);
    /* Standard allocations over existing system memory need an alignment a page can meet. */
    adapter->host_import_alignment = host.minImportedHostPointerAlignment;
    if (adapter->has_host_import && (!host.minImportedHostPointerAlignment || host.minImportedHostPointerAlignment > 65536
                                     || host.minImportedHostPointerAlignment & (host.minImportedHostPointerAlignment - 1)))
        adapter->has_host_import = false;
    if (id.deviceLUIDValid)
    {
        LUID luid;

        memcpy(&luid, id.deviceLUID, sizeof(luid));
        atomic_init(&adapter->luid, d3dkmt_luid_bits(luid));
        adapter->luid_from_vulkan = true;
    }
    else atomic_init(&adapter->luid, d3dkmt_luid_bits(luid_from_uuid(id.deviceUUID)));
    if (adapter->has_drm_ext && drm.hasRender)
    {
        adapter->drm_render_major = drm.renderMajor;
        adapter->drm_render_minor = drm.renderMinor;
    }
    if (adapter->has_pci_ext)
    {
        adapter->pci_valid = true;
        adapter->pci_domain = pci.pciDomain;
        adapter->pci_bus = pci.pciBus;
        adapter->pci_device = pci.pciDevice;
        adapter->pci_function = pci.pciFunction;
    }
    adapter->software = adapter->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
}

/* Reads the features the library uses; false when the device lacks timeline semaphores or
 * synchronization2. */
static bool query_features(struct d3dkmt_adapter *adapter)
{
    VkPhysicalDevicePageableDeviceLocalMemoryFeaturesEXT pageable = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PAGEABLE_DEVICE_LOCAL_MEMORY_FEATURES_EXT };
    VkPhysicalDeviceMemoryPriorityFeaturesEXT priority = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PRIORITY_FEATURES_EXT };
    VkPhysicalDeviceVulkan12Features f12 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES };
    VkPhysicalDeviceVulkan13Features f13 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES, .pNext = &f12 };
    VkPhysicalDeviceFeatures2 features = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f13 };

    if (adapter->has_memory_priority) { priority.pNext = f12.pNext; f12.pNext = &priority; }
    if (adapter->has_pageable) { pageable.pNext = f12.pNext; f12.pNext = &pageable; }
    g_vk.vki.vkGetPhysicalDeviceFeatures2(adapter->physical_device, &features);
    if (!f12.timelineSemaphore || !f13.synchronization2)
    {
        WARN("skipping %s: timeline semaphores and synchronization2 are needed", adapter->props.deviceName);
        return false;
    }
    adapter->has_memory_priority = adapter->has_memory_priority && priority.memoryPriority;
    adapter->has_pageable = adapter->has_memory_priority && adapter->has_pageable && pageable.pageableDeviceLocalMemory;
    adapter->has_sparse_binding = features.features.sparseBinding;
    adapter->has_bda = f12.bufferDeviceAddress;
    return true;
}

/* Picks the queue family: graphics or compute, one that can also bind sparse memory where there
 * is one.  STATUS_SUCCESS (*usable false when there is none) or STATUS_NO_MEMORY. */
static NTSTATUS choose_queue_family(struct d3dkmt_adapter *adapter, bool *usable)
{
    VkQueueFamilyProperties *families;
    uint32_t count = 0, i;

    *usable = false;
    g_vk.vki.vkGetPhysicalDeviceQueueFamilyProperties(adapter->physical_device, &count, NULL);
    if (!count) return STATUS_SUCCESS;
    if (!(families = calloc(count, sizeof(*families)))) return STATUS_NO_MEMORY;
    g_vk.vki.vkGetPhysicalDeviceQueueFamilyProperties(adapter->physical_device, &count, families);
    adapter->queue_family = UINT32_MAX;
    for (i = 0; i < count; i++)
    {
        VkQueueFlags flags = families[i].queueFlags;
        bool sparse = flags & VK_QUEUE_SPARSE_BINDING_BIT;

        if (!(flags & (VK_QUEUE_COMPUTE_BIT | VK_QUEUE_GRAPHICS_BIT))) continue;
        if (adapter->queue_family == UINT32_MAX || (sparse && !adapter->queue_sparse))
        {
            adapter->queue_family = i;
            adapter->queue_sparse = sparse;
        }
    }
    free(families);
    if (adapter->queue_family == UINT32_MAX)
    {
        WARN("skipping %s: no graphics or compute queue", adapter->props.deviceName);
        return STATUS_SUCCESS;
    }
    /* Sparse binding is only useful when the queue the library uses can bind. */
    adapter->has_sparse_binding = adapter->has_sparse_binding && adapter->queue_sparse;
    *usable = true;
    return STATUS_SUCCESS;
}

/* Fills adapter from its physical device; false when the device cannot serve (no Vulkan 1.3,
 * no timeline semaphores, no graphics/compute queue), or when out of memory or the driver failed:
 * then *error is set, so that the init fails (and is retried by the next call) instead of the
 * adapter vanishing for the process lifetime (docs/reliability.md). */
static bool init_adapter(struct d3dkmt_adapter *adapter, VkPhysicalDevice pd, uint64_t cap, NTSTATUS *error)
{
    NTSTATUS status;
    bool usable;
    uint32_t i;

    memset(adapter, 0, sizeof(*adapter));
    adapter->physical_device = pd;
    adapter->drm_render_major = adapter->drm_render_minor = -1;
    adapter->budget_cap = cap;

    g_vk.vki.vkGetPhysicalDeviceProperties(pd, &adapter->props);
    if (adapter->props.apiVersion < VK_API_VERSION_1_3)
    {
        WARN("skipping %s: Vulkan 1.3 is needed", adapter->props.deviceName);
        return false;
    }
    if ((status = query_extensions(adapter)))
    {
        *error = status;
        return false;
    }
    query_identity(adapter);
    for (i = 0; i < luid_override_count; i++)
        if (!memcmp(luid_overrides[i].uuid, adapter->device_uuid, VK_UUID_SIZE))
            atomic_store(&adapter->luid, d3dkmt_luid_bits(luid_overrides[i].luid));
    if (!query_features(adapter)) return false;
    g_vk.vki.vkGetPhysicalDeviceMemoryProperties(pd, &adapter->mem_props);
    if ((status = choose_queue_family(adapter, &usable)))
    {
        *error = status;
        return false;
    }
    if (!usable) return false;
    attach_drm(adapter);
    pthread_mutex_init(&adapter->devices_lock, NULL);
    d3dkmt_list_init(&adapter->devices);
    TRACE("adapter %s: luid %08x:%08lx priority %d pageable %d budget %d sparse %d drm '%s'",
          adapter->props.deviceName, (unsigned)d3dkmt_adapter_luid(adapter).HighPart, (unsigned long)d3dkmt_adapter_luid(adapter).LowPart,
          adapter->has_memory_priority, adapter->has_pageable, adapter->has_memory_budget,
          adapter->has_sparse_binding, adapter->drm_render_node);
    return true;
}

/* Frees the adapter array (init lock held). */
static void free_adapters(void)
{
    uint32_t i;

    for (i = 0; i < adapter_count; i++) pthread_mutex_destroy(&adapters[i].devices_lock);
    free(adapters);
    adapters = NULL;
    adapter_count = 0;
}

/* Gives adapter its slot in the statistics region, with what does not change (init lock held). */
static void publish_adapter(struct d3dkmt_adapter *adapter, uint32_t index)
{
    struct d3dkmt_stats_adapter info = { .present = 1 };
    uint64_t luid = atomic_load(&adapter->luid);
    uint32_t i;

    info.software = adapter->software;
    info.luid_low = (uint32_t)luid;
    info.luid_high = (uint32_t)(luid >> 32);
    info.vendor_id = adapter->props.vendorID;
    info.device_id = adapter->props.deviceID;
    info.budget_cap = adapter->budget_cap;
    for (i = 0; i < adapter->mem_props.memoryHeapCount; i++)
        info.heap_size[d3dkmt_adapter_heap_is_local(adapter, i) ? D3DKMT_STATS_LOCAL : D3DKMT_STATS_NON_LOCAL]
            += adapter->mem_props.memoryHeaps[i].size;
    memcpy(info.name, adapter->props.deviceName, sizeof(info.name) - 1);   /* cut; the last byte stays 0 */
    adapter->pub = d3dkmt_stats_adapter_open(index, &info);
    /* The budgets as they are now (each later read updates them). */
    d3dkmt_adapter_budget(adapter, true);
    d3dkmt_adapter_budget(adapter, false);
}

/* Makes the adapter array from the instance's physical devices (init lock held). */
static NTSTATUS enumerate_adapters(void)
{
    VkPhysicalDevice *pds;
    uint32_t count = 0, i;
    uint64_t cap = d3dkmt_parse_size(getenv("D3DKMT_BUDGET_CAP"));
    NTSTATUS error = STATUS_SUCCESS;
    VkResult vr;

    if ((vr = g_vk.vki.vkEnumeratePhysicalDevices(g_vk.instance, &count, NULL)) != VK_SUCCESS)
        return d3dkmt_status_from_vk(vr);
    if (!count) return STATUS_SUCCESS;
    if (!(pds = calloc(count, sizeof(*pds)))) return STATUS_NO_MEMORY;
    if (!(adapters = calloc(count, sizeof(*adapters))))
    {
        free(pds);
        return STATUS_NO_MEMORY;
    }
    if ((vr = g_vk.vki.vkEnumeratePhysicalDevices(g_vk.instance, &count, pds)) < 0)
    {
        free(pds);
        return d3dkmt_status_from_vk(vr);
    }
    adapter_count = 0;
    for (i = 0; i < count; i++)
        if (init_adapter(&adapters[adapter_count], pds[i], cap, &error)) adapter_count++;
    free(pds);
    if (!error) for (i = 0; i < adapter_count; i++) publish_adapter(&adapters[i], i);
    return error;
}

NTSTATUS d3dkmt_init(void)
{
    NTSTATUS status;

    if (__builtin_expect(atomic_load_explicit(&initialised, memory_order_acquire), 1)) return STATUS_SUCCESS;
    pthread_mutex_lock(&init_lock);
    if (!atomic_load(&initialised))
    {
        d3dkmt_log_init();
        d3dkmt_stats_init();
        if (!(status = d3dkmt_vk_create_instance()) && (status = enumerate_adapters())) free_adapters();
        if (status)
        {
            d3dkmt_vk_destroy_instance();
            d3dkmt_stats_shutdown();
        }
        atomic_store_explicit(&initialised, !status, memory_order_release);
    }
    else status = STATUS_SUCCESS;
    pthread_mutex_unlock(&init_lock);
    return status;
}

void d3dkmt_adapter_shutdown(void)
{
    pthread_mutex_lock(&init_lock);
    if (atomic_load(&initialised))
    {
        d3dkmt_vk_destroy_instance();
        free_adapters();
        d3dkmt_stats_shutdown();
        atomic_store(&initialised, false);
    }
    pthread_mutex_unlock(&init_lock);
}

uint64_t d3dkmt_adapter_budget(struct d3dkmt_adapter *adapter, bool local)
{
    VkPhysicalDeviceMemoryBudgetPropertiesEXT budget = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT };
    VkPhysicalDeviceMemoryProperties2 props = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2 };
    uint64_t total = 0;
    uint32_t i;

    if (adapter->has_memory_budget)
    {
        props.pNext = &budget;
        g_vk.vki.vkGetPhysicalDeviceMemoryProperties2(adapter->physical_device, &props);
    }
    for (i = 0; i < adapter->mem_props.memoryHeapCount; i++)
    {
        if (d3dkmt_adapter_heap_is_local(adapter, i) != local) continue;
        total += adapter->has_memory_budget ? budget.heapBudget[i] : adapter->mem_props.memoryHeaps[i].size;
    }
    if (local && adapter->budget_cap && adapter->budget_cap < total) total = adapter->budget_cap;
    if (adapter->pub)
    {
        d3dkmt_stat_set(&adapter->pub->budget[local ? D3DKMT_STATS_LOCAL : D3DKMT_STATS_NON_LOCAL], total);
        d3dkmt_stat_set(&adapter->pub->budget_time, d3dkmt_stats_now());
    }
    return total;
}

uint32_t d3dkmt_adapter_count(void)
{
    return adapter_count;
}

struct d3dkmt_adapter *d3dkmt_adapter_at(uint32_t index)
{
    return index < adapter_count ? &adapters[index] : NULL;
}

/* ---- Host API: the adapters' identities (docs/decisions/wine-handles.md) ---- */

D3DKMT_EXPORT NTSTATUS d3dkmt_host_enum_adapters(struct d3dkmt_host_adapter_desc *out, uint32_t *count)
{
    NTSTATUS status;
    uint32_t i;

    if (!count || (*count && !out)) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_init())) return status;
    if (*count < adapter_count)
    {
        *count = adapter_count;
        return STATUS_BUFFER_TOO_SMALL;
    }
    for (i = 0; i < adapter_count; i++)
    {
        out[i].luid = d3dkmt_adapter_luid(&adapters[i]);
        memcpy(out[i].device_uuid, adapters[i].device_uuid, VK_UUID_SIZE);
        out[i].luid_from_vulkan = adapters[i].luid_from_vulkan;
    }
    *count = adapter_count;
    return STATUS_SUCCESS;
}

D3DKMT_EXPORT NTSTATUS d3dkmt_host_set_adapter_luid(const uint8_t *uuid, LUID luid)
{
    struct d3dkmt_adapter *target = NULL;
    NTSTATUS status;
    uint32_t i;

    if (!uuid || !d3dkmt_luid_bits(luid)) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_init())) return status;
    pthread_mutex_lock(&init_lock);
    for (i = 0; i < adapter_count; i++)
        if (!memcmp(adapters[i].device_uuid, uuid, VK_UUID_SIZE)) target = &adapters[i];
    if (!target) status = STATUS_NOT_FOUND;
    for (i = 0; i < adapter_count && !status; i++)
        if (&adapters[i] != target && atomic_load(&adapters[i].luid) == d3dkmt_luid_bits(luid)) status = STATUS_INVALID_PARAMETER;
    if (!status)
    {
        for (i = 0; i < luid_override_count; i++)
            if (!memcmp(luid_overrides[i].uuid, uuid, VK_UUID_SIZE)) break;
        if (i < D3DKMT_ARRAY_SIZE(luid_overrides))
        {
            memcpy(luid_overrides[i].uuid, uuid, VK_UUID_SIZE);
            luid_overrides[i].luid = luid;
            if (i == luid_override_count) luid_override_count++;
        }
        atomic_store(&target->luid, d3dkmt_luid_bits(luid));
        if (target->pub)
        {
            __atomic_store_n(&target->pub->luid_low, luid.LowPart, __ATOMIC_RELAXED);
            __atomic_store_n(&target->pub->luid_high, (uint32_t)luid.HighPart, __ATOMIC_RELAXED);
        }
        TRACE("adapter %s: luid %08x:%08lx", target->props.deviceName, (unsigned)luid.HighPart,
              (unsigned long)luid.LowPart);
    }
    pthread_mutex_unlock(&init_lock);
    return status;
}
