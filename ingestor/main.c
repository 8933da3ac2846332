/* reco-ingestor — the ingest worker: takes the write-side ops (events, items, users, actions,
 * deletion, transfer, train requests) from the gateway(s) and writes them to Redis (dispatch in
 * reco_ingest.c; the process skeleton and the dialogue with the gateway in common/reco_worker.c).
 *
 * One request at a time: scale by running more processes. The process stays up whatever
 * happens to Redis or the gateway; it stops on SIGINT/SIGTERM after the request in hand. */
#include "reco_ingest.h"
#include "reco_worker.h"

static long history_cap = 500;

static void *ingest_init(reco_store_t **store)
{
    return reco_ingest_new(store, history_cap);
}

static void ingest_destroy(void *ctx)
{
    reco_ingest_t *ingest = ctx;
    reco_ingest_destroy(&ingest);
}

int main(int argc, char **argv)
{
    const reco_option_t extra[] = {
        {"history-cap", "RECO_HISTORY_CAP", RECO_OPT_INT, &history_cap, 1, 1000000,
         "entries kept in each user and item history"},
    };
    const reco_worker_program_t prog = {
        .name = "ingestor",
        .kind = "ingest",
        .gateway_env = "RECO_INGEST_CONNECT",
        .default_gateway = "tcp://127.0.0.1:5555",
        /* A write that times out may still be applied by Redis later, and a client retry of a batch
         * without event ids would then store it twice: wait out Redis stalls (AOF fsync, fork). */
        .redis_timeout_ms = 10000,
        .about = "Ingest worker of reco: stores events, items, users and actions sent by the gateway in Redis,\n"
                 "deletes and transfers user data, and queues train requests.",
        .extra = extra,
        .n_extra = sizeof extra / sizeof extra[0],
        .init = ingest_init,
        .destroy = ingest_destroy,
        .handler = reco_ingest_handle,
    };
    return reco_worker_main(argc, argv, &prog);
}
