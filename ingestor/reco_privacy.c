/* reco_privacy — events.delete, users.delete, users.transfer (see the header).
 *
 * All three walk one index ZSET, oldest first, a page at a time (walk()): ZRANGE BYSCORE LIMIT
 * for the page's stream ids, a pipelined XRANGE id id per entry, then each entry is
 *   - gone from the stream: dropped from the index (ZREM), nothing else to do;
 *   - matching the filter: handed to the ingest script (remove, move or copy);
 *   - anything else (another user's event, a malformed entry): left alone.
 * Entries the script removes leave the index, so the next page starts at offset = the number of
 * entries left behind so far (plus the copies' originals in copy mode). A page that would start
 * exactly where the previous one did ends the walk with an error instead of looping.
 *
 * Ownership: replies and JSON texts of one page are freed before the next page is read. */
#include "reco_privacy.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_event_entry.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_validate.h"

#define TRANSFER_PAGE 500

/* ---- arguments ---- */

/* An id argument (a string id, or an integer taken as its decimal text in buf): 1 with *out
 * set, 0 if absent (400 missing_field when required), -1 after answering 400. */
static int id_arg(const json_t *args, const char *name, int required, char buf[32],
                  const char **out, reco_reply_t *rep)
{
    json_t *v = json_object_get(args, name);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) reco_reply_fail(rep, 400, "missing_field", "%s: required", name);
        return required ? -1 : 0;
    }
    if (json_is_integer(v)) {
        snprintf(buf, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *out = buf;
        return 1;
    }
    if (!json_is_string(v) || !reco_valid_id(json_string_value(v), json_string_length(v))) {
        reco_reply_fail(rep, 400, "invalid_field",
                        "%s: must be a string of 1 to %d characters without control characters",
                        name, RECO_ID_MAX);
        return -1;
    }
    *out = json_string_value(v);
    return 1;
}

/* An optional time argument in epoch ms: 1 with *out set, 0 if absent, -1 after answering 400. */
static int ms_arg(const json_t *args, const char *name, int64_t *out, reco_reply_t *rep)
{
    json_t *v = json_object_get(args, name);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        reco_reply_fail(rep, 400, "invalid_field",
                        "%s: must be epoch milliseconds (a whole number >= 0)", name);
        return -1;
    }
    *out = (int64_t)json_integer_value(v);
    return 1;
}

/* An optional event type (a built-in type or a custom action's name): 0 with *out set or NULL
 * when absent, -1 after answering 400. */
static int type_arg(const json_t *args, const char **out, reco_reply_t *rep)
{
    json_t *v = json_object_get(args, "type");
    *out = NULL;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v) || !reco_valid_action_name(json_string_value(v))) {
        reco_reply_fail(rep, 400, "invalid_field", "type: not an event type name");
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

/* ---- walking an index ---- */

typedef struct {
    const char *index;                 /* the index ZSET walked */
    const char *min, *max;             /* its score range (ZRANGE BYSCORE) */
    long page;                         /* entries per page */
    const reco_event_filter_t *filter; /* which entries to act on */
    reco_script_mode_t mode;           /* what to do with them */
    const char *as_user;               /* copy/move: the new user */
} walk_t;

/* A page of stream ids: an array reply, or NULL (failure kept on p). */
static redisReply *page_ids(reco_pipeline_t *p, const walk_t *w, long long offset)
{
    char off[24], count[24];
    snprintf(off, sizeof off, "%lld", offset);
    snprintf(count, sizeof count, "%ld", w->page);
    const char *argv[] = {"ZRANGE", w->index, w->min, w->max, "BYSCORE", "LIMIT", off, count};
    redisReply *r = reco_pipeline_call(p, 8, argv);
    if (r && r->type == REDIS_REPLY_ARRAY) return r;
    reco_pipeline_note_error(p, r);
    if (r) {
        reco_pipeline_fail(p, "ZRANGE: unexpected reply");
        freeReplyObject(r);
    }
    return NULL;
}

static void replies_free(redisReply **replies, size_t n)
{
    for (size_t i = 0; replies && i < n; i++)
        if (replies[i]) freeReplyObject(replies[i]);
    free(replies);
}

/* XRANGE stream id id for every id of the page, pipelined: n replies, or NULL. */
static redisReply **page_entries(reco_pipeline_t *p, const char *stream, const redisReply *page)
{
    size_t n = page->elements;
    redisReply **out = calloc(n + 1, sizeof *out);
    if (!out) {
        reco_pipeline_fail(p, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const char *sid =
            page->element[i]->type == REDIS_REPLY_STRING ? page->element[i]->str : "0-0";
        const char *argv[] = {"XRANGE", stream, sid, sid};
        reco_pipeline_sendz(p, 4, argv);
    }
    for (size_t i = 0; i < n; i++) {
        if (!(out[i] = reco_pipeline_next(p))) {
            replies_free(out, n);
            return NULL;
        }
    }
    return out;
}

typedef struct {
    char **json; /* script input of the matching entries */
    size_t matched;
    long long kept; /* entries left in the index */
} page_sort_t;

/* Sorts one XRANGE reply into gone / matching / kept. 0, or -1 (failure kept on p). */
static int sort_entry(reco_pipeline_t *p, const walk_t *w, const char *sid, const redisReply *x,
                      page_sort_t *s)
{
    reco_event_entry_t e;
    if (x->type != REDIS_REPLY_ARRAY) {
        reco_pipeline_note_error(p, x);
        reco_pipeline_fail(p, "XRANGE: unexpected reply");
        return -1;
    }
    if (x->elements == 0) { /* gone from the stream: forget it (read with the script's replies) */
        const char *argv[] = {"ZREM", w->index, sid};
        reco_pipeline_sendz(p, 3, argv);
        return 0;
    }
    if (reco_event_entry_parse(x->element[0], &e) != 0 || !reco_event_filter_match(w->filter, &e)) {
        s->kept++;
        return 0;
    }
    int move = w->mode == RECO_SCRIPT_COPY || w->mode == RECO_SCRIPT_MOVE;
    s->json[s->matched] =
        reco_event_entry_script_json(&e, w->as_user, move, w->mode == RECO_SCRIPT_REMOVE);
    if (!s->json[s->matched]) {
        reco_pipeline_fail(p, "out of memory");
        return -1;
    }
    s->matched++;
    return 0;
}

/* Handles one page: acts on its matching entries, adds to *done, and moves *offset past the
 * entries that stay in the index. 0, or -1. */
static int walk_page(reco_ingest_t *ing, reco_pipeline_t *p, const walk_t *w, const char *stream,
                     const reco_script_call_t *call, const redisReply *page, long long *offset,
                     long long *done)
{
    size_t n = page->elements;
    redisReply **entries = page_entries(p, stream, page);
    page_sort_t s = {.json = calloc(n + 1, sizeof(char *))};
    int rc = entries && s.json ? 0 : -1;
    if (!s.json) reco_pipeline_fail(p, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const redisReply *sid = page->element[i];
        rc = sort_entry(p, w, sid->type == REDIS_REPLY_STRING ? sid->str : "0-0", entries[i], &s);
    }
    long long counts[2] = {0, 0};
    if (rc == 0) rc = reco_ingest_script_run(ing->script, p, call, s.json, s.matched, counts);
    *done += counts[0];
    *offset += s.kept + (w->mode == RECO_SCRIPT_COPY ? (long long)s.matched : 0);
    for (size_t i = 0; s.json && i < s.matched; i++)
        free(s.json[i]);
    free(s.json);
    replies_free(entries, n);
    return rc;
}

/* Walks w->index page by page; adds the script's count to *done. 0, or -1 (kept on p). */
static int walk(reco_ingest_t *ing, reco_pipeline_t *p, const char *tenant, const walk_t *w,
                long long *done)
{
    char stream[RECO_KEY_MAX], last_first[64] = "";
    if (reco_key_events(stream, sizeof stream, tenant) < 0) {
        reco_pipeline_fail(p, "key too long");
        return -1;
    }
    const reco_script_call_t call = {.tenant = tenant,
                                     .mode = w->mode,
                                     .history_cap = ing->history_cap,
                                     .now_ms = reco_now_ms()};
    long long offset = 0, last_offset = -1;
    for (;;) {
        redisReply *page = page_ids(p, w, offset);
        if (!page) return -1;
        size_t n = page->elements;
        const char *first =
            n && page->element[0]->type == REDIS_REPLY_STRING ? page->element[0]->str : "";
        int stuck = n && offset == last_offset && strcmp(first, last_first) == 0;
        snprintf(last_first, sizeof last_first, "%s", first);
        last_offset = offset;
        int rc = stuck ? -1 : n ? walk_page(ing, p, w, stream, &call, page, &offset, done) : 0;
        freeReplyObject(page);
        if (stuck) reco_pipeline_fail(p, "an index page made no progress");
        if (rc != 0 || n < (size_t)w->page) return rc;
    }
}

/* ---- forgetting a user ---- */

/* Model outputs keyed by the user (similar-customers' neighbour list and for-user's build-time
 * list, of the served versions) go at once, not at the next build: nothing may name a forgotten
 * user. (The user may still be a member of other users' lists until the next build; the query
 * worker finds no history for it there, so it contributes nothing.) */
static void forget_model_list(reco_pipeline_t *p, const char *tenant, const char *model, const char *user)
{
    char current[RECO_KEY_MAX], list[RECO_KEY_MAX];
    if (reco_key_model_current(current, sizeof current, tenant, model) < 0)
        return;
    const char *get[] = {"GET", current};
    redisReply *v = reco_pipeline_call(p, 2, get);
    long long version = 0;
    if (v && v->type == REDIS_REPLY_STRING)
        version = strtoll(v->str, NULL, 10);
    if (v)
        freeReplyObject(v);
    if (version > 0 && reco_key_model_user(list, sizeof list, tenant, model, version, user) >= 0) {
        const char *del[] = {"DEL", list};
        reco_pipeline_sendz(p, 2, del);
    }
}

static void forget_model_lists(reco_pipeline_t *p, const char *tenant, const char *user)
{
    forget_model_list(p, tenant, "similar-customers", user);
    forget_model_list(p, tenant, "for-user", user);
}

/* Removes the user from the item-history of every item in its user-history, then deletes the
 * user's hash, event index and history, and drops it from the users set. 0, or -1. */
static int forget_user(reco_pipeline_t *p, const char *tenant, const char *user)
{
    char history[RECO_KEY_MAX], hash[RECO_KEY_MAX], index[RECO_KEY_MAX], users[RECO_KEY_MAX];
    char item_history[RECO_KEY_MAX];
    if (reco_key_user_history(history, sizeof history, tenant, user) < 0 ||
        reco_key_user(hash, sizeof hash, tenant, user) < 0 ||
        reco_key_user_events(index, sizeof index, tenant, user) < 0 ||
        reco_key_users(users, sizeof users, tenant) < 0) {
        reco_pipeline_fail(p, "key too long");
        return -1;
    }
    for (long long start = 0;; start += RECO_PRIVACY_PAGE) {
        char from[24], to[24];
        snprintf(from, sizeof from, "%lld", start);
        snprintf(to, sizeof to, "%lld", start + RECO_PRIVACY_PAGE - 1);
        const char *range[] = {"ZRANGE", history, from, to};
        redisReply *items = reco_pipeline_call(p, 4, range);
        if (!items || items->type != REDIS_REPLY_ARRAY) {
            reco_pipeline_note_error(p, items);
            if (items) freeReplyObject(items);
            return -1;
        }
        size_t n = items->elements;
        for (size_t i = 0; i < n; i++) {
            const redisReply *item = items->element[i];
            if (item->type != REDIS_REPLY_STRING ||
                reco_key_item_history(item_history, sizeof item_history, tenant, item->str) < 0)
                continue;
            const char *zrem[] = {"ZREM", item_history, user};
            reco_pipeline_sendz(p, 3, zrem);
        }
        freeReplyObject(items);
        reco_pipeline_drain(p);
        if (n < RECO_PRIVACY_PAGE) break;
    }
    const char *del[] = {"DEL", hash, index, history};
    const char *srem[] = {"SREM", users, user};
    reco_pipeline_sendz(p, 4, del);
    reco_pipeline_sendz(p, 3, srem);
    forget_model_lists(p, tenant, user);
    return reco_pipeline_ok(p);
}

/* ---- the ops ---- */

void reco_op_events_delete(reco_ingest_t *ing, const char *tenant, const json_t *args,
                           reco_reply_t *rep)
{
    char user_buf[32], item_buf[32], session_buf[32];
    reco_event_filter_t f = {0};
    int has_user, has_item, has_session, has_before, has_timestamp;
    if ((has_user = id_arg(args, "user", 0, user_buf, &f.user, rep)) < 0 ||
        (has_item = id_arg(args, "item", 0, item_buf, &f.item, rep)) < 0 ||
        (has_session = id_arg(args, "session", 0, session_buf, &f.session, rep)) < 0 ||
        type_arg(args, &f.type, rep) < 0 ||
        (has_before = ms_arg(args, "before", &f.before, rep)) < 0 ||
        (has_timestamp = ms_arg(args, "timestamp", &f.timestamp, rep)) < 0)
        return;
    if (!has_user && !has_item && !has_session) {
        reco_reply_fail(rep, 400, "missing_field",
                        "user: give at least one of user, item, session");
        return;
    }
    f.has_before = has_before, f.has_timestamp = has_timestamp;
    char index[RECO_KEY_MAX], min[32] = "-inf", max[32] = "+inf";
    int len = has_user   ? reco_key_user_events(index, sizeof index, tenant, f.user)
              : has_item ? reco_key_item_events(index, sizeof index, tenant, f.item)
                         : reco_key_session_events(index, sizeof index, tenant, f.session);
    if (has_timestamp) {
        snprintf(min, sizeof min, "%" PRId64, f.timestamp);
        snprintf(max, sizeof max, "%" PRId64, f.timestamp);
    } else if (has_before) {
        snprintf(max, sizeof max, "(%" PRId64, f.before);
    }
    const walk_t w = {.index = index,
                      .min = min,
                      .max = max,
                      .page = RECO_PRIVACY_PAGE,
                      .filter = &f,
                      .mode = RECO_SCRIPT_REMOVE};
    reco_pipeline_t p = {.store = ing->store};
    long long deleted = 0;
    if (len < 0)
        reco_pipeline_fail(&p, "key too long");
    else
        walk(ing, &p, tenant, &w, &deleted);
    if (reco_pipeline_finish(&p, rep) == 0)
        reco_reply_ok(rep, 200, json_pack("{s:I}", "deleted", (json_int_t)deleted));
    else if (deleted > 0)
        reco_warn("tenant %s: events.delete failed after deleting %lld events", tenant, deleted);
}

void reco_op_users_delete(reco_ingest_t *ing, const char *tenant, const json_t *args,
                          reco_reply_t *rep)
{
    char user_buf[32], index[RECO_KEY_MAX];
    reco_event_filter_t f = {0};
    if (id_arg(args, "user", 1, user_buf, &f.user, rep) < 0) return;
    const walk_t w = {.index = index,
                      .min = "-inf",
                      .max = "+inf",
                      .page = RECO_PRIVACY_PAGE,
                      .filter = &f,
                      .mode = RECO_SCRIPT_REMOVE};
    reco_pipeline_t p = {.store = ing->store};
    long long deleted = 0;
    if (reco_key_user_events(index, sizeof index, tenant, f.user) < 0)
        reco_pipeline_fail(&p, "key too long");
    else if (walk(ing, &p, tenant, &w, &deleted) == 0)
        forget_user(&p, tenant, f.user);
    if (reco_pipeline_finish(&p, rep) == 0)
        reco_reply_ok(rep, 200, json_pack("{s:I}", "deleted", (json_int_t)deleted));
}

void reco_op_users_transfer(reco_ingest_t *ing, const char *tenant, const json_t *args,
                            reco_reply_t *rep)
{
    char from_buf[32], to_buf[32], index[RECO_KEY_MAX];
    const char *to = NULL;
    reco_event_filter_t f = {0};
    json_t *keep = json_object_get(args, "keep");
    if (id_arg(args, "from", 1, from_buf, &f.user, rep) < 0 ||
        id_arg(args, "to", 1, to_buf, &to, rep) < 0)
        return;
    if (strcmp(f.user, to) == 0) {
        reco_reply_fail(rep, 400, "invalid_field",
                        "to: must differ from the user the events come from");
        return;
    }
    if (keep && !json_is_boolean(keep) && !json_is_null(keep)) {
        reco_reply_fail(rep, 400, "invalid_field", "keep: must be true or false");
        return;
    }
    int copy = json_is_true(keep);
    const walk_t w = {.index = index,
                      .min = "-inf",
                      .max = "+inf",
                      .page = TRANSFER_PAGE,
                      .filter = &f,
                      .mode = copy ? RECO_SCRIPT_COPY : RECO_SCRIPT_MOVE,
                      .as_user = to};
    reco_pipeline_t p = {.store = ing->store};
    reco_ingest_send_register_tenant(&p, tenant);
    long long moved = 0;
    if (reco_key_user_events(index, sizeof index, tenant, f.user) < 0)
        reco_pipeline_fail(&p, "key too long");
    else if (walk(ing, &p, tenant, &w, &moved) == 0 && !copy)
        forget_user(&p, tenant, f.user);
    if (reco_pipeline_finish(&p, rep) == 0)
        reco_reply_ok(rep, 200, json_pack("{s:I}", "moved", (json_int_t)moved));
}
