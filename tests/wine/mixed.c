/*
 * mixed.c: one device, both sides' calls: Wine's own D3DKMT functions (the running Wine's gdi32)
 * and d3dkmt.dll's, on the same adapter and device handles (docs/decisions/wine-handles.md).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * What a destroy that reaches only one side does is the design's decision, checked here:
 * - Wine's DestroyDevice ends Wine's half only: d3dkmt.dll's half (its allocations, fences) works
 *   on until d3dkmt.dll's DestroyDevice, which then ends it;
 * - d3dkmt.dll's DestroyDevice ends both halves: Wine no longer knows the device either.
 */
#include "wine_side.h"

static LUID luid;

static NTSTATUS stats_allocations(D3DKMT_HANDLE device, UINT64 *live)
{
    D3DKMT_VK_STATISTICS stats;
    NTSTATUS status = wt_query_stats(0, device, &stats);

    *live = stats.AllocationsLive;
    return status;
}

/* A device Wine made (d3dkmt.dll never saw it made) serves d3dkmt.dll's allocation and residency
 * calls; Wine's destroy ends Wine's half only. */
static void test_wine_device(void)
{
    D3DKMT_OPENADAPTERFROMLUID open = { luid };
    D3DKMT_CREATEDEVICE create = { 0 };
    D3DKMT_DESTROYDEVICE destroy = { 0 };
    D3DKMT_CLOSEADAPTER close = { 0 };
    D3DKMT_HANDLE alloc = 0;
    UINT64 live = 99;
    NTSTATUS status;

    ok_status(ws_wine.OpenAdapterFromLuid(&open), STATUS_SUCCESS);
    create.hAdapter = open.hAdapter;
    ok_status(ws_wine.CreateDevice(&create), STATUS_SUCCESS);
    printf("  Wine's adapter %#x, Wine's device %#x\n", open.hAdapter, create.hDevice);
    destroy.hDevice = create.hDevice;
    close.hAdapter = open.hAdapter;

    /* d3dkmt.dll takes the device on its first call. */
    ws_device_round(create.hDevice, "Wine's device");
    status = wt_create_allocation(create.hDevice, 65536, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, &alloc);
    ok_status(status, STATUS_SUCCESS);
    ok_status(stats_allocations(create.hDevice, &live), STATUS_SUCCESS);
    ok(live == 1, "AllocationsLive %llu", (unsigned long long)live);

    /* Wine's destroy: Wine's half ends; d3dkmt.dll's half, with its allocation, lives on. */
    ok_status(ws_wine.DestroyDevice(&destroy), STATUS_SUCCESS);
    ok_status(ws_wine.DestroyDevice(&destroy), STATUS_INVALID_PARAMETER);
    {
        D3DKMT_OFFERALLOCATIONS offer = { 0 };
        offer.hDevice = create.hDevice;
        offer.NumAllocations = 1;
        offer.HandleList = &alloc;
        offer.Priority = D3DKMT_OFFER_PRIORITY_LOW;
        ok_status(D3DKMTOfferAllocations(&offer), STATUS_SUCCESS);
    }
    ok_status(stats_allocations(create.hDevice, &live), STATUS_SUCCESS);
    ok(live == 1, "AllocationsLive %llu after Wine's destroy", (unsigned long long)live);
    /* d3dkmt.dll's destroy ends its half, allocation included. */
    ok_status(D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);
    ok_status(D3DKMTDestroyDevice(&destroy), STATUS_INVALID_PARAMETER);
    ok_status(wt_destroy_allocation(create.hDevice, alloc, 0), STATUS_INVALID_PARAMETER);
    ok_status(stats_allocations(create.hDevice, &live), STATUS_INVALID_PARAMETER);

    ok_status(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
    ok_status(ws_wine.CloseAdapter(&close), STATUS_INVALID_PARAMETER);
}

/* A device d3dkmt.dll made: Wine knows it (its destroy accepts it), and calls of both sides mix. */
static void test_d3dkmt_device(void)
{
    D3DKMT_OPENADAPTERFROMLUID open = { luid };
    D3DKMT_CREATEDEVICE create = { 0 }, create2 = { 0 };
    D3DKMT_DESTROYDEVICE destroy = { 0 };
    D3DKMT_CLOSEADAPTER close = { 0 };
    D3DKMT_HANDLE alloc = 0;
    UINT64 live = 99, live_before = 0;
    NTSTATUS status;

    /* Wine's adapter, d3dkmt.dll's device on it. */
    ok_status(ws_wine.OpenAdapterFromLuid(&open), STATUS_SUCCESS);
    close.hAdapter = open.hAdapter;
    create.hAdapter = open.hAdapter;
    ok_status(D3DKMTCreateDevice(&create), STATUS_SUCCESS);
    destroy.hDevice = create.hDevice;
    printf("  Wine's adapter %#x, d3dkmt.dll's device %#x\n", open.hAdapter, create.hDevice);

    /* Wine-private escapes reach Wine with the device handle Wine knows: the same answer as for a
     * device Wine made itself. */
    if (ws_wine.Escape)
    {
        D3DKMT_CREATEDEVICE wine_dev = { 0 };
        D3DKMT_ESCAPE escape = { 0 };
        RECT rect = { 0, 0, 16, 16 };
        NTSTATUS expect;

        wine_dev.hAdapter = open.hAdapter;
        ok_status(ws_wine.CreateDevice(&wine_dev), STATUS_SUCCESS);
        escape.hAdapter = open.hAdapter;
        escape.hDevice = wine_dev.hDevice;
        escape.Type = (D3DKMT_ESCAPETYPE)0x80000001;   /* D3DKMT_ESCAPE_SET_PRESENT_RECT_WINE */
        escape.pPrivateDriverData = &rect;
        escape.PrivateDriverDataSize = sizeof(rect);
        expect = ws_wine.Escape(&escape);
        escape.hDevice = create.hDevice;
        status = D3DKMTEscape(&escape);
        ok(status == expect, "d3dkmt.dll's Escape of a Wine-private type: %#lx, Wine: %#lx", (long)status, (long)expect);
        status = ws_wine.Escape(&escape);
        ok(status == expect, "Wine's Escape on d3dkmt.dll's device: %#lx, on Wine's own: %#lx", (long)status, (long)expect);
        destroy.hDevice = wine_dev.hDevice;
        ok_status(ws_wine.DestroyDevice(&destroy), STATUS_SUCCESS);
        destroy.hDevice = create.hDevice;
    }
    else wt_skip_checks(4, __FILE__, __LINE__, "this Wine's gdi32 has no D3DKMTEscape");

    ws_device_round(create.hDevice, "d3dkmt.dll's device");
    ok_status(wt_create_allocation(create.hDevice, 65536, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, &alloc), STATUS_SUCCESS);
    ok_status(stats_allocations(create.hDevice, &live_before), STATUS_SUCCESS);

    /* Wine's destroy accepts the device (Wine made its half): Wine's half ends, d3dkmt.dll's works on. */
    ok_status(ws_wine.DestroyDevice(&destroy), STATUS_SUCCESS);
    ok_status(stats_allocations(create.hDevice, &live), STATUS_SUCCESS);
    ok(live == live_before && live >= 1, "AllocationsLive %llu after Wine's destroy, %llu before",
       (unsigned long long)live, (unsigned long long)live_before);
    ok_status(D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);
    ok_status(stats_allocations(create.hDevice, &live), STATUS_INVALID_PARAMETER);

    /* d3dkmt.dll's destroy ends both halves. */
    create2.hAdapter = open.hAdapter;
    ok_status(D3DKMTCreateDevice(&create2), STATUS_SUCCESS);
    destroy.hDevice = create2.hDevice;
    ok(create2.hDevice != create.hDevice, "device %#x again", create2.hDevice);
    ok_status(D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);
    ok_status(ws_wine.DestroyDevice(&destroy), STATUS_INVALID_PARAMETER);

    /* The adapter: Wine's close ends Wine's half, then d3dkmt.dll's closes its own. */
    ok_status(ws_wine.CloseAdapter(&close), STATUS_SUCCESS);
    ok_status(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
    ok_status(D3DKMTCloseAdapter(&close), STATUS_INVALID_PARAMETER);
}

/* Handles never name two objects: every adapter and device value either side hands out in this
 * process is distinct within its kind, and the library's allocations never take one. */
static void test_one_space(void)
{
    D3DKMT_HANDLE adapters[4], devices[4], allocs[4];
    UINT i, j;

    for (i = 0; i < 4; i++)
    {
        D3DKMT_OPENADAPTERFROMLUID open = { luid };
        D3DKMT_CREATEDEVICE create = { 0 };

        if (i & 1) ok_status(ws_wine.OpenAdapterFromLuid(&open), STATUS_SUCCESS);
        else ok_status(D3DKMTOpenAdapterFromLuid(&open), STATUS_SUCCESS);
        adapters[i] = open.hAdapter;
        create.hAdapter = open.hAdapter;
        if (i & 2) ok_status(ws_wine.CreateDevice(&create), STATUS_SUCCESS);
        else ok_status(D3DKMTCreateDevice(&create), STATUS_SUCCESS);
        devices[i] = create.hDevice;
        ok_status(wt_create_allocation(create.hDevice, 4096, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, &allocs[i]), STATUS_SUCCESS);
    }
    for (i = 0; i < 4; i++)
        for (j = 0; j < 4; j++)
        {
            if (j > i) ok(adapters[i] != adapters[j] && devices[i] != devices[j],
                          "adapters %#x %#x devices %#x %#x", adapters[i], adapters[j], devices[i], devices[j]);
            if (j != i) ok(allocs[i] != allocs[j], "allocations %#x %#x", allocs[i], allocs[j]);
            ok(allocs[i] != adapters[j] && allocs[i] != devices[j], "allocation %#x", allocs[i]);
        }
    for (i = 0; i < 4; i++)
    {
        D3DKMT_DESTROYDEVICE destroy = { devices[i] };
        D3DKMT_CLOSEADAPTER close = { adapters[i] };

        ok_status(D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);
        ok_status(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
    }
}

static void test_setup(void)
{
    ws_init();
    ok(ws_gpu_count == 1, "Wine lists %u GPUs", ws_gpu_count);
    ok(ws_wine.OpenAdapterFromLuid && ws_wine.CreateDevice && ws_wine.DestroyDevice && ws_wine.CloseAdapter,
       "Wine's gdi32 lacks an adapter or device function");
    if (ws_gpu_count) luid = ws_gpus[0].luid;
}

WT_MAIN(WT_TEST(test_setup), WT_TEST(test_wine_device), WT_TEST(test_d3dkmt_device), WT_TEST(test_one_space))
