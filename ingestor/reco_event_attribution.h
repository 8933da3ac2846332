/* reco_event_attribution — which stats an event that cites a recommendation id counts into.
 *
 * An event whose `recommendation` is a valid id of this tenant (common/reco_attribution.h) is
 * attributed to the answer's scenario, variant and model, on the event's day (UTC, from ts):
 *
 *   type                     metric        amount
 *   rendered (custom action) impressions   1 (one rendered item: an impression per item shown)
 *   click                    clicks        1
 *   view                     clicks        1 (a view that cites an id is the visit a click on a
 *                                             recommendation led to: Yoochoose's and Gravity's
 *                                             trackers send views for that)
 *   purchase                 conversions   1, and revenue += price × quantity (quantity 1 when
 *                                             absent, no revenue without a price)
 *
 * Other types, ids that do not verify (forged, altered, another tenant's, the old random hex
 * ids) and events without an id are not attributed; the event itself is stored all the same.
 *
 * The counting itself happens in the ingest script, in the same atomic call that stores the
 * event and only when it is stored (a duplicate client id counts nothing): the script's input
 * object gets four more fields, read only by the script (ingestor/reco_ingest_script.c):
 *   stats_day     "YYYY-MM-DD"          the day key reco:{T}:stats:d:<day>
 *   stats_field   "<scenario>\x1f<variant>\x1f<model>\x1f"   the field prefix
 *   stats_metric  impressions | clicks | conversions
 *   stats_revenue decimal text (purchases with a price)
 *
 * Ownership: the returned text is malloc'ed; the caller frees it. */
#ifndef RECO_EVENT_ATTRIBUTION_H
#define RECO_EVENT_ATTRIBUTION_H

#include <jansson.h>

#include "reco_store.h"

#define RECO_STATS_TTL_S (400 * 86400) /* a day's stats key outlives the stats route's range */

/* The ingest script's input of a canonical event (reco_event_script_json) with the attribution
 * fields added when the event is attributable. Reads the deployment's secret from Redis the
 * first time an event cites a version-1 id (once per process). NULL on out of memory. */
char *reco_event_attributed_json(reco_store_t *store, const char *tenant, const json_t *event);

#endif
