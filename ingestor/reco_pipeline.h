/* reco_pipeline — the Redis pipeline of one ingest request.
 *
 * Handlers append commands, then read exactly as many replies. The pipeline remembers the first
 * error reply and stops sending after an I/O failure (the store has then dropped the
 * connection); reco_pipeline_finish turns that into the request's 503 / 500, so a handler
 * answers once, at the end, and a 200 means Redis confirmed every write.
 *
 * Commands are grouped (one event, one item, ...): after RECO_PIPELINE_CHUNK groups the pending
 * replies are read, so the send buffer stays bounded whatever the batch size.
 *
 * Never mix reco_store_command with a pipeline that has replies pending: it would read one of
 * them. Ownership: the pipeline borrows the store; it lives on the handler's stack. */
#ifndef RECO_PIPELINE_H
#define RECO_PIPELINE_H

#include <stddef.h>

#include "reco_store.h"
#include "reco_wire.h"

/* Command groups appended before the pending replies are read. */
#define RECO_PIPELINE_CHUNK 1000

typedef struct {
    reco_store_t *store;
    size_t pending;        /* commands appended whose replies are not read yet */
    size_t groups;         /* command groups appended since the last drain */
    int io_failed;         /* the connection broke: send nothing more */
    char redis_error[256]; /* the first error reply, "" if none */
    char failure[128];     /* the first failure that is not a Redis reply, "" if none */
} reco_pipeline_t;

/* Appends one command (binary-safe arguments). Does nothing once I/O has failed. */
void reco_pipeline_send(reco_pipeline_t *p, int argc, const char **argv, const size_t *lens);
/* The same with NUL-terminated arguments (at most 32). */
void reco_pipeline_sendz(reco_pipeline_t *p, int argc, const char **argv);
/* Ends a group; reads every pending reply after RECO_PIPELINE_CHUNK groups. */
void reco_pipeline_end_group(reco_pipeline_t *p);

/* One command answered now: reads what is pending first (remembering errors), sends, and returns
 * the reply (the caller frees it; error replies are returned, not remembered). NULL on I/O
 * failure. NUL-terminated arguments, as sendz. */
redisReply *reco_pipeline_call(reco_pipeline_t *p, int argc, const char **argv);
/* Reads the oldest pending reply and hands it to the caller (who frees it). NULL on I/O failure
 * or when nothing is pending. Error replies are returned, not remembered: see note_error. */
redisReply *reco_pipeline_next(reco_pipeline_t *p);
/* Remembers r if it is the first error reply of the request. */
void reco_pipeline_note_error(reco_pipeline_t *p, const redisReply *r);
/* Reads and frees every pending reply, remembering the first error. */
void reco_pipeline_drain(reco_pipeline_t *p);
/* Remembers a failure that is not a Redis error reply (an unexpected reply shape, out of
 * memory): the request then gets a 500 internal. */
void reco_pipeline_fail(reco_pipeline_t *p, const char *why);

/* 0 when nothing failed so far (after draining), else -1. */
int reco_pipeline_ok(reco_pipeline_t *p);
/* Drains; returns 0 if every command succeeded, else -1 with rep filled: 503 redis_unavailable
 * for a lost connection or a transient error (LOADING, OOM, ...), 500 internal otherwise. */
int reco_pipeline_finish(reco_pipeline_t *p, reco_reply_t *rep);

#endif
