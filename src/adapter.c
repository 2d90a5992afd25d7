/*
 * adapter.c: adapters (one per Vulkan physical device), the library's initialisation, adapter
 * handles, and D3DKMTEnumAdapters2, D3DKMTOpenAdapterFromLuid, D3DKMTCloseAdapter,
 * D3DKMTQueryAdapterInfo and D3DKMTQueryVideoMemoryInfo.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Layer 4 (src/d3dkmt_private.h): calls handle.c and vulkan.c only.  d3dkmt_init creates the
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

/* Adapter handles also known under a value of Wine 8 / 10.0's counter (docs/decisions/wine-handles.md). */
static struct d3dkmt_alias_map adapter_aliases = D3DKMT_ALIAS_MAP_INIT;

/* An adapter handle: the object behind a D3DKMT adapter handle, pointing at its adapter. */
struct adapter_handle
{
    struct d3dkmt_object obj;
    struct d3dkmt_adapter *adapter;
};

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

static inline uint64_t luid_bits(LUID luid)
{
    return (uint64_t)luid.LowPart | (uint64_t)(uint32_t)luid.HighPart << 32;
}

static inline LUID adapter_luid(const struct d3dkmt_adapter *adapter)
{
    uint64_t bits = atomic_load_explicit(&adapter->luid, memory_order_relaxed);
    LUID luid;

    luid.LowPart = (DWORD)bits;
    luid.HighPart = (LONG)(bits >> 32);
    return luid;
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
        atomic_init(&adapter->luid, luid_bits(luid));
        adapter->luid_from_vulkan = true;
    }
    else atomic_init(&adapter->luid, luid_bits(luid_from_uuid(id.deviceUUID)));
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
            atomic_store(&adapter->luid, luid_bits(luid_overrides[i].luid));
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
          adapter->props.deviceName, (unsigned)adapter_luid(adapter).HighPart, (unsigned long)adapter_luid(adapter).LowPart,
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
        if (!(status = d3dkmt_vk_create_instance()) && (status = enumerate_adapters())) free_adapters();
        if (status) d3dkmt_vk_destroy_instance();
        atomic_store_explicit(&initialised, !status, memory_order_release);
    }
    else status = STATUS_SUCCESS;
    pthread_mutex_unlock(&init_lock);
    return status;
}

void d3dkmt_adapter_shutdown(void)
{
    d3dkmt_alias_clear(&adapter_aliases);
    pthread_mutex_lock(&init_lock);
    if (atomic_load(&initialised))
    {
        d3dkmt_vk_destroy_instance();
        free_adapters();
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
    return total;
}

/* ---- Adapter handles ---- */

static void adapter_handle_release(struct d3dkmt_object *obj)
{
    free(D3DKMT_CONTAINER(obj, struct adapter_handle, obj));
}

/* Makes a new adapter handle for adapter; *out receives it. */
static NTSTATUS open_adapter(struct d3dkmt_adapter *adapter, D3DKMT_HANDLE *out)
{
    struct adapter_handle *handle;
    NTSTATUS status;

    if (!(handle = calloc(1, sizeof(*handle)))) return STATUS_NO_MEMORY;
    d3dkmt_object_init(&handle->obj, D3DKMT_OBJ_ADAPTER, NULL, adapter_handle_release);
    handle->adapter = adapter;
    if ((status = d3dkmt_handle_reserve(&handle->obj)))
    {
        free(handle);
        return status;
    }
    *out = handle->obj.handle;   /* before publishing: another thread may close it at once */
    d3dkmt_handle_publish(&handle->obj);
    return STATUS_SUCCESS;
}

/* The adapter handle object h names, in the handle table or as an alias, referenced; or NULL. */
static struct d3dkmt_object *adapter_handle_get(D3DKMT_HANDLE h)
{
    struct d3dkmt_object *obj;

    if ((obj = d3dkmt_handle_get(h, D3DKMT_OBJ_ADAPTER, NULL))) return obj;
    return d3dkmt_alias_get(&adapter_aliases, h);
}

/* Returns the adapter behind an adapter handle (adapters live as long as the process), or NULL. */
struct d3dkmt_adapter *d3dkmt_adapter_from_handle(D3DKMT_HANDLE h)
{
    struct d3dkmt_object *obj;
    struct d3dkmt_adapter *adapter;

    if (!(obj = adapter_handle_get(h))) return NULL;
    adapter = D3DKMT_CONTAINER(obj, struct adapter_handle, obj)->adapter;
    d3dkmt_object_put(obj);
    return adapter;
}

/* The most adapters D3DKMTEnumAdapters2 reports, and what its query form answers: Windows 10's
 * value (Windows 11 answers 34); docs/decisions/adapters.md. */
#define ENUM_ADAPTERS2_MAX 32

bool d3dkmt_adapter_handle_known(D3DKMT_HANDLE h)
{
    struct d3dkmt_object *obj;

    if (!(obj = adapter_handle_get(h))) return false;
    d3dkmt_object_put(obj);
    return true;
}

/* Stops an adapter handle object under all its names; false when another thread stopped it first. */
static bool close_adapter_handle(struct d3dkmt_object *obj)
{
    bool removed = d3dkmt_handle_remove(obj);

    d3dkmt_alias_remove_object(&adapter_aliases, obj);
    return removed;
}

NTSTATUS d3dkmt_adapter_share_handle(D3DKMT_HANDLE own, D3DKMT_HANDLE foreign)
{
    struct d3dkmt_object *obj;
    NTSTATUS status;

    if (!foreign || D3DKMT_HOST_OWN_HANDLE(foreign)) return STATUS_INVALID_PARAMETER;
    if (!(obj = d3dkmt_handle_get(own, D3DKMT_OBJ_ADAPTER, NULL))) return STATUS_INVALID_HANDLE;
    if ((foreign & 0xc000003fu) == 0x40000000u)
    {
        /* Windows' local format: the object moves to the foreign value (the table takes over
         * this reference); the table holds one value per object. */
        if (!d3dkmt_handle_remove(obj))
        {
            d3dkmt_object_put(obj);
            return STATUS_INVALID_HANDLE;
        }
        if ((status = d3dkmt_handle_adopt(obj, foreign)))
        {
            d3dkmt_object_put(obj);
            return status == STATUS_OBJECT_NAME_COLLISION ? STATUS_NO_MEMORY : status;
        }
        return STATUS_SUCCESS;
    }
    status = d3dkmt_alias_add(&adapter_aliases, foreign, obj);
    d3dkmt_object_put(obj);
    return status == STATUS_OBJECT_NAME_COLLISION ? STATUS_NO_MEMORY : status;
}

/***********************************************************************
 *           D3DKMTEnumAdapters2
 *
 * desc->NumAdapters: in, entries of desc->pAdapters; out, adapters present (at most 32).
 * desc->pAdapters: NULL to query the size of the array to allocate: NumAdapters receives 32, the
 *   most adapters the call reports, as on Windows 10 (not the number present); else receives one
 *   D3DKMT_ADAPTERINFO per adapter with a new adapter handle (close each with
 *   D3DKMTCloseAdapter), its LUID, NumOfSources = 0 (no display outputs) and
 *   bPrecisePresentRegionsPreferred = FALSE.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL); STATUS_BUFFER_TOO_SMALL
 * (NumAdapters smaller than the number present, which is written back, no handle opened);
 * STATUS_NO_MEMORY (no handle stays open); STATUS_NOT_SUPPORTED (no Vulkan 1.3).
 * Follows the WDK page d3dkmthk/nf-d3dkmthk-d3dkmtenumadapters2; docs/decisions/adapters.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTEnumAdapters2(D3DKMT_ENUMADAPTERS2 *desc)
{
    D3DKMT_HANDLE handles[ENUM_ADAPTERS2_MAX];
    NTSTATUS status;
    uint32_t i, count;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_init())) return status;
    count = adapter_count < ENUM_ADAPTERS2_MAX ? adapter_count : ENUM_ADAPTERS2_MAX;
    if (!desc->pAdapters)
    {
        desc->NumAdapters = ENUM_ADAPTERS2_MAX;
        return STATUS_SUCCESS;
    }
    if (desc->NumAdapters < count)
    {
        desc->NumAdapters = count;
        return STATUS_BUFFER_TOO_SMALL;
    }
    for (i = 0; i < count; i++)
    {
        if ((status = open_adapter(&adapters[i], &handles[i])))
        {
            while (i--)
            {
                struct d3dkmt_object *obj = d3dkmt_handle_get(handles[i], D3DKMT_OBJ_ADAPTER, NULL);
                if (obj) { d3dkmt_handle_remove(obj); d3dkmt_object_put(obj); }
            }
            return status;
        }
    }
    for (i = 0; i < count; i++)
    {
        desc->pAdapters[i].hAdapter = handles[i];
        desc->pAdapters[i].AdapterLuid = adapter_luid(&adapters[i]);
        desc->pAdapters[i].NumOfSources = 0;
        desc->pAdapters[i].bPrecisePresentRegionsPreferred = FALSE;
    }
    desc->NumAdapters = count;
    return STATUS_SUCCESS;
}

/***********************************************************************
 *           D3DKMTOpenAdapterFromLuid
 *
 * desc->AdapterLuid: in, an adapter's LUID (from D3DKMTEnumAdapters2 or DXGI).
 * desc->hAdapter: out, a new adapter handle.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, or no adapter has that LUID);
 * STATUS_NO_MEMORY; STATUS_NOT_SUPPORTED (no Vulkan 1.3).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtopenadapterfromluid.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTOpenAdapterFromLuid(D3DKMT_OPENADAPTERFROMLUID *desc)
{
    NTSTATUS status;
    uint32_t i;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_init())) return status;
    for (i = 0; i < adapter_count; i++)
    {
        if (atomic_load_explicit(&adapters[i].luid, memory_order_relaxed) == luid_bits(desc->AdapterLuid))
            return open_adapter(&adapters[i], &desc->hAdapter);
    }
    return STATUS_INVALID_PARAMETER;
}

/***********************************************************************
 *           D3DKMTEnumAdapters
 *
 * desc->NumAdapters: out, the number of entries written: every adapter, up to MAX_ENUM_ADAPTERS
 *   (16; D3DKMTEnumAdapters2 reports them all).
 * desc->Adapters: out, as D3DKMTEnumAdapters2's pAdapters: a new adapter handle per adapter (close
 *   each with D3DKMTCloseAdapter), its LUID, NumOfSources = 0, bPrecisePresentRegionsPreferred = FALSE.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL); STATUS_NO_MEMORY (no handle stays
 * open); STATUS_NOT_SUPPORTED (no Vulkan 1.3).
 * Follows the WDK page d3dkmthk/nf-d3dkmthk-d3dkmtenumadapters.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTEnumAdapters(D3DKMT_ENUMADAPTERS *desc)
{
    D3DKMT_ENUMADAPTERS2 desc2;
    D3DKMT_ADAPTERINFO infos[MAX_ENUM_ADAPTERS];
    NTSTATUS status;
    uint32_t i;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_init())) return status;
    desc2.NumAdapters = adapter_count < MAX_ENUM_ADAPTERS ? adapter_count : MAX_ENUM_ADAPTERS;
    desc2.pAdapters = infos;
    for (i = 0; i < desc2.NumAdapters; i++)
        if ((status = open_adapter(&adapters[i], &infos[i].hAdapter))) break;
    if (status)
    {
        while (i--)
        {
            struct d3dkmt_object *obj = d3dkmt_handle_get(infos[i].hAdapter, D3DKMT_OBJ_ADAPTER, NULL);
            if (obj) { d3dkmt_handle_remove(obj); d3dkmt_object_put(obj); }
        }
        return status;
    }
    for (i = 0; i < desc2.NumAdapters; i++)
    {
        desc->Adapters[i].hAdapter = infos[i].hAdapter;
        desc->Adapters[i].AdapterLuid = adapter_luid(&adapters[i]);
        desc->Adapters[i].NumOfSources = 0;
        desc->Adapters[i].bPrecisePresentRegionsPreferred = FALSE;
    }
    desc->NumAdapters = desc2.NumAdapters;
    return STATUS_SUCCESS;
}

/***********************************************************************
 *           D3DKMTCloseAdapter
 *
 * desc->hAdapter: an adapter handle.  Devices created from it stay valid (they reference the
 * adapter, not the handle).
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, handle not an open adapter).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtcloseadapter.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTCloseAdapter(const D3DKMT_CLOSEADAPTER *desc)
{
    struct d3dkmt_object *obj;
    bool removed;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if (!(obj = adapter_handle_get(desc->hAdapter))) return STATUS_INVALID_PARAMETER;
    removed = close_adapter_handle(obj);
    d3dkmt_object_put(obj);
    return removed ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
}

/***********************************************************************
 *           D3DKMTQueryAdapterInfo
 *
 * desc->hAdapter: an adapter handle.  desc->Type: what to query; desc->pPrivateDriverData /
 * PrivateDriverDataSize: the output buffer, whose size must be exactly that of the type's struct:
 *   KMTQAITYPE_ADAPTERTYPE              D3DKMT_ADAPTERTYPE (RenderSupported; SoftwareDevice for CPU devices)
 *   KMTQAITYPE_CHECKDRIVERUPDATESTATUS  BOOL (FALSE: no driver update is pending)
 *   KMTQAITYPE_DRIVERVERSION            D3DKMT_DRIVERVERSION (KMT_DRIVERVERSION_WDDM_2_1: offer/reclaim2)
 *   KMTQAITYPE_GETSEGMENTSIZE           D3DKMT_SEGMENTSIZEINFO (device-local heaps as dedicated video memory)
 *   KMTQAITYPE_ADAPTERADDRESS           D3DKMT_ADAPTERADDRESS (PCI location; NOT_SUPPORTED when unknown)
 *   KMTQAITYPE_PHYSICALADAPTERCOUNT     UINT (1)
 *   KMTQAITYPE_PHYSICALADAPTERDEVICEIDS D3DKMT_QUERY_DEVICE_IDS (in: PhysicalAdapterIndex 0)
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or buffer NULL, wrong size, bad handle,
 * PhysicalAdapterIndex not 0); STATUS_NOT_SUPPORTED (another type, or no PCI location).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtqueryadapterinfo; docs/decisions/adapters.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTQueryAdapterInfo(const D3DKMT_QUERYADAPTERINFO *desc)
{
    struct d3dkmt_adapter *adapter;
    uint32_t i;

    if (!desc || !desc->pPrivateDriverData) return STATUS_INVALID_PARAMETER;
    if (!(adapter = d3dkmt_adapter_from_handle(desc->hAdapter))) return STATUS_INVALID_PARAMETER;

#define NEED_SIZE(type) if (desc->PrivateDriverDataSize != sizeof(type)) return STATUS_INVALID_PARAMETER
    switch (desc->Type)
    {
    case KMTQAITYPE_ADAPTERTYPE:
    {
        D3DKMT_ADAPTERTYPE type = { 0 };
        NEED_SIZE(D3DKMT_ADAPTERTYPE);
        type.RenderSupported = 1;
        type.SoftwareDevice = adapter->software;
        memcpy(desc->pPrivateDriverData, &type, sizeof(type));
        return STATUS_SUCCESS;
    }
    case KMTQAITYPE_CHECKDRIVERUPDATESTATUS:
    {
        BOOL pending = FALSE;
        NEED_SIZE(BOOL);
        memcpy(desc->pPrivateDriverData, &pending, sizeof(pending));
        return STATUS_SUCCESS;
    }
    case KMTQAITYPE_DRIVERVERSION:
    {
        D3DKMT_DRIVERVERSION version = KMT_DRIVERVERSION_WDDM_2_1;
        NEED_SIZE(D3DKMT_DRIVERVERSION);
        memcpy(desc->pPrivateDriverData, &version, sizeof(version));
        return STATUS_SUCCESS;
    }
    case KMTQAITYPE_GETSEGMENTSIZE:
    {
        D3DKMT_SEGMENTSIZEINFO info = { 0 };
        NEED_SIZE(D3DKMT_SEGMENTSIZEINFO);
        for (i = 0; i < adapter->mem_props.memoryHeapCount; i++)
        {
            if (d3dkmt_adapter_heap_is_local(adapter, i))
                info.DedicatedVideoMemorySize += adapter->mem_props.memoryHeaps[i].size;
            else
                info.SharedSystemMemorySize += adapter->mem_props.memoryHeaps[i].size;
        }
        memcpy(desc->pPrivateDriverData, &info, sizeof(info));
        return STATUS_SUCCESS;
    }
    case KMTQAITYPE_ADAPTERADDRESS:
    {
        D3DKMT_ADAPTERADDRESS address;
        NEED_SIZE(D3DKMT_ADAPTERADDRESS);
        if (!adapter->pci_valid) return STATUS_NOT_SUPPORTED;
        address.BusNumber = adapter->pci_bus;
        address.DeviceNumber = adapter->pci_device;
        address.FunctionNumber = adapter->pci_function;
        memcpy(desc->pPrivateDriverData, &address, sizeof(address));
        return STATUS_SUCCESS;
    }
    case KMTQAITYPE_PHYSICALADAPTERCOUNT:
    {
        UINT one = 1;
        NEED_SIZE(UINT);
        memcpy(desc->pPrivateDriverData, &one, sizeof(one));
        return STATUS_SUCCESS;
    }
    case KMTQAITYPE_PHYSICALADAPTERDEVICEIDS:
    {
        D3DKMT_QUERY_DEVICE_IDS ids;
        NEED_SIZE(D3DKMT_QUERY_DEVICE_IDS);
        memcpy(&ids, desc->pPrivateDriverData, sizeof(ids));
        if (ids.PhysicalAdapterIndex) return STATUS_INVALID_PARAMETER;
        ids.DeviceIds.VendorID = adapter->props.vendorID;
        ids.DeviceIds.DeviceID = adapter->props.deviceID;
        ids.DeviceIds.SubVendorID = adapter->pci_subvendor;
        ids.DeviceIds.SubSystemID = adapter->pci_subdevice;
        ids.DeviceIds.RevisionID = adapter->pci_revision;
        ids.DeviceIds.BusType = adapter->pci_valid ? 1 /* PCI */ : 0;
        memcpy(desc->pPrivateDriverData, &ids, sizeof(ids));
        return STATUS_SUCCESS;
    }
    default:
        FIXME("query type %u not supported", desc->Type);
        return STATUS_NOT_SUPPORTED;
    }
#undef NEED_SIZE
}

/***********************************************************************
 *           D3DKMTQueryVideoMemoryInfo
 *
 * desc->hProcess: NULL or the current process pseudo-handle ((HANDLE)-1).
 * desc->hAdapter: an adapter handle.  desc->MemorySegmentGroup: LOCAL (device-local heaps) or
 * NON_LOCAL (the others).  desc->PhysicalAdapterIndex: 0.
 * Out, in bytes: Budget = min(VK_EXT_memory_budget's heapBudget summed over the group, the
 * D3DKMT_BUDGET_CAP cap for LOCAL) (heap sizes without the extension); CurrentUsage = memory the
 * library holds for this process in that group; CurrentReservation = AvailableForReservation = 0
 * (reservations are not implemented).
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, bad handle, group or index,
 * another process).  Follows d3dkmthk/nf-d3dkmthk-d3dkmtqueryvideomemoryinfo;
 * docs/decisions/budget.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTQueryVideoMemoryInfo(D3DKMT_QUERYVIDEOMEMORYINFO *desc)
{
    struct d3dkmt_adapter *adapter;
    bool local;

    if (!desc) return STATUS_INVALID_PARAMETER;
    if (desc->hProcess && desc->hProcess != (HANDLE)(LONG_PTR)-1) return STATUS_INVALID_PARAMETER;
    if (desc->PhysicalAdapterIndex) return STATUS_INVALID_PARAMETER;
    if (desc->MemorySegmentGroup != D3DKMT_MEMORY_SEGMENT_GROUP_LOCAL
            && desc->MemorySegmentGroup != D3DKMT_MEMORY_SEGMENT_GROUP_NON_LOCAL)
        return STATUS_INVALID_PARAMETER;
    if (!(adapter = d3dkmt_adapter_from_handle(desc->hAdapter))) return STATUS_INVALID_PARAMETER;
    local = desc->MemorySegmentGroup == D3DKMT_MEMORY_SEGMENT_GROUP_LOCAL;
    desc->Budget = d3dkmt_adapter_budget(adapter, local);
    desc->CurrentUsage = atomic_load(local ? &adapter->local_usage : &adapter->nonlocal_usage);
    desc->CurrentReservation = 0;
    desc->AvailableForReservation = 0;
    return STATUS_SUCCESS;
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
        out[i].luid = adapter_luid(&adapters[i]);
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

    if (!uuid || !luid_bits(luid)) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_init())) return status;
    pthread_mutex_lock(&init_lock);
    for (i = 0; i < adapter_count; i++)
        if (!memcmp(adapters[i].device_uuid, uuid, VK_UUID_SIZE)) target = &adapters[i];
    if (!target) status = STATUS_NOT_FOUND;
    for (i = 0; i < adapter_count && !status; i++)
        if (&adapters[i] != target && atomic_load(&adapters[i].luid) == luid_bits(luid)) status = STATUS_INVALID_PARAMETER;
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
        atomic_store(&target->luid, luid_bits(luid));
        TRACE("adapter %s: luid %08x:%08lx", target->props.deviceName, (unsigned)luid.HighPart,
              (unsigned long)luid.LowPart);
    }
    pthread_mutex_unlock(&init_lock);
    return status;
}
