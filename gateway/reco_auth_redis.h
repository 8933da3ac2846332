/* reco_auth_redis — the gateway's one asynchronous Redis connection, for API keys and rate limits
 * (reco_auth.c). Used only with --auth on.
 *
 * A check is one round trip on the gateway's own libevent loop (hiredis async with its libevent
 * adapter): a Lua script (EVALSHA, loaded when the connection opens; EVAL when Redis answers
 * NOSCRIPT) that looks the key's SHA-256 up in the tenant's reco:{T}:apikeys, checks its role,
 * and takes a token from the key's bucket reco:{T}:ratelimit:<sha256> (a token bucket on Redis
 * TIME, so every gateway shares it; the tenant's reco:{T}:tenant may override the default rate).
 * Every key the script touches carries the tenant's {T} hash tag, so it stays legal on a Redis
 * Cluster. Only when the tenant does not know the key is a second command sent
 * (GET reco:apikey:<sha256>) to tell a key of another tenant (403) from an unknown one (401).
 *
 * Failure rules: the callback is called exactly once per check, after at most timeout_ms; while
 * Redis is down a check fails at once (RECO_AUTHDB_UNAVAILABLE), and the connection is retried in
 * the background. Never blocks. */
#ifndef RECO_AUTH_REDIS_H
#define RECO_AUTH_REDIS_H

#include <event2/event.h>

typedef enum {
    RECO_AUTHDB_ALLOW,        /* the key is the tenant's, its role suffices, a token was taken */
    RECO_AUTHDB_UNKNOWN,      /* no such key (never issued, or revoked) */
    RECO_AUTHDB_OTHER_TENANT, /* a key of another tenant */
    RECO_AUTHDB_READ_ONLY,    /* a read key on a route that needs a write key */
    RECO_AUTHDB_LIMITED,      /* over the rate limit: retry_after_s says when to come back */
    RECO_AUTHDB_UNAVAILABLE,  /* Redis is down, slow or refused the script: detail says why */
} reco_authdb_result_t;

/* detail: valid during the call only. */
typedef void (*reco_authdb_fn)(void *arg, reco_authdb_result_t result, long retry_after_s, const char *detail);

typedef struct reco_authdb reco_authdb_t;

/* address "host:port"; connects in the background. NULL on a bad address (logged). */
reco_authdb_t *reco_authdb_new(struct event_base *base, const char *address, int timeout_ms);
/* Fails every check in flight (their callbacks run), then frees. Safe on NULL. */
void reco_authdb_free(reco_authdb_t **db);

/* Checks the key with SHA-256 hash (64 hex digits) for tenant, needing a write key when
 * need_write; rate/burst: the default limit (rate 0 = unlimited) unless the tenant has its own.
 * done may be called before this returns (Redis down: UNAVAILABLE at once). */
void reco_authdb_check(reco_authdb_t *db, const char *tenant, const char *hash, int need_write, long rate, long burst,
                       reco_authdb_fn done, void *arg);

#endif
