/* reco_events — events.add (see the header).
 *
 * Order of work: validate everything (custom types need one HGETALL, done only if a batch has a
 * non-built-in type), turn every event into the script's JSON, then one pipeline: register the
 * tenant, trim event-ids older than RECO_EVENT_IDS_KEEP_MS, and one EVALSHA per chunk. Nothing
 * is written unless the whole batch is valid. The trim runs on every request: it costs one
 * O(log N) command in a pipeline that is sent anyway, and keeps the set bounded without state.
 * With `known_items: true` (the TasteHit dialect: an interaction with an item that is not in
 * the catalogue is a 400), one SMISMEMBER of the catalogue set comes before anything is written.
 *
 * Ownership: the normalised array and the JSON texts are the handler's, freed before it returns. */
#include "reco_events.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_actions.h"
#include "reco_event_attribution.h"
#include "reco_event_entry.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_validate.h"

/* Validates args; NULL after filling rep. */
static json_t *events_validate(reco_ingest_t *ing, const char *tenant, const json_t *args,
                               int64_t now, reco_reply_t *rep)
{
    if (!json_object_get(args, "events")) {
        reco_reply_fail(rep, 400, "missing_field", "events: required (an array of events)");
        return NULL;
    }
    reco_known_actions_t known = {.store = ing->store, .tenant = tenant};
    reco_error_t err;
    reco_error_clear(&err);
    json_t *events = reco_events_normalize(args, now, reco_known_actions_contains, &known, &err);
    if (known.failed) {
        json_decref(events);
        events = NULL;
        reco_reply_fail(rep, 503, "redis_unavailable", "reading the tenant's actions: %s",
                        known.why);
    } else if (!events) {
        reco_reply_fail(rep, err.status, err.code, "%s", err.message);
    }
    reco_known_actions_clear(&known);
    return events;
}

/* Every event's item must be in the catalogue (reco:{T}:items): one SMISMEMBER. 0, or -1 with
 * rep filled: 400 unknown_item naming the first unknown item, 503 / 500 when Redis fails. */
static int check_known_items(reco_ingest_t *ing, const char *tenant, const json_t *events,
                             reco_reply_t *rep)
{
    size_t n = json_array_size(events);
    char key[RECO_KEY_MAX];
    const char **argv = calloc(n + 2, sizeof *argv);
    size_t *lens = calloc(n + 2, sizeof *lens);
    if (!argv || !lens || reco_key_items(key, sizeof key, tenant) < 0) {
        free(argv), free(lens);
        reco_reply_fail(rep, 500, "internal", "out of memory");
        return -1;
    }
    argv[0] = "SMISMEMBER", lens[0] = strlen(argv[0]);
    argv[1] = key, lens[1] = strlen(key);
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_object_get(json_array_get(events, i), "item");
        argv[2 + i] = json_string_value(item), lens[2 + i] = json_string_length(item);
    }
    redisReply *r = reco_store_commandv(ing->store, (int)(n + 2), argv, lens);
    free(argv), free(lens);
    int rc = -1;
    if (!r)
        reco_reply_fail(rep, 503, "redis_unavailable", "reading the catalogue: %s",
                        reco_store_errstr(ing->store));
    else if (r->type == REDIS_REPLY_ERROR)
        reco_reply_fail(rep, reco_store_error_is_transient(r->str) ? 503 : 500,
                        reco_store_error_is_transient(r->str) ? "redis_unavailable" : "internal",
                        "reading the catalogue: %s", r->str);
    else if (r->type != REDIS_REPLY_ARRAY || r->elements != n)
        reco_reply_fail(rep, 500, "internal", "reading the catalogue: unexpected reply");
    else
        rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (r->element[i]->type == REDIS_REPLY_INTEGER && r->element[i]->integer == 1) continue;
        char where[32] = "";
        if (n > 1) snprintf(where, sizeof where, "events[%zu].", i);
        reco_reply_fail(rep, 400, "unknown_item", "%sitem: '%.256s' is not in the catalogue", where,
                        json_string_value(json_object_get(json_array_get(events, i), "item")));
        rc = -1;
    }
    if (r) freeReplyObject(r);
    return rc;
}

static void entries_free(char **entries, size_t n)
{
    for (size_t i = 0; entries && i < n; i++)
        free(entries[i]);
    free(entries);
}

/* The script's JSON of every event (with its attribution fields: reco_event_attribution.h);
 * NULL on out of memory. */
static char **entries_build(reco_ingest_t *ing, const char *tenant, const json_t *events)
{
    size_t n = json_array_size(events);
    char **entries = calloc(n ? n : 1, sizeof *entries);
    for (size_t i = 0; entries && i < n; i++) {
        if (!(entries[i] =
                  reco_event_attributed_json(ing->store, tenant, json_array_get(events, i)))) {
            entries_free(entries, n);
            return NULL;
        }
    }
    return entries;
}

static void send_trim_event_ids(reco_pipeline_t *p, const char *tenant, int64_t now)
{
    char key[RECO_KEY_MAX], max[32];
    if (reco_key_event_ids(key, sizeof key, tenant) < 0) return;
    snprintf(max, sizeof max, "(%" PRId64, (int64_t)(now - RECO_EVENT_IDS_KEEP_MS));
    const char *argv[] = {"ZREMRANGEBYSCORE", key, "-inf", max};
    reco_pipeline_sendz(p, 4, argv);
}

void reco_op_events_add(reco_ingest_t *ing, const char *tenant, const json_t *args,
                        reco_reply_t *rep)
{
    int64_t now = reco_now_ms();
    json_t *events = events_validate(ing, tenant, args, now, rep);
    if (!events) return;
    if (json_is_true(json_object_get(args, "known_items")) &&
        check_known_items(ing, tenant, events, rep) != 0) {
        json_decref(events);
        return;
    }
    size_t n = json_array_size(events);
    char **entries = entries_build(ing, tenant, events);
    json_decref(events);
    if (!entries) {
        reco_reply_fail(rep, 500, "internal", "out of memory");
        return;
    }
    reco_pipeline_t p = {.store = ing->store};
    reco_ingest_send_register_tenant(&p, tenant);
    send_trim_event_ids(&p, tenant, now);
    const reco_script_call_t call = {
        .tenant = tenant, .mode = RECO_SCRIPT_ADD, .history_cap = ing->history_cap, .now_ms = now};
    long long counts[2] = {0, 0};
    reco_ingest_script_run(ing->script, &p, &call, entries, n, counts);
    entries_free(entries, n);
    if (reco_pipeline_finish(&p, rep) == 0)
        reco_reply_ok(rep, 200,
                      json_pack("{s:I, s:I}", "stored", (json_int_t)counts[0], "duplicates",
                                (json_int_t)counts[1]));
    else if (counts[0] + counts[1] > 0)
        reco_warn("tenant %s: events.add failed after %lld of %zu events were stored; a retry with "
                  "client ids "
                  "stores the rest only",
                  tenant, counts[0] + counts[1], n);
}
