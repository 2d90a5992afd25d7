/*
 * Residency policy unit tests that need no device: the D3DDDI -> Vulkan priority map
 * (docs/decisions/priorities.md), size parsing for D3DKMT_BUDGET_CAP and the log channel spec.
 */
#include "d3dkmt_private.h"
#include "fence.h"
#include "vidmm.h"
#include "common.h"


static void test_priority_map_monotonic(void **state)
{
    float prev = -1.0f;
    uint64_t p;

    for (p = 0; p <= 0xffffffffull; p += 0x00100000)
    {
        float v = d3dkmt_priority_to_vk((uint32_t)p);
        assert_true(v >= prev);
        assert_true(v >= 0.0f && v <= 1.0f);
        prev = v;
    }
}

static void test_priority_map_points(void **state)
{
    assert_true(d3dkmt_priority_to_vk(D3DDDI_ALLOCATIONPRIORITY_NORMAL) == 0.5f);
    assert_true(d3dkmt_priority_to_vk(D3DDDI_ALLOCATIONPRIORITY_MAXIMUM) == 1.0f);
    assert_true(d3dkmt_priority_to_vk(0xffffffffu) == 1.0f);
    assert_true(d3dkmt_priority_to_vk(D3DDDI_ALLOCATIONPRIORITY_LOW) < d3dkmt_priority_to_vk(D3DDDI_ALLOCATIONPRIORITY_NORMAL));
    assert_true(d3dkmt_priority_to_vk(D3DDDI_ALLOCATIONPRIORITY_HIGH) > d3dkmt_priority_to_vk(D3DDDI_ALLOCATIONPRIORITY_NORMAL));
    /* Every resident priority stays above the evicted level (0.2), which is above the offer
     * levels (at most 0.1). */
    assert_true(d3dkmt_priority_to_vk(0) > 0.2f);
    assert_true(d3dkmt_priority_to_vk(1) > 0.2f);
}

static void test_parse_size(void **state)
{
    assert_int_equal(d3dkmt_parse_size("268435456"), 268435456ull);
    assert_int_equal(d3dkmt_parse_size("256M"), 256ull << 20);
    assert_int_equal(d3dkmt_parse_size("256MiB"), 256ull << 20);
    assert_int_equal(d3dkmt_parse_size("1G"), 1ull << 30);
    assert_int_equal(d3dkmt_parse_size("512k"), 512ull << 10);
    assert_int_equal(d3dkmt_parse_size(NULL), 0);
    assert_int_equal(d3dkmt_parse_size(""), 0);
    assert_int_equal(d3dkmt_parse_size("-5M"), 0);
    assert_int_equal(d3dkmt_parse_size("12X"), 0);
}

static void test_log_spec(void **state)
{
    unsigned int def = d3dkmt_log_parse(NULL);
    assert_true(def & (1u << D3DKMT_LOG_ERR));
    assert_false(def & (1u << D3DKMT_LOG_TRACE));
    assert_true(d3dkmt_log_parse("+trace") & (1u << D3DKMT_LOG_TRACE));
    assert_false(d3dkmt_log_parse("-warn") & (1u << D3DKMT_LOG_WARN));
    assert_int_equal(d3dkmt_log_parse("-all"), 0);
    assert_int_equal(d3dkmt_log_parse("-all,+err"), 1u << D3DKMT_LOG_ERR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_priority_map_monotonic),
        cmocka_unit_test(test_priority_map_points),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_log_spec),
    };
    return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
