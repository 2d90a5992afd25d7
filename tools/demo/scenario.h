/*
 * scenario.h: the d3dkmt demo scenario, shared by the native program (demo_native.c, linked with
 * libd3dkmt) and the Windows program (demo_win.c, mingw-w64, run under Wine through d3dkmt.dll).
 * The scenario uses only D3DKMT entry points; what differs between the two (how the budget cap is
 * set, the GPU work of a frame, Vulkan interop, validation) goes through struct demo_platform.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * The game (docs/demo.md): a hot set of assets the GPU reads every frame, never offered; cold
 * assets streamed in past the budget and offered at LOW, NORMAL and HIGH (some with
 * AllowDecommit) once out of view; a level load of transient assets that puts the budget under
 * pressure and is destroyed while the GPU still uses it; cold assets coming back into view
 * (ReclaimAllocations2: OK contents are checked, DISCARDED are streamed again, NOT_COMMITTED are
 * recreated); and a teardown that destroys everything while the last frame is in flight.
 */
#ifndef D3DKMT_DEMO_SCENARIO_H
#define D3DKMT_DEMO_SCENARIO_H

#ifdef _WIN32
# include <windows.h>
#else
# include <ntstatus.h>
# define WIN32_NO_STATUS
# include <windef.h>
# include <winbase.h>
# include <wingdi.h>
# include <winternl.h>
#endif
#include <stdio.h>

#include "d3dkmt.h"

#define DEMO_MIB (1024ull * 1024ull)
#define DEMO_DEFAULT_BUDGET (256ull * DEMO_MIB)

/* Asset counts, independent of the budget: the asset size is budget / 64, so the hot set is 25%
 * of the budget, the cold set 125%, the transient level load 25%; the working set (hot + cold)
 * is 150% of the budget. */
#define DEMO_HOT        16
#define DEMO_COLD       80
#define DEMO_TRANSIENT  16
#define DEMO_VIEW       8      /* cold assets that come back into view together */
#define DEMO_MAX_FRAME_ASSETS (DEMO_HOT + DEMO_TRANSIENT + DEMO_VIEW + 8)

struct demo_options
{
    UINT64 budget;          /* bytes: the LOCAL budget cap asked for (--budget) */
    int json;               /* --json: results as JSON on stdout, progress on stderr */
    int quiet;              /* --quiet: no progress lines */
    const char *timeline;   /* --timeline=FILE.svg: a picture of the run, or NULL */
    unsigned int linger;    /* --linger=SECONDS: stay alive that long after the results (d3dkmt-top) */
};

/* What one frame's GPU work uses. */
struct demo_frame
{
    UINT64 number;                              /* 1, 2, ... */
    UINT count;
    D3DKMT_HANDLE handles[DEMO_MAX_FRAME_ASSETS];
    UINT seeds[DEMO_MAX_FRAME_ASSETS];          /* content pattern of each (0: not meaningful) */
};

/* Platform hooks.  Every function pointer may be NULL (the scenario then does without). */
struct demo_platform
{
    const char *name;                           /* "native" or "windows (wine)" */
    void *ctx;
    /* After the device exists: per-device setup (command pool...).  0 on success. */
    int (*open)(void *ctx, D3DKMT_HANDLE adapter, D3DKMT_HANDLE device, char *adapter_name, size_t name_size);
    /* Queues the frame's own GPU work, after the scenario's GPU wait on the frame gate and before
     * its GPU signal of the frame fence (so it runs only once the CPU lets the frame go).
     * 0 on success. */
    int (*frame_work)(void *ctx, const struct demo_frame *frame, UINT64 asset_size);
    /* The frame's GPU work completed: checks what it produced.  Returns the number of problems. */
    int (*frame_done)(void *ctx, const struct demo_frame *frame, UINT64 asset_size);
    /* 1 when the allocation has no memory (released), 0 when it has, -1 unknown. */
    int (*is_released)(void *ctx, D3DKMT_HANDLE device, D3DKMT_HANDLE alloc);
    /* Before the device is destroyed. */
    void (*close)(void *ctx);
    /* Vulkan validation messages seen so far (native, with D3DKMT_VALIDATION set), or -1. */
    long long (*validation_messages)(void *ctx);
    void (*sleep_ms)(unsigned int ms);
};

/* Parses "268435456", "256M", "1G", "512K", "256MiB", "256MB" (the forms the library accepts in
 * D3DKMT_BUDGET_CAP).  Returns 0 on a bad string. */
UINT64 demo_parse_size(const char *text);

/* Parses the command line.  Returns -1 to go on, otherwise the exit status (--help: 0, bad
 * arguments: 2).  prog: the program name for --help. */
int demo_parse_args(int argc, char **argv, const char *prog, const char *extra_help, struct demo_options *opts);

/* Runs the scenario on the first adapter and prints the table (or JSON).  Returns the exit status:
 * 0 all invariants held, 1 an invariant broke, 2 a call failed that the scenario needs. */
int demo_run(const struct demo_options *opts, const struct demo_platform *platform);

/* The content pattern of word i of an asset with the given seed (shared with the platforms). */
static inline UINT demo_pattern(UINT seed, UINT64 i)
{
    UINT x = seed * 0x9e3779b1u ^ (UINT)i * 0x85ebca6bu;
    x ^= x >> 15;
    return x * 0x2c1b3c6du + (UINT)(i >> 32);
}

#endif
