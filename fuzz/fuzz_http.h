/* fuzz_http — the gateway's request handling, in-process and without a network, for the HTTP
 * targets (fuzz_http_native.c and one fuzz_http_<vendor>.c per dialect). Included by exactly one
 * .c file of each target: it defines the target's LLVMFuzzerInitialize and two link-time wraps.
 *
 * Input format (a readable file, so seeds are plain HTTP):
 *
 *     METHOD /rest/of/path?query        (the target prepends its prefix, e.g. /compat/gravity)
 *     Header-Name: value                (any number of lines)
 *                                       (an empty line)
 *     body bytes...
 *
 * A real evhttp_request is built (evhttp_request_new, the URI parsed as libevent parses a
 * request line, evhttp_add_header, the body in its input evbuffer) and handed to the same
 * dispatch as gateway/main.c's (path split, then reco_api_v1_handle or reco_compat_handle).
 * A request without a connection is freed by evhttp_send_reply, as for a client gone away.
 *
 * The broker is replaced at link time (-Wl,--wrap=reco_broker_submit): a forwarded op is
 * encoded to msgpack and decoded back as a worker would (an op that cannot be encoded is the
 * 500 the real broker answers), then refused with 503 no_worker, so every request is answered
 * before the handler returns. evhttp_send_reply is wrapped too, to check every answer:
 *   - the request is answered exactly once, synchronously (no answer = a client left hanging);
 *   - no 5xx but the broker's 503 (a 500 for some input is a bug);
 *   - a 4xx/5xx with a JSON Content-Type is {"error":{"code":"...","message":"<non-empty>"}}. */
#ifndef RECO_FUZZ_HTTP_H
#define RECO_FUZZ_HTTP_H

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>

#include "fuzz_common.h"
#include "reco_api_v1.h"
#include "reco_broker.h"
#include "reco_compat.h"
#include "reco_http.h"
#include "reco_wire.h"

#define RECO_FUZZ_BODY_MAX 4096 /* the gateway's --max-body-bytes here: bodies over it get 413 */

static reco_gateway_t fuzz_gw = {NULL, RECO_FUZZ_BODY_MAX, 60000, NULL};
static int fuzz_replies;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    reco_fuzz_quiet();
    return 0;
}

int __wrap_reco_broker_submit(reco_broker_t *b, reco_pool_t pool, const char *tenant,
                              const char *op, json_t *args, reco_broker_done_fn done, void *arg,
                              reco_error_t *err);
int __wrap_reco_broker_submit(reco_broker_t *b, reco_pool_t pool, const char *tenant,
                              const char *op, json_t *args, reco_broker_done_fn done, void *arg,
                              reco_error_t *err)
{
    (void)b;
    (void)pool;
    (void)done;
    (void)arg;
    if (!args) args = json_object();
    reco_request_t req = {RECO_WIRE_VERSION, "fuzz", (char *)tenant, (char *)op, args};
    char *buf = NULL;
    size_t len = 0;
    int bad = reco_wire_encode_request(&req, &buf, &len);
    json_decref(args);
    if (bad) { /* as reco_broker_submit answers it */
        reco_error_set(err, 500, "internal", "request could not be encoded");
        return -1;
    }
    reco_request_t back;
    reco_error_t derr = {0};
    if (reco_wire_decode_request(buf, len, &back, &derr) != 0)
        reco_fuzz_fail("op %s: a worker cannot decode what the gateway sent: %s", op, derr.message);
    reco_request_clear(&back);
    free(buf);
    reco_error_set(err, 503, "no_worker", "fuzzing: no worker");
    return -1;
}

void __real_evhttp_send_reply(struct evhttp_request *req, int code, const char *reason,
                              struct evbuffer *databuf);
void __wrap_evhttp_send_reply(struct evhttp_request *req, int code, const char *reason,
                              struct evbuffer *databuf);
void __wrap_evhttp_send_reply(struct evhttp_request *req, int code, const char *reason,
                              struct evbuffer *databuf)
{
    fuzz_replies++;
    struct evbuffer *out = databuf ? databuf : evhttp_request_get_output_buffer(req);
    size_t len = evbuffer_get_length(out);
    const char *body = len ? (const char *)evbuffer_pullup(out, -1) : "";
    const char *type = evhttp_find_header(evhttp_request_get_output_headers(req), "Content-Type");
    if (code >= 500 && code != 503)
        reco_fuzz_fail("%s answered %d: %.*s", evhttp_request_get_uri(req), code, (int)len, body);
    if (code >= 400 && type && strstr(type, "json")) {
        json_error_t jerr;
        json_t *doc = json_loadb(body, len, 0, &jerr);
        json_t *e = json_object_get(doc, "error");
        const char *msg = json_string_value(json_object_get(e, "message"));
        if (!json_string_value(json_object_get(e, "code")) || !msg || !msg[0])
            reco_fuzz_fail("%s answered %d without a JSON error: %.*s", evhttp_request_get_uri(req),
                           code, (int)len, body);
        json_decref(doc);
    }
    __real_evhttp_send_reply(req, code, reason, databuf);
}

static enum evhttp_cmd_type fuzz_method(const char *m, size_t n)
{
    static const struct {
        const char *name;
        enum evhttp_cmd_type type;
    } methods[] = {{"GET", EVHTTP_REQ_GET},    {"POST", EVHTTP_REQ_POST},
                   {"PUT", EVHTTP_REQ_PUT},    {"DELETE", EVHTTP_REQ_DELETE},
                   {"HEAD", EVHTTP_REQ_HEAD},  {"OPTIONS", EVHTTP_REQ_OPTIONS},
                   {"PATCH", EVHTTP_REQ_PATCH}};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strlen(methods[i].name) == n && memcmp(methods[i].name, m, n) == 0)
            return methods[i].type;
    return EVHTTP_REQ_GET;
}

/* The next line of [*p, end) without its line break, advancing *p past it. */
static const char *fuzz_line(const char **p, const char *end, size_t *n)
{
    const char *start = *p;
    const char *nl = memchr(start, '\n', (size_t)(end - start));
    const char *stop = nl ? nl : end;
    *p = nl ? nl + 1 : end;
    *n = (size_t)(stop - start);
    if (*n && start[*n - 1] == '\r') (*n)--;
    return start;
}

static void fuzz_headers(struct evhttp_request *req, const char **p, const char *end)
{
    for (int i = 0; i < 32 && *p < end; i++) {
        size_t n;
        const char *line = fuzz_line(p, end, &n);
        if (n == 0) return;
        const char *colon = memchr(line, ':', n);
        if (!colon || colon == line) continue;
        char *name = strndup(line, (size_t)(colon - line));
        const char *v = colon + 1;
        while (v < line + n && *v == ' ')
            v++;
        char *value = strndup(v, (size_t)(line + n - v));
        if (name && value)
            evhttp_add_header(evhttp_request_get_input_headers(req), name,
                              value); /* refuses CR/LF */
        free(name);
        free(value);
    }
}

/* Builds the request of one input; NULL when libevent itself would have refused it. */
static struct evhttp_request *fuzz_request(const uint8_t *data, size_t size, const char *prefix)
{
    const char *p = (const char *)data, *end = p + size;
    size_t n;
    const char *line = fuzz_line(&p, end, &n);
    const char *sp = memchr(line, ' ', n);
    enum evhttp_cmd_type type = fuzz_method(line, sp ? (size_t)(sp - line) : 0);
    const char *target = sp ? sp + 1 : line;
    size_t target_len = (size_t)(line + n - target);
    size_t plen = strlen(prefix);
    char *uri = malloc(plen + target_len + 1);
    if (!uri) return NULL;
    memcpy(uri, prefix, plen);
    memcpy(uri + plen, target, target_len);
    uri[plen + target_len] = '\0';
    struct evhttp_request *req = evhttp_request_new(NULL, NULL);
    if (!req) {
        free(uri);
        return NULL;
    }
    req->kind = EVHTTP_REQUEST;
    req->type = type;
    req->uri = uri; /* evhttp_request_free frees it, and uri_elems */
    req->uri_elems = evhttp_uri_parse_with_flags(uri, EVHTTP_URI_NONCONFORMANT);
    if (!req->uri_elems) { /* libevent answers 400 itself */
        evhttp_request_free(req);
        return NULL;
    }
    fuzz_headers(req, &p, end);
    if (p < end) evbuffer_add(evhttp_request_get_input_buffer(req), p, (size_t)(end - p));
    return req;
}

/* One input: the request through gateway/main.c's dispatch (auth off). */
static void reco_fuzz_http(const uint8_t *data, size_t size, const char *prefix)
{
    struct evhttp_request *req = fuzz_request(data, size, prefix);
    if (!req) return;
    int before = fuzz_replies;
    char uri[256];
    snprintf(uri, sizeof uri, "%s", evhttp_request_get_uri(req));
    reco_path_t path;
    reco_error_t err;
    if (reco_path_parse(req, &path, &err) != 0)
        reco_http_send_reco_error(req, &err);
    else if (path.n >= 1 && strcmp(path.seg[0], "v1") == 0)
        reco_api_v1_handle(&fuzz_gw, req, &path);
    else if (path.n >= 1 && strcmp(path.seg[0], "compat") == 0)
        reco_compat_handle(&fuzz_gw, req, &path);
    else
        reco_http_send_error(req, 404, "not_found", "no such resource");
    reco_path_clear(&path);
    if (fuzz_replies != before + 1)
        reco_fuzz_fail("%s: %d answers instead of one", uri, fuzz_replies - before);
}

#endif
