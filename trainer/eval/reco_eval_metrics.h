/* reco_eval_metrics — top-K accuracy of one ranked list, and their means over the test users.
 *
 * For a user with relevant (held-out) items T and a ranked list L (best first, possibly shorter
 * than K), with hits = |L[0..K) ∩ T|:
 *
 *   Precision@K = hits / K                       (a short list is not forgiven)
 *   Recall@K    = hits / |T|                     (the common definition; with leave-last-out
 *                                                 |T| = 1 and it is the hit rate)
 *   nDCG@K      = DCG / IDCG, DCG = Σ_{r < K, L[r] ∈ T} 1 / log2(r + 2) (binary relevance, rank r
 *                 from 0), IDCG = Σ_{r < min(K, |T|)} 1 / log2(r + 2)
 *   coverage@K  = |∪ over users of L[0..K)| / catalogue size
 *
 * Precision, recall and nDCG are averaged over users (each user weighs the same).
 *
 * Ownership: totals own their arrays; the lists passed in are borrowed for the call. */
#ifndef RECO_EVAL_METRICS_H
#define RECO_EVAL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define RECO_EVAL_MAX_CUTOFFS 8

typedef struct {
    double precision, recall, ndcg;
    size_t hits;
} reco_eval_scores_t;

/* relevant: n_relevant >= 1 distinct items, ascending. ranked: distinct items. k >= 1. */
void reco_eval_score_user(const uint32_t *ranked, size_t n_ranked, const uint32_t *relevant,
                          size_t n_relevant, size_t k, reco_eval_scores_t *out);

typedef struct {
    size_t k;
    double precision, recall, ndcg, coverage; /* means over users; coverage in [0, 1] */
    size_t recommended;                       /* distinct items in the users' top K */
} reco_eval_result_t;

typedef struct reco_eval_totals reco_eval_totals_t;

/* ks: n_ks (1..RECO_EVAL_MAX_CUTOFFS) cutoffs >= 1. Ranked items must be < n_catalogue.
 * NULL when out of memory or the arguments are out of range. */
reco_eval_totals_t *reco_eval_totals_new(size_t n_catalogue, const size_t *ks, size_t n_ks);
void reco_eval_totals_destroy(reco_eval_totals_t **t);

/* Adds one user (arguments as reco_eval_score_user; n_relevant 0 is ignored). */
void reco_eval_totals_add(reco_eval_totals_t *t, const uint32_t *ranked, size_t n_ranked,
                          const uint32_t *relevant, size_t n_relevant);

size_t reco_eval_totals_users(const reco_eval_totals_t *t);
/* The means at the i-th cutoff (i < n_ks); all 0 when no user was added. */
void reco_eval_totals_result(const reco_eval_totals_t *t, size_t i, reco_eval_result_t *out);

#endif
