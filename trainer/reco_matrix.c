/* reco_matrix — interning and sparse storage of the user × item weights (see reco_matrix.h).
 *
 * While building, ids are interned with reco_intern (index = order of first appearance) and
 * weights are appended as (user, item, weight) triples. When the triple array fills up it is
 * sorted and duplicate pairs are merged in place; it only grows when that does not free at least
 * half of it, so memory stays O(distinct pairs) however many events repeat a pair.
 *
 * finish() renumbers users and items in id order, merges the triples once more, lays them out as
 * CSR, and transposes that into CSC (a counting sort by item, which keeps users ascending inside
 * each column because rows are visited in user order).
 *
 * from_events() needs no interning (the caller's events are numbered in id order already): two
 * stable counting sorts (by item, then by user) put the events in (user, item, event) order, so
 * each pair's weights are summed in event order, and the CSR is read off that run by run. Its
 * ids are borrowed from the caller (borrowed_ids), so destroy leaves them alone. */
#include "reco_matrix.h"

#include <stdlib.h>
#include <string.h>

#include "reco_intern.h"

#define MIN_PAIRS 4096

typedef struct {
    uint32_t user, item;
    double weight;
} pair_t;

struct reco_matrix_builder {
    reco_intern_t *users, *items;
    pair_t *pairs;
    size_t n_pairs, cap_pairs;
};

reco_matrix_builder_t *reco_matrix_builder_new(void)
{
    reco_matrix_builder_t *b = calloc(1, sizeof(reco_matrix_builder_t));
    if (b && (!(b->users = reco_intern_new()) || !(b->items = reco_intern_new())))
        reco_matrix_builder_destroy(&b);
    return b;
}

void reco_matrix_builder_destroy(reco_matrix_builder_t **b)
{
    if (!b || !*b) return;
    reco_intern_destroy(&(*b)->users);
    reco_intern_destroy(&(*b)->items);
    free((*b)->pairs);
    free(*b);
    *b = NULL;
}

static int pair_compare(const void *a, const void *b)
{
    const pair_t *x = a, *y = b;
    if (x->user != y->user) return x->user < y->user ? -1 : 1;
    if (x->item != y->item) return x->item < y->item ? -1 : 1;
    return 0;
}

/* Sorts the triples by (user, item) and sums duplicates in place. */
static void pairs_merge(reco_matrix_builder_t *b)
{
    if (b->n_pairs < 2) return;
    qsort(b->pairs, b->n_pairs, sizeof *b->pairs, pair_compare);
    size_t out = 0;
    for (size_t i = 1; i < b->n_pairs; i++) {
        if (pair_compare(&b->pairs[out], &b->pairs[i]) == 0)
            b->pairs[out].weight += b->pairs[i].weight;
        else
            b->pairs[++out] = b->pairs[i];
    }
    b->n_pairs = out + 1;
}

static int pairs_reserve_one(reco_matrix_builder_t *b)
{
    if (b->n_pairs < b->cap_pairs) return 0;
    pairs_merge(b);
    if (b->n_pairs < b->cap_pairs / 2) return 0;
    size_t cap = b->cap_pairs ? b->cap_pairs * 2 : MIN_PAIRS;
    pair_t *grown = realloc(b->pairs, cap * sizeof *grown);
    if (!grown) return -1;
    b->pairs = grown;
    b->cap_pairs = cap;
    return 0;
}

int reco_matrix_builder_add(reco_matrix_builder_t *b, const char *user, size_t user_len,
                            const char *item, size_t item_len, double weight)
{
    uint32_t u, i;
    if (reco_intern_add(b->users, user, user_len, &u) != 0 || reco_intern_add(b->items, item, item_len, &i) != 0)
        return -1;
    if (pairs_reserve_one(b) != 0) return -1;
    b->pairs[b->n_pairs++] = (pair_t){.user = u, .item = i, .weight = weight};
    return 0;
}

/* Lays the merged, sorted triples out as CSR and transposes them into CSC. */
static int matrix_fill(reco_matrix_t *m, const pair_t *pairs)
{
    size_t nnz = m->nnz ? m->nnz : 1;
    m->user_ptr = calloc(m->n_users + 1, sizeof *m->user_ptr);
    m->item_ptr = calloc(m->n_items + 1, sizeof *m->item_ptr);
    m->user_items = malloc(nnz * sizeof *m->user_items);
    m->user_weights = malloc(nnz * sizeof *m->user_weights);
    m->item_users = malloc(nnz * sizeof *m->item_users);
    m->item_weights = malloc(nnz * sizeof *m->item_weights);
    if (!m->user_ptr || !m->item_ptr || !m->user_items || !m->user_weights || !m->item_users ||
        !m->item_weights)
        return -1;
    for (size_t k = 0; k < m->nnz; k++) {
        m->user_ptr[pairs[k].user + 1]++;
        m->item_ptr[pairs[k].item + 1]++;
        m->user_items[k] = pairs[k].item;
        m->user_weights[k] = pairs[k].weight;
    }
    for (size_t u = 0; u < m->n_users; u++)
        m->user_ptr[u + 1] += m->user_ptr[u];
    for (size_t i = 0; i < m->n_items; i++)
        m->item_ptr[i + 1] += m->item_ptr[i];
    size_t *next = malloc((m->n_items ? m->n_items : 1) * sizeof *next);
    if (!next) return -1;
    memcpy(next, m->item_ptr, m->n_items * sizeof *next);
    for (size_t k = 0; k < m->nnz; k++) {
        size_t slot = next[pairs[k].item]++;
        m->item_users[slot] = pairs[k].user;
        m->item_weights[slot] = pairs[k].weight;
    }
    free(next);
    return 0;
}

reco_matrix_t *reco_matrix_builder_finish(reco_matrix_builder_t **bp)
{
    reco_matrix_builder_t *b = *bp;
    reco_matrix_t *m = calloc(1, sizeof *m);
    uint32_t *urank = malloc((reco_intern_count(b->users) ? reco_intern_count(b->users) : 1) * sizeof *urank);
    uint32_t *irank = malloc((reco_intern_count(b->items) ? reco_intern_count(b->items) : 1) * sizeof *irank);
    int ok = m && urank && irank;
    if (ok) {
        m->n_users = reco_intern_count(b->users);
        m->n_items = reco_intern_count(b->items);
        ok = reco_intern_freeze(b->users, urank, &m->user_ids, &m->user_id_lens, &m->user_arena) == 0 &&
             reco_intern_freeze(b->items, irank, &m->item_ids, &m->item_id_lens, &m->item_arena) == 0;
    }
    if (ok) {
        for (size_t k = 0; k < b->n_pairs; k++) {
            b->pairs[k].user = urank[b->pairs[k].user];
            b->pairs[k].item = irank[b->pairs[k].item];
        }
        pairs_merge(b);
        m->nnz = b->n_pairs;
        ok = matrix_fill(m, b->pairs) == 0;
    }
    free(urank);
    free(irank);
    reco_matrix_builder_destroy(bp);
    if (!ok) reco_matrix_destroy(&m);
    return m;
}

/* ---- from events ----------------------------------------------------------------------- */

/* Stable counting sort of idx[0 .. n) by key[idx[k]] (< n_keys) into out. */
static int counting_sort(const uint32_t *idx, size_t n, const uint32_t *key, size_t n_keys,
                         uint32_t *out)
{
    size_t *start = calloc(n_keys + 1, sizeof *start);
    if (!start) return -1;
    for (size_t k = 0; k < n; k++)
        start[key[idx[k]] + 1]++;
    for (size_t v = 0; v < n_keys; v++)
        start[v + 1] += start[v];
    for (size_t k = 0; k < n; k++)
        out[start[key[idx[k]]]++] = idx[k];
    free(start);
    return 0;
}

/* The kept event indices sorted by (user, item, event index). NULL when out of memory. */
static uint32_t *events_by_pair(const reco_matrix_source_t *src, size_t *n_kept)
{
    size_t n = 0;
    for (size_t k = 0; k < src->n_events; k++)
        n += !src->keep || src->keep[k];
    uint32_t *kept = malloc((n ? n : 1) * sizeof *kept);
    uint32_t *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!kept || !sorted) {
        free(kept);
        free(sorted);
        return NULL;
    }
    size_t at = 0;
    for (size_t k = 0; k < src->n_events; k++)
        if (!src->keep || src->keep[k]) kept[at++] = (uint32_t)k;
    int rc = counting_sort(kept, n, src->item, src->n_items, sorted);
    if (rc == 0) rc = counting_sort(sorted, n, src->user, src->n_users, kept);
    free(sorted);
    if (rc != 0) {
        free(kept);
        return NULL;
    }
    *n_kept = n;
    return kept;
}

/* Fills the CSR arrays from the sorted events, summing each pair's weights in event order. */
static int fill_rows(reco_matrix_t *m, const reco_matrix_source_t *src, const uint32_t *ord,
                     size_t n)
{
    size_t nnz = 0;
    for (size_t k = 0; k < n; k++)
        nnz += k == 0 || src->user[ord[k]] != src->user[ord[k - 1]] ||
               src->item[ord[k]] != src->item[ord[k - 1]];
    m->nnz = nnz;
    m->user_ptr = calloc(m->n_users + 1, sizeof *m->user_ptr);
    m->user_items = malloc((nnz ? nnz : 1) * sizeof *m->user_items);
    m->user_weights = malloc((nnz ? nnz : 1) * sizeof *m->user_weights);
    if (!m->user_ptr || !m->user_items || !m->user_weights) return -1;
    size_t p = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t u = src->user[ord[k]], i = src->item[ord[k]];
        if (k > 0 && u == src->user[ord[k - 1]] && i == src->item[ord[k - 1]]) {
            m->user_weights[p - 1] += src->weight[ord[k]];
            continue;
        }
        m->user_items[p] = i;
        m->user_weights[p++] = src->weight[ord[k]];
        m->user_ptr[u + 1]++;
    }
    for (size_t u = 0; u < m->n_users; u++)
        m->user_ptr[u + 1] += m->user_ptr[u];
    return 0;
}

/* Transposes CSR into CSC (users stay ascending within each column). */
static int fill_columns(reco_matrix_t *m)
{
    size_t nnz = m->nnz ? m->nnz : 1;
    m->item_ptr = calloc(m->n_items + 1, sizeof *m->item_ptr);
    m->item_users = malloc(nnz * sizeof *m->item_users);
    m->item_weights = malloc(nnz * sizeof *m->item_weights);
    size_t *next = malloc((m->n_items ? m->n_items : 1) * sizeof *next);
    if (!m->item_ptr || !m->item_users || !m->item_weights || !next) {
        free(next);
        return -1;
    }
    for (size_t p = 0; p < m->nnz; p++)
        m->item_ptr[m->user_items[p] + 1]++;
    for (size_t i = 0; i < m->n_items; i++)
        m->item_ptr[i + 1] += m->item_ptr[i];
    memcpy(next, m->item_ptr, m->n_items * sizeof *next);
    for (size_t u = 0; u < m->n_users; u++)
        for (size_t p = m->user_ptr[u]; p < m->user_ptr[u + 1]; p++) {
            size_t slot = next[m->user_items[p]]++;
            m->item_users[slot] = (uint32_t)u;
            m->item_weights[slot] = m->user_weights[p];
        }
    free(next);
    return 0;
}

reco_matrix_t *reco_matrix_from_events(const reco_matrix_source_t *src)
{
    if (src->n_events > UINT32_MAX) return NULL;
    reco_matrix_t *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->borrowed_ids = 1;
    m->n_users = src->n_users;
    m->n_items = src->n_items;
    m->user_ids = (const char **)src->user_ids;
    m->user_id_lens = (size_t *)src->user_id_lens;
    m->item_ids = (const char **)src->item_ids;
    m->item_id_lens = (size_t *)src->item_id_lens;
    size_t n = 0;
    uint32_t *ord = events_by_pair(src, &n);
    int ok = ord && fill_rows(m, src, ord, n) == 0;
    free(ord);
    if (ok) ok = fill_columns(m) == 0;
    if (!ok) reco_matrix_destroy(&m);
    return m;
}

void reco_matrix_destroy(reco_matrix_t **mp)
{
    if (!mp || !*mp) return;
    reco_matrix_t *m = *mp;
    if (!m->borrowed_ids) {
        free(m->user_ids);
        free(m->user_id_lens);
        free(m->item_ids);
        free(m->item_id_lens);
    }
    free(m->user_arena);
    free(m->item_arena);
    free(m->user_ptr);
    free(m->user_items);
    free(m->user_weights);
    free(m->item_ptr);
    free(m->item_users);
    free(m->item_weights);
    free(m);
    *mp = NULL;
}
