/* reco_compat — dispatch of /compat/<vendor>/... to the dialect files (see reco_compat.h). */
#include "reco_compat.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *vendor;
    reco_compat_fn handle;
} dialect_t;

/* One line per dialect. A dialect not written yet is left out (a 404 names the ones served). */
static const dialect_t DIALECTS[] = {
    {"aegeria", reco_compat_aegeria},
    {"advisable", reco_compat_advisable},
    {"yoochoose", reco_compat_yoochoose},
    {"gravity", reco_compat_gravity},
    {"tastehit", reco_compat_tastehit},
    {NULL, NULL},
};

void reco_compat_handle(reco_gateway_t *gw, struct evhttp_request *req, reco_path_t *path)
{
    for (size_t i = 0; path->n >= 2 && DIALECTS[i].vendor; i++)
        if (strcmp(path->seg[1], DIALECTS[i].vendor) == 0) {
            DIALECTS[i].handle(gw, req, path);
            return;
        }
    char known[256] = "";
    size_t at = 0;
    for (size_t i = 0; DIALECTS[i].vendor && at < sizeof known; i++)
        at += (size_t)snprintf(known + at, sizeof known - at, "%s/compat/%s", i ? ", " : "",
                               DIALECTS[i].vendor);
    reco_http_send_error(req, 404, "not_found", "no such dialect: %s (served: %s)",
                         path->n >= 2 ? path->seg[1] : "(none)", at ? known : "none yet");
}
