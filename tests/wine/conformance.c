/*
 * conformance.c: Wine's D3DKMT conformance suite, run against d3dkmt.dll under wine64.
 *
 * Ported from Wine's dlls/win32u/tests/d3dkmt.c, "Unit test suite for kernel mode graphics
 * driver", at wine-mirror/wine commit 02d0cc83d4bd52b50557b7d7a6c75f806d345f82:
 *   Copyright 2019 Zhiyi Zhang, and the other Wine authors of that file.
 * Port to d3dkmt.dll:
 *   Copyright 2026 the d3dkmt authors.
 *
 * This library is free software; you can redistribute it and/or modify it under the terms of the
 * GNU Lesser General Public License as published by the Free Software Foundation; either version
 * 2.1 of the License, or (at your option) any later version.  See COPYING.LIB.
 *
 * Wine's suite is written against real Windows: each check states what Windows 10 and 11 do.  This
 * port keeps every check of the parts that concern d3dkmt.dll, with Wine's inputs, Wine's order of
 * calls and Wine's expected results; the test functions keep Wine's names, and the comment over
 * each group is Wine's.  What changes:
 * - Wine's ok()/ok_nt()/ok_x4()/... become the check_*() macros below, on tests/wine/wine_test.h;
 *   todo_wine marks (what Wine itself still gets wrong) are dropped: every check expects Windows.
 *   broken() (a result accepted from some Windows versions) is false here, as it is for Wine.
 * - Every D3DKMT function is resolved from d3dkmt.dll with GetProcAddress.  A part of a test that
 *   needs a function d3dkmt.dll does not export is skipped, its checks counted as skipped (the
 *   number of check sites in the part, a helper that makes several checks counting each), with
 *   the reason printed (PART_BEGIN / PART_END).
 * - Wine opens "\\.\DISPLAY1" (or the primary display) with D3DKMTOpenAdapterFromGdiDisplayName.
 *   open_adapter() opens the first adapter of D3DKMTEnumAdapters2 by its LUID with
 *   D3DKMTOpenAdapterFromLuid instead (d3dkmt.dll's display-name, HDC and device-name openers go
 *   through Wine's own and are tested by tests/wine/wine_adapters.c); the checks on the result
 *   are Wine's.
 * - Test functions that are out of scope as a whole (display and VidPn ownership, GPU device
 *   properties, keyed mutexes, NT-handle and cross-process sharing, resources shared by d3d9) or
 *   tested elsewhere (opening adapters by display name, HDC or device interface) are not ported:
 *   each is listed in main() and reported as skipped with its reason.  Inside ported tests, the
 *   cross-process part is skipped the same way.
 * - Under Wine 8 and 10.0, adapter and device handles are the running Wine's own values (see
 *   check_d3dkmt_local_wine): their format checks are skipped, with the reason printed.
 *
 * Output: tests/wine/wine_test.h's, with a "[  COUNTS  ]" line per test function (checks passed,
 * failed, skipped) and "[  ERROR   ] file:line: message" per failed check; the exit status is
 * non-zero when a check failed.  In `make check`; `make conformance` runs it alone
 * (tests/wine/Makefile.inc).  docs/conformance-gaps.md gives the counts and what is skipped.
 */
#include "wine_test.h"

#ifndef STATUS_UNSUCCESSFUL
# define STATUS_UNSUCCESSFUL ((NTSTATUS)0xC0000001L)
#endif
#ifndef STATUS_ACCESS_DENIED
# define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022L)
#endif

/* ---- The functions, from d3dkmt.dll.  The D3DKMT names below are the resolved pointers. ---- */

#define D3DKMT_FUNCS(X) \
    X(CloseAdapter, const D3DKMT_CLOSEADAPTER) \
    X(CreateAllocation, D3DKMT_CREATEALLOCATION) \
    X(CreateAllocation2, D3DKMT_CREATEALLOCATION) \
    X(CreateDevice, D3DKMT_CREATEDEVICE) \
    X(CreateSynchronizationObject, D3DKMT_CREATESYNCHRONIZATIONOBJECT) \
    X(CreateSynchronizationObject2, D3DKMT_CREATESYNCHRONIZATIONOBJECT2) \
    X(DestroyAllocation, const D3DKMT_DESTROYALLOCATION) \
    X(DestroyAllocation2, const D3DKMT_DESTROYALLOCATION2) \
    X(DestroyDevice, const D3DKMT_DESTROYDEVICE) \
    X(DestroySynchronizationObject, const D3DKMT_DESTROYSYNCHRONIZATIONOBJECT) \
    X(EnumAdapters2, D3DKMT_ENUMADAPTERS2) \
    X(OpenAdapterFromLuid, D3DKMT_OPENADAPTERFROMLUID) \
    X(OpenResource, D3DKMT_OPENRESOURCE) \
    X(OpenResource2, D3DKMT_OPENRESOURCE) \
    X(OpenSynchronizationObject, D3DKMT_OPENSYNCHRONIZATIONOBJECT) \
    X(QueryAdapterInfo, const D3DKMT_QUERYADAPTERINFO) \
    X(QueryResourceInfo, D3DKMT_QUERYRESOURCEINFO) \
    X(QueryVideoMemoryInfo, D3DKMT_QUERYVIDEOMEMORYINFO)

#define DECLARE_FUNC(name, type) static NTSTATUS (WINAPI *pD3DKMT##name)(type *);
D3DKMT_FUNCS(DECLARE_FUNC)
#undef DECLARE_FUNC

#define D3DKMTCloseAdapter pD3DKMTCloseAdapter
#define D3DKMTCreateAllocation pD3DKMTCreateAllocation
#define D3DKMTCreateAllocation2 pD3DKMTCreateAllocation2
#define D3DKMTCreateDevice pD3DKMTCreateDevice
#define D3DKMTCreateSynchronizationObject pD3DKMTCreateSynchronizationObject
#define D3DKMTCreateSynchronizationObject2 pD3DKMTCreateSynchronizationObject2
#define D3DKMTDestroyAllocation pD3DKMTDestroyAllocation
#define D3DKMTDestroyAllocation2 pD3DKMTDestroyAllocation2
#define D3DKMTDestroyDevice pD3DKMTDestroyDevice
#define D3DKMTDestroySynchronizationObject pD3DKMTDestroySynchronizationObject
#define D3DKMTEnumAdapters2 pD3DKMTEnumAdapters2
#define D3DKMTOpenAdapterFromLuid pD3DKMTOpenAdapterFromLuid
#define D3DKMTOpenResource pD3DKMTOpenResource
#define D3DKMTOpenResource2 pD3DKMTOpenResource2
#define D3DKMTOpenSynchronizationObject pD3DKMTOpenSynchronizationObject
#define D3DKMTQueryAdapterInfo pD3DKMTQueryAdapterInfo
#define D3DKMTQueryResourceInfo pD3DKMTQueryResourceInfo
#define D3DKMTQueryVideoMemoryInfo pD3DKMTQueryVideoMemoryInfo

/* Functions every ported test calls outside a PART: d3dkmt.dll must export them. */
static const char *const required_funcs[] =
{
    "D3DKMTCloseAdapter", "D3DKMTCreateAllocation", "D3DKMTCreateAllocation2", "D3DKMTCreateDevice",
    "D3DKMTCreateSynchronizationObject2", "D3DKMTDestroyAllocation", "D3DKMTDestroyAllocation2",
    "D3DKMTDestroyDevice", "D3DKMTDestroySynchronizationObject", "D3DKMTEnumAdapters2",
    "D3DKMTOpenAdapterFromLuid", "D3DKMTQueryAdapterInfo", "D3DKMTQueryVideoMemoryInfo",
};

static HMODULE d3dkmt_module;
static BOOL funcs_ready;     /* d3dkmt.dll loaded and exports every required function */

/* Under Wine 8 and 10.0, d3dkmt.dll names adapters and devices with the values Wine's own functions
 * give them (Wine's counters 1, 2, 3...), so that Wine's functions and d3dkmt.dll's accept the same
 * handles (docs/decisions/wine-handles.md).  Those values are not in Windows' local format, as
 * they are not for Wine itself.  Set in test_exports: the running Wine's gdi32.dll has a
 * D3DKMTCreateDevice of its own (not d3dkmt.dll's, which the gdi32 route forwards to). */
static BOOL wine_names_devices;

/* At the top of each ported test: without the required functions it cannot run at all. */
#define REQUIRE_FUNCS() \
    do { if (!funcs_ready) { skip("d3dkmt.dll is missing or lacks a required export (test_exports)"); return; } } while (0)

static void test_exports(void)
{
    unsigned int i, missing = 0;

    d3dkmt_module = LoadLibraryA("d3dkmt.dll");
    ok(d3dkmt_module != NULL, "LoadLibrary(d3dkmt.dll) failed, error %lu", GetLastError());
    if (!d3dkmt_module) return;
#define RESOLVE_FUNC(name, type) pD3DKMT##name = (void *)GetProcAddress(d3dkmt_module, "D3DKMT" #name);
    D3DKMT_FUNCS(RESOLVE_FUNC)
#undef RESOLVE_FUNC
    for (i = 0; i < ARRAYSIZE(required_funcs); i++)
    {
        BOOL found = GetProcAddress(d3dkmt_module, required_funcs[i]) != NULL;
        ok(found, "d3dkmt.dll does not export %s", required_funcs[i]);
        if (!found) missing++;
    }
    funcs_ready = !missing;
    {
        HMODULE gdi32 = LoadLibraryA("gdi32.dll");
        const char *p = gdi32 ? (const char *)GetProcAddress(gdi32, "D3DKMTCreateDevice") : NULL;
        const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)((const char *)d3dkmt_module
                                     + ((const IMAGE_DOS_HEADER *)d3dkmt_module)->e_lfanew);

        wine_names_devices = p && !(p >= (const char *)d3dkmt_module
                                    && p < (const char *)d3dkmt_module + nt->OptionalHeader.SizeOfImage);
    }
#define REPORT_MISSING(name, type) \
    if (!pD3DKMT##name) printf("[  INFO    ] d3dkmt.dll does not export D3DKMT" #name ": the parts that need it are skipped\n");
    D3DKMT_FUNCS(REPORT_MISSING)
#undef REPORT_MISSING
}

/* ---- Checks.  Each macro takes one __COUNTER__ value per check it makes, so that a skipped part
 * knows how many check sites it holds (PART_END). ---- */

#define SITE (void)__COUNTER__

#define check(cond, ...) do { SITE; ok(cond, __VA_ARGS__); } while (0)

/* Wine's ok_nt(expected, got). */
#define check_nt(expect, got) \
    do { NTSTATUS cf_e = (expect), cf_g = (got); SITE; \
         ok(cf_g == cf_e, "%s: got %#lx, expected %#lx (%s)", #got, (unsigned long)cf_g, \
            (unsigned long)cf_e, #expect); } while (0)

/* Wine's ok_u4 / ok_x4 / ok_u1 / ok_ptr (value op expected). */
#define check_u4(val, op, expect) \
    do { UINT cf_v = (val); SITE; \
         ok(cf_v op (expect), "%s %s %s: got %u", #val, #op, #expect, cf_v); } while (0)
#define check_x4(val, op, expect) \
    do { UINT cf_v = (val); SITE; \
         ok(cf_v op (expect), "%s %s %s: got %#x", #val, #op, #expect, cf_v); } while (0)
#define check_u1(val, op, expect) \
    do { unsigned char cf_v = (val); SITE; \
         ok(cf_v op (expect), "%s %s %s: got %u", #val, #op, #expect, cf_v); } while (0)
#define check_ptr(val, op, expect) \
    do { const void *cf_v = (val); SITE; \
         ok(cf_v op (expect), "%s %s %s: got %p", #val, #op, #expect, cf_v); } while (0)

/* A global D3DKMT handle: bits 30-31 set, low 6 bits 2. (2 checks) */
#define check_d3dkmt_global(handle) do { SITE; SITE; check_global_(__FILE__, __LINE__, handle); } while (0)
static void check_global_(const char *file, int line, UINT_PTR handle)
{
    wt_check((handle & 0xc0000000) != 0, file, line, "global handle %#Ix: bits 30-31 clear", handle);
    wt_check((handle & 0x3f) == 2, file, line, "global handle %#Ix: low 6 bits not 2", handle);
}

/* A local D3DKMT handle: bits 30-31 set, low 6 bits 0, and with next_local the one after the last
 * handle the test saw (local handles are handed out in increasing order, 0x40 apart). (3 checks) */
#define check_d3dkmt_local(handle, next_local) \
    do { SITE; SITE; SITE; check_local_(__FILE__, __LINE__, handle, next_local); } while (0)
#define NEXT_LOCAL_UNKNOWN 0xffffffffu   /* *next_local after a handle of Wine's (check_d3dkmt_local_wine) */
static void check_local_(const char *file, int line, D3DKMT_HANDLE handle, D3DKMT_HANDLE *next_local)
{
    wt_check((handle & 0xc0000000) != 0, file, line, "local handle %#x: bits 30-31 clear", handle);
    wt_check(handle && !(handle & 0x3f), file, line, "local handle %#x: zero or low 6 bits set", handle);
    if (next_local && *next_local == NEXT_LOCAL_UNKNOWN)
        wt_skip_checks(1, file, line, "the handle before was the running Wine's own value: which one comes "
                       "next is not known (docs/decisions/wine-handles.md)");
    else if (next_local && *next_local)
        wt_check(handle == *next_local, file, line, "local handle %#x, expected the next one, %#x", handle,
                 *next_local);
    if (next_local) *next_local = handle + 0x40;
}

/* check_d3dkmt_local for an adapter or a device handle: such a handle that Wine made (not in the
 * local format, while wine_names_devices) has its checks skipped, with the reason printed, and so
 * has the next handle's check against its predecessor. */
#define check_d3dkmt_local_wine(handle, next_local) \
    do { SITE; SITE; SITE; check_local_wine_(__FILE__, __LINE__, handle, next_local); } while (0)
static void check_local_wine_(const char *file, int line, D3DKMT_HANDLE handle, D3DKMT_HANDLE *next_local)
{
    if (wine_names_devices && handle && !(handle & 0xc0000000))
    {
        char reason[200];

        snprintf(reason, sizeof(reason), "handle %#x is the running Wine's own value for this adapter or "
                 "device, which d3dkmt.dll shares (docs/decisions/wine-handles.md)", handle);
        wt_skip_checks(*next_local ? 3 : 2, file, line, reason);   /* the checks check_local_ makes */
        *next_local = NEXT_LOCAL_UNKNOWN;
        return;
    }
    check_local_(file, line, handle, next_local);
}

/* A part of a test that runs only when `cond` holds; otherwise its checks count as skipped, with
 * `reason` printed.  Parts do not nest. */
#define PART_BEGIN(cond, reason) \
    do { enum { cf_first_site = __COUNTER__ }; const char *cf_reason = (cond) ? NULL : (reason); \
         if (!cf_reason) {
#define PART_END() \
         } else wt_skip_checks(__COUNTER__ - cf_first_site - 1, __FILE__, __LINE__, cf_reason); } while (0)

#define NOT_EXPORTED(name) "D3DKMT" #name " is not exported by d3dkmt.dll"
#define PART_NEEDS(name) PART_BEGIN(pD3DKMT##name != NULL, NOT_EXPORTED(name))
#define PART_NEEDS2(name1, name2) \
    PART_BEGIN(pD3DKMT##name1 && pD3DKMT##name2, \
               !pD3DKMT##name1 ? NOT_EXPORTED(name1) : NOT_EXPORTED(name2))
#define PART_NEEDS3(name1, name2, name3) \
    PART_BEGIN(pD3DKMT##name1 && pD3DKMT##name2 && pD3DKMT##name3, \
               !pD3DKMT##name1 ? NOT_EXPORTED(name1) : !pD3DKMT##name2 ? NOT_EXPORTED(name2) : NOT_EXPORTED(name3))

/* Cross-process sharing of global D3DKMT handles is out of scope (docs/conformance-gaps.md). */
#define CROSS_PROCESS_IN_SCOPE 0

/* Replaces Wine's D3DKMTOpenAdapterFromGdiDisplayName("\\.\DISPLAY1") (see the top of the file):
 * the first adapter of D3DKMTEnumAdapters2, whose handles are closed again, opened by its LUID.
 * Returns D3DKMTOpenAdapterFromLuid's status (or EnumAdapters2's, STATUS_UNSUCCESSFUL without an
 * adapter); the caller makes Wine's checks on it. */
static NTSTATUS open_adapter(D3DKMT_HANDLE *adapter)
{
    D3DKMT_ADAPTERINFO infos[64];
    D3DKMT_ENUMADAPTERS2 enum_desc = { ARRAYSIZE(infos), infos };
    D3DKMT_OPENADAPTERFROMLUID open_desc = { 0 };
    D3DKMT_CLOSEADAPTER close_desc;
    NTSTATUS status;
    UINT i;

    *adapter = 0;
    if ((status = D3DKMTEnumAdapters2(&enum_desc))) return status;
    if (!enum_desc.NumAdapters) return STATUS_UNSUCCESSFUL;
    for (i = 0; i < enum_desc.NumAdapters; i++)
    {
        close_desc.hAdapter = infos[i].hAdapter;
        D3DKMTCloseAdapter(&close_desc);
    }
    open_desc.AdapterLuid = infos[0].AdapterLuid;
    status = D3DKMTOpenAdapterFromLuid(&open_desc);
    *adapter = open_desc.hAdapter;
    return status;
}

/* ---- The tests, in Wine's order. ---- */

static void test_D3DKMTEnumAdapters2(void)
{
    D3DKMT_ENUMADAPTERS2 enum_adapters_2_desc = { 0 };
    D3DKMT_CLOSEADAPTER close_adapter_desc;
    D3DKMT_HANDLE next_local = 0;
    NTSTATUS status;
    UINT i, allocated;

    REQUIRE_FUNCS();

    /* Invalid parameters */
    status = D3DKMTEnumAdapters2(NULL);
    check_nt(STATUS_INVALID_PARAMETER, status);

    /* Query the array to allocate */
    memset(&enum_adapters_2_desc, 0, sizeof(enum_adapters_2_desc));
    status = D3DKMTEnumAdapters2(&enum_adapters_2_desc);
    check_nt(STATUS_SUCCESS, status);
    check(enum_adapters_2_desc.NumAdapters == 32 /* win10 and older */ || enum_adapters_2_desc.NumAdapters == 34 /* win11 */,
          "NumAdapters %lu, expected 32 (Windows 10) or 34 (Windows 11)", enum_adapters_2_desc.NumAdapters);

    /* Allocate the array */
    allocated = enum_adapters_2_desc.NumAdapters ? enum_adapters_2_desc.NumAdapters : 1;
    enum_adapters_2_desc.pAdapters = calloc(allocated, sizeof(D3DKMT_ADAPTERINFO));
    check(enum_adapters_2_desc.pAdapters != NULL, "calloc failed");
    if (!enum_adapters_2_desc.pAdapters) return;

    /* Enumerate adapters */
    status = D3DKMTEnumAdapters2(&enum_adapters_2_desc);
    check_nt(STATUS_SUCCESS, status);
    check(enum_adapters_2_desc.NumAdapters != 0, "NumAdapters 0");

    for (i = 0; i < enum_adapters_2_desc.NumAdapters && i < allocated; ++i)
    {
        check_d3dkmt_local_wine(enum_adapters_2_desc.pAdapters[i].hAdapter, &next_local);
        check(enum_adapters_2_desc.pAdapters[i].AdapterLuid.LowPart || enum_adapters_2_desc.pAdapters[i].AdapterLuid.HighPart,
              "adapter %u: LUID zero", i);

        close_adapter_desc.hAdapter = enum_adapters_2_desc.pAdapters[i].hAdapter;
        status = D3DKMTCloseAdapter(&close_adapter_desc);
        check_nt(STATUS_SUCCESS, status);
    }

    /* Check for insufficient buffer */
    enum_adapters_2_desc.NumAdapters = 0;
    status = D3DKMTEnumAdapters2(&enum_adapters_2_desc);
    check_nt(STATUS_BUFFER_TOO_SMALL, status);

    free(enum_adapters_2_desc.pAdapters);
}

static void test_D3DKMTCloseAdapter(void)
{
    D3DKMT_CLOSEADAPTER close_adapter_desc;
    NTSTATUS status;

    REQUIRE_FUNCS();

    /* Invalid parameters */
    status = D3DKMTCloseAdapter(NULL);
    check_nt(STATUS_INVALID_PARAMETER, status);

    memset(&close_adapter_desc, 0, sizeof(close_adapter_desc));
    status = D3DKMTCloseAdapter(&close_adapter_desc);
    check_nt(STATUS_INVALID_PARAMETER, status);
}

static void test_D3DKMTCreateDevice(void)
{
    D3DKMT_CREATEDEVICE create_device_desc;
    D3DKMT_CLOSEADAPTER close_adapter_desc;
    D3DKMT_DESTROYDEVICE destroy_device_desc;
    D3DKMT_HANDLE next_local = 0, adapter;
    NTSTATUS status;

    REQUIRE_FUNCS();

    /* Invalid parameters */
    status = D3DKMTCreateDevice(NULL);
    check_nt(STATUS_INVALID_PARAMETER, status);

    memset(&create_device_desc, 0, sizeof(create_device_desc));
    status = D3DKMTCreateDevice(&create_device_desc);
    check_nt(STATUS_INVALID_PARAMETER, status);

    status = open_adapter(&adapter);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local_wine(adapter, &next_local);

    /* Create device */
    create_device_desc.hAdapter = adapter;
    status = D3DKMTCreateDevice(&create_device_desc);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local_wine(create_device_desc.hDevice, &next_local);
    check(create_device_desc.pCommandBuffer == NULL, "pCommandBuffer %p, expected NULL", create_device_desc.pCommandBuffer);
    check_x4(create_device_desc.CommandBufferSize, ==, 0);
    check(create_device_desc.pAllocationList == NULL, "pAllocationList %p, expected NULL", create_device_desc.pAllocationList);
    check_x4(create_device_desc.AllocationListSize, ==, 0);
    check(create_device_desc.pPatchLocationList == NULL, "pPatchLocationList %p, expected NULL",
          create_device_desc.pPatchLocationList);
    check_x4(create_device_desc.PatchLocationListSize, ==, 0);

    destroy_device_desc.hDevice = create_device_desc.hDevice;
    status = D3DKMTDestroyDevice(&destroy_device_desc);
    check_nt(STATUS_SUCCESS, status);

    close_adapter_desc.hAdapter = adapter;
    status = D3DKMTCloseAdapter(&close_adapter_desc);
    check_nt(STATUS_SUCCESS, status);
}

static void test_D3DKMTDestroyDevice(void)
{
    D3DKMT_DESTROYDEVICE destroy_device_desc;
    NTSTATUS status;

    REQUIRE_FUNCS();

    /* Invalid parameters */
    status = D3DKMTDestroyDevice(NULL);
    check_nt(STATUS_INVALID_PARAMETER, status);

    memset(&destroy_device_desc, 0, sizeof(destroy_device_desc));
    status = D3DKMTDestroyDevice(&destroy_device_desc);
    check_nt(STATUS_INVALID_PARAMETER, status);
}

static void test_D3DKMTQueryAdapterInfo(void)
{
    static const struct
    {
        KMTQUERYADAPTERINFOTYPE type;
        UINT size;
    }
    tests[] =
    {
        { KMTQAITYPE_CHECKDRIVERUPDATESTATUS, sizeof(BOOL) },
        { KMTQAITYPE_DRIVERVERSION, sizeof(D3DKMT_DRIVERVERSION) },
    };
    D3DKMT_QUERYADAPTERINFO query_adapter_info;
    D3DKMT_CLOSEADAPTER close_adapter_desc;
    D3DKMT_HANDLE next_local = 0, adapter;
    unsigned char buffer[1024];
    NTSTATUS status;
    unsigned int i;

    REQUIRE_FUNCS();

    /* Wine also checks that the primary display has a name (get_primary_adapter_name): that is
     * part of opening the adapter by display name, replaced by open_adapter(). */
    status = open_adapter(&adapter);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local_wine(adapter, &next_local);

    for (i = 0; i < ARRAYSIZE(tests); i++)
    {
        printf("[  INFO    ] type %d\n", tests[i].type);

        /* NULL buffer */
        query_adapter_info.hAdapter = adapter;
        query_adapter_info.Type = tests[i].type;
        query_adapter_info.pPrivateDriverData = NULL;
        query_adapter_info.PrivateDriverDataSize = tests[i].size;
        status = D3DKMTQueryAdapterInfo(&query_adapter_info);
        check_nt(STATUS_INVALID_PARAMETER, status);

        /* Insufficient buffer size */
        query_adapter_info.pPrivateDriverData = buffer;
        query_adapter_info.PrivateDriverDataSize = tests[i].size - 1;
        status = D3DKMTQueryAdapterInfo(&query_adapter_info);
        check_nt(STATUS_INVALID_PARAMETER, status);

        /* Normal */
        query_adapter_info.pPrivateDriverData = buffer;
        query_adapter_info.PrivateDriverDataSize = tests[i].size;
        status = D3DKMTQueryAdapterInfo(&query_adapter_info);
        check_nt(STATUS_SUCCESS, status);
        if (status != STATUS_SUCCESS) continue;

        switch (tests[i].type)
        {
        case KMTQAITYPE_CHECKDRIVERUPDATESTATUS:
        {
            BOOL *value = query_adapter_info.pPrivateDriverData;
            check(*value == FALSE, "driver update status %d, expected FALSE", *value);
            break;
        }
        case KMTQAITYPE_DRIVERVERSION:
        {
            D3DKMT_DRIVERVERSION *value = query_adapter_info.pPrivateDriverData;
            check(*value >= KMT_DRIVERVERSION_WDDM_1_3, "driver version %d, expected >= %d", *value,
                  KMT_DRIVERVERSION_WDDM_1_3);
            break;
        }
        default:
            check(0, "type %d is not handled", tests[i].type);
            break;
        }
    }

    close_adapter_desc.hAdapter = adapter;
    status = D3DKMTCloseAdapter(&close_adapter_desc);
    check_nt(STATUS_SUCCESS, status);
}

static void test_D3DKMTQueryVideoMemoryInfo(void)
{
    static const D3DKMT_MEMORY_SEGMENT_GROUP groups[] = { D3DKMT_MEMORY_SEGMENT_GROUP_LOCAL, D3DKMT_MEMORY_SEGMENT_GROUP_NON_LOCAL };
    D3DKMT_QUERYVIDEOMEMORYINFO query_memory_info;
    D3DKMT_CLOSEADAPTER close_adapter_desc;
    D3DKMT_HANDLE next_local = 0, adapter;
    NTSTATUS status;
    unsigned int i;

    REQUIRE_FUNCS();

    /* Wine also checks that the primary display has a name: see test_D3DKMTQueryAdapterInfo. */
    status = open_adapter(&adapter);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local_wine(adapter, &next_local);

    /* Normal query */
    for (i = 0; i < ARRAYSIZE(groups); ++i)
    {
        printf("[  INFO    ] group %d\n", groups[i]);

        query_memory_info.hProcess = NULL;
        query_memory_info.hAdapter = adapter;
        query_memory_info.PhysicalAdapterIndex = 0;
        query_memory_info.MemorySegmentGroup = groups[i];
        status = D3DKMTQueryVideoMemoryInfo(&query_memory_info);
        check_nt(STATUS_SUCCESS, status);
        check(query_memory_info.Budget >= query_memory_info.AvailableForReservation,
              "budget %I64u below the reservation available, %I64u", query_memory_info.Budget,
              query_memory_info.AvailableForReservation);
        check(query_memory_info.CurrentUsage <= query_memory_info.Budget, "current usage %I64u above the budget, %I64u",
              query_memory_info.CurrentUsage, query_memory_info.Budget);
        check(query_memory_info.CurrentReservation == 0, "current reservation %I64u, expected 0",
              query_memory_info.CurrentReservation);
    }

    /* Query using the current process handle */
    query_memory_info.hProcess = GetCurrentProcess();
    status = D3DKMTQueryVideoMemoryInfo(&query_memory_info);
    check_nt(STATUS_SUCCESS, status);

    /* Query using a process handle without PROCESS_QUERY_INFORMATION privilege */
    query_memory_info.hProcess = OpenProcess(PROCESS_SET_INFORMATION, FALSE, GetCurrentProcessId());
    check(query_memory_info.hProcess != NULL, "OpenProcess failed, error %lu", GetLastError());
    status = D3DKMTQueryVideoMemoryInfo(&query_memory_info);
    check_nt(STATUS_ACCESS_DENIED, status);
    CloseHandle(query_memory_info.hProcess);
    query_memory_info.hProcess = NULL;

    /* Query using an invalid process handle */
    query_memory_info.hProcess = (HANDLE)0xdeadbeef;
    status = D3DKMTQueryVideoMemoryInfo(&query_memory_info);
    check_nt(STATUS_INVALID_HANDLE, status);
    query_memory_info.hProcess = NULL;

    /* Query using an invalid adapter handle */
    query_memory_info.hAdapter = (D3DKMT_HANDLE)0xdeadbeef;
    status = D3DKMTQueryVideoMemoryInfo(&query_memory_info);
    check_nt(STATUS_INVALID_PARAMETER, status);
    query_memory_info.hAdapter = adapter;

    /* Query using an invalid adapter index */
    query_memory_info.PhysicalAdapterIndex = 99;
    status = D3DKMTQueryVideoMemoryInfo(&query_memory_info);
    check_nt(STATUS_INVALID_PARAMETER, status);
    query_memory_info.PhysicalAdapterIndex = 0;

    /* Query using an invalid memory segment group */
    query_memory_info.MemorySegmentGroup = D3DKMT_MEMORY_SEGMENT_GROUP_NON_LOCAL + 1;
    status = D3DKMTQueryVideoMemoryInfo(&query_memory_info);
    check_nt(STATUS_INVALID_PARAMETER, status);

    close_adapter_desc.hAdapter = adapter;
    status = D3DKMTCloseAdapter(&close_adapter_desc);
    check_nt(STATUS_SUCCESS, status);
}

/* The second process of test_D3DKMTCreateSynchronizationObject (only while cross-process sharing
 * is in scope): opens the global handle `arg`. */
static void test_D3DKMTCreateSynchronizationObject_process(const char *arg)
{
    D3DKMT_OPENSYNCHRONIZATIONOBJECT open = { 0 };
    D3DKMT_HANDLE next_local = 0;
    NTSTATUS status;

    PART_NEEDS(OpenSynchronizationObject);
    open.hSharedHandle = strtoul(arg, NULL, 0);
    open.hSyncObject = 0x1eadbeed;
    status = D3DKMTOpenSynchronizationObject(&open);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(open.hSyncObject, &next_local);
    /* leak the object */
    PART_END();
}

/* Runs this program again with `args`, and waits for it; its checks count in its own output and
 * exit status. */
static void run_in_process(const char *file, int line, const char *args)
{
    STARTUPINFOA startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION info = { 0 };
    char cmdline[MAX_PATH * 2], exe[MAX_PATH];
    DWORD exit_code = 1;
    BOOL ret;

    GetModuleFileNameA(NULL, exe, sizeof(exe));
    snprintf(cmdline, sizeof(cmdline), "\"%s\" %s", exe, args);
    ret = CreateProcessA(NULL, cmdline, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &info);
    wt_check(ret, file, line, "CreateProcessA failed, error %lu", GetLastError());
    if (!ret) return;
    WaitForSingleObject(info.hProcess, INFINITE);
    GetExitCodeProcess(info.hProcess, &exit_code);
    wt_check(exit_code == 0, file, line, "child process failed (exit status %lu)", exit_code);
    CloseHandle(info.hThread);
    CloseHandle(info.hProcess);
}

static void test_D3DKMTCreateSynchronizationObject(void)
{
    D3DKMT_DESTROYSYNCHRONIZATIONOBJECT destroy = { 0 };
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 create2 = { 0 };
    D3DKMT_CREATESYNCHRONIZATIONOBJECT create = { 0 };
    D3DKMT_OPENSYNCHRONIZATIONOBJECT open = { 0 };
    D3DKMT_DESTROYDEVICE destroy_device = { 0 };
    D3DKMT_CREATEDEVICE create_device = { 0 };
    D3DKMT_CLOSEADAPTER close_adapter = { 0 };
    D3DKMT_HANDLE next_local = 0, adapter;
    char buffer[256];
    NTSTATUS status;

    REQUIRE_FUNCS();

    status = open_adapter(&adapter);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local_wine(adapter, &next_local);
    create_device.hAdapter = adapter;
    status = D3DKMTCreateDevice(&create_device);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local_wine(create_device.hDevice, &next_local);

    /* D3DKMTCreateSynchronizationObject creates a local D3DKMT_HANDLE */
    PART_NEEDS(CreateSynchronizationObject);
    status = D3DKMTCreateSynchronizationObject(NULL);
    check_nt(STATUS_INVALID_PARAMETER, status);
    status = D3DKMTCreateSynchronizationObject(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create.hDevice = create_device.hDevice;
    status = D3DKMTCreateSynchronizationObject(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create.hDevice = 0;
    create.Info.Type = D3DDDI_SYNCHRONIZATION_MUTEX;
    status = D3DKMTCreateSynchronizationObject(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create.hDevice = create_device.hDevice;
    create.Info.Type = D3DDDI_SYNCHRONIZATION_MUTEX;
    create.hSyncObject = 0x1eadbeed;
    status = D3DKMTCreateSynchronizationObject(&create);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(create.hSyncObject, &next_local);
    destroy.hSyncObject = create.hSyncObject;

    /* local handles are monotonically increasing */
    create.hSyncObject = 0x1eadbeed;
    status = D3DKMTCreateSynchronizationObject(&create);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(create.hSyncObject, &next_local);

    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_SUCCESS, status);
    /* destroying multiple times fails */
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_INVALID_PARAMETER, status);

    destroy.hSyncObject = create.hSyncObject;
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_SUCCESS, status);

    create.Info.Type = D3DDDI_SEMAPHORE;
    create.hSyncObject = 0x1eadbeed;
    status = D3DKMTCreateSynchronizationObject(&create);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(create.hSyncObject, &next_local);
    destroy.hSyncObject = create.hSyncObject;
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_SUCCESS, status);

    create.Info.Type = D3DDDI_FENCE;
    status = D3DKMTCreateSynchronizationObject(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    PART_END();

    /* D3DKMTCreateSynchronizationObject2 can create local D3DKMT_HANDLE */
    status = D3DKMTCreateSynchronizationObject2(NULL);
    check_nt(STATUS_INVALID_PARAMETER, status);
    status = D3DKMTCreateSynchronizationObject2(&create2);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create2.hDevice = create_device.hDevice;
    status = D3DKMTCreateSynchronizationObject2(&create2);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create2.hDevice = 0;
    create2.Info.Type = D3DDDI_SYNCHRONIZATION_MUTEX;
    status = D3DKMTCreateSynchronizationObject2(&create2);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create2.hDevice = create_device.hDevice;
    create2.Info.Type = D3DDDI_SYNCHRONIZATION_MUTEX;
    create2.hSyncObject = create2.Info.SharedHandle = 0x1eadbeed;
    status = D3DKMTCreateSynchronizationObject2(&create2);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(create2.hSyncObject, &next_local);

    destroy.hSyncObject = create2.hSyncObject;
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_SUCCESS, status);

    create2.Info.Type = D3DDDI_SEMAPHORE;
    create2.hSyncObject = create2.Info.SharedHandle = 0x1eadbeed;
    status = D3DKMTCreateSynchronizationObject2(&create2);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(create2.hSyncObject, &next_local);
    destroy.hSyncObject = create2.hSyncObject;
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_SUCCESS, status);

    create2.Info.Type = D3DDDI_FENCE;
    create2.hSyncObject = create2.Info.SharedHandle = 0x1eadbeed;
    status = D3DKMTCreateSynchronizationObject2(&create2);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(create2.hSyncObject, &next_local);
    destroy.hSyncObject = create2.hSyncObject;
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_SUCCESS, status);

    create2.Info.Type = D3DDDI_CPU_NOTIFICATION;
    status = D3DKMTCreateSynchronizationObject2(&create2);
    check_nt(STATUS_INVALID_HANDLE, status);
    create2.Info.CPUNotification.Event = CreateEventW(NULL, FALSE, FALSE, NULL);
    create2.hSyncObject = create2.Info.SharedHandle = 0x1eadbeed;
    status = D3DKMTCreateSynchronizationObject2(&create2);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(create2.hSyncObject, &next_local);
    destroy.hSyncObject = create2.hSyncObject;
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_SUCCESS, status);
    CloseHandle(create2.Info.CPUNotification.Event);
    create2.Info.CPUNotification.Event = NULL;

    create2.Info.Type = D3DDDI_MONITORED_FENCE;
    create2.hSyncObject = create2.Info.SharedHandle = 0x1eadbeed;
    status = D3DKMTCreateSynchronizationObject2(&create2);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(create2.hSyncObject, &next_local);
    destroy.hSyncObject = create2.hSyncObject;
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_SUCCESS, status);

    create2.Info.Type = D3DDDI_SYNCHRONIZATION_MUTEX;
    create2.Info.Flags.Shared = 1;
    create2.hSyncObject = create2.Info.SharedHandle = 0x1eadbeed;
    status = D3DKMTCreateSynchronizationObject2(&create2);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(create2.hSyncObject, &next_local);
    check_d3dkmt_global(create2.Info.SharedHandle);
    destroy.hSyncObject = create2.hSyncObject;

    create2.hSyncObject = create2.Info.SharedHandle = 0x1eadbeed;
    status = D3DKMTCreateSynchronizationObject2(&create2);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(create2.hSyncObject, &next_local);
    check_d3dkmt_global(create2.Info.SharedHandle);

    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_SUCCESS, status);

    /* cannot destroy the global D3DKMT_HANDLE */
    destroy.hSyncObject = create2.Info.SharedHandle;
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_INVALID_PARAMETER, status);

    /* D3DKMTOpenSynchronizationObject creates a new local D3DKMT_HANDLE */
    PART_NEEDS(OpenSynchronizationObject);
    open.hSharedHandle = 0x1eadbeed;
    status = D3DKMTOpenSynchronizationObject(&open);
    check_nt(STATUS_INVALID_PARAMETER, status);
    open.hSharedHandle = 0;
    status = D3DKMTOpenSynchronizationObject(&open);
    check_nt(STATUS_INVALID_PARAMETER, status);
    open.hSyncObject = create2.hSyncObject;
    status = D3DKMTOpenSynchronizationObject(&open);
    check_nt(STATUS_INVALID_PARAMETER, status);
    open.hSyncObject = 0x1eadbeed;
    open.hSharedHandle = create2.Info.SharedHandle;
    status = D3DKMTOpenSynchronizationObject(&open);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(open.hSyncObject, &next_local);

    destroy.hSyncObject = open.hSyncObject;
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_SUCCESS, status);
    /* destroying multiple times fails */
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_INVALID_PARAMETER, status);

    /* the D3DKMT object can still be opened */
    open.hSyncObject = 0x1eadbeed;
    status = D3DKMTOpenSynchronizationObject(&open);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(open.hSyncObject, &next_local);

    destroy.hSyncObject = open.hSyncObject;
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_SUCCESS, status);
    PART_END();

    destroy.hSyncObject = create2.hSyncObject;
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_SUCCESS, status);
    /* the global D3DKMT_HANDLE is destroyed with last reference */
    PART_NEEDS(OpenSynchronizationObject);
    status = D3DKMTOpenSynchronizationObject(&open);
    check_nt(STATUS_INVALID_PARAMETER, status);
    PART_END();

    /* NtSecuritySharing requires Shared, doesn't creates a global handle */
    create2.Info.Flags.Shared = 0;
    create2.Info.Flags.NtSecuritySharing = 1;
    status = D3DKMTCreateSynchronizationObject2(&create2);
    check_nt(STATUS_INVALID_PARAMETER, status);
    /* (Wine accepts success as broken() Windows behaviour, destroying the object: not here.) */

    create2.Info.Flags.Shared = 1;
    create2.Info.Flags.NtSecuritySharing = 1;
    create2.hSyncObject = create2.Info.SharedHandle = 0x1eadbeed;
    status = D3DKMTCreateSynchronizationObject2(&create2);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(create2.hSyncObject, &next_local);
    check(create2.Info.SharedHandle == 0x1eadbeed || !create2.Info.SharedHandle,
          "Info.SharedHandle %#x, expected unchanged or 0", create2.Info.SharedHandle);

    destroy.hSyncObject = create2.hSyncObject;
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_SUCCESS, status);

    create2.Info.Flags.NtSecuritySharing = 0;
    create2.hSyncObject = create2.Info.SharedHandle = 0x1eadbeed;
    status = D3DKMTCreateSynchronizationObject2(&create2);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local(create2.hSyncObject, &next_local);
    check_d3dkmt_global(create2.Info.SharedHandle);

    /* The global handle opened by another process. */
    PART_BEGIN(CROSS_PROCESS_IN_SCOPE && pD3DKMTOpenSynchronizationObject,
               "opening a global D3DKMT handle in another process: cross-process sharing is out of scope");
    snprintf(buffer, sizeof(buffer), "test_D3DKMTCreateSynchronizationObject %#x", create2.Info.SharedHandle);
    SITE; SITE; run_in_process(__FILE__, __LINE__, buffer);   /* 2 checks */
    PART_END();

    destroy.hSyncObject = create2.hSyncObject;
    status = D3DKMTDestroySynchronizationObject(&destroy);
    check_nt(STATUS_SUCCESS, status);

    PART_NEEDS(OpenSynchronizationObject);
    open.hSharedHandle = create2.Info.SharedHandle;
    status = D3DKMTOpenSynchronizationObject(&open);
    check_nt(STATUS_INVALID_PARAMETER, status);
    PART_END();

    destroy_device.hDevice = create_device.hDevice;
    status = D3DKMTDestroyDevice(&destroy_device);
    check_nt(STATUS_SUCCESS, status);
    close_adapter.hAdapter = adapter;
    status = D3DKMTCloseAdapter(&close_adapter);
    check_nt(STATUS_SUCCESS, status);
}

static void test_D3DKMTCreateAllocation(void)
{
    D3DKMT_CREATESTANDARDALLOCATION standard[2] = { 0 };
    D3DDDI_OPENALLOCATIONINFO2 open_alloc2 = { 0 };
    D3DDDI_OPENALLOCATIONINFO open_alloc = { 0 };
    D3DKMT_DESTROYDEVICE destroy_device = { 0 };
    D3DKMT_DESTROYALLOCATION2 destroy2 = { 0 };
    D3DKMT_CREATEDEVICE create_device = { 0 };
    D3DKMT_CLOSEADAPTER close_adapter = { 0 };
    D3DDDI_ALLOCATIONINFO2 allocs2[2] = { 0 };
    D3DKMT_DESTROYALLOCATION destroy = { 0 };
    D3DDDI_ALLOCATIONINFO allocs[2] = { 0 };
    D3DKMT_CREATEALLOCATION create = { 0 };
    D3DKMT_QUERYRESOURCEINFO query = { 0 };
    D3DKMT_OPENRESOURCE open = { 0 };
    const char expect_alloc_data[] = { 1, 2, 3, 4, 5, 6 };
    const char expect_runtime_data[] = { 7, 8, 9, 10 };
    char driver_data[0x1000], resource_data[0x100], runtime_data[0x100];
    char alloc_data[0x400], alloc2_data[0x400];
    D3DKMT_HANDLE next_local = 0, adapter;
    NTSTATUS status;

    REQUIRE_FUNCS();

    /* (Wine notes that a NULL descriptor crashes on Windows and does not call it.) */
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);

    status = open_adapter(&adapter);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local_wine(adapter, &next_local);
    create_device.hAdapter = adapter;
    status = D3DKMTCreateDevice(&create_device);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_local_wine(create_device.hDevice, &next_local);

    allocs[0].pSystemMem = allocs2[0].pSystemMem = VirtualAlloc(NULL, 0x10000, MEM_COMMIT, PAGE_READWRITE);
    allocs[1].pSystemMem = allocs2[1].pSystemMem = VirtualAlloc(NULL, 0x10000, MEM_COMMIT, PAGE_READWRITE);
    standard[0].Type = D3DKMT_STANDARDALLOCATIONTYPE_EXISTINGHEAP;
    standard[0].ExistingHeapData.Size = 0x10000;
    standard[1].Type = D3DKMT_STANDARDALLOCATIONTYPE_EXISTINGHEAP;
    standard[1].ExistingHeapData.Size = 0x10000;

    create.hDevice = create_device.hDevice;
    create.Flags.ExistingSysMem = 1;
    create.Flags.StandardAllocation = 1;
    create.pStandardAllocation = standard;
    create.NumAllocations = 1;
    create.pAllocationInfo = allocs;
    allocs[0].hAllocation = create.hGlobalShare = 0x1eadbeed;
    create.hPrivateRuntimeResourceHandle = (HANDLE)0xdeadbeef;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_SUCCESS, status);
    check_x4(create.hGlobalShare, ==, 0);
    check_x4(create.hResource, ==, 0);
    check_d3dkmt_local(allocs[0].hAllocation, &next_local);
    check_ptr(create.hPrivateRuntimeResourceHandle, ==, (HANDLE)0xdeadbeef);

    destroy.hDevice = create_device.hDevice;
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_SUCCESS, status);
    destroy.AllocationCount = 1;
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_INVALID_PARAMETER, status);
    destroy.phAllocationList = &allocs[0].hAllocation;
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_SUCCESS, status);
    /* allocation has already been destroyed */
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_INVALID_PARAMETER, status);

    /* D3DKMTCreateAllocation2 also works with the same parameters, with extra alloc info */
    create.pAllocationInfo2 = allocs2;
    allocs2[0].hAllocation = create.hGlobalShare = 0x1eadbeed;
    status = D3DKMTCreateAllocation2(&create);
    check_nt(STATUS_SUCCESS, status);
    check_x4(create.hGlobalShare, ==, 0);
    check_x4(create.hResource, ==, 0);
    check_d3dkmt_local(allocs2[0].hAllocation, &next_local);
    check_x4(create.PrivateRuntimeDataSize, ==, 0);
    check_x4(create.PrivateDriverDataSize, ==, 0);
    check_x4(allocs2[0].PrivateDriverDataSize, ==, 0);
    create.pAllocationInfo = allocs;

    destroy.phAllocationList = &allocs2[0].hAllocation;
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_SUCCESS, status);
    destroy.phAllocationList = &allocs[0].hAllocation;

    /* D3DKMTDestroyAllocation2 works as well */
    allocs[0].hAllocation = create.hGlobalShare = 0x1eadbeed;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_SUCCESS, status);
    check_x4(create.hGlobalShare, ==, 0);
    check_x4(create.hResource, ==, 0);
    check_d3dkmt_local(allocs[0].hAllocation, &next_local);

    destroy2.hDevice = create_device.hDevice;
    destroy2.AllocationCount = 1;
    destroy2.phAllocationList = &allocs[0].hAllocation;
    status = D3DKMTDestroyAllocation2(&destroy2);
    check_nt(STATUS_SUCCESS, status);

    /* alloc PrivateDriverDataSize can be set */
    allocs[0].pPrivateDriverData = (char *)expect_alloc_data;
    allocs[0].PrivateDriverDataSize = sizeof(expect_alloc_data);
    allocs[0].hAllocation = create.hGlobalShare = 0x1eadbeed;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_SUCCESS, status);
    check_x4(create.hGlobalShare, ==, 0);
    check_x4(create.hResource, ==, 0);
    check_d3dkmt_local(allocs[0].hAllocation, &next_local);
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_SUCCESS, status);

    /* PrivateRuntimeDataSize can be set */
    create.pPrivateRuntimeData = expect_runtime_data;
    create.PrivateRuntimeDataSize = sizeof(expect_runtime_data);
    allocs[0].hAllocation = create.hGlobalShare = 0x1eadbeed;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_SUCCESS, status);
    check_x4(create.hGlobalShare, ==, 0);
    check_x4(create.hResource, ==, 0);
    check_d3dkmt_local(allocs[0].hAllocation, &next_local);
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_SUCCESS, status);

    /* PrivateDriverDataSize must be 0 for standard allocations */
    create.PrivateDriverDataSize = 64;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create.PrivateDriverDataSize = 0;

    /* device handle is required */
    create.hDevice = 0;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create.hDevice = create_device.hDevice;

    /* hResource must be valid or 0 */
    create.hResource = 0x1eadbeed;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_HANDLE, status);
    create.hResource = 0;

    /* NumAllocations is required */
    create.NumAllocations = 0;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create.NumAllocations = 1;

    /* standard.Type must be set */
    standard[0].Type = 0;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    standard[0].Type = D3DKMT_STANDARDALLOCATIONTYPE_EXISTINGHEAP;

    /* pSystemMem must be set */
    allocs[0].pSystemMem = 0;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    allocs[0].pSystemMem = allocs2[0].pSystemMem;

    /* creating multiple allocations doesn't work */
    create.NumAllocations = 2;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create.NumAllocations = 1;

    /* ExistingHeapData.Size must be page aligned */
    standard[0].ExistingHeapData.Size = 0x1100;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    standard[0].ExistingHeapData.Size = 0x10000;

    /* specific flags are required for standard allocations */
    create.Flags.ExistingSysMem = 0;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create.Flags.ExistingSysMem = 1;
    create.Flags.StandardAllocation = 0;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create.Flags.StandardAllocation = 1;

    /* CreateShared doesn't work without CreateResource */
    create.Flags.CreateShared = 1;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create.Flags.CreateShared = 0;

    /* test creating a resource with the allocations */
    create.Flags.CreateResource = 1;
    allocs[0].hAllocation = create.hGlobalShare = create.hResource = 0x1eadbeed;
    create.hPrivateRuntimeResourceHandle = (HANDLE)0xdeadbeef;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_HANDLE, status);
    create.hResource = 0; /* hResource must be set to 0, even with CreateResource */
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_SUCCESS, status);
    check_x4(create.hGlobalShare, ==, 0);
    check_d3dkmt_local(create.hResource, &next_local);
    check_d3dkmt_local(allocs[0].hAllocation, &next_local);
    check_ptr(create.hPrivateRuntimeResourceHandle, ==, (HANDLE)0xdeadbeef);

    /* destroying the allocation doesn't destroys the resource */
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_SUCCESS, status);
    destroy.hResource = create.hResource;
    destroy.AllocationCount = 0;
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_SUCCESS, status);
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_INVALID_PARAMETER, status);
    destroy.AllocationCount = 1;
    create.hResource = 0;

    create.Flags.CreateResource = 1;
    allocs[0].hAllocation = create.hGlobalShare = 0x1eadbeed;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_SUCCESS, status);
    check_x4(create.hGlobalShare, ==, 0);
    check_d3dkmt_local(create.hResource, &next_local);
    check_d3dkmt_local(allocs[0].hAllocation, &next_local);

    /* cannot create allocations with an existing resource */
    create.Flags.CreateResource = 0;
    create.pAllocationInfo = &allocs[1];
    allocs[1].hAllocation = create.hGlobalShare = 0x1eadbeed;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create.pAllocationInfo = &allocs[0];

    /* destroying resource destroys its allocations */
    destroy.hResource = create.hResource;
    destroy.AllocationCount = 0;
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_SUCCESS, status);
    destroy.hResource = 0;
    destroy.AllocationCount = 1;
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create.hResource = 0;

    /* cannot create a resource without allocations */
    create.Flags.CreateResource = 1;
    create.NumAllocations = 0;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_INVALID_PARAMETER, status);
    create.NumAllocations = 1;

    /* destroy resource at once from here */
    destroy.AllocationCount = 0;

    allocs[0].hAllocation = create.hGlobalShare = 0x1eadbeed;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_SUCCESS, status);
    check_x4(create.hGlobalShare, ==, 0);
    check_d3dkmt_local(create.hResource, &next_local);
    check_d3dkmt_local(allocs[0].hAllocation, &next_local);

    /* D3DKMTQueryResourceInfo requires a global handle */
    PART_NEEDS(QueryResourceInfo);
    query.hDevice = create_device.hDevice;
    query.hGlobalShare = create.hResource;
    status = D3DKMTQueryResourceInfo(&query);
    check_nt(STATUS_INVALID_PARAMETER, status);
    PART_END();

    /* D3DKMTOpenResource requires a global handle */
    PART_NEEDS(OpenResource);
    open.hDevice = create_device.hDevice;
    open.hGlobalShare = create.hResource;
    status = D3DKMTOpenResource(&open);
    check_nt(STATUS_INVALID_PARAMETER, status);
    PART_END();

    destroy.hResource = create.hResource;
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_SUCCESS, status);
    create.hResource = 0;

    /* test creating global shared resource */
    create.Flags.CreateShared = 1;
    allocs[0].hAllocation = create.hGlobalShare = 0x1eadbeed;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_SUCCESS, status);
    check_d3dkmt_global(create.hGlobalShare);
    check_d3dkmt_local(create.hResource, &next_local);
    check_d3dkmt_local(allocs[0].hAllocation, &next_local);

    /* D3DKMTQueryResourceInfo works with global handle */
    PART_NEEDS(QueryResourceInfo);
    memset(runtime_data, 0xcd, sizeof(runtime_data));
    query.hDevice = create_device.hDevice;
    query.hGlobalShare = create.hGlobalShare;
    query.pPrivateRuntimeData = runtime_data;
    query.PrivateRuntimeDataSize = sizeof(runtime_data);
    query.ResourcePrivateDriverDataSize = 0;
    status = D3DKMTQueryResourceInfo(&query);
    check_nt(STATUS_SUCCESS, status);
    check_x4(query.PrivateRuntimeDataSize, ==, sizeof(expect_runtime_data));
    check_x4(query.TotalPrivateDriverDataSize, >, 0);
    check_x4(query.TotalPrivateDriverDataSize, <, sizeof(driver_data));
    check_x4(query.ResourcePrivateDriverDataSize, ==, 0);
    check_u4(query.NumAllocations, ==, 1);
    /* runtime data doesn't get updated ? */
    check_u1(runtime_data[0], ==, 0xcd);
    PART_END();

    /* D3DKMTOpenResource works with a global handle */
    PART_NEEDS2(QueryResourceInfo, OpenResource);
    memset(runtime_data, 0xcd, sizeof(runtime_data));
    memset(driver_data, 0xcd, sizeof(driver_data));
    memset(resource_data, 0xcd, sizeof(resource_data));
    memset(alloc_data, 0xcd, sizeof(alloc_data));
    open.hDevice = create_device.hDevice;
    open.hGlobalShare = create.hGlobalShare;
    open.pPrivateRuntimeData = runtime_data;
    open.PrivateRuntimeDataSize = query.PrivateRuntimeDataSize;
    open.pTotalPrivateDriverDataBuffer = driver_data;
    open.TotalPrivateDriverDataBufferSize = sizeof(driver_data);
    open.pResourcePrivateDriverData = resource_data;
    open.ResourcePrivateDriverDataSize = query.ResourcePrivateDriverDataSize;
    open.NumAllocations = 1;
    open.pOpenAllocationInfo = &open_alloc;
    open_alloc.pPrivateDriverData = alloc_data;
    open_alloc.PrivateDriverDataSize = sizeof(alloc_data);
    open.hResource = 0x1eadbeed;
    status = D3DKMTOpenResource(&open);
    check_nt(STATUS_SUCCESS, status);
    check_x4(open.hGlobalShare, ==, create.hGlobalShare);
    check_d3dkmt_local(open.hResource, &next_local);
    check_x4(open.PrivateRuntimeDataSize, ==, sizeof(expect_runtime_data));
    check_x4(open.TotalPrivateDriverDataBufferSize, >, 0);
    check_x4(open.TotalPrivateDriverDataBufferSize, <, sizeof(driver_data));
    check_x4(open.ResourcePrivateDriverDataSize, ==, 0);
    check_u4(open.NumAllocations, ==, 1);
    check_d3dkmt_local(open_alloc.hAllocation, &next_local);
    check_x4(open_alloc.PrivateDriverDataSize, >, 0);
    check_x4(open_alloc.PrivateDriverDataSize, <, sizeof(alloc_data));
    check(!memcmp(runtime_data, expect_runtime_data, sizeof(expect_runtime_data)), "runtime data %#x, expected 7, 8, 9, 10",
          runtime_data[0]);
    check_u1(driver_data[0], !=, 0xcd);
    check_u1(resource_data[0], ==, 0xcd);
    check_u1(alloc_data[0], ==, 0xcd);

    destroy.hResource = open.hResource;
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_SUCCESS, status);
    open.hResource = 0;

    /* NumAllocations must be set */
    open.NumAllocations = 0;
    status = D3DKMTOpenResource(&open);
    check_nt(STATUS_INVALID_PARAMETER, status);
    open.NumAllocations = 1;

    /* buffer sizes must match exactly */
    open.PrivateRuntimeDataSize += 1;
    status = D3DKMTOpenResource(&open);
    check_nt(STATUS_INVALID_PARAMETER, status);
    open.PrivateRuntimeDataSize -= 1;
    open.ResourcePrivateDriverDataSize += 1;
    status = D3DKMTOpenResource(&open);
    check_nt(STATUS_INVALID_PARAMETER, status);
    open.ResourcePrivateDriverDataSize -= 1;
    PART_END();

    /* D3DKMTOpenResource2 works as well */
    PART_NEEDS3(QueryResourceInfo, OpenResource, OpenResource2);
    open.pOpenAllocationInfo2 = &open_alloc2;
    open_alloc2.pPrivateDriverData = alloc2_data;
    open_alloc2.PrivateDriverDataSize = sizeof(alloc2_data);
    open_alloc2.hAllocation = 0x1eadbeed;
    status = D3DKMTOpenResource2(&open);
    check_nt(STATUS_SUCCESS, status);
    check_x4(open.hGlobalShare, ==, create.hGlobalShare);
    check_d3dkmt_local(open.hResource, &next_local);
    check_x4(open.PrivateRuntimeDataSize, ==, sizeof(expect_runtime_data));
    check_x4(open.TotalPrivateDriverDataBufferSize, >, 0);
    check_x4(open.TotalPrivateDriverDataBufferSize, <, sizeof(driver_data));
    check_x4(open.ResourcePrivateDriverDataSize, ==, 0);
    check_u4(open.NumAllocations, ==, 1);
    check_d3dkmt_local(open_alloc2.hAllocation, &next_local);
    check_x4(open_alloc2.PrivateDriverDataSize, >, 0);
    check_x4(open_alloc2.PrivateDriverDataSize, <, sizeof(alloc_data));
    open.pOpenAllocationInfo = &open_alloc;

    destroy.hResource = open.hResource;
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_SUCCESS, status);
    open.hResource = 0;
    PART_END();

    destroy.hResource = create.hResource;
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_SUCCESS, status);
    create.hResource = 0;

    /* test creating nt shared resource */
    create.Flags.NtSecuritySharing = 1;
    create.Flags.CreateShared = 1;
    allocs[0].hAllocation = create.hGlobalShare = 0x1eadbeed;
    status = D3DKMTCreateAllocation(&create);
    check_nt(STATUS_SUCCESS, status);
    check_x4(create.hGlobalShare, ==, 0);
    check_d3dkmt_local(create.hResource, &next_local);
    check_d3dkmt_local(allocs[0].hAllocation, &next_local);

    destroy.hResource = create.hResource;
    status = D3DKMTDestroyAllocation(&destroy);
    check_nt(STATUS_SUCCESS, status);
    create.hResource = 0;

    VirtualFree((void *)allocs[0].pSystemMem, 0, MEM_RELEASE);
    VirtualFree((void *)allocs[1].pSystemMem, 0, MEM_RELEASE);

    destroy_device.hDevice = create_device.hDevice;
    D3DKMTDestroyDevice(&destroy_device);
    close_adapter.hAdapter = adapter;
    status = D3DKMTCloseAdapter(&close_adapter);
    check_nt(STATUS_SUCCESS, status);
}

/* ---- Wine's test functions that are out of scope as a whole: not ported, reported as skipped. ---- */

#define OUT_OF_SCOPE(name, reason) static void name(void) { skip("%s: out of scope, not ported: %s", #name, reason); }
#define NOT_PORTED(name, reason) static void name(void) { skip("%s: not ported: %s", #name, reason); }

NOT_PORTED(test_D3DKMTOpenAdapterFromGdiDisplayName,
           "opening adapters by GDI display name (d3dkmt.dll's, through Wine's gdi32: tests/wine/wine_adapters.c)")
NOT_PORTED(test_D3DKMTOpenAdapterFromHdc,
           "opening adapters from an HDC (d3dkmt.dll's: tests/wine/wine_adapters.c)")
OUT_OF_SCOPE(test_D3DKMTCheckVidPnExclusiveOwnership,
             "display and VidPn source ownership (D3DKMTCheckVidPnExclusiveOwnership, D3DKMTSetVidPnSourceOwner)")
OUT_OF_SCOPE(test_D3DKMTSetVidPnSourceOwner, "display and VidPn source ownership (D3DKMTSetVidPnSourceOwner)")
OUT_OF_SCOPE(test_D3DKMTCheckOcclusion, "window occlusion and VidPn ownership (D3DKMTCheckOcclusion)")
NOT_PORTED(test_D3DKMTOpenAdapterFromDeviceName,
           "opening adapters by device interface name (d3dkmt.dll's: tests/wine/wine_adapters.c)")
OUT_OF_SCOPE(test_gpu_device_properties, "GPU device properties of Wine's setupapi, no D3DKMT call")
OUT_OF_SCOPE(test_D3DKMTCreateKeyedMutex, "keyed mutexes (D3DKMTCreateKeyedMutex(2), D3DKMTOpenKeyedMutex(2))")
OUT_OF_SCOPE(test_D3DKMTShareObjects,
             "NT-handle sharing (D3DKMTShareObjects, D3DKMTOpen*FromNtHandle, D3DKMTOpen*FromName) and keyed mutexes")
OUT_OF_SCOPE(test_shared_resources,
             "resources shared by d3d9, whose D3DKMT handles Wine's win32u hands out, not d3dkmt.dll")

int main(int argc, char **argv)
{
    static const struct wt_test tests[] =
    {
        WT_TEST(test_exports),
        WT_TEST(test_D3DKMTOpenAdapterFromGdiDisplayName),
        WT_TEST(test_D3DKMTOpenAdapterFromHdc),
        WT_TEST(test_D3DKMTEnumAdapters2),
        WT_TEST(test_D3DKMTCloseAdapter),
        WT_TEST(test_D3DKMTCreateDevice),
        WT_TEST(test_D3DKMTDestroyDevice),
        WT_TEST(test_D3DKMTCheckVidPnExclusiveOwnership),
        WT_TEST(test_D3DKMTSetVidPnSourceOwner),
        WT_TEST(test_D3DKMTCheckOcclusion),
        WT_TEST(test_D3DKMTOpenAdapterFromDeviceName),
        WT_TEST(test_D3DKMTQueryAdapterInfo),
        WT_TEST(test_D3DKMTQueryVideoMemoryInfo),
        WT_TEST(test_gpu_device_properties),
        WT_TEST(test_D3DKMTCreateSynchronizationObject),
        WT_TEST(test_D3DKMTCreateKeyedMutex),
        WT_TEST(test_D3DKMTCreateAllocation),
        WT_TEST(test_D3DKMTShareObjects),
        WT_TEST(test_shared_resources),
    };

    /* The second process of test_D3DKMTCreateSynchronizationObject. */
    if (argc > 2 && !strcmp(argv[1], "test_D3DKMTCreateSynchronizationObject"))
    {
        test_exports();
        if (funcs_ready) test_D3DKMTCreateSynchronizationObject_process(argv[2]);
        printf("%u passed, %u failed\n", wt_checks_passed, wt_checks_failed);
        return wt_checks_failed ? 1 : 0;
    }
    return wt_run(tests, ARRAYSIZE(tests));
}
