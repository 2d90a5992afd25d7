/*
 * Handle table unit tests: Windows' local handle format, typed and per-device lookup, stale
 * handles after destroy, reuse delay and generations (2^20 creations), per-kind reuse.  Pure code,
 * no Vulkan.
 */
#include "d3dkmt_private.h"
#include "fence.h"
#include "vidmm.h"
#include "common.h"

#include <stdlib.h>
#include <string.h>

/* A bare object of the adapter-handle kind, released with free(). */
static void release_object(struct d3dkmt_object *obj)
{
    free(obj);
}

static struct d3dkmt_object *new_object(struct d3dkmt_device *device)
{
    struct d3dkmt_object *obj = calloc(1, sizeof(*obj));
    assert_non_null(obj);
    d3dkmt_object_init(obj, D3DKMT_OBJ_ADAPTER, device, release_object);
    assert_int_equal(d3dkmt_handle_reserve(obj), STATUS_SUCCESS);
    d3dkmt_handle_publish(obj);
    return obj;
}

/* One handle through the lookup without a reference (a list of one). */
static struct d3dkmt_object *peek1(D3DKMT_HANDLE handle, enum d3dkmt_object_type type,
                                   const struct d3dkmt_device *device)
{
    struct d3dkmt_object *obj;

    return d3dkmt_handle_peek_list(&handle, 1, type, device, &obj) ? obj : NULL;
}

static void test_format(void **state)
{
    struct d3dkmt_object *obj = new_object(NULL);

    assert_int_equal(obj->handle & 0xc000003fu, 0x40000000u);
    assert_int_not_equal(obj->handle & 0x3fffffc0u, 0);
    assert_true(d3dkmt_handle_remove(obj));
}

static void count_cb(struct d3dkmt_object *obj, void *ctx);

/* Handles of this table have the top bit of the index field set: never a value Wine's own
 * gdi32 / win32u hands out (its local handles count up from 0x40000040). */
static void test_own_space(void **state)
{
    struct d3dkmt_object *obj = new_object(NULL);

    assert_int_equal(obj->handle & 0xe000003fu, 0x60000000u);
    assert_true(d3dkmt_handle_remove(obj));
}

/* A value another maker made can be adopted: it resolves, typed, until removed; a second object
 * cannot take it; own-space values and malformed ones cannot be adopted. */
static void test_adopt(void **state)
{
    struct d3dkmt_object *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b)), *got;
    uint32_t live = d3dkmt_handle_count();
    unsigned int seen = 0;

    assert_non_null(a);
    assert_non_null(b);
    d3dkmt_object_init(a, D3DKMT_OBJ_ADAPTER, NULL, release_object);
    d3dkmt_object_init(b, D3DKMT_OBJ_ADAPTER, NULL, release_object);
    assert_int_equal(d3dkmt_handle_adopt(a, 0x40000000u), STATUS_INVALID_PARAMETER);   /* index 0 */
    assert_int_equal(d3dkmt_handle_adopt(a, 0x40000041u), STATUS_INVALID_PARAMETER);   /* not local */
    assert_int_equal(d3dkmt_handle_adopt(a, 0x60000040u), STATUS_INVALID_PARAMETER);   /* own space */
    assert_int_equal(d3dkmt_handle_adopt(a, 0x40000080u), STATUS_SUCCESS);
    assert_int_equal(a->handle, 0x40000080u);
    assert_int_equal(atomic_load(&a->state), D3DKMT_STATE_ACTIVE);
    assert_int_equal(d3dkmt_handle_count(), live + 1);
    assert_int_equal(d3dkmt_handle_adopt(b, 0x40000080u), STATUS_OBJECT_NAME_COLLISION);
    assert_non_null(got = d3dkmt_handle_get(0x40000080u, D3DKMT_OBJ_ADAPTER, NULL));
    assert_ptr_equal(got, a);
    d3dkmt_object_put(got);
    assert_null(d3dkmt_handle_get(0x40000080u, D3DKMT_OBJ_DEVICE, NULL));
    assert_null(d3dkmt_handle_get(0x400000c0u, D3DKMT_OBJ_ADAPTER, NULL));
    d3dkmt_handle_for_each(NULL, D3DKMT_OBJ_ADAPTER, count_cb, &seen);
    assert_int_equal(seen, 1);
    assert_true(d3dkmt_handle_remove(a));
    assert_null(d3dkmt_handle_get(0x40000080u, D3DKMT_OBJ_ADAPTER, NULL));
    /* The value is free again once its object is gone. */
    assert_int_equal(d3dkmt_handle_adopt(b, 0x40000080u), STATUS_SUCCESS);
    assert_true(d3dkmt_handle_remove(b));
    assert_int_equal(d3dkmt_handle_count(), live);
}

static void test_lookup_typed(void **state)
{
    struct d3dkmt_object *obj = new_object(NULL), *got;
    uint32_t live = d3dkmt_handle_count();

    got = d3dkmt_handle_get(obj->handle, D3DKMT_OBJ_ADAPTER, NULL);
    assert_ptr_equal(got, obj);
    assert_int_equal(atomic_load(&obj->refcount), 2);
    d3dkmt_object_put(got);
    assert_null(d3dkmt_handle_get(obj->handle, D3DKMT_OBJ_ALLOCATION, NULL));
    assert_null(d3dkmt_handle_get(obj->handle, D3DKMT_OBJ_DEVICE, NULL));
    assert_true(d3dkmt_handle_remove(obj));
    assert_int_equal(d3dkmt_handle_count(), live - 1);
}

/* A device-kind object with an owner id (reserved, never published), released with free(). */
static struct d3dkmt_device *new_fake_device(void)
{
    struct d3dkmt_device *device = calloc(1, sizeof(*device));
    assert_non_null(device);
    d3dkmt_object_init(&device->obj, D3DKMT_OBJ_DEVICE, NULL, release_object);
    assert_int_equal(d3dkmt_handle_reserve(&device->obj), STATUS_SUCCESS);
    assert_int_not_equal(device->obj.owner_id, 0);
    return device;
}

static void free_fake_device(struct d3dkmt_device *device)
{
    d3dkmt_handle_unreserve(&device->obj);
    d3dkmt_object_put(&device->obj);
}

static void test_lookup_device(void **state)
{
    struct d3dkmt_device *fake = new_fake_device(), *other = new_fake_device();
    struct d3dkmt_object *obj = new_object(fake), *got;

    assert_int_not_equal(fake->obj.owner_id, other->obj.owner_id);
    assert_non_null(got = d3dkmt_handle_get(obj->handle, D3DKMT_OBJ_ADAPTER, fake));
    d3dkmt_object_put(got);
    assert_null(d3dkmt_handle_get(obj->handle, D3DKMT_OBJ_ADAPTER, other));
    assert_ptr_equal(peek1(obj->handle, D3DKMT_OBJ_ADAPTER, fake), obj);
    assert_null(peek1(obj->handle, D3DKMT_OBJ_ADAPTER, other));
    assert_null(peek1(obj->handle, D3DKMT_OBJ_ALLOCATION, fake));
    assert_true(d3dkmt_handle_remove(obj));
    free_fake_device(fake);
    free_fake_device(other);
}

/* The list form: every object in order, and a stop at the first refused handle (garbage, another
 * kind or device, a removed handle) anywhere in a list longer than its look-ahead, with out[] NULL
 * there and the count found before it returned. */
static void test_peek_list(void **state)
{
    enum { N = 100 };
    struct d3dkmt_device *fake = new_fake_device(), *other = new_fake_device();
    struct d3dkmt_object *objs[N], *out[N + 1], *removed = new_object(fake);
    D3DKMT_HANDLE handles[N + 1], stale = removed->handle;
    const UINT stops[] = { 0, 1, 15, 16, 17, 63, N - 1 };
    UINT i, k;

    assert_true(d3dkmt_handle_remove(removed));
    for (i = 0; i < N; i++)
    {
        objs[i] = new_object(fake);
        handles[i] = objs[i]->handle;
    }
    assert_int_equal(d3dkmt_handle_peek_list(handles, 0, D3DKMT_OBJ_ADAPTER, fake, out), 0);
    for (k = 1; k <= N; k += 33)
    {
        memset(out, 0xcc, sizeof(out));
        assert_int_equal(d3dkmt_handle_peek_list(handles, k, D3DKMT_OBJ_ADAPTER, fake, out), k);
        for (i = 0; i < k; i++) assert_ptr_equal(out[i], objs[i]);
        assert_int_equal((uintptr_t)out[k], (uintptr_t)0xccccccccccccccccull);   /* nothing past the list */
    }
    assert_int_equal(d3dkmt_handle_peek_list(handles, N, D3DKMT_OBJ_ADAPTER, NULL, out), N);
    assert_int_equal(d3dkmt_handle_peek_list(handles, N, D3DKMT_OBJ_ADAPTER, other, out), 0);
    assert_null(out[0]);
    assert_int_equal(d3dkmt_handle_peek_list(handles, N, D3DKMT_OBJ_ALLOCATION, fake, out), 0);
    for (k = 0; k < D3DKMT_ARRAY_SIZE(stops); k++)
    {
        static const D3DKMT_HANDLE garbage = 0x12345678u;
        const D3DKMT_HANDLE bad[] = { garbage, stale, other->obj.handle };

        for (i = 0; i < D3DKMT_ARRAY_SIZE(bad); i++)
        {
            D3DKMT_HANDLE keep = handles[stops[k]];
            handles[stops[k]] = bad[i];
            assert_int_equal(d3dkmt_handle_peek_list(handles, N, D3DKMT_OBJ_ADAPTER, fake, out), stops[k]);
            assert_null(out[stops[k]]);
            if (stops[k]) assert_ptr_equal(out[stops[k] - 1], objs[stops[k] - 1]);
            handles[stops[k]] = keep;
        }
    }
    for (i = 0; i < N; i++) assert_true(d3dkmt_handle_remove(objs[i]));
    free_fake_device(fake);
    free_fake_device(other);
}

static void test_garbage(void **state)
{
    static const D3DKMT_HANDLE bad[] = { 0, 0x40000000u, 0xffffffffu, 0x12345678u, 0x40000041u, 0x80000040u, 0x7fffffc0u };
    unsigned int i;
    for (i = 0; i < D3DKMT_ARRAY_SIZE(bad); i++) assert_null(d3dkmt_handle_get(bad[i], D3DKMT_OBJ_ADAPTER, NULL));
}

static void test_stale_after_remove(void **state)
{
    struct d3dkmt_object *obj = new_object(NULL), *got;
    D3DKMT_HANDLE h = obj->handle;

    /* Keep a reference like a concurrent caller would: the object survives its handle. */
    got = d3dkmt_handle_get(h, D3DKMT_OBJ_ADAPTER, NULL);
    assert_true(d3dkmt_handle_remove(obj));
    assert_false(d3dkmt_handle_remove(obj));           /* double destroy */
    assert_int_equal(atomic_load(&got->state), D3DKMT_STATE_STOPPED);
    assert_null(d3dkmt_handle_get(h, D3DKMT_OBJ_ADAPTER, NULL));
    d3dkmt_object_put(got);                              /* frees it */
}

static int cmp_handle(const void *a, const void *b)
{
    D3DKMT_HANDLE x = *(const D3DKMT_HANDLE *)a, y = *(const D3DKMT_HANDLE *)b;
    return x < y ? -1 : x > y;
}

/* A destroyed handle does not resolve to a newer object: slots are reused only after
 * D3DKMT_HANDLE_REUSE_DELAY more creations of their kind, and each reuse changes the generation. */
static void test_no_resurrection(void **state)
{
    enum { N = D3DKMT_HANDLE_REUSE_DELAY + 64 };
    D3DKMT_HANDLE *old = malloc(N * sizeof(*old));
    struct d3dkmt_object **objs = malloc(N * sizeof(*objs));
    unsigned int i, round;

    assert_non_null(old);
    assert_non_null(objs);
    for (i = 0; i < N; i++) { objs[i] = new_object(NULL); old[i] = objs[i]->handle; }
    for (i = 0; i < N; i++) assert_true(d3dkmt_handle_remove(objs[i]));
    qsort(old, N, sizeof(*old), cmp_handle);
    /* Churn through many generations of every slot; none may ever hand out an old handle, and old
     * handles must keep failing to resolve. */
    for (round = 0; round < 4; round++)
    {
        for (i = 0; i < N; i++)
        {
            objs[i] = new_object(NULL);
            assert_null(bsearch(&objs[i]->handle, old, N, sizeof(*old), cmp_handle));
        }
        for (i = 0; i < N; i++) assert_null(d3dkmt_handle_get(old[i], D3DKMT_OBJ_ADAPTER, NULL));
        for (i = 0; i < N; i++) assert_true(d3dkmt_handle_remove(objs[i]));
    }
    free(old);
    free(objs);
}

/* The case of issue 18: one object live while the application streams others (create, destroy,
 * ...): a destroyed handle names nothing, and no new object gets its value, for 2^20 creations of
 * its kind (docs/decisions/handles.md). */
static void test_stale_bound(void **state)
{
    struct d3dkmt_object *keep = new_object(NULL), *first = new_object(NULL), *obj;
    D3DKMT_HANDLE stale = first->handle;
    unsigned int i;

    assert_true(d3dkmt_handle_remove(first));
    for (i = 0; i < (1u << 20); i++)
    {
        obj = new_object(NULL);
        assert_int_not_equal(obj->handle, stale);
        assert_int_not_equal(obj->handle, keep->handle);
        if (!(i & 4095))
        {
            assert_null(d3dkmt_handle_get(stale, D3DKMT_OBJ_ADAPTER, NULL));
            assert_null(peek1(stale, D3DKMT_OBJ_ADAPTER, NULL));
        }
        assert_true(d3dkmt_handle_remove(obj));
    }
    assert_null(d3dkmt_handle_get(stale, D3DKMT_OBJ_ADAPTER, NULL));
    assert_true(d3dkmt_handle_remove(keep));
}

/* Slots are reused per kind: a slot another kind freed is not handed to this kind early. */
static void test_reuse_per_kind(void **state)
{
    struct d3dkmt_object *a = new_object(NULL), *b = calloc(1, sizeof(*b));
    D3DKMT_HANDLE stale = a->handle;

    assert_non_null(b);
    assert_true(d3dkmt_handle_remove(a));
    d3dkmt_object_init(b, D3DKMT_OBJ_SYNC_OBJECT, NULL, release_object);
    assert_int_equal(d3dkmt_handle_reserve(b), STATUS_SUCCESS);
    assert_int_not_equal(b->handle & 0x07ffffc0u, stale & 0x07ffffc0u);   /* another slot */
    d3dkmt_handle_publish(b);
    assert_null(d3dkmt_handle_get(stale, D3DKMT_OBJ_ADAPTER, NULL));
    assert_true(d3dkmt_handle_remove(b));
}

static void count_cb(struct d3dkmt_object *obj, void *ctx)
{
    (*(unsigned int *)ctx)++;
}

static void test_for_each(void **state)
{
    struct d3dkmt_device *fake = new_fake_device();
    struct d3dkmt_object *a = new_object(fake), *b = new_object(fake), *c = new_object(NULL);
    unsigned int seen = 0;

    d3dkmt_handle_for_each(fake, D3DKMT_OBJ_ADAPTER, count_cb, &seen);
    assert_int_equal(seen, 2);
    assert_true(d3dkmt_handle_remove(a));
    assert_true(d3dkmt_handle_remove(b));
    assert_true(d3dkmt_handle_remove(c));
    free_fake_device(fake);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_own_space),
        cmocka_unit_test(test_adopt),
        cmocka_unit_test(test_lookup_typed),
        cmocka_unit_test(test_lookup_device),
        cmocka_unit_test(test_peek_list),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_stale_after_remove),
        cmocka_unit_test(test_no_resurrection),
        cmocka_unit_test(test_stale_bound),
        cmocka_unit_test(test_reuse_per_kind),
        cmocka_unit_test(test_for_each),
    };
    return cmocka_run_group_tests_name("handles", tests, NULL, NULL);
}
