/*
 * tests/common.h: helpers shared by the host tests: a device on the default adapter, allocations
 * with the library's private driver data, CPU patterns through Lock2, and a "busy GPU" made of a
 * submission that waits on a semaphore the test signals later.
 */
#ifndef D3DKMT_TESTS_COMMON_H
#define D3DKMT_TESTS_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include <ntstatus.h>
#define WIN32_NO_STATUS
#include <windef.h>
#include <winbase.h>
#include <wingdi.h>
#include <winternl.h>

#include "d3dkmt.h"
#include "d3dkmt_host.h"

struct test_device
{
    D3DKMT_HANDLE adapter;
    D3DKMT_HANDLE device;
    LUID luid;
    struct d3dkmt_host_device_info info;
};

/* Opens the first adapter and creates a device on it (asserts success). */
void test_open_device(struct test_device *t);
/* Destroys the device, closes the adapter and asserts no validation message was seen. */
void test_close_device(struct test_device *t);

/* Creates n allocations of `size` bytes with the given placement and D3DDDI priority (0 =
 * NORMAL); a non-NULL resource creates a resource grouping them.  Returns the status. */
NTSTATUS test_create(D3DKMT_HANDLE device, UINT n, UINT64 size, UINT placement, UINT priority,
                     D3DKMT_HANDLE *handles, D3DKMT_HANDLE *resource);
/* DestroyAllocation2 of a list with flags. */
NTSTATUS test_destroy(D3DKMT_HANDLE device, const D3DKMT_HANDLE *handles, UINT n, UINT flags);
/* Writes / checks a byte pattern derived from seed over `size` bytes through Lock2/Unlock2. */
void test_fill(D3DKMT_HANDLE device, D3DKMT_HANDLE alloc, UINT64 size, uint32_t seed);
bool test_check(D3DKMT_HANDLE device, D3DKMT_HANDLE alloc, UINT64 size, uint32_t seed);
/* Device statistics (asserts success). */
D3DKMT_VK_STATISTICS test_stats(D3DKMT_HANDLE device);
/* LOCAL usage of the adapter in bytes. */
UINT64 test_local_usage(D3DKMT_HANDLE adapter);

/* A busy GPU: a tracked submission on the device queue that waits on `gate` reaching 1. */
struct test_busy
{
    VkSemaphore gate;
    uint64_t tracked_value;
};
void test_busy_begin(struct test_device *t, struct test_busy *busy);
/* Lets the GPU work finish (signals the gate from the CPU). */
void test_busy_end(struct test_device *t, struct test_busy *busy);
/* Destroys the gate semaphore once everything that waited on it completed. */
void test_busy_finish(struct test_device *t, struct test_busy *busy);

/* Copies `size` bytes from buffer src to buffer dst with the GPU (a tracked submission on the
 * device queue) and waits until the copy completed. */
void test_gpu_copy(struct test_device *t, VkBuffer src, VkBuffer dst, VkDeviceSize size);

/* A watchdog for calls that must not wait for a busy GPU: test_watchdog_begin starts a thread
 * that opens the gate (test_busy_end) if test_watchdog_end was not called within `seconds`;
 * test_watchdog_end stops it and returns true when it had to open the gate, i.e. when the calls
 * in between waited for the GPU work.  Nothing sleeps when the calls do not wait. */
struct test_watchdog;
struct test_watchdog *test_watchdog_begin(struct test_device *t, struct test_busy *busy, unsigned int seconds);
bool test_watchdog_end(struct test_watchdog *dog);

#endif
