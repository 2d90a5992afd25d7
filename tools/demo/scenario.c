/*
 * scenario.c: the demo scenario (see scenario.h and docs/demo.md), in D3DKMT calls only, so that
 * the native program and the Windows program run the same code.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Frames: frame N is a GPU wait on the "gate" fence for N, the platform's own work (native: real
 * vkCmdCopyBuffer reads of the frame's assets), then a GPU signal of the "frame" fence to N.  The
 * GPU cannot run frame N until the CPU signals the gate to N, which it does when it throttles to
 * two frames in flight (before submitting frame N+2 it signals the gate to N and waits on the CPU
 * for the frame fence to reach N).  So GPU work is deterministically in flight whenever the
 * scenario offers or destroys: offers take effect and destroyed memory is freed only later, as on
 * a real GPU that is a couple of frames behind.
 */
#include "scenario.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { CLS_LOW, CLS_NORMAL, CLS_HIGH, CLS_HOT, CLS_TRANSIENT };
static const char *const class_names[3] = { "LOW", "NORMAL", "HIGH" };

struct asset
{
    D3DKMT_HANDLE h;
    UINT seed;          /* pattern seed of the content written; 0 when none */
    int cls;            /* CLS_* */
    BOOL decommit;      /* offered with AllowDecommit */
    BOOL offered;
};

#define RING 8

/* The timeline (--timeline): one sample per frame. */
#define MAX_SAMPLES 1024
enum { PH_HOT, PH_STREAM, PH_PRESSURE, PH_RECLAIM, PH_LEAVE, PH_TEARDOWN, PH_COUNT };
static const char *const phase_names[PH_COUNT] = { "hot set", "stream", "level load", "reclaim sweeps", "leave",
                                                   "teardown" };

struct sample
{
    UINT64 budget, usage, offered, released;    /* bytes after the frame (statistics escape) */
    UINT offers, discards, ok, discarded, not_committed;    /* events since the frame before */
    BOOL level;                                 /* the level load is live */
};

struct demo
{
    const struct demo_options *opts;
    const struct demo_platform *plat;
    D3DKMT_HANDLE adapter, device, queue, queue_sync, gate, frame_fence;
    char adapter_name[128];
    UINT64 budget, asset_size;
    struct asset hot[DEMO_HOT], cold[DEMO_COLD], transient[DEMO_TRANSIENT];
    UINT next_seed;
    BOOL content_checks;            /* assets are host visible: patterns through Lock2 */
    BOOL sparse;                    /* the library can release offered memory */

    /* Frames. */
    UINT64 frame, completed, paging_wait;
    struct demo_frame ring[RING];

    /* Results. */
    UINT64 offered[3], released[3], ok[3], discarded[3], not_committed[3];
    UINT64 content_verified, content_lost, hot_released_bytes, hot_checks;
    UINT64 cpu_waits, gpu_waits, frames, destroyed_in_flight, deferred_after_destroy;
    UINT64 frame_problems;
    UINT64 budget_before, usage_before, budget_after, usage_after, usage_peak, over_budget_seen;
    UINT64 stat_releases, stat_ok, stat_discarded, stat_not_committed, stat_offers;
    UINT64 live_after, usage_device_after, deferred_after, live0, usage0;
    long long validation;
    D3DKMT_VK_STATISTICS stats0;

    /* Timeline. */
    struct sample samples[MAX_SAMPLES];
    UINT sample_count, phase_start[PH_COUNT];
    UINT64 tl_offers, tl_releases, tl_ok, tl_discarded, tl_not_committed;
    BOOL level_live;

    int failed_call;                /* a call the scenario needs failed */
    char call_error[256];
    int invariants_broken;
    char broken[16][160];
};

/* ---- Output ---- */

static void progress(struct demo *d, const char *fmt, ...)
{
    FILE *out = d->opts->json ? stderr : stdout;
    va_list args;

    if (d->opts->quiet) return;
    va_start(args, fmt);
    vfprintf(out, fmt, args);
    va_end(args);
    fputc('\n', out);
    fflush(out);
}

static int call_failed(struct demo *d, const char *what, NTSTATUS status)
{
    if (!d->failed_call)
        snprintf(d->call_error, sizeof(d->call_error), "%s failed with status %#lx", what, (unsigned long)status);
    d->failed_call = 1;
    fprintf(stderr, "d3dkmt-demo: %s failed with status %#lx\n", what, (unsigned long)status);
    return -1;
}

static void broke(struct demo *d, const char *fmt, ...)
{
    va_list args;
    char text[160];

    va_start(args, fmt);
    vsnprintf(text, sizeof(text), fmt, args);
    va_end(args);
    fprintf(stderr, "d3dkmt-demo: INVARIANT BROKEN: %s\n", text);
    if (d->invariants_broken < 16) memcpy(d->broken[d->invariants_broken], text, sizeof(text));
    d->invariants_broken++;
}

#define TRY(what, expr) do { NTSTATUS st_ = (expr); if (st_) return call_failed(d, what, st_); } while (0)

/* ---- Small D3DKMT helpers ---- */

UINT64 demo_parse_size(const char *text)
{
    UINT64 value = 0, mult = 1;
    const char *p = text;

    if (!text || *p < '0' || *p > '9') return 0;
    while (*p >= '0' && *p <= '9')
    {
        if (value > (~0ull) / 10 - 10) return 0;
        value = value * 10 + (UINT64)(*p++ - '0');
    }
    switch (*p)
    {
    case 'k': case 'K': mult = 1024ull; p++; break;
    case 'm': case 'M': mult = DEMO_MIB; p++; break;
    case 'g': case 'G': mult = 1024ull * DEMO_MIB; p++; break;
    default: break;
    }
    /* The same forms as the library's D3DKMT_BUDGET_CAP parser: "256M", "256MiB", "256MB". */
    if (*p == 'i' || *p == 'B') p++;
    if (*p == 'B') p++;
    if (*p) return 0;
    if (value > (~0ull) / mult) return 0;
    return value * mult;
}

static NTSTATUS query_stats(struct demo *d, D3DKMT_VK_STATISTICS *stats)
{
    D3DKMT_ESCAPE desc;

    memset(&desc, 0, sizeof(desc));
    memset(stats, 0, sizeof(*stats));
    stats->Code = D3DKMT_VK_ESCAPE_QUERY_STATISTICS;
    desc.hAdapter = d->adapter;
    desc.hDevice = d->device;
    desc.Type = D3DKMT_ESCAPE_DRIVERPRIVATE;
    desc.pPrivateDriverData = stats;
    desc.PrivateDriverDataSize = sizeof(*stats);
    return D3DKMTEscape(&desc);
}

static NTSTATUS query_memory(struct demo *d, UINT64 *budget, UINT64 *usage)
{
    D3DKMT_QUERYVIDEOMEMORYINFO info;
    NTSTATUS status;

    memset(&info, 0, sizeof(info));
    info.hAdapter = d->adapter;
    info.MemorySegmentGroup = D3DKMT_MEMORY_SEGMENT_GROUP_LOCAL;
    if ((status = D3DKMTQueryVideoMemoryInfo(&info))) return status;
    if (budget) *budget = info.Budget;
    if (usage) *usage = info.CurrentUsage;
    return STATUS_SUCCESS;
}

/* Records the peak LOCAL usage (after anything that allocates). */
static void sample_usage(struct demo *d)
{
    UINT64 usage;

    if (query_memory(d, NULL, &usage)) return;
    if (usage > d->usage_peak) d->usage_peak = usage;
    if (usage > d->budget) d->over_budget_seen++;
}

static NTSTATUS create_fence(struct demo *d, D3DKMT_HANDLE *handle)
{
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 create;
    NTSTATUS status;

    memset(&create, 0, sizeof(create));
    create.hDevice = d->device;
    create.Info.Type = D3DDDI_MONITORED_FENCE;
    create.Info.MonitoredFence.InitialFenceValue = 0;
    if (!(status = D3DKMTCreateSynchronizationObject2(&create))) *handle = create.hSyncObject;
    return status;
}

static NTSTATUS destroy_fence(D3DKMT_HANDLE handle)
{
    D3DKMT_DESTROYSYNCHRONIZATIONOBJECT destroy;

    destroy.hSyncObject = handle;
    return D3DKMTDestroySynchronizationObject(&destroy);
}

static NTSTATUS gpu_wait(struct demo *d, D3DKMT_HANDLE fence, UINT64 value)
{
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU wait;

    memset(&wait, 0, sizeof(wait));
    wait.hContext = d->device;      /* no context objects: hContext is the device (docs/decisions/fences.md) */
    wait.ObjectCount = 1;
    wait.ObjectHandleArray = &fence;
    wait.MonitoredFenceValueArray = &value;
    return D3DKMTWaitForSynchronizationObjectFromGpu(&wait);
}

static NTSTATUS gpu_signal(struct demo *d, D3DKMT_HANDLE fence, UINT64 value)
{
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU signal;

    memset(&signal, 0, sizeof(signal));
    signal.hContext = d->device;
    signal.ObjectCount = 1;
    signal.ObjectHandleArray = &fence;
    signal.MonitoredFenceValueArray = &value;
    return D3DKMTSignalSynchronizationObjectFromGpu(&signal);
}

static NTSTATUS cpu_signal(struct demo *d, D3DKMT_HANDLE fence, UINT64 value)
{
    D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU signal;

    memset(&signal, 0, sizeof(signal));
    signal.hDevice = d->device;
    signal.ObjectCount = 1;
    signal.ObjectHandleArray = &fence;
    signal.FenceValueArray = &value;
    return D3DKMTSignalSynchronizationObjectFromCpu(&signal);
}

static NTSTATUS cpu_wait(struct demo *d, D3DKMT_HANDLE fence, UINT64 value)
{
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU wait;

    memset(&wait, 0, sizeof(wait));
    wait.hDevice = d->device;
    wait.ObjectCount = 1;
    wait.ObjectHandleArray = &fence;
    wait.FenceValueArray = &value;
    return D3DKMTWaitForSynchronizationObjectFromCpu(&wait);
}

/* Creates n allocations of the asset size in one call. */
static NTSTATUS create_assets(struct demo *d, struct asset *assets, UINT n, int cls, UINT priority)
{
    D3DKMT_VK_ALLOCATIONDATA data;
    D3DDDI_ALLOCATIONINFO2 infos[DEMO_COLD];
    D3DKMT_CREATEALLOCATION create;
    NTSTATUS status;
    UINT i;

    memset(&data, 0, sizeof(data));
    data.Version = D3DKMT_VK_ALLOCATIONDATA_VERSION;
    data.Placement = D3DKMT_VK_PLACEMENT_DEVICE_LOCAL;
    data.Size = d->asset_size;
    data.Priority = priority;
    memset(infos, 0, sizeof(infos));
    for (i = 0; i < n; i++)
    {
        infos[i].pPrivateDriverData = &data;
        infos[i].PrivateDriverDataSize = sizeof(data);
    }
    memset(&create, 0, sizeof(create));
    create.hDevice = d->device;
    create.NumAllocations = n;
    create.pAllocationInfo2 = infos;
    if ((status = D3DKMTCreateAllocation2(&create))) return status;
    for (i = 0; i < n; i++)
    {
        assets[i].h = infos[i].hAllocation;
        assets[i].seed = 0;
        assets[i].cls = cls;
        assets[i].offered = FALSE;
    }
    sample_usage(d);
    return STATUS_SUCCESS;
}

static NTSTATUS destroy_handles(struct demo *d, const D3DKMT_HANDLE *handles, UINT n, UINT flags)
{
    D3DKMT_DESTROYALLOCATION2 destroy;

    memset(&destroy, 0, sizeof(destroy));
    destroy.hDevice = d->device;
    destroy.phAllocationList = handles;
    destroy.AllocationCount = n;
    destroy.Flags.Value = flags;
    return D3DKMTDestroyAllocation2(&destroy);
}

/* Writes (write) or checks the asset's pattern through Lock2.  For a check, *same receives the
 * result.  STATUS_NOT_SUPPORTED: the memory is not host visible (no content checks). */
static NTSTATUS pattern_io(struct demo *d, struct asset *a, BOOL write, BOOL *same)
{
    D3DKMT_LOCK2 lock;
    D3DKMT_UNLOCK2 unlock;
    UINT64 i, words = d->asset_size / sizeof(UINT);
    NTSTATUS status;
    UINT *p;

    memset(&lock, 0, sizeof(lock));
    memset(&unlock, 0, sizeof(unlock));
    lock.hDevice = unlock.hDevice = d->device;
    lock.hAllocation = unlock.hAllocation = a->h;
    if ((status = D3DKMTLock2(&lock))) return status;
    p = lock.pData;
    if (write)
    {
        if (!a->seed) a->seed = ++d->next_seed;
        for (i = 0; i < words; i++) p[i] = demo_pattern(a->seed, i);
    }
    else
    {
        *same = TRUE;
        for (i = 0; i < words && *same; i++) *same = p[i] == demo_pattern(a->seed, i);
    }
    return D3DKMTUnlock2(&unlock);
}

static int fill(struct demo *d, struct asset *a)
{
    a->seed = 0;
    if (!d->content_checks) return 0;
    TRY("D3DKMTLock2 (fill)", pattern_io(d, a, TRUE, NULL));
    return 0;
}

/* 1 when the asset kept its content, 0 when not, -1 when a call failed. */
static int verify(struct demo *d, struct asset *a)
{
    BOOL same = FALSE;

    if (!d->content_checks || !a->seed) return 1;
    TRY("D3DKMTLock2 (check)", pattern_io(d, a, FALSE, &same));
    return same ? 1 : 0;
}

/* Is the asset's memory released?  1 yes, 0 no, -1 unknown. */
static int is_released(struct demo *d, struct asset *a)
{
    D3DKMT_LOCK2 lock;
    D3DKMT_UNLOCK2 unlock;
    NTSTATUS status;

    if (d->plat->is_released) return d->plat->is_released(d->plat->ctx, d->device, a->h);
    if (!d->content_checks || a->offered) return -1;
    /* A not offered, not locked, host-visible allocation fails Lock2 only without memory. */
    memset(&lock, 0, sizeof(lock));
    memset(&unlock, 0, sizeof(unlock));
    lock.hDevice = unlock.hDevice = d->device;
    lock.hAllocation = unlock.hAllocation = a->h;
    status = D3DKMTLock2(&lock);
    if (status == STATUS_INVALID_PARAMETER) return 1;
    if (status) return -1;
    D3DKMTUnlock2(&unlock);
    return 0;
}

static void check_hot_set(struct demo *d)
{
    UINT i;

    for (i = 0; i < DEMO_HOT; i++)
    {
        if (!d->hot[i].h) continue;
        d->hot_checks++;
        if (is_released(d, &d->hot[i]) == 1)
        {
            d->hot_released_bytes += d->asset_size;
            broke(d, "hot asset %u (handle %#x) was released while the GPU used it every frame", i, d->hot[i].h);
        }
    }
}

/* ---- Frames ---- */

/* Lets the GPU run every frame up to n and waits on the CPU for it to finish. */
static int complete_through(struct demo *d, UINT64 n)
{
    UINT64 k;

    if (n <= d->completed) return 0;
    TRY("D3DKMTSignalSynchronizationObjectFromCpu (gate)", cpu_signal(d, d->gate, n));
    TRY("D3DKMTWaitForSynchronizationObjectFromCpu (frame fence)", cpu_wait(d, d->frame_fence, n));
    d->cpu_waits++;
    for (k = d->completed + 1; k <= n; k++)
    {
        const struct demo_frame *f = &d->ring[k % RING];
        if (d->plat->frame_done && f->number == k)
        {
            int problems = d->plat->frame_done(d->plat->ctx, f, d->asset_size);
            if (problems)
            {
                d->frame_problems += problems;
                broke(d, "frame %llu: the GPU read wrong data from %d asset(s)", (unsigned long long)k, problems);
            }
        }
    }
    d->completed = n;
    return 0;
}

/* ---- Timeline (--timeline) ---- */

static UINT64 sum3(const UINT64 *v)
{
    return v[0] + v[1] + v[2];
}

/* Records the frame just submitted: the statistics after it and the events since the last one. */
static int timeline_sample(struct demo *d)
{
    D3DKMT_VK_STATISTICS s;
    struct sample *x;

    if (!d->opts->timeline || d->sample_count == MAX_SAMPLES) return 0;
    TRY("D3DKMTEscape (statistics)", query_stats(d, &s));
    x = &d->samples[d->sample_count++];
    x->budget = s.Budget;
    x->usage = s.Usage;
    x->offered = s.BytesOffered;
    x->released = s.BytesReleased;
    x->offers = (UINT)(s.Offers - d->tl_offers);
    x->discards = (UINT)(s.Releases - d->tl_releases);
    x->ok = (UINT)(sum3(d->ok) - d->tl_ok);
    x->discarded = (UINT)(sum3(d->discarded) - d->tl_discarded);
    x->not_committed = (UINT)(sum3(d->not_committed) - d->tl_not_committed);
    x->level = d->level_live;
    d->tl_offers = s.Offers;
    d->tl_releases = s.Releases;
    d->tl_ok = sum3(d->ok);
    d->tl_discarded = sum3(d->discarded);
    d->tl_not_committed = sum3(d->not_committed);
    return 0;
}

static void timeline_phase(struct demo *d, int phase)
{
    d->phase_start[phase] = d->sample_count + 1;   /* 1-based: 0 is "never started" */
}

/* Escapes &, < and > of text for the SVG. */
static void svg_text(FILE *f, const char *text)
{
    for (; *text; text++)
    {
        if (*text == '&') fputs("&amp;", f);
        else if (*text == '<') fputs("&lt;", f);
        else if (*text == '>') fputs("&gt;", f);
        else fputc(*text, f);
    }
}

/* Writes the timeline as an SVG picture: bytes against frames (budget, usage, offered memory,
 * discarded allocations), the phases, the level load, and a lane of marks per event kind. */
static int timeline_write(struct demo *d)
{
    enum { W = 1060, H = 480, X0 = 150, X1 = 800, Y0 = 62, Y1 = 330 };
    static const struct { const char *label, *color; } lanes[4] = {
        { "discards", "#ea580c" }, { "reclaimed OK", "#16a34a" }, { "reclaimed DISCARDED", "#d97706" },
        { "NOT_COMMITTED", "#dc2626" },
    };
    UINT n = d->sample_count, i, k;
    UINT64 top = 1, step_mib;
    double xs, ys;
    int first, lane;
    FILE *f;

    if (!n) return 0;
    if (!(f = fopen(d->opts->timeline, "w")))
    {
        fprintf(stderr, "d3dkmt-demo: cannot write %s\n", d->opts->timeline);
        return -1;
    }
    for (i = 0; i < n; i++)
    {
        const struct sample *x = &d->samples[i];
        UINT64 m = x->budget;
        if (x->usage > m) m = x->usage;
        if (x->offered > m) m = x->offered;
        if (x->released > m) m = x->released;
        if (m > top) top = m;
    }
    top = top + top / 8;
    step_mib = top / DEMO_MIB / 6;
    step_mib = step_mib >= 64 ? (step_mib + 63) / 64 * 64 : step_mib >= 16 ? (step_mib + 15) / 16 * 16
             : step_mib >= 4 ? (step_mib + 3) / 4 * 4 : step_mib ? step_mib : 1;
    xs = (double)(X1 - X0) / n;
    ys = (double)(Y1 - Y0) / top;
#define PX(i) (X0 + ((i) + 0.5) * xs)
#define PY(v) (Y1 - (double)(v) * ys)

    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", W, H);
    fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"15\" font-weight=\"bold\">d3dkmt-demo (", X0);
    svg_text(f, d->plat->name);
    fprintf(f, ", ");
    svg_text(f, d->adapter_name);
    fprintf(f, "): %llu MiB LOCAL budget, assets of %llu KiB</text>\n", (unsigned long long)(d->budget / DEMO_MIB),
            (unsigned long long)(d->asset_size / 1024));

    /* The level load and the phases. */
    for (i = 0; i < n; i++)
        if (d->samples[i].level)
            fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#fde68a\"/>\n",
                    X0 + i * xs, Y0, xs, Y1 - Y0);
    for (k = 0; k < PH_COUNT; k++)
    {
        double x;
        if (!d->phase_start[k] || d->phase_start[k] > n) continue;
        x = X0 + (d->phase_start[k] - 1) * xs;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#9ca3af\" stroke-dasharray=\"2,3\"/>\n",
                x, Y0, x, Y1);
        /* Two rows of labels, so that phases a few frames apart stay readable. */
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#9ca3af\"/>\n", x, Y0 - (k % 2 ? 6 : 20),
                x, Y0);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" fill=\"#374151\" font-size=\"11\">%s</text>\n", x + 3,
                Y0 - (k % 2 ? 8 : 22), phase_names[k]);
    }
    /* Axes and the grid. */
    for (k = 0; k * step_mib * DEMO_MIB <= top; k++)
    {
        double y = PY(k * step_mib * DEMO_MIB);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e7eb\"/>\n", X0, y, X1, y);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%llu MiB</text>\n", X0 - 6, y + 4,
                (unsigned long long)(k * step_mib));
    }
    for (i = 0; i < n; i += 20)
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#4b5563\">%u</text>\n", PX(i), Y1 + 14, i + 1);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#4b5563\">frame</text>\n", X1, Y1 + 28);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#6b7280\"/>\n",
            X0, Y0, X1 - X0, Y1 - Y0);

    /* Offered memory (an area), discarded allocations, usage, budget. */
    fprintf(f, "<polygon fill=\"#86efac\" fill-opacity=\"0.7\" stroke=\"#16a34a\" points=\"%.1f,%d", PX(0), Y1);
    for (i = 0; i < n; i++) fprintf(f, " %.1f,%.1f", PX(i), PY(d->samples[i].offered));
    fprintf(f, " %.1f,%d\"/>\n", PX(n - 1), Y1);
    fprintf(f, "<polyline fill=\"none\" stroke=\"#6b7280\" stroke-width=\"1.5\" stroke-dasharray=\"1,3\" points=\"");
    for (i = 0; i < n; i++) fprintf(f, "%s%.1f,%.1f", i ? " " : "", PX(i), PY(d->samples[i].released));
    fprintf(f, "\"/>\n<polyline fill=\"none\" stroke=\"#2563eb\" stroke-width=\"2\" points=\"");
    for (i = 0; i < n; i++) fprintf(f, "%s%.1f,%.1f", i ? " " : "", PX(i), PY(d->samples[i].usage));
    fprintf(f, "\"/>\n<polyline fill=\"none\" stroke=\"#dc2626\" stroke-width=\"2\" stroke-dasharray=\"6,4\" points=\"");
    for (i = 0; i < n; i++) fprintf(f, "%s%.1f,%.1f", i ? " " : "", PX(i), PY(d->samples[i].budget));
    fprintf(f, "\"/>\n");

    /* Event lanes: a mark per frame that had such events, larger for more. */
    for (lane = 0; lane < 4; lane++)
    {
        double y = Y1 + 48 + lane * 22;
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%s</text>\n", X0 - 6, y + 4,
                lanes[lane].label);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#f3f4f6\"/>\n", X0, y, X1, y);
        for (i = 0, first = 1; i < n; i++)
        {
            const struct sample *x = &d->samples[i];
            UINT count = lane == 0 ? x->discards : lane == 1 ? x->ok : lane == 2 ? x->discarded : x->not_committed;
            double r = 2.0 + 0.5 * (count < 12 ? count : 12);
            if (!count) continue;
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"><title>frame %u: %u</title></circle>\n",
                    PX(i), y, r, lanes[lane].color, i + 1, count);
            first = 0;
        }
        (void)first;
    }

    /* The legend. */
    {
        static const struct { const char *label, *stroke, *fill, *dash; } items[] = {
            { "budget (LOCAL)", "#dc2626", NULL, "6,4" },
            { "usage (LOCAL)", "#2563eb", NULL, NULL },
            { "offered (still holds memory)", "#16a34a", "#86efac", NULL },
            { "discarded (memory gone)", "#6b7280", NULL, "1,3" },
            { "level load live", NULL, "#fde68a", NULL },
        };
        int y = Y0 + 6;
        for (k = 0; k < sizeof(items) / sizeof(items[0]); k++, y += 22)
        {
            if (items[k].fill)
                fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"22\" height=\"12\" fill=\"%s\"%s%s%s/>\n", X1 + 14, y - 6,
                        items[k].fill, items[k].stroke ? " stroke=\"" : "", items[k].stroke ? items[k].stroke : "",
                        items[k].stroke ? "\"" : "");
            else
                fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s%s%s/>\n",
                        X1 + 14, y, X1 + 36, y, items[k].stroke, items[k].dash ? " stroke-dasharray=\"" : "",
                        items[k].dash ? items[k].dash : "", items[k].dash ? "\"" : "");
            fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>\n", X1 + 42, y + 4, items[k].label);
        }
        y += 8;
        fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#4b5563\">marks below: events in a frame</text>\n",
                X1 + 14, y);
        fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#4b5563\">(larger: more allocations)</text>\n",
                X1 + 14, y + 15);
        fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#4b5563\">totals: %llu offers, %llu discards,</text>\n",
                X1 + 14, y + 40, (unsigned long long)d->tl_offers, (unsigned long long)d->tl_releases);
        fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#4b5563\">reclaims %llu OK / %llu DISCARDED /</text>\n",
                X1 + 14, y + 55, (unsigned long long)d->tl_ok, (unsigned long long)d->tl_discarded);
        fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#4b5563\">%llu NOT_COMMITTED</text>\n",
                X1 + 14, y + 70, (unsigned long long)d->tl_not_committed);
    }
    fprintf(f, "</svg>\n");
#undef PX
#undef PY
    if (fclose(f))
    {
        fprintf(stderr, "d3dkmt-demo: cannot write %s\n", d->opts->timeline);
        return -1;
    }
    return 0;
}

/* Submits one frame that uses the given assets, then throttles to two frames in flight. */
static int frame(struct demo *d, struct asset *const *assets, UINT n)
{
    struct demo_frame *f;
    UINT i;

    d->frame++;
    d->frames++;
    f = &d->ring[d->frame % RING];
    memset(f, 0, sizeof(*f));
    f->number = d->frame;
    for (i = 0; i < n && f->count < DEMO_MAX_FRAME_ASSETS; i++)
    {
        f->handles[f->count] = assets[i]->h;
        f->seeds[f->count] = assets[i]->seed;
        f->count++;
    }
    TRY("D3DKMTWaitForSynchronizationObjectFromGpu (gate)", gpu_wait(d, d->gate, d->frame));
    if (d->paging_wait)
    {
        /* Reclaimed memory is bound by the paging queue: the frame's work waits for it. */
        TRY("D3DKMTWaitForSynchronizationObjectFromGpu (paging fence)", gpu_wait(d, d->queue_sync, d->paging_wait));
        d->gpu_waits++;
        d->paging_wait = 0;
    }
    if (d->plat->frame_work && d->plat->frame_work(d->plat->ctx, f, d->asset_size))
        return call_failed(d, "the frame's GPU work", STATUS_INTERNAL_ERROR);
    TRY("D3DKMTSignalSynchronizationObjectFromGpu (frame fence)", gpu_signal(d, d->frame_fence, d->frame));
    check_hot_set(d);
    if (d->frame > 2 && complete_through(d, d->frame - 2)) return -1;
    return timeline_sample(d);
}

/* A frame of the hot set plus `extra` assets. */
static int hot_frame(struct demo *d, struct asset *extra, UINT n)
{
    struct asset *list[DEMO_MAX_FRAME_ASSETS];
    UINT i, count = 0;

    for (i = 0; i < DEMO_HOT; i++) list[count++] = &d->hot[i];
    for (i = 0; i < n && count < DEMO_MAX_FRAME_ASSETS; i++) list[count++] = &extra[i];
    return frame(d, list, count);
}

/* ---- Offer / reclaim ---- */

static int offer(struct demo *d, struct asset *a, UINT n)
{
    D3DKMT_OFFERALLOCATIONS desc;
    D3DKMT_HANDLE handles[DEMO_VIEW];
    UINT cls, i, count;

    /* One call per class and decommit flag, as a game offers what left the view. */
    for (cls = 0; cls < 3; cls++)
    {
        UINT decommit;
        for (decommit = 0; decommit < 2; decommit++)
        {
            count = 0;
            for (i = 0; i < n; i++)
                if (!a[i].offered && a[i].cls == (int)cls && a[i].decommit == (BOOL)decommit) handles[count++] = a[i].h;
            if (!count) continue;
            memset(&desc, 0, sizeof(desc));
            desc.hDevice = d->device;
            desc.HandleList = handles;
            desc.NumAllocations = count;
            desc.Priority = (D3DKMT_OFFER_PRIORITY)(D3DKMT_OFFER_PRIORITY_LOW + cls);
            desc.Flags.AllowDecommit = decommit;
            TRY("D3DKMTOfferAllocations", D3DKMTOfferAllocations(&desc));
            d->offered[cls] += count;
            for (i = 0; i < n; i++)
                if (!a[i].offered && a[i].cls == (int)cls && a[i].decommit == (BOOL)decommit) a[i].offered = TRUE;
        }
    }
    return 0;
}

/* Brings n offered assets back (ReclaimAllocations2 on the paging queue) and handles each result:
 * OK: the content must be intact; DISCARDED: stream it again; NOT_COMMITTED: recreate it. */
static int reclaim(struct demo *d, struct asset *a, UINT n)
{
    D3DKMT_RECLAIMALLOCATIONS2 desc;
    D3DDDI_RECLAIM_RESULT results[DEMO_COLD];
    D3DKMT_HANDLE handles[DEMO_COLD];
    struct asset *list[DEMO_COLD];
    NTSTATUS status;
    UINT i, count = 0;

    for (i = 0; i < n; i++)
        if (a[i].offered) { list[count] = &a[i]; handles[count++] = a[i].h; }
    if (!count) return 0;
    memset(&desc, 0, sizeof(desc));
    memset(results, 0xff, sizeof(results));
    desc.hPagingQueue = d->queue;
    desc.HandleList = handles;
    desc.NumAllocations = count;
    desc.pResults = results;
    status = D3DKMTReclaimAllocations2(&desc);
    if (status != STATUS_SUCCESS && status != STATUS_PENDING) return call_failed(d, "D3DKMTReclaimAllocations2", status);
    if (status == STATUS_PENDING && desc.PagingFenceValue > d->paging_wait) d->paging_wait = desc.PagingFenceValue;
    sample_usage(d);

    for (i = 0; i < count; i++)
    {
        struct asset *x = list[i];
        int cls = x->cls, same;

        x->offered = FALSE;
        switch (results[i])
        {
        case D3DDDI_RECLAIM_RESULT_OK:
            d->ok[cls]++;
            if ((same = verify(d, x)) < 0) return -1;
            if (d->content_checks && x->seed) d->content_verified++;
            if (!same)
            {
                d->content_lost++;
                broke(d, "%s asset %#x: reclaim said OK but its content changed", class_names[cls], x->h);
            }
            break;
        case D3DDDI_RECLAIM_RESULT_DISCARDED:
            d->discarded[cls]++;
            d->released[cls]++;
            if (fill(d, x)) return -1;          /* stream it in again */
            break;
        case D3DDDI_RECLAIM_RESULT_NOT_COMMITTED:
            d->not_committed[cls]++;
            d->released[cls]++;
            /* No memory at all: destroy and create it again, then stream it in. */
            TRY("D3DKMTDestroyAllocation2 (not committed)", destroy_handles(d, &x->h, 1, 0));
            x->h = 0;
            {
                BOOL decommit = x->decommit;
                TRY("D3DKMTCreateAllocation2 (recreate)", create_assets(d, x, 1, cls, D3DDDI_ALLOCATIONPRIORITY_NORMAL));
                x->decommit = decommit;
            }
            if (fill(d, x)) return -1;
            break;
        default:
            broke(d, "ReclaimAllocations2 wrote result %d for %#x", (int)results[i], x->h);
            break;
        }
    }
    return 0;
}

/* ---- Phases ---- */

static int phase_setup(struct demo *d)
{
    D3DKMT_ADAPTERINFO infos[16];
    D3DKMT_ENUMADAPTERS2 enum_desc;
    D3DKMT_CREATEDEVICE device_desc;
    D3DKMT_CREATEPAGINGQUEUE queue_desc;
    UINT i;

    memset(&enum_desc, 0, sizeof(enum_desc));
    enum_desc.NumAdapters = 16;
    enum_desc.pAdapters = infos;
    TRY("D3DKMTEnumAdapters2", D3DKMTEnumAdapters2(&enum_desc));
    if (!enum_desc.NumAdapters) return call_failed(d, "D3DKMTEnumAdapters2 (no adapter)", STATUS_NOT_SUPPORTED);
    d->adapter = infos[0].hAdapter;
    for (i = 1; i < enum_desc.NumAdapters; i++)
    {
        D3DKMT_CLOSEADAPTER close_desc;
        close_desc.hAdapter = infos[i].hAdapter;
        D3DKMTCloseAdapter(&close_desc);
    }
    TRY("D3DKMTQueryVideoMemoryInfo", query_memory(d, &d->budget_before, &d->usage_before));
    if (d->budget_before > d->opts->budget + d->opts->budget / 100)
    {
        fprintf(stderr, "d3dkmt-demo: the LOCAL budget is %llu bytes, above the %llu asked for: the cap did not apply"
#ifdef _WIN32
                " (under Wine, D3DKMT_BUDGET_CAP must be in the Unix environment: run the demo through"
                " tools/demo/d3dkmt-demo-wine or `make demo-wine`)"
#endif
                "\n", (unsigned long long)d->budget_before, (unsigned long long)d->opts->budget);
        return call_failed(d, "the budget cap", STATUS_NOT_SUPPORTED);
    }
    d->budget = d->budget_before;
    d->asset_size = (d->budget / 64) & ~(65536ull - 1);
    if (d->asset_size < 65536) d->asset_size = 65536;

    memset(&device_desc, 0, sizeof(device_desc));
    device_desc.hAdapter = d->adapter;
    TRY("D3DKMTCreateDevice", D3DKMTCreateDevice(&device_desc));
    d->device = device_desc.hDevice;
    memset(&queue_desc, 0, sizeof(queue_desc));
    queue_desc.hDevice = d->device;
    queue_desc.Priority = D3DDDI_PAGINGQUEUE_PRIORITY_NORMAL;
    TRY("D3DKMTCreatePagingQueue", D3DKMTCreatePagingQueue(&queue_desc));
    d->queue = queue_desc.hPagingQueue;
    d->queue_sync = queue_desc.hSyncObject;
    TRY("D3DKMTCreateSynchronizationObject2 (gate)", create_fence(d, &d->gate));
    TRY("D3DKMTCreateSynchronizationObject2 (frame fence)", create_fence(d, &d->frame_fence));
    snprintf(d->adapter_name, sizeof(d->adapter_name), "first adapter");
    if (d->plat->open && d->plat->open(d->plat->ctx, d->adapter, d->device, d->adapter_name, sizeof(d->adapter_name)))
        return call_failed(d, "the platform's device setup", STATUS_INTERNAL_ERROR);
    TRY("D3DKMTEscape (statistics)", query_stats(d, &d->stats0));
    d->sparse = d->stats0.SparseBinding;
    d->live0 = d->stats0.AllocationsLive;
    d->usage0 = d->stats0.Usage;
    progress(d, "[setup]     %s (%s): LOCAL budget %llu MiB (cap asked %llu MiB), usage %llu MiB; assets of %llu KiB: "
             "%u hot, %u cold, %u transient; residency mode %u, sparse binding %s",
             d->adapter_name, d->plat->name, (unsigned long long)(d->budget / DEMO_MIB),
             (unsigned long long)(d->opts->budget / DEMO_MIB), (unsigned long long)(d->usage_before / DEMO_MIB),
             (unsigned long long)(d->asset_size / 1024), DEMO_HOT, DEMO_COLD, DEMO_TRANSIENT,
             d->stats0.ResidencyMode, d->sparse ? "on (offered memory can be released)" : "off (offers only lower priorities)");
    return 0;
}

static int phase_hot(struct demo *d)
{
    NTSTATUS status;
    UINT i;

    timeline_phase(d, PH_HOT);

    TRY("D3DKMTCreateAllocation2 (hot set)", create_assets(d, d->hot, DEMO_HOT, CLS_HOT, D3DDDI_ALLOCATIONPRIORITY_HIGH));
    /* Can the CPU write assets (host-visible device-local memory: lavapipe, ReBAR)? */
    d->content_checks = TRUE;
    status = pattern_io(d, &d->hot[0], TRUE, NULL);
    if (status == STATUS_NOT_SUPPORTED) d->content_checks = FALSE;
    else if (status) return call_failed(d, "D3DKMTLock2", status);
    for (i = 0; i < DEMO_HOT; i++) if (fill(d, &d->hot[i])) return -1;
    for (i = 0; i < 4; i++) if (hot_frame(d, NULL, 0)) return -1;
    progress(d, "[hot set]   %u assets (%llu MiB) resident, read by the GPU every frame; content checks %s",
             DEMO_HOT, (unsigned long long)(DEMO_HOT * d->asset_size / DEMO_MIB),
             d->content_checks ? "on (patterns through Lock2)" : "off (device-local memory is not host visible)");
    return 0;
}

static int phase_stream(struct demo *d)
{
    D3DKMT_VK_STATISTICS s;
    UINT64 usage;
    UINT i;

    timeline_phase(d, PH_STREAM);

    for (i = 0; i < DEMO_COLD; i++)
    {
        struct asset *a = &d->cold[i];
        TRY("D3DKMTCreateAllocation2 (cold asset)", create_assets(d, a, 1, i % 3, D3DDDI_ALLOCATIONPRIORITY_NORMAL));
        a->decommit = i % 5 == 4;
        if (fill(d, a)) return -1;
        if (hot_frame(d, a, 1)) return -1;
        /* Out of view again: offered while the frame that used it is still in flight. */
        if (offer(d, a, 1)) return -1;
    }
    TRY("D3DKMTEscape (statistics)", query_stats(d, &s));
    TRY("D3DKMTQueryVideoMemoryInfo", query_memory(d, NULL, &usage));
    progress(d, "[stream]    %u cold assets streamed in and offered (LOW %llu, NORMAL %llu, HIGH %llu; %u with AllowDecommit); "
             "%llu released so far; usage %llu / %llu MiB",
             DEMO_COLD, (unsigned long long)d->offered[0], (unsigned long long)d->offered[1],
             (unsigned long long)d->offered[2], DEMO_COLD / 5,
             (unsigned long long)(s.Releases - d->stats0.Releases), (unsigned long long)(usage / DEMO_MIB),
             (unsigned long long)(d->budget / DEMO_MIB));
    return 0;
}

static int phase_pressure(struct demo *d)
{
    D3DKMT_HANDLE handles[DEMO_TRANSIENT];
    D3DKMT_VK_STATISTICS s0, s1;
    UINT64 usage;
    UINT i;

    timeline_phase(d, PH_PRESSURE);

    TRY("D3DKMTEscape (statistics)", query_stats(d, &s0));
    TRY("D3DKMTCreateAllocation2 (level load)",
        create_assets(d, d->transient, DEMO_TRANSIENT, CLS_TRANSIENT, D3DDDI_ALLOCATIONPRIORITY_NORMAL));
    d->level_live = TRUE;
    for (i = 0; i < DEMO_TRANSIENT; i++) if (fill(d, &d->transient[i])) return -1;
    if (hot_frame(d, d->transient, DEMO_TRANSIENT)) return -1;
    if (hot_frame(d, d->transient, DEMO_TRANSIENT)) return -1;
    TRY("D3DKMTQueryVideoMemoryInfo", query_memory(d, NULL, &usage));
    /* The level is done: destroy it while the two frames that read it are still in flight. */
    for (i = 0; i < DEMO_TRANSIENT; i++) handles[i] = d->transient[i].h;
    TRY("D3DKMTDestroyAllocation2 (level, GPU busy)", destroy_handles(d, handles, DEMO_TRANSIENT, 0));
    d->destroyed_in_flight += DEMO_TRANSIENT;
    d->level_live = FALSE;
    for (i = 0; i < DEMO_TRANSIENT; i++) d->transient[i].h = 0;
    TRY("D3DKMTEscape (statistics)", query_stats(d, &s1));
    d->deferred_after_destroy += s1.DeferredPending;
    if (!s1.DeferredPending)
        broke(d, "destroying assets the GPU still reads freed them at once (no deferred free pending)");
    progress(d, "[pressure]  level load of %u transient assets (%llu MiB): usage %llu / %llu MiB, %llu offered assets "
             "released by it; destroyed while 2 frames still read it: %llu deferred operation(s) pending",
             DEMO_TRANSIENT, (unsigned long long)(DEMO_TRANSIENT * d->asset_size / DEMO_MIB),
             (unsigned long long)(usage / DEMO_MIB), (unsigned long long)(d->budget / DEMO_MIB),
             (unsigned long long)(s1.Releases - s0.Releases), (unsigned long long)s1.DeferredPending);
    return 0;
}

static int phase_reclaim(struct demo *d)
{
    D3DKMT_VK_STATISTICS s;
    UINT64 ok0 = d->ok[0] + d->ok[1] + d->ok[2];
    UINT64 dis0 = d->discarded[0] + d->discarded[1] + d->discarded[2];
    UINT64 nc0 = d->not_committed[0] + d->not_committed[1] + d->not_committed[2];
    int pass;
    UINT w;

    timeline_phase(d, PH_RECLAIM);

    /* The camera sweeps through the level and back: each view of 8 cold assets comes back,
     * is drawn for two frames, and is offered again as the view moves on. */
    for (pass = 0; pass < 2; pass++)
    {
        for (w = 0; w < DEMO_COLD / DEMO_VIEW; w++)
        {
            struct asset *view = &d->cold[(pass ? DEMO_COLD / DEMO_VIEW - 1 - w : w) * DEMO_VIEW];
            if (reclaim(d, view, DEMO_VIEW)) return -1;
            if (hot_frame(d, view, DEMO_VIEW)) return -1;
            if (hot_frame(d, view, DEMO_VIEW)) return -1;
            if (offer(d, view, DEMO_VIEW)) return -1;
        }
    }
    TRY("D3DKMTEscape (statistics)", query_stats(d, &s));
    progress(d, "[reclaim]   2 sweeps of %u views: reclaimed OK %llu (content verified), DISCARDED %llu (streamed again), "
             "NOT_COMMITTED %llu (recreated); %llu releases in all so far",
             DEMO_COLD / DEMO_VIEW,
             (unsigned long long)(d->ok[0] + d->ok[1] + d->ok[2] - ok0),
             (unsigned long long)(d->discarded[0] + d->discarded[1] + d->discarded[2] - dis0),
             (unsigned long long)(d->not_committed[0] + d->not_committed[1] + d->not_committed[2] - nc0),
             (unsigned long long)(s.Releases - d->stats0.Releases));
    return 0;
}

/* The player leaves: every offered asset comes back one last view at a time (so every release
 * the library made is seen as a DISCARDED or NOT_COMMITTED result), is drawn once and is destroyed
 * while that frame is still in flight; then the hot set's content is checked. */
static int phase_final_reclaim(struct demo *d)
{
    D3DKMT_HANDLE handles[DEMO_VIEW];
    UINT w, i;
    int same;

    timeline_phase(d, PH_LEAVE);

    for (w = 0; w < DEMO_COLD / DEMO_VIEW; w++)
    {
        struct asset *view = &d->cold[w * DEMO_VIEW];
        if (reclaim(d, view, DEMO_VIEW)) return -1;
        if (hot_frame(d, view, DEMO_VIEW)) return -1;
        for (i = 0; i < DEMO_VIEW; i++) handles[i] = view[i].h;
        TRY("D3DKMTDestroyAllocation2 (view, GPU busy)", destroy_handles(d, handles, DEMO_VIEW, 0));
        d->destroyed_in_flight += DEMO_VIEW;
        for (i = 0; i < DEMO_VIEW; i++) view[i].h = 0;
    }
    for (i = 0; i < DEMO_HOT; i++)
    {
        if ((same = verify(d, &d->hot[i])) < 0) return -1;
        if (!same) broke(d, "hot asset %u (handle %#x) lost its content", i, d->hot[i].h);
    }
    progress(d, "[leave]     every cold asset reclaimed a last time, drawn, and destroyed while its frame was in "
             "flight; hot set content %s", d->content_checks ? "verified" : "not checked");
    return 0;
}

static int phase_teardown(struct demo *d)
{
    D3DKMT_HANDLE handles[DEMO_HOT + DEMO_COLD];
    D3DKMT_VK_STATISTICS s;
    UINT i, n = 0, tries;

    timeline_phase(d, PH_TEARDOWN);

    /* The last frame reads the hot set; it is destroyed while that frame is in flight. */
    if (hot_frame(d, NULL, 0)) return -1;
    for (i = 0; i < DEMO_HOT; i++) handles[n++] = d->hot[i].h;
    for (i = 0; i < DEMO_COLD; i++) if (d->cold[i].h) handles[n++] = d->cold[i].h;
    TRY("D3DKMTDestroyAllocation2 (hot set, GPU busy)", destroy_handles(d, handles, n, 0));
    d->destroyed_in_flight += n;
    memset(d->hot, 0, sizeof(d->hot));
    memset(d->cold, 0, sizeof(d->cold));
    TRY("D3DKMTEscape (statistics)", query_stats(d, &s));
    d->deferred_after_destroy += s.DeferredPending;
    if (!s.DeferredPending) broke(d, "destroying assets the last frame reads freed them at once");
    if (complete_through(d, d->frame)) return -1;
    /* Deferred frees run on the library's waiter thread or on the next call, and the statistics'
     * DeferredPending does not count one that is running: give them up to 10 s to settle. */
    for (tries = 0; tries < 1000; tries++)
    {
        TRY("D3DKMTEscape (statistics)", query_stats(d, &s));
        if (!s.DeferredPending && s.AllocationsLive == d->live0 && s.Usage == d->usage0) break;
        if (d->plat->sleep_ms) d->plat->sleep_ms(10);
    }
    d->live_after = s.AllocationsLive;
    d->usage_device_after = s.Usage;
    /* The timeline's last point: everything freed (not a frame). */
    if (timeline_sample(d)) return -1;
    d->deferred_after = s.DeferredPending;
    d->stat_offers = s.Offers - d->stats0.Offers;
    d->stat_releases = s.Releases - d->stats0.Releases;
    d->stat_ok = s.ReclaimsOk - d->stats0.ReclaimsOk;
    d->stat_discarded = s.ReclaimsDiscarded - d->stats0.ReclaimsDiscarded;
    d->stat_not_committed = s.ReclaimsNotCommitted - d->stats0.ReclaimsNotCommitted;
    if (d->deferred_after) broke(d, "%llu deferred operation(s) still pending after the GPU finished",
                                 (unsigned long long)d->deferred_after);
    if (d->live_after != d->live0)
        broke(d, "leak: %llu allocation(s) live after destroying everything (expected %llu)",
              (unsigned long long)d->live_after, (unsigned long long)d->live0);
    if (d->usage_device_after != d->usage0)
        broke(d, "leak: LOCAL usage %llu bytes after destroying everything, %llu before",
              (unsigned long long)d->usage_device_after, (unsigned long long)d->usage0);

    TRY("D3DKMTDestroySynchronizationObject (gate)", destroy_fence(d->gate));
    d->gate = 0;
    TRY("D3DKMTDestroySynchronizationObject (frame fence)", destroy_fence(d->frame_fence));
    d->frame_fence = 0;
    {
        D3DDDI_DESTROYPAGINGQUEUE desc;
        desc.hPagingQueue = d->queue;
        TRY("D3DKMTDestroyPagingQueue", D3DKMTDestroyPagingQueue(&desc));
        d->queue = 0;
    }
    if (d->plat->close) d->plat->close(d->plat->ctx);
    {
        D3DKMT_DESTROYDEVICE desc;
        desc.hDevice = d->device;
        TRY("D3DKMTDestroyDevice", D3DKMTDestroyDevice(&desc));
        d->device = 0;
    }
    TRY("D3DKMTQueryVideoMemoryInfo", query_memory(d, &d->budget_after, &d->usage_after));
    if (d->usage_after != d->usage_before)
        broke(d, "leak: adapter LOCAL usage %llu bytes after the device is gone, %llu before",
              (unsigned long long)d->usage_after, (unsigned long long)d->usage_before);
    progress(d, "[teardown]  hot set (%u assets) destroyed while the last frame was in flight; all frees done after it; "
             "%llu allocations live, usage %llu bytes", n, (unsigned long long)d->live_after,
             (unsigned long long)d->usage_after);
    return 0;
}

/* Cross-checks the scenario's own counts against the library's statistics. */
static void final_checks(struct demo *d)
{
    UINT64 released = d->released[0] + d->released[1] + d->released[2];
    UINT64 ok = d->ok[0] + d->ok[1] + d->ok[2];
    UINT64 dis = d->discarded[0] + d->discarded[1] + d->discarded[2];
    UINT64 nc = d->not_committed[0] + d->not_committed[1] + d->not_committed[2];
    UINT64 offered = d->offered[0] + d->offered[1] + d->offered[2];

    if (d->hot_released_bytes) broke(d, "%llu hot-set bytes released", (unsigned long long)d->hot_released_bytes);
    if (released != d->stat_releases)
        broke(d, "the library released %llu offered allocations but reclaims found %llu released",
              (unsigned long long)d->stat_releases, (unsigned long long)released);
    if (ok != d->stat_ok || dis != d->stat_discarded || nc != d->stat_not_committed)
        broke(d, "reclaim results OK/DISCARDED/NOT_COMMITTED %llu/%llu/%llu, statistics say %llu/%llu/%llu",
              (unsigned long long)ok, (unsigned long long)dis, (unsigned long long)nc,
              (unsigned long long)d->stat_ok, (unsigned long long)d->stat_discarded,
              (unsigned long long)d->stat_not_committed);
    if (offered != d->stat_offers)
        broke(d, "%llu offers made, statistics count %llu", (unsigned long long)offered,
              (unsigned long long)d->stat_offers);
    if (d->sparse && !released) broke(d, "budget pressure released no offered memory although sparse binding is on");
    d->validation = d->plat->validation_messages ? d->plat->validation_messages(d->plat->ctx) : -1;
    if (d->validation > 0) broke(d, "%lld Vulkan validation message(s)", d->validation);
}

/* ---- Results ---- */

static void human_size(char *buf, size_t size, UINT64 bytes)
{
    if (bytes >= DEMO_MIB && !(bytes % (DEMO_MIB / 4)))
        snprintf(buf, size, "%.2f MiB", (double)bytes / DEMO_MIB);
    else if (bytes >= DEMO_MIB) snprintf(buf, size, "%.2f MiB (%llu bytes)", (double)bytes / DEMO_MIB, (unsigned long long)bytes);
    else snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
}

static void print_table(struct demo *d, int status)
{
    char a[64], b[64], c[64], e[64];
    UINT64 t[5] = { 0 };
    int cls, i;

    printf("\nd3dkmt-demo results (%s, %s)\n", d->plat->name, d->adapter_name);
    printf("  %-8s %8s %9s %13s %10s %14s\n", "class", "offered", "released", "reclaimed OK", "DISCARDED", "NOT_COMMITTED");
    for (cls = 0; cls < 3; cls++)
    {
        printf("  %-8s %8llu %9llu %13llu %10llu %14llu\n", class_names[cls], (unsigned long long)d->offered[cls],
               (unsigned long long)d->released[cls], (unsigned long long)d->ok[cls],
               (unsigned long long)d->discarded[cls], (unsigned long long)d->not_committed[cls]);
        t[0] += d->offered[cls]; t[1] += d->released[cls]; t[2] += d->ok[cls];
        t[3] += d->discarded[cls]; t[4] += d->not_committed[cls];
    }
    printf("  %-8s %8llu %9llu %13llu %10llu %14llu\n", "total", (unsigned long long)t[0], (unsigned long long)t[1],
           (unsigned long long)t[2], (unsigned long long)t[3], (unsigned long long)t[4]);
    printf("  library statistics: %llu offers, %llu releases, reclaims %llu OK / %llu DISCARDED / %llu NOT_COMMITTED\n",
           (unsigned long long)d->stat_offers, (unsigned long long)d->stat_releases, (unsigned long long)d->stat_ok,
           (unsigned long long)d->stat_discarded, (unsigned long long)d->stat_not_committed);
    printf("  hot-set bytes released: %llu (must be 0; %llu checks over %llu frames)\n",
           (unsigned long long)d->hot_released_bytes, (unsigned long long)d->hot_checks, (unsigned long long)d->frames);
    printf("  content: %llu OK reclaims verified, %llu lost without DISCARDED (must be 0)%s\n",
           (unsigned long long)d->content_verified, (unsigned long long)d->content_lost,
           d->content_checks ? "" : " [content checks off: memory not host visible]");
    human_size(a, sizeof(a), d->budget_before);
    human_size(b, sizeof(b), d->budget_after);
    printf("  budget: before %s, after %s\n", a, b);
    human_size(a, sizeof(a), d->usage_before);
    human_size(b, sizeof(b), d->usage_peak);
    human_size(c, sizeof(c), d->usage_after);
    printf("  usage:  before %s, peak %s, after %s (%llu samples over budget)\n", a, b, c,
           (unsigned long long)d->over_budget_seen);
    human_size(e, sizeof(e), d->asset_size);
    printf("  fences waited: %llu on the CPU (frame throttling), %llu on the GPU (paging fence after a reclaim)\n",
           (unsigned long long)d->cpu_waits, (unsigned long long)d->gpu_waits);
    printf("  destroyed while GPU work was in flight: %llu allocations (frees deferred behind the GPU)\n",
           (unsigned long long)d->destroyed_in_flight);
    printf("  leaks: %llu allocations live, %llu deferred operations pending after teardown\n",
           (unsigned long long)d->live_after, (unsigned long long)d->deferred_after);
    if (d->validation >= 0) printf("  Vulkan validation messages: %lld\n", d->validation);
    if (d->failed_call) printf("  RESULT: ERROR: %s\n", d->call_error);
    else if (status) printf("  RESULT: FAIL: %d invariant(s) broken\n", d->invariants_broken);
    else printf("  RESULT: PASS (every invariant held)\n");
    for (i = 0; i < d->invariants_broken && i < 16; i++) printf("    - %s\n", d->broken[i]);
}

static void print_json(struct demo *d, int status)
{
    int cls, i;

    printf("{\n  \"platform\": \"%s\",\n  \"adapter\": \"%s\",\n", d->plat->name, d->adapter_name);
    printf("  \"budget_cap_requested\": %llu,\n  \"asset_size\": %llu,\n  \"assets\": { \"hot\": %u, \"cold\": %u, \"transient\": %u },\n",
           (unsigned long long)d->opts->budget, (unsigned long long)d->asset_size, DEMO_HOT, DEMO_COLD, DEMO_TRANSIENT);
    printf("  \"content_checks\": %s,\n  \"sparse_binding\": %s,\n", d->content_checks ? "true" : "false",
           d->sparse ? "true" : "false");
    printf("  \"classes\": {\n");
    for (cls = 0; cls < 3; cls++)
        printf("    \"%s\": { \"offered\": %llu, \"released\": %llu, \"reclaimed_ok\": %llu, \"discarded\": %llu, \"not_committed\": %llu }%s\n",
               class_names[cls], (unsigned long long)d->offered[cls], (unsigned long long)d->released[cls],
               (unsigned long long)d->ok[cls], (unsigned long long)d->discarded[cls],
               (unsigned long long)d->not_committed[cls], cls < 2 ? "," : "");
    printf("  },\n");
    printf("  \"statistics\": { \"offers\": %llu, \"releases\": %llu, \"reclaims_ok\": %llu, \"reclaims_discarded\": %llu, \"reclaims_not_committed\": %llu },\n",
           (unsigned long long)d->stat_offers, (unsigned long long)d->stat_releases, (unsigned long long)d->stat_ok,
           (unsigned long long)d->stat_discarded, (unsigned long long)d->stat_not_committed);
    printf("  \"hot_bytes_released\": %llu,\n  \"content_verified\": %llu,\n  \"content_lost\": %llu,\n",
           (unsigned long long)d->hot_released_bytes, (unsigned long long)d->content_verified,
           (unsigned long long)d->content_lost);
    printf("  \"budget_before\": %llu,\n  \"budget_after\": %llu,\n  \"usage_before\": %llu,\n  \"usage_peak\": %llu,\n  \"usage_after\": %llu,\n",
           (unsigned long long)d->budget_before, (unsigned long long)d->budget_after,
           (unsigned long long)d->usage_before, (unsigned long long)d->usage_peak, (unsigned long long)d->usage_after);
    printf("  \"over_budget_samples\": %llu,\n  \"frames\": %llu,\n  \"fences_waited_cpu\": %llu,\n  \"fences_waited_gpu\": %llu,\n",
           (unsigned long long)d->over_budget_seen, (unsigned long long)d->frames,
           (unsigned long long)d->cpu_waits, (unsigned long long)d->gpu_waits);
    printf("  \"destroyed_in_flight\": %llu,\n  \"allocations_live_after\": %llu,\n  \"deferred_pending_after\": %llu,\n",
           (unsigned long long)d->destroyed_in_flight, (unsigned long long)d->live_after,
           (unsigned long long)d->deferred_after);
    printf("  \"validation_messages\": %lld,\n", d->validation);
    printf("  \"error\": ");
    if (d->failed_call) printf("\"%s\",\n", d->call_error);
    else printf("null,\n");
    printf("  \"invariants_broken\": [");
    for (i = 0; i < d->invariants_broken && i < 16; i++) printf("%s\"%s\"", i ? ", " : "", d->broken[i]);
    printf("],\n  \"result\": \"%s\",\n  \"exit_status\": %d\n}\n",
           d->failed_call ? "error" : status ? "fail" : "pass", status);
}

/* Best-effort cleanup after a failed call. */
static void cleanup(struct demo *d)
{
    if (d->device)
    {
        D3DKMT_DESTROYDEVICE desc;
        if (d->gate) cpu_signal(d, d->gate, ~0ull >> 1);
        if (d->plat->close) d->plat->close(d->plat->ctx);
        desc.hDevice = d->device;
        D3DKMTDestroyDevice(&desc);
        d->device = 0;
    }
}

int demo_run(const struct demo_options *opts, const struct demo_platform *platform)
{
    static struct demo demo;
    struct demo *d = &demo;
    int status;

    memset(d, 0, sizeof(*d));
    d->opts = opts;
    d->plat = platform;
    d->validation = -1;
    if (!phase_setup(d) && !phase_hot(d) && !phase_stream(d) && !phase_pressure(d) && !phase_reclaim(d)
            && !phase_final_reclaim(d) && !phase_teardown(d))
        final_checks(d);
    if (d->failed_call) cleanup(d);
    if (opts->timeline && timeline_write(d) && !d->failed_call)
        call_failed(d, "writing the timeline", STATUS_INTERNAL_ERROR);
    status = d->failed_call ? 2 : d->invariants_broken ? 1 : 0;
    if (opts->json) print_json(d, status);
    else print_table(d, status);
    if (d->adapter)
    {
        D3DKMT_CLOSEADAPTER desc;
        desc.hAdapter = d->adapter;
        D3DKMTCloseAdapter(&desc);
    }
    fflush(stdout);
    if (opts->linger && d->plat->sleep_ms)
    {
        /* The library is still initialised: its statistics region keeps the destroyed device's
         * final numbers for d3dkmt-top. */
        fprintf(stderr, "d3dkmt-demo: results printed; staying %u s for d3dkmt-top\n", opts->linger);
        fflush(stderr);
        d->plat->sleep_ms(opts->linger * 1000);
    }
    return status;
}

int demo_parse_args(int argc, char **argv, const char *prog, const char *extra_help, struct demo_options *opts)
{
    int i;

    memset(opts, 0, sizeof(*opts));
    opts->budget = DEMO_DEFAULT_BUDGET;
    for (i = 1; i < argc; i++)
    {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
        {
            printf("Usage: %s [--budget=SIZE] [--json] [--quiet] [--timeline=FILE.svg] [--linger=SECONDS]\n"
                   "\n"
                   "Plays a game that streams assets under a video-memory budget through the D3DKMT\n"
                   "offer/reclaim calls of libd3dkmt, on the first adapter (lavapipe without a GPU):\n"
                   "a hot set the GPU reads every frame, cold assets streamed past the budget and\n"
                   "offered at LOW, NORMAL and HIGH, a level load that adds pressure and is destroyed\n"
                   "while the GPU still reads it, assets coming back into view (reclaim), and a\n"
                   "teardown while the last frame is in flight.  Prints a line per phase and a table.\n"
                   "\n"
                   "  --budget=SIZE  cap on the LOCAL budget (D3DKMT_BUDGET_CAP): bytes or a K/M/G\n"
                   "                 suffix; default 256M.  Assets are SIZE/64 bytes each; the working\n"
                   "                 set is 1.5 times the budget.\n"
                   "  --json         the results as JSON on stdout (progress lines go to stderr)\n"
                   "  --quiet        no progress lines\n"
                   "  --timeline=FILE.svg  a picture of the run: budget, usage and offered bytes per\n"
                   "                 frame, discards, reclaims by result, the phases and the level load\n"
                   "  --linger=SECONDS  stay that long after printing the results, so that d3dkmt-top\n"
                   "                 can read the final statistics (docs/statistics.md)\n"
                   "  --help         this text\n"
                   "%s"
                   "\n"
                   "Exit status: 0 every invariant held; 1 an invariant broke (a hot allocation\n"
                   "released, content lost without DISCARDED, anything leaked, counts that disagree\n"
                   "with the library's statistics, a Vulkan validation message); 2 a call failed or\n"
                   "bad arguments.  See docs/demo.md.\n", prog, extra_help ? extra_help : "");
            return 0;
        }
        if (!strncmp(arg, "--budget=", 9))
        {
            if (!(opts->budget = demo_parse_size(arg + 9)) || opts->budget < 4 * DEMO_MIB)
            {
                fprintf(stderr, "%s: bad --budget '%s' (bytes with an optional K/M/G suffix, at least 4M)\n", prog, arg + 9);
                return 2;
            }
        }
        else if (!strncmp(arg, "--timeline=", 11))
        {
            if (!arg[11])
            {
                fprintf(stderr, "%s: --timeline needs a file name\n", prog);
                return 2;
            }
            opts->timeline = arg + 11;
        }
        else if (!strncmp(arg, "--linger=", 9))
        {
            char *end;
            unsigned long seconds = strtoul(arg + 9, &end, 10);
            if (!arg[9] || *end || seconds > 3600)
            {
                fprintf(stderr, "%s: bad --linger '%s' (seconds, 0 to 3600)\n", prog, arg + 9);
                return 2;
            }
            opts->linger = (unsigned int)seconds;
        }
        else if (!strcmp(arg, "--json")) opts->json = 1;
        else if (!strcmp(arg, "--quiet")) opts->quiet = 1;
        else
        {
            fprintf(stderr, "%s: unknown argument '%s' (see --help)\n", prog, arg);
            return 2;
        }
    }
    return -1;
}
