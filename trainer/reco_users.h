/* reco_users — similar-customers: user-to-user cosine similarity, top-K per user.
 *
 * Pure function of a reco_matrix_t (no Redis, no logging):
 *     sim(u, v) = Σ_i w_ui·w_vi / (‖u‖·‖v‖),  ‖u‖ = sqrt(Σ_i w_ui²)
 * for v ≠ u with sim > 0, the top_k best per user, ties by user index ascending (= user id
 * order). The same threaded sparse accumulator as item-to-item (reco_model_cosine) with the
 * roles of users and items swapped: a user's cost is Σ over their items of the item's users, so
 * the whole costs Σ_i users(i)², which a few very popular items dominate (a best-seller bought
 * by a million users costs 10^12 steps). opts->max_row_entries bounds it: items with more users
 * than that are left out of every user's vector (norms included), as a search engine leaves out
 * stop words: an item nearly everyone touched says little about who is alike. Memory:
 * O(n_users·threads + output); the output is n_users·top_k entries at most. */
#ifndef RECO_USERS_H
#define RECO_USERS_H

#include "reco_matrix.h"
#include "reco_models.h"

/* Fills *out (cleared first): out->n_items is the number of users, entries hold user indices.
 * 0, or -1 when out of memory, a thread could not start, or tick cancelled. */
int reco_model_similar_users(const reco_matrix_t *m, const reco_item_to_item_options_t *opts,
                             reco_neighbours_t *out);

#endif
