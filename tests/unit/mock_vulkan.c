/*
 * tests/unit/mock_vulkan.c: the mock Vulkan driver (see mock_vulkan.h).
 *
 * One mutex protects the whole mock; blocking calls (vkWaitSemaphores, vkQueueWaitIdle) wait on
 * one condition variable, broadcast whenever a semaphore value or a queue changes.  Every object
 * is registered in a hash set of live handles so that a stale or foreign handle is reported
 * instead of dereferenced.  An object destroyed while a queued batch or a waiting thread still
 * uses it is reported, unregistered and freed once the last user let go.
 */
#include "mock_vulkan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>

void d3dkmt_vk_set_loader(PFN_vkGetInstanceProcAddr gipa);

__thread volatile int mock_vk_internal;

enum kind { K_INSTANCE = 1, K_DEVICE, K_QUEUE, K_MEMORY, K_BUFFER, K_SEMAPHORE, K_POOL, K_CMDBUF, K_MESSENGER };
static const char *const kind_names[] = { "?", "VkInstance", "VkDevice", "VkQueue", "VkDeviceMemory", "VkBuffer",
                                          "VkSemaphore", "VkCommandPool", "VkCommandBuffer",
                                          "VkDebugUtilsMessengerEXT" };

struct mock_device;

struct obj
{
    enum kind kind;
    struct mock_device *dev;   /* owning device (NULL for instance-level objects) */
    int refs;                  /* queued batches (and waiting threads) using it */
    bool dead;                 /* destroyed while in use: freed when refs drops to 0 */
};

struct mock_memory
{
    struct obj o;
    uint64_t size;
    uint32_t type, heap;
    void *data;                /* host copy, allocated on first map; the host memory when imported */
    bool imported;             /* VK_EXT_external_memory_host: data is the application's */
    bool mapped;
    float priority;
};

struct mock_buffer
{
    struct obj o;
    uint64_t size;
    bool sparse;
    struct mock_memory *bound; /* non-sparse: bound memory (may be freed since: never dereferenced) */
    VkDeviceAddress address;
};

struct mock_semaphore
{
    struct obj o;
    uint64_t value;
    uint64_t pending_max;      /* highest value a queued batch signals */
};

struct mock_pool
{
    struct obj o;
    struct mock_cmdbuf **bufs;
    uint32_t count;
};

struct mock_cmdbuf
{
    struct obj o;
    struct mock_pool *pool;
    int state;                 /* 0 initial, 1 recording, 2 executable */
};

struct mock_messenger
{
    struct obj o;
    PFN_vkDebugUtilsMessengerCallbackEXT callback;
    void *user;
};

struct batch_sem { struct mock_semaphore *sem; uint64_t value; };
struct batch_bind { struct mock_buffer *buffer; struct mock_memory *memory; };

struct batch
{
    struct batch *next;
    uint32_t nwait, nsignal, nbind;
    struct batch_sem *waits, *signals;
    struct batch_bind *binds;
};

struct mock_queue
{
    struct obj o;
    atomic_int busy;           /* external synchronisation check */
    struct batch *head, *tail;
    int count;
};

struct mock_device
{
    struct obj o;
    struct mock_device *next_device;
    struct mock_queue queue;
    bool lost;
    bool sparse, priority, pageable, budget, bda, host_import;
    int children;
};

struct mock_instance
{
    struct obj o;
    PFN_vkDebugUtilsMessengerCallbackEXT create_callback;  /* from vkCreateInstance's pNext */
    void *create_user;
};

struct mock_physical
{
    uint32_t index;
};

static struct
{
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct mock_vk_config cfg;
    pthread_t owner;
    bool any_thread;
    int fault_fn;              /* -1: none */
    unsigned int fault_nth;
    bool fault_always, fault_fired;
    VkResult fault_result;
    unsigned int calls[MOCK_FN_COUNT];
    unsigned int errors;
    unsigned int priority_calls;          /* vkSetDeviceMemoryPriorityEXT, any thread */
    bool paused;
    uint64_t budget[2];
    struct mock_vk_counts counts;
    struct mock_instance *instance;
    struct mock_device *devices;
    struct mock_messenger *messenger;
    struct mock_physical physical[8];
    uint64_t next_address;
    int blocked;               /* threads in a wait of 1 s or more */
    /* registry: open addressing, power-of-two size */
    struct obj **slots;
    size_t slot_count, used, tombs;
} m = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .cond = PTHREAD_COND_INITIALIZER,
    .fault_fn = -1,
};

#define TOMB ((struct obj *)(uintptr_t)1)

static const char *const fn_names[] = {
#define X(name) #name,
    MOCK_VK_FAULT_FUNCS(X)
#undef X
};

const char *mock_vk_fn_name(enum mock_vk_fn fn)
{
    return fn < MOCK_FN_COUNT ? fn_names[fn] : "?";
}

static void *mock_calloc(size_t n, size_t size)
{
    void *p;
    mock_vk_internal++;
    p = calloc(n, size);
    mock_vk_internal--;
    if (!p) abort();
    return p;
}

static void mock_free(void *p)
{
    mock_vk_internal++;
    free(p);
    mock_vk_internal--;
}

/* ---- Errors ---- */

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
    char text[512];
    va_list args;

    va_start(args, fmt);
    vsnprintf(text, sizeof(text), fmt, args);
    va_end(args);
    m.errors++;
    if (!m.cfg.quiet) fprintf(stderr, "mock_vulkan: error: %s\n", text);
    {
        VkDebugUtilsMessengerCallbackDataEXT data = { .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CALLBACK_DATA_EXT,
                                                      .pMessageIdName = "mock_vulkan", .pMessage = text };
        PFN_vkDebugUtilsMessengerCallbackEXT cb = NULL;
        void *user = NULL;
        if (m.messenger) { cb = m.messenger->callback; user = m.messenger->user; }
        else if (m.instance && m.instance->create_callback) { cb = m.instance->create_callback; user = m.instance->create_user; }
        if (cb) cb(VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT, &data, user);
    }
}

/* ---- Registry of live handles ---- */

static size_t slot_of(const void *p, size_t mask)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 20) & mask;
}

static void registry_insert(struct obj *o);

static void registry_grow(void)
{
    struct obj **old = m.slots;
    size_t old_count = m.slot_count, i;

    m.slot_count = old_count ? old_count * 2 : 1024;
    m.slots = mock_calloc(m.slot_count, sizeof(*m.slots));
    m.used = m.tombs = 0;
    for (i = 0; i < old_count; i++)
        if (old[i] && old[i] != TOMB) registry_insert(old[i]);
    mock_free(old);
}

static void registry_insert(struct obj *o)
{
    size_t mask, i;

    if ((m.used + m.tombs + 1) * 2 > m.slot_count) registry_grow();
    mask = m.slot_count - 1;
    for (i = slot_of(o, mask); m.slots[i] && m.slots[i] != TOMB; i = (i + 1) & mask) {}
    if (m.slots[i] == TOMB) m.tombs--;
    m.slots[i] = o;
    m.used++;
}

static struct obj **registry_find(const void *p)
{
    size_t mask, i;

    if (!m.slot_count || !p) return NULL;
    mask = m.slot_count - 1;
    for (i = slot_of(p, mask); m.slots[i]; i = (i + 1) & mask)
        if (m.slots[i] == p) return &m.slots[i];
    return NULL;
}

static void registry_remove(struct obj *o)
{
    struct obj **slot = registry_find(o);
    if (!slot) return;
    *slot = TOMB;
    m.used--;
    m.tombs++;
}

/* The live object behind handle h of kind k, or NULL (reported) when h is not one. */
static void *lookup(const void *h, enum kind k, const char *fn)
{
    struct obj **slot = registry_find(h);

    if (!slot || (*slot)->kind != k)
    {
        report("%s: %p is not a live %s", fn, h, kind_names[k]);
        return NULL;
    }
    return *slot;
}

static void *new_obj(size_t size, enum kind k, struct mock_device *dev)
{
    struct obj *o = mock_calloc(1, size);
    o->kind = k;
    o->dev = dev;
    registry_insert(o);
    if (dev) dev->children++;
    return o;
}

static void free_obj(struct obj *o)
{
    if (o->kind == K_MEMORY && !((struct mock_memory *)o)->imported) mock_free(((struct mock_memory *)o)->data);
    if (o->kind == K_POOL) mock_free(((struct mock_pool *)o)->bufs);
    mock_free(o);
}

/* Destroys an object: unregistered now, freed now or when its last user lets go. */
static void kill_obj(struct obj *o)
{
    registry_remove(o);
    if (o->dev) o->dev->children--;
    if (o->refs) o->dead = true;
    else free_obj(o);
}

static void unref(struct obj *o)
{
    if (!--o->refs && o->dead) free_obj(o);
}

/* ---- Faults ---- */

static bool counted_thread(void)
{
    return m.any_thread || pthread_equal(pthread_self(), m.owner);
}

static void lose(struct mock_device *dev);

/* Counts a call of fn; true (with *vr) when it must fail. */
static bool fault(enum mock_vk_fn fn, struct mock_device *dev, VkResult *vr)
{
    if (!counted_thread()) return false;
    m.calls[fn]++;
    if (m.fault_fn != (int)fn) return false;
    if (!m.fault_always && --m.fault_nth) return false;
    *vr = m.fault_result;
    m.fault_fired = true;
    if (!m.fault_always) m.fault_fn = -1;
    if (*vr == VK_ERROR_DEVICE_LOST && dev) lose(dev);
    return true;
}

void mock_vk_fail(enum mock_vk_fn fn, unsigned int nth, VkResult result)
{
    pthread_mutex_lock(&m.lock);
    m.fault_fn = nth ? (int)fn : -1;
    m.fault_nth = nth;
    m.fault_always = false;
    m.fault_fired = false;
    m.fault_result = result;
    pthread_mutex_unlock(&m.lock);
}

void mock_vk_fail_always(enum mock_vk_fn fn, VkResult result)
{
    pthread_mutex_lock(&m.lock);
    m.fault_fn = fn;
    m.fault_nth = 1;
    m.fault_always = true;
    m.fault_fired = false;
    m.fault_result = result;
    pthread_mutex_unlock(&m.lock);
}

void mock_vk_fail_clear(void)
{
    pthread_mutex_lock(&m.lock);
    m.fault_fn = -1;
    m.fault_always = false;
    pthread_mutex_unlock(&m.lock);
}

bool mock_vk_fault_fired(void)
{
    bool fired;
    pthread_mutex_lock(&m.lock);
    fired = m.fault_fired;
    pthread_mutex_unlock(&m.lock);
    return fired;
}

unsigned int mock_vk_calls(enum mock_vk_fn fn)
{
    unsigned int n;
    pthread_mutex_lock(&m.lock);
    n = m.calls[fn];
    pthread_mutex_unlock(&m.lock);
    return n;
}

void mock_vk_reset_calls(void)
{
    pthread_mutex_lock(&m.lock);
    memset(m.calls, 0, sizeof(m.calls));
    pthread_mutex_unlock(&m.lock);
}

void mock_vk_any_thread(bool any)
{
    pthread_mutex_lock(&m.lock);
    m.any_thread = any;
    pthread_mutex_unlock(&m.lock);
}

/* ---- Queue execution ---- */

static void free_batch(struct batch *b)
{
    uint32_t i;
    for (i = 0; i < b->nwait; i++) unref(&b->waits[i].sem->o);
    for (i = 0; i < b->nsignal; i++) unref(&b->signals[i].sem->o);
    for (i = 0; i < b->nbind; i++)
    {
        unref(&b->binds[i].buffer->o);
        if (b->binds[i].memory) unref(&b->binds[i].memory->o);
    }
    mock_free(b);
    m.counts.batches--;
}

/* Runs the queue's batches in order while their waits are satisfied. */
static bool progress_queue(struct mock_queue *q)
{
    bool any = false;

    while (q->head && !m.paused && !q->o.dev->lost)
    {
        struct batch *b = q->head;
        uint32_t i;

        for (i = 0; i < b->nwait; i++)
            if (b->waits[i].sem->value < b->waits[i].value) return any;
        for (i = 0; i < b->nbind; i++)
            if (!b->binds[i].buffer->o.dead) b->binds[i].buffer->bound = b->binds[i].memory;
        for (i = 0; i < b->nsignal; i++)
            if (b->signals[i].value > b->signals[i].sem->value) b->signals[i].sem->value = b->signals[i].value;
        q->head = b->next;
        if (!q->head) q->tail = NULL;
        q->count--;
        free_batch(b);
        any = true;
    }
    return any;
}

static void progress(void)
{
    struct mock_device *dev;
    bool again = true;

    while (again)
    {
        again = false;
        for (dev = m.devices; dev; dev = dev->next_device) again |= progress_queue(&dev->queue);
    }
    pthread_cond_broadcast(&m.cond);
}

static void lose(struct mock_device *dev)
{
    struct mock_queue *q = &dev->queue;

    if (dev->lost) return;
    dev->lost = true;
    while (q->head)
    {
        struct batch *b = q->head;
        q->head = b->next;
        q->count--;
        free_batch(b);
    }
    q->tail = NULL;
    pthread_cond_broadcast(&m.cond);
}

void mock_vk_lose_devices(void)
{
    struct mock_device *dev;
    pthread_mutex_lock(&m.lock);
    for (dev = m.devices; dev; dev = dev->next_device) lose(dev);
    pthread_mutex_unlock(&m.lock);
}

void mock_vk_pause(bool paused)
{
    pthread_mutex_lock(&m.lock);
    m.paused = paused;
    progress();
    pthread_mutex_unlock(&m.lock);
}

void mock_vk_set_budget(uint32_t heap, uint64_t bytes)
{
    pthread_mutex_lock(&m.lock);
    if (heap < 2) m.budget[heap] = bytes;
    pthread_mutex_unlock(&m.lock);
}

void mock_vk_get_counts(struct mock_vk_counts *counts)
{
    pthread_mutex_lock(&m.lock);
    *counts = m.counts;
    pthread_mutex_unlock(&m.lock);
}

float mock_vk_memory_priority(VkDeviceMemory memory)
{
    struct obj **slot;
    float priority = -1.0f;

    pthread_mutex_lock(&m.lock);
    if ((slot = registry_find(memory)) && (*slot)->kind == K_MEMORY) priority = ((struct mock_memory *)*slot)->priority;
    pthread_mutex_unlock(&m.lock);
    return priority;
}

bool mock_vk_buffer_memory(VkBuffer buffer, VkDeviceMemory *memory)
{
    struct obj **slot;
    bool found = false;

    pthread_mutex_lock(&m.lock);
    if ((slot = registry_find(buffer)) && (*slot)->kind == K_BUFFER)
    {
        struct mock_memory *mem = ((struct mock_buffer *)*slot)->bound;
        struct obj **live = mem ? registry_find(mem) : NULL;
        *memory = live ? (VkDeviceMemory)mem : VK_NULL_HANDLE;
        found = true;
    }
    pthread_mutex_unlock(&m.lock);
    return found;
}

int mock_vk_blocked(void)
{
    int n;
    pthread_mutex_lock(&m.lock);
    n = m.blocked;
    pthread_mutex_unlock(&m.lock);
    return n;
}

unsigned int mock_vk_errors(void)
{
    unsigned int n;
    pthread_mutex_lock(&m.lock);
    n = m.errors;
    pthread_mutex_unlock(&m.lock);
    return n;
}

/* Absolute deadline `ns` from now, capped at the hang limit; *capped when the cap applied. */
static struct timespec deadline_after(uint64_t ns, bool *capped)
{
    uint64_t hang = (uint64_t)m.cfg.hang_ms * 1000000ull;
    struct timespec ts;

    *capped = ns >= hang;
    if (*capped) ns = hang;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ns / 1000000000ull;
    ts.tv_nsec += ns % 1000000000ull;
    if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
    return ts;
}

/* ---- Queue external synchronisation ---- */

static bool queue_enter(struct mock_queue *q, const char *fn)
{
    if (atomic_exchange(&q->busy, 1))
    {
        report("%s: queue %p used by two threads at once (external synchronisation)", fn, (void *)q);
        return false;
    }
    return true;
}

static void queue_leave(struct mock_queue *q, bool entered)
{
    if (entered) atomic_store(&q->busy, 0);
}

/* ---- Global and instance functions ---- */

static VkResult VKAPI_CALL mock_vkEnumerateInstanceVersion(uint32_t *version)
{
    *version = VK_API_VERSION_1_3;
    return VK_SUCCESS;
}

static VkResult VKAPI_CALL mock_vkEnumerateInstanceLayerProperties(uint32_t *count, VkLayerProperties *props)
{
    if (!props) { *count = 1; return VK_SUCCESS; }
    if (!*count) return VK_INCOMPLETE;
    memset(props, 0, sizeof(*props));
    strcpy(props->layerName, "VK_LAYER_KHRONOS_validation");
    props->specVersion = VK_API_VERSION_1_3;
    strcpy(props->description, "mock_vulkan's own checks");
    *count = 1;
    return VK_SUCCESS;
}

static VkResult VKAPI_CALL mock_vkEnumerateInstanceExtensionProperties(const char *layer, uint32_t *count,
                                                                      VkExtensionProperties *props)
{
    if (!props) { *count = 1; return VK_SUCCESS; }
    if (!*count) return VK_INCOMPLETE;
    memset(props, 0, sizeof(*props));
    strcpy(props->extensionName, VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    props->specVersion = 2;
    *count = 1;
    return VK_SUCCESS;
}

static VkResult VKAPI_CALL mock_vkCreateInstance(const VkInstanceCreateInfo *info, const VkAllocationCallbacks *a,
                                                 VkInstance *out)
{
    const VkBaseInStructure *s;
    struct mock_instance *inst;
    VkResult vr;
    uint32_t i;

    pthread_mutex_lock(&m.lock);
    if (fault(MOCK_vkCreateInstance, NULL, &vr)) goto done;
    vr = VK_SUCCESS;
    if (m.instance) report("vkCreateInstance: an instance is already live");
    for (i = 0; i < info->enabledLayerCount; i++)
        if (strcmp(info->ppEnabledLayerNames[i], "VK_LAYER_KHRONOS_validation")) vr = VK_ERROR_LAYER_NOT_PRESENT;
    for (i = 0; i < info->enabledExtensionCount; i++)
        if (strcmp(info->ppEnabledExtensionNames[i], VK_EXT_DEBUG_UTILS_EXTENSION_NAME)) vr = VK_ERROR_EXTENSION_NOT_PRESENT;
    if (vr) goto done;
    inst = new_obj(sizeof(*inst), K_INSTANCE, NULL);
    for (s = info->pNext; s; s = s->pNext)
    {
        if (s->sType != VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT) continue;
        inst->create_callback = ((const VkDebugUtilsMessengerCreateInfoEXT *)s)->pfnUserCallback;
        inst->create_user = ((const VkDebugUtilsMessengerCreateInfoEXT *)s)->pUserData;
    }
    m.instance = inst;
    m.counts.instances++;
    *out = (VkInstance)inst;
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static void VKAPI_CALL mock_vkDestroyInstance(VkInstance instance, const VkAllocationCallbacks *a)
{
    struct mock_instance *inst;

    if (!instance) return;
    pthread_mutex_lock(&m.lock);
    if ((inst = lookup(instance, K_INSTANCE, "vkDestroyInstance")))
    {
        if (m.devices) report("vkDestroyInstance: %d devices still live", m.counts.devices);
        if (m.messenger) report("vkDestroyInstance: debug messenger still live");
        m.instance = NULL;
        m.counts.instances--;
        kill_obj(&inst->o);
    }
    pthread_mutex_unlock(&m.lock);
}

static VkResult VKAPI_CALL mock_vkEnumeratePhysicalDevices(VkInstance instance, uint32_t *count, VkPhysicalDevice *out)
{
    VkResult vr = VK_SUCCESS;
    uint32_t i, n;

    pthread_mutex_lock(&m.lock);
    if (fault(MOCK_vkEnumeratePhysicalDevices, NULL, &vr)) goto done;
    if (!lookup(instance, K_INSTANCE, "vkEnumeratePhysicalDevices")) { vr = VK_ERROR_INITIALIZATION_FAILED; goto done; }
    n = m.cfg.physical_devices;
    if (!out) { *count = n; goto done; }
    if (*count < n) { n = *count; vr = VK_INCOMPLETE; }
    for (i = 0; i < n; i++) out[i] = (VkPhysicalDevice)&m.physical[i];
    *count = n;
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static struct mock_physical *physical(VkPhysicalDevice pd, const char *fn)
{
    struct mock_physical *p = (struct mock_physical *)pd;
    if (p < m.physical || p >= m.physical + m.cfg.physical_devices)
    {
        report("%s: %p is not a physical device", fn, (void *)pd);
        return &m.physical[0];
    }
    return p;
}

static void VKAPI_CALL mock_vkGetPhysicalDeviceProperties(VkPhysicalDevice pd, VkPhysicalDeviceProperties *props)
{
    struct mock_physical *p;

    pthread_mutex_lock(&m.lock);
    p = physical(pd, "vkGetPhysicalDeviceProperties");
    memset(props, 0, sizeof(*props));
    props->apiVersion = VK_API_VERSION_1_3;
    props->driverVersion = 1;
    props->vendorID = 0x10005;
    props->deviceID = 0x4d00 + p->index;
    props->deviceType = VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
    snprintf(props->deviceName, sizeof(props->deviceName), "d3dkmt mock GPU %u", p->index);
    props->pipelineCacheUUID[0] = (uint8_t)p->index;
    props->limits.sparseAddressSpaceSize = 1ull << 40;
    pthread_mutex_unlock(&m.lock);
}

static void VKAPI_CALL mock_vkGetPhysicalDeviceProperties2(VkPhysicalDevice pd, VkPhysicalDeviceProperties2 *props)
{
    VkBaseOutStructure *s;
    struct mock_physical *p;

    mock_vkGetPhysicalDeviceProperties(pd, &props->properties);
    pthread_mutex_lock(&m.lock);
    p = physical(pd, "vkGetPhysicalDeviceProperties2");
    for (s = props->pNext; s; s = s->pNext)
    {
        switch (s->sType)
        {
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES:
        {
            VkPhysicalDeviceIDProperties *id = (VkPhysicalDeviceIDProperties *)s;
            memset(id->deviceUUID, 0, VK_UUID_SIZE);
            memcpy(id->deviceUUID, "d3dkmt-mock-gpu", 15);
            id->deviceUUID[15] = (uint8_t)p->index;
            memset(id->driverUUID, 0, VK_UUID_SIZE);
            id->deviceLUID[0] = 0x4d;
            id->deviceLUID[1] = (uint8_t)(p->index + 1);
            memset(id->deviceLUID + 2, 0, VK_LUID_SIZE - 2);
            id->deviceNodeMask = 1;
            id->deviceLUIDValid = VK_TRUE;
            break;
        }
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES:
            ((VkPhysicalDeviceVulkan12Properties *)s)->maxTimelineSemaphoreValueDifference = m.cfg.max_timeline_difference;
            break;
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_TIMELINE_SEMAPHORE_PROPERTIES:
            ((VkPhysicalDeviceTimelineSemaphoreProperties *)s)->maxTimelineSemaphoreValueDifference = m.cfg.max_timeline_difference;
            break;
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT:
            ((VkPhysicalDeviceExternalMemoryHostPropertiesEXT *)s)->minImportedHostPointerAlignment = 4096;
            break;
        default:
            break;
        }
    }
    pthread_mutex_unlock(&m.lock);
}

static void VKAPI_CALL mock_vkGetPhysicalDeviceFeatures2(VkPhysicalDevice pd, VkPhysicalDeviceFeatures2 *features)
{
    VkBaseOutStructure *s;

    pthread_mutex_lock(&m.lock);
    physical(pd, "vkGetPhysicalDeviceFeatures2");
    memset(&features->features, 0, sizeof(features->features));
    features->features.sparseBinding = m.cfg.sparse_binding;
    features->features.sparseResidencyBuffer = m.cfg.sparse_binding;
    for (s = features->pNext; s; s = s->pNext)
    {
        switch (s->sType)
        {
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES:
            ((VkPhysicalDeviceVulkan12Features *)s)->timelineSemaphore = VK_TRUE;
            ((VkPhysicalDeviceVulkan12Features *)s)->bufferDeviceAddress = m.cfg.buffer_device_address;
            break;
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES:
            ((VkPhysicalDeviceVulkan13Features *)s)->synchronization2 = VK_TRUE;
            break;
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PRIORITY_FEATURES_EXT:
            ((VkPhysicalDeviceMemoryPriorityFeaturesEXT *)s)->memoryPriority = m.cfg.memory_priority;
            break;
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PAGEABLE_DEVICE_LOCAL_MEMORY_FEATURES_EXT:
            ((VkPhysicalDevicePageableDeviceLocalMemoryFeaturesEXT *)s)->pageableDeviceLocalMemory = m.cfg.pageable;
            break;
        default:
            break;
        }
    }
    pthread_mutex_unlock(&m.lock);
}

/* Types: 0 DEVICE_LOCAL (heap 0), 1 HOST_VISIBLE|HOST_COHERENT (heap 1),
 * 2 DEVICE_LOCAL|HOST_VISIBLE|HOST_COHERENT (heap 0). */
/* The memory types host memory can be imported as (VK_EXT_external_memory_host): the
 * host-visible system memory type. */
#define HOST_IMPORT_TYPES (1u << 1)

static void memory_properties(VkPhysicalDeviceMemoryProperties *mp)
{
    memset(mp, 0, sizeof(*mp));
    mp->memoryTypeCount = 3;
    mp->memoryTypes[0].propertyFlags = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    mp->memoryTypes[0].heapIndex = 0;
    mp->memoryTypes[1].propertyFlags = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    mp->memoryTypes[1].heapIndex = 1;
    mp->memoryTypes[2].propertyFlags = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT
                                     | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    mp->memoryTypes[2].heapIndex = 0;
    mp->memoryHeapCount = 2;
    mp->memoryHeaps[0].size = m.cfg.local_heap_size;
    mp->memoryHeaps[0].flags = VK_MEMORY_HEAP_DEVICE_LOCAL_BIT;
    mp->memoryHeaps[1].size = m.cfg.host_heap_size;
}

static void VKAPI_CALL mock_vkGetPhysicalDeviceMemoryProperties(VkPhysicalDevice pd, VkPhysicalDeviceMemoryProperties *mp)
{
    pthread_mutex_lock(&m.lock);
    physical(pd, "vkGetPhysicalDeviceMemoryProperties");
    memory_properties(mp);
    pthread_mutex_unlock(&m.lock);
}

static void VKAPI_CALL mock_vkGetPhysicalDeviceMemoryProperties2(VkPhysicalDevice pd, VkPhysicalDeviceMemoryProperties2 *mp)
{
    VkBaseOutStructure *s;

    pthread_mutex_lock(&m.lock);
    physical(pd, "vkGetPhysicalDeviceMemoryProperties2");
    memory_properties(&mp->memoryProperties);
    for (s = mp->pNext; s; s = s->pNext)
    {
        VkPhysicalDeviceMemoryBudgetPropertiesEXT *b = (VkPhysicalDeviceMemoryBudgetPropertiesEXT *)s;
        uint32_t i;

        if (s->sType != VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT) continue;
        if (!m.cfg.memory_budget) report("vkGetPhysicalDeviceMemoryProperties2: VK_EXT_memory_budget is not supported");
        memset(b->heapBudget, 0, sizeof(b->heapBudget));
        memset(b->heapUsage, 0, sizeof(b->heapUsage));
        for (i = 0; i < 2; i++)
        {
            b->heapBudget[i] = m.budget[i] ? m.budget[i] : mp->memoryProperties.memoryHeaps[i].size;
            b->heapUsage[i] = m.counts.heap_usage[i];
        }
    }
    pthread_mutex_unlock(&m.lock);
}

static void VKAPI_CALL mock_vkGetPhysicalDeviceQueueFamilyProperties(VkPhysicalDevice pd, uint32_t *count,
                                                                    VkQueueFamilyProperties *props)
{
    pthread_mutex_lock(&m.lock);
    physical(pd, "vkGetPhysicalDeviceQueueFamilyProperties");
    if (!props) *count = 1;
    else if (*count)
    {
        memset(props, 0, sizeof(*props));
        props->queueFlags = VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT | VK_QUEUE_TRANSFER_BIT
                          | (m.cfg.sparse_binding ? VK_QUEUE_SPARSE_BINDING_BIT : 0);
        props->queueCount = 1;
        props->timestampValidBits = 64;
        props->minImageTransferGranularity = (VkExtent3D){ 1, 1, 1 };
        *count = 1;
    }
    pthread_mutex_unlock(&m.lock);
}

static uint32_t device_extensions(const char **names)
{
    uint32_t n = 0;
    if (m.cfg.memory_priority) names[n++] = VK_EXT_MEMORY_PRIORITY_EXTENSION_NAME;
    if (m.cfg.memory_priority && m.cfg.pageable) names[n++] = VK_EXT_PAGEABLE_DEVICE_LOCAL_MEMORY_EXTENSION_NAME;
    if (m.cfg.memory_budget) names[n++] = VK_EXT_MEMORY_BUDGET_EXTENSION_NAME;
    if (m.cfg.external_memory_host) names[n++] = VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME;
    return n;
}

static VkResult VKAPI_CALL mock_vkEnumerateDeviceExtensionProperties(VkPhysicalDevice pd, const char *layer,
                                                                    uint32_t *count, VkExtensionProperties *props)
{
    const char *names[5];
    VkResult vr = VK_SUCCESS;
    uint32_t n, i;

    pthread_mutex_lock(&m.lock);
    if (fault(MOCK_vkEnumerateDeviceExtensionProperties, NULL, &vr)) goto done;
    physical(pd, "vkEnumerateDeviceExtensionProperties");
    n = device_extensions(names);
    if (!props) { *count = n; goto done; }
    if (*count < n) { n = *count; vr = VK_INCOMPLETE; }
    for (i = 0; i < n; i++)
    {
        memset(&props[i], 0, sizeof(props[i]));
        strcpy(props[i].extensionName, names[i]);
        props[i].specVersion = 1;
    }
    *count = n;
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static VkResult VKAPI_CALL mock_vkCreateDebugUtilsMessengerEXT(VkInstance instance,
                                                              const VkDebugUtilsMessengerCreateInfoEXT *info,
                                                              const VkAllocationCallbacks *a,
                                                              VkDebugUtilsMessengerEXT *out)
{
    struct mock_messenger *msg;
    VkResult vr = VK_SUCCESS;

    pthread_mutex_lock(&m.lock);
    if (fault(MOCK_vkCreateDebugUtilsMessengerEXT, NULL, &vr)) goto done;
    if (!lookup(instance, K_INSTANCE, "vkCreateDebugUtilsMessengerEXT")) { vr = VK_ERROR_INITIALIZATION_FAILED; goto done; }
    msg = new_obj(sizeof(*msg), K_MESSENGER, NULL);
    msg->callback = info->pfnUserCallback;
    msg->user = info->pUserData;
    m.messenger = msg;
    m.counts.messengers++;
    *out = (VkDebugUtilsMessengerEXT)msg;
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static void VKAPI_CALL mock_vkDestroyDebugUtilsMessengerEXT(VkInstance instance, VkDebugUtilsMessengerEXT messenger,
                                                           const VkAllocationCallbacks *a)
{
    struct mock_messenger *msg;

    if (!messenger) return;
    pthread_mutex_lock(&m.lock);
    if ((msg = lookup(messenger, K_MESSENGER, "vkDestroyDebugUtilsMessengerEXT")))
    {
        if (m.messenger == msg) m.messenger = NULL;
        m.counts.messengers--;
        kill_obj(&msg->o);
    }
    pthread_mutex_unlock(&m.lock);
}

static PFN_vkVoidFunction VKAPI_CALL mock_vkGetDeviceProcAddr(VkDevice device, const char *name);

static VkResult VKAPI_CALL mock_vkCreateDevice(VkPhysicalDevice pd, const VkDeviceCreateInfo *info,
                                               const VkAllocationCallbacks *a, VkDevice *out)
{
    const char *names[5];
    const VkBaseInStructure *s;
    struct mock_device *dev;
    bool sparse = false, priority = false, pageable = false, budget = false, bda = false, host_import = false;
    VkResult vr = VK_SUCCESS;
    uint32_t i, j, n;

    pthread_mutex_lock(&m.lock);
    if (fault(MOCK_vkCreateDevice, NULL, &vr)) goto done;
    physical(pd, "vkCreateDevice");
    if (info->queueCreateInfoCount != 1 || info->pQueueCreateInfos[0].queueFamilyIndex != 0
            || info->pQueueCreateInfos[0].queueCount != 1)
        report("vkCreateDevice: one queue of family 0 expected");
    n = device_extensions(names);
    for (i = 0; i < info->enabledExtensionCount; i++)
    {
        const char *e = info->ppEnabledExtensionNames[i];
        for (j = 0; j < n; j++) if (!strcmp(e, names[j])) break;
        if (j == n) { vr = VK_ERROR_EXTENSION_NOT_PRESENT; goto done; }
        if (!strcmp(e, VK_EXT_MEMORY_PRIORITY_EXTENSION_NAME)) priority = true;
        if (!strcmp(e, VK_EXT_PAGEABLE_DEVICE_LOCAL_MEMORY_EXTENSION_NAME)) pageable = true;
        if (!strcmp(e, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME)) budget = true;
        if (!strcmp(e, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME)) host_import = true;
    }
    if (pageable && !priority) report("vkCreateDevice: VK_EXT_pageable_device_local_memory needs VK_EXT_memory_priority");
    if (info->pEnabledFeatures && info->pEnabledFeatures->sparseBinding) sparse = true;
    for (s = info->pNext; s; s = s->pNext)
    {
        if (s->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2)
            sparse |= ((const VkPhysicalDeviceFeatures2 *)s)->features.sparseBinding;
        if (s->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES)
            bda |= ((const VkPhysicalDeviceVulkan12Features *)s)->bufferDeviceAddress;
    }
    if ((sparse && !m.cfg.sparse_binding) || (bda && !m.cfg.buffer_device_address))
    {
        vr = VK_ERROR_FEATURE_NOT_PRESENT;
        goto done;
    }
    dev = new_obj(sizeof(*dev), K_DEVICE, NULL);
    dev->queue.o.kind = K_QUEUE;
    dev->queue.o.dev = dev;
    registry_insert(&dev->queue.o);
    dev->sparse = sparse;
    dev->priority = priority;
    dev->pageable = pageable;
    dev->budget = budget;
    dev->bda = bda;
    dev->host_import = host_import;
    dev->next_device = m.devices;
    m.devices = dev;
    m.counts.devices++;
    *out = (VkDevice)dev;
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static void VKAPI_CALL mock_vkDestroyDevice(VkDevice device, const VkAllocationCallbacks *a)
{
    struct mock_device *dev, **p;
    size_t i;

    if (!device) return;
    pthread_mutex_lock(&m.lock);
    if (!(dev = lookup(device, K_DEVICE, "vkDestroyDevice"))) goto done;
    if (dev->queue.head && !dev->lost) report("vkDestroyDevice: %d batches still queued", dev->queue.count);
    lose(dev);   /* drops the batches */
    if (dev->children) report("vkDestroyDevice: %d objects of the device still live", dev->children);
    for (i = 0; i < m.slot_count; i++)
    {
        struct obj *o = m.slots[i];
        if (!o || o == TOMB || o->dev != dev || o->kind == K_QUEUE) continue;
        if (o->kind == K_MEMORY) { m.counts.memories--; m.counts.heap_usage[((struct mock_memory *)o)->heap] -= ((struct mock_memory *)o)->size; }
        if (o->kind == K_BUFFER) m.counts.buffers--;
        if (o->kind == K_SEMAPHORE) m.counts.semaphores--;
        if (o->kind == K_POOL)
        {
            struct mock_pool *pool = (struct mock_pool *)o;
            uint32_t k;
            for (k = 0; k < pool->count; k++) kill_obj(&pool->bufs[k]->o);
            pool->count = 0;
            m.counts.command_pools--;
        }
        if (o->kind == K_MEMORY && ((struct mock_memory *)o)->mapped) m.counts.mapped--;
        kill_obj(o);
    }
    for (p = &m.devices; *p; p = &(*p)->next_device)
        if (*p == dev) { *p = dev->next_device; break; }
    registry_remove(&dev->queue.o);
    m.counts.devices--;
    kill_obj(&dev->o);
done:
    pthread_mutex_unlock(&m.lock);
}

static void VKAPI_CALL mock_vkGetDeviceQueue(VkDevice device, uint32_t family, uint32_t index, VkQueue *queue)
{
    struct mock_device *dev;

    pthread_mutex_lock(&m.lock);
    if ((dev = lookup(device, K_DEVICE, "vkGetDeviceQueue")))
    {
        if (family || index) report("vkGetDeviceQueue: family %u index %u does not exist", family, index);
        *queue = (VkQueue)&dev->queue;
    }
    pthread_mutex_unlock(&m.lock);
}

/* Waits until the device's queue is empty (mock lock held). */
static VkResult wait_queue_idle(struct mock_device *dev, const char *fn)
{
    bool capped;
    struct timespec deadline = deadline_after(UINT64_MAX, &capped);
    VkResult vr = VK_SUCCESS;

    m.blocked++;
    while (dev->queue.head && !dev->lost)
    {
        if (pthread_cond_timedwait(&m.cond, &m.lock, &deadline) == ETIMEDOUT)
        {
            report("%s: queue not idle after %u ms (the GPU waits for something never signalled)", fn, m.cfg.hang_ms);
            vr = VK_ERROR_DEVICE_LOST;
            break;
        }
    }
    m.blocked--;
    return vr ? vr : dev->lost ? VK_ERROR_DEVICE_LOST : VK_SUCCESS;
}

static VkResult VKAPI_CALL mock_vkDeviceWaitIdle(VkDevice device)
{
    struct mock_device *dev;
    VkResult vr = VK_ERROR_DEVICE_LOST;

    pthread_mutex_lock(&m.lock);
    if ((dev = lookup(device, K_DEVICE, "vkDeviceWaitIdle")) && !fault(MOCK_vkDeviceWaitIdle, dev, &vr))
        vr = wait_queue_idle(dev, "vkDeviceWaitIdle");
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static VkResult VKAPI_CALL mock_vkQueueWaitIdle(VkQueue queue)
{
    struct mock_queue *q;
    VkResult vr = VK_ERROR_DEVICE_LOST;
    bool entered = false;

    pthread_mutex_lock(&m.lock);
    if ((q = lookup(queue, K_QUEUE, "vkQueueWaitIdle")))
    {
        entered = queue_enter(q, "vkQueueWaitIdle");
        if (!fault(MOCK_vkQueueWaitIdle, q->o.dev, &vr)) vr = wait_queue_idle(q->o.dev, "vkQueueWaitIdle");
        queue_leave(q, entered);
    }
    pthread_mutex_unlock(&m.lock);
    return vr;
}

/* ---- Memory ---- */

static VkResult VKAPI_CALL mock_vkAllocateMemory(VkDevice device, const VkMemoryAllocateInfo *info,
                                                 const VkAllocationCallbacks *a, VkDeviceMemory *out)
{
    VkPhysicalDeviceMemoryProperties mp;
    const VkBaseInStructure *s;
    struct mock_device *dev;
    struct mock_memory *mem;
    float priority = 0.5f;
    VkResult vr = VK_ERROR_DEVICE_LOST;
    void *host = NULL;
    uint32_t heap;

    pthread_mutex_lock(&m.lock);
    if (!(dev = lookup(device, K_DEVICE, "vkAllocateMemory"))) goto done;
    if (fault(MOCK_vkAllocateMemory, dev, &vr)) goto done;
    memory_properties(&mp);
    vr = VK_ERROR_OUT_OF_DEVICE_MEMORY;
    if (info->memoryTypeIndex >= mp.memoryTypeCount)
    {
        report("vkAllocateMemory: memory type %u does not exist", info->memoryTypeIndex);
        goto done;
    }
    if (!info->allocationSize) { report("vkAllocateMemory: allocationSize is 0"); goto done; }
    for (s = info->pNext; s; s = s->pNext)
    {
        if (s->sType == VK_STRUCTURE_TYPE_MEMORY_PRIORITY_ALLOCATE_INFO_EXT)
        {
            priority = ((const VkMemoryPriorityAllocateInfoEXT *)s)->priority;
            if (!dev->priority) report("vkAllocateMemory: VK_EXT_memory_priority is not enabled");
            if (!(priority >= 0.0f && priority <= 1.0f)) report("vkAllocateMemory: priority %f outside [0, 1]", priority);
        }
        if (s->sType == VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO
                && (((const VkMemoryAllocateFlagsInfo *)s)->flags & VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT) && !dev->bda)
            report("vkAllocateMemory: bufferDeviceAddress is not enabled");
        if (s->sType == VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT)
        {
            const VkImportMemoryHostPointerInfoEXT *import = (const VkImportMemoryHostPointerInfoEXT *)s;
            if (!dev->host_import) report("vkAllocateMemory: VK_EXT_external_memory_host is not enabled");
            if (import->handleType != VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT)
                report("vkAllocateMemory: host pointer import of handle type %#x", import->handleType);
            if ((uintptr_t)import->pHostPointer % 4096 || info->allocationSize % 4096)
                report("vkAllocateMemory: host pointer %p or size %llu not aligned to minImportedHostPointerAlignment",
                       import->pHostPointer, (unsigned long long)info->allocationSize);
            if (!(HOST_IMPORT_TYPES & (1u << info->memoryTypeIndex)))
                report("vkAllocateMemory: memory type %u cannot import host memory", info->memoryTypeIndex);
            host = import->pHostPointer;
        }
    }
    heap = mp.memoryTypes[info->memoryTypeIndex].heapIndex;
    if (m.counts.heap_usage[heap] + info->allocationSize > mp.memoryHeaps[heap].size) goto done;
    mem = new_obj(sizeof(*mem), K_MEMORY, dev);
    mem->size = info->allocationSize;
    mem->type = info->memoryTypeIndex;
    mem->heap = heap;
    mem->priority = priority;
    if (host)
    {
        mem->data = host;
        mem->imported = true;
    }
    m.counts.memories++;
    m.counts.heap_usage[heap] += mem->size;
    *out = (VkDeviceMemory)mem;
    vr = VK_SUCCESS;
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static VkResult VKAPI_CALL mock_vkGetMemoryHostPointerPropertiesEXT(VkDevice device, VkExternalMemoryHandleTypeFlagBits type,
                                                                    const void *pointer,
                                                                    VkMemoryHostPointerPropertiesEXT *props)
{
    struct mock_device *dev;
    VkResult vr = VK_ERROR_INVALID_EXTERNAL_HANDLE;

    pthread_mutex_lock(&m.lock);
    if (!(dev = lookup(device, K_DEVICE, "vkGetMemoryHostPointerPropertiesEXT"))) goto done;
    if (!dev->host_import) report("vkGetMemoryHostPointerPropertiesEXT: VK_EXT_external_memory_host is not enabled");
    if (type != VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT)
        report("vkGetMemoryHostPointerPropertiesEXT: handle type %#x", type);
    if ((uintptr_t)pointer % 4096)
        report("vkGetMemoryHostPointerPropertiesEXT: pointer %p not aligned to minImportedHostPointerAlignment", pointer);
    props->memoryTypeBits = HOST_IMPORT_TYPES;
    vr = VK_SUCCESS;
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static void VKAPI_CALL mock_vkFreeMemory(VkDevice device, VkDeviceMemory memory, const VkAllocationCallbacks *a)
{
    struct mock_memory *mem;

    if (!memory) return;
    pthread_mutex_lock(&m.lock);
    if (lookup(device, K_DEVICE, "vkFreeMemory") && (mem = lookup(memory, K_MEMORY, "vkFreeMemory")))
    {
        if (mem->o.dev != (struct mock_device *)device) report("vkFreeMemory: memory %p is of another device", (void *)mem);
        if (mem->o.refs) report("vkFreeMemory: memory %p freed while a queued sparse bind uses it", (void *)mem);
        if (mem->mapped) m.counts.mapped--;
        m.counts.memories--;
        m.counts.heap_usage[mem->heap] -= mem->size;
        kill_obj(&mem->o);
    }
    pthread_mutex_unlock(&m.lock);
}

static VkResult VKAPI_CALL mock_vkMapMemory(VkDevice device, VkDeviceMemory memory, VkDeviceSize offset,
                                            VkDeviceSize size, VkMemoryMapFlags flags, void **data)
{
    VkPhysicalDeviceMemoryProperties mp;
    struct mock_memory *mem;
    struct mock_device *dev;
    VkResult vr = VK_ERROR_MEMORY_MAP_FAILED;

    pthread_mutex_lock(&m.lock);
    if (!(dev = lookup(device, K_DEVICE, "vkMapMemory")) || !(mem = lookup(memory, K_MEMORY, "vkMapMemory"))) goto done;
    if (fault(MOCK_vkMapMemory, dev, &vr)) goto done;
    memory_properties(&mp);
    if (!(mp.memoryTypes[mem->type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT))
    {
        report("vkMapMemory: memory %p is not host visible", (void *)mem);
        goto done;
    }
    if (mem->mapped) { report("vkMapMemory: memory %p is already mapped", (void *)mem); goto done; }
    if (offset >= mem->size || (size != VK_WHOLE_SIZE && offset + size > mem->size))
    {
        report("vkMapMemory: range outside the memory");
        goto done;
    }
    if (!mem->data) mem->data = mock_calloc(1, mem->size);
    mem->mapped = true;
    m.counts.mapped++;
    *data = (char *)mem->data + offset;
    vr = VK_SUCCESS;
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static void VKAPI_CALL mock_vkUnmapMemory(VkDevice device, VkDeviceMemory memory)
{
    struct mock_memory *mem;

    pthread_mutex_lock(&m.lock);
    if (lookup(device, K_DEVICE, "vkUnmapMemory") && (mem = lookup(memory, K_MEMORY, "vkUnmapMemory")))
    {
        if (!mem->mapped) report("vkUnmapMemory: memory %p is not mapped", (void *)mem);
        else { mem->mapped = false; m.counts.mapped--; }
    }
    pthread_mutex_unlock(&m.lock);
}

static void VKAPI_CALL mock_vkSetDeviceMemoryPriorityEXT(VkDevice device, VkDeviceMemory memory, float priority)
{
    struct mock_device *dev;
    struct mock_memory *mem;

    pthread_mutex_lock(&m.lock);
    if ((dev = lookup(device, K_DEVICE, "vkSetDeviceMemoryPriorityEXT"))
            && (mem = lookup(memory, K_MEMORY, "vkSetDeviceMemoryPriorityEXT")))
    {
        if (!dev->pageable) report("vkSetDeviceMemoryPriorityEXT: pageable device local memory is not enabled");
        if (!(priority >= 0.0f && priority <= 1.0f)) report("vkSetDeviceMemoryPriorityEXT: priority %f outside [0, 1]", priority);
        mem->priority = priority;
    }
    m.priority_calls++;
    pthread_mutex_unlock(&m.lock);
}

unsigned int mock_vk_priority_calls(void)
{
    unsigned int n;
    pthread_mutex_lock(&m.lock);
    n = m.priority_calls;
    pthread_mutex_unlock(&m.lock);
    return n;
}

/* ---- Buffers ---- */

#define SPARSE_PAGE 65536u

static VkResult VKAPI_CALL mock_vkCreateBuffer(VkDevice device, const VkBufferCreateInfo *info,
                                               const VkAllocationCallbacks *a, VkBuffer *out)
{
    struct mock_device *dev;
    struct mock_buffer *buf;
    VkResult vr = VK_ERROR_OUT_OF_HOST_MEMORY;

    pthread_mutex_lock(&m.lock);
    if (!(dev = lookup(device, K_DEVICE, "vkCreateBuffer"))) goto done;
    if (fault(MOCK_vkCreateBuffer, dev, &vr)) goto done;
    if (!info->size) { report("vkCreateBuffer: size 0"); goto done; }
    if ((info->flags & VK_BUFFER_CREATE_SPARSE_BINDING_BIT) && !dev->sparse)
        report("vkCreateBuffer: sparseBinding is not enabled");
    if ((info->usage & VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT) && !dev->bda)
        report("vkCreateBuffer: bufferDeviceAddress is not enabled");
    buf = new_obj(sizeof(*buf), K_BUFFER, dev);
    buf->size = info->size;
    buf->sparse = info->flags & VK_BUFFER_CREATE_SPARSE_BINDING_BIT;
    m.next_address += (info->size + SPARSE_PAGE - 1) / SPARSE_PAGE * SPARSE_PAGE + SPARSE_PAGE;
    buf->address = 0x100000000ull + m.next_address;
    m.counts.buffers++;
    *out = (VkBuffer)buf;
    vr = VK_SUCCESS;
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static void VKAPI_CALL mock_vkDestroyBuffer(VkDevice device, VkBuffer buffer, const VkAllocationCallbacks *a)
{
    struct mock_buffer *buf;

    if (!buffer) return;
    pthread_mutex_lock(&m.lock);
    if (lookup(device, K_DEVICE, "vkDestroyBuffer") && (buf = lookup(buffer, K_BUFFER, "vkDestroyBuffer")))
    {
        if (buf->o.refs) report("vkDestroyBuffer: buffer %p destroyed while a queued sparse bind uses it", (void *)buf);
        m.counts.buffers--;
        kill_obj(&buf->o);
    }
    pthread_mutex_unlock(&m.lock);
}

static void VKAPI_CALL mock_vkGetBufferMemoryRequirements(VkDevice device, VkBuffer buffer, VkMemoryRequirements *reqs)
{
    struct mock_buffer *buf;

    pthread_mutex_lock(&m.lock);
    if (lookup(device, K_DEVICE, "vkGetBufferMemoryRequirements")
            && (buf = lookup(buffer, K_BUFFER, "vkGetBufferMemoryRequirements")))
    {
        reqs->alignment = buf->sparse ? SPARSE_PAGE : 256;
        reqs->size = (buf->size + reqs->alignment - 1) / reqs->alignment * reqs->alignment;
        reqs->memoryTypeBits = 0x7;
    }
    pthread_mutex_unlock(&m.lock);
}

static VkResult VKAPI_CALL mock_vkBindBufferMemory(VkDevice device, VkBuffer buffer, VkDeviceMemory memory,
                                                   VkDeviceSize offset)
{
    struct mock_device *dev;
    struct mock_buffer *buf;
    struct mock_memory *mem;
    VkResult vr = VK_ERROR_OUT_OF_DEVICE_MEMORY;

    pthread_mutex_lock(&m.lock);
    if (!(dev = lookup(device, K_DEVICE, "vkBindBufferMemory")) || !(buf = lookup(buffer, K_BUFFER, "vkBindBufferMemory"))
            || !(mem = lookup(memory, K_MEMORY, "vkBindBufferMemory")))
        goto done;
    if (fault(MOCK_vkBindBufferMemory, dev, &vr)) goto done;
    if (buf->sparse) report("vkBindBufferMemory: buffer %p is sparse", (void *)buf);
    if (buf->bound) report("vkBindBufferMemory: buffer %p is already bound", (void *)buf);
    if (offset + buf->size > mem->size) report("vkBindBufferMemory: memory too small");
    buf->bound = mem;
    vr = VK_SUCCESS;
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static void (*_Atomic device_address_hook)(void *ctx);
static void *device_address_hook_ctx;

void mock_vk_on_device_address(void (*fn)(void *ctx), void *ctx)
{
    device_address_hook_ctx = ctx;
    atomic_store(&device_address_hook, fn);
}

static VkDeviceAddress VKAPI_CALL mock_vkGetBufferDeviceAddress(VkDevice device, const VkBufferDeviceAddressInfo *info)
{
    void (*hook)(void *ctx) = atomic_exchange(&device_address_hook, NULL);
    struct mock_device *dev;
    struct mock_buffer *buf;
    VkDeviceAddress address = 0;

    if (hook) hook(device_address_hook_ctx);
    pthread_mutex_lock(&m.lock);
    if ((dev = lookup(device, K_DEVICE, "vkGetBufferDeviceAddress"))
            && (buf = lookup(info->buffer, K_BUFFER, "vkGetBufferDeviceAddress")))
    {
        if (!dev->bda) report("vkGetBufferDeviceAddress: bufferDeviceAddress is not enabled");
        address = buf->address;
    }
    pthread_mutex_unlock(&m.lock);
    return address;
}

/* ---- Semaphores ---- */

static VkResult VKAPI_CALL mock_vkCreateSemaphore(VkDevice device, const VkSemaphoreCreateInfo *info,
                                                  const VkAllocationCallbacks *a, VkSemaphore *out)
{
    const VkBaseInStructure *s;
    struct mock_device *dev;
    struct mock_semaphore *sem;
    VkResult vr = VK_ERROR_OUT_OF_HOST_MEMORY;
    uint64_t initial = 0;
    bool timeline = false;

    pthread_mutex_lock(&m.lock);
    if (!(dev = lookup(device, K_DEVICE, "vkCreateSemaphore"))) goto done;
    if (fault(MOCK_vkCreateSemaphore, dev, &vr)) goto done;
    for (s = info->pNext; s; s = s->pNext)
    {
        if (s->sType != VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO) continue;
        timeline = ((const VkSemaphoreTypeCreateInfo *)s)->semaphoreType == VK_SEMAPHORE_TYPE_TIMELINE;
        initial = ((const VkSemaphoreTypeCreateInfo *)s)->initialValue;
    }
    if (!timeline) report("vkCreateSemaphore: the mock only has timeline semaphores");
    sem = new_obj(sizeof(*sem), K_SEMAPHORE, dev);
    sem->value = sem->pending_max = initial;
    m.counts.semaphores++;
    *out = (VkSemaphore)sem;
    vr = VK_SUCCESS;
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static void VKAPI_CALL mock_vkDestroySemaphore(VkDevice device, VkSemaphore semaphore, const VkAllocationCallbacks *a)
{
    struct mock_semaphore *sem;

    if (!semaphore) return;
    pthread_mutex_lock(&m.lock);
    if (lookup(device, K_DEVICE, "vkDestroySemaphore") && (sem = lookup(semaphore, K_SEMAPHORE, "vkDestroySemaphore")))
    {
        if (sem->o.refs) report("vkDestroySemaphore: semaphore %p destroyed while a queued batch or a wait uses it", (void *)sem);
        m.counts.semaphores--;
        kill_obj(&sem->o);
    }
    pthread_mutex_unlock(&m.lock);
}

static VkResult VKAPI_CALL mock_vkGetSemaphoreCounterValue(VkDevice device, VkSemaphore semaphore, uint64_t *value)
{
    struct mock_device *dev;
    struct mock_semaphore *sem;
    VkResult vr = VK_ERROR_DEVICE_LOST;

    pthread_mutex_lock(&m.lock);
    if (!(dev = lookup(device, K_DEVICE, "vkGetSemaphoreCounterValue"))
            || !(sem = lookup(semaphore, K_SEMAPHORE, "vkGetSemaphoreCounterValue")))
        goto done;
    if (fault(MOCK_vkGetSemaphoreCounterValue, dev, &vr)) goto done;
    if (dev->lost) goto done;
    *value = sem->value;
    vr = VK_SUCCESS;
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static bool waits_satisfied(struct mock_semaphore **sems, const uint64_t *values, uint32_t n, bool any)
{
    uint32_t i;
    for (i = 0; i < n; i++)
    {
        bool reached = sems[i]->value >= values[i];
        if (any && reached) return true;
        if (!any && !reached) return false;
    }
    return !any || !n;
}

static VkResult VKAPI_CALL mock_vkWaitSemaphores(VkDevice device, const VkSemaphoreWaitInfo *info, uint64_t timeout)
{
    struct mock_semaphore *sems[128];
    struct mock_device *dev;
    struct timespec deadline;
    VkResult vr = VK_ERROR_DEVICE_LOST;
    bool any = info->flags & VK_SEMAPHORE_WAIT_ANY_BIT, capped;
    uint32_t i, n = info->semaphoreCount;

    pthread_mutex_lock(&m.lock);
    if (!(dev = lookup(device, K_DEVICE, "vkWaitSemaphores"))) goto done;
    if (fault(MOCK_vkWaitSemaphores, dev, &vr)) goto done;
    if (!n || n > 128) { report("vkWaitSemaphores: %u semaphores", n); goto done; }
    for (i = 0; i < n; i++)
    {
        if (!(sems[i] = lookup(info->pSemaphores[i], K_SEMAPHORE, "vkWaitSemaphores")))
        {
            while (i--) unref(&sems[i]->o);
            goto done;
        }
        if (sems[i]->o.dev != dev) report("vkWaitSemaphores: semaphore of another device");
        sems[i]->o.refs++;
    }
    deadline = deadline_after(timeout, &capped);
    if (timeout >= 1000000000ull) m.blocked++;
    for (;;)
    {
        if (dev->lost) { vr = VK_ERROR_DEVICE_LOST; break; }
        if (waits_satisfied(sems, info->pValues, n, any)) { vr = VK_SUCCESS; break; }
        if (!timeout) { vr = VK_TIMEOUT; break; }
        if (pthread_cond_timedwait(&m.cond, &m.lock, &deadline) == ETIMEDOUT)
        {
            if (waits_satisfied(sems, info->pValues, n, any)) { vr = VK_SUCCESS; break; }
            if (capped) report("vkWaitSemaphores: no progress in %u ms (a wait that never ends)", m.cfg.hang_ms);
            vr = VK_TIMEOUT;
            break;
        }
    }
    if (timeout >= 1000000000ull) m.blocked--;
    for (i = 0; i < n; i++) unref(&sems[i]->o);
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

/* Lowest value a queued batch of dev signals sem to, or UINT64_MAX. */
static uint64_t lowest_pending_signal(struct mock_device *dev, struct mock_semaphore *sem)
{
    uint64_t lowest = UINT64_MAX;
    struct batch *b;
    uint32_t i;

    for (b = dev->queue.head; b; b = b->next)
        for (i = 0; i < b->nsignal; i++)
            if (b->signals[i].sem == sem && b->signals[i].value < lowest) lowest = b->signals[i].value;
    return lowest;
}

static VkResult VKAPI_CALL mock_vkSignalSemaphore(VkDevice device, const VkSemaphoreSignalInfo *info)
{
    struct mock_device *dev;
    struct mock_semaphore *sem;
    VkResult vr = VK_ERROR_OUT_OF_HOST_MEMORY;

    pthread_mutex_lock(&m.lock);
    if (!(dev = lookup(device, K_DEVICE, "vkSignalSemaphore"))
            || !(sem = lookup(info->semaphore, K_SEMAPHORE, "vkSignalSemaphore")))
        goto done;
    if (fault(MOCK_vkSignalSemaphore, dev, &vr)) goto done;
    vr = VK_SUCCESS;
    if (info->value <= sem->value)
        report("vkSignalSemaphore: value %llu not above the current %llu", (unsigned long long)info->value,
               (unsigned long long)sem->value);
    else if (info->value >= lowest_pending_signal(dev, sem))
        report("vkSignalSemaphore: value %llu not below a queued signal of %llu", (unsigned long long)info->value,
               (unsigned long long)lowest_pending_signal(dev, sem));
    else if (info->value - sem->value > m.cfg.max_timeline_difference)
        report("vkSignalSemaphore: value %llu beyond maxTimelineSemaphoreValueDifference", (unsigned long long)info->value);
    else
    {
        sem->value = info->value;
        if (sem->pending_max < sem->value) sem->pending_max = sem->value;
        progress();
    }
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

/* ---- Submission ---- */

static struct batch *new_batch(uint32_t nwait, uint32_t nsignal, uint32_t nbind)
{
    struct batch *b = mock_calloc(1, sizeof(*b) + (nwait + nsignal) * sizeof(struct batch_sem)
                                     + nbind * sizeof(struct batch_bind));
    b->waits = (struct batch_sem *)(b + 1);
    b->signals = b->waits + nwait;
    b->binds = (struct batch_bind *)(b->signals + nsignal);
    m.counts.batches++;
    return b;
}

static void enqueue(struct mock_queue *q, struct batch *b)
{
    if (q->tail) q->tail->next = b;
    else q->head = b;
    q->tail = b;
    q->count++;
}

/* Adds a wait or signal of semaphore handle h to b; false (reported) when h is bad. */
static bool batch_sem(struct mock_device *dev, struct batch *b, bool signal, VkSemaphore h, uint64_t value,
                      const char *fn)
{
    struct mock_semaphore *sem = lookup(h, K_SEMAPHORE, fn);

    if (!sem) return false;
    if (sem->o.dev != dev) report("%s: semaphore %p of another device", fn, (void *)sem);
    if (signal)
    {
        if (value <= sem->value || value <= sem->pending_max)
            report("%s: signal value %llu not above the current %llu or a queued %llu", fn,
                   (unsigned long long)value, (unsigned long long)sem->value, (unsigned long long)sem->pending_max);
        if (value > sem->pending_max) sem->pending_max = value;
        b->signals[b->nsignal].sem = sem;
        b->signals[b->nsignal++].value = value;
    }
    else
    {
        b->waits[b->nwait].sem = sem;
        b->waits[b->nwait++].value = value;
    }
    sem->o.refs++;
    return true;
}

static VkResult VKAPI_CALL mock_vkQueueSubmit2(VkQueue queue, uint32_t count, const VkSubmitInfo2 *submits, VkFence fence)
{
    struct mock_queue *q;
    struct mock_device *dev;
    VkResult vr = VK_ERROR_DEVICE_LOST;
    bool entered = false;
    uint32_t i, j;

    pthread_mutex_lock(&m.lock);
    if (!(q = lookup(queue, K_QUEUE, "vkQueueSubmit2"))) goto done;
    dev = q->o.dev;
    entered = queue_enter(q, "vkQueueSubmit2");
    if (fault(MOCK_vkQueueSubmit2, dev, &vr)) goto done;
    if (dev->lost) { vr = VK_ERROR_DEVICE_LOST; goto done; }
    if (fence) report("vkQueueSubmit2: the mock has no fences");
    for (i = 0; i < count; i++)
    {
        const VkSubmitInfo2 *s = &submits[i];
        struct batch *b = new_batch(s->waitSemaphoreInfoCount, s->signalSemaphoreInfoCount, 0);

        for (j = 0; j < s->commandBufferInfoCount; j++)
        {
            struct mock_cmdbuf *cb = lookup(s->pCommandBufferInfos[j].commandBuffer, K_CMDBUF, "vkQueueSubmit2");
            if (cb && cb->state != 2) report("vkQueueSubmit2: command buffer %p not executable", (void *)cb);
        }
        for (j = 0; j < s->waitSemaphoreInfoCount; j++)
            batch_sem(dev, b, false, s->pWaitSemaphoreInfos[j].semaphore, s->pWaitSemaphoreInfos[j].value, "vkQueueSubmit2");
        for (j = 0; j < s->signalSemaphoreInfoCount; j++)
            batch_sem(dev, b, true, s->pSignalSemaphoreInfos[j].semaphore, s->pSignalSemaphoreInfos[j].value, "vkQueueSubmit2");
        enqueue(q, b);
    }
    progress();
    vr = VK_SUCCESS;
done:
    if (q) queue_leave(q, entered);
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static VkResult VKAPI_CALL mock_vkQueueBindSparse(VkQueue queue, uint32_t count, const VkBindSparseInfo *infos, VkFence fence)
{
    struct mock_queue *q;
    struct mock_device *dev;
    VkResult vr = VK_ERROR_DEVICE_LOST;
    bool entered = false;
    uint32_t i, j, k;

    pthread_mutex_lock(&m.lock);
    if (!(q = lookup(queue, K_QUEUE, "vkQueueBindSparse"))) goto done;
    dev = q->o.dev;
    entered = queue_enter(q, "vkQueueBindSparse");
    if (fault(MOCK_vkQueueBindSparse, dev, &vr)) goto done;
    if (dev->lost) { vr = VK_ERROR_DEVICE_LOST; goto done; }
    if (!dev->sparse) report("vkQueueBindSparse: sparseBinding is not enabled");
    if (fence) report("vkQueueBindSparse: the mock has no fences");
    for (i = 0; i < count; i++)
    {
        const VkBindSparseInfo *info = &infos[i];
        const VkTimelineSemaphoreSubmitInfo *tl = NULL;
        const VkBaseInStructure *s;
        uint32_t nbind = 0;
        struct batch *b;

        for (s = info->pNext; s; s = s->pNext)
            if (s->sType == VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO) tl = (const VkTimelineSemaphoreSubmitInfo *)s;
        if ((info->waitSemaphoreCount && (!tl || tl->waitSemaphoreValueCount != info->waitSemaphoreCount))
                || (info->signalSemaphoreCount && (!tl || tl->signalSemaphoreValueCount != info->signalSemaphoreCount)))
            report("vkQueueBindSparse: timeline values missing");
        if (info->imageBindCount || info->imageOpaqueBindCount) report("vkQueueBindSparse: image binds");
        for (j = 0; j < info->bufferBindCount; j++) nbind += info->pBufferBinds[j].bindCount;
        b = new_batch(info->waitSemaphoreCount, info->signalSemaphoreCount, nbind);
        for (j = 0; j < info->waitSemaphoreCount; j++)
            batch_sem(dev, b, false, info->pWaitSemaphores[j],
                      tl && j < tl->waitSemaphoreValueCount ? tl->pWaitSemaphoreValues[j] : 0, "vkQueueBindSparse");
        for (j = 0; j < info->signalSemaphoreCount; j++)
            batch_sem(dev, b, true, info->pSignalSemaphores[j],
                      tl && j < tl->signalSemaphoreValueCount ? tl->pSignalSemaphoreValues[j] : 0, "vkQueueBindSparse");
        for (j = 0; j < info->bufferBindCount; j++)
        {
            const VkSparseBufferMemoryBindInfo *bb = &info->pBufferBinds[j];
            struct mock_buffer *buf = lookup(bb->buffer, K_BUFFER, "vkQueueBindSparse");

            if (!buf) continue;
            if (!buf->sparse) report("vkQueueBindSparse: buffer %p is not sparse", (void *)buf);
            for (k = 0; k < bb->bindCount; k++)
            {
                const VkSparseMemoryBind *bind = &bb->pBinds[k];
                struct mock_memory *mem = NULL;

                if (bind->resourceOffset % SPARSE_PAGE || bind->resourceOffset + bind->size > buf->size
                        || (bind->size % SPARSE_PAGE && bind->resourceOffset + bind->size != buf->size))
                    report("vkQueueBindSparse: bind [%llu, +%llu) does not fit buffer %p (%llu bytes)",
                           (unsigned long long)bind->resourceOffset, (unsigned long long)bind->size, (void *)buf,
                           (unsigned long long)buf->size);
                if (bind->memory && (mem = lookup(bind->memory, K_MEMORY, "vkQueueBindSparse")))
                {
                    if (bind->memoryOffset + bind->size > mem->size) report("vkQueueBindSparse: memory too small");
                    mem->o.refs++;
                }
                buf->o.refs++;
                b->binds[b->nbind].buffer = buf;
                b->binds[b->nbind++].memory = mem;
            }
        }
        enqueue(q, b);
    }
    progress();
    vr = VK_SUCCESS;
done:
    if (q) queue_leave(q, entered);
    pthread_mutex_unlock(&m.lock);
    return vr;
}

/* ---- Command pools and buffers (used by tests, not by the library) ---- */

static VkResult VKAPI_CALL mock_vkCreateCommandPool(VkDevice device, const VkCommandPoolCreateInfo *info,
                                                    const VkAllocationCallbacks *a, VkCommandPool *out)
{
    struct mock_device *dev;
    struct mock_pool *pool;
    VkResult vr = VK_ERROR_OUT_OF_HOST_MEMORY;

    pthread_mutex_lock(&m.lock);
    if (!(dev = lookup(device, K_DEVICE, "vkCreateCommandPool"))) goto done;
    if (fault(MOCK_vkCreateCommandPool, dev, &vr)) goto done;
    pool = new_obj(sizeof(*pool), K_POOL, dev);
    m.counts.command_pools++;
    *out = (VkCommandPool)pool;
    vr = VK_SUCCESS;
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static void VKAPI_CALL mock_vkDestroyCommandPool(VkDevice device, VkCommandPool commandPool, const VkAllocationCallbacks *a)
{
    struct mock_pool *pool;
    uint32_t i;

    if (!commandPool) return;
    pthread_mutex_lock(&m.lock);
    if (lookup(device, K_DEVICE, "vkDestroyCommandPool") && (pool = lookup(commandPool, K_POOL, "vkDestroyCommandPool")))
    {
        for (i = 0; i < pool->count; i++) kill_obj(&pool->bufs[i]->o);
        m.counts.command_pools--;
        kill_obj(&pool->o);
    }
    pthread_mutex_unlock(&m.lock);
}

static VkResult VKAPI_CALL mock_vkAllocateCommandBuffers(VkDevice device, const VkCommandBufferAllocateInfo *info,
                                                         VkCommandBuffer *out)
{
    struct mock_device *dev;
    struct mock_pool *pool;
    VkResult vr = VK_ERROR_OUT_OF_HOST_MEMORY;
    uint32_t i;

    pthread_mutex_lock(&m.lock);
    if (!(dev = lookup(device, K_DEVICE, "vkAllocateCommandBuffers"))
            || !(pool = lookup(info->commandPool, K_POOL, "vkAllocateCommandBuffers")))
        goto done;
    if (fault(MOCK_vkAllocateCommandBuffers, dev, &vr)) goto done;
    {
        struct mock_cmdbuf **bufs = mock_calloc(pool->count + info->commandBufferCount, sizeof(*bufs));
        memcpy(bufs, pool->bufs, pool->count * sizeof(*bufs));
        mock_free(pool->bufs);
        pool->bufs = bufs;
    }
    for (i = 0; i < info->commandBufferCount; i++)
    {
        struct mock_cmdbuf *cb = new_obj(sizeof(*cb), K_CMDBUF, dev);
        dev->children--;   /* owned by the pool */
        cb->o.dev = NULL;
        cb->pool = pool;
        pool->bufs[pool->count++] = cb;
        out[i] = (VkCommandBuffer)cb;
    }
    vr = VK_SUCCESS;
done:
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static VkResult VKAPI_CALL mock_vkBeginCommandBuffer(VkCommandBuffer commandBuffer, const VkCommandBufferBeginInfo *info)
{
    struct mock_cmdbuf *cb;
    VkResult vr = VK_ERROR_OUT_OF_HOST_MEMORY;

    pthread_mutex_lock(&m.lock);
    if ((cb = lookup(commandBuffer, K_CMDBUF, "vkBeginCommandBuffer")) && !fault(MOCK_vkBeginCommandBuffer, NULL, &vr))
    {
        cb->state = 1;
        vr = VK_SUCCESS;
    }
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static VkResult VKAPI_CALL mock_vkEndCommandBuffer(VkCommandBuffer commandBuffer)
{
    struct mock_cmdbuf *cb;
    VkResult vr = VK_ERROR_OUT_OF_HOST_MEMORY;

    pthread_mutex_lock(&m.lock);
    if ((cb = lookup(commandBuffer, K_CMDBUF, "vkEndCommandBuffer")) && !fault(MOCK_vkEndCommandBuffer, NULL, &vr))
    {
        if (cb->state != 1) report("vkEndCommandBuffer: not recording");
        cb->state = 2;
        vr = VK_SUCCESS;
    }
    pthread_mutex_unlock(&m.lock);
    return vr;
}

static void VKAPI_CALL mock_vkCmdCopyBuffer(VkCommandBuffer commandBuffer, VkBuffer src, VkBuffer dst, uint32_t count,
                                            const VkBufferCopy *regions)
{
    struct mock_cmdbuf *cb;

    pthread_mutex_lock(&m.lock);
    if ((cb = lookup(commandBuffer, K_CMDBUF, "vkCmdCopyBuffer")) && cb->state != 1)
        report("vkCmdCopyBuffer: command buffer not recording");
    lookup(src, K_BUFFER, "vkCmdCopyBuffer");
    lookup(dst, K_BUFFER, "vkCmdCopyBuffer");
    pthread_mutex_unlock(&m.lock);
}

/* ---- Dispatch ---- */

#define MOCK_DEVICE_FUNCS(X) \
    X(vkDestroyDevice) X(vkGetDeviceQueue) X(vkDeviceWaitIdle) X(vkAllocateMemory) X(vkFreeMemory) X(vkGetMemoryHostPointerPropertiesEXT) \
    X(vkMapMemory) X(vkUnmapMemory) X(vkCreateBuffer) X(vkDestroyBuffer) X(vkGetBufferMemoryRequirements) \
    X(vkBindBufferMemory) X(vkGetBufferDeviceAddress) X(vkQueueBindSparse) X(vkQueueSubmit2) X(vkQueueWaitIdle) \
    X(vkCreateSemaphore) X(vkDestroySemaphore) X(vkGetSemaphoreCounterValue) X(vkWaitSemaphores) \
    X(vkSignalSemaphore) X(vkSetDeviceMemoryPriorityEXT) X(vkCreateCommandPool) X(vkDestroyCommandPool) \
    X(vkAllocateCommandBuffers) X(vkBeginCommandBuffer) X(vkEndCommandBuffer) X(vkCmdCopyBuffer) \
    X(vkGetDeviceProcAddr)

#define MOCK_INSTANCE_FUNCS(X) \
    X(vkDestroyInstance) X(vkEnumeratePhysicalDevices) X(vkGetPhysicalDeviceProperties) \
    X(vkGetPhysicalDeviceProperties2) X(vkGetPhysicalDeviceFeatures2) X(vkGetPhysicalDeviceMemoryProperties) \
    X(vkGetPhysicalDeviceMemoryProperties2) X(vkGetPhysicalDeviceQueueFamilyProperties) \
    X(vkEnumerateDeviceExtensionProperties) X(vkCreateDevice) X(vkCreateDebugUtilsMessengerEXT) \
    X(vkDestroyDebugUtilsMessengerEXT)

static PFN_vkVoidFunction device_func(const char *name)
{
#define X(fn) if (!strcmp(name, #fn)) return (PFN_vkVoidFunction)mock_##fn;
    MOCK_DEVICE_FUNCS(X)
#undef X
    /* Core 1.2/1.3 aliases. */
    if (!strcmp(name, "vkQueueSubmit2KHR")) return (PFN_vkVoidFunction)mock_vkQueueSubmit2;
    if (!strcmp(name, "vkWaitSemaphoresKHR")) return (PFN_vkVoidFunction)mock_vkWaitSemaphores;
    if (!strcmp(name, "vkSignalSemaphoreKHR")) return (PFN_vkVoidFunction)mock_vkSignalSemaphore;
    if (!strcmp(name, "vkGetSemaphoreCounterValueKHR")) return (PFN_vkVoidFunction)mock_vkGetSemaphoreCounterValue;
    return NULL;
}

static PFN_vkVoidFunction VKAPI_CALL mock_vkGetDeviceProcAddr(VkDevice device, const char *name)
{
    struct mock_device *dev;
    bool pageable = false;

    pthread_mutex_lock(&m.lock);
    if ((dev = lookup(device, K_DEVICE, "vkGetDeviceProcAddr"))) pageable = dev->pageable;
    pthread_mutex_unlock(&m.lock);
    if (!dev) return NULL;
    if (!strcmp(name, "vkSetDeviceMemoryPriorityEXT") && !pageable) return NULL;
    return device_func(name);
}

PFN_vkVoidFunction VKAPI_CALL mock_vk_get_instance_proc_addr(VkInstance instance, const char *name)
{
    if (!strcmp(name, "vkGetInstanceProcAddr")) return (PFN_vkVoidFunction)mock_vk_get_instance_proc_addr;
    if (!strcmp(name, "vkCreateInstance")) return (PFN_vkVoidFunction)mock_vkCreateInstance;
    if (!strcmp(name, "vkEnumerateInstanceVersion")) return (PFN_vkVoidFunction)mock_vkEnumerateInstanceVersion;
    if (!strcmp(name, "vkEnumerateInstanceLayerProperties")) return (PFN_vkVoidFunction)mock_vkEnumerateInstanceLayerProperties;
    if (!strcmp(name, "vkEnumerateInstanceExtensionProperties"))
        return (PFN_vkVoidFunction)mock_vkEnumerateInstanceExtensionProperties;
    if (!instance) return NULL;
#define X(fn) if (!strcmp(name, #fn)) return (PFN_vkVoidFunction)mock_##fn;
    MOCK_INSTANCE_FUNCS(X)
#undef X
    return device_func(name);
}

/* ---- Set-up ---- */

void mock_vk_default_config(struct mock_vk_config *c)
{
    memset(c, 0, sizeof(*c));
    c->physical_devices = 1;
    c->sparse_binding = c->memory_priority = c->pageable = c->memory_budget = c->buffer_device_address = true;
    c->external_memory_host = true;
    c->local_heap_size = 256ull << 20;
    c->host_heap_size = 1ull << 30;
    c->max_timeline_difference = 0xffffffffull;
    c->hang_ms = 20000;
}

void mock_vk_install(const struct mock_vk_config *config)
{
    uint32_t i;

    pthread_mutex_lock(&m.lock);
    if (m.used) fprintf(stderr, "mock_vulkan: warning: %zu objects still live at install\n", m.used);
    if (config) m.cfg = *config;
    else mock_vk_default_config(&m.cfg);
    if (m.cfg.physical_devices > 8) m.cfg.physical_devices = 8;
    if (!m.cfg.hang_ms) m.cfg.hang_ms = 20000;
    for (i = 0; i < 8; i++) m.physical[i].index = i;
    m.owner = pthread_self();
    m.any_thread = false;
    m.fault_fn = -1;
    m.fault_always = m.fault_fired = false;
    memset(m.calls, 0, sizeof(m.calls));
    m.errors = 0;
    m.priority_calls = 0;
    m.paused = false;
    m.budget[0] = m.budget[1] = 0;
    if (!m.used)
    {
        mock_free(m.slots);
        m.slots = NULL;
        m.slot_count = m.used = m.tombs = 0;
        memset(&m.counts, 0, sizeof(m.counts));
        m.instance = NULL;
        m.devices = NULL;
        m.messenger = NULL;
    }
    pthread_mutex_unlock(&m.lock);
    d3dkmt_vk_set_loader(mock_vk_get_instance_proc_addr);
}
