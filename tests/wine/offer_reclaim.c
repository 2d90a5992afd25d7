/*
 * offer_reclaim.c: the whole path through d3dkmt.dll from a Windows program: adapter, device,
 * paging queue, allocations; Lock2 and a pattern; offer; reclaim (pResults OK, pattern intact);
 * the paging fence; DestroyAllocation2 deferred and immediate; statistics through D3DKMTEscape.
 * Semantics: ../shared/reference/d3dkmt-semantics.md §2 and include/d3dkmt.h.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#include "wine_util.h"

#define ALLOC_SIZE (256 * 1024)

static void test_adapter_and_device(void)
{
    D3DKMT_ENUMADAPTERS2 enum_desc = { 0 };
    D3DKMT_QUERYVIDEOMEMORYINFO mem = { 0 };
    D3DKMT_ADAPTERINFO adapters[8];
    struct wt_env env;

    /* Count query, then the list. */
    ok_status(D3DKMTEnumAdapters2(&enum_desc), STATUS_SUCCESS);
    ok(enum_desc.NumAdapters >= 1, "NumAdapters %lu", (unsigned long)enum_desc.NumAdapters);
    enum_desc.NumAdapters = ARRAYSIZE(adapters);
    enum_desc.pAdapters = adapters;
    memset(adapters, 0, sizeof(adapters));
    ok_status(D3DKMTEnumAdapters2(&enum_desc), STATUS_SUCCESS);
    ok(adapters[0].hAdapter != 0, "adapter handle 0");
    ok(adapters[0].AdapterLuid.LowPart || adapters[0].AdapterLuid.HighPart, "adapter LUID 0");

    if (!wt_env_open(&env)) goto done;
    mem.hAdapter = env.adapter;
    mem.MemorySegmentGroup = D3DKMT_MEMORY_SEGMENT_GROUP_LOCAL;
    ok_status(D3DKMTQueryVideoMemoryInfo(&mem), STATUS_SUCCESS);
    ok(mem.Budget > 0, "LOCAL budget 0");
    /* The current process by its handle is the same as NULL. */
    mem.hProcess = GetCurrentProcess();
    ok_status(D3DKMTQueryVideoMemoryInfo(&mem), STATUS_SUCCESS);
done:
    wt_env_close(&env);
}

/* Lock2's pointer is usable by Windows code; offer and reclaim keep the content. */
static void test_offer_reclaim_ok(void)
{
    D3DKMT_OFFERALLOCATIONS offer = { 0 };
    D3DKMT_RECLAIMALLOCATIONS2 reclaim = { 0 };
    D3DDDI_RECLAIM_RESULT results[2] = { 0x55, 0x55 };
    D3DKMT_VK_STATISTICS before, after;
    D3DKMT_HANDLE allocs[2] = { 0 };
    D3DKMT_LOCK2 lock = { 0 };
    struct wt_env env;
    unsigned int i;

    if (!wt_env_open(&env)) goto done;
    for (i = 0; i < 2; i++)
    {
        ok_status(wt_create_allocation(env.device, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, &allocs[i]), STATUS_SUCCESS);
        ok_status(wt_pattern_io(env.device, allocs[i], ALLOC_SIZE, 0xabc0 + i, TRUE), STATUS_SUCCESS);
    }
    if (!allocs[0] || !allocs[1]) goto done;
    ok_status(wt_query_stats(env.adapter, env.device, &before), STATUS_SUCCESS);

    offer.hDevice = env.device;
    offer.HandleList = allocs;
    offer.NumAllocations = 2;
    offer.Priority = D3DKMT_OFFER_PRIORITY_NORMAL;
    ok_status(D3DKMTOfferAllocations(&offer), STATUS_SUCCESS);

    /* An offered allocation cannot be locked. */
    lock.hDevice = env.device;
    lock.hAllocation = allocs[0];
    ok_status(D3DKMTLock2(&lock), STATUS_INVALID_PARAMETER);

    reclaim.hPagingQueue = env.queue;
    reclaim.HandleList = allocs;
    reclaim.NumAllocations = 2;
    reclaim.pResults = results;
    ok_status(D3DKMTReclaimAllocations2(&reclaim), STATUS_SUCCESS);
    ok(results[0] == D3DDDI_RECLAIM_RESULT_OK, "result[0] %d", results[0]);
    ok(results[1] == D3DDDI_RECLAIM_RESULT_OK, "result[1] %d", results[1]);
    /* CPU access is valid as soon as the reclaim returns. */
    for (i = 0; i < 2; i++)
        ok_status(wt_pattern_io(env.device, allocs[i], ALLOC_SIZE, 0xabc0 + i, FALSE), STATUS_SUCCESS);

    ok_status(wt_query_stats(env.adapter, env.device, &after), STATUS_SUCCESS);
    ok(after.Offers >= before.Offers + 2, "Offers %I64u -> %I64u", before.Offers, after.Offers);
    ok(after.ReclaimsOk >= before.ReclaimsOk + 2, "ReclaimsOk %I64u -> %I64u", before.ReclaimsOk, after.ReclaimsOk);
    ok(after.AllocationsLive == 2, "AllocationsLive %I64u", after.AllocationsLive);
    ok(after.BytesOffered == 0, "BytesOffered %I64u after reclaim", after.BytesOffered);

    /* D3DKMTReclaimAllocations (by device, pDiscarded) after a second offer. */
    {
        D3DKMT_RECLAIMALLOCATIONS reclaim1 = { 0 };
        BOOL discarded[2] = { 7, 7 };

        ok_status(D3DKMTOfferAllocations(&offer), STATUS_SUCCESS);
        reclaim1.hDevice = env.device;
        reclaim1.HandleList = allocs;
        reclaim1.NumAllocations = 2;
        reclaim1.pDiscarded = discarded;
        ok_status(D3DKMTReclaimAllocations(&reclaim1), STATUS_SUCCESS);
        ok(!discarded[0] && !discarded[1], "discarded %d %d", discarded[0], discarded[1]);
        ok_status(wt_pattern_io(env.device, allocs[1], ALLOC_SIZE, 0xabc1, FALSE), STATUS_SUCCESS);
    }
done:
    for (i = 0; i < 2; i++)
        if (allocs[i]) ok_status(wt_destroy_allocation(env.device, allocs[i], 0), STATUS_SUCCESS);
    wt_env_close(&env);
}

/* ReclaimAllocations2's PagingFenceValue: the queue's fence reaches it, seen through a blocking
 * wait, an asynchronous wait with an event, and the fence's CPU address. */
static void test_paging_fence(void)
{
    D3DKMT_OFFERALLOCATIONS offer = { 0 };
    D3DKMT_RECLAIMALLOCATIONS2 reclaim = { 0 };
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU wait = { 0 };
    D3DDDI_RECLAIM_RESULT result = 0x55;
    D3DKMT_HANDLE alloc = 0;
    struct wt_env env;
    HANDLE event;
    UINT64 value;

    if (!wt_env_open(&env)) goto done;
    ok_status(wt_create_allocation(env.device, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, &alloc), STATUS_SUCCESS);
    if (!alloc) goto done;
    offer.hDevice = env.device;
    offer.HandleList = &alloc;
    offer.NumAllocations = 1;
    offer.Priority = D3DKMT_OFFER_PRIORITY_HIGH;
    ok_status(D3DKMTOfferAllocations(&offer), STATUS_SUCCESS);
    reclaim.hPagingQueue = env.queue;
    reclaim.HandleList = &alloc;
    reclaim.NumAllocations = 1;
    reclaim.pResults = &result;
    reclaim.PagingFenceValue = 0xdeadbeef;
    ok_status(D3DKMTReclaimAllocations2(&reclaim), STATUS_SUCCESS);
    ok(result == D3DDDI_RECLAIM_RESULT_OK, "result %d", result);
    ok(reclaim.PagingFenceValue != 0xdeadbeef, "PagingFenceValue not written");
    value = reclaim.PagingFenceValue;

    ok_status(wt_wait_fence(env.device, env.queue_sync, value), STATUS_SUCCESS);
    ok(*env.queue_fence >= value, "fence at %I64u, waited for %I64u", *env.queue_fence, value);

    event = CreateEventA(NULL, TRUE, FALSE, NULL);
    wait.hDevice = env.device;
    wait.ObjectCount = 1;
    wait.ObjectHandleArray = &env.queue_sync;
    wait.FenceValueArray = &value;
    wait.hAsyncEvent = event;
    ok_status(D3DKMTWaitForSynchronizationObjectFromCpu(&wait), STATUS_SUCCESS);
    ok(WaitForSingleObject(event, 10000) == WAIT_OBJECT_0, "async event not set");

    /* A value not reached yet: the event is set only after it is.  The application cannot signal
     * the paging queue's fence, so this uses a monitored fence of its own. */
    {
        D3DKMT_CREATESYNCHRONIZATIONOBJECT2 create = { 0 };
        D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU signal = { 0 };
        D3DKMT_DESTROYSYNCHRONIZATIONOBJECT destroy = { 0 };
        UINT64 target = 5;

        create.hDevice = env.device;
        create.Info.Type = D3DDDI_MONITORED_FENCE;
        create.Info.MonitoredFence.InitialFenceValue = 1;
        ok_status(D3DKMTCreateSynchronizationObject2(&create), STATUS_SUCCESS);
        if (create.hSyncObject)
        {
            const volatile UINT64 *cpu = create.Info.MonitoredFence.FenceValueCPUVirtualAddress;

            ok(cpu && *cpu == 1, "fence CPU value %I64u", cpu ? *cpu : 0);
            ResetEvent(event);
            wait.ObjectHandleArray = &create.hSyncObject;
            wait.FenceValueArray = &target;
            ok_status(D3DKMTWaitForSynchronizationObjectFromCpu(&wait), STATUS_SUCCESS);
            ok(WaitForSingleObject(event, 200) == WAIT_TIMEOUT, "event set before the signal");
            signal.hDevice = env.device;
            signal.ObjectCount = 1;
            signal.ObjectHandleArray = &create.hSyncObject;
            signal.FenceValueArray = &target;
            ok_status(D3DKMTSignalSynchronizationObjectFromCpu(&signal), STATUS_SUCCESS);
            ok(WaitForSingleObject(event, 10000) == WAIT_OBJECT_0, "event not set after the signal");
            ok(cpu && *cpu == 5, "fence CPU value %I64u", cpu ? *cpu : 0);
            destroy.hSyncObject = create.hSyncObject;
            ok_status(D3DKMTDestroySynchronizationObject(&destroy), STATUS_SUCCESS);
        }
    }
    CloseHandle(event);
done:
    if (alloc) ok_status(wt_destroy_allocation(env.device, alloc, 0), STATUS_SUCCESS);
    wt_env_close(&env);
}

/* DestroyAllocation2: Flags 0 (deferred until the device's queued work completes) and
 * AssumeNotInUse | SynchronousDestroy (released before the call returns). */
static void test_destroy_allocation2(void)
{
    D3DDDICB_DESTROYALLOCATION2FLAGS flags = { 0 };
    D3DKMT_VK_STATISTICS before, after;
    D3DKMT_HANDLE deferred = 0, immediate = 0;
    D3DKMT_LOCK2 lock = { 0 };
    struct wt_env env;
    unsigned int i;

    if (!wt_env_open(&env)) goto done;
    ok_status(wt_create_allocation(env.device, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, &deferred), STATUS_SUCCESS);
    ok_status(wt_create_allocation(env.device, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, &immediate), STATUS_SUCCESS);
    if (!deferred || !immediate) goto done;

    ok_status(wt_query_stats(env.adapter, env.device, &before), STATUS_SUCCESS);
    flags.AssumeNotInUse = 1;
    flags.SynchronousDestroy = 1;
    ok_status(wt_destroy_allocation(env.device, immediate, flags.Value), STATUS_SUCCESS);
    ok_status(wt_query_stats(env.adapter, env.device, &after), STATUS_SUCCESS);
    ok(after.BytesFreed >= before.BytesFreed + ALLOC_SIZE, "synchronous destroy: BytesFreed %I64u -> %I64u",
       before.BytesFreed, after.BytesFreed);
    ok(after.AllocationsLive == before.AllocationsLive - 1, "AllocationsLive %I64u -> %I64u",
       before.AllocationsLive, after.AllocationsLive);
    immediate = 0;

    before = after;
    ok_status(wt_destroy_allocation(env.device, deferred, 0), STATUS_SUCCESS);
    /* The handle is gone at once, whenever the memory goes. */
    lock.hDevice = env.device;
    lock.hAllocation = deferred;
    ok_status(D3DKMTLock2(&lock), STATUS_INVALID_PARAMETER);
    for (i = 0; i < 100; i++)
    {
        ok_status(wt_query_stats(env.adapter, env.device, &after), STATUS_SUCCESS);
        if (after.BytesFreed >= before.BytesFreed + ALLOC_SIZE) break;
        Sleep(20);
    }
    ok(after.BytesFreed >= before.BytesFreed + ALLOC_SIZE, "deferred destroy never freed: %I64u -> %I64u",
       before.BytesFreed, after.BytesFreed);
    ok(after.AllocationsLive == 0, "AllocationsLive %I64u", after.AllocationsLive);
    deferred = 0;

    /* SystemUseOnly is not for callers. */
    ok_status(wt_create_allocation(env.device, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, &deferred), STATUS_SUCCESS);
    flags.Value = 0;
    flags.SystemUseOnly = 1;
    ok_status(wt_destroy_allocation(env.device, deferred, flags.Value), STATUS_INVALID_PARAMETER);
    ok_status(wt_destroy_allocation(env.device, deferred, 0), STATUS_SUCCESS);
    deferred = 0;
done:
    if (deferred) wt_destroy_allocation(env.device, deferred, 0);
    if (immediate) wt_destroy_allocation(env.device, immediate, 0);
    wt_env_close(&env);
}

/* The win32u names reach the same code. */
static void test_ntgdi_aliases(void)
{
    HMODULE module = GetModuleHandleA("d3dkmt.dll");
    NTSTATUS (WINAPI *enum2)(D3DKMT_ENUMADAPTERS2 *);
    D3DKMT_ENUMADAPTERS2 desc = { 0 };

    enum2 = (void *)GetProcAddress(module, "NtGdiDdDDIEnumAdapters2");
    ok(enum2 != NULL, "no NtGdiDdDDIEnumAdapters2");
    if (!enum2) return;
    ok_status(enum2(&desc), STATUS_SUCCESS);
    ok(desc.NumAdapters >= 1, "NumAdapters %lu", (unsigned long)desc.NumAdapters);
}

WT_MAIN(WT_TEST(test_adapter_and_device), WT_TEST(test_offer_reclaim_ok), WT_TEST(test_paging_fence),
        WT_TEST(test_destroy_allocation2), WT_TEST(test_ntgdi_aliases))
