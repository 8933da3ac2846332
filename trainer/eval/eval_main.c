/* reco-eval — offline evaluation of the served models on a CSV of interactions.
 *
 *   reco-eval [options] FILE.csv
 *
 * Reads user,item[,value][,timestamp] rows (reco_eval_data), holds out part of each user's
 * events (reco_eval_split), builds the train matrix with the trainer's own reco_matrix builder,
 * trains every chosen model with the trainer's own functions and ranks, for each test user, the
 * items the user has not touched in the train part the way the query worker would
 * (reco_eval_models); then reports Precision / Recall / nDCG at each cutoff, coverage and
 * training time (reco_eval_metrics, reco_eval_report).
 *
 * Every row is one implicit interaction of weight 1 (the CSV has no event types, so the tenant's
 * action weights do not apply); --weights value uses the value column instead. A (user, item)
 * pair held out whose item the user also has in the train part is not a test item (it could not
 * be recommended). A test user needs --min-user-events train events and one test item; users
 * that have neither still train the models.
 *
 * What is left out on purpose: filters, hidden items, catalogue attributes, fallbacks: the
 * models are measured bare. Progress goes to stderr, the table to stdout. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reco_config.h"
#include "reco_eval_data.h"
#include "reco_intern.h"
#include "reco_eval_metrics.h"
#include "reco_eval_models.h"
#include "reco_eval_report.h"
#include "reco_eval_split.h"

#define TEST_FRACTION 0.25

typedef struct {
    const char *split, *k, *models, *json, *weights, *ease_lambda, *reference_lambda, *ease_keep;
    const char *timestamp_unit, *recency_half_life;
    long seed, min_user_events, threads, top_k, ease_max_items, ease_top_k, history, list_entries;
    long user_top_n, user_min_items, similar_users_max_item_users;
    const char *similar_users_long_items;
    int ease_weighted;
    const char *file;
} options_t;

/* The parsed run: the data, its split and everything derived from it. */
typedef struct {
    options_t o;
    size_t ks[RECO_EVAL_MAX_CUTOFFS], n_ks, k_max;
    int model_on[16];
    reco_eval_split_t split;
    reco_eval_data_t *data;
    unsigned char *is_test;
    reco_matrix_t *train;
    uint32_t *data_item_of;    /* train item -> data item */
    uint32_t *train_item_of;   /* data item -> train item, or UINT32_MAX */
    reco_event_table_t events; /* the train events (hand-made table: the arrays below) */
    uint32_t *ev_user, *ev_item;
    int64_t *ev_ts;
    double *ev_weight;
    uint8_t *ev_type;
    int64_t *train_user_of; /* data user -> train user, or -1 */
    size_t *recent_ptr;
    uint32_t *recent_items;
    double *recent_weights;
    int64_t now;
    double recency_half_life;
    size_t *test_ptr; /* data user -> its test items test_items[test_ptr[u] .. test_ptr[u+1]) */
    uint32_t *test_items;
    reco_eval_run_t run;
} eval_t;

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void progress(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("reco-eval: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- options ------------------------------------------------------------------------------ */

static int parse_double(const char *text, double min, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v) || v < min) return -1;
    *out = v;
    return 0;
}

static int parse_cutoffs(eval_t *e)
{
    const char *s = e->o.k;
    e->n_ks = 0;
    while (*s) {
        char *end = NULL;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || end == s || v < 1 || v > 1000 || e->n_ks == RECO_EVAL_MAX_CUTOFFS) return -1;
        e->ks[e->n_ks++] = (size_t)v;
        if ((size_t)v > e->k_max) e->k_max = (size_t)v;
        s = end;
        if (*s == ',')
            s++;
        else if (*s)
            return -1;
    }
    return e->n_ks ? 0 : -1;
}

static int parse_models(eval_t *e)
{
    size_t count = reco_eval_model_count();
    if (!e->o.models || !*e->o.models || strcmp(e->o.models, "all") == 0) {
        for (size_t i = 0; i < count; i++)
            e->model_on[i] = 1;
        return 0;
    }
    const char *s = e->o.models;
    while (*s) {
        size_t len = strcspn(s, ",");
        char name[64];
        if (len == 0 || len >= sizeof name) return -1;
        memcpy(name, s, len);
        name[len] = '\0';
        int which = reco_eval_model_find(name);
        if (which < 0) {
            fprintf(stderr, "--models: unknown model '%s'; known:", name);
            for (size_t i = 0; i < count; i++)
                fprintf(stderr, " %s", reco_eval_model_name(i));
            fputc('\n', stderr);
            return -1;
        }
        e->model_on[which] = 1;
        s += len + (s[len] == ',');
    }
    return 0;
}

/* Moves the one positional argument (the CSV file) out of argv for reco_config_parse. */
static int take_file(int *argc, char **argv, const reco_option_t *table, size_t n,
                     const char **file)
{
    int out = 1;
    *file = NULL;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) == 0 && a[2]) {
            argv[out++] = argv[i];
            if (strchr(a, '=')) continue;
            for (size_t t = 0; t < n; t++)
                if (strcmp(table[t].name, a + 2) == 0 && table[t].type != RECO_OPT_FLAG &&
                    i + 1 < *argc)
                    argv[out++] = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            argv[out++] = argv[i];
        } else if (!*file) {
            *file = a;
        } else {
            fprintf(stderr, "one CSV file only ('%s' and '%s')\n", *file, a);
            return -1;
        }
    }
    *argc = out;
    return 0;
}

/* Returns -1 to go on, else the exit code. */
static int check_options(eval_t *e);

static int parse_options(int argc, char **argv, eval_t *e)
{
    options_t *o = &e->o;
    const reco_option_t table[] = {
        {"split", NULL, RECO_OPT_STRING, &o->split, 0, 0,
         "random (per user: 25 % of the events held out at random) or last (each user's latest)"},
        {"seed", NULL, RECO_OPT_INT, &o->seed, 0, 2147483647L, "seed of the random split"},
        {"k", NULL, RECO_OPT_STRING, &o->k, 0, 0, "cutoffs K, comma-separated (at most 8)"},
        {"models", NULL, RECO_OPT_STRING, &o->models, 0, 0,
         "models to evaluate, comma-separated, or all: popular, popular-1d, popular-7d, "
         "popular-30d, popular-365d, trending, item-to-item, also-viewed, similar-customers, "
         "for-user, ease-reference"},
        {"min-user-events", NULL, RECO_OPT_INT, &o->min_user_events, 1, 1000000,
         "test users need at least this many train events"},
        {"json", NULL, RECO_OPT_STRING, &o->json, 0, 0, "also write the results to this JSON file"},
        {"threads", "RECO_EVAL_THREADS", RECO_OPT_INT, &o->threads, 1, 64,
         "threads of item-to-item and of OpenBLAS"},
        {"weights", NULL, RECO_OPT_STRING, &o->weights, 0, 0,
         "one (every row weighs 1) or value (the value column)"},
        {"timestamp-unit", NULL, RECO_OPT_STRING, &o->timestamp_unit, 0, 0,
         "s or ms: the unit of the timestamp column (time windows, trending, decay)"},
        {"top-k", NULL, RECO_OPT_INT, &o->top_k, 1, 1000,
         "item-to-item neighbours per item (the trainer's --top-k)"},
        {"ease-lambda", NULL, RECO_OPT_STRING, &o->ease_lambda, 0, 0, "for-user: EASE's λ"},
        {"ease-max-items", NULL, RECO_OPT_INT, &o->ease_max_items, 0, 100000,
         "for-user: items modelled (the most active; 0 = all)"},
        {"ease-top-k", NULL, RECO_OPT_INT, &o->ease_top_k, 0, 100000,
         "for-user: entries kept per row of B (0 = all)"},
        {"similar-users-max-item-users", NULL, RECO_OPT_INT, &o->similar_users_max_item_users, 0,
         LONG_MAX, "similar-customers: items of more users are sampled or ignored (the trainer's flag; 0: none)"},
        {"similar-users-long-items", NULL, RECO_OPT_STRING, &o->similar_users_long_items, 0, 0,
         "similar-customers: sample or ignore the items over --similar-users-max-item-users"},
        {"user-top-n", NULL, RECO_OPT_INT, &o->user_top_n, 0, 100000,
         "for-user: entries of each user's build-time list (0: no lists, rows summed only)"},
        {"user-min-items", NULL, RECO_OPT_INT, &o->user_min_items, 0, 100000,
         "for-user: users with fewer modelled items get no list (their rows are summed)"},
        {"history", NULL, RECO_OPT_INT, &o->history, 1, 100000000,
         "for-user: the user's most recent items summed (the query's limit)"},
        {"list-entries", NULL, RECO_OPT_INT, &o->list_entries, 0, 100000,
         "entries the query reads from each list it sums (0: all)"},
        {"recency-half-life", NULL, RECO_OPT_STRING, &o->recency_half_life, 0, 0,
         "for-user: weigh the r-th most recent history item 2^(-r/H) (0: all alike, as the query)"},
        {"ease-keep", NULL, RECO_OPT_STRING, &o->ease_keep, 0, 0,
         "for-user: positive (largest entries > 0) or magnitude (largest |B_ij|)"},
        {"ease-weighted", NULL, RECO_OPT_FLAG, &o->ease_weighted, 0, 0,
         "EASE on the weights instead of a binary X (both EASE models)"},
        {"reference-lambda", NULL, RECO_OPT_STRING, &o->reference_lambda, 0, 0,
         "ease-reference: λ (default: the tuned default for all items)"},
    };
    size_t n = sizeof table / sizeof table[0];
    if (take_file(&argc, argv, table, n, &o->file) != 0) return 2;
    reco_config_result_t rc = reco_config_parse(
        argc, argv, table, n, "reco-eval [options] FILE.csv",
        "Offline evaluation of reco's models on a CSV with a header naming user, item and "
        "optionally value and timestamp: per-user hold-out, the trainer's own model functions, "
        "Precision / Recall / nDCG at K, catalogue coverage and training time, next to an "
        "untruncated EASE over all items.");
    if (rc == RECO_CONFIG_HELP) return 0;
    if (rc == RECO_CONFIG_ERROR) return 2;
    return check_options(e);
}

/* Checks and converts the options given as text: -1 when fine, else the exit code 2. */
static int check_options(eval_t *e)
{
    options_t *o = &e->o;
    double lambda = 0;
    if (!o->file) return fprintf(stderr, "no CSV file given (see --help)\n"), 2;
    if (reco_eval_split_parse(o->split, &e->split) != 0)
        return fprintf(stderr, "--split: random or last, got '%s'\n", o->split), 2;
    if (parse_cutoffs(e) != 0)
        return fprintf(stderr, "--k: 1 to 8 numbers from 1 to 1000, got '%s'\n", o->k), 2;
    if (parse_models(e) != 0) return 2;
    if (strcmp(o->weights, "one") != 0 && strcmp(o->weights, "value") != 0)
        return fprintf(stderr, "--weights: one or value, got '%s'\n", o->weights), 2;
    if (strcmp(o->timestamp_unit, "s") != 0 && strcmp(o->timestamp_unit, "ms") != 0)
        return fprintf(stderr, "--timestamp-unit: s or ms, got '%s'\n", o->timestamp_unit), 2;
    if (strcmp(o->ease_keep, "positive") != 0 && strcmp(o->ease_keep, "magnitude") != 0)
        return fprintf(stderr, "--ease-keep: positive or magnitude, got '%s'\n", o->ease_keep), 2;
    if (parse_double(o->ease_lambda, 1e-9, &lambda) != 0)
        return fprintf(stderr, "--ease-lambda: a number > 0, got '%s'\n", o->ease_lambda), 2;
    e->run.ease_lambda = lambda;
    if (parse_double(o->reference_lambda, 1e-9, &lambda) != 0)
        return fprintf(stderr, "--reference-lambda: a number > 0, got '%s'\n", o->reference_lambda),
               2;
    e->run.reference_lambda = lambda;
    if (parse_double(o->recency_half_life, 0, &e->recency_half_life) != 0)
        return fprintf(stderr, "--recency-half-life: a number >= 0, got '%s'\n",
                       o->recency_half_life),
               2;
    return -1;
}

/* ---- data, split, train matrix ------------------------------------------------------------ */

/* Both id lists are sorted with the same order and the train ids are a subset of the data ids,
 * so one merge walk maps them. */
static int map_ids(const reco_eval_data_t *d, const reco_matrix_t *m, uint32_t *data_item_of,
                   int64_t *train_user_of)
{
    size_t j = 0;
    for (size_t t = 0; t < m->n_items; t++) {
        while (j < d->n_items && reco_id_compare(d->item_ids[j], d->item_id_lens[j], m->item_ids[t],
                                            m->item_id_lens[t]) < 0)
            j++;
        if (j == d->n_items) return -1;
        data_item_of[t] = (uint32_t)j;
    }
    size_t t = 0;
    for (size_t u = 0; u < d->n_users; u++) {
        train_user_of[u] = -1;
        if (t < m->n_users &&
            reco_id_compare(d->user_ids[u], d->user_id_lens[u], m->user_ids[t], m->user_id_lens[t]) == 0)
            train_user_of[u] = (int64_t)t++;
    }
    return t == m->n_users ? 0 : -1;
}

static int build_train(eval_t *e)
{
    const reco_eval_data_t *d = e->data;
    int by_value = strcmp(e->o.weights, "value") == 0;
    reco_matrix_builder_t *b = reco_matrix_builder_new();
    if (!b) return -1;
    e->now = INT64_MIN;
    for (size_t k = 0; k < d->n_events; k++) {
        const reco_eval_event_t *ev = &d->events[k];
        if (e->is_test[k]) {
            e->run.test_events++;
            continue;
        }
        e->run.train_events++;
        if (ev->ts > e->now) e->now = ev->ts;
        if (reco_matrix_builder_add(b, d->user_ids[ev->user], d->user_id_lens[ev->user],
                                    d->item_ids[ev->item], d->item_id_lens[ev->item],
                                    by_value ? ev->value : 1.0) != 0) {
            reco_matrix_builder_destroy(&b);
            return -1;
        }
    }
    if (!(e->train = reco_matrix_builder_finish(&b))) return -1;
    e->data_item_of = malloc((e->train->n_items ? e->train->n_items : 1) * sizeof(uint32_t));
    e->train_item_of = malloc((d->n_items ? d->n_items : 1) * sizeof(uint32_t));
    e->train_user_of = malloc((d->n_users ? d->n_users : 1) * sizeof(int64_t));
    if (!e->data_item_of || !e->train_item_of || !e->train_user_of ||
        map_ids(d, e->train, e->data_item_of, e->train_user_of) != 0)
        return -1;
    for (size_t i = 0; i < d->n_items; i++)
        e->train_item_of[i] = UINT32_MAX;
    for (size_t t = 0; t < e->train->n_items; t++)
        e->train_item_of[e->data_item_of[t]] = (uint32_t)t;
    return 0;
}

/* The train events as the table the event-based models read: train-matrix numbering, ts in
 * ms, every row a view (the CSV has no types). */
static int build_events(eval_t *e)
{
    const reco_eval_data_t *d = e->data;
    size_t n = e->run.train_events ? e->run.train_events : 1;
    int64_t scale = strcmp(e->o.timestamp_unit, "s") == 0 ? 1000 : 1;
    int by_value = strcmp(e->o.weights, "value") == 0;
    e->ev_user = malloc(n * sizeof *e->ev_user);
    e->ev_item = malloc(n * sizeof *e->ev_item);
    e->ev_ts = malloc(n * sizeof *e->ev_ts);
    e->ev_weight = malloc(n * sizeof *e->ev_weight);
    e->ev_type = calloc(n, sizeof *e->ev_type); /* 0 = RECO_EVENT_VIEW */
    if (!e->ev_user || !e->ev_item || !e->ev_ts || !e->ev_weight || !e->ev_type) return -1;
    size_t at = 0;
    for (size_t k = 0; k < d->n_events; k++) {
        if (e->is_test[k]) continue;
        const reco_eval_event_t *ev = &d->events[k];
        e->ev_user[at] = (uint32_t)e->train_user_of[ev->user];
        e->ev_item[at] = e->train_item_of[ev->item];
        e->ev_ts[at] = ev->ts * scale;
        e->ev_weight[at++] = by_value ? ev->value : 1.0;
    }
    e->now *= scale;
    e->events = (reco_event_table_t){.n_events = at,
                                     .n_users = e->train->n_users,
                                     .n_items = e->train->n_items,
                                     .user = e->ev_user,
                                     .item = e->ev_item,
                                     .ts = e->ev_ts,
                                     .weight = e->ev_weight,
                                     .type = e->ev_type,
                                     .user_ids = e->train->user_ids,
                                     .user_id_lens = e->train->user_id_lens,
                                     .item_ids = e->train->item_ids,
                                     .item_id_lens = e->train->item_id_lens};
    return 0;
}

typedef struct {
    const uint32_t *train_item_of; /* data item -> train item, or UINT32_MAX */
    uint32_t *mark;                /* train item -> 1 + data user whose train items include it */
    size_t *where;                 /* train item -> its slot in recent_items for that user */
} walk_t;

/* Appends data user u's distinct train items, latest first, to the recent lists. */
static void collect_recent(eval_t *e, size_t u, walk_t *w, size_t *at)
{
    const reco_eval_data_t *d = e->data;
    for (size_t k = d->user_ptr[u + 1]; k-- > d->user_ptr[u];) {
        if (e->is_test[k]) continue;
        const reco_eval_event_t *ev = &d->events[k];
        uint32_t t = w->train_item_of[ev->item];
        double x = strcmp(e->o.weights, "value") == 0 ? ev->value : 1.0;
        if (w->mark[t] == u + 1) {
            e->recent_weights[w->where[t]] += x;
            continue;
        }
        w->mark[t] = (uint32_t)(u + 1);
        w->where[t] = *at;
        e->recent_items[*at] = t;
        e->recent_weights[(*at)++] = x;
    }
}

/* Data user u's test items: distinct, not among its train items, ascending. Returns the count
 * written at e->test_items + at. */
static size_t collect_tests(eval_t *e, size_t u, const walk_t *w, size_t at)
{
    const reco_eval_data_t *d = e->data;
    size_t n = 0;
    for (size_t k = d->user_ptr[u]; k < d->user_ptr[u + 1]; k++) {
        if (!e->is_test[k]) continue;
        uint32_t item = d->events[k].item, t = w->train_item_of[item];
        if (t != UINT32_MAX && w->mark[t] == u + 1) continue; /* also a train item */
        size_t p = n; /* insertion sort: a user's test list is short */
        while (p > 0 && e->test_items[at + p - 1] > item)
            p--;
        if (p > 0 && e->test_items[at + p - 1] == item) continue;
        memmove(e->test_items + at + p + 1, e->test_items + at + p, (n - p) * sizeof(uint32_t));
        e->test_items[at + p] = item;
        n++;
    }
    return n;
}

static int build_users(eval_t *e)
{
    const reco_eval_data_t *d = e->data;
    const reco_matrix_t *m = e->train;
    size_t n_train = m->n_items ? m->n_items : 1;
    walk_t w = {.train_item_of = e->train_item_of,
                .mark = calloc(n_train, sizeof(uint32_t)),
                .where = malloc(n_train * sizeof(size_t))};
    e->recent_ptr = calloc(m->n_users + 1, sizeof *e->recent_ptr);
    e->recent_items = malloc((m->nnz ? m->nnz : 1) * sizeof *e->recent_items);
    e->recent_weights = malloc((m->nnz ? m->nnz : 1) * sizeof *e->recent_weights);
    e->test_ptr = calloc(d->n_users + 1, sizeof *e->test_ptr);
    e->test_items = malloc((d->n_events ? d->n_events : 1) * sizeof *e->test_items);
    int ok = w.mark && w.where && e->recent_ptr && e->recent_items && e->recent_weights &&
             e->test_ptr && e->test_items;
    if (ok) {
        size_t recent_at = 0, test_at = 0;
        for (size_t u = 0; u < d->n_users; u++) {
            int64_t tu = e->train_user_of[u];
            size_t n_test = 0;
            if (tu >= 0) {
                collect_recent(e, u, &w, &recent_at);
                e->recent_ptr[tu + 1] = recent_at;
                size_t train_events = 0; /* rows, not distinct items */
                for (size_t k = d->user_ptr[u]; k < d->user_ptr[u + 1]; k++)
                    train_events += !e->is_test[k];
                if (train_events >= (size_t)e->o.min_user_events)
                    n_test = collect_tests(e, u, &w, test_at);
            }
            if (n_test)
                e->run.evaluated_users++;
            else if (d->user_ptr[u + 1] > d->user_ptr[u])
                e->run.skipped_users++;
            test_at += n_test;
            e->test_ptr[u + 1] = test_at;
        }
    }
    free(w.mark);
    free(w.where);
    return ok ? 0 : -1;
}

/* ---- evaluation --------------------------------------------------------------------------- */

static double monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void evaluate_model(eval_t *e, size_t which, const reco_eval_context_t *ctx,
                           reco_eval_row_t *row)
{
    const reco_eval_data_t *d = e->data;
    row->name = reco_eval_model_name(which);
    progress("%s: training", row->name);
    reco_eval_model_t *model = reco_eval_model_train(which, ctx);
    reco_eval_totals_t *totals = reco_eval_totals_new(d->n_items, e->ks, e->n_ks);
    uint32_t *ranked = malloc(e->k_max * sizeof *ranked);
    if (!model || !totals || !ranked) {
        progress("%s: %s", row->name, model ? "out of memory" : "training failed");
        row->failed = 1;
    } else {
        row->train_ms = reco_eval_model_train_ms(model);
        progress("%s: trained in %.0f ms; ranking for %zu users", row->name, row->train_ms,
                 e->run.evaluated_users);
        double started = monotonic_ms();
        for (size_t u = 0; u < d->n_users; u++) {
            size_t n_test = e->test_ptr[u + 1] - e->test_ptr[u];
            if (n_test == 0) continue;
            size_t n = reco_eval_model_rank(model, (uint32_t)e->train_user_of[u], e->k_max, ranked);
            for (size_t r = 0; r < n; r++)
                ranked[r] = e->data_item_of[ranked[r]];
            reco_eval_totals_add(totals, ranked, n, e->test_items + e->test_ptr[u], n_test);
        }
        row->n_results = e->n_ks;
        for (size_t i = 0; i < e->n_ks; i++)
            reco_eval_totals_result(totals, i, &row->results[i]);
        progress("%s: ranked in %.0f ms", row->name, monotonic_ms() - started);
    }
    free(ranked);
    reco_eval_totals_destroy(&totals);
    reco_eval_model_destroy(&model);
}

static void fill_run(eval_t *e)
{
    reco_eval_run_t *r = &e->run;
    r->file = e->o.file;
    r->split = reco_eval_split_name(e->split);
    r->seed = (uint64_t)e->o.seed;
    r->weights = e->o.weights;
    r->events = e->data->n_events;
    r->users = e->data->n_users;
    r->items = e->data->n_items;
    r->min_user_events = (size_t)e->o.min_user_events;
    r->threads = (int)e->o.threads;
    r->top_k = (size_t)e->o.top_k;
    r->ease_max_items = (size_t)e->o.ease_max_items;
    r->ease_top_k = (size_t)e->o.ease_top_k;
    r->ease_keep = e->o.ease_keep;
    r->ease_weighted = e->o.ease_weighted;
    r->history = (size_t)e->o.history;
    r->list_entries = (size_t)e->o.list_entries;
    r->recency_half_life = e->recency_half_life;
}

/* Loads, splits and prepares; 0 or -1 (reported). */
static int prepare(eval_t *e)
{
    char err[512];
    progress("reading %s", e->o.file);
    if (!(e->data = reco_eval_data_load_csv(e->o.file, err, sizeof err)))
        return progress("%s", err), -1;
    progress("%zu rows (%zu skipped), %zu users, %zu items%s", e->data->n_events, e->data->skipped,
             e->data->n_users, e->data->n_items,
             e->data->has_timestamp ? ""
                                    : "; no timestamp column: 'last' and 'recent' follow "
                                      "the file order");
    e->is_test = malloc(e->data->n_events ? e->data->n_events : 1);
    if (!e->is_test ||
        reco_eval_split_events(e->data, e->split, TEST_FRACTION, (uint64_t)e->o.seed, e->is_test) !=
            0 ||
        build_train(e) != 0 || build_events(e) != 0 || build_users(e) != 0)
        return progress("out of memory"), -1;
    fill_run(e);
    progress("split %s: %zu train / %zu test events; %zu users evaluated, %zu skipped",
             e->run.split, e->run.train_events, e->run.test_events, e->run.evaluated_users,
             e->run.skipped_users);
    return 0;
}

static void eval_clear(eval_t *e)
{
    reco_eval_data_destroy(&e->data);
    reco_matrix_destroy(&e->train);
    free(e->is_test);
    free(e->data_item_of);
    free(e->train_item_of);
    free(e->ev_user);
    free(e->ev_item);
    free(e->ev_ts);
    free(e->ev_weight);
    free(e->ev_type);
    free(e->train_user_of);
    free(e->recent_ptr);
    free(e->recent_items);
    free(e->recent_weights);
    free(e->test_ptr);
    free(e->test_items);
}

int main(int argc, char **argv)
{
    eval_t e = {.o = {.split = "random",
                      .k = "10,20",
                      .models = "all",
                      .weights = "one",
                      .ease_lambda = "250", /* RECO_EASE_LAMBDA_DEFAULT */
                      .reference_lambda = "250",
                      .ease_keep = "positive",
                      .timestamp_unit = "s",
                      .recency_half_life = "0",
                      .seed = 42,
                      .min_user_events = 2,
                      .threads = 2,
                      .top_k = 50,
                      .ease_max_items = RECO_EASE_MAX_ITEMS_DEFAULT,
                      .ease_top_k = RECO_EASE_TOP_K_DEFAULT,
                      .history = RECO_EVAL_FOR_USER_HISTORY,
                      .user_top_n = RECO_EASE_USER_TOP_N_DEFAULT,
                      .similar_users_max_item_users = 0,
                      .similar_users_long_items = "sample",
                      .user_min_items = RECO_EASE_USER_MIN_ITEMS_DEFAULT,
                      .list_entries = RECO_EVAL_LIST_ENTRIES}};
    int code = parse_options(argc, argv, &e);
    if (code >= 0) return code;
    if (prepare(&e) != 0) {
        eval_clear(&e);
        return 1;
    }
    reco_eval_context_t ctx = {.train = e.train,
                               .events = &e.events,
                               .recent_ptr = e.recent_ptr,
                               .recent_items = e.recent_items,
                               .recent_weights = e.recent_weights,
                               .now = e.now,
                               .threads = (int)e.o.threads,
                               .top_k = (size_t)e.o.top_k,
                               .similar_users_max_item_users =
                                   (size_t)e.o.similar_users_max_item_users,
                               .similar_users_sample =
                                   strcmp(e.o.similar_users_long_items, "ignore") != 0,
                               .for_user_history = (size_t)e.o.history,
                               .list_entries = (size_t)e.o.list_entries,
                               .recency_half_life = e.recency_half_life};
    reco_ease_options_default(&ctx.ease);
    ctx.ease.lambda = e.run.ease_lambda;
    ctx.ease.max_items = (size_t)e.o.ease_max_items;
    ctx.ease.top_k = (size_t)e.o.ease_top_k;
    ctx.ease.threads = (int)e.o.threads;
    ctx.ease.weighted = e.o.ease_weighted;
    ctx.ease.keep = strcmp(e.o.ease_keep, "magnitude") == 0 ? RECO_EASE_KEEP_MAGNITUDE
                                                            : RECO_EASE_KEEP_POSITIVE;
    ctx.ease_users = (reco_ease_users_options_t){.top_n = (size_t)e.o.user_top_n,
                                                 .min_items = (size_t)e.o.user_min_items,
                                                 .dense_budget = RECO_EASE_DENSE_BUDGET_DEFAULT};
    ctx.reference = ctx.ease;
    ctx.reference.lambda = e.run.reference_lambda;

    reco_eval_row_t rows[16];
    size_t n_rows = 0;
    for (size_t which = 0; which < reco_eval_model_count() && n_rows < 16; which++)
        if (e.model_on[which]) {
            memset(&rows[n_rows], 0, sizeof rows[n_rows]);
            evaluate_model(&e, which, &ctx, &rows[n_rows++]);
        }
    reco_eval_print_table(stdout, &e.run, rows, n_rows);
    code = 0;
    for (size_t r = 0; r < n_rows; r++)
        code |= rows[r].failed;
    if (e.o.json && *e.o.json && reco_eval_write_json(e.o.json, &e.run, rows, n_rows) != 0) {
        progress("%s: cannot write: %s", e.o.json, strerror(errno));
        code = 1;
    }
    eval_clear(&e);
    return code;
}
