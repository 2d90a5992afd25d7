#!/usr/bin/env python3
"""tests/fuzz/seeds.py: writes the seed corpus of fuzz_api (tests/fuzz/corpus/), one short call
sequence per file, in the encoding fuzz_api.c reads (byte 0: budget cap; then opcode + arguments;
a zero byte is always the common, valid choice).  Run from anywhere: python3 tests/fuzz/seeds.py"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

ENUM = [0, 0, 0]                      # EnumAdapters2 -> pool[0] adapter
DEVICE = [3, 0]                       # CreateDevice(pool[0]) -> pool[1]
def alloc2(device, count_byte, placement=1, size=(0x0f, 12), resource=1):
    # version, placement, size(rare, u8, shift), alignment, priority, device, count, CreateResource,
    # flags, info NULL, then 3 bytes per entry
    n = 1 + count_byte % 8
    return [5, 0, placement, 0, size[0], size[1], 0, 0, device, count_byte, resource] + \
        ([] if resource else [0]) + [0, 0] + [0, 0, 0] * n
def offer(device, handles, form=0):
    return [8, 0, device, form, len(handles) - 1, 0] + handles + [0, 0, 0, 0]
def reclaim(device, handles):
    return [9, device, 0, len(handles) - 1, 0, 0] + handles
def reclaim2(queue, handles):
    return [10, queue, 0, len(handles) - 1, 0, 0] + handles
PQ = lambda device: [17, device, 1, 0]
SYNC = lambda device: [19, device, 0, 0, 0, 5]
def signal_gpu(device, sync, value):
    return [22, device, 0, 0, value - 1, 0, sync]
def wait_cpu(device, sync, value):
    return [24, device, 0, 0, sync, 0, value, 0, 0]
def destroy(device, handles, flags=0):
    return [7, device, 0, len(handles) - 1, 0] + handles + [0, flags]
DESTROY_DEVICE = lambda device: [4, device]
HOST = lambda device: [28, device, 2, 0]
PAUSE, RESUME = [29, 0], [29, 1]

seeds = {
    # create, offer, reclaim, reclaim2, fences, destroy
    "basic": [0] + ENUM + DEVICE + alloc2(1, 1) + offer(1, [2, 3]) + reclaim(1, [2, 3]) + PQ(1)
             + reclaim2(5, [2]) + SYNC(1) + signal_gpu(1, 7, 10) + wait_cpu(1, 7, 10) + destroy(1, [2])
             + DESTROY_DEVICE(1),
    # GPU busy: the offer and the free are deferred to the tracker
    "deferred": [0] + ENUM + DEVICE + alloc2(1, 2) + PAUSE + HOST(1) + offer(1, [2, 3, 4]) + destroy(1, [2])
                + SYNC(1) + signal_gpu(1, 6, 3) + RESUME + HOST(1) + reclaim(1, [3, 4]) + DESTROY_DEVICE(1),
    # 1 MiB budget: a second 512 KiB allocation releases the offered first; reclaims discard
    "budget": [4] + ENUM + DEVICE + alloc2(1, 0, 0, (0, 19), 0) + offer(1, [2]) + alloc2(1, 0, 0, (0, 19), 0)
              + PQ(1) + reclaim2(4, [2]) + reclaim(1, [2]) + DESTROY_DEVICE(1),
    # vkAllocateMemory fails (out of device memory), then a device lost in a submission
    "faults": [0] + ENUM + DEVICE + [30, 6, 0, 1] + alloc2(1, 1) + alloc2(1, 0) + [30, 11, 0, 2] + HOST(1)
              + alloc2(1, 0) + DESTROY_DEVICE(1),
    # raw handles, oversized counts, NULL arrays, both arrays, two devices mixed
    "bad": [0] + ENUM + DEVICE + DEVICE + alloc2(1, 0) + alloc2(2, 0)
           + [8, 0, 1, 2, 0xf8, 0xff, 0xff, 0, 0] + offer(1, [3, 4]) + offer(1, [0xf0, 0x40, 0, 0, 0x40])
           + destroy(1, [3, 3]) + [7, 1, 0, 0xf0, 0, 0, 0] + [2, 1] + [2, 0] + [2, 0] + DESTROY_DEVICE(1)
           + DESTROY_DEVICE(1) + reclaim(1, [3]),
    # the device is lost with work queued; everything still tears down
    "lost": [0] + ENUM + DEVICE + alloc2(1, 1) + PAUSE + HOST(1) + offer(1, [2]) + [31, 0x5a] + RESUME
            + reclaim(1, [2]) + alloc2(1, 0) + destroy(1, [3]) + DESTROY_DEVICE(1),
}

os.makedirs(os.path.join(HERE, "corpus"), exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(HERE, "corpus", name), "wb") as f:
        f.write(bytes(b & 0xff for b in data))
print("wrote", len(seeds), "seeds")
