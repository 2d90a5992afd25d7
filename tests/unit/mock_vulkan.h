/*
 * tests/unit/mock_vulkan.h: a mock Vulkan driver for unit, fault-injection, stress and fuzz
 * tests.  It is installed with d3dkmt_vk_set_loader() in place of the loader's
 * vkGetInstanceProcAddr, before the library's first call (and again after each
 * d3dkmt_host_shutdown()).
 *
 * What it models: one instance with a configurable number of identical physical devices (one
 * queue family with graphics, compute, transfer and sparse binding; a DEVICE_LOCAL heap and a
 * HOST_VISIBLE heap; VK_EXT_memory_priority, VK_EXT_pageable_device_local_memory and
 * VK_EXT_memory_budget, each switchable), timeline semaphores with a host-side timeline, and a
 * queue that executes batches (vkQueueSubmit2, vkQueueBindSparse) in order once their waits are
 * satisfied, applying sparse binds as it goes.  mock_vk_pause() stops the "GPU".
 *
 * What it checks: every handle the library passes is live (a registry of mock objects), the
 * external synchronisation of the queue, the timeline rules (signal values increase, a host signal
 * never overtakes a queued one), that memory, buffers and semaphores are not freed while a queued
 * batch still uses them, that mapped memory is host visible and not mapped twice, and that a
 * device or instance is destroyed without live children.  Each violation prints
 * "mock_vulkan: error: ..." on stderr, counts in mock_vk_errors() and goes to the debug messenger
 * when the library registered one (so d3dkmt_host_validation_messages() counts it too).
 *
 * Fault injection: mock_vk_fail() makes the Nth later call of one function (counted on the owner
 * thread only, so the library's waiter threads do not shift the count) return a chosen VkResult
 * without doing anything; VK_ERROR_DEVICE_LOST also loses the device, after which the device's
 * queue, wait and counter functions return VK_ERROR_DEVICE_LOST as a real driver's would.
 */
#ifndef D3DKMT_MOCK_VULKAN_H
#define D3DKMT_MOCK_VULKAN_H

#include <stdbool.h>
#include <stdint.h>
#include <vulkan/vulkan.h>

/* Every VkResult-returning function the library calls (the fault injection points). */
#define MOCK_VK_FAULT_FUNCS(X) \
    X(vkCreateInstance) \
    X(vkEnumeratePhysicalDevices) \
    X(vkEnumerateDeviceExtensionProperties) \
    X(vkCreateDevice) \
    X(vkCreateDebugUtilsMessengerEXT) \
    X(vkDeviceWaitIdle) \
    X(vkAllocateMemory) \
    X(vkMapMemory) \
    X(vkCreateBuffer) \
    X(vkBindBufferMemory) \
    X(vkQueueBindSparse) \
    X(vkQueueSubmit2) \
    X(vkQueueWaitIdle) \
    X(vkCreateSemaphore) \
    X(vkGetSemaphoreCounterValue) \
    X(vkWaitSemaphores) \
    X(vkSignalSemaphore) \
    X(vkCreateCommandPool) \
    X(vkAllocateCommandBuffers) \
    X(vkBeginCommandBuffer) \
    X(vkEndCommandBuffer)

enum mock_vk_fn
{
#define X(name) MOCK_##name,
    MOCK_VK_FAULT_FUNCS(X)
#undef X
    MOCK_FN_COUNT
};

struct mock_vk_config
{
    uint32_t physical_devices;        /* 1 by default */
    bool sparse_binding;              /* features.sparseBinding and a sparse queue (default on) */
    bool memory_priority;             /* VK_EXT_memory_priority (default on) */
    bool pageable;                    /* VK_EXT_pageable_device_local_memory (default on) */
    bool memory_budget;               /* VK_EXT_memory_budget (default on) */
    bool buffer_device_address;       /* bufferDeviceAddress (default on) */
    bool external_memory_host;        /* VK_EXT_external_memory_host, minImportedHostPointerAlignment 4096
                                       * (default on) */
    uint64_t local_heap_size;         /* bytes (default 256 MiB) */
    uint64_t host_heap_size;          /* bytes (default 1 GiB) */
    uint64_t max_timeline_difference; /* maxTimelineSemaphoreValueDifference (default 2^32 - 1) */
    uint32_t hang_ms;                 /* a blocking wait that makes no progress this long is an error
                                       * and returns VK_TIMEOUT / VK_ERROR_DEVICE_LOST (default 20000) */
    bool quiet;                       /* do not print errors (fuzzing prints nothing per input) */
};

/* Fills *config with the defaults above. */
void mock_vk_default_config(struct mock_vk_config *config);
/* Resets the mock (no Vulkan object may be live), applies config (NULL: defaults), makes the
 * calling thread the owner thread and installs the mock with d3dkmt_vk_set_loader(). */
void mock_vk_install(const struct mock_vk_config *config);
/* The mock's vkGetInstanceProcAddr. */
PFN_vkVoidFunction VKAPI_CALL mock_vk_get_instance_proc_addr(VkInstance instance, const char *name);

/* The nth later call (1 = the next one) of fn on the owner thread returns result and does nothing.
 * One fault at a time; a new one replaces the old one. */
void mock_vk_fail(enum mock_vk_fn fn, unsigned int nth, VkResult result);
/* Every later call of fn on the owner thread fails with result until mock_vk_fail_clear(). */
void mock_vk_fail_always(enum mock_vk_fn fn, VkResult result);
void mock_vk_fail_clear(void);
/* True once the armed fault fired (since the last mock_vk_fail). */
bool mock_vk_fault_fired(void);
/* Calls of fn made on the owner thread since install or mock_vk_reset_calls(). */
unsigned int mock_vk_calls(enum mock_vk_fn fn);
void mock_vk_reset_calls(void);
/* Counts and fails calls from every thread instead of the owner only (stress tests). */
void mock_vk_any_thread(bool any);
const char *mock_vk_fn_name(enum mock_vk_fn fn);

/* Loses every device (the GPU "hangs up"): queued batches are dropped, and the queue, wait and
 * counter functions return VK_ERROR_DEVICE_LOST from now on. */
void mock_vk_lose_devices(void);
/* Stops / restarts execution of queued batches on every queue. */
void mock_vk_pause(bool paused);
/* Overrides VK_EXT_memory_budget's heapBudget of heap 0 (local) or 1 (host); 0 = heap size. */
void mock_vk_set_budget(uint32_t heap, uint64_t bytes);

struct mock_vk_counts
{
    int instances, devices, memories, buffers, semaphores, command_pools, messengers;
    int batches;                      /* queued, not executed */
    int mapped;
    uint64_t heap_usage[2];           /* bytes allocated per heap */
};
void mock_vk_get_counts(struct mock_vk_counts *counts);
/* The priority of a live VkDeviceMemory (from allocation or vkSetDeviceMemoryPriorityEXT), or -1. */
float mock_vk_memory_priority(VkDeviceMemory memory);
/* vkSetDeviceMemoryPriorityEXT calls since install, from any thread. */
unsigned int mock_vk_priority_calls(void);
/* The memory a sparse buffer is bound to by executed binds (VK_NULL_HANDLE when unbound); false
 * when buffer is not a live buffer. */
bool mock_vk_buffer_memory(VkBuffer buffer, VkDeviceMemory *memory);

/* Threads blocked now in vkQueueWaitIdle, vkDeviceWaitIdle or a vkWaitSemaphores of 1 s or more
 * (tests use it to release a "busy GPU" only when the library chose to wait for it). */
int mock_vk_blocked(void);

/* Calls fn(ctx) once, at the start of the next vkGetBufferDeviceAddress (any thread), outside the
 * mock's own lock; the library calls it while creating allocations, after their handles are
 * reserved and before they are published (tests race a DestroyDevice there). */
void mock_vk_on_device_address(void (*fn)(void *ctx), void *ctx);

/* Violations seen since install. */
unsigned int mock_vk_errors(void);

/* Non-zero while the mock allocates for itself on this thread (malloc fault wrappers skip those). */
extern __thread volatile int mock_vk_internal;

#endif /* D3DKMT_MOCK_VULKAN_H */
