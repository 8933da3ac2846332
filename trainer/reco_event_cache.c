/* reco_event_cache — per-tenant event logs with an LRU bound (see reco_event_cache.h).
 *
 * A trainer serves a handful of tenants, so a plain array of heap-allocated entries searched
 * linearly is enough; entries are never removed, so state pointers stay put. */
#include "reco_event_cache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_validate.h"

typedef struct {
    char tenant[RECO_TENANT_MAX + 1];
    reco_dataset_state_t state;
    uint64_t used; /* clock value of the last use */
} entry_t;

struct reco_event_cache {
    entry_t **entries;
    size_t n, cap;
    size_t max_events;
    uint64_t clock;
};

reco_event_cache_t *reco_event_cache_new(size_t max_events)
{
    reco_event_cache_t *c = calloc(1, sizeof *c);
    if (c) c->max_events = max_events;
    return c;
}

void reco_event_cache_destroy(reco_event_cache_t **cp)
{
    if (!cp || !*cp) return;
    for (size_t k = 0; k < (*cp)->n; k++) {
        reco_dataset_state_clear(&(*cp)->entries[k]->state);
        free((*cp)->entries[k]);
    }
    free((*cp)->entries);
    free(*cp);
    *cp = NULL;
}

reco_dataset_state_t *reco_event_cache_state(reco_event_cache_t *c, const char *tenant)
{
    for (size_t k = 0; k < c->n; k++)
        if (strcmp(c->entries[k]->tenant, tenant) == 0) {
            c->entries[k]->used = ++c->clock;
            return &c->entries[k]->state;
        }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        entry_t **grown = realloc(c->entries, cap * sizeof *grown);
        if (!grown) return NULL;
        c->entries = grown;
        c->cap = cap;
    }
    entry_t *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    snprintf(e->tenant, sizeof e->tenant, "%s", tenant);
    e->used = ++c->clock;
    c->entries[c->n++] = e;
    return &e->state;
}

size_t reco_event_cache_events(const reco_event_cache_t *c)
{
    size_t total = 0;
    for (size_t k = 0; k < c->n; k++)
        if (c->entries[k]->state.events) total += reco_events_count(c->entries[k]->state.events);
    return total;
}

size_t reco_event_cache_trim(reco_event_cache_t *c, const char *keep)
{
    size_t dropped = 0;
    while (c->max_events > 0 && reco_event_cache_events(c) > c->max_events) {
        entry_t *oldest = NULL;
        for (size_t k = 0; k < c->n; k++) {
            entry_t *e = c->entries[k];
            if (!e->state.events || (keep && strcmp(e->tenant, keep) == 0)) continue;
            if (!oldest || e->used < oldest->used) oldest = e;
        }
        if (!oldest) break;
        reco_dataset_state_clear(&oldest->state);
        dropped++;
    }
    return dropped;
}
