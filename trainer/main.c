/* reco-trainer — rebuilds every tenant's models on a schedule and on demand.
 *
 * Two modes. With --once it builds now (one tenant with --tenant, else every tenant in
 * reco:tenants) and exits 0, or 1 if any tenant could not be built (including "another trainer
 * holds its lease"). Without --once it is a daemon: a full build at start, then a loop that pops
 * tenants from reco:train:queue (BLPOP) and builds them at once, and rebuilds every tenant each
 * --interval seconds.
 *
 * BLPOP blocks for at most one second: hiredis retries a read interrupted by a signal, so a longer
 * block would delay SIGTERM by that long. A Redis outage is logged once (warn), retried every
 * second, and its end logged; the daemon never exits because of it.
 *
 * Each tenant's parsed events stay in memory between builds (reco_event_cache, bounded by
 * --cache-events), so a build reads only the stream entries added since the last one; every
 * --full-every-th build, and any build after events were deleted, reads the whole stream.
 *
 * What is deliberately left out: de-duplication of repeated train requests for the same
 * tenant. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reco_build.h"
#include "reco_ease_users.h"
#include "reco_config.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_notify.h"
#include "reco_store.h"
#include "reco_validate.h"
#include "reco_worker.h"

#define REDIS_TIMEOUT_MS 10000 /* per command; must exceed the BLPOP block below */
#define BLPOP_MAX_S 1

typedef struct {
    const char *redis, *tenant, *publish, *log_level, *log_format;
    long interval, top_k, lease_ms, lease_renew_ms, threads;
    long ease_lambda, ease_max_items, ease_top_k, for_user_list, for_user_min_items;
    long for_user_max_lists;
    long builds, compact_interval, compact_chunk;
    long full_every, cache_events, shrinkage, half_life_days, min_support, max_basket_items;
    long similar_users_top_k, similar_users_max_item_users, content_max_term_items;
    int similar_users_ignore_long_items;
    int once;
} options_t;

typedef struct {
    reco_build_config_t build;
    long interval_s;
    int redis_down; /* 1 while Redis is unreachable: only the first failure is a warning */
    int once;
} trainer_t;

static volatile sig_atomic_t stop_requested = 0;

static int64_t monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* Sleeps about one second; a signal ends it early. */
static void pause_a_second(void)
{
    struct timespec ts = {.tv_sec = 1, .tv_nsec = 0};
    nanosleep(&ts, NULL);
}

static void redis_failed(trainer_t *t, const char *what)
{
    if (!t->redis_down)
        reco_warn("%s: %s%s", what, reco_store_errstr(t->build.store),
                  t->once ? "" : "; retrying every second");
    else
        reco_debug("%s: %s", what, reco_store_errstr(t->build.store));
    t->redis_down = 1;
}

static void redis_ok(trainer_t *t)
{
    if (t->redis_down) reco_info("redis %s reachable again", reco_store_address(t->build.store));
    t->redis_down = 0;
}

/* Builds every valid tenant of reco:tenants. Returns -1 if the set could not be read, else the
 * number of tenants that failed (busy counts as failed when busy_fails). */
static int build_all(trainer_t *t, int busy_fails)
{
    redisReply *r = reco_store_command(t->build.store, "SMEMBERS %s", RECO_KEY_TENANTS);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        if (r && r->type == REDIS_REPLY_ERROR)
            reco_error("SMEMBERS %s: %s", RECO_KEY_TENANTS, r->str);
        else
            redis_failed(t, "cannot list tenants");
        if (r) freeReplyObject(r);
        return -1;
    }
    redis_ok(t);
    int failed = 0;
    reco_info("building %zu tenant(s)", r->elements);
    for (size_t i = 0; i < r->elements && !stop_requested; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_STRING || strlen(e->str) != e->len ||
            !reco_valid_tenant(e->str)) {
            reco_warn("ignoring invalid tenant name in %s", RECO_KEY_TENANTS);
            continue;
        }
        reco_build_result_t rc = reco_build_tenant(&t->build, e->str);
        failed += rc == RECO_BUILD_FAILED || (busy_fails && rc == RECO_BUILD_BUSY);
    }
    freeReplyObject(r);
    return failed;
}

/* Waits up to a second for a train request and builds it. */
static void serve_queue(trainer_t *t, int64_t due_in_s)
{
    /* at least 1 (BLPOP 0 blocks forever), at most BLPOP_MAX_S (see the top comment) */
    long block = due_in_s < 1 ? 1 : (due_in_s > BLPOP_MAX_S ? BLPOP_MAX_S : (long)due_in_s);
    redisReply *r = reco_store_command(t->build.store, "BLPOP %s %ld", RECO_KEY_TRAIN_QUEUE, block);
    if (!r) {
        redis_failed(t, "cannot read the train queue");
        pause_a_second();
        return;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        reco_warn("BLPOP %s: %s", RECO_KEY_TRAIN_QUEUE, r->str);
        freeReplyObject(r);
        pause_a_second();
        return;
    }
    redis_ok(t);
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[1]->type == REDIS_REPLY_STRING) {
        const redisReply *name = r->element[1];
        if (strlen(name->str) != name->len || !reco_valid_tenant(name->str))
            reco_warn("ignoring train request for an invalid tenant name (%zu bytes)", name->len);
        else {
            reco_info("tenant %s: train request", name->str);
            reco_build_tenant(&t->build, name->str);
        }
    }
    freeReplyObject(r);
}

static void run_daemon(trainer_t *t)
{
    int64_t next_run = monotonic_s();
    reco_info("serving %s, full rebuild every %ld s", RECO_KEY_TRAIN_QUEUE, t->interval_s);
    while (!stop_requested) {
        int64_t now = monotonic_s();
        if (now >= next_run) {
            if (build_all(t, 0) < 0) {
                pause_a_second();
                continue;
            }
            next_run = monotonic_s() + t->interval_s;
            continue;
        }
        serve_queue(t, next_run - now);
    }
    reco_info("stopping");
}

static int run_once(trainer_t *t, const char *tenant, long builds)
{
    if (!tenant) return build_all(t, 1) == 0 ? 0 : 1;
    int rc = 0;
    for (long k = 0; k < builds && rc == 0 && !stop_requested; k++)
        rc = reco_build_tenant(&t->build, tenant) == RECO_BUILD_OK ? 0 : 1;
    return rc;
}

static int check_options(options_t *o);

/* Fills o from argv and the environment: -1 to go on, else the exit code (0 after --help). */
static int parse_options(int argc, char **argv, options_t *o)
{
    const reco_option_t table[] = {
        {"redis", "RECO_REDIS", RECO_OPT_STRING, &o->redis, 0, 0, "Redis address host:port"},
        {"interval", "RECO_TRAIN_INTERVAL", RECO_OPT_INT, &o->interval, 1, 86400,
         "seconds between scheduled full rebuilds of every tenant"},
        {"once", "RECO_TRAIN_ONCE", RECO_OPT_FLAG, &o->once, 0, 0,
         "build now and exit (0: all built, 1: some tenant failed)"},
        {"tenant", "RECO_TRAIN_TENANT", RECO_OPT_STRING, &o->tenant, 0, 0,
         "with --once: build only this tenant (default: every tenant in reco:tenants)"},
        {"publish", "RECO_TRAIN_PUBLISH", RECO_OPT_STRING, &o->publish, 0, 0,
         "ZeroMQ endpoint to bind a PUB socket on for 'model <tenant> <model> <version>' notices"},
        {"top-k", "RECO_TRAIN_TOP_K", RECO_OPT_INT, &o->top_k, 1, 1000,
         "neighbours kept per item by item-to-item"},
        {"threads", "RECO_TRAIN_THREADS", RECO_OPT_INT, &o->threads, 1, 64,
         "threads computing item-to-item"},
        {"lease-ms", "RECO_TRAIN_LEASE_MS", RECO_OPT_INT, &o->lease_ms, 3000, 86400000,
         "per-tenant lease term in ms (renewed while building; long computations check about every "
         "second)"},
        {"lease-renew-ms", "RECO_TRAIN_LEASE_RENEW_MS", RECO_OPT_INT, &o->lease_renew_ms, 0,
         86400000, "renew the lease after this many ms (0: a third of --lease-ms)"},
        {"full-every", "RECO_TRAIN_FULL_EVERY", RECO_OPT_INT, &o->full_every, 1, 1000000,
         "read a tenant's whole stream every N-th build (in between: only new entries)"},
        {"cache-events", "RECO_TRAIN_CACHE_EVENTS", RECO_OPT_INT, &o->cache_events, 0, LONG_MAX,
         "events kept in memory between builds over all tenants (about 30 bytes each; 0: none)"},
        {"shrinkage", "RECO_TRAIN_SHRINKAGE", RECO_OPT_INT, &o->shrinkage, 0, 1000000,
         "also-viewed/also-bought: similarity x n/(n+shrinkage), n = users of both items"},
        {"half-life-days", "RECO_TRAIN_HALF_LIFE_DAYS", RECO_OPT_INT, &o->half_life_days, 0, 36500,
         "also-viewed/also-bought: an event's weight halves every N days (0: no decay)"},
        {"min-support", "RECO_TRAIN_MIN_SUPPORT", RECO_OPT_INT, &o->min_support, 1, 1000000,
         "bought-with: baskets that must hold a rule's items"},
        {"max-basket-items", "RECO_TRAIN_MAX_BASKET_ITEMS", RECO_OPT_INT, &o->max_basket_items, 0,
         1000000, "bought-with: larger baskets are left out (0: none is)"},
        {"similar-users-top-k", "RECO_TRAIN_SIMILAR_USERS_TOP_K", RECO_OPT_INT,
         &o->similar_users_top_k, 1, 1000, "similar-customers: neighbours kept per user"},
        {"similar-users-max-item-users", "RECO_TRAIN_SIMILAR_USERS_MAX_ITEM_USERS", RECO_OPT_INT,
         &o->similar_users_max_item_users, 0, LONG_MAX,
         "similar-customers: items of more users count through a fixed pseudo-random sample of "
         "about this many of their users (cost ~ users per item squared; 0: no limit)"},
        {"similar-users-ignore-long-items", "RECO_TRAIN_SIMILAR_USERS_IGNORE_LONG_ITEMS",
         RECO_OPT_FLAG, &o->similar_users_ignore_long_items, 0, 0,
         "similar-customers: ignore those items instead of sampling them (cheaper, worse)"},
        {"content-max-term-items", "RECO_TRAIN_CONTENT_MAX_TERM_ITEMS", RECO_OPT_INT,
         &o->content_max_term_items, 0, LONG_MAX,
         "content: terms found in more items are ignored (0: no limit)"},
        {"ease-lambda", "RECO_TRAIN_EASE_LAMBDA", RECO_OPT_INT, &o->ease_lambda, 1, 100000000,
         "for-user: EASE's L2 regularisation (binary X; tuned on MovieLens, bench/README.md)"},
        {"ease-max-items", "RECO_TRAIN_EASE_MAX_ITEMS", RECO_OPT_INT, &o->ease_max_items, 1, 20000,
         "for-user: items EASE models, the most active (memory 8 n^2 bytes, time ~ n^3)"},
        {"ease-top-k", "RECO_TRAIN_EASE_TOP_K", RECO_OPT_INT, &o->ease_top_k, 1, 1000,
         "for-user: entries kept per item row (summed at query time for fresh events)"},
        {"for-user-list", "RECO_TRAIN_FOR_USER_LIST", RECO_OPT_INT, &o->for_user_list, 0, 1000,
         "for-user: entries of each user's build-time list (0: none; rows summed at query time)"},
        {"for-user-min-items", "RECO_TRAIN_FOR_USER_MIN_ITEMS", RECO_OPT_INT,
         &o->for_user_min_items, 1, 100000,
         "for-user: users with fewer modelled items get no list (saves Redis memory)"},
        {"for-user-max-lists", "RECO_TRAIN_FOR_USER_MAX_LISTS", RECO_OPT_INT,
         &o->for_user_max_lists, 0, LONG_MAX,
         "for-user: at most this many users get a list, the most active (0: no bound)"},
        {"builds", "RECO_TRAIN_BUILDS", RECO_OPT_INT, &o->builds, 1, 1000,
         "with --once --tenant: build N times in this process (the later builds read only the "
         "events added since: how a running trainer rebuilds; for benchmarks)"},
        {"compact-interval", "RECO_TRAIN_COMPACT_INTERVAL", RECO_OPT_INT, &o->compact_interval, 0,
         LONG_MAX / 1000,
         "seconds: rewrite a tenant's event stream without its deleted events (erasing them from "
         "memory and, by BGREWRITEAOF, from disk) at most once per interval, when events were "
         "deleted since the last time (0: never)"},
        {"compact-chunk", "RECO_TRAIN_COMPACT_CHUNK", RECO_OPT_INT, &o->compact_chunk, 1, 1000000,
         "entries the compaction copies per Redis call (each call blocks Redis that long)"},
        {"log-level", "RECO_LOG_LEVEL", RECO_OPT_STRING, &o->log_level, 0, 0,
         "debug, info, warn or error"},
        {"log-format", "RECO_LOG_FORMAT", RECO_OPT_STRING, &o->log_format, 0, 0,
         "text, or json: one JSON object a line (docs/operations-metrics.md)"},
    };
    reco_config_result_t rc = reco_config_parse(
        argc, argv, table, sizeof table / sizeof table[0], "reco-trainer [options]",
        "Rebuilds each tenant's models (docs/models.md) from its event stream in Redis, "
        "on a schedule and on train requests, and flips the served version atomically.");
    if (rc == RECO_CONFIG_HELP) return 0;
    if (rc == RECO_CONFIG_ERROR) return 2;
    return check_options(o);
}

/* The combinations parse_options' table cannot express: -1 when fine, else the exit code 2. */
static int check_options(options_t *o)
{
    if (o->tenant && !o->tenant[0]) o->tenant = NULL;
    if (o->tenant && !reco_valid_tenant(o->tenant)) {
        fprintf(stderr, "--tenant: '%s' is not a valid tenant name ([A-Za-z0-9_-], 1..64)\n",
                o->tenant);
        return 2;
    }
    if (o->tenant && !o->once) {
        fprintf(stderr, "--tenant only applies with --once\n");
        return 2;
    }
    if (o->builds > 1 && !(o->once && o->tenant)) {
        fprintf(stderr, "--builds only applies with --once --tenant\n");
        return 2;
    }
    return -1;
}

/* The defaults every option starts from. */
static options_t default_options(void)
{
    return (options_t){.redis = "127.0.0.1:6379",
                       .log_level = "info",
                       .log_format = "text",
                       .interval = 300,
                       .top_k = 50,
                       .lease_ms = 60000,
                       .threads = 2,
                       .full_every = 12,
                       .cache_events = 50000000,
                       .shrinkage = 10,
                       .half_life_days = 30,
                       .min_support = 2,
                       .max_basket_items = 100,
                       .similar_users_top_k = 20,
                       .similar_users_max_item_users = 300,
                       .content_max_term_items = 10000,
                       .ease_lambda = (long)RECO_EASE_LAMBDA_DEFAULT,
                       .ease_max_items = RECO_EASE_MAX_ITEMS_DEFAULT,
                       .ease_top_k = RECO_EASE_TOP_K_DEFAULT,
                       .for_user_list = RECO_EASE_USER_TOP_N_DEFAULT,
                       .for_user_min_items = RECO_EASE_USER_MIN_ITEMS_DEFAULT,
                       .for_user_max_lists = RECO_EASE_USER_MAX_LISTS_DEFAULT,
                       .builds = 1,
                       .compact_interval = 86400,
                       .compact_chunk = 1000};
}

/* The build configuration the options describe (store, notifier and cache are set by main). */
static reco_build_config_t build_config(const options_t *o, const char *owner)
{
    return (reco_build_config_t){.owner = owner,
                                 .lease_ms = o->lease_ms,
                                 .lease_renew_ms = o->lease_renew_ms,
                                 .top_k = (size_t)o->top_k,
                                 .threads = (int)o->threads,
                                 .stop = &stop_requested,
                                 .full_every = (unsigned)o->full_every,
                                 .shrinkage = (double)o->shrinkage,
                                 .cooccur_half_life_ms = o->half_life_days * 86400000LL,
                                 .min_support = (size_t)o->min_support,
                                 .max_basket_items = (size_t)o->max_basket_items,
                                 .similar_users_top_k = (size_t)o->similar_users_top_k,
                                 .similar_users_max_item_users =
                                     (size_t)o->similar_users_max_item_users,
                                 .similar_users_sample = !o->similar_users_ignore_long_items,
                                 .content_max_term_items = (size_t)o->content_max_term_items,
                                 .interval_ms = o->interval * 1000LL,
                                 .ease_lambda = (double)o->ease_lambda,
                                 .ease_max_items = (size_t)o->ease_max_items,
                                 .ease_top_k = (size_t)o->ease_top_k,
                                 .for_user_list = (size_t)o->for_user_list,
                                 .for_user_min_items = (size_t)o->for_user_min_items,
                                 .for_user_max_lists = (size_t)o->for_user_max_lists,
                                 .compact_interval_ms = o->compact_interval * 1000LL,
                                 .compact_chunk = (size_t)o->compact_chunk};
}

int main(int argc, char **argv)
{
    options_t o = default_options();
    int exit_code = parse_options(argc, argv, &o);
    if (exit_code >= 0) return exit_code;
    if (reco_log_setup("trainer", o.log_level, o.log_format) != 0) return 2;
    reco_signals_install(&stop_requested);

    char host[256] = "", owner[320];
    if (gethostname(host, sizeof host) != 0 || !host[0]) snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    snprintf(owner, sizeof owner, "%s:%ld", host, (long)getpid());

    trainer_t t = {.interval_s = o.interval, .once = o.once};
    t.build = build_config(&o, owner);
    t.build.store = reco_store_new(o.redis, REDIS_TIMEOUT_MS);
    if (!t.build.store) {
        reco_error("--redis: '%s' is not host:port", o.redis);
        return 2;
    }
    if (o.publish && o.publish[0] && !(t.build.notifier = reco_notifier_new(o.publish))) {
        reco_store_destroy(&t.build.store);
        return 1;
    }
    if (o.cache_events > 0 && !(t.build.cache = reco_event_cache_new((size_t)o.cache_events))) {
        reco_error("out of memory");
        reco_notifier_destroy(&t.build.notifier);
        reco_store_destroy(&t.build.store);
        return 1;
    }
    reco_info("trainer %s starting (redis %s, top-k %ld, threads %ld, lease %ld ms, full read "
              "every %ld builds)",
              owner, o.redis, o.top_k, o.threads, o.lease_ms, o.full_every);
    if (o.once)
        exit_code = run_once(&t, o.tenant, o.builds);
    else
        run_daemon(&t);
    reco_notifier_destroy(&t.build.notifier);
    reco_event_cache_destroy(&t.build.cache);
    reco_store_destroy(&t.build.store);
    return exit_code < 0 ? 0 : exit_code;
}
