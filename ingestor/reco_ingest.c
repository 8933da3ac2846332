/* reco_ingest — writes events and items to Redis (see reco_ingest.h, docs/redis-keys.md).
 *
 * An event becomes one entry of the tenant's stream (the trainer's input) and one entry in each
 * of two bounded history ZSETs, user -> items and item -> users, scored by the event time with
 * ZADD GT so that an old event replayed late never moves a newer timestamp back. Each history
 * touched by a batch is trimmed once, after the batch, to the newest `history_cap` entries.
 *
 * Every command is sent argv-style (reco_store_appendv), so ids with spaces, quotes or any other
 * bytes reach Redis unchanged. A pipeline_t collects the commands of one request: it sends them
 * in chunks of RECO_INGEST_CHUNK groups, reads every reply of a chunk before the next (the send
 * buffer stays bounded), remembers the first failure and stops sending after an I/O failure;
 * the request is answered only once, at the end.
 *
 * Ownership: the reco_ingest_t owns its store. Within a handler, every string built for a
 * command is freed right after the append (hiredis copies the arguments). */
#include "reco_ingest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "reco_keys.h"
#include "reco_log.h"
#include "reco_validate.h"

struct reco_ingest {
    reco_store_t *store;
    long history_cap;
};

reco_ingest_t *reco_ingest_new(reco_store_t **store, long history_cap)
{
    if (!store || !*store)
        return NULL;
    reco_ingest_t *ing = history_cap >= 1 ? calloc(1, sizeof *ing) : NULL;
    if (!ing) {
        reco_store_destroy(store);
        return NULL;
    }
    ing->store = *store;
    *store = NULL;
    ing->history_cap = history_cap;
    return ing;
}

void reco_ingest_destroy(reco_ingest_t **ingest)
{
    if (!ingest || !*ingest)
        return;
    reco_store_destroy(&(*ingest)->store);
    free(*ingest);
    *ingest = NULL;
}

int reco_format_double(double v, char *buf, size_t n)
{
    int len = -1;
    for (int precision = 1; precision <= 17; precision++) {
        len = snprintf(buf, n, "%.*g", precision, v);
        if (len < 0 || (size_t)len >= n)
            return -1;
        if (strtod(buf, NULL) == v)
            break;
    }
    return len;
}

/* ---- the pipeline of one request ---- */

typedef struct {
    reco_store_t *store;
    size_t pending;        /* commands appended whose replies are not read yet */
    size_t groups;         /* command groups appended since the last drain */
    int io_failed;         /* the connection broke: send nothing more */
    char redis_error[256]; /* the first error reply, "" if none */
} pipeline_t;

static void pipeline_send(pipeline_t *p, int argc, const char **argv, const size_t *lens)
{
    if (p->io_failed)
        return;
    if (reco_store_appendv(p->store, argc, argv, lens) != 0) {
        p->io_failed = 1;
        return;
    }
    p->pending++;
}

/* Reads every pending reply; error replies are remembered, never left unread. */
static void pipeline_drain(pipeline_t *p)
{
    while (p->pending > 0 && !p->io_failed) {
        redisReply *r = NULL;
        if (reco_store_read(p->store, &r) != 0) {
            p->io_failed = 1;
            break;
        }
        p->pending--;
        if (r->type == REDIS_REPLY_ERROR && !p->redis_error[0])
            snprintf(p->redis_error, sizeof p->redis_error, "%.*s", (int)r->len, r->str);
        freeReplyObject(r);
    }
    p->pending = 0;
    p->groups = 0;
}

static void pipeline_end_group(pipeline_t *p)
{
    if (++p->groups >= RECO_INGEST_CHUNK)
        pipeline_drain(p);
}

/* Reads what is left; returns 0 if every command succeeded, else -1 with rep filled. */
static int pipeline_finish(pipeline_t *p, reco_reply_t *rep)
{
    pipeline_drain(p);
    if (p->io_failed) {
        reco_warn("redis unavailable: %s", reco_store_errstr(p->store));
        reco_reply_fail(rep, 503, "redis_unavailable", "%s", reco_store_errstr(p->store));
        return -1;
    }
    if (p->redis_error[0]) {
        reco_warn("redis refused a write: %s", p->redis_error);
        if (reco_store_error_is_transient(p->redis_error))
            reco_reply_fail(rep, 503, "redis_unavailable", "redis: %s", p->redis_error);
        else
            reco_reply_fail(rep, 500, "internal", "redis: %s", p->redis_error);
        return -1;
    }
    return 0;
}

/* Sends a command of NUL-terminated arguments (all of ours are: ids never hold NUL bytes). */
static void pipeline_sendz(pipeline_t *p, int argc, const char **argv)
{
    size_t lens[16];
    for (int i = 0; i < argc && i < 16; i++)
        lens[i] = strlen(argv[i]);
    pipeline_send(p, argc, argv, lens);
}

static void send_register_tenant(pipeline_t *p, const char *tenant)
{
    const char *argv[] = {"SADD", RECO_KEY_TENANTS, tenant};
    pipeline_sendz(p, 3, argv);
}

/* ---- events.add ---- */

/* The set of history keys a batch touched, each trimmed once at the end. */
typedef struct {
    char *key;
    UT_hash_handle hh;
} touched_key_t;

static int touch(touched_key_t **set, const char *key)
{
    touched_key_t *t = NULL;
    HASH_FIND_STR(*set, key, t);
    if (t)
        return 0;
    t = calloc(1, sizeof *t);
    if (!t || !(t->key = strdup(key))) {
        free(t);
        return -1;
    }
    HASH_ADD_KEYPTR(hh, *set, t->key, strlen(t->key), t);
    return 0;
}

static void touched_free(touched_key_t **set)
{
    touched_key_t *t, *tmp;
    HASH_ITER(hh, *set, t, tmp)
    {
        HASH_DEL(*set, t);
        free(t->key);
        free(t);
    }
}

/* XADD + two ZADD GT for one canonical event. -1 if a key does not fit or out of memory. */
static int send_event(pipeline_t *p, const char *tenant, const json_t *ev, touched_key_t **touched)
{
    const char *user = json_string_value(json_object_get(ev, "user"));
    const char *item = json_string_value(json_object_get(ev, "item"));
    const char *type = json_string_value(json_object_get(ev, "type"));
    json_t *value = json_object_get(ev, "value");
    char stream[RECO_KEY_MAX], user_history[RECO_KEY_MAX], item_history[RECO_KEY_MAX];
    char ts[32], value_text[40];
    if (!user || !item || !type || reco_key_events(stream, sizeof stream, tenant) < 0 ||
        reco_key_user_history(user_history, sizeof user_history, tenant, user) < 0 ||
        reco_key_item_history(item_history, sizeof item_history, tenant, item) < 0)
        return -1;
    snprintf(ts, sizeof ts, "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(ev, "ts")));
    const char *xadd[] = {"XADD", stream, "*", "user", user, "item", item, "type", type,
                          "ts", ts, "value", value_text};
    int xargc = 11;
    if (json_is_number(value) &&
        reco_format_double(json_number_value(value), value_text, sizeof value_text) > 0)
        xargc = 13;
    pipeline_sendz(p, xargc, xadd);
    const char *zadd_user[] = {"ZADD", user_history, "GT", ts, item};
    const char *zadd_item[] = {"ZADD", item_history, "GT", ts, user};
    pipeline_sendz(p, 5, zadd_user);
    pipeline_sendz(p, 5, zadd_item);
    pipeline_end_group(p);
    return touch(touched, user_history) == 0 && touch(touched, item_history) == 0 ? 0 : -1;
}

static void send_trims(pipeline_t *p, touched_key_t *touched, long cap)
{
    char stop[32];
    snprintf(stop, sizeof stop, "%ld", -(cap + 1));
    touched_key_t *t, *tmp;
    HASH_ITER(hh, touched, t, tmp)
    {
        const char *argv[] = {"ZREMRANGEBYRANK", t->key, "0", stop};
        pipeline_sendz(p, 4, argv);
        pipeline_end_group(p);
    }
}

static void op_events_add(reco_ingest_t *ing, const char *tenant, const json_t *args,
                          reco_reply_t *rep)
{
    if (!json_object_get(args, "events")) {
        reco_reply_fail(rep, 400, "missing_field", "events: required (an array of events)");
        return;
    }
    reco_error_t err;
    reco_error_clear(&err);
    json_t *events = reco_events_normalize(args, reco_now_ms(), NULL, NULL, &err);
    if (!events) {
        reco_reply_fail(rep, err.status, err.code, "%s", err.message);
        return;
    }
    pipeline_t p = {.store = ing->store};
    touched_key_t *touched = NULL;
    int built = 0;
    send_register_tenant(&p, tenant);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        if ((built = send_event(&p, tenant, ev, &touched)) != 0)
            break;
    }
    if (built == 0)
        send_trims(&p, touched, ing->history_cap);
    touched_free(&touched);
    if (pipeline_finish(&p, rep) == 0) {
        if (built != 0)
            reco_reply_fail(rep, 500, "internal", "events[%zu]: could not be stored (out of memory)", i);
        else
            reco_reply_ok(rep, 200, json_pack("{s:I}", "stored", (json_int_t)json_array_size(events)));
    }
    json_decref(events);
}

/* ---- items.upsert ---- */

/* The argument vector of one HSET, which grows with the item's attributes. */
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

static void hset_pair(hset_args_t *h, const char *field, const char *value)
{
    hset_push(h, field, NULL);
    hset_push(h, value, NULL);
}

/* Field/value pairs from the canonical item; -1 out of memory. Values are JSON text, except the
 * title (raw text) and hidden ("1"/"0"). */
static int hset_fill(hset_args_t *h, const json_t *item)
{
    json_t *title = json_object_get(item, "title");
    json_t *cats = json_object_get(item, "categories");
    json_t *hidden = json_object_get(item, "hidden");
    json_t *attrs = json_object_get(item, "attributes");
    if (title) { /* raw text, which may hold any byte */
        hset_push(h, "title", NULL);
        hset_pushn(h, json_string_value(title), json_string_length(title), NULL);
    }
    if (cats) {
        char *text = json_dumps(cats, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!text)
            return -1;
        hset_push(h, "categories", NULL);
        hset_push(h, text, text);
    }
    if (hidden)
        hset_pair(h, "hidden", json_is_true(hidden) ? "1" : "0");
    const char *name;
    json_t *value;
    json_object_foreach(attrs, name, value)
    {
        char *field = NULL;
        if (asprintf(&field, "attr:%s", name) < 0)
            return -1;
        hset_push(h, field, field);
        char *text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!text)
            return -1;
        hset_push(h, text, text);
    }
    return 0;
}

static int send_item_hash(pipeline_t *p, const char *key, const json_t *item, const char *now)
{
    const char *hsetnx[] = {"HSETNX", key, "created_at", now};
    pipeline_sendz(p, 4, hsetnx);
    size_t cap = 10 + 2 * json_object_size(json_object_get(item, "attributes"));
    hset_args_t h = {.argv = calloc(cap, sizeof *h.argv),
                     .lens = calloc(cap, sizeof *h.lens),
                     .owned = calloc(cap, sizeof *h.owned)};
    int rc = -1;
    if (h.argv && h.lens && h.owned) {
        hset_pair(&h, "HSET", key);
        hset_pair(&h, "updated_at", now);
        rc = hset_fill(&h, item);
    }
    if (rc == 0)
        pipeline_send(p, h.argc, h.argv, h.lens);
    for (int i = 0; h.owned && i < h.argc; i++)
        free(h.owned[i]);
    free(h.argv);
    free(h.lens);
    free(h.owned);
    return rc;
}

static int send_item(pipeline_t *p, const char *tenant, const json_t *item, const char *now)
{
    const char *id = json_string_value(json_object_get(item, "id"));
    json_t *hidden = json_object_get(item, "hidden");
    char key[RECO_KEY_MAX], items_key[RECO_KEY_MAX], hidden_key[RECO_KEY_MAX];
    if (!id || reco_key_item(key, sizeof key, tenant, id) < 0 ||
        reco_key_items(items_key, sizeof items_key, tenant) < 0 ||
        reco_key_hidden(hidden_key, sizeof hidden_key, tenant) < 0)
        return -1;
    if (send_item_hash(p, key, item, now) != 0)
        return -1;
    const char *sadd[] = {"SADD", items_key, id};
    pipeline_sendz(p, 3, sadd);
    if (hidden) {
        const char *mark[] = {json_is_true(hidden) ? "SADD" : "SREM", hidden_key, id};
        pipeline_sendz(p, 3, mark);
    }
    pipeline_end_group(p);
    return 0;
}

static void op_items_upsert(reco_ingest_t *ing, const char *tenant, const json_t *args,
                            reco_reply_t *rep)
{
    if (!json_object_get(args, "items")) {
        reco_reply_fail(rep, 400, "missing_field", "items: required (an array of items)");
        return;
    }
    reco_error_t err;
    reco_error_clear(&err);
    json_t *items = reco_items_normalize(args, &err);
    if (!items) {
        reco_reply_fail(rep, err.status, err.code, "%s", err.message);
        return;
    }
    char now[32];
    snprintf(now, sizeof now, "%" PRId64, reco_now_ms());
    pipeline_t p = {.store = ing->store};
    int built = 0;
    send_register_tenant(&p, tenant);
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        if ((built = send_item(&p, tenant, item, now)) != 0)
            break;
    }
    if (pipeline_finish(&p, rep) == 0) {
        if (built != 0)
            reco_reply_fail(rep, 500, "internal", "items[%zu]: could not be stored (out of memory)", i);
        else
            reco_reply_ok(rep, 200, json_pack("{s:I}", "stored", (json_int_t)json_array_size(items)));
    }
    json_decref(items);
}

/* ---- train.request, health ---- */

static void op_train_request(reco_ingest_t *ing, const char *tenant, const json_t *args,
                             reco_reply_t *rep)
{
    (void)args;
    pipeline_t p = {.store = ing->store};
    send_register_tenant(&p, tenant);
    const char *rpush[] = {"RPUSH", RECO_KEY_TRAIN_QUEUE, tenant};
    pipeline_sendz(&p, 3, rpush);
    if (pipeline_finish(&p, rep) == 0)
        reco_reply_ok(rep, 202, json_pack("{s:b}", "queued", 1));
}

static void op_health(reco_ingest_t *ing, const char *tenant, const json_t *args, reco_reply_t *rep)
{
    (void)tenant, (void)args;
    if (reco_store_ping(ing->store) == 0)
        reco_reply_ok(rep, 200, json_pack("{s:s}", "redis", "ok"));
    else
        reco_reply_fail(rep, 503, "redis_unavailable", "%s", reco_store_errstr(ing->store));
}

/* ---- dispatch ---- */

typedef void (*op_fn)(reco_ingest_t *, const char *tenant, const json_t *args, reco_reply_t *);

static const struct {
    const char *name;
    op_fn handle;
    int needs_tenant;
} ops[] = {
    {"events.add", op_events_add, 1},
    {"items.upsert", op_items_upsert, 1},
    {"train.request", op_train_request, 1},
    {"health", op_health, 0},
};

void reco_ingest_handle(void *ctx, const reco_request_t *req, reco_reply_t *rep)
{
    reco_ingest_t *ing = ctx;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strcmp(req->op, ops[i].name) != 0)
            continue;
        if (ops[i].needs_tenant && !reco_valid_tenant(req->tenant)) {
            reco_reply_fail(rep, 400, "invalid_field",
                            "tenant: must be 1 to %d characters of A-Z, a-z, 0-9, '_' or '-'",
                            RECO_TENANT_MAX);
            return;
        }
        reco_debug("%s %s tenant=%s", req->id, req->op, req->tenant);
        ops[i].handle(ing, req->tenant, req->args, rep);
        return;
    }
    reco_reply_fail(rep, 400, "unknown_op", "op: '%s' is not an ingest operation", req->op);
}
