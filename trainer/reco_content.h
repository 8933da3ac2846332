/* reco_content — content similarity: cosine of the items' TF-IDF vectors, top-K per item.
 *
 * Pure function of the catalogue (no Redis, no logging; the trainer reads the item hashes in
 * reco_item_catalog). An item's terms, each in its own namespace so that kinds never collide:
 *   - categories (a JSON array of paths "a/b/c"): every prefix of a path ending before a '/',
 *     and the whole path: "a", "a/b", "a/b/c";
 *   - attributes (JSON values): "name=value" for a string (its text), a number or a boolean (its
 *     JSON text); for a list, one term per element; null and objects give none;
 *   - title: its words, split on every byte that is not an ASCII letter or digit (bytes >= 0x80
 *     count as letters, so UTF-8 words stay whole), ASCII letters lowercased.
 * tf(t, i) = occurrences of t in i, idf(t) = ln(N / df(t)) with N = the number of items given and
 * df(t) = items having t; weight = tf · idf (a term in every item weighs 0). Terms of more than
 * max_term_items items are dropped from the vocabulary (they would cost O(df²); 0: no limit).
 *     sim(i, j) = Σ_t w_ti·w_tj / (‖i‖·‖j‖)
 * for j ≠ i with sim > 0, top_k per item, ties by item index ascending: items must be given in id
 * byte order for that to mean id order. Computed by reco_model_cosine (threads, tick). Memory:
 * the distinct terms, 24 bytes per (item, term) pair twice, plus the output. */
#ifndef RECO_CONTENT_H
#define RECO_CONTENT_H

#include <stddef.h>

#include "reco_models.h"

typedef struct {
    const char *id; /* NUL-terminated */
    size_t id_len;
    const char *title;      /* NUL-terminated raw text; NULL: none */
    const char *categories; /* JSON text of an array of strings; NULL: none */
    size_t n_attributes;
    const char *const *attribute_names;  /* without the "attr:" prefix */
    const char *const *attribute_values; /* JSON texts */
} reco_content_item_t;

typedef struct {
    reco_item_to_item_options_t similarity; /* top_k, threads, tick (shrinkage is ignored) */
    size_t max_term_items;
} reco_content_options_t;

typedef struct {
    size_t terms;    /* distinct terms kept */
    size_t dropped;  /* terms dropped for max_term_items */
    size_t entries;  /* non-zero (item, term) weights */
    size_t bad_json; /* category or attribute texts that did not parse (ignored) */
} reco_content_stats_t;

/* Fills *out (cleared first; neighbour lists use the indices of items[]) and *stats (may be
 * NULL). 0, or -1 when out of memory, a thread could not start, or tick cancelled. */
int reco_model_content(const reco_content_item_t *items, size_t n_items,
                       const reco_content_options_t *o, reco_neighbours_t *out,
                       reco_content_stats_t *stats);

#endif
