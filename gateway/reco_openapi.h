/* reco_openapi — GET /openapi.json: the OpenAPI 3 document of the native API and every dialect.
 *
 * The document is written in the JSON files of gateway/openapi/ (native.json, then one part per
 * dialect), merged by gateway/openapi/build.py at build time and embedded in the binary, so every
 * gateway serves the document of exactly the routes it was built with (reco_routes.h lists them;
 * the integration test holds the two together and validates the document). */
#ifndef RECO_OPENAPI_H
#define RECO_OPENAPI_H

#include <event2/http.h>
#include <stddef.h>

/* The embedded document: compact JSON, NUL-terminated (generated reco_openapi_doc.c). */
extern const char reco_openapi_doc[];
extern const size_t reco_openapi_doc_len;

/* Parses the embedded document once. 0, or -1 after logging why (the gateway does not start). */
int reco_openapi_init(void);
void reco_openapi_free(void);

/* Answers GET /openapi.json (405 for another method). Always answers the request. */
void reco_openapi_handle(struct evhttp_request *req);

#endif
