/* reco_eval_split — random and leave-last-out hold-outs (see reco_eval_split.h).
 *
 * The generator is splitmix64 seeded with seed ^ FNV-1a(user id); the held-out events are the
 * first k of a partial Fisher-Yates shuffle of the user's event positions. Bias of the modulo
 * reduction is below 2^-40 for any realistic per-user count, irrelevant here. */
#include "reco_eval_split.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int reco_eval_split_parse(const char *text, reco_eval_split_t *out)
{
    if (strcmp(text, "random") == 0)
        *out = RECO_EVAL_SPLIT_RANDOM;
    else if (strcmp(text, "last") == 0)
        *out = RECO_EVAL_SPLIT_LAST;
    else
        return -1;
    return 0;
}

const char *reco_eval_split_name(reco_eval_split_t split)
{
    return split == RECO_EVAL_SPLIT_LAST ? "last" : "random";
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t fnv1a(const char *s, size_t len)
{
    uint64_t h = 0xCBF29CE484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001B3ULL;
    }
    return h;
}

/* Holds out round(n · fraction) of the user's n events, chosen at random. */
static void split_user_random(const reco_eval_data_t *d, size_t u, double fraction, uint64_t seed,
                              size_t *scratch, unsigned char *is_test)
{
    size_t first = d->user_ptr[u], n = d->user_ptr[u + 1] - first;
    size_t k = (size_t)floor((double)n * fraction + 0.5);
    if (k > n) k = n;
    uint64_t state = seed ^ fnv1a(d->user_ids[u], d->user_id_lens[u]);
    for (size_t i = 0; i < n; i++)
        scratch[i] = first + i;
    for (size_t i = 0; i < k; i++) {
        size_t j = i + (size_t)(splitmix64(&state) % (n - i));
        size_t t = scratch[i];
        scratch[i] = scratch[j];
        scratch[j] = t;
        is_test[scratch[i]] = 1;
    }
}

int reco_eval_split_events(const reco_eval_data_t *d, reco_eval_split_t split, double test_fraction,
                           uint64_t seed, unsigned char *is_test)
{
    memset(is_test, 0, d->n_events);
    if (split == RECO_EVAL_SPLIT_LAST) {
        for (size_t u = 0; u < d->n_users; u++)
            if (d->user_ptr[u + 1] > d->user_ptr[u]) is_test[d->user_ptr[u + 1] - 1] = 1;
        return 0;
    }
    size_t longest = 0;
    for (size_t u = 0; u < d->n_users; u++)
        if (d->user_ptr[u + 1] - d->user_ptr[u] > longest)
            longest = d->user_ptr[u + 1] - d->user_ptr[u];
    size_t *scratch = malloc((longest ? longest : 1) * sizeof *scratch);
    if (!scratch) return -1;
    for (size_t u = 0; u < d->n_users; u++)
        split_user_random(d, u, test_fraction, seed, scratch, is_test);
    free(scratch);
    return 0;
}
