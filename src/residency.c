/*
 * residency.c: the residency entry points.  D3DKMTOfferAllocations, D3DKMTReclaimAllocations(2),
 * D3DKMTMakeResident, D3DKMTEvict, D3DKMTSetAllocationPriority, D3DKMTGetAllocationPriority,
 * D3DKMTEscape (the statistics request) and d3dkmt_host_query_statistics.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * The policy, in VidMm's terms: an offer lowers an allocation's priority and makes its memory
 * trimmable once the GPU work submitted before it completed; the budget manager (vidmm.c) discards
 * offered memory under pressure; a reclaim takes the allocation back, rebinding new memory when it
 * was discarded (DISCARDED) or leaving it without memory when it was offered with AllowDecommit
 * (NOT_COMMITTED).  MakeResident / Evict count residency references and move priorities.
 *
 * All state here is under device->lock.  Entry points validate every handle and value first,
 * then change state under one hold of device->lock, so a bad entry anywhere changes nothing.
 *
 * Layer 9 (src/d3dkmt_private.h): calls vidmm.c, fence.c (paging queues), device.c, tracker.c and
 * handle.c; never the other entry-point files (allocation.c, sync.c).
 */
#include "d3dkmt_private.h"

#include <stdlib.h>
#include <string.h>

/* ---- Offer ---- */

struct offer_batch
{
    UINT count;
    struct d3dkmt_allocation **allocs;
    uint8_t *epochs;
};

static void offer_deferred(struct d3dkmt_device *device, void *ctx, bool cancelled)
{
    struct offer_batch *batch = ctx;
    UINT i;

    pthread_mutex_lock(&device->lock);
    for (i = 0; i < batch->count; i++)
    {
        struct d3dkmt_allocation *a = batch->allocs[i];
        /* Reclaimed, destroyed or offered again since: this offer is void. */
        if ((a->flags & (D3DKMT_ALLOC_OFFER_PENDING | D3DKMT_ALLOC_DESTROYED)) != D3DKMT_ALLOC_OFFER_PENDING
                || a->offer_epoch != batch->epochs[i])
            continue;
        d3dkmt_vidmm_offer_take_effect_locked(device, a);
    }
    d3dkmt_vidmm_trim_locked(device, 0);
    pthread_mutex_unlock(&device->lock);
    d3dkmt_allocation_put_list(batch->allocs, batch->count);
    free(batch->epochs);
    free(batch);
}

/* The offer priority (LOW, NORMAL or HIGH) an offer at `priority` gives a: AUTO follows the
 * allocation's own D3DDDI priority. */
static D3DKMT_OFFER_PRIORITY offer_priority_for(const struct d3dkmt_allocation *a, D3DKMT_OFFER_PRIORITY priority)
{
    if (priority != D3DKMT_OFFER_PRIORITY_AUTO) return priority;
    if (a->d3d_priority >= D3DDDI_ALLOCATIONPRIORITY_HIGH) return D3DKMT_OFFER_PRIORITY_HIGH;
    if (a->d3d_priority >= D3DDDI_ALLOCATIONPRIORITY_NORMAL) return D3DKMT_OFFER_PRIORITY_NORMAL;
    return D3DKMT_OFFER_PRIORITY_LOW;
}

/***********************************************************************
 *           D3DKMTOfferAllocations
 *
 * desc->hDevice: a device.  Exactly one of desc->pResources (resource handles) and
 * desc->HandleList (allocation handles) is non-NULL, with desc->NumAllocations entries, 1 to
 * 10240, all of that device.  desc->Priority: LOW, NORMAL, HIGH or AUTO (from each allocation's
 * own priority: HIGH and above -> HIGH, NORMAL and above -> NORMAL, else LOW).  desc->Flags:
 * AllowDecommit lets the memory go for good (a later reclaim reports NOT_COMMITTED if it was
 * released); OfferImmediately puts the offer in effect now even when earlier GPU work is pending
 * (the caller asserts that work does not use the allocations).  Reserved bits must be 0.
 * Effect: the allocations are offered at once (a reclaim may follow immediately); the offer takes
 * effect (priority drops to the class's offer level, the memory becomes releasable) once the GPU
 * work submitted to the device before the call completed: now when there is none, else from the
 * fence tracker.  The call never blocks.  Offering an offered allocation re-offers it with the
 * new class and flags (docs/decisions/offer-reclaim.md).  A locked allocation cannot be offered.
 * All or nothing: a bad entry anywhere changes nothing.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, both or neither array, count 0 or
 * above 10240, bad priority or flags, a bad, stale, foreign or locked handle); STATUS_NO_MEMORY;
 * STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtofferallocations, pfnd3dddi_offerallocationscb and
 * display/offer-and-reclaim-changes; docs/decisions/offer-reclaim.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTOfferAllocations(const D3DKMT_OFFERALLOCATIONS *desc)
{
    struct offer_batch *batch = NULL;
    struct d3dkmt_resolved r;
    struct d3dkmt_device *device;
    bool defer_needed;
    NTSTATUS status;
    UINT i;

    if (!desc || !desc->pResources == !desc->HandleList) return STATUS_INVALID_PARAMETER;
    if (!desc->NumAllocations || desc->NumAllocations > D3DKMT_MAX_RESIDENCY_LIST) return STATUS_INVALID_PARAMETER;
    if (desc->Priority < D3DKMT_OFFER_PRIORITY_LOW || desc->Priority > D3DKMT_OFFER_PRIORITY_AUTO)
        return STATUS_INVALID_PARAMETER;
    if (desc->Flags.Reserved) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_device_status(device))) goto done;
    d3dkmt_tracker_poll(device);
    defer_needed = !desc->Flags.OfferImmediately && !d3dkmt_tracker_idle(device, D3DKMT_WAIT_WORK);

    pthread_mutex_lock(&device->lock);
    /* A locked allocation cannot be offered (docs/decisions/offer-reclaim.md). */
    if ((status = d3dkmt_vidmm_resolve_locked(device, desc->pResources ? desc->pResources : desc->HandleList,
                                                   desc->NumAllocations, !!desc->pResources, D3DKMT_ALLOC_LOCKED, &r)))
        goto unlock;
    if (defer_needed)
    {
        /* The deferred half needs the allocations after this call: it holds references. */
        status = STATUS_NO_MEMORY;
        if (!(batch = calloc(1, sizeof(*batch)))
                || !(batch->epochs = malloc(r.count ? r.count : 1))
                || !(batch->allocs = malloc((r.count ? r.count : 1) * sizeof(*batch->allocs))))
            goto unlock_free;
    }
    for (i = 0; i < r.count; i++)
    {
        struct d3dkmt_allocation *a = r.allocs[i];

        d3dkmt_list_unlink(&a->offer_link);
        a->flags |= D3DKMT_ALLOC_OFFERED;
        /* A decommitted allocation stays decommitted: its backing store is gone for good. */
        if (!(a->flags & D3DKMT_ALLOC_DISCARDED)) a->flags &= ~D3DKMT_ALLOC_ALLOW_DECOMMIT;
        if (desc->Flags.AllowDecommit) a->flags |= D3DKMT_ALLOC_ALLOW_DECOMMIT;
        a->offer_priority = offer_priority_for(a, desc->Priority);
        a->offer_epoch++;   /* voids an older deferred offer of this allocation */
        if (defer_needed)
        {
            a->flags |= D3DKMT_ALLOC_OFFER_PENDING;
            /* Not kept when its last reference went meanwhile (a racing DestroyDevice). */
            if (d3dkmt_object_get_unless_zero(&a->obj))
            {
                batch->allocs[batch->count] = a;
                batch->epochs[batch->count++] = a->offer_epoch;
            }
        }
        else d3dkmt_vidmm_offer_take_effect_locked(device, a);
    }
    device->stats.Offers += r.count;
    if (!defer_needed) d3dkmt_vidmm_trim_locked(device, 0);
    status = STATUS_SUCCESS;
unlock_free:
    d3dkmt_resolved_free(&r);
unlock:
    pthread_mutex_unlock(&device->lock);

    if (!status && batch && d3dkmt_tracker_defer(device, D3DKMT_WAIT_WORK, offer_deferred, batch))
    {
        /* No memory to queue it: the offer stays pending until reclaimed (never released early). */
        d3dkmt_allocation_put_list(batch->allocs, batch->count);
        free(batch->epochs);
        free(batch);
    }
    else if (status && batch)
    {
        free(batch->allocs);
        free(batch->epochs);
        free(batch);
    }
done:
    d3dkmt_device_put(device);
    return status;
}

/* ---- Reclaim ---- */

/* Outputs of a reclaim: the caller's pResults or pDiscarded (either may be NULL), one per input. */
struct reclaim_out
{
    D3DDDI_RECLAIM_RESULT *results;
    BOOL *discarded;
    UINT inputs;
};

static void reclaim_report(struct reclaim_out *out, UINT input, D3DDDI_RECLAIM_RESULT r)
{
    if (out->results) { if (r > out->results[input]) out->results[input] = r; }
    else if (out->discarded && r != D3DDDI_RECLAIM_RESULT_OK) out->discarded[input] = TRUE;
}

/* Whether a reclaim must bind new memory to a: it is offered and was discarded, and not offered
 * with AllowDecommit (that one stays without memory). */
static inline bool needs_recommit(const struct d3dkmt_allocation *a)
{
    return (a->flags & (D3DKMT_ALLOC_OFFERED | D3DKMT_ALLOC_DISCARDED | D3DKMT_ALLOC_ALLOW_DECOMMIT))
        == (D3DKMT_ALLOC_OFFERED | D3DKMT_ALLOC_DISCARDED);
}

/* Phase 1 of a reclaim: memory for every discarded allocation that comes back (fresh[i], zeroed by
 * the caller), or nothing changes.  The batch's own offered members leave the trim order first, so
 * that trimming for one member can never discard another; the room is made for the running total.
 * On failure every allocation is back in the trim order and no memory is kept. */
static NTSTATUS reclaim_reserve_locked(struct d3dkmt_device *device, struct d3dkmt_resolved *r, VkDeviceMemory *fresh)
{
    NTSTATUS status = STATUS_SUCCESS;
    uint64_t needed = 0;
    UINT i;

    for (i = 0; i < r->count; i++) d3dkmt_list_unlink(&r->allocs[i]->offer_link);
    for (i = 0; i < r->count; i++)
    {
        struct d3dkmt_allocation *a = r->allocs[i];
        if (!needs_recommit(a) || fresh[i]) continue;
        needed += a->size;
        d3dkmt_vidmm_trim_locked(device, needed);
        if ((status = d3dkmt_vidmm_allocate_memory_locked(device, a, &fresh[i]))) break;
    }
    if (!status) return STATUS_SUCCESS;
    for (i = 0; i < r->count; i++)
    {
        struct d3dkmt_allocation *a = r->allocs[i];
        if (fresh[i]) d3dkmt_vidmm_drop_unbound_locked(device, fresh[i]);
        fresh[i] = VK_NULL_HANDLE;
        /* Back into the trim order (at the end: the oldest offers stay first). */
        if ((a->flags & (D3DKMT_ALLOC_OFFERED | D3DKMT_ALLOC_OFFER_PENDING | D3DKMT_ALLOC_DISCARDED))
                == D3DKMT_ALLOC_OFFERED && d3dkmt_list_empty(&a->offer_link))
            d3dkmt_list_add_tail(&device->offered[a->offer_priority - D3DKMT_OFFER_PRIORITY_LOW], &a->offer_link);
    }
    return status;
}

/* Phase 2 of a reclaim, for one allocation: takes it back (binding *fresh where it was discarded;
 * *fresh is consumed) and returns its result; *fence_value rises to the paging fence value of its
 * rebind.  Nothing fails here: a bind the queue refuses (device lost) loses the content for good. */
static D3DDDI_RECLAIM_RESULT reclaim_one_locked(struct d3dkmt_device *device, struct d3dkmt_paging_queue *queue,
                                                struct d3dkmt_allocation *a, VkDeviceMemory *fresh,
                                                uint64_t *fence_value)
{
    D3DDDI_RECLAIM_RESULT result = D3DDDI_RECLAIM_RESULT_OK;
    uint64_t value = 0;

    if (a->flags & D3DKMT_ALLOC_DISCARDED && a->flags & D3DKMT_ALLOC_ALLOW_DECOMMIT)
    {
        /* Stays without memory: destroy it. */
        if (a->flags & D3DKMT_ALLOC_OFFERED) device->stats.ReclaimsNotCommitted++;
        a->flags &= ~(D3DKMT_ALLOC_OFFERED | D3DKMT_ALLOC_OFFER_PENDING);
        return D3DDDI_RECLAIM_RESULT_NOT_COMMITTED;
    }
    /* Never offered (or already reclaimed): OK, nothing changes. */
    if (!(a->flags & D3DKMT_ALLOC_OFFERED)) return D3DDDI_RECLAIM_RESULT_OK;

    d3dkmt_list_unlink(&a->offer_link);
    if (!(a->flags & D3DKMT_ALLOC_DISCARDED)) device->stats.ReclaimsOk++;
    else if (d3dkmt_vidmm_bind_memory_locked(device, a, *fresh, queue, &value))
    {
        /* The queue refused the bind (device lost): the content is gone for good. */
        *fresh = VK_NULL_HANDLE;
        device->stats.ReclaimsNotCommitted++;
        a->flags |= D3DKMT_ALLOC_ALLOW_DECOMMIT;
        a->flags &= ~(D3DKMT_ALLOC_OFFERED | D3DKMT_ALLOC_OFFER_PENDING);
        return D3DDDI_RECLAIM_RESULT_NOT_COMMITTED;
    }
    else
    {
        *fresh = VK_NULL_HANDLE;
        a->flags &= ~D3DKMT_ALLOC_DISCARDED;
        result = D3DDDI_RECLAIM_RESULT_DISCARDED;
        device->stats.ReclaimsDiscarded++;
        if (value > *fence_value) *fence_value = value;
    }
    a->flags &= ~(D3DKMT_ALLOC_OFFERED | D3DKMT_ALLOC_OFFER_PENDING | D3DKMT_ALLOC_ALLOW_DECOMMIT);
    d3dkmt_vidmm_priority_changed_locked(device, a);
    return result;
}

/* Reclaims the resolved allocations (device->lock held) and writes the worst result per input
 * entry; *fence_value receives the paging fence value of the last rebind (0 when none).  All or
 * nothing: on failure nothing changed and nothing was written. */
static NTSTATUS reclaim_locked(struct d3dkmt_device *device, struct d3dkmt_paging_queue *queue,
                               struct d3dkmt_resolved *r, struct reclaim_out *out, uint64_t *fence_value)
{
    VkDeviceMemory inline_fresh[D3DKMT_RESOLVE_INLINE], *fresh = inline_fresh;
    NTSTATUS status;
    bool recommit = false;
    UINT i;

    *fence_value = 0;
    if (r->flags_or & D3DKMT_ALLOC_DISCARDED)
        for (i = 0; i < r->count && !recommit; i++) recommit = needs_recommit(r->allocs[i]);
    if (recommit)
    {
        if (r->count > D3DKMT_RESOLVE_INLINE) { if (!(fresh = calloc(r->count, sizeof(*fresh)))) return STATUS_NO_MEMORY; }
        else memset(inline_fresh, 0, r->count * sizeof(*fresh));
        if ((status = reclaim_reserve_locked(device, r, fresh)))
        {
            if (fresh != inline_fresh) free(fresh);
            return status;
        }
    }

    /* Phase 2: apply and report; nothing fails from here on. */
    if (out->results) memset(out->results, 0, out->inputs * sizeof(*out->results));
    if (out->discarded) memset(out->discarded, 0, out->inputs * sizeof(*out->discarded));
    for (i = 0; i < r->count; i++)
    {
        VkDeviceMemory none = VK_NULL_HANDLE;
        D3DDDI_RECLAIM_RESULT result = reclaim_one_locked(device, queue, r->allocs[i], recommit ? &fresh[i] : &none,
                                                          fence_value);
        reclaim_report(out, r->group ? r->group[i] : i, result);
    }
    if (recommit)
    {
        /* An allocation listed twice got memory twice; the second copy was not needed. */
        for (i = 0; i < r->count; i++) if (fresh[i]) d3dkmt_vidmm_drop_unbound_locked(device, fresh[i]);
        if (fresh != inline_fresh) free(fresh);
    }
    return STATUS_SUCCESS;
}

/* Common validation and output of both reclaim forms; *fence_out (optional) receives the paging
 * fence value to wait for, *pending whether a rebind was queued. */
static NTSTATUS reclaim_common(struct d3dkmt_device *device, struct d3dkmt_paging_queue *queue,
                               D3DKMT_HANDLE *resources, const D3DKMT_HANDLE *list, UINT count,
                               struct reclaim_out *out, UINT64 *fence_out)
{
    struct d3dkmt_resolved r;
    uint64_t fence_value = 0;
    NTSTATUS status;

    if ((status = d3dkmt_device_status(device))) return status;
    d3dkmt_tracker_poll(device);
    out->inputs = count;
    pthread_mutex_lock(&device->lock);
    if (!(status = d3dkmt_vidmm_resolve_locked(device, resources ? resources : list, count, !!resources, 0, &r)))
    {
        status = reclaim_locked(device, queue, &r, out, &fence_value);
        d3dkmt_resolved_free(&r);
    }
    pthread_mutex_unlock(&device->lock);
    if (status) return status;
    if (fence_out) *fence_out = fence_value ? fence_value : queue ? d3dkmt_paging_queue_completed(device, queue) : 0;
    return fence_value && queue ? STATUS_PENDING : STATUS_SUCCESS;
}

/***********************************************************************
 *           D3DKMTReclaimAllocations
 *
 * desc->hDevice: a device.  Exactly one of desc->pResources / desc->HandleList, with
 * desc->NumAllocations entries (1 to 10240) of that device.  desc->pDiscarded: optional,
 * NumAllocations BOOLs, TRUE where the content was lost (the memory had been released: new memory
 * is bound, content undefined; or it was decommitted and stays without memory).  A resource
 * reports the worst of its allocations.  The priority of each allocation is restored.
 * Reclaiming an allocation that is not offered reports FALSE and changes nothing.  GPU work
 * submitted through d3dkmt_host_submit after the call waits for any rebind; the CPU may lock the
 * allocations as soon as the call returns.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, both or neither array, bad count,
 * a bad, stale or foreign handle: nothing changes); STATUS_NO_MEMORY or
 * STATUS_GRAPHICS_NO_VIDEO_MEMORY (no memory for a released allocation: nothing changes);
 * STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nc-d3dkmthk-pfnd3dkmt_reclaimallocations; docs/decisions/offer-reclaim.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTReclaimAllocations(D3DKMT_RECLAIMALLOCATIONS *desc)
{
    struct d3dkmt_device *device;
    NTSTATUS status;

    if (!desc || !desc->pResources == !desc->HandleList) return STATUS_INVALID_PARAMETER;
    if (!desc->NumAllocations || desc->NumAllocations > D3DKMT_MAX_RESIDENCY_LIST) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    {
        struct reclaim_out out = { .discarded = desc->pDiscarded };
        status = reclaim_common(device, NULL, desc->pResources, desc->HandleList, desc->NumAllocations, &out, NULL);
    }
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTReclaimAllocations2
 *
 * desc->hPagingQueue: a paging queue; its device owns the allocations.  Exactly one of
 * desc->pResources / desc->HandleList with desc->NumAllocations entries (1 to 10240).
 * desc->pResults (the union with pDiscarded; this library always writes D3DDDI_RECLAIM_RESULT
 * values, so pass pResults; a NULL pointer means the caller assumes all lost): per entry OK
 * (content intact), DISCARDED (the memory had been released; new memory was bound through a sparse
 * bind on the paging queue, content undefined), NOT_COMMITTED (offered with AllowDecommit and
 * released: no memory; destroy it).  A resource reports the worst of its allocations.
 * desc->PagingFenceValue: out, the paging queue fence value after which the GPU may use the
 * allocations.  CPU access (Lock2) is valid as soon as the call returns.
 * Returns STATUS_SUCCESS (nothing to wait for; PagingFenceValue already reached); STATUS_PENDING
 * (a rebind is queued: wait for PagingFenceValue); STATUS_INVALID_PARAMETER (desc NULL, both or
 * neither array, bad count, bad paging queue, a bad, stale or foreign handle: nothing changes);
 * STATUS_NO_MEMORY / STATUS_GRAPHICS_NO_VIDEO_MEMORY (nothing changes); STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtreclaimallocations2 and ns-d3dkmthk-_d3dkmt_reclaimallocations2;
 * docs/decisions/offer-reclaim.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTReclaimAllocations2(D3DKMT_RECLAIMALLOCATIONS2 *desc)
{
    struct d3dkmt_paging_queue *queue;
    struct d3dkmt_device *device;
    UINT64 fence = 0;
    NTSTATUS status;

    if (!desc || !desc->pResources == !desc->HandleList) return STATUS_INVALID_PARAMETER;
    if (!desc->NumAllocations || desc->NumAllocations > D3DKMT_MAX_RESIDENCY_LIST) return STATUS_INVALID_PARAMETER;
    if (!(queue = d3dkmt_paging_queue_get(desc->hPagingQueue, NULL))) return STATUS_INVALID_PARAMETER;
    device = queue->obj.device;
    {
        struct reclaim_out out = { .results = desc->pResults };
        status = reclaim_common(device, queue, desc->pResources, desc->HandleList, desc->NumAllocations, &out, &fence);
    }
    if (status == STATUS_SUCCESS || status == STATUS_PENDING) desc->PagingFenceValue = fence;
    d3dkmt_object_put(&queue->obj);
    return status;
}

/* ---- MakeResident / Evict ---- */

/***********************************************************************
 *           D3DKMTMakeResident
 *
 * desc->hPagingQueue: a paging queue.  desc->AllocationList: desc->NumAllocations (1 to 10240)
 * allocations of its device.  desc->PriorityList: optional, a D3DDDI_ALLOCATIONPRIORITY_* per
 * allocation, applied.  desc->Flags: MustSucceed (succeed even over budget); CantTrimFurther
 * (accepted, no effect).  Residency is reference counted as in D3D12: each call adds one per
 * allocation (created allocations start at one); an allocation whose count rises from 0 gets its
 * priority back.  Over budget (after releasing offered memory) without MustSucceed the call fails
 * with STATUS_NO_MEMORY, NumBytesToTrim says by how much, and nothing changes.  Memory is never
 * paged out by this library (Vulkan keeps it; pageable memory lets the driver move it by
 * priority), so nothing is paged in: PagingFenceValue is the queue's completed value.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, bad queue, count, list, a bad,
 * offered or stale handle, a priority of 0, a count that would overflow 65535); STATUS_NO_MEMORY;
 * STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtmakeresident and d3dumddi/nc-d3dumddi-pfnd3dddi_makeresidentcb;
 * docs/decisions/residency.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTMakeResident(D3DDDI_MAKERESIDENT *desc)
{
    struct d3dkmt_paging_queue *queue;
    struct d3dkmt_device *device;
    struct d3dkmt_resolved r;
    uint64_t missing;
    NTSTATUS status;
    UINT i;

    if (!desc || !desc->AllocationList) return STATUS_INVALID_PARAMETER;
    if (!desc->NumAllocations || desc->NumAllocations > D3DKMT_MAX_RESIDENCY_LIST) return STATUS_INVALID_PARAMETER;
    if (desc->Flags.Reserved) return STATUS_INVALID_PARAMETER;
    if (desc->PriorityList)
        for (i = 0; i < desc->NumAllocations; i++) if (!desc->PriorityList[i]) return STATUS_INVALID_PARAMETER;
    if (!(queue = d3dkmt_paging_queue_get(desc->hPagingQueue, NULL))) return STATUS_INVALID_PARAMETER;
    device = queue->obj.device;
    if ((status = d3dkmt_device_status(device))) goto done;
    d3dkmt_tracker_poll(device);

    pthread_mutex_lock(&device->lock);
    /* An offered allocation must be reclaimed first. */
    if ((status = d3dkmt_vidmm_resolve_locked(device, desc->AllocationList, desc->NumAllocations, false,
                                                   D3DKMT_ALLOC_OFFERED, &r)))
        goto unlock;
    status = STATUS_INVALID_PARAMETER;
    for (i = 0; i < r.count; i++)
        if (r.allocs[i]->residency_count == UINT16_MAX || !r.allocs[i]->memory) goto unlock_free;
    missing = d3dkmt_vidmm_trim_locked(device, 0);
    if (missing && !desc->Flags.MustSucceed)
    {
        desc->NumBytesToTrim = missing;
        status = STATUS_NO_MEMORY;
        goto unlock_free;
    }
    for (i = 0; i < r.count; i++)
    {
        struct d3dkmt_allocation *a = r.allocs[i];
        a->residency_count++;
        if (desc->PriorityList) a->d3d_priority = desc->PriorityList[i];
        d3dkmt_vidmm_priority_changed_locked(device, a);
    }
    desc->NumBytesToTrim = 0;
    status = STATUS_SUCCESS;
unlock_free:
    d3dkmt_resolved_free(&r);
unlock:
    pthread_mutex_unlock(&device->lock);
    if (!status) desc->PagingFenceValue = d3dkmt_paging_queue_completed(device, queue);
done:
    d3dkmt_object_put(&queue->obj);
    return status;
}

/***********************************************************************
 *           D3DKMTEvict
 *
 * desc->hDevice: a device.  desc->AllocationList: desc->NumAllocations (1 to 10240) allocations
 * of it, each resident (count above 0).  Drops one residency reference per allocation; at zero the
 * allocation's priority falls to the evicted level (below every resident allocation, above every
 * offered one).  desc->Flags: EvictOnlyIfNecessary and NotWrittenTo are accepted and change
 * nothing here.  desc->NumBytesToTrim: out, 0.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, bad device, count, list, a bad,
 * stale or not resident handle: nothing changes); STATUS_NO_MEMORY; STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtevict; docs/decisions/residency.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTEvict(D3DKMT_EVICT *desc)
{
    struct d3dkmt_device *device;
    struct d3dkmt_resolved r;
    NTSTATUS status;
    UINT i;

    if (!desc || !desc->AllocationList) return STATUS_INVALID_PARAMETER;
    if (!desc->NumAllocations || desc->NumAllocations > D3DKMT_MAX_RESIDENCY_LIST) return STATUS_INVALID_PARAMETER;
    if (desc->Flags.Reserved) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_device_status(device))) goto done;
    d3dkmt_tracker_poll(device);

    pthread_mutex_lock(&device->lock);
    if ((status = d3dkmt_vidmm_resolve_locked(device, desc->AllocationList, desc->NumAllocations, false, 0, &r)))
        goto unlock;
    /* Each entry takes one reference; one that finds none left (repeats in the list count) makes
     * the call fail, and the references taken before it are given back: nothing changes. */
    status = STATUS_SUCCESS;
    for (i = 0; i < r.count && !status; i++)
    {
        if (r.allocs[i]->residency_count) r.allocs[i]->residency_count--;
        else
        {
            status = STATUS_INVALID_PARAMETER;
            while (i--) r.allocs[i]->residency_count++;
            break;
        }
    }
    /* The drop to zero lowers the priority to the evicted level (an offer in effect keeps its lower
     * offer level). */
    for (i = 0; i < r.count && !status; i++)
    {
        struct d3dkmt_allocation *a = r.allocs[i];
        if (!a->residency_count) d3dkmt_vidmm_priority_changed_locked(device, a);
    }
    if (!status) desc->NumBytesToTrim = 0;
    d3dkmt_resolved_free(&r);
unlock:
    pthread_mutex_unlock(&device->lock);
done:
    d3dkmt_device_put(device);
    return status;
}

/* ---- Priorities ---- */

/* Resolves the allocations of a Set/GetAllocationPriority call (device->lock held): hResource
 * (all of its allocations, one priority entry) or the list (one entry each). */
static NTSTATUS priority_targets_locked(struct d3dkmt_device *device, D3DKMT_HANDLE hResource,
                                        const D3DKMT_HANDLE *list, UINT count, struct d3dkmt_resolved *r)
{
    if (hResource && count) return STATUS_INVALID_PARAMETER;
    if (!hResource && (!count || !list || count > D3DKMT_MAX_RESIDENCY_LIST)) return STATUS_INVALID_PARAMETER;
    if (hResource) return d3dkmt_vidmm_resolve_locked(device, &hResource, 1, true, 0, r);
    return d3dkmt_vidmm_resolve_locked(device, list, count, false, 0, r);
}

/***********************************************************************
 *           D3DKMTSetAllocationPriority
 *
 * desc->hDevice: a device.  Either desc->hResource (non-zero, AllocationCount 0: desc->pPriorities
 * holds one priority for all its allocations) or desc->phAllocationList with
 * desc->AllocationCount (1 to 10240) allocations and as many priorities.  Priorities are
 * D3DDDI_ALLOCATIONPRIORITY_* values (any non-zero UINT; mapped to Vulkan by the monotonic table
 * in docs/decisions/priorities.md).  Recorded at once (GetAllocationPriority returns it); where
 * pageable memory is on, the driver gets it from the device's tracker thread within 1 ms
 * (docs/decisions/priorities.md); an offered or evicted allocation keeps its lower level until
 * reclaimed or made resident.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or priorities NULL, both or neither of
 * resource and list, bad count, a bad or stale handle, a priority of 0: nothing changes);
 * STATUS_NO_MEMORY; STATUS_DEVICE_REMOVED.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtsetallocationpriority.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTSetAllocationPriority(const D3DKMT_SETALLOCATIONPRIORITY *desc)
{
    struct d3dkmt_device *device;
    struct d3dkmt_resolved r;
    NTSTATUS status;
    UINT i, entries;

    if (!desc || !desc->pPriorities) return STATUS_INVALID_PARAMETER;
    entries = desc->hResource ? 1 : desc->AllocationCount;
    if (entries > D3DKMT_MAX_RESIDENCY_LIST) return STATUS_INVALID_PARAMETER;
    for (i = 0; i < entries; i++) if (!desc->pPriorities[i]) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    if ((status = d3dkmt_device_status(device))) goto done;
    pthread_mutex_lock(&device->lock);
    if (!(status = priority_targets_locked(device, desc->hResource, desc->phAllocationList, desc->AllocationCount, &r)))
    {
        for (i = 0; i < r.count; i++)
        {
            struct d3dkmt_allocation *a = r.allocs[i];
            a->d3d_priority = desc->pPriorities[desc->hResource ? 0 : i];
            d3dkmt_vidmm_priority_changed_locked(device, a);
        }
        d3dkmt_resolved_free(&r);
    }
    pthread_mutex_unlock(&device->lock);
done:
    d3dkmt_device_put(device);
    return status;
}

/***********************************************************************
 *           D3DKMTGetAllocationPriority
 *
 * As D3DKMTSetAllocationPriority's addressing; desc->pPriorities receives the D3DDDI priority of
 * each allocation (for hResource, that of its first allocation... one entry).
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (as Set); STATUS_NO_MEMORY.
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtgetallocationpriority.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTGetAllocationPriority(const D3DKMT_GETALLOCATIONPRIORITY *desc)
{
    struct d3dkmt_device *device;
    struct d3dkmt_resolved r;
    NTSTATUS status;
    UINT i;

    if (!desc || !desc->pPriorities) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    pthread_mutex_lock(&device->lock);
    if (!(status = priority_targets_locked(device, desc->hResource, desc->phAllocationList, desc->AllocationCount, &r)))
    {
        if (desc->hResource) desc->pPriorities[0] = r.count ? r.allocs[0]->d3d_priority : 0;
        else for (i = 0; i < r.count; i++) desc->pPriorities[i] = r.allocs[i]->d3d_priority;
        d3dkmt_resolved_free(&r);
    }
    pthread_mutex_unlock(&device->lock);
    d3dkmt_device_put(device);
    return status;
}

/* ---- Statistics ---- */

/***********************************************************************
 *           D3DKMTEscape
 *
 * The driver-private requests of libd3dkmt.  desc->Type: D3DKMT_ESCAPE_DRIVERPRIVATE;
 * desc->hDevice: a device; desc->pPrivateDriverData: a D3DKMT_VK_STATISTICS whose Code is
 * D3DKMT_VK_ESCAPE_QUERY_STATISTICS, PrivateDriverDataSize its size; it is filled in.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or data NULL, wrong size or code, bad
 * device); STATUS_NOT_SUPPORTED (another escape type).
 * Follows d3dkmthk/nf-d3dkmthk-d3dkmtescape; docs/private-driver-data.md.
 */
D3DKMT_EXPORT NTSTATUS WINAPI D3DKMTEscape(const D3DKMT_ESCAPE *desc)
{
    struct d3dkmt_device *device;
    D3DKMT_VK_STATISTICS *stats;

    if (!desc || !desc->pPrivateDriverData) return STATUS_INVALID_PARAMETER;
    if (desc->Type != D3DKMT_ESCAPE_DRIVERPRIVATE) return STATUS_NOT_SUPPORTED;
    if (desc->PrivateDriverDataSize != sizeof(D3DKMT_VK_STATISTICS)) return STATUS_INVALID_PARAMETER;
    stats = desc->pPrivateDriverData;
    if (stats->Code != D3DKMT_VK_ESCAPE_QUERY_STATISTICS) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(desc->hDevice))) return STATUS_INVALID_PARAMETER;
    d3dkmt_vidmm_query_statistics(device, stats);
    d3dkmt_device_put(device);
    return STATUS_SUCCESS;
}

D3DKMT_EXPORT NTSTATUS d3dkmt_host_query_statistics(D3DKMT_HANDLE hDevice, D3DKMT_VK_STATISTICS *stats)
{
    struct d3dkmt_device *device;

    if (!stats) return STATUS_INVALID_PARAMETER;
    if (!(device = d3dkmt_device_get(hDevice))) return STATUS_INVALID_HANDLE;
    d3dkmt_vidmm_query_statistics(device, stats);
    d3dkmt_device_put(device);
    return STATUS_SUCCESS;
}
