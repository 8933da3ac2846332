/* reco_static — GET/HEAD /dashboard, /dashboard/ and /dashboard/<file>: the operator dashboard's
 * static files (docs/dashboard.md), served from one flat directory.
 *
 * The directory is the gateway's --dashboard-dir (RECO_DASHBOARD_DIR); by default the page the
 * build made (<build>/gateway/dashboard, named by meson at configure time) when that directory
 * exists, else the installed copy (<prefix>/share/reco/dashboard, for containers). The directory
 * is looked up on every request, so a rebuild is served without a restart and a gateway started
 * before the page was built serves it once it is there.
 *
 * Only regular files directly inside the directory are served: a name is 1-128 bytes of
 * [A-Za-z0-9._-] not starting with '.', so no "..", no hidden file and no subdirectory can be
 * named; the file is opened with O_NOFOLLOW and checked to be a regular file, so a symlink is
 * never followed. Answers carry Content-Type by extension, Cache-Control: no-cache with an ETag
 * and Last-Modified (a matching If-None-Match or If-Modified-Since gives 304), nosniff, and a
 * Content-Security-Policy that lets the page load and call nothing but this gateway. A missing
 * file is a JSON 404, another method a 405. /dashboard and /dashboard/ both answer index.html
 * (the page names its files by absolute path, so either works). */
#ifndef RECO_STATIC_H
#define RECO_STATIC_H

#include <event2/http.h>

#include "reco_http.h"

/* Chooses the directory: dir (the option; NULL or "" = the default above) and logs which one
 * is served. Never fails: a directory that is missing now is only logged. */
void reco_static_init(const char *dir);

/* The directory being served (valid until reco_static_free). */
const char *reco_static_dir(void);
void reco_static_free(void);

/* Answers a request whose first path segment is "dashboard". Always answers the request. */
void reco_static_handle(struct evhttp_request *req, const reco_path_t *path);

#endif
