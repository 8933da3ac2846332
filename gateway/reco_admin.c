/* reco_admin — /admin/tenants and /admin/tenants/{tenant}/keys (see reco_admin.h).
 *
 * Bodies are checked here (unknown fields, the tenant name, the rate limit, the role) and again
 * by the ingest worker, which never trusts its input. */
#include "reco_admin.h"

#include <string.h>

#include "reco_apikey.h"
#include "reco_validate.h"

static const reco_route_t ROUTES[] = {
    {"POST", "/admin/tenants", RECO_ROUTE_ADMIN},
    {"GET", "/admin/tenants", RECO_ROUTE_ADMIN},
    {"GET", "/admin/tenants/{tenant}", RECO_ROUTE_ADMIN},
    {"PATCH", "/admin/tenants/{tenant}", RECO_ROUTE_ADMIN},
    {"DELETE", "/admin/tenants/{tenant}", RECO_ROUTE_ADMIN},
    {"POST", "/admin/tenants/{tenant}/keys", RECO_ROUTE_ADMIN},
    {"GET", "/admin/tenants/{tenant}/keys", RECO_ROUTE_ADMIN},
    {"DELETE", "/admin/tenants/{tenant}/keys/{id}", RECO_ROUTE_ADMIN},
    {NULL, NULL, RECO_ROUTE_UNDECLARED},
};

void reco_admin_routes(reco_route_fn emit, void *ctx)
{
    for (size_t i = 0; ROUTES[i].method; i++)
        emit(&ROUTES[i], ctx);
}

/* The body as an object holding only the fields named (NULL-terminated), or NULL after 400. */
static json_t *read_body(reco_gateway_t *gw, struct evhttp_request *req, const char *const *fields)
{
    reco_error_t err;
    json_t *body = reco_http_read_json(req, gw->max_body_bytes, &err);
    if (!body) {
        reco_http_send_reco_error(req, &err);
        return NULL;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        reco_http_send_error(req, 400, "invalid_body", "body: must be a JSON object");
        return NULL;
    }
    const char *name;
    json_t *v;
    json_object_foreach(body, name, v)
    {
        int known = 0;
        for (size_t i = 0; fields[i] && !known; i++)
            known = strcmp(fields[i], name) == 0;
        if (!known) {
            reco_http_send_error(req, 400, "invalid_field", "%.64s: unknown field", name);
            json_decref(body);
            return NULL;
        }
    }
    return body;
}

/* The rate_limit field if present and not null: 0, or -1 after 400. */
static int check_rate(struct evhttp_request *req, const json_t *body)
{
    json_t *v = json_object_get(body, "rate_limit");
    double rate;
    long burst;
    reco_error_t err;
    if (!v || json_is_null(v) || reco_rate_limit_parse(v, "rate_limit", &rate, &burst, &err) == 0)
        return 0;
    reco_http_send_reco_error(req, &err);
    return -1;
}

static void create_tenant(reco_gateway_t *gw, struct evhttp_request *req)
{
    static const char *const fields[] = {"tenant", "rate_limit", NULL};
    json_t *body = read_body(gw, req, fields);
    if (!body) return;
    json_t *tenant = json_object_get(body, "tenant");
    if (!reco_valid_tenant(json_string_value(tenant))) {
        reco_http_send_error(req, 400, tenant ? "invalid_field" : "missing_field",
                             "tenant: must be 1 to %d characters of A-Z, a-z, 0-9, _ and -",
                             RECO_TENANT_MAX);
    } else if (check_rate(req, body) == 0) {
        char name[RECO_TENANT_MAX + 1];
        snprintf(name, sizeof name, "%s", json_string_value(tenant));
        json_object_del(body, "tenant");
        reco_http_forward(gw, req, RECO_POOL_INGEST, name, "tenants.create", json_incref(body),
                          NULL, NULL);
    }
    json_decref(body);
}

static void update_tenant(reco_gateway_t *gw, struct evhttp_request *req, const char *tenant)
{
    static const char *const fields[] = {"rate_limit", NULL};
    json_t *body = read_body(gw, req, fields);
    if (!body) return;
    if (!json_object_get(body, "rate_limit"))
        reco_http_send_error(
            req, 400, "missing_field",
            "rate_limit: required ({\"per_second\": r, \"burst\": b}, or null for the default)");
    else if (check_rate(req, body) == 0)
        reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "tenants.update", json_incref(body),
                          NULL, NULL);
    json_decref(body);
}

static void create_key(reco_gateway_t *gw, struct evhttp_request *req, const char *tenant)
{
    static const char *const fields[] = {"role", NULL};
    json_t *body = read_body(gw, req, fields);
    if (!body) return;
    json_t *role = json_object_get(body, "role");
    if (reco_role_parse(json_string_value(role)) == RECO_ROLE_NONE)
        reco_http_send_error(
            req, 400, role ? "invalid_field" : "missing_field",
            "role: must be \"read\" (recommendations only, safe in a browser) or \"write\"");
    else
        reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "keys.create", json_incref(body), NULL,
                          NULL);
    json_decref(body);
}

static void forward(reco_gateway_t *gw, struct evhttp_request *req, const char *tenant,
                    const char *op, json_t *args)
{
    reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, op, args, NULL, NULL);
}

void reco_admin_handle(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    char *const *s = path->seg;
    if (path->n < 2 || path->n > 5 || strcmp(s[1], "tenants") != 0 ||
        (path->n >= 4 && strcmp(s[3], "keys") != 0)) {
        reco_http_send_error(req, 404, "not_found",
                             "no such resource: %s (the admin API is described in docs/auth.md)",
                             evhttp_request_get_uri(req));
        return;
    }
    if (path->n >= 3 && !reco_valid_tenant(s[2])) {
        reco_http_send_error(req, 400, "invalid_field",
                             "tenant: must be 1 to %d characters of A-Z, a-z, 0-9, _ and -",
                             RECO_TENANT_MAX);
        return;
    }
    const char *tenant = path->n >= 3 ? s[2] : "";
    if (path->n == 2 && m == EVHTTP_REQ_POST)
        create_tenant(gw, req);
    else if (path->n == 2 && m == EVHTTP_REQ_GET)
        forward(gw, req, "", "tenants.list", NULL);
    else if (path->n == 2)
        reco_http_send_method_not_allowed(req, "GET, POST");
    else if (path->n == 3 && m == EVHTTP_REQ_GET)
        forward(gw, req, tenant, "tenants.get", NULL);
    else if (path->n == 3 && m == EVHTTP_REQ_PATCH)
        update_tenant(gw, req, tenant);
    else if (path->n == 3 && m == EVHTTP_REQ_DELETE)
        forward(gw, req, tenant, "tenants.delete", NULL);
    else if (path->n == 3)
        reco_http_send_method_not_allowed(req, "GET, PATCH, DELETE");
    else if (path->n == 4 && m == EVHTTP_REQ_POST)
        create_key(gw, req, tenant);
    else if (path->n == 4 && m == EVHTTP_REQ_GET)
        forward(gw, req, tenant, "keys.list", NULL);
    else if (path->n == 4)
        reco_http_send_method_not_allowed(req, "GET, POST");
    else if (m != EVHTTP_REQ_DELETE)
        reco_http_send_method_not_allowed(req, "DELETE");
    else if (!reco_apikey_valid_id(s[4]))
        reco_http_send_error(req, 400, "invalid_field", "id: a key id is %d lower-case hex digits",
                             RECO_APIKEY_ID_HEX);
    else
        forward(gw, req, tenant, "keys.delete", json_pack("{s:s}", "id", s[4]));
}
