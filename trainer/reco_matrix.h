/* reco_matrix — the user × item interaction matrix the trainer's models are computed from.
 *
 * A builder interns user and item ids (arbitrary bytes) to dense indices and sums the weights of
 * repeated (user, item) pairs; reco_matrix_builder_finish() then freezes it into a read-only
 * matrix held twice, by rows (CSR, user -> items) and by columns (CSC, item -> users).
 *
 * Invariants of a finished matrix, relied on by reco_models:
 *  - dense indices follow the byte order of the ids (memcmp, shorter first on a common prefix),
 *    so "ties broken by item index" means "ties broken by item id", whatever order events came in;
 *  - within a row the item indices ascend, within a column the user indices ascend, and every
 *    (user, item) pair appears once, with the sum of its weights (which may be 0);
 *  - ids are NUL-terminated and also carry their length.
 *
 * Ownership: the matrix owns everything it points to; it is immutable after finish, so several
 * threads may read it at once. The struct is public (read-only) because the models iterate it in
 * their innermost loops. */
#ifndef RECO_MATRIX_H
#define RECO_MATRIX_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t n_users, n_items, nnz;
    const char **user_ids; /* n_users, NUL-terminated */
    size_t *user_id_lens;
    const char **item_ids; /* n_items, NUL-terminated */
    size_t *item_id_lens;
    size_t *user_ptr;     /* n_users + 1: row u is [user_ptr[u], user_ptr[u + 1]) */
    uint32_t *user_items; /* nnz item indices, ascending within a row */
    double *user_weights; /* nnz */
    size_t *item_ptr;     /* n_items + 1: column i is [item_ptr[i], item_ptr[i + 1]) */
    uint32_t *item_users; /* nnz user indices, ascending within a column */
    double *item_weights; /* nnz */
    /* private: the id bytes the id pointers point into */
    char *user_arena, *item_arena;
    int borrowed_ids; /* private: ids belong to someone else (reco_matrix_from_events) */
} reco_matrix_t;

typedef struct reco_matrix_builder reco_matrix_builder_t;

/* NULL when out of memory. */
reco_matrix_builder_t *reco_matrix_builder_new(void);
/* Adds weight to the pair (user, item); ids are copied. Returns 0, or -1 when out of memory or
 * when more than UINT32_MAX - 1 distinct users or items were added. */
int reco_matrix_builder_add(reco_matrix_builder_t *b, const char *user, size_t user_len,
                            const char *item, size_t item_len, double weight);
/* Takes the builder (freed, *b set to NULL) and returns the matrix; NULL when out of memory. */
reco_matrix_t *reco_matrix_builder_finish(reco_matrix_builder_t **b);
void reco_matrix_builder_destroy(reco_matrix_builder_t **b);

/* What reco_matrix_from_events reads: n_events events (user[k], item[k], weight[k]) over users
 * and items already numbered in id byte order, whose ids are given (and borrowed: they must
 * outlive the matrix). keep (may be NULL: all) leaves out the events with keep[k] == 0. */
typedef struct {
    size_t n_users, n_items;
    const char *const *user_ids;
    const size_t *user_id_lens;
    const char *const *item_ids;
    const size_t *item_id_lens;
    size_t n_events;
    const uint32_t *user, *item; /* < n_users, < n_items */
    const double *weight;
    const uint8_t *keep;
} reco_matrix_source_t;

/* A matrix of every user and item of src (those without a kept event have empty rows or
 * columns), each (user, item) pair's weight being the sum of its kept events' weights, added
 * in event order (so the result does not depend on anything but the events). NULL when out of
 * memory or n_events > UINT32_MAX. Memory while building: the matrix plus 8 bytes per kept event. */
reco_matrix_t *reco_matrix_from_events(const reco_matrix_source_t *src);

void reco_matrix_destroy(reco_matrix_t **m);

#endif
