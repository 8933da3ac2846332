/* reco_eval_metrics — Precision, Recall, nDCG and coverage at K (see reco_eval_metrics.h).
 *
 * Membership in T is a binary search in the sorted relevant list; coverage keeps one byte per
 * catalogue item and cutoff. Sums are accumulated in double in user order, so results do not
 * depend on anything but the order users are added in. */
#include "reco_eval_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct reco_eval_totals {
    size_t n_catalogue, n_ks, users;
    size_t ks[RECO_EVAL_MAX_CUTOFFS];
    double precision[RECO_EVAL_MAX_CUTOFFS], recall[RECO_EVAL_MAX_CUTOFFS],
        ndcg[RECO_EVAL_MAX_CUTOFFS];
    size_t recommended[RECO_EVAL_MAX_CUTOFFS];
    unsigned char *seen; /* n_ks × n_catalogue */
};

static int is_relevant(uint32_t item, const uint32_t *relevant, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (relevant[mid] == item) return 1;
        if (relevant[mid] < item)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

void reco_eval_score_user(const uint32_t *ranked, size_t n_ranked, const uint32_t *relevant,
                          size_t n_relevant, size_t k, reco_eval_scores_t *out)
{
    memset(out, 0, sizeof *out);
    if (k == 0 || n_relevant == 0) return;
    double dcg = 0.0, idcg = 0.0;
    size_t n = n_ranked < k ? n_ranked : k;
    for (size_t r = 0; r < n; r++)
        if (is_relevant(ranked[r], relevant, n_relevant)) {
            out->hits++;
            dcg += 1.0 / log2((double)r + 2.0);
        }
    size_t ideal = n_relevant < k ? n_relevant : k;
    for (size_t r = 0; r < ideal; r++)
        idcg += 1.0 / log2((double)r + 2.0);
    out->precision = (double)out->hits / (double)k;
    out->recall = (double)out->hits / (double)n_relevant;
    out->ndcg = dcg / idcg;
}

reco_eval_totals_t *reco_eval_totals_new(size_t n_catalogue, const size_t *ks, size_t n_ks)
{
    if (n_ks == 0 || n_ks > RECO_EVAL_MAX_CUTOFFS) return NULL;
    for (size_t i = 0; i < n_ks; i++)
        if (ks[i] == 0) return NULL;
    reco_eval_totals_t *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->seen = calloc(n_ks * (n_catalogue ? n_catalogue : 1), 1);
    if (!t->seen) {
        free(t);
        return NULL;
    }
    t->n_catalogue = n_catalogue;
    t->n_ks = n_ks;
    memcpy(t->ks, ks, n_ks * sizeof *ks);
    return t;
}

void reco_eval_totals_destroy(reco_eval_totals_t **t)
{
    if (!t || !*t) return;
    free((*t)->seen);
    free(*t);
    *t = NULL;
}

void reco_eval_totals_add(reco_eval_totals_t *t, const uint32_t *ranked, size_t n_ranked,
                          const uint32_t *relevant, size_t n_relevant)
{
    if (n_relevant == 0) return;
    t->users++;
    for (size_t i = 0; i < t->n_ks; i++) {
        reco_eval_scores_t s;
        reco_eval_score_user(ranked, n_ranked, relevant, n_relevant, t->ks[i], &s);
        t->precision[i] += s.precision;
        t->recall[i] += s.recall;
        t->ndcg[i] += s.ndcg;
        unsigned char *seen = t->seen + i * t->n_catalogue;
        size_t n = n_ranked < t->ks[i] ? n_ranked : t->ks[i];
        for (size_t r = 0; r < n; r++)
            if (ranked[r] < t->n_catalogue && !seen[ranked[r]]) {
                seen[ranked[r]] = 1;
                t->recommended[i]++;
            }
    }
}

size_t reco_eval_totals_users(const reco_eval_totals_t *t)
{
    return t->users;
}

void reco_eval_totals_result(const reco_eval_totals_t *t, size_t i, reco_eval_result_t *out)
{
    memset(out, 0, sizeof *out);
    if (i >= t->n_ks) return;
    out->k = t->ks[i];
    out->recommended = t->recommended[i];
    out->coverage = t->n_catalogue ? (double)t->recommended[i] / (double)t->n_catalogue : 0.0;
    if (t->users == 0) return;
    out->precision = t->precision[i] / (double)t->users;
    out->recall = t->recall[i] / (double)t->users;
    out->ndcg = t->ndcg[i] / (double)t->users;
}
