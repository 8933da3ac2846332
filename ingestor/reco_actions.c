/* reco_actions — actions.put / actions.delete and the custom-type lookup (see the header).
 *
 * Weights are stored as the shortest decimal text that reads back exactly (reco_format_double),
 * the form every reader of reco:{T}:actions parses with strtod. */
#include "reco_actions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "reco_event_entry.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_validate.h"

#define WEIGHT_MAX 100.0

/* The name argument: a valid action name, or NULL after answering 400 naming `name`. */
static const char *action_name(const json_t *args, reco_reply_t *rep)
{
    json_t *name = json_object_get(args, "name");
    if (!name) {
        reco_reply_fail(rep, 400, "missing_field", "name: required");
        return NULL;
    }
    if (!json_is_string(name) || !reco_valid_action_name(json_string_value(name))) {
        reco_reply_fail(rep, 400, "invalid_field",
                        "name: an action name is 1 to %d characters of a-z, 0-9, _ and -",
                        RECO_ACTION_NAME_MAX);
        return NULL;
    }
    return json_string_value(name);
}

void reco_op_actions_put(reco_ingest_t *ing, const char *tenant, const json_t *args,
                         reco_reply_t *rep)
{
    const char *name = action_name(args, rep);
    if (!name) return;
    json_t *weight = json_object_get(args, "weight");
    double w = json_is_number(weight) ? json_number_value(weight) : -1;
    char text[40], key[RECO_KEY_MAX];
    if (!(w >= 0 && w <= WEIGHT_MAX) || reco_format_double(w, text, sizeof text) < 0) {
        reco_reply_fail(rep, 400, weight ? "invalid_field" : "missing_field",
                        "weight: required, a number from 0 to %g", WEIGHT_MAX);
        return;
    }
    if (reco_key_actions(key, sizeof key, tenant) < 0) {
        reco_reply_fail(rep, 500, "internal", "key too long");
        return;
    }
    reco_pipeline_t p = {.store = ing->store};
    reco_ingest_send_register_tenant(&p, tenant);
    const char *hset[] = {"HSET", key, name, text};
    reco_pipeline_sendz(&p, 4, hset);
    if (reco_pipeline_finish(&p, rep) == 0)
        reco_reply_ok(rep, 200,
                      json_pack("{s:s, s:O, s:b}", "name", name, "weight", weight, "builtin",
                                reco_event_type_parse(name) >= 0));
}

void reco_op_actions_delete(reco_ingest_t *ing, const char *tenant, const json_t *args,
                            reco_reply_t *rep)
{
    const char *name = action_name(args, rep);
    char key[RECO_KEY_MAX];
    if (!name) return;
    if (reco_key_actions(key, sizeof key, tenant) < 0) {
        reco_reply_fail(rep, 500, "internal", "key too long");
        return;
    }
    reco_pipeline_t p = {.store = ing->store};
    const char *hdel[] = {"HDEL", key, name};
    redisReply *r = reco_pipeline_call(&p, 3, hdel);
    long long removed = r && r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    reco_pipeline_note_error(&p, r);
    if (r) freeReplyObject(r);
    if (reco_pipeline_finish(&p, rep) != 0) return;
    if (removed == 0 && reco_event_type_parse(name) < 0)
        reco_reply_fail(rep, 404, "not_found", "name: '%s' is not a registered action", name);
    else
        reco_reply_ok(rep, 200, json_pack("{s:s, s:b}", "name", name, "deleted", 1));
}

/* ---- the lookup ---- */

typedef struct {
    char *name;
    UT_hash_handle hh;
} name_entry_t;

static int known_load(reco_known_actions_t *k)
{
    char key[RECO_KEY_MAX];
    if (reco_key_actions(key, sizeof key, k->tenant) < 0) {
        snprintf(k->why, sizeof k->why, "actions key too long");
        return -1;
    }
    const char *argv[] = {"HGETALL", key};
    const size_t lens[] = {7, strlen(key)};
    redisReply *r = reco_store_commandv(k->store, 2, argv, lens);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        snprintf(k->why, sizeof k->why, "%s",
                 !r                             ? reco_store_errstr(k->store)
                 : r->type == REDIS_REPLY_ERROR ? r->str
                                                : "unexpected reply");
        if (r) freeReplyObject(r);
        return -1;
    }
    name_entry_t *set = NULL;
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *field = r->element[i];
        name_entry_t *e = field->type == REDIS_REPLY_STRING ? calloc(1, sizeof *e) : NULL;
        if (e && !(e->name = strndup(field->str, field->len))) {
            free(e);
            e = NULL;
        }
        if (e) HASH_ADD_KEYPTR(hh, set, e->name, strlen(e->name), e);
    }
    freeReplyObject(r);
    k->names = set;
    return 0;
}

bool reco_known_actions_contains(void *ctx, const char *type)
{
    reco_known_actions_t *k = ctx;
    if (k->failed) return false;
    if (!k->loaded) {
        if (known_load(k) != 0) {
            k->failed = 1;
            reco_warn("tenant %s: cannot read custom actions: %s", k->tenant, k->why);
            return false;
        }
        k->loaded = 1;
    }
    name_entry_t *set = k->names, *e = NULL;
    HASH_FIND_STR(set, type, e);
    return e != NULL;
}

void reco_known_actions_clear(reco_known_actions_t *known)
{
    name_entry_t *set = known->names, *e, *tmp;
    HASH_ITER(hh, set, e, tmp)
    {
        HASH_DEL(set, e);
        free(e->name);
        free(e);
    }
    known->names = NULL;
    known->loaded = 0;
}
