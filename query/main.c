/* reco-query — the query worker: answers recommend and models.status from the model versions the
 * trainer wrote to Redis, and reads back what the ingestor stored (items, users, actions, a
 * user's or an item's events, a user's export). Dispatch in reco_query_ops.c, one module per
 * group of ops; the dialogue with the gateway in reco_worker.c.
 *
 * One request at a time: scale by running more processes. The process stays up whatever
 * happens to Redis or the gateway; it stops on SIGINT/SIGTERM after the request in hand. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "reco_config.h"
#include "reco_log.h"
#include "reco_query_ops.h"
#include "reco_store.h"
#include "reco_worker.h"

static volatile sig_atomic_t stop_requested;

int main(int argc, char **argv)
{
    const char *redis = "127.0.0.1:6379";
    const char *gateway = "tcp://127.0.0.1:5556";
    const char *log_level = "info";
    long heartbeat_ms = 500, redis_timeout_ms = 2000;
    const reco_option_t opts[] = {
        {"redis", "RECO_REDIS", RECO_OPT_STRING, &redis, 0, 0, "Redis address, host:port"},
        {"gateway", "RECO_QUERY_CONNECT", RECO_OPT_STRING, &gateway, 0, 0,
         "gateway query endpoint(s) to connect to, comma-separated"},
        {"heartbeat-ms", "RECO_HEARTBEAT_MS", RECO_OPT_INT, &heartbeat_ms, 10, 60000,
         "heartbeat interval with the gateway, in milliseconds"},
        {"redis-timeout-ms", "RECO_REDIS_TIMEOUT_MS", RECO_OPT_INT, &redis_timeout_ms, 1, 600000,
         "timeout of the Redis connect and of every command, in milliseconds"},
        {"log-level", "RECO_LOG_LEVEL", RECO_OPT_STRING, &log_level, 0, 0,
         "debug, info, warn or error"},
    };
    switch (reco_config_parse(argc, argv, opts, sizeof opts / sizeof opts[0], "reco-query [options]",
                              "Query worker of reco: answers recommendation, model status and "
                              "data read requests sent by the gateway, from Redis.")) {
    case RECO_CONFIG_HELP:
        return 0;
    case RECO_CONFIG_ERROR:
        return 2;
    case RECO_CONFIG_OK:
        break;
    }
    reco_log_level_t level;
    if (reco_log_level_parse(log_level, &level) != 0) {
        fprintf(stderr, "log-level must be debug, info, warn or error, got '%s'\n", log_level);
        return 2;
    }
    reco_log_init("query", level);
    reco_signals_install(&stop_requested);

    reco_store_t *store = reco_store_new(redis, (int)redis_timeout_ms);
    if (!store) {
        fprintf(stderr, "redis must be host:port, got '%s'\n", redis);
        return 2;
    }
    if (reco_store_ping(store) != 0)
        reco_warn("%s; will retry on every request", reco_store_errstr(store));
    reco_query_t *query = reco_query_new(&store);
    if (!query) {
        reco_error("out of memory");
        return 1;
    }
    const reco_worker_config_t cfg = {
        .kind = "query", .endpoints = gateway, .heartbeat_ms = (int)heartbeat_ms, .liveness = 3};
    reco_worker_t *worker = reco_worker_new(&cfg, reco_query_handle, query);
    if (!worker) {
        reco_error("cannot connect to gateway '%s'", gateway);
        reco_query_destroy(&query);
        return 1;
    }
    reco_info("serving query requests from %s; redis %s", gateway, redis);
    reco_worker_run(worker, &stop_requested);
    reco_worker_destroy(&worker);
    reco_query_destroy(&query);
    return 0;
}
