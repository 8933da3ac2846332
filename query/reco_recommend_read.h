/* reco_recommend_read — the Redis reads behind `recommend`: model versions, ranked ZSETs read
 * page by page, many lists summed in one pipeline, and the hidden / seen check of candidates.
 *
 * Cost rule: every multi-key read is one pipeline (one round trip per phase), ZSETs are read in
 * pages, and a request never scans more than RECO_READ_SCAN_MAX entries of one list, so no
 * request does work in proportion to the catalogue.
 *
 * Every function returns 0, or -1 with rep filled (503 when Redis cannot answer, 500 for a reply
 * we did not expect, such as WRONGTYPE). Lists and replies are the caller's or freed before
 * return. */
#ifndef RECO_RECOMMEND_READ_H
#define RECO_RECOMMEND_READ_H

#include <stddef.h>
#include <stdint.h>

#include "reco_filter.h"
#include "reco_ranking.h"
#include "reco_store.h"
#include "reco_version_cache.h"
#include "reco_wire.h"

#define RECO_READ_PAGE_MAX 1000  /* entries per ZREVRANGE page or per filter pipeline */
#define RECO_READ_SCAN_MAX 10000 /* entries of one ranked list looked at per request */

/* What a request must not get back. Borrowed strings; lives as long as the request. */
typedef struct {
    reco_store_t *store;
    const char *hidden_key;     /* SET of hidden items */
    /* the hidden items as the tracked memory keeps them (reco_query_remembered_set): checked
     * here, not in Redis; NULL: hidden_key is asked */
    const reco_version_cache_set_t *hidden_members;
    const char *seen_key;       /* the user's history ZSET to leave out, or NULL */
    const char *const *context; /* context items, never returned */
    size_t n_context;
    reco_members_t members; /* how members are read (bought-with's sets) */
    int positive_only;      /* scores <= 0 left out too */
    size_t limit;           /* entries wanted (the page's offset + limit) */
    /* catalogue filters (NULL or n == 0: none); their item hash fields are read with one
     * HMGET per candidate, pipelined with the hidden / seen check. tenant: for the item keys */
    const reco_filter_set_t *catalogue;
    const char *tenant;
    /* the page cursor: only entries ranked strictly after (pscore, pitem) pass, the ranking
     * being score descending, then member ascending bytewise; pitem NULL: score < pscore */
    int has_cursor;
    double pscore;
    const char *pitem;
    size_t pitem_len;
} reco_filter_t;

/* A score as replies show it: the gateway writes 15 significant digits, so a cursor's pscore is
 * that rounding of the score, and cursors compare scores rounded the same way. */
double reco_read_shown_score(double score);

/* 1 if the entry (score, member) comes strictly after f's cursor (always 1 without one); scores
 * compare as shown (reco_read_shown_score). */
int reco_read_after_cursor(const reco_filter_t *f, double score, const char *member, size_t len);

/* MGET of the current version of n models: versions[i] = 0 if never built. */
int reco_read_versions(reco_store_t *st, const char *tenant, const char *const *models, size_t n,
                       int64_t *versions, reco_reply_t *rep);

/* Reads the ZSET key best first, page by page, appending to out the entries that pass f, until
 * out holds f->limit entries, the list ends or RECO_READ_SCAN_MAX entries were looked at. Order:
 * score descending, equal scores by member ascending (bytewise) — Redis gives them descending,
 * so each page ends before its last run of equal scores, which the next page starts with, and
 * runs are reversed. A run longer than RECO_READ_PAGE_MAX is read whole with ZRANGEBYSCORE (up
 * to RECO_READ_SCAN_MAX entries). With a cursor, reading starts at ZCOUNT key (pscore +inf. */
int reco_read_ranked(const reco_filter_t *f, const char *key, reco_scored_list_t *out,
                     reco_reply_t *rep);

/* Appends to out, in order, the entries of ranked that pass f, until out holds f->limit; checks
 * ranked chunk by chunk, so a long candidate list costs only the chunks needed. */
int reco_read_filter(const reco_filter_t *f, const reco_scored_list_t *ranked,
                     reco_scored_list_t *out, reco_reply_t *rep);

/* ZREVRANGE key 0 count-1 (WITHSCORES if with_scores; else scores are 0) appended to out. */
int reco_read_top(reco_store_t *st, const char *key, long count, int with_scores,
                  reco_scored_list_t *out, reco_reply_t *rep);

/* Keys to read together, each with a weight. Owns copies of its keys. */
typedef struct {
    char **keys;
    double *weights;
    size_t n, cap;
} reco_key_batch_t;

int reco_key_batch_add(reco_key_batch_t *batch, const char *key, double weight); /* -1: OOM */
void reco_key_batch_clear(reco_key_batch_t *batch);

/* One pipeline of ZREVRANGE <key> 0 count-1 over the batch. Every member of list i adds
 * weights[i] * its score (with_scores) or weights[i] (not) to board. Non-finite scores are
 * skipped. */
int reco_read_sum_lists(reco_store_t *st, const reco_key_batch_t *batch, long count,
                        int with_scores, reco_scoreboard_t *board, reco_reply_t *rep);

#endif
