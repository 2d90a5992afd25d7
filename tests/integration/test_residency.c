/*
 * Residency on the real default device with a small budget cap (D3DKMT_BUDGET_CAP=64M), validation
 * layer on: offer, reclaim (OK / DISCARDED / NOT_COMMITTED), release order under pressure, never
 * a non-offered allocation, deferred offers and frees behind busy GPU work, MakeResident / Evict /
 * priorities, and bad input that changes nothing.
 */
#include "common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MB (1024ull * 1024ull)
#define CAP (64 * MB)
#define SZ (4 * MB)

static struct test_device dev;

static int setup(void **state)
{
    test_open_device(&dev);
    return 0;
}

static int teardown(void **state)
{
    test_close_device(&dev);
    /* As test_core and test_fence: the instance goes too, so that LeakSanitizer sees the
     * validation layer's state freed (Debian 13's layer leaks a physical device's otherwise). */
    d3dkmt_host_shutdown();
    return 0;
}

static NTSTATUS offer(const D3DKMT_HANDLE *h, UINT n, D3DKMT_OFFER_PRIORITY prio, UINT flags)
{
    D3DKMT_OFFERALLOCATIONS o = { .hDevice = dev.device, .HandleList = h, .NumAllocations = n, .Priority = prio };
    o.Flags.Value = flags;
    return D3DKMTOfferAllocations(&o);
}

static NTSTATUS reclaim(const D3DKMT_HANDLE *h, UINT n, BOOL *discarded)
{
    D3DKMT_RECLAIMALLOCATIONS r = { .hDevice = dev.device, .HandleList = h, .NumAllocations = n, .pDiscarded = discarded };
    return D3DKMTReclaimAllocations(&r);
}

static bool offered(D3DKMT_HANDLE h)
{
    struct d3dkmt_host_allocation_info info;
    assert_int_equal(d3dkmt_host_get_allocation_info(dev.device, h, &info), STATUS_SUCCESS);
    return info.offered;
}

static bool released(D3DKMT_HANDLE h)
{
    struct d3dkmt_host_allocation_info info;
    assert_int_equal(d3dkmt_host_get_allocation_info(dev.device, h, &info), STATUS_SUCCESS);
    return info.memory == VK_NULL_HANDLE;
}

static void test_offer_reclaim_intact(void **state)
{
    D3DKMT_HANDLE h[4];
    BOOL discarded[4] = { TRUE, TRUE, TRUE, TRUE };
    D3DKMT_VK_STATISTICS s0 = test_stats(dev.device), s1;
    UINT i;

    assert_int_equal(test_create(dev.device, 4, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, h, NULL), STATUS_SUCCESS);
    for (i = 0; i < 4; i++) test_fill(dev.device, h[i], SZ, 10 + i);
    assert_int_equal(offer(h, 4, D3DKMT_OFFER_PRIORITY_NORMAL, 0), STATUS_SUCCESS);
    for (i = 0; i < 4; i++) assert_true(offered(h[i]));
    assert_int_equal(reclaim(h, 4, discarded), STATUS_SUCCESS);
    for (i = 0; i < 4; i++)
    {
        assert_false(discarded[i]);
        assert_false(offered(h[i]));
        assert_true(test_check(dev.device, h[i], SZ, 10 + i));
    }
    s1 = test_stats(dev.device);
    assert_int_equal(s1.Offers - s0.Offers, 4);
    assert_int_equal(s1.ReclaimsOk - s0.ReclaimsOk, 4);
    assert_int_equal(test_destroy(dev.device, h, 4, 2), STATUS_SUCCESS);
}

/* Under pressure: LOW goes first, then NORMAL, then HIGH; a non-offered allocation never. */
static void test_pressure_order(void **state)
{
    D3DKMT_HANDLE hot[4], low[2], normal[2], high[2], extra[8];
    BOOL d_low[2], d_normal[2], d_high[2];
    D3DKMT_VK_STATISTICS s0 = test_stats(dev.device), s1;
    UINT i;

    if (!dev.info.sparse_binding) skip();
    assert_int_equal(test_create(dev.device, 4, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, hot, NULL), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 2, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, high, NULL), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 2, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, normal, NULL), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 2, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, low, NULL), STATUS_SUCCESS);
    for (i = 0; i < 4; i++) test_fill(dev.device, hot[i], SZ, 100 + i);
    for (i = 0; i < 2; i++) test_fill(dev.device, high[i], SZ, 200 + i);
    /* Offer HIGH first so that age alone would not explain the order. */
    assert_int_equal(offer(high, 2, D3DKMT_OFFER_PRIORITY_HIGH, 0), STATUS_SUCCESS);
    assert_int_equal(offer(normal, 2, D3DKMT_OFFER_PRIORITY_NORMAL, 0), STATUS_SUCCESS);
    assert_int_equal(offer(low, 2, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_true(test_local_usage(dev.adapter) <= CAP);

    /* 40 MB of usage + 32 MB more > 64 MB: 8 MB must go; LOW holds exactly 8 MB. */
    assert_int_equal(test_create(dev.device, 8, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, extra, NULL), STATUS_SUCCESS);
    for (i = 0; i < 2; i++) assert_true(released(low[i]));
    for (i = 0; i < 2; i++) assert_false(released(normal[i]));
    for (i = 0; i < 2; i++) assert_false(released(high[i]));
    for (i = 0; i < 4; i++) assert_false(released(hot[i]));
    s1 = test_stats(dev.device);
    assert_int_equal(s1.Releases - s0.Releases, 2);

    /* More pressure: NORMAL next, HIGH survives, hot never. */
    {
        D3DKMT_HANDLE more[2];
        assert_int_equal(test_create(dev.device, 2, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, more, NULL), STATUS_SUCCESS);
        for (i = 0; i < 2; i++) assert_true(released(normal[i]));
        for (i = 0; i < 2; i++) assert_false(released(high[i]));
        assert_int_equal(test_destroy(dev.device, more, 2, 2), STATUS_SUCCESS);
    }
    assert_true(test_local_usage(dev.adapter) <= CAP);

    /* Room first, so that reclaiming LOW and NORMAL does not push HIGH out. */
    assert_int_equal(test_destroy(dev.device, extra, 8, 2), STATUS_SUCCESS);
    assert_int_equal(reclaim(low, 2, d_low), STATUS_SUCCESS);
    assert_int_equal(reclaim(normal, 2, d_normal), STATUS_SUCCESS);
    assert_int_equal(reclaim(high, 2, d_high), STATUS_SUCCESS);
    for (i = 0; i < 2; i++)
    {
        assert_true(d_low[i]);
        assert_true(d_normal[i]);
        assert_false(d_high[i]);
        assert_true(test_check(dev.device, high[i], SZ, 200 + i));
    }
    for (i = 0; i < 4; i++) assert_true(test_check(dev.device, hot[i], SZ, 100 + i));
    /* A DISCARDED allocation has memory again and is usable. */
    test_fill(dev.device, low[0], SZ, 7);
    assert_true(test_check(dev.device, low[0], SZ, 7));

    assert_int_equal(test_destroy(dev.device, hot, 4, 2), STATUS_SUCCESS);
    assert_int_equal(test_destroy(dev.device, low, 2, 2), STATUS_SUCCESS);
    assert_int_equal(test_destroy(dev.device, normal, 2, 2), STATUS_SUCCESS);
    assert_int_equal(test_destroy(dev.device, high, 2, 2), STATUS_SUCCESS);
}

/* Nothing offered: going over budget releases nothing; every byte survives. */
static void test_never_release_unoffered(void **state)
{
    enum { N = 20 };   /* 80 MB > 64 MB cap */
    D3DKMT_HANDLE h[N];
    D3DKMT_VK_STATISTICS s0 = test_stats(dev.device), s1;
    UINT i;

    for (i = 0; i < N; i++)
    {
        assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &h[i], NULL), STATUS_SUCCESS);
        test_fill(dev.device, h[i], SZ, 300 + i);
    }
    s1 = test_stats(dev.device);
    assert_int_equal(s1.Releases, s0.Releases);
    for (i = 0; i < N; i++) assert_true(test_check(dev.device, h[i], SZ, 300 + i));
    assert_int_equal(test_destroy(dev.device, h, N, 2), STATUS_SUCCESS);
}

static void test_allow_decommit(void **state)
{
    D3DKMT_HANDLE h, fill[16];
    D3DKMT_RECLAIMALLOCATIONS2 r = { 0 };
    D3DKMT_CREATEPAGINGQUEUE pq = { 0 };
    D3DDDI_DESTROYPAGINGQUEUE dpq = { 0 };
    D3DDDI_RECLAIM_RESULT result = 99;
    D3DKMT_LOCK2 lock = { 0 };

    if (!dev.info.sparse_binding) skip();
    pq.hDevice = dev.device;
    assert_int_equal(D3DKMTCreatePagingQueue(&pq), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &h, NULL), STATUS_SUCCESS);
    assert_int_equal(offer(&h, 1, D3DKMT_OFFER_PRIORITY_LOW, 2 /* AllowDecommit */), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 16, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, fill, NULL), STATUS_SUCCESS);
    assert_true(released(h));

    r.hPagingQueue = pq.hPagingQueue;
    r.HandleList = &h;
    r.NumAllocations = 1;
    r.pResults = &result;
    assert_int_equal(D3DKMTReclaimAllocations2(&r), STATUS_SUCCESS);
    assert_int_equal(result, D3DDDI_RECLAIM_RESULT_NOT_COMMITTED);
    assert_true(released(h));                     /* stays without memory */
    lock.hDevice = dev.device;
    lock.hAllocation = h;
    assert_int_equal(D3DKMTLock2(&lock), STATUS_INVALID_PARAMETER);
    result = 99;
    assert_int_equal(D3DKMTReclaimAllocations2(&r), STATUS_SUCCESS);   /* still not committed */
    assert_int_equal(result, D3DDDI_RECLAIM_RESULT_NOT_COMMITTED);
    /* Offered again without AllowDecommit, after room was made: still not committed. */
    assert_int_equal(test_destroy(dev.device, fill, 16, 2), STATUS_SUCCESS);
    assert_int_equal(offer(&h, 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    result = 99;
    assert_int_equal(D3DKMTReclaimAllocations2(&r), STATUS_SUCCESS);
    assert_int_equal(result, D3DDDI_RECLAIM_RESULT_NOT_COMMITTED);
    assert_true(released(h));
    assert_int_equal(test_destroy(dev.device, &h, 1, 2), STATUS_SUCCESS);
    dpq.hPagingQueue = pq.hPagingQueue;
    assert_int_equal(D3DKMTDestroyPagingQueue(&dpq), STATUS_SUCCESS);
}

/* Reclaim2 of a released allocation: STATUS_PENDING with a PagingFenceValue; once the paging
 * fence reaches it, the GPU can copy out of the allocation. */
static void test_reclaim2_paging_fence_and_gpu_copy(void **state)
{
    D3DKMT_HANDLE h, dst, fill[16];
    D3DKMT_RECLAIMALLOCATIONS2 r = { 0 };
    D3DKMT_CREATEPAGINGQUEUE pq = { 0 };
    D3DDDI_DESTROYPAGINGQUEUE dpq = { 0 };
    D3DDDI_RECLAIM_RESULT result = 99;
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU wait = { 0 };
    struct d3dkmt_host_allocation_info src_info, dst_info;
    PFN_vkGetDeviceProcAddr gdpa = dev.info.get_device_proc_addr;
    VkDevice vk = dev.info.device;
    VkCommandPool pool;
    VkCommandBuffer cmd;
    NTSTATUS status;

    if (!dev.info.sparse_binding) skip();
    pq.hDevice = dev.device;
    assert_int_equal(D3DKMTCreatePagingQueue(&pq), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &h, NULL), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &dst, NULL), STATUS_SUCCESS);
    assert_int_equal(offer(&h, 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 16, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, fill, NULL), STATUS_SUCCESS);
    assert_true(released(h));
    assert_int_equal(test_destroy(dev.device, fill, 16, 2), STATUS_SUCCESS);

    r.hPagingQueue = pq.hPagingQueue;
    r.HandleList = &h;
    r.NumAllocations = 1;
    r.pResults = &result;
    status = D3DKMTReclaimAllocations2(&r);
    assert_int_equal(status, STATUS_PENDING);
    assert_int_equal(result, D3DDDI_RECLAIM_RESULT_DISCARDED);
    assert_true(r.PagingFenceValue > 0);

    /* CPU access is valid at once; write a pattern to copy. */
    test_fill(dev.device, h, SZ, 4242);
    wait.hDevice = dev.device;
    wait.ObjectCount = 1;
    wait.ObjectHandleArray = &pq.hSyncObject;
    wait.FenceValueArray = &r.PagingFenceValue;
    assert_int_equal(D3DKMTWaitForSynchronizationObjectFromCpu(&wait), STATUS_SUCCESS);
    assert_true(*(volatile UINT64 *)pq.FenceValueCPUVirtualAddress >= r.PagingFenceValue);

    /* GPU copy h -> dst through the tracked submission path. */
    assert_int_equal(d3dkmt_host_get_allocation_info(dev.device, h, &src_info), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_get_allocation_info(dev.device, dst, &dst_info), STATUS_SUCCESS);
    {
        PFN_vkCreateCommandPool create_pool = (PFN_vkCreateCommandPool)gdpa(vk, "vkCreateCommandPool");
        PFN_vkAllocateCommandBuffers alloc_cmd = (PFN_vkAllocateCommandBuffers)gdpa(vk, "vkAllocateCommandBuffers");
        PFN_vkBeginCommandBuffer begin = (PFN_vkBeginCommandBuffer)gdpa(vk, "vkBeginCommandBuffer");
        PFN_vkEndCommandBuffer end = (PFN_vkEndCommandBuffer)gdpa(vk, "vkEndCommandBuffer");
        PFN_vkCmdCopyBuffer copy = (PFN_vkCmdCopyBuffer)gdpa(vk, "vkCmdCopyBuffer");
        PFN_vkDestroyCommandPool destroy_pool = (PFN_vkDestroyCommandPool)gdpa(vk, "vkDestroyCommandPool");
        VkCommandPoolCreateInfo pool_info = { .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                              .queueFamilyIndex = dev.info.queue_family_index };
        VkCommandBufferAllocateInfo cmd_info = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                                 .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY, .commandBufferCount = 1 };
        VkCommandBufferBeginInfo begin_info = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                                .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT };
        VkBufferCopy region = { .size = SZ };
        VkCommandBufferSubmitInfo cmd_submit = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_SUBMIT_INFO };
        VkSubmitInfo2 submit = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2, .commandBufferInfoCount = 1,
                                 .pCommandBufferInfos = &cmd_submit };

        assert_int_equal(create_pool(vk, &pool_info, NULL, &pool), VK_SUCCESS);
        cmd_info.commandPool = pool;
        assert_int_equal(alloc_cmd(vk, &cmd_info, &cmd), VK_SUCCESS);
        assert_int_equal(begin(cmd, &begin_info), VK_SUCCESS);
        copy(cmd, src_info.buffer, dst_info.buffer, 1, &region);
        assert_int_equal(end(cmd), VK_SUCCESS);
        cmd_submit.commandBuffer = cmd;
        assert_int_equal(d3dkmt_host_submit(dev.device, &submit, NULL), STATUS_SUCCESS);
        assert_int_equal(d3dkmt_host_flush_deferred(dev.device, 10000000000ull), STATUS_SUCCESS);
        assert_int_equal(d3dkmt_host_lock_queue(dev.device), STATUS_SUCCESS);
        assert_int_equal(((PFN_vkQueueWaitIdle)gdpa(vk, "vkQueueWaitIdle"))(dev.info.queue), VK_SUCCESS);
        assert_int_equal(d3dkmt_host_unlock_queue(dev.device), STATUS_SUCCESS);
        destroy_pool(vk, pool, NULL);
    }
    assert_true(test_check(dev.device, dst, SZ, 4242));

    assert_int_equal(test_destroy(dev.device, &h, 1, 2), STATUS_SUCCESS);
    assert_int_equal(test_destroy(dev.device, &dst, 1, 2), STATUS_SUCCESS);
    dpq.hPagingQueue = pq.hPagingQueue;
    assert_int_equal(D3DKMTDestroyPagingQueue(&dpq), STATUS_SUCCESS);
}

/* A resource reports the worst result of its allocations. */
static void test_resource_worst_result(void **state)
{
    D3DKMT_HANDLE h[2], res, fill[16];
    D3DKMT_RECLAIMALLOCATIONS r = { 0 };
    D3DKMT_OFFERALLOCATIONS o = { 0 };
    BOOL discarded = FALSE;

    if (!dev.info.sparse_binding) skip();
    assert_int_equal(test_create(dev.device, 2, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, h, &res), STATUS_SUCCESS);
    o.hDevice = dev.device;
    o.pResources = &res;
    o.NumAllocations = 1;
    o.Priority = D3DKMT_OFFER_PRIORITY_LOW;
    assert_int_equal(D3DKMTOfferAllocations(&o), STATUS_SUCCESS);
    assert_true(offered(h[0]) && offered(h[1]));
    /* Release exactly one of the two (4 MB over budget). */
    assert_int_equal(test_create(dev.device, 15, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, fill, NULL), STATUS_SUCCESS);
    assert_true(released(h[0]) != released(h[1]));
    r.hDevice = dev.device;
    r.pResources = &res;
    r.NumAllocations = 1;
    r.pDiscarded = &discarded;
    assert_int_equal(D3DKMTReclaimAllocations(&r), STATUS_SUCCESS);
    assert_true(discarded);
    assert_int_equal(test_destroy(dev.device, fill, 15, 2), STATUS_SUCCESS);
    {
        D3DKMT_DESTROYALLOCATION2 d = { .hDevice = dev.device, .hResource = res };
        d.Flags.SynchronousDestroy = 1;
        assert_int_equal(D3DKMTDestroyAllocation2(&d), STATUS_SUCCESS);
    }
}

/* Bad input anywhere in the list changes nothing. */
static void test_offer_bad_input_atomic(void **state)
{
    D3DKMT_HANDLE h[3], list[3];
    D3DKMT_OFFERALLOCATIONS o = { 0 };
    D3DKMT_VK_STATISTICS s0, s1;
    UINT i;

    assert_int_equal(test_create(dev.device, 3, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, h, NULL), STATUS_SUCCESS);
    s0 = test_stats(dev.device);
    memcpy(list, h, sizeof(list));
    list[2] = dev.device;   /* a handle of another type */
    o.hDevice = dev.device;
    o.HandleList = list;
    o.NumAllocations = 3;
    o.Priority = D3DKMT_OFFER_PRIORITY_LOW;
    assert_int_equal(D3DKMTOfferAllocations(&o), STATUS_INVALID_PARAMETER);
    list[2] = h[2] ^ (1u << 26);   /* a stale generation of a live slot */
    assert_int_equal(D3DKMTOfferAllocations(&o), STATUS_INVALID_PARAMETER);
    list[2] = h[2];
    assert_int_equal(D3DKMTOfferAllocations(NULL), STATUS_INVALID_PARAMETER);
    o.pResources = list;      /* both arrays */
    assert_int_equal(D3DKMTOfferAllocations(&o), STATUS_INVALID_PARAMETER);
    o.pResources = NULL;
    o.NumAllocations = 0;
    assert_int_equal(D3DKMTOfferAllocations(&o), STATUS_INVALID_PARAMETER);
    o.NumAllocations = 10241;
    assert_int_equal(D3DKMTOfferAllocations(&o), STATUS_INVALID_PARAMETER);
    o.NumAllocations = 3;
    o.Priority = 0;
    assert_int_equal(D3DKMTOfferAllocations(&o), STATUS_INVALID_PARAMETER);
    o.Priority = 5;
    assert_int_equal(D3DKMTOfferAllocations(&o), STATUS_INVALID_PARAMETER);
    o.Priority = D3DKMT_OFFER_PRIORITY_LOW;
    o.Flags.Value = 4;        /* reserved bit */
    assert_int_equal(D3DKMTOfferAllocations(&o), STATUS_INVALID_PARAMETER);
    o.Flags.Value = 0;
    o.hDevice = dev.adapter;
    assert_int_equal(D3DKMTOfferAllocations(&o), STATUS_INVALID_PARAMETER);

    s1 = test_stats(dev.device);
    assert_int_equal(s1.Offers, s0.Offers);
    for (i = 0; i < 3; i++) assert_false(offered(h[i]));
    assert_int_equal(test_destroy(dev.device, h, 3, 2), STATUS_SUCCESS);
}

static void test_reclaim_not_offered_and_reoffer(void **state)
{
    D3DKMT_HANDLE h;
    BOOL discarded = TRUE;
    D3DKMT_VK_STATISTICS s0, s1;

    assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &h, NULL), STATUS_SUCCESS);
    test_fill(dev.device, h, SZ, 55);
    s0 = test_stats(dev.device);
    assert_int_equal(reclaim(&h, 1, &discarded), STATUS_SUCCESS);   /* never offered: OK */
    assert_false(discarded);
    s1 = test_stats(dev.device);
    assert_int_equal(s1.ReclaimsOk, s0.ReclaimsOk);                 /* and nothing counted */
    assert_int_equal(offer(&h, 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_int_equal(offer(&h, 1, D3DKMT_OFFER_PRIORITY_HIGH, 0), STATUS_SUCCESS);   /* re-offer */
    assert_true(offered(h));
    {
        D3DKMT_LOCK2 lock = { .hDevice = dev.device, .hAllocation = h };
        assert_int_equal(D3DKMTLock2(&lock), STATUS_INVALID_PARAMETER);   /* offered: no CPU access */
    }
    assert_int_equal(reclaim(&h, 1, &discarded), STATUS_SUCCESS);
    assert_false(discarded);
    assert_true(test_check(dev.device, h, SZ, 55));
    /* An offered allocation may be destroyed. */
    assert_int_equal(offer(&h, 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_int_equal(test_destroy(dev.device, &h, 1, 2), STATUS_SUCCESS);
}

/* An offer made while earlier GPU work is pending takes effect only when it completes: until then
 * pressure cannot release the allocation. */
static void test_deferred_offer(void **state)
{
    struct test_busy busy;
    D3DKMT_HANDLE h, fill[16], more;
    BOOL discarded = FALSE;

    if (!dev.info.sparse_binding) skip();
    assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &h, NULL), STATUS_SUCCESS);
    test_busy_begin(&dev, &busy);
    assert_int_equal(offer(&h, 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);   /* does not block */
    assert_true(offered(h));
    assert_int_equal(test_stats(dev.device).DeferredPending, 1);
    assert_int_equal(test_create(dev.device, 16, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, fill, NULL), STATUS_SUCCESS);
    assert_false(released(h));                       /* GPU work pending: not releasable */
    test_busy_end(&dev, &busy);
    assert_int_equal(d3dkmt_host_flush_deferred(dev.device, 10000000000ull), STATUS_SUCCESS);
    assert_int_equal(test_stats(dev.device).DeferredPending, 0);
    /* The offer is in effect now; the next allocation under pressure releases it. */
    assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &more, NULL), STATUS_SUCCESS);
    assert_true(released(h));
    assert_int_equal(reclaim(&h, 1, &discarded), STATUS_SUCCESS);
    assert_true(discarded);
    test_busy_finish(&dev, &busy);
    assert_int_equal(test_destroy(dev.device, fill, 16, 2), STATUS_SUCCESS);
    assert_int_equal(test_destroy(dev.device, &more, 1, 2), STATUS_SUCCESS);
    assert_int_equal(test_destroy(dev.device, &h, 1, 2), STATUS_SUCCESS);
}

/* DestroyAllocation2 without AssumeNotInUse keeps the memory until earlier GPU work completes;
 * with AssumeNotInUse it goes at once. */
static void test_deferred_destroy(void **state)
{
    struct test_busy busy;
    D3DKMT_HANDLE a, b;
    D3DKMT_VK_STATISTICS s0, s1;
    UINT64 usage0;

    assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &a, NULL), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &b, NULL), STATUS_SUCCESS);
    test_busy_begin(&dev, &busy);
    s0 = test_stats(dev.device);
    usage0 = test_local_usage(dev.adapter);

    assert_int_equal(test_destroy(dev.device, &a, 1, 0), STATUS_SUCCESS);
    s1 = test_stats(dev.device);
    assert_int_equal(s1.BytesFreed, s0.BytesFreed);                 /* memory kept */
    assert_int_equal(test_local_usage(dev.adapter), usage0);
    assert_int_equal(s1.DeferredPending, 1);
    {
        D3DKMT_LOCK2 lock = { .hDevice = dev.device, .hAllocation = a };
        assert_int_equal(D3DKMTLock2(&lock), STATUS_INVALID_PARAMETER);   /* the handle is gone already */
    }

    assert_int_equal(test_destroy(dev.device, &b, 1, 1 /* AssumeNotInUse */), STATUS_SUCCESS);
    s1 = test_stats(dev.device);
    assert_int_equal(s1.BytesFreed - s0.BytesFreed, SZ);            /* b freed now */

    test_busy_end(&dev, &busy);
    assert_int_equal(d3dkmt_host_flush_deferred(dev.device, 10000000000ull), STATUS_SUCCESS);
    s1 = test_stats(dev.device);
    assert_int_equal(s1.BytesFreed - s0.BytesFreed, 2 * SZ);        /* a freed after the work */
    assert_int_equal(test_local_usage(dev.adapter), usage0 - 2 * SZ);
    test_busy_finish(&dev, &busy);
}

struct signaller
{
    struct test_busy *busy;
    _Atomic int signalled;
};

static void *signal_later(void *arg)
{
    struct signaller *s = arg;
    D3DKMT_VK_STATISTICS st;
    /* Wait until the destroy is queued behind the GPU work, then let the GPU finish. */
    do st = test_stats(dev.device); while (!st.DeferredPending);
    atomic_store(&s->signalled, 1);
    test_busy_end(&dev, s->busy);
    return NULL;
}

/* SynchronousDestroy returns only once the memory is freed, even behind pending GPU work. */
static void test_synchronous_destroy(void **state)
{
    struct test_busy busy;
    struct signaller s = { .busy = &busy };
    D3DKMT_HANDLE a;
    D3DKMT_VK_STATISTICS s0, s1;
    pthread_t thread;

    assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &a, NULL), STATUS_SUCCESS);
    test_busy_begin(&dev, &busy);
    s0 = test_stats(dev.device);
    assert_int_equal(pthread_create(&thread, NULL, signal_later, &s), 0);
    assert_int_equal(test_destroy(dev.device, &a, 1, 2 /* SynchronousDestroy */), STATUS_SUCCESS);
    assert_int_equal(atomic_load(&s.signalled), 1);   /* could not return before the GPU finished */
    s1 = test_stats(dev.device);
    assert_int_equal(s1.BytesFreed - s0.BytesFreed, SZ);
    pthread_join(thread, NULL);
    test_busy_finish(&dev, &busy);
}

/* Issue 18 on the real driver: X is bound and the queue idle; GPU work then waits on a gate and
 * Y's sparse bind queues behind it.  DestroyAllocation2(X, AssumeNotInUse | SynchronousDestroy)
 * must not wait for that unrelated work: it returns with X freed, and the same thread then opens
 * the gate.  If it waited, a watchdog opens the gate after 10 s and the test fails. */
static void test_synchronous_destroy_not_behind_binds(void **state)
{
    struct test_watchdog *dog;
    struct test_busy busy;
    D3DKMT_HANDLE x, y;
    D3DKMT_VK_STATISTICS s0, s1;

    assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &x, NULL), STATUS_SUCCESS);
    test_busy_begin(&dev, &busy);
    assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &y, NULL), STATUS_SUCCESS);
    s0 = test_stats(dev.device);
    dog = test_watchdog_begin(&dev, &busy, 10);
    assert_int_equal(test_destroy(dev.device, &x, 1, 3 /* AssumeNotInUse | SynchronousDestroy */), STATUS_SUCCESS);
    s1 = test_stats(dev.device);
    assert_false(test_watchdog_end(dog));
    assert_int_equal(s1.BytesFreed - s0.BytesFreed, SZ);
    test_busy_end(&dev, &busy);
    assert_int_equal(test_destroy(dev.device, &y, 1, 0), STATUS_SUCCESS);
    test_busy_finish(&dev, &busy);
}

static void test_make_resident_evict_priority(void **state)
{
    D3DKMT_HANDLE h[2];
    D3DKMT_CREATEPAGINGQUEUE pq = { 0 };
    D3DDDI_DESTROYPAGINGQUEUE dpq = { 0 };
    D3DDDI_MAKERESIDENT mr = { 0 };
    D3DKMT_EVICT ev = { 0 };
    UINT prios[2] = { D3DDDI_ALLOCATIONPRIORITY_HIGH, D3DDDI_ALLOCATIONPRIORITY_LOW }, got[2] = { 0 };
    D3DKMT_SETALLOCATIONPRIORITY sp = { 0 };
    D3DKMT_GETALLOCATIONPRIORITY gp = { 0 };

    pq.hDevice = dev.device;
    assert_int_equal(D3DKMTCreatePagingQueue(&pq), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 2, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, h, NULL), STATUS_SUCCESS);

    gp.hDevice = dev.device;
    gp.phAllocationList = h;
    gp.AllocationCount = 2;
    gp.pPriorities = got;
    assert_int_equal(D3DKMTGetAllocationPriority(&gp), STATUS_SUCCESS);
    assert_int_equal(got[0], D3DDDI_ALLOCATIONPRIORITY_NORMAL);
    sp.hDevice = dev.device;
    sp.phAllocationList = h;
    sp.AllocationCount = 2;
    sp.pPriorities = prios;
    assert_int_equal(D3DKMTSetAllocationPriority(&sp), STATUS_SUCCESS);
    assert_int_equal(D3DKMTGetAllocationPriority(&gp), STATUS_SUCCESS);
    assert_int_equal(got[0], D3DDDI_ALLOCATIONPRIORITY_HIGH);
    assert_int_equal(got[1], D3DDDI_ALLOCATIONPRIORITY_LOW);
    prios[1] = 0;
    assert_int_equal(D3DKMTSetAllocationPriority(&sp), STATUS_INVALID_PARAMETER);
    assert_int_equal(D3DKMTGetAllocationPriority(&gp), STATUS_SUCCESS);
    assert_int_equal(got[0], D3DDDI_ALLOCATIONPRIORITY_HIGH);     /* unchanged */

    /* Created resident (count 1): the same allocation listed twice is refused as a whole and
     * takes nothing; one Evict is fine, a second is refused. */
    {
        D3DKMT_HANDLE twice[2] = { h[0], h[0] };
        D3DKMT_EVICT ev2 = { .hDevice = dev.device, .AllocationList = twice, .NumAllocations = 2 };
        assert_int_equal(D3DKMTEvict(&ev2), STATUS_INVALID_PARAMETER);
    }
    ev.hDevice = dev.device;
    ev.AllocationList = h;
    ev.NumAllocations = 2;
    assert_int_equal(D3DKMTEvict(&ev), STATUS_SUCCESS);
    assert_int_equal(D3DKMTEvict(&ev), STATUS_INVALID_PARAMETER);
    mr.hPagingQueue = pq.hPagingQueue;
    mr.AllocationList = h;
    mr.NumAllocations = 2;
    assert_int_equal(D3DKMTMakeResident(&mr), STATUS_SUCCESS);
    assert_int_equal(D3DKMTMakeResident(&mr), STATUS_SUCCESS);
    assert_int_equal(D3DKMTEvict(&ev), STATUS_SUCCESS);
    assert_int_equal(D3DKMTEvict(&ev), STATUS_SUCCESS);
    assert_int_equal(D3DKMTEvict(&ev), STATUS_INVALID_PARAMETER);
    /* An offered allocation must be reclaimed before MakeResident. */
    assert_int_equal(offer(h, 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_int_equal(D3DKMTMakeResident(&mr), STATUS_INVALID_PARAMETER);

    assert_int_equal(test_destroy(dev.device, h, 2, 2), STATUS_SUCCESS);
    dpq.hPagingQueue = pq.hPagingQueue;
    assert_int_equal(D3DKMTDestroyPagingQueue(&dpq), STATUS_SUCCESS);
}

/* Memory the caller allocated itself, registered with d3dkmt_host_import_memory: offers and
 * reclaims apply, it is never released (its bindings belong to the caller), and destroying the
 * allocation frees it. */
static void test_imported_memory(void **state)
{
    PFN_vkAllocateMemory allocate = (PFN_vkAllocateMemory)dev.info.get_device_proc_addr(dev.info.device, "vkAllocateMemory");
    VkMemoryAllocateInfo info = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, .allocationSize = SZ, .memoryTypeIndex = 0 };
    struct d3dkmt_host_allocation_info ai;
    D3DKMT_HANDLE h, fill[16];
    VkDeviceMemory memory;
    BOOL discarded = TRUE;
    UINT64 usage0 = test_local_usage(dev.adapter);

    assert_int_equal(allocate(dev.info.device, &info, NULL, &memory), VK_SUCCESS);
    assert_int_equal(d3dkmt_host_import_memory(dev.device, VK_NULL_HANDLE, SZ, 0, &h), STATUS_INVALID_PARAMETER);
    assert_int_equal(d3dkmt_host_import_memory(dev.device, memory, SZ, 0, &h), STATUS_SUCCESS);
    assert_int_equal(test_local_usage(dev.adapter), usage0 + SZ);
    assert_int_equal(d3dkmt_host_get_allocation_info(dev.device, h, &ai), STATUS_SUCCESS);
    assert_true(ai.memory == memory);
    assert_int_equal(offer(&h, 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 16, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, fill, NULL), STATUS_SUCCESS);
    assert_false(released(h));                       /* over budget, offered, but imported */
    assert_int_equal(reclaim(&h, 1, &discarded), STATUS_SUCCESS);
    assert_false(discarded);
    assert_int_equal(test_destroy(dev.device, fill, 16, 2), STATUS_SUCCESS);
    assert_int_equal(test_destroy(dev.device, &h, 1, 2), STATUS_SUCCESS);
    assert_int_equal(test_local_usage(dev.adapter), usage0);
}

/* GPU work the caller submitted itself and reported with d3dkmt_host_track_gpu_work holds back a
 * deferred destroy until its semaphore reaches the reported value. */
static void test_reported_gpu_work(void **state)
{
    PFN_vkCreateSemaphore create = (PFN_vkCreateSemaphore)dev.info.get_device_proc_addr(dev.info.device, "vkCreateSemaphore");
    PFN_vkSignalSemaphore signal = (PFN_vkSignalSemaphore)dev.info.get_device_proc_addr(dev.info.device, "vkSignalSemaphore");
    PFN_vkDestroySemaphore destroy = (PFN_vkDestroySemaphore)dev.info.get_device_proc_addr(dev.info.device, "vkDestroySemaphore");
    VkSemaphoreTypeCreateInfo type = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO,
                                       .semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE };
    VkSemaphoreCreateInfo info = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO, .pNext = &type };
    VkSemaphoreSignalInfo sig = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO, .value = 5 };
    D3DKMT_VK_STATISTICS s0, s1;
    VkSemaphore sem;
    D3DKMT_HANDLE h;

    assert_int_equal(create(dev.info.device, &info, NULL, &sem), VK_SUCCESS);
    assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &h, NULL), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_flush_deferred(dev.device, 10000000000ull), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_track_gpu_work(dev.device, VK_NULL_HANDLE, 5), STATUS_INVALID_PARAMETER);
    assert_int_equal(d3dkmt_host_track_gpu_work(dev.device, sem, 5), STATUS_SUCCESS);
    s0 = test_stats(dev.device);
    assert_int_equal(test_destroy(dev.device, &h, 1, 0), STATUS_SUCCESS);
    s1 = test_stats(dev.device);
    assert_int_equal(s1.BytesFreed, s0.BytesFreed);   /* the reported work is pending */
    sig.semaphore = sem;
    assert_int_equal(signal(dev.info.device, &sig), VK_SUCCESS);
    assert_int_equal(d3dkmt_host_flush_deferred(dev.device, 10000000000ull), STATUS_SUCCESS);
    s1 = test_stats(dev.device);
    assert_int_equal(s1.BytesFreed - s0.BytesFreed, SZ);
    destroy(dev.info.device, sem, NULL);
}

/* Making room for one member of a reclaim must never release another member of the same call
 * (found by the demo: the other member came back DISCARDED with no memory at all). */
static void test_reclaim_batch_keeps_members(void **state)
{
    D3DKMT_HANDLE ab[2], fill[15];
    BOOL discarded[2] = { FALSE, FALSE };
    struct d3dkmt_host_allocation_info info;
    UINT64 usage0 = test_local_usage(dev.adapter);

    if (!dev.info.sparse_binding) skip();
    assert_int_equal(test_create(dev.device, 2, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, ab, NULL), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 14, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, fill, NULL), STATUS_SUCCESS);
    test_fill(dev.device, ab[0], SZ, 77);
    assert_int_equal(offer(&ab[1], 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &fill[14], NULL), STATUS_SUCCESS);
    assert_true(released(ab[1]));
    assert_int_equal(offer(&ab[0], 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);   /* intact, releasable */

    assert_int_equal(reclaim(ab, 2, discarded), STATUS_SUCCESS);
    assert_false(discarded[0]);
    assert_true(discarded[1]);
    assert_false(released(ab[0]));
    assert_false(released(ab[1]));
    assert_true(test_check(dev.device, ab[0], SZ, 77));
    assert_int_equal(d3dkmt_host_get_allocation_info(dev.device, ab[1], &info), STATUS_SUCCESS);
    assert_false(info.offered);

    assert_int_equal(test_destroy(dev.device, fill, 15, 2), STATUS_SUCCESS);
    assert_int_equal(test_destroy(dev.device, ab, 2, 2), STATUS_SUCCESS);
    assert_int_equal(test_local_usage(dev.adapter), usage0);   /* nothing counted twice or lost */
}

/* A handle listed twice in one reclaim gets memory once; nothing leaks. */
static void test_reclaim_duplicate_handle(void **state)
{
    D3DKMT_HANDLE h, list[2], fill[16];
    BOOL discarded[2] = { FALSE, FALSE };
    UINT64 usage0 = test_local_usage(dev.adapter);

    if (!dev.info.sparse_binding) skip();
    assert_int_equal(test_create(dev.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &h, NULL), STATUS_SUCCESS);
    assert_int_equal(offer(&h, 1, D3DKMT_OFFER_PRIORITY_LOW, 0), STATUS_SUCCESS);
    assert_int_equal(test_create(dev.device, 16, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, fill, NULL), STATUS_SUCCESS);
    assert_true(released(h));
    assert_int_equal(test_destroy(dev.device, fill, 16, 2), STATUS_SUCCESS);
    list[0] = list[1] = h;
    assert_int_equal(reclaim(list, 2, discarded), STATUS_SUCCESS);
    assert_true(discarded[0]);
    assert_false(discarded[1]);           /* already back by then */
    assert_int_equal(test_local_usage(dev.adapter), usage0 + SZ);
    assert_int_equal(test_destroy(dev.device, &h, 1, 2), STATUS_SUCCESS);
    assert_int_equal(test_local_usage(dev.adapter), usage0);
}

/* The budget is the adapter's: pressure on one device releases offered memory of another device
 * of the same adapter (LOW first), never its non-offered memory. */
static void test_pressure_across_devices(void **state)
{
    struct test_device other;
    D3DKMT_HANDLE offered_h[2], kept, fill[14];
    BOOL discarded[2] = { FALSE, FALSE };
    D3DKMT_OFFERALLOCATIONS o = { 0 };
    D3DKMT_RECLAIMALLOCATIONS r = { 0 };
    struct d3dkmt_host_allocation_info info;
    UINT64 usage0 = test_local_usage(dev.adapter);

    if (!dev.info.sparse_binding) skip();
    test_open_device(&other);
    assert_int_equal(test_create(other.device, 2, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, offered_h, NULL), STATUS_SUCCESS);
    assert_int_equal(test_create(other.device, 1, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, &kept, NULL), STATUS_SUCCESS);
    test_fill(other.device, kept, SZ, 31);
    o.hDevice = other.device;
    o.HandleList = offered_h;
    o.NumAllocations = 2;
    o.Priority = D3DKMT_OFFER_PRIORITY_LOW;
    assert_int_equal(D3DKMTOfferAllocations(&o), STATUS_SUCCESS);
    /* 12 MB on the other device + 56 MB here > 64 MB: 4 MB must go, from the other device. */
    assert_int_equal(test_create(dev.device, 14, SZ, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, fill, NULL), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_get_allocation_info(other.device, offered_h[0], &info), STATUS_SUCCESS);
    assert_null(info.memory);
    assert_int_equal(test_stats(other.device).Releases, 1);
    assert_true(test_check(other.device, kept, SZ, 31));
    assert_true(test_local_usage(dev.adapter) <= CAP);

    r.hDevice = other.device;
    r.HandleList = offered_h;
    r.NumAllocations = 2;
    r.pDiscarded = discarded;
    assert_int_equal(test_destroy(dev.device, fill, 14, 2), STATUS_SUCCESS);
    assert_int_equal(D3DKMTReclaimAllocations(&r), STATUS_SUCCESS);
    assert_true(discarded[0]);
    assert_false(discarded[1]);
    assert_int_equal(test_destroy(other.device, offered_h, 2, 2), STATUS_SUCCESS);
    assert_int_equal(test_destroy(other.device, &kept, 1, 2), STATUS_SUCCESS);
    test_close_device(&other);
    assert_int_equal(test_local_usage(dev.adapter), usage0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offer_reclaim_intact),
        cmocka_unit_test(test_pressure_order),
        cmocka_unit_test(test_never_release_unoffered),
        cmocka_unit_test(test_allow_decommit),
        cmocka_unit_test(test_reclaim2_paging_fence_and_gpu_copy),
        cmocka_unit_test(test_resource_worst_result),
        cmocka_unit_test(test_offer_bad_input_atomic),
        cmocka_unit_test(test_reclaim_not_offered_and_reoffer),
        cmocka_unit_test(test_deferred_offer),
        cmocka_unit_test(test_deferred_destroy),
        cmocka_unit_test(test_synchronous_destroy),
        cmocka_unit_test(test_synchronous_destroy_not_behind_binds),
        cmocka_unit_test(test_make_resident_evict_priority),
        cmocka_unit_test(test_imported_memory),
        cmocka_unit_test(test_reported_gpu_work),
        cmocka_unit_test(test_reclaim_batch_keeps_members),
        cmocka_unit_test(test_reclaim_duplicate_handle),
        cmocka_unit_test(test_pressure_across_devices),
    };

    setenv("D3DKMT_BUDGET_CAP", "64M", 1);
    return cmocka_run_group_tests_name("residency", tests, setup, teardown);
}
