/* reco_build — one full rebuild of one tenant: lease, read, compute, write, flip, notify.
 *
 * Steps: take the tenant's lease (skip if another trainer holds it); read the tenant's action
 * weights (reco_weights) and bring its event log up to date (reco_dataset: only the newer stream
 * entries when the cache holds the tenant); build every model of docs/models.md (popular and its
 * windows, trending, item-to-item, also-viewed, also-bought, bought-with, similar-customers,
 * content), each under its own version number, written and flipped by reco_publish; announce
 * each flip (reco_notify); compact the event stream when deletions made it due (reco_compact);
 * release the lease. The lease is renewed between and during the steps.
 * A failure of a model leaves that model's current version serving and stops the build. One
 * info line per tenant sums it up, with each model's time.
 *
 * Ownership: the config and everything it points to are borrowed for the duration of the call. */
#ifndef RECO_BUILD_H
#define RECO_BUILD_H

#include <signal.h>
#include <stddef.h>

#include "reco_event_cache.h"
#include "reco_notify.h"
#include "reco_store.h"

typedef struct {
    reco_store_t *store;
    reco_notifier_t *notifier; /* NULL: no notices */
    const char *owner;         /* lease value, "hostname:pid" */
    long lease_ms;
    long lease_renew_ms; /* 0: a third of lease_ms */
    size_t top_k;
    int threads;
    volatile sig_atomic_t *stop; /* non-zero: abandon the build at the next check; may be NULL */
    reco_event_cache_t *cache;   /* tenants' event logs kept between builds; NULL: read fully */
    unsigned full_every;         /* read the whole stream every N-th build (0: only when needed) */
    double shrinkage;            /* λ of also-viewed / also-bought */
    long long cooccur_half_life_ms;      /* their time decay; 0: none */
    size_t min_support;                  /* bought-with: baskets holding a rule's itemset (>= 1) */
    size_t max_basket_items;             /* bought-with: larger baskets are left out (0: none is) */
    size_t similar_users_top_k;          /* similar-customers: neighbours per user */
    size_t similar_users_max_item_users; /* similar-customers: more popular items are sampled */
    int similar_users_sample; /* 1: sample their users (reco_cosine_sample); 0: ignore them */
    size_t content_max_term_items; /* content: terms of more items are ignored (0: no limit) */
    long long interval_ms;         /* the rebuild interval, written to each version's meta */
    double ease_lambda;            /* for-user: EASE's λ; 0: RECO_EASE_LAMBDA_DEFAULT */
    size_t ease_max_items;         /* for-user: items modelled; 0: RECO_EASE_MAX_ITEMS_DEFAULT */
    size_t ease_top_k;             /* for-user: entries per item row; 0: the default */
    size_t for_user_list;          /* for-user: entries per user list; 0: no user lists */
    size_t for_user_min_items;     /* for-user: users with fewer modelled items get no list */
    size_t for_user_max_lists;     /* for-user: users with a list at most (0: no bound) */
    long long compact_interval_ms; /* stream compaction (reco_compact.h): at most one per interval;
                                      0: never */
    size_t compact_chunk;          /* its entries per step */
} reco_build_config_t;

typedef enum {
    RECO_BUILD_OK = 0,
    RECO_BUILD_BUSY = 1,    /* another trainer holds the lease; nothing done */
    RECO_BUILD_FAILED = -1, /* logged; current versions unchanged for the failed model(s) */
} reco_build_result_t;

/* tenant must be valid (reco_valid_tenant). */
reco_build_result_t reco_build_tenant(const reco_build_config_t *cfg, const char *tenant);

#endif
