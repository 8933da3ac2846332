/* reco_openapi — serves the embedded OpenAPI document (see reco_openapi.h). */
#include "reco_openapi.h"

#include <jansson.h>

#include "reco_http.h"
#include "reco_log.h"

static json_t *doc; /* parsed once by reco_openapi_init; read-only afterwards */

int reco_openapi_init(void)
{
    json_error_t err;
    doc = json_loadb(reco_openapi_doc, reco_openapi_doc_len, JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(doc)) {
        reco_error("the embedded OpenAPI document is not a JSON object (%s at %d)", err.text, err.position);
        json_decref(doc);
        doc = NULL;
        return -1;
    }
    return 0;
}

void reco_openapi_free(void)
{
    json_decref(doc);
    doc = NULL;
}

void reco_openapi_handle(struct evhttp_request *req)
{
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET)
        reco_http_send_method_not_allowed(req, "GET");
    else if (!doc)
        reco_http_send_error(req, 500, "internal", "the OpenAPI document was not loaded");
    else
        reco_http_send_json(req, 200, json_incref(doc));
}
