/* reco_eval_report — the table (fixed-width text) and the JSON (jansson) (see
 * reco_eval_report.h). Metrics are printed with 4 decimals; the JSON keeps full precision. */
#include "reco_eval_report.h"

#include <jansson.h>

void reco_eval_print_table(FILE *out, const reco_eval_run_t *run, const reco_eval_row_t *rows,
                           size_t n_rows)
{
    fprintf(out,
            "split %s (seed %llu): %zu users evaluated (%zu skipped), %zu train / %zu test "
            "events, %zu items; weights %s\n",
            run->split, (unsigned long long)run->seed, run->evaluated_users, run->skipped_users,
            run->train_events, run->test_events, run->items, run->weights);
    fprintf(out, "%-18s", "model");
    size_t n_k = n_rows ? rows[0].n_results : 0;
    for (size_t i = 0; i < n_k; i++) {
        char p[16], r[16], d[16];
        snprintf(p, sizeof p, "P@%zu", rows[0].results[i].k);
        snprintf(r, sizeof r, "R@%zu", rows[0].results[i].k);
        snprintf(d, sizeof d, "nDCG@%zu", rows[0].results[i].k);
        fprintf(out, " %8s %8s %8s", p, r, d);
    }
    if (n_k) {
        char c[24];
        snprintf(c, sizeof c, "cov@%zu", rows[0].results[0].k);
        fprintf(out, " %8s", c);
    }
    fprintf(out, " %10s\n", "train-ms");
    for (size_t m = 0; m < n_rows; m++) {
        const reco_eval_row_t *row = &rows[m];
        fprintf(out, "%-18s", row->name);
        if (row->failed) {
            fprintf(out, " training failed\n");
            continue;
        }
        for (size_t i = 0; i < row->n_results; i++)
            fprintf(out, " %8.4f %8.4f %8.4f", row->results[i].precision, row->results[i].recall,
                    row->results[i].ndcg);
        if (row->n_results) fprintf(out, " %8.4f", row->results[0].coverage);
        fprintf(out, " %10.0f\n", row->train_ms);
    }
}

static json_t *run_json(const reco_eval_run_t *run)
{
    return json_pack(
        "{s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:I, "
        "s:{s:f, s:I, s:I, s:s, s:b, s:I, s:I, s:f}, s:{s:f}}",
        "file", run->file, "split", run->split, "seed", (json_int_t)run->seed, "weights",
        run->weights, "events", (json_int_t)run->events, "users", (json_int_t)run->users, "items",
        (json_int_t)run->items, "train_events", (json_int_t)run->train_events, "test_events",
        (json_int_t)run->test_events, "evaluated_users", (json_int_t)run->evaluated_users,
        "skipped_users", (json_int_t)run->skipped_users, "min_user_events",
        (json_int_t)run->min_user_events, "threads", run->threads, "top_k", (json_int_t)run->top_k,
        "for_user", "lambda", run->ease_lambda, "max_items", (json_int_t)run->ease_max_items,
        "top_k", (json_int_t)run->ease_top_k, "keep", run->ease_keep, "weighted",
        run->ease_weighted, "history", (json_int_t)run->history, "list_entries",
        (json_int_t)run->list_entries, "recency_half_life", run->recency_half_life,
        "ease_reference", "lambda", run->reference_lambda);
}

static json_t *row_json(const reco_eval_row_t *row)
{
    json_t *at = json_object();
    for (size_t i = 0; at && !row->failed && i < row->n_results; i++) {
        const reco_eval_result_t *r = &row->results[i];
        char key[24];
        snprintf(key, sizeof key, "%zu", r->k);
        json_object_set_new(at, key,
                            json_pack("{s:f, s:f, s:f, s:f, s:I}", "precision", r->precision,
                                      "recall", r->recall, "ndcg", r->ndcg, "coverage", r->coverage,
                                      "recommended_items", (json_int_t)r->recommended));
    }
    return json_pack("{s:s, s:b, s:f, s:o*}", "name", row->name, "failed", row->failed, "train_ms",
                     row->train_ms, "at", at);
}

int reco_eval_write_json(const char *path, const reco_eval_run_t *run, const reco_eval_row_t *rows,
                         size_t n_rows)
{
    json_t *models = json_array();
    for (size_t m = 0; models && m < n_rows; m++)
        json_array_append_new(models, row_json(&rows[m]));
    json_t *doc = json_pack("{s:o*, s:o*}", "run", run_json(run), "models", models);
    if (!doc) return -1;
    int rc = json_dump_file(doc, path, JSON_INDENT(2) | JSON_SORT_KEYS) == 0 ? 0 : -1;
    json_decref(doc);
    return rc;
}
