/*
 * route_test.c: a Windows program that statically imports D3DKMTOfferAllocations,
 * D3DKMTReclaimAllocations2 and D3DKMTDestroyAllocation2 from gdi32.dll, together with ordinary
 * GDI functions, as games and tools do (issue 7, docs/gdi32-route.md).
 *
 * Copyright 2026 the d3dkmt authors
 *
 * This library is free software; you can redistribute it and/or modify it under the terms of the
 * GNU Lesser General Public License as published by the Free Software Foundation; either version
 * 2.1 of the License, or (at your option) any later version.  See COPYING.LIB.
 *
 * Under Wine 8 without the route the program starts, passes the GDI part, then aborts at its first
 * D3DKMT call ("Unimplemented function gdi32.dll.D3DKMTOfferAllocations called").  With the route
 * (tools/gdi32-route) every check below passes: GDI through the forwarders to the copy of Wine's
 * gdi32, the D3DKMT functions through the forwarders to d3dkmt.dll, with statuses and results that
 * only the real library gives.  The remaining D3DKMT functions (adapter, device, paging queue,
 * allocation creation, lock) are looked up with GetProcAddress on gdi32.dll, so they go through
 * the route too.  Prints "N passed, N failed"; exits 1 when anything failed.
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#include "d3dkmt.h"

static unsigned int passed, failed;

static void check(int cond, const char *what, ...)
{
    va_list args;
    va_start(args, what);
    printf("%s: ", cond ? "ok" : "FAIL");
    vprintf(what, args);
    printf("\n");
    va_end(args);
    fflush(stdout);
    if (cond) passed++;
    else failed++;
}

static int is_invalid(NTSTATUS status)
{
    return status == STATUS_INVALID_PARAMETER || status == STATUS_INVALID_HANDLE;
}

/* The import address table's slots, by their symbols: __imp_<name> on x64, __imp__<name>@<argument
 * bytes> for a stdcall function on x86 (named through asm labels, which C names cannot spell). */
#ifdef _WIN64
# define IMPORT_SLOT(name, argbytes) __asm__("__imp_" #name)
#else
# define IMPORT_SLOT(name, argbytes) __asm__("__imp__" #name "@" #argbytes)
#endif
extern void *imp_D3DKMTOfferAllocations IMPORT_SLOT(D3DKMTOfferAllocations, 4);
extern void *imp_D3DKMTReclaimAllocations2 IMPORT_SLOT(D3DKMTReclaimAllocations2, 4);
extern void *imp_D3DKMTDestroyAllocation2 IMPORT_SLOT(D3DKMTDestroyAllocation2, 4);

static void test_gdi(void)
{
    HDC dc;
    HBITMAP bitmap, old;
    BITMAP info;
    int size;

    dc = CreateCompatibleDC(NULL);
    check(dc != NULL, "CreateCompatibleDC(NULL) gives a DC");
    bitmap = CreateCompatibleBitmap(dc, 8, 4);
    check(bitmap != NULL, "CreateCompatibleBitmap(dc, 8, 4) gives a bitmap");
    memset(&info, 0, sizeof(info));
    size = GetObjectA(bitmap, sizeof(info), &info);
    check(size == sizeof(info) && info.bmWidth == 8 && info.bmHeight == 4,
          "GetObject on the bitmap: %d bytes, %ldx%ld", size, info.bmWidth, info.bmHeight);
    old = SelectObject(dc, bitmap);
    check(old != NULL, "SelectObject(dc, bitmap) returns the previous bitmap");
    check(GetPixel(dc, 2, 1) == RGB(0, 0, 0), "a new compatible bitmap is black");
    SetPixel(dc, 2, 1, RGB(255, 255, 255));
    check(GetPixel(dc, 2, 1) == RGB(255, 255, 255) && GetPixel(dc, 3, 1) == RGB(0, 0, 0),
          "SetPixel/GetPixel round trip");
    SelectObject(dc, old);
    check(DeleteObject(bitmap), "DeleteObject(bitmap)");
    check(DeleteDC(dc), "DeleteDC(dc)");
}

/* The first D3DKMT call: without the route, the process ends here. */
static void test_first_d3dkmt_call(void)
{
    D3DKMT_HANDLE bogus = 0x7ff00040;
    D3DKMT_OFFERALLOCATIONS offer;
    NTSTATUS status;

    memset(&offer, 0, sizeof(offer));
    offer.hDevice = 0x7fe00040;     /* never handed out */
    offer.HandleList = &bogus;
    offer.NumAllocations = 1;
    offer.Priority = D3DKMT_OFFER_PRIORITY_NORMAL;
    status = D3DKMTOfferAllocations(&offer);
    check(is_invalid(status), "D3DKMTOfferAllocations on an unknown device: %#lx", (unsigned long)status);
}

static void test_route_identity(void)
{
    HMODULE gdi32 = GetModuleHandleA("gdi32.dll");
    HMODULE copy = GetModuleHandleA("gdi32wine.dll");
    HMODULE d3dkmt = GetModuleHandleA("d3dkmt.dll");

    check(gdi32 != NULL && memcmp((const char *)gdi32 + 0x40, "Wine builtin DLL", 16) != 0,
          "gdi32.dll is the route's forwarder, not Wine's builtin");
    check(copy != NULL, "gdi32wine.dll (the copy of Wine's gdi32) is loaded");
    check(d3dkmt != NULL, "d3dkmt.dll is loaded");
    if (!gdi32 || !copy || !d3dkmt) return;
    check(imp_D3DKMTOfferAllocations == (void *)GetProcAddress(d3dkmt, "D3DKMTOfferAllocations") &&
          imp_D3DKMTReclaimAllocations2 == (void *)GetProcAddress(d3dkmt, "D3DKMTReclaimAllocations2") &&
          imp_D3DKMTDestroyAllocation2 == (void *)GetProcAddress(d3dkmt, "D3DKMTDestroyAllocation2"),
          "the static imports from gdi32.dll resolve to d3dkmt.dll's functions");
    check(GetProcAddress(gdi32, "D3DKMTCreateDevice") == GetProcAddress(d3dkmt, "D3DKMTCreateDevice") &&
          GetProcAddress(gdi32, "D3DKMTCreateDevice") != NULL,
          "gdi32.dll!D3DKMTCreateDevice, which Wine's gdi32 also has, resolves to d3dkmt.dll's");
    check(GetProcAddress(gdi32, "CreateCompatibleDC") == GetProcAddress(copy, "CreateCompatibleDC") &&
          GetProcAddress(gdi32, "CreateCompatibleDC") != NULL,
          "gdi32.dll!CreateCompatibleDC resolves to the copy of Wine's gdi32");
}

#define LOOKUP(name) (p##name = (void *)GetProcAddress(gdi32, #name), \
                      check(p##name != NULL, "gdi32.dll exports " #name), p##name != NULL)

static void test_offer_reclaim(void)
{
    NTSTATUS (WINAPI *pD3DKMTEnumAdapters2)(D3DKMT_ENUMADAPTERS2 *);
    NTSTATUS (WINAPI *pD3DKMTCloseAdapter)(const D3DKMT_CLOSEADAPTER *);
    NTSTATUS (WINAPI *pD3DKMTCreateDevice)(D3DKMT_CREATEDEVICE *);
    NTSTATUS (WINAPI *pD3DKMTDestroyDevice)(const D3DKMT_DESTROYDEVICE *);
    NTSTATUS (WINAPI *pD3DKMTCreatePagingQueue)(D3DKMT_CREATEPAGINGQUEUE *);
    NTSTATUS (WINAPI *pD3DKMTDestroyPagingQueue)(D3DDDI_DESTROYPAGINGQUEUE *);
    NTSTATUS (WINAPI *pD3DKMTCreateAllocation2)(D3DKMT_CREATEALLOCATION *);
    NTSTATUS (WINAPI *pD3DKMTLock2)(D3DKMT_LOCK2 *);
    NTSTATUS (WINAPI *pD3DKMTUnlock2)(const D3DKMT_UNLOCK2 *);
    HMODULE gdi32 = GetModuleHandleA("gdi32.dll");
    D3DKMT_ENUMADAPTERS2 enum_adapters;
    D3DKMT_ADAPTERINFO adapters[16];
    D3DKMT_CLOSEADAPTER close_adapter;
    D3DKMT_CREATEDEVICE create_device;
    D3DKMT_DESTROYDEVICE destroy_device;
    D3DKMT_CREATEPAGINGQUEUE create_queue;
    D3DDDI_DESTROYPAGINGQUEUE destroy_queue;
    D3DKMT_VK_ALLOCATIONDATA data;
    D3DDDI_ALLOCATIONINFO2 info;
    D3DKMT_CREATEALLOCATION create;
    D3DKMT_LOCK2 lock;
    D3DKMT_UNLOCK2 unlock;
    D3DKMT_OFFERALLOCATIONS offer;
    D3DKMT_RECLAIMALLOCATIONS2 reclaim;
    D3DKMT_DESTROYALLOCATION2 destroy;
    D3DDDI_RECLAIM_RESULT results[1];
    D3DKMT_HANDLE adapter, device, queue, allocation, bogus;
    const UINT size = 65536;
    NTSTATUS status;
    UINT i, bad;

    if (!LOOKUP(D3DKMTEnumAdapters2) | !LOOKUP(D3DKMTCloseAdapter) | !LOOKUP(D3DKMTCreateDevice) |
        !LOOKUP(D3DKMTDestroyDevice) | !LOOKUP(D3DKMTCreatePagingQueue) | !LOOKUP(D3DKMTDestroyPagingQueue) |
        !LOOKUP(D3DKMTCreateAllocation2) | !LOOKUP(D3DKMTLock2) | !LOOKUP(D3DKMTUnlock2))
        return;

    memset(&enum_adapters, 0, sizeof(enum_adapters));
    status = pD3DKMTEnumAdapters2(&enum_adapters);
    check(status == STATUS_SUCCESS && enum_adapters.NumAdapters >= 1,
          "D3DKMTEnumAdapters2 count: %#lx, %lu adapters", (unsigned long)status, (unsigned long)enum_adapters.NumAdapters);
    if (status || !enum_adapters.NumAdapters) return;
    memset(adapters, 0, sizeof(adapters));
    enum_adapters.NumAdapters = ARRAYSIZE(adapters);
    enum_adapters.pAdapters = adapters;
    status = pD3DKMTEnumAdapters2(&enum_adapters);
    check(status == STATUS_SUCCESS && adapters[0].hAdapter, "D3DKMTEnumAdapters2: %#lx", (unsigned long)status);
    if (status) return;
    adapter = adapters[0].hAdapter;

    memset(&create_device, 0, sizeof(create_device));
    create_device.hAdapter = adapter;
    status = pD3DKMTCreateDevice(&create_device);
    check(status == STATUS_SUCCESS && create_device.hDevice, "D3DKMTCreateDevice (d3dkmt.dll's, not Wine's): %#lx",
          (unsigned long)status);
    if (status) goto close_adapters;
    device = create_device.hDevice;

    memset(&create_queue, 0, sizeof(create_queue));
    create_queue.hDevice = device;
    create_queue.Priority = D3DDDI_PAGINGQUEUE_PRIORITY_NORMAL;
    status = pD3DKMTCreatePagingQueue(&create_queue);
    check(status == STATUS_SUCCESS && create_queue.hPagingQueue, "D3DKMTCreatePagingQueue: %#lx", (unsigned long)status);
    if (status) goto destroy_device;
    queue = create_queue.hPagingQueue;

    memset(&data, 0, sizeof(data));
    data.Version = D3DKMT_VK_ALLOCATIONDATA_VERSION;
    data.Placement = D3DKMT_VK_PLACEMENT_HOST_VISIBLE;
    data.Size = size;
    memset(&info, 0, sizeof(info));
    info.pPrivateDriverData = &data;
    info.PrivateDriverDataSize = sizeof(data);
    memset(&create, 0, sizeof(create));
    create.hDevice = device;
    create.NumAllocations = 1;
    create.pAllocationInfo2 = &info;
    status = pD3DKMTCreateAllocation2(&create);
    check(status == STATUS_SUCCESS && info.hAllocation, "D3DKMTCreateAllocation2 (64 KiB, host visible): %#lx",
          (unsigned long)status);
    if (status) goto destroy_queue;
    allocation = info.hAllocation;

    memset(&lock, 0, sizeof(lock));
    lock.hDevice = device;
    lock.hAllocation = allocation;
    status = pD3DKMTLock2(&lock);
    check(status == STATUS_SUCCESS && lock.pData, "D3DKMTLock2: %#lx", (unsigned long)status);
    if (status == STATUS_SUCCESS && lock.pData)
    {
        for (i = 0; i < size / 4; i++) ((UINT *)lock.pData)[i] = i * 2654435761u;
        memset(&unlock, 0, sizeof(unlock));
        unlock.hDevice = device;
        unlock.hAllocation = allocation;
        status = pD3DKMTUnlock2(&unlock);
        check(status == STATUS_SUCCESS, "D3DKMTUnlock2: %#lx", (unsigned long)status);
    }

    /* An unknown allocation on a real device is refused, and changes nothing. */
    bogus = allocation ^ 0x00ffff00;
    memset(&offer, 0, sizeof(offer));
    offer.hDevice = device;
    offer.HandleList = &bogus;
    offer.NumAllocations = 1;
    offer.Priority = D3DKMT_OFFER_PRIORITY_NORMAL;
    status = D3DKMTOfferAllocations(&offer);
    check(is_invalid(status), "D3DKMTOfferAllocations of an unknown allocation: %#lx", (unsigned long)status);
    offer.NumAllocations = 0;
    status = D3DKMTOfferAllocations(&offer);
    check(is_invalid(status), "D3DKMTOfferAllocations of 0 allocations: %#lx", (unsigned long)status);

    offer.HandleList = &allocation;
    offer.NumAllocations = 1;
    status = D3DKMTOfferAllocations(&offer);
    check(status == STATUS_SUCCESS, "D3DKMTOfferAllocations of the allocation: %#lx", (unsigned long)status);

    memset(&reclaim, 0, sizeof(reclaim));
    reclaim.hPagingQueue = device;   /* a device is not a paging queue */
    reclaim.NumAllocations = 1;
    reclaim.HandleList = &allocation;
    results[0] = 0xdeadbeef;
    reclaim.pResults = results;
    status = D3DKMTReclaimAllocations2(&reclaim);
    check(is_invalid(status), "D3DKMTReclaimAllocations2 with a device handle as paging queue: %#lx",
          (unsigned long)status);

    reclaim.hPagingQueue = queue;
    status = D3DKMTReclaimAllocations2(&reclaim);
    check(status == STATUS_SUCCESS || status == STATUS_PENDING, "D3DKMTReclaimAllocations2: %#lx",
          (unsigned long)status);
    check(results[0] == D3DDDI_RECLAIM_RESULT_OK, "reclaim result without memory pressure: %u (OK is 0)",
          (unsigned)results[0]);

    status = pD3DKMTLock2(&lock);
    check(status == STATUS_SUCCESS && lock.pData, "D3DKMTLock2 after reclaim: %#lx", (unsigned long)status);
    if (status == STATUS_SUCCESS && lock.pData)
    {
        for (i = 0, bad = 0; i < size / 4; i++) bad += ((UINT *)lock.pData)[i] != i * 2654435761u;
        check(bad == 0, "content after offer + reclaim OK is intact (%u words differ)", bad);
        status = pD3DKMTUnlock2(&unlock);
        check(status == STATUS_SUCCESS, "D3DKMTUnlock2: %#lx", (unsigned long)status);
    }

    memset(&destroy, 0, sizeof(destroy));
    destroy.hDevice = device;
    destroy.phAllocationList = &bogus;
    destroy.AllocationCount = 1;
    status = D3DKMTDestroyAllocation2(&destroy);
    check(is_invalid(status), "D3DKMTDestroyAllocation2 of an unknown allocation: %#lx", (unsigned long)status);
    destroy.phAllocationList = &allocation;
    status = D3DKMTDestroyAllocation2(&destroy);
    check(status == STATUS_SUCCESS, "D3DKMTDestroyAllocation2: %#lx", (unsigned long)status);
    status = D3DKMTDestroyAllocation2(&destroy);
    check(is_invalid(status), "D3DKMTDestroyAllocation2 twice: %#lx", (unsigned long)status);
    offer.HandleList = &allocation;
    status = D3DKMTOfferAllocations(&offer);
    check(is_invalid(status), "D3DKMTOfferAllocations of a destroyed allocation: %#lx", (unsigned long)status);

destroy_queue:
    memset(&destroy_queue, 0, sizeof(destroy_queue));
    destroy_queue.hPagingQueue = queue;
    status = pD3DKMTDestroyPagingQueue(&destroy_queue);
    check(status == STATUS_SUCCESS, "D3DKMTDestroyPagingQueue: %#lx", (unsigned long)status);
destroy_device:
    destroy_device.hDevice = device;
    status = pD3DKMTDestroyDevice(&destroy_device);
    check(status == STATUS_SUCCESS, "D3DKMTDestroyDevice: %#lx", (unsigned long)status);
close_adapters:
    for (i = 0; i < enum_adapters.NumAdapters && i < ARRAYSIZE(adapters); i++)
    {
        close_adapter.hAdapter = adapters[i].hAdapter;
        status = pD3DKMTCloseAdapter(&close_adapter);
        check(status == STATUS_SUCCESS, "D3DKMTCloseAdapter(adapter %u): %#lx", i, (unsigned long)status);
    }
}

int main(int argc, char **argv)
{
    test_gdi();
    test_first_d3dkmt_call();
    test_route_identity();
    test_offer_reclaim();
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
