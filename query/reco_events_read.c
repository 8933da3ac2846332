/* reco_events_read — events.list and users.export (see reco_events_read.h).
 *
 * The walk (scan_t) reads the index in pages: ZRANGE <index> <max> -inf BYSCORE REV LIMIT <skip>
 * <n> WITHSCORES, where max is the score of the position (or +inf at the start). A page starting
 * at the position's score also returns the entries tied with it that were consumed already
 * (entry id >= the position's); they are passed over by comparison. Each page then costs one
 * pipelined round trip of XRANGE, one per entry.
 *
 * Progress is guaranteed: every page either moves the position forward or, when it moved
 * nothing (only ties already consumed, or members that are not stream ids), is followed by the
 * next page of the same query (skip grows by the page length).
 *
 * Ownership: every reply is freed before the op returns; the events array is built here and
 * handed to the reply. */
#include "reco_events_read.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_catalog.h"
#include "reco_config.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_query_args.h"
#include "reco_query_store.h"
#include "reco_validate.h"

#define PAGE_MIN 16
#define PAGE_MAX 1000

/* ---- positions and cursors ---- */

static bool digits(const char *s, size_t len)
{
    if (len == 0 || len > 20) return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

bool reco_stream_id_valid(const char *id, size_t len)
{
    const char *dash = id && len <= RECO_STREAM_ID_MAX ? memchr(id, '-', len) : NULL;
    return dash && digits(id, (size_t)(dash - id)) &&
           digits(dash + 1, len - (size_t)(dash - id) - 1);
}

int reco_events_position_set(reco_events_position_t *pos, double score, const char *member,
                             size_t len)
{
    if (!reco_stream_id_valid(member, len) || !isfinite(score)) return -1;
    pos->set = true;
    pos->score = score;
    memcpy(pos->member, member, len);
    pos->member[len] = '\0';
    pos->member_len = len;
    return 0;
}

int reco_events_cursor_parse(const char *text, reco_events_position_t *pos)
{
    const char *colon = text ? strchr(text, ':') : NULL;
    if (!colon || colon == text || strlen(text) > RECO_EVENTS_CURSOR_MAX) return -1;
    char score_text[RECO_EVENTS_CURSOR_MAX + 1];
    memcpy(score_text, text, (size_t)(colon - text));
    score_text[colon - text] = '\0';
    if (strspn(score_text, "0123456789.e+-") != strlen(score_text)) /* what %.17g writes */
        return -1;
    char *end = NULL;
    errno = 0;
    double score = strtod(score_text, &end);
    if (errno != 0 || *end != '\0') return -1;
    reco_events_position_t parsed = {0};
    if (reco_events_position_set(&parsed, score, colon + 1, strlen(colon + 1)) != 0) return -1;
    *pos = parsed;
    return 0;
}

int reco_events_cursor_format(const reco_events_position_t *pos, char *buf, size_t n)
{
    int len = snprintf(buf, n, "%.17g:%s", pos->score, pos->member);
    return len < 0 || (size_t)len >= n ? -1 : len;
}

/* Redis's order of equal-score members: bytewise, then the shorter first. */
static int member_compare(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c != 0 ? c : (alen > blen) - (alen < blen);
}

bool reco_events_after(const reco_events_position_t *pos, double score, const char *member,
                       size_t len)
{
    if (!pos->set) return true;
    if (score != pos->score) return score < pos->score;
    return member_compare(member, len, pos->member, pos->member_len) < 0;
}

/* ---- stream entry -> event ---- */

/* A whole decimal number in a string reply; hiredis NUL-terminates them. 0 or -1. */
static int reply_double(const redisReply *r, double *out)
{
    if (!r || r->type != REDIS_REPLY_STRING || r->len == 0 || strlen(r->str) != r->len) return -1;
    char *end = NULL;
    errno = 0;
    double d = strtod(r->str, &end);
    if (errno != 0 || *end != '\0' || !isfinite(d)) return -1;
    *out = d;
    return 0;
}

static int reply_long(const redisReply *r, long min, long *out)
{
    if (!r || r->type != REDIS_REPLY_STRING || strlen(r->str) != r->len) return -1;
    return reco_parse_long(r->str, min, LONG_MAX, out);
}

typedef enum { AS_TEXT, AS_MS, AS_COUNT, AS_NUMBER, AS_OBJECT } field_kind_t;

/* The stream fields an event may carry (docs/redis-keys.md), in the order they are returned. */
static const struct {
    const char *stored, *name; /* field in the stream entry, key in the event */
    field_kind_t kind;
} event_fields[] = {
    {"user", "user", AS_TEXT},
    {"item", "item", AS_TEXT},
    {"type", "type", AS_TEXT},
    {"ts", "timestamp", AS_MS},
    {"id", "id", AS_TEXT},
    {"value", "value", AS_NUMBER},
    {"quantity", "quantity", AS_COUNT},
    {"price", "price", AS_NUMBER},
    {"order", "order", AS_TEXT},
    {"session", "session", AS_TEXT},
    {"recommendation", "recommendation", AS_TEXT},
    {"properties", "properties", AS_OBJECT},
};
#define EVENT_FIELD_COUNT (sizeof event_fields / sizeof event_fields[0])

/* The JSON of one stored field, or NULL to leave it out. */
static json_t *field_json(field_kind_t kind, const redisReply *v)
{
    double d;
    long n;
    json_error_t error;
    json_t *object;
    switch (kind) {
    case AS_MS:
        return reply_long(v, 0, &n) == 0 ? json_integer(n) : NULL;
    case AS_COUNT:
        return reply_long(v, 1, &n) == 0 ? json_integer(n) : NULL;
    case AS_NUMBER:
        return reply_double(v, &d) == 0 ? json_real(d) : NULL;
    case AS_OBJECT:
        object = v->type == REDIS_REPLY_STRING ? json_loadb(v->str, v->len, 0, &error) : NULL;
        if (object && !json_is_object(object)) json_decref(object), object = NULL;
        return object;
    case AS_TEXT:
        break;
    }
    return v->type == REDIS_REPLY_STRING ? json_stringn(v->str, v->len) : NULL;
}

json_t *reco_event_entry_json(const char *stream_id, size_t id_len, const redisReply *fields)
{
    const redisReply *found[EVENT_FIELD_COUNT] = {NULL};
    for (size_t k = 0; fields && fields->type == REDIS_REPLY_ARRAY && k + 1 < fields->elements;
         k += 2) {
        const redisReply *name = fields->element[k];
        for (size_t f = 0; name->type == REDIS_REPLY_STRING && f < EVENT_FIELD_COUNT; f++) {
            if (name->len == strlen(event_fields[f].stored) &&
                memcmp(name->str, event_fields[f].stored, name->len) == 0)
                found[f] = fields->element[k + 1];
        }
    }
    json_t *event = json_object();
    if (!event || json_object_set_new(event, "stream_id", json_stringn(stream_id, id_len)) != 0) {
        json_decref(event);
        return NULL;
    }
    for (size_t f = 0; f < EVENT_FIELD_COUNT; f++) {
        json_t *v = found[f] ? field_json(event_fields[f].kind, found[f]) : NULL;
        if (v) json_object_set_new(event, event_fields[f].name, v);
    }
    return event;
}

bool reco_event_has_type(const json_t *event, const char *type)
{
    if (!type) return true;
    const char *t = json_string_value(json_object_get(event, "type"));
    return t && strcmp(t, type) == 0;
}

/* ---- the walk ---- */

typedef struct {
    reco_store_t *store;
    const char *index_key, *stream_key;
    const char *type; /* NULL: every type */
    size_t limit;     /* events wanted */
    size_t scan_max;  /* index entries examined at most */
    reco_events_position_t pos;
    json_t *events; /* the page being built */
    size_t examined;
    size_t moves; /* times pos moved */
    bool stopped; /* a matching event beyond the limit was seen, or scan_max reached */
} scan_t;

/* ZRANGE of the next page of the index after s->pos: an array of member, score, ... or NULL with
 * rep filled. */
static redisReply *read_index_page(scan_t *s, size_t skip, size_t n, reco_reply_t *rep)
{
    char max[40] = "+inf", skip_text[24], n_text[24];
    if (s->pos.set) snprintf(max, sizeof max, "%.17g", s->pos.score);
    snprintf(skip_text, sizeof skip_text, "%zu", skip);
    snprintf(n_text, sizeof n_text, "%zu", n);
    const char *argv[] = {"ZRANGE", s->index_key, max,       "-inf", "BYSCORE",
                          "REV",    "LIMIT",      skip_text, n_text, "WITHSCORES"};
    size_t lens[10];
    for (int i = 0; i < 10; i++)
        lens[i] = strlen(argv[i]);
    redisReply *r = reco_store_commandv(s->store, 10, argv, lens);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements % 2 == 0) return r;
    reco_query_fail(rep, s->store, r, s->index_key);
    if (r) freeReplyObject(r);
    return NULL;
}

/* Keeps event (consumed) if it matches the filter. 0 (kept or filtered out), 1 if it matches but
 * the page is full, -1 out of memory (event NULL included). */
static int take_event(scan_t *s, json_t *event)
{
    if (!event) return -1;
    if (!reco_event_has_type(event, s->type)) {
        json_decref(event);
        return 0;
    }
    if (json_array_size(s->events) == s->limit) {
        json_decref(event);
        return 1;
    }
    return json_array_append_new(s->events, event) == 0 ? 0 : -1;
}

/* Considers one read entry in order; moves the position past it unless the walk stops here. */
static int consume(scan_t *s, const redisReply *member, double score, const redisReply *xrange,
                   reco_reply_t *rep)
{
    s->examined++;
    if (xrange->type != REDIS_REPLY_ARRAY)
        return reco_query_fail(rep, s->store, xrange, s->stream_key);
    const redisReply *entry = xrange->elements == 1 ? xrange->element[0] : NULL;
    if (entry && entry->type == REDIS_REPLY_ARRAY && entry->elements == 2) { /* else: gone */
        int taken =
            take_event(s, reco_event_entry_json(member->str, member->len, entry->element[1]));
        if (taken < 0) {
            reco_reply_fail(rep, 500, "internal", "out of memory");
            return -1;
        }
        if (taken > 0) {
            s->stopped = true; /* a further match exists: the next page starts with it */
            return 0;
        }
    }
    reco_events_position_set(&s->pos, score, member->str, member->len);
    s->moves++;
    if (s->examined >= s->scan_max) s->stopped = true;
    return 0;
}

/* Reads the stream entries of one index page (one pipeline) and consumes them in order.
 * 0, or -1 with rep filled. */
static int walk_page(scan_t *s, const redisReply *page, reco_reply_t *rep)
{
    size_t n = page->elements / 2, sent = 0;
    double *scores = calloc(n ? n : 1, sizeof *scores);
    const redisReply **members = calloc(n ? n : 1, sizeof *members);
    redisReply **entries = calloc(n ? n : 1, sizeof *entries);
    if (!scores || !members || !entries) {
        free(scores), free(members), free(entries);
        reco_reply_fail(rep, 500, "internal", "out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const redisReply *m = page->element[2 * i];
        double score;
        if (m->type != REDIS_REPLY_STRING || reply_double(page->element[2 * i + 1], &score) != 0 ||
            !reco_stream_id_valid(m->str, m->len) ||
            !reco_events_after(&s->pos, score, m->str, m->len))
            continue; /* consumed already, or not an entry id */
        const char *argv[] = {"XRANGE", s->stream_key, m->str, m->str};
        const size_t lens[] = {6, strlen(s->stream_key), m->len, m->len};
        rc = reco_store_appendv(s->store, 4, argv, lens);
        members[sent] = m;
        scores[sent++] = score;
    }
    if (rc != 0 || reco_query_read_all(s->store, sent, entries) != 0)
        rc = reco_query_fail(rep, s->store, NULL, "XRANGE");
    for (size_t i = 0; rc == 0 && !s->stopped && i < sent; i++)
        rc = consume(s, members[i], scores[i], entries[i], rep);
    reco_query_free_all(sent, entries);
    free(scores), free(members), free(entries);
    return rc;
}

/* Walks from s->pos until limit events matched and one more is known to exist, the index ends,
 * or scan_max entries were examined. Fills s->events; s->stopped says whether to go on. */
static int walk(scan_t *s, reco_reply_t *rep)
{
    size_t skip = 0, n = s->limit + 1;
    n = n < PAGE_MIN ? PAGE_MIN : n > PAGE_MAX ? PAGE_MAX : n;
    while (!s->stopped) {
        redisReply *page = read_index_page(s, skip, n, rep);
        if (!page) return -1;
        const size_t got = page->elements / 2, moves = s->moves;
        int rc = walk_page(s, page, rep);
        freeReplyObject(page);
        if (rc != 0) return -1;
        if (got < n) break;                        /* the index ends here */
        skip = s->moves != moves ? 0 : skip + got; /* same query: its next page */
        n = n * 2 > PAGE_MAX ? PAGE_MAX : n * 2;
    }
    return 0;
}

/* ---- events.list ---- */

/* 200 with body, or 500 if building it ran out of memory (body NULL). */
static void reply_body(reco_reply_t *rep, json_t *body)
{
    if (body)
        reco_reply_ok(rep, 200, body);
    else
        reco_reply_fail(rep, 500, "internal", "out of memory");
}

int reco_events_parse_list_args(const json_t *args, reco_events_list_args_t *out, reco_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (reco_query_arg_id(args, "user", out->user_buf, &out->user, err) < 0 ||
        reco_query_arg_id(args, "item", out->item_buf, &out->item, err) < 0)
        return -1;
    if (!out->user && !out->item) {
        reco_error_set(err, 400, "missing_field", "user: give a user or an item");
        return -1;
    }
    if (out->user && out->item) {
        reco_error_set(err, 400, "invalid_field", "item: give a user or an item, not both");
        return -1;
    }
    json_t *type = json_object_get(args, "type");
    if (type && !json_is_null(type)) {
        out->type = json_string_value(type);
        if (!out->type || !reco_valid_action_name(out->type)) {
            reco_error_set(err, 400, "invalid_field", "type: not an event type name");
            return -1;
        }
    }
    if (reco_query_arg_long(args, "limit", 1, RECO_EVENTS_LIMIT_MAX, RECO_EVENTS_LIMIT_DEFAULT,
                            &out->limit, err) != 0)
        return -1;
    json_t *cursor = json_object_get(args, "cursor");
    if (cursor && !json_is_null(cursor) &&
        (!json_is_string(cursor) ||
         reco_events_cursor_parse(json_string_value(cursor), &out->start) != 0)) {
        reco_error_set(err, 400, "invalid_field",
                       "cursor: pass back the 'next' value of the previous page");
        return -1;
    }
    return 0;
}

/* Builds the index and stream keys of the walk into the given buffers. 0, or -1 with rep set. */
static int scan_keys(scan_t *s, const char *tenant, const char *user, const char *item,
                     char *index_key, char *stream_key, reco_reply_t *rep)
{
    int rc = user ? reco_key_user_events(index_key, RECO_KEY_MAX, tenant, user)
                  : reco_key_item_events(index_key, RECO_KEY_MAX, tenant, item);
    if (rc < 0 || reco_key_events(stream_key, RECO_KEY_MAX, tenant) < 0 ||
        !(s->events = json_array())) {
        reco_reply_fail(rep, 500, "internal", "key does not fit, or out of memory");
        return -1;
    }
    s->index_key = index_key;
    s->stream_key = stream_key;
    return 0;
}

void reco_events_list_handle(reco_store_t *store, const char *tenant, const json_t *args,
                             reco_reply_t *rep)
{
    reco_events_list_args_t a;
    reco_error_t err;
    if (reco_events_parse_list_args(args, &a, &err) != 0) {
        reco_query_reply_error(rep, &err);
        return;
    }
    char index_key[RECO_KEY_MAX], stream_key[RECO_KEY_MAX], next[RECO_EVENTS_CURSOR_MAX + 1];
    scan_t s = {.store = store,
                .type = a.type,
                .limit = (size_t)a.limit,
                .scan_max = (size_t)a.limit + RECO_EVENTS_SCAN_EXTRA,
                .pos = a.start};
    if (scan_keys(&s, tenant, a.user, a.item, index_key, stream_key, rep) != 0) return;
    if (walk(&s, rep) != 0) {
        json_decref(s.events);
        return;
    }
    json_t *cursor = json_null();
    if (s.stopped && s.pos.set && reco_events_cursor_format(&s.pos, next, sizeof next) > 0) {
        json_decref(cursor);
        cursor = json_string(next);
    }
    reply_body(rep, json_pack("{s:o, s:o}", "events", s.events, "next", cursor));
}

/* ---- users.export ---- */

/* The user's history, most recent first: [{item, timestamp}]. NULL with rep filled. */
static json_t *read_history(reco_store_t *store, const char *tenant, const char *user,
                            reco_reply_t *rep)
{
    char key[RECO_KEY_MAX];
    if (reco_key_user_history(key, sizeof key, tenant, user) < 0) {
        reco_reply_fail(rep, 500, "internal", "key does not fit");
        return NULL;
    }
    const char *argv[] = {"ZRANGE", key, "0", "-1", "REV", "WITHSCORES"};
    const size_t lens[] = {6, strlen(key), 1, 2, 3, 10};
    redisReply *r = reco_store_commandv(store, 6, argv, lens);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
        reco_query_fail(rep, store, r, key);
        if (r) freeReplyObject(r);
        return NULL;
    }
    json_t *history = json_array();
    for (size_t i = 0; history && i + 1 < r->elements; i += 2) {
        const redisReply *item = r->element[i];
        double ms;
        json_t *name = item->type == REDIS_REPLY_STRING ? json_stringn(item->str, item->len) : NULL;
        if (!name || reply_double(r->element[i + 1], &ms) != 0) {
            json_decref(name);
            continue;
        }
        json_t *when =
            ms == floor(ms) && fabs(ms) < 9e15 ? json_integer((json_int_t)ms) : json_real(ms);
        json_array_append_new(history, json_pack("{s:o, s:o}", "item", name, "timestamp", when));
    }
    freeReplyObject(r);
    if (!history) reco_reply_fail(rep, 500, "internal", "out of memory");
    return history;
}

void reco_users_export_handle(reco_store_t *store, const char *tenant, const json_t *args,
                              reco_reply_t *rep)
{
    char buf[RECO_QUERY_ID_BUF], index_key[RECO_KEY_MAX], stream_key[RECO_KEY_MAX];
    const char *user;
    reco_error_t err;
    if (reco_query_arg_required_id(args, "user", buf, &user, &err) != 0) {
        reco_query_reply_error(rep, &err);
        return;
    }
    json_t *profile = NULL, *history = NULL;
    int found = reco_catalog_read_user(store, tenant, user, &profile, rep);
    if (found < 0) return;
    scan_t s = {.store = store,
                .limit = RECO_EXPORT_EVENTS_MAX,
                .scan_max = RECO_EXPORT_EVENTS_MAX + RECO_EVENTS_SCAN_EXTRA};
    if (scan_keys(&s, tenant, user, NULL, index_key, stream_key, rep) != 0 || walk(&s, rep) != 0 ||
        !(history = read_history(store, tenant, user, rep))) {
        json_decref(profile);
        json_decref(s.events);
        return;
    }
    if (s.stopped)
        reco_warn("tenant %s: export of user '%s' holds only the newest %zu events", tenant, user,
                  json_array_size(s.events));
    reply_body(rep, json_pack("{s:o, s:o, s:o}", "user", found ? profile : json_null(), "events",
                              s.events, "history", history));
}
