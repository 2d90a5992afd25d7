/*
 * test_share.c: one handle space with another D3DKMT implementation (docs/decisions/wine-handles.md):
 * the host API that d3dkmt.dll uses to give the library's adapters and devices the values Wine
 * made, in both of Wine's formats (Windows' local format, as Wine >= 10.16 makes them, which
 * Wine 8 and 10 cannot show; and Wine 8 / 10.0's per-kind counters), the LUIDs, and a device that
 * costs no VkDevice until it needs one.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#include "common.h"
#include "d3dkmt_private.h"
#include "fence.h"
#include "vidmm.h"

static D3DKMT_HANDLE open_adapter(LUID *luid)
{
    D3DKMT_ADAPTERINFO infos[8];
    D3DKMT_ENUMADAPTERS2 e = { .NumAdapters = 8, .pAdapters = infos };
    UINT i;

    assert_int_equal(D3DKMTEnumAdapters2(&e), STATUS_SUCCESS);
    assert_true(e.NumAdapters >= 1);
    for (i = 1; i < e.NumAdapters; i++)
    {
        D3DKMT_CLOSEADAPTER c = { infos[i].hAdapter };
        assert_int_equal(D3DKMTCloseAdapter(&c), STATUS_SUCCESS);
    }
    if (luid) *luid = infos[0].AdapterLuid;
    return infos[0].hAdapter;
}

static D3DKMT_HANDLE create_device(D3DKMT_HANDLE adapter)
{
    D3DKMT_CREATEDEVICE c = { .hAdapter = adapter };

    assert_int_equal(D3DKMTCreateDevice(&c), STATUS_SUCCESS);
    return c.hDevice;
}

/* A round of device work under a given device value: an allocation, its statistics, offer. */
static void use_device(D3DKMT_HANDLE device)
{
    D3DKMT_OFFERALLOCATIONS offer = { .hDevice = device, .NumAllocations = 1, .Priority = D3DKMT_OFFER_PRIORITY_LOW };
    D3DKMT_HANDLE alloc;

    assert_int_equal(test_create(device, 1, 4096, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, &alloc, NULL), STATUS_SUCCESS);
    assert_int_equal(test_stats(device).AllocationsLive, 1);
    offer.HandleList = &alloc;
    assert_int_equal(D3DKMTOfferAllocations(&offer), STATUS_SUCCESS);
    assert_int_equal(test_destroy(device, &alloc, 1, 3), STATUS_SUCCESS);
}

/* Wine >= 10.16's format: the object moves to the foreign value; the own value no longer resolves. */
static void test_share_local_format(void **state)
{
    D3DKMT_HANDLE adapter = open_adapter(NULL), device, wine_adapter = 0x40000080, wine_device = 0x400000c0;
    D3DKMT_QUERYVIDEOMEMORYINFO q = { .MemorySegmentGroup = D3DKMT_MEMORY_SEGMENT_GROUP_LOCAL };
    D3DKMT_DESTROYDEVICE destroy = { 0 };
    D3DKMT_CLOSEADAPTER close = { 0 };

    assert_int_equal(d3dkmt_host_share_handle(adapter, wine_adapter), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_has_handle(wine_adapter, D3DKMT_HOST_HANDLE_ADAPTER), 1);
    assert_int_equal(d3dkmt_host_has_handle(adapter, D3DKMT_HOST_HANDLE_ADAPTER), 0);
    q.hAdapter = wine_adapter;
    assert_int_equal(D3DKMTQueryVideoMemoryInfo(&q), STATUS_SUCCESS);

    device = create_device(wine_adapter);
    assert_int_equal(d3dkmt_host_share_handle(device, wine_device), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_has_handle(wine_device, D3DKMT_HOST_HANDLE_DEVICE), 1);
    assert_int_equal(d3dkmt_host_has_handle(device, D3DKMT_HOST_HANDLE_DEVICE), 0);
    /* One table for every kind: the device's value names no adapter. */
    assert_int_equal(d3dkmt_host_has_handle(wine_device, D3DKMT_HOST_HANDLE_ADAPTER), 0);
    use_device(wine_device);

    /* Bad input changes nothing. */
    assert_int_equal(d3dkmt_host_share_handle(wine_device, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(d3dkmt_host_share_handle(wine_device, 0x60000040), STATUS_INVALID_PARAMETER);
    assert_int_equal(d3dkmt_host_share_handle(0x7fffffc0, 0x40000100), STATUS_INVALID_HANDLE);
    assert_int_equal(d3dkmt_host_has_handle(0x40000100, D3DKMT_HOST_HANDLE_DEVICE), 0);

    destroy.hDevice = wine_device;
    assert_int_equal(D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);
    assert_int_equal(D3DKMTDestroyDevice(&destroy), STATUS_INVALID_PARAMETER);
    close.hAdapter = wine_adapter;
    assert_int_equal(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
    assert_int_equal(D3DKMTCloseAdapter(&close), STATUS_INVALID_PARAMETER);
}

/* Wine reused a value the library still held (its half destroyed on Wine's side only): the stale
 * library object is destroyed before the value names the new one. */
static void test_share_evicts_stale(void **state)
{
    D3DKMT_HANDLE adapter = open_adapter(NULL), old_device, new_device, value = 0x40000140, alloc;
    D3DKMT_DESTROYDEVICE destroy = { value };
    D3DKMT_CLOSEADAPTER close = { adapter };

    old_device = create_device(adapter);
    assert_int_equal(d3dkmt_host_share_handle(old_device, value), STATUS_SUCCESS);
    assert_int_equal(test_create(value, 1, 4096, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, 0, &alloc, NULL), STATUS_SUCCESS);
    new_device = create_device(adapter);
    assert_int_equal(d3dkmt_host_share_handle(new_device, value), STATUS_SUCCESS);
    /* The value names the new device: the old one's allocation went with it. */
    assert_int_equal(test_stats(value).AllocationsLive, 0);
    assert_int_equal(test_destroy(value, &alloc, 1, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);
    assert_int_equal(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
}

/* Wine 8 / 10.0's counters: 1 names an adapter and a device at once, each for its own kind; the
 * library's own values keep resolving. */
static void test_share_counter_values(void **state)
{
    D3DKMT_HANDLE adapter = open_adapter(NULL), device;
    D3DKMT_QUERYVIDEOMEMORYINFO q = { .hAdapter = 1, .MemorySegmentGroup = D3DKMT_MEMORY_SEGMENT_GROUP_LOCAL };
    D3DKMT_DESTROYDEVICE destroy = { 1 };
    D3DKMT_CLOSEADAPTER close = { 1 };

    assert_int_equal(d3dkmt_host_share_handle(adapter, 1), STATUS_SUCCESS);
    device = create_device(1);
    assert_int_equal(d3dkmt_host_share_handle(device, 1), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_has_handle(1, D3DKMT_HOST_HANDLE_ADAPTER), 1);
    assert_int_equal(d3dkmt_host_has_handle(1, D3DKMT_HOST_HANDLE_DEVICE), 1);
    assert_int_equal(d3dkmt_host_has_handle(device, D3DKMT_HOST_HANDLE_DEVICE), 1);
    assert_int_equal(D3DKMTQueryVideoMemoryInfo(&q), STATUS_SUCCESS);
    use_device(1);
    assert_int_equal(d3dkmt_host_has_handle(2, D3DKMT_HOST_HANDLE_DEVICE), 0);

    /* A destroy through either name ends the device under both. */
    assert_int_equal(D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_has_handle(device, D3DKMT_HOST_HANDLE_DEVICE), 0);
    assert_int_equal(d3dkmt_host_has_handle(1, D3DKMT_HOST_HANDLE_DEVICE), 0);
    assert_int_equal(d3dkmt_host_has_handle(1, D3DKMT_HOST_HANDLE_ADAPTER), 1);
    assert_int_equal(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_has_handle(adapter, D3DKMT_HOST_HANDLE_ADAPTER), 0);
    assert_int_equal(D3DKMTQueryVideoMemoryInfo(&q), STATUS_INVALID_PARAMETER);
}

/* The LUID another implementation gives the GPU opens the adapter; it is refused for another
 * adapter's UUID, and kept across shutdown. */
static void test_adapter_luid(void **state)
{
    struct d3dkmt_host_adapter_desc descs[8];
    uint32_t count = 8;
    uint8_t bogus[VK_UUID_SIZE] = { 0xde, 0xad };
    LUID wine_luid = { 0x3f0, 0 }, zero = { 0, 0 };
    D3DKMT_OPENADAPTERFROMLUID open = { 0 };
    D3DKMT_CLOSEADAPTER close;

    assert_int_equal(d3dkmt_host_enum_adapters(descs, &count), STATUS_SUCCESS);
    assert_true(count >= 1);
    assert_int_equal(d3dkmt_host_set_adapter_luid(descs[0].device_uuid, wine_luid), STATUS_SUCCESS);
    assert_int_equal(d3dkmt_host_set_adapter_luid(bogus, wine_luid), STATUS_NOT_FOUND);
    assert_int_equal(d3dkmt_host_set_adapter_luid(descs[0].device_uuid, zero), STATUS_INVALID_PARAMETER);
    assert_int_equal(d3dkmt_host_set_adapter_luid(NULL, wine_luid), STATUS_INVALID_PARAMETER);
    open.AdapterLuid = wine_luid;
    assert_int_equal(D3DKMTOpenAdapterFromLuid(&open), STATUS_SUCCESS);
    close.hAdapter = open.hAdapter;
    assert_int_equal(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
    open.AdapterLuid = descs[0].luid;
    if (descs[0].luid.LowPart != wine_luid.LowPart || descs[0].luid.HighPart != wine_luid.HighPart)
        assert_int_equal(D3DKMTOpenAdapterFromLuid(&open), STATUS_INVALID_PARAMETER);

    d3dkmt_host_shutdown();
    count = 8;
    assert_int_equal(d3dkmt_host_enum_adapters(descs, &count), STATUS_SUCCESS);
    assert_int_equal(descs[0].luid.LowPart, wine_luid.LowPart);
    assert_int_equal(descs[0].luid.HighPart, wine_luid.HighPart);
    count = 0;
    assert_int_equal(d3dkmt_host_enum_adapters(NULL, &count), STATUS_BUFFER_TOO_SMALL);
    assert_true(count >= 1);
    assert_int_equal(d3dkmt_host_enum_adapters(NULL, NULL), STATUS_INVALID_PARAMETER);
}

/* EnumAdapters (v1): every adapter up to 16, each handle open. */
static void test_enum_adapters_v1(void **state)
{
    D3DKMT_ENUMADAPTERS e = { 0 };
    UINT i;

    assert_int_equal(D3DKMTEnumAdapters(NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(D3DKMTEnumAdapters(&e), STATUS_SUCCESS);
    assert_true(e.NumAdapters >= 1 && e.NumAdapters <= MAX_ENUM_ADAPTERS);
    for (i = 0; i < e.NumAdapters; i++)
    {
        D3DKMT_CLOSEADAPTER c = { e.Adapters[i].hAdapter };
        assert_true(e.Adapters[i].AdapterLuid.LowPart || e.Adapters[i].AdapterLuid.HighPart);
        assert_int_equal(D3DKMTCloseAdapter(&c), STATUS_SUCCESS);
    }
}

/* A device costs no VkDevice until a call needs one; then it gets it. */
static void test_lazy_vk_device(void **state)
{
    D3DKMT_HANDLE adapter = open_adapter(NULL), device = create_device(adapter);
    struct d3dkmt_device *dev = d3dkmt_device_get(device);
    struct d3dkmt_host_device_info info;
    D3DKMT_VK_STATISTICS stats;
    D3DKMT_DESTROYDEVICE destroy = { device };
    D3DKMT_CLOSEADAPTER close = { adapter };

    assert_non_null(dev);
    assert_false(atomic_load(&dev->vk_ready));
    /* The statistics and the capabilities are there before the VkDevice. */
    stats = test_stats(device);
    assert_false(atomic_load(&dev->vk_ready));
    assert_int_equal(d3dkmt_host_flush_deferred(device, 0), STATUS_SUCCESS);
    assert_false(atomic_load(&dev->vk_ready));
    assert_int_equal(d3dkmt_host_get_device_info(device, &info), STATUS_SUCCESS);
    assert_true(atomic_load(&dev->vk_ready));
    assert_non_null(info.device);
    assert_int_equal(info.residency_mode, stats.ResidencyMode);
    d3dkmt_device_put(dev);
    assert_int_equal(D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);

    /* A device destroyed before it ever needed one. */
    destroy.hDevice = create_device(adapter);
    assert_int_equal(D3DKMTDestroyDevice(&destroy), STATUS_SUCCESS);
    assert_int_equal(D3DKMTCloseAdapter(&close), STATUS_SUCCESS);
}

static int teardown(void **state)
{
    d3dkmt_host_shutdown();
    assert_int_equal(d3dkmt_host_validation_messages(), 0);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        cmocka_unit_test_teardown(test_share_local_format, teardown),
        cmocka_unit_test_teardown(test_share_evicts_stale, teardown),
        cmocka_unit_test_teardown(test_share_counter_values, teardown),
        cmocka_unit_test_teardown(test_adapter_luid, teardown),
        cmocka_unit_test_teardown(test_enum_adapters_v1, teardown),
        cmocka_unit_test_teardown(test_lazy_vk_device, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
