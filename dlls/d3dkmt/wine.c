/*
 * wine.c: d3dkmt.dll and Wine's own D3DKMT functions in one process: one handle space.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Wine implements part of D3DKMT itself (gdi32 / win32u): adapters, devices, and in newer releases
 * shared resources, keyed mutexes and Wine-private escapes.  docs/decisions/wine-handles.md is the
 * design; in short:
 * - Wine's functions are reached through the gdi32.dll of the running Wine (never d3dkmt.dll's
 *   own exports, which the gdi32 route puts under gdi32's names), i.e. mostly win32u's
 *   NtGdiDdDDI* system calls.  What Wine's gdi32 does not export, Wine does not implement.
 * - Where Wine makes adapters and devices, d3dkmt.dll makes both halves of each: Wine's first, then
 *   the library's, which takes Wine's value as its name (d3dkmt_host_share_handle).  The
 *   application sees Wine's value; both sides accept it.
 * - An adapter or device handle Wine made without d3dkmt.dll seeing it is adopted when d3dkmt.dll
 *   first sees it, once Wine confirms it and its adapter is known (one GPU).
 * - The library's adapters take the LUIDs Wine gives the GPUs (DEVPROPKEY_GPU_LUID), matched by
 *   Vulkan device UUID (WINE_DEVPROPKEY_GPU_VULKAN_UUID), read here with SetupAPI.
 * setupapi.dll, user32.dll and gdi32.dll are loaded when first needed, not imported: d3dkmt.dll
 * stays loadable from DllMain-time imports and the gdi32 route (whose gdi32.dll forwards to it).
 */
#include <stdarg.h>
#include <string.h>

#include "ntstatus.h"
#define WIN32_NO_STATUS
#include "windef.h"
#include "winbase.h"
#include "winternl.h"
#include "wingdi.h"
#include "winnls.h"
#include "winreg.h"
#include "winuser.h"
#include "setupapi.h"
#include "wine/debug.h"

#include "d3dkmt.h"
#include "d3dkmt_pe.h"

WINE_DEFAULT_DEBUG_CHANNEL(d3dkmt);

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

extern HMODULE d3dkmt_module;

struct wine_d3dkmt wine;

/* GPU device properties (Wine's display device code sets both for each GPU). */
static const DEVPROPKEY gpu_luid_key =
    { { 0x60b193cb, 0x5276, 0x4d0f, { 0x96, 0xfc, 0xf1, 0x73, 0xab, 0xad, 0x3e, 0xc6 } }, 2 };
static const DEVPROPKEY gpu_vulkan_uuid_key =
    { { 0x233a9ef3, 0xafc4, 0x4abd, { 0xb5, 0x64, 0xc3, 0x2f, 0x21, 0xf1, 0x53, 0x5c } }, 2 };
static const GUID devclass_display =
    { 0x4d36e968, 0xe325, 0x11ce, { 0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18 } };
static const GUID display_device_arrival =
    { 0x1ca05180, 0xa699, 0x450a, { 0x9a, 0x0c, 0xde, 0x4f, 0xbe, 0x3d, 0xdd, 0x89 } };

/* Functions of setupapi, user32 and gdi32, loaded by wine_init. */
static HDEVINFO (WINAPI *pSetupDiGetClassDevsW)(const GUID *, const WCHAR *, HWND, DWORD);
static BOOL (WINAPI *pSetupDiEnumDeviceInfo)(HDEVINFO, DWORD, SP_DEVINFO_DATA *);
static BOOL (WINAPI *pSetupDiGetDevicePropertyW)(HDEVINFO, SP_DEVINFO_DATA *, const DEVPROPKEY *, DEVPROPTYPE *,
                                                 BYTE *, DWORD, DWORD *, DWORD);
static BOOL (WINAPI *pSetupDiEnumDeviceInterfaces)(HDEVINFO, SP_DEVINFO_DATA *, const GUID *, DWORD,
                                                   SP_DEVICE_INTERFACE_DATA *);
static BOOL (WINAPI *pSetupDiGetDeviceInterfaceDetailW)(HDEVINFO, SP_DEVICE_INTERFACE_DATA *,
                                                        SP_DEVICE_INTERFACE_DETAIL_DATA_W *, DWORD, DWORD *,
                                                        SP_DEVINFO_DATA *);
static BOOL (WINAPI *pSetupDiDestroyDeviceInfoList)(HDEVINFO);
static BOOL (WINAPI *pEnumDisplayMonitors)(HDC, const RECT *, MONITORENUMPROC, LPARAM);
static BOOL (WINAPI *pGetMonitorInfoW)(HMONITOR, MONITORINFO *);
static DWORD (WINAPI *pGetObjectType)(HGDIOBJ);

/* Wine's GPUs: their LUIDs and Vulkan device UUIDs (an all-zero UUID: Wine knows no Vulkan device
 * for the GPU, as on Wine 8 without a display driver). */
static struct { LUID luid; BYTE uuid[16]; BOOL has_uuid; } gpus[16];
static UINT gpu_count;
/* The library's adapters, with the LUIDs wine_init gave them. */
static struct d3dkmt_unix_adapter lib_adapters[16];
static UINT lib_adapter_count;

/* Serialises the adoption of Wine-made handles (rare: the first use of each). */
static SRWLOCK adopt_lock = SRWLOCK_INIT;
/* The highest device value Wine is known to have made, where Wine counts devices 1, 2, 3
 * (Wine 8, 10.0); adopt_lock. */
static D3DKMT_HANDLE wine_last_device;

static BOOL luid_equal(LUID a, LUID b)
{
    return a.LowPart == b.LowPart && a.HighPart == b.HighPart;
}

/* Whether p is code of d3dkmt.dll itself. */
static BOOL is_own_code(const void *p)
{
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)d3dkmt_module;
    const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)((const char *)dos + dos->e_lfanew);
    const char *base = (const char *)d3dkmt_module;

    return (const char *)p >= base && (const char *)p < base + nt->OptionalHeader.SizeOfImage;
}

/* Wine's gdi32.dll: under the gdi32 route, gdi32.dll is a forwarder (to d3dkmt.dll for the names
 * d3dkmt.dll exports) and Wine's own is loaded as gdi32wine.dll (docs/gdi32-route.md). */
static HMODULE wine_gdi32(void)
{
    HMODULE gdi32, copy;
    void *probe;

    if ((copy = GetModuleHandleW(L"gdi32wine.dll"))) return copy;
    if (!(gdi32 = LoadLibraryW(L"gdi32.dll"))) return NULL;
    if ((copy = GetModuleHandleW(L"gdi32wine.dll"))) return copy;
    /* A forwarder whose target was not loaded yet: its D3DKMT names resolve to d3dkmt.dll. */
    if ((probe = (void *)GetProcAddress(gdi32, "D3DKMTCloseAdapter")) && is_own_code(probe)
            && (copy = LoadLibraryW(L"gdi32wine.dll")))
        return copy;
    return gdi32;
}

static void find_wine_functions(void)
{
    HMODULE gdi32 = wine_gdi32();
    void *p;

    if (!gdi32) return;
#define X(name) \
    if ((p = (void *)GetProcAddress(gdi32, "D3DKMT" #name)) && !is_own_code(p)) wine.name = (d3dkmt_func)p;
    WINE_D3DKMT_FUNCS(X)
#undef X
    WINE_TRACE("Wine's OpenAdapterFromLuid %p CreateDevice %p Escape %p CreateAllocation2 %p\n",
          wine.OpenAdapterFromLuid, wine.CreateDevice, wine.Escape, wine.CreateAllocation2);
}

static void load_helpers(void)
{
    HMODULE module;

    if ((module = LoadLibraryW(L"setupapi.dll")))
    {
        pSetupDiGetClassDevsW = (void *)GetProcAddress(module, "SetupDiGetClassDevsW");
        pSetupDiEnumDeviceInfo = (void *)GetProcAddress(module, "SetupDiEnumDeviceInfo");
        pSetupDiGetDevicePropertyW = (void *)GetProcAddress(module, "SetupDiGetDevicePropertyW");
        pSetupDiEnumDeviceInterfaces = (void *)GetProcAddress(module, "SetupDiEnumDeviceInterfaces");
        pSetupDiGetDeviceInterfaceDetailW = (void *)GetProcAddress(module, "SetupDiGetDeviceInterfaceDetailW");
        pSetupDiDestroyDeviceInfoList = (void *)GetProcAddress(module, "SetupDiDestroyDeviceInfoList");
    }
    if ((module = LoadLibraryW(L"user32.dll")))
    {
        pEnumDisplayMonitors = (void *)GetProcAddress(module, "EnumDisplayMonitors");
        pGetMonitorInfoW = (void *)GetProcAddress(module, "GetMonitorInfoW");
    }
    if ((module = LoadLibraryW(L"gdi32.dll"))) pGetObjectType = (void *)GetProcAddress(module, "GetObjectType");
}

static BOOL have_setupapi(void)
{
    return pSetupDiGetClassDevsW && pSetupDiEnumDeviceInfo && pSetupDiGetDevicePropertyW
        && pSetupDiEnumDeviceInterfaces && pSetupDiGetDeviceInterfaceDetailW && pSetupDiDestroyDeviceInfoList;
}

/* Wine's GPUs, from the display class's device properties. */
static void read_gpus(void)
{
    SP_DEVINFO_DATA device = { sizeof(device) };
    HDEVINFO set;
    DWORD i;

    if (!have_setupapi()) return;
    if ((set = pSetupDiGetClassDevsW(&devclass_display, NULL, NULL, 0)) == INVALID_HANDLE_VALUE) return;
    for (i = 0; gpu_count < ARRAY_SIZE(gpus) && pSetupDiEnumDeviceInfo(set, i, &device); i++)
    {
        static const BYTE zero[16];
        DEVPROPTYPE type;
        LUID luid;

        if (!pSetupDiGetDevicePropertyW(set, &device, &gpu_luid_key, &type, (BYTE *)&luid, sizeof(luid), NULL, 0))
            continue;
        gpus[gpu_count].luid = luid;
        if (pSetupDiGetDevicePropertyW(set, &device, &gpu_vulkan_uuid_key, &type, gpus[gpu_count].uuid,
                                       sizeof(gpus[gpu_count].uuid), NULL, 0))
            gpus[gpu_count].has_uuid = memcmp(gpus[gpu_count].uuid, zero, sizeof(zero)) != 0;
        WINE_TRACE("Wine GPU %lu: luid %08lx:%08lx, Vulkan UUID %s\n", i, (long)luid.HighPart, (long)luid.LowPart,
              gpus[gpu_count].has_uuid ? "known" : "unknown");
        gpu_count++;
    }
    pSetupDiDestroyDeviceInfoList(set);
}

static NTSTATUS set_library_luid(const BYTE *uuid, LUID luid)
{
    struct set_adapter_luid_params params = { uuid, luid };
    NTSTATUS status = UNIX_CALL(set_adapter_luid, &params);

    if (status) WINE_WARN("cannot give the adapter LUID %08lx:%08lx: %#lx\n", (long)luid.HighPart, (long)luid.LowPart, (long)status);
    return status;
}

/* Gives each library adapter the LUID of Wine's GPU with the same Vulkan device UUID; when one
 * adapter and one GPU are left unmatched and Wine knows no Vulkan device for that GPU, they are
 * the same device (Wine 8 without a display driver lists one GPU without UUID). */
static void map_luids(void)
{
    struct enum_adapters_params params;
    BOOL matched[ARRAY_SIZE(gpus)] = { 0 };
    UINT i, j, count = ARRAY_SIZE(lib_adapters), left = 0, left_gpu = 0, left_adapter = 0, no_uuid = 0;

    params.adapters = lib_adapters;
    params.count = &count;
    if (UNIX_CALL(enum_adapters, &params)) return;
    for (i = 0; i < count; i++)
    {
        for (j = 0; j < gpu_count; j++)
        {
            if (matched[j] || !gpus[j].has_uuid || memcmp(gpus[j].uuid, lib_adapters[i].device_uuid, 16)) continue;
            if (!set_library_luid(lib_adapters[i].device_uuid, gpus[j].luid)) matched[j] = TRUE;
            break;
        }
        if (j == gpu_count) { left++; left_adapter = i; }
    }
    for (j = 0; j < gpu_count; j++)
        if (!matched[j] && !gpus[j].has_uuid) { no_uuid++; left_gpu = j; }
    if (left == 1 && no_uuid == 1 && gpu_count == count)
        set_library_luid(lib_adapters[left_adapter].device_uuid, gpus[left_gpu].luid);
    /* The adapters as they are now. */
    lib_adapter_count = ARRAY_SIZE(lib_adapters);
    if (UNIX_CALL(enum_adapters, &params)) lib_adapter_count = 0;
    else lib_adapter_count = count;
}

static BOOL WINAPI init_once(INIT_ONCE *once, void *param, void **context)
{
    find_wine_functions();
    load_helpers();
    read_gpus();
    map_luids();
    return TRUE;
}

void wine_init(void)
{
    static INIT_ONCE once = INIT_ONCE_STATIC_INIT;

    InitOnceExecuteOnce(&once, init_once, NULL, NULL);
}

BOOL wine_has_gpu(LUID luid)
{
    UINT i;

    for (i = 0; i < gpu_count; i++) if (luid_equal(gpus[i].luid, luid)) return TRUE;
    return FALSE;
}

BOOL library_has(D3DKMT_HANDLE h, UINT kind)
{
    UINT result = 0;
    struct has_handle_params params = { h, kind, &result };

    return h && !UNIX_CALL(has_handle, &params) && result;
}

NTSTATUS wine_share(D3DKMT_HANDLE own, D3DKMT_HANDLE foreign)
{
    struct share_handle_params params = { own, foreign };
    NTSTATUS status = UNIX_CALL(share_handle, &params);

    if (status) WINE_WARN("cannot name %#x %#x too: %#lx\n", own, foreign, (long)status);
    return status;
}

/* Records a device value Wine made (for the adoption of devices, Wine's counters only). */
static void note_wine_device(D3DKMT_HANDLE h)
{
    if (h < 0x40000000u && h > wine_last_device) wine_last_device = h;
}

/* The LUID of the adapter every Wine-made handle must belong to: when the library has one adapter
 * and Wine lists at most one GPU.  With more, a handle does not tell its adapter (no Wine function
 * reports it), and d3dkmt.dll must see the call that opens the adapter. */
static BOOL only_adapter(LUID *luid)
{
    if (lib_adapter_count != 1 || gpu_count > 1) return FALSE;
    *luid = lib_adapters[0].luid;
    return TRUE;
}

static void library_close_adapter(D3DKMT_HANDLE h)
{
    D3DKMT_CLOSEADAPTER close = { h };
    struct CloseAdapter_params params = { &close };

    UNIX_CALL(CloseAdapter, &params);
}

static NTSTATUS library_open_adapter(LUID luid, D3DKMT_HANDLE *out)
{
    D3DKMT_OPENADAPTERFROMLUID open = { luid };
    struct OpenAdapterFromLuid_params params = { &open };
    NTSTATUS status;

    if (!(status = UNIX_CALL(OpenAdapterFromLuid, &params))) *out = open.hAdapter;
    return status;
}

NTSTATUS wine_adopt_adapter(D3DKMT_HANDLE h)
{
    D3DKMT_CREATEDEVICE create = { 0 };
    D3DKMT_HANDLE own;
    NTSTATUS status = STATUS_INVALID_PARAMETER;
    LUID luid;

    wine_init();
    if (!FOREIGN_HANDLE(h) || !wine.CreateDevice || !wine.DestroyDevice) return STATUS_INVALID_PARAMETER;
    AcquireSRWLockExclusive(&adopt_lock);
    if (library_has(h, D3DKMT_UNIX_ADAPTER)) status = STATUS_SUCCESS;
    else
    {
        /* Wine accepts a device on h only if h is an adapter it opened (and has not closed). */
        create.hAdapter = h;
        if (!wine.CreateDevice(&create))
        {
            D3DKMT_DESTROYDEVICE destroy = { create.hDevice };

            note_wine_device(create.hDevice);
            wine.DestroyDevice(&destroy);
            if (!only_adapter(&luid)) status = STATUS_NOT_SUPPORTED;
            else if (!(status = library_open_adapter(luid, &own)) && (status = wine_share(own, h)))
                library_close_adapter(own);
            WINE_TRACE("Wine's adapter %#x: %#lx\n", h, (long)status);
        }
    }
    ReleaseSRWLockExclusive(&adopt_lock);
    return status;
}

/* Learns Wine's device counter: Wine hands out the next value to a device made now (adopt_lock). */
static void probe_wine_device_counter(LUID luid)
{
    D3DKMT_OPENADAPTERFROMLUID open = { luid };
    D3DKMT_CREATEDEVICE create = { 0 };

    if (!wine.OpenAdapterFromLuid || !wine.CloseAdapter || wine.OpenAdapterFromLuid(&open)) return;
    create.hAdapter = open.hAdapter;
    if (!wine.CreateDevice(&create))
    {
        D3DKMT_DESTROYDEVICE destroy = { create.hDevice };

        wine.DestroyDevice(&destroy);
        /* The probe's own device is gone: the ones before it may be alive. */
        if (create.hDevice < 0x40000000u && create.hDevice - 1 > wine_last_device) wine_last_device = create.hDevice - 1;
    }
    {
        D3DKMT_CLOSEADAPTER close = { open.hAdapter };
        wine.CloseAdapter(&close);
    }
}

/* Device values of Wine's counter (never reused) that d3dkmt.dll saw destroyed; adopt_lock. */
static D3DKMT_HANDLE *dead_devices;
static UINT dead_count, dead_capacity;

void wine_device_destroyed(D3DKMT_HANDLE h)
{
    if (!FOREIGN_HANDLE(h) || h >= 0x40000000u) return;
    AcquireSRWLockExclusive(&adopt_lock);
    if (dead_count == dead_capacity)
    {
        UINT capacity = dead_capacity ? dead_capacity * 2 : 16;
        D3DKMT_HANDLE *list = dead_devices ? HeapReAlloc(GetProcessHeap(), 0, dead_devices, capacity * sizeof(*list))
                                           : HeapAlloc(GetProcessHeap(), 0, capacity * sizeof(*list));
        if (list)
        {
            dead_devices = list;
            dead_capacity = capacity;
        }
    }
    if (dead_count < dead_capacity) dead_devices[dead_count++] = h;
    ReleaseSRWLockExclusive(&adopt_lock);
}

static BOOL device_dead(D3DKMT_HANDLE h)
{
    UINT i;

    for (i = 0; i < dead_count; i++) if (dead_devices[i] == h) return TRUE;
    return FALSE;
}

/* Whether h is a device Wine made and has not destroyed, as far as Wine can tell (adopt_lock). */
static BOOL wine_device_valid(D3DKMT_HANDLE h, LUID luid)
{
    if (h < 0x40000000u)
    {
        /* Wine 8 and 10.0: devices are numbered 1, 2, 3 and have no function that would tell a
         * live one from a destroyed one without destroying it: a value Wine made, and that
         * d3dkmt.dll did not see destroyed, is taken. */
        if (device_dead(h)) return FALSE;
        if (h > wine_last_device) probe_wine_device_counter(luid);
        return h <= wine_last_device;
    }
    if (wine.CreateSynchronizationObject2 && wine.DestroySynchronizationObject)
    {
        /* Wine's handle table: a sync object on h can be made only if h is a live device. */
        D3DKMT_CREATESYNCHRONIZATIONOBJECT2 create = { 0 };

        create.hDevice = h;
        create.Info.Type = D3DDDI_SYNCHRONIZATION_MUTEX;
        if (!wine.CreateSynchronizationObject2(&create))
        {
            D3DKMT_DESTROYSYNCHRONIZATIONOBJECT destroy = { create.hSyncObject };

            wine.DestroySynchronizationObject(&destroy);
            return TRUE;
        }
    }
    return FALSE;
}

NTSTATUS wine_adopt_device(D3DKMT_HANDLE h)
{
    D3DKMT_HANDLE adapter;
    NTSTATUS status = STATUS_INVALID_PARAMETER;
    LUID luid;

    wine_init();
    if (!FOREIGN_HANDLE(h) || !wine.CreateDevice) return STATUS_INVALID_PARAMETER;
    AcquireSRWLockExclusive(&adopt_lock);
    if (library_has(h, D3DKMT_UNIX_DEVICE)) status = STATUS_SUCCESS;
    else if (!wine_device_valid(h, gpu_count ? gpus[0].luid : lib_adapters[0].luid)) status = STATUS_INVALID_PARAMETER;
    else if (!only_adapter(&luid)) status = STATUS_NOT_SUPPORTED;
    else if (!(status = library_open_adapter(luid, &adapter)))
    {
        D3DKMT_CREATEDEVICE create = { 0 };
        struct CreateDevice_params params = { &create };

        create.hAdapter = adapter;
        if (!(status = UNIX_CALL(CreateDevice, &params)) && (status = wine_share(create.hDevice, h)))
        {
            D3DKMT_DESTROYDEVICE destroy = { create.hDevice };
            struct DestroyDevice_params destroy_params = { &destroy };

            UNIX_CALL(DestroyDevice, &destroy_params);
        }
        library_close_adapter(adapter);
        WINE_TRACE("Wine's device %#x: %#lx\n", h, (long)status);
    }
    ReleaseSRWLockExclusive(&adopt_lock);
    return status;
}

/* A device Wine made through d3dkmt.dll (CreateDevice): remember its value. */
void wine_note_device(D3DKMT_HANDLE h)
{
    AcquireSRWLockExclusive(&adopt_lock);
    note_wine_device(h);
    ReleaseSRWLockExclusive(&adopt_lock);
}

NTSTATUS open_adapter_from_luid(LUID luid, D3DKMT_HANDLE *out)
{
    D3DKMT_OPENADAPTERFROMLUID open = { luid };
    D3DKMT_HANDLE own;
    NTSTATUS status;

    wine_init();
    if ((status = library_open_adapter(luid, &own)))
    {
        /* A GPU Wine lists but the library cannot serve (no Vulkan 1.3): Wine's adapter alone. */
        if (status == STATUS_INVALID_PARAMETER && wine.OpenAdapterFromLuid && wine_has_gpu(luid)
                && !(status = wine.OpenAdapterFromLuid(&open)))
            *out = open.hAdapter;
        return status;
    }
    if (!wine.OpenAdapterFromLuid || wine.OpenAdapterFromLuid(&open))
    {
        *out = own;   /* Wine makes no adapters: the library's handle alone */
        return STATUS_SUCCESS;
    }
    if ((status = wine_share(own, open.hAdapter)))
    {
        D3DKMT_CLOSEADAPTER close = { open.hAdapter };

        wine.CloseAdapter(&close);
        library_close_adapter(own);
        return status;
    }
    *out = open.hAdapter;
    return STATUS_SUCCESS;
}

NTSTATUS close_adapter(D3DKMT_HANDLE h)
{
    D3DKMT_CLOSEADAPTER close = { h };
    struct CloseAdapter_params params = { &close };
    NTSTATUS status, wine_status = STATUS_INVALID_PARAMETER;

    wine_init();
    status = UNIX_CALL(CloseAdapter, &params);
    if (FOREIGN_HANDLE(h) && wine.CloseAdapter) wine_status = wine.CloseAdapter(&close);
    return !status || !wine_status ? STATUS_SUCCESS : status;
}

NTSTATUS open_adapter_from_display(D3DKMT_OPENADAPTERFROMGDIDISPLAYNAME *desc)
{
    D3DKMT_HANDLE own;
    NTSTATUS status;

    wine_init();
    if (!wine.OpenAdapterFromGdiDisplayName) return STATUS_NOT_SUPPORTED;
    if ((status = wine.OpenAdapterFromGdiDisplayName(desc))) return status;
    /* The library's half, under Wine's handle, when the library has that adapter. */
    if (!library_open_adapter(desc->AdapterLuid, &own) && wine_share(own, desc->hAdapter))
        library_close_adapter(own);
    return STATUS_SUCCESS;
}

struct monitor_list
{
    WCHAR names[16][CCHDEVICENAME];
    UINT count;
};

static BOOL CALLBACK add_monitor(HMONITOR monitor, HDC hdc, RECT *rect, LPARAM param)
{
    struct monitor_list *list = (struct monitor_list *)param;
    MONITORINFOEXW info;

    info.cbSize = sizeof(info);
    if (list->count < ARRAY_SIZE(list->names) && pGetMonitorInfoW(monitor, (MONITORINFO *)&info))
        memcpy(list->names[list->count++], info.szDevice, sizeof(info.szDevice));
    return TRUE;
}

NTSTATUS open_adapter_from_hdc(D3DKMT_OPENADAPTERFROMHDC *desc)
{
    D3DKMT_OPENADAPTERFROMGDIDISPLAYNAME open[ARRAY_SIZE(((struct monitor_list *)0)->names)];
    struct monitor_list list;
    NTSTATUS status = STATUS_SUCCESS;
    UINT i, opened = 0;

    wine_init();
    /* A display DC only: memory, printer and metafile DCs show no display. */
    if (!desc->hDc || !pGetObjectType || !pEnumDisplayMonitors || !pGetMonitorInfoW
            || pGetObjectType(desc->hDc) != OBJ_DC)
        return STATUS_INVALID_PARAMETER;
    list.count = 0;
    if (!pEnumDisplayMonitors(desc->hDc, NULL, add_monitor, (LPARAM)&list) || !list.count)
        return STATUS_INVALID_PARAMETER;
    for (i = 0; i < list.count; i++)
    {
        memset(&open[i], 0, sizeof(open[i]));
        memcpy(open[i].DeviceName, list.names[i], sizeof(open[i].DeviceName));
        if ((status = open_adapter_from_display(&open[i]))) break;
        opened++;
        /* A DC that spans the displays of several adapters names no one adapter. */
        if (i && !luid_equal(open[i].AdapterLuid, open[0].AdapterLuid))
        {
            status = STATUS_INVALID_PARAMETER;
            break;
        }
    }
    for (i = status ? 0 : 1; i < opened; i++) close_adapter(open[i].hAdapter);
    if (status) return status == STATUS_UNSUCCESSFUL ? STATUS_INVALID_PARAMETER : status;
    desc->hAdapter = open[0].hAdapter;
    desc->AdapterLuid = open[0].AdapterLuid;
    desc->VidPnSourceId = open[0].VidPnSourceId;
    return STATUS_SUCCESS;
}

NTSTATUS open_adapter_from_device_name(D3DKMT_OPENADAPTERFROMDEVICENAME *desc)
{
    BYTE buffer[sizeof(SP_DEVICE_INTERFACE_DETAIL_DATA_W) + 1024 * sizeof(WCHAR)];
    SP_DEVICE_INTERFACE_DETAIL_DATA_W *detail = (SP_DEVICE_INTERFACE_DETAIL_DATA_W *)buffer;
    SP_DEVICE_INTERFACE_DATA iface = { sizeof(iface) };
    SP_DEVINFO_DATA device = { sizeof(device) };
    BOOL found = FALSE;
    DEVPROPTYPE type;
    HDEVINFO set;
    LUID luid;
    DWORD i;
    NTSTATUS status;

    wine_init();
    if (!desc->pDeviceName || !desc->pDeviceName[0] || !have_setupapi()) return STATUS_INVALID_PARAMETER;
    set = pSetupDiGetClassDevsW(&display_device_arrival, NULL, NULL, DIGCF_DEVICEINTERFACE | DIGCF_PRESENT);
    if (set == INVALID_HANDLE_VALUE) return STATUS_INVALID_PARAMETER;
    for (i = 0; !found && pSetupDiEnumDeviceInterfaces(set, NULL, &display_device_arrival, i, &iface); i++)
    {
        detail->cbSize = sizeof(*detail);
        if (!pSetupDiGetDeviceInterfaceDetailW(set, &iface, detail, sizeof(buffer), NULL, &device)) continue;
        if (CompareStringOrdinal(detail->DevicePath, -1, desc->pDeviceName, -1, TRUE) != CSTR_EQUAL) continue;
        found = pSetupDiGetDevicePropertyW(set, &device, &gpu_luid_key, &type, (BYTE *)&luid, sizeof(luid), NULL, 0);
        if (!found) break;   /* the interface of a device that is no GPU */
    }
    pSetupDiDestroyDeviceInfoList(set);
    if (!found) return STATUS_INVALID_PARAMETER;
    if ((status = open_adapter_from_luid(luid, &desc->hAdapter))) return status;
    desc->AdapterLuid = luid;
    return STATUS_SUCCESS;
}
