/* reco_keys — builders for every Redis key reco uses (schema in reco_keys.h, docs/redis-keys.md). */
#include "reco_keys.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

static int build(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int build(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return (len < 0 || (size_t)len >= n) ? -1 : len;
}

int reco_key_events(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:events", tenant);
}

int reco_key_events_compacting(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:events-compacting", tenant);
}

int reco_key_events_compacted(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:events-compacted", tenant);
}

int reco_key_event_ids(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:event-ids", tenant);
}

int reco_key_user_history(char *buf, size_t n, const char *tenant, const char *user)
{
    return build(buf, n, "reco:{%s}:user-history:%s", tenant, user);
}

int reco_key_item_history(char *buf, size_t n, const char *tenant, const char *item)
{
    return build(buf, n, "reco:{%s}:item-history:%s", tenant, item);
}

int reco_key_item(char *buf, size_t n, const char *tenant, const char *item)
{
    return build(buf, n, "reco:{%s}:item:%s", tenant, item);
}

int reco_key_user(char *buf, size_t n, const char *tenant, const char *user)
{
    return build(buf, n, "reco:{%s}:user:%s", tenant, user);
}

int reco_key_users(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:users", tenant);
}

int reco_key_actions(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:actions", tenant);
}

int reco_key_user_events(char *buf, size_t n, const char *tenant, const char *user)
{
    return build(buf, n, "reco:{%s}:user-events:%s", tenant, user);
}

int reco_key_item_events(char *buf, size_t n, const char *tenant, const char *item)
{
    return build(buf, n, "reco:{%s}:item-events:%s", tenant, item);
}

int reco_key_session_events(char *buf, size_t n, const char *tenant, const char *session)
{
    return build(buf, n, "reco:{%s}:session-events:%s", tenant, session);
}

int reco_key_prefix(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:", tenant);
}

int reco_key_apikey_owner(char *buf, size_t n, const char *sha256_hex)
{
    return build(buf, n, "reco:apikey:%s", sha256_hex);
}

int reco_key_apikeys(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:apikeys", tenant);
}

int reco_key_tenant_config(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:tenant", tenant);
}

int reco_key_rate_bucket(char *buf, size_t n, const char *tenant, const char *sha256_hex)
{
    return build(buf, n, "reco:{%s}:ratelimit:%s", tenant, sha256_hex);
}

int reco_key_items(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:items", tenant);
}

int reco_key_hidden(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:hidden", tenant);
}

int reco_key_model_seq(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:m:seq", tenant);
}

int reco_key_lease(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:trainer:lease", tenant);
}

int reco_key_model_current(char *buf, size_t n, const char *tenant, const char *model)
{
    return build(buf, n, "reco:{%s}:m:%s:current", tenant, model);
}

int reco_key_model_meta(char *buf, size_t n, const char *tenant, const char *model, int64_t version)
{
    return build(buf, n, "reco:{%s}:m:%s:%" PRId64 ":meta", tenant, model, version);
}

int reco_key_model_global(char *buf, size_t n, const char *tenant, const char *model, int64_t version)
{
    return build(buf, n, "reco:{%s}:m:%s:%" PRId64 ":all", tenant, model, version);
}

int reco_key_model_item(char *buf, size_t n, const char *tenant, const char *model, int64_t version,
                        const char *item)
{
    return build(buf, n, "reco:{%s}:m:%s:%" PRId64 ":i:%s", tenant, model, version, item);
}

int reco_key_model_pair(char *buf, size_t n, const char *tenant, const char *model, int64_t version, const char *a,
                        const char *b)
{
    return build(buf, n, "reco:{%s}:m:%s:%" PRId64 ":p:%s\x1f%s", tenant, model, version, a, b);
}

int reco_key_model_user(char *buf, size_t n, const char *tenant, const char *model, int64_t version,
                        const char *user)
{
    return build(buf, n, "reco:{%s}:m:%s:%" PRId64 ":u:%s", tenant, model, version, user);
}

int reco_key_model_category(char *buf, size_t n, const char *tenant, const char *model, int64_t version,
                            const char *category)
{
    return build(buf, n, "reco:{%s}:m:%s:%" PRId64 ":c:%s", tenant, model, version, category);
}

int reco_key_model_index(char *buf, size_t n, const char *tenant, const char *model, int64_t version)
{
    return build(buf, n, "reco:{%s}:m:%s:%" PRId64 ":keys", tenant, model, version);
}

int reco_key_scenario(char *buf, size_t n, const char *tenant, const char *id)
{
    return build(buf, n, "reco:{%s}:scenario:%s", tenant, id);
}

int reco_key_scenarios(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:scenarios", tenant);
}

int reco_key_user_purchases(char *buf, size_t n, const char *tenant, const char *user)
{
    return build(buf, n, "reco:{%s}:user-purchases:%s", tenant, user);
}

int reco_key_item_viewers(char *buf, size_t n, const char *tenant, const char *item)
{
    return build(buf, n, "reco:{%s}:item-viewers:%s", tenant, item);
}

int reco_key_stats_day(char *buf, size_t n, const char *tenant, const char *day)
{
    return build(buf, n, "reco:{%s}:stats:d:%s", tenant, day);
}

int reco_key_event_counts(char *buf, size_t n, const char *tenant)
{
    return build(buf, n, "reco:{%s}:counts:events", tenant);
}

int reco_key_event_counts_minute(char *buf, size_t n, const char *tenant, int64_t minute)
{
    return build(buf, n, "reco:{%s}:counts:events:m:%" PRId64, tenant, minute);
}
