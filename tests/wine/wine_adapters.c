/*
 * wine_adapters.c: adapters opened through each of Wine's own functions work with d3dkmt.dll, and
 * each of d3dkmt.dll's adapter-opening functions gives Windows' results and handles Wine's
 * functions accept (docs/decisions/wine-handles.md).  Run under wine64 by make check (Wine 8 on
 * the host, Wine 10 in the Debian 13 root).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * "Wine's" functions are those of the running Wine's gdi32.dll (this program is not routed);
 * the D3DKMT* names it calls directly are d3dkmt.dll's (its import library).
 */
#include "wine_side.h"

/* The checks use_wine_adapter makes when everything goes well (counted as skipped where an
 * opener is missing). */
#define USE_CHECKS 23

/* The GPU Wine lists (the tests run with one). */
static LUID gpu_luid(void)
{
    LUID zero = { 0 };
    return ws_gpu_count ? ws_gpus[0].luid : zero;
}

/* d3dkmt.dll's adapters carry the LUIDs Wine gives its GPUs. */
static void test_luids(void)
{
    D3DKMT_ADAPTERINFO infos[8];
    D3DKMT_ENUMADAPTERS2 desc = { 8, infos };
    NTSTATUS status;
    UINT i;

    ok(ws_gpu_count == 1, "Wine lists %u GPUs; the tests expect one", ws_gpu_count);
    status = D3DKMTEnumAdapters2(&desc);
    ok_status(status, STATUS_SUCCESS);
    ok(desc.NumAdapters == 1, "NumAdapters %lu", (unsigned long)desc.NumAdapters);
    if (status || !desc.NumAdapters || !ws_gpu_count) return;
    ok(ws_luid_equal(infos[0].AdapterLuid, gpu_luid()), "LUID %08lx:%08lx, Wine's GPU has %08lx:%08lx",
       (long)infos[0].AdapterLuid.HighPart, (long)infos[0].AdapterLuid.LowPart,
       (long)gpu_luid().HighPart, (long)gpu_luid().LowPart);
    for (i = 0; i < desc.NumAdapters; i++)
    {
        D3DKMT_CLOSEADAPTER close = { infos[i].hAdapter };
        ok_status(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
    }
}

/* An adapter Wine made, used through d3dkmt.dll: memory info, a device with allocations, offers
 * and reclaims; then closed through Wine's CloseAdapter, which ends Wine's half only, and through
 * d3dkmt.dll's, which ends the library's. */
static void use_wine_adapter(D3DKMT_HANDLE adapter, const char *how)
{
    D3DKMT_QUERYVIDEOMEMORYINFO memory = { 0 };
    D3DKMT_CREATEDEVICE create = { 0 };
    D3DKMT_CLOSEADAPTER close = { adapter };
    NTSTATUS status;

    printf("  %s: adapter %#x\n", how, adapter);
    memory.hAdapter = adapter;
    memory.MemorySegmentGroup = D3DKMT_MEMORY_SEGMENT_GROUP_LOCAL;
    status = D3DKMTQueryVideoMemoryInfo(&memory);
    ok(status == STATUS_SUCCESS, "%s: QueryVideoMemoryInfo: %#lx", how, (long)status);
    ok(memory.Budget > 0, "%s: Budget 0", how);

    create.hAdapter = adapter;
    status = D3DKMTCreateDevice(&create);
    ok(status == STATUS_SUCCESS, "%s: CreateDevice: %#lx", how, (long)status);
    if (!status)
    {
        D3DKMT_DESTROYDEVICE destroy = { create.hDevice };

        ws_device_round(create.hDevice, how);
        status = D3DKMTDestroyDevice(&destroy);
        ok(status == STATUS_SUCCESS, "%s: DestroyDevice: %#lx", how, (long)status);
        /* Both halves are gone: Wine's function does not know the device any more. */
        status = ws_wine.DestroyDevice(&destroy);
        ok(status == STATUS_INVALID_PARAMETER, "%s: Wine's DestroyDevice afterwards: %#lx", how, (long)status);
    }
    status = ws_wine.CloseAdapter(&close);
    ok(status == STATUS_SUCCESS, "%s: Wine's CloseAdapter: %#lx", how, (long)status);
    /* d3dkmt.dll still has its half (docs/decisions/wine-handles.md): its close ends it. */
    status = D3DKMTCloseAdapter(&close);
    ok(status == STATUS_SUCCESS, "%s: d3dkmt.dll's CloseAdapter after Wine's: %#lx", how, (long)status);
    status = D3DKMTCloseAdapter(&close);
    ok(status == STATUS_INVALID_PARAMETER, "%s: a third close: %#lx", how, (long)status);
    status = D3DKMTQueryVideoMemoryInfo(&memory);
    ok(status == STATUS_INVALID_PARAMETER, "%s: QueryVideoMemoryInfo after close: %#lx", how, (long)status);
}

/* Each of Wine's adapter-opening functions. */
static void test_wine_openers(void)
{
    NTSTATUS status;

    if (!ws_wine.CloseAdapter || !ws_wine.DestroyDevice)
    {
        skip("Wine's gdi32 has no CloseAdapter / DestroyDevice");
        return;
    }
    {
        D3DKMT_OPENADAPTERFROMGDIDISPLAYNAME desc = { L"\\\\.\\DISPLAY1" };
        status = ws_wine.OpenAdapterFromGdiDisplayName(&desc);
        ok_status(status, STATUS_SUCCESS);
        if (!status) use_wine_adapter(desc.hAdapter, "Wine's OpenAdapterFromGdiDisplayName");
    }
    {
        D3DKMT_OPENADAPTERFROMLUID desc = { gpu_luid() };
        status = ws_wine.OpenAdapterFromLuid(&desc);
        ok_status(status, STATUS_SUCCESS);
        if (!status) use_wine_adapter(desc.hAdapter, "Wine's OpenAdapterFromLuid");
    }
    if (ws_wine.EnumAdapters2)
    {
        D3DKMT_ADAPTERINFO infos[8];
        D3DKMT_ENUMADAPTERS2 desc = { 8, infos };
        status = ws_wine.EnumAdapters2(&desc);
        ok_status(status, STATUS_SUCCESS);
        if (!status && desc.NumAdapters) use_wine_adapter(infos[0].hAdapter, "Wine's EnumAdapters2");
    }
    else wt_skip_checks(USE_CHECKS + 1, __FILE__, __LINE__, "this Wine's gdi32 has no D3DKMTEnumAdapters2 (Wine 8)");
    if (ws_wine.EnumAdapters)
    {
        D3DKMT_ENUMADAPTERS desc = { 0 };
        status = ws_wine.EnumAdapters(&desc);
        ok_status(status, STATUS_SUCCESS);
        if (!status && desc.NumAdapters) use_wine_adapter(desc.Adapters[0].hAdapter, "Wine's EnumAdapters");
    }
    else wt_skip_checks(USE_CHECKS + 1, __FILE__, __LINE__, "this Wine's gdi32 has no D3DKMTEnumAdapters (Wine 8)");
    {
        /* Wine 8 and 10.0 open "an adapter" whatever the name (a stub): still Wine's adapter. */
        D3DKMT_OPENADAPTERFROMDEVICENAME desc = { L"\\\\?\\any" };
        status = ws_wine.OpenAdapterFromDeviceName(&desc);
        if (!status) use_wine_adapter(desc.hAdapter, "Wine's OpenAdapterFromDeviceName");
        else wt_skip_checks(USE_CHECKS, __FILE__, __LINE__, "Wine's D3DKMTOpenAdapterFromDeviceName opened nothing");
    }
    {
        HDC hdc = CreateDCW(NULL, L"\\\\.\\DISPLAY1", NULL, NULL);
        D3DKMT_OPENADAPTERFROMHDC desc = { hdc };
        status = ws_wine.OpenAdapterFromHdc(&desc);
        DeleteDC(hdc);
        if (!status) use_wine_adapter(desc.hAdapter, "Wine's OpenAdapterFromHdc");
        else wt_skip_checks(USE_CHECKS, __FILE__, __LINE__, "Wine's D3DKMTOpenAdapterFromHdc is a stub (STATUS_NO_MEMORY on Wine 8 and 10)");
    }
    {
        /* A value Wine never made is refused, and nothing is adopted. */
        D3DKMT_CREATEDEVICE create = { 0 };
        create.hAdapter = 0x3ff;
        ok_status(D3DKMTCreateDevice(&create), STATUS_INVALID_PARAMETER);
        create.hAdapter = 0x40000040;
        ok_status(D3DKMTCreateDevice(&create), STATUS_INVALID_PARAMETER);
    }
}

/* A handle d3dkmt.dll hands out: Wine's functions accept it (a Wine device on it, Wine's close),
 * and it serves a round of device work through d3dkmt.dll. */
static void check_d3dkmt_adapter(D3DKMT_HANDLE adapter, LUID luid, const char *how)
{
    D3DKMT_CREATEDEVICE create = { 0 }, wine_create = { 0 };
    D3DKMT_CLOSEADAPTER close = { adapter };
    NTSTATUS status;

    printf("  %s: adapter %#x\n", how, adapter);
    ok(ws_luid_equal(luid, gpu_luid()), "%s: LUID %08lx:%08lx", how, (long)luid.HighPart, (long)luid.LowPart);
    wine_create.hAdapter = adapter;
    status = ws_wine.CreateDevice(&wine_create);
    ok(status == STATUS_SUCCESS, "%s: Wine's CreateDevice on it: %#lx", how, (long)status);
    if (!status)
    {
        D3DKMT_DESTROYDEVICE destroy = { wine_create.hDevice };
        ok_status(ws_wine.DestroyDevice(&destroy), STATUS_SUCCESS);
    }
    create.hAdapter = adapter;
    status = D3DKMTCreateDevice(&create);
    ok(status == STATUS_SUCCESS, "%s: CreateDevice: %#lx", how, (long)status);
    if (!status)
    {
        D3DKMT_DESTROYDEVICE destroy = { create.hDevice };
        ws_device_round(create.hDevice, how);
        ok_status(D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);
    }
    status = D3DKMTCloseAdapter(&close);
    ok(status == STATUS_SUCCESS, "%s: CloseAdapter: %#lx", how, (long)status);
    /* Closed on both sides. */
    status = ws_wine.CloseAdapter(&close);
    ok(status == STATUS_INVALID_PARAMETER, "%s: Wine's CloseAdapter afterwards: %#lx", how, (long)status);
}

/* Each of d3dkmt.dll's adapter-opening functions. */
static void test_d3dkmt_openers(void)
{
    NTSTATUS status;

    {
        D3DKMT_OPENADAPTERFROMLUID desc = { gpu_luid() };
        status = D3DKMTOpenAdapterFromLuid(&desc);
        ok_status(status, STATUS_SUCCESS);
        if (!status) check_d3dkmt_adapter(desc.hAdapter, desc.AdapterLuid, "OpenAdapterFromLuid");
        desc.AdapterLuid.LowPart = 0x12345;
        desc.AdapterLuid.HighPart = 0x6789;
        ok_status(D3DKMTOpenAdapterFromLuid(&desc), STATUS_INVALID_PARAMETER);
    }
    {
        D3DKMT_ADAPTERINFO infos[8];
        D3DKMT_ENUMADAPTERS2 desc = { 8, infos };
        status = D3DKMTEnumAdapters2(&desc);
        ok_status(status, STATUS_SUCCESS);
        if (!status && desc.NumAdapters) check_d3dkmt_adapter(infos[0].hAdapter, infos[0].AdapterLuid, "EnumAdapters2");
    }
    {
        D3DKMT_ENUMADAPTERS desc = { 0 };
        status = D3DKMTEnumAdapters(&desc);
        ok_status(status, STATUS_SUCCESS);
        ok(desc.NumAdapters == 1, "EnumAdapters: NumAdapters %lu", (unsigned long)desc.NumAdapters);
        if (!status && desc.NumAdapters)
            check_d3dkmt_adapter(desc.Adapters[0].hAdapter, desc.Adapters[0].AdapterLuid, "EnumAdapters");
        ok_status(D3DKMTEnumAdapters(NULL), STATUS_INVALID_PARAMETER);
    }
    {
        D3DKMT_OPENADAPTERFROMGDIDISPLAYNAME desc = { L"\\\\.\\DISPLAY1" }, wine_desc = { L"\\\\.\\DISPLAY1" };
        status = D3DKMTOpenAdapterFromGdiDisplayName(&desc);
        ok_status(status, STATUS_SUCCESS);
        /* The display's source as Wine numbers it (0 on Wine 8, 1 on Wine 10). */
        if (!ws_wine.OpenAdapterFromGdiDisplayName(&wine_desc))
        {
            D3DKMT_CLOSEADAPTER close = { wine_desc.hAdapter };
            ws_wine.CloseAdapter(&close);
        }
        ok(desc.VidPnSourceId == wine_desc.VidPnSourceId, "VidPnSourceId %u, Wine's %u", desc.VidPnSourceId,
           wine_desc.VidPnSourceId);
        if (!status) check_d3dkmt_adapter(desc.hAdapter, desc.AdapterLuid, "OpenAdapterFromGdiDisplayName");
        /* Windows' statuses. */
        ok_status(D3DKMTOpenAdapterFromGdiDisplayName(NULL), STATUS_UNSUCCESSFUL);
        memset(&desc, 0, sizeof(desc));
        ok_status(D3DKMTOpenAdapterFromGdiDisplayName(&desc), STATUS_UNSUCCESSFUL);
        lstrcpyW(desc.DeviceName, L"\\\\.\\DISPLAY9");
        ok_status(D3DKMTOpenAdapterFromGdiDisplayName(&desc), STATUS_UNSUCCESSFUL);
    }
    {
        HDC hdc = CreateDCW(NULL, L"\\\\.\\DISPLAY1", NULL, NULL), screen = GetDC(NULL), memory = CreateCompatibleDC(NULL);
        D3DKMT_OPENADAPTERFROMHDC desc = { hdc };

        status = D3DKMTOpenAdapterFromHdc(&desc);
        ok_status(status, STATUS_SUCCESS);
        if (!status) check_d3dkmt_adapter(desc.hAdapter, desc.AdapterLuid, "OpenAdapterFromHdc (display DC)");
        /* The screen DC covers one adapter here (one display). */
        memset(&desc, 0, sizeof(desc));
        desc.hDc = screen;
        status = D3DKMTOpenAdapterFromHdc(&desc);
        ok_status(status, STATUS_SUCCESS);
        if (!status) check_d3dkmt_adapter(desc.hAdapter, desc.AdapterLuid, "OpenAdapterFromHdc (screen DC)");
        memset(&desc, 0, sizeof(desc));
        ok_status(D3DKMTOpenAdapterFromHdc(&desc), STATUS_INVALID_PARAMETER);
        desc.hDc = memory;
        ok_status(D3DKMTOpenAdapterFromHdc(&desc), STATUS_INVALID_PARAMETER);
        ok_status(D3DKMTOpenAdapterFromHdc(NULL), STATUS_INVALID_PARAMETER);
        DeleteDC(memory);
        ReleaseDC(NULL, screen);
        DeleteDC(hdc);
    }
    {
        BYTE buffer[sizeof(SP_DEVICE_INTERFACE_DETAIL_DATA_W) + 512 * sizeof(WCHAR)];
        SP_DEVICE_INTERFACE_DETAIL_DATA_W *detail = (SP_DEVICE_INTERFACE_DETAIL_DATA_W *)buffer;
        SP_DEVICE_INTERFACE_DATA iface = { sizeof(iface) };
        const GUID *guids[2] = { &ws_display_device_arrival, &ws_devinterface_display_adapter };
        D3DKMT_OPENADAPTERFROMDEVICENAME desc = { 0 };
        UINT k, found = 0;

        for (k = 0; k < 2; k++)
        {
            HDEVINFO set = SetupDiGetClassDevsW(guids[k], NULL, NULL, DIGCF_DEVICEINTERFACE | DIGCF_PRESENT);
            DWORD i;

            for (i = 0; SetupDiEnumDeviceInterfaces(set, NULL, guids[k], i, &iface); i++)
            {
                detail->cbSize = sizeof(*detail);
                if (!SetupDiGetDeviceInterfaceDetailW(set, &iface, detail, sizeof(buffer), NULL, NULL)) continue;
                found++;
                memset(&desc, 0, sizeof(desc));
                desc.pDeviceName = detail->DevicePath;
                status = D3DKMTOpenAdapterFromDeviceName(&desc);
                /* As Windows: the display device interface opens; the display adapter one does not. */
                if (k == 0)
                {
                    ok_status(status, STATUS_SUCCESS);
                    if (!status) check_d3dkmt_adapter(desc.hAdapter, desc.AdapterLuid, "OpenAdapterFromDeviceName");
                }
                else ok_status(status, STATUS_INVALID_PARAMETER);
            }
            SetupDiDestroyDeviceInfoList(set);
        }
        ok(found == 2, "%u display device interfaces", found);
        memset(&desc, 0, sizeof(desc));
        ok_status(D3DKMTOpenAdapterFromDeviceName(&desc), STATUS_INVALID_PARAMETER);
        desc.pDeviceName = L"\\\\?\\pci#ven_1234";
        ok_status(D3DKMTOpenAdapterFromDeviceName(&desc), STATUS_INVALID_PARAMETER);
        ok_status(D3DKMTOpenAdapterFromDeviceName(NULL), STATUS_INVALID_PARAMETER);
    }
}

static void init(void)
{
    ws_init();
}

static void test_setup(void)
{
    init();
    ok(ws_wine.OpenAdapterFromLuid && ws_wine.OpenAdapterFromGdiDisplayName && ws_wine.CreateDevice
       && ws_wine.DestroyDevice && ws_wine.CloseAdapter, "Wine's gdi32 lacks an adapter or device function");
}

WT_MAIN(WT_TEST(test_setup), WT_TEST(test_luids), WT_TEST(test_wine_openers), WT_TEST(test_d3dkmt_openers))
