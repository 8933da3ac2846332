/* reco_catalog — items.get, users.get, actions.list (see reco_catalog.h).
 *
 * One HGETALL per request. Field layout, as the ingestor writes it (docs/redis-keys.md):
 *   item: title (raw text), categories (JSON), hidden ("1"/"0"), created_at, updated_at (ms),
 *         attr:<name> (JSON)
 *   user: attr:<name> (JSON), created_at, updated_at
 *   actions: <name> -> weight (decimal text)
 * Fields we do not know are ignored, so the ingestor may add some without breaking reads.
 *
 * Ownership: every reply is freed before the op returns; JSON built here is handed to the reply
 * (reco_reply_ok steals it). */
#include "reco_catalog.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reco_config.h"
#include "reco_keys.h"
#include "reco_query_args.h"
#include "reco_query_store.h"
#include "reco_validate.h"
#include "reco_weights.h"

#define ATTR_PREFIX "attr:"
#define ATTR_PREFIX_LEN (sizeof ATTR_PREFIX - 1)

/* ---- stored values -> JSON ---- */

static int field_is(const redisReply *r, const char *name)
{
    size_t n = strlen(name);
    return r->type == REDIS_REPLY_STRING && r->len == n && memcmp(r->str, name, n) == 0;
}

/* The value as a JSON string; NULL when it is not a string or not UTF-8. */
static json_t *stored_text(const redisReply *v)
{
    return v->type == REDIS_REPLY_STRING ? json_stringn(v->str, v->len) : NULL;
}

/* A value stored as JSON text, parsed; its raw text when it does not parse. */
static json_t *stored_json(const redisReply *v)
{
    if (v->type != REDIS_REPLY_STRING) return NULL;
    json_error_t error;
    json_t *parsed = json_loadb(v->str, v->len, JSON_DECODE_ANY, &error);
    return parsed ? parsed : stored_text(v);
}

/* A time in ms as a JSON integer; null when it is not a whole number >= 0. */
static json_t *stored_ms(const redisReply *v)
{
    long ms;
    if (v && v->type == REDIS_REPLY_STRING && strlen(v->str) == v->len &&
        reco_parse_long(v->str, 0, LONG_MAX, &ms) == 0)
        return json_integer(ms);
    return json_null();
}

/* Sets key (len bytes) to value, which is consumed. A NULL value (not storable as JSON) or a key
 * that is not UTF-8 is dropped: one unreadable field must not hide the rest. */
static void set_field(json_t *obj, const char *key, size_t len, json_t *value)
{
    if (value) json_object_setn_new(obj, key, len, value); /* consumes value even when it fails */
}

/* The fields common to items and users: id, attributes, created_at, updated_at. When item is
 * non-zero, title, categories and hidden are read too. */
static json_t *hash_json(const char *id, const redisReply *hash, int item)
{
    json_t *attrs = json_object();
    json_t *out = json_pack("{s:s, s:o}", "id", id, "attributes", attrs);
    const redisReply *created = NULL, *updated = NULL;
    int hidden = 0, rc = out ? 0 : -1;
    for (size_t k = 0; out && hash->type == REDIS_REPLY_ARRAY && k + 1 < hash->elements; k += 2) {
        const redisReply *f = hash->element[k], *v = hash->element[k + 1];
        if (f->type != REDIS_REPLY_STRING) continue;
        if (f->len > ATTR_PREFIX_LEN && memcmp(f->str, ATTR_PREFIX, ATTR_PREFIX_LEN) == 0)
            set_field(attrs, f->str + ATTR_PREFIX_LEN, f->len - ATTR_PREFIX_LEN, stored_json(v));
        else if (field_is(f, "created_at"))
            created = v;
        else if (field_is(f, "updated_at"))
            updated = v;
        else if (item && field_is(f, "title"))
            set_field(out, "title", 5, stored_text(v));
        else if (item && field_is(f, "categories"))
            set_field(out, "categories", 10, stored_json(v));
        else if (item && field_is(f, "hidden"))
            hidden = v->type == REDIS_REPLY_STRING && v->len == 1 && v->str[0] == '1';
    }
    if (rc == 0 && item) rc = json_object_set_new(out, "hidden", json_boolean(hidden));
    if (rc == 0) rc = json_object_set_new(out, "created_at", stored_ms(created));
    if (rc == 0) rc = json_object_set_new(out, "updated_at", stored_ms(updated));
    if (rc != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *reco_catalog_item_json(const char *id, const redisReply *hash)
{
    return hash_json(id, hash, 1);
}

json_t *reco_catalog_user_json(const char *id, const redisReply *hash)
{
    return hash_json(id, hash, 0);
}

/* ---- actions ---- */

static json_t *action_json(const char *name, double weight, int builtin)
{
    return json_pack("{s:s, s:f, s:b}", "name", name, "weight", weight, "builtin", builtin);
}

json_t *reco_catalog_actions_json(const redisReply *hash)
{
    reco_weights_t *weights = reco_weights_from_hash(hash, NULL); /* the trainer's own rules */
    if (!weights)
        return NULL;
    json_t *list = json_array();
    for (int t = 0; list && t < RECO_EVENT_TYPE_COUNT; t++) {
        json_t *a = action_json(reco_event_type_name((reco_event_type_t)t), reco_weights_builtin(weights, t), 1);
        if (json_array_append_new(list, a) != 0)
            json_decref(list), list = NULL;
    }
    for (size_t c = 0; list && c < reco_weights_custom(weights); c++) {
        const char *name;
        double w;
        reco_weights_custom_at(weights, c, &name, &w);
        if (json_array_append_new(list, action_json(name, w, 0)) != 0)
            json_decref(list), list = NULL;
    }
    reco_weights_destroy(&weights);
    return list ? json_pack("{s:o}", "actions", list) : NULL;
}

/* ---- the ops ---- */

typedef int (*key_fn)(char *buf, size_t n, const char *tenant, const char *id);

/* HGETALL key: the reply (an array, empty if the key does not exist), or NULL with rep filled. */
static redisReply *read_hash(reco_store_t *store, const char *key, reco_reply_t *rep)
{
    const char *argv[] = {"HGETALL", key};
    const size_t lens[] = {7, strlen(key)};
    redisReply *r = reco_store_commandv(store, 2, argv, lens);
    if (r && r->type == REDIS_REPLY_ARRAY) return r;
    reco_query_fail(rep, store, r, key);
    if (r) freeReplyObject(r);
    return NULL;
}

/* Reads the hash of one item or user: 1 with *body set, 0 if absent, -1 with rep filled. */
static int read_entity(reco_store_t *store, const char *tenant, const char *id, key_fn make_key,
                       int item, json_t **body, reco_reply_t *rep)
{
    char key[RECO_KEY_MAX];
    *body = NULL;
    if (make_key(key, sizeof key, tenant, id) < 0) {
        reco_reply_fail(rep, 500, "internal", "key does not fit");
        return -1;
    }
    redisReply *hash = read_hash(store, key, rep);
    if (!hash) return -1;
    int found = hash->elements > 0;
    if (found && !(*body = hash_json(id, hash, item))) {
        reco_reply_fail(rep, 500, "internal", "out of memory");
        found = -1;
    }
    freeReplyObject(hash);
    return found;
}

int reco_catalog_read_user(reco_store_t *store, const char *tenant, const char *user, json_t **body,
                           reco_reply_t *rep)
{
    return read_entity(store, tenant, user, reco_key_user, 0, body, rep);
}

void reco_catalog_items_get(reco_store_t *store, const char *tenant, const json_t *args,
                            reco_reply_t *rep)
{
    char buf[RECO_QUERY_ID_BUF];
    const char *item;
    reco_error_t err;
    json_t *body;
    if (reco_query_arg_required_id(args, "item", buf, &item, &err) != 0) {
        reco_query_reply_error(rep, &err);
        return;
    }
    int found = read_entity(store, tenant, item, reco_key_item, 1, &body, rep);
    if (found > 0)
        reco_reply_ok(rep, 200, body);
    else if (found == 0)
        reco_reply_fail(rep, 404, "not_found", "item '%s' is not in the catalogue", item);
}

void reco_catalog_users_get(reco_store_t *store, const char *tenant, const json_t *args,
                            reco_reply_t *rep)
{
    char buf[RECO_QUERY_ID_BUF];
    const char *user;
    reco_error_t err;
    json_t *body;
    if (reco_query_arg_required_id(args, "user", buf, &user, &err) != 0) {
        reco_query_reply_error(rep, &err);
        return;
    }
    int found = reco_catalog_read_user(store, tenant, user, &body, rep);
    if (found > 0)
        reco_reply_ok(rep, 200, body);
    else if (found == 0)
        reco_reply_fail(rep, 404, "not_found", "user '%s' has no stored attributes", user);
}

void reco_catalog_actions_list(reco_store_t *store, const char *tenant, const json_t *args,
                               reco_reply_t *rep)
{
    (void)args;
    char key[RECO_KEY_MAX];
    if (reco_key_actions(key, sizeof key, tenant) < 0) {
        reco_reply_fail(rep, 500, "internal", "key does not fit");
        return;
    }
    redisReply *hash = read_hash(store, key, rep);
    if (!hash) return;
    json_t *body = reco_catalog_actions_json(hash);
    freeReplyObject(hash);
    if (body)
        reco_reply_ok(rep, 200, body);
    else
        reco_reply_fail(rep, 500, "internal", "out of memory");
}
