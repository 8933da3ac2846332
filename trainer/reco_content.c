/* reco_content — TF-IDF vectors of the catalogue and their cosine top-K (see reco_content.h).
 *
 * Terms are interned (reco_intern) as "<kind>\x1f<text>" with kind 'c' (category prefix), 'a'
 * (attribute name=value) or 't' (title word); 0x1f never occurs in a category, attribute or word
 * we produce from valid JSON text, and the kind byte keeps the namespaces apart whatever the text.
 * Each item's term indices are collected, sorted and merged into (term, tf) pairs; once every
 * item is read, df and the weights follow, and the weighted (item, term) matrix is laid out by
 * items (columns, terms ascending) and by terms (rows, items ascending) for reco_model_cosine. */
#include "reco_content.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reco_intern.h"

typedef struct {
    uint32_t term, tf;
} term_count_t;

typedef struct {
    reco_intern_t *dict;
    term_count_t *entries; /* every item's (term, tf), item by item, terms ascending */
    size_t n_entries, cap_entries;
    size_t *item_ptr;  /* n_items + 1 */
    uint32_t *scratch; /* the current item's term indices */
    size_t n_scratch, cap_scratch;
    char *text; /* the term being built */
    size_t cap_text;
    size_t bad_json;
} terms_t;

static int reserve(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* Interns "<kind>\x1f<a>" or, with b, "<kind>\x1f<a>=<b>", and adds it to the current item. */
static int add_term(terms_t *t, char kind, const char *a, size_t alen, const char *b, size_t blen)
{
    size_t len = 2 + alen + (b ? 1 + blen : 0);
    if (reserve((void **)&t->text, &t->cap_text, len, 1) != 0) return -1;
    t->text[0] = kind;
    t->text[1] = '\x1f';
    memcpy(t->text + 2, a, alen);
    if (b) {
        t->text[2 + alen] = '=';
        memcpy(t->text + 3 + alen, b, blen);
    }
    uint32_t index;
    if (reco_intern_add(t->dict, t->text, len, &index) != 0 ||
        reserve((void **)&t->scratch, &t->cap_scratch, t->n_scratch + 1, sizeof *t->scratch) != 0)
        return -1;
    t->scratch[t->n_scratch++] = index;
    return 0;
}

static int is_word_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int add_title(terms_t *t, const char *title)
{
    char word[512];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)title;; p++) {
        if (*p && is_word_byte(*p)) {
            if (n < sizeof word) word[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + ('a' - 'A') : *p);
            continue;
        }
        if (n > 0 && add_term(t, 't', word, n, NULL, 0) != 0) return -1;
        n = 0;
        if (!*p) return 0;
    }
}

static int add_categories(terms_t *t, const char *text)
{
    json_t *cats = json_loads(text, 0, NULL);
    if (!json_is_array(cats)) {
        t->bad_json++;
        json_decref(cats);
        return 0;
    }
    size_t k;
    json_t *c;
    int rc = 0;
    json_array_foreach(cats, k, c)
    {
        const char *path = json_string_value(c);
        size_t len = json_string_length(c);
        for (size_t at = 1; rc == 0 && path && at <= len; at++)
            if (at == len || path[at] == '/') rc = add_term(t, 'c', path, at, NULL, 0);
        if (rc != 0) break;
    }
    json_decref(cats);
    return rc;
}

/* One attribute value (a scalar): "name=<string>" or "name=<JSON text>". */
static int add_attribute_value(terms_t *t, const char *name, const json_t *v)
{
    if (json_is_string(v))
        return add_term(t, 'a', name, strlen(name), json_string_value(v), json_string_length(v));
    if (!json_is_number(v) && !json_is_boolean(v)) return 0;
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!text) return -1;
    int rc = add_term(t, 'a', name, strlen(name), text, strlen(text));
    free(text);
    return rc;
}

static int add_attribute(terms_t *t, const char *name, const char *value)
{
    json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
    if (!v) {
        t->bad_json++;
        return 0;
    }
    int rc = 0;
    if (json_is_array(v)) {
        size_t k;
        json_t *e;
        json_array_foreach(v, k, e) if (rc == 0) rc = add_attribute_value(t, name, e);
    } else {
        rc = add_attribute_value(t, name, v);
    }
    json_decref(v);
    return rc;
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* Collects item i's terms and appends its (term, tf) pairs. */
static int read_item(terms_t *t, const reco_content_item_t *item, size_t i)
{
    t->n_scratch = 0;
    int rc = item->title ? add_title(t, item->title) : 0;
    if (rc == 0 && item->categories) rc = add_categories(t, item->categories);
    for (size_t a = 0; rc == 0 && a < item->n_attributes; a++)
        rc = add_attribute(t, item->attribute_names[a], item->attribute_values[a]);
    if (rc != 0 || reserve((void **)&t->entries, &t->cap_entries, t->n_entries + t->n_scratch,
                           sizeof *t->entries) != 0)
        return -1;
    if (t->n_scratch > 1) qsort(t->scratch, t->n_scratch, sizeof *t->scratch, compare_u32);
    for (size_t k = 0; k < t->n_scratch; k++) {
        if (k > 0 && t->scratch[k] == t->scratch[k - 1])
            t->entries[t->n_entries - 1].tf++;
        else
            t->entries[t->n_entries++] = (term_count_t){.term = t->scratch[k], .tf = 1};
    }
    t->item_ptr[i + 1] = t->n_entries;
    return 0;
}

typedef struct {
    size_t *col_ptr, *row_ptr;
    uint32_t *col_rows, *row_cols;
    double *col_weights, *row_weights;
} layout_t;

static void layout_free(layout_t *l)
{
    free(l->col_ptr);
    free(l->row_ptr);
    free(l->col_rows);
    free(l->row_cols);
    free(l->col_weights);
    free(l->row_weights);
}

/* Weighs the entries (tf·idf, dropping common terms and zero weights) and lays them out. */
static int weigh(const terms_t *t, size_t n_items, const reco_content_options_t *o, layout_t *l,
                 reco_content_stats_t *stats)
{
    size_t n_terms = reco_intern_count(t->dict), n = t->n_entries ? t->n_entries : 1, nnz = 0;
    uint32_t *df = calloc(n_terms ? n_terms : 1, sizeof *df);
    l->col_ptr = calloc(n_items + 1, sizeof *l->col_ptr);
    l->row_ptr = calloc(n_terms + 1, sizeof *l->row_ptr);
    l->col_rows = malloc(n * sizeof *l->col_rows);
    l->row_cols = malloc(n * sizeof *l->row_cols);
    l->col_weights = malloc(n * sizeof *l->col_weights);
    l->row_weights = malloc(n * sizeof *l->row_weights);
    if (!df || !l->col_ptr || !l->row_ptr || !l->col_rows || !l->row_cols || !l->col_weights ||
        !l->row_weights) {
        free(df);
        return -1;
    }
    for (size_t e = 0; e < t->n_entries; e++)
        df[t->entries[e].term]++;
    for (size_t term = 0; term < n_terms; term++)
        if (o->max_term_items && df[term] > o->max_term_items) stats->dropped++;
    stats->terms = n_terms - stats->dropped;
    for (size_t i = 0; i < n_items; i++) {
        for (size_t e = t->item_ptr[i]; e < t->item_ptr[i + 1]; e++) {
            uint32_t term = t->entries[e].term;
            if (o->max_term_items && df[term] > o->max_term_items) continue;
            double w = (double)t->entries[e].tf * log((double)n_items / (double)df[term]);
            if (w == 0.0) continue;
            l->col_rows[nnz] = term;
            l->col_weights[nnz++] = w;
            l->row_ptr[term + 1]++;
        }
        l->col_ptr[i + 1] = nnz;
    }
    free(df);
    stats->entries = nnz;
    for (size_t term = 0; term < n_terms; term++)
        l->row_ptr[term + 1] += l->row_ptr[term];
    size_t *next = malloc((n_terms + 1) * sizeof *next);
    if (!next) return -1;
    memcpy(next, l->row_ptr, (n_terms + 1) * sizeof *next);
    for (size_t i = 0; i < n_items; i++)
        for (size_t p = l->col_ptr[i]; p < l->col_ptr[i + 1]; p++) {
            size_t slot = next[l->col_rows[p]]++;
            l->row_cols[slot] = (uint32_t)i;
            l->row_weights[slot] = l->col_weights[p];
        }
    free(next);
    return 0;
}

int reco_model_content(const reco_content_item_t *items, size_t n_items,
                       const reco_content_options_t *o, reco_neighbours_t *out,
                       reco_content_stats_t *stats)
{
    reco_content_stats_t local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    memset(out, 0, sizeof *out);
    if (n_items > UINT32_MAX - 1) return -1;
    terms_t t = {.dict = reco_intern_new()};
    t.item_ptr = calloc(n_items + 1, sizeof *t.item_ptr);
    int rc = t.dict && t.item_ptr ? 0 : -1;
    reco_ticker_t ticker;
    reco_ticker_init(&ticker, o->similarity.tick, o->similarity.tick_ctx,
                     o->similarity.tick_interval_ms);
    for (size_t i = 0; rc == 0 && i < n_items; i++)
        rc = reco_ticker_check(&ticker) ? -1 : read_item(&t, &items[i], i);
    stats->bad_json = t.bad_json;
    layout_t l = {0};
    if (rc == 0) rc = weigh(&t, n_items, o, &l, stats);
    size_t n_terms = t.dict ? reco_intern_count(t.dict) : 0;
    reco_intern_destroy(&t.dict);
    free(t.entries);
    free(t.item_ptr);
    free(t.scratch);
    free(t.text);
    if (rc == 0) {
        reco_cosine_input_t in = {.n_cols = n_items,
                                  .n_rows = n_terms,
                                  .col_ptr = l.col_ptr,
                                  .col_rows = l.col_rows,
                                  .col_weights = l.col_weights,
                                  .row_ptr = l.row_ptr,
                                  .row_cols = l.row_cols,
                                  .row_weights = l.row_weights};
        reco_item_to_item_options_t sim = o->similarity;
        sim.shrinkage = 0.0;
        rc = reco_model_cosine(&in, &sim, out);
    }
    layout_free(&l);
    return rc;
}
