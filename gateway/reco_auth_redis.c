/* reco_auth_redis — API key checks and token buckets in Redis, asynchronously (see the header).
 *
 * Ownership: a check_t belongs to hiredis while a command of it is in flight (hiredis calls its
 * reply callback exactly once, with NULL when the connection goes away). Its timer may answer
 * the caller first; the check is then marked answered and freed when hiredis lets go of it.
 *
 * Redis Cluster (docs/redis-cluster.md): commands go to the configured node first; a MOVED reply
 * teaches which master serves the slot (remembered in db->slots; a connection to that master is
 * opened on first use) and the command is sent there, an ASK reply sends it once, after ASKING,
 * to the node named. The script's keys share the tenant's slot; the owner lookup's global key
 * lives wherever its slot does. On a plain Redis no reply is ever a redirect. */
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
#include "reco_slot.h"
#include "reco_validate.h"

#define RECONNECT_MS 250
#define NODES_MAX 64     /* cluster masters beyond the configured node */
#define REDIRECTS_MAX 5  /* per check */

/* A cluster master learned from a redirect; its connection opens on first use. */
typedef struct {
    char host[256];
    int port;
    redisAsyncContext *ac; /* NULL while disconnected */
} authnode_t;
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
    authnode_t nodes[NODES_MAX];
    size_t n_nodes;
    unsigned char slots[RECO_SLOT_COUNT]; /* 0: the configured node, k: nodes[k - 1] */
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
    int owner_stage; /* the owner lookup was sent (else the script) */
    int target;      /* the node the next command goes to after ASK, else -1 (by slot) */
    int hops;        /* redirects followed */
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

static void on_node_connect(const redisAsyncContext *ac, int status)
{
    authnode_t *n = ac->data;
    if (n && status != REDIS_OK) {
        reco_warn("auth: cannot connect to Redis %s:%d: %s", n->host, n->port, ac->errstr);
        n->ac = NULL; /* hiredis frees it */
    }
}

static void on_node_disconnect(const redisAsyncContext *ac, int status)
{
    authnode_t *n = ac->data;
    (void)status;
    if (n)
        n->ac = NULL; /* opened again on next use */
}

static redisAsyncContext *node_ac(reco_authdb_t *db, int node)
{
    if (node == 0)
        return db->ac;
    authnode_t *n = &db->nodes[node - 1];
    if (n->ac)
        return n->ac;
    redisAsyncContext *ac = redisAsyncConnect(n->host, n->port);
    if (!ac || ac->err || redisLibeventAttach(ac, db->base) != REDIS_OK) {
        if (ac)
            redisAsyncFree(ac);
        return NULL;
    }
    ac->data = n;
    redisAsyncSetConnectCallback(ac, on_node_connect);
    redisAsyncSetDisconnectCallback(ac, on_node_disconnect);
    n->ac = ac; /* commands wait in its buffer until it connects */
    return ac;
}

/* The connection c's next command on key goes to (after ASKING when a redirect said ASK). */
static redisAsyncContext *route(check_t *c, const char *key)
{
    int node = c->target >= 0 ? c->target : c->db->slots[reco_slot_of(key, strlen(key))];
    redisAsyncContext *ac = node_ac(c->db, node);
    if (ac && c->target >= 0 && redisAsyncCommand(ac, NULL, NULL, "ASKING") != REDIS_OK)
        ac = NULL;
    c->target = -1;
    return ac;
}

/* Sends the script (EVALSHA, or EVAL before the SHA is known / after NOSCRIPT). 0, or -1. */
static int send_script(check_t *c, int eval)
{
    reco_authdb_t *db = c->db;
    char keys[RECO_KEY_MAX], conf[RECO_KEY_MAX], bucket[RECO_KEY_MAX];
    if (!db->ac || reco_key_apikeys(keys, sizeof keys, c->tenant) < 0 ||
        reco_key_tenant_config(conf, sizeof conf, c->tenant) < 0 ||
        reco_key_rate_bucket(bucket, sizeof bucket, c->tenant, c->hash) < 0)
        return -1;
    redisAsyncContext *ac = route(c, keys);
    if (!ac)
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
    c->owner_stage = 0;
    return redisAsyncCommandArgv(ac, on_reply, c, 10, argv, NULL) == REDIS_OK ? 0 : -1;
}

/* The tenant does not know the key: whose is it? */
static int send_owner_lookup(check_t *c)
{
    char owner[RECO_KEY_MAX];
    if (!c->db->ac || reco_key_apikey_owner(owner, sizeof owner, c->hash) < 0) return -1;
    redisAsyncContext *ac = route(c, owner);
    if (!ac) return -1;
    const char *argv[] = {"GET", owner};
    c->owner_stage = 1;
    return redisAsyncCommandArgv(ac, on_reply, c, 2, argv, NULL) == REDIS_OK ? 0 : -1;
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

/* "MOVED <slot> <host>:<port>" or "ASK ...": the node's index in db->slots' terms (added if
 * new), or -1 if the text is not understood or no room is left. */
static int redirect_node(reco_authdb_t *db, const char *text, long *slot)
{
    char *next;
    *slot = strtol(text + (text[0] == 'A' ? 4 : 6), &next, 10);
    const char *addr = next + (*next == ' ');
    const char *colon = strrchr(addr, ':');
    long port;
    if (*slot < 0 || *slot >= RECO_SLOT_COUNT || !colon || colon == addr || (size_t)(colon - addr) >= 256 ||
        reco_parse_long(colon + 1, 1, 65535, &port) != 0)
        return -1;
    int hlen = (int)(colon - addr);
    if ((int)port == db->port && (int)strlen(db->host) == hlen && strncmp(db->host, addr, (size_t)hlen) == 0)
        return 0;
    for (size_t i = 0; i < db->n_nodes; i++)
        if (db->nodes[i].port == (int)port && (int)strlen(db->nodes[i].host) == hlen &&
            strncmp(db->nodes[i].host, addr, (size_t)hlen) == 0)
            return (int)i + 1;
    if (db->n_nodes == NODES_MAX)
        return -1;
    authnode_t *n = &db->nodes[db->n_nodes++];
    snprintf(n->host, sizeof n->host, "%.*s", hlen, addr);
    n->port = (int)port;
    n->ac = NULL;
    return (int)db->n_nodes;
}

/* A MOVED or ASK reply: sends c's command again where it says. 1 if sent, 0 if not (answered). */
static int follow_redirect(check_t *c, const redisReply *r)
{
    long slot;
    int node = redirect_node(c->db, r->str, &slot);
    if (node < 0 || ++c->hops > REDIRECTS_MAX) {
        answer(c, RECO_AUTHDB_UNAVAILABLE, 0, r->str);
        return 0;
    }
    if (r->str[0] == 'M')
        c->db->slots[slot] = (unsigned char)node;
    else
        c->target = node;
    int sent = c->owner_stage ? send_owner_lookup(c) : send_script(c, c->evaled);
    if (sent != 0)
        answer(c, RECO_AUTHDB_UNAVAILABLE, 0, "cannot send to Redis");
    return sent == 0;
}

static int is_redirect(const redisReply *r)
{
    return r->type == REDIS_REPLY_ERROR && (strncmp(r->str, "MOVED ", 6) == 0 || strncmp(r->str, "ASK ", 4) == 0);
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
    else if (is_redirect(r))
        again = follow_redirect(c, r);
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
    c->target = -1;
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
    for (size_t i = 0; i < db->n_nodes; i++)
        if (db->nodes[i].ac) {
            redisAsyncContext *ac = db->nodes[i].ac;
            db->nodes[i].ac = NULL;
            ac->data = NULL;
            redisAsyncFree(ac);
        }
    event_free(db->reconnect);
    free(db);
    *pdb = NULL;
}
