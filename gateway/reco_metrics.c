/* reco_metrics — request ids, request counters and GET /metrics (see reco_metrics.h).
 *
 * Counters: an open-addressing table of STATUS_SLOTS entries keyed by (route, dialect, method,
 * status), sized at start; when it is full (only with thousands of distinct statuses per
 * route, which the gateway never answers) further keys count in reco_http_requests_uncounted_total.
 * Histograms: one per (route, dialect), an array made at start, the routes being a fixed list.
 * Latency is read from the monotonic clock; the arrival time in microseconds is the completion
 * hook's argument (a pointer-sized integer: durations stay right modulo its width). */
#include "reco_metrics.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "reco_log.h"
#include "reco_route_match.h"

#define STATUS_SLOTS 8192
#define METHOD_COUNT 8

static const double BUCKETS[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define BUCKET_COUNT (sizeof BUCKETS / sizeof BUCKETS[0])

static const char *const METHODS[METHOD_COUNT] = {"GET",  "POST",    "PUT",   "DELETE",
                                                  "HEAD", "OPTIONS", "PATCH", "OTHER"};

typedef struct {
    uint32_t key; /* 0 = free */
    uint64_t count;
} counter_t;

typedef struct {
    uint64_t buckets[BUCKET_COUNT + 1]; /* not cumulative; the last is +Inf */
    uint64_t count;
    double sum;
} histogram_t;

static struct {
    reco_route_match_t *routes;
    size_t nroutes; /* route index nroutes = "other" */
    counter_t *counters;
    histogram_t *histograms; /* [(route) * RECO_DIALECT_COUNT + dialect] */
    uint64_t uncounted;
    int access_log;
    uint32_t id_prefix;
    uint64_t id_next;
} M;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int reco_metrics_init(int access_log)
{
    M.access_log = access_log;
    M.routes = reco_route_match_new_served();
    M.nroutes = reco_route_match_count(M.routes);
    M.counters = calloc(STATUS_SLOTS, sizeof *M.counters);
    M.histograms = calloc((M.nroutes + 1) * RECO_DIALECT_COUNT, sizeof *M.histograms);
    if (getrandom(&M.id_prefix, sizeof M.id_prefix, GRND_NONBLOCK) != (ssize_t)sizeof M.id_prefix)
        M.id_prefix = (uint32_t)getpid() ^ (uint32_t)time(NULL);
    if (!M.routes || !M.counters || !M.histograms) {
        reco_metrics_free();
        return -1;
    }
    return 0;
}

void reco_metrics_free(void)
{
    reco_route_match_destroy(&M.routes);
    free(M.counters);
    free(M.histograms);
    memset(&M, 0, sizeof M);
}

/* ---- request ids ---- */

int reco_request_id_valid(const char *text)
{
    size_t n = text ? strlen(text) : 0;
    if (n == 0 || n > RECO_REQUEST_ID_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return 0;
    }
    return 1;
}

void reco_metrics_request_resume(struct evhttp_request *req)
{
    reco_log_set_request_id(
        evhttp_find_header(evhttp_request_get_output_headers(req), "X-Request-Id"));
}

static int method_index(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET:
        return 0;
    case EVHTTP_REQ_POST:
        return 1;
    case EVHTTP_REQ_PUT:
        return 2;
    case EVHTTP_REQ_DELETE:
        return 3;
    case EVHTTP_REQ_HEAD:
        return 4;
    case EVHTTP_REQ_OPTIONS:
        return 5;
    case EVHTTP_REQ_PATCH:
        return 6;
    default:
        return 7;
    }
}

static void count(size_t route, reco_dialect_t dialect, int method, int status, double seconds)
{
    if (status < 100 || status > 999) status = 0;
    uint32_t key = ((uint32_t)route << 17 | (uint32_t)dialect << 13 | (uint32_t)method << 10 |
                    (uint32_t)status) +
                   1;
    size_t slot = (key * 2654435761u) % STATUS_SLOTS, probes = 0;
    while (M.counters[slot].key != 0 && M.counters[slot].key != key && ++probes < STATUS_SLOTS)
        slot = (slot + 1) % STATUS_SLOTS;
    if (probes == STATUS_SLOTS) {
        M.uncounted++;
    } else {
        M.counters[slot].key = key;
        M.counters[slot].count++;
    }
    histogram_t *h = &M.histograms[route * RECO_DIALECT_COUNT + dialect];
    size_t b = 0;
    while (b < BUCKET_COUNT && seconds > BUCKETS[b])
        b++;
    h->buckets[b]++;
    h->count++;
    h->sum += seconds;
}

static void on_complete(struct evhttp_request *req, void *arg)
{
    if (!M.counters) return;
    double seconds = (double)(uint64_t)((uintptr_t)now_us() - (uintptr_t)arg) / 1e6;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    int found = reco_route_match_find(M.routes, path);
    size_t route = found < 0 ? M.nroutes : (size_t)found;
    reco_dialect_t dialect = reco_route_dialect(path);
    int method = method_index(evhttp_request_get_command(req));
    int status = evhttp_request_get_response_code(req);
    count(route, dialect, method, status, seconds);
    if (M.access_log) {
        reco_metrics_request_resume(req);
        reco_info("access %s %s %d %.3f ms", METHODS[method],
                  reco_route_match_template(M.routes, found), status, seconds * 1000);
        reco_log_set_request_id(NULL);
    }
}

void reco_metrics_request_begin(struct evhttp_request *req)
{
    uint64_t arrival = now_us();
    const char *given = evhttp_find_header(evhttp_request_get_input_headers(req), "X-Request-Id");
    char made[32];
    if (!reco_request_id_valid(given)) {
        snprintf(made, sizeof made, "%08x%08llx", (unsigned)M.id_prefix,
                 (unsigned long long)++M.id_next);
        given = made;
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "X-Request-Id", given);
    reco_log_set_request_id(given);
    evhttp_request_set_on_complete_cb(req, on_complete, (void *)(uintptr_t)arrival);
}

/* ---- the exposition ---- */

/* A label value: backslash, double quote and newline escaped (text format 0.0.4). */
static void add_label(struct evbuffer *out, const char *name, const char *value, int first)
{
    evbuffer_add_printf(out, "%s%s=\"", first ? "" : ",", name);
    for (const char *p = value ? value : ""; *p; p++) {
        if (*p == '\\')
            evbuffer_add(out, "\\\\", 2);
        else if (*p == '"')
            evbuffer_add(out, "\\\"", 2);
        else if (*p == '\n')
            evbuffer_add(out, "\\n", 2);
        else
            evbuffer_add(out, p, 1);
    }
    evbuffer_add(out, "\"", 1);
}

static void family(struct evbuffer *out, const char *name, const char *type, const char *help)
{
    evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_requests(struct evbuffer *out)
{
    family(out, "reco_http_requests_total", "counter",
           "HTTP requests answered, by route template, API dialect, method and status.");
    for (size_t i = 0; i < STATUS_SLOTS; i++) {
        if (!M.counters[i].key) continue;
        uint32_t k = M.counters[i].key - 1;
        size_t route = k >> 17;
        evbuffer_add_printf(out, "reco_http_requests_total{");
        add_label(out, "route",
                  reco_route_match_template(M.routes, route < M.nroutes ? (int)route : -1), 1);
        add_label(out, "dialect", reco_dialect_name((reco_dialect_t)((k >> 13) & 15)), 0);
        add_label(out, "method", METHODS[(k >> 10) & 7], 0);
        evbuffer_add_printf(out, ",status=\"%u\"} %llu\n", (unsigned)(k & 1023),
                            (unsigned long long)M.counters[i].count);
    }
    family(out, "reco_http_requests_uncounted_total", "counter",
           "HTTP requests left out of reco_http_requests_total because its table was full.");
    evbuffer_add_printf(out, "reco_http_requests_uncounted_total %llu\n",
                        (unsigned long long)M.uncounted);
}

static void histogram_labels(struct evbuffer *out, const char *suffix, size_t route, int dialect)
{
    evbuffer_add_printf(out, "reco_http_request_duration_seconds%s{", suffix);
    add_label(out, "route",
              reco_route_match_template(M.routes, route < M.nroutes ? (int)route : -1), 1);
    add_label(out, "dialect", reco_dialect_name((reco_dialect_t)dialect), 0);
}

static void render_latency(struct evbuffer *out)
{
    family(out, "reco_http_request_duration_seconds", "histogram",
           "Time from a request's arrival (read whole) to its answer written, by route template "
           "and dialect.");
    for (size_t r = 0; r <= M.nroutes; r++)
        for (int d = 0; d < RECO_DIALECT_COUNT; d++) {
            const histogram_t *h = &M.histograms[r * RECO_DIALECT_COUNT + (size_t)d];
            if (!h->count) continue;
            uint64_t cumulative = 0;
            for (size_t b = 0; b <= BUCKET_COUNT; b++) {
                cumulative += h->buckets[b];
                histogram_labels(out, "_bucket", r, d);
                if (b < BUCKET_COUNT)
                    evbuffer_add_printf(out, ",le=\"%g\"} %llu\n", BUCKETS[b],
                                        (unsigned long long)cumulative);
                else
                    evbuffer_add_printf(out, ",le=\"+Inf\"} %llu\n",
                                        (unsigned long long)cumulative);
            }
            histogram_labels(out, "_sum", r, d);
            evbuffer_add_printf(out, "} %.6f\n", h->sum);
            histogram_labels(out, "_count", r, d);
            evbuffer_add_printf(out, "} %llu\n", (unsigned long long)h->count);
        }
}

static void render_pools(struct evbuffer *out, reco_broker_t *broker)
{
    family(out, "reco_workers", "gauge",
           "Workers connected to this gateway, by pool (ingest, query).");
    for (int p = 0; p < RECO_POOL_COUNT; p++)
        evbuffer_add_printf(out, "reco_workers{pool=\"%s\"} %d\n",
                            reco_broker_pool_name((reco_pool_t)p),
                            reco_broker_worker_count(broker, (reco_pool_t)p));
    family(out, "reco_queue_depth", "gauge", "Requests waiting for an idle worker, by pool.");
    for (int p = 0; p < RECO_POOL_COUNT; p++)
        evbuffer_add_printf(out, "reco_queue_depth{pool=\"%s\"} %d\n",
                            reco_broker_pool_name((reco_pool_t)p),
                            reco_broker_waiting_count(broker, (reco_pool_t)p));
}

/* One per-model family over every tenant: field of each model entry, scaled (ms -> s). */
static void render_model_family(struct evbuffer *out, const json_t *tenants, const char *name,
                                const char *help, const char *field, double scale)
{
    family(out, name, "gauge", help);
    size_t i, j;
    const json_t *t, *m;
    json_array_foreach(tenants, i, t)
    {
        json_array_foreach(json_object_get(t, "models"), j, m)
        {
            const json_t *v = json_object_get(m, field);
            if (!json_is_integer(v)) continue;
            evbuffer_add_printf(out, "%s{", name);
            add_label(out, "tenant", json_string_value(json_object_get(t, "tenant")), 1);
            add_label(out, "model", json_string_value(json_object_get(m, "model")), 0);
            if (scale == 1)
                evbuffer_add_printf(out, "} %lld\n", (long long)json_integer_value(v));
            else
                evbuffer_add_printf(out, "} %.3f\n", (double)json_integer_value(v) * scale);
        }
    }
}

static void render_tenants(struct evbuffer *out, const json_t *body)
{
    const json_t *tenants = json_object_get(body, "tenants");
    family(out, "reco_metrics_tenants_up", "gauge",
           "1 if the per-tenant figures below were read from Redis by a query worker for this "
           "scrape, else 0.");
    evbuffer_add_printf(out, "reco_metrics_tenants_up %d\n", json_is_array(tenants) ? 1 : 0);
    if (!json_is_array(tenants)) return;
    family(out, "reco_metrics_tenants_truncated", "gauge",
           "1 if there are more tenants than one scrape reports (the first 1000 by name are).");
    evbuffer_add_printf(out, "reco_metrics_tenants_truncated %d\n",
                        json_is_true(json_object_get(body, "truncated")));
    family(out, "reco_events_ingested_total", "counter",
           "Events ingested (stored, duplicates not counted), by tenant and type.");
    size_t i;
    const json_t *t;
    json_array_foreach(tenants, i, t)
    {
        const char *type;
        const json_t *n;
        json_object_foreach((json_t *)json_object_get(t, "events"), type, n)
        {
            evbuffer_add_printf(out, "reco_events_ingested_total{");
            add_label(out, "tenant", json_string_value(json_object_get(t, "tenant")), 1);
            add_label(out, "type", type, 0);
            evbuffer_add_printf(out, "} %lld\n", (long long)json_integer_value(n));
        }
    }
    render_model_family(out, tenants, "reco_model_version", "The version of a model being served.",
                        "version", 1);
    render_model_family(out, tenants, "reco_model_build_duration_seconds",
                        "How long the build of the served version took.", "duration_ms", 0.001);
    render_model_family(out, tenants, "reco_model_size",
                        "Redis keys (lists) the served version wrote.", "keys", 1);
    render_model_family(out, tenants, "reco_model_age_seconds",
                        "Seconds since the served version was built.", "age_s", 1);
}

typedef struct {
    struct evhttp_request *req;
    reco_broker_t *broker;
} scrape_t;

/* body: the metrics.tenants answer, or NULL when there is none. */
static void send_metrics(struct evhttp_request *req, reco_broker_t *broker, const json_t *body)
{
    struct evbuffer *out = evbuffer_new();
    if (!out) {
        reco_http_send_error(req, 500, "internal", "out of memory");
        return;
    }
    render_requests(out);
    render_latency(out);
    render_pools(out, broker);
    render_tenants(out, body);
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    evhttp_add_header(headers, "Cache-Control", "no-store");
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
}

static void on_tenants(void *arg, const reco_reply_t *reply)
{
    scrape_t *s = arg;
    reco_metrics_request_resume(s->req);
    if (reply->status != 200)
        reco_warn("metrics: no per-tenant figures: %d %s: %s", reply->status, reply->error.code,
                  reply->error.message);
    send_metrics(s->req, s->broker, reply->status == 200 ? reply->body : NULL);
    reco_log_set_request_id(NULL);
    free(s);
}

void reco_metrics_handle(reco_gateway_t *gw, struct evhttp_request *req)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    if (cmd != EVHTTP_REQ_GET) {
        reco_http_send_method_not_allowed(req, "GET");
        return;
    }
    scrape_t *s =
        reco_broker_worker_count(gw->broker, RECO_POOL_QUERY) > 0 ? malloc(sizeof *s) : NULL;
    reco_error_t err;
    if (s) {
        *s = (scrape_t){req, gw->broker};
        if (reco_broker_submit(gw->broker, RECO_POOL_QUERY, "", "metrics.tenants", NULL, on_tenants,
                               s, &err) == 0)
            return;
        reco_warn("metrics: no per-tenant figures: %s", err.message);
        free(s);
    }
    send_metrics(req, gw->broker, NULL);
}
