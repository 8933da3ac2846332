/* reco_baskets — baskets from events, and association rules up to 3-itemsets (see reco_baskets.h).
 *
 * Mining works item by item, with the sparse-accumulator technique of item-to-item instead of a
 * hash of all pairs or triples:
 *   1. index   n({i}) per item over the baskets kept, and each item's baskets (ascending);
 *   2. pairs   for each frequent item a (n >= min), count n({a, c}) for every c over a's baskets:
 *              the rules a → c; the pairs with c > a and n >= min become the frequent-pair table
 *              (row a: partners ascending, with their counts);
 *   3. triples for each frequent pair (a, b), a < b: a's baskets are bucketed by partner b once,
 *              then n({a, b, c}) is counted over the bucket of b: the rules {a, b} → c, and, for
 *              c > b (so each triple is met exactly once), a → {b, c}, b → {a, c}, c → {a, b},
 *              whose consequents' counts come from the pair table;
 *   4. lists   each antecedent's single consequents (kept from step 2) and 2-item consequents
 *              (bounded heaps filled in step 3) are sorted into item_rules.
 * Any itemset counted is frequent only if its subsets are, so only frequent items are accumulated
 * and only frequent pairs are extended. */
#include "reco_baskets.h"

#include <stdlib.h>
#include <string.h>

/* ---- baskets from events ----------------------------------------------------------------- */

typedef struct {
    reco_basket_list_t *out;
    size_t cap_baskets, cap_items;
} basket_builder_t;

static int grow_array(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* Appends the set of items[0 .. n) (sorted and de-duplicated in place) as one basket. */
static int push_basket(basket_builder_t *bb, uint32_t *items, size_t n)
{
    if (n == 0) return 0;
    qsort(items, n, sizeof *items, compare_u32);
    size_t distinct = 1;
    for (size_t k = 1; k < n; k++)
        if (items[k] != items[distinct - 1]) items[distinct++] = items[k];
    reco_basket_list_t *o = bb->out;
    size_t at = o->ptr[o->n_baskets];
    if (grow_array((void **)&o->ptr, &bb->cap_baskets, o->n_baskets + 2, sizeof *o->ptr) != 0 ||
        grow_array((void **)&o->items, &bb->cap_items, at + distinct, sizeof *o->items) != 0)
        return -1;
    memcpy(o->items + at, items, distinct * sizeof *items);
    o->ptr[++o->n_baskets] = at + distinct;
    return 0;
}

/* Stable counting sort of idx[0 .. n) by key[idx[k]] (< n_keys) into out; start receives the
 * n_keys + 1 group bounds. */
static int group_by(const uint32_t *idx, size_t n, const uint32_t *key, size_t n_keys,
                    uint32_t *out, size_t **start)
{
    size_t *s = calloc(n_keys + 1, sizeof *s), *next = malloc((n_keys + 1) * sizeof *next);
    if (!s || !next) {
        free(s);
        free(next);
        return -1;
    }
    for (size_t k = 0; k < n; k++)
        s[key[idx[k]] + 1]++;
    for (size_t v = 0; v < n_keys; v++)
        s[v + 1] += s[v];
    memcpy(next, s, (n_keys + 1) * sizeof *next);
    for (size_t k = 0; k < n; k++)
        out[next[key[idx[k]]]++] = idx[k];
    free(next);
    *start = s;
    return 0;
}

static int compare_by_time(const void *pa, const void *pb, void *ctx)
{
    const int64_t *ts = ctx;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    if (ts[a] != ts[b]) return ts[a] < ts[b] ? -1 : 1;
    return a < b ? -1 : (a > b ? 1 : 0);
}

/* One basket per order / session key. */
static int keyed_baskets(const reco_event_table_t *t, const uint32_t *idx, size_t n,
                         basket_builder_t *bb, uint32_t *sorted, uint32_t *scratch)
{
    size_t *start = NULL;
    if (group_by(idx, n, t->basket, t->n_baskets, sorted, &start) != 0) return -1;
    int rc = 0;
    for (size_t key = 0; rc == 0 && key < t->n_baskets; key++) {
        size_t m = 0;
        for (size_t k = start[key]; k < start[key + 1]; k++)
            scratch[m++] = t->item[sorted[k]];
        rc = push_basket(bb, scratch, m);
    }
    free(start);
    return rc;
}

/* Time-window baskets of each user's key-less events. */
static int window_baskets(const reco_event_table_t *t, const uint32_t *idx, size_t n,
                          int64_t gap_ms, basket_builder_t *bb, uint32_t *sorted, uint32_t *scratch)
{
    size_t *start = NULL;
    if (group_by(idx, n, t->user, t->n_users, sorted, &start) != 0) return -1;
    int rc = 0;
    for (size_t u = 0; rc == 0 && u < t->n_users; u++) {
        uint32_t *ev = sorted + start[u];
        size_t count = start[u + 1] - start[u], m = 0;
        qsort_r(ev, count, sizeof *ev, compare_by_time, (void *)t->ts);
        for (size_t k = 0; rc == 0 && k < count; k++) {
            if (k > 0 && t->ts[ev[k]] - t->ts[ev[k - 1]] > gap_ms) {
                rc = push_basket(bb, scratch, m);
                m = 0;
            }
            scratch[m++] = t->item[ev[k]];
        }
        if (rc == 0) rc = push_basket(bb, scratch, m);
    }
    free(start);
    return rc;
}

int reco_baskets_from_events(const reco_event_table_t *t, unsigned type_mask, int64_t gap_ms,
                             reco_basket_list_t *out)
{
    memset(out, 0, sizeof *out);
    basket_builder_t bb = {.out = out};
    size_t n = t->n_events ? t->n_events : 1, n_keyed = 0, n_free = 0;
    uint32_t *keyed = malloc(n * sizeof *keyed), *loose = malloc(n * sizeof *loose);
    uint32_t *sorted = malloc(n * sizeof *sorted), *scratch = malloc(n * sizeof *scratch);
    int rc = keyed && loose && sorted && scratch &&
                     grow_array((void **)&out->ptr, &bb.cap_baskets, 1, sizeof *out->ptr) == 0
                 ? 0
                 : -1;
    if (rc == 0) {
        out->ptr[0] = 0;
        for (size_t k = 0; k < t->n_events; k++) {
            if (t->type[k] >= 32 || !(type_mask & (1u << t->type[k])) || !(t->weight[k] > 0.0))
                continue;
            if (t->basket && t->basket[k] != RECO_NO_BASKET)
                keyed[n_keyed++] = (uint32_t)k;
            else
                loose[n_free++] = (uint32_t)k;
        }
        rc = keyed_baskets(t, keyed, n_keyed, &bb, sorted, scratch);
    }
    if (rc == 0) rc = window_baskets(t, loose, n_free, gap_ms, &bb, sorted, scratch);
    free(keyed);
    free(loose);
    free(sorted);
    free(scratch);
    if (rc != 0) reco_basket_list_clear(out);
    return rc;
}

void reco_basket_list_clear(reco_basket_list_t *b)
{
    if (!b) return;
    free(b->ptr);
    free(b->items);
    memset(b, 0, sizeof *b);
}

/* ---- rule lists ---------------------------------------------------------------------------- */

/* 1 when x ranks strictly before y: higher score, then smaller consequent. */
static int rule_before(const reco_rule_t *x, const reco_rule_t *y)
{
    if (x->score != y->score) return x->score > y->score;
    if (x->item[0] != y->item[0]) return x->item[0] < y->item[0];
    return x->item[1] < y->item[1];
}

static int rule_compare(const void *a, const void *b)
{
    if (rule_before(a, b)) return -1;
    return rule_before(b, a) ? 1 : 0;
}

/* A list of rules; with k > 0 a heap of the k best (the worst at the root), else all of them. */
typedef struct {
    reco_rule_t *r;
    size_t n, cap;
} rule_vec_t;

static void rule_swap(reco_rule_t *a, reco_rule_t *b)
{
    reco_rule_t t = *a;
    *a = *b;
    *b = t;
}

static int vec_offer(rule_vec_t *v, size_t k, const reco_rule_t *r)
{
    if (k == 0 || v->n < k) {
        if (grow_array((void **)&v->r, &v->cap, v->n + 1, sizeof *v->r) != 0) return -1;
        size_t at = v->n++;
        v->r[at] = *r;
        while (k && at > 0 && rule_before(&v->r[(at - 1) / 2], &v->r[at])) {
            rule_swap(&v->r[(at - 1) / 2], &v->r[at]);
            at = (at - 1) / 2;
        }
        return 0;
    }
    if (!rule_before(r, &v->r[0])) return 0;
    v->r[0] = *r;
    for (size_t at = 0;;) {
        size_t worst = at, l = 2 * at + 1;
        if (l < v->n && rule_before(&v->r[worst], &v->r[l])) worst = l;
        if (l + 1 < v->n && rule_before(&v->r[worst], &v->r[l + 1])) worst = l + 1;
        if (worst == at) return 0;
        rule_swap(&v->r[at], &v->r[worst]);
        at = worst;
    }
}

/* ---- mining -------------------------------------------------------------------------------- */

typedef struct {
    const reco_basket_list_t *b;
    const reco_basket_options_t *o;
    reco_basket_rules_t *out;
    size_t n_items, min;
    double n_baskets; /* N, as a double */
    uint32_t *count;  /* n({i}) */
    size_t *by_item_ptr;
    uint32_t *by_item; /* each item's kept baskets, ascending */
    size_t *pair_ptr;  /* frequent pairs: row a = partners b > a, ascending */
    uint32_t *pair_other, *pair_count;
    size_t n_pairs, cap_pairs, cap_pair_counts;
    uint32_t *acc, *touched, *partner_of;
    uint64_t *stamp;
    uint64_t round;
    size_t *single_ptr; /* rules a → c kept in step 2, row a */
    reco_rule_t *singles;
    size_t n_singles, cap_singles;
    rule_vec_t *pair_rules; /* n_items: a → {c, d} */
    rule_vec_t scratch;
    size_t *bucket_ptr;
    uint32_t *bucket;
    size_t cap_bucket_ptr, cap_bucket;
    size_t cap_contexts, n_context_rules, cap_context_rules;
    reco_ticker_t ticker;
} miner_t;

static double support(const miner_t *m, size_t n)
{
    return (double)n / m->n_baskets;
}

static reco_rule_t make_rule(const miner_t *m, uint32_t c0, uint32_t c1, size_t n_union,
                             size_t n_antecedent, size_t n_consequent)
{
    reco_rule_t r = {.item = {c0, c1}, .count = (uint32_t)n_union};
    double s_union = support(m, n_union), s_ante = support(m, n_antecedent);
    double s_cons = support(m, n_consequent);
    r.confidence = s_union / s_ante;
    r.lift = r.confidence / s_cons;
    r.score = r.confidence * r.lift / (1.0 + r.lift);
    return r;
}

static int kept_basket(const miner_t *m, size_t k)
{
    size_t size = m->b->ptr[k + 1] - m->b->ptr[k];
    return m->o->max_basket_items == 0 || size <= m->o->max_basket_items;
}

/* Step 1: counts and the baskets of each item. */
static int mine_index(miner_t *m)
{
    const reco_basket_list_t *b = m->b;
    size_t n = m->n_items ? m->n_items : 1, kept = 0, total = 0;
    m->count = calloc(n, sizeof *m->count);
    m->by_item_ptr = calloc(m->n_items + 1, sizeof *m->by_item_ptr);
    if (!m->count || !m->by_item_ptr) return -1;
    for (size_t k = 0; k < b->n_baskets; k++) {
        if (!kept_basket(m, k)) continue;
        kept++;
        for (size_t p = b->ptr[k]; p < b->ptr[k + 1]; p++) {
            m->count[b->items[p]]++;
            total++;
        }
    }
    m->n_baskets = (double)kept;
    m->out->n_baskets = kept;
    for (size_t i = 0; i < m->n_items; i++)
        m->by_item_ptr[i + 1] = m->by_item_ptr[i] + m->count[i];
    m->by_item = malloc((total ? total : 1) * sizeof *m->by_item);
    size_t *next = malloc(n * sizeof *next);
    if (!m->by_item || !next) {
        free(next);
        return -1;
    }
    memcpy(next, m->by_item_ptr, m->n_items * sizeof *next);
    for (size_t k = 0; k < b->n_baskets; k++)
        if (kept_basket(m, k))
            for (size_t p = b->ptr[k]; p < b->ptr[k + 1]; p++)
                m->by_item[next[b->items[p]]++] = (uint32_t)k;
    free(next);
    return 0;
}

/* Counts, into acc, the frequent items other than skip0 and skip1 over the given baskets;
 * returns the number of items touched (listed in m->touched). */
static size_t accumulate(miner_t *m, const uint32_t *baskets, size_t n, uint32_t skip0,
                         uint32_t skip1)
{
    uint64_t mark = ++m->round;
    size_t n_touched = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t basket = baskets[k];
        for (size_t p = m->b->ptr[basket]; p < m->b->ptr[basket + 1]; p++) {
            uint32_t c = m->b->items[p];
            if (c == skip0 || c == skip1 || m->count[c] < m->min) continue;
            if (m->stamp[c] != mark) {
                m->stamp[c] = mark;
                m->acc[c] = 0;
                m->touched[n_touched++] = c;
            }
            m->acc[c]++;
        }
    }
    return n_touched;
}

/* Sorts the scratch list and appends it to (*rules, *n, *cap). */
static int flush_scratch(miner_t *m, reco_rule_t **rules, size_t *n, size_t *cap)
{
    if (m->scratch.n > 1) qsort(m->scratch.r, m->scratch.n, sizeof *m->scratch.r, rule_compare);
    if (grow_array((void **)rules, cap, *n + m->scratch.n, sizeof **rules) != 0) return -1;
    if (m->scratch.n) memcpy(*rules + *n, m->scratch.r, m->scratch.n * sizeof **rules);
    *n += m->scratch.n;
    m->scratch.n = 0;
    return 0;
}

/* Step 2 for one frequent item a: its single-consequent rules and its frequent pairs (a, c>a). */
static int mine_pairs_of(miner_t *m, uint32_t a)
{
    const uint32_t *baskets = m->by_item + m->by_item_ptr[a];
    size_t n_touched = accumulate(m, baskets, m->count[a], a, a);
    qsort(m->touched, n_touched, sizeof *m->touched, compare_u32);
    for (size_t t = 0; t < n_touched; t++) {
        uint32_t c = m->touched[t];
        if (m->acc[c] < m->min) continue;
        reco_rule_t r = make_rule(m, c, RECO_NO_ITEM, m->acc[c], m->count[a], m->count[c]);
        if (vec_offer(&m->scratch, m->o->top_k, &r) != 0) return -1;
        if (c < a) continue;
        if (grow_array((void **)&m->pair_other, &m->cap_pairs, m->n_pairs + 1,
                       sizeof *m->pair_other) != 0 ||
            grow_array((void **)&m->pair_count, &m->cap_pair_counts, m->n_pairs + 1,
                       sizeof *m->pair_count) != 0)
            return -1;
        m->pair_other[m->n_pairs] = c;
        m->pair_count[m->n_pairs++] = m->acc[c];
    }
    return flush_scratch(m, &m->singles, &m->n_singles, &m->cap_singles);
}

static int mine_pairs(miner_t *m)
{
    m->pair_ptr = calloc(m->n_items + 1, sizeof *m->pair_ptr);
    m->single_ptr = calloc(m->n_items + 1, sizeof *m->single_ptr);
    if (!m->pair_ptr || !m->single_ptr) return -1;
    for (size_t a = 0; a < m->n_items; a++) {
        if (reco_ticker_check(&m->ticker)) return -1;
        if (m->count[a] >= m->min && mine_pairs_of(m, (uint32_t)a) != 0) return -1;
        m->pair_ptr[a + 1] = m->n_pairs;
        m->single_ptr[a + 1] = m->n_singles;
    }
    m->out->n_frequent_pairs = m->n_pairs;
    return 0;
}

/* n({x, y}) for x < y if the pair is frequent (it always is when a triple holding it is). */
static uint32_t pair_count(const miner_t *m, uint32_t x, uint32_t y)
{
    size_t lo = m->pair_ptr[x], hi = m->pair_ptr[x + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->pair_other[mid] < y)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->pair_ptr[x + 1] && m->pair_other[lo] == y ? m->pair_count[lo] : 0;
}

/* Buckets a's baskets by frequent partner b > a: bucket_ptr[p] .. bucket_ptr[p + 1] are the
 * baskets holding a and the p-th partner. */
static int bucket_partners(miner_t *m, uint32_t a)
{
    size_t first = m->pair_ptr[a], n_partners = m->pair_ptr[a + 1] - first;
    const uint32_t *baskets = m->by_item + m->by_item_ptr[a];
    if (grow_array((void **)&m->bucket_ptr, &m->cap_bucket_ptr, n_partners + 1,
                   sizeof *m->bucket_ptr) != 0)
        return -1;
    memset(m->bucket_ptr, 0, (n_partners + 1) * sizeof *m->bucket_ptr);
    for (size_t p = 0; p < n_partners; p++)
        m->partner_of[m->pair_other[first + p]] = (uint32_t)p + 1;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < m->count[a]; k++)
            for (size_t q = m->b->ptr[baskets[k]]; q < m->b->ptr[baskets[k] + 1]; q++) {
                uint32_t b = m->b->items[q], p = b > a ? m->partner_of[b] : 0;
                if (p == 0) continue;
                if (pass == 0)
                    m->bucket_ptr[p]++;
                else
                    m->bucket[m->bucket_ptr[p - 1]++] = baskets[k];
            }
        if (pass == 1) break;
        for (size_t p = 0; p < n_partners; p++)
            m->bucket_ptr[p + 1] += m->bucket_ptr[p];
        if (grow_array((void **)&m->bucket, &m->cap_bucket, m->bucket_ptr[n_partners] + 1,
                       sizeof *m->bucket) != 0)
            return -1;
    }
    /* the fill pass advanced each start to the next one's: shift back */
    memmove(m->bucket_ptr + 1, m->bucket_ptr, n_partners * sizeof *m->bucket_ptr);
    m->bucket_ptr[0] = 0;
    for (size_t p = 0; p < n_partners; p++)
        m->partner_of[m->pair_other[first + p]] = 0;
    return 0;
}

/* The three rules of triple {a, b, c}, a < b < c, into the antecedents' 2-item lists. */
static int offer_triple(miner_t *m, uint32_t a, uint32_t b, uint32_t c, uint32_t n_abc,
                        uint32_t n_ab)
{
    reco_rule_t ra = make_rule(m, b, c, n_abc, m->count[a], pair_count(m, b, c));
    reco_rule_t rb = make_rule(m, a, c, n_abc, m->count[b], pair_count(m, a, c));
    reco_rule_t rc = make_rule(m, a, b, n_abc, m->count[c], n_ab);
    size_t k = m->o->top_k;
    if (vec_offer(&m->pair_rules[a], k, &ra) != 0 || vec_offer(&m->pair_rules[b], k, &rb) != 0 ||
        vec_offer(&m->pair_rules[c], k, &rc) != 0)
        return -1;
    return 0;
}

/* Makes room for one more context in the output's parallel arrays. */
static int reserve_context(miner_t *m)
{
    reco_basket_rules_t *o = m->out;
    if (o->n_contexts + 1 <= m->cap_contexts) return 0;
    size_t cap = m->cap_contexts ? 2 * m->cap_contexts : 256;
    uint32_t *items = realloc(o->context_items, 2 * cap * sizeof *items);
    if (!items) return -1;
    o->context_items = items;
    uint32_t *count = realloc(o->context_count, cap * sizeof *count);
    if (!count) return -1;
    o->context_count = count;
    size_t *ptr = realloc(o->context_ptr, (cap + 1) * sizeof *ptr);
    if (!ptr) return -1;
    o->context_ptr = ptr;
    m->cap_contexts = cap;
    return 0;
}

/* Appends context {a, b} with the rules in scratch. */
static int push_context(miner_t *m, uint32_t a, uint32_t b, uint32_t n_ab)
{
    reco_basket_rules_t *o = m->out;
    if (reserve_context(m) != 0) return -1;
    size_t at = o->n_contexts;
    o->context_items[2 * at] = a;
    o->context_items[2 * at + 1] = b;
    o->context_count[at] = n_ab;
    o->context_ptr[at] = m->n_context_rules;
    if (flush_scratch(m, &o->context_rules, &m->n_context_rules, &m->cap_context_rules) != 0)
        return -1;
    o->context_ptr[at + 1] = m->n_context_rules;
    o->n_contexts++;
    return 0;
}

/* Step 3 for the frequent pair (a, b), whose baskets are bucket p. */
static int mine_triples_of(miner_t *m, uint32_t a, uint32_t b, uint32_t n_ab, size_t p)
{
    size_t n_touched =
        accumulate(m, m->bucket + m->bucket_ptr[p], m->bucket_ptr[p + 1] - m->bucket_ptr[p], a, b);
    qsort(m->touched, n_touched, sizeof *m->touched, compare_u32);
    for (size_t t = 0; t < n_touched; t++) {
        uint32_t c = m->touched[t], n_abc = m->acc[c];
        if (n_abc < m->min) continue;
        reco_rule_t r = make_rule(m, c, RECO_NO_ITEM, n_abc, n_ab, m->count[c]);
        if (vec_offer(&m->scratch, m->o->top_k, &r) != 0) return -1;
        if (c > b && offer_triple(m, a, b, c, n_abc, n_ab) != 0) return -1;
    }
    return m->scratch.n ? push_context(m, a, b, n_ab) : 0;
}

static int mine_triples(miner_t *m)
{
    for (size_t a = 0; a < m->n_items; a++) {
        size_t first = m->pair_ptr[a], n_partners = m->pair_ptr[a + 1] - first;
        if (n_partners == 0) continue;
        if (bucket_partners(m, (uint32_t)a) != 0) return -1;
        for (size_t p = 0; p < n_partners; p++) {
            if (reco_ticker_check(&m->ticker)) return -1;
            if (mine_triples_of(m, (uint32_t)a, m->pair_other[first + p], m->pair_count[first + p],
                                p) != 0)
                return -1;
        }
    }
    return 0;
}

/* Step 4: item_rules = per antecedent, its singles then its sorted 2-item consequents. */
static int assemble(miner_t *m)
{
    reco_basket_rules_t *o = m->out;
    size_t total = m->n_singles;
    for (size_t a = 0; a < m->n_items; a++)
        total += m->pair_rules[a].n;
    o->item_ptr = malloc((m->n_items + 1) * sizeof *o->item_ptr);
    o->item_rules = malloc((total ? total : 1) * sizeof *o->item_rules);
    if (!o->item_ptr || !o->item_rules) return -1;
    size_t at = 0;
    o->item_ptr[0] = 0;
    for (size_t a = 0; a < m->n_items; a++) {
        size_t n1 = m->single_ptr[a + 1] - m->single_ptr[a];
        if (n1) memcpy(o->item_rules + at, m->singles + m->single_ptr[a], n1 * sizeof *m->singles);
        at += n1;
        rule_vec_t *v = &m->pair_rules[a];
        if (v->n > 1) qsort(v->r, v->n, sizeof *v->r, rule_compare);
        if (v->n) memcpy(o->item_rules + at, v->r, v->n * sizeof *v->r);
        at += v->n;
        o->item_ptr[a + 1] = at;
    }
    o->n_rules = total + m->n_context_rules;
    o->item_count = m->count;
    m->count = NULL;
    return 0;
}

static void miner_free(miner_t *m)
{
    free(m->count);
    free(m->by_item_ptr);
    free(m->by_item);
    free(m->pair_ptr);
    free(m->pair_other);
    free(m->pair_count);
    free(m->acc);
    free(m->touched);
    free(m->partner_of);
    free(m->stamp);
    free(m->single_ptr);
    free(m->singles);
    for (size_t a = 0; m->pair_rules && a < m->n_items; a++)
        free(m->pair_rules[a].r);
    free(m->pair_rules);
    free(m->scratch.r);
    free(m->bucket_ptr);
    free(m->bucket);
}

int reco_model_bought_with(const reco_basket_list_t *baskets, size_t n_items,
                           const reco_basket_options_t *o, reco_basket_rules_t *out)
{
    memset(out, 0, sizeof *out);
    out->n_items = n_items;
    miner_t m = {.b = baskets, .o = o, .out = out, .n_items = n_items};
    m.min = o->min_support ? o->min_support : 1;
    reco_ticker_init(&m.ticker, o->tick, o->tick_ctx, 1000);
    size_t n = n_items ? n_items : 1;
    m.acc = malloc(n * sizeof *m.acc);
    m.touched = malloc(n * sizeof *m.touched);
    m.partner_of = calloc(n, sizeof *m.partner_of);
    m.stamp = calloc(n, sizeof *m.stamp);
    m.pair_rules = calloc(n, sizeof *m.pair_rules);
    int rc = m.acc && m.touched && m.partner_of && m.stamp && m.pair_rules ? 0 : -1;
    if (rc == 0) rc = mine_index(&m);
    if (rc == 0) rc = mine_pairs(&m);
    if (rc == 0) rc = mine_triples(&m);
    if (rc == 0) rc = assemble(&m);
    miner_free(&m);
    if (rc != 0) reco_basket_rules_clear(out);
    return rc;
}

void reco_basket_rules_clear(reco_basket_rules_t *r)
{
    if (!r) return;
    free(r->item_count);
    free(r->item_ptr);
    free(r->item_rules);
    free(r->context_items);
    free(r->context_count);
    free(r->context_ptr);
    free(r->context_rules);
    memset(r, 0, sizeof *r);
}
