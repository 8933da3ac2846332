/* reco_scenario_read — scenarios.get / scenarios.list and reco_scenario_load (see the header).
 *
 * A listing costs two round trips: SMEMBERS of the id set, then one MGET of the scenarios. An
 * id whose scenario is gone (a delete between the two) is left out. */
#include "reco_scenario_read.h"

#include <stdlib.h>
#include <string.h>

#include "reco_keys.h"
#include "reco_log.h"
#include "reco_query_store.h"
#include "reco_scenario.h"

/* Parses and re-checks a stored scenario text; adds its id. NULL (with a warning) if invalid. */
static json_t *parse_stored(const char *key, const char *id, const char *text, size_t len)
{
    json_error_t jerr;
    reco_error_t err;
    json_t *doc = json_loadb(text, len, 0, &jerr);
    json_t *scenario = doc ? reco_scenario_normalize(doc, &err) : NULL;
    json_decref(doc);
    if (!scenario) {
        reco_warn("%s does not hold a valid scenario: %s", key, doc ? err.message : jerr.text);
        return NULL;
    }
    json_object_set_new(scenario, "id", json_string(id));
    return scenario;
}

int reco_scenario_load(reco_store_t *store, const char *tenant, const char *id,
                       json_t **scenario, reco_reply_t *rep)
{
    char key[RECO_KEY_MAX];
    *scenario = NULL;
    if (reco_key_scenario(key, sizeof key, tenant, id) < 0) {
        reco_reply_fail(rep, 500, "internal", "scenario key does not fit");
        return -1;
    }
    const char *argv[] = {"GET", key};
    const size_t lens[] = {3, strlen(key)};
    redisReply *r = reco_store_commandv(store, 2, argv, lens);
    int rc = 0;
    if (!r || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_NIL))
        rc = reco_query_fail(rep, store, r, key);
    else if (r->type == REDIS_REPLY_NIL)
        rc = -1, reco_reply_fail(rep, 404, "not_found", "scenario: '%s' does not exist", id);
    else if (!(*scenario = parse_stored(key, id, r->str, r->len)))
        rc = -1, reco_reply_fail(rep, 500, "internal", "%s: not a valid scenario", key);
    if (r) freeReplyObject(r);
    return rc;
}

void reco_scenarios_get_handle(reco_store_t *store, const char *tenant, const json_t *args,
                               reco_reply_t *rep)
{
    json_t *id = json_object_get(args, "id");
    json_t *scenario = NULL;
    if (!reco_valid_scenario_id(json_string_value(id))) {
        reco_reply_fail(rep, 400, id ? "invalid_field" : "missing_field",
                        "id: a scenario id is 1 to %d characters of A-Z, a-z, 0-9, _ and - (not "
                        "'bulk')", RECO_SCENARIO_ID_MAX);
        return;
    }
    if (reco_scenario_load(store, tenant, json_string_value(id), &scenario, rep) == 0)
        reco_reply_ok(rep, 200, scenario);
}

static int compare_ids(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The valid ids of an SMEMBERS reply, sorted, at most RECO_SCENARIO_LIST_MAX: *n of them,
 * pointing into r. NULL only when out of memory (or none: *n = 0). */
static const char **sorted_ids(const redisReply *r, size_t *n)
{
    const char **ids = malloc((r->elements + 1) * sizeof *ids);
    *n = 0;
    for (size_t i = 0; ids && i < r->elements; i++)
        if (r->element[i]->type == REDIS_REPLY_STRING && reco_valid_scenario_id(r->element[i]->str))
            ids[(*n)++] = r->element[i]->str;
    if (ids) qsort(ids, *n, sizeof *ids, compare_ids);
    if (*n > RECO_SCENARIO_LIST_MAX) *n = RECO_SCENARIO_LIST_MAX;
    return ids;
}

/* MGET of the scenarios of ids into a JSON array (ids whose key is gone are left out). */
static json_t *read_scenarios(reco_store_t *store, const char *tenant, const char **ids, size_t n,
                              reco_reply_t *rep)
{
    char (*keys)[RECO_KEY_MAX] = malloc((n + 1) * sizeof *keys);
    const char **argv = malloc((n + 1) * sizeof *argv);
    size_t *lens = malloc((n + 1) * sizeof *lens);
    json_t *list = json_array();
    redisReply *r = NULL;
    int rc = keys && argv && lens && list ? 0 : -1;
    if (rc != 0) reco_reply_fail(rep, 500, "internal", "out of memory");
    if (rc == 0) argv[0] = "MGET", lens[0] = 4;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (reco_key_scenario(keys[i], sizeof keys[i], tenant, ids[i]) < 0) keys[i][0] = '\0';
        argv[1 + i] = keys[i], lens[1 + i] = strlen(keys[i]);
    }
    if (rc == 0 && n > 0) r = reco_store_commandv(store, (int)n + 1, argv, lens);
    if (rc == 0 && n > 0 && (!r || r->type != REDIS_REPLY_ARRAY || r->elements != n))
        rc = reco_query_fail(rep, store, r, "MGET of scenarios");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const redisReply *e = r->element[i];
        json_t *s = e->type == REDIS_REPLY_STRING ? parse_stored(keys[i], ids[i], e->str, e->len)
                                                  : NULL;
        if (s) json_array_append_new(list, s);
    }
    if (r) freeReplyObject(r);
    free(keys), free(argv), free(lens);
    if (rc == 0) return list;
    json_decref(list);
    return NULL;
}

void reco_scenarios_list_handle(reco_store_t *store, const char *tenant, const json_t *args,
                                reco_reply_t *rep)
{
    (void)args;
    char set[RECO_KEY_MAX];
    if (reco_key_scenarios(set, sizeof set, tenant) < 0) {
        reco_reply_fail(rep, 500, "internal", "key does not fit");
        return;
    }
    const char *argv[] = {"SMEMBERS", set};
    const size_t lens[] = {8, strlen(set)};
    redisReply *r = reco_store_commandv(store, 2, argv, lens);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        reco_query_fail(rep, store, r, set);
        if (r) freeReplyObject(r);
        return;
    }
    size_t n = 0;
    const char **ids = sorted_ids(r, &n);
    json_t *list = ids ? read_scenarios(store, tenant, ids, n, rep) : NULL;
    if (!ids) reco_reply_fail(rep, 500, "internal", "out of memory");
    if (list) reco_reply_ok(rep, 200, json_pack("{s:o}", "scenarios", list));
    free(ids);
    freeReplyObject(r);
}
