/* reco_intern — open-addressing string interner over one arena (see reco_intern.h).
 *
 * Layout: arena holds id 0, NUL, id 1, NUL, ...; offsets[i] is where id i starts and
 * offsets[count] is the end of the last one, so the length of id i is
 * offsets[i + 1] - offsets[i] - 1. slots[] is a power-of-two table of index + 1 (0 = empty),
 * probed linearly from the id's hash; it doubles when half full, re-hashing the ids from the
 * arena (the hash is cheap next to the memory a cached hash would cost per id). */
#include "reco_intern.h"

#include <stdlib.h>
#include <string.h>

#define MIN_SLOTS 1024
#define MIN_ARENA 4096

struct reco_intern {
    char *arena;
    size_t arena_used, arena_cap;
    size_t *offsets; /* count + 1 */
    size_t count, offsets_cap;
    uint32_t *slots;
    size_t n_slots; /* power of two */
};

/* 64-bit FNV-1a, then a final mix so that the low bits (the ones probed) depend on every byte. */
static uint64_t hash_id(const char *id, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t k = 0; k < len; k++) {
        h ^= (unsigned char)id[k];
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

reco_intern_t *reco_intern_new(void)
{
    reco_intern_t *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->offsets = malloc(MIN_SLOTS * sizeof *t->offsets);
    t->slots = calloc(MIN_SLOTS, sizeof *t->slots);
    t->arena = malloc(MIN_ARENA);
    if (!t->offsets || !t->slots || !t->arena) {
        reco_intern_destroy(&t);
        return NULL;
    }
    t->offsets_cap = MIN_SLOTS;
    t->offsets[0] = 0;
    t->n_slots = MIN_SLOTS;
    t->arena_cap = MIN_ARENA;
    return t;
}

void reco_intern_destroy(reco_intern_t **t)
{
    if (!t || !*t) return;
    free((*t)->arena);
    free((*t)->offsets);
    free((*t)->slots);
    free(*t);
    *t = NULL;
}

int reco_id_compare(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0) return c;
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

static size_t id_len(const reco_intern_t *t, uint32_t i)
{
    return t->offsets[i + 1] - t->offsets[i] - 1;
}

/* The slot holding id, or the empty slot where it would go. */
static size_t probe(const reco_intern_t *t, const char *id, size_t len, uint64_t h)
{
    size_t mask = t->n_slots - 1;
    for (size_t s = (size_t)h & mask;; s = (s + 1) & mask) {
        uint32_t v = t->slots[s];
        if (v == 0) return s;
        uint32_t i = v - 1;
        if (id_len(t, i) == len && memcmp(t->arena + t->offsets[i], id, len) == 0) return s;
    }
}

static int grow_slots(reco_intern_t *t)
{
    size_t n = t->n_slots * 2;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots) return -1;
    size_t mask = n - 1;
    for (size_t i = 0; i < t->count; i++) {
        size_t s = (size_t)hash_id(t->arena + t->offsets[i], id_len(t, (uint32_t)i)) & mask;
        while (slots[s] != 0)
            s = (s + 1) & mask;
        slots[s] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->n_slots = n;
    return 0;
}

static int reserve(reco_intern_t *t, size_t len)
{
    if (t->count + 2 > t->offsets_cap) {
        size_t cap = t->offsets_cap * 2;
        size_t *grown = realloc(t->offsets, cap * sizeof *grown);
        if (!grown) return -1;
        t->offsets = grown;
        t->offsets_cap = cap;
    }
    if (t->arena_used + len + 1 > t->arena_cap) {
        size_t cap = t->arena_cap * 2;
        while (cap < t->arena_used + len + 1)
            cap *= 2;
        char *grown = realloc(t->arena, cap);
        if (!grown) return -1;
        t->arena = grown;
        t->arena_cap = cap;
    }
    return 0;
}

int reco_intern_find(const reco_intern_t *t, const char *id, size_t len, uint32_t *index)
{
    uint32_t v = t->slots[probe(t, id, len, hash_id(id, len))];
    if (v == 0) return -1;
    *index = v - 1;
    return 0;
}

int reco_intern_add(reco_intern_t *t, const char *id, size_t len, uint32_t *index)
{
    uint64_t h = hash_id(id, len);
    size_t s = probe(t, id, len, h);
    if (t->slots[s] != 0) {
        *index = t->slots[s] - 1;
        return 0;
    }
    if (t->count >= UINT32_MAX - 1 || reserve(t, len) != 0) return -1;
    if ((t->count + 1) * 2 > t->n_slots) {
        if (grow_slots(t) != 0) return -1;
        s = probe(t, id, len, h);
    }
    memcpy(t->arena + t->arena_used, id, len);
    t->arena[t->arena_used + len] = '\0';
    t->arena_used += len + 1;
    t->slots[s] = (uint32_t)t->count + 1;
    *index = (uint32_t)t->count;
    t->offsets[++t->count] = t->arena_used;
    return 0;
}

size_t reco_intern_count(const reco_intern_t *t)
{
    return t->count;
}

const char *reco_intern_id(const reco_intern_t *t, uint32_t index, size_t *len)
{
    if (len) *len = id_len(t, index);
    return t->arena + t->offsets[index];
}

size_t reco_intern_memory(const reco_intern_t *t)
{
    return t->arena_cap + t->offsets_cap * sizeof *t->offsets + t->n_slots * sizeof *t->slots;
}

static int compare_indices(const void *pa, const void *pb, void *ctx)
{
    const reco_intern_t *t = ctx;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return reco_id_compare(t->arena + t->offsets[a], id_len(t, a), t->arena + t->offsets[b],
                           id_len(t, b));
}

void reco_intern_sorted(const reco_intern_t *t, const uint32_t *indices, size_t n, uint32_t *order)
{
    for (size_t k = 0; k < n; k++)
        order[k] = indices ? indices[k] : (uint32_t)k;
    qsort_r(order, n, sizeof *order, compare_indices, (void *)t);
}

int reco_intern_freeze(const reco_intern_t *t, uint32_t *rank, const char ***ids, size_t **lens, char **arena)
{
    size_t n = reco_intern_count(t), bytes = 0, len;
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    *ids = malloc((n ? n : 1) * sizeof **ids);
    *lens = malloc((n ? n : 1) * sizeof **lens);
    for (size_t k = 0; k < n; k++) {
        reco_intern_id(t, (uint32_t)k, &len);
        bytes += len + 1;
    }
    *arena = malloc(bytes ? bytes : 1);
    if (!order || !*ids || !*lens || !*arena) {
        free(order);
        return -1;
    }
    reco_intern_sorted(t, NULL, n, order);
    size_t off = 0;
    for (size_t p = 0; p < n; p++) {
        const char *id = reco_intern_id(t, order[p], &len);
        rank[order[p]] = (uint32_t)p;
        memcpy(*arena + off, id, len);
        (*arena)[off + len] = '\0';
        (*ids)[p] = *arena + off;
        (*lens)[p] = len;
        off += len + 1;
    }
    free(order);
    return 0;
}
