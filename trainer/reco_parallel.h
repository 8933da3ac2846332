/* reco_parallel — the trainer's one way of running a loop over ranges on several threads.
 *
 * A computation cuts its index space [0, n) into contiguous ranges (reco_split_by_work gives
 * ranges of about equal work) and reco_run_ranges runs one range per thread, the calling thread
 * taking the first. No pool: builds run a few such loops each, so starting threads is noise. */
#ifndef RECO_PARALLEL_H
#define RECO_PARALLEL_H

#include <stddef.h>

#define RECO_PARALLEL_MAX 64 /* ranges (threads) at most */

typedef void (*reco_range_fn)(void *ctx, size_t first, size_t last);

/* Runs fn over [bounds[t], bounds[t + 1]) for t < parts (1..RECO_PARALLEL_MAX), on parts - 1
 * new threads and the calling one. A range whose thread cannot be started runs on the calling
 * thread instead, so every range always runs exactly once. */
void reco_run_ranges(int parts, const size_t *bounds, reco_range_fn fn, void *ctx);

/* Cuts [0, n) into parts ranges of about equal Σ work[i]. bounds has parts + 1 entries. */
void reco_split_by_work(const double *work, size_t n, int parts, size_t *bounds);

/* threads clamped to 1..RECO_PARALLEL_MAX and to n (at least 1). */
int reco_thread_count(int threads, size_t n);

#endif
