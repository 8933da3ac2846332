/* reco_store — a blocking Redis connection that heals itself, for the worker processes.
 *
 * Workers (ingestor, query, trainer) are single-threaded and answer one request at a time, so a
 * synchronous hiredis context is the simplest correct tool. The store connects lazily, and after
 * any I/O or protocol error it drops the connection; the next call connects again. It never
 * aborts: a call that cannot reach Redis returns NULL / -1 and reco_store_errstr() says why.
 *
 * Replies returned to the caller are owned by the caller (freeReplyObject). Redis error replies
 * (REDIS_REPLY_ERROR) are returned as replies, not as failures: the caller decides.
 *
 * Redis Cluster (docs/redis-cluster.md): when the address is a cluster node (INFO cluster says
 * cluster_enabled:1 on the first connection) the store reads the slot map (CLUSTER SLOTS), keeps
 * one connection per master, sends each command to the master of its key's slot (reco_slot.h
 * says which argument is the key), follows MOVED and ASK, and still hands pipeline replies back
 * in append order. A transaction (MULTI ... EXEC) runs on the node of its first key; a command
 * of it whose key lies in another slot (a global key: reco:tenants, reco:apikey:...) runs just
 * after EXEC on its own node, outside the transaction, and the caller sees QUEUED and its reply
 * inside EXEC's array as usual. SCRIPT LOAD reaches every master (and every master connected
 * later). Multi-key commands must keep their keys in one slot, as on any cluster. */
#ifndef RECO_STORE_H
#define RECO_STORE_H

#include <hiredis/hiredis.h>
#include <stddef.h>

typedef struct reco_store reco_store_t;

/* address: "host:port". timeout_ms bounds connect and every command. NULL on a bad address. */
reco_store_t *reco_store_new(const char *address, int timeout_ms);
void reco_store_destroy(reco_store_t **store);

/* One command, printf-like as redisCommand. NULL on failure. */
redisReply *reco_store_command(reco_store_t *st, const char *fmt, ...);
/* One command from an argument vector (binary safe). NULL on failure. */
redisReply *reco_store_commandv(reco_store_t *st, int argc, const char **argv, const size_t *lens);

/* Pipelining: append any number of commands, then read exactly as many replies.
 * A failed append or read drops the connection; the caller abandons the pipeline. */
int reco_store_append(reco_store_t *st, const char *fmt, ...);
int reco_store_appendv(reco_store_t *st, int argc, const char **argv, const size_t *lens);
int reco_store_read(reco_store_t *st, redisReply **reply);
/* Sends what the append calls queued without waiting for any reply, so Redis works on it while
 * the caller does something else (the replies are read later with reco_store_read). 0, or -1
 * (the connection is dropped, as for any failure). */
int reco_store_flush(reco_store_t *st);

/* 1 if a Redis error reply means "cannot serve right now, retry later" (LOADING, READONLY,
 * BUSY, MASTERDOWN, TRYAGAIN, CLUSTERDOWN, OOM, MISCONF, NOREPLICAS): worth a 503, not a 500. */
int reco_store_error_is_transient(const char *text);

/* 1 on a Redis Cluster, 0 on a plain Redis, -1 while Redis could not be asked yet. */
int reco_store_is_cluster(reco_store_t *st);

/* 0 if Redis answers PING, else -1. */
int reco_store_ping(reco_store_t *st);
const char *reco_store_errstr(const reco_store_t *st);
const char *reco_store_address(const reco_store_t *st);
/* The node that holds key: the store's own address, or on a cluster the master of the key's
 * slot (from the slot map the store keeps). 0 with host/port set, or -1 (reco_store_errstr). */
int reco_store_node_of(reco_store_t *st, const char *key, char *host, size_t cap, int *port);
/* The timeout given to reco_store_new, in milliseconds (a connection of the caller's own to the
 * same Redis should give up as soon). */
int reco_store_timeout_ms(const reco_store_t *st);

#endif
