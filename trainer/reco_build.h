/* reco_build — one full rebuild of one tenant: lease, read, compute, write, flip, notify.
 *
 * Steps: take the tenant's lease (skip if another trainer holds it); read the tenant's action
 * weights (reco_weights) and the event stream into a matrix (reco_dataset); build `popular`, then
 * `item-to-item` (reco_models), each under its own version number, written and flipped by
 * reco_publish; announce each flip (reco_notify); release the lease. The lease is renewed between and during the steps. A failure of a model leaves that
 * model's current version serving and stops the build. One info line per tenant sums it up.
 *
 * Ownership: the config and everything it points to are borrowed for the duration of the call. */
#ifndef RECO_BUILD_H
#define RECO_BUILD_H

#include <signal.h>
#include <stddef.h>

#include "reco_notify.h"
#include "reco_store.h"

typedef struct {
    reco_store_t *store;
    reco_notifier_t *notifier; /* NULL: no notices */
    const char *owner;         /* lease value, "hostname:pid" */
    long lease_ms;
    size_t top_k;
    int threads;
    volatile sig_atomic_t *stop; /* non-zero: abandon the build at the next check; may be NULL */
} reco_build_config_t;

typedef enum {
    RECO_BUILD_OK = 0,
    RECO_BUILD_BUSY = 1,    /* another trainer holds the lease; nothing done */
    RECO_BUILD_FAILED = -1, /* logged; current versions unchanged for the failed model(s) */
} reco_build_result_t;

/* tenant must be valid (reco_valid_tenant). */
reco_build_result_t reco_build_tenant(const reco_build_config_t *cfg, const char *tenant);

#endif
