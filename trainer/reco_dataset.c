/* reco_dataset — event stream -> in-memory event log, fully or incrementally (see reco_dataset.h).
 *
 * Only one page of the stream (one XRANGE reply) is held at a time; ids are copied into the log's
 * intern tables, so memory is the log's (reco_events.h) plus one page. */
#include "reco_dataset.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_config.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_validate.h"

static int field_is(const redisReply *r, const char *name)
{
    size_t n = strlen(name);
    return r->type == REDIS_REPLY_STRING && r->len == n && memcmp(r->str, name, n) == 0;
}

/* A whole, finite decimal number; hiredis NUL-terminates string replies. */
static int parse_double(const redisReply *r, double *out)
{
    if (r->type != REDIS_REPLY_STRING || r->len == 0 || strlen(r->str) != r->len) return -1;
    char *end = NULL;
    errno = 0;
    double d = strtod(r->str, &end);
    if (errno != 0 || !end || *end != '\0' || !isfinite(d)) return -1;
    *out = d;
    return 0;
}

int reco_dataset_parse_event(const redisReply *fields, const reco_weights_t *weights,
                             reco_stream_event_t *ev, const char **why)
{
    const redisReply *user = NULL, *item = NULL, *type = NULL, *ts = NULL, *value = NULL;
    const redisReply *order = NULL, *session = NULL;
    memset(ev, 0, sizeof *ev);
    if (!fields || fields->type != REDIS_REPLY_ARRAY || fields->elements % 2 != 0) {
        *why = "fields are not name/value pairs";
        return -1;
    }
    for (size_t k = 0; k + 1 < fields->elements; k += 2) {
        const redisReply *name = fields->element[k], *val = fields->element[k + 1];
        if (field_is(name, "user"))
            user = val;
        else if (field_is(name, "item"))
            item = val;
        else if (field_is(name, "type"))
            type = val;
        else if (field_is(name, "ts"))
            ts = val;
        else if (field_is(name, "value"))
            value = val;
        else if (field_is(name, "order"))
            order = val;
        else if (field_is(name, "session"))
            session = val;
    }
    long ts_ms = 0;
    double v = 0.0;
    if (!user || user->type != REDIS_REPLY_STRING || !reco_valid_id(user->str, user->len))
        *why = "missing or invalid user";
    else if (!item || item->type != REDIS_REPLY_STRING || !reco_valid_id(item->str, item->len))
        *why = "missing or invalid item";
    else if (!type || type->type != REDIS_REPLY_STRING || strlen(type->str) != type->len ||
             !reco_valid_action_name(type->str))
        *why = "missing or invalid type";
    else if (!ts || ts->type != REDIS_REPLY_STRING ||
             reco_parse_long(ts->str, 0, LONG_MAX, &ts_ms) != 0)
        *why = "missing or invalid ts";
    else if ((ev->type = reco_event_type_parse(type->str)) == RECO_EVENT_RATING &&
             (!value || parse_double(value, &v) != 0))
        *why = "rating without a valid value"; /* value is ignored for other types */
    else
        *why = NULL;
    if (*why) return -1;
    if (reco_weights_resolve(weights, type->str, v, &ev->weight) != 0) {
        *why = "type is neither built in nor a registered action";
        return 1;
    }
    if (ev->type < 0) ev->type = RECO_EVENT_TYPE_COUNT;
    ev->user = user->str;
    ev->user_len = user->len;
    ev->item = item->str;
    ev->item_len = item->len;
    ev->ts = ts_ms;
    if (order && order->type == REDIS_REPLY_STRING && reco_valid_id(order->str, order->len)) {
        ev->order = order->str;
        ev->order_len = order->len;
    }
    if (session && session->type == REDIS_REPLY_STRING &&
        reco_valid_id(session->str, session->len)) {
        ev->session = session->str;
        ev->session_len = session->len;
    }
    return 0;
}

/* Appends every entry of one XRANGE page to the log. Returns 0 or -1 (out of memory). */
static int add_page(const redisReply *page, const reco_weights_t *weights, reco_events_t *log,
                    reco_dataset_stats_t *stats)
{
    for (size_t e = 0; e < page->elements; e++) {
        const redisReply *entry = page->element[e];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
            entry->element[0]->type != REDIS_REPLY_STRING) {
            stats->skipped++;
            continue;
        }
        reco_stream_event_t ev;
        const char *why = NULL;
        int parsed = reco_dataset_parse_event(entry->element[1], weights, &ev, &why);
        if (parsed != 0) {
            reco_debug("skipping stream entry %s: %s", entry->element[0]->str, why);
            if (parsed < 0)
                stats->skipped++;
            else
                stats->unregistered++;
            continue;
        }
        if (reco_events_append(log, &ev) != 0) {
            reco_error("out of memory reading events");
            return -1;
        }
        stats->events++;
    }
    return 0;
}

/* The last entry id of a page, copied into last. 0, or -1 if the page has none. */
static int last_entry_id(const redisReply *page, char *last, size_t size)
{
    for (size_t e = page->elements; e-- > 0;) {
        const redisReply *entry = page->element[e];
        if (entry->type == REDIS_REPLY_ARRAY && entry->elements >= 1 &&
            entry->element[0]->type == REDIS_REPLY_STRING && entry->element[0]->len < size) {
            snprintf(last, size, "%s", entry->element[0]->str);
            return 0;
        }
    }
    return -1;
}

static void copy_id(char *dst, const redisReply *v)
{
    if (v->type == REDIS_REPLY_STRING && v->len < RECO_STREAM_ID_MAX)
        snprintf(dst, RECO_STREAM_ID_MAX, "%s", v->str);
}

int reco_dataset_stream_info(reco_store_t *st, const char *tenant, const char *key,
                             reco_stream_info_t *info)
{
    memset(info, 0, sizeof *info);
    snprintf(info->last_generated, sizeof info->last_generated, "0-0");
    redisReply *r = reco_store_command(st, "XINFO STREAM %s", key);
    if (r && r->type == REDIS_REPLY_ERROR && strstr(r->str, "no such key")) {
        freeReplyObject(r);
        info->has_counters = 1;
        snprintf(info->max_deleted, sizeof info->max_deleted, "0-0");
        return 0;
    }
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        reco_error("tenant %s: XINFO STREAM %s failed: %s", tenant, key,
                   r && r->type == REDIS_REPLY_ERROR ? r->str : reco_store_errstr(st));
        if (r) freeReplyObject(r);
        return -1;
    }
    int seen = 0;
    for (size_t k = 0; k + 1 < r->elements; k += 2) {
        const redisReply *name = r->element[k], *v = r->element[k + 1];
        if (field_is(name, "length") && v->type == REDIS_REPLY_INTEGER)
            info->length = v->integer;
        else if (field_is(name, "last-generated-id"))
            copy_id(info->last_generated, v);
        else if (field_is(name, "max-deleted-entry-id")) {
            copy_id(info->max_deleted, v);
            seen |= 1;
        } else if (field_is(name, "entries-added") && v->type == REDIS_REPLY_INTEGER) {
            info->entries_added = v->integer;
            seen |= 2;
        }
    }
    freeReplyObject(r);
    info->exists = 1;
    info->has_counters = seen == 3;
    return 0;
}

int reco_dataset_weights_same(const reco_weights_t *a, const reco_weights_t *b)
{
    for (int t = 0; t < RECO_EVENT_TYPE_COUNT; t++)
        if (reco_weights_builtin(a, t) != reco_weights_builtin(b, t)) return 0;
    size_t n = reco_weights_custom(a);
    if (n != reco_weights_custom(b)) return 0;
    for (size_t i = 0; i < n; i++) {
        const char *na, *nb;
        double wa, wb;
        reco_weights_custom_at(a, i, &na, &wa);
        reco_weights_custom_at(b, i, &nb, &wb);
        if (wa != wb || strcmp(na, nb) != 0) return 0;
    }
    return 1;
}

void reco_dataset_state_clear(reco_dataset_state_t *s)
{
    reco_events_destroy(&s->events);
    reco_weights_destroy(&s->weights);
    memset(s, 0, sizeof *s);
}

/* Why the next read must start from the beginning, or NULL when reading on will do. */
static const char *full_read_reason(const reco_dataset_state_t *s, const reco_weights_t *weights,
                                    unsigned full_every, const reco_stream_info_t *info)
{
    if (!s->events) return "first read";
    if (!info->has_counters) return "no deletion counters in XINFO (Redis < 7)";
    if (full_every > 0 && s->reads_since_full + 1 >= full_every) return "scheduled";
    if (!reco_dataset_weights_same(s->weights, weights)) return "action weights changed";
    if (info->entries_added < s->entries_added) return "stream re-created";
    if (strcmp(info->max_deleted, s->max_deleted) != 0 ||
        info->length != s->length + (info->entries_added - s->entries_added))
        return "events deleted";
    return NULL;
}

/* Queues and sends XRANGE key start end COUNT page (reco_store_flush): Redis prepares the page
 * while the caller turns the previous one into events. */
static int request_page(reco_store_t *st, const char *key, const char *start, const char *end)
{
    if (reco_store_append(st, "XRANGE %s %s %s COUNT %d", key, start, end, RECO_DATASET_PAGE) != 0)
        return -1;
    return reco_store_flush(st);
}

/* Reads the reply of a page requested with request_page; NULL (logged) when it failed. */
static redisReply *receive_page(reco_store_t *st, const char *tenant, const char *key)
{
    redisReply *page = NULL;
    if (reco_store_read(st, &page) != 0 || page->type != REDIS_REPLY_ARRAY) {
        reco_error("tenant %s: XRANGE %s failed: %s", tenant, key,
                   page && page->type == REDIS_REPLY_ERROR ? page->str : reco_store_errstr(st));
        if (page) freeReplyObject(page);
        return NULL;
    }
    return page;
}

/* Reads pages from start (inclusive "-" or exclusive "(<id>") to end into the log. The next
 * page is requested as soon as a full page has arrived (its last id is the next start), before
 * this one is parsed into events: Redis and the trainer work at the same time. */
static int read_pages(reco_store_t *st, const char *tenant, const char *key, const char *from,
                      const char *end, reco_dataset_state_t *state, reco_dataset_stats_t *stats,
                      reco_dataset_page_fn after_page, void *ctx)
{
    char start[RECO_STREAM_ID_MAX + 1], last[RECO_STREAM_ID_MAX];
    snprintf(start, sizeof start, "%s", from);
    if (request_page(st, key, start, end) != 0) {
        reco_error("tenant %s: XRANGE %s failed: %s", tenant, key, reco_store_errstr(st));
        return -1;
    }
    for (;;) {
        redisReply *page = receive_page(st, tenant, key);
        if (!page) return -1;
        size_t n = page->elements;
        int more = n == RECO_DATASET_PAGE && last_entry_id(page, last, sizeof last) == 0;
        /* after_page may use the connection (the lease renewal), so it runs while nothing is in
         * flight: before the next page is requested */
        if (more && after_page && after_page(ctx) != 0) {
            reco_debug("tenant %s: reading events abandoned", tenant);
            freeReplyObject(page);
            return -1;
        }
        if (more) {
            snprintf(start, sizeof start, "(%s", last);
            if (request_page(st, key, start, end) != 0) { /* the connection is dropped */
                reco_error("tenant %s: XRANGE %s failed: %s", tenant, key, reco_store_errstr(st));
                freeReplyObject(page);
                return -1;
            }
        }
        int rc = add_page(page, state->weights, state->events, stats);
        freeReplyObject(page);
        if (rc != 0 && more) { /* the requested page is on its way: take it off the wire */
            redisReply *pending = NULL;
            if (reco_store_read(st, &pending) == 0) freeReplyObject(pending);
        }
        if (rc != 0) return -1;
        if (!more) return 0;
    }
}

int reco_dataset_refresh(reco_store_t *st, const char *tenant, reco_weights_t **weights,
                         unsigned full_every, reco_dataset_state_t *state,
                         reco_dataset_stats_t *stats, reco_dataset_page_fn after_page, void *ctx)
{
    char key[RECO_KEY_MAX], from[RECO_STREAM_ID_MAX + 1] = "-";
    reco_stream_info_t info;
    memset(stats, 0, sizeof *stats);
    if (reco_key_events(key, sizeof key, tenant) < 0 ||
        reco_dataset_stream_info(st, tenant, key, &info) != 0) {
        reco_weights_destroy(weights);
        reco_dataset_state_clear(state);
        return -1;
    }
    stats->why_full = full_read_reason(state, *weights, full_every, &info);
    stats->full = stats->why_full != NULL;
    if (stats->full) {
        reco_dataset_state_clear(state);
        state->events = reco_events_new();
    } else {
        snprintf(from, sizeof from, "(%s", state->last_id);
    }
    reco_weights_destroy(&state->weights);
    state->weights = *weights;
    *weights = NULL;
    int rc = state->events ? 0 : -1;
    /* room for what the stream holds now (a failure here only means growing as we go) */
    long long more = stats->full ? info.length : info.length - state->length;
    if (rc == 0 && more > 0)
        (void)reco_events_reserve(state->events, reco_events_count(state->events) + (size_t)more);
    if (rc == 0 && info.exists)
        rc = read_pages(st, tenant, key, from, info.last_generated, state, stats, after_page, ctx);
    if (rc != 0) {
        reco_dataset_state_clear(state);
        return -1;
    }
    snprintf(state->last_id, sizeof state->last_id, "%s", info.last_generated);
    snprintf(state->max_deleted, sizeof state->max_deleted, "%s", info.max_deleted);
    state->length = info.length;
    state->entries_added = info.entries_added;
    state->reads_since_full = stats->full ? 0 : state->reads_since_full + 1;
    stats->total = reco_events_count(state->events);
    return 0;
}
