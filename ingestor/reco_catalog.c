/* reco_catalog — items.upsert and users.upsert (see the header).
 *
 * Every command goes argv-style, so ids and titles with any bytes reach Redis unchanged. The
 * HSET of one entity grows with its attributes: its argument vector is built in an hset_args_t
 * that owns the strings it formatted (attr:<name>, JSON texts) and frees them after the append
 * (hiredis copies the arguments). One request = one pipeline, answered once at the end. */
#include "reco_catalog.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_keys.h"
#include "reco_validate.h"

/* The argument vector of one HSET. */
typedef struct {
    const char **argv;
    size_t *lens;
    char **owned; /* strings to free after sending; parallel to argv, NULL where borrowed */
    int argc;
} hset_args_t;

static void hset_pushn(hset_args_t *h, const char *arg, size_t len, char *owned)
{
    h->argv[h->argc] = arg;
    h->lens[h->argc] = len;
    h->owned[h->argc] = owned;
    h->argc++;
}

static void hset_push(hset_args_t *h, const char *arg, char *owned)
{
    hset_pushn(h, arg, strlen(arg), owned);
}

/* attr:<name> = compact JSON of each attribute; -1 out of memory. */
static int hset_attributes(hset_args_t *h, const json_t *attrs)
{
    const char *name;
    json_t *value;
    json_object_foreach((json_t *)attrs, name, value)
    {
        char *field = NULL;
        if (asprintf(&field, "attr:%s", name) < 0) return -1;
        hset_push(h, field, field);
        char *text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!text) return -1;
        hset_push(h, text, text);
    }
    return 0;
}

/* The item's own fields: title (raw text), categories (JSON), hidden ("1"/"0"). */
static int hset_item_fields(hset_args_t *h, const json_t *item)
{
    json_t *title = json_object_get(item, "title");
    json_t *cats = json_object_get(item, "categories");
    json_t *hidden = json_object_get(item, "hidden");
    if (json_is_string(title)) {
        hset_push(h, "title", NULL);
        hset_pushn(h, json_string_value(title), json_string_length(title), NULL);
    }
    if (cats) {
        char *text = json_dumps(cats, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!text) return -1;
        hset_push(h, "categories", NULL);
        hset_push(h, text, text);
    }
    if (hidden) {
        hset_push(h, "hidden", NULL);
        hset_push(h, json_is_true(hidden) ? "1" : "0", NULL);
    }
    return 0;
}

/* HSETNX created_at, then one HSET of updated_at, the item fields (is_item) and attributes. */
static int send_entity_hash(reco_pipeline_t *p, const char *key, const json_t *entity, int is_item,
                            const char *now)
{
    const char *hsetnx[] = {"HSETNX", key, "created_at", now};
    reco_pipeline_sendz(p, 4, hsetnx);
    const json_t *attrs = json_object_get(entity, "attributes");
    size_t cap = 10 + 2 * json_object_size(attrs);
    hset_args_t h = {.argv = calloc(cap, sizeof *h.argv),
                     .lens = calloc(cap, sizeof *h.lens),
                     .owned = calloc(cap, sizeof *h.owned)};
    int rc = -1;
    if (h.argv && h.lens && h.owned) {
        hset_push(&h, "HSET", NULL);
        hset_push(&h, key, NULL);
        hset_push(&h, "updated_at", NULL);
        hset_push(&h, now, NULL);
        rc = (is_item ? hset_item_fields(&h, entity) : 0) == 0 && hset_attributes(&h, attrs) == 0
                 ? 0
                 : -1;
    }
    if (rc == 0) reco_pipeline_send(p, h.argc, h.argv, h.lens);
    for (int i = 0; h.owned && i < h.argc; i++)
        free(h.owned[i]);
    free(h.argv);
    free(h.lens);
    free(h.owned);
    return rc;
}

static int send_item(reco_pipeline_t *p, const char *tenant, const json_t *item, const char *now)
{
    const char *id = json_string_value(json_object_get(item, "id"));
    json_t *hidden = json_object_get(item, "hidden");
    char key[RECO_KEY_MAX], items_key[RECO_KEY_MAX], hidden_key[RECO_KEY_MAX];
    if (!id || reco_key_item(key, sizeof key, tenant, id) < 0 ||
        reco_key_items(items_key, sizeof items_key, tenant) < 0 ||
        reco_key_hidden(hidden_key, sizeof hidden_key, tenant) < 0 ||
        send_entity_hash(p, key, item, 1, now) != 0)
        return -1;
    const char *sadd[] = {"SADD", items_key, id};
    reco_pipeline_sendz(p, 3, sadd);
    if (hidden) {
        const char *mark[] = {json_is_true(hidden) ? "SADD" : "SREM", hidden_key, id};
        reco_pipeline_sendz(p, 3, mark);
    }
    return 0;
}

static int send_user(reco_pipeline_t *p, const char *tenant, const json_t *user, const char *now)
{
    const char *id = json_string_value(json_object_get(user, "id"));
    char key[RECO_KEY_MAX], users_key[RECO_KEY_MAX];
    if (!id || reco_key_user(key, sizeof key, tenant, id) < 0 ||
        reco_key_users(users_key, sizeof users_key, tenant) < 0 ||
        send_entity_hash(p, key, user, 0, now) != 0)
        return -1;
    const char *sadd[] = {"SADD", users_key, id};
    reco_pipeline_sendz(p, 3, sadd);
    return 0;
}

typedef json_t *(*normalize_fn)(const json_t *body, reco_error_t *err);
typedef int (*send_fn)(reco_pipeline_t *p, const char *tenant, const json_t *entity,
                       const char *now);

/* The shared body of both upserts: validate the list in args[field], send each entity. */
static void upsert(reco_ingest_t *ing, const char *tenant, const json_t *args, const char *field,
                   normalize_fn normalize, send_fn send, reco_reply_t *rep)
{
    if (!json_object_get(args, field)) {
        reco_reply_fail(rep, 400, "missing_field", "%s: required (an array)", field);
        return;
    }
    reco_error_t err;
    reco_error_clear(&err);
    json_t *list = normalize(args, &err);
    if (!list) {
        reco_reply_fail(rep, err.status, err.code, "%s", err.message);
        return;
    }
    char now[32];
    snprintf(now, sizeof now, "%" PRId64, reco_now_ms());
    reco_pipeline_t p = {.store = ing->store};
    reco_ingest_send_register_tenant(&p, tenant);
    int built = 0;
    size_t i;
    json_t *entity;
    json_array_foreach(list, i, entity)
    {
        if ((built = send(&p, tenant, entity, now)) != 0) break;
        reco_pipeline_end_group(&p);
    }
    if (reco_pipeline_finish(&p, rep) == 0) {
        if (built != 0)
            reco_reply_fail(rep, 500, "internal", "%s[%zu]: could not be stored (out of memory)",
                            field, i);
        else
            reco_reply_ok(rep, 200,
                          json_pack("{s:I}", "stored", (json_int_t)json_array_size(list)));
    }
    json_decref(list);
}

void reco_op_items_upsert(reco_ingest_t *ing, const char *tenant, const json_t *args,
                          reco_reply_t *rep)
{
    upsert(ing, tenant, args, "items", reco_items_normalize, send_item, rep);
}

void reco_op_users_upsert(reco_ingest_t *ing, const char *tenant, const json_t *args,
                          reco_reply_t *rep)
{
    upsert(ing, tenant, args, "users", reco_users_normalize, send_user, rep);
}
