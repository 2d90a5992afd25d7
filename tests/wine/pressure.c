/*
 * pressure.c: offered allocations under memory pressure, through d3dkmt.dll.  Run with a small
 * LOCAL budget (tests/wine/Makefile.inc sets D3DKMT_BUDGET_CAP=16M): allocating past the budget
 * makes the library release offered memory; a later reclaim reports DISCARDED (offered without
 * AllowDecommit: memory committed again, content lost) and NOT_COMMITTED (offered with
 * AllowDecommit: the allocation must be recreated).  ../shared/reference/d3dkmt-semantics.md §2.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#include "wine_util.h"

#define MIB (1024 * 1024)
#define ALLOC_SIZE (4 * MIB)
#define MAX_PRESSURE 8

static void test_budget_cap(void)
{
    D3DKMT_QUERYVIDEOMEMORYINFO mem = { 0 };
    D3DKMT_VK_STATISTICS stats;
    struct wt_env env;

    if (!wt_env_open(&env)) goto done;
    mem.hAdapter = env.adapter;
    mem.MemorySegmentGroup = D3DKMT_MEMORY_SEGMENT_GROUP_LOCAL;
    ok_status(D3DKMTQueryVideoMemoryInfo(&mem), STATUS_SUCCESS);
    ok(mem.Budget > 0 && mem.Budget <= 16 * MIB, "LOCAL budget %I64u with a 16M cap", mem.Budget);
    ok_status(wt_query_stats(env.adapter, env.device, &stats), STATUS_SUCCESS);
    ok(stats.Budget > 0 && stats.Budget <= 16 * MIB, "statistics budget %I64u", stats.Budget);
done:
    wt_env_close(&env);
}

static void test_discarded_and_not_committed(void)
{
    D3DKMT_HANDLE keep = 0, decommit = 0, pressure[MAX_PRESSURE] = { 0 }, both[2];
    D3DKMT_OFFERALLOCATIONS offer = { 0 };
    D3DKMT_RECLAIMALLOCATIONS2 reclaim = { 0 };
    D3DDDI_RECLAIM_RESULT results[2] = { 0x55, 0x55 };
    D3DKMT_VK_STATISTICS before, after;
    D3DDDICB_DESTROYALLOCATION2FLAGS now = { 0 };
    unsigned int i, created = 0;
    struct wt_env env;
    NTSTATUS status;

    now.AssumeNotInUse = 1;
    now.SynchronousDestroy = 1;
    if (!wt_env_open(&env)) goto done;
    ok_status(wt_create_allocation(env.device, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, &keep), STATUS_SUCCESS);
    ok_status(wt_create_allocation(env.device, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, &decommit), STATUS_SUCCESS);
    if (!keep || !decommit) goto done;
    ok_status(wt_pattern_io(env.device, keep, ALLOC_SIZE, 0x600d, TRUE), STATUS_SUCCESS);

    offer.hDevice = env.device;
    offer.NumAllocations = 1;
    offer.Priority = D3DKMT_OFFER_PRIORITY_LOW;
    offer.HandleList = &keep;
    ok_status(D3DKMTOfferAllocations(&offer), STATUS_SUCCESS);
    offer.HandleList = &decommit;
    offer.Flags.AllowDecommit = 1;
    ok_status(D3DKMTOfferAllocations(&offer), STATUS_SUCCESS);
    ok_status(wt_query_stats(env.adapter, env.device, &before), STATUS_SUCCESS);
    ok(before.BytesOffered >= 2 * ALLOC_SIZE, "BytesOffered %I64u", before.BytesOffered);

    /* Pressure: 8 x 4 MiB against a 16 MiB budget. */
    for (i = 0; i < MAX_PRESSURE; i++)
    {
        status = wt_create_allocation(env.device, ALLOC_SIZE, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, &pressure[i]);
        if (status) break;
        created++;
    }
    ok(created >= 2, "only %u pressure allocations", created);
    ok_status(wt_query_stats(env.adapter, env.device, &after), STATUS_SUCCESS);
    ok(after.Releases >= before.Releases + 2, "Releases %I64u -> %I64u", before.Releases, after.Releases);
    ok(after.BytesOffered == 0, "BytesOffered %I64u after pressure", after.BytesOffered);
    ok(after.BytesReleased >= 2 * ALLOC_SIZE, "BytesReleased %I64u", after.BytesReleased);

    for (i = 0; i < created; i++)
        ok_status(wt_destroy_allocation(env.device, pressure[i], now.Value), STATUS_SUCCESS);

    both[0] = keep;
    both[1] = decommit;
    reclaim.hPagingQueue = env.queue;
    reclaim.HandleList = both;
    reclaim.NumAllocations = 2;
    reclaim.pResults = results;
    /* New memory for the discarded allocation may be bound through the paging queue: then
     * STATUS_PENDING, and the GPU may use it after PagingFenceValue. */
    status = D3DKMTReclaimAllocations2(&reclaim);
    ok(status == STATUS_SUCCESS || status == STATUS_PENDING, "reclaim: %#lx", (unsigned long)status);
    if (after.SparseBinding) ok_status(status, STATUS_PENDING);
    ok(results[0] == D3DDDI_RECLAIM_RESULT_DISCARDED, "offered without AllowDecommit: result %d", results[0]);
    ok(results[1] == D3DDDI_RECLAIM_RESULT_NOT_COMMITTED, "offered with AllowDecommit: result %d", results[1]);
    ok_status(wt_wait_fence(env.device, env.queue_sync, reclaim.PagingFenceValue), STATUS_SUCCESS);
    ok(*env.queue_fence >= reclaim.PagingFenceValue, "fence at %I64u, waited for %I64u", *env.queue_fence,
       reclaim.PagingFenceValue);

    /* DISCARDED: memory again, usable, content lost (a new pattern sticks). */
    ok_status(wt_pattern_io(env.device, keep, ALLOC_SIZE, 0xbeef, TRUE), STATUS_SUCCESS);
    ok_status(wt_pattern_io(env.device, keep, ALLOC_SIZE, 0xbeef, FALSE), STATUS_SUCCESS);

    ok_status(wt_query_stats(env.adapter, env.device, &after), STATUS_SUCCESS);
    ok(after.ReclaimsDiscarded >= before.ReclaimsDiscarded + 1, "ReclaimsDiscarded %I64u -> %I64u",
       before.ReclaimsDiscarded, after.ReclaimsDiscarded);
    ok(after.ReclaimsNotCommitted >= before.ReclaimsNotCommitted + 1, "ReclaimsNotCommitted %I64u -> %I64u",
       before.ReclaimsNotCommitted, after.ReclaimsNotCommitted);
done:
    if (keep) ok_status(wt_destroy_allocation(env.device, keep, now.Value), STATUS_SUCCESS);
    if (decommit) ok_status(wt_destroy_allocation(env.device, decommit, now.Value), STATUS_SUCCESS);
    wt_env_close(&env);
}

WT_MAIN(WT_TEST(test_budget_cap), WT_TEST(test_discarded_and_not_committed))
