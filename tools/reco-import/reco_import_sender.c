/* reco_import_sender — batches over HTTP with libcurl's multi interface (see reco_import_sender.h).
 *
 * One slot per request in flight; each slot keeps its easy handle for the whole import, so the
 * connection is reused (keep-alive). A slot is IDLE (free), RUNNING (its handle is in the multi
 * handle) or WAITING (backing off before a retry). Batches wait in a FIFO until a slot takes
 * them; the FIFO also receives the second half of a batch split after a 413, at its head.
 *
 * Ownership: a batch belongs to the FIFO or to exactly one slot; a slot frees it when its rows
 * are all accounted for (accepted or rejected). Once the import has failed, nothing more is
 * started and submit/drain return -1 at once. */
#include "reco_import_sender.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reco_log.h"

#define MAX_BACKOFF_MS 30000
#define MAX_REPLY_BYTES (1 << 20)
#define POLL_MS 100

typedef enum { SLOT_IDLE = 0, SLOT_RUNNING, SLOT_WAITING } slot_state_t;

typedef struct {
    CURL *easy;
    slot_state_t state;
    reco_import_batch_t *batch;
    char *body;
    char *reply;
    size_t reply_len;
    int attempts;
    double not_before; /* WAITING: monotonic seconds */
    char curl_error[CURL_ERROR_SIZE];
} slot_t;

struct reco_import_sender {
    reco_import_sender_config_t cfg; /* strings owned */
    reco_import_hooks_t hooks;
    CURLM *multi;
    struct curl_slist *headers;
    slot_t *slots;
    reco_import_batch_t **queue; /* FIFO of parallel + 1 entries at most plus split halves */
    size_t queue_n, queue_cap;
    bool failed;
    char errstr[512];
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(reco_import_sender_t *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(reco_import_sender_t *s, const char *fmt, ...)
{
    if (s->failed) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->errstr, sizeof s->errstr, fmt, ap);
    va_end(ap);
    s->failed = true;
}

static size_t on_reply_data(char *data, size_t size, size_t nmemb, void *arg)
{
    slot_t *slot = arg;
    size_t n = size * nmemb;
    if (slot->reply_len + n > MAX_REPLY_BYTES)
        return n; /* keep the start; an answer this long is not one we read anyway */
    char *grown = realloc(slot->reply, slot->reply_len + n + 1);
    if (!grown) return 0;
    slot->reply = grown;
    memcpy(slot->reply + slot->reply_len, data, n);
    slot->reply_len += n;
    slot->reply[slot->reply_len] = '\0';
    return n;
}

static int slot_setup(reco_import_sender_t *s, slot_t *slot)
{
    if (!(slot->easy = curl_easy_init())) return -1;
    CURL *e = slot->easy;
    curl_easy_setopt(e, CURLOPT_URL, s->cfg.url);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, s->cfg.method);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_reply_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, slot);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, slot->curl_error);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     s->cfg.timeout_ms < 5000 ? s->cfg.timeout_ms : 5000L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, s->cfg.timeout_ms);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    /* loopback never goes through a proxy from the environment; other hosts follow it */
    curl_easy_setopt(e, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
    curl_easy_setopt(e, CURLOPT_USERAGENT,
                     "reco-import/"
                     "0.1");
    return 0;
}

reco_import_sender_t *reco_import_sender_new(const reco_import_sender_config_t *config,
                                             reco_import_hooks_t hooks)
{
    reco_import_sender_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->cfg = *config;
    s->cfg.parallel = config->parallel < 1 ? 1 : config->parallel;
    s->cfg.url = strdup(config->url);
    s->cfg.method = strdup(config->method);
    s->cfg.array = strdup(config->array);
    s->hooks = hooks;
    s->multi = curl_multi_init();
    s->slots = calloc((size_t)s->cfg.parallel, sizeof *s->slots);
    s->headers = curl_slist_append(NULL, "Content-Type: application/json");
    struct curl_slist *h =
        s->headers ? curl_slist_append(s->headers, "Accept: application/json") : NULL;
    h = h ? curl_slist_append(h, "Expect:") : NULL; /* no 100-continue round trip */
    bool ok = s->cfg.url && s->cfg.method && s->cfg.array && s->multi && s->slots && h;
    for (int i = 0; ok && i < s->cfg.parallel; i++)
        ok = slot_setup(s, &s->slots[i]) == 0;
    if (!ok) reco_import_sender_destroy(&s);
    return s;
}

static void slot_clear(reco_import_sender_t *s, slot_t *slot)
{
    if (slot->state == SLOT_RUNNING) curl_multi_remove_handle(s->multi, slot->easy);
    slot->state = SLOT_IDLE;
    reco_import_batch_destroy(&slot->batch);
    free(slot->body);
    slot->body = NULL;
    slot->attempts = 0;
}

void reco_import_sender_destroy(reco_import_sender_t **sender)
{
    if (!sender || !*sender) return;
    reco_import_sender_t *s = *sender;
    for (int i = 0; s->slots && i < s->cfg.parallel; i++) {
        slot_clear(s, &s->slots[i]);
        if (s->slots[i].easy) curl_easy_cleanup(s->slots[i].easy);
        free(s->slots[i].reply);
    }
    for (size_t i = 0; i < s->queue_n; i++)
        reco_import_batch_destroy(&s->queue[i]);
    free(s->queue);
    free(s->slots);
    if (s->multi) curl_multi_cleanup(s->multi);
    curl_slist_free_all(s->headers);
    free((char *)s->cfg.url);
    free((char *)s->cfg.method);
    free((char *)s->cfg.array);
    free(s);
    *sender = NULL;
}

const char *reco_import_sender_errstr(const reco_import_sender_t *sender)
{
    return sender->errstr;
}

/* -- the FIFO ----------------------------------------------------------------------------- */

static int queue_push(reco_import_sender_t *s, reco_import_batch_t *batch, bool at_head)
{
    if (s->queue_n == s->queue_cap) {
        size_t cap = s->queue_cap ? s->queue_cap * 2 : 8;
        reco_import_batch_t **q = realloc(s->queue, cap * sizeof *q);
        if (!q) return -1;
        s->queue = q;
        s->queue_cap = cap;
    }
    if (at_head) {
        memmove(&s->queue[1], &s->queue[0], s->queue_n * sizeof s->queue[0]);
        s->queue[0] = batch;
    } else {
        s->queue[s->queue_n] = batch;
    }
    s->queue_n++;
    return 0;
}

static reco_import_batch_t *queue_pop(reco_import_sender_t *s)
{
    if (s->queue_n == 0) return NULL;
    reco_import_batch_t *b = s->queue[0];
    memmove(&s->queue[0], &s->queue[1], (s->queue_n - 1) * sizeof s->queue[0]);
    s->queue_n--;
    return b;
}

/* -- requests ----------------------------------------------------------------------------- */

static void slot_start(reco_import_sender_t *s, slot_t *slot)
{
    free(slot->body);
    slot->body = reco_import_batch_body(slot->batch);
    if (!slot->body) {
        fail(s, "out of memory building a request body");
        return;
    }
    slot->reply_len = 0;
    slot->curl_error[0] = '\0';
    curl_easy_setopt(slot->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)slot->batch->body_bytes);
    curl_easy_setopt(slot->easy, CURLOPT_POSTFIELDS, slot->body);
    if (curl_multi_add_handle(s->multi, slot->easy) != CURLM_OK) {
        fail(s, "libcurl refused a request");
        return;
    }
    slot->state = SLOT_RUNNING;
}

static void slot_retry(reco_import_sender_t *s, slot_t *slot, const char *why)
{
    if (++slot->attempts > s->cfg.retries) {
        fail(s, "gave up after %d retr%s: %s", s->cfg.retries, s->cfg.retries == 1 ? "y" : "ies",
             why);
        return;
    }
    long delay = s->cfg.backoff_ms;
    for (int i = 1; i < slot->attempts && delay < MAX_BACKOFF_MS; i++)
        delay *= 2;
    delay = delay > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : delay;
    slot->state = SLOT_WAITING;
    slot->not_before = now_seconds() + (double)delay / 1000.0;
    reco_warn("retry %d of %d in %ld ms (%zu rows, from line %ld): %s", slot->attempts,
              s->cfg.retries, delay, slot->batch->n,
              slot->batch->n ? slot->batch->rows[0].line : 0L, why);
}

/* Reads {"error":{"message"}} (or "" when the reply is something else) into buf. */
static void error_message(const json_t *reply, const char *raw, char *buf, size_t len)
{
    const char *msg =
        json_string_value(json_object_get(json_object_get(reply, "error"), "message"));
    snprintf(buf, len, "%s", msg ? msg : raw ? raw : "");
}

static void on_bad_request(reco_import_sender_t *s, slot_t *slot, const char *message)
{
    reco_import_batch_t *b = slot->batch;
    size_t index;
    if (reco_import_error_index(message, s->cfg.array, &index) == 0 && index < b->n) {
        s->hooks.rejected(s->hooks.ctx, &b->rows[index], message);
        reco_import_batch_remove(b, index);
        if (b->n > 0) {
            slot->attempts = 0;
            slot_start(s, slot);
            return;
        }
    } else {
        for (size_t i = 0; i < b->n; i++)
            s->hooks.rejected(s->hooks.ctx, &b->rows[i], message);
    }
    slot_clear(s, slot);
}

static void on_too_large(reco_import_sender_t *s, slot_t *slot, const char *message)
{
    reco_import_batch_t *tail = reco_import_batch_split(slot->batch);
    if (!tail) {
        char why[600];
        snprintf(why, sizeof why, "too large for the server (413): %s", message);
        for (size_t i = 0; i < slot->batch->n; i++)
            s->hooks.rejected(s->hooks.ctx, &slot->batch->rows[i], why);
        slot_clear(s, slot);
        return;
    }
    if (queue_push(s, tail, true) != 0) {
        reco_import_batch_destroy(&tail);
        fail(s, "out of memory");
        return;
    }
    slot_start(s, slot);
}

static void on_success(reco_import_sender_t *s, slot_t *slot, const json_t *reply)
{
    json_t *stored = json_object_get(reply, "stored"), *dups = json_object_get(reply, "duplicates");
    long long n = json_is_integer(stored) ? json_integer_value(stored) : (long long)slot->batch->n;
    long long d = json_is_integer(dups) ? json_integer_value(dups) : 0;
    s->hooks.accepted(s->hooks.ctx, slot->batch, n, d);
    slot_clear(s, slot);
}

static void on_done(reco_import_sender_t *s, slot_t *slot, CURLcode rc)
{
    long status = 0;
    curl_easy_getinfo(slot->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(s->multi, slot->easy);
    slot->state = SLOT_IDLE; /* the batch stays until its fate is decided below */
    char why[768];
    if (rc != CURLE_OK) {
        snprintf(why, sizeof why, "%s: %s", s->cfg.url,
                 slot->curl_error[0] ? slot->curl_error : curl_easy_strerror(rc));
        slot_retry(s, slot, why);
        return;
    }
    json_t *reply = slot->reply_len ? json_loadb(slot->reply, slot->reply_len, 0, NULL) : NULL;
    char message[512];
    error_message(reply, slot->reply_len ? slot->reply : NULL, message, sizeof message);
    if (status >= 200 && status < 300) {
        on_success(s, slot, reply);
    } else if (status == 400) {
        on_bad_request(s, slot, message);
    } else if (status == 413) {
        on_too_large(s, slot, message);
    } else if (status == 429 || status >= 500) {
        snprintf(why, sizeof why, "HTTP %ld: %s", status, message);
        slot_retry(s, slot, why);
    } else {
        fail(s, "HTTP %ld from %s %s: %s", status, s->cfg.method, s->cfg.url, message);
    }
    json_decref(reply);
}

/* -- the loop ----------------------------------------------------------------------------- */

/* Starts what can start: idle slots take queued batches, waiting slots whose time came resend.
 * Returns the milliseconds until the next waiting slot is due (POLL_MS at most). */
static long dispatch(reco_import_sender_t *s)
{
    double now = now_seconds(), next = now + POLL_MS / 1000.0;
    for (int i = 0; i < s->cfg.parallel && !s->failed; i++) {
        slot_t *slot = &s->slots[i];
        if (slot->state == SLOT_IDLE && s->queue_n > 0) {
            slot->batch = queue_pop(s);
            slot->attempts = 0;
            slot_start(s, slot);
        } else if (slot->state == SLOT_WAITING) {
            if (slot->not_before <= now)
                slot_start(s, slot);
            else if (slot->not_before < next)
                next = slot->not_before;
        }
    }
    long ms = (long)((next - now) * 1000.0);
    return ms < 0 ? 0 : ms;
}

static bool busy(const reco_import_sender_t *s)
{
    for (int i = 0; i < s->cfg.parallel; i++)
        if (s->slots[i].state != SLOT_IDLE) return true;
    return s->queue_n > 0;
}

/* One turn: start what can start, wait for activity up to wait_ms (capped by the next retry),
 * move the transfers on and handle every finished one. */
static void turn(reco_import_sender_t *s, long wait_ms)
{
    long due = dispatch(s);
    if (s->failed) return;
    int running = 0;
    curl_multi_poll(s->multi, NULL, 0, (int)(wait_ms < due ? wait_ms : due), NULL);
    curl_multi_perform(s->multi, &running);
    CURLMsg *msg;
    int left;
    while (!s->failed && (msg = curl_multi_info_read(s->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE) continue;
        for (int i = 0; i < s->cfg.parallel; i++)
            if (s->slots[i].easy == msg->easy_handle && s->slots[i].state == SLOT_RUNNING)
                on_done(s, &s->slots[i], msg->data.result);
    }
    if (s->hooks.tick) s->hooks.tick(s->hooks.ctx);
}

int reco_import_sender_submit(reco_import_sender_t *sender, reco_import_batch_t **batch)
{
    if (sender->failed) return -1;
    if (queue_push(sender, *batch, false) != 0) {
        fail(sender, "out of memory");
        return -1;
    }
    *batch = NULL;
    turn(sender, 0); /* keeps transfers moving while the caller reads the next rows */
    while (!sender->failed && sender->queue_n > 0)
        turn(sender, POLL_MS);
    return sender->failed ? -1 : 0;
}

int reco_import_sender_drain(reco_import_sender_t *sender)
{
    while (!sender->failed && busy(sender))
        turn(sender, POLL_MS);
    return sender->failed ? -1 : 0;
}
