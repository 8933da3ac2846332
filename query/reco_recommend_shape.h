/* reco_recommend_shape — what a recommend request asks of its page beyond the model's ranking:
 * catalogue filters and the page cursor (handed to the read filter), the offset, the attributes
 * of each returned item, and the cursor of the next page.
 *
 * Paging: a run reads offset + limit entries that pass every filter and drops the first offset.
 * The reply's `next` is {pscore, pitem} of the page's last entry when the page is full (more may
 * follow), null otherwise; sent back as pscore=&pitem=, it yields the entries ranked strictly
 * after that one (reco_recommend_args.h defines the order), so pages joined equal one big page
 * while the model version and the data do not change.
 *
 * Ownership: nothing is kept; the reply JSON is the caller's and is modified in place. */
#ifndef RECO_RECOMMEND_SHAPE_H
#define RECO_RECOMMEND_SHAPE_H

#include <jansson.h>

#include "reco_ranking.h"
#include "reco_recommend_args.h"
#include "reco_recommend_read.h"
#include "reco_store.h"
#include "reco_wire.h"

/* Sets f's catalogue filters, tenant and cursor from a, and f->limit to a->offset + a->limit.
 * a and tenant must outlive f. */
void reco_shape_filter(const reco_recommend_args_t *a, const char *tenant, reco_filter_t *f);

/* Removes a->offset entries of list from index from on (a run's own entries, read only to be
 * skipped; entries before from were there before the run). */
void reco_shape_skip_offset(const reco_recommend_args_t *a, reco_scored_list_t *list,
                            size_t from);

/* Completes a reply body: every entry of body.recommendations with an "item" gets "attributes"
 * {name: value or null} when a asks for attributes (one pipeline of HMGET, one per entry), and
 * body gets "next" (see above) from list, the page as returned. 0, or -1 with rep filled. */
int reco_shape_reply(reco_store_t *st, const char *tenant, const reco_recommend_args_t *a,
                     const reco_scored_list_t *list, json_t *body, reco_reply_t *rep);

/* The value of one attribute as stored in an item hash field, as JSON: title text, categories
 * and attr:<name> parsed (their raw text when they do not parse), created_at / updated_at as
 * integers; NULL (absent) gives JSON null. Exported for the unit test. */
json_t *reco_shape_attribute_json(const char *name, const char *raw, size_t len);

/* The item hash field an attribute name reads: title, categories, created_at, updated_at, or
 * attr:<name>. Returns buf. */
const char *reco_shape_attribute_field(const char *name, char *buf, size_t n);

#endif
