/*
 * bench_residency.c: the `make bench` measurements of libd3dkmt (docs/bench.md), each run side by
 * side with its reference in the same process, repeated and interleaved, medians reported:
 *   (a) offer + reclaim per allocation in batches of 1, 64, 1024 and 10240, time on the calling
 *       thread, against the raw vkSetDeviceMemoryPriorityEXT calls (low, then back) on the same
 *       VkDeviceMemory objects; and the time from an offer's return until its priority reached
 *       the driver (median, 99th percentile);
 *   (b) handle lookup with 1K, 100K and 1M live handles: the lookups of a residency list
 *       (d3dkmt_handle_peek_list), refusals one at a time (d3dkmt_handle_get), and
 *       d3dkmt_handle_get + put; at 1M against a reference
 *       that makes the one random memory read a lookup cannot avoid;
 *   (c) offer + reclaim throughput of two threads against one, on two devices and on one device;
 *   (d) bytes per allocation: the library's own (heap and handle slot), and the whole path against
 *       the same Vulkan objects made directly (mallinfo2);
 *   (e) one PE -> Unix call under Wine, through the x86_64 and the i386 d3dkmt.dll: passed in by
 *       bench/bench-all (tests/wine/callcost.exe, and its i686 build under the 32-bit loader);
 *   (f) the budget manager: time to make room for one new allocation with 1K, 10K and 100K
 *       allocations offered.
 *   (g) a D3DKMT device: CreateDevice + DestroyDevice without a VkDevice (as now) against with one
 *       (as before the VkDevice was made on first use), time per pair and memory per live device.
 *   (h) offer + reclaim (batches of 1 and 1024) with the device publishing into the statistics
 *       region against the same device not publishing (docs/statistics.md): triples of runs in
 *       rotating order, the median of their ratios of thread CPU time; and the same ratio of two
 *       runs that do not publish, for the noise of the measurement itself.
 * Prints one table: measured value, target, pass or miss.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Usage: bench_residency [--wine-call-ns=NS] [--reps=N] [--quick]
 */
#include "d3dkmt_private.h"
#include "fence.h"
#include "vidmm.h"
#include "resolve.h"

#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mock_vulkan.h"

#define MAX_ALLOCS 10240
#define ALLOC_SIZE 4096          /* bytes asked; the library rounds up to the sparse page (64 KiB on lavapipe) */

static int reps = 7;

/* Heap bytes held by code linked into this program, the library's objects included (the build
 * links them with --wrap for malloc, calloc, realloc and free, bench/Makefile.inc); the Vulkan
 * driver's allocations are not seen.  A chunk costs its usable size plus glibc's 8-byte header. */
static _Atomic long long wrapped_heap;
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *ptr, size_t size);
void __real_free(void *ptr);

void *__wrap_malloc(size_t size)
{
    void *p = __real_malloc(size);
    if (p) wrapped_heap += malloc_usable_size(p) + 8;
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    void *p = __real_calloc(n, size);
    if (p) wrapped_heap += malloc_usable_size(p) + 8;
    return p;
}

void *__wrap_realloc(void *ptr, size_t size)
{
    long long old = ptr ? (long long)malloc_usable_size(ptr) + 8 : 0;
    void *p = __real_realloc(ptr, size);
    if (p) wrapped_heap += (long long)malloc_usable_size(p) + 8 - old;
    return p;
}

void __wrap_free(void *ptr)
{
    if (ptr) wrapped_heap -= (long long)malloc_usable_size(ptr) + 8;
    __real_free(ptr);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, NTSTATUS status)
{
    fprintf(stderr, "bench_residency: %s failed: %#lx\n", what, (unsigned long)status);
    exit(1);
}

/* ---- Devices and allocations ---- */

struct bdev
{
    D3DKMT_HANDLE adapter, device;
    struct d3dkmt_host_device_info info;
    PFN_vkSetDeviceMemoryPriorityEXT set_priority;
};

static void open_device(struct bdev *b)
{
    D3DKMT_ADAPTERINFO infos[8];
    D3DKMT_ENUMADAPTERS2 e = { .NumAdapters = 8, .pAdapters = infos };
    D3DKMT_CREATEDEVICE create = { 0 };
    NTSTATUS st;
    UINT i;

    if ((st = D3DKMTEnumAdapters2(&e)) || !e.NumAdapters) die("D3DKMTEnumAdapters2", st);
    b->adapter = infos[0].hAdapter;
    for (i = 1; i < e.NumAdapters; i++)
    {
        D3DKMT_CLOSEADAPTER c = { .hAdapter = infos[i].hAdapter };
        D3DKMTCloseAdapter(&c);
    }
    create.hAdapter = b->adapter;
    if ((st = D3DKMTCreateDevice(&create))) die("D3DKMTCreateDevice", st);
    b->device = create.hDevice;
    if ((st = d3dkmt_host_get_device_info(b->device, &b->info))) die("d3dkmt_host_get_device_info", st);
    b->set_priority = (PFN_vkSetDeviceMemoryPriorityEXT)b->info.get_device_proc_addr(b->info.device,
                                                                                      "vkSetDeviceMemoryPriorityEXT");
}

static void close_device(struct bdev *b)
{
    D3DKMT_DESTROYDEVICE d = { .hDevice = b->device };
    D3DKMT_CLOSEADAPTER c = { .hAdapter = b->adapter };
    D3DKMTDestroyDevice(&d);
    D3DKMTCloseAdapter(&c);
}

static void create_allocs(struct bdev *b, D3DKMT_HANDLE *h, UINT n)
{
    D3DKMT_VK_ALLOCATIONDATA data = { .Version = D3DKMT_VK_ALLOCATIONDATA_VERSION,
                                      .Placement = D3DKMT_VK_PLACEMENT_DEVICE_LOCAL, .Size = ALLOC_SIZE };
    static D3DDDI_ALLOCATIONINFO2 infos[D3DKMT_MAX_CREATE_LIST];
    UINT done = 0, i;

    while (done < n)
    {
        D3DKMT_CREATEALLOCATION c = { .hDevice = b->device };
        UINT k = n - done > D3DKMT_MAX_CREATE_LIST ? D3DKMT_MAX_CREATE_LIST : n - done;
        NTSTATUS st;

        memset(infos, 0, sizeof(infos));
        for (i = 0; i < k; i++)
        {
            infos[i].pPrivateDriverData = &data;
            infos[i].PrivateDriverDataSize = sizeof(data);
        }
        c.NumAllocations = k;
        c.pAllocationInfo2 = infos;
        if ((st = D3DKMTCreateAllocation2(&c))) die("D3DKMTCreateAllocation2", st);
        for (i = 0; i < k; i++) h[done + i] = infos[i].hAllocation;
        done += k;
    }
}

static void destroy_allocs(struct bdev *b, const D3DKMT_HANDLE *h, UINT n)
{
    UINT done = 0;
    while (done < n)
    {
        UINT k = n - done > D3DKMT_MAX_CREATE_LIST ? D3DKMT_MAX_CREATE_LIST : n - done;
        D3DKMT_DESTROYALLOCATION2 d = { .hDevice = b->device, .phAllocationList = h + done, .AllocationCount = k };
        d.Flags.AssumeNotInUse = 1;
        d.Flags.SynchronousDestroy = 1;
        D3DKMTDestroyAllocation2(&d);
        done += k;
    }
}

/* Offer (LOW) and reclaim n allocations in batches of `batch`. */
static void offer_reclaim(D3DKMT_HANDLE device, const D3DKMT_HANDLE *h, UINT n, UINT batch)
{
    UINT i;
    for (i = 0; i < n; i += batch)
    {
        UINT k = n - i < batch ? n - i : batch;
        D3DKMT_OFFERALLOCATIONS o = { .hDevice = device, .HandleList = h + i, .NumAllocations = k,
                                      .Priority = D3DKMT_OFFER_PRIORITY_LOW };
        D3DKMT_RECLAIMALLOCATIONS r = { .hDevice = device, .HandleList = h + i, .NumAllocations = k };
        NTSTATUS st;
        if ((st = D3DKMTOfferAllocations(&o))) die("D3DKMTOfferAllocations", st);
        if ((st = D3DKMTReclaimAllocations(&r))) die("D3DKMTReclaimAllocations", st);
    }
}

/* ---- (a) offer + reclaim against raw vkSetDeviceMemoryPriorityEXT ---- */

static const UINT batches[4] = { 1, 64, 1024, 10240 };
static double a_lib[4], a_raw[4];

static void bench_a(void)
{
    static D3DKMT_HANDLE h[MAX_ALLOCS];
    static VkDeviceMemory mem[MAX_ALLOCS];
    double lib[4][32], raw[4][32];
    struct bdev b;
    int r, k;
    UINT i;

    open_device(&b);
    if (!b.set_priority || b.info.residency_mode != D3DKMT_HOST_RESIDENCY_PAGEABLE)
        fprintf(stderr, "note: no live priorities (residency mode %u): offers are bookkeeping only\n", b.info.residency_mode);
    create_allocs(&b, h, MAX_ALLOCS);
    for (i = 0; i < MAX_ALLOCS; i++)
    {
        struct d3dkmt_host_allocation_info info;
        if (d3dkmt_host_get_allocation_info(b.device, h[i], &info)) die("d3dkmt_host_get_allocation_info", 0);
        mem[i] = info.memory;
    }
    offer_reclaim(b.device, h, MAX_ALLOCS, 1024);   /* warm up */
    for (r = 0; r < reps; r++)
    {
        for (k = 0; k < 4; k++)
        {
            double t0 = now_ns();
            offer_reclaim(b.device, h, MAX_ALLOCS, batches[k]);
            lib[k][r] = (now_ns() - t0) / MAX_ALLOCS;
            /* Whatever the library left for the driver runs before the reference, not beside it
             * (and never on the same memory at the same time). */
            d3dkmt_host_flush_deferred(b.device, 10000000000ull);
            t0 = now_ns();
            if (b.set_priority)
            {
                /* What an offer and a reclaim amount to in Vulkan: the lowest priority, then back. */
                for (i = 0; i < MAX_ALLOCS; i++) b.set_priority(b.info.device, mem[i], 0.0f);
                for (i = 0; i < MAX_ALLOCS; i++) b.set_priority(b.info.device, mem[i], 0.5f);
            }
            raw[k][r] = (now_ns() - t0) / MAX_ALLOCS;
        }
    }
    for (k = 0; k < 4; k++)
    {
        a_lib[k] = median(lib[k], reps);
        a_raw[k] = median(raw[k], reps);
    }
    destroy_allocs(&b, h, MAX_ALLOCS);
    close_device(&b);
}

/* ---- (a) latency: from an offer's return until the driver has the offer's priority ---- */

static double lat_median, lat_p99;
static int lat_samples;

/* The priority the driver has for a's memory, as the library recorded it (x 255). */
static unsigned int applied_priority(struct d3dkmt_device *device, struct d3dkmt_allocation *a)
{
    unsigned int v;
    pthread_mutex_lock(&device->lock);
    v = a->priority_applied;
    pthread_mutex_unlock(&device->lock);
    return v;
}

static void bench_latency(void)
{
    enum { N = 64, SAMPLES = 1000 };
    static D3DKMT_HANDLE h[N];
    static double t[SAMPLES];
    struct d3dkmt_allocation *allocs[N];
    struct d3dkmt_device *device;
    struct bdev b;
    int i;

    open_device(&b);
    create_allocs(&b, h, N);
    device = d3dkmt_device_get(b.device);
    for (i = 0; i < N; i++) allocs[i] = d3dkmt_allocation_get(h[i], device);
    lat_samples = b.info.residency_mode == D3DKMT_HOST_RESIDENCY_PAGEABLE ? SAMPLES : 0;
    for (i = 0; i < lat_samples; i++)
    {
        D3DKMT_OFFERALLOCATIONS o = { .hDevice = b.device, .HandleList = &h[i % N], .NumAllocations = 1,
                                      .Priority = D3DKMT_OFFER_PRIORITY_LOW };
        D3DKMT_RECLAIMALLOCATIONS r = { .hDevice = b.device, .HandleList = &h[i % N], .NumAllocations = 1 };
        double t0;
        NTSTATUS st;

        if ((st = D3DKMTOfferAllocations(&o))) die("D3DKMTOfferAllocations", st);
        t0 = now_ns();
        /* LOW offers are at 0.0.  Yield between looks: this thread must not take the CPU (or
         * device->lock) from the tracker thread it waits for. */
        while (applied_priority(device, allocs[i % N]) != 0) sched_yield();
        t[i] = (now_ns() - t0) / 1000.0;
        if ((st = D3DKMTReclaimAllocations(&r))) die("D3DKMTReclaimAllocations", st);
        d3dkmt_host_flush_deferred(b.device, 10000000000ull);
    }
    if (lat_samples)
    {
        qsort(t, lat_samples, sizeof(*t), cmp_double);
        lat_median = t[lat_samples / 2];
        lat_p99 = t[(lat_samples * 99) / 100];
    }
    for (i = 0; i < N; i++) d3dkmt_allocation_put(allocs[i]);
    d3dkmt_device_put(device);
    destroy_allocs(&b, h, N);
    close_device(&b);
}

/* ---- (b) handle lookup ---- */

static const UINT live_counts[3] = { 1000, 100000, 1000000 };
enum { LK_LIST, LK_REFUSE, LK_GET, LK_SEQ, LK_REF, LK_COUNT };
static double b_res[LK_COUNT][3];
static size_t b_ref_bytes[3];

/* The same lookups as lists of 256 handles (d3dkmt_handle_peek_list, as d3dkmt_resolve_locked
 * makes them for a HandleList or a residency list). */
static double list_loop(const D3DKMT_HANDLE *seq, UINT calls, enum d3dkmt_object_type type, uintptr_t *sink)
{
    struct d3dkmt_object *objs[256];
    double t0 = now_ns();
    uintptr_t sum = 0;
    UINT i, j, n, found;

    for (i = 0; i < calls; i += n)
    {
        n = calls - i < 256 ? calls - i : 256;
        found = d3dkmt_handle_peek_list(seq + i, n, type, NULL, objs);
        for (j = 0; j < found; j++) sum += (uintptr_t)objs[j];
    }
    *sink += sum;
    return (now_ns() - t0) / calls;
}

/* Refusals one at a time: the same handles asked for as another kind through d3dkmt_handle_get,
 * the lookup of single handles, which refuses after reading the slot word (no lock). */
static double refuse_loop(const D3DKMT_HANDLE *seq, UINT calls)
{
    double t0 = now_ns();
    UINT i;

    for (i = 0; i < calls; i++)
        if (d3dkmt_handle_get(seq[i], D3DKMT_OBJ_ALLOCATION, NULL)) die("d3dkmt_handle_get accepted", 0);
    return (now_ns() - t0) / calls;
}

/* The lookup with a reference (device handles, Lock2, destroys). */
static double get_loop(const D3DKMT_HANDLE *seq, UINT calls)
{
    double t0 = now_ns();
    UINT i;

    for (i = 0; i < calls; i++)
    {
        struct d3dkmt_object *obj = d3dkmt_handle_get(seq[i], D3DKMT_OBJ_RESOURCE, NULL);
        if (!obj) die("d3dkmt_handle_get", 0);
        d3dkmt_object_put(obj);
    }
    return (now_ns() - t0) / calls;
}

/* The reference: one random 8-byte read per lookup in an array as large as the live slots and
 * objects together, in the same random order, summed (no lookup can read less). */
static double ref_loop(const uint64_t *array, const uint32_t *pos, UINT calls, uintptr_t *sink)
{
    double t0 = now_ns();
    uint64_t sum = 0;
    UINT i;

    for (i = 0; i < calls; i++) sum += array[pos[i]];
    *sink += sum;
    return (now_ns() - t0) / calls;
}

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    return *s = x;
}

static void bench_b(void)
{
    const UINT calls = 1000000;
    struct d3dkmt_object *objs;
    D3DKMT_HANDLE *handles, *rand_seq, *seq_seq;
    uint32_t *ref_pos, seed = 12345;
    uint64_t *ref_array;
    UINT live = 0, stage, i, k;
    double t[LK_COUNT][32];
    uintptr_t sink = 0;
    int r;

    objs = calloc(live_counts[2], sizeof(*objs));
    handles = calloc(live_counts[2], sizeof(*handles));
    rand_seq = malloc(calls * sizeof(*rand_seq));
    seq_seq = malloc(calls * sizeof(*seq_seq));
    ref_pos = malloc(calls * sizeof(*ref_pos));
    /* Slots (8 bytes) and objects, for the largest stage. */
    b_ref_bytes[2] = (size_t)live_counts[2] * (8 + sizeof(*objs));
    ref_array = malloc(b_ref_bytes[2]);
    if (!objs || !handles || !rand_seq || !seq_seq || !ref_pos || !ref_array) die("malloc", 0);
    for (i = 0; i < b_ref_bytes[2] / 8; i++) ref_array[i] = i;
    for (stage = 0; stage < 3; stage++)
    {
        UINT n = live_counts[stage];
        uint64_t words;

        /* Placeholder objects (no device): the table holds one reference, we keep the other. */
        for (; live < n; live++)
        {
            d3dkmt_object_init(&objs[live], D3DKMT_OBJ_RESOURCE, NULL, NULL);
            d3dkmt_object_get(&objs[live]);
            if (d3dkmt_handle_reserve(&objs[live])) die("d3dkmt_handle_reserve", 0);
            d3dkmt_handle_publish(&objs[live]);
            handles[live] = objs[live].handle;
        }
        b_ref_bytes[stage] = (size_t)n * (8 + sizeof(*objs));
        words = b_ref_bytes[stage] / 8;
        /* The handle sequences are precomputed, so a lookup loop reads them in order and makes no
         * random access but the lookup's own. */
        for (i = 0; i < calls; i++)
        {
            uint32_t x = xorshift(&seed) % n;
            rand_seq[i] = handles[x];
            seq_seq[i] = handles[i % n];
            ref_pos[i] = (uint32_t)(((uint64_t)x * words) / n);
        }
        /* Each loop runs once untimed before its timed run: every one is measured in its own
         * steady state, not in the caches the loop before it left. */
        for (r = 0; r < reps; r++)
        {
            ref_loop(ref_array, ref_pos, calls, &sink);
            t[LK_REF][r] = ref_loop(ref_array, ref_pos, calls, &sink);
            list_loop(rand_seq, calls, D3DKMT_OBJ_RESOURCE, &sink);
            t[LK_LIST][r] = list_loop(rand_seq, calls, D3DKMT_OBJ_RESOURCE, &sink);
            refuse_loop(rand_seq, calls);
            t[LK_REFUSE][r] = refuse_loop(rand_seq, calls);
            get_loop(rand_seq, calls);
            t[LK_GET][r] = get_loop(rand_seq, calls);
            list_loop(seq_seq, calls, D3DKMT_OBJ_RESOURCE, &sink);
            t[LK_SEQ][r] = list_loop(seq_seq, calls, D3DKMT_OBJ_RESOURCE, &sink);
        }
        for (k = 0; k < LK_COUNT; k++) b_res[k][stage] = median(t[k], reps);
    }
    if (sink == 42) fprintf(stderr, "%lu\n", (unsigned long)sink);   /* keep the reads */
    free(ref_array);
    /* Leave the placeholders: the process ends (the table is reset only with no live handle). */
}

/* ---- (c) threads ---- */

struct worker
{
    D3DKMT_HANDLE device;
    D3DKMT_HANDLE *h;
    UINT n, rounds;
    pthread_barrier_t *start;
    struct bdev *raw;           /* not NULL: the raw priority calls on the same memory instead */
    VkDeviceMemory *mem;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    UINT i, j;
    pthread_barrier_wait(w->start);
    for (i = 0; i < w->rounds; i++)
    {
        if (!w->raw) offer_reclaim(w->device, w->h, w->n, 64);
        else
        {
            for (j = 0; j < w->n; j++) w->raw->set_priority(w->raw->info.device, w->mem[j], 0.0f);
            for (j = 0; j < w->n; j++) w->raw->set_priority(w->raw->info.device, w->mem[j], 0.5f);
        }
    }
    return NULL;
}

static void memories(struct bdev *b, const D3DKMT_HANDLE *h, VkDeviceMemory *mem, UINT n)
{
    UINT i;
    for (i = 0; i < n; i++)
    {
        struct d3dkmt_host_allocation_info info;
        if (d3dkmt_host_get_allocation_info(b->device, h[i], &info)) die("d3dkmt_host_get_allocation_info", 0);
        mem[i] = info.memory;
    }
}

/* Seconds for the workers to finish, all started together. */
static double run_workers(struct worker *w, int count)
{
    pthread_barrier_t start;
    pthread_t threads[2];
    double t0;
    int i;

    pthread_barrier_init(&start, NULL, count + 1);
    for (i = 0; i < count; i++)
    {
        w[i].start = &start;
        pthread_create(&threads[i], NULL, worker_main, &w[i]);
    }
    pthread_barrier_wait(&start);
    t0 = now_ns();
    for (i = 0; i < count; i++) pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start);
    return (now_ns() - t0) / 1e9;
}

static double c_two_devices, c_one_device, c_raw_two_devices, c_raw_one_device;

/* Lets what the library left for the driver run before the next measurement starts. */
static void flush2(struct bdev *b0, struct bdev *b1)
{
    d3dkmt_host_flush_deferred(b0->device, 10000000000ull);
    d3dkmt_host_flush_deferred(b1->device, 10000000000ull);
}

static void bench_c(void)
{
    enum { N = 1024, ROUNDS = 20 };
    static D3DKMT_HANDLE h0[N], h1[N], h2[N];
    static VkDeviceMemory m0[N], m1[N], m2[N];
    double two_dev[32], one_dev[32], raw_two[32], raw_one[32];
    struct bdev b0, b1;
    int r;

    open_device(&b0);
    open_device(&b1);
    create_allocs(&b0, h0, N);
    create_allocs(&b0, h2, N);
    create_allocs(&b1, h1, N);
    memories(&b0, h0, m0, N);
    memories(&b0, h2, m2, N);
    memories(&b1, h1, m1, N);
    for (r = 0; r < reps; r++)
    {
        struct worker one = { b0.device, h0, N, ROUNDS };
        struct worker two[2] = { { b0.device, h0, N, ROUNDS }, { b1.device, h1, N, ROUNDS } };
        struct worker same[2] = { { b0.device, h0, N, ROUNDS }, { b0.device, h2, N, ROUNDS } };
        double t1, t2, t3;
        t1 = run_workers(&one, 1);
        flush2(&b0, &b1);
        t2 = run_workers(two, 2);
        flush2(&b0, &b1);
        t3 = run_workers(same, 2);
        flush2(&b0, &b1);
        /* Throughput ratio: twice the work in t2 against the work in t1. */
        two_dev[r] = 2 * t1 / t2;
        one_dev[r] = 2 * t1 / t3;
        if (b0.set_priority)
        {
            struct worker rone = { b0.device, h0, N, ROUNDS, NULL, &b0, m0 };
            struct worker rtwo[2] = { { b0.device, h0, N, ROUNDS, NULL, &b0, m0 }, { b1.device, h1, N, ROUNDS, NULL, &b1, m1 } };
            struct worker rsame[2] = { { b0.device, h0, N, ROUNDS, NULL, &b0, m0 }, { b0.device, h2, N, ROUNDS, NULL, &b0, m2 } };
            t1 = run_workers(&rone, 1);
            t2 = run_workers(rtwo, 2);
            t3 = run_workers(rsame, 2);
            raw_two[r] = 2 * t1 / t2;
            raw_one[r] = 2 * t1 / t3;
        }
        else raw_two[r] = raw_one[r] = 0;
    }
    c_two_devices = median(two_dev, reps);
    c_one_device = median(one_dev, reps);
    c_raw_two_devices = median(raw_two, reps);
    c_raw_one_device = median(raw_one, reps);
    destroy_allocs(&b0, h0, N);
    destroy_allocs(&b0, h2, N);
    destroy_allocs(&b1, h1, N);
    close_device(&b0);
    close_device(&b1);
}

/* ---- (d) heap bytes per allocation ---- */

static double d_lib_gross, d_raw, d_struct, d_lib_own;

static size_t heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static void bench_d(void)
{
    enum { N = 10000 };
    static D3DKMT_HANDLE h[N];
    static VkBuffer buffers[N];
    static VkDeviceMemory memory[N];
    struct d3dkmt_device *device;
    struct bdev b;
    PFN_vkGetDeviceProcAddr gdpa;
    PFN_vkCreateBuffer create_buffer;
    PFN_vkDestroyBuffer destroy_buffer;
    PFN_vkAllocateMemory alloc_memory;
    PFN_vkFreeMemory free_memory;
    PFN_vkBindBufferMemory bind_memory;
    PFN_vkQueueBindSparse bind_sparse;
    PFN_vkQueueWaitIdle wait_idle;
    VkSemaphore semaphore;
    long long wrapped0;
    size_t before, table0;
    UINT i, type;
    VkDevice vk;

    open_device(&b);
    gdpa = b.info.get_device_proc_addr;
    vk = b.info.device;
    create_buffer = (PFN_vkCreateBuffer)gdpa(vk, "vkCreateBuffer");
    destroy_buffer = (PFN_vkDestroyBuffer)gdpa(vk, "vkDestroyBuffer");
    alloc_memory = (PFN_vkAllocateMemory)gdpa(vk, "vkAllocateMemory");
    free_memory = (PFN_vkFreeMemory)gdpa(vk, "vkFreeMemory");
    bind_memory = (PFN_vkBindBufferMemory)gdpa(vk, "vkBindBufferMemory");
    bind_sparse = (PFN_vkQueueBindSparse)gdpa(vk, "vkQueueBindSparse");
    wait_idle = (PFN_vkQueueWaitIdle)gdpa(vk, "vkQueueWaitIdle");
    device = d3dkmt_device_get(b.device);

    /* Warm up both paths (first-use pages, caches). */
    create_allocs(&b, h, 1000);
    destroy_allocs(&b, h, 1000);
    malloc_trim(0);

    before = heap_bytes();
    wrapped0 = wrapped_heap;
    table0 = d3dkmt_handle_table_bytes();
    create_allocs(&b, h, N);
    /* The binds the library queued hold driver memory until they ran: let them run first. */
    d3dkmt_host_lock_queue(b.device);
    wait_idle(b.info.queue);
    d3dkmt_host_unlock_queue(b.device);
    d3dkmt_host_flush_deferred(b.device, 10000000000ull);
    d_lib_gross = (double)(heap_bytes() - before) / N;
    /* The handle table's slots are mapped, not on the heap: count what they commit. */
    d_lib_own = (double)(wrapped_heap - wrapped0 + (long long)(d3dkmt_handle_table_bytes() - table0)) / N;
    {
        struct d3dkmt_host_allocation_info info;
        d3dkmt_host_get_allocation_info(b.device, h[0], &info);
        type = info.memory_type_index;
    }
    destroy_allocs(&b, h, N);
    malloc_trim(0);

    /* The same Vulkan objects made directly: buffer (sparse where the library uses it), memory of
     * the same size and type with the same pNext chain, and the bind. */
    semaphore = d3dkmt_create_timeline_semaphore(device, 0);
    before = heap_bytes();
    for (i = 0; i < N; i++)
    {
        VkBufferCreateInfo binfo = d3dkmt_device_buffer_info(device, device->sparse ? device->sparse_alignment : ALLOC_SIZE);
        VkMemoryPriorityAllocateInfoEXT prio = { .sType = VK_STRUCTURE_TYPE_MEMORY_PRIORITY_ALLOCATE_INFO_EXT, .priority = 0.5f };
        VkMemoryAllocateFlagsInfo flags = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO,
                                            .flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT };
        VkMemoryAllocateInfo minfo = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                       .allocationSize = binfo.size, .memoryTypeIndex = type };
        if (device->memory_priority) { prio.pNext = minfo.pNext; minfo.pNext = &prio; }
        if (device->bda) { flags.pNext = minfo.pNext; minfo.pNext = &flags; }
        if (create_buffer(vk, &binfo, NULL, &buffers[i]) != VK_SUCCESS) die("vkCreateBuffer", 0);
        if (alloc_memory(vk, &minfo, NULL, &memory[i]) != VK_SUCCESS) die("vkAllocateMemory", 0);
        if (device->sparse)
        {
            VkSparseMemoryBind bind = { .size = binfo.size, .memory = memory[i] };
            VkSparseBufferMemoryBindInfo buffer_bind = { .buffer = buffers[i], .bindCount = 1, .pBinds = &bind };
            /* Each of the library's binds also signals its bind timeline (tracker.c): so do these. */
            uint64_t value = i + 1;
            VkTimelineSemaphoreSubmitInfo timeline = { .sType = VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO,
                                                       .signalSemaphoreValueCount = 1, .pSignalSemaphoreValues = &value };
            VkBindSparseInfo sparse = { .sType = VK_STRUCTURE_TYPE_BIND_SPARSE_INFO, .pNext = &timeline,
                                        .bufferBindCount = 1, .pBufferBinds = &buffer_bind,
                                        .signalSemaphoreCount = 1, .pSignalSemaphores = &semaphore };
            d3dkmt_host_lock_queue(b.device);
            bind_sparse(b.info.queue, 1, &sparse, VK_NULL_HANDLE);
            d3dkmt_host_unlock_queue(b.device);
        }
        else bind_memory(vk, buffers[i], memory[i], 0);
    }
    d3dkmt_host_lock_queue(b.device);
    wait_idle(b.info.queue);
    d3dkmt_host_unlock_queue(b.device);
    d_raw = (double)(heap_bytes() - before) / N;
    ((PFN_vkDestroySemaphore)gdpa(vk, "vkDestroySemaphore"))(vk, semaphore, NULL);
    for (i = 0; i < N; i++)
    {
        destroy_buffer(vk, buffers[i], NULL);
        free_memory(vk, memory[i], NULL);
    }
    d_struct = sizeof(struct d3dkmt_allocation);
    d3dkmt_device_put(device);
    close_device(&b);
}

/* ---- (g) a D3DKMT device: CreateDevice + DestroyDevice, and the memory of a live device ---- */

#define F_PAIRS 20
#define F_LIVE 32
static double f_lazy_ns, f_eager_ns, f_lazy_heap, f_eager_heap, f_lazy_rss, f_eager_rss, f_lazy_own, f_eager_own;

/* Resident bytes of the process. */
static double rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f && fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    if (f) fclose(f);
    return (double)resident * 4096;
}

/* One device on adapter; eager: also its VkDevice (what every D3DKMTCreateDevice made before the
 * VkDevice became lazy: d3dkmt_host_get_device_info makes it now). */
static D3DKMT_HANDLE f_create(D3DKMT_HANDLE adapter, bool eager)
{
    D3DKMT_CREATEDEVICE create = { .hAdapter = adapter };
    struct d3dkmt_host_device_info info;
    NTSTATUS st;

    if ((st = D3DKMTCreateDevice(&create))) die("D3DKMTCreateDevice", st);
    if (eager && (st = d3dkmt_host_get_device_info(create.hDevice, &info))) die("d3dkmt_host_get_device_info", st);
    return create.hDevice;
}

static void f_destroy(D3DKMT_HANDLE device)
{
    D3DKMT_DESTROYDEVICE destroy = { .hDevice = device };
    NTSTATUS st;

    if ((st = D3DKMTDestroyDevice(&destroy))) die("D3DKMTDestroyDevice", st);
}

static void bench_g(void)
{
    double lazy[31], eager[31], t;
    D3DKMT_HANDLE live[F_LIVE];
    struct bdev b;
    int r, i, pass;

    open_device(&b);   /* the adapter, and one device that keeps the instance and driver loaded */
    f_destroy(f_create(b.adapter, true));
    for (r = 0; r < reps; r++)
    {
        for (pass = 0; pass < 2; pass++)
        {
            t = now_ns();
            for (i = 0; i < F_PAIRS; i++) f_destroy(f_create(b.adapter, pass));
            t = (now_ns() - t) / F_PAIRS;
            if (pass) eager[r] = t;
            else lazy[r] = t;
        }
    }
    f_lazy_ns = median(lazy, reps);
    f_eager_ns = median(eager, reps);
    /* Memory of F_LIVE live devices, each way (after a round that warms the allocator). */
    for (pass = 0; pass < 2; pass++)
    {
        struct mallinfo2 before, after;
        double rss_before, rss_after;
        long long own_before;

        for (i = 0; i < F_LIVE; i++) live[i] = f_create(b.adapter, pass);
        for (i = 0; i < F_LIVE; i++) f_destroy(live[i]);
        before = mallinfo2();
        rss_before = rss_bytes();
        own_before = wrapped_heap;
        for (i = 0; i < F_LIVE; i++) live[i] = f_create(b.adapter, pass);
        after = mallinfo2();
        rss_after = rss_bytes();
        if (pass)
        {
            f_eager_heap = (double)(after.uordblks + after.hblkhd - before.uordblks - before.hblkhd) / F_LIVE;
            f_eager_rss = (rss_after - rss_before) / F_LIVE;
            f_eager_own = (double)(wrapped_heap - own_before) / F_LIVE;
        }
        else
        {
            f_lazy_heap = (double)(after.uordblks + after.hblkhd - before.uordblks - before.hblkhd) / F_LIVE;
            f_lazy_rss = (rss_after - rss_before) / F_LIVE;
            f_lazy_own = (double)(wrapped_heap - own_before) / F_LIVE;
        }
        for (i = 0; i < F_LIVE; i++) f_destroy(live[i]);
    }
    close_device(&b);
}

/* ---- (f) budget manager ---- */

/* On lavapipe every VkDeviceMemory is a mapping of its own and Linux allows a process 65530
 * (vm.max_map_count), so the real driver holds at most 50K offered allocations here; the library's
 * own cost at 100K is measured on the mock driver (tests/unit/mock_vulkan.c), in a child process. */
static const UINT offered_real[3] = { 1000, 10000, 50000 };
static const UINT offered_mock[3] = { 1000, 10000, 100000 };
static double f_real[3], f_mock[3];

/* Time for the budget manager to make room for one new allocation (one allocation's size over a
 * full budget) with counts[i] allocations offered at LOW: d3dkmt_vidmm_trim_locked, which discards
 * the oldest offered allocation (queues its unbind and the deferred free).  Microseconds. */
static bool bench_trim(const UINT *counts, double *out)
{
    static D3DKMT_HANDLE h[100000];
    struct d3dkmt_device *device;
    struct bdev b;
    UINT stage, made = 0;
    enum { TRIMS = 31 };   /* per stage, after 2 to warm up: single trims vary with the scheduler */
    double t[TRIMS + 2];
    int r;

    open_device(&b);
    device = d3dkmt_device_get(b.device);
    if (!device->sparse)
    {
        d3dkmt_device_put(device);
        close_device(&b);
        return false;
    }
    for (stage = 0; stage < 3; stage++)
    {
        UINT n = counts[stage], done;
        uint64_t size;

        create_allocs(&b, h + made, n - made);
        for (done = made; done < n; done += D3DKMT_MAX_RESIDENCY_LIST)
        {
            UINT k = n - done < D3DKMT_MAX_RESIDENCY_LIST ? n - done : D3DKMT_MAX_RESIDENCY_LIST;
            D3DKMT_OFFERALLOCATIONS o = { .hDevice = b.device, .HandleList = h + done, .NumAllocations = k,
                                          .Priority = D3DKMT_OFFER_PRIORITY_LOW };
            NTSTATUS st;
            if ((st = D3DKMTOfferAllocations(&o))) die("D3DKMTOfferAllocations", st);
        }
        made = n;
        d3dkmt_host_flush_deferred(b.device, 100000000000ull);
        {
            struct d3dkmt_object *last;
            if (d3dkmt_handle_peek_list(&h[n - 1], 1, D3DKMT_OBJ_ALLOCATION, device, &last) != 1)
                die("d3dkmt_handle_peek_list", 0);
            size = ((struct d3dkmt_allocation *)last)->size;
        }
        for (r = 0; r < TRIMS + 2; r++)
        {
            double t0;
            /* A full budget: the cap is the current usage, re-read at once. */
            device->adapter->budget_cap = atomic_load(&device->adapter->local_usage);
            pthread_mutex_lock(&device->lock);
            device->budget_time_ms = 0;
            t0 = now_ns();
            if (d3dkmt_vidmm_trim_locked(device, size)) die("d3dkmt_vidmm_trim_locked", 0);
            t[r] = now_ns() - t0;
            pthread_mutex_unlock(&device->lock);
        }
        out[stage] = median(t + 2, TRIMS) / 1000.0;
        device->adapter->budget_cap = 0;
        device->budget_time_ms = 0;
        d3dkmt_host_flush_deferred(b.device, 100000000000ull);
    }
    d3dkmt_device_put(device);
    destroy_allocs(&b, h, made);
    close_device(&b);
    return true;
}

/* (f) on the mock driver, in a child process that installs it before the library's first call. */
static void bench_trim_mock(void)
{
    int fds[2], status;
    pid_t pid;

    if (pipe(fds)) return;
    if (!(pid = fork()))
    {
        struct mock_vk_config config;
        double out[3] = { 0 };

        close(fds[0]);
        mock_vk_default_config(&config);
        config.local_heap_size = 64ull << 30;
        config.quiet = true;
        mock_vk_install(&config);
        if (!bench_trim(offered_mock, out)) out[0] = 0;
        d3dkmt_host_shutdown();
        if (write(fds[1], out, sizeof(out)) != sizeof(out)) _exit(1);
        _exit(0);
    }
    close(fds[1]);
    if (pid > 0)
    {
        if (read(fds[0], f_mock, sizeof(f_mock)) != sizeof(f_mock)) memset(f_mock, 0, sizeof(f_mock));
        waitpid(pid, &status, 0);
    }
    close(fds[0]);
}

/* ---- (h) what the statistics region costs offer + reclaim ---- */

static const UINT h_batches[2] = { 1, 1024 };
#define H_MAX_ROUNDS 1024
static double h_on[2], h_off[2], h_ratio[2], h_noise[2];
static int h_rounds;

/* Gives the device its statistics slot back (on) or none (off), as a device without a slot has:
 * every update is then skipped.  Under both locks that guard its readers. */
static void set_publishing(struct d3dkmt_device *device, struct d3dkmt_stats_device *pub)
{
    pthread_mutex_lock(&device->lock);
    pthread_mutex_lock(&device->tracker.lock);
    device->pub = pub;
    pthread_mutex_unlock(&device->tracker.lock);
    pthread_mutex_unlock(&device->lock);
}

/* The calling thread's CPU time: what the calls cost, without the time the (shared, loaded)
 * machine gave other processes meanwhile. */
static double thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Triples of runs, each one round over all allocations: publishing, not publishing, and not
 * publishing again (what the machine's noise alone makes of two equal runs), in rotating order;
 * the medians of the triples' ratios of thread CPU time. */
static void bench_h(void)
{
    static D3DKMT_HANDLE h[MAX_ALLOCS];
    struct d3dkmt_stats_device *pub;
    struct d3dkmt_device *device;
    struct bdev b;
    int r, k, pass;

    /* The library again, this time with its statistics region (the others ran without). */
    d3dkmt_host_shutdown();
    setenv("D3DKMT_STATS", "1", 1);
    open_device(&b);
    create_allocs(&b, h, MAX_ALLOCS);
    device = d3dkmt_device_get(b.device);
    if (!(pub = device->pub))
    {
        fprintf(stderr, "note: no statistics region (shm_open failed?): (h) not measured\n");
        d3dkmt_device_put(device);
        destroy_allocs(&b, h, MAX_ALLOCS);
        close_device(&b);
        unsetenv("D3DKMT_STATS");
        return;
    }
    h_rounds = 30 * reps > H_MAX_ROUNDS ? H_MAX_ROUNDS : 30 * reps;
    offer_reclaim(b.device, h, MAX_ALLOCS, 1024);   /* warm up */
    for (k = 0; k < 2; k++)
    {
        static double t[3][H_MAX_ROUNDS], ratio[H_MAX_ROUNDS], noise[H_MAX_ROUNDS];
        for (r = 0; r < h_rounds; r++)
        {
            for (pass = 0; pass < 3; pass++)
            {
                int kind = (pass + r) % 3;   /* 0 publishing, 1 and 2 not */
                double t0;

                set_publishing(device, kind ? NULL : pub);
                t0 = thread_cpu_ns();
                offer_reclaim(b.device, h, MAX_ALLOCS, h_batches[k]);
                t[kind][r] = (thread_cpu_ns() - t0) / MAX_ALLOCS;
                /* What the offers left for the driver runs between the runs, not beside them. */
                d3dkmt_host_flush_deferred(b.device, 10000000000ull);
            }
            ratio[r] = t[0][r] / t[1][r];
            noise[r] = t[2][r] / t[1][r];
        }
        h_ratio[k] = median(ratio, h_rounds);
        h_noise[k] = median(noise, h_rounds);
        h_on[k] = median(t[0], h_rounds);
        h_off[k] = median(t[1], h_rounds);
    }
    set_publishing(device, pub);
    d3dkmt_device_put(device);
    destroy_allocs(&b, h, MAX_ALLOCS);
    close_device(&b);
    d3dkmt_host_shutdown();
    unsetenv("D3DKMT_STATS");
}

/* ---- Table ---- */

static void row(const char *name, const char *value, const char *target, int pass)
{
    printf("  %-52s %-22s %-10s %s\n", name, value, target, pass < 0 ? "-" : pass ? "pass" : "MISS");
}

int main(int argc, char **argv)
{
    double wine_ns = -1, wine32_ns = -1;
    char value[64], name[96];
    int k, i;

    for (i = 1; i < argc; i++)
    {
        if (!strncmp(argv[i], "--wine-call-ns=", 15)) wine_ns = atof(argv[i] + 15);
        else if (!strncmp(argv[i], "--wine32-call-ns=", 17)) wine32_ns = atof(argv[i] + 17);
        else if (!strncmp(argv[i], "--reps=", 7)) reps = atoi(argv[i] + 7);
        else if (!strcmp(argv[i], "--quick")) reps = 3;
        else
        {
            fprintf(stderr, "usage: %s [--wine-call-ns=NS] [--wine32-call-ns=NS] [--reps=N] [--quick]\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1) reps = 1;
    if (reps > 31) reps = 31;
    unsetenv("D3DKMT_VALIDATION");   /* measure the library, not the validation layer */
    unsetenv("D3DKMT_BUDGET_CAP");   /* no pressure: offers keep their memory */
    unsetenv("D3DKMT_STATS");        /* the default configuration, but in (h) */

    /* First, before this process initialises the library: (f) on the mock driver, in a child. */
    fprintf(stderr, "bench: (f) budget manager, mock driver...\n");
    bench_trim_mock();
    fprintf(stderr, "bench: (a) offer + reclaim...\n");
    bench_a();
    fprintf(stderr, "bench: (a) offer-to-driver latency...\n");
    bench_latency();
    fprintf(stderr, "bench: (b) handle lookup...\n");
    bench_b();
    fprintf(stderr, "bench: (c) threads...\n");
    bench_c();
    fprintf(stderr, "bench: (d) heap bytes per allocation...\n");
    bench_d();
    fprintf(stderr, "bench: (f) budget manager...\n");
    if (!bench_trim(offered_real, f_real)) fprintf(stderr, "note: no sparse binding: nothing is discarded, (f) not measured\n");
    fprintf(stderr, "bench: (g) CreateDevice + DestroyDevice...\n");
    bench_g();
    fprintf(stderr, "bench: (h) the statistics region...\n");
    bench_h();

    printf("\nlibd3dkmt benchmark (medians of %d interleaved repetitions)\n", reps);
    printf("  %-52s %-22s %-10s %s\n", "measurement", "value", "target", "result");
    for (k = 0; k < 4; k++)
    {
        snprintf(name, sizeof(name), "(a) offer+reclaim / raw priority calls, batch %u", batches[k]);
        snprintf(value, sizeof(value), "%.2fx (%.0f / %.0f ns)", a_raw[k] > 0 ? a_lib[k] / a_raw[k] : 0.0,
                 a_lib[k], a_raw[k]);
        row(name, value, k ? "<= 0.30x" : "(none)", k ? a_lib[k] <= 0.30 * a_raw[k] : -1);
    }
    if (lat_samples)
    {
        snprintf(value, sizeof(value), "%.0f us (%d offers)", lat_median, lat_samples);
        row("(a) offer -> priority in the driver, median", value, "(none)", -1);
        snprintf(value, sizeof(value), "%.0f us", lat_p99);
        row("(a) offer -> priority in the driver, 99th percentile", value, "<= 1000 us", lat_p99 <= 1000);
    }
    else row("(a) offer -> priority in the driver", "no live priorities", "(none)", -1);
    /* Every HandleList and residency list goes through d3dkmt_handle_peek_list. */
    for (k = 1; k < 3; k++)
    {
        snprintf(name, sizeof(name), "(b) lookup, %uK live / 1K live (random, lists)", live_counts[k] / 1000);
        snprintf(value, sizeof(value), "%.2fx (%.1f / %.1f ns)", b_res[LK_LIST][k] / b_res[LK_LIST][0],
                 b_res[LK_LIST][k], b_res[LK_LIST][0]);
        /* At 1M the slots outgrow the caches: that row's target is against the reference below. */
        if (k == 1) row(name, value, "<= 1.5x", b_res[LK_LIST][k] <= 1.5 * b_res[LK_LIST][0]);
        else row(name, value, "(none)", -1);
    }
    snprintf(value, sizeof(value), "%.2fx (%.1f / %.1f ns)", b_res[LK_LIST][2] / b_res[LK_REF][2], b_res[LK_LIST][2],
             b_res[LK_REF][2]);
    row("(b) lookup at 1M live (lists) / one random read", value, "<= 1.3x", b_res[LK_LIST][2] <= 1.3 * b_res[LK_REF][2]);
    snprintf(value, sizeof(value), "%.2fx (%.1f / %.1f ns)", b_res[LK_REFUSE][2] / b_res[LK_REF][2], b_res[LK_REFUSE][2],
             b_res[LK_REF][2]);
    row("(b) refusal at 1M live / one random read (reference)", value, "<= 1.3x",
        b_res[LK_REFUSE][2] <= 1.3 * b_res[LK_REF][2]);
    snprintf(value, sizeof(value), "%.0f MB", b_ref_bytes[2] / 1e6);
    row("(b) reference array at 1M (slots + objects)", value, "(none)", -1);
    for (k = 1; k < 3; k++)
    {
        snprintf(name, sizeof(name), "(b) lookup, %uK live / 1K live (lists, handle order)", live_counts[k] / 1000);
        snprintf(value, sizeof(value), "%.2fx (%.1f / %.1f ns)", b_res[LK_SEQ][k] / b_res[LK_SEQ][0],
                 b_res[LK_SEQ][k], b_res[LK_SEQ][0]);
        row(name, value, "(none)", -1);
    }
    for (k = 0; k < 3; k++)
    {
        snprintf(name, sizeof(name), "(b) get + put (with a reference), %uK live", live_counts[k] / 1000);
        snprintf(value, sizeof(value), "%.1f ns", b_res[LK_GET][k]);
        row(name, value, "(none)", -1);
    }
    snprintf(value, sizeof(value), "%.2fx", c_two_devices);
    row("(c) 2 threads / 1 thread, two devices (throughput)", value, ">= 1.6x", c_two_devices >= 1.6);
    snprintf(value, sizeof(value), "%.2fx", c_one_device);
    row("(c) 2 threads / 1 thread, one device (throughput)", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.2fx", c_raw_two_devices);
    row("(c) reference: raw priority calls, two devices", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.2fx", c_raw_one_device);
    row("(c) reference: raw priority calls, one device", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.1f B", d_lib_own);
    row("(d) library bytes per allocation (mallocs + handle slot)", value, "<= 128 B", d_lib_own <= 128);
    snprintf(value, sizeof(value), "%.0f B", d_lib_gross - d_raw);
    row("(d) mallinfo2: library path minus raw Vulkan path", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.0f B (Vulkan %.0f B)", d_lib_gross, d_raw);
    row("(d) mallinfo2 per allocation, Vulkan driver included", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.0f B", d_struct);
    row("(d) sizeof(struct d3dkmt_allocation)", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.1f / %.0f us", f_lazy_ns / 1000, f_eager_ns / 1000);
    row("(g) CreateDevice+DestroyDevice: no VkDevice / with", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.0fx", f_lazy_ns > 0 ? f_eager_ns / f_lazy_ns : 0.0);
    row("(g) the same: with a VkDevice / without", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.0f / %.0f B", f_lazy_own, f_eager_own);
    row("(g) library heap per live device: no VkDevice / with", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.0f / %.0f KiB", f_lazy_heap / 1024, f_eager_heap / 1024);
    row("(g) mallinfo2 per live device (driver incl.)", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.0f / %.0f KiB", f_lazy_rss / 1024, f_eager_rss / 1024);
    row("(g) resident memory per live device", value, "(none)", -1);
    for (k = 0; k < 2; k++)
    {
        snprintf(name, sizeof(name), "(h) offer+reclaim, statistics region on / off, batch %u", h_batches[k]);
        if (!h_rounds) { row(name, "not measured", "<= 1.02x", -1); continue; }
        snprintf(value, sizeof(value), "%.3fx (%.1f / %.1f ns)", h_ratio[k], h_on[k], h_off[k]);
        row(name, value, "<= 1.02x", h_ratio[k] <= 1.02);
        snprintf(name, sizeof(name), "(h) the same, off / off (the machine's noise), batch %u", h_batches[k]);
        snprintf(value, sizeof(value), "%.3fx", h_noise[k]);
        row(name, value, "(none)", -1);
    }
    if (wine_ns >= 0)
    {
        snprintf(value, sizeof(value), "%.1f ns", wine_ns);
        row("(e) one PE -> Unix call under Wine (noop)", value, "(none)", -1);
    }
    else row("(e) one PE -> Unix call under Wine (noop)", "not measured", "(none)", -1);
    if (wine32_ns >= 0)
    {
        snprintf(value, sizeof(value), "%.1f ns", wine32_ns);
        row("(e) the same, 32-bit d3dkmt.dll (classic WoW)", value, "(none)", -1);
    }
    else row("(e) the same, 32-bit d3dkmt.dll (classic WoW)", "not measured", "(none)", -1);
    for (k = 0; k < 3; k++)
    {
        snprintf(name, sizeof(name), "(f) make room for one allocation, %uK offered (mock)", offered_mock[k] / 1000);
        snprintf(value, sizeof(value), f_mock[0] > 0 ? "%.1f us" : "not measured", f_mock[k]);
        row(name, value, "(none)", -1);
    }
    snprintf(value, sizeof(value), "%.2fx", f_mock[0] > 0 ? f_mock[2] / f_mock[0] : 0.0);
    row("(f) same, 100K offered / 1K offered (mock)", value, "<= 1.5x", f_mock[0] > 0 && f_mock[2] <= 1.5 * f_mock[0]);
    for (k = 0; k < 3; k++)
    {
        snprintf(name, sizeof(name), "(f) make room for one allocation, %uK offered", offered_real[k] / 1000);
        snprintf(value, sizeof(value), f_real[0] > 0 ? "%.1f us" : "not measured", f_real[k]);
        row(name, value, "(none)", -1);
    }
    snprintf(value, sizeof(value), "%.2fx", f_real[0] > 0 ? f_real[2] / f_real[0] : 0.0);
    row("(f) same, 50K offered / 1K offered", value, "<= 1.5x", f_real[0] > 0 && f_real[2] <= 1.5 * f_real[0]);
    return 0;
}
