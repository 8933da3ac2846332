/* reco_keys — the Redis key schema, written down once. docs/redis-keys.md explains each key.
 *
 * Every key of tenant T starts with "reco:{T}:" (the braces are a Redis Cluster hash tag, so a
 * tenant's keys share one slot and multi-key commands stay legal on a cluster). Tenant names are
 * restricted to [A-Za-z0-9_-] (reco_valid_tenant), so the first '{' ... '}' is always the tag,
 * whatever bytes item and user ids contain. Only these keys are global: the tenant registry, the
 * train queue, reco:apikey:<sha256> (which tenant an API key belongs to) and the attribution
 * secret (the HMAC key of recommendation ids, common/reco_attribution.h).
 *
 * The ingestor's Lua script (ingestor/reco_ingest_script.c, key()) builds the per-id keys of one
 * batch from reco_key_prefix: a rename here must be made there too.
 *
 * Each function writes the key into buf (NUL-terminated) and returns its length, or -1 if it does
 * not fit; RECO_KEY_MAX always fits keys built from validated ids. */
#ifndef RECO_KEYS_H
#define RECO_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define RECO_KEY_MAX 1200

#define RECO_KEY_TENANTS "reco:tenants"       /* SET of tenant names */
#define RECO_KEY_TRAIN_QUEUE "reco:train:queue" /* LIST of tenant names to rebuild now */
#define RECO_KEY_ATTRIBUTION_SECRET "reco:attribution:secret" /* STRING, 64 hex digits */

/* Tenants and API keys (docs/auth.md). A key is never stored, only its SHA-256 in hex. */
/* STRING tenant: which tenant an API key belongs to (global, so that a key used on another
 * tenant's route answers 403, not 401). Written and deleted together with reco:{T}:apikeys. */
int reco_key_apikey_owner(char *buf, size_t n, const char *sha256_hex);
/* HASH sha256 hex -> "<role> <id> <created ms> <shown prefix>": the tenant's API keys. */
int reco_key_apikeys(char *buf, size_t n, const char *tenant);
/* HASH created_at (ms), rate_per_second, rate_burst: what the admin API set for the tenant. */
int reco_key_tenant_config(char *buf, size_t n, const char *tenant);
/* HASH tokens, at (Redis TIME, us): one API key's token bucket (expires when full again). */
int reco_key_rate_bucket(char *buf, size_t n, const char *tenant, const char *sha256_hex);

/* Model names as used in keys and in the API. */
#define RECO_MODEL_POPULAR "popular"
#define RECO_MODEL_ITEM_TO_ITEM "item-to-item"

int reco_key_events(char *buf, size_t n, const char *tenant);                  /* STREAM */
int reco_key_event_ids(char *buf, size_t n, const char *tenant);               /* ZSET client id -> ms */
/* STREAM: the copy of the event stream a compaction is building (trainer/reco_compact.h); HASH:
 * what the last compaction did (at, deleted, entries). */
int reco_key_events_compacting(char *buf, size_t n, const char *tenant);
int reco_key_events_compacted(char *buf, size_t n, const char *tenant);
int reco_key_user_history(char *buf, size_t n, const char *tenant, const char *user); /* ZSET item->ms */
int reco_key_item_history(char *buf, size_t n, const char *tenant, const char *item); /* ZSET user->ms */
int reco_key_item(char *buf, size_t n, const char *tenant, const char *item); /* HASH attributes */
int reco_key_user(char *buf, size_t n, const char *tenant, const char *user); /* HASH attributes */
int reco_key_users(char *buf, size_t n, const char *tenant);                  /* SET user ids */
int reco_key_actions(char *buf, size_t n, const char *tenant);                /* HASH name -> weight */
/* ZSET stream entry id -> event ms: the events of one user, item or session. */
int reco_key_user_events(char *buf, size_t n, const char *tenant, const char *user);
int reco_key_item_events(char *buf, size_t n, const char *tenant, const char *item);
int reco_key_session_events(char *buf, size_t n, const char *tenant, const char *session);
/* The common prefix "reco:{T}:" of every key of the tenant (for Lua scripts that build keys). */
int reco_key_prefix(char *buf, size_t n, const char *tenant);
int reco_key_items(char *buf, size_t n, const char *tenant);                  /* SET item ids */
int reco_key_hidden(char *buf, size_t n, const char *tenant);                 /* SET hidden items */
int reco_key_model_seq(char *buf, size_t n, const char *tenant);              /* STRING INCR */
int reco_key_lease(char *buf, size_t n, const char *tenant);                  /* STRING owner */
/* STRING: the version currently served for model. */
int reco_key_model_current(char *buf, size_t n, const char *tenant, const char *model);
/* HASH: built_at (epoch ms), duration_ms, events, users, items, keys of one version. */
int reco_key_model_meta(char *buf, size_t n, const char *tenant, const char *model, int64_t version);
/* ZSET: a model's global list, e.g. popular items. */
int reco_key_model_global(char *buf, size_t n, const char *tenant, const char *model, int64_t version);
/* ZSET: a model's list for one item, e.g. the neighbours of item in item-to-item. */
int reco_key_model_item(char *buf, size_t n, const char *tenant, const char *model, int64_t version,
                        const char *item);
/* ZSET: a model's list for a pair of items {a, b} (bought-with), a < b bytewise, joined by the
 * unit separator byte 0x1f (never valid in an id). The caller orders a and b. */
int reco_key_model_pair(char *buf, size_t n, const char *tenant, const char *model, int64_t version, const char *a,
                        const char *b);
/* ZSET: a model's list for one user (similar-customers: the user's neighbours). */
int reco_key_model_user(char *buf, size_t n, const char *tenant, const char *model, int64_t version,
                        const char *user);
/* ZSET: a model's list for one category path (popular: the category's most popular items).
 * category is a whole path or one of its prefixes, as the item's `categories` spell it
 * ("Outdoor/Tents", "Outdoor"). */
int reco_key_model_category(char *buf, size_t n, const char *tenant, const char *model, int64_t version,
                            const char *category);
/* STRING: a scenario's canonical JSON (common/reco_scenario.h); SET: every scenario id. */
int reco_key_scenario(char *buf, size_t n, const char *tenant, const char *id);
int reco_key_scenarios(char *buf, size_t n, const char *tenant);
/* ZSET item -> time of the latest purchase (ms): what the user bought; capped like histories. */
int reco_key_user_purchases(char *buf, size_t n, const char *tenant, const char *user);
/* HyperLogLog of the users who viewed the item (PFCOUNT: distinct viewers, ~0.8 % error). */
int reco_key_item_viewers(char *buf, size_t n, const char *tenant, const char *item);
/* SET: every key a version wrote, so that the version can be expired as a whole. */
int reco_key_model_index(char *buf, size_t n, const char *tenant, const char *model, int64_t version);
/* HASH "<scenario>\x1f<variant>\x1f<model>\x1f<metric>" -> count (revenue: a decimal): the
 * attributed events of one UTC day "YYYY-MM-DD" (written by the ingest script, key()). */
int reco_key_stats_day(char *buf, size_t n, const char *tenant, const char *day);
/* HASH type -> events of that type ever ingested; and HASH type -> events ingested in one UTC
 * minute (epoch ms / 60000 at ingest), kept 2 days. Written by the ingest script (key()). */
int reco_key_event_counts(char *buf, size_t n, const char *tenant);
int reco_key_event_counts_minute(char *buf, size_t n, const char *tenant, int64_t minute);

#endif
