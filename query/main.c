/* reco-query — the query worker: answers recommend and models.status from the model versions the
 * trainer wrote to Redis, and reads back what the ingestor stored (items, users, actions, a
 * user's or an item's events, a user's export). Dispatch in reco_query_ops.c, one module per
 * group of ops; the process skeleton and the dialogue with the gateway in common/reco_worker.c.
 *
 * One request at a time: scale by running more processes. The process stays up whatever
 * happens to Redis or the gateway; it stops on SIGINT/SIGTERM after the request in hand. */
#include "reco_query_ops.h"
#include "reco_worker.h"

static void *query_init(reco_store_t **store)
{
    return reco_query_new(store);
}

static void query_destroy(void *ctx)
{
    reco_query_t *query = ctx;
    reco_query_destroy(&query);
}

int main(int argc, char **argv)
{
    const reco_worker_program_t prog = {
        .name = "query",
        .kind = "query",
        .gateway_env = "RECO_QUERY_CONNECT",
        .default_gateway = "tcp://127.0.0.1:5556",
        .about = "Query worker of reco: answers recommendation, model status and data read requests sent by\n"
                 "the gateway, from Redis. Stateless: start as many as you need.",
        .init = query_init,
        .destroy = query_destroy,
        .handler = reco_query_handle,
    };
    return reco_worker_main(argc, argv, &prog);
}
