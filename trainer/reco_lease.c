/* reco_lease — SET NX PX lease with compare-and-renew / compare-and-delete (see reco_lease.h).
 *
 * Invariant: held == 1 only between a successful acquire and the release (or the first renewal
 * that finds the value changed). renewed_ms is a CLOCK_MONOTONIC time, immune to clock steps. */
#include "reco_lease.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reco_keys.h"
#include "reco_log.h"
#include "reco_validate.h"

static const char RENEW_SCRIPT[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
static const char RELEASE_SCRIPT[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                                     "return redis.call('DEL', KEYS[1]) else return 0 end";

struct reco_lease {
    reco_store_t *store; /* borrowed */
    char key[RECO_KEY_MAX];
    char owner[320];
    char holder[320];
    long lease_ms;
    long renew_ms; /* renew once this long has passed since the last renewal */
    int held;
    long long renewed_ms;
};

reco_lease_t *reco_lease_new(reco_store_t *st, const char *tenant, const char *owner, long lease_ms)
{
    reco_lease_t *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->store = st;
    l->lease_ms = lease_ms > 0 ? lease_ms : 1;
    l->renew_ms = l->lease_ms / 3;
    if (reco_key_lease(l->key, sizeof l->key, tenant) < 0 ||
        snprintf(l->owner, sizeof l->owner, "%s", owner) >= (int)sizeof l->owner) {
        free(l);
        return NULL;
    }
    return l;
}

void reco_lease_destroy(reco_lease_t **l)
{
    if (!l || !*l) return;
    if ((*l)->held) reco_lease_release(*l);
    free(*l);
    *l = NULL;
}

int reco_lease_acquire(reco_lease_t *l)
{
    l->holder[0] = '\0';
    redisReply *r =
        reco_store_command(l->store, "SET %s %s NX PX %ld", l->key, l->owner, l->lease_ms);
    if (!r) return -1;
    int rc = -1;
    if (r->type == REDIS_REPLY_STATUS) {
        rc = 1;
        l->held = 1;
        l->renewed_ms = reco_monotonic_ms();
    } else if (r->type == REDIS_REPLY_NIL) {
        rc = 0;
    } else if (r->type == REDIS_REPLY_ERROR) {
        reco_warn("lease %s: %s", l->key, r->str);
    }
    freeReplyObject(r);
    if (rc == 0) {
        r = reco_store_command(l->store, "GET %s", l->key);
        if (r && r->type == REDIS_REPLY_STRING) snprintf(l->holder, sizeof l->holder, "%s", r->str);
        if (r) freeReplyObject(r);
    }
    return rc;
}

/* Runs a compare-and-act script; returns its integer reply, or -1 when Redis failed. */
static long long run_script(reco_lease_t *l, const char *script, const char *extra)
{
    redisReply *r =
        extra ? reco_store_command(l->store, "EVAL %s 1 %s %s %s", script, l->key, l->owner, extra)
              : reco_store_command(l->store, "EVAL %s 1 %s %s", script, l->key, l->owner);
    if (!r) return -1;
    long long v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r->type == REDIS_REPLY_ERROR) reco_warn("lease %s: %s", l->key, r->str);
    freeReplyObject(r);
    return v;
}

void reco_lease_set_renew_ms(reco_lease_t *l, long renew_ms)
{
    if (renew_ms > 0 && renew_ms < l->lease_ms) l->renew_ms = renew_ms;
}

int reco_lease_keep(reco_lease_t *l)
{
    if (!l->held) return -1;
    long long now = reco_monotonic_ms();
    if (now - l->renewed_ms < l->renew_ms) return 0;
    char ms[32];
    snprintf(ms, sizeof ms, "%ld", l->lease_ms);
    long long v = run_script(l, RENEW_SCRIPT, ms);
    if (v == 1) {
        l->renewed_ms = now;
        reco_debug("lease %s: renewed for %ld ms", l->key, l->lease_ms);
        return 0;
    }
    if (v == 0) {
        reco_warn("lease %s: lost (expired and taken, or deleted)", l->key);
        l->held = 0;
    }
    return -1;
}

int reco_lease_release(reco_lease_t *l)
{
    if (!l->held) return 0;
    l->held = 0;
    return run_script(l, RELEASE_SCRIPT, NULL) < 0 ? -1 : 0;
}

const char *reco_lease_key(const reco_lease_t *l)
{
    return l->key;
}

const char *reco_lease_owner(const reco_lease_t *l)
{
    return l->owner;
}

const char *reco_lease_holder(const reco_lease_t *l)
{
    return l->holder;
}
