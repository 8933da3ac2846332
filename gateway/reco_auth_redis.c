/* reco_auth_redis — API key checks and token buckets in Redis, asynchronously (see the header).
 *
 * Ownership: a check_t belongs to hiredis while a command of it is in flight (hiredis calls its
 * reply callback exactly once, with NULL when the connection goes away). Its timer may answer
 * the caller first; the check is then marked answered and freed when hiredis lets go of it. */
#include "reco_auth_redis.h"

#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_apikey.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_config.h"
#include "reco_validate.h"

#define RECONNECT_MS 250
/* Checks waiting for Redis: over MAX_WAITING a new check fails at once; a timeout with more than
 * STALLED waiting drops the connection (their callbacks run with NULL), so a stalled Redis cannot
 * make the gateway's memory grow without bound. */
#define MAX_WAITING 10000
#define STALLED 1000

/* KEYS: apikeys, tenant config, the key's bucket. ARGV: sha256, needed role, default rate/s,
 * default burst. -> {1} allowed, {0} unknown here, {2} role too weak, {3, seconds} limited. */
static const char SCRIPT[] =
    "if redis.replicate_commands then redis.replicate_commands() end\n"
    "local rec = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "if not rec then return {0} end\n"
    "local role = string.match(rec, '^(%S+)')\n"
    "if ARGV[2] == 'write' and role ~= 'write' then return {2} end\n"
    "local rate, burst = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
    "local conf = redis.call('HMGET', KEYS[2], 'rate_per_second', 'rate_burst')\n"
    "if conf[1] and conf[2] then rate, burst = tonumber(conf[1]), tonumber(conf[2]) end\n"
    "if not rate or not burst or rate <= 0 then return {1} end\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "local b = redis.call('HMGET', KEYS[3], 'tokens', 'at')\n"
    "local tokens, at = tonumber(b[1]), tonumber(b[2])\n"
    "if not tokens or not at or at > now then tokens, at = burst, now end\n"
    "tokens = math.min(burst, tokens + (now - at) * rate / 1000000)\n"
    "if tokens >= 1 then\n"
    "  redis.call('HSET', KEYS[3], 'tokens', string.format('%.6f', tokens - 1), 'at', "
    "string.format('%.0f', now))\n"
    "  redis.call('PEXPIRE', KEYS[3], math.ceil(burst / rate * 1000) + 1000)\n"
    "  return {1}\n"
    "end\n"
    "local wait = math.ceil((1 - tokens) / rate)\n"
    "if wait < 1 then wait = 1 end\n"
    "return {3, wait}\n";

struct reco_authdb {
    struct event_base *base;
    char host[256];
    int port;
    int timeout_ms;
    redisAsyncContext *ac; /* NULL while disconnected */
    int connected;
    char sha[41]; /* the script's SHA1 once SCRIPT LOAD answered, else "" (EVAL) */
    struct event *reconnect;
    int waiting; /* check_t alive */
};

typedef struct {
    reco_authdb_t *db;
    reco_authdb_fn done;
    void *arg;
    int answered; /* the caller has its answer (the timer may come first) */
    int evaled;   /* sent with EVAL already (NOSCRIPT is not retried twice) */
    struct event *timer;
    char tenant[RECO_TENANT_MAX + 1];
    char hash[RECO_APIKEY_HASH_HEX + 1];
    int need_write;
    char rate[24], burst[24];
} check_t;

static void db_connect(reco_authdb_t *db);
static void schedule_reconnect(reco_authdb_t *db);

static void answer(check_t *c, reco_authdb_result_t result, long retry_after, const char *detail)
{
    if (c->answered) return;
    c->answered = 1;
    if (c->timer) evtimer_del(c->timer);
    c->done(c->arg, result, retry_after, detail);
}

static void check_free(check_t *c)
{
    c->db->waiting--;
    if (c->timer) event_free(c->timer);
    free(c);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    check_t *c = arg;
    (void)fd, (void)what;
    reco_authdb_t *db = c->db;
    answer(c, RECO_AUTHDB_UNAVAILABLE, 0, "Redis did not answer in time");
    /* still owned by hiredis: freed when its reply (or the disconnect) comes */
    if (db->ac && db->waiting > STALLED) {
        reco_warn("auth: Redis stalls with %d key checks waiting; dropping the connection",
                  db->waiting);
        redisAsyncContext *ac = db->ac;
        redisAsyncFree(ac); /* every waiting callback runs with NULL; on_disconnect reconnects */
        if (db->ac == ac) { /* not connected yet: on_disconnect did not run */
            db->ac = NULL;
            db->connected = 0;
            schedule_reconnect(db);
        }
    }
}

static void on_reply(redisAsyncContext *ac, void *r, void *privdata);

/* Sends the script (EVALSHA, or EVAL before the SHA is known / after NOSCRIPT). 0, or -1. */
static int send_script(check_t *c, int eval)
{
    reco_authdb_t *db = c->db;
    char keys[RECO_KEY_MAX], conf[RECO_KEY_MAX], bucket[RECO_KEY_MAX];
    if (!db->ac || reco_key_apikeys(keys, sizeof keys, c->tenant) < 0 ||
        reco_key_tenant_config(conf, sizeof conf, c->tenant) < 0 ||
        reco_key_rate_bucket(bucket, sizeof bucket, c->tenant, c->hash) < 0)
        return -1;
    eval = eval || !db->sha[0];
    c->evaled |= eval;
    const char *argv[] = {eval ? "EVAL" : "EVALSHA",
                          eval ? SCRIPT : db->sha,
                          "3",
                          keys,
                          conf,
                          bucket,
                          c->hash,
                          c->need_write ? "write" : "read",
                          c->rate,
                          c->burst};
    return redisAsyncCommandArgv(db->ac, on_reply, c, 10, argv, NULL) == REDIS_OK ? 0 : -1;
}

/* The tenant does not know the key: whose is it? */
static int send_owner_lookup(check_t *c)
{
    char owner[RECO_KEY_MAX];
    if (!c->db->ac || reco_key_apikey_owner(owner, sizeof owner, c->hash) < 0) return -1;
    const char *argv[] = {"GET", owner};
    return redisAsyncCommandArgv(c->db->ac, on_reply, c, 2, argv, NULL) == REDIS_OK ? 0 : -1;
}

/* A reply to the owner lookup (a string or nil). */
static void owner_reply(check_t *c, const redisReply *r)
{
    if (r->type == REDIS_REPLY_STRING && strcmp(r->str, c->tenant) != 0)
        answer(c, RECO_AUTHDB_OTHER_TENANT, 0, r->str);
    else
        answer(c, RECO_AUTHDB_UNKNOWN, 0, NULL);
}

/* A reply to the script. Returns 1 when another command of c was sent (c stays in flight). */
static int script_reply(check_t *c, const redisReply *r)
{
    if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0 && !c->evaled)
        return send_script(c, 1) == 0
                   ? 1
                   : (answer(c, RECO_AUTHDB_UNAVAILABLE, 0, "cannot send EVAL"), 0);
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
        r->element[0]->type != REDIS_REPLY_INTEGER) {
        reco_warn("auth: unexpected reply to the key script: %s",
                  r->type == REDIS_REPLY_ERROR ? r->str : "?");
        answer(c, RECO_AUTHDB_UNAVAILABLE, 0,
               r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
        return 0;
    }
    switch (r->element[0]->integer) {
    case 1:
        answer(c, RECO_AUTHDB_ALLOW, 0, NULL);
        return 0;
    case 2:
        answer(c, RECO_AUTHDB_READ_ONLY, 0, NULL);
        return 0;
    case 3:
        answer(c, RECO_AUTHDB_LIMITED,
               r->elements > 1 && r->element[1]->type == REDIS_REPLY_INTEGER
                   ? (long)r->element[1]->integer
                   : 1,
               NULL);
        return 0;
    default:
        if (!c->answered && send_owner_lookup(c) == 0) return 1;
        answer(c, RECO_AUTHDB_UNKNOWN, 0, NULL);
        return 0;
    }
}

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    check_t *c = privdata;
    const redisReply *r = reply;
    (void)ac;
    int again = 0;
    if (!r)
        answer(c, RECO_AUTHDB_UNAVAILABLE, 0, "the connection to Redis was lost");
    else if (c->answered)
        ; /* timed out meanwhile */
    else if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_NIL)
        owner_reply(c, r);
    else
        again = script_reply(c, r);
    if (!again) check_free(c);
}

void reco_authdb_check(reco_authdb_t *db, const char *tenant, const char *hash, int need_write,
                       long rate, long burst, reco_authdb_fn done, void *arg)
{
    check_t *c = db->waiting < MAX_WAITING ? calloc(1, sizeof *c) : NULL;
    if (!c) {
        done(arg, RECO_AUTHDB_UNAVAILABLE, 0,
             db->waiting < MAX_WAITING ? "out of memory" : "too many checks wait");
        return;
    }
    db->waiting++;
    c->db = db;
    c->done = done;
    c->arg = arg;
    c->need_write = need_write;
    snprintf(c->tenant, sizeof c->tenant, "%s", tenant);
    snprintf(c->hash, sizeof c->hash, "%s", hash);
    snprintf(c->rate, sizeof c->rate, "%ld", rate);
    snprintf(c->burst, sizeof c->burst, "%ld", burst);
    c->timer = evtimer_new(db->base, on_timeout, c);
    if (!c->timer || !db->ac || send_script(c, 0) != 0) {
        answer(c, RECO_AUTHDB_UNAVAILABLE, 0,
               db->ac ? "cannot send to Redis" : "not connected to Redis");
        check_free(c);
        return;
    }
    struct timeval tv = {db->timeout_ms / 1000, (db->timeout_ms % 1000) * 1000};
    evtimer_add(c->timer, &tv);
}

/* ---- the connection ---- */

static void on_script_loaded(redisAsyncContext *ac, void *reply, void *privdata)
{
    reco_authdb_t *db = privdata;
    const redisReply *r = reply;
    (void)ac;
    if (r && r->type == REDIS_REPLY_STRING && r->len == 40)
        memcpy(db->sha, r->str, 41);
    else if (r)
        reco_warn("auth: SCRIPT LOAD failed (%s); checks use EVAL",
                  r->type == REDIS_REPLY_ERROR ? r->str : "?");
}

static void schedule_reconnect(reco_authdb_t *db)
{
    struct timeval tv = {0, RECONNECT_MS * 1000};
    if (db->reconnect) evtimer_add(db->reconnect, &tv);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    reco_authdb_t *db = ac->data;
    if (!db) return; /* reco_authdb_free */
    if (status != REDIS_OK) {
        reco_warn("auth: cannot connect to Redis %s:%d: %s (retrying)", db->host, db->port,
                  ac->errstr);
        db->ac = NULL; /* hiredis frees it */
        schedule_reconnect(db);
        return;
    }
    db->connected = 1;
    reco_info("auth: connected to Redis %s:%d", db->host, db->port);
    const char *argv[] = {"SCRIPT", "LOAD", SCRIPT};
    redisAsyncCommandArgv(db->ac, on_script_loaded, db, 3, argv, NULL);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    reco_authdb_t *db = ac->data;
    if (!db) return; /* reco_authdb_free */
    if (status != REDIS_OK)
        reco_warn("auth: lost Redis %s:%d: %s (reconnecting)", db->host, db->port, ac->errstr);
    db->ac = NULL;
    db->connected = 0;
    db->sha[0] = '\0';
    schedule_reconnect(db);
}

static void db_connect(reco_authdb_t *db)
{
    redisAsyncContext *ac = redisAsyncConnect(db->host, db->port);
    if (!ac || ac->err) {
        reco_warn("auth: cannot connect to Redis %s:%d: %s (retrying)", db->host, db->port,
                  ac ? ac->errstr : "out of memory");
        if (ac) redisAsyncFree(ac);
        schedule_reconnect(db);
        return;
    }
    ac->data = db;
    if (redisLibeventAttach(ac, db->base) != REDIS_OK) {
        redisAsyncFree(ac);
        schedule_reconnect(db);
        return;
    }
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    db->ac = ac;
}

static void on_reconnect(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    db_connect(arg);
}

reco_authdb_t *reco_authdb_new(struct event_base *base, const char *address, int timeout_ms)
{
    const char *colon = address ? strrchr(address, ':') : NULL;
    long port;
    if (!colon || colon == address || (size_t)(colon - address) >= 256 ||
        reco_parse_long(colon + 1, 1, 65535, &port) != 0) {
        reco_error("redis: must be host:port, got '%s'", address ? address : "");
        return NULL;
    }
    reco_authdb_t *db = calloc(1, sizeof *db);
    if (!db) return NULL;
    db->base = base;
    snprintf(db->host, sizeof db->host, "%.*s", (int)(colon - address), address);
    db->port = (int)port;
    db->timeout_ms = timeout_ms;
    db->reconnect = evtimer_new(base, on_reconnect, db);
    if (!db->reconnect) {
        free(db);
        return NULL;
    }
    db_connect(db);
    return db;
}

void reco_authdb_free(reco_authdb_t **pdb)
{
    reco_authdb_t *db = pdb ? *pdb : NULL;
    if (!db) return;
    if (db->ac) {
        redisAsyncContext *ac = db->ac;
        db->ac = NULL;
        ac->data = NULL;    /* on_disconnect: nothing to reconnect */
        redisAsyncFree(ac); /* runs every pending callback with NULL */
    }
    event_free(db->reconnect);
    free(db);
    *pdb = NULL;
}
