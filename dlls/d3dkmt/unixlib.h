/*
 * unixlib.h: the interface between d3dkmt.dll (PE side) and d3dkmt.so (Unix side).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * The split follows Wine's own split DLLs: one params struct per Unix call and an enum that indexes
 * __wine_unix_call_funcs[].  Both halves of the DLL (x86_64 and i386, each with a Unix side of its
 * own under Wine's classic WoW) see the same struct layouts on both sides; in Wine's new WoW64 mode
 * the i386 PE side calls the x86_64 Unix side, whose __wine_unix_call_wow64_funcs[] converts the
 * 32-bit params and descriptors (wow64.h, d3dkmt_wow64.c).  The PE side has already copied every
 * descriptor and array the application passed into memory of its own (see d3dkmt_main.c), so the
 * Unix side never touches application memory it was not handed by the PE side.
 *
 * Debian's libwine-dev has no <wine/unixlib.h>; the few declarations of it that Wine 8 uses are
 * repeated here (libwinecrt0.a provides the PE-side symbols, ntdll the dispatcher).
 */
#ifndef D3DKMT_UNIXLIB_H
#define D3DKMT_UNIXLIB_H

typedef UINT64 d3dkmt_unixlib_handle_t;
typedef NTSTATUS (*d3dkmt_unixlib_entry_t)(void *args);

/* One entry per library entry point: X(Name, descriptor type).  The Unix call unix_<Name> takes a
 * struct <Name>_params and returns the NTSTATUS of D3DKMT<Name>. */
#define D3DKMT_UNIX_CALLS(X) \
    X(EnumAdapters,                      D3DKMT_ENUMADAPTERS) \
    X(EnumAdapters2,                     D3DKMT_ENUMADAPTERS2) \
    X(OpenAdapterFromLuid,               D3DKMT_OPENADAPTERFROMLUID) \
    X(CloseAdapter,                      const D3DKMT_CLOSEADAPTER) \
    X(QueryAdapterInfo,                  const D3DKMT_QUERYADAPTERINFO) \
    X(QueryVideoMemoryInfo,              D3DKMT_QUERYVIDEOMEMORYINFO) \
    X(CreateDevice,                      D3DKMT_CREATEDEVICE) \
    X(DestroyDevice,                     const D3DKMT_DESTROYDEVICE) \
    X(CreateAllocation,                  D3DKMT_CREATEALLOCATION) \
    X(CreateAllocation2,                 D3DKMT_CREATEALLOCATION) \
    X(DestroyAllocation,                 const D3DKMT_DESTROYALLOCATION) \
    X(DestroyAllocation2,                const D3DKMT_DESTROYALLOCATION2) \
    X(QueryResourceInfo,                 D3DKMT_QUERYRESOURCEINFO) \
    X(OpenResource,                      D3DKMT_OPENRESOURCE) \
    X(OpenResource2,                     D3DKMT_OPENRESOURCE) \
    X(Lock2,                             D3DKMT_LOCK2) \
    X(Unlock2,                           const D3DKMT_UNLOCK2) \
    X(OfferAllocations,                  const D3DKMT_OFFERALLOCATIONS) \
    X(ReclaimAllocations,                D3DKMT_RECLAIMALLOCATIONS) \
    X(ReclaimAllocations2,               D3DKMT_RECLAIMALLOCATIONS2) \
    X(MakeResident,                      D3DDDI_MAKERESIDENT) \
    X(Evict,                             D3DKMT_EVICT) \
    X(SetAllocationPriority,             const D3DKMT_SETALLOCATIONPRIORITY) \
    X(GetAllocationPriority,             const D3DKMT_GETALLOCATIONPRIORITY) \
    X(CreatePagingQueue,                 D3DKMT_CREATEPAGINGQUEUE) \
    X(DestroyPagingQueue,                D3DDDI_DESTROYPAGINGQUEUE) \
    X(CreateSynchronizationObject,       D3DKMT_CREATESYNCHRONIZATIONOBJECT) \
    X(CreateSynchronizationObject2,      D3DKMT_CREATESYNCHRONIZATIONOBJECT2) \
    X(OpenSynchronizationObject,         D3DKMT_OPENSYNCHRONIZATIONOBJECT) \
    X(DestroySynchronizationObject,      const D3DKMT_DESTROYSYNCHRONIZATIONOBJECT) \
    X(SignalSynchronizationObjectFromCpu, const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU) \
    X(WaitForSynchronizationObjectFromCpu, const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU) \
    X(SignalSynchronizationObjectFromGpu, const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU) \
    X(SignalSynchronizationObjectFromGpu2, const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU2) \
    X(WaitForSynchronizationObjectFromGpu, const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU) \
    X(Escape,                            const D3DKMT_ESCAPE)

/* struct <Name>_params: desc points at the PE side's copy of the application's descriptor; every
 * pointer in it points at PE-side copies too (or is NULL where the application passed NULL). */
#define D3DKMT_DECLARE_PARAMS(name, type) \
    struct name##_params \
    { \
        type *desc; \
    };
D3DKMT_UNIX_CALLS(D3DKMT_DECLARE_PARAMS)
#undef D3DKMT_DECLARE_PARAMS

/* unix_wait_cpu_poll: WaitForSynchronizationObjectFromCpu with a timeout, for the hAsyncEvent
 * form, which the PE side implements with a thread (the Unix side cannot signal a Windows event).
 * desc: as for WaitForSynchronizationObjectFromCpu, with hAsyncEvent NULL.
 * timeout_ms: 0 to check and return at once, INFINITE (~0u) to block.
 * Returns STATUS_SUCCESS when every (any, with WaitAny) object reached its value, STATUS_TIMEOUT when
 * the timeout expired first, or the error status of D3DKMTWaitForSynchronizationObjectFromCpu
 * (libd3dkmt's d3dkmt_host_wait_from_cpu). */
struct wait_cpu_poll_params
{
    const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU *desc;
    UINT timeout_ms;
};

/* unix_next_cpu_event: the next CPU notification reached (libd3dkmt's d3dkmt_host_next_cpu_event),
 * for the PE side's notification thread, which sets the event (or, release 1, closes it).
 * timeout_ms: as for unix_wait_cpu_poll (the PE side passes 0: a thread blocked in a Unix call
 * when the process exits crashes Wine 8).  in_flight: out, entries still to come.
 * Returns STATUS_SUCCESS or STATUS_TIMEOUT. */
struct next_cpu_event_params
{
    UINT timeout_ms;
    UINT release;
    UINT64 event;
    UINT in_flight;
};

/* The calls that share the process's handle space with Wine's own D3DKMT functions
 * (docs/decisions/wine-handles.md); each is the host API function of libd3dkmt named below
 * (include/d3dkmt_host.h), with its statuses. */

/* One adapter of the library: struct d3dkmt_host_adapter_desc. */
struct d3dkmt_unix_adapter
{
    LUID luid;
    BYTE device_uuid[16];
    UINT luid_from_vulkan;
};

/* unix_enum_adapters: d3dkmt_host_enum_adapters(adapters, count). */
struct enum_adapters_params
{
    struct d3dkmt_unix_adapter *adapters;
    UINT *count;
};

/* unix_set_adapter_luid: d3dkmt_host_set_adapter_luid(uuid, luid). */
struct set_adapter_luid_params
{
    const BYTE *uuid;
    LUID luid;
};

/* unix_has_handle: *result = d3dkmt_host_has_handle(handle, kind); returns STATUS_SUCCESS. */
enum { D3DKMT_UNIX_ADAPTER = 1, D3DKMT_UNIX_DEVICE = 2 };
struct has_handle_params
{
    D3DKMT_HANDLE handle;
    UINT kind;
    UINT *result;
};

/* unix_share_handle: d3dkmt_host_share_handle(own, foreign). */
struct share_handle_params
{
    D3DKMT_HANDLE own;
    D3DKMT_HANDLE foreign;
};

/* unix_lists_fence: *result = 1 when handles[0..count-1] (the PE side's copy) names a fence
 * (D3DDDI_FENCE) the library knows, else 0 (also for a NULL or empty list, or one over the 64
 * objects a signal or wait takes); returns STATUS_SUCCESS.  SignalSynchronizationObjectFromGpu2 and
 * WaitForSynchronizationObjectFromGpu then carry the inline FenceValue in their union, which the PE
 * side must not take for MonitoredFenceValueArray (docs/wine-dll.md, "Pointer validation"). */
struct lists_fence_params
{
    const D3DKMT_HANDLE *handles;
    UINT count;
    UINT *result;
};

/* unix_noop: does nothing and returns STATUS_SUCCESS; measures the cost of one PE -> Unix call. */
struct noop_params
{
    UINT unused;
};

enum d3dkmt_unix_funcs
{
#define D3DKMT_DECLARE_ENUM(name, type) unix_##name,
    D3DKMT_UNIX_CALLS(D3DKMT_DECLARE_ENUM)
#undef D3DKMT_DECLARE_ENUM
    unix_wait_cpu_poll,
    unix_next_cpu_event,
    unix_noop,
    unix_enum_adapters,
    unix_set_adapter_luid,
    unix_has_handle,
    unix_share_handle,
    unix_lists_fence,
    unix_funcs_count
};

#endif /* D3DKMT_UNIXLIB_H */
