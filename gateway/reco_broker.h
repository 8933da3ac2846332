/* reco_broker — the gateway's load-balancing broker: ROUTER sockets, worker pools, retries.
 *
 * One pool per kind of work (ingest, query), each a ROUTER socket that workers connect to with
 * DEALER sockets (docs/protocol.md). A submitted request waits in its pool's FIFO until a worker
 * is idle, is sent to it, and its reply is handed to the caller's callback. Everything runs on the
 * gateway's libevent loop and never blocks it: the ZeroMQ sockets are watched through ZMQ_FD.
 *
 * Credit: a worker may hold up to credit[pool] requests; it answers them one by one, in order,
 * and the next is already in its socket when it finishes (see reco_broker.c).
 *
 * Failure rules: a worker whose socket has vanished (sends fail at once thanks to
 * ZMQ_ROUTER_MANDATORY), or an idle worker silent for `liveness` heartbeats, is dropped, and its
 * in-flight query requests are retried once on other workers; its in-flight ingest requests get
 * 503 "worker_lost" (it may have written them in part: events without ids would be stored twice). A busy worker is not expected to beat (it
 * is single-threaded and working): its reply timeout watches it instead.
 *
 * Waiting: with no worker of the pool connected, a request waits queue_timeout_ms, then gets 503
 * "no_worker" (fail fast while workers restart); with workers connected but all busy it waits up
 * to busy_timeout_ms (bulk loads queue instead of failing), then gets 503 "overloaded".
 * Reply timeout: a query request is retried once, then gets 504; an ingest request is not
 * retried (its worker may still be writing, and events without ids would be stored twice): 504
 * "worker_timeout". The callback is called exactly once per accepted request, always from the
 * event loop, never from inside reco_broker_submit. */
#ifndef RECO_BROKER_H
#define RECO_BROKER_H

#include <event2/event.h>
#include <jansson.h>

#include "reco_error.h"
#include "reco_wire.h"

typedef enum { RECO_POOL_INGEST = 0, RECO_POOL_QUERY = 1, RECO_POOL_COUNT } reco_pool_t;

typedef struct {
    const char *bind[RECO_POOL_COUNT]; /* ZeroMQ endpoints to bind, e.g. "tcp://127.0.0.1:5555" */
    int heartbeat_ms;                  /* default 500 */
    int liveness;                      /* silent heartbeats before a worker is dropped; default 3 */
    int queue_timeout_ms;              /* longest wait while no worker is connected; default 1000 */
    int busy_timeout_ms;               /* longest wait while every worker is busy; default 10000 */
    int reply_timeout_ms[RECO_POOL_COUNT]; /* longest wait for a reply; default 30000 ingest, 5000 query */
    int max_queue;                     /* waiting requests per pool before 503; default 10000 */
    int credit[RECO_POOL_COUNT];       /* requests a worker may hold at once; default 1 ingest, 4 query */
} reco_broker_config_t;

/* reply: valid until the callback returns. */
typedef void (*reco_broker_done_fn)(void *arg, const reco_reply_t *reply);

typedef struct reco_broker reco_broker_t;

/* Binds the sockets. NULL on failure, with the reason logged. */
reco_broker_t *reco_broker_new(struct event_base *base, const reco_broker_config_t *cfg);
/* Fails every outstanding request with 503 (callbacks run), then frees. Safe on NULL. */
void reco_broker_destroy(reco_broker_t **broker);

/* Queues op for pool. Takes the reference to args (NULL = {}). Returns 0 when accepted (done
 * will be called once), or -1 with err set (queue full, encoding failed) and done not called. */
int reco_broker_submit(reco_broker_t *b, reco_pool_t pool, const char *tenant, const char *op,
                       json_t *args, reco_broker_done_fn done, void *arg, reco_error_t *err);

/* Connected workers of a pool (idle or busy), and requests waiting for one. */
int reco_broker_worker_count(const reco_broker_t *b, reco_pool_t pool);
int reco_broker_waiting_count(const reco_broker_t *b, reco_pool_t pool);
const char *reco_broker_pool_name(reco_pool_t pool);

#endif
