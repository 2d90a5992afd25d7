/*
 * bench_residency.c: the `make bench` measurements of libd3dkmt (docs/bench.md), each run side by
 * side with its reference in the same process, repeated and interleaved, medians reported:
 *   (a) offer + reclaim per allocation in batches of 1, 64, 1024 and 10240, against the raw
 *       vkSetDeviceMemoryPriorityEXT calls (low, then back) on the same VkDeviceMemory objects;
 *   (b) handle lookup (d3dkmt_handle_get + put) with 1K, 100K and 1M live handles, against 1K;
 *   (c) offer + reclaim throughput of two threads against one, on two devices and on one device;
 *   (d) heap bytes per allocation: the library's allocations against the same Vulkan objects made
 *       directly (mallinfo2);
 *   (e) one PE -> Unix call under Wine, through the x86_64 and the i386 d3dkmt.dll: passed in by
 *       bench/bench-all (tests/wine/callcost.exe, and its i686 build under the 32-bit loader);
 *   (f) a D3DKMT device: CreateDevice + DestroyDevice without a VkDevice (as now) against with one
 *       (as before the VkDevice was made on first use), time per pair and memory per live device.
 * Prints one table: measured value, target, pass or miss.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Usage: bench_residency [--wine-call-ns=NS] [--reps=N] [--quick]
 */
#include "d3dkmt_private.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* ---- (b) handle lookup ---- */

static const UINT live_counts[3] = { 1000, 100000, 1000000 };
static double b_rand[3], b_seq[3], b_ref[3];

static double lookup_loop(const D3DKMT_HANDLE *handles, const uint32_t *order, UINT n, UINT calls)
{
    double t0 = now_ns();
    UINT i;

    for (i = 0; i < calls; i++)
    {
        struct d3dkmt_object *obj = d3dkmt_handle_get(handles[order[i % n]], D3DKMT_OBJ_RESOURCE, NULL);
        if (!obj) die("d3dkmt_handle_get", 0);
        d3dkmt_object_put(obj);
    }
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
    D3DKMT_HANDLE *handles;
    uint32_t *rand_order, *seq_order, *ref_order, seed = 12345;
    UINT live = 0, stage, i;
    double t_rand[32], t_seq[32], t_ref[32];
    int r;

    objs = calloc(live_counts[2], sizeof(*objs));
    handles = calloc(live_counts[2], sizeof(*handles));
    rand_order = malloc(calls * sizeof(*rand_order));
    seq_order = malloc(calls * sizeof(*seq_order));
    ref_order = malloc(calls * sizeof(*ref_order));
    if (!objs || !handles || !rand_order || !seq_order || !ref_order) die("malloc", 0);
    for (stage = 0; stage < 3; stage++)
    {
        UINT n = live_counts[stage];
        /* Placeholder objects (no device): the table holds one reference, we keep the other. */
        for (; live < n; live++)
        {
            d3dkmt_object_init(&objs[live], D3DKMT_OBJ_RESOURCE, NULL, NULL);
            d3dkmt_object_get(&objs[live]);
            if (d3dkmt_handle_reserve(&objs[live])) die("d3dkmt_handle_reserve", 0);
            d3dkmt_handle_publish(&objs[live]);
            handles[live] = objs[live].handle;
        }
        for (i = 0; i < calls; i++)
        {
            rand_order[i] = xorshift(&seed) % n;
            seq_order[i] = i % n;
            ref_order[i] = rand_order[i] % live_counts[0];
        }
        for (r = 0; r < reps; r++)
        {
            /* The reference (random lookups among the first 1000 handles, at this stage's live
             * count) interleaved with the measurements. */
            t_ref[r] = lookup_loop(handles, ref_order, calls, calls);
            t_rand[r] = lookup_loop(handles, rand_order, calls, calls);
            t_seq[r] = lookup_loop(handles, seq_order, calls, calls);
        }
        b_rand[stage] = median(t_rand, reps);
        b_seq[stage] = median(t_seq, reps);
        b_ref[stage] = median(t_ref, reps);
    }
    /* Leave them: the process ends (the table is reset only with no live handle). */
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
        double t1 = run_workers(&one, 1);
        double t2 = run_workers(two, 2);
        double t3 = run_workers(same, 2);
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
    size_t before;
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
    create_allocs(&b, h, N);
    /* The binds the library queued hold driver memory until they ran: let them run first. */
    d3dkmt_host_lock_queue(b.device);
    wait_idle(b.info.queue);
    d3dkmt_host_unlock_queue(b.device);
    d3dkmt_host_flush_deferred(b.device, 10000000000ull);
    d_lib_gross = (double)(heap_bytes() - before) / N;
    d_lib_own = (double)(wrapped_heap - wrapped0) / N;
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

/* ---- (f) a D3DKMT device: CreateDevice + DestroyDevice, and the memory of a live device ---- */

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

static void bench_f(void)
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

    fprintf(stderr, "bench: (a) offer + reclaim...\n");
    bench_a();
    fprintf(stderr, "bench: (b) handle lookup...\n");
    bench_b();
    fprintf(stderr, "bench: (c) threads...\n");
    bench_c();
    fprintf(stderr, "bench: (d) heap bytes per allocation...\n");
    bench_d();
    fprintf(stderr, "bench: (f) CreateDevice + DestroyDevice...\n");
    bench_f();

    printf("\nlibd3dkmt benchmark (medians of %d interleaved repetitions)\n", reps);
    printf("  %-52s %-22s %-10s %s\n", "measurement", "value", "target", "result");
    for (k = 0; k < 4; k++)
    {
        snprintf(name, sizeof(name), "(a) offer+reclaim / raw priority calls, batch %u", batches[k]);
        snprintf(value, sizeof(value), "%.2fx (%.0f / %.0f ns)", a_raw[k] > 0 ? a_lib[k] / a_raw[k] : 0.0,
                 a_lib[k], a_raw[k]);
        row(name, value, k ? "<= 1.10x" : "(none)", k ? a_lib[k] <= 1.10 * a_raw[k] : -1);
    }
    for (k = 1; k < 3; k++)
    {
        snprintf(name, sizeof(name), "(b) lookup, %uK live / 1K live (random)", live_counts[k] / 1000);
        snprintf(value, sizeof(value), "%.2fx (%.1f / %.1f ns)", b_rand[k] / b_rand[0], b_rand[k], b_rand[0]);
        row(name, value, "<= 1.5x", b_rand[k] <= 1.5 * b_rand[0]);
    }
    for (k = 1; k < 3; k++)
    {
        snprintf(name, sizeof(name), "(b) same, against 1K-handle lookups at %uK live", live_counts[k] / 1000);
        snprintf(value, sizeof(value), "%.2fx (%.1f / %.1f ns)", b_rand[k] / b_ref[k], b_rand[k], b_ref[k]);
        row(name, value, "<= 1.5x", b_rand[k] <= 1.5 * b_ref[k]);
    }
    for (k = 1; k < 3; k++)
    {
        snprintf(name, sizeof(name), "(b) lookup, %uK live / 1K live (in handle order)", live_counts[k] / 1000);
        snprintf(value, sizeof(value), "%.2fx (%.1f / %.1f ns)", b_seq[k] / b_seq[0], b_seq[k], b_seq[0]);
        row(name, value, "<= 1.5x", b_seq[k] <= 1.5 * b_seq[0]);
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
    row("(d) library heap bytes per allocation (own mallocs)", value, "<= 128 B", d_lib_own <= 128);
    snprintf(value, sizeof(value), "%.0f B", d_lib_gross - d_raw);
    row("(d) mallinfo2: library path minus raw Vulkan path", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.0f B (Vulkan %.0f B)", d_lib_gross, d_raw);
    row("(d) mallinfo2 per allocation, Vulkan driver included", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.0f B", d_struct);
    row("(d) sizeof(struct d3dkmt_allocation)", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.1f / %.0f us", f_lazy_ns / 1000, f_eager_ns / 1000);
    row("(f) CreateDevice+DestroyDevice: no VkDevice / with", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.0fx", f_lazy_ns > 0 ? f_eager_ns / f_lazy_ns : 0.0);
    row("(f) the same: with a VkDevice / without", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.0f / %.0f B", f_lazy_own, f_eager_own);
    row("(f) library heap per live device: no VkDevice / with", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.0f / %.0f KiB", f_lazy_heap / 1024, f_eager_heap / 1024);
    row("(f) mallinfo2 per live device (driver incl.)", value, "(none)", -1);
    snprintf(value, sizeof(value), "%.0f / %.0f KiB", f_lazy_rss / 1024, f_eager_rss / 1024);
    row("(f) resident memory per live device", value, "(none)", -1);
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
    return 0;
}
