/*
 * stats.c: the live statistics region (include/d3dkmt_stats.h, docs/statistics.md): one POSIX
 * shared-memory object per process that d3dkmt-top and any program of the same user can read
 * while the process runs.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * This file makes and removes the region and hands out its slots: one per adapter at
 * initialisation, one per device from D3DKMTCreateDevice to the device's release.  What goes into
 * a slot is written by the code that changes the state it describes, with the inline helpers of
 * src/d3dkmt_private.h (d3dkmt_stat_add and friends): one relaxed atomic store per field, by the
 * holder of the lock that already protects that state (device->lock for a device's residency
 * state, tracker.lock for its deferred operations), so the hot path takes no lock and makes no
 * atomic read-modify-write; the few fields several threads change without a common lock (fence
 * waits, an adapter's usage) use atomic additions.  A device without a slot (no region, or all
 * slots held by live devices) has device->pub NULL and publishes nothing.
 *
 * Liveness: the region's file descriptor stays open with a shared flock(2) on it for the life of
 * the process (O_CLOEXEC: not across exec); a reader that can take the lock exclusively knows the
 * writer is gone, whatever the pid namespace, and removes the name.  In a forked child the mapping
 * becomes private zeroed memory and the descriptor and name are dropped: a child never writes
 * into its parent's region (its statistics are not published).
 *
 * Locking: region_lock, a leaf, guards the slot assignment and the region's creation and removal;
 * nothing else is called while it is held.
 *
 * Layer 3 (src/d3dkmt_private.h): calls log.c only.
 */
#include "d3dkmt_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Whether a process without D3DKMT_STATS in its environment publishes.  Off: `make bench` row (h)
 * measures 1.5 to 3.9% on offer + reclaim with it, and the rule is on by default only under 2%
 * (docs/statistics.md).  D3DKMT_STATS=1 turns it on, D3DKMT_STATS=0 off. */
#define STATS_DEFAULT_ON 0

static pthread_mutex_t region_lock = PTHREAD_MUTEX_INITIALIZER;
static struct d3dkmt_stats_region *region;   /* region_lock to change; NULL: none */
static char region_name[64];                 /* its shm_open name; "" when none (region_lock) */
static int region_fd = -1;                   /* holds the liveness lock (region_lock) */
static uint32_t devices_open;                /* slots held by live devices (region_lock) */
static uint32_t next_serial;                 /* region_lock */
static bool atfork_registered;               /* region_lock */

uint64_t d3dkmt_stats_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void store32(uint32_t *field, uint32_t value)
{
    __atomic_store_n(field, value, __ATOMIC_RELAXED);
}

/* Zeroes a slot one word at a time (a reader may be reading it with atomic loads). */
static void clear_words(void *p, size_t bytes)
{
    d3dkmt_stats_u64 *w = p;
    size_t i;

    for (i = 0; i < bytes / sizeof(*w); i++) __atomic_store_n(&w[i], 0, __ATOMIC_RELAXED);
}

/* Copies a string into a fixed field, cut and NUL-terminated (before the region is published). */
static void copy_string(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);

    memcpy(dst, src, n);
    dst[n] = 0;
}

/* The process's start time after boot in clock ticks (field 22 of /proc/self/stat), 0 when unknown. */
static uint64_t process_start_time(void)
{
    char buf[1024], *p;
    unsigned long long value = 0;
    size_t n;
    FILE *f;
    int field;

    if (!(f = fopen("/proc/self/stat", "re"))) return 0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    /* The command name (field 2) is in parentheses and may hold spaces: count from its end. */
    if (!(p = strrchr(buf, ')'))) return 0;
    for (field = 2; *p && field < 22; p++) if (*p == ' ') field++;
    if (field == 22) sscanf(p, "%llu", &value);
    return value;
}

/* The program name (the basename of the first argument: under Wine the Windows program, whose
 * path Wine puts there) and the command line, arguments joined with spaces. */
static void read_command(char *program, size_t program_size, char *command, size_t command_size)
{
    char buf[4096], *base;
    size_t n, i;
    FILE *f;

    program[0] = command[0] = 0;
    if (!(f = fopen("/proc/self/cmdline", "re"))) return;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    base = buf;
    for (i = 0; buf[i]; i++) if (buf[i] == '/' || buf[i] == '\\') base = buf + i + 1;
    copy_string(program, program_size, base);
    while (n && !buf[n - 1]) n--;
    for (i = 0; i < n; i++) if (!buf[i]) buf[i] = ' ';
    buf[n] = 0;
    copy_string(command, command_size, buf);
}

/* In a forked child: the mapping becomes private zeroed memory at the same address (the child's
 * devices, if it uses them, write there), the descriptor and the name are the parent's. */
static void atfork_child(void)
{
    if (region)
        mmap(region, sizeof(*region), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (region_fd >= 0) close(region_fd);
    region_fd = -1;
    region_name[0] = 0;
}

/* At exit (or when the library is unloaded): the name goes; the mapping stays for threads still
 * running. */
__attribute__((destructor)) static void stats_at_exit(void)
{
    if (!region_name[0]) return;
    if (region) store32(&region->state, D3DKMT_STATS_SHUT_DOWN);
    shm_unlink(region_name);
    region_name[0] = 0;
}

void d3dkmt_stats_init(void)
{
    const char *env = getenv("D3DKMT_STATS");
    bool on = env && *env ? *env == '1' : STATS_DEFAULT_ON;
    struct d3dkmt_stats_region *r;
    struct timespec now;
    char name[64];
    int fd;

    if (!on) return;
    pthread_mutex_lock(&region_lock);
    if (region) goto done;
    snprintf(name, sizeof(name), D3DKMT_STATS_NAME_FORMAT, (unsigned int)getuid(), (unsigned int)getpid());
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
    {
        /* Left by an earlier process with this pid, or by this one before an exec: ours now. */
        shm_unlink(name);
        fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    if (fd < 0)
    {
        WARN("no statistics region: shm_open(%s) failed: %s", name, strerror(errno));
        goto done;
    }
    /* The lock first: a reader that finds the name unlocked takes it for a dead process's. */
    if (flock(fd, LOCK_SH) || ftruncate(fd, sizeof(*r))
            || (r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED)
    {
        WARN("no statistics region: %s: %s", name, strerror(errno));
        shm_unlink(name);
        close(fd);
        goto done;
    }
    r->version = D3DKMT_STATS_VERSION;
    r->header_size = offsetof(struct d3dkmt_stats_region, adapters);
    r->size = sizeof(*r);
    r->adapter_slots = D3DKMT_STATS_ADAPTERS;
    r->device_slots = D3DKMT_STATS_DEVICES;
    r->adapter_size = sizeof(r->adapters[0]);
    r->device_size = sizeof(r->devices[0]);
    r->pid = getpid();
    r->uid = getuid();
    r->start_time = process_start_time();
    r->created = d3dkmt_stats_now();
    clock_gettime(CLOCK_REALTIME, &now);
    r->created_realtime = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
    r->state = D3DKMT_STATS_LIVE;
    read_command(r->program, sizeof(r->program), r->command, sizeof(r->command));
    /* Last: a reader takes the region for one being made until the magic is there. */
    __atomic_store_n(&r->magic, D3DKMT_STATS_MAGIC, __ATOMIC_RELEASE);
    region = r;
    region_fd = fd;
    memcpy(region_name, name, sizeof(name));
    devices_open = 0;
    next_serial = 0;
    if (!atfork_registered) atfork_registered = !pthread_atfork(NULL, NULL, atfork_child);
    TRACE("statistics region /dev/shm%s, %zu bytes", name, sizeof(*r));
done:
    pthread_mutex_unlock(&region_lock);
}

void d3dkmt_stats_shutdown(void)
{
    pthread_mutex_lock(&region_lock);
    if (region)
    {
        store32(&region->state, D3DKMT_STATS_SHUT_DOWN);
        if (region_name[0]) shm_unlink(region_name);
        region_name[0] = 0;
        if (region_fd >= 0) close(region_fd);
        region_fd = -1;
        /* A device still holding its slot would write into the mapping: keep it then. */
        if (!devices_open) munmap(region, sizeof(*region));
        else WARN("%u device(s) still live at shutdown: their statistics mapping is kept", devices_open);
        region = NULL;
    }
    pthread_mutex_unlock(&region_lock);
}

const struct d3dkmt_stats_region *d3dkmt_stats_region(void)
{
    const struct d3dkmt_stats_region *r;

    pthread_mutex_lock(&region_lock);
    r = region;
    pthread_mutex_unlock(&region_lock);
    return r;
}

const char *d3dkmt_stats_name(char *buf, size_t size)
{
    pthread_mutex_lock(&region_lock);
    snprintf(buf, size, "%s", region_name);
    pthread_mutex_unlock(&region_lock);
    return buf;
}

struct d3dkmt_stats_adapter *d3dkmt_stats_adapter_open(uint32_t index, const struct d3dkmt_stats_adapter *info)
{
    struct d3dkmt_stats_adapter *slot = NULL;

    pthread_mutex_lock(&region_lock);
    if (region && index < D3DKMT_STATS_ADAPTERS)
    {
        slot = &region->adapters[index];
        /* Not read by anyone until `present` and adapter_count say so. */
        *slot = *info;
        slot->name[sizeof(slot->name) - 1] = 0;
        store32(&slot->present, 1);
        if (index + 1 > region->adapter_count) store32(&region->adapter_count, index + 1);
    }
    pthread_mutex_unlock(&region_lock);
    return slot;
}

struct d3dkmt_stats_device *d3dkmt_stats_device_open(const struct d3dkmt_stats_adapter *adapter, uint32_t handle,
                                                     uint32_t residency_mode, bool sparse)
{
    struct d3dkmt_stats_device *slot = NULL, *reuse = NULL, *d;
    uint64_t oldest = UINT64_MAX;
    uint32_t i;

    pthread_mutex_lock(&region_lock);
    if (!region) goto done;
    d3dkmt_stat_add(&region->devices_created, 1);
    /* A never used slot, else the one of the device destroyed longest ago. */
    for (i = 0; i < D3DKMT_STATS_DEVICES; i++)
    {
        d = &region->devices[i];
        if (d->state == D3DKMT_STATS_DEVICE_FREE)
        {
            slot = d;
            break;
        }
        if (d->state == D3DKMT_STATS_DEVICE_DESTROYED && d->destroyed < oldest)
        {
            oldest = d->destroyed;
            reuse = d;
        }
    }
    if (!slot) slot = reuse;
    if (!slot)
    {
        d3dkmt_stat_add(&region->devices_unpublished, 1);
        goto done;
    }
    /* Odd while it changes hands (include/d3dkmt_stats.h). */
    __atomic_store_n(&slot->generation, slot->generation + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    clear_words((char *)slot + 8, sizeof(*slot) - 8);
    store32(&slot->adapter, adapter ? (uint32_t)(adapter - region->adapters) : UINT32_MAX);
    store32(&slot->handle, handle);
    store32(&slot->serial, ++next_serial);
    store32(&slot->residency_mode, residency_mode);
    store32(&slot->sparse_binding, sparse);
    d3dkmt_stat_set(&slot->created, d3dkmt_stats_now());
    store32(&slot->state, D3DKMT_STATS_DEVICE_LIVE);
    __atomic_store_n(&slot->generation, slot->generation + 1, __ATOMIC_RELEASE);
    devices_open++;
done:
    pthread_mutex_unlock(&region_lock);
    return slot;
}

void d3dkmt_stats_device_close(struct d3dkmt_stats_device *slot)
{
    if (!slot) return;
    pthread_mutex_lock(&region_lock);
    d3dkmt_stat_set(&slot->destroyed, d3dkmt_stats_now());
    __atomic_store_n(&slot->state, D3DKMT_STATS_DEVICE_DESTROYED, __ATOMIC_RELEASE);
    /* Not when the region it is in was shut down meanwhile (its mapping was kept for it). */
    if (region && slot >= region->devices && slot < region->devices + D3DKMT_STATS_DEVICES) devices_open--;
    pthread_mutex_unlock(&region_lock);
}
