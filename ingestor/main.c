/* reco-ingestor — the ingest worker: takes the write-side ops (events, items, users, actions,
 * deletion, transfer, train requests) from the gateway(s) and writes them to Redis (dispatch in
 * reco_ingest.c, dialogue in common/reco_worker.c).
 *
 * One request at a time: scale by running more processes. The process stays up whatever
 * happens to Redis or the gateway; it stops on SIGINT/SIGTERM after the request in hand. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "reco_config.h"
#include "reco_ingest.h"
#include "reco_log.h"
#include "reco_store.h"
#include "reco_worker.h"

static volatile sig_atomic_t stop_requested;

int main(int argc, char **argv)
{
    const char *redis = "127.0.0.1:6379";
    const char *gateway = "tcp://127.0.0.1:5555";
    const char *log_level = "info";
    long heartbeat_ms = 500, history_cap = 500, redis_timeout_ms = 2000;
    const reco_option_t opts[] = {
        {"redis", "RECO_REDIS", RECO_OPT_STRING, &redis, 0, 0, "Redis address, host:port"},
        {"gateway", "RECO_INGEST_CONNECT", RECO_OPT_STRING, &gateway, 0, 0,
         "gateway ingest endpoint(s) to connect to, comma-separated"},
        {"heartbeat-ms", "RECO_HEARTBEAT_MS", RECO_OPT_INT, &heartbeat_ms, 10, 60000,
         "heartbeat interval with the gateway, in milliseconds"},
        {"history-cap", "RECO_HISTORY_CAP", RECO_OPT_INT, &history_cap, 1, 1000000,
         "entries kept in each user and item history"},
        {"redis-timeout-ms", "RECO_REDIS_TIMEOUT_MS", RECO_OPT_INT, &redis_timeout_ms, 1, 600000,
         "timeout of the Redis connect and of every command, in milliseconds"},
        {"log-level", "RECO_LOG_LEVEL", RECO_OPT_STRING, &log_level, 0, 0,
         "debug, info, warn or error"},
    };
    switch (reco_config_parse(argc, argv, opts, sizeof opts / sizeof opts[0], "reco-ingestor [options]",
                              "Ingest worker of reco: stores events, items, users and actions, "
                              "deletes and transfers user data, and queues train requests.")) {
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
    reco_log_init("ingestor", level);
    reco_signals_install(&stop_requested);

    reco_store_t *store = reco_store_new(redis, (int)redis_timeout_ms);
    if (!store) {
        fprintf(stderr, "redis must be host:port, got '%s'\n", redis);
        return 2;
    }
    if (reco_store_ping(store) != 0)
        reco_warn("%s; will retry on every request", reco_store_errstr(store));
    reco_ingest_t *ingest = reco_ingest_new(&store, history_cap);
    if (!ingest) {
        reco_error("out of memory");
        return 1;
    }
    const reco_worker_config_t cfg = {
        .kind = "ingest", .endpoints = gateway, .heartbeat_ms = (int)heartbeat_ms, .liveness = 3};
    reco_worker_t *worker = reco_worker_new(&cfg, reco_ingest_handle, ingest);
    if (!worker) {
        reco_error("cannot connect to gateway '%s'", gateway);
        reco_ingest_destroy(&ingest);
        return 1;
    }
    reco_info("serving ingest requests from %s; redis %s, history cap %ld", gateway, redis, history_cap);
    reco_worker_run(worker, &stop_requested);
    reco_worker_destroy(&worker);
    reco_ingest_destroy(&ingest);
    return 0;
}
