/* reco_compact — the stream compaction (see the header): when it is due, its steps, and the
 * AOF rewrite after it.
 *
 * STEP_SCRIPT is one step. KEYS: the stream, the copy, the lease, the compaction's record.
 * ARGV: the lease's owner, the cursor (the last id copied; "" on the first step), the chunk (0:
 * the last step, copying everything after the cursor), now (ms), the pass's last id. It answers
 * {"more", last id copied, entries copied} or {"done", live entries, deleted entries}, or
 * an error (lease lost, copy not where it was left, length mismatch) that leaves the stream as
 * it was. A stream with no live entry left gets an empty copy (XADD ... MAXLEN 0 trims the one
 * entry it adds), so that XSETID has a stream to give the counters to. */
#include "reco_compact.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reco_dataset.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_validate.h"

static const char STEP_SCRIPT[] =
    "local src, copy, lease, record = KEYS[1], KEYS[2], KEYS[3], KEYS[4]\n"
    "local owner, cursor, chunk, now, last = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], "
    "ARGV[5]\n"
    "if redis.call('GET', lease) ~= owner then return redis.error_reply('LEASE lost') end\n"
    "local function info(key)\n"
    "  local r, t = redis.call('XINFO', 'STREAM', key), {}\n"
    "  for k = 1, #r, 2 do t[r[k]] = r[k + 1] end\n"
    "  return t\n"
    "end\n"
    "if cursor == '' then\n"
    "  redis.call('DEL', copy)\n"
    "elseif redis.call('EXISTS', copy) == 0 or info(copy)['last-generated-id'] ~= cursor then\n"
    "  return redis.error_reply('COMPACTION the copy does not end at ' .. cursor)\n"
    "end\n"
    "if redis.call('EXISTS', src) == 0 then\n"
    "  redis.call('DEL', copy)\n"
    "  return redis.error_reply('COMPACTION the stream is gone')\n"
    "end\n"
    "local from = cursor == '' and '-' or '(' .. cursor\n"
    "local page\n"
    "if chunk > 0 then\n"
    "  page = redis.call('XRANGE', src, from, last, 'COUNT', chunk)\n"
    "else\n"
    "  page = redis.call('XRANGE', src, from, '+')\n"
    "end\n"
    "for _, e in ipairs(page) do redis.call('XADD', copy, e[1], unpack(e[2])) end\n"
    "if chunk > 0 then return {'more', #page > 0 and page[#page][1] or cursor, #page} end\n"
    "local s = info(src)\n"
    "if redis.call('EXISTS', copy) == 0 then\n"
    "  redis.call('XADD', copy, 'MAXLEN', '0', '0-1', 'compacted', '1')\n"
    "end\n"
    "local n = redis.call('XLEN', copy)\n"
    "if n ~= s['length'] then\n"
    "  redis.call('DEL', copy)\n"
    "  return redis.error_reply('COMPACTION the copy has ' .. n .. ' entries, the stream ' ..\n"
    "                           s['length'])\n"
    "end\n"
    "redis.call('XSETID', copy, s['last-generated-id'], 'ENTRIESADDED', s['entries-added'],\n"
    "           'MAXDELETEDID', s['max-deleted-entry-id'])\n"
    /* the old stream is UNLINKed, so a large one is freed off Redis's main thread */
    "redis.call('RENAME', src, copy .. ':old')\n"
    "redis.call('RENAME', copy, src)\n"
    "redis.call('UNLINK', copy .. ':old')\n"
    "local deleted = s['entries-added'] - s['length']\n"
    "redis.call('HSET', record, 'at', now, 'deleted', deleted, 'entries', s['length'])\n"
    "return {'done', s['length'], deleted}\n";

#define PROGRESS_EVERY 1000000 /* entries copied between progress lines */
#define FINAL_TAIL 10          /* chunks a pass may copy for the next step to be the last */
#define MAX_PASSES 8
#define AOF_WAIT_MS 600000 /* for a running AOF rewrite to end */

typedef struct {
    reco_store_t *st;
    const char *tenant;
    const reco_lease_t *lease;
    char keys[4][RECO_KEY_MAX]; /* stream, copy, lease (copied), record */
} compaction_t;

/* The record's integer field, or 0 when absent or not a number. */
static long long record_field(const redisReply *r, size_t at)
{
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements <= at) return 0;
    const redisReply *v = r->element[at];
    return v->type == REDIS_REPLY_STRING ? strtoll(v->str, NULL, 10) : 0;
}

/* 1 when due, 0 when not, -1 when Redis failed (logged). *deleted: entries deleted so far. */
static int due(compaction_t *c, const reco_compact_config_t *cfg, int64_t now_ms,
               long long *deleted)
{
    reco_stream_info_t info;
    if (reco_dataset_stream_info(c->st, c->tenant, c->keys[0], &info) != 0) return -1;
    if (!info.exists || !info.has_counters) return 0; /* nothing to compact / Redis < 7 */
    *deleted = info.entries_added - info.length;
    redisReply *r = reco_store_command(c->st, "HMGET %s at deleted", c->keys[3]);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        reco_error("tenant %s: reading %s failed: %s", c->tenant, c->keys[3],
                   r && r->type == REDIS_REPLY_ERROR ? r->str : reco_store_errstr(c->st));
        if (r) freeReplyObject(r);
        return -1;
    }
    long long at = record_field(r, 0), before = record_field(r, 1);
    freeReplyObject(r);
    return *deleted > before && now_ms - at >= cfg->interval_ms;
}

/* One step: copies up to chunk entries in (cursor, last], or with chunk 0 every entry after the
 * cursor and puts the copy in the stream's place. 1: copied (*n entries, *cursor advanced),
 * 0: done (*n live entries, *deleted), -1: failed (logged). */
static int step(compaction_t *c, size_t chunk, char *cursor, size_t cap, const char *last,
                int64_t now_ms, long long *n, long long *deleted)
{
    char chunk_text[24], now[24];
    snprintf(chunk_text, sizeof chunk_text, "%zu", chunk);
    snprintf(now, sizeof now, "%" PRId64, now_ms);
    const char *argv[] = {"EVAL",     STEP_SCRIPT, "4",        c->keys[0],
                          c->keys[1], c->keys[2],  c->keys[3], reco_lease_owner(c->lease),
                          cursor,     chunk_text,  now,        last};
    enum { ARGC = sizeof argv / sizeof argv[0] };
    size_t lens[ARGC];
    for (size_t k = 0; k < ARGC; k++)
        lens[k] = strlen(argv[k]);
    redisReply *r = reco_store_commandv(c->st, ARGC, argv, lens);
    int rc = -1;
    const redisReply *const *e = r && r->type == REDIS_REPLY_ARRAY && r->elements == 3
                                     ? (const redisReply *const *)r->element
                                     : NULL;
    if (e && e[0]->type == REDIS_REPLY_STRING && !strcmp(e[0]->str, "more") &&
        e[1]->type == REDIS_REPLY_STRING && e[1]->len < cap && e[2]->type == REDIS_REPLY_INTEGER) {
        snprintf(cursor, cap, "%s", e[1]->str);
        *n = e[2]->integer;
        rc = 1;
    } else if (e && e[0]->type == REDIS_REPLY_STRING && !strcmp(e[0]->str, "done") &&
               e[1]->type == REDIS_REPLY_INTEGER && e[2]->type == REDIS_REPLY_INTEGER) {
        *n = e[1]->integer;
        *deleted = e[2]->integer;
        rc = 0;
    } else {
        reco_error("tenant %s: compacting the event stream failed: %s", c->tenant,
                   !r                             ? reco_store_errstr(c->st)
                   : r->type == REDIS_REPLY_ERROR ? r->str
                                                  : "unexpected reply");
    }
    if (r) freeReplyObject(r);
    return rc;
}

/* What INFO persistence says: 1 when the AOF is on (*busy: a rewrite is running or scheduled),
 * 0 when it is off, -1 when Redis did not answer. */
static int aof_state(redisContext *ctx, int *busy)
{
    redisReply *r = redisCommand(ctx, "INFO persistence");
    int rc = !r || r->type != REDIS_REPLY_STRING ? -1 : strstr(r->str, "aof_enabled:1") != NULL;
    *busy = rc == 1 && (strstr(r->str, "aof_rewrite_in_progress:1") != NULL ||
                        strstr(r->str, "aof_rewrite_scheduled:1") != NULL);
    if (r) freeReplyObject(r);
    return rc;
}

/* BGREWRITEAOF on the node holding the stream (over a connection of its own), when it keeps an
 * AOF. A rewrite already running may have copied the stream before the swap, so it is waited
 * for (the lease kept meanwhile, at most AOF_WAIT_MS) and a new one started after it. Writes
 * what to log about it into buf. */
static void rewrite_aof(const compaction_t *c, const reco_compact_config_t *cfg, char *buf,
                        size_t cap)
{
    char host[256];
    int port = 0;
    if (reco_store_node_of(c->st, c->keys[0], host, sizeof host, &port) != 0) {
        snprintf(buf, cap, "BGREWRITEAOF not sent: %.200s", reco_store_errstr(c->st));
        return;
    }
    int ms = reco_store_timeout_ms(c->st);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    redisContext *ctx = redisConnectWithTimeout(host, port, tv);
    if (!ctx || ctx->err || redisSetTimeout(ctx, tv) != REDIS_OK) {
        snprintf(buf, cap, "BGREWRITEAOF not sent: cannot connect to %.200s:%d", host, port);
        if (ctx) redisFree(ctx);
        return;
    }
    int busy = 0, aof = aof_state(ctx, &busy);
    for (int64_t deadline = reco_monotonic_ms() + AOF_WAIT_MS;
         aof == 1 && busy && reco_monotonic_ms() < deadline;) {
        struct timespec pause = {0, 100 * 1000000L};
        nanosleep(&pause, NULL);
        if (cfg->tick && cfg->tick(cfg->tick_ctx) != 0) break;
        aof = aof_state(ctx, &busy);
    }
    redisReply *r = aof == 1 ? redisCommand(ctx, "BGREWRITEAOF") : NULL;
    if (aof == 0)
        snprintf(buf, cap,
                 "AOF off on %.200s:%d: its next RDB snapshot is written without the bytes", host,
                 port);
    else
        snprintf(buf, cap, "BGREWRITEAOF on %.200s:%d: %.120s", host, port,
                 r && (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR) ? r->str
                 : ctx->err                                                           ? ctx->errstr
                            : "no answer");
    if (r) freeReplyObject(r);
    redisFree(ctx);
}

/* One pass: copies (cursor, the stream's last id as the pass starts] chunk by chunk. 0 (*copied
 * entries), or -1 (logged). */
static int pass(compaction_t *c, const reco_compact_config_t *cfg, char *cursor, size_t cap,
                int64_t now_ms, long long *copied, long long *total)
{
    reco_stream_info_t info;
    if (reco_dataset_stream_info(c->st, c->tenant, c->keys[0], &info) != 0) return -1;
    long long n = 0, deleted = 0;
    *copied = 0;
    do {
        if (step(c, cfg->chunk, cursor, cap, info.last_generated, now_ms, &n, &deleted) != 1)
            return -1;
        *copied += n;
        if (*total / PROGRESS_EVERY != (*total + n) / PROGRESS_EVERY)
            reco_info("tenant %s: compacting the event stream: %lld entries copied (up to %s)",
                      c->tenant, *total + n, cursor);
        *total += n;
        if (cfg->tick && cfg->tick(cfg->tick_ctx) != 0) {
            reco_warn("tenant %s: compaction of the event stream abandoned (stream unchanged)",
                      c->tenant);
            return -1;
        }
    } while (n == (long long)cfg->chunk);
    return 0;
}

/* Passes until one copies at most FINAL_TAIL chunks (or MAX_PASSES were made: ingest keeps
 * outrunning the copy), then the last step copies what came meanwhile and swaps the streams. */
static int run(compaction_t *c, const reco_compact_config_t *cfg, int64_t now_ms)
{
    int64_t started = reco_monotonic_ms();
    char cursor[RECO_STREAM_ID_MAX] = "";
    long long copied = 0, total = 0, live = 0, deleted = 0;
    for (int k = 0; k < MAX_PASSES; k++) {
        if (pass(c, cfg, cursor, sizeof cursor, now_ms, &copied, &total) != 0) return -1;
        if (copied <= FINAL_TAIL * (long long)cfg->chunk) break;
    }
    if (step(c, 0, cursor, sizeof cursor, "+", now_ms, &live, &deleted) != 0) return -1;
    int64_t copied_ms = reco_monotonic_ms() - started;
    char aof[384];
    rewrite_aof(c, cfg, aof, sizeof aof);
    reco_info("tenant %s: event stream compacted: %lld live entries rewritten, %lld deleted ones "
              "gone from memory, in %" PRId64 " ms; %s (after %" PRId64 " ms)",
              c->tenant, live, deleted, copied_ms, aof, reco_monotonic_ms() - started - copied_ms);
    return 0;
}

reco_compact_result_t reco_compact_maybe(reco_store_t *st, const char *tenant,
                                         const reco_lease_t *lease,
                                         const reco_compact_config_t *cfg, int64_t now_ms)
{
    if (cfg->interval_ms <= 0 || cfg->chunk == 0) return RECO_COMPACT_NOT_NEEDED;
    compaction_t c = {.st = st, .tenant = tenant, .lease = lease};
    if (reco_key_events(c.keys[0], sizeof c.keys[0], tenant) < 0 ||
        reco_key_events_compacting(c.keys[1], sizeof c.keys[1], tenant) < 0 ||
        snprintf(c.keys[2], sizeof c.keys[2], "%s", reco_lease_key(lease)) >= RECO_KEY_MAX ||
        reco_key_events_compacted(c.keys[3], sizeof c.keys[3], tenant) < 0)
        return RECO_COMPACT_FAILED;
    long long deleted = 0;
    int d = due(&c, cfg, now_ms, &deleted);
    if (d <= 0) return d == 0 ? RECO_COMPACT_NOT_NEEDED : RECO_COMPACT_FAILED;
    reco_info("tenant %s: compacting the event stream (%lld entries deleted so far)", tenant,
              deleted);
    return run(&c, cfg, now_ms) == 0 ? RECO_COMPACT_DONE : RECO_COMPACT_FAILED;
}
