/* reco_cooccur — also-viewed / also-bought (see reco_cooccur.h).
 *
 * Builds the decayed weights and the keep mask per event, a matrix of the kept events
 * (reco_matrix_from_events: same user and item numbering as the table), and runs the shared
 * cosine with shrinkage over it. The matrix and the per-event arrays are freed before returning,
 * so only the neighbour lists outlive the call. */
#include "reco_cooccur.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reco_matrix.h"

int reco_model_cooccur(const reco_event_table_t *t, const reco_cooccur_options_t *o,
                       reco_neighbours_t *out, size_t *kept)
{
    memset(out, 0, sizeof *out);
    size_t n = t->n_events ? t->n_events : 1, n_kept = 0;
    double *weight = malloc(n * sizeof *weight);
    uint8_t *keep = malloc(n);
    if (!weight || !keep) {
        free(weight);
        free(keep);
        return -1;
    }
    double hl = (double)o->half_life_ms;
    for (size_t k = 0; k < t->n_events; k++) {
        keep[k] = t->type[k] < 32 && (o->type_mask & RECO_TYPE_BIT(t->type[k])) != 0;
        double age = t->ts[k] >= o->now_ms ? 0.0 : (double)(o->now_ms - t->ts[k]);
        weight[k] = o->half_life_ms > 0 ? t->weight[k] * exp2(-age / hl) : t->weight[k];
        n_kept += keep[k];
    }
    reco_matrix_source_t src = {.n_users = t->n_users,
                                .n_items = t->n_items,
                                .user_ids = t->user_ids,
                                .user_id_lens = t->user_id_lens,
                                .item_ids = t->item_ids,
                                .item_id_lens = t->item_id_lens,
                                .n_events = t->n_events,
                                .user = t->user,
                                .item = t->item,
                                .weight = weight,
                                .keep = keep};
    reco_matrix_t *m = reco_matrix_from_events(&src);
    free(weight);
    free(keep);
    if (!m) return -1;
    int rc = reco_model_item_to_item(m, &o->similarity, out);
    reco_matrix_destroy(&m);
    if (kept) *kept = n_kept;
    return rc;
}
