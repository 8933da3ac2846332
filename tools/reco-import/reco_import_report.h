/* reco_import_report — what an import tells its user: counters, the rejects file, progress on
 * stderr and the closing summary.
 *
 * Progress: on a terminal, one line redrawn at most 10 times a second (done / total, rows/s,
 * ETA); otherwise one log line every 5 s. The summary goes to stdout as one line of
 * "name value" pairs, so scripts can read it:
 *
 *   reco-import: read 1000, sent 998, stored 998, duplicates 0, rejected 2, failed 0, 0.41 s, 2439
 * rows/s
 *
 * "sent" counts rows the server accepted; "failed" rows that were neither accepted nor rejected
 * because the import stopped (a fatal error). Rejects are written as JSON lines:
 * {"line": 12, "error": "...", "row": {...}} (row: the object that was sent, or the raw CSV
 * cells as a list when the row never became one). */
#ifndef RECO_IMPORT_REPORT_H
#define RECO_IMPORT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct reco_import_report reco_import_report_t;

typedef struct {
    long long read, sent, stored, duplicates, rejected;
    double seconds;
} reco_import_counts_t;

/* rejects_path: NULL for none (rejected rows are then only counted); total_rows: -1 when
 * unknown; progress: whether to draw anything at all. NULL with errno set when the rejects file
 * cannot be created. */
reco_import_report_t *reco_import_report_new(const char *rejects_path, long long total_rows,
                                             bool progress);
void reco_import_report_destroy(reco_import_report_t **report);

void reco_import_report_read(reco_import_report_t *report, long long rows);
void reco_import_report_accepted(reco_import_report_t *report, long long rows, long long stored,
                                 long long duplicates);
/* One rejected row. row_json: the object's JSON text, or NULL; cells/n: the raw CSV cells when
 * there is no object (may be NULL). */
void reco_import_report_reject(reco_import_report_t *report, long line, const char *reason,
                               const char *row_json, const char *const *cells, size_t n);

/* Redraws the progress line or writes the periodic log line when it is time; cheap otherwise. */
void reco_import_report_tick(reco_import_report_t *report);

/* Clears the progress line and prints the summary line to out. */
void reco_import_report_finish(reco_import_report_t *report, FILE *out);
reco_import_counts_t reco_import_report_counts(const reco_import_report_t *report);

/* "1:02:03" / "2:03" for a number of seconds (negative or huge: "?"). */
void reco_import_format_duration(double seconds, char *buf, size_t len);

#endif
