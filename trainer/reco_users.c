/* reco_users — user-to-user cosine (see reco_users.h): reco_model_cosine with users as the
 * columns compared and items as the rows that join them; items of many users are sampled
 * (reco_cosine_sample.h) or ignored, as the options say. */
#include "reco_users.h"

#include <string.h>

#include "reco_cosine_sample.h"

int reco_model_similar_users(const reco_matrix_t *m, const reco_item_to_item_options_t *opts,
                             reco_neighbours_t *out)
{
    reco_cosine_input_t in = reco_cosine_users(m);
    size_t max_row = opts->max_row_entries;
    if (!opts->sample_long_rows || max_row == 0 || !reco_cosine_has_long_rows(&in, max_row))
        return reco_model_cosine(&in, opts, out);
    reco_cosine_sampled_t sampled;
    if (reco_cosine_sample(&in, max_row, &sampled) != 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    reco_item_to_item_options_t o = *opts;
    o.max_row_entries = 0; /* the sample is the bound */
    int rc = reco_model_cosine(&sampled.input, &o, out);
    reco_cosine_sample_free(&sampled);
    return rc;
}
