/* reco_categories — per-category popularity (see reco_categories.h).
 *
 * Pass 1 interns every category (reco_intern) and collects (category, item) pairs of items with
 * a score; pass 2 sorts the pairs by category, then by the ranking order, and keeps the first
 * max_per_category of each. Memory: O(Σ categories per item). */
#include "reco_categories.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reco_intern.h"

typedef struct {
    uint32_t category;
    reco_scored_t e;
} pair_t;

typedef struct {
    pair_t *v;
    size_t n, cap;
} pairs_t;

static int push(pairs_t *p, uint32_t category, uint32_t item, double score)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        pair_t *grown = realloc(p->v, cap * sizeof *grown);
        if (!grown) return -1;
        p->v = grown;
        p->cap = cap;
    }
    p->v[p->n++] = (pair_t){.category = category, .e = {.item = item, .score = score}};
    return 0;
}

/* Adds item to each category of its JSON array text and their prefixes, once each. */
static int add_item(reco_intern_t *names, pairs_t *p, const char *text, uint32_t item,
                    double score, size_t *bad_json)
{
    json_t *cats = json_loads(text, 0, NULL);
    if (!json_is_array(cats)) {
        (*bad_json)++;
        json_decref(cats);
        return 0;
    }
    size_t first = p->n, k;
    json_t *c;
    int rc = 0;
    json_array_foreach(cats, k, c)
    {
        const char *path = json_string_value(c);
        size_t len = json_string_length(c);
        for (size_t at = 1; rc == 0 && path && at <= len; at++) {
            if (at != len && path[at] != '/') continue;
            uint32_t index;
            int dup = 0;
            if (reco_intern_add(names, path, at, &index) != 0) rc = -1;
            for (size_t q = first; rc == 0 && q < p->n && !dup; q++)
                dup = p->v[q].category == index;
            if (rc == 0 && !dup) rc = push(p, index, item, score);
        }
        if (rc != 0) break;
    }
    json_decref(cats);
    return rc;
}

static int pair_compare(const void *pa, const void *pb)
{
    const pair_t *a = pa, *b = pb;
    if (a->category != b->category) return a->category < b->category ? -1 : 1;
    if (reco_scored_before(&a->e, &b->e)) return -1;
    return reco_scored_before(&b->e, &a->e) ? 1 : 0;
}

/* Keeps the first max of each category's run of sorted pairs, and copies the names. */
static int gather(const reco_intern_t *names, const pairs_t *p, size_t max,
                  reco_category_lists_t *out)
{
    size_t n = reco_intern_count(names);
    out->names = calloc(n ? n : 1, sizeof *out->names);
    out->name_lens = calloc(n ? n : 1, sizeof *out->name_lens);
    out->ptr = calloc(n + 1, sizeof *out->ptr);
    out->entries = malloc((p->n ? p->n : 1) * sizeof *out->entries);
    if (!out->names || !out->name_lens || !out->ptr || !out->entries) return -1;
    out->n = n;
    for (size_t c = 0; c < n; c++) {
        const char *name = reco_intern_id(names, (uint32_t)c, &out->name_lens[c]);
        if (!(out->names[c] = malloc(out->name_lens[c] + 1))) return -1;
        memcpy(out->names[c], name, out->name_lens[c] + 1);
    }
    size_t at = 0, q = 0;
    for (size_t c = 0; c < n; c++) {
        out->ptr[c] = at;
        size_t kept = 0;
        for (; q < p->n && p->v[q].category == c; q++)
            if (kept < max) out->entries[at++] = p->v[q].e, kept++;
    }
    out->ptr[n] = at;
    return 0;
}

int reco_model_popular_categories(const reco_content_item_t *items, size_t n_items,
                                  const double *score, size_t max_per_category,
                                  reco_category_lists_t *out)
{
    memset(out, 0, sizeof *out);
    reco_intern_t *names = reco_intern_new();
    pairs_t p = {0};
    int rc = names ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n_items; i++)
        if (items[i].categories && score[i] > 0.0)
            rc = add_item(names, &p, items[i].categories, (uint32_t)i, score[i], &out->bad_json);
    if (rc == 0 && p.n) qsort(p.v, p.n, sizeof *p.v, pair_compare);
    if (rc == 0) rc = gather(names, &p, max_per_category ? max_per_category : SIZE_MAX, out);
    free(p.v);
    reco_intern_destroy(&names);
    if (rc != 0) reco_category_lists_clear(out);
    return rc;
}

void reco_category_lists_clear(reco_category_lists_t *l)
{
    if (!l) return;
    for (size_t c = 0; l->names && c < l->n; c++)
        free(l->names[c]);
    free(l->names);
    free(l->name_lens);
    free(l->ptr);
    free(l->entries);
    memset(l, 0, sizeof *l);
}
