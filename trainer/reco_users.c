/* reco_users — user-to-user cosine (see reco_users.h): reco_model_cosine with users as the
 * columns compared and items as the rows that join them. */
#include "reco_users.h"

int reco_model_similar_users(const reco_matrix_t *m, const reco_item_to_item_options_t *opts,
                             reco_neighbours_t *out)
{
    reco_cosine_input_t in = reco_cosine_users(m);
    return reco_model_cosine(&in, opts, out);
}
