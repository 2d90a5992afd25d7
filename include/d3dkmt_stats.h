/*
 * d3dkmt_stats.h: the live statistics region libd3dkmt publishes for each process that uses it,
 * and the layout any program of the same user may read it with (d3dkmt-top does).  Not part of
 * Windows; docs/statistics.md describes it.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * One POSIX shared-memory object per process that has D3DKMT_STATS=1 in its environment (off by
 * default: docs/statistics.md says why), /dev/shm/d3dkmt-stats-<uid>-<pid> (shm_open name
 * "/d3dkmt-stats-<uid>-<pid>", mode 0600: its owner only), made when the library initialises and
 * unlinked by d3dkmt_host_shutdown and at process exit.  Its size is fixed (sizeof(struct
 * d3dkmt_stats_region)); it never grows.
 *
 * The same layout on every ABI: only fixed-size integers, 64-bit ones 8-byte aligned (a 32-bit
 * process writes what a 64-bit reader reads).  Byte counts are in bytes, times in nanoseconds of
 * CLOCK_MONOTONIC (the same clock in every process of the machine) unless a field says otherwise.
 *
 * Reading.  The library writes every 64-bit field with one atomic store (no lock, no torn value)
 * and never takes a lock a reader could hold.  A reader loads each field atomically (or with one
 * aligned 8-byte load, which is atomic on x86): each value is exact, but two fields are not
 * guaranteed to be of the same instant.  A device slot's `generation` is odd while the slot is
 * being given to another device and changes each time it is: a reader that reads it before and
 * after copying the slot, and finds it even and unchanged, has a copy of one device.  `magic` is
 * written last when the region is made: a region whose magic is 0 is still being made.  A region
 * of another `version` has another layout: read none of it but the first four fields.
 *
 * Liveness: the process holds a shared flock(2) on the object while it lives; one nobody holds is
 * stale (its process died or exec'd), whatever /proc says of its pid.
 */
#ifndef D3DKMT_STATS_H
#define D3DKMT_STATS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define D3DKMT_STATS_MAGIC      0x5453544d4b443344ull   /* "D3DKMTST" in little-endian bytes */
#define D3DKMT_STATS_VERSION    1u
/* printf format of the shm_open name: uid, pid.  In /dev/shm without the leading slash. */
#define D3DKMT_STATS_NAME_FORMAT "/d3dkmt-stats-%u-%u"
#define D3DKMT_STATS_NAME_PREFIX "d3dkmt-stats-"
#define D3DKMT_STATS_ADAPTERS   8u      /* adapter slots */
#define D3DKMT_STATS_DEVICES    64u     /* device slots */

typedef uint64_t d3dkmt_stats_u64 __attribute__((aligned(8)));

/* region->state */
enum d3dkmt_stats_state
{
    D3DKMT_STATS_LIVE = 1,              /* the library is initialised and publishing */
    D3DKMT_STATS_SHUT_DOWN = 2,         /* d3dkmt_host_shutdown ran (the name is gone already) */
};

/* Segment groups, as D3DKMT_MEMORY_SEGMENT_GROUP. */
enum d3dkmt_stats_group
{
    D3DKMT_STATS_LOCAL = 0,
    D3DKMT_STATS_NON_LOCAL = 1,
};

/* Gauges of a device: where its live allocations' bytes are now.  The offered, discarded and
 * decommitted ones are per offer priority: add D3DKMT_OFFER_PRIORITY_{LOW,NORMAL,HIGH} - 1.  The
 * resident ones (memory, not offered) are D3DKMT_STATS_ALL minus the nine others: an offer or a
 * reclaim then changes one gauge, not two. */
enum d3dkmt_stats_gauge
{
    D3DKMT_STATS_ALL = 0,               /* every live allocation: resident, offered, discarded or
                                         * decommitted (D3DKMT_VK_STATISTICS' three byte gauges summed) */
    D3DKMT_STATS_OFFERED = 1,           /* offered, still has its memory (offer pending or in effect) */
    D3DKMT_STATS_DISCARDED = 4,         /* memory taken back by the budget manager; a reclaim gives
                                         * new memory and reports DISCARDED */
    D3DKMT_STATS_DECOMMITTED = 7,       /* the same for an offer with AllowDecommit: no memory until
                                         * destroyed; a reclaim reports NOT_COMMITTED */
    D3DKMT_STATS_GAUGES = 10,
};

/* One adapter (one VkPhysicalDevice), from initialisation to shutdown. */
struct d3dkmt_stats_adapter
{
    uint32_t present;                   /* 1 for adapters 0 .. adapter_count - 1 */
    uint32_t software;                  /* 1: a CPU implementation (lavapipe) */
    uint32_t luid_low, luid_high;       /* the adapter's LUID (AdapterLuid) */
    uint32_t vendor_id, device_id;      /* PCI ids as Vulkan reports them */
    uint32_t reserved0[2];
    d3dkmt_stats_u64 budget[2];         /* per group: min(driver budget, D3DKMT_BUDGET_CAP) when last
                                         * read (QueryVideoMemoryInfo, the budget manager) */
    d3dkmt_stats_u64 budget_time;       /* when budget[] was last read; 0: never */
    d3dkmt_stats_u64 usage[2];          /* per group: bytes the library holds (all devices) */
    d3dkmt_stats_u64 heap_size[2];      /* per group: bytes of the Vulkan heaps */
    d3dkmt_stats_u64 budget_cap;        /* D3DKMT_BUDGET_CAP in bytes; 0: none */
    d3dkmt_stats_u64 reserved1[12];
    char name[128];                     /* VkPhysicalDeviceProperties.deviceName, NUL-terminated */
};

/* device->state */
enum d3dkmt_stats_device_state
{
    D3DKMT_STATS_DEVICE_FREE = 0,       /* never used */
    D3DKMT_STATS_DEVICE_LIVE = 1,       /* a live D3DKMT device */
    D3DKMT_STATS_DEVICE_DESTROYED = 2,  /* destroyed: its last values, until the slot is reused */
};

/* One D3DKMT device (D3DKMTCreateDevice to its release).  A process with more live devices than
 * slots publishes the first ones (header.devices_unpublished counts the others). */
struct d3dkmt_stats_device
{
    uint32_t generation;                /* odd while the slot changes hands (see the top) */
    uint32_t state;                     /* enum d3dkmt_stats_device_state */
    uint32_t adapter;                   /* index of its adapter slot */
    uint32_t handle;                    /* its D3DKMT handle (hDevice) when created */
    uint32_t serial;                    /* 1 for the process's first device, 2 for the next... */
    uint32_t residency_mode;            /* 2 pageable memory, 1 memory priority only, 0 neither */
    uint32_t sparse_binding;            /* 1: offered memory can be discarded under pressure */
    uint32_t vk_ready;                  /* 1 once the device made its VkDevice (first use) */

    /* What an offer and a reclaim change, in three cache lines. */
    d3dkmt_stats_u64 offers[3];         /* allocations offered, per offer priority (LOW, NORMAL, HIGH) */
    d3dkmt_stats_u64 allocations;       /* live allocations (D3DKMT_VK_STATISTICS.AllocationsLive) */
    /* Gauges (what the statistics escape's walk computes, kept as allocations change). */
    d3dkmt_stats_u64 gauge_bytes[D3DKMT_STATS_GAUGES];  /* enum d3dkmt_stats_gauge */
    d3dkmt_stats_u64 reclaims[3];       /* reclaimed allocations per D3DDDI_RECLAIM_RESULT: OK,
                                         * DISCARDED, NOT_COMMITTED (offered ones only) */
    d3dkmt_stats_u64 gauge_count[D3DKMT_STATS_GAUGES];

    d3dkmt_stats_u64 created;           /* time of D3DKMTCreateDevice */
    d3dkmt_stats_u64 destroyed;         /* time of its release; 0 while live */
    d3dkmt_stats_u64 deferred_pending;  /* deferred offers and frees waiting for GPU work or running */
    d3dkmt_stats_u64 deferred_oldest;   /* when the oldest waiting one was queued; 0: none waits */
    d3dkmt_stats_u64 bind_waiters;      /* destroyed allocations whose memory waits for its last bind */

    /* Counters, from the device's creation. */
    d3dkmt_stats_u64 discards[3];       /* offered allocations the budget manager discarded (trim),
                                         * per the offer priority they had */
    d3dkmt_stats_u64 discarded_bytes[3];
    d3dkmt_stats_u64 decommits[3];      /* the discards of offers with AllowDecommit among them */
    d3dkmt_stats_u64 make_resident_calls, make_resident_allocations, make_resident_over_budget;
    d3dkmt_stats_u64 evict_calls, evict_allocations;
    d3dkmt_stats_u64 fence_waits_cpu;   /* WaitForSynchronizationObjectFromCpu calls that returned success */
    d3dkmt_stats_u64 fence_waits_gpu;   /* WaitForSynchronizationObjectFromGpu waits queued */
    d3dkmt_stats_u64 allocations_created;
    d3dkmt_stats_u64 bytes_freed;       /* device memory returned with vkFreeMemory */
    d3dkmt_stats_u64 reserved[10];
};

/* The region. */
struct d3dkmt_stats_region
{
    /* What every version keeps at the start. */
    d3dkmt_stats_u64 magic;             /* D3DKMT_STATS_MAGIC once made */
    uint32_t version;                   /* D3DKMT_STATS_VERSION */
    uint32_t header_size;               /* offsetof(struct d3dkmt_stats_region, adapters) */
    d3dkmt_stats_u64 size;              /* sizeof(struct d3dkmt_stats_region) */
    uint32_t adapter_slots, device_slots;   /* D3DKMT_STATS_ADAPTERS, D3DKMT_STATS_DEVICES */
    uint32_t adapter_size, device_size; /* sizeof of one slot of each */

    uint32_t pid;                       /* the process (Linux pid) */
    uint32_t uid;
    d3dkmt_stats_u64 start_time;        /* the process's start time, field 22 of /proc/<pid>/stat
                                         * (clock ticks after boot): a reader tells a reused pid */
    d3dkmt_stats_u64 created;           /* when the region was made (CLOCK_MONOTONIC) */
    d3dkmt_stats_u64 created_realtime;  /* the same in CLOCK_REALTIME nanoseconds */
    uint32_t state;                     /* enum d3dkmt_stats_state */
    uint32_t adapter_count;             /* adapters present */
    d3dkmt_stats_u64 devices_created;   /* D3DKMT devices the process created since the region was made */
    d3dkmt_stats_u64 devices_unpublished;   /* of them, those that found no free slot */
    d3dkmt_stats_u64 reserved[12];
    char program[64];                   /* the program's name: the basename of its first argument
                                         * (under Wine: the Windows program, e.g. "game.exe") */
    char command[256];                  /* its command line, arguments separated by spaces, cut */

    struct d3dkmt_stats_adapter adapters[D3DKMT_STATS_ADAPTERS];
    struct d3dkmt_stats_device devices[D3DKMT_STATS_DEVICES];
};

/* The layout is the same on every ABI (checked wherever this header is compiled). */
#define D3DKMT_STATS_CHECK_(c, m) typedef char d3dkmt_stats_check_##m[(c) ? 1 : -1]
D3DKMT_STATS_CHECK_(sizeof(struct d3dkmt_stats_adapter) == 320, adapter_size);
D3DKMT_STATS_CHECK_(sizeof(struct d3dkmt_stats_device) == 512, device_size);
D3DKMT_STATS_CHECK_(__builtin_offsetof(struct d3dkmt_stats_region, adapters) == 512, header_size);
D3DKMT_STATS_CHECK_(sizeof(struct d3dkmt_stats_region) == 512 + 8 * 320 + 64 * 512, region_size);
#undef D3DKMT_STATS_CHECK_

#ifdef __cplusplus
}
#endif

#endif /* D3DKMT_STATS_H */
