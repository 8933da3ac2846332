/* reco_api_v1_data — native routes that write events, the catalogue, users and actions, and
 * read single items and users back.
 *
 *   POST   /v1/{t}/events[?async=true]        events.add    one event, an array, or {"events":[...]}
 *   POST   /v1/{t}/transactions[?async=true]  events.add    Aegeria transactions as purchases
 *   PUT    /v1/{t}/items                      items.upsert  (POST too)
 *   GET    /v1/{t}/items/{item}               items.get
 *   PUT    /v1/{t}/users                      users.upsert  (POST too)
 *   GET    /v1/{t}/users/{user}               users.get
 *   GET    /v1/{t}/actions                    actions.list
 *   PUT    /v1/{t}/actions/{name}             actions.put   {"weight": w}
 *   DELETE /v1/{t}/actions/{name}             actions.delete
 *
 * Whole bodies are validated here, so a client learns which element and field is wrong before
 * anything is queued; the ingestor checks again (and alone knows the tenant's custom actions). */
#include <string.h>

#include "reco_api_v1_internal.h"
#include "reco_validate.h"

/* Sends {"<field>": list} to the ingestor, or queues it when ?async=true. Takes list. */
static void forward_write(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                          const char *op, const char *field, json_t *list)
{
    int async = 0;
    if (reco_param_bool(req, path, "async", &async) < 0) {
        json_decref(list);
        return;
    }
    size_t count = json_array_size(list);
    json_t *args = json_pack("{s:o}", field, list);
    if (async)
        reco_http_forward_async(gw, req, RECO_POOL_INGEST, tenant, op, args, count);
    else
        reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, op, args, NULL, NULL);
}

typedef json_t *(*normalize_fn)(const json_t *body, reco_error_t *err);

static json_t *events_body(const json_t *body, reco_error_t *err)
{
    return reco_events_normalize(body, reco_now_ms(), NULL, NULL, err);
}

static json_t *transactions_body(const json_t *body, reco_error_t *err)
{
    return reco_transactions_to_events(body, reco_now_ms(), err);
}

/* Reads and normalises the body; NULL after answering the error. */
static json_t *read_list(reco_gateway_t *gw, struct evhttp_request *req, normalize_fn normalize)
{
    reco_error_t err;
    json_t *body = reco_http_read_json(req, gw->max_body_bytes, &err);
    json_t *list = body ? normalize(body, &err) : NULL;
    json_decref(body);
    if (!list)
        reco_http_send_reco_error(req, &err);
    return list;
}

void reco_v1_post_events(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                         char *const *caps)
{
    (void)caps;
    json_t *events = read_list(gw, req, events_body);
    if (events)
        forward_write(gw, req, path, tenant, "events.add", "events", events);
}

void reco_v1_post_transactions(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                               const char *tenant, char *const *caps)
{
    (void)caps;
    json_t *events = read_list(gw, req, transactions_body);
    if (events)
        forward_write(gw, req, path, tenant, "events.add", "events", events);
}

void reco_v1_put_items(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                       char *const *caps)
{
    (void)caps;
    json_t *items = read_list(gw, req, reco_items_normalize);
    if (items)
        forward_write(gw, req, path, tenant, "items.upsert", "items", items);
}

void reco_v1_put_users(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                       char *const *caps)
{
    (void)caps;
    json_t *users = read_list(gw, req, reco_users_normalize);
    if (users)
        forward_write(gw, req, path, tenant, "users.upsert", "users", users);
}

void reco_v1_get_item(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                      char *const *caps)
{
    (void)path;
    if (reco_v1_check_id(req, caps[0], "item") == 0)
        reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "items.get", json_pack("{s:s}", "item", caps[0]), NULL,
                          NULL);
}

void reco_v1_get_user(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                      char *const *caps)
{
    (void)path;
    if (reco_v1_check_id(req, caps[0], "user") == 0)
        reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "users.get", json_pack("{s:s}", "user", caps[0]), NULL,
                          NULL);
}

void reco_v1_list_actions(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                          char *const *caps)
{
    (void)path;
    (void)caps;
    reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "actions.list", NULL, NULL, NULL);
}

static int check_action_name(struct evhttp_request *req, const char *name)
{
    if (reco_valid_action_name(name))
        return 0;
    reco_http_send_error(req, 400, "invalid_field", "name: an action name is 1 to %d characters of a-z, 0-9, _ and -",
                         RECO_ACTION_NAME_MAX);
    return -1;
}

void reco_v1_put_action(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                        char *const *caps)
{
    (void)path;
    if (check_action_name(req, caps[0]) != 0)
        return;
    reco_error_t err;
    json_t *body = reco_http_read_json(req, gw->max_body_bytes, &err);
    if (!body) {
        reco_http_send_reco_error(req, &err);
        return;
    }
    json_t *weight = json_object_get(body, "weight");
    double w = json_is_number(weight) ? json_number_value(weight) : -1;
    if (!json_is_object(body) || !(w >= 0 && w <= 100)) {
        reco_http_send_error(req, 400, weight ? "invalid_field" : "missing_field",
                             "weight: required, a number from 0 to 100 (body {\"weight\": 2.5})");
        json_decref(body);
        return;
    }
    json_decref(body);
    reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "actions.put",
                      json_pack("{s:s, s:f}", "name", caps[0], "weight", w), NULL, NULL);
}

void reco_v1_delete_action(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                           char *const *caps)
{
    (void)path;
    if (check_action_name(req, caps[0]) == 0)
        reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "actions.delete", json_pack("{s:s}", "name", caps[0]),
                          NULL, NULL);
}
