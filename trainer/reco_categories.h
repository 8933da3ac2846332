/* reco_categories — popularity within each category of the catalogue, the lists behind
 * "popular in this category" (a scenario's `popular-category` fallback, docs/models.md).
 *
 * A category is every path an item's `categories` JSON array names and each of its '/'
 * prefixes ("Outdoor/Tents" also counts for "Outdoor"), as the content model reads them. A
 * category's list holds its catalogue items with a popularity score > 0, by score descending,
 * then item index ascending, at most max_per_category of them.
 *
 * Pure: no Redis, no logging (items whose categories are not a JSON array are counted in
 * bad_json and skipped). Ownership: *out owns its names and arrays (reco_category_lists_clear);
 * the inputs are borrowed. */
#ifndef RECO_CATEGORIES_H
#define RECO_CATEGORIES_H

#include <stddef.h>

#include "reco_content.h"
#include "reco_models.h"

#define RECO_CATEGORY_LIST_MAX 500 /* items kept per category */

typedef struct {
    size_t n;              /* categories */
    char **names;          /* n, NUL-terminated */
    size_t *name_lens;     /* n */
    size_t *ptr;           /* n + 1: category c is entries[ptr[c] .. ptr[c + 1]) */
    reco_scored_t *entries; /* item = index into the catalogue items */
    size_t bad_json;
} reco_category_lists_t;

/* score[i] is the popularity of catalogue item i (0 when none). 0, or -1 (out of memory;
 * *out is then empty). */
int reco_model_popular_categories(const reco_content_item_t *items, size_t n_items,
                                  const double *score, size_t max_per_category,
                                  reco_category_lists_t *out);
void reco_category_lists_clear(reco_category_lists_t *l);

#endif
