/* reco_tenant_status — what a tenant has: events ingested per type (ever, and per minute over
 * the last hour) and the served version of every model with its build time, age, build duration
 * and size. Two query ops (docs/protocol.md):
 *
 *   tenant.status   {} -> 200 {tenant, events: {type: total}, events_per_minute: [{minute,
 *                   counts: {type: n}}] (the last 60 epoch-minutes, oldest first, every type of
 *                   `events` in every row, zeros included), models: [{model, version, built_at,
 *                   age_s, duration_ms, keys}] (built models only, in docs/models.md's order)}
 *                   (GET /v1/{tenant}/status; the dashboard reads it)
 *   metrics.tenants {} (no tenant) -> 200 {tenants: [{tenant, events, models}] sorted by name,
 *                   truncated} for every tenant of reco:tenants, at most RECO_STATUS_TENANTS_MAX
 *                   (truncated: true when there are more) (the gateway's GET /metrics)
 *
 * Reads reco:{T}:counts:events and reco:{T}:counts:events:m:<minute> (the ingest script writes
 * them), the models' current keys and the current versions' meta hashes. Costs two round trips
 * whatever the number of tenants (one pipeline of counters and current versions, one of metas),
 * plus the SSCAN of reco:tenants for metrics.tenants. */
#ifndef RECO_TENANT_STATUS_H
#define RECO_TENANT_STATUS_H

#include <jansson.h>

#include "reco_store.h"
#include "reco_wire.h"

#define RECO_STATUS_MINUTES 60
#define RECO_STATUS_TENANTS_MAX 1000

void reco_tenant_status_handle(reco_store_t *store, const char *tenant, const json_t *args,
                               reco_reply_t *rep);
void reco_metrics_tenants_handle(reco_store_t *store, const json_t *args, reco_reply_t *rep);

#endif
