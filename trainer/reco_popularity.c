/* reco_popularity — windowed popularity and trending (see reco_popularity.h).
 *
 * Both are one pass over the events into a dense n_items array of sums, then the positive
 * entries are sorted. Memory: 8 bytes per item plus the output. */
#include "reco_popularity.h"

#include <math.h>
#include <stdlib.h>

static int64_t age_of(int64_t now_ms, int64_t ts)
{
    return ts >= now_ms ? 0 : now_ms - ts;
}

/* Lists the items of sums[] > 0, best first; takes sums (freed). */
static int list_positive(double *sums, size_t n_items, reco_scored_t **out, size_t *n)
{
    size_t count = 0;
    for (size_t i = 0; i < n_items; i++)
        count += sums[i] > 0.0;
    if (count == 0) {
        free(sums);
        return 0;
    }
    reco_scored_t *list = malloc(count * sizeof *list);
    if (!list) {
        free(sums);
        return -1;
    }
    size_t at = 0;
    for (size_t i = 0; i < n_items; i++)
        if (sums[i] > 0.0) list[at++] = (reco_scored_t){.item = (uint32_t)i, .score = sums[i]};
    free(sums);
    reco_scored_sort(list, count);
    *out = list;
    *n = count;
    return 0;
}

int reco_model_popular_window(const reco_event_table_t *t, int64_t now_ms, int64_t window_ms,
                              reco_scored_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (t->n_items == 0) return 0;
    double *sums = calloc(t->n_items, sizeof *sums);
    if (!sums) return -1;
    for (size_t k = 0; k < t->n_events; k++)
        if (age_of(now_ms, t->ts[k]) < window_ms) sums[t->item[k]] += t->weight[k];
    return list_positive(sums, t->n_items, out, n);
}

int reco_model_trending(const reco_event_table_t *t, int64_t now_ms, int64_t half_life_ms,
                        reco_scored_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (t->n_items == 0) return 0;
    double *sums = calloc(t->n_items, sizeof *sums);
    if (!sums) return -1;
    double hl = (double)(half_life_ms > 0 ? half_life_ms : 1);
    for (size_t k = 0; k < t->n_events; k++)
        sums[t->item[k]] += t->weight[k] * exp2(-(double)age_of(now_ms, t->ts[k]) / hl);
    return list_positive(sums, t->n_items, out, n);
}
