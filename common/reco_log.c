/* reco_log — timestamped, levelled log lines on stderr.
 *
 * Each line is formatted into one buffer and written with a single write(2), so lines of
 * concurrent processes sharing a terminal or a pipe do not interleave mid-line. */
#include "reco_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char log_name[32] = "reco";
static reco_log_level_t log_level = RECO_LOG_INFO;

static const char *const level_names[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};

void reco_log_init(const char *name, reco_log_level_t level)
{
    snprintf(log_name, sizeof log_name, "%s", name ? name : "reco");
    log_level = level;
}

int reco_log_level_parse(const char *text, reco_log_level_t *level)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++) {
        if (text && strcasecmp(text, names[i]) == 0) {
            *level = (reco_log_level_t)i;
            return 0;
        }
    }
    return -1;
}

void reco_log_set_level(reco_log_level_t level)
{
    log_level = level;
}

int reco_log_enabled(reco_log_level_t level)
{
    return level >= log_level;
}

void reco_log(reco_log_level_t level, const char *fmt, ...)
{
    if (level < log_level || level > RECO_LOG_ERROR)
        return;
    char line[2048];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%ld] %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (long)(tv.tv_usec / 1000), log_name, (long)getpid(), level_names[level]);
    if (n < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
