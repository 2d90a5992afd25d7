/*
 * d3dkmt_host.h: libd3dkmt's host-side API, for code running on the Unix side of a Wine process
 * (DXVK, vkd3d-proton, the d3dkmt.dll Unix side) and for native programs: Vulkan interop,
 * GPU-work tracking, statistics and diagnostics.  Not part of Windows; no D3DKMT names.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Error conventions, true of every function here that returns an NTSTATUS:
 * - A handle argument that names no live object of the kind it expects (unknown, stale, of another
 *   kind or of another device) gives STATUS_INVALID_HANDLE; so does a device that another thread
 *   destroys during the call (docs/decisions/lifetime.md).  The D3DKMT entry points report bad
 *   handles as STATUS_INVALID_PARAMETER, as Windows does; the host API, which Windows does not
 *   have, tells a stale handle from a bad value.
 * - A NULL pointer, or a bad size, count or value, gives STATUS_INVALID_PARAMETER.
 * - A lost device gives STATUS_DEVICE_REMOVED; host memory running out, STATUS_NO_MEMORY.
 * - A D3DKMT descriptor passed through whole (d3dkmt_host_wait_from_cpu) is that entry point's input
 *   and gets exactly that entry point's statuses, STATUS_INVALID_PARAMETER for its handles
 *   included, so that d3dkmt.dll can return them to the application unchanged.
 * - Nothing changes when a call fails.
 */
#ifndef D3DKMT_HOST_H
#define D3DKMT_HOST_H

#include <vulkan/vulkan.h>
#include "d3dkmt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The Vulkan objects behind a D3DKMT device.  All stay owned by the library; they are valid until
 * D3DKMTDestroyDevice.  The queue is shared with the library's own paging operations: submit to
 * it only through d3dkmt_host_submit() or between d3dkmt_host_lock_queue()/unlock_queue(). */
struct d3dkmt_host_device_info
{
    VkInstance instance;
    VkPhysicalDevice physical_device;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family_index;
    uint32_t residency_mode;        /* D3DKMT_HOST_RESIDENCY_* */
    uint32_t memory_priority;       /* 1 when VK_EXT_memory_priority is enabled */
    uint32_t pageable_memory;       /* 1 when VK_EXT_pageable_device_local_memory is enabled */
    uint32_t memory_budget;         /* 1 when VK_EXT_memory_budget is enabled */
    uint32_t sparse_binding;        /* 1 when allocations are fronted by sparse buffers */
    uint32_t buffer_device_address; /* 1 when bufferDeviceAddress is enabled */
    PFN_vkGetDeviceProcAddr get_device_proc_addr;
};

enum
{
    D3DKMT_HOST_RESIDENCY_NONE = 0,        /* no priorities: offers are bookkeeping only */
    D3DKMT_HOST_RESIDENCY_PRIORITY = 1,    /* priority fixed at allocation (VK_EXT_memory_priority) */
    D3DKMT_HOST_RESIDENCY_PAGEABLE = 2,    /* priorities change live (VK_EXT_pageable_device_local_memory) */
};

/* hDevice: a device handle.  info: filled on success.  The device's VkDevice is made now if no
 * earlier call made it (D3DKMTCreateDevice does not: docs/bench.md); so do d3dkmt_host_submit,
 * d3dkmt_host_track_gpu_work, d3dkmt_host_import_memory and d3dkmt_host_lock_queue, which may
 * return the same failures.
 * STATUS_SUCCESS; STATUS_INVALID_PARAMETER (info NULL); STATUS_INVALID_HANDLE; STATUS_NO_MEMORY,
 * STATUS_NOT_SUPPORTED (vkCreateDevice refused, or no usable memory type), STATUS_DEVICE_REMOVED
 * (the VkDevice could not be made). */
NTSTATUS d3dkmt_host_get_device_info(D3DKMT_HANDLE hDevice, struct d3dkmt_host_device_info *info);

/* The Vulkan objects behind an allocation, valid until the allocation is destroyed, offered memory
 * is released, or it is reclaimed (memory may then be new: buffer and device_address stay the same
 * where sparse_binding is on). */
struct d3dkmt_host_allocation_info
{
    VkDeviceMemory memory;          /* VK_NULL_HANDLE while released or decommitted */
    VkBuffer buffer;                /* VK_NULL_HANDLE for imported memory */
    VkDeviceAddress device_address; /* 0 without bufferDeviceAddress */
    VkDeviceSize size;              /* bytes */
    uint32_t memory_type_index;
    uint32_t offered;               /* 1 while offered */
};

/* hDevice: the device; hAllocation: an allocation of it.
 * STATUS_SUCCESS; STATUS_INVALID_PARAMETER (info NULL); STATUS_INVALID_HANDLE. */
NTSTATUS d3dkmt_host_get_allocation_info(D3DKMT_HANDLE hDevice, D3DKMT_HANDLE hAllocation,
                                         struct d3dkmt_host_allocation_info *info);

/* Register VkDeviceMemory that the caller allocated on the device's VkDevice as an allocation, so
 * offers, priorities and residency apply to it.  Ownership passes to the library, which frees it
 * with vkFreeMemory on destroy.  Imported memory is never released by the budget manager (the
 * caller's bindings would dangle): offers change its priority only.  When another thread destroys
 * the device during the call, it returns STATUS_INVALID_HANDLE and the memory was freed with the
 * device.
 * memory: non-null; size: bytes it holds, > 0; memory_type_index: the type it came from.
 * *hAllocation: the new allocation handle.
 * STATUS_SUCCESS; STATUS_INVALID_PARAMETER; STATUS_INVALID_HANDLE; STATUS_NO_MEMORY. */
NTSTATUS d3dkmt_host_import_memory(D3DKMT_HANDLE hDevice, VkDeviceMemory memory, VkDeviceSize size,
                                   uint32_t memory_type_index, D3DKMT_HANDLE *hAllocation);

/* Report GPU work the caller submitted itself: it completes when `semaphore` (a timeline
 * semaphore of the device) reaches `value`.  Deferred offers and frees wait for it.  The
 * semaphore must stay alive until it reached `value` and d3dkmt_host_flush_deferred (or any
 * entry point on the device) saw it, or until the device is destroyed.
 * STATUS_SUCCESS; STATUS_INVALID_PARAMETER (null semaphore); STATUS_INVALID_HANDLE; STATUS_NO_MEMORY. */
NTSTATUS d3dkmt_host_track_gpu_work(D3DKMT_HANDLE hDevice, VkSemaphore semaphore, uint64_t value);

/* Submit command buffers to the device's queue, tracked: the library signals its own timeline
 * with a new value and records it, so deferred operations wait for this work.
 * submit: one VkSubmitInfo2 without a fence; its signal list may hold at most 7 entries (the
 * library adds one).  *tracked_value (optional): the device timeline value that marks completion.
 * STATUS_SUCCESS; STATUS_INVALID_PARAMETER; STATUS_INVALID_HANDLE; STATUS_DEVICE_REMOVED. */
NTSTATUS d3dkmt_host_submit(D3DKMT_HANDLE hDevice, const VkSubmitInfo2 *submit, uint64_t *tracked_value);

/* D3DKMTWaitForSynchronizationObjectFromCpu with a limit: waits up to timeout_ns (UINT64_MAX: no
 * limit; 0: poll) for the fences of desc (hAsyncEvent NULL; a non-NULL one is validated only and
 * answered with STATUS_NOT_SUPPORTED).  The d3dkmt.dll PE side uses it for the hAsyncEvent form.
 * Returns STATUS_SUCCESS (reached); STATUS_TIMEOUT; the D3DKMT wait's other statuses. */
NTSTATUS d3dkmt_host_wait_from_cpu(const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU *desc, uint64_t timeout_ns);

/* CPU notifications (sync objects of type D3DDDI_CPU_NOTIFICATION) whose signal was reached,
 * process wide, oldest first: the host library cannot set a Windows event, so the caller (the
 * d3dkmt.dll PE side, from one thread) drains them and sets each event itself.  Every signal
 * reached gives one entry {event, release 0}; when the object is freed, after its last signal's
 * entry, one entry {event, release 1} says the event is no longer used (the PE side closes its
 * duplicate of it).  A host program that creates CPU notifications must drain them too. */
struct d3dkmt_host_cpu_event
{
    uint64_t event;       /* D3DDDI_SYNCHRONIZATIONOBJECTINFO2.CPUNotification.Event as created */
    uint32_t release;     /* 1: the object is gone, the event no longer used */
    uint32_t in_flight;   /* entries still to come: GPU signals not reached yet, destroyed objects
                           * not freed yet (a caller that polls polls while this is not 0) */
};
/* Waits up to timeout_ns (UINT64_MAX: no limit; 0: poll) for the next entry (in_flight is
 * written on STATUS_TIMEOUT too).  STATUS_SUCCESS; STATUS_TIMEOUT; STATUS_INVALID_PARAMETER
 * (out NULL). */
NTSTATUS d3dkmt_host_next_cpu_event(uint64_t timeout_ns, struct d3dkmt_host_cpu_event *out);

/* The type (D3DDDI_SYNCHRONIZATIONOBJECT_TYPE) of the sync object `hSyncObject` names: a handle
 * from D3DKMTCreateSynchronizationObject(2) or D3DKMTCreatePagingQueue (its fence: a monitored
 * fence), or an opened one from D3DKMTOpenSynchronizationObject (the type of the object it names),
 * of any device.  d3dkmt.dll's wow64 thunks use it to read the value union of
 * D3DKMTSignalSynchronizationObjectFromGpu2 / WaitForSynchronizationObjectFromGpu in the meaning
 * the library will (docs/decisions/wow64.md).
 * STATUS_SUCCESS; STATUS_INVALID_PARAMETER (type NULL); STATUS_INVALID_HANDLE (hSyncObject names no
 * live sync object of the library; *type unchanged). */
NTSTATUS d3dkmt_host_get_sync_object_type(D3DKMT_HANDLE hSyncObject, uint32_t *type);

/* Exclusive use of the device's queue for the caller's own vkQueue* calls (external sync).
 * Unlocking without holding the lock is undefined, as for a mutex.
 * STATUS_SUCCESS; STATUS_INVALID_HANDLE. */
NTSTATUS d3dkmt_host_lock_queue(D3DKMT_HANDLE hDevice);
NTSTATUS d3dkmt_host_unlock_queue(D3DKMT_HANDLE hDevice);

/* Device statistics (the same as the D3DKMTEscape statistics request).
 * STATUS_SUCCESS; STATUS_INVALID_PARAMETER (stats NULL); STATUS_INVALID_HANDLE. */
NTSTATUS d3dkmt_host_query_statistics(D3DKMT_HANDLE hDevice, D3DKMT_VK_STATISTICS *stats);

/* Run pending deferred work whose GPU work completed, and wait up to timeout_ns (0: do not wait)
 * for everything pending on the device to finish.  STATUS_SUCCESS when nothing is pending
 * afterwards, STATUS_TIMEOUT otherwise; STATUS_INVALID_HANDLE. */
NTSTATUS d3dkmt_host_flush_deferred(D3DKMT_HANDLE hDevice, uint64_t timeout_ns);

/* ---- Sharing the process's handle space with another D3DKMT implementation (Wine's gdi32 /
 * win32u).  d3dkmt.dll uses these; docs/decisions/wine-handles.md is the design. ---- */

/* Whether `h` is a value this library's handle table made (Windows' local format with the top bit
 * of the index field set, docs/decisions/handles.md).  Any other nonzero value may have been made
 * by another implementation in the process. */
#define D3DKMT_HOST_OWN_HANDLE(h) (((UINT)(h) & 0xe000003fu) == 0x60000000u)

/* One adapter of the library, as d3dkmt_host_enum_adapters reports it. */
struct d3dkmt_host_adapter_desc
{
    LUID luid;                      /* the adapter's LUID (as set by d3dkmt_host_set_adapter_luid) */
    uint8_t device_uuid[VK_UUID_SIZE]; /* VkPhysicalDeviceIDProperties::deviceUUID */
    uint32_t luid_from_vulkan;      /* 1: the driver reported it (deviceLUIDValid); 0: assigned */
};

/* The library's adapters, in D3DKMTEnumAdapters2's order.  *count: in, entries of `out` (out may
 * be NULL with *count 0); out, the number of adapters.
 * STATUS_SUCCESS; STATUS_BUFFER_TOO_SMALL (*count set, nothing written); STATUS_INVALID_PARAMETER
 * (count NULL); STATUS_NOT_SUPPORTED (no Vulkan 1.3). */
NTSTATUS d3dkmt_host_enum_adapters(struct d3dkmt_host_adapter_desc *out, uint32_t *count);

/* Gives the adapter whose Vulkan device UUID is `uuid` (VK_UUID_SIZE bytes) the LUID `luid`: the
 * one the process's other D3DKMT implementation and Vulkan driver (Wine and winevulkan) report for
 * that GPU, so that a LUID from either opens it.  Takes effect for every later call; handles open
 * already keep working.  Remembered across d3dkmt_host_shutdown.
 * STATUS_SUCCESS; STATUS_INVALID_PARAMETER (uuid NULL, luid zero, or another adapter has that
 * LUID); STATUS_NOT_FOUND (no adapter has that UUID); STATUS_NOT_SUPPORTED (no Vulkan 1.3). */
NTSTATUS d3dkmt_host_set_adapter_luid(const uint8_t *uuid, LUID luid);

/* Kinds for d3dkmt_host_has_handle. */
enum
{
    D3DKMT_HOST_HANDLE_ADAPTER = 1,
    D3DKMT_HOST_HANDLE_DEVICE = 2,
};

/* Whether `h` names a live adapter (kind D3DKMT_HOST_HANDLE_ADAPTER) or device of the library,
 * under any of its names.  1 or 0. */
uint32_t d3dkmt_host_has_handle(D3DKMT_HANDLE h, uint32_t kind);

/* Gives the adapter or device that `own` names (an adapter handle from D3DKMTOpenAdapterFromLuid /
 * EnumAdapters(2), or a device handle from D3DKMTCreateDevice, that the caller has just made and
 * not handed out) the name `foreign`: a handle of the same kind that the process's other D3DKMT
 * implementation made for its own half of the same object.  Afterwards `foreign` names the object
 * in every call of the library, and a destroy through either name ends it.  Where `foreign` is in
 * Windows' local format it replaces `own` (which no longer resolves); otherwise (Wine 8 and 10.0
 * count 1, 2, 3 per kind) `own` keeps resolving too, and `foreign` names the object for the
 * lookups of its kind only.  A library object that held `foreign` already (the other
 * implementation destroyed its half, without the library seeing it, and reused the value) is
 * destroyed first.
 * STATUS_SUCCESS; STATUS_INVALID_PARAMETER (foreign zero or made by this library); STATUS_INVALID_HANDLE
 * (own names no adapter or device); STATUS_NO_MEMORY (`own` then no longer resolves either: the
 * object is gone). */
NTSTATUS d3dkmt_host_share_handle(D3DKMT_HANDLE own, D3DKMT_HANDLE foreign);

/* Number of Vulkan validation messages of severity warning or error seen since the library
 * started (only counted when D3DKMT_VALIDATION is set; see README). */
uint64_t d3dkmt_host_validation_messages(void);

/* Release every object and the Vulkan instance (for leak checkers and tests).  Every handle is
 * invalid afterwards; the next call re-initialises.  Not safe while other threads call in. */
void d3dkmt_host_shutdown(void);

#ifdef __cplusplus
}
#endif

#endif /* D3DKMT_HOST_H */
