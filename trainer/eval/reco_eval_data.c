/* reco_eval_data — CSV rows into sorted, interned interactions (see reco_eval_data.h).
 *
 * The builder interns ids with reco_intern (index = order of first appearance) and appends one
 * event per row; finish() renumbers users and items in id order and sorts the events. The CSV
 * reader is libcsv's push parser: cells are collected per record, the first record is the header,
 * every later record becomes one builder row. */
#include "reco_eval_data.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reco_intern.h"

struct reco_eval_builder {
    reco_intern_t *users, *items;
    reco_eval_event_t *events;
    size_t n_events, cap_events;
};

reco_eval_builder_t *reco_eval_builder_new(void)
{
    reco_eval_builder_t *b = calloc(1, sizeof(reco_eval_builder_t));
    if (b && (!(b->users = reco_intern_new()) || !(b->items = reco_intern_new())))
        reco_eval_builder_destroy(&b);
    return b;
}

void reco_eval_builder_destroy(reco_eval_builder_t **b)
{
    if (!b || !*b) return;
    reco_intern_destroy(&(*b)->users);
    reco_intern_destroy(&(*b)->items);
    free((*b)->events);
    free(*b);
    *b = NULL;
}

int reco_eval_builder_add(reco_eval_builder_t *b, const char *user, size_t user_len,
                          const char *item, size_t item_len, double value, int64_t ts)
{
    if (b->n_events >= UINT32_MAX - 1) return -1;
    uint32_t u, i;
    if (reco_intern_add(b->users, user, user_len, &u) != 0 || reco_intern_add(b->items, item, item_len, &i) != 0)
        return -1;
    if (b->n_events == b->cap_events) {
        size_t cap = b->cap_events ? b->cap_events * 2 : 4096;
        reco_eval_event_t *grown = realloc(b->events, cap * sizeof *grown);
        if (!grown) return -1;
        b->events = grown;
        b->cap_events = cap;
    }
    b->events[b->n_events] = (reco_eval_event_t){
        .user = u, .item = i, .ts = ts, .value = value, .row = (uint32_t)b->n_events};
    b->n_events++;
    return 0;
}

static int event_compare(const void *pa, const void *pb)
{
    const reco_eval_event_t *a = pa, *b = pb;
    if (a->user != b->user) return a->user < b->user ? -1 : 1;
    if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
    return a->row < b->row ? -1 : (a->row > b->row ? 1 : 0);
}

reco_eval_data_t *reco_eval_builder_finish(reco_eval_builder_t **bp)
{
    reco_eval_builder_t *b = *bp;
    reco_eval_data_t *d = calloc(1, sizeof *d);
    uint32_t *urank = malloc((reco_intern_count(b->users) ? reco_intern_count(b->users) : 1) * sizeof *urank);
    uint32_t *irank = malloc((reco_intern_count(b->items) ? reco_intern_count(b->items) : 1) * sizeof *irank);
    int ok = d && urank && irank;
    if (ok) {
        d->n_users = reco_intern_count(b->users);
        d->n_items = reco_intern_count(b->items);
        ok = reco_intern_freeze(b->users, urank, &d->user_ids, &d->user_id_lens, &d->user_arena) == 0 &&
             reco_intern_freeze(b->items, irank, &d->item_ids, &d->item_id_lens, &d->item_arena) == 0;
    }
    if (ok) ok = (d->user_ptr = calloc(d->n_users + 1, sizeof *d->user_ptr)) != NULL;
    if (ok) {
        for (size_t k = 0; k < b->n_events; k++) {
            b->events[k].user = urank[b->events[k].user];
            b->events[k].item = irank[b->events[k].item];
            d->user_ptr[b->events[k].user + 1]++;
        }
        for (size_t u = 0; u < d->n_users; u++)
            d->user_ptr[u + 1] += d->user_ptr[u];
        qsort(b->events, b->n_events, sizeof *b->events, event_compare);
        d->events = b->events;
        d->n_events = b->n_events;
        b->events = NULL;
    }
    free(urank);
    free(irank);
    reco_eval_builder_destroy(bp);
    if (!ok) reco_eval_data_destroy(&d);
    return d;
}

void reco_eval_data_destroy(reco_eval_data_t **dp)
{
    if (!dp || !*dp) return;
    reco_eval_data_t *d = *dp;
    free(d->user_ids);
    free(d->user_id_lens);
    free(d->item_ids);
    free(d->item_id_lens);
    free(d->user_arena);
    free(d->item_arena);
    free(d->events);
    free(d->user_ptr);
    free(d);
    *dp = NULL;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

enum { COL_USER, COL_ITEM, COL_VALUE, COL_TS, COL_COUNT };

typedef struct {
    reco_eval_builder_t *b;
    int header_done, failed;
    long column[COL_COUNT]; /* index of each column, -1 if absent */
    long cell;              /* index of the next cell in the record */
    const char *text[COL_COUNT];
    size_t len[COL_COUNT];
    char *cells[COL_COUNT]; /* copies of this record's wanted cells */
    size_t skipped;
} csv_state_t;

static const char *const COLUMN_NAMES[COL_COUNT] = {"user", "item", "value", "timestamp"};

static void on_cell(void *s, size_t len, void *data)
{
    csv_state_t *st = data;
    long at = st->cell++;
    if (!s) { /* libcsv may pass NULL for an empty cell */
        s = "";
        len = 0;
    }
    if (!st->header_done) {
        const char *name = s;
        if (at == 0 && len >= 3 && memcmp(name, "\xEF\xBB\xBF", 3) == 0) name += 3; /* BOM */
        for (int c = 0; c < COL_COUNT; c++)
            if (st->column[c] < 0 && strcasecmp(name, COLUMN_NAMES[c]) == 0) st->column[c] = at;
        return;
    }
    for (int c = 0; c < COL_COUNT; c++)
        if (st->column[c] == at) {
            free(st->cells[c]);
            st->cells[c] = malloc(len + 1);
            if (!st->cells[c]) {
                st->failed = 1;
                return;
            }
            memcpy(st->cells[c], s, len + 1);
            st->len[c] = len;
        }
}

static int parse_double(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

/* An integer, or a decimal whose fraction is dropped (1.26e9 style timestamps). */
static int parse_ts(const char *s, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!errno && end != s && !*end) {
        *out = v;
        return 0;
    }
    double d;
    if (parse_double(s, &d) != 0 || d < -9.2e18 || d > 9.2e18) return -1;
    *out = (int64_t)d;
    return 0;
}

static void on_record_end(int terminator, void *data)
{
    (void)terminator;
    csv_state_t *st = data;
    long cells = st->cell;
    st->cell = 0;
    if (!st->header_done) {
        st->header_done = 1;
        return;
    }
    if (cells == 0 || st->failed) return;
    const char *user = st->cells[COL_USER], *item = st->cells[COL_ITEM];
    double value = 1.0;
    int64_t ts = 0;
    int ok = user && item && st->len[COL_USER] && st->len[COL_ITEM];
    if (ok && st->column[COL_VALUE] >= 0)
        ok = st->cells[COL_VALUE] && parse_double(st->cells[COL_VALUE], &value) == 0;
    if (ok && st->column[COL_TS] >= 0)
        ok = st->cells[COL_TS] && parse_ts(st->cells[COL_TS], &ts) == 0;
    if (!ok)
        st->skipped++;
    else if (reco_eval_builder_add(st->b, user, st->len[COL_USER], item, st->len[COL_ITEM], value,
                                   ts) != 0)
        st->failed = 1;
    for (int c = 0; c < COL_COUNT; c++) {
        free(st->cells[c]);
        st->cells[c] = NULL;
        st->len[c] = 0;
    }
}

static void csv_state_clear(csv_state_t *st)
{
    for (int c = 0; c < COL_COUNT; c++)
        free(st->cells[c]);
    reco_eval_builder_destroy(&st->b);
}

reco_eval_data_t *reco_eval_data_load_csv(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    csv_state_t st = {.b = reco_eval_builder_new(), .column = {-1, -1, -1, -1}};
    struct csv_parser parser;
    int parser_ready = st.b && csv_init(&parser, CSV_APPEND_NULL) == 0;
    char buf[1 << 16];
    size_t got;
    while (parser_ready && !st.failed && (got = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&parser, buf, got, on_cell, on_record_end, &st) != got) st.failed = 1;
    if (parser_ready && !st.failed) csv_fini(&parser, on_cell, on_record_end, &st);
    int read_error = ferror(f);
    fclose(f);
    if (parser_ready) csv_free(&parser);
    reco_eval_data_t *d = NULL;
    if (!parser_ready || st.failed)
        snprintf(err, errlen, "%s: out of memory or not CSV", path);
    else if (read_error)
        snprintf(err, errlen, "%s: read error", path);
    else if (st.column[COL_USER] < 0 || st.column[COL_ITEM] < 0)
        snprintf(err, errlen, "%s: the header has no 'user' and 'item' columns", path);
    else if (!(d = reco_eval_builder_finish(&st.b)))
        snprintf(err, errlen, "out of memory");
    if (d) {
        d->skipped = st.skipped;
        d->has_value = st.column[COL_VALUE] >= 0;
        d->has_timestamp = st.column[COL_TS] >= 0;
    }
    csv_state_clear(&st);
    return d;
}
