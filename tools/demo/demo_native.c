/*
 * demo_native.c: d3dkmt-demo, the native program: the scenario of scenario.c on libd3dkmt, with
 * real GPU work every frame (vkCmdCopyBuffer reads of the frame's assets into a host-visible
 * buffer, submitted through d3dkmt_host_submit and checked when the frame completed), allocation
 * state from d3dkmt_host_get_allocation_info, and Vulkan validation (D3DKMT_VALIDATION=1 makes
 * any validation message fail the run).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Usage: d3dkmt-demo [--budget=SIZE] [--json] [--quiet] [--help]; see docs/demo.md.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scenario.h"
#include "d3dkmt_host.h"

#define SLOTS 4                 /* frames in flight at most: 3 */
#define CHUNK 4096              /* bytes copied from each asset per frame */

struct native
{
    D3DKMT_HANDLE device;
    struct d3dkmt_host_device_info info;
    PFN_vkCreateCommandPool create_pool;
    PFN_vkDestroyCommandPool destroy_pool;
    PFN_vkAllocateCommandBuffers alloc_cmd;
    PFN_vkResetCommandBuffer reset_cmd;
    PFN_vkBeginCommandBuffer begin;
    PFN_vkEndCommandBuffer end;
    PFN_vkCmdCopyBuffer copy;
    PFN_vkCmdPipelineBarrier barrier;
    PFN_vkCreateBuffer create_buffer;
    PFN_vkDestroyBuffer destroy_buffer;
    PFN_vkGetBufferMemoryRequirements buffer_reqs;
    PFN_vkAllocateMemory alloc_memory;
    PFN_vkFreeMemory free_memory;
    PFN_vkBindBufferMemory bind;
    PFN_vkMapMemory map;
    PFN_vkQueueWaitIdle queue_idle;
    VkCommandPool pool;
    VkCommandBuffer cmd[SLOTS];
    VkBuffer target[SLOTS];
    VkDeviceMemory target_memory[SLOTS];
    unsigned char *target_data[SLOTS];
    int ready;
};

static int native_open(void *ctx, D3DKMT_HANDLE adapter, D3DKMT_HANDLE device, char *name, size_t name_size)
{
    struct native *n = ctx;
    PFN_vkGetPhysicalDeviceMemoryProperties get_mem_props;
    PFN_vkGetPhysicalDeviceProperties get_props;
    VkPhysicalDeviceMemoryProperties mem_props;
    VkPhysicalDeviceProperties props;
    VkCommandPoolCreateInfo pool_info = { .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                          .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT };
    VkCommandBufferAllocateInfo cmd_info = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                             .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY, .commandBufferCount = SLOTS };
    VkBufferCreateInfo buffer_info = { .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                                       .size = (VkDeviceSize)DEMO_MAX_FRAME_ASSETS * CHUNK,
                                       .usage = VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                       .sharingMode = VK_SHARING_MODE_EXCLUSIVE };
    const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    PFN_vkGetDeviceProcAddr gdpa;
    VkDevice vk;
    unsigned int i, type;

    (void)adapter;
    n->device = device;
    if (d3dkmt_host_get_device_info(device, &n->info)) return -1;
    gdpa = n->info.get_device_proc_addr;
    vk = n->info.device;
#define LOAD(field, name) if (!(n->field = (PFN_##name)gdpa(vk, #name))) return -1
    LOAD(create_pool, vkCreateCommandPool);
    LOAD(destroy_pool, vkDestroyCommandPool);
    LOAD(alloc_cmd, vkAllocateCommandBuffers);
    LOAD(reset_cmd, vkResetCommandBuffer);
    LOAD(begin, vkBeginCommandBuffer);
    LOAD(end, vkEndCommandBuffer);
    LOAD(copy, vkCmdCopyBuffer);
    LOAD(barrier, vkCmdPipelineBarrier);
    LOAD(create_buffer, vkCreateBuffer);
    LOAD(destroy_buffer, vkDestroyBuffer);
    LOAD(buffer_reqs, vkGetBufferMemoryRequirements);
    LOAD(alloc_memory, vkAllocateMemory);
    LOAD(free_memory, vkFreeMemory);
    LOAD(bind, vkBindBufferMemory);
    LOAD(map, vkMapMemory);
    LOAD(queue_idle, vkQueueWaitIdle);
#undef LOAD
    get_props = (PFN_vkGetPhysicalDeviceProperties)vkGetInstanceProcAddr(n->info.instance, "vkGetPhysicalDeviceProperties");
    get_mem_props = (PFN_vkGetPhysicalDeviceMemoryProperties)vkGetInstanceProcAddr(n->info.instance,
                                                                                  "vkGetPhysicalDeviceMemoryProperties");
    if (!get_props || !get_mem_props) return -1;
    get_props(n->info.physical_device, &props);
    snprintf(name, name_size, "%s", props.deviceName);
    get_mem_props(n->info.physical_device, &mem_props);

    pool_info.queueFamilyIndex = n->info.queue_family_index;
    if (n->create_pool(vk, &pool_info, NULL, &n->pool) != VK_SUCCESS) return -1;
    cmd_info.commandPool = n->pool;
    if (n->alloc_cmd(vk, &cmd_info, n->cmd) != VK_SUCCESS) return -1;
    n->ready = 1;
    /* The frames' copy targets: the demo's own host-visible buffers, outside the library (they
     * are not assets and do not count against the budget). */
    for (i = 0; i < SLOTS; i++)
    {
        VkMemoryAllocateInfo alloc = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO };
        VkMemoryRequirements reqs;
        void *data;

        if (n->create_buffer(vk, &buffer_info, NULL, &n->target[i]) != VK_SUCCESS) return -1;
        n->buffer_reqs(vk, n->target[i], &reqs);
        for (type = 0; type < mem_props.memoryTypeCount; type++)
            if ((reqs.memoryTypeBits & (1u << type)) && (mem_props.memoryTypes[type].propertyFlags & host) == host) break;
        if (type == mem_props.memoryTypeCount) return -1;
        alloc.allocationSize = reqs.size;
        alloc.memoryTypeIndex = type;
        if (n->alloc_memory(vk, &alloc, NULL, &n->target_memory[i]) != VK_SUCCESS) return -1;
        if (n->bind(vk, n->target[i], n->target_memory[i], 0) != VK_SUCCESS) return -1;
        if (n->map(vk, n->target_memory[i], 0, VK_WHOLE_SIZE, 0, &data) != VK_SUCCESS) return -1;
        n->target_data[i] = data;
    }
    return 0;
}

/* The frame's GPU work: copy the first CHUNK bytes of every asset it uses into the slot's target. */
static int native_frame_work(void *ctx, const struct demo_frame *frame, UINT64 asset_size)
{
    struct native *n = ctx;
    unsigned int slot = frame->number % SLOTS, i;
    VkCommandBuffer cmd = n->cmd[slot];
    VkCommandBufferBeginInfo begin_info = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                            .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT };
    VkMemoryBarrier to_host = { .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                                .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT, .dstAccessMask = VK_ACCESS_HOST_READ_BIT };
    VkCommandBufferSubmitInfo cmd_submit = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_SUBMIT_INFO, .commandBuffer = cmd };
    VkSubmitInfo2 submit = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2, .commandBufferInfoCount = 1,
                             .pCommandBufferInfos = &cmd_submit };

    (void)asset_size;
    /* The slot's previous frame completed (at most three are in flight): its buffer is free. */
    memset(n->target_data[slot], 0, (size_t)DEMO_MAX_FRAME_ASSETS * CHUNK);
    if (n->reset_cmd(cmd, 0) != VK_SUCCESS || n->begin(cmd, &begin_info) != VK_SUCCESS) return -1;
    for (i = 0; i < frame->count; i++)
    {
        struct d3dkmt_host_allocation_info info;
        VkBufferCopy region = { .srcOffset = 0, .dstOffset = (VkDeviceSize)i * CHUNK, .size = CHUNK };

        if (d3dkmt_host_get_allocation_info(n->device, frame->handles[i], &info) || !info.buffer) return -1;
        n->copy(cmd, info.buffer, n->target[slot], 1, &region);
    }
    n->barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &to_host, 0, NULL, 0, NULL);
    if (n->end(cmd) != VK_SUCCESS) return -1;
    return d3dkmt_host_submit(n->device, &submit, NULL) ? -1 : 0;
}

/* What the GPU copied must be the assets' patterns. */
static int native_frame_done(void *ctx, const struct demo_frame *frame, UINT64 asset_size)
{
    struct native *n = ctx;
    const UINT *data = (const UINT *)n->target_data[frame->number % SLOTS];
    unsigned int i, w, problems = 0;

    (void)asset_size;
    for (i = 0; i < frame->count; i++)
    {
        if (!frame->seeds[i]) continue;
        for (w = 0; w < CHUNK / sizeof(UINT); w++)
        {
            if (data[i * (CHUNK / sizeof(UINT)) + w] != demo_pattern(frame->seeds[i], w))
            {
                problems++;
                break;
            }
        }
    }
    return problems;
}

static int native_is_released(void *ctx, D3DKMT_HANDLE device, D3DKMT_HANDLE alloc)
{
    struct d3dkmt_host_allocation_info info;

    (void)ctx;
    if (d3dkmt_host_get_allocation_info(device, alloc, &info)) return -1;
    return info.memory == VK_NULL_HANDLE;
}

static void native_close(void *ctx)
{
    struct native *n = ctx;
    VkDevice vk = n->info.device;
    unsigned int i;

    if (!n->ready) return;
    /* Every frame completed already; be safe after a failure. */
    if (!d3dkmt_host_lock_queue(n->device))
    {
        n->queue_idle(n->info.queue);
        d3dkmt_host_unlock_queue(n->device);
    }
    for (i = 0; i < SLOTS; i++)
    {
        if (n->target[i]) n->destroy_buffer(vk, n->target[i], NULL);
        if (n->target_memory[i]) n->free_memory(vk, n->target_memory[i], NULL);
    }
    n->destroy_pool(vk, n->pool, NULL);
    memset(n, 0, sizeof(*n));
}

static long long native_validation_messages(void *ctx)
{
    (void)ctx;
    if (!getenv("D3DKMT_VALIDATION")) return -1;
    return (long long)d3dkmt_host_validation_messages();
}

static void native_sleep_ms(unsigned int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    static struct native native;
    struct demo_platform platform = {
        .name = "native",
        .ctx = &native,
        .open = native_open,
        .frame_work = native_frame_work,
        .frame_done = native_frame_done,
        .is_released = native_is_released,
        .close = native_close,
        .validation_messages = native_validation_messages,
        .sleep_ms = native_sleep_ms,
    };
    struct demo_options opts;
    char cap[32];
    int status;

    if ((status = demo_parse_args(argc, argv, "d3dkmt-demo",
                                  "\nEnvironment: D3DKMT_VALIDATION=1 turns the Vulkan validation layer on (any\n"
                                  "message then fails the run); D3DKMT_DEBUG selects library log channels.\n",
                                  &opts)) >= 0)
        return status;
    /* The cap must be in the environment before the library's first call reads it; so must the
     * statistics region, on unless the environment says otherwise (d3dkmt-top shows the demo). */
    snprintf(cap, sizeof(cap), "%llu", (unsigned long long)opts.budget);
    setenv("D3DKMT_BUDGET_CAP", cap, 1);
    setenv("D3DKMT_STATS", "1", 0);
    status = demo_run(&opts, &platform);
    d3dkmt_host_shutdown();
    return status;
}
