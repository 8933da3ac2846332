/* bare_http — the baseline of bench/query.sh: a libevent evhttp server that answers every
 * request with one fixed JSON body, and nothing else.
 *
 *   bare-http PORT BODY_FILE
 *
 * It does what the gateway's HTTP layer does at the least (parse the request, send a JSON reply
 * with Content-Type and Cache-Control) and none of the work (no broker, no worker, no Redis), so
 * the ratio of reco's rate to this one says how much the real path costs over bare libevent on
 * the same machine, in the same run. Same libevent settings as the gateway (epoll changelist).
 * Listens on 127.0.0.1 only; stops on SIGINT/SIGTERM. */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *body;
    size_t len;
} fixed_t;

static void on_request(struct evhttp_request *req, void *arg)
{
    const fixed_t *fixed = arg;
    struct evbuffer *out = evhttp_request_get_output_buffer(req);
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Content-Type", "application/json");
    evhttp_add_header(headers, "Cache-Control", "no-store");
    evbuffer_add(out, fixed->body, fixed->len);
    evhttp_send_reply(req, 200, "OK", NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    event_base_loopexit(arg, NULL);
}

static int read_file(const char *path, fixed_t *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    out->body = malloc(1 << 20);
    out->len = out->body ? fread(out->body, 1, 1 << 20, f) : 0;
    fclose(f);
    return out->body && out->len > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    char *end = NULL;
    long port = argc == 3 ? strtol(argv[1], &end, 10) : 0;
    fixed_t fixed = {NULL, 0};
    if (argc != 3 || !end || *end || port < 1 || port > 65535 || read_file(argv[2], &fixed) != 0) {
        fprintf(stderr, "usage: bare-http PORT BODY_FILE (a readable, non-empty file)\n");
        free(fixed.body);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* epoll changelist: the add/remove pairs evhttp makes on a keep-alive connection around each
     * request are folded into one epoll_ctl per loop turn (a syscall is dear on a VM) */
    struct event_config *event_cfg = event_config_new();
    if (event_cfg)
        event_config_set_flag(event_cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    struct event_base *base = event_cfg ? event_base_new_with_config(event_cfg) : NULL;
    if (event_cfg)
        event_config_free(event_cfg);
    struct evhttp *http = base ? evhttp_new(base) : NULL;
    if (!http || !evhttp_bind_socket_with_handle(http, "127.0.0.1", (ev_uint16_t)port)) {
        fprintf(stderr, "bare-http: cannot listen on 127.0.0.1:%ld\n", port);
        return 1;
    }
    evhttp_set_gencb(http, on_request, &fixed);
    struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
    struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    event_add(sigint, NULL);
    event_add(sigterm, NULL);
    event_base_dispatch(base);
    event_free(sigint);
    event_free(sigterm);
    evhttp_free(http);
    event_base_free(base);
    free(fixed.body);
    return 0;
}
