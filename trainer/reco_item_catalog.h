/* reco_item_catalog — a tenant's catalogue read from Redis, as the content model's input.
 *
 * Reads every id of reco:{T}:items (SSCAN, 1000 at a time), sorts them in id byte order (the
 * order reco_content needs for its ties), then the item hashes reco:{T}:item:<id> with HGETALL,
 * pipelined RECO_CATALOG_PIPELINE at a time. Kept of each hash: title, categories (JSON) and the
 * attr:<name> fields (JSON); an item whose hash is gone is left out. Hidden items are kept: they
 * are never recommended, but they still describe the catalogue. Invalid ids are skipped.
 *
 * Ownership: the catalogue owns every string the items point to. */
#ifndef RECO_ITEM_CATALOG_H
#define RECO_ITEM_CATALOG_H

#include <stddef.h>

#include "reco_content.h"
#include "reco_models.h"
#include "reco_store.h"

#define RECO_CATALOG_PIPELINE 500

typedef struct reco_item_catalog reco_item_catalog_t;

/* Reads the catalogue into *out. after_batch (may be NULL) is called after each batch of
 * hashes; non-zero abandons the read. 0, or -1 (Redis failed, out of memory, abandoned;
 * logged). */
int reco_item_catalog_load(reco_store_t *st, const char *tenant, reco_tick_fn after_batch,
                           void *ctx, reco_item_catalog_t **out);
void reco_item_catalog_destroy(reco_item_catalog_t **c);

size_t reco_item_catalog_count(const reco_item_catalog_t *c);
/* count items in id byte order; valid while the catalogue lives. */
const reco_content_item_t *reco_item_catalog_items(const reco_item_catalog_t *c);

#endif
