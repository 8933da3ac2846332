/* reco_api_v1_internal — what the native API's route table and its handler files share.
 *
 * A handler gets the tenant (already validated) and the path's wildcard captures (decoded ids,
 * not yet validated: each handler checks its own). It must answer the request. */
#ifndef RECO_API_V1_INTERNAL_H
#define RECO_API_V1_INTERNAL_H

#include "reco_http.h"

#define RECO_V1_MAX_CAPTURES 2

typedef void (*reco_v1_handler_fn)(reco_gateway_t *gw, struct evhttp_request *req, const reco_path_t *path,
                                   const char *tenant, char *const *caps);

/* Checks a path capture as an id; answers 400 naming `what` and returns -1 if it is not one. */
int reco_v1_check_id(struct evhttp_request *req, const char *id, const char *what);

/* reco_api_v1_data.c: the write side and the catalogue */
void reco_v1_post_events(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *, char *const *);
void reco_v1_post_transactions(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                               char *const *);
void reco_v1_put_items(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *, char *const *);
void reco_v1_get_item(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *, char *const *);
void reco_v1_put_users(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *, char *const *);
void reco_v1_get_user(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *, char *const *);
void reco_v1_list_actions(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                          char *const *);
void reco_v1_put_action(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *, char *const *);
void reco_v1_delete_action(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                           char *const *);

/* reco_api_v1_privacy.c: listing, export, deletion and transfer of a user's data */
/* The events.list args {<field>: id, limit, type?, cursor?} of a listing of the user's or item's
 * events (field "user" or "item"): id and type checked, `limit` (1..1000, default 100) and
 * `cursor` read from the query string. NULL after answering 400 naming the field. */
json_t *reco_v1_events_list_args(struct evhttp_request *req, const reco_path_t *path, const char *field,
                                 const char *id, const char *type);
void reco_v1_list_user_events(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                              char *const *);
void reco_v1_list_item_events(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                              char *const *);
void reco_v1_delete_events(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                           char *const *);
void reco_v1_export_user(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                         char *const *);
void reco_v1_delete_user(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                         char *const *);
void reco_v1_delete_session(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                            char *const *);
void reco_v1_transfer_user(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                           char *const *);

/* reco_api_v1_scenarios.c: scenarios, recommendations by scenario, bulk */
void reco_v1_list_scenarios(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                            char *const *);
void reco_v1_put_scenario(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                          char *const *);
void reco_v1_get_scenario(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                          char *const *);
void reco_v1_delete_scenario(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                             char *const *);
void reco_v1_get_recommend_scenario(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                                    char *const *);
void reco_v1_post_recommend_scenario(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                                     char *const *);
void reco_v1_post_recommend_bulk(reco_gateway_t *, struct evhttp_request *, const reco_path_t *, const char *,
                                 char *const *);

#endif
