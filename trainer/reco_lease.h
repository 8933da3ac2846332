/* reco_lease — the per-tenant lease that lets one trainer at a time build a tenant's models.
 *
 * The lease is the Redis string reco:{T}:trainer:lease holding the owner ("hostname:pid"), set
 * with SET NX PX so it expires by itself if its holder dies. Renewal and release are Lua scripts
 * that act only while the value is still ours, so a trainer never extends or deletes a lease that
 * expired and was taken by another. The publisher's flip checks the lease the same way
 * (reco_publish.h), so a trainer that lost its lease cannot flip a model.
 *
 * Ownership: the lease borrows the store and copies tenant and owner; destroying a held lease
 * releases it. */
#ifndef RECO_LEASE_H
#define RECO_LEASE_H

#include "reco_store.h"

typedef struct reco_lease reco_lease_t;

/* NULL when out of memory or the key does not fit. lease_ms >= 1. */
reco_lease_t *reco_lease_new(reco_store_t *st, const char *tenant, const char *owner,
                             long lease_ms);
/* Releases the lease if held, then frees it; *l = NULL. Safe on NULL. */
void reco_lease_destroy(reco_lease_t **l);

/* 1: acquired; 0: held by someone else (their name is in reco_lease_holder); -1: Redis failed. */
int reco_lease_acquire(reco_lease_t *l);
/* Keeps a held lease alive: renews it once a third of its term (or the time set below) has
 * passed since the last renewal. Returns 0 while it is still ours, -1 if it was lost or Redis
 * failed. */
int reco_lease_keep(reco_lease_t *l);
/* Renew after renew_ms instead of a third of the term (0 < renew_ms < the term). */
void reco_lease_set_renew_ms(reco_lease_t *l, long renew_ms);
/* Deletes the lease if it is still ours. Returns 0, or -1 if Redis failed (it then expires). */
int reco_lease_release(reco_lease_t *l);

const char *reco_lease_key(const reco_lease_t *l);
const char *reco_lease_owner(const reco_lease_t *l);
/* The owner seen by the last failed acquire ("" if unknown). */
const char *reco_lease_holder(const reco_lease_t *l);

#endif
