/* reco_eval_report — reco-eval's results as a text table and as a JSON document.
 *
 * One row per model; the columns are P, R and nDCG at each cutoff, coverage at the first cutoff
 * and the training time. The JSON holds every number of the table plus the run's settings
 * (file, split, seed, counts, model options), so two runs can be compared by a script.
 *
 * Ownership: everything passed in is borrowed for the call. */
#ifndef RECO_EVAL_REPORT_H
#define RECO_EVAL_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "reco_eval_metrics.h"

typedef struct {
    const char *name;
    int failed; /* training failed: no numbers */
    double train_ms;
    size_t n_results;
    reco_eval_result_t results[RECO_EVAL_MAX_CUTOFFS]; /* one per cutoff, in cutoff order */
} reco_eval_row_t;

typedef struct {
    const char *file;
    const char *split;
    uint64_t seed;
    const char *weights;         /* "one" or "value" */
    size_t events, users, items; /* in the file */
    size_t train_events, test_events, evaluated_users, skipped_users;
    size_t min_user_events;
    int threads;
    size_t top_k; /* item-to-item */
    double ease_lambda, reference_lambda;
    size_t ease_max_items, ease_top_k;
    const char *ease_keep;
    int ease_weighted;
    size_t history, list_entries; /* for-user's history; entries read per summed list */
    double recency_half_life;
} reco_eval_run_t;

void reco_eval_print_table(FILE *out, const reco_eval_run_t *run, const reco_eval_row_t *rows,
                           size_t n_rows);

/* Writes the JSON document to path. 0, or -1 (cannot write; errno kept). */
int reco_eval_write_json(const char *path, const reco_eval_run_t *run, const reco_eval_row_t *rows,
                         size_t n_rows);

#endif
