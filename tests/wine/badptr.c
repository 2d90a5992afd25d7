/*
 * badptr.c: bad pointers and bad handles through d3dkmt.dll never crash the process; they give
 * STATUS_INVALID_PARAMETER (NULL descriptor, bad handle), STATUS_ACCESS_VIOLATION (unreadable
 * descriptor or array, unwritable output), as a kernel thunk on Windows does (docs/wine-dll.md).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#include "wine_util.h"

#define PAGE 4096

static char *noaccess;      /* a PAGE_NOACCESS page */
static char *readonly;      /* a PAGE_READONLY page, zero-filled apart from what tests put there */
static char *edge;          /* a read/write page followed by a PAGE_NOACCESS page */
static char *guard;         /* a page made PAGE_GUARD again before each use */

static void setup_pages(void)
{
    DWORD old;

    if (noaccess) return;
    noaccess = VirtualAlloc(NULL, PAGE, MEM_COMMIT | MEM_RESERVE, PAGE_NOACCESS);
    readonly = VirtualAlloc(NULL, PAGE, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    edge = VirtualAlloc(NULL, 2 * PAGE, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    guard = VirtualAlloc(NULL, PAGE, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    VirtualProtect(edge + PAGE, PAGE, PAGE_NOACCESS, &old);
    VirtualProtect(readonly, PAGE, PAGE_READONLY, &old);
}

/* Puts `size` bytes of `content` at the start of the read-only page. */
static void *make_readonly(const void *content, SIZE_T size)
{
    DWORD old;

    VirtualProtect(readonly, PAGE, PAGE_READWRITE, &old);
    memset(readonly, 0, PAGE);
    memcpy(readonly, content, size);
    VirtualProtect(readonly, PAGE, PAGE_READONLY, &old);
    return readonly;
}

typedef NTSTATUS (WINAPI *thunk_fn)(void *);

#define ENTRY(name) { #name, (thunk_fn)name }
static const struct { const char *name; thunk_fn fn; } entries[] =
{
    ENTRY(D3DKMTEnumAdapters2), ENTRY(D3DKMTOpenAdapterFromLuid), ENTRY(D3DKMTCloseAdapter),
    ENTRY(D3DKMTQueryAdapterInfo), ENTRY(D3DKMTQueryVideoMemoryInfo), ENTRY(D3DKMTCreateDevice),
    ENTRY(D3DKMTDestroyDevice), ENTRY(D3DKMTCreateAllocation), ENTRY(D3DKMTCreateAllocation2),
    ENTRY(D3DKMTDestroyAllocation), ENTRY(D3DKMTDestroyAllocation2), ENTRY(D3DKMTLock2),
    ENTRY(D3DKMTUnlock2), ENTRY(D3DKMTOfferAllocations), ENTRY(D3DKMTReclaimAllocations),
    ENTRY(D3DKMTReclaimAllocations2), ENTRY(D3DKMTMakeResident), ENTRY(D3DKMTEvict),
    ENTRY(D3DKMTSetAllocationPriority), ENTRY(D3DKMTGetAllocationPriority),
    ENTRY(D3DKMTCreatePagingQueue), ENTRY(D3DKMTDestroyPagingQueue),
    ENTRY(D3DKMTCreateSynchronizationObject2), ENTRY(D3DKMTDestroySynchronizationObject),
    ENTRY(D3DKMTSignalSynchronizationObjectFromCpu), ENTRY(D3DKMTWaitForSynchronizationObjectFromCpu),
    ENTRY(D3DKMTSignalSynchronizationObjectFromGpu), ENTRY(D3DKMTSignalSynchronizationObjectFromGpu2),
    ENTRY(D3DKMTWaitForSynchronizationObjectFromGpu), ENTRY(D3DKMTEscape),
    ENTRY(D3DKMTCreateSynchronizationObject), ENTRY(D3DKMTOpenSynchronizationObject),
    ENTRY(D3DKMTQueryResourceInfo), ENTRY(D3DKMTOpenResource), ENTRY(D3DKMTOpenResource2),
};

/* The Unix side is loaded: the private no-op call succeeds (a missing d3dkmt.so gives
 * STATUS_DLL_NOT_FOUND from every entry point). */
static void test_unix_side_loaded(void)
{
    HMODULE module = GetModuleHandleA("d3dkmt.dll");
    NTSTATUS (WINAPI *noop)(void);

    ok(module != NULL, "d3dkmt.dll not loaded");
    if (!module) return;
    noop = (void *)GetProcAddress(module, "__wine_d3dkmt_noop");
    ok(noop != NULL, "no __wine_d3dkmt_noop export");
    if (noop) ok_status(noop(), STATUS_SUCCESS);
    /* The win32u names are the same functions. */
    ok(GetProcAddress(module, "NtGdiDdDDIOfferAllocations") == GetProcAddress(module, "D3DKMTOfferAllocations"),
       "NtGdiDdDDIOfferAllocations is not D3DKMTOfferAllocations");
    ok(GetProcAddress(module, "NtGdiDdDDIReclaimAllocations2") == GetProcAddress(module, "D3DKMTReclaimAllocations2"),
       "NtGdiDdDDIReclaimAllocations2 is not D3DKMTReclaimAllocations2");
    ok(GetProcAddress(module, "NtGdiDdDDIReclaimAllocations2") != NULL, "no NtGdiDdDDIReclaimAllocations2");
}

static void test_null_descriptor(void)
{
    unsigned int i;

    for (i = 0; i < ARRAYSIZE(entries); i++)
    {
        NTSTATUS status = entries[i].fn(NULL);
        ok(status == STATUS_INVALID_PARAMETER, "%s(NULL): %#lx", entries[i].name, (unsigned long)status);
    }
}

static void test_unreadable_descriptor(void)
{
    unsigned int i;
    DWORD old;

    setup_pages();
    for (i = 0; i < ARRAYSIZE(entries); i++)
    {
        NTSTATUS status = entries[i].fn(noaccess);
        ok(status == STATUS_ACCESS_VIOLATION, "%s(noaccess): %#lx", entries[i].name, (unsigned long)status);
        status = entries[i].fn((void *)(ULONG_PTR)0x10);
        ok(status == STATUS_ACCESS_VIOLATION, "%s(0x10): %#lx", entries[i].name, (unsigned long)status);
        /* A descriptor that starts readable and runs into an unreadable page (every descriptor is
         * at least 4 bytes long). */
        status = entries[i].fn(edge + PAGE - 2);
        ok(status == STATUS_ACCESS_VIOLATION, "%s(edge): %#lx", entries[i].name, (unsigned long)status);
        /* A guard page faults once (STATUS_GUARD_PAGE_VIOLATION), and is then an ordinary page. */
        VirtualProtect(guard, PAGE, PAGE_READWRITE | PAGE_GUARD, &old);
        status = entries[i].fn(guard);
        ok(status == STATUS_ACCESS_VIOLATION, "%s(guard page): %#lx", entries[i].name, (unsigned long)status);
    }
}

/* Descriptors with out fields must be writable: a read-only one gives STATUS_ACCESS_VIOLATION and
 * stays unchanged; an input-only one in read-only memory is fine (the call then fails on the bad
 * handle, with the library's status). */
static void test_readonly_descriptor(void)
{
    D3DKMT_ENUMADAPTERS2 enum_desc = { 0 };
    D3DKMT_OPENADAPTERFROMLUID open_desc = { 0 };
    D3DKMT_CREATEDEVICE create_desc = { 0 };
    D3DKMT_LOCK2 lock_desc = { 0 };
    D3DKMT_RECLAIMALLOCATIONS2 reclaim_desc = { 0 };
    D3DKMT_CREATEPAGINGQUEUE queue_desc = { 0 };
    D3DKMT_CLOSEADAPTER close_desc = { 0xdead40 };
    D3DKMT_ENUMADAPTERS2 *ro_enum;
    NTSTATUS status;

    setup_pages();
    ro_enum = make_readonly(&enum_desc, sizeof(enum_desc));
    ok_status(D3DKMTEnumAdapters2(ro_enum), STATUS_ACCESS_VIOLATION);
    ok(ro_enum->NumAdapters == 0, "read-only descriptor changed: %lu", (unsigned long)ro_enum->NumAdapters);
    ok_status(D3DKMTOpenAdapterFromLuid(make_readonly(&open_desc, sizeof(open_desc))), STATUS_ACCESS_VIOLATION);
    ok_status(D3DKMTCreateDevice(make_readonly(&create_desc, sizeof(create_desc))), STATUS_ACCESS_VIOLATION);
    ok_status(D3DKMTLock2(make_readonly(&lock_desc, sizeof(lock_desc))), STATUS_ACCESS_VIOLATION);
    ok_status(D3DKMTReclaimAllocations2(make_readonly(&reclaim_desc, sizeof(reclaim_desc))), STATUS_ACCESS_VIOLATION);
    ok_status(D3DKMTCreatePagingQueue(make_readonly(&queue_desc, sizeof(queue_desc))), STATUS_ACCESS_VIOLATION);

    status = D3DKMTCloseAdapter(make_readonly(&close_desc, sizeof(close_desc)));
    ok(status != STATUS_ACCESS_VIOLATION, "input-only descriptor in read-only memory: %#lx", (unsigned long)status);
    ok_status(status, STATUS_INVALID_PARAMETER);
}

/* Arrays are checked by their count, before the library sees anything. */
static void test_bad_arrays(void)
{
    D3DKMT_HANDLE handles[4] = { 0x40000040, 0x40000080, 0x400000c0, 0x40000100 };
    UINT64 values[4] = { 1, 2, 3, 4 };
    D3DKMT_HANDLE *edge_handles;

    setup_pages();
    edge_handles = (D3DKMT_HANDLE *)(edge + PAGE - 2 * sizeof(D3DKMT_HANDLE));
    edge_handles[0] = edge_handles[1] = 0x40000040;

    {
        D3DKMT_OFFERALLOCATIONS desc = { 0 };
        desc.hDevice = 0x40000040;
        desc.HandleList = (const D3DKMT_HANDLE *)noaccess;
        desc.NumAllocations = 1;
        desc.Priority = D3DKMT_OFFER_PRIORITY_LOW;
        ok_status(D3DKMTOfferAllocations(&desc), STATUS_ACCESS_VIOLATION);
        desc.HandleList = edge_handles;
        desc.NumAllocations = 3;    /* the third handle is in the unreadable page */
        ok_status(D3DKMTOfferAllocations(&desc), STATUS_ACCESS_VIOLATION);
        desc.HandleList = NULL;
        desc.pResources = (D3DKMT_HANDLE *)noaccess;
        desc.NumAllocations = 1;
        ok_status(D3DKMTOfferAllocations(&desc), STATUS_ACCESS_VIOLATION);
        /* A count far over any limit is invalid before anything is read. */
        desc.pResources = NULL;
        desc.HandleList = handles;
        desc.NumAllocations = 0x7fffffff;
        ok_status(D3DKMTOfferAllocations(&desc), STATUS_INVALID_PARAMETER);
    }
    {
        D3DKMT_RECLAIMALLOCATIONS2 desc = { 0 };
        D3DDDI_RECLAIM_RESULT *results = make_readonly(handles, sizeof(handles));
        desc.hPagingQueue = 0x40000040;
        desc.HandleList = handles;
        desc.NumAllocations = 2;
        desc.pResults = results;
        ok_status(D3DKMTReclaimAllocations2(&desc), STATUS_ACCESS_VIOLATION);
        ok(results[0] == (D3DDDI_RECLAIM_RESULT)handles[0], "read-only results changed");
        desc.pResults = (D3DDDI_RECLAIM_RESULT *)noaccess;
        ok_status(D3DKMTReclaimAllocations2(&desc), STATUS_ACCESS_VIOLATION);
        desc.pResults = NULL;
        desc.HandleList = (const D3DKMT_HANDLE *)noaccess;
        ok_status(D3DKMTReclaimAllocations2(&desc), STATUS_ACCESS_VIOLATION);
    }
    {
        D3DKMT_RECLAIMALLOCATIONS desc = { 0 };
        desc.hDevice = 0x40000040;
        desc.HandleList = handles;
        desc.NumAllocations = 1;
        desc.pDiscarded = (BOOL *)make_readonly(handles, sizeof(handles));
        ok_status(D3DKMTReclaimAllocations(&desc), STATUS_ACCESS_VIOLATION);
    }
    {
        D3DKMT_DESTROYALLOCATION2 desc = { 0 };
        desc.hDevice = 0x40000040;
        desc.phAllocationList = (const D3DKMT_HANDLE *)noaccess;
        desc.AllocationCount = 1;
        ok_status(D3DKMTDestroyAllocation2(&desc), STATUS_ACCESS_VIOLATION);
    }
    {
        D3DKMT_DESTROYALLOCATION desc = { 0 };
        desc.hDevice = 0x40000040;
        desc.phAllocationList = (const D3DKMT_HANDLE *)noaccess;
        desc.AllocationCount = 1;
        ok_status(D3DKMTDestroyAllocation(&desc), STATUS_ACCESS_VIOLATION);
    }
    {
        D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU desc = { 0 };
        desc.hDevice = 0x40000040;
        desc.ObjectCount = 1;
        desc.ObjectHandleArray = handles;
        desc.FenceValueArray = (const UINT64 *)noaccess;
        ok_status(D3DKMTSignalSynchronizationObjectFromCpu(&desc), STATUS_ACCESS_VIOLATION);
    }
    {
        D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU desc = { 0 };
        desc.hDevice = 0x40000040;
        desc.ObjectCount = 1;
        desc.ObjectHandleArray = (const D3DKMT_HANDLE *)noaccess;
        desc.FenceValueArray = values;
        ok_status(D3DKMTWaitForSynchronizationObjectFromCpu(&desc), STATUS_ACCESS_VIOLATION);
    }
    {
        D3DDDI_MAKERESIDENT desc = { 0 };
        desc.hPagingQueue = 0x40000040;
        desc.NumAllocations = 2;
        desc.AllocationList = handles;
        desc.PriorityList = (const UINT *)noaccess;
        ok_status(D3DKMTMakeResident(&desc), STATUS_ACCESS_VIOLATION);
    }
    {
        D3DKMT_EVICT desc = { 0 };
        desc.hDevice = 0x40000040;
        desc.NumAllocations = 1;
        desc.AllocationList = (const D3DKMT_HANDLE *)noaccess;
        ok_status(D3DKMTEvict(&desc), STATUS_ACCESS_VIOLATION);
    }
    {
        D3DKMT_GETALLOCATIONPRIORITY desc = { 0 };
        desc.hDevice = 0x40000040;
        desc.phAllocationList = handles;
        desc.AllocationCount = 1;
        desc.pPriorities = (UINT *)make_readonly(values, sizeof(values));
        ok_status(D3DKMTGetAllocationPriority(&desc), STATUS_ACCESS_VIOLATION);
    }
    {
        D3DKMT_SETALLOCATIONPRIORITY desc = { 0 };
        desc.hDevice = 0x40000040;
        desc.phAllocationList = handles;
        desc.AllocationCount = 1;
        desc.pPriorities = (const UINT *)noaccess;
        ok_status(D3DKMTSetAllocationPriority(&desc), STATUS_ACCESS_VIOLATION);
    }
    {
        D3DKMT_ENUMADAPTERS2 desc = { 0 };
        desc.NumAdapters = 4;
        desc.pAdapters = (D3DKMT_ADAPTERINFO *)make_readonly(values, sizeof(values));
        ok_status(D3DKMTEnumAdapters2(&desc), STATUS_ACCESS_VIOLATION);
        ok(desc.NumAdapters == 4, "NumAdapters changed to %lu", (unsigned long)desc.NumAdapters);
    }
    {
        D3DKMT_VK_STATISTICS *stats = make_readonly(values, sizeof(values));
        D3DKMT_ESCAPE desc = { 0 };
        desc.hDevice = 0x40000040;
        desc.Type = D3DKMT_ESCAPE_DRIVERPRIVATE;
        desc.pPrivateDriverData = stats;
        desc.PrivateDriverDataSize = sizeof(*stats);
        ok_status(D3DKMTEscape(&desc), STATUS_ACCESS_VIOLATION);
        desc.pPrivateDriverData = noaccess;
        ok_status(D3DKMTEscape(&desc), STATUS_ACCESS_VIOLATION);
    }
    {
        D3DKMT_QUERYADAPTERINFO desc = { 0 };
        desc.hAdapter = 0x40000040;
        desc.Type = KMTQAITYPE_GETSEGMENTSIZE;
        desc.pPrivateDriverData = noaccess;
        desc.PrivateDriverDataSize = sizeof(D3DKMT_SEGMENTSIZEINFO);
        ok_status(D3DKMTQueryAdapterInfo(&desc), STATUS_ACCESS_VIOLATION);
    }
    {
        D3DKMT_VK_ALLOCATIONDATA data = { D3DKMT_VK_ALLOCATIONDATA_VERSION, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 4096 };
        D3DDDI_ALLOCATIONINFO2 info = { 0 };
        D3DDDI_ALLOCATIONINFO info1 = { 0 };
        D3DKMT_CREATEALLOCATION desc = { 0 };
        desc.hDevice = 0x40000040;
        desc.NumAllocations = 1;
        desc.pAllocationInfo2 = (D3DDDI_ALLOCATIONINFO2 *)noaccess;
        ok_status(D3DKMTCreateAllocation2(&desc), STATUS_ACCESS_VIOLATION);
        info.pPrivateDriverData = noaccess;
        info.PrivateDriverDataSize = sizeof(data);
        desc.pAllocationInfo2 = &info;
        ok_status(D3DKMTCreateAllocation2(&desc), STATUS_ACCESS_VIOLATION);
        ok(info.pPrivateDriverData == noaccess, "element pointer changed");
        info.pPrivateDriverData = &data;
        desc.pAllocationInfo2 = make_readonly(&info, sizeof(info));
        ok_status(D3DKMTCreateAllocation2(&desc), STATUS_ACCESS_VIOLATION);
        info1.pPrivateDriverData = (char *)edge + PAGE - 8;  /* runs into the unreadable page */
        info1.PrivateDriverDataSize = sizeof(data);
        desc.pAllocationInfo = &info1;
        ok_status(D3DKMTCreateAllocation(&desc), STATUS_ACCESS_VIOLATION);
        desc.pAllocationInfo = &info1;
        desc.pPrivateDriverData = noaccess;
        desc.PrivateDriverDataSize = 16;
        info1.pPrivateDriverData = &data;
        ok_status(D3DKMTCreateAllocation(&desc), STATUS_ACCESS_VIOLATION);
    }
}

/* Bad handles reach the library, which answers STATUS_INVALID_PARAMETER (as dxgkrnl does). */
static void test_bad_handles(void)
{
    D3DKMT_HANDLE bad = 0x7fffffc0, handles[1] = { 0x7fffffc0 };
    UINT64 value = 1;
    UINT priority;
    D3DDDI_RECLAIM_RESULT result = 0;

    {
        D3DKMT_CLOSEADAPTER desc = { bad };
        ok_status(D3DKMTCloseAdapter(&desc), STATUS_INVALID_PARAMETER);
    }
    {
        D3DKMT_CREATEDEVICE desc = { 0 };
        desc.hAdapter = bad;
        ok_status(D3DKMTCreateDevice(&desc), STATUS_INVALID_PARAMETER);
        ok(desc.hDevice == 0, "hDevice %#x", desc.hDevice);
    }
    {
        D3DKMT_DESTROYDEVICE desc = { bad };
        ok_status(D3DKMTDestroyDevice(&desc), STATUS_INVALID_PARAMETER);
    }
    {
        D3DKMT_LOCK2 desc = { 0 };
        desc.hDevice = bad;
        desc.hAllocation = bad;
        ok_status(D3DKMTLock2(&desc), STATUS_INVALID_PARAMETER);
        ok(desc.pData == NULL, "pData %p", desc.pData);
    }
    {
        D3DKMT_OFFERALLOCATIONS desc = { 0 };
        desc.hDevice = bad;
        desc.HandleList = handles;
        desc.NumAllocations = 1;
        desc.Priority = D3DKMT_OFFER_PRIORITY_LOW;
        ok_status(D3DKMTOfferAllocations(&desc), STATUS_INVALID_PARAMETER);
    }
    {
        D3DKMT_RECLAIMALLOCATIONS2 desc = { 0 };
        desc.hPagingQueue = bad;
        desc.HandleList = handles;
        desc.NumAllocations = 1;
        desc.pResults = &result;
        ok_status(D3DKMTReclaimAllocations2(&desc), STATUS_INVALID_PARAMETER);
    }
    {
        D3DKMT_DESTROYALLOCATION2 desc = { 0 };
        desc.hDevice = bad;
        desc.phAllocationList = handles;
        desc.AllocationCount = 1;
        ok_status(D3DKMTDestroyAllocation2(&desc), STATUS_INVALID_PARAMETER);
    }
    {
        D3DKMT_GETALLOCATIONPRIORITY desc = { 0 };
        desc.hDevice = bad;
        desc.phAllocationList = handles;
        desc.AllocationCount = 1;
        desc.pPriorities = &priority;
        ok_status(D3DKMTGetAllocationPriority(&desc), STATUS_INVALID_PARAMETER);
    }
    {
        D3DKMT_CREATEPAGINGQUEUE desc = { 0 };
        desc.hDevice = bad;
        ok_status(D3DKMTCreatePagingQueue(&desc), STATUS_INVALID_PARAMETER);
    }
    {
        D3DDDI_DESTROYPAGINGQUEUE desc = { bad };
        ok_status(D3DKMTDestroyPagingQueue(&desc), STATUS_INVALID_PARAMETER);
    }
    {
        D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU desc = { 0 };
        desc.hDevice = bad;
        desc.ObjectCount = 1;
        desc.ObjectHandleArray = handles;
        desc.FenceValueArray = &value;
        ok_status(D3DKMTWaitForSynchronizationObjectFromCpu(&desc), STATUS_INVALID_PARAMETER);
    }
    {
        D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU desc = { 0 };
        desc.hDevice = bad;
        desc.ObjectCount = 1;
        desc.ObjectHandleArray = handles;
        desc.FenceValueArray = &value;
        ok_status(D3DKMTSignalSynchronizationObjectFromCpu(&desc), STATUS_INVALID_PARAMETER);
    }
    {
        D3DKMT_VK_STATISTICS stats = { D3DKMT_VK_ESCAPE_QUERY_STATISTICS };
        D3DKMT_ESCAPE desc = { 0 };
        desc.hDevice = bad;
        desc.Type = D3DKMT_ESCAPE_DRIVERPRIVATE;
        desc.pPrivateDriverData = &stats;
        desc.PrivateDriverDataSize = sizeof(stats);
        ok_status(D3DKMTEscape(&desc), STATUS_INVALID_PARAMETER);
    }
}

/* The asynchronous wait checks its event handle first. */
static void test_bad_async_event(void)
{
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU desc = { 0 };
    D3DKMT_HANDLE sync = 0x7fffffc0;
    UINT64 value = 1;

    desc.hDevice = 0x7fffffc0;
    desc.ObjectCount = 1;
    desc.ObjectHandleArray = &sync;
    desc.FenceValueArray = &value;
    desc.hAsyncEvent = (HANDLE)(ULONG_PTR)0xdead0;
    ok_status(D3DKMTWaitForSynchronizationObjectFromCpu(&desc), STATUS_INVALID_HANDLE);
}

/* Bad pointers to a live device's calls: the device survives and still works. */
static void test_live_device_bad_pointers(void)
{
    struct wt_env env;
    D3DKMT_HANDLE alloc = 0;
    NTSTATUS status;

    setup_pages();
    if (!wt_env_open(&env))
    {
        wt_env_close(&env);
        return;
    }
    status = wt_create_allocation(env.device, 65536, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, &alloc);
    ok_status(status, STATUS_SUCCESS);
    if (!status)
    {
        D3DKMT_OFFERALLOCATIONS offer = { 0 };
        D3DKMT_RECLAIMALLOCATIONS2 reclaim = { 0 };
        D3DKMT_LOCK2 *ro_lock;
        D3DKMT_LOCK2 lock = { 0 };

        lock.hDevice = env.device;
        lock.hAllocation = alloc;
        ro_lock = make_readonly(&lock, sizeof(lock));
        ok_status(D3DKMTLock2(ro_lock), STATUS_ACCESS_VIOLATION);
        /* The failed lock changed nothing: a real lock and unlock work. */
        ok_status(wt_pattern_io(env.device, alloc, 65536, 0x1234, TRUE), STATUS_SUCCESS);

        offer.hDevice = env.device;
        offer.HandleList = (const D3DKMT_HANDLE *)noaccess;
        offer.NumAllocations = 1;
        offer.Priority = D3DKMT_OFFER_PRIORITY_LOW;
        ok_status(D3DKMTOfferAllocations(&offer), STATUS_ACCESS_VIOLATION);

        /* Not offered by the failed call: the pattern is there and Lock2 works. */
        ok_status(wt_pattern_io(env.device, alloc, 65536, 0x1234, FALSE), STATUS_SUCCESS);

        offer.HandleList = &alloc;
        ok_status(D3DKMTOfferAllocations(&offer), STATUS_SUCCESS);
        reclaim.hPagingQueue = env.queue;
        reclaim.HandleList = &alloc;
        reclaim.NumAllocations = 1;
        reclaim.pResults = (D3DDDI_RECLAIM_RESULT *)make_readonly(&alloc, sizeof(alloc));
        ok_status(D3DKMTReclaimAllocations2(&reclaim), STATUS_ACCESS_VIOLATION);
        /* Still offered: the output check came before the reclaim. */
        reclaim.pResults = NULL;
        ok_status(D3DKMTReclaimAllocations2(&reclaim), STATUS_SUCCESS);

        ok_status(wt_destroy_allocation(env.device, alloc, 0), STATUS_SUCCESS);
        ok_status(wt_destroy_allocation(env.device, alloc, 0), STATUS_INVALID_PARAMETER);
    }
    wt_env_close(&env);
}

/* A standard allocation's existing heap becomes GPU memory: the PE side probes it for its size,
 * so a heap the application cannot write (or that is shorter than it says) is refused before the
 * library imports anything; a good one works. */
static void test_existing_heap_pointers(void)
{
    D3DKMT_CREATESTANDARDALLOCATION standard = { 0 };
    D3DDDI_ALLOCATIONINFO info = { 0 };
    D3DKMT_CREATEALLOCATION create = { 0 };
    struct wt_env env;
    char *heap;

    setup_pages();
    if (!wt_env_open(&env))
    {
        wt_env_close(&env);
        return;
    }
    heap = VirtualAlloc(NULL, 0x20000, MEM_RESERVE, PAGE_NOACCESS);
    VirtualAlloc(heap, 0x10000, MEM_COMMIT, PAGE_READWRITE);   /* the second 64 KiB: reserved only */
    standard.Type = D3DKMT_STANDARDALLOCATIONTYPE_EXISTINGHEAP;
    standard.ExistingHeapData.Size = 0x20000;
    create.hDevice = env.device;
    create.Flags.ExistingSysMem = create.Flags.StandardAllocation = 1;
    create.pStandardAllocation = &standard;
    create.NumAllocations = 1;
    create.pAllocationInfo = &info;
    info.pSystemMem = heap;
    ok_status(D3DKMTCreateAllocation(&create), STATUS_ACCESS_VIOLATION);    /* longer than mapped */
    info.pSystemMem = readonly;
    standard.ExistingHeapData.Size = PAGE;
    ok_status(D3DKMTCreateAllocation(&create), STATUS_ACCESS_VIOLATION);    /* read-only */
    info.pSystemMem = heap;
    standard.ExistingHeapData.Size = 0x10000;
    ok_status(D3DKMTCreateAllocation(&create), STATUS_SUCCESS);
    ok_status(wt_destroy_allocation(env.device, info.hAllocation, 0), STATUS_SUCCESS);
    VirtualFree(heap, 0, MEM_RELEASE);
    wt_env_close(&env);
}

WT_MAIN(WT_TEST(test_unix_side_loaded), WT_TEST(test_null_descriptor), WT_TEST(test_unreadable_descriptor),
        WT_TEST(test_readonly_descriptor), WT_TEST(test_bad_arrays), WT_TEST(test_bad_handles),
        WT_TEST(test_bad_async_event), WT_TEST(test_live_device_bad_pointers), WT_TEST(test_existing_heap_pointers))
