/* reco-gateway — the HTTP front door of reco.
 *
 * It holds no data. It parses and validates HTTP requests, turns each into one op of
 * docs/protocol.md, hands it to an idle worker through the broker (reco_broker.c) and renders the
 * worker's reply. One libevent loop runs everything; nothing in it blocks. Scale by running more
 * gateways behind any HTTP load balancer; workers may connect to several. */
#include <czmq.h>
#include <event2/event.h>
#include <event2/http.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_admin.h"
#include "reco_api_v1.h"
#include "reco_auth.h"
#include "reco_compat.h"
#include "reco_broker.h"
#include "reco_config.h"
#include "reco_http.h"
#include "reco_log.h"
#include "reco_metrics.h"
#include "reco_openapi.h"
#include "reco_routes.h"
#include "reco_static.h"

typedef struct {
    const char *http_host;
    long http_port;
    const char *ingest_bind;
    const char *query_bind;
    long heartbeat_ms;
    long queue_timeout_ms;
    long busy_timeout_ms;
    long reply_timeout_ms;
    long ingest_reply_timeout_ms;
    long max_body_bytes;
    long idle_timeout_s;
    long default_interval_ms;
    long query_credit;
    const char *log_level;
    const char *log_format;
    int access_log;
    int list_routes;
    const char *dashboard_dir;
    reco_auth_config_t auth;
} options_t;

/* Runs once reco_auth has let the request through (at once, or when Redis answered). */
static void dispatch(void *arg, struct evhttp_request *req, reco_path_t *path)
{
    reco_gateway_t *gw = arg;
    reco_metrics_request_resume(req); /* the auth check may have waited for Redis */
    if (path->n == 1 && strcmp(path->seg[0], "healthz") == 0) {
        if (evhttp_request_get_command(req) == EVHTTP_REQ_GET)
            reco_api_health(gw, req);
        else
            reco_http_send_method_not_allowed(req, "GET");
    } else if (path->n == 1 && strcmp(path->seg[0], "openapi.json") == 0) {
        reco_openapi_handle(req);
    } else if (path->n == 1 && strcmp(path->seg[0], "metrics") == 0) {
        reco_metrics_handle(gw, req);
    } else if (path->n >= 1 && strcmp(path->seg[0], "v1") == 0) {
        reco_api_v1_handle(gw, req, path);
    } else if (path->n >= 1 && strcmp(path->seg[0], "compat") == 0) {
        reco_compat_handle(gw, req, path);
    } else if (path->n >= 1 && strcmp(path->seg[0], "dashboard") == 0) {
        reco_static_handle(req, path);
    } else if (path->n >= 1 && strcmp(path->seg[0], "admin") == 0) {
        reco_admin_handle(gw, req, path);
    } else {
        reco_http_send_error(req, 404, "not_found", "no such resource: %s", evhttp_request_get_uri(req));
    }
    reco_log_set_request_id(NULL);
}

static void on_http(struct evhttp_request *req, void *arg)
{
    reco_gateway_t *gw = arg;
    reco_path_t path;
    reco_error_t err;
    reco_metrics_request_begin(req); /* request id, counters and latency (reco_metrics.h) */
    if (reco_path_parse(req, &path, &err) != 0)
        reco_http_send_reco_error(req, &err);
    else
        reco_auth_handle(gw->auth, req, &path, dispatch, gw); /* keys, roles, rate limits, CORS */
    reco_path_clear(&path);
    reco_log_set_request_id(NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    reco_info("signal %d: shutting down", (int)sig);
    event_base_loopexit(arg, NULL);
}

static int parse_options(int argc, char **argv, options_t *o)
{
    const reco_option_t table[] = {
        {"http-host", "RECO_HTTP_HOST", RECO_OPT_STRING, &o->http_host, 0, 0, "address to serve HTTP on"},
        {"http-port", "RECO_HTTP_PORT", RECO_OPT_INT, &o->http_port, 1, 65535, "HTTP port"},
        {"ingest-bind", "RECO_INGEST_BIND", RECO_OPT_STRING, &o->ingest_bind, 0, 0,
         "ZeroMQ endpoint that reco-ingestor workers connect to"},
        {"query-bind", "RECO_QUERY_BIND", RECO_OPT_STRING, &o->query_bind, 0, 0,
         "ZeroMQ endpoint that reco-query workers connect to"},
        {"heartbeat-ms", "RECO_HEARTBEAT_MS", RECO_OPT_INT, &o->heartbeat_ms, 50, 60000,
         "heartbeat interval; a worker silent for 3 beats is dropped"},
        {"queue-timeout-ms", "RECO_QUEUE_TIMEOUT_MS", RECO_OPT_INT, &o->queue_timeout_ms, 10, 600000,
         "longest wait for an idle worker before 503 no_worker"},
        {"busy-timeout-ms", "RECO_BUSY_TIMEOUT_MS", RECO_OPT_INT, &o->busy_timeout_ms, 10, 600000,
         "longest wait while every worker is busy before 503 overloaded"},
        {"reply-timeout-ms", "RECO_REPLY_TIMEOUT_MS", RECO_OPT_INT, &o->reply_timeout_ms, 10, 600000,
         "longest wait for a query worker's reply before one retry elsewhere, then 504"},
        {"ingest-reply-timeout-ms", "RECO_INGEST_REPLY_TIMEOUT_MS", RECO_OPT_INT, &o->ingest_reply_timeout_ms, 10,
         3600000, "longest wait for an ingest worker's reply before 504 (not retried: it may still write)"},
        {"query-credit", "RECO_QUERY_CREDIT", RECO_OPT_INT, &o->query_credit, 1, 64,
         "requests a query worker may hold at once (it answers them in order; more hides the hop)"},
        {"max-body-bytes", "RECO_MAX_BODY_BYTES", RECO_OPT_INT, &o->max_body_bytes, 1024, 1L << 30,
         "largest accepted request body; larger gets 413"},
        {"idle-timeout", "RECO_HTTP_IDLE_TIMEOUT", RECO_OPT_INT, &o->idle_timeout_s, 1, 3600,
         "seconds an idle keep-alive connection is kept"},
        {"default-interval-ms", "RECO_DEFAULT_INTERVAL_MS", RECO_OPT_INT, &o->default_interval_ms, 1000,
         86400000L, "HTTP caching: a model's rebuild interval when its version's meta has none (Expires)"},
        {"log-level", "RECO_LOG_LEVEL", RECO_OPT_STRING, &o->log_level, 0, 0, "debug, info, warn or error"},
        {"log-format", "RECO_LOG_FORMAT", RECO_OPT_STRING, &o->log_format, 0, 0,
         "text, or json: one JSON object a line (docs/operations-metrics.md)"},
        {"access-log", "RECO_ACCESS_LOG", RECO_OPT_FLAG, &o->access_log, 0, 0,
         "log one info line per answered request: method, route template, status, ms, request id"},
        {"dashboard-dir", "RECO_DASHBOARD_DIR", RECO_OPT_STRING, &o->dashboard_dir, 0, 0,
         "directory served at /dashboard/ (default: the page this build made, else the installed one)"},
        /* reco_auth.h, docs/auth.md */
        {"auth", "RECO_AUTH", RECO_OPT_STRING, &o->auth.mode, 0, 0,
         "on: API keys required (needs --admin-key); off: development mode, every tenant open"},
        {"admin-key", "RECO_ADMIN_KEY", RECO_OPT_STRING, &o->auth.admin_key, 0, 0,
         "the key of the /admin API (at least 16 characters; prefer the environment variable)"},
        {"redis", "RECO_REDIS", RECO_OPT_STRING, &o->auth.redis, 0, 0,
         "Redis address (host:port) holding API keys and rate limit buckets (auth on only)"},
        {"auth-timeout-ms", "RECO_AUTH_TIMEOUT_MS", RECO_OPT_INT, &o->auth.timeout_ms, 10, 60000,
         "longest wait for Redis to check a key before 503"},
        {"rate-limit-per-second", "RECO_RATE_LIMIT_PER_SECOND", RECO_OPT_INT, &o->auth.rate_per_second, 0, 1000000,
         "default requests per second per API key (0 = unlimited; the admin API sets it per tenant)"},
        {"rate-limit-burst", "RECO_RATE_LIMIT_BURST", RECO_OPT_INT, &o->auth.rate_burst, 0, 1000000,
         "default bucket size per API key (0 = the rate)"},
        {"cors-origin", "RECO_CORS_ORIGIN", RECO_OPT_STRING, &o->auth.cors_origin, 0, 0,
         "Access-Control-Allow-Origin of the read routes (\"\" = no CORS headers)"},
        {"list-routes", NULL, RECO_OPT_FLAG, &o->list_routes, 0, 0,
         "print every served route as \"METHOD /path/{param}\" (as GET /openapi.json describes them) and exit"},
    };
    reco_config_result_t rc = reco_config_parse(
        argc, argv, table, sizeof table / sizeof table[0], "reco-gateway [options]",
        "The HTTP front door of reco: validates requests, hands them to reco-ingestor and reco-query\n"
        "workers over ZeroMQ, and answers with their replies. Holds no data; start as many as you like.");
    if (rc != RECO_CONFIG_OK)
        return rc == RECO_CONFIG_HELP ? 0 : 2;
    if (reco_log_setup("gateway", o->log_level, o->log_format) != 0)
        return 2;
    return -1;
}

/* An event loop that folds the epoll changes of a turn into one epoll_ctl: the add/remove pairs
 * evhttp makes on a keep-alive connection around each request (a syscall is dear on a VM).
 * NULL when out of memory. */
static struct event_base *new_event_base(void)
{
    struct event_config *event_cfg = event_config_new();
    if (!event_cfg)
        return NULL;
    event_config_set_flag(event_cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    struct event_base *base = event_base_new_with_config(event_cfg);
    event_config_free(event_cfg);
    return base;
}

/* The HTTP server of gw, listening on o's address; NULL with the reason logged. */
static struct evhttp *new_http(struct event_base *base, const options_t *o, reco_gateway_t *gw)
{
    struct evhttp *http = evhttp_new(base);
    if (!http)
        return NULL;
    /* Bodies a little over the limit still reach us so that the 413 is JSON; far larger ones are
     * cut off by libevent itself before they are buffered. */
    evhttp_set_max_body_size(http, (ev_ssize_t)o->max_body_bytes * 2 + 65536);
    evhttp_set_max_headers_size(http, 64 * 1024);
    evhttp_set_timeout(http, (int)o->idle_timeout_s);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                         EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    evhttp_set_gencb(http, on_http, gw);
    if (!evhttp_bind_socket_with_handle(http, o->http_host, (ev_uint16_t)o->http_port)) {
        reco_error("cannot listen on %s:%ld", o->http_host, o->http_port);
        evhttp_free(http);
        return NULL;
    }
    return http;
}

/* Serves until SIGINT or SIGTERM. */
static void run(struct event_base *base)
{
    struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
    struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    event_add(sigint, NULL);
    event_add(sigterm, NULL);
    event_base_dispatch(base);
    event_free(sigint);
    event_free(sigterm);
}

int main(int argc, char **argv)
{
    options_t o = {.http_host = "127.0.0.1",
                   .http_port = 8080,
                   .ingest_bind = "tcp://127.0.0.1:5555",
                   .query_bind = "tcp://127.0.0.1:5556",
                   .heartbeat_ms = 500,
                   .queue_timeout_ms = 1000,
                   .busy_timeout_ms = 10000,
                   .reply_timeout_ms = 5000,
                   .ingest_reply_timeout_ms = 30000,
                   .max_body_bytes = 1 << 20,
                   .idle_timeout_s = 60,
                   .default_interval_ms = 3600000,
                   .query_credit = 4,
                   .log_level = "info",
                   .log_format = "text",
                   .auth = {.mode = "on", .redis = "127.0.0.1:6379", .timeout_ms = 1000, .cors_origin = "*"}};
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.list_routes) {
        reco_routes_print(stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    if (reco_openapi_init() != 0)
        return 1;
    if (reco_metrics_init(o.access_log) != 0) {
        reco_error("metrics: out of memory, or a route the route matcher refuses (reco_routes.h)");
        return 1;
    }
    reco_static_init(o.dashboard_dir);
    zsys_handler_set(NULL);
    signal(SIGPIPE, SIG_IGN);

    reco_broker_config_t bc = {.bind = {o.ingest_bind, o.query_bind},
                               .heartbeat_ms = (int)o.heartbeat_ms,
                               .liveness = 3,
                               .queue_timeout_ms = (int)o.queue_timeout_ms,
                               .busy_timeout_ms = (int)o.busy_timeout_ms,
                               .reply_timeout_ms = {(int)o.ingest_reply_timeout_ms, (int)o.reply_timeout_ms},
                               .max_queue = 10000,
                               .credit = {1, (int)o.query_credit}};
    struct event_base *base = new_event_base();
    reco_auth_t *auth = base ? reco_auth_new(base, &o.auth) : NULL;
    reco_broker_t *broker = auth ? reco_broker_new(base, &bc) : NULL;
    reco_gateway_t gw = {broker, (size_t)o.max_body_bytes, o.default_interval_ms, auth};
    struct evhttp *http = broker ? new_http(base, &o, &gw) : NULL;
    if (!http) {
        reco_error("cannot start (see above)");
        return 1;
    }
    reco_info("listening on http://%s:%ld", o.http_host, o.http_port);

    run(base);

    reco_broker_destroy(&broker);
    evhttp_free(http);
    reco_auth_free(&auth);
    event_base_free(base);
    reco_openapi_free();
    reco_metrics_free();
    reco_static_free();
    reco_info("stopped");
    return 0;
}
