/* reco_publish — version writer, flip and retirement of old versions (see reco_publish.h).
 *
 * Pipelining: commands are appended to the store and sent in batches of PIPELINE_COMMANDS
 * commands (or fewer when the batch holds many arguments); a batch's replies are read after the
 * next batch has been sent, so Redis executes one batch while the trainer formats the next.
 * Invariant: `in_flight` (sent) + `pending` (appended, unsent) is the number of commands whose
 * replies are unread. Once `failed` is set
 * nothing more is appended, because the store may have dropped the connection and a later append
 * would silently open a new one whose replies would not match `pending`.
 *
 * Retiring a version (expiring or deleting its keys) walks its index with SSCAN and pipelines
 * one command per member; the index key itself is handled last, so deleting it cannot cut the
 * scan short. */
#include "reco_publish.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_config.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_validate.h"

#define PIPELINE_COMMANDS 1000
#define PIPELINE_ARGS 100000
#define ZADD_CHUNK 1000       /* members per ZADD */
#define ORPHAN_SCAN_MAX 10000 /* versions looked at for leftovers when a model has no current */

static const char FLIP_SCRIPT[] =
    "if redis.call('GET', KEYS[2]) ~= ARGV[2] then return redis.error_reply('lease lost') end "
    "local old = redis.call('GET', KEYS[1]) "
    "redis.call('SET', KEYS[1], ARGV[1]) "
    "return old";

struct reco_version {
    reco_store_t *store; /* borrowed */
    char tenant[RECO_TENANT_MAX + 1];
    char model[64];
    int64_t number;
    char index_key[RECO_KEY_MAX];
    size_t keys;
    size_t pending, pending_args; /* appended, not sent yet */
    size_t in_flight;              /* sent, replies not read yet */
    int failed;
    int settled; /* committed, or deleted after a failure: nothing to clean up on destroy */
    char errstr[512];
    /* ZADD scratch: argv points at the key, the score texts and the members */
    const char *argv[2 + 2 * ZADD_CHUNK];
    size_t lens[2 + 2 * ZADD_CHUNK];
    char scores[ZADD_CHUNK][32];
};

static void fail(reco_version_t *v, const char *what, const char *why)
{
    if (!v->failed) snprintf(v->errstr, sizeof v->errstr, "%s: %s", what, why);
    v->failed = 1;
}

/* Reads n replies; the first error reply or read failure marks the version failed. */
static int read_replies(reco_version_t *v, size_t n)
{
    for (; n > 0; n--) {
        redisReply *r = NULL;
        if (reco_store_read(v->store, &r) != 0) {
            fail(v, "write", reco_store_errstr(v->store));
            break;
        }
        if (r->type == REDIS_REPLY_ERROR) fail(v, "write", r->str);
        freeReplyObject(r);
    }
    return v->failed ? -1 : 0;
}

/* Reads every pending reply (the batch in flight and the one queued). */
static int flush(reco_version_t *v)
{
    size_t n = v->in_flight + v->pending;
    v->in_flight = v->pending = v->pending_args = 0;
    return read_replies(v, n);
}

/* A full batch: send it, then read the replies of the batch sent before it, so Redis works on
 * this one while the trainer formats the next. */
static int send_batch(reco_version_t *v)
{
    if (reco_store_flush(v->store) != 0) {
        fail(v, "write", reco_store_errstr(v->store));
        v->in_flight = v->pending = v->pending_args = 0;
        return -1;
    }
    size_t previous = v->in_flight;
    v->in_flight = v->pending;
    v->pending = v->pending_args = 0;
    if (read_replies(v, previous) != 0) {
        /* an error reply leaves the connection usable: read the batch just sent too, so the
         * next command (the clean-up of this version) gets its own reply */
        (void)read_replies(v, v->in_flight);
        v->in_flight = 0;
        return -1;
    }
    return 0;
}

static int queue(reco_version_t *v, int argc, const char **argv, const size_t *lens)
{
    if (v->failed) return -1;
    if (reco_store_appendv(v->store, argc, argv, lens) != 0) {
        fail(v, "write", reco_store_errstr(v->store));
        v->pending = v->in_flight = 0;
        return -1;
    }
    v->pending++;
    v->pending_args += (size_t)argc;
    if (v->pending >= PIPELINE_COMMANDS || v->pending_args >= PIPELINE_ARGS) return send_batch(v);
    return 0;
}

static int queue_sadd_index(reco_version_t *v, const char *key)
{
    const char *argv[3] = {"SADD", v->index_key, key};
    size_t lens[3] = {4, strlen(v->index_key), strlen(key)};
    return queue(v, 3, argv, lens);
}

reco_version_t *reco_version_begin(reco_store_t *st, const char *tenant, const char *model)
{
    char seq[RECO_KEY_MAX];
    if (reco_key_model_seq(seq, sizeof seq, tenant) < 0) return NULL;
    redisReply *r = reco_store_command(st, "INCR %s", seq);
    if (!r || r->type != REDIS_REPLY_INTEGER) {
        reco_error("tenant %s: INCR %s failed: %s", tenant, seq,
                   r && r->type == REDIS_REPLY_ERROR ? r->str : reco_store_errstr(st));
        if (r) freeReplyObject(r);
        return NULL;
    }
    int64_t number = r->integer;
    freeReplyObject(r);
    reco_version_t *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->store = st;
    v->number = number;
    snprintf(v->tenant, sizeof v->tenant, "%s", tenant);
    snprintf(v->model, sizeof v->model, "%s", model);
    if (reco_key_model_index(v->index_key, sizeof v->index_key, tenant, model, number) < 0) {
        free(v);
        return NULL;
    }
    return v;
}

int64_t reco_version_number(const reco_version_t *v)
{
    return v->number;
}

size_t reco_version_keys(const reco_version_t *v)
{
    return v->keys;
}

const char *reco_version_errstr(const reco_version_t *v)
{
    return v->errstr[0] ? v->errstr : "no error";
}

/* Queues ZADDs of n members: member(k) gives the k-th member's bytes and length. */
typedef const char *(*member_fn)(const void *ctx, size_t k, size_t *len, double *score);

static int write_zset(reco_version_t *v, const char *key, member_fn member, const void *ctx,
                      size_t n)
{
    if (n == 0) return v->failed ? -1 : 0;
    /* index first: whatever part of the version reached Redis can be found and removed */
    if (queue_sadd_index(v, key) != 0) return -1;
    for (size_t at = 0; at < n; at += ZADD_CHUNK) {
        size_t chunk = n - at < ZADD_CHUNK ? n - at : ZADD_CHUNK;
        int argc = 0;
        v->argv[argc] = "ZADD";
        v->lens[argc++] = 4;
        v->argv[argc] = key;
        v->lens[argc++] = strlen(key);
        for (size_t k = 0; k < chunk; k++) {
            double score;
            size_t len;
            const char *m = member(ctx, at + k, &len, &score);
            int slen = snprintf(v->scores[k], sizeof v->scores[k], "%.17g", score);
            v->argv[argc] = v->scores[k];
            v->lens[argc++] = (size_t)slen;
            v->argv[argc] = m;
            v->lens[argc++] = len;
        }
        if (queue(v, argc, v->argv, v->lens) != 0) return -1;
    }
    v->keys++;
    return 0;
}

typedef struct {
    const char *const *ids;
    const size_t *lens;
    const reco_scored_t *e;
} scored_ids_t;

static const char *scored_member(const void *ctx, size_t k, size_t *len, double *score)
{
    const scored_ids_t *s = ctx;
    *score = s->e[k].score;
    *len = s->lens[s->e[k].item];
    return s->ids[s->e[k].item];
}

typedef struct {
    const char *const *members;
    const size_t *lens;
    const double *scores;
} plain_members_t;

static const char *plain_member(const void *ctx, size_t k, size_t *len, double *score)
{
    const plain_members_t *p = ctx;
    *score = p->scores[k];
    *len = p->lens[k];
    return p->members[k];
}

int reco_version_write_ids(reco_version_t *v, const char *key, const char *const *ids,
                           const size_t *id_lens, const reco_scored_t *e, size_t n)
{
    scored_ids_t ctx = {.ids = ids, .lens = id_lens, .e = e};
    return write_zset(v, key, scored_member, &ctx, n);
}

int reco_version_write_members(reco_version_t *v, const char *key, const char *const *members,
                               const size_t *lens, const double *scores, size_t n)
{
    plain_members_t ctx = {.members = members, .lens = lens, .scores = scores};
    return write_zset(v, key, plain_member, &ctx, n);
}

const char *reco_version_tenant(const reco_version_t *v)
{
    return v->tenant;
}

const char *reco_version_model(const reco_version_t *v)
{
    return v->model;
}

int reco_version_write_global(reco_version_t *v, const reco_matrix_t *m, const reco_scored_t *e,
                              size_t n)
{
    char key[RECO_KEY_MAX];
    if (reco_key_model_global(key, sizeof key, v->tenant, v->model, v->number) < 0) {
        fail(v, "write", "key too long");
        return -1;
    }
    return reco_version_write_ids(v, key, (const char *const *)m->item_ids, m->item_id_lens, e, n);
}

int reco_version_write_item(reco_version_t *v, const reco_matrix_t *m, uint32_t item,
                            const reco_scored_t *e, size_t n)
{
    char key[RECO_KEY_MAX];
    if (reco_key_model_item(key, sizeof key, v->tenant, v->model, v->number, m->item_ids[item]) <
        0) {
        fail(v, "write", "key too long");
        return -1;
    }
    return reco_version_write_ids(v, key, (const char *const *)m->item_ids, m->item_id_lens, e, n);
}

/* Pipelines `command member [arg]` for every member of index_key but index_key itself, then for
 * index_key. Returns 0, or -1 if Redis failed (logged). */
static int retire_index(reco_store_t *st, const char *index_key, const char *command,
                        const char *arg)
{
    char cursor[32] = "0";
    size_t index_len = strlen(index_key);
    int rc = 0;
    do {
        redisReply *r = reco_store_command(st, "SSCAN %s %s COUNT 1000", index_key, cursor);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
            reco_warn("SSCAN %s failed: %s", index_key,
                      r && r->type == REDIS_REPLY_ERROR ? r->str : reco_store_errstr(st));
            if (r) freeReplyObject(r);
            return -1;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        size_t appended = 0;
        for (size_t i = 0; rc == 0 && i < r->element[1]->elements; i++) {
            const redisReply *member = r->element[1]->element[i];
            if (member->type != REDIS_REPLY_STRING ||
                (member->len == index_len && memcmp(member->str, index_key, index_len) == 0))
                continue;
            const char *argv[3] = {command, member->str, arg};
            size_t lens[3] = {strlen(command), member->len, arg ? strlen(arg) : 0};
            if (reco_store_appendv(st, arg ? 3 : 2, argv, lens) != 0)
                rc = -1;
            else
                appended++;
        }
        freeReplyObject(r);
        for (size_t i = 0; rc == 0 && i < appended; i++) {
            redisReply *reply = NULL;
            if (reco_store_read(st, &reply) != 0)
                rc = -1;
            else
                freeReplyObject(reply);
        }
        if (rc != 0) {
            reco_warn("retiring %s failed: %s", index_key, reco_store_errstr(st));
            return -1;
        }
    } while (strcmp(cursor, "0") != 0);
    redisReply *r = arg ? reco_store_command(st, "%s %s %s", command, index_key, arg)
                        : reco_store_command(st, "%s %s", command, index_key);
    if (!r) return -1;
    freeReplyObject(r);
    return 0;
}

/* Deletes what this (uncommitted) version wrote. */
static void version_delete(reco_version_t *v)
{
    if (retire_index(v->store, v->index_key, "DEL", NULL) == 0)
        reco_debug("tenant %s: deleted unfinished %s v%" PRId64, v->tenant, v->model, v->number);
    else
        reco_warn("tenant %s: could not delete unfinished %s v%" PRId64
                  "; the next flip of the model expires it",
                  v->tenant, v->model, v->number);
}

void reco_version_destroy(reco_version_t **vp)
{
    if (!vp || !*vp) return;
    if (!(*vp)->settled) version_delete(*vp);
    free(*vp);
    *vp = NULL;
}

static int write_meta(reco_version_t *v, const reco_version_meta_t *meta)
{
    char meta_key[RECO_KEY_MAX];
    if (reco_key_model_meta(meta_key, sizeof meta_key, v->tenant, v->model, v->number) < 0) {
        fail(v, "meta", "key too long");
        return -1;
    }
    if (queue_sadd_index(v, meta_key) != 0 || queue_sadd_index(v, v->index_key) != 0) return -1;
    if (reco_store_append(
            v->store,
            "HSET %s built_at %lld duration_ms %lld events %llu users %llu items %llu "
            "keys %llu events_until %lld interval_ms %lld",
            meta_key, (long long)meta->built_at_ms, (long long)meta->duration_ms,
            (unsigned long long)meta->events, (unsigned long long)meta->users,
            (unsigned long long)meta->items, (unsigned long long)v->keys,
            (long long)meta->events_until_ms, (long long)meta->interval_ms) != 0) {
        fail(v, "meta", reco_store_errstr(v->store));
        v->pending = v->in_flight = 0;
        return -1;
    }
    v->pending++;
    return flush(v);
}

/* Sets current to v if the lease is ours; *previous = the version it replaced (0: none). */
static int flip(reco_version_t *v, const reco_lease_t *lease, int64_t *previous)
{
    char current[RECO_KEY_MAX], number[32];
    reco_key_model_current(current, sizeof current, v->tenant, v->model);
    snprintf(number, sizeof number, "%" PRId64, v->number);
    redisReply *r = reco_store_command(v->store, "EVAL %s 2 %s %s %s %s", FLIP_SCRIPT, current,
                                       reco_lease_key(lease), number, reco_lease_owner(lease));
    if (!r) {
        fail(v, "flip", reco_store_errstr(v->store));
        return -1;
    }
    long prev = 0;
    int rc = 0;
    if (r->type == REDIS_REPLY_ERROR) {
        fail(v, "flip", r->str);
        rc = -1;
    } else if (r->type == REDIS_REPLY_STRING && reco_parse_long(r->str, 1, LONG_MAX, &prev) != 0) {
        reco_warn("tenant %s: %s held '%s', not a version", v->tenant, current, r->str);
        prev = 0;
    }
    freeReplyObject(r);
    *previous = prev;
    return rc;
}

static void retire_version(reco_version_t *v, int64_t number, const char *why)
{
    char index[RECO_KEY_MAX], ttl[16];
    reco_key_model_index(index, sizeof index, v->tenant, v->model, number);
    snprintf(ttl, sizeof ttl, "%d", RECO_VERSION_GRACE_S);
    if (retire_index(v->store, index, "EXPIRE", ttl) == 0)
        reco_debug("tenant %s: %s %s v%" PRId64 " expires in %s s", v->tenant, why, v->model,
                   number, ttl);
    else
        reco_warn("tenant %s: could not expire %s v%" PRId64 " (%s); its keys stay until removed",
                  v->tenant, v->model, number, index);
}

/* Expires versions in (previous, v) whose index exists without a TTL: builds that died. */
static void sweep_leftovers(reco_version_t *v, int64_t previous)
{
    int64_t from = previous > 0 ? previous + 1 : v->number - ORPHAN_SCAN_MAX;
    int64_t leftovers[PIPELINE_COMMANDS];
    char index[RECO_KEY_MAX];
    for (int64_t w = from < 1 ? 1 : from; w < v->number; w += PIPELINE_COMMANDS) {
        int64_t end = w + PIPELINE_COMMANDS < v->number ? w + PIPELINE_COMMANDS : v->number;
        size_t n_leftovers = 0;
        for (int64_t x = w; x < end; x++) {
            reco_key_model_index(index, sizeof index, v->tenant, v->model, x);
            if (reco_store_append(v->store, "TTL %s", index) != 0) return;
        }
        for (int64_t x = w; x < end; x++) {
            redisReply *r = NULL;
            if (reco_store_read(v->store, &r) != 0) return;
            if (r->type == REDIS_REPLY_INTEGER && r->integer == -1) leftovers[n_leftovers++] = x;
            freeReplyObject(r);
        }
        for (size_t k = 0; k < n_leftovers; k++)
            retire_version(v, leftovers[k], "leftover");
    }
}

int reco_version_commit(reco_version_t *v, const reco_version_meta_t *meta,
                        const reco_lease_t *lease, int64_t *previous)
{
    *previous = 0;
    if (flush(v) != 0 || write_meta(v, meta) != 0 || flip(v, lease, previous) != 0) {
        version_delete(v);
        v->settled = 1;
        return -1;
    }
    v->settled = 1;
    if (*previous > 0 && *previous != v->number) retire_version(v, *previous, "previous");
    sweep_leftovers(v, *previous);
    return 0;
}
