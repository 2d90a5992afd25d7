/*
 * cpu_event.c: CPU notifications reached.  A CPU-notification sync object carries a Windows event
 * the Unix side cannot set; when one of its signals is reached (at once from the CPU, or once the
 * GPU reached it), its event goes into this process-wide queue, which d3dkmt.dll's PE side drains
 * (d3dkmt_host_next_cpu_event) and sets; a destroyed object's entry tells it to let go of the
 * event.  docs/decisions/sync-objects.md.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Layer 6 (src/d3dkmt_private.h), beside device.c (neither calls the other): calls handle.c
 * (the holder's last reference).  Its lock is a leaf.
 */
#include "d3dkmt_private.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

static struct
{
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct d3dkmt_list ready;             /* struct d3dkmt_cpu_event, oldest first */
    uint32_t in_flight;                   /* entries to come: GPU signals not reached yet, objects
                                           * destroyed and not freed yet */
} cpu_events = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                 { &cpu_events.ready, &cpu_events.ready }, 0 };

void d3dkmt_cpu_event_push(struct d3dkmt_cpu_event *e, bool landed)
{
    pthread_mutex_lock(&cpu_events.lock);
    d3dkmt_list_add_tail(&cpu_events.ready, &e->link);
    if (landed) cpu_events.in_flight--;
    pthread_cond_broadcast(&cpu_events.cond);
    pthread_mutex_unlock(&cpu_events.lock);
}

void d3dkmt_cpu_event_expect(void)
{
    pthread_mutex_lock(&cpu_events.lock);
    cpu_events.in_flight++;
    pthread_mutex_unlock(&cpu_events.lock);
}

void d3dkmt_cpu_event_forget(void)
{
    pthread_mutex_lock(&cpu_events.lock);
    cpu_events.in_flight--;
    pthread_mutex_unlock(&cpu_events.lock);
}

void d3dkmt_cpu_event_reached(struct d3dkmt_device *device, void *ctx, bool cancelled)
{
    struct d3dkmt_cpu_event *e = ctx;
    struct d3dkmt_object *holder = e->holder;

    e->holder = NULL;
    d3dkmt_cpu_event_push(e, true);
    if (holder) d3dkmt_object_put(holder);
}

NTSTATUS d3dkmt_cpu_event_next(uint64_t timeout_ns, uint64_t *event, bool *release, uint32_t *in_flight)
{
    struct timespec deadline;
    struct d3dkmt_cpu_event *e;
    int ret = 0;

    if (timeout_ns != UINT64_MAX)
    {
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += timeout_ns / 1000000000ull;
        deadline.tv_nsec += timeout_ns % 1000000000ull;
        if (deadline.tv_nsec >= 1000000000) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000; }
    }
    pthread_mutex_lock(&cpu_events.lock);
    while (d3dkmt_list_empty(&cpu_events.ready) && ret != ETIMEDOUT)
    {
        if (timeout_ns == UINT64_MAX) pthread_cond_wait(&cpu_events.cond, &cpu_events.lock);
        else ret = pthread_cond_timedwait(&cpu_events.cond, &cpu_events.lock, &deadline);
    }
    *in_flight = cpu_events.in_flight;
    if (d3dkmt_list_empty(&cpu_events.ready))
    {
        pthread_mutex_unlock(&cpu_events.lock);
        return STATUS_TIMEOUT;
    }
    e = D3DKMT_CONTAINER(cpu_events.ready.next, struct d3dkmt_cpu_event, link);
    d3dkmt_list_remove(&e->link);
    pthread_mutex_unlock(&cpu_events.lock);
    *event = e->event;
    *release = e->release;
    free(e);
    return STATUS_SUCCESS;
}
