/* tests/common.c: see common.h. */
#include "common.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__SANITIZE_ADDRESS__)
/* Under LeakSanitizer: the Vulkan loader unloads the layer and the driver at vkDestroyInstance
 * (Debian 12's loader, 1.3.239, predates VK_LOADER_DISABLE_DYNAMIC_LIBRARY_UNLOADING), and a leak
 * reported at exit from an unloaded library has no module name, so tests/lsan.supp could not
 * tell the validation layer's own leaks from ours.  Opened once more with RTLD_NODELETE, they stay
 * mapped until exit.  A library that is not installed is simply not kept. */
__attribute__((constructor)) static void keep_vulkan_libraries_loaded(void)
{
    static const char *const names[] = { "libVkLayer_khronos_validation.so", "libvulkan_lvp.so" };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) dlopen(names[i], RTLD_NOW | RTLD_NODELETE);
}
#endif

void test_open_device(struct test_device *t)
{
    D3DKMT_ADAPTERINFO infos[8];
    D3DKMT_ENUMADAPTERS2 enum2 = { .NumAdapters = 8, .pAdapters = infos };
    D3DKMT_CREATEDEVICE create = { 0 };

    memset(t, 0, sizeof(*t));
    assert_int_equal(D3DKMTEnumAdapters2(&enum2), STATUS_SUCCESS);
    assert_true(enum2.NumAdapters >= 1);
    t->adapter = infos[0].hAdapter;
    t->luid = infos[0].AdapterLuid;
    for (UINT i = 1; i < enum2.NumAdapters; i++)
    {
        D3DKMT_CLOSEADAPTER close = { .hAdapter = infos[i].hAdapter };
        assert_int_equal(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
    }
    create.hAdapter = t->adapter;
    assert_int_equal(D3DKMTCreateDevice(&create), STATUS_SUCCESS);
    t->device = create.hDevice;
    assert_int_equal(d3dkmt_host_get_device_info(t->device, &t->info), STATUS_SUCCESS);
}

void test_close_device(struct test_device *t)
{
    D3DKMT_DESTROYDEVICE destroy = { .hDevice = t->device };
    D3DKMT_CLOSEADAPTER close = { .hAdapter = t->adapter };

    if (t->device) assert_int_equal(D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);
    if (t->adapter) assert_int_equal(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_validation_messages(), 0);
    memset(t, 0, sizeof(*t));
}

NTSTATUS test_create(D3DKMT_HANDLE device, UINT n, UINT64 size, UINT placement, UINT priority,
                     D3DKMT_HANDLE *handles, D3DKMT_HANDLE *resource)
{
    D3DKMT_VK_ALLOCATIONDATA data = {
        .Version = D3DKMT_VK_ALLOCATIONDATA_VERSION, .Placement = placement, .Size = size, .Priority = priority,
    };
    D3DDDI_ALLOCATIONINFO2 *infos = calloc(n, sizeof(*infos));
    D3DKMT_CREATEALLOCATION create = { 0 };
    NTSTATUS status;
    UINT i;

    assert_non_null(infos);
    for (i = 0; i < n; i++)
    {
        infos[i].pPrivateDriverData = &data;
        infos[i].PrivateDriverDataSize = sizeof(data);
    }
    create.hDevice = device;
    create.NumAllocations = n;
    create.pAllocationInfo2 = infos;
    create.Flags.CreateResource = resource != NULL;
    status = D3DKMTCreateAllocation2(&create);
    if (!status)
    {
        for (i = 0; i < n; i++) handles[i] = infos[i].hAllocation;
        if (resource) *resource = create.hResource;
    }
    free(infos);
    return status;
}

NTSTATUS test_destroy(D3DKMT_HANDLE device, const D3DKMT_HANDLE *handles, UINT n, UINT flags)
{
    D3DKMT_DESTROYALLOCATION2 destroy = {
        .hDevice = device, .phAllocationList = handles, .AllocationCount = n,
    };
    destroy.Flags.Value = flags;
    return D3DKMTDestroyAllocation2(&destroy);
}

static uint8_t pattern_byte(uint32_t seed, UINT64 i)
{
    uint32_t x = seed * 0x9e3779b1u + (uint32_t)i * 0x85ebca6bu + (uint32_t)(i >> 32);
    x ^= x >> 15;
    x *= 0x2c1b3c6du;
    x ^= x >> 12;
    x *= 0x297a2d39u;
    x ^= x >> 15;
    return (uint8_t)x;
}

void test_fill(D3DKMT_HANDLE device, D3DKMT_HANDLE alloc, UINT64 size, uint32_t seed)
{
    D3DKMT_LOCK2 lock = { .hDevice = device, .hAllocation = alloc };
    D3DKMT_UNLOCK2 unlock = { .hDevice = device, .hAllocation = alloc };
    uint8_t *p;

    assert_int_equal(D3DKMTLock2(&lock), STATUS_SUCCESS);
    p = lock.pData;
    for (UINT64 i = 0; i < size; i++) p[i] = pattern_byte(seed, i);
    assert_int_equal(D3DKMTUnlock2(&unlock), STATUS_SUCCESS);
}

bool test_check(D3DKMT_HANDLE device, D3DKMT_HANDLE alloc, UINT64 size, uint32_t seed)
{
    D3DKMT_LOCK2 lock = { .hDevice = device, .hAllocation = alloc };
    D3DKMT_UNLOCK2 unlock = { .hDevice = device, .hAllocation = alloc };
    bool same = true;
    const uint8_t *p;

    assert_int_equal(D3DKMTLock2(&lock), STATUS_SUCCESS);
    p = lock.pData;
    for (UINT64 i = 0; i < size && same; i++) same = p[i] == pattern_byte(seed, i);
    assert_int_equal(D3DKMTUnlock2(&unlock), STATUS_SUCCESS);
    return same;
}

D3DKMT_VK_STATISTICS test_stats(D3DKMT_HANDLE device)
{
    D3DKMT_VK_STATISTICS stats;
    assert_int_equal(d3dkmt_host_query_statistics(device, &stats), STATUS_SUCCESS);
    return stats;
}

UINT64 test_local_usage(D3DKMT_HANDLE adapter)
{
    D3DKMT_QUERYVIDEOMEMORYINFO info = { .hAdapter = adapter, .MemorySegmentGroup = D3DKMT_MEMORY_SEGMENT_GROUP_LOCAL };
    assert_int_equal(D3DKMTQueryVideoMemoryInfo(&info), STATUS_SUCCESS);
    return info.CurrentUsage;
}

void test_busy_begin(struct test_device *t, struct test_busy *busy)
{
    PFN_vkCreateSemaphore create = (PFN_vkCreateSemaphore)t->info.get_device_proc_addr(t->info.device, "vkCreateSemaphore");
    VkSemaphoreTypeCreateInfo type = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO,
                                       .semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE };
    VkSemaphoreCreateInfo info = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO, .pNext = &type };
    VkSemaphoreSubmitInfo wait = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO, .value = 1,
                                   .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
    VkSubmitInfo2 submit = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2, .waitSemaphoreInfoCount = 1,
                             .pWaitSemaphoreInfos = &wait };

    /* Whatever the library queued before (the sparse binds of new allocations) completes first,
     * so that only the busy submission is pending afterwards: the tests stay deterministic. */
    assert_int_equal(d3dkmt_host_lock_queue(t->device), STATUS_SUCCESS);
    assert_int_equal(((PFN_vkQueueWaitIdle)t->info.get_device_proc_addr(t->info.device, "vkQueueWaitIdle"))(t->info.queue),
                     VK_SUCCESS);
    assert_int_equal(d3dkmt_host_unlock_queue(t->device), STATUS_SUCCESS);
    assert_int_equal(create(t->info.device, &info, NULL, &busy->gate), VK_SUCCESS);
    wait.semaphore = busy->gate;
    assert_int_equal(d3dkmt_host_submit(t->device, &submit, &busy->tracked_value), STATUS_SUCCESS);
}

void test_busy_end(struct test_device *t, struct test_busy *busy)
{
    PFN_vkSignalSemaphore signal = (PFN_vkSignalSemaphore)t->info.get_device_proc_addr(t->info.device, "vkSignalSemaphore");
    VkSemaphoreSignalInfo info = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO, .semaphore = busy->gate, .value = 1 };
    assert_int_equal(signal(t->info.device, &info), VK_SUCCESS);
}

void test_busy_finish(struct test_device *t, struct test_busy *busy)
{
    PFN_vkDestroySemaphore destroy = (PFN_vkDestroySemaphore)t->info.get_device_proc_addr(t->info.device, "vkDestroySemaphore");
    assert_int_equal(d3dkmt_host_flush_deferred(t->device, 10000000000ull), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_lock_queue(t->device), STATUS_SUCCESS);
    {
        PFN_vkQueueWaitIdle idle = (PFN_vkQueueWaitIdle)t->info.get_device_proc_addr(t->info.device, "vkQueueWaitIdle");
        assert_int_equal(idle(t->info.queue), VK_SUCCESS);
    }
    assert_int_equal(d3dkmt_host_unlock_queue(t->device), STATUS_SUCCESS);
    destroy(t->info.device, busy->gate, NULL);
}

void test_gpu_copy(struct test_device *t, VkBuffer src, VkBuffer dst, VkDeviceSize size)
{
    PFN_vkGetDeviceProcAddr gdpa = t->info.get_device_proc_addr;
    VkDevice vk = t->info.device;
    PFN_vkCreateCommandPool create_pool = (PFN_vkCreateCommandPool)gdpa(vk, "vkCreateCommandPool");
    PFN_vkAllocateCommandBuffers alloc_cmd = (PFN_vkAllocateCommandBuffers)gdpa(vk, "vkAllocateCommandBuffers");
    PFN_vkBeginCommandBuffer begin = (PFN_vkBeginCommandBuffer)gdpa(vk, "vkBeginCommandBuffer");
    PFN_vkEndCommandBuffer end = (PFN_vkEndCommandBuffer)gdpa(vk, "vkEndCommandBuffer");
    PFN_vkCmdCopyBuffer copy = (PFN_vkCmdCopyBuffer)gdpa(vk, "vkCmdCopyBuffer");
    PFN_vkDestroyCommandPool destroy_pool = (PFN_vkDestroyCommandPool)gdpa(vk, "vkDestroyCommandPool");
    VkCommandPoolCreateInfo pool_info = { .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                          .queueFamilyIndex = t->info.queue_family_index };
    VkCommandBufferAllocateInfo cmd_info = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                             .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY, .commandBufferCount = 1 };
    VkCommandBufferBeginInfo begin_info = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                            .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT };
    VkBufferCopy region = { .size = size };
    VkCommandBufferSubmitInfo cmd_submit = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_SUBMIT_INFO };
    VkSubmitInfo2 submit = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2, .commandBufferInfoCount = 1,
                             .pCommandBufferInfos = &cmd_submit };
    VkCommandPool pool;
    VkCommandBuffer cmd;

    assert_int_equal(create_pool(vk, &pool_info, NULL, &pool), VK_SUCCESS);
    cmd_info.commandPool = pool;
    assert_int_equal(alloc_cmd(vk, &cmd_info, &cmd), VK_SUCCESS);
    assert_int_equal(begin(cmd, &begin_info), VK_SUCCESS);
    copy(cmd, src, dst, 1, &region);
    assert_int_equal(end(cmd), VK_SUCCESS);
    cmd_submit.commandBuffer = cmd;
    assert_int_equal(d3dkmt_host_submit(t->device, &submit, NULL), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_lock_queue(t->device), STATUS_SUCCESS);
    assert_int_equal(((PFN_vkQueueWaitIdle)gdpa(vk, "vkQueueWaitIdle"))(t->info.queue), VK_SUCCESS);
    assert_int_equal(d3dkmt_host_unlock_queue(t->device), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_flush_deferred(t->device, 10000000000ull), STATUS_SUCCESS);
    destroy_pool(vk, pool, NULL);
}

struct test_watchdog
{
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done, fired;
    unsigned int seconds;
    struct test_device *t;
    struct test_busy *busy;
};

static void *watchdog_main(void *arg)
{
    struct test_watchdog *dog = arg;
    struct timespec deadline;
    int rc = 0;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += dog->seconds;
    pthread_mutex_lock(&dog->lock);
    while (!dog->done && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&dog->cond, &dog->lock, &deadline);
    dog->fired = !dog->done;
    pthread_mutex_unlock(&dog->lock);
    if (dog->fired) test_busy_end(dog->t, dog->busy);
    return NULL;
}

struct test_watchdog *test_watchdog_begin(struct test_device *t, struct test_busy *busy, unsigned int seconds)
{
    struct test_watchdog *dog = calloc(1, sizeof(*dog));
    pthread_condattr_t attr;

    assert_non_null(dog);
    dog->t = t;
    dog->busy = busy;
    dog->seconds = seconds;
    pthread_mutex_init(&dog->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&dog->cond, &attr);
    pthread_condattr_destroy(&attr);
    assert_int_equal(pthread_create(&dog->thread, NULL, watchdog_main, dog), 0);
    return dog;
}

bool test_watchdog_end(struct test_watchdog *dog)
{
    bool fired;

    pthread_mutex_lock(&dog->lock);
    dog->done = true;
    pthread_cond_signal(&dog->cond);
    pthread_mutex_unlock(&dog->lock);
    pthread_join(dog->thread, NULL);
    fired = dog->fired;
    pthread_cond_destroy(&dog->cond);
    pthread_mutex_destroy(&dog->lock);
    free(dog);
    return fired;
}
