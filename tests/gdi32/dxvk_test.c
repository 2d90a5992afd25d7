/*
 * dxvk_test.c: the D3DKMT calls DXVK and vkd3d-proton make for interop (open the adapter from the
 * device's LUID, create a D3DKMT device, Wine-private escapes, keyed mutexes), made through
 * gdi32.dll in an application with the gdi32 route: they must still work, with the handles
 * d3dkmt.dll hands out, as they do without the route (docs/decisions/wine-handles.md,
 * docs/gdi32-route.md).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Every function is looked up on gdi32.dll, as DXVK does.  The reference for "works as without the
 * route" is Wine's own system call (win32u.dll's NtGdiDdDDI*) on objects Wine made alone: each
 * routed call must give the status Wine gives there.  Prints "ok:" / "FAIL:" / "skip:" lines and
 * "N passed, N failed"; exits 1 when anything failed.
 */
#include <windows.h>
#include <setupapi.h>
#include <stdio.h>

#include "d3dkmt.h"

typedef NTSTATUS (WINAPI *func)(void *desc);

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

static HMODULE gdi32, win32u, d3dkmt;

static func gdi(const char *name)
{
    char full[64];
    snprintf(full, sizeof(full), "D3DKMT%s", name);
    return (func)(void *)GetProcAddress(gdi32, full);
}

static func sys(const char *name)
{
    char full[64];
    snprintf(full, sizeof(full), "NtGdiDdDDI%s", name);
    return (func)(void *)GetProcAddress(win32u, full);
}

static BOOL in_d3dkmt(func f)
{
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)d3dkmt;
    const IMAGE_NT_HEADERS *nt;

    if (!d3dkmt || !f) return FALSE;
    nt = (const IMAGE_NT_HEADERS *)((const char *)dos + dos->e_lfanew);
    return (const char *)f >= (const char *)d3dkmt && (const char *)f < (const char *)d3dkmt + nt->OptionalHeader.SizeOfImage;
}

/* The LUID Wine gives the GPU (what DXVK gets as VkPhysicalDeviceIDProperties::deviceLUID). */
static LUID gpu_luid(void)
{
    static const DEVPROPKEY key = { { 0x60b193cb, 0x5276, 0x4d0f, { 0x96, 0xfc, 0xf1, 0x73, 0xab, 0xad, 0x3e, 0xc6 } }, 2 };
    static const GUID display = { 0x4d36e968, 0xe325, 0x11ce, { 0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18 } };
    /* SetupAPI loaded at run time: the program imports what a game imports (gdi32, user32). */
    HMODULE setupapi = LoadLibraryA("setupapi.dll");
    HDEVINFO (WINAPI *get_class_devs)(const GUID *, const WCHAR *, HWND, DWORD)
        = (void *)GetProcAddress(setupapi, "SetupDiGetClassDevsW");
    BOOL (WINAPI *enum_device)(HDEVINFO, DWORD, SP_DEVINFO_DATA *) = (void *)GetProcAddress(setupapi, "SetupDiEnumDeviceInfo");
    BOOL (WINAPI *get_property)(HDEVINFO, SP_DEVINFO_DATA *, const DEVPROPKEY *, DEVPROPTYPE *, BYTE *, DWORD, DWORD *, DWORD)
        = (void *)GetProcAddress(setupapi, "SetupDiGetDevicePropertyW");
    BOOL (WINAPI *destroy_list)(HDEVINFO) = (void *)GetProcAddress(setupapi, "SetupDiDestroyDeviceInfoList");
    SP_DEVINFO_DATA device = { sizeof(device) };
    HDEVINFO set = get_class_devs(&display, NULL, NULL, 0);
    LUID luid = { 0 };
    DEVPROPTYPE type;
    DWORD i;

    for (i = 0; enum_device(set, i, &device); i++)
        if (get_property(set, &device, &key, &type, (BYTE *)&luid, sizeof(luid), NULL, 0)) break;
    destroy_list(set);
    return luid;
}

/* A Wine-only adapter and device, made with Wine's system calls: the reference objects. */
static void wine_objects(LUID luid, D3DKMT_HANDLE *adapter, D3DKMT_HANDLE *device)
{
    D3DKMT_OPENADAPTERFROMLUID open = { luid };
    D3DKMT_CREATEDEVICE create = { 0 };

    *adapter = *device = 0;
    if (sys("OpenAdapterFromLuid")(&open)) return;
    *adapter = open.hAdapter;
    create.hAdapter = open.hAdapter;
    if (!sys("CreateDevice")(&create)) *device = create.hDevice;
}

/* D3DKMT_CREATEKEYEDMUTEX2 (Windows' layout). */
struct create_keyed_mutex2
{
    D3DKMT_HANDLE hDevice;
    UINT64 InitialValue;
    D3DKMT_HANDLE hSharedHandle;
    D3DKMT_HANDLE hKeyedMutex;
    void *pPrivateRuntimeData;
    UINT PrivateRuntimeDataSize;
    UINT Flags;
};

int main(void)
{
    D3DKMT_OPENADAPTERFROMLUID open = { 0 };
    D3DKMT_CREATEDEVICE create = { 0 };
    D3DKMT_HANDLE ref_adapter, ref_device;
    NTSTATUS status, expect;
    LUID luid;

    /* A game's imports: gdi32 and user32 (Wine's display code calls back into user32). */
    printf("stock object %p, desktop %p\n", GetStockObject(BLACK_BRUSH), GetDesktopWindow());
    gdi32 = LoadLibraryA("gdi32.dll");
    win32u = LoadLibraryA("win32u.dll");
    d3dkmt = LoadLibraryA("d3dkmt.dll");
    luid = gpu_luid();
    printf("GPU LUID %08lx:%08lx; gdi32's OpenAdapterFromLuid is %s\n", (long)luid.HighPart, (long)luid.LowPart,
           in_d3dkmt(gdi("OpenAdapterFromLuid")) ? "d3dkmt.dll's (routed)" : "Wine's");
    check(in_d3dkmt(gdi("OpenAdapterFromLuid")) && in_d3dkmt(gdi("CreateDevice")) && in_d3dkmt(gdi("Escape")),
          "with the route, gdi32's OpenAdapterFromLuid, CreateDevice and Escape are d3dkmt.dll's");
    wine_objects(luid, &ref_adapter, &ref_device);
    check(ref_adapter && ref_device, "Wine's own adapter %#x and device %#x (the reference)", ref_adapter, ref_device);

    /* DXVK: the adapter from the Vulkan device's LUID, then a D3DKMT device. */
    open.AdapterLuid = luid;
    status = gdi("OpenAdapterFromLuid")(&open);
    check(status == STATUS_SUCCESS, "OpenAdapterFromLuid(Wine's GPU LUID): %#lx, adapter %#x", (long)status, open.hAdapter);
    create.hAdapter = open.hAdapter;
    status = gdi("CreateDevice")(&create);
    check(status == STATUS_SUCCESS, "CreateDevice: %#lx, device %#x", (long)status, create.hDevice);

    /* Wine-private escapes reach Wine with a device Wine knows: Wine's answer. */
    {
        D3DKMT_ESCAPE escape = { 0 };
        RECT rect = { 0, 0, 64, 64 };
        UINT data[16] = { 0 };

        escape.hAdapter = ref_adapter;
        escape.hDevice = ref_device;
        escape.Type = (D3DKMT_ESCAPETYPE)0x80000001;   /* D3DKMT_ESCAPE_SET_PRESENT_RECT_WINE */
        escape.pPrivateDriverData = &rect;
        escape.PrivateDriverDataSize = sizeof(rect);
        expect = sys("Escape")(&escape);
        escape.hAdapter = open.hAdapter;
        escape.hDevice = create.hDevice;
        status = gdi("Escape")(&escape);
        check(status == expect, "Wine-private escape SET_PRESENT_RECT: %#lx, Wine's own: %#lx", (long)status, (long)expect);

        memset(&escape, 0, sizeof(escape));
        escape.hDevice = ref_device;
        escape.Type = (D3DKMT_ESCAPETYPE)0x80000000;   /* D3DKMT_ESCAPE_UPDATE_RESOURCE_WINE */
        escape.pPrivateDriverData = data;
        escape.PrivateDriverDataSize = sizeof(data);
        expect = sys("Escape")(&escape);
        escape.hDevice = create.hDevice;
        status = gdi("Escape")(&escape);
        check(status == expect, "Wine-private escape UPDATE_RESOURCE: %#lx, Wine's own: %#lx", (long)status, (long)expect);
    }

    /* Keyed mutexes are Wine's (d3dkmt.dll does not export them): Wine accepts d3dkmt.dll's device. */
    if (gdi("CreateKeyedMutex2"))
    {
        struct create_keyed_mutex2 mutex = { 0 };

        mutex.hDevice = ref_device;
        expect = sys("CreateKeyedMutex2")(&mutex);
        if (!expect && sys("DestroyKeyedMutex")) sys("DestroyKeyedMutex")(&mutex.hKeyedMutex);
        memset(&mutex, 0, sizeof(mutex));
        mutex.hDevice = create.hDevice;
        status = gdi("CreateKeyedMutex2")(&mutex);
        check(status == expect, "CreateKeyedMutex2 on d3dkmt.dll's device: %#lx, on Wine's own: %#lx",
              (long)status, (long)expect);
        if (!status && gdi("DestroyKeyedMutex")) gdi("DestroyKeyedMutex")(&mutex.hKeyedMutex);
    }
    else printf("skip: this Wine's gdi32 has no D3DKMTCreateKeyedMutex2 (Wine 8)\n");

    /* d3dkmt.dll's own part on the same device: an allocation, offered and reclaimed. */
    {
        D3DKMT_VK_ALLOCATIONDATA data = { D3DKMT_VK_ALLOCATIONDATA_VERSION, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 65536 };
        D3DDDI_ALLOCATIONINFO2 info = { 0 };
        D3DKMT_CREATEALLOCATION alloc = { 0 };
        D3DKMT_OFFERALLOCATIONS offer = { 0 };
        D3DKMT_RECLAIMALLOCATIONS2 reclaim = { 0 };
        D3DKMT_CREATEPAGINGQUEUE queue = { 0 };
        D3DDDI_RECLAIM_RESULT result = 5;

        info.pPrivateDriverData = &data;
        info.PrivateDriverDataSize = sizeof(data);
        alloc.hDevice = create.hDevice;
        alloc.NumAllocations = 1;
        alloc.pAllocationInfo2 = &info;
        status = gdi("CreateAllocation2")(&alloc);
        check(status == STATUS_SUCCESS, "CreateAllocation2 on the device: %#lx", (long)status);
        queue.hDevice = create.hDevice;
        queue.Priority = D3DDDI_PAGINGQUEUE_PRIORITY_NORMAL;
        check(!gdi("CreatePagingQueue")(&queue), "CreatePagingQueue");
        offer.hDevice = create.hDevice;
        offer.NumAllocations = 1;
        offer.HandleList = &info.hAllocation;
        offer.Priority = D3DKMT_OFFER_PRIORITY_LOW;
        check(!gdi("OfferAllocations")(&offer), "OfferAllocations");
        reclaim.hPagingQueue = queue.hPagingQueue;
        reclaim.NumAllocations = 1;
        reclaim.HandleList = &info.hAllocation;
        reclaim.pResults = &result;
        status = gdi("ReclaimAllocations2")(&reclaim);
        check(!status && result == D3DDDI_RECLAIM_RESULT_OK, "ReclaimAllocations2: %#lx, result %d", (long)status, result);
    }
    {
        D3DKMT_QUERYVIDEOMEMORYINFO memory = { 0 };
        memory.hAdapter = open.hAdapter;
        status = gdi("QueryVideoMemoryInfo")(&memory);
        check(status == STATUS_SUCCESS && memory.Budget, "QueryVideoMemoryInfo: %#lx, budget %llu", (long)status,
              (unsigned long long)memory.Budget);
    }

    /* Wine knew the device: its own destroy of a second one works; the route's destroy ends both halves. */
    {
        D3DKMT_CREATEDEVICE second = { 0 };
        D3DKMT_DESTROYDEVICE destroy = { 0 };

        second.hAdapter = open.hAdapter;
        check(!gdi("CreateDevice")(&second), "a second CreateDevice");
        destroy.hDevice = second.hDevice;
        check(!sys("DestroyDevice")(&destroy), "Wine's own DestroyDevice accepts d3dkmt.dll's device");
        check(!gdi("DestroyDevice")(&destroy), "the route's DestroyDevice then ends d3dkmt.dll's half");
        destroy.hDevice = create.hDevice;
        check(!gdi("DestroyDevice")(&destroy), "DestroyDevice");
        check(sys("DestroyDevice")(&destroy) == STATUS_INVALID_PARAMETER, "Wine no longer knows it either");
    }
    {
        D3DKMT_CLOSEADAPTER close = { open.hAdapter };
        D3DKMT_DESTROYDEVICE destroy = { ref_device };

        check(!gdi("CloseAdapter")(&close), "CloseAdapter");
        check(sys("CloseAdapter")(&close) == STATUS_INVALID_PARAMETER, "Wine no longer knows the adapter either");
        sys("DestroyDevice")(&destroy);
        close.hAdapter = ref_adapter;
        sys("CloseAdapter")(&close);
    }
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
