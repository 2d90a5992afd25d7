/*
 * Core objects on the real default Vulkan device (lavapipe without a GPU), validation layer on:
 * adapters, devices, allocations (create, lock, write, unlock, destroy), resources and
 * D3DKMTQueryVideoMemoryInfo, with the documented status for bad input.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#define MB (1024ull * 1024ull)

static void test_enum_adapters(void **state)
{
    D3DKMT_ADAPTERINFO infos[8];
    D3DKMT_ENUMADAPTERS2 enum2 = { 0 };
    D3DKMT_OPENADAPTERFROMLUID open = { 0 };
    D3DKMT_CLOSEADAPTER close = { 0 };
    UINT count, i;

    assert_int_equal(D3DKMTEnumAdapters2(NULL), STATUS_INVALID_PARAMETER);
    /* The query form gives the size of the array to allocate: the most adapters the call
     * reports (32, as Windows 10), not the number present (docs/decisions/adapters.md). */
    assert_int_equal(D3DKMTEnumAdapters2(&enum2), STATUS_SUCCESS);
    assert_int_equal(enum2.NumAdapters, 32);
    enum2.NumAdapters = 8;
    enum2.pAdapters = infos;
    assert_int_equal(D3DKMTEnumAdapters2(&enum2), STATUS_SUCCESS);
    count = enum2.NumAdapters;
    assert_true(count >= 1 && count <= 8);
    assert_true(infos[0].AdapterLuid.LowPart || infos[0].AdapterLuid.HighPart);

    /* The LUID is stable: opening it again finds the same adapter. */
    open.AdapterLuid = infos[0].AdapterLuid;
    assert_int_equal(D3DKMTOpenAdapterFromLuid(&open), STATUS_SUCCESS);
    assert_int_not_equal(open.hAdapter, infos[0].hAdapter);
    close.hAdapter = open.hAdapter;
    assert_int_equal(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
    assert_int_equal(D3DKMTCloseAdapter(&close), STATUS_INVALID_PARAMETER);   /* double close */

    open.AdapterLuid.LowPart ^= 0x5a5a5a5a;
    assert_int_equal(D3DKMTOpenAdapterFromLuid(&open), STATUS_INVALID_PARAMETER);
    for (i = 0; i < count; i++)
    {
        close.hAdapter = infos[i].hAdapter;
        assert_int_equal(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
    }
}

static void test_query_adapter_info(void **state)
{
    struct test_device t;
    D3DKMT_ADAPTERTYPE type;
    D3DKMT_DRIVERVERSION version;
    D3DKMT_SEGMENTSIZEINFO segments;
    D3DKMT_QUERY_DEVICE_IDS ids = { 0 };
    D3DKMT_QUERYADAPTERINFO q = { 0 };

    test_open_device(&t);
    q.hAdapter = t.adapter;
    q.Type = KMTQAITYPE_ADAPTERTYPE;
    q.pPrivateDriverData = &type;
    q.PrivateDriverDataSize = sizeof(type);
    assert_int_equal(D3DKMTQueryAdapterInfo(&q), STATUS_SUCCESS);
    assert_true(type.RenderSupported);
    assert_int_equal(type.SoftwareDevice, t.info.sparse_binding == t.info.sparse_binding && type.SoftwareDevice);

    q.PrivateDriverDataSize = sizeof(type) + 1;
    assert_int_equal(D3DKMTQueryAdapterInfo(&q), STATUS_INVALID_PARAMETER);

    q.Type = KMTQAITYPE_DRIVERVERSION;
    q.pPrivateDriverData = &version;
    q.PrivateDriverDataSize = sizeof(version);
    assert_int_equal(D3DKMTQueryAdapterInfo(&q), STATUS_SUCCESS);
    assert_true(version >= KMT_DRIVERVERSION_WDDM_2_0);

    /* CHECKDRIVERUPDATESTATUS: a BOOL, FALSE (no update pending); a wrong size is refused as for
     * every type the library knows, before anything is written. */
    {
        BOOL pending = 0x5a5a5a5a;
        q.Type = KMTQAITYPE_CHECKDRIVERUPDATESTATUS;
        q.pPrivateDriverData = &pending;
        q.PrivateDriverDataSize = sizeof(pending) - 1;
        assert_int_equal(D3DKMTQueryAdapterInfo(&q), STATUS_INVALID_PARAMETER);
        assert_int_equal(pending, 0x5a5a5a5a);
        q.PrivateDriverDataSize = sizeof(pending);
        assert_int_equal(D3DKMTQueryAdapterInfo(&q), STATUS_SUCCESS);
        assert_int_equal(pending, FALSE);
    }

    q.Type = KMTQAITYPE_GETSEGMENTSIZE;
    q.pPrivateDriverData = &segments;
    q.PrivateDriverDataSize = sizeof(segments);
    assert_int_equal(D3DKMTQueryAdapterInfo(&q), STATUS_SUCCESS);
    assert_true(segments.DedicatedVideoMemorySize + segments.SharedSystemMemorySize > 0);

    q.Type = KMTQAITYPE_PHYSICALADAPTERDEVICEIDS;
    q.pPrivateDriverData = &ids;
    q.PrivateDriverDataSize = sizeof(ids);
    assert_int_equal(D3DKMTQueryAdapterInfo(&q), STATUS_SUCCESS);
    assert_int_not_equal(ids.DeviceIds.VendorID, 0);

    q.hAdapter = t.device;   /* a device is not an adapter */
    assert_int_equal(D3DKMTQueryAdapterInfo(&q), STATUS_INVALID_PARAMETER);
    test_close_device(&t);
}

static void test_device_lifetime(void **state)
{
    struct test_device t;
    D3DKMT_DESTROYDEVICE destroy;
    D3DKMT_CREATEDEVICE create = { 0 };

    assert_int_equal(D3DKMTCreateDevice(NULL), STATUS_INVALID_PARAMETER);
    create.hAdapter = 0x40000040;
    assert_int_equal(D3DKMTCreateDevice(&create), STATUS_INVALID_PARAMETER);

    test_open_device(&t);
    assert_true(t.info.device != VK_NULL_HANDLE);
    assert_true(t.info.residency_mode <= D3DKMT_HOST_RESIDENCY_PAGEABLE);
    destroy.hDevice = t.device;
    assert_int_equal(D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);
    assert_int_equal(D3DKMTDestroyDevice(&destroy), STATUS_INVALID_PARAMETER);   /* stale */
    t.device = 0;
    test_close_device(&t);
}

static void test_allocation_roundtrip(void **state)
{
    struct test_device t;
    D3DKMT_HANDLE h[3];
    UINT64 before;
    D3DKMT_VK_STATISTICS s;

    test_open_device(&t);
    before = test_local_usage(t.adapter);
    assert_int_equal(test_create(t.device, 3, 1 * MB, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, h, NULL), STATUS_SUCCESS);
    test_fill(t.device, h[0], 1 * MB, 1);
    test_fill(t.device, h[1], 1 * MB, 2);
    assert_true(test_check(t.device, h[0], 1 * MB, 1));
    assert_true(test_check(t.device, h[1], 1 * MB, 2));
    assert_false(test_check(t.device, h[1], 1 * MB, 1));
    s = test_stats(t.device);
    assert_int_equal(s.AllocationsLive, 3);

    /* Synchronous destroy: the memory is gone when the call returns. */
    assert_int_equal(test_destroy(t.device, h, 3, 2 /* SynchronousDestroy */), STATUS_SUCCESS);
    s = test_stats(t.device);
    assert_int_equal(s.AllocationsLive, 0);
    assert_true(s.BytesFreed >= 3 * MB);
    assert_int_equal(test_local_usage(t.adapter), before);
    test_close_device(&t);
}

static void test_lock_rules(void **state)
{
    struct test_device t;
    D3DKMT_HANDLE h;
    D3DKMT_LOCK2 lock = { 0 };
    D3DKMT_UNLOCK2 unlock = { 0 };

    test_open_device(&t);
    assert_int_equal(test_create(t.device, 1, 4096, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, &h, NULL), STATUS_SUCCESS);
    lock.hDevice = t.device;
    lock.hAllocation = h;
    assert_int_equal(D3DKMTLock2(&lock), STATUS_SUCCESS);
    assert_non_null(lock.pData);
    assert_int_equal(D3DKMTLock2(&lock), STATUS_INVALID_PARAMETER);   /* already locked */
    unlock.hDevice = t.device;
    unlock.hAllocation = h;
    assert_int_equal(D3DKMTUnlock2(&unlock), STATUS_SUCCESS);
    assert_int_equal(D3DKMTUnlock2(&unlock), STATUS_INVALID_PARAMETER); /* not locked */
    lock.Flags.Value = 1;
    assert_int_equal(D3DKMTLock2(&lock), STATUS_INVALID_PARAMETER);
    assert_int_equal(test_destroy(t.device, &h, 1, 0), STATUS_SUCCESS);
    lock.Flags.Value = 0;
    assert_int_equal(D3DKMTLock2(&lock), STATUS_INVALID_PARAMETER);   /* stale handle */
    test_close_device(&t);
}

static void test_create_bad_input(void **state)
{
    struct test_device t;
    D3DKMT_VK_ALLOCATIONDATA data = { .Version = D3DKMT_VK_ALLOCATIONDATA_VERSION, .Size = 4096 };
    D3DDDI_ALLOCATIONINFO2 info[2] = { { 0 } };
    D3DKMT_CREATEALLOCATION c = { 0 };
    D3DKMT_VK_STATISTICS before, after;
    UINT64 usage;

    test_open_device(&t);
    before = test_stats(t.device);
    usage = test_local_usage(t.adapter);
    info[0].pPrivateDriverData = &data;
    info[0].PrivateDriverDataSize = sizeof(data);
    info[1] = info[0];
    c.hDevice = t.device;
    c.pAllocationInfo2 = info;

    assert_int_equal(D3DKMTCreateAllocation2(NULL), STATUS_INVALID_PARAMETER);
    c.NumAllocations = 0;
    assert_int_equal(D3DKMTCreateAllocation2(&c), STATUS_INVALID_PARAMETER);
    c.NumAllocations = 1025;
    assert_int_equal(D3DKMTCreateAllocation2(&c), STATUS_INVALID_PARAMETER);
    c.NumAllocations = 2;
    info[1].PrivateDriverDataSize = 3;        /* the second entry is bad: nothing is created */
    assert_int_equal(D3DKMTCreateAllocation2(&c), STATUS_INVALID_PARAMETER);
    info[1].PrivateDriverDataSize = sizeof(data);
    data.Size = 0;
    assert_int_equal(D3DKMTCreateAllocation2(&c), STATUS_INVALID_PARAMETER);
    data.Size = 4096;
    data.Placement = 7;
    assert_int_equal(D3DKMTCreateAllocation2(&c), STATUS_INVALID_PARAMETER);
    data.Placement = 0;
    data.Alignment = 3;
    assert_int_equal(D3DKMTCreateAllocation2(&c), STATUS_INVALID_PARAMETER);
    data.Alignment = 0;
    c.Flags.CreateShared = 1;
    assert_int_equal(D3DKMTCreateAllocation2(&c), STATUS_INVALID_PARAMETER);
    c.Flags.CreateShared = 0;
    c.hDevice = t.adapter;                    /* wrong handle type */
    assert_int_equal(D3DKMTCreateAllocation2(&c), STATUS_INVALID_PARAMETER);

    after = test_stats(t.device);
    assert_int_equal(after.AllocationsLive, before.AllocationsLive);
    assert_int_equal(test_local_usage(t.adapter), usage);
    assert_int_equal(info[0].hAllocation, 0);
    test_close_device(&t);
}

static void test_resources(void **state)
{
    struct test_device t;
    D3DKMT_HANDLE h[4], res;
    D3DKMT_DESTROYALLOCATION2 d = { 0 };
    D3DKMT_LOCK2 lock = { 0 };

    test_open_device(&t);
    assert_int_equal(test_create(t.device, 4, 65536, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, h, &res), STATUS_SUCCESS);
    assert_int_not_equal(res, 0);
    d.hDevice = t.device;
    d.hResource = res;
    d.Flags.SynchronousDestroy = 1;
    assert_int_equal(D3DKMTDestroyAllocation2(&d), STATUS_SUCCESS);
    assert_int_equal(test_stats(t.device).AllocationsLive, 0);
    lock.hDevice = t.device;
    lock.hAllocation = h[2];
    assert_int_equal(D3DKMTLock2(&lock), STATUS_INVALID_PARAMETER);      /* gone with the resource */
    assert_int_equal(D3DKMTDestroyAllocation2(&d), STATUS_INVALID_PARAMETER);   /* double destroy */
    test_close_device(&t);
}

static void test_destroy_bad_input(void **state)
{
    struct test_device t;
    D3DKMT_HANDLE h[2], dup[2];
    D3DKMT_DESTROYALLOCATION2 d = { 0 };

    test_open_device(&t);
    assert_int_equal(test_create(t.device, 2, 4096, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, h, NULL), STATUS_SUCCESS);
    assert_int_equal(D3DKMTDestroyAllocation2(NULL), STATUS_INVALID_PARAMETER);
    d.hDevice = t.device;
    assert_int_equal(D3DKMTDestroyAllocation2(&d), STATUS_SUCCESS);               /* nothing named: a no-op, as Windows */
    d.AllocationCount = 1;
    assert_int_equal(D3DKMTDestroyAllocation2(&d), STATUS_INVALID_PARAMETER);     /* NULL list */
    d.phAllocationList = h;
    d.Flags.SystemUseOnly = 1;
    assert_int_equal(D3DKMTDestroyAllocation2(&d), STATUS_INVALID_PARAMETER);
    d.Flags.Value = 0;
    dup[0] = dup[1] = h[0];
    d.phAllocationList = dup;
    d.AllocationCount = 2;
    assert_int_equal(D3DKMTDestroyAllocation2(&d), STATUS_INVALID_PARAMETER);     /* repeated */
    assert_int_equal(test_stats(t.device).AllocationsLive, 2);                    /* unchanged */
    assert_true(test_check(t.device, h[0], 0, 0));                               /* still lockable */
    assert_int_equal(test_destroy(t.device, h, 2, 2), STATUS_SUCCESS);
    test_close_device(&t);
}

static void test_device_destroy_frees_children(void **state)
{
    struct test_device t;
    D3DKMT_HANDLE h[8];
    UINT64 before;

    test_open_device(&t);
    before = test_local_usage(t.adapter);
    assert_int_equal(test_create(t.device, 8, 1 * MB, D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, 0, h, NULL), STATUS_SUCCESS);
    assert_true(test_local_usage(t.adapter) >= before + 8 * MB);
    test_close_device(&t);   /* destroys the device with 8 live allocations */
    {
        struct test_device t2;
        test_open_device(&t2);
        assert_int_equal(test_local_usage(t2.adapter), before);
        test_close_device(&t2);
    }
}

static void test_video_memory_info(void **state)
{
    struct test_device t;
    D3DKMT_QUERYVIDEOMEMORYINFO q = { 0 };

    test_open_device(&t);
    assert_int_equal(D3DKMTQueryVideoMemoryInfo(NULL), STATUS_INVALID_PARAMETER);
    q.hAdapter = t.adapter;
    q.MemorySegmentGroup = D3DKMT_MEMORY_SEGMENT_GROUP_LOCAL;
    assert_int_equal(D3DKMTQueryVideoMemoryInfo(&q), STATUS_SUCCESS);
    assert_true(q.Budget > 0);
    q.MemorySegmentGroup = 2;
    assert_int_equal(D3DKMTQueryVideoMemoryInfo(&q), STATUS_INVALID_PARAMETER);
    q.MemorySegmentGroup = D3DKMT_MEMORY_SEGMENT_GROUP_NON_LOCAL;
    q.PhysicalAdapterIndex = 1;
    assert_int_equal(D3DKMTQueryVideoMemoryInfo(&q), STATUS_INVALID_PARAMETER);
    test_close_device(&t);
}

static int teardown_all(void **state)
{
    d3dkmt_host_shutdown();
    assert_int_equal(d3dkmt_host_validation_messages(), 0);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enum_adapters),
        cmocka_unit_test(test_query_adapter_info),
        cmocka_unit_test(test_device_lifetime),
        cmocka_unit_test(test_allocation_roundtrip),
        cmocka_unit_test(test_lock_rules),
        cmocka_unit_test(test_create_bad_input),
        cmocka_unit_test(test_resources),
        cmocka_unit_test(test_destroy_bad_input),
        cmocka_unit_test(test_device_destroy_frees_children),
        cmocka_unit_test(test_video_memory_info),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, teardown_all);
}
