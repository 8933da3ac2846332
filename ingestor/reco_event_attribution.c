/* reco_event_attribution — the attribution fields of an event's script input (see the header).
 *
 * Cheap on purpose, as it runs for every event of a batch: the fields are appended to the
 * script's JSON text (no second parse), and the last id resolved is remembered (a batch usually
 * cites few answers, so most events skip the HMAC). State: that one remembered id, and the
 * secret's one-time load (the process is single-threaded). The integration test
 * test_attribution.py checks the counts end to end. */
#include "reco_event_attribution.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reco_attribution.h"
#include "reco_event_entry.h"
#include "reco_log.h"
#include "reco_validate.h"

/* The metric an event of type counts into, or NULL. */
static const char *metric_of(const char *type)
{
    if (strcmp(type, "rendered") == 0) return "impressions";
    if (strcmp(type, "click") == 0 || strcmp(type, "view") == 0) return "clicks";
    if (strcmp(type, "purchase") == 0) return "conversions";
    return NULL;
}

/* The attribution fields as JSON members (",\"stats_day\":..."), into buf. Every value is made
 * of [A-Za-z0-9_:.-] and the unit separator (escaped), so no other escaping is needed. 0, or -1
 * when the event's day cannot be printed or buf is too small (not attributed then). */
static int format_fields(const json_t *event, const reco_attribution_t *a, const char *metric,
                         char *buf, size_t n)
{
    time_t seconds = (time_t)(json_integer_value(json_object_get(event, "ts")) / 1000);
    struct tm day;
    char day_text[16], revenue_text[40] = "";
    if (!gmtime_r(&seconds, &day) || strftime(day_text, sizeof day_text, "%Y-%m-%d", &day) == 0)
        return -1;
    json_t *price = json_object_get(event, "price"), *quantity = json_object_get(event, "quantity");
    if (strcmp(metric, "conversions") == 0 && json_is_number(price)) {
        double revenue = json_number_value(price) * (quantity ? json_number_value(quantity) : 1.0);
        if (!isfinite(revenue) || reco_format_double(revenue, revenue_text, sizeof revenue_text) < 0)
            revenue_text[0] = '\0';
    }
    int len = snprintf(buf, n,
                       ",\"stats_day\":\"%s\",\"stats_field\":\"%s\\u001f%s\\u001f%s\\u001f\","
                       "\"stats_metric\":\"%s\"%s%s%s",
                       day_text, a->scenario, a->variant, a->model, metric,
                       revenue_text[0] ? ",\"stats_revenue\":\"" : "", revenue_text,
                       revenue_text[0] ? "\"" : "");
    return len < 0 || (size_t)len >= n ? -1 : 0;
}

/* Resolves rid for tenant, remembering the last id resolved: a batch usually cites few answers,
 * so most events skip the HMAC. 0, or -1 when the id does not verify. */
static int resolve(const char *tenant, const json_t *rid, reco_attribution_t *out)
{
    static char last_tenant[RECO_TENANT_MAX + 1], last_id[RECO_ATTRIBUTION_ID_MAX + 1];
    static reco_attribution_t last;
    const char *id = json_string_value(rid);
    size_t len = json_string_length(rid);
    if (len < sizeof last_id && strcmp(last_id, id) == 0 && strcmp(last_tenant, tenant) == 0) {
        *out = last;
        return 0;
    }
    if (reco_attribution_id_decode(tenant, id, len, out) != 0) return -1;
    last = *out;
    snprintf(last_id, sizeof last_id, "%s", id);
    snprintf(last_tenant, sizeof last_tenant, "%s", tenant);
    return 0;
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
    char fields[RECO_ATTRIBUTION_SCENARIO_MAX + RECO_VARIANT_NAME_MAX + RECO_ATTRIBUTION_MODEL_MAX +
                256];
    if (resolve(tenant, rid, &a) != 0 || format_fields(event, &a, metric, fields, sizeof fields))
        return plain; /* forged, altered or another tenant's: stored, not attributed */
    size_t plain_len = strlen(plain), extra = strlen(fields);
    char *attributed = plain_len > 2 && plain[plain_len - 1] == '}'
                           ? realloc(plain, plain_len + extra + 1)
                           : NULL;
    if (!attributed) return plain; /* not an object text (never), or out of memory */
    memcpy(attributed + plain_len - 1, fields, extra); /* before the closing brace */
    memcpy(attributed + plain_len - 1 + extra, "}", 2);
    return attributed;
}
