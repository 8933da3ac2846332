/* reco_ingest_internal — what the ingestor's op modules share: the worker's state and the shape
 * of an op handler. Not for use outside ingestor/.
 *
 * Ownership: reco_ingest_t (reco_ingest.c) owns the store and the script; handlers borrow them
 * for the duration of one request. */
#ifndef RECO_INGEST_INTERNAL_H
#define RECO_INGEST_INTERNAL_H

#include <jansson.h>

#include "reco_ingest.h"
#include "reco_ingest_script.h"
#include "reco_pipeline.h"
#include "reco_store.h"
#include "reco_wire.h"

struct reco_ingest {
    reco_store_t *store;
    reco_ingest_script_t *script;
    long history_cap;
};

/* An op: tenant is valid (reco_valid_tenant) when the op needs one; args is the request's
 * object; the handler always fills rep. */
typedef void (*reco_op_fn)(reco_ingest_t *ing, const char *tenant, const json_t *args,
                           reco_reply_t *rep);

/* Appends SADD reco:tenants tenant (every write registers its tenant). */
void reco_ingest_send_register_tenant(reco_pipeline_t *p, const char *tenant);

#endif
