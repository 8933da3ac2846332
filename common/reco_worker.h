/* reco_worker — the worker side of the gateway's load-balancing broker, shared by the ingestor
 * and the query worker.
 *
 * A worker connects one DEALER socket to each gateway endpoint, says READY, then loops: it
 * receives one REQUEST, calls the handler, sends the REPLY, and is ready again. Both sides send
 * HEARTBEAT every heartbeat_ms; a gateway that stays silent for liveness beats is reconnected
 * (the ZeroMQ guide's "Paranoid Pirate" pattern). One request at a time per process: scale by
 * starting more processes.
 *
 * The handler fills the reply with reco_reply_ok/reco_reply_fail; it must not keep pointers into
 * the request, which is freed when the handler returns. */
#ifndef RECO_WORKER_H
#define RECO_WORKER_H

#include <signal.h>

#include "reco_wire.h"

typedef void (*reco_worker_handler_fn)(void *ctx, const reco_request_t *req, reco_reply_t *rep);

typedef struct {
    const char *kind;      /* "ingest" or "query": sent with READY and used in logs */
    const char *endpoints; /* comma-separated gateway endpoints, e.g. "tcp://127.0.0.1:5555" */
    int heartbeat_ms;      /* interval of heartbeats; default 1000 */
    int liveness;          /* silent beats before reconnecting; default 3 */
} reco_worker_config_t;

typedef struct reco_worker reco_worker_t;

/* NULL if endpoints is empty or a socket cannot be created (logged). */
reco_worker_t *reco_worker_new(const reco_worker_config_t *cfg, reco_worker_handler_fn handler, void *ctx);
/* Serves until *stop becomes non-zero (set it from a signal handler). Returns 0. */
int reco_worker_run(reco_worker_t *w, volatile sig_atomic_t *stop);
void reco_worker_destroy(reco_worker_t **w);

/* Installs SIGINT/SIGTERM handlers that set *flag, and ignores SIGPIPE; also stops czmq from
 * installing its own handlers. Call before any ZeroMQ socket is created. */
void reco_signals_install(volatile sig_atomic_t *flag);

#endif
