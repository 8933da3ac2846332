/* reco_import_report — counters, rejects, progress and summary (see reco_import_report.h).
 *
 * Only the main thread touches it (the sender calls back from the same thread), so there is
 * no locking. The clock is CLOCK_MONOTONIC; the rate shown while running is the average since
 * the start, which is steadier than an instantaneous one and makes the ETA honest. */
#include "reco_import_report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reco_log.h"

#define REDRAW_INTERVAL 0.1 /* terminal: at most 10 redraws a second */
#define LOG_INTERVAL 5.0    /* not a terminal: a log line every 5 s */
#define BAR_WIDTH 24

struct reco_import_report {
    FILE *rejects;
    long long total;
    bool progress, tty, drawn;
    double start, last_draw;
    reco_import_counts_t c;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

reco_import_report_t *reco_import_report_new(const char *rejects_path, long long total_rows,
                                             bool progress)
{
    reco_import_report_t *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    if (rejects_path && *rejects_path && !(r->rejects = fopen(rejects_path, "w"))) {
        free(r);
        return NULL;
    }
    r->total = total_rows;
    r->progress = progress;
    r->tty = isatty(STDERR_FILENO) == 1;
    r->start = r->last_draw = now_seconds();
    return r;
}

void reco_import_report_destroy(reco_import_report_t **report)
{
    if (!report || !*report) return;
    if ((*report)->rejects) fclose((*report)->rejects);
    free(*report);
    *report = NULL;
}

void reco_import_report_read(reco_import_report_t *report, long long rows)
{
    report->c.read += rows;
}

void reco_import_report_accepted(reco_import_report_t *report, long long rows, long long stored,
                                 long long duplicates)
{
    report->c.sent += rows;
    report->c.stored += stored;
    report->c.duplicates += duplicates;
}

void reco_import_report_reject(reco_import_report_t *report, long line, const char *reason,
                               const char *row_json, const char *const *cells, size_t n)
{
    report->c.rejected++;
    if (!report->rejects) return;
    json_t *row = row_json ? json_loads(row_json, 0, NULL) : NULL;
    if (!row && cells) {
        row = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *cell = json_string(cells[i]); /* NULL for a cell that is not UTF-8 */
            json_array_append_new(row, cell ? cell : json_string("?"));
        }
    }
    json_t *entry = json_pack("{s:I, s:s, s:o?}", "line", (json_int_t)line, "error",
                              reason ? reason : "", "row", row);
    char *text = entry ? json_dumps(entry, JSON_COMPACT) : NULL;
    if (text) fprintf(report->rejects, "%s\n", text);
    free(text);
    json_decref(entry);
}

void reco_import_format_duration(double seconds, char *buf, size_t len)
{
    if (!(seconds >= 0) || seconds > 360000.0) {
        snprintf(buf, len, "?");
        return;
    }
    long s = (long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
}

static long long done_rows(const reco_import_report_t *r)
{
    return r->c.sent + r->c.rejected;
}

static void draw_bar(reco_import_report_t *r, double elapsed)
{
    long long done = done_rows(r);
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    char bar[BAR_WIDTH + 1], eta[32] = "?";
    int filled = r->total > 0 ? (int)(BAR_WIDTH * (double)done / (double)r->total) : 0;
    filled = filled > BAR_WIDTH ? BAR_WIDTH : filled;
    memset(bar, '#', (size_t)filled);
    memset(bar + filled, '.', (size_t)(BAR_WIDTH - filled));
    bar[BAR_WIDTH] = '\0';
    if (r->total > 0 && rate > 0)
        reco_import_format_duration((double)(r->total > done ? r->total - done : 0) / rate, eta,
                                    sizeof eta);
    if (r->total > 0)
        fprintf(stderr, "\r[%s] %lld/%lld rows  %.0f rows/s  ETA %s  rejected %lld\033[K", bar,
                done, r->total, rate, eta, r->c.rejected);
    else
        fprintf(stderr, "\r%lld rows  %.0f rows/s  rejected %lld\033[K", done, rate, r->c.rejected);
    fflush(stderr);
    r->drawn = true;
}

void reco_import_report_tick(reco_import_report_t *report)
{
    if (!report->progress) return;
    double now = now_seconds();
    double interval = report->tty ? REDRAW_INTERVAL : LOG_INTERVAL;
    if (now - report->last_draw < interval) return;
    report->last_draw = now;
    double elapsed = now - report->start;
    if (report->tty) {
        draw_bar(report, elapsed);
        return;
    }
    long long done = done_rows(report);
    char total[32] = "?";
    if (report->total >= 0) snprintf(total, sizeof total, "%lld", report->total);
    reco_info("%lld/%s rows done (%lld read, %lld rejected), %.0f rows/s", done, total,
              report->c.read, report->c.rejected, elapsed > 0 ? (double)done / elapsed : 0.0);
}

reco_import_counts_t reco_import_report_counts(const reco_import_report_t *report)
{
    reco_import_counts_t c = report->c;
    c.seconds = now_seconds() - report->start;
    return c;
}

void reco_import_report_finish(reco_import_report_t *report, FILE *out)
{
    if (report->drawn) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    if (report->rejects) fflush(report->rejects);
    reco_import_counts_t c = reco_import_report_counts(report);
    long long failed = c.read - c.sent - c.rejected;
    fprintf(out,
            "reco-import: read %lld, sent %lld, stored %lld, duplicates %lld, rejected %lld, "
            "failed %lld, "
            "%.2f s, %.0f rows/s\n",
            c.read, c.sent, c.stored, c.duplicates, c.rejected, failed > 0 ? failed : 0, c.seconds,
            c.seconds > 0 ? (double)(c.sent + c.rejected) / c.seconds : 0.0);
    fflush(out);
}
