/* reco_static — the dashboard's static files (see reco_static.h for the rules).
 *
 * The directory path is owned by this module (one copy, set once by reco_static_init before the
 * loop runs, read-only afterwards). Files are small (the page and one charting library), so each
 * is read whole into the answer with evbuffer_read: no file descriptor outlives the request. */
#include "reco_static.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reco_dashboard_paths.h"
#include "reco_log.h"

#define NAME_MAX_BYTES 128
#define FILE_MAX_BYTES (16L << 20)
#define ALLOW "GET, HEAD"
/* The page loads its script, styles and the charting library from here and calls this gateway's
 * API (same origin); nothing else, and it may not be framed. uPlot sets inline styles. */
#define CSP                                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "                    \
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "              \
    "frame-ancestors 'none'"

static char *served_dir;

static int is_dir(const char *p)
{
    struct stat st;
    return p && p[0] && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

void reco_static_init(const char *dir)
{
    free(served_dir);
    if (dir && dir[0])
        served_dir = strdup(dir);
    else
        served_dir = strdup(is_dir(RECO_DASHBOARD_BUILD_DIR) ? RECO_DASHBOARD_BUILD_DIR
                                                             : RECO_DASHBOARD_INSTALL_DIR);
    if (!served_dir)
        reco_error("dashboard: out of memory; /dashboard/ answers 404");
    else if (is_dir(served_dir))
        reco_info("dashboard: serving %s at /dashboard/", served_dir);
    else
        reco_warn("dashboard: %s is not a directory (yet); /dashboard/ answers 404 until it is "
                  "(see --dashboard-dir)",
                  served_dir);
}

const char *reco_static_dir(void)
{
    return served_dir;
}

void reco_static_free(void)
{
    free(served_dir);
    served_dir = NULL;
}

/* 1-128 bytes of [A-Za-z0-9._-], not starting with '.': no "..", no hidden file, no '/'. */
static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > NAME_MAX_BYTES || name[0] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static const char *content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0) return types[i].type;
    return "application/octet-stream";
}

/* If-None-Match: "*" or a comma-separated list of entity tags (weak ones compared weakly). */
static int etag_matches(const char *header, const char *etag)
{
    size_t elen = strlen(etag);
    const char *p = header;
    while (*p) {
        p += strspn(p, " \t,");
        if (*p == '*') return 1;
        if (strncmp(p, "W/", 2) == 0) p += 2;
        size_t len = strcspn(p, ",");
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len == elen && strncmp(p, etag, len) == 0) return 1;
        p += strcspn(p, ",");
    }
    return 0;
}

/* True when the client's copy is current: If-None-Match decides when given, else If-Modified-Since.
 */
static int not_modified(struct evhttp_request *req, const char *etag, time_t mtime)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    const char *inm = evhttp_find_header(in, "If-None-Match");
    if (inm) return etag_matches(inm, etag);
    const char *ims = evhttp_find_header(in, "If-Modified-Since");
    struct tm tm = {0};
    if (!ims) return 0;
    const char *end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return end && *end == '\0' && mtime <= timegm(&tm);
}

/* Reads the whole regular file fd (size bytes) into buf. 0, or -1. */
static int read_whole(int fd, off_t size, struct evbuffer *buf)
{
    off_t got = 0;
    while (got < size) {
        int n = evbuffer_read(buf, fd, (int)(size - got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        got += n;
    }
    return 0;
}

static void send_file(struct evhttp_request *req, int fd, const struct stat *st, const char *name)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    char etag[64], modified[64];
    snprintf(etag, sizeof etag, "\"%" PRIxMAX "-%" PRIxMAX "-%lx\"", (uintmax_t)st->st_size,
             (uintmax_t)st->st_mtim.tv_sec, (unsigned long)st->st_mtim.tv_nsec);
    struct tm tm;
    gmtime_r(&st->st_mtim.tv_sec, &tm);
    strftime(modified, sizeof modified, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    evhttp_add_header(out, "ETag", etag);
    evhttp_add_header(out, "Last-Modified", modified);
    evhttp_add_header(out, "Cache-Control", "no-cache");
    if (not_modified(req, etag, st->st_mtim.tv_sec)) {
        evhttp_send_reply(req, 304, "Not Modified", NULL);
        return;
    }
    struct evbuffer *buf = evbuffer_new();
    if (!buf || read_whole(fd, st->st_size, buf) != 0) {
        if (buf) evbuffer_free(buf);
        evhttp_remove_header(out, "ETag");
        evhttp_remove_header(out, "Last-Modified");
        evhttp_remove_header(out, "Cache-Control");
        reco_http_send_error(req, 500, "internal", "dashboard: cannot read %s", name);
        return;
    }
    evhttp_add_header(out, "Content-Type", content_type(name));
    evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(out, "Referrer-Policy", "no-referrer");
    if (strcmp(content_type(name), "text/html; charset=utf-8") == 0)
        evhttp_add_header(out, "Content-Security-Policy", CSP);
    if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
        /* headers only; the length is that of the GET answer */
        char len[32];
        snprintf(len, sizeof len, "%" PRIuMAX, (uintmax_t)st->st_size);
        evhttp_add_header(out, "Content-Length", len);
        evbuffer_drain(buf, evbuffer_get_length(buf));
    }
    evhttp_send_reply(req, 200, "OK", buf);
    evbuffer_free(buf);
}

/* Serves name from the directory, or answers 404 / 500. */
static void serve(struct evhttp_request *req, const char *name)
{
    if (!valid_name(name)) {
        reco_http_send_error(
            req, 404, "not_found",
            "dashboard: no such file (a name is 1-%d bytes of A-Za-z0-9._- not starting with '.')",
            NAME_MAX_BYTES);
        return;
    }
    char full[4096];
    if (!served_dir || snprintf(full, sizeof full, "%s/%s", served_dir, name) >= (int)sizeof full) {
        reco_http_send_error(req, 404, "not_found", "dashboard: no such file: %s", name);
        return;
    }
    int fd = open(full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        reco_http_send_error(
            req, 404, "not_found", "dashboard: no such file: %s%s", name,
            is_dir(served_dir)
                ? ""
                : " (the dashboard directory is missing: build it, or see --dashboard-dir)");
        return;
    }
    if (st.st_size > FILE_MAX_BYTES)
        reco_http_send_error(req, 500, "internal", "dashboard: %s is larger than %ld bytes", name,
                             FILE_MAX_BYTES);
    else
        send_file(req, fd, &st, name);
    close(fd);
}

void reco_static_handle(struct evhttp_request *req, const reco_path_t *path)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    if (path->n > 2) {
        reco_http_send_error(req, 404, "not_found",
                             "no such resource: %s (the dashboard has no subdirectories)",
                             evhttp_request_get_uri(req));
        return;
    }
    if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        reco_http_send_method_not_allowed(req, ALLOW);
        return;
    }
    serve(req, path->n == 2 ? path->seg[1] : "index.html");
}
