/*
 * Standard allocations over existing system memory (EXISTINGHEAP) and resources shared within the
 * process (global handles, D3DKMTQueryResourceInfo, D3DKMTOpenResource(2)), on the real default
 * Vulkan device (lavapipe without a GPU, which has VK_EXT_external_memory_host), validation layer
 * on.  docs/decisions/existing-heap.md and docs/decisions/sharing.md say what is checked here.
 *
 * What is asserted is observable: the GPU reads and writes the application's own pages (copies
 * through the device queue), offers and budget pressure never discard them, destroying frees the
 * Vulkan memory and statistics but never the pages, handles and global handles live exactly as
 * long as they should, and bad input gives the documented status and changes nothing.
 */
#include "d3dkmt_private.h"
#include "common.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HEAP 0x10000

static bool can_import(const struct test_device *t)
{
    struct d3dkmt_device *device = d3dkmt_device_get(t->device);
    bool ok;

    assert_non_null(device);
    ok = device->host_import;
    d3dkmt_device_put(device);
    return ok;
}

static void *heap_new(size_t size, uint8_t seed)
{
    uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    size_t i;

    assert_true(p != MAP_FAILED);
    for (i = 0; i < size; i++) p[i] = (uint8_t)(seed + i * 7);
    return p;
}

static bool heap_check(const void *heap, size_t size, uint8_t seed)
{
    const uint8_t *p = heap;
    size_t i;

    for (i = 0; i < size; i++) if (p[i] != (uint8_t)(seed + i * 7)) return false;
    return true;
}

/* A standard allocation (v1 or v2 entry) over heap; *resource non-NULL: CreateResource, *global
 * non-NULL: CreateShared too.  Returns the status; *out the allocation. */
static NTSTATUS create_standard(D3DKMT_HANDLE device, const void *heap, UINT64 size, bool v2, UINT flags,
                                D3DKMT_HANDLE *out, D3DKMT_HANDLE *resource, D3DKMT_HANDLE *global,
                                const void *runtime, UINT runtime_size)
{
    D3DKMT_CREATESTANDARDALLOCATION standard = { .Type = D3DKMT_STANDARDALLOCATIONTYPE_EXISTINGHEAP };
    D3DDDI_ALLOCATIONINFO2 info2 = { .pSystemMem = heap, .hAllocation = 0x1eadbeed };
    D3DDDI_ALLOCATIONINFO info = { .pSystemMem = heap, .hAllocation = 0x1eadbeed };
    D3DKMT_CREATEALLOCATION create = { .hDevice = device, .NumAllocations = 1 };
    NTSTATUS status;

    standard.ExistingHeapData.Size = size;
    create.Flags.ExistingSysMem = 1;
    create.Flags.StandardAllocation = 1;
    create.Flags.CreateResource = resource != NULL;
    create.Flags.CreateShared = global != NULL;
    {
        UINT bits;

        memcpy(&bits, &create.Flags, sizeof(bits));
        bits |= flags;
        memcpy(&create.Flags, &bits, sizeof(bits));
    }
    create.pStandardAllocation = &standard;
    create.hGlobalShare = 0x1eadbeed;     /* output only */
    create.pPrivateRuntimeData = runtime;
    create.PrivateRuntimeDataSize = runtime_size;
    if (v2) create.pAllocationInfo2 = &info2;
    else create.pAllocationInfo = &info;
    status = v2 ? D3DKMTCreateAllocation2(&create) : D3DKMTCreateAllocation(&create);
    if (status) return status;
    *out = v2 ? info2.hAllocation : info.hAllocation;
    if (resource) *resource = create.hResource;
    if (global) *global = create.hGlobalShare;
    else assert_int_equal(create.hGlobalShare, 0);
    return status;
}

static NTSTATUS destroy_resource(D3DKMT_HANDLE device, D3DKMT_HANDLE resource)
{
    D3DKMT_DESTROYALLOCATION2 d = { .hDevice = device, .hResource = resource };
    return D3DKMTDestroyAllocation2(&d);
}

static void test_existing_heap(void **state)
{
    struct d3dkmt_host_allocation_info info, dst_info;
    D3DKMT_VK_STATISTICS before, after;
    struct test_device t;
    D3DKMT_HANDLE h, h2, dst, fill[8];
    D3DKMT_LOCK2 lock = { 0 };
    D3DKMT_UNLOCK2 unlock = { 0 };
    uint8_t *heap, *heap2;
    uint32_t handles;
    UINT64 usage;

    test_open_device(&t);
    if (!can_import(&t)) { test_close_device(&t); skip(); }
    heap = heap_new(HEAP, 3);
    heap2 = heap_new(HEAP, 9);
    before = test_stats(t.device);
    usage = test_local_usage(t.adapter) + d3dkmt_host_validation_messages();
    handles = d3dkmt_handle_count();
    assert_int_equal(create_standard(t.device, heap, HEAP, false, 0, &h, NULL, NULL, NULL, 0), STATUS_SUCCESS);
    assert_int_equal(create_standard(t.device, heap2, HEAP, true, 0, &h2, NULL, NULL, NULL, 0), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_handle_count(), handles + 2);
    assert_int_equal(test_stats(t.device).AllocationsLive, before.AllocationsLive + 2);
    assert_int_equal(d3dkmt_host_get_allocation_info(t.device, h, &info), STATUS_SUCCESS);
    assert_int_equal(info.size, HEAP);
    assert_non_null(info.memory);

    /* Lock2 sees the application's bytes; what the CPU writes there is in the heap. */
    lock.hDevice = unlock.hDevice = t.device;
    lock.hAllocation = unlock.hAllocation = h;
    assert_int_equal(D3DKMTLock2(&lock), STATUS_SUCCESS);
    assert_true(heap_check(lock.pData, HEAP, 3));
    ((uint8_t *)lock.pData)[5] = 0xee;
    assert_int_equal(heap[5], 0xee);
    heap[5] = (uint8_t)(3 + 5 * 7);
    assert_int_equal(D3DKMTUnlock2(&unlock), STATUS_SUCCESS);

    /* The GPU reads the heap (a copy out into a library allocation) and writes it (heap2 <- heap). */
    assert_int_equal(test_create(t.device, 1, HEAP, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, &dst, NULL), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_get_allocation_info(t.device, dst, &dst_info), STATUS_SUCCESS);
    test_gpu_copy(&t, info.buffer, dst_info.buffer, HEAP);
    lock.hAllocation = unlock.hAllocation = dst;
    assert_int_equal(D3DKMTLock2(&lock), STATUS_SUCCESS);
    assert_true(heap_check(lock.pData, HEAP, 3));
    assert_int_equal(D3DKMTUnlock2(&unlock), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_get_allocation_info(t.device, h2, &dst_info), STATUS_SUCCESS);
    test_gpu_copy(&t, info.buffer, dst_info.buffer, HEAP);
    assert_true(heap_check(heap2, HEAP, 3));

    /* Offered at LOW, then memory pressure: the application's memory is never discarded, a
     * reclaim reports it intact (docs/decisions/existing-heap.md). */
    {
        D3DKMT_OFFERALLOCATIONS o = { .hDevice = t.device, .HandleList = &h, .NumAllocations = 1,
                                      .Priority = D3DKMT_OFFER_PRIORITY_LOW };
        D3DKMT_RECLAIMALLOCATIONS r = { .hDevice = t.device, .HandleList = &h, .NumAllocations = 1 };
        BOOL discarded = TRUE;
        UINT64 budget = test_stats(t.device).Budget;

        o.Flags.AllowDecommit = 1;
        assert_int_equal(D3DKMTOfferAllocations(&o), STATUS_SUCCESS);
        assert_int_equal(d3dkmt_host_flush_deferred(t.device, 10000000000ull), STATUS_SUCCESS);
        assert_int_equal(d3dkmt_host_get_allocation_info(t.device, h, &info), STATUS_SUCCESS);
        assert_true(info.offered);
        /* Whatever the budget, trimming for more than it finds nothing of h to take. */
        if (budget < (UINT64)1 << 40)
        {
            struct d3dkmt_device *device = d3dkmt_device_get(t.device);
            pthread_mutex_lock(&device->lock);
            d3dkmt_vidmm_trim_locked(device, budget + 1);
            pthread_mutex_unlock(&device->lock);
            d3dkmt_device_put(device);
        }
        assert_int_equal(d3dkmt_host_get_allocation_info(t.device, h, &info), STATUS_SUCCESS);
        assert_non_null(info.memory);
        r.pDiscarded = &discarded;
        assert_int_equal(D3DKMTReclaimAllocations(&r), STATUS_SUCCESS);
        assert_int_equal(discarded, FALSE);
        assert_true(heap_check(heap, HEAP, 3));
        (void)fill;
    }

    /* Destroy: the handle goes, the Vulkan memory is freed, the pages stay the application's. */
    assert_int_equal(test_destroy(t.device, &h, 1, 2 /* SynchronousDestroy */), STATUS_SUCCESS);
    assert_int_equal(test_destroy(t.device, &h, 1, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(test_destroy(t.device, &h2, 1, 2), STATUS_SUCCESS);
    assert_int_equal(test_destroy(t.device, &dst, 1, 2), STATUS_SUCCESS);
    after = test_stats(t.device);
    assert_int_equal(after.AllocationsLive, before.AllocationsLive);
    assert_true(after.BytesFreed >= before.BytesFreed + 2 * HEAP);
    assert_int_equal(test_local_usage(t.adapter) + d3dkmt_host_validation_messages(), usage);
    assert_int_equal(d3dkmt_handle_count(), handles);
    assert_true(heap_check(heap, HEAP, 3));
    heap[0] ^= 1;                              /* still mapped and writable */
    munmap(heap, HEAP);
    munmap(heap2, HEAP);
    test_close_device(&t);
}

/* Windows' checks of standard allocations, and the library's own: each refused with nothing created. */
static void test_existing_heap_bad_input(void **state)
{
    D3DKMT_CREATESTANDARDALLOCATION standard = { .Type = D3DKMT_STANDARDALLOCATIONTYPE_EXISTINGHEAP };
    D3DDDI_ALLOCATIONINFO infos[2] = { 0 };
    D3DKMT_CREATEALLOCATION create = { 0 };
    D3DKMT_VK_STATISTICS before;
    struct test_device t;
    D3DKMT_HANDLE h, res, lib;
    uint32_t handles;
    uint8_t *heap;

    test_open_device(&t);
    if (!can_import(&t)) { test_close_device(&t); skip(); }
    heap = heap_new(2 * HEAP, 1);
    assert_int_equal(test_create(t.device, 1, 4096, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, &lib, &res), STATUS_SUCCESS);
    handles = d3dkmt_handle_count();
    before = test_stats(t.device);

    standard.ExistingHeapData.Size = HEAP;
    infos[0].pSystemMem = infos[1].pSystemMem = heap;
    create.hDevice = t.device;
    create.Flags.ExistingSysMem = create.Flags.StandardAllocation = 1;
    create.pStandardAllocation = &standard;
    create.NumAllocations = 1;
    create.pAllocationInfo = infos;

    create.PrivateDriverDataSize = 64;
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    create.PrivateDriverDataSize = 0;
    create.NumAllocations = 2;
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    create.NumAllocations = 1;
    standard.Type = 0;
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    standard.Type = D3DKMT_STANDARDALLOCATIONTYPE_INTERNALBACKINGSTORE;
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_NOT_SUPPORTED);
    standard.Type = D3DKMT_STANDARDALLOCATIONTYPE_EXISTINGHEAP;
    standard.Flags.Value = 1;
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    standard.Flags.Value = 0;
    standard.ExistingHeapData.Size = 0x1100;                /* not whole pages */
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    standard.ExistingHeapData.Size = 0;
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    standard.ExistingHeapData.Size = HEAP;
    infos[0].pSystemMem = NULL;
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    infos[0].pSystemMem = heap + 0x800;                     /* not page aligned */
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    infos[0].pSystemMem = heap;
    infos[0].Flags.Primary = 1;
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    infos[0].Flags.Primary = 0;
    create.Flags.ExistingSysMem = 0;
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    create.Flags.ExistingSysMem = 1;
    create.Flags.StandardAllocation = 0;
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    create.Flags.StandardAllocation = 1;
    create.Flags.CreateShared = 1;                          /* without CreateResource */
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    create.Flags.CreateShared = 0;
    create.Flags.NtSecuritySharing = 1;                     /* without CreateShared */
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    create.Flags.NtSecuritySharing = 0;
    create.hResource = 0x1eadbeed;
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_HANDLE);
    create.hResource = res;                                 /* no standard allocation into a resource */
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    create.Flags.CreateResource = 1;                        /* hResource must be 0 with CreateResource */
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    create.hResource = 0x1eadbeed;
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_HANDLE);
    create.hResource = 0;
    create.Flags.CreateResource = 0;
    create.PrivateRuntimeDataSize = 4;                      /* without the data */
    assert_int_equal(D3DKMTCreateAllocation(&create), STATUS_INVALID_PARAMETER);
    create.PrivateRuntimeDataSize = 0;
    assert_int_equal(d3dkmt_handle_count(), handles);
    assert_int_equal(test_stats(t.device).AllocationsLive, before.AllocationsLive);

    /* The library's own allocations: still added to an existing resource (allocations.md), and
     * not shared (only standard allocations are). */
    assert_int_equal(test_create(t.device, 1, 4096, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, &h, NULL), STATUS_SUCCESS);
    {
        D3DKMT_VK_ALLOCATIONDATA data = { .Version = D3DKMT_VK_ALLOCATIONDATA_VERSION, .Size = 4096 };
        D3DDDI_ALLOCATIONINFO2 info2 = { .pPrivateDriverData = &data, .PrivateDriverDataSize = sizeof(data) };
        D3DKMT_CREATEALLOCATION c = { .hDevice = t.device, .NumAllocations = 1, .pAllocationInfo2 = &info2,
                                      .hResource = res, .hGlobalShare = 0x1eadbeed };
        assert_int_equal(D3DKMTCreateAllocation2(&c), STATUS_SUCCESS);
        assert_int_equal(c.hGlobalShare, 0);
        assert_int_equal(test_destroy(t.device, &info2.hAllocation, 1, 0), STATUS_SUCCESS);
        c.hResource = 0;
        c.Flags.CreateResource = c.Flags.CreateShared = 1;
        assert_int_equal(D3DKMTCreateAllocation2(&c), STATUS_NOT_SUPPORTED);
    }
    assert_int_equal(test_destroy(t.device, &h, 1, 0), STATUS_SUCCESS);
    assert_int_equal(destroy_resource(t.device, res), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_handle_count(), handles - 2);
    munmap(heap, 2 * HEAP);
    test_close_device(&t);
}

static void test_shared_resource(void **state)
{
    static const char runtime[] = { 7, 8, 9, 10 };
    struct d3dkmt_host_allocation_info info, info2;
    D3DKMT_QUERYRESOURCEINFO query = { 0 };
    D3DDDI_OPENALLOCATIONINFO open_alloc = { 0 };
    D3DDDI_OPENALLOCATIONINFO2 open_alloc2 = { 0 };
    D3DKMT_OPENRESOURCE open = { 0 };
    D3DKMT_VK_ALLOCATIONDATA driver[4];
    struct test_device t, other;
    D3DKMT_HANDLE h, res, global, first;
    char runtime_out[16], alloc_data[64];
    uint32_t handles, globals;
    uint8_t *heap;

    test_open_device(&t);
    test_open_device(&other);
    if (!can_import(&t)) { test_close_device(&other); test_close_device(&t); skip(); }
    heap = heap_new(HEAP, 5);
    handles = d3dkmt_handle_count();
    globals = d3dkmt_global_count();
    assert_int_equal(create_standard(t.device, heap, HEAP, false, 0, &h, &res, &global, runtime, sizeof(runtime)),
                     STATUS_SUCCESS);
    assert_true(d3dkmt_handle_is_global(global));
    assert_int_equal(d3dkmt_global_count(), globals + 1);

    /* Query: sizes only, through the global handle only. */
    query.hDevice = other.device;
    query.hGlobalShare = res;
    assert_int_equal(D3DKMTQueryResourceInfo(&query), STATUS_INVALID_PARAMETER);
    query.hGlobalShare = global;
    query.pPrivateRuntimeData = runtime_out;
    query.PrivateRuntimeDataSize = sizeof(runtime_out);
    memset(runtime_out, 0xcd, sizeof(runtime_out));
    assert_int_equal(D3DKMTQueryResourceInfo(&query), STATUS_SUCCESS);
    assert_int_equal(query.PrivateRuntimeDataSize, sizeof(runtime));
    assert_int_equal(query.TotalPrivateDriverDataSize, sizeof(D3DKMT_VK_ALLOCATIONDATA));
    assert_int_equal(query.ResourcePrivateDriverDataSize, 0);
    assert_int_equal(query.NumAllocations, 1);
    assert_int_equal((unsigned char)runtime_out[0], 0xcd);

    /* Open on another device: the same pages, imported there; the GPU of that device sees them. */
    open.hDevice = other.device;
    open.hGlobalShare = global;
    open.NumAllocations = 1;
    open.pOpenAllocationInfo = &open_alloc;
    open_alloc.pPrivateDriverData = alloc_data;
    open_alloc.PrivateDriverDataSize = sizeof(alloc_data);
    open.pPrivateRuntimeData = runtime_out;
    open.PrivateRuntimeDataSize = sizeof(runtime);
    open.pTotalPrivateDriverDataBuffer = driver;
    open.TotalPrivateDriverDataBufferSize = sizeof(driver);
    memset(alloc_data, 0xcd, sizeof(alloc_data));
    /* Sizes must match what is stored. */
    open.NumAllocations = 0;
    assert_int_equal(D3DKMTOpenResource(&open), STATUS_INVALID_PARAMETER);
    open.NumAllocations = 2;
    assert_int_equal(D3DKMTOpenResource(&open), STATUS_INVALID_PARAMETER);
    open.NumAllocations = 1;
    open.PrivateRuntimeDataSize++;
    assert_int_equal(D3DKMTOpenResource(&open), STATUS_INVALID_PARAMETER);
    open.PrivateRuntimeDataSize--;
    open.ResourcePrivateDriverDataSize = 1;
    assert_int_equal(D3DKMTOpenResource(&open), STATUS_INVALID_PARAMETER);
    open.ResourcePrivateDriverDataSize = 0;
    open.TotalPrivateDriverDataBufferSize = sizeof(driver[0]) - 1;
    assert_int_equal(D3DKMTOpenResource(&open), STATUS_INVALID_PARAMETER);
    open.TotalPrivateDriverDataBufferSize = sizeof(driver);
    open.hGlobalShare = 0x40000002 + (global & ~0x3fu) + 0x4000;   /* a global handle naming nothing */
    assert_int_equal(D3DKMTOpenResource(&open), STATUS_INVALID_PARAMETER);
    open.hGlobalShare = global;
    assert_int_equal(d3dkmt_handle_count(), handles + 2);

    assert_int_equal(D3DKMTOpenResource(&open), STATUS_SUCCESS);
    first = open.hResource;
    assert_int_equal(d3dkmt_handle_count(), handles + 4);
    assert_int_equal(memcmp(runtime_out, runtime, sizeof(runtime)), 0);
    assert_int_equal(open.TotalPrivateDriverDataBufferSize, sizeof(D3DKMT_VK_ALLOCATIONDATA));
    assert_int_equal(driver[0].Version, D3DKMT_VK_ALLOCATIONDATA_VERSION);
    assert_int_equal(driver[0].Size, HEAP);
    assert_int_equal(open_alloc.PrivateDriverDataSize, sizeof(D3DKMT_VK_ALLOCATIONDATA));
    assert_int_equal((unsigned char)alloc_data[0], 0xcd);
    assert_int_equal(d3dkmt_host_get_allocation_info(other.device, open_alloc.hAllocation, &info2), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_get_allocation_info(t.device, h, &info), STATUS_SUCCESS);
    {
        D3DKMT_HANDLE dst;
        struct d3dkmt_host_allocation_info dst_info;
        D3DKMT_LOCK2 lock = { .hDevice = other.device };
        D3DKMT_UNLOCK2 unlock = { .hDevice = other.device };

        assert_int_equal(test_create(other.device, 1, HEAP, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, &dst, NULL), STATUS_SUCCESS);
        assert_int_equal(d3dkmt_host_get_allocation_info(other.device, dst, &dst_info), STATUS_SUCCESS);
        heap[100] = 0x42;
        test_gpu_copy(&other, info2.buffer, dst_info.buffer, HEAP);
        lock.hAllocation = unlock.hAllocation = dst;
        assert_int_equal(D3DKMTLock2(&lock), STATUS_SUCCESS);
        assert_int_equal(((uint8_t *)lock.pData)[100], 0x42);
        assert_int_equal(((uint8_t *)lock.pData)[101], (uint8_t)(5 + 101 * 7));
        assert_int_equal(D3DKMTUnlock2(&unlock), STATUS_SUCCESS);
        assert_int_equal(test_destroy(other.device, &dst, 1, 2), STATUS_SUCCESS);
    }

    /* OpenResource2 on the creating device, too: new handles over the same pages. */
    open.hDevice = t.device;
    open.pOpenAllocationInfo2 = &open_alloc2;
    assert_int_equal(D3DKMTOpenResource2(&open), STATUS_SUCCESS);
    assert_int_not_equal(open_alloc2.hAllocation, h);
    assert_int_equal(open_alloc2.GpuVirtualAddress != 0, t.info.buffer_device_address);
    assert_int_equal(destroy_resource(t.device, open.hResource), STATUS_SUCCESS);
    assert_int_equal(destroy_resource(t.device, open.hResource), STATUS_INVALID_PARAMETER);

    /* The global handle lives while a resource made from it does: the creator's destroyed (its
     * allocations with it), the one opened on the other device keeps it alive. */
    assert_int_equal(destroy_resource(t.device, res), STATUS_SUCCESS);
    assert_int_equal(test_destroy(t.device, &h, 1, 0), STATUS_INVALID_PARAMETER);
    query.hDevice = t.device;
    assert_int_equal(D3DKMTQueryResourceInfo(&query), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_global_count(), globals + 1);
    /* The last one gone, it names nothing. */
    assert_int_equal(destroy_resource(other.device, first), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_global_count(), globals);
    assert_int_equal(D3DKMTQueryResourceInfo(&query), STATUS_INVALID_PARAMETER);
    open.hDevice = t.device;
    open.pOpenAllocationInfo = &open_alloc;
    assert_int_equal(D3DKMTOpenResource(&open), STATUS_INVALID_PARAMETER);
    assert_int_equal(d3dkmt_handle_count(), handles);

    /* A device destroyed with an opened resource on it lets go of the global handle too. */
    assert_int_equal(create_standard(t.device, heap, HEAP, true, 0, &h, &res, &global, NULL, 0), STATUS_SUCCESS);
    open.hDevice = other.device;
    open.hGlobalShare = global;
    open.PrivateRuntimeDataSize = 0;
    assert_int_equal(D3DKMTOpenResource(&open), STATUS_SUCCESS);
    assert_int_equal(destroy_resource(t.device, res), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_global_count(), globals + 1);
    test_close_device(&other);
    assert_int_equal(d3dkmt_global_count(), globals);
    assert_true(heap_check(heap + 128, HEAP - 128, (uint8_t)(5 + 128 * 7)));
    munmap(heap, HEAP);
    test_close_device(&t);
}

/* NtSecuritySharing: created, but no global handle (NT-handle sharing is not supported). */
static void test_nt_shared_resource(void **state)
{
    struct test_device t;
    D3DKMT_HANDLE h, res, global = 0x1eadbeed;
    uint32_t globals;
    uint8_t *heap;

    test_open_device(&t);
    if (!can_import(&t)) { test_close_device(&t); skip(); }
    heap = heap_new(HEAP, 2);
    globals = d3dkmt_global_count();
    assert_int_equal(create_standard(t.device, heap, HEAP, false, 0x40 /* NtSecuritySharing */, &h, &res, &global, NULL, 0),
                     STATUS_SUCCESS);
    assert_int_equal(global, 0);
    assert_int_equal(d3dkmt_global_count(), globals);
    assert_int_equal(destroy_resource(t.device, res), STATUS_SUCCESS);
    munmap(heap, HEAP);
    test_close_device(&t);
}

static int teardown_all(void **state)
{
    d3dkmt_host_shutdown();
    assert_int_equal(d3dkmt_host_validation_messages(), 0);
    assert_int_equal(d3dkmt_global_count(), 0);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_existing_heap),
        cmocka_unit_test(test_existing_heap_bad_input),
        cmocka_unit_test(test_shared_resource),
        cmocka_unit_test(test_nt_shared_resource),
    };
    return cmocka_run_group_tests_name("sharing", tests, NULL, teardown_all);
}
