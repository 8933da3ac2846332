/* reco_worker — the worker side of the gateway's load-balancing broker, shared by the ingestor
 * and the query worker.
 *
 * A worker connects one DEALER socket to each gateway endpoint, says READY, then loops: it
 * receives one REQUEST, calls the handler, sends the REPLY, and is ready again. Both sides send
 * HEARTBEAT every heartbeat_ms; a gateway that stays silent for liveness beats is reconnected
 * (the ZeroMQ guide's "Paranoid Pirate" pattern). One request at a time per process: scale by
 * starting more processes. The gateway may send a few requests ahead (its credit); they wait in
 * the socket and are answered in order, without a zmq_poll between them.
 *
 * The handler fills the reply with reco_reply_ok/reco_reply_fail; it must not keep pointers into
 * the request, which is freed when the handler returns. */
#ifndef RECO_WORKER_H
#define RECO_WORKER_H

#include <signal.h>

#include "reco_config.h"
#include "reco_store.h"
#include "reco_wire.h"

typedef void (*reco_worker_handler_fn)(void *ctx, const reco_request_t *req, reco_reply_t *rep);

typedef struct {
    const char *kind;      /* "ingest" or "query": sent with READY and used in logs */
    const char *endpoints; /* comma-separated gateway endpoints, e.g. "tcp://127.0.0.1:5555" */
    int heartbeat_ms;      /* interval of heartbeats; default 1000 */
    int liveness;          /* silent beats before reconnecting; default 3 */
    const char *health_file; /* NULL, or a file whose mtime the loop renews about every
                              * heartbeat while a gateway is heard from (container probes) */
} reco_worker_config_t;

typedef struct reco_worker reco_worker_t;

/* NULL if endpoints is empty or a socket cannot be created (logged). */
reco_worker_t *reco_worker_new(const reco_worker_config_t *cfg, reco_worker_handler_fn handler, void *ctx);
/* Serves until *stop becomes non-zero (set it from a signal handler). Returns 0. */
int reco_worker_run(reco_worker_t *w, volatile sig_atomic_t *stop);
void reco_worker_destroy(reco_worker_t **w);

/* ---- the whole life of a worker process, shared by reco-ingestor and reco-query ---- */

typedef struct {
    const char *name;            /* "ingestor": log name; usage is "reco-<name> [options]" */
    const char *kind;            /* "ingest" or "query" */
    const char *gateway_env;     /* e.g. "RECO_INGEST_CONNECT" */
    const char *default_gateway; /* e.g. "tcp://127.0.0.1:5555" */
    const char *about;           /* --help paragraph */
    long redis_timeout_ms;       /* default of --redis-timeout-ms; 0 = 2000 */
    const reco_option_t *extra;  /* the program's own options (may be NULL) */
    size_t n_extra;
    /* Builds the handler's context; takes the store (freeing it on failure). NULL = failure. */
    void *(*init)(reco_store_t **store);
    void (*destroy)(void *ctx);
    reco_worker_handler_fn handler;
} reco_worker_program_t;

/* Parses the common options (--redis, --gateway, --heartbeat-ms, --redis-timeout-ms,
 * --log-level, --log-format, --health-file) and prog->extra, sets up logging and signals, connects, and serves until SIGINT
 * or SIGTERM. Returns the process exit code: 0, 1 (cannot start), 2 (bad options). */
int reco_worker_main(int argc, char **argv, const reco_worker_program_t *prog);

/* Installs SIGINT/SIGTERM handlers that set *flag, and ignores SIGPIPE; also stops czmq from
 * installing its own handlers. Call before any ZeroMQ socket is created. */
void reco_signals_install(volatile sig_atomic_t *flag);

#endif
