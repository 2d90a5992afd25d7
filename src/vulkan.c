/*
 * vulkan.c: Vulkan dispatch.  The library reaches Vulkan only through vkGetInstanceProcAddr (the
 * loader's, or a mock installed by the unit tests) and the function tables it fills; this file
 * also owns the instance, the validation messenger and the one VkResult -> NTSTATUS mapping.
 * Layer 3 (src/d3dkmt_private.h): it calls only log.c; adapter.c (layer 4) creates the instance
 * through d3dkmt_vk_create_instance when the library initialises.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#include "d3dkmt_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct d3dkmt_vk_global g_vk;
static _Atomic uint64_t validation_count;

static PFN_vkGetInstanceProcAddr loader_override;
static bool validation_fatal;

void d3dkmt_vk_set_loader(PFN_vkGetInstanceProcAddr gipa)
{
    loader_override = gipa;
}

NTSTATUS d3dkmt_status_from_vk(VkResult vr)
{
    switch (vr)
    {
    case VK_SUCCESS:                        return STATUS_SUCCESS;
    case VK_TIMEOUT:
    case VK_NOT_READY:                      return STATUS_TIMEOUT;
    case VK_ERROR_OUT_OF_HOST_MEMORY:
    case VK_ERROR_TOO_MANY_OBJECTS:
    case VK_ERROR_FRAGMENTATION:
    case VK_ERROR_MEMORY_MAP_FAILED:        return STATUS_NO_MEMORY;   /* vkMapMemory (Lock2) */
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:     return STATUS_GRAPHICS_NO_VIDEO_MEMORY;
    case VK_ERROR_DEVICE_LOST:              return STATUS_DEVICE_REMOVED;
    case VK_ERROR_INITIALIZATION_FAILED:
    case VK_ERROR_LAYER_NOT_PRESENT:
    case VK_ERROR_EXTENSION_NOT_PRESENT:
    case VK_ERROR_FEATURE_NOT_PRESENT:
    case VK_ERROR_INCOMPATIBLE_DRIVER:      return STATUS_NOT_SUPPORTED;
    default:
        ERR("unexpected VkResult %d", vr);
        return STATUS_INTERNAL_ERROR;
    }
}

NTSTATUS d3dkmt_device_check_vk(struct d3dkmt_device *device, VkResult vr)
{
    if (vr == VK_ERROR_DEVICE_LOST && device && !atomic_exchange(&device->removed, true))
        ERR("device %#x lost; every later call on it returns STATUS_DEVICE_REMOVED", device->obj.handle);
    return d3dkmt_status_from_vk(vr);
}

static VkBool32 VKAPI_PTR debug_callback(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                         VkDebugUtilsMessageTypeFlagsEXT types,
                                         const VkDebugUtilsMessengerCallbackDataEXT *data, void *user)
{
    if (severity < VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) return VK_FALSE;
    atomic_fetch_add(&validation_count, 1);
    fprintf(stderr, "d3dkmt:validation: %s\n", data && data->pMessage ? data->pMessage : "(no message)");
    if (validation_fatal) abort();
    return VK_FALSE;
}

/* 1 when the layer is installed, 0 when not, -1 when out of memory (the init then fails with
 * STATUS_NO_MEMORY and is retried, instead of reporting the layer missing). */
static int layer_present(PFN_vkEnumerateInstanceLayerProperties enumerate, const char *name)
{
    VkLayerProperties *props;
    uint32_t count = 0, i;
    bool found = false;

    if (!enumerate || enumerate(&count, NULL) != VK_SUCCESS || !count) return 0;
    if (!(props = calloc(count, sizeof(*props)))) return -1;
    if (enumerate(&count, props) == VK_SUCCESS)
        for (i = 0; i < count && !found; i++) found = !strcmp(props[i].layerName, name);
    free(props);
    return found;
}

NTSTATUS d3dkmt_vk_create_instance(void)
{
    static const char validation_layer[] = "VK_LAYER_KHRONOS_validation";
    const char *validation = getenv("D3DKMT_VALIDATION");
    bool want_validation = validation && *validation && strcmp(validation, "0");
    PFN_vkGetInstanceProcAddr gipa = loader_override ? loader_override : vkGetInstanceProcAddr;
    PFN_vkCreateInstance create;
    PFN_vkEnumerateInstanceVersion version;
    VkDebugUtilsMessengerCreateInfoEXT messenger_info = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT
                         | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT
                     | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT,
        .pfnUserCallback = debug_callback,
    };
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "d3dkmt",
        .pEngineName = "libd3dkmt",
        .apiVersion = VK_API_VERSION_1_3,
    };
    const char *extensions[] = { VK_EXT_DEBUG_UTILS_EXTENSION_NAME };
    const char *layers[] = { validation_layer };
    VkInstanceCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pApplicationInfo = &app,
    };
    uint32_t api = VK_API_VERSION_1_0;
    VkResult vr;

    g_vk.get_instance_proc_addr = gipa;
    create = (PFN_vkCreateInstance)gipa(VK_NULL_HANDLE, "vkCreateInstance");
    version = (PFN_vkEnumerateInstanceVersion)gipa(VK_NULL_HANDLE, "vkEnumerateInstanceVersion");
    if (!create || !version || version(&api) != VK_SUCCESS || api < VK_API_VERSION_1_3)
    {
        ERR("a Vulkan 1.3 loader is needed (found %u.%u)", VK_API_VERSION_MAJOR(api), VK_API_VERSION_MINOR(api));
        return STATUS_NOT_SUPPORTED;
    }
    g_vk.api_version = api;

    if (want_validation)
    {
        PFN_vkEnumerateInstanceLayerProperties enumerate_layers =
            (PFN_vkEnumerateInstanceLayerProperties)gipa(VK_NULL_HANDLE, "vkEnumerateInstanceLayerProperties");
        int present = layer_present(enumerate_layers, validation_layer);
        if (present < 0) return STATUS_NO_MEMORY;
        if (!present)
        {
            ERR("D3DKMT_VALIDATION is set but %s is not installed (Debian: vulkan-validationlayers)",
                validation_layer);
            return STATUS_NOT_SUPPORTED;
        }
        validation_fatal = !strcmp(validation, "fatal");
        info.enabledLayerCount = 1;
        info.ppEnabledLayerNames = layers;
        info.enabledExtensionCount = 1;
        info.ppEnabledExtensionNames = extensions;
        info.pNext = &messenger_info;
    }

    if ((vr = create(&info, NULL, &g_vk.instance)) != VK_SUCCESS)
    {
        ERR("vkCreateInstance failed: %d", vr);
        g_vk.instance = VK_NULL_HANDLE;
        return d3dkmt_status_from_vk(vr);
    }

#define X(name) g_vk.vki.name = (PFN_##name)gipa(g_vk.instance, #name);
    D3DKMT_VK_INSTANCE_FUNCS(X)
#undef X

    if (want_validation && g_vk.vki.vkCreateDebugUtilsMessengerEXT)
        g_vk.vki.vkCreateDebugUtilsMessengerEXT(g_vk.instance, &messenger_info, NULL, &g_vk.messenger);
    return STATUS_SUCCESS;
}

void d3dkmt_vk_destroy_instance(void)
{
    if (g_vk.messenger && g_vk.vki.vkDestroyDebugUtilsMessengerEXT)
        g_vk.vki.vkDestroyDebugUtilsMessengerEXT(g_vk.instance, g_vk.messenger, NULL);
    if (g_vk.instance && g_vk.vki.vkDestroyInstance)
        g_vk.vki.vkDestroyInstance(g_vk.instance, NULL);
    g_vk.messenger = VK_NULL_HANDLE;
    g_vk.instance = VK_NULL_HANDLE;
    memset(&g_vk.vki, 0, sizeof(g_vk.vki));
}

D3DKMT_EXPORT uint64_t d3dkmt_host_validation_messages(void)
{
    return atomic_load(&validation_count);
}
