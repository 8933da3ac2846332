/* reco_tenants — the admin API's ops on tenants and their API keys (docs/auth.md): the gateway
 * checks the admin key and hands them to an ingest worker.
 *
 *   tenants.create {rate_limit?}   201 {tenant, created_at, rate_limit} / 409 tenant_exists
 *   tenants.list   {}              200 {tenants: [{tenant, created_at, rate_limit, keys}]}
 *   tenants.get    {}              200 {tenant, created_at, rate_limit, keys} / 404
 *   tenants.update {rate_limit}    200 as get (rate_limit null: back to the gateway's default)
 *   tenants.delete {}              200 {tenant, deleted, keys_deleted}: its API keys, then every
 *                                  reco:{T}:* key (SCAN + UNLINK in batches)
 *   keys.create    {role}          201 {id, role, key, prefix, created_at} (the only time the key
 *                                  is shown; Redis gets its SHA-256)
 *   keys.list      {}              200 {keys: [{id, role, prefix, created_at}]}
 *   keys.delete    {id}            200 {id, deleted} / 404
 * The tenant is the request's tenant. A tenant exists when it is in the registry reco:tenants
 * (created here, or by any write in development mode). */
#ifndef RECO_TENANTS_H
#define RECO_TENANTS_H

#include "reco_ingest_internal.h"

void reco_op_tenants_create(reco_ingest_t *ing, const char *tenant, const json_t *args, reco_reply_t *rep);
void reco_op_tenants_list(reco_ingest_t *ing, const char *tenant, const json_t *args, reco_reply_t *rep);
void reco_op_tenants_get(reco_ingest_t *ing, const char *tenant, const json_t *args, reco_reply_t *rep);
void reco_op_tenants_update(reco_ingest_t *ing, const char *tenant, const json_t *args, reco_reply_t *rep);
void reco_op_tenants_delete(reco_ingest_t *ing, const char *tenant, const json_t *args, reco_reply_t *rep);
void reco_op_keys_create(reco_ingest_t *ing, const char *tenant, const json_t *args, reco_reply_t *rep);
void reco_op_keys_list(reco_ingest_t *ing, const char *tenant, const json_t *args, reco_reply_t *rep);
void reco_op_keys_delete(reco_ingest_t *ing, const char *tenant, const json_t *args, reco_reply_t *rep);

#endif
