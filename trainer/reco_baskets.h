/* reco_baskets — bought-with: baskets, and association rules within them.
 *
 * Pure functions (no Redis, no logging; deterministic).
 *
 * Baskets (reco_baskets_from_events). The events kept are those whose type is in type_mask (bit
 * 1 << reco_event_type_t; the trainer uses purchases) and whose weight is > 0. An event with an
 * order id belongs to that order's basket; else one with a session id to that session's basket;
 * else it falls into a time-window basket of its user: the user's key-less events, in time order,
 * are cut wherever two consecutive ones are more than gap_ms apart (30 min in the trainer). A
 * basket is the set of its distinct items (ascending item indices).
 *
 * Rules (reco_model_bought_with). Baskets with more than max_basket_items items are left out
 * (they would cost O(size³)); N is the number of baskets that remain. For an itemset X,
 * n(X) = baskets containing X and support(X) = n(X) / N. For a rule A → C:
 *     confidence = support(A ∪ C) / support(A),  lift = confidence / support(C),
 *     score = confidence · lift / (1 + lift)
 * computed as doubles in exactly this way: s = (double)n / (double)N for each support, then the
 * three lines above. A rule exists when n(A ∪ C) >= min_support; itemsets have at most 3 items:
 *   - for each item a: consequents c (A = {a}, C = {c}) and 2-item consequents {c, d};
 *   - for each 2-item antecedent {a, b} (a context): consequents c.
 * Each list keeps its top_k rules (0: all) by score descending, then consequent ascending: a's
 * list keeps top_k single and top_k 2-item consequents (singles first in the list), a context's
 * list top_k single ones. Item indices are the caller's (the trainer's are in id byte order, so
 * a context {a, b} with a < b has id(a) < id(b) bytewise).
 *
 * Cost: one pass per item over its baskets for pairs, and for each frequent pair (a, b) a pass
 * over the baskets holding both for triples: O(Σ_basket size³) at worst. Memory: the baskets by
 * item, the frequent pairs (8 bytes each), the rules kept, and O(n_items) scratch. */
#ifndef RECO_BASKETS_H
#define RECO_BASKETS_H

#include <stddef.h>
#include <stdint.h>

#include "reco_events.h"
#include "reco_models.h"

#define RECO_NO_ITEM UINT32_MAX

typedef struct {
    size_t n_baskets;
    size_t *ptr;     /* n_baskets + 1: basket k is items[ptr[k] .. ptr[k + 1]) */
    uint32_t *items; /* distinct and ascending within a basket */
} reco_basket_list_t;

/* Fills *out (malloc'ed; reco_basket_list_clear). 0, or -1 when out of memory (*out is then
 * empty). gap_ms >= 0. */
int reco_baskets_from_events(const reco_event_table_t *t, unsigned type_mask, int64_t gap_ms,
                             reco_basket_list_t *out);
void reco_basket_list_clear(reco_basket_list_t *b);

typedef struct {
    uint32_t item[2]; /* the consequent: {item[0]}, item[1] == RECO_NO_ITEM; or item[0] < item[1] */
    uint32_t count;   /* n(A ∪ C) */
    double confidence, lift, score;
} reco_rule_t;

typedef struct {
    size_t n_baskets; /* N */
    size_t n_items;
    uint32_t *item_count; /* n_items: n({a}) */
    size_t *item_ptr;     /* n_items + 1: rules of antecedent {a} */
    reco_rule_t *item_rules;
    size_t n_contexts;       /* 2-item antecedents with at least one rule, by (a, b) ascending */
    uint32_t *context_items; /* 2 per context: a < b */
    uint32_t *context_count; /* n({a, b}) */
    size_t *context_ptr;     /* n_contexts + 1 */
    reco_rule_t *context_rules;
    size_t n_rules;          /* rules kept, in both kinds of list */
    size_t n_frequent_pairs; /* 2-itemsets with n >= min_support */
} reco_basket_rules_t;

typedef struct {
    size_t min_support;      /* >= 1 (the trainer's default: 2) */
    size_t top_k;            /* rules per list and kind; 0: all */
    size_t max_basket_items; /* larger baskets are left out; 0: none is */
    reco_tick_fn tick;       /* may be NULL; returning non-zero cancels */
    void *tick_ctx;
} reco_basket_options_t;

/* Fills *out (cleared first; reco_basket_rules_clear) from baskets over items < n_items. 0, or -1
 * when out of memory or cancelled (*out is then empty). */
int reco_model_bought_with(const reco_basket_list_t *baskets, size_t n_items,
                           const reco_basket_options_t *o, reco_basket_rules_t *out);
void reco_basket_rules_clear(reco_basket_rules_t *r);

#endif
