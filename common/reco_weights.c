/* reco_weights — per-tenant event weights (see reco_weights.h).
 *
 * Built-in types sit in a small array indexed by reco_event_type_t; custom actions in an array
 * sorted by name, searched with bsearch (a tenant has few actions, and the lookup runs once per
 * event, so no hashing is needed). */
#include "reco_weights.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reco_keys.h"
#include "reco_log.h"
#include "reco_validate.h"

typedef struct {
    char *name;
    double weight;
} custom_action_t;

struct reco_weights {
    double builtin[RECO_EVENT_TYPE_COUNT]; /* rating: the factor applied to value */
    bool overridden[RECO_EVENT_TYPE_COUNT];
    custom_action_t *custom; /* sorted by name (strcmp) */
    size_t n_custom;
};

static int custom_compare(const void *a, const void *b)
{
    return strcmp(((const custom_action_t *)a)->name, ((const custom_action_t *)b)->name);
}

/* A stored weight: a whole decimal number, finite and >= 0. 0 or -1. */
static int parse_weight(const redisReply *v, double *out)
{
    if (v->type != REDIS_REPLY_STRING || v->len == 0 || strlen(v->str) != v->len) return -1;
    char *end = NULL;
    errno = 0;
    double d = strtod(v->str, &end);
    if (errno != 0 || *end != '\0' || !isfinite(d) || d < 0) return -1;
    *out = d;
    return 0;
}

/* The default weight of a built-in type; for rating, the default factor 1. */
static double default_weight(int type)
{
    return reco_event_weight((reco_event_type_t)type, 1.0);
}

reco_weights_t *reco_weights_from_hash(const redisReply *hash, size_t *ignored)
{
    size_t pairs = hash && hash->type == REDIS_REPLY_ARRAY ? hash->elements / 2 : 0, bad = 0;
    reco_weights_t *w = calloc(1, sizeof *w);
    if (!w || !(w->custom = calloc(pairs ? pairs : 1, sizeof *w->custom))) {
        free(w);
        return NULL;
    }
    for (int t = 0; t < RECO_EVENT_TYPE_COUNT; t++)
        w->builtin[t] = default_weight(t);
    for (size_t p = 0; p < pairs; p++) {
        const redisReply *name = hash->element[2 * p], *value = hash->element[2 * p + 1];
        double weight;
        if (name->type != REDIS_REPLY_STRING || strlen(name->str) != name->len ||
            !reco_valid_action_name(name->str) || parse_weight(value, &weight) != 0) {
            bad++;
            continue;
        }
        int type = reco_event_type_parse(name->str);
        if (type >= 0) {
            w->builtin[type] = weight;
            w->overridden[type] = true;
            continue;
        }
        if (!(w->custom[w->n_custom].name = strdup(name->str))) {
            reco_weights_destroy(&w);
            return NULL;
        }
        w->custom[w->n_custom++].weight = weight;
    }
    qsort(w->custom, w->n_custom, sizeof *w->custom, custom_compare);
    if (ignored) *ignored = bad;
    return w;
}

int reco_weights_load(reco_store_t *st, const char *tenant, reco_weights_t **out)
{
    char key[RECO_KEY_MAX];
    *out = NULL;
    if (reco_key_actions(key, sizeof key, tenant) < 0) return -1;
    redisReply *r = reco_store_command(st, "HGETALL %s", key);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        reco_error("tenant %s: HGETALL %s failed: %s", tenant, key,
                   r && r->type == REDIS_REPLY_ERROR ? r->str : reco_store_errstr(st));
        if (r) freeReplyObject(r);
        return -1;
    }
    size_t ignored = 0;
    *out = reco_weights_from_hash(r, &ignored);
    freeReplyObject(r);
    if (!*out) {
        reco_error("tenant %s: out of memory reading action weights", tenant);
        return -1;
    }
    if (ignored)
        reco_warn("tenant %s: %zu entries of %s ignored (bad name or weight)", tenant, ignored,
                  key);
    return 0;
}

void reco_weights_destroy(reco_weights_t **weights)
{
    if (!weights || !*weights) return;
    for (size_t i = 0; i < (*weights)->n_custom; i++)
        free((*weights)->custom[i].name);
    free((*weights)->custom);
    free(*weights);
    *weights = NULL;
}

int reco_weights_resolve(const reco_weights_t *weights, const char *type, double value,
                         double *weight)
{
    int builtin = reco_event_type_parse(type);
    if (builtin >= 0) {
        double w = weights ? weights->builtin[builtin] : default_weight(builtin);
        *weight = builtin == RECO_EVENT_RATING ? value * w : w;
        return 0;
    }
    if (!weights || weights->n_custom == 0) return -1;
    const custom_action_t key = {.name = (char *)type};
    const custom_action_t *found =
        bsearch(&key, weights->custom, weights->n_custom, sizeof key, custom_compare);
    if (!found) return -1;
    *weight = found->weight;
    return 0;
}

size_t reco_weights_overrides(const reco_weights_t *weights)
{
    size_t n = 0;
    for (int t = 0; weights && t < RECO_EVENT_TYPE_COUNT; t++)
        n += weights->overridden[t];
    return n;
}

size_t reco_weights_custom(const reco_weights_t *weights)
{
    return weights ? weights->n_custom : 0;
}

double reco_weights_builtin(const reco_weights_t *weights, int type)
{
    if (type < 0 || type >= RECO_EVENT_TYPE_COUNT)
        return 0.0;
    return weights ? weights->builtin[type] : default_weight(type);
}

void reco_weights_custom_at(const reco_weights_t *weights, size_t i, const char **name, double *weight)
{
    *name = weights->custom[i].name;
    *weight = weights->custom[i].weight;
}
