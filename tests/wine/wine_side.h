/*
 * wine_side.h: helpers of the tests/wine programs that mix Wine's own D3DKMT functions (those of
 * the running Wine's gdi32.dll) with d3dkmt.dll's (docs/decisions/wine-handles.md): finding Wine's
 * functions, Wine's GPUs (SetupAPI), and one round of device work through d3dkmt.dll.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#ifndef D3DKMT_WINE_SIDE_H
#define D3DKMT_WINE_SIDE_H

#include "wine_util.h"

#include <setupapi.h>

#ifndef STATUS_UNSUCCESSFUL
# define STATUS_UNSUCCESSFUL ((NTSTATUS)0xC0000001L)
#endif

typedef NTSTATUS (WINAPI *ws_func)(void *desc);

/* Wine's D3DKMT functions, from the gdi32.dll of the running Wine (NULL where it has none). */
struct ws_wine
{
    ws_func OpenAdapterFromLuid, OpenAdapterFromGdiDisplayName, OpenAdapterFromHdc, OpenAdapterFromDeviceName,
            EnumAdapters, EnumAdapters2, CloseAdapter, CreateDevice, DestroyDevice, QueryVideoMemoryInfo,
            Escape, CreateKeyedMutex2, DestroyKeyedMutex;
};
static struct ws_wine ws_wine;

/* Wine's GPUs: LUID and Vulkan device UUID, from the display class's device properties. */
static struct { LUID luid; BYTE uuid[16]; } ws_gpus[16];
static UINT ws_gpu_count;

static const DEVPROPKEY ws_gpu_luid_key =
    { { 0x60b193cb, 0x5276, 0x4d0f, { 0x96, 0xfc, 0xf1, 0x73, 0xab, 0xad, 0x3e, 0xc6 } }, 2 };
static const DEVPROPKEY ws_gpu_vulkan_uuid_key =
    { { 0x233a9ef3, 0xafc4, 0x4abd, { 0xb5, 0x64, 0xc3, 0x2f, 0x21, 0xf1, 0x53, 0x5c } }, 2 };
static const GUID ws_devclass_display =
    { 0x4d36e968, 0xe325, 0x11ce, { 0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18 } };
static const GUID ws_display_device_arrival =
    { 0x1ca05180, 0xa699, 0x450a, { 0x9a, 0x0c, 0xde, 0x4f, 0xbe, 0x3d, 0xdd, 0x89 } };
static const GUID ws_devinterface_display_adapter =
    { 0x5b45201d, 0xf2f2, 0x4f3b, { 0x85, 0xbb, 0x30, 0xff, 0x1f, 0x95, 0x35, 0x99 } };

static inline BOOL ws_luid_equal(LUID a, LUID b)
{
    return a.LowPart == b.LowPart && a.HighPart == b.HighPart;
}

/* Whether p lies in the image of module m. */
static inline BOOL ws_in_module(HMODULE m, const void *p)
{
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)m;
    const IMAGE_NT_HEADERS *nt;

    if (!m) return FALSE;
    nt = (const IMAGE_NT_HEADERS *)((const char *)dos + dos->e_lfanew);
    return (const char *)p >= (const char *)m && (const char *)p < (const char *)m + nt->OptionalHeader.SizeOfImage;
}

/* Fills ws_wine and ws_gpus; prints what the running Wine has. */
static inline void ws_init(void)
{
    HMODULE gdi32 = LoadLibraryA("gdi32.dll"), d3dkmt = GetModuleHandleA("d3dkmt.dll");
    SP_DEVINFO_DATA device = { sizeof(device) };
    HDEVINFO set;
    DWORD i;

#define WS_GET(name) \
    do { \
        void *p = (void *)GetProcAddress(gdi32, "D3DKMT" #name); \
        ws_wine.name = ws_in_module(d3dkmt, p) ? NULL : (ws_func)p; \
    } while (0)
    WS_GET(OpenAdapterFromLuid); WS_GET(OpenAdapterFromGdiDisplayName); WS_GET(OpenAdapterFromHdc);
    WS_GET(OpenAdapterFromDeviceName); WS_GET(EnumAdapters); WS_GET(EnumAdapters2); WS_GET(CloseAdapter);
    WS_GET(CreateDevice); WS_GET(DestroyDevice); WS_GET(QueryVideoMemoryInfo); WS_GET(Escape);
    WS_GET(CreateKeyedMutex2); WS_GET(DestroyKeyedMutex);
#undef WS_GET

    set = SetupDiGetClassDevsW(&ws_devclass_display, NULL, NULL, 0);
    for (i = 0; set != INVALID_HANDLE_VALUE && ws_gpu_count < 16 && SetupDiEnumDeviceInfo(set, i, &device); i++)
    {
        DEVPROPTYPE type;

        if (!SetupDiGetDevicePropertyW(set, &device, &ws_gpu_luid_key, &type, (BYTE *)&ws_gpus[ws_gpu_count].luid,
                                       sizeof(LUID), NULL, 0))
            continue;
        SetupDiGetDevicePropertyW(set, &device, &ws_gpu_vulkan_uuid_key, &type, ws_gpus[ws_gpu_count].uuid, 16, NULL, 0);
        ws_gpu_count++;
    }
    if (set != INVALID_HANDLE_VALUE) SetupDiDestroyDeviceInfoList(set);
    printf("Wine has: FromLuid %d FromGdiDisplayName %d FromHdc %d FromDeviceName %d EnumAdapters %d "
           "EnumAdapters2 %d Escape %d CreateKeyedMutex2 %d; %u GPU(s)\n",
           !!ws_wine.OpenAdapterFromLuid, !!ws_wine.OpenAdapterFromGdiDisplayName, !!ws_wine.OpenAdapterFromHdc,
           !!ws_wine.OpenAdapterFromDeviceName, !!ws_wine.EnumAdapters, !!ws_wine.EnumAdapters2,
           !!ws_wine.Escape, !!ws_wine.CreateKeyedMutex2, ws_gpu_count);
    for (i = 0; i < ws_gpu_count; i++)
        printf("  GPU %lu: LUID %08lx:%08lx\n", i, (long)ws_gpus[i].luid.HighPart, (long)ws_gpus[i].luid.LowPart);
    fflush(stdout);
}

/* One round of work on a device through d3dkmt.dll: a paging queue, two host-visible 64 KiB
 * allocations with a pattern, both offered, reclaimed (D3DDDI_RECLAIM_RESULT_OK, pattern intact),
 * destroyed at once.  Every step is a check; `what` names the round in the messages. */
static inline void ws_device_round(D3DKMT_HANDLE device, const char *what)
{
    D3DKMT_CREATEPAGINGQUEUE queue = { 0 };
    D3DKMT_HANDLE allocs[2] = { 0 };
    D3DDDI_RECLAIM_RESULT results[2] = { 5, 5 };
    D3DKMT_OFFERALLOCATIONS offer = { 0 };
    D3DKMT_RECLAIMALLOCATIONS2 reclaim = { 0 };
    NTSTATUS status;
    UINT i;

    queue.hDevice = device;
    queue.Priority = D3DDDI_PAGINGQUEUE_PRIORITY_NORMAL;
    status = D3DKMTCreatePagingQueue(&queue);
    ok(status == STATUS_SUCCESS, "%s: CreatePagingQueue: %#lx", what, (long)status);
    for (i = 0; i < 2; i++)
    {
        status = wt_create_allocation(device, 65536, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, &allocs[i]);
        ok(status == STATUS_SUCCESS, "%s: CreateAllocation2 %u: %#lx", what, i, (long)status);
        if (!status)
        {
            status = wt_pattern_io(device, allocs[i], 65536, 0x5eed + i, TRUE);
            ok(status == STATUS_SUCCESS, "%s: pattern written %u: %#lx", what, i, (long)status);
        }
    }
    if (!allocs[0] || !allocs[1]) return;
    offer.hDevice = device;
    offer.NumAllocations = 2;
    offer.HandleList = allocs;
    offer.Priority = D3DKMT_OFFER_PRIORITY_LOW;
    status = D3DKMTOfferAllocations(&offer);
    ok(status == STATUS_SUCCESS, "%s: OfferAllocations: %#lx", what, (long)status);
    reclaim.hPagingQueue = queue.hPagingQueue;
    reclaim.NumAllocations = 2;
    reclaim.HandleList = allocs;
    reclaim.pResults = results;
    status = D3DKMTReclaimAllocations2(&reclaim);
    ok(status == STATUS_SUCCESS, "%s: ReclaimAllocations2: %#lx", what, (long)status);
    for (i = 0; i < 2; i++)
    {
        ok(results[i] == D3DDDI_RECLAIM_RESULT_OK, "%s: reclaim result %u: %d", what, i, results[i]);
        status = wt_pattern_io(device, allocs[i], 65536, 0x5eed + i, FALSE);
        ok(status == STATUS_SUCCESS, "%s: pattern intact %u: %#lx", what, i, (long)status);
        /* AssumeNotInUse | SynchronousDestroy: freed before the call returns, so that callers
         * can count the device's allocations afterwards. */
        status = wt_destroy_allocation(device, allocs[i], 3);
        ok(status == STATUS_SUCCESS, "%s: DestroyAllocation2 %u: %#lx", what, i, (long)status);
    }
    if (queue.hPagingQueue)
    {
        D3DDDI_DESTROYPAGINGQUEUE destroy = { queue.hPagingQueue };
        status = D3DKMTDestroyPagingQueue(&destroy);
        ok(status == STATUS_SUCCESS, "%s: DestroyPagingQueue: %#lx", what, (long)status);
    }
}

#endif /* D3DKMT_WINE_SIDE_H */
