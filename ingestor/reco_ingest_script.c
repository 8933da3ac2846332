/* reco_ingest_script — the Lua text of the ingest script and the C side that runs it (see the
 * header for what each mode does).
 *
 * Inside the script every value of an event object is a string prepared in C, so Lua never
 * formats a number; the stream fields are written in a fixed order (user, item, type, ts, then
 * the optional ones in OPTIONAL's order). Keys are built from the prefix with the same names as
 * common/reco_keys.c; a change there must be mirrored in key() below.
 *
 * A history only grows when ZADD adds a member (it answers 1), so only those histories may need a
 * trim; and only about one growth in 8 trims (picked from a counter of the call plus the event's
 * second, so neither one-event calls nor same-second batches always skip it), so a history overshoots its cap by a few entries at most while the trims, which
 * cost Redis about as much as the ZADDs, become rare.
 *
 * On the C side, every call of one request is appended to the request's pipeline before any
 * reply is read, so a 10 000-event batch costs one round trip plus the script time. */
#include "reco_ingest_script.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_keys.h"
#include "reco_log.h"

const char reco_ingest_script_text[] =
    "local mode, prefix, cap, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]\n"
    "local stream, event_ids = KEYS[1], KEYS[2]\n"
    /* a compaction's copy of the stream (trainer/reco_compact.h) must lose what the stream loses */
    "local compacting = prefix .. 'events-compacting'\n"
    "local OPTIONAL = {'id', 'value', 'quantity', 'price', 'order', 'session', 'recommendation', "
    "'properties'}\n"
    "local histories, affected = {}, {}\n"
    "local function key(kind, id) return prefix .. kind .. ':' .. id end\n"
    "local growths = 0\n"
    "local function grown(h, ts)\n"
    "  growths = growths + 1\n"
    "  if (growths + math.floor(tonumber(ts) / 1000)) % 8 == 0 then histories[h] = true end\n"
    "end\n"
    /* an event of a type weighing 0 (an impression: Yoochoose's rendered) is no interest: it
     * stays out of the histories (for-user's seeds, exclude-seen); the tenant's actions are
     * read once per call */
    "local weights\n"
    "local function interest(t)\n"
    "  if not weights then\n"
    "    weights = {}\n"
    "    local h = redis.call('HGETALL', prefix .. 'actions')\n"
    "    for k = 1, #h, 2 do weights[h[k]] = tonumber(h[k + 1]) end\n"
    "  end\n"
    "  return weights[t] == nil or weights[t] > 0\n"
    "end\n"
    "local function index(e, sid)\n"
    "  redis.call('ZADD', key('user-events', e.user), e.ts, sid)\n"
    "  redis.call('ZADD', key('item-events', e.item), e.ts, sid)\n"
    "  if e.session then redis.call('ZADD', key('session-events', e.session), e.ts, sid) end\n"
    "  local uh, ih = key('user-history', e.user), key('item-history', e.item)\n"
    "  if interest(e.type) then\n"
    "    if redis.call('ZADD', uh, 'GT', e.ts, e.item) == 1 then grown(uh, e.ts) end\n"
    "    if redis.call('ZADD', ih, 'GT', e.ts, e.user) == 1 then grown(ih, e.ts) end\n"
    "  end\n"
    "  if e.type == 'view' then redis.call('PFADD', key('item-viewers', e.item), e.user) end\n"
    "  if e.type == 'purchase' then\n"
    "    local up = key('user-purchases', e.user)\n"
    "    if redis.call('ZADD', up, 'GT', e.ts, e.item) == 1 then grown(up, e.ts) end\n"
    "  end\n"
    "end\n"
    "local function unindex(user, item, session, sid)\n"
    "  redis.call('ZREM', key('user-events', user), sid)\n"
    "  redis.call('ZREM', key('item-events', item), sid)\n"
    "  if session then redis.call('ZREM', key('session-events', session), sid) end\n"
    "  affected[user] = affected[user] or {}\n"
    "  affected[user][item] = true\n"
    "end\n"
    "local function entry_type(sid)\n"
    "  local r = redis.call('XRANGE', stream, sid, sid)\n"
    "  local f = #r > 0 and r[1][2] or {}\n"
    "  for k = 1, #f, 2 do if f[k] == 'type' then return f[k + 1] end end\n"
    "end\n"
    "local function repair_purchases(user, item, left)\n"
    "  local up = key('user-purchases', user)\n"
    "  if not redis.call('ZSCORE', up, item) then return end\n"
    "  local last\n"
    "  for k = 1, #left, 2 do\n"
    "    if entry_type(left[k]) == 'purchase' then last = left[k + 1] end\n"
    "  end\n"
    "  if last then redis.call('ZADD', up, 'XX', last, item) else redis.call('ZREM', up, item) end\n"
    "end\n"
    "local function repair(user, item)\n"
    "  local uh, ih = key('user-history', user), key('item-history', item)\n"
    "  local left = redis.call('ZINTER', 2, key('user-events', user), key('item-events', item),\n"
    "                          'AGGREGATE', 'MAX', 'WITHSCORES')\n"
    "  local last\n"
    "  for k = 1, #left, 2 do\n"
    "    if interest(entry_type(left[k])) then last = left[k + 1] end\n"
    "  end\n"
    "  if not last then\n"
    "    redis.call('ZREM', uh, item)\n"
    "    redis.call('ZREM', ih, user)\n"
    "  else\n"
    "    redis.call('ZADD', uh, 'XX', last, item)\n"
    "    redis.call('ZADD', ih, 'XX', last, user)\n"
    "  end\n"
    "  repair_purchases(user, item, left)\n"
    "end\n"
    "local function store(e)\n"
    "  local fields = {'user', e.user, 'item', e.item, 'type', e.type, 'ts', e.ts}\n"
    "  for _, name in ipairs(OPTIONAL) do\n"
    "    if e[name] then\n"
    "      fields[#fields + 1] = name\n"
    "      fields[#fields + 1] = e[name]\n"
    "    end\n"
    "  end\n"
    "  index(e, redis.call('XADD', stream, '*', unpack(fields)))\n"
    "end\n"
    /* attribution (reco_event_attribution.h): an event citing a valid recommendation id counts
     * into its day's stats, here, so only when it is stored (never for a duplicate); each day
     * key of the call gets its EXPIRE once, at the end */
    "local stats_days = {}\n"
    "local function attribute(e)\n"
    "  local k = key('stats:d', e.stats_day)\n"
    "  redis.call('HINCRBY', k, e.stats_field .. e.stats_metric, 1)\n"
    "  if e.stats_revenue then\n"
    "    redis.call('HINCRBYFLOAT', k, e.stats_field .. 'revenue', e.stats_revenue)\n"
    "  end\n"
    "  stats_days[k] = true\n"
    "end\n"
    /* event counters (docs/redis-keys.md): per type, ever and per minute of ingest time; only
     * for events stored here, so never for a duplicate */
    "local counted = {}\n"
    "local function count_events()\n"
    "  local minute = key('counts:events:m', string.format('%d', math.floor(tonumber(now) / 60000)))\n"
    "  for t, n in pairs(counted) do\n"
    "    redis.call('HINCRBY', prefix .. 'counts:events', t, n)\n"
    "    redis.call('HINCRBY', minute, t, n)\n"
    "  end\n"
    "  if next(counted) then redis.call('EXPIRE', minute, 2 * 86400) end\n"
    "end\n"
    "local done, duplicates = 0, 0\n"
    "for k = 5, #ARGV do\n"
    "  local e = cjson.decode(ARGV[k])\n"
    "  if mode == 'remove' then\n"
    "    if redis.call('XDEL', stream, e.sid) == 1 then done = done + 1 end\n"
    "    redis.call('XDEL', compacting, e.sid)\n"
    "    unindex(e.user, e.item, e.session, e.sid)\n"
    "  elseif mode == 'move' then\n"
    "    redis.call('XDEL', compacting, e.sid)\n"
    "    if redis.call('XDEL', stream, e.sid) == 1 then\n"
    "      store(e)\n"
    "      done = done + 1\n"
    "    end\n"
    "    unindex(e.from, e.item, e.session, e.sid)\n"
    "  elseif mode == 'copy' then\n"
    "    if #redis.call('XRANGE', stream, e.sid, e.sid) > 0 then\n"
    "      store(e)\n"
    "      done = done + 1\n"
    "    end\n"
    "  elseif e.id and redis.call('ZSCORE', event_ids, e.id) then\n"
    "    duplicates = duplicates + 1\n"
    "  else\n"
    "    if e.id then redis.call('ZADD', event_ids, now, e.id) end\n"
    "    store(e)\n"
    "    if e.stats_day then attribute(e) end\n"
    "    counted[e.type] = (counted[e.type] or 0) + 1\n"
    "    done = done + 1\n"
    "  end\n"
    "end\n"
    "for user, items in pairs(affected) do\n"
    "  for item in pairs(items) do repair(user, item) end\n"
    "end\n"
    "for h in pairs(histories) do redis.call('ZREMRANGEBYRANK', h, 0, -(cap + 1)) end\n"
    "for k in pairs(stats_days) do redis.call('EXPIRE', k, 400 * 86400) end\n"
    "count_events()\n"
    "return {done, duplicates}\n";

struct reco_ingest_script {
    char sha[48]; /* "" until loaded */
};

static const char *const mode_names[] = {"add", "copy", "move", "remove"};

reco_ingest_script_t *reco_ingest_script_new(void)
{
    return calloc(1, sizeof(reco_ingest_script_t));
}

void reco_ingest_script_destroy(reco_ingest_script_t **script)
{
    if (!script || !*script) return;
    free(*script);
    *script = NULL;
}

/* SCRIPT LOAD; on failure, records it on p when given (I/O failure or the error reply). */
static int load(reco_ingest_script_t *script, reco_store_t *st, reco_pipeline_t *p)
{
    const char *argv[] = {"SCRIPT", "LOAD", reco_ingest_script_text};
    const size_t lens[] = {6, 4, sizeof reco_ingest_script_text - 1};
    redisReply *r = reco_store_commandv(st, 3, argv, lens);
    int ok = r && r->type == REDIS_REPLY_STRING && r->len < sizeof script->sha;
    if (ok)
        snprintf(script->sha, sizeof script->sha, "%.*s", (int)r->len, r->str);
    else
        reco_warn("cannot load the ingest script: %s", !r ? reco_store_errstr(st)
                                                       : r->type == REDIS_REPLY_ERROR
                                                           ? r->str
                                                           : "unexpected reply");
    if (!ok && p && !r)
        p->io_failed = 1;
    else if (!ok && p) {
        reco_pipeline_note_error(p, r);
        reco_pipeline_fail(p, "SCRIPT LOAD: unexpected reply");
    }
    if (r) freeReplyObject(r);
    return ok ? 0 : -1;
}

int reco_ingest_script_load(reco_ingest_script_t *script, reco_store_t *st)
{
    return load(script, st, NULL);
}

/* The fixed arguments of every call: EVALSHA sha 2 stream event-ids mode prefix cap now. */
typedef struct {
    char stream[RECO_KEY_MAX], event_ids[RECO_KEY_MAX], prefix[RECO_KEY_MAX];
    char cap[24], now[24];
} call_args_t;

#define FIXED_ARGS 9

static int call_args_build(call_args_t *a, const reco_script_call_t *call)
{
    snprintf(a->cap, sizeof a->cap, "%ld", call->history_cap);
    snprintf(a->now, sizeof a->now, "%" PRId64, call->now_ms);
    return reco_key_events(a->stream, sizeof a->stream, call->tenant) < 0 ||
                   reco_key_event_ids(a->event_ids, sizeof a->event_ids, call->tenant) < 0 ||
                   reco_key_prefix(a->prefix, sizeof a->prefix, call->tenant) < 0 ||
                   (unsigned)call->mode > RECO_SCRIPT_REMOVE
               ? -1
               : 0;
}

/* Appends one EVALSHA for entries[0..m). */
static void send_call(const reco_ingest_script_t *s, reco_pipeline_t *p, const call_args_t *a,
                      reco_script_mode_t mode, char *const *entries, size_t m)
{
    const char **argv = calloc(FIXED_ARGS + m, sizeof *argv);
    size_t *lens = calloc(FIXED_ARGS + m, sizeof *lens);
    if (!argv || !lens) {
        reco_pipeline_fail(p, "out of memory");
    } else {
        const char *fixed[FIXED_ARGS] = {"EVALSHA", s->sha,       "2",
                                         a->stream, a->event_ids, mode_names[mode],
                                         a->prefix, a->cap,       a->now};
        for (size_t i = 0; i < FIXED_ARGS; i++)
            argv[i] = fixed[i];
        for (size_t i = 0; i < m; i++)
            argv[FIXED_ARGS + i] = entries[i];
        for (size_t i = 0; i < FIXED_ARGS + m; i++)
            lens[i] = strlen(argv[i]);
        reco_pipeline_send(p, (int)(FIXED_ARGS + m), argv, lens);
    }
    free(argv);
    free(lens);
}

/* Reads the reply of one call: 1 if refused with NOSCRIPT, 0 if counted, -1 on failure. */
static int read_call(reco_pipeline_t *p, long long counts[2])
{
    redisReply *r = reco_pipeline_next(p);
    if (!r) return -1;
    int rc = 0;
    if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0) {
        rc = 1;
    } else if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
               r->element[0]->type == REDIS_REPLY_INTEGER &&
               r->element[1]->type == REDIS_REPLY_INTEGER) {
        counts[0] += r->element[0]->integer;
        counts[1] += r->element[1]->integer;
    } else {
        reco_pipeline_note_error(p, r);
        if (r->type != REDIS_REPLY_ERROR)
            reco_pipeline_fail(p, "unexpected reply from the ingest script");
        rc = -1;
    }
    freeReplyObject(r);
    return rc;
}

/* Sends the calls marked in todo (all when todo is NULL) and reads them; marks in refused the
 * calls answered NOSCRIPT. Returns how many were refused. */
static size_t send_and_read(reco_ingest_script_t *s, reco_pipeline_t *p, const call_args_t *a,
                            reco_script_mode_t mode, char *const *entries, size_t n,
                            const unsigned char *todo, unsigned char *refused, long long counts[2])
{
    size_t calls = (n + RECO_SCRIPT_CHUNK - 1) / RECO_SCRIPT_CHUNK, earlier = p->pending,
           nrefused = 0;
    for (size_t c = 0; c < calls; c++) {
        size_t first = c * RECO_SCRIPT_CHUNK,
               m = n - first < RECO_SCRIPT_CHUNK ? n - first : RECO_SCRIPT_CHUNK;
        if (!todo || todo[c]) send_call(s, p, a, mode, entries + first, m);
    }
    for (size_t i = 0; i < earlier; i++) { /* the caller's commands come back first */
        redisReply *r = reco_pipeline_next(p);
        reco_pipeline_note_error(p, r);
        if (r) freeReplyObject(r);
    }
    for (size_t c = 0; c < calls; c++) {
        refused[c] = 0;
        if ((!todo || todo[c]) && read_call(p, counts) == 1) {
            refused[c] = 1;
            nrefused++;
        }
    }
    return nrefused;
}

int reco_ingest_script_run(reco_ingest_script_t *script, reco_pipeline_t *p,
                           const reco_script_call_t *call, char *const *entries, size_t n,
                           long long counts[2])
{
    call_args_t args;
    if (call_args_build(&args, call) != 0) {
        reco_pipeline_fail(p, "bad script call");
        return -1;
    }
    if (!script->sha[0]) { /* Redis was down at startup: load now, with nothing pending */
        reco_pipeline_drain(p);
        if (p->io_failed || load(script, p->store, p) != 0) return -1;
    }
    size_t calls = (n + RECO_SCRIPT_CHUNK - 1) / RECO_SCRIPT_CHUNK;
    unsigned char *refused = calloc(calls + 1, 1), *retry = calloc(calls + 1, 1);
    if (!refused || !retry) {
        free(refused);
        free(retry);
        reco_pipeline_fail(p, "out of memory");
        return -1;
    }
    if (send_and_read(script, p, &args, call->mode, entries, n, NULL, refused, counts) > 0 &&
        !p->io_failed) {
        reco_info(
            "redis does not know the ingest script (restarted or flushed?): loading it again");
        memcpy(retry, refused, calls);
        if (load(script, p->store, p) == 0 &&
            send_and_read(script, p, &args, call->mode, entries, n, retry, refused, counts) > 0)
            reco_pipeline_fail(p, "NOSCRIPT twice: the ingest script cannot be kept loaded");
    }
    free(refused);
    free(retry);
    return reco_pipeline_ok(p);
}
