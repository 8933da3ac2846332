/* reco_event_attribution — the attribution fields of an event's script input (see the header).
 * Pure but for the secret's one-time load; the integration test test_attribution.py checks the
 * counts end to end. */
#include "reco_event_attribution.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reco_attribution.h"
#include "reco_event_entry.h"
#include "reco_log.h"

/* The metric an event of type counts into, or NULL. */
static const char *metric_of(const char *type)
{
    if (strcmp(type, "rendered") == 0) return "impressions";
    if (strcmp(type, "click") == 0 || strcmp(type, "view") == 0) return "clicks";
    if (strcmp(type, "purchase") == 0) return "conversions";
    return NULL;
}

/* Sets the attribution fields on out. 0, or -1 on out of memory. */
static int add_fields(json_t *out, const json_t *event, const reco_attribution_t *a,
                      const char *metric)
{
    time_t seconds = (time_t)(json_integer_value(json_object_get(event, "ts")) / 1000);
    struct tm day;
    char day_text[16], field[RECO_ATTRIBUTION_SCENARIO_MAX + RECO_VARIANT_NAME_MAX +
                            RECO_ATTRIBUTION_MODEL_MAX + 8];
    if (!gmtime_r(&seconds, &day) || strftime(day_text, sizeof day_text, "%Y-%m-%d", &day) == 0)
        return 0; /* a ts no calendar can print: not attributed */
    snprintf(field, sizeof field, "%s\x1f%s\x1f%s\x1f", a->scenario, a->variant, a->model);
    if (json_object_set_new(out, "stats_day", json_string(day_text)) != 0 ||
        json_object_set_new(out, "stats_field", json_string(field)) != 0 ||
        json_object_set_new(out, "stats_metric", json_string(metric)) != 0)
        return -1;
    json_t *price = json_object_get(event, "price"), *quantity = json_object_get(event, "quantity");
    if (strcmp(metric, "conversions") != 0 || !json_is_number(price)) return 0;
    double revenue = json_number_value(price) * (quantity ? json_number_value(quantity) : 1.0);
    char text[40];
    if (!isfinite(revenue) || reco_format_double(revenue, text, sizeof text) < 0) return 0;
    return json_object_set_new(out, "stats_revenue", json_string(text));
}

char *reco_event_attributed_json(reco_store_t *store, const char *tenant, const json_t *event)
{
    char *plain = reco_event_script_json(event);
    json_t *rid = json_object_get(event, "recommendation");
    const char *type = json_string_value(json_object_get(event, "type"));
    const char *metric = type ? metric_of(type) : NULL;
    if (!plain || !metric || !json_is_string(rid) || strncmp(json_string_value(rid), "r1.", 3))
        return plain;
    if (reco_attribution_secret_load(store) != 0) {
        reco_warn("tenant %s: no attribution secret (%s): an event citing a recommendation is "
                  "stored without attribution",
                  tenant, reco_store_errstr(store));
        return plain;
    }
    reco_attribution_t a;
    if (reco_attribution_id_decode(tenant, json_string_value(rid), json_string_length(rid), &a) !=
        0)
        return plain; /* forged, altered or another tenant's: stored, not attributed */
    json_t *out = json_loads(plain, 0, NULL);
    char *attributed = out && add_fields(out, event, &a, metric) == 0
                           ? json_dumps(out, JSON_COMPACT)
                           : NULL;
    json_decref(out);
    free(plain);
    return attributed;
}
