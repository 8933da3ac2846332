/* reco_resort — the `resort` op: puts a list of items the client already has (a category page,
 * a search result) into a model's order, TasteHit's `resort`.
 *
 *   args  {by, items: [1..100 ids], user?, seed?, scenario?}
 *   by    popular    by the popular model's score, highest first
 *         unpopular  the same, lowest first
 *         for-user   by the summed item-to-item similarity to the user's 20 most recent items
 *                    (needs user), highest first
 *         random     shuffled with a PRNG (splitmix64 + Fisher-Yates) seeded with seed; the same
 *                    seed and items give the same order; without seed one is drawn and returned
 *   reply {by, version (of the model read; null for random or never built), seed (random only),
 *          items: [{item, score}]} with every distinct item given, in the new order.
 *
 * scenario (TasteHit's widget of a resort request) only has to exist: 404 when it does not.
 *
 * Items the model knows nothing about (no score) keep their relative place at the end, with
 * score null; equal scores keep the order they came in (the sort is stable). Repeated items are
 * returned once, at their first place. Validated again here (the worker trusts no input): each
 * error is a 400 naming the field. */
#ifndef RECO_RESORT_H
#define RECO_RESORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "reco_store.h"
#include "reco_wire.h"

#define RECO_RESORT_ITEMS_MAX 100
#define RECO_RESORT_HISTORY_ITEMS 20

/* The order of n items given their scores: known[i] says whether item i has a score. order
 * receives the indexes: known items by score (descending, or ascending if ascending), ties and
 * unknown items in input order, unknown ones last. Pure; for the unit test too. */
void reco_resort_order(const double *scores, const unsigned char *known, size_t n, int ascending,
                       size_t *order);

/* The shuffle of `random`: order receives a permutation of 0..n-1 that depends only on seed. */
void reco_resort_shuffle(uint64_t seed, size_t n, size_t *order);

/* Handles `resort` for a validated tenant; always fills rep. */
void reco_resort_handle(reco_store_t *store, const char *tenant, const json_t *args,
                        reco_reply_t *rep);

#endif
