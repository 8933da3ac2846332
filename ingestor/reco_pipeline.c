/* reco_pipeline — appends commands, reads their replies, and keeps the first failure (see the
 * header). Invariant: pending counts exactly the replies still owed by Redis on the current
 * connection; after an I/O failure the store has dropped that connection, so pending is reset
 * to 0 and nothing more is sent. */
#include "reco_pipeline.h"

#include <stdio.h>
#include <string.h>

#include "reco_log.h"

#define SENDZ_MAX_ARGS 32

void reco_pipeline_send(reco_pipeline_t *p, int argc, const char **argv, const size_t *lens)
{
    if (p->io_failed) return;
    if (reco_store_appendv(p->store, argc, argv, lens) != 0) {
        p->io_failed = 1;
        p->pending = 0;
        return;
    }
    p->pending++;
}

void reco_pipeline_sendz(reco_pipeline_t *p, int argc, const char **argv)
{
    size_t lens[SENDZ_MAX_ARGS];
    if (argc > SENDZ_MAX_ARGS) {
        reco_pipeline_fail(p, "internal: too many command arguments");
        return;
    }
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    reco_pipeline_send(p, argc, argv, lens);
}

void reco_pipeline_end_group(reco_pipeline_t *p)
{
    if (++p->groups >= RECO_PIPELINE_CHUNK) reco_pipeline_drain(p);
}

redisReply *reco_pipeline_next(reco_pipeline_t *p)
{
    if (p->io_failed || p->pending == 0) return NULL;
    redisReply *r = NULL;
    if (reco_store_read(p->store, &r) != 0) {
        p->io_failed = 1;
        p->pending = 0;
        return NULL;
    }
    p->pending--;
    return r;
}

redisReply *reco_pipeline_call(reco_pipeline_t *p, int argc, const char **argv)
{
    reco_pipeline_drain(p);
    reco_pipeline_sendz(p, argc, argv);
    return reco_pipeline_next(p);
}

void reco_pipeline_note_error(reco_pipeline_t *p, const redisReply *r)
{
    if (r && r->type == REDIS_REPLY_ERROR && !p->redis_error[0])
        snprintf(p->redis_error, sizeof p->redis_error, "%.*s", (int)r->len, r->str);
}

void reco_pipeline_fail(reco_pipeline_t *p, const char *why)
{
    if (!p->redis_error[0]) snprintf(p->redis_error, sizeof p->redis_error, "%s", why);
}

void reco_pipeline_drain(reco_pipeline_t *p)
{
    redisReply *r;
    while ((r = reco_pipeline_next(p)) != NULL) {
        reco_pipeline_note_error(p, r);
        freeReplyObject(r);
    }
    p->groups = 0;
}

int reco_pipeline_ok(reco_pipeline_t *p)
{
    reco_pipeline_drain(p);
    return p->io_failed || p->redis_error[0] || p->failure[0] ? -1 : 0;
}

int reco_pipeline_finish(reco_pipeline_t *p, reco_reply_t *rep)
{
    reco_pipeline_drain(p);
    if (p->io_failed) {
        reco_warn("redis unavailable: %s", reco_store_errstr(p->store));
        reco_reply_fail(rep, 503, "redis_unavailable", "%s", reco_store_errstr(p->store));
        return -1;
    }
    if (p->redis_error[0]) {
        reco_warn("redis refused a command: %s", p->redis_error);
        if (reco_store_error_is_transient(p->redis_error))
            reco_reply_fail(rep, 503, "redis_unavailable", "redis: %s", p->redis_error);
        else
            reco_reply_fail(rep, 500, "internal", "redis: %s", p->redis_error);
        return -1;
    }
    if (p->failure[0]) {
        reco_error("request failed: %s", p->failure);
        reco_reply_fail(rep, 500, "internal", "%s", p->failure);
        return -1;
    }
    return 0;
}
