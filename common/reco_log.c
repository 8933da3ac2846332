/* reco_log — timestamped, levelled log lines on stderr, as text or as JSON (see reco_log.h).
 *
 * Each line is formatted into one buffer and written with a single write(2), so lines of
 * concurrent processes sharing a terminal or a pipe do not interleave mid-line. A JSON line is
 * built with jansson, so escaping is jansson's; a message that is not valid UTF-8 has its
 * non-ASCII bytes replaced by '?' (a log line must always parse). */
#include "reco_log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096

static char log_name[32] = "reco";
static reco_log_level_t log_level = RECO_LOG_INFO;
static reco_log_format_t log_format = RECO_LOG_TEXT;
static char request_id[RECO_LOG_REQUEST_ID_MAX + 1];

static const char *const level_names[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
static const char *const level_json_names[] = {"debug", "info", "warn", "error"};

void reco_log_init(const char *name, reco_log_level_t level)
{
    snprintf(log_name, sizeof log_name, "%s", name ? name : "reco");
    log_level = level;
}

int reco_log_level_parse(const char *text, reco_log_level_t *level)
{
    for (int i = 0; i < 4; i++) {
        if (text && strcasecmp(text, level_json_names[i]) == 0) {
            *level = (reco_log_level_t)i;
            return 0;
        }
    }
    return -1;
}

int reco_log_format_parse(const char *text, reco_log_format_t *format)
{
    if (text && strcasecmp(text, "text") == 0)
        *format = RECO_LOG_TEXT;
    else if (text && strcasecmp(text, "json") == 0)
        *format = RECO_LOG_JSON;
    else
        return -1;
    return 0;
}

void reco_log_set_level(reco_log_level_t level)
{
    log_level = level;
}

void reco_log_set_format(reco_log_format_t format)
{
    log_format = format;
}

int reco_log_enabled(reco_log_level_t level)
{
    return level >= log_level;
}

int reco_log_setup(const char *name, const char *level_text, const char *format_text)
{
    reco_log_level_t level;
    reco_log_format_t format;
    if (reco_log_level_parse(level_text, &level) != 0) {
        fprintf(stderr, "log-level: must be debug, info, warn or error, got '%s'\n",
                level_text ? level_text : "");
        return -1;
    }
    if (reco_log_format_parse(format_text ? format_text : "text", &format) != 0) {
        fprintf(stderr, "log-format: must be text or json, got '%s'\n", format_text);
        return -1;
    }
    reco_log_init(name, level);
    reco_log_set_format(format);
    return 0;
}

void reco_log_set_request_id(const char *id)
{
    snprintf(request_id, sizeof request_id, "%s", id ? id : "");
}

const char *reco_log_request_id(void)
{
    return request_id;
}

static void format_time(char *out, size_t cap, int64_t ts_ms)
{
    time_t secs = (time_t)(ts_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts_ms % 1000));
}

static size_t render_text(char *out, size_t cap, reco_log_level_t level, const char *ts,
                          const char *msg)
{
    int n = snprintf(out, cap, "%s %s[%ld] %s %s%s%s%s", ts, log_name, (long)getpid(),
                     level_names[level], request_id[0] ? "[" : "", request_id,
                     request_id[0] ? "] " : "", msg);
    size_t len = n < 0 ? 0 : (size_t)n;
    if (len > cap - 2) len = cap - 2;
    out[len++] = '\n';
    out[len] = '\0';
    return len;
}

/* A JSON string of msg[0..len): as is when valid UTF-8, else with every non-ASCII byte as '?'. */
static json_t *message_string(const char *msg, size_t len, char *scratch)
{
    json_t *s = json_stringn(msg, len);
    if (s) return s;
    for (size_t i = 0; i < len; i++)
        scratch[i] = (unsigned char)msg[i] >= 0x80 ? '?' : msg[i];
    return json_stringn(scratch, len);
}

static size_t render_json(char *out, size_t cap, reco_log_level_t level, const char *ts,
                          const char *msg)
{
    char scratch[LINE_MAX_BYTES];
    size_t msg_len = strlen(msg);
    if (msg_len > sizeof scratch) msg_len = sizeof scratch;
    for (int attempt = 0; attempt < 8; attempt++) {
        json_t *line = json_pack(
            "{s:s, s:s, s:s, s:I, s:o}", "ts", ts, "level", level_json_names[level], "process",
            log_name, "pid", (json_int_t)getpid(), "msg", message_string(msg, msg_len, scratch));
        if (line && request_id[0])
            json_object_set_new(line, "request_id",
                                message_string(request_id, strlen(request_id), scratch));
        size_t need = line ? json_dumpb(line, out, cap - 2, JSON_COMPACT) : 0;
        json_decref(line);
        if (need > 0 && need <= cap - 2) {
            out[need++] = '\n';
            out[need] = '\0';
            return need;
        }
        if (need == 0 || msg_len == 0) break;
        /* cut in proportion to the overshoot (escapes make the output longer than the input),
         * then back off to a UTF-8 boundary */
        size_t keep = (size_t)((double)msg_len * (double)(cap - 2) / (double)need);
        msg_len = keep > 16 ? keep - 16 : 0;
        while (msg_len > 0 && ((unsigned char)msg[msg_len] & 0xC0) == 0x80)
            msg_len--;
    }
    int n = snprintf(out, cap,
                     "{\"ts\":\"%s\",\"level\":\"error\",\"process\":\"log\",\"msg\":"
                     "\"unformattable log line\"}\n",
                     ts);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

size_t reco_log_render(char *out, size_t cap, reco_log_level_t level, int64_t ts_ms,
                       const char *msg)
{
    char ts[96];
    if ((unsigned)level > RECO_LOG_ERROR) level = RECO_LOG_ERROR;
    format_time(ts, sizeof ts, ts_ms);
    return log_format == RECO_LOG_JSON ? render_json(out, cap, level, ts, msg)
                                       : render_text(out, cap, level, ts, msg);
}

void reco_log(reco_log_level_t level, const char *fmt, ...)
{
    if (level < log_level || level > RECO_LOG_ERROR) return;
    char msg[LINE_MAX_BYTES / 2], line[LINE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (m < 0) msg[0] = '\0';
    struct timeval tv;
    gettimeofday(&tv, NULL);
    size_t len = reco_log_render(line, sizeof line, level,
                                 (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000, msg);
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
