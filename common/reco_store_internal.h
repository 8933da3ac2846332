/* reco_store_internal — the store's state, shared by reco_store.c (plain Redis, and the public
 * calls) and reco_store_cluster.c (Redis Cluster routing). Nothing outside these two includes it.
 */
#ifndef RECO_STORE_INTERNAL_H
#define RECO_STORE_INTERNAL_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <sys/time.h>

#include "reco_slot.h"

enum { RECO_STORE_UNKNOWN, RECO_STORE_PLAIN, RECO_STORE_CLUSTER };

/* One master of the cluster. fifo: the queue entries whose replies this connection owes, in
 * the order they were sent. */
typedef struct {
    char host[256];
    int port;
    redisContext *ctx;
    size_t *fifo, fifo_head, fifo_len, fifo_cap;
} reco_store_node_t;

/* One appended command of a cluster pipeline, in append order. */
typedef struct {
    int node;  /* where it was (or will be) sent; -1: a MULTI waiting for its first key */
    int kind;  /* ENTRY_* in reco_store_cluster.c */
    int sent;  /* written to node's connection */
    char *cmd; /* its RESP bytes, kept for a redirect */
    size_t len;
    redisReply *reply; /* read before its turn, or NULL */
    size_t partner;    /* TX_MULTI: its EXEC (0 while open); TX_EXEC: its MULTI */
} reco_store_entry_t;

struct reco_store {
    char host[256];
    int port;
    struct timeval timeout;
    redisContext *ctx; /* plain mode only */
    char address[300];
    char errstr[640];
    int mode;
    /* cluster mode */
    reco_store_node_t *nodes;
    size_t n_nodes;
    short slots[RECO_SLOT_COUNT]; /* node index of each slot, -1 unknown */
    int map_stale;
    reco_store_entry_t *queue;
    size_t q_head, q_len, q_cap;
    int tx_open, tx_slot, tx_node;
    size_t tx_multi;
    char **scripts; /* every SCRIPT LOAD body, loaded again on each new node connection */
    size_t *script_lens, n_scripts;
};

/* Plain-mode helpers of reco_store.c. */
void reco_store_set_error(reco_store_t *st, const char *fmt, ...);

/* Cluster mode (reco_store_cluster.c). cmd: RESP bytes from redisFormatCommand*, taken. */
int reco_store_cluster_start(reco_store_t *st); /* after INFO said cluster_enabled:1 */
void reco_store_cluster_destroy(reco_store_t *st);
int reco_store_cluster_append(reco_store_t *st, char *cmd, size_t len);
int reco_store_cluster_read(reco_store_t *st, redisReply **reply);
redisReply *reco_store_cluster_command(reco_store_t *st, char *cmd, size_t len);
int reco_store_cluster_flush(reco_store_t *st);
/* The master of slot: its index in st->nodes (the map read when needed), or -1 (error set). */
int reco_store_cluster_node(reco_store_t *st, int slot);

#endif
