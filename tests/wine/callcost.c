/*
 * callcost.c: the cost of one PE -> Unix call through d3dkmt.dll, for the benchmark issue.
 * Prints ns/call for (1) __wine_d3dkmt_noop, an empty Unix call, (2) D3DKMTGetAllocationPriority
 * with a bad handle: the full thunk (descriptor and array copies, Unix call, library handle lookup),
 * and (3) D3DKMTGetAllocationPriority of a real allocation (the same plus the library's work).
 * `make bench-wine` runs it under wine64 (tests/wine/Makefile.inc).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#include "wine_util.h"

#define CALLS 200000

static double ns_per_call(LARGE_INTEGER start, LARGE_INTEGER end, LARGE_INTEGER freq, unsigned int n)
{
    return (double)(end.QuadPart - start.QuadPart) * 1e9 / (double)freq.QuadPart / n;
}

int main(void)
{
    HMODULE module = GetModuleHandleA("d3dkmt.dll");
    NTSTATUS (WINAPI *noop)(void) = (void *)GetProcAddress(module, "__wine_d3dkmt_noop");
    D3DKMT_GETALLOCATIONPRIORITY desc = { 0 };
    D3DKMT_HANDLE handle = 0x7fffffc0;
    LARGE_INTEGER freq, start, end;
    D3DKMT_GETALLOCATIONPRIORITY real = { 0 };
    D3DKMT_HANDLE alloc = 0;
    struct wt_env env;
    UINT priority;
    unsigned int i, round;

    if (!noop || noop())
    {
        printf("d3dkmt.dll's Unix side is not loaded\n");
        return 1;
    }
    desc.hDevice = 0x7fffffc0;
    desc.phAllocationList = &handle;
    desc.AllocationCount = 1;
    desc.pPriorities = &priority;
    D3DKMTGetAllocationPriority(&desc);    /* library initialisation out of the timing */
    if (wt_env_open(&env) && !wt_create_allocation(env.device, 65536, D3DKMT_VK_PLACEMENT_HOST_VISIBLE, &alloc))
    {
        real.hDevice = env.device;
        real.phAllocationList = &alloc;
        real.AllocationCount = 1;
        real.pPriorities = &priority;
        if (D3DKMTGetAllocationPriority(&real)) alloc = 0;
    }
    QueryPerformanceFrequency(&freq);
    for (round = 0; round < 3; round++)
    {
        QueryPerformanceCounter(&start);
        for (i = 0; i < CALLS; i++) noop();
        QueryPerformanceCounter(&end);
        printf("noop Unix call: %.1f ns/call\n", ns_per_call(start, end, freq, CALLS));
        QueryPerformanceCounter(&start);
        for (i = 0; i < CALLS; i++) D3DKMTGetAllocationPriority(&desc);
        QueryPerformanceCounter(&end);
        printf("D3DKMTGetAllocationPriority (bad handle): %.1f ns/call\n", ns_per_call(start, end, freq, CALLS));
        if (!alloc) continue;
        QueryPerformanceCounter(&start);
        for (i = 0; i < CALLS; i++) D3DKMTGetAllocationPriority(&real);
        QueryPerformanceCounter(&end);
        printf("D3DKMTGetAllocationPriority (1 allocation): %.1f ns/call\n", ns_per_call(start, end, freq, CALLS));
    }
    if (!alloc) printf("no device / allocation: the third measurement was skipped\n");
    if (alloc) wt_destroy_allocation(env.device, alloc, 0);
    wt_env_close(&env);
    return 0;
}
