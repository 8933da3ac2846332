/* reco_api_v1_privacy — a user's data on request: list it, export it, delete it, move it.
 *
 *   GET    /v1/{t}/users/{user}/events?type=&limit=&cursor=   events.list (newest first, paginated)
 *   GET    /v1/{t}/items/{item}/events?type=&limit=&cursor=   events.list
 *   DELETE /v1/{t}/events?user=&item=&session=&type=&before=&timestamp=   events.delete
 *   GET    /v1/{t}/users/{user}/export                         users.export
 *   DELETE /v1/{t}/users/{user}                                users.delete (opt-out)
 *   DELETE /v1/{t}/sessions/{session}                          events.delete by session / cookie
 *   POST   /v1/{t}/users/{from}/transfer/{to}?keep=false       users.transfer (guest -> registered)
 */
#include <string.h>

#include "reco_api_v1_internal.h"
#include "reco_validate.h"

#define LIST_LIMIT_MAX 1000
#define LIST_LIMIT_DEFAULT 100
#define CURSOR_MAX 64

json_t *reco_v1_events_list_args(struct evhttp_request *req, const reco_path_t *path, const char *field,
                                 const char *id, const char *type)
{
    if (reco_v1_check_id(req, id, field) != 0)
        return NULL;
    long limit = LIST_LIMIT_DEFAULT;
    if (reco_param_long(req, path, "limit", 1, LIST_LIMIT_MAX, &limit) < 0)
        return NULL;
    const char *cursor = reco_path_param(path, "cursor");
    if (type && !reco_valid_action_name(type)) {
        reco_http_send_error(req, 400, "invalid_field", "type: not an event type name");
        return NULL;
    }
    if (cursor && (!*cursor || strlen(cursor) > CURSOR_MAX || !reco_valid_id(cursor, strlen(cursor)))) {
        reco_http_send_error(req, 400, "invalid_field", "cursor: pass back the 'next' value of the previous page");
        return NULL;
    }
    json_t *args = json_pack("{s:s, s:I}", field, id, "limit", (json_int_t)limit);
    if (type)
        json_object_set_new(args, "type", json_string(type));
    if (cursor)
        json_object_set_new(args, "cursor", json_string(cursor));
    return args;
}

static void list_events(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                        const char *field, const char *id)
{
    json_t *args = reco_v1_events_list_args(req, path, field, id, reco_path_param(path, "type"));
    if (args)
        reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "events.list", args, NULL, NULL);
}

void reco_v1_list_user_events(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                              const char *tenant, char *const *caps)
{
    list_events(gw, req, path, tenant, "user", caps[0]);
}

void reco_v1_list_item_events(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                              const char *tenant, char *const *caps)
{
    list_events(gw, req, path, tenant, "item", caps[0]);
}

void reco_v1_delete_events(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                           char *const *caps)
{
    (void)caps;
    json_t *args = json_object();
    int found = 0, rc = 0;
    static const char *const ids[] = {"user", "item", "session"};
    for (size_t i = 0; i < 3 && rc >= 0; i++)
        found += (rc = reco_param_id(req, path, ids[i], args)) > 0;
    const char *type = rc >= 0 ? reco_path_param(path, "type") : NULL;
    if (type && !reco_valid_action_name(type)) {
        reco_http_send_error(req, 400, "invalid_field", "type: not an event type name");
        rc = -1;
    } else if (type) {
        json_object_set_new(args, "type", json_string(type));
    }
    if (rc >= 0)
        rc = reco_param_time(req, path, "before", args);
    if (rc >= 0)
        rc = reco_param_time(req, path, "timestamp", args);
    if (rc >= 0 && !found) {
        reco_http_send_error(req, 400, "missing_field",
                             "user: give at least one of user, item, session (and optionally type, before or timestamp)");
        rc = -1;
    }
    if (rc < 0) {
        json_decref(args);
        return;
    }
    reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "events.delete", args, NULL, NULL);
}

void reco_v1_export_user(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                         char *const *caps)
{
    (void)path;
    if (reco_v1_check_id(req, caps[0], "user") == 0)
        reco_http_forward(gw, req, RECO_POOL_QUERY, tenant, "users.export", json_pack("{s:s}", "user", caps[0]), NULL,
                          NULL);
}

void reco_v1_delete_user(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path, const char *tenant,
                         char *const *caps)
{
    (void)path;
    if (reco_v1_check_id(req, caps[0], "user") == 0)
        reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "users.delete", json_pack("{s:s}", "user", caps[0]), NULL,
                          NULL);
}

void reco_v1_delete_session(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                            const char *tenant, char *const *caps)
{
    (void)path;
    if (reco_v1_check_id(req, caps[0], "session") == 0)
        reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "events.delete", json_pack("{s:s}", "session", caps[0]),
                          NULL, NULL);
}

void reco_v1_transfer_user(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                           const char *tenant, char *const *caps)
{
    int keep = 0;
    if (reco_v1_check_id(req, caps[0], "from") != 0 || reco_v1_check_id(req, caps[1], "to") != 0 ||
        reco_param_bool(req, path, "keep", &keep) < 0)
        return;
    if (strcmp(caps[0], caps[1]) == 0) {
        reco_http_send_error(req, 400, "invalid_field", "to: must differ from the user the events come from");
        return;
    }
    reco_http_forward(gw, req, RECO_POOL_INGEST, tenant, "users.transfer",
                      json_pack("{s:s, s:s, s:b}", "from", caps[0], "to", caps[1], "keep", keep), NULL, NULL);
}
