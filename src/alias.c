/*
 * alias.c: alias maps, the names another D3DKMT implementation in the process gave to objects of
 * the library in a format the handle table cannot hold.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Wine 8 and Wine 10.0 number their D3DKMT adapters and devices 1, 2, 3, ... with one counter per
 * kind, never reused: such a value is not in Windows' local format, so d3dkmt_handle_adopt cannot
 * publish an object under it, and the same value names an adapter and a device at once.  An alias
 * map holds, for one kind, which library object each such value names (docs/decisions/wine-handles.md).
 * Only processes whose other implementation makes such values have entries; a map without entries
 * answers a lookup with one atomic load, so the handle lookups that fall back to it cost nothing
 * elsewhere.
 *
 * Layer 3 (src/d3dkmt_private.h): calls handle.c only (an object's last reference).  Each entry
 * holds a reference on its object; references are dropped after the map's lock is released, since
 * the last one runs the object's release function.
 */
#include "d3dkmt_private.h"

#include <stdlib.h>

/* Index of value in map (lock held), or map->count. */
static uint32_t find_locked(const struct d3dkmt_alias_map *map, D3DKMT_HANDLE value)
{
    uint32_t i;

    for (i = 0; i < map->count; i++) if (map->entries[i].value == value) break;
    return i;
}

NTSTATUS d3dkmt_alias_add(struct d3dkmt_alias_map *map, D3DKMT_HANDLE value, struct d3dkmt_object *obj)
{
    NTSTATUS status = STATUS_SUCCESS;

    if (!value) return STATUS_INVALID_PARAMETER;
    pthread_mutex_lock(&map->lock);
    if (find_locked(map, value) < map->count) status = STATUS_OBJECT_NAME_COLLISION;
    else if (map->count == map->capacity)
    {
        uint32_t capacity = map->capacity ? map->capacity * 2 : 8;
        struct d3dkmt_alias *entries = realloc(map->entries, capacity * sizeof(*entries));

        if (!entries) status = STATUS_NO_MEMORY;
        else
        {
            map->entries = entries;
            map->capacity = capacity;
        }
    }
    if (!status)
    {
        d3dkmt_object_get(obj);
        map->entries[map->count].value = value;
        map->entries[map->count].obj = obj;
        map->count++;
        atomic_store_explicit(&map->live, map->count, memory_order_release);
    }
    pthread_mutex_unlock(&map->lock);
    return status;
}

struct d3dkmt_object *d3dkmt_alias_get(struct d3dkmt_alias_map *map, D3DKMT_HANDLE value)
{
    struct d3dkmt_object *obj = NULL;
    uint32_t i;

    if (!value || !atomic_load_explicit(&map->live, memory_order_acquire)) return NULL;
    pthread_mutex_lock(&map->lock);
    if ((i = find_locked(map, value)) < map->count)
    {
        obj = map->entries[i].obj;
        if (atomic_load_explicit(&obj->state, memory_order_relaxed) == D3DKMT_STATE_ACTIVE) d3dkmt_object_get(obj);
        else obj = NULL;
    }
    pthread_mutex_unlock(&map->lock);
    return obj;
}

D3DKMT_HANDLE d3dkmt_alias_of(struct d3dkmt_alias_map *map, const struct d3dkmt_object *obj)
{
    D3DKMT_HANDLE value = 0;
    uint32_t i;

    if (!atomic_load_explicit(&map->live, memory_order_acquire)) return 0;
    pthread_mutex_lock(&map->lock);
    for (i = 0; i < map->count; i++) if (map->entries[i].obj == obj) { value = map->entries[i].value; break; }
    pthread_mutex_unlock(&map->lock);
    return value;
}

/* Removes the entries selected by obj (NULL: all) and drops their references. */
static void remove_entries(struct d3dkmt_alias_map *map, const struct d3dkmt_object *obj)
{
    struct d3dkmt_object *drop[16];
    uint32_t i, n;

    if (!atomic_load_explicit(&map->live, memory_order_acquire)) return;
    do
    {
        n = 0;
        pthread_mutex_lock(&map->lock);
        for (i = 0; i < map->count && n < D3DKMT_ARRAY_SIZE(drop);)
        {
            if (obj && map->entries[i].obj != obj) { i++; continue; }
            drop[n++] = map->entries[i].obj;
            map->entries[i] = map->entries[--map->count];
        }
        atomic_store_explicit(&map->live, map->count, memory_order_release);
        if (!map->count)
        {
            free(map->entries);
            map->entries = NULL;
            map->capacity = 0;
        }
        pthread_mutex_unlock(&map->lock);
        for (i = 0; i < n; i++) d3dkmt_object_put(drop[i]);
    } while (n == D3DKMT_ARRAY_SIZE(drop));
}

void d3dkmt_alias_remove_object(struct d3dkmt_alias_map *map, const struct d3dkmt_object *obj)
{
    remove_entries(map, obj);
}

void d3dkmt_alias_clear(struct d3dkmt_alias_map *map)
{
    remove_entries(map, NULL);
}
