/* reco_log — one line per event on stderr, the same shape in every process.
 *
 *   2026-11-26T15:50:00.123Z gateway[4242] INFO  listening on http://127.0.0.1:8080
 *
 * Processes log to stderr only; where the lines go (a file, journald, a container log) is the
 * operator's choice. The level is set once at start (`--log-level` / RECO_LOG_LEVEL). */
#ifndef RECO_LOG_H
#define RECO_LOG_H

typedef enum { RECO_LOG_DEBUG = 0, RECO_LOG_INFO, RECO_LOG_WARN, RECO_LOG_ERROR } reco_log_level_t;

/* name: the process name printed on each line; copied. */
void reco_log_init(const char *name, reco_log_level_t level);
/* Parses "debug", "info", "warn" or "error"; returns 0, or -1 for any other text. */
int reco_log_level_parse(const char *text, reco_log_level_t *level);
void reco_log_set_level(reco_log_level_t level);
int reco_log_enabled(reco_log_level_t level);

void reco_log(reco_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define reco_debug(...) reco_log(RECO_LOG_DEBUG, __VA_ARGS__)
#define reco_info(...) reco_log(RECO_LOG_INFO, __VA_ARGS__)
#define reco_warn(...) reco_log(RECO_LOG_WARN, __VA_ARGS__)
#define reco_error(...) reco_log(RECO_LOG_ERROR, __VA_ARGS__)

#endif
