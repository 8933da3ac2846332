/* reco_eval_split — which events train the models and which are held out, per user.
 *
 *  random  each user's events are shuffled with a generator seeded by (seed, the user's id) and
 *          round(n · test_fraction) of them (n/4 rounded half up for 0.25) are held out. Seeding
 *          per user id makes a user's split independent of the other users and of the file
 *          order (except among a user's events with equal timestamps, which keep the file's
 *          order): the same seed always gives the same split of the same user.
 *  last    each user's latest event (by timestamp, ties: the later row) is held out
 *          (leave-last-out); everything else trains.
 *
 * Pure: no I/O. */
#ifndef RECO_EVAL_SPLIT_H
#define RECO_EVAL_SPLIT_H

#include <stdint.h>

#include "reco_eval_data.h"

typedef enum { RECO_EVAL_SPLIT_RANDOM, RECO_EVAL_SPLIT_LAST } reco_eval_split_t;

/* Parses "random" or "last". 0, or -1. */
int reco_eval_split_parse(const char *text, reco_eval_split_t *out);
const char *reco_eval_split_name(reco_eval_split_t split);

/* Sets is_test[e] (d->n_events entries, indexed like d->events) to 1 for held-out events, else 0.
 * test_fraction (random only) is in [0, 1]. 0, or -1 when out of memory. */
int reco_eval_split_events(const reco_eval_data_t *d, reco_eval_split_t split, double test_fraction,
                           uint64_t seed, unsigned char *is_test);

#endif
