/* reco_parallel — ranges on threads (see reco_parallel.h). */
#include "reco_parallel.h"

#include <pthread.h>

typedef struct {
    reco_range_fn fn;
    void *ctx;
    size_t first, last;
} range_job_t;

static void *range_run(void *arg)
{
    range_job_t *job = arg;
    job->fn(job->ctx, job->first, job->last);
    return NULL;
}

void reco_run_ranges(int parts, const size_t *bounds, reco_range_fn fn, void *ctx)
{
    pthread_t ids[RECO_PARALLEL_MAX];
    range_job_t jobs[RECO_PARALLEL_MAX];
    int started[RECO_PARALLEL_MAX] = {0};
    if (parts > RECO_PARALLEL_MAX) parts = RECO_PARALLEL_MAX;
    if (parts < 1) parts = 1;
    for (int t = 1; t < parts; t++) {
        jobs[t] = (range_job_t){.fn = fn, .ctx = ctx, .first = bounds[t], .last = bounds[t + 1]};
        started[t] = pthread_create(&ids[t], NULL, range_run, &jobs[t]) == 0;
    }
    fn(ctx, bounds[0], bounds[1]);
    for (int t = 1; t < parts; t++) {
        if (started[t])
            pthread_join(ids[t], NULL);
        else
            fn(ctx, bounds[t], bounds[t + 1]);
    }
}

void reco_split_by_work(const double *work, size_t n, int parts, size_t *bounds)
{
    double total = 0.0, done = 0.0;
    for (size_t i = 0; i < n; i++)
        total += work[i];
    bounds[0] = 0;
    size_t i = 0;
    for (int t = 1; t < parts; t++) {
        while (i < n && done < total * t / parts)
            done += work[i++];
        bounds[t] = i;
    }
    bounds[parts] = n;
}

int reco_thread_count(int threads, size_t n)
{
    int t = threads < 1 ? 1 : (threads > RECO_PARALLEL_MAX ? RECO_PARALLEL_MAX : threads);
    return (size_t)t > n ? (n ? (int)n : 1) : t;
}
