/*
 * wow64.h: what a 32-bit caller hands d3dkmt.so in Wine's new WoW64 mode: the params structs of the
 * Unix calls and the D3DKMT descriptors in their x86 layout, with 32-bit pointers.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Wine built with --enable-archs runs a 32-bit program's PE code (the i386 d3dkmt.dll) on top of
 * the 64-bit Unix side: the i386 PE side makes the same Unix calls as the x86_64 one, with params
 * structs and descriptors laid out as a 32-bit compiler lays them out, and ntdll dispatches them
 * to __wine_unix_call_wow64_funcs[] (d3dkmt_wow64.c) instead of __wine_unix_call_funcs[].  Each
 * wow64 thunk converts the 32-bit descriptor, and the arrays and pointers inside it, to the 64-bit
 * layout, calls the library, and writes the outputs back (docs/wine-dll.md, "WoW64").
 *
 * The structs here spell the x86 layout of Microsoft's d3dkmthk.h / d3dukmdt.h with fixed-size
 * members only (PTR32 for a pointer or a handle, D3DKMT_ALIGN64 on every 64-bit member), so that
 * they lay out the same under any compiler.  tests/abi/abi_wow64.c checks, with i686-w64-mingw32-gcc
 * (Windows' own x86 layout of include/d3dkmt.h), every size and field offset of each against the
 * struct it stands for, and, with the host compiler, that the descriptors whose x86 and x64
 * layouts coincide (no pointer, no handle) are the 64-bit structs byte for byte: their thunks pass
 * the 32-bit descriptor itself to the library.
 */
#ifndef D3DKMT_WOW64_H
#define D3DKMT_WOW64_H

#include "unixlib.h"

/* A pointer or a handle of a 32-bit caller. */
typedef ULONG PTR32;

/* ---- The params structs of the Unix calls (unixlib.h) ---- */

/* Every call of D3DKMT_UNIX_CALLS: struct <Name>_params. */
struct desc_params32
{
    PTR32 desc;
};

struct wait_cpu_poll_params32
{
    PTR32 desc;
    UINT timeout_ms;
};

struct enum_adapters_params32
{
    PTR32 adapters;     /* struct d3dkmt_unix_adapter[], the same layout on x86 and x64 */
    PTR32 count;
};

struct set_adapter_luid_params32
{
    PTR32 uuid;
    LUID luid;
};

struct has_handle_params32
{
    D3DKMT_HANDLE handle;
    UINT kind;
    PTR32 result;
};

struct lists_fence_params32
{
    PTR32 handles;
    UINT count;
    PTR32 result;
};

/* struct share_handle_params, struct noop_params and struct next_cpu_event_params have no pointer:
 * the same on x86 and x64 (the UINT64 of next_cpu_event_params 8-aligned by both compilers). */

/* ---- The descriptors, in their x86 layout ---- */

/* The same layout on x86 and x64 (no pointer, no handle): passed as they are. */
typedef struct
{
    ULONG NumAdapters;
    D3DKMT_ADAPTERINFO Adapters[MAX_ENUM_ADAPTERS];
} D3DKMT_ENUMADAPTERS32;

typedef struct
{
    LUID AdapterLuid;
    D3DKMT_HANDLE hAdapter;
} D3DKMT_OPENADAPTERFROMLUID32;

typedef struct { D3DKMT_HANDLE hAdapter; } D3DKMT_CLOSEADAPTER32;
typedef struct { D3DKMT_HANDLE hDevice; } D3DKMT_DESTROYDEVICE32;
typedef struct { D3DKMT_HANDLE hDevice; D3DKMT_HANDLE hAllocation; } D3DKMT_UNLOCK2_32;
typedef struct { D3DKMT_HANDLE hPagingQueue; } D3DDDI_DESTROYPAGINGQUEUE32;
typedef struct { D3DKMT_HANDLE hSyncObject; } D3DKMT_DESTROYSYNCHRONIZATIONOBJECT32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    struct
    {
        D3DDDI_SYNCHRONIZATIONOBJECT_TYPE Type;
        union
        {
            struct
            {
                BOOL InitialState;
            } SynchronizationMutex;
            struct
            {
                UINT MaxCount;
                UINT InitialCount;
            } Semaphore;
            struct
            {
                UINT Reserved[16];
            } Reserved;
        };
    } Info;                         /* D3DDDI_SYNCHRONIZATIONOBJECTINFO */
    D3DKMT_HANDLE hSyncObject;
} D3DKMT_CREATESYNCHRONIZATIONOBJECT32;

typedef struct
{
    D3DKMT_HANDLE hSharedHandle;
    D3DKMT_HANDLE hSyncObject;
    D3DKMT_ALIGN64 UINT64 Reserved[8];
} D3DKMT_OPENSYNCHRONIZATIONOBJECT32;

/* Converted. */
typedef struct
{
    ULONG NumAdapters;
    PTR32 pAdapters;                /* D3DKMT_ADAPTERINFO[], the same layout on x86 and x64 */
} D3DKMT_ENUMADAPTERS2_32;

typedef struct
{
    D3DKMT_HANDLE hAdapter;
    KMTQUERYADAPTERINFOTYPE Type;
    PTR32 pPrivateDriverData;
    UINT PrivateDriverDataSize;
} D3DKMT_QUERYADAPTERINFO32;

typedef struct
{
    PTR32 hProcess;
    D3DKMT_HANDLE hAdapter;
    D3DKMT_MEMORY_SEGMENT_GROUP MemorySegmentGroup;
    D3DKMT_ALIGN64 UINT64 Budget;
    D3DKMT_ALIGN64 UINT64 CurrentUsage;
    D3DKMT_ALIGN64 UINT64 CurrentReservation;
    D3DKMT_ALIGN64 UINT64 AvailableForReservation;
    UINT PhysicalAdapterIndex;
} D3DKMT_QUERYVIDEOMEMORYINFO32;

typedef struct
{
    union
    {
        D3DKMT_HANDLE hAdapter;
        PTR32 pAdapter;
    };
    D3DKMT_CREATEDEVICEFLAGS Flags;
    D3DKMT_HANDLE hDevice;
    PTR32 pCommandBuffer;
    UINT CommandBufferSize;
    PTR32 pAllocationList;
    UINT AllocationListSize;
    PTR32 pPatchLocationList;
    UINT PatchLocationListSize;
} D3DKMT_CREATEDEVICE32;

typedef struct
{
    D3DKMT_HANDLE hAllocation;
    PTR32 pSystemMem;
    PTR32 pPrivateDriverData;
    UINT PrivateDriverDataSize;
    D3DDDI_VIDEO_PRESENT_SOURCE_ID VidPnSourceId;
    UINT Flags;                     /* D3DDDI_ALLOCATIONINFO.Flags.Value */
} D3DDDI_ALLOCATIONINFO32;

typedef struct
{
    D3DKMT_HANDLE hAllocation;
    union
    {
        PTR32 hSection;
        PTR32 pSystemMem;
    };
    PTR32 pPrivateDriverData;
    UINT PrivateDriverDataSize;
    D3DDDI_VIDEO_PRESENT_SOURCE_ID VidPnSourceId;
    UINT Flags;                     /* D3DDDI_ALLOCATIONINFO2.Flags.Value */
    D3DKMT_ALIGN64 D3DGPU_VIRTUAL_ADDRESS GpuVirtualAddress;
    union
    {
        UINT Priority;
        PTR32 Unused;
    };
    PTR32 Reserved[5];
} D3DDDI_ALLOCATIONINFO2_32;

/* D3DKMT_CREATESTANDARDALLOCATION: its SIZE_T is 4 bytes on x86 (12 bytes in all, 24 on x64). */
typedef struct
{
    ULONG Size;
} D3DKMT_STANDARDALLOCATION_EXISTINGHEAP32;

typedef struct
{
    D3DKMT_STANDARDALLOCATIONTYPE Type;
    union
    {
        D3DKMT_STANDARDALLOCATION_EXISTINGHEAP32 ExistingHeapData;
    };
    D3DKMT_CREATESTANDARDALLOCATIONFLAGS Flags;
} D3DKMT_CREATESTANDARDALLOCATION32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    D3DKMT_HANDLE hResource;
    D3DKMT_HANDLE hGlobalShare;
    PTR32 pPrivateRuntimeData;
    UINT PrivateRuntimeDataSize;
    PTR32 pPrivateDriverData;       /* or pStandardAllocation (Flags.StandardAllocation) */
    UINT PrivateDriverDataSize;
    UINT NumAllocations;
    PTR32 pAllocationInfo;          /* D3DDDI_ALLOCATIONINFO32[] or D3DDDI_ALLOCATIONINFO2_32[] */
    D3DKMT_CREATEALLOCATIONFLAGS Flags;
    PTR32 hPrivateRuntimeResourceHandle;
} D3DKMT_CREATEALLOCATION32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    D3DKMT_HANDLE hResource;
    PTR32 phAllocationList;
    UINT AllocationCount;
} D3DKMT_DESTROYALLOCATION32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    D3DKMT_HANDLE hGlobalShare;
    PTR32 pPrivateRuntimeData;
    UINT PrivateRuntimeDataSize;
    UINT TotalPrivateDriverDataSize;
    UINT ResourcePrivateDriverDataSize;
    UINT NumAllocations;
} D3DKMT_QUERYRESOURCEINFO32;

typedef struct
{
    D3DKMT_HANDLE hAllocation;
    PTR32 pPrivateDriverData;
    UINT PrivateDriverDataSize;
} D3DDDI_OPENALLOCATIONINFO32;

typedef struct
{
    D3DKMT_HANDLE hAllocation;
    PTR32 pPrivateDriverData;
    UINT PrivateDriverDataSize;
    D3DKMT_ALIGN64 D3DGPU_VIRTUAL_ADDRESS GpuVirtualAddress;
    PTR32 Reserved[6];              /* ULONG_PTR */
} D3DDDI_OPENALLOCATIONINFO2_32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    D3DKMT_HANDLE hGlobalShare;
    UINT NumAllocations;
    PTR32 pOpenAllocationInfo;      /* D3DDDI_OPENALLOCATIONINFO32[] or D3DDDI_OPENALLOCATIONINFO2_32[] */
    PTR32 pPrivateRuntimeData;
    UINT PrivateRuntimeDataSize;
    PTR32 pResourcePrivateDriverData;
    UINT ResourcePrivateDriverDataSize;
    PTR32 pTotalPrivateDriverDataBuffer;
    UINT TotalPrivateDriverDataBufferSize;
    D3DKMT_HANDLE hResource;
} D3DKMT_OPENRESOURCE32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    D3DKMT_HANDLE hResource;
    PTR32 phAllocationList;
    UINT AllocationCount;
    D3DDDICB_DESTROYALLOCATION2FLAGS Flags;
} D3DKMT_DESTROYALLOCATION2_32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    D3DKMT_HANDLE hAllocation;
    D3DDDICB_LOCK2FLAGS Flags;
    PTR32 pData;
} D3DKMT_LOCK2_32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    PTR32 pResources;
    PTR32 HandleList;
    UINT NumAllocations;
    D3DKMT_OFFER_PRIORITY Priority;
    D3DKMT_OFFER_FLAGS Flags;
} D3DKMT_OFFERALLOCATIONS32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    PTR32 pResources;
    PTR32 HandleList;
    PTR32 pDiscarded;
    UINT NumAllocations;
} D3DKMT_RECLAIMALLOCATIONS32;

typedef struct
{
    D3DKMT_HANDLE hPagingQueue;
    UINT NumAllocations;
    PTR32 pResources;
    PTR32 HandleList;
    PTR32 pResults;                 /* or pDiscarded */
    D3DKMT_ALIGN64 UINT64 PagingFenceValue;
} D3DKMT_RECLAIMALLOCATIONS2_32;

typedef struct
{
    D3DKMT_HANDLE hPagingQueue;
    UINT NumAllocations;
    PTR32 AllocationList;
    PTR32 PriorityList;
    D3DDDI_MAKERESIDENT_FLAGS Flags;
    D3DKMT_ALIGN64 UINT64 PagingFenceValue;
    D3DKMT_ALIGN64 UINT64 NumBytesToTrim;
} D3DDDI_MAKERESIDENT32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    UINT NumAllocations;
    PTR32 AllocationList;
    D3DDDI_EVICT_FLAGS Flags;
    D3DKMT_ALIGN64 UINT64 NumBytesToTrim;
} D3DKMT_EVICT32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    D3DKMT_HANDLE hResource;
    PTR32 phAllocationList;
    UINT AllocationCount;
    PTR32 pPriorities;
} D3DKMT_SETALLOCATIONPRIORITY32, D3DKMT_GETALLOCATIONPRIORITY32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    D3DDDI_PAGINGQUEUE_PRIORITY Priority;
    D3DKMT_HANDLE hPagingQueue;
    D3DKMT_HANDLE hSyncObject;
    PTR32 FenceValueCPUVirtualAddress;
    UINT PhysicalAdapterIndex;
} D3DKMT_CREATEPAGINGQUEUE32;

typedef struct
{
    D3DDDI_SYNCHRONIZATIONOBJECT_TYPE Type;
    D3DDDI_SYNCHRONIZATIONOBJECT_FLAGS Flags;
    union
    {
        struct
        {
            BOOL InitialState;
        } SynchronizationMutex;
        struct
        {
            UINT MaxCount;
            UINT InitialCount;
        } Semaphore;
        struct
        {
            D3DKMT_ALIGN64 UINT64 FenceValue;
        } Fence;
        struct
        {
            PTR32 Event;
        } CPUNotification;
        struct
        {
            D3DKMT_ALIGN64 UINT64 InitialFenceValue;
            PTR32 FenceValueCPUVirtualAddress;
            D3DKMT_ALIGN64 D3DGPU_VIRTUAL_ADDRESS FenceValueGPUVirtualAddress;
            UINT EngineAffinity;
        } MonitoredFence;
        struct
        {
            D3DKMT_HANDLE hAdapter;
            D3DDDI_VIDEO_PRESENT_TARGET_ID VidPnTargetId;
            D3DKMT_ALIGN64 UINT64 Time;
            PTR32 FenceValueCPUVirtualAddress;
            D3DKMT_ALIGN64 D3DGPU_VIRTUAL_ADDRESS FenceValueGPUVirtualAddress;
            UINT EngineAffinity;
        } PeriodicMonitoredFence;
        struct
        {
            D3DKMT_ALIGN64 UINT64 Reserved[8];
        } Reserved;
    };
    D3DKMT_HANDLE SharedHandle;
} D3DDDI_SYNCHRONIZATIONOBJECTINFO2_32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    D3DDDI_SYNCHRONIZATIONOBJECTINFO2_32 Info;
    D3DKMT_HANDLE hSyncObject;
} D3DKMT_CREATESYNCHRONIZATIONOBJECT2_32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    UINT ObjectCount;
    PTR32 ObjectHandleArray;
    PTR32 FenceValueArray;
    D3DDDICB_SIGNALFLAGS Flags;
} D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU32;

typedef struct
{
    D3DKMT_HANDLE hDevice;
    UINT ObjectCount;
    PTR32 ObjectHandleArray;
    PTR32 FenceValueArray;
    PTR32 hAsyncEvent;
    D3DDDI_WAITFORSYNCHRONIZATIONOBJECTFROMCPU_FLAGS Flags;
} D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU32;

typedef struct
{
    D3DKMT_HANDLE hContext;
    UINT ObjectCount;
    PTR32 ObjectHandleArray;
    union
    {
        PTR32 MonitoredFenceValueArray;
        D3DKMT_ALIGN64 UINT64 Reserved[8];
    };
} D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU32;

typedef struct
{
    UINT ObjectCount;
    PTR32 ObjectHandleArray;
    D3DDDICB_SIGNALFLAGS Flags;
    ULONG BroadcastContextCount;
    PTR32 BroadcastContextArray;
    union
    {
        D3DKMT_ALIGN64 UINT64 FenceValue;
        PTR32 CpuEventHandle;
        PTR32 MonitoredFenceValueArray;
        D3DKMT_ALIGN64 UINT64 Reserved[8];
    };
} D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU2_32;

typedef struct
{
    D3DKMT_HANDLE hContext;
    UINT ObjectCount;
    PTR32 ObjectHandleArray;
    union
    {
        PTR32 MonitoredFenceValueArray;
        D3DKMT_ALIGN64 UINT64 FenceValue;
        D3DKMT_ALIGN64 UINT64 Reserved[8];
    };
} D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU32;

typedef struct
{
    D3DKMT_HANDLE hAdapter;
    D3DKMT_HANDLE hDevice;
    D3DKMT_ESCAPETYPE Type;
    D3DDDI_ESCAPEFLAGS Flags;
    PTR32 pPrivateDriverData;
    UINT PrivateDriverDataSize;
    D3DKMT_HANDLE hContext;
} D3DKMT_ESCAPE32;

/* The 64-bit Unix calls (d3dkmt_unix.c), which the wow64 thunks make on the converted params. */
extern const d3dkmt_unixlib_entry_t __wine_unix_call_funcs[];

/* ---- The wow64 thunks (d3dkmt_wow64.c), one per Unix call, in enum d3dkmt_unix_funcs' order:
 * d3dkmt_unix.c lists them in __wine_unix_call_wow64_funcs[].  Each takes the 32-bit params
 * struct above and returns the call's NTSTATUS. ---- */
#define D3DKMT_DECLARE_WOW64(name, type) NTSTATUS wow64_##name(void *args);
D3DKMT_UNIX_CALLS(D3DKMT_DECLARE_WOW64)
#undef D3DKMT_DECLARE_WOW64
NTSTATUS wow64_wait_cpu_poll(void *args);
NTSTATUS wow64_next_cpu_event(void *args);
NTSTATUS wow64_noop(void *args);
NTSTATUS wow64_enum_adapters(void *args);
NTSTATUS wow64_set_adapter_luid(void *args);
NTSTATUS wow64_has_handle(void *args);
NTSTATUS wow64_share_handle(void *args);
NTSTATUS wow64_lists_fence(void *args);

#endif /* D3DKMT_WOW64_H */
