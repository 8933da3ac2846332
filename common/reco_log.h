/* reco_log — one line per event on stderr, the same shape in every process.
 *
 * Text (the default):
 *   2026-11-26T15:50:00.123Z gateway[4242] INFO  listening on http://127.0.0.1:8080
 *   2026-11-26T15:50:01.007Z query[4250] WARN  [rid=7f3a9c2e00000001] redis: connection lost
 * JSON (`--log-format json` / RECO_LOG_FORMAT=json), one object a line:
 *   {"ts":"2026-11-26T15:50:01.007Z","level":"warn","process":"query","pid":4250,
 *    "msg":"redis: connection lost","request_id":"7f3a9c2e00000001"}
 * request_id appears only while a request id is current (reco_log_set_request_id): the gateway
 * sets it while it handles an HTTP request or a worker's reply to one, a worker while it handles
 * an op (the op's `id`, docs/protocol.md).
 *
 * Processes log to stderr only; where the lines go (a file, journald, a container log) is the
 * operator's choice. Level and format are set once at start (reco_log_setup). Not thread-safe
 * by design: the current request id belongs to the one thread that handles requests; other
 * threads (the trainer's side threads) may log, but must not set it. */
#ifndef RECO_LOG_H
#define RECO_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef enum { RECO_LOG_DEBUG = 0, RECO_LOG_INFO, RECO_LOG_WARN, RECO_LOG_ERROR } reco_log_level_t;
typedef enum { RECO_LOG_TEXT = 0, RECO_LOG_JSON } reco_log_format_t;

/* The longest request id kept (longer ones are cut). */
#define RECO_LOG_REQUEST_ID_MAX 96

/* name: the process name printed on each line; copied. */
void reco_log_init(const char *name, reco_log_level_t level);
/* Parses "debug", "info", "warn" or "error"; returns 0, or -1 for any other text. */
int reco_log_level_parse(const char *text, reco_log_level_t *level);
/* Parses "text" or "json"; returns 0, or -1 for any other text. */
int reco_log_format_parse(const char *text, reco_log_format_t *format);
void reco_log_set_level(reco_log_level_t level);
void reco_log_set_format(reco_log_format_t format);
int reco_log_enabled(reco_log_level_t level);
/* What every process's main calls with its --log-level and --log-format values: parses both,
 * and initialises logging. Returns 0, or -1 after printing which option is wrong to stderr. */
int reco_log_setup(const char *name, const char *level_text, const char *format_text);

/* The current request id: copied (cut at RECO_LOG_REQUEST_ID_MAX bytes); NULL or "" clears it.
 * reco_log_request_id returns "" when none is current; the pointer is valid until the next set. */
void reco_log_set_request_id(const char *id);
const char *reco_log_request_id(void);

/* Formats one line (with its '\n') into out as reco_log would write it, with the current
 * format, process name, pid and request id; ts_ms is the epoch time in ms. Returns the length
 * (always < cap; a long message is cut, a JSON line stays a valid object). cap >= 256. */
size_t reco_log_render(char *out, size_t cap, reco_log_level_t level, int64_t ts_ms,
                       const char *msg);

void reco_log(reco_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define reco_debug(...) reco_log(RECO_LOG_DEBUG, __VA_ARGS__)
#define reco_info(...) reco_log(RECO_LOG_INFO, __VA_ARGS__)
#define reco_warn(...) reco_log(RECO_LOG_WARN, __VA_ARGS__)
#define reco_error(...) reco_log(RECO_LOG_ERROR, __VA_ARGS__)

#endif
