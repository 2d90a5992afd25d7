/*
 * stats_read.c: finding and reading libd3dkmt's statistics regions (stats_read.h).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stats_read.h"

#define HEADER_BYTES offsetof(struct d3dkmt_stats_region, adapters)

uint64_t stats_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool stats_process_start_time(unsigned int pid, uint64_t *start_time)
{
    char path[64], buf[1024], *p;
    unsigned long long value = 0;
    size_t n;
    FILE *f;
    int field;

    snprintf(path, sizeof(path), "/proc/%u/stat", pid);
    if (!(f = fopen(path, "re"))) return false;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    *start_time = 0;
    /* The command name (field 2) is in parentheses and may hold spaces: count from its end. */
    if (!(p = strrchr(buf, ')'))) return true;
    for (field = 2; *p && field < 22; p++) if (*p == ' ') field++;
    if (field == 22 && sscanf(p, "%llu", &value) == 1) *start_time = value;
    return true;
}

static uint64_t load64(const void *base, size_t offset)
{
    return __atomic_load_n((const uint64_t *)((const char *)base + offset), __ATOMIC_ACQUIRE);
}

static uint32_t load32(const void *base, size_t offset)
{
    return __atomic_load_n((const uint32_t *)((const char *)base + offset), __ATOMIC_ACQUIRE);
}

enum stats_status stats_copy(const void *base, uint64_t size, struct d3dkmt_stats_region *out, bool *torn,
                             uint32_t *version)
{
    const struct d3dkmt_stats_region *r = base;
    uint64_t *dst = (uint64_t *)out;
    size_t i, words;

    if (version) *version = 0;
    if (torn) memset(torn, 0, D3DKMT_STATS_DEVICES * sizeof(*torn));
    if (size < 8) return size ? STATS_TRUNCATED : STATS_MAKING;
    switch (load64(base, offsetof(struct d3dkmt_stats_region, magic)))
    {
    case 0: return STATS_MAKING;
    case D3DKMT_STATS_MAGIC: break;
    default: return STATS_NOT_REGION;
    }
    if (size < 16) return STATS_TRUNCATED;
    if (version) *version = load32(base, offsetof(struct d3dkmt_stats_region, version));
    if (load32(base, offsetof(struct d3dkmt_stats_region, version)) != D3DKMT_STATS_VERSION) return STATS_OTHER_VERSION;
    if (size < HEADER_BYTES) return STATS_TRUNCATED;
    if (load64(base, offsetof(struct d3dkmt_stats_region, size)) > size) return STATS_TRUNCATED;
    if (size < sizeof(*out)) return STATS_TRUNCATED;
    if (load32(base, offsetof(struct d3dkmt_stats_region, header_size)) != HEADER_BYTES
            || load64(base, offsetof(struct d3dkmt_stats_region, size)) != sizeof(*out)
            || load32(base, offsetof(struct d3dkmt_stats_region, adapter_slots)) != D3DKMT_STATS_ADAPTERS
            || load32(base, offsetof(struct d3dkmt_stats_region, device_slots)) != D3DKMT_STATS_DEVICES
            || load32(base, offsetof(struct d3dkmt_stats_region, adapter_size)) != sizeof(out->adapters[0])
            || load32(base, offsetof(struct d3dkmt_stats_region, device_size)) != sizeof(out->devices[0]))
        return STATS_BAD_LAYOUT;
    words = sizeof(*out) / sizeof(uint64_t);
    for (i = 0; i < words; i++) dst[i] = __atomic_load_n((const uint64_t *)base + i, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    for (i = 0; i < D3DKMT_STATS_DEVICES; i++)
    {
        uint32_t gen = __atomic_load_n(&r->devices[i].generation, __ATOMIC_RELAXED);
        bool changed = gen != out->devices[i].generation || (gen & 1);
        if (torn) torn[i] = changed;
        /* A slot in the middle of changing hands is no device's. */
        if (changed) out->devices[i].state = D3DKMT_STATS_DEVICE_FREE;
    }
    if (out->adapter_count > D3DKMT_STATS_ADAPTERS) return STATS_BAD_LAYOUT;
    out->program[sizeof(out->program) - 1] = 0;
    out->command[sizeof(out->command) - 1] = 0;
    for (i = 0; i < D3DKMT_STATS_ADAPTERS; i++) out->adapters[i].name[sizeof(out->adapters[i].name) - 1] = 0;
    return STATS_OK;
}

/* The copy runs under a SIGBUS guard: the file may be truncated under the mapping. */
static sigjmp_buf bus_jump;
static volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
    if (bus_armed) siglongjmp(bus_jump, 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

static enum stats_status guarded_copy(const void *base, uint64_t size, struct stats_entry *entry)
{
    struct sigaction sa, old;
    enum stats_status status;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigbus;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &old);
    if (sigsetjmp(bus_jump, 1))
    {
        bus_armed = 0;
        sigaction(SIGBUS, &old, NULL);
        return STATS_TRUNCATED;
    }
    bus_armed = 1;
    status = stats_copy(base, size, &entry->region, entry->torn, &entry->version);
    bus_armed = 0;
    sigaction(SIGBUS, &old, NULL);
    return status;
}

static bool parse_name(const char *name, unsigned int *uid, unsigned int *pid)
{
    const size_t prefix = sizeof(D3DKMT_STATS_NAME_PREFIX) - 1;
    char tail[2];

    if (strncmp(name, D3DKMT_STATS_NAME_PREFIX, prefix)) return false;
    return sscanf(name + prefix, "%u-%u%1s", uid, pid, tail) == 2 && *pid;
}

bool stats_read(const char *dir, const char *name, bool remove_stale, struct stats_entry *entry)
{
    char path[512];
    struct stat st;
    uint64_t start_time;
    bool held, visible;
    void *map;
    int fd;

    memset(entry, 0, sizeof(*entry));
    if (!parse_name(name, &entry->uid, &entry->pid) || strlen(name) >= sizeof(entry->name)) return false;
    snprintf(entry->name, sizeof(entry->name), "%s", name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0)
    {
        entry->error = errno;
        entry->status = errno == ENOENT ? STATS_GONE : STATS_UNREADABLE;
        return true;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode))
    {
        entry->error = errno ? errno : EINVAL;
        entry->status = STATS_UNREADABLE;
        close(fd);
        return true;
    }
    entry->file_size = st.st_size;
    visible = stats_process_start_time(entry->pid, &start_time);
    /* The writer holds a shared lock while it lives. */
    held = flock(fd, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK;
    if (!held) flock(fd, LOCK_UN);
    if (!held)
    {
        /* Unheld: stale, except a region its (live) process just created and is about to lock. */
        if (visible && !st.st_size) entry->status = STATS_MAKING;
        else if (remove_stale && !unlink(path)) entry->status = STATS_STALE;
        else entry->status = STATS_STALE_KEPT;
        close(fd);
        return true;
    }
    if (!st.st_size)
    {
        entry->status = STATS_MAKING;
        close(fd);
        return true;
    }
    if ((map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED)
    {
        entry->error = errno;
        entry->status = STATS_UNREADABLE;
        close(fd);
        return true;
    }
    close(fd);
    entry->status = guarded_copy(map, st.st_size, entry);
    munmap(map, st.st_size);
    if (entry->status == STATS_OK)
    {
        if (entry->region.pid != entry->pid || entry->region.uid != entry->uid) entry->status = STATS_BAD_LAYOUT;
        /* Held by a live writer: a pid that is no process here, or another process, is a pid
         * namespace apart (never removed: its writer lives). */
        else entry->other_namespace = !visible || start_time != entry->region.start_time;
    }
    return true;
}

static int cmp_entry(const void *a, const void *b)
{
    const struct stats_entry *x = a, *y = b;
    return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int stats_scan(const char *dir, unsigned int uid, bool remove_stale, struct stats_entry **entries, size_t *count)
{
    struct stats_entry *list = NULL, *grown;
    size_t n = 0, capacity = 0;
    struct dirent *de;
    unsigned int u, p;
    DIR *d;

    *entries = NULL;
    *count = 0;
    if (!(d = opendir(dir))) return -1;
    while ((de = readdir(d)))
    {
        if (!parse_name(de->d_name, &u, &p) || u != uid) continue;
        if (n == capacity)
        {
            capacity = capacity ? 2 * capacity : 8;
            if (!(grown = realloc(list, capacity * sizeof(*list))))
            {
                free(list);
                closedir(d);
                errno = ENOMEM;
                return -1;
            }
            list = grown;
        }
        if (stats_read(dir, de->d_name, remove_stale, &list[n]) && list[n].status != STATS_GONE) n++;
    }
    closedir(d);
    if (n) qsort(list, n, sizeof(*list), cmp_entry);
    *entries = list;
    *count = n;
    if (!n) free(list), *entries = NULL;
    return 0;
}

const char *stats_problem(const struct stats_entry *e, char *buf, size_t size)
{
    switch (e->status)
    {
    case STATS_OK: snprintf(buf, size, "pid %u: readable", e->pid); break;
    case STATS_MAKING: snprintf(buf, size, "pid %u: the region is still being made", e->pid); break;
    case STATS_STALE:
        snprintf(buf, size, "pid %u: the process is gone (its pid may be another process's now): removed stale %s",
                 e->pid, e->name);
        break;
    case STATS_STALE_KEPT:
        snprintf(buf, size, "pid %u: the process is gone; its stale region %s was left in place", e->pid, e->name);
        break;
    case STATS_TRUNCATED:
        snprintf(buf, size, "pid %u: %s is truncated (%llu bytes; a version %u region has %zu)", e->pid, e->name,
                 (unsigned long long)e->file_size, D3DKMT_STATS_VERSION, sizeof(struct d3dkmt_stats_region));
        break;
    case STATS_NOT_REGION:
        snprintf(buf, size, "pid %u: %s is not a d3dkmt statistics region (wrong magic)", e->pid, e->name);
        break;
    case STATS_OTHER_VERSION:
        snprintf(buf, size, "pid %u: %s is a version %u region; this d3dkmt-top reads version %u "
                 "(the process uses another libd3dkmt: use its d3dkmt-top)", e->pid, e->name, e->version,
                 D3DKMT_STATS_VERSION);
        break;
    case STATS_BAD_LAYOUT:
        snprintf(buf, size, "pid %u: %s has a version %u header whose sizes, counts or pid are not a version %u "
                 "region's: corrupt", e->pid, e->name, D3DKMT_STATS_VERSION, D3DKMT_STATS_VERSION);
        break;
    case STATS_UNREADABLE:
        snprintf(buf, size, "pid %u: %s cannot be read: %s", e->pid, e->name, strerror(e->error));
        break;
    case STATS_GONE: snprintf(buf, size, "pid %u: %s went away while being read", e->pid, e->name); break;
    }
    return buf;
}
