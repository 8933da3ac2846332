/* reco_stats — `stats.get`: the attributed impressions, clicks, CTR, conversions and revenue of
 * a tenant per day, scenario and variant (GET /v1/{tenant}/stats, docs/attribution.md).
 *
 * Args {from?, to?, scenario?}: from and to are UTC days "YYYY-MM-DD", both included; to
 * defaults to today, from to 29 days before to (the last 30 days); from must not be after to and
 * the range is at most RECO_STATS_DAYS_MAX days. scenario keeps only that scenario's rows (a
 * scenario id, or "model:<name>" for the answers of the model routes).
 *
 * Reply 200 {from, to, stats: [{day, scenario, variant, model, impressions, clicks, ctr,
 * conversions, revenue}...]} sorted by day, scenario, variant (then model); ctr = clicks /
 * impressions, 0 without impressions. Only rows with something counted appear. 400 naming the
 * field for a bad date, range or scenario.
 *
 * Reads reco:{T}:stats:d:<day> (written by the ingest script): one pipelined HGETALL per day,
 * one round trip. */
#ifndef RECO_STATS_H
#define RECO_STATS_H

#include <jansson.h>

#include "reco_store.h"
#include "reco_wire.h"

#define RECO_STATS_DAYS_MAX 366
#define RECO_STATS_DAYS_DEFAULT 30

void reco_stats_handle(reco_store_t *store, const char *tenant, const json_t *args,
                       reco_reply_t *rep);

#endif
