/* reco_recommend_read — Redis reads of `recommend` (see reco_recommend_read.h).
 *
 * Ranked lists are read with ZREVRANGE ... WITHSCORES in pages that start at 2 * limit + 10
 * entries and double up to RECO_READ_PAGE_MAX, so the usual request costs one page and a list
 * full of hidden or seen items still costs few round trips. Each page (or chunk of a merged
 * candidate list) is checked in one pipeline: SMISMEMBER against the hidden set and, when the
 * user's history is left out, ZMSCORE against it. For bought-with's sets both parts of a set are
 * checked, and a set with a hidden or seen part is left out.
 *
 * Ownership: every reply is freed before the function that read it returns; argument vectors
 * point into lists the caller keeps alive meanwhile. */
#include "reco_recommend_read.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_keys.h"
#include "reco_log.h"
#include "reco_query_store.h"

static int fail_out_of_memory(reco_reply_t *rep)
{
    reco_reply_fail(rep, 500, "internal", "out of memory");
    return -1;
}

static size_t first_chunk(size_t limit)
{
    size_t n = 2 * limit + 10;
    return n < RECO_READ_PAGE_MAX ? n : RECO_READ_PAGE_MAX;
}

static size_t next_chunk(size_t n)
{
    return 2 * n < RECO_READ_PAGE_MAX ? 2 * n : RECO_READ_PAGE_MAX;
}

int reco_read_versions(reco_store_t *st, const char *tenant, const char *const *models, size_t n,
                       int64_t *versions, reco_reply_t *rep)
{
    char keys[2][RECO_KEY_MAX];
    const char *argv[3] = {"MGET"};
    size_t lens[3] = {4};
    if (n == 0 || n > 2) {
        reco_reply_fail(rep, 500, "internal", "versions of %zu models asked for", n);
        return -1;
    }
    for (size_t m = 0; m < n; m++) {
        if (reco_key_model_current(keys[m], sizeof keys[m], tenant, models[m]) < 0) {
            reco_reply_fail(rep, 500, "internal", "key for model %s does not fit", models[m]);
            return -1;
        }
        argv[1 + m] = keys[m];
        lens[1 + m] = strlen(keys[m]);
    }
    redisReply *r = reco_store_commandv(st, (int)n + 1, argv, lens);
    int rc = 0;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != n)
        rc = reco_query_fail(rep, st, r, "MGET of current versions");
    for (size_t m = 0; rc == 0 && m < n; m++) {
        versions[m] = 0;
        if (reco_query_parse_version(r->element[m], &versions[m]) < 0) {
            reco_warn("%s holds no model version", keys[m]);
            reco_reply_fail(rep, 500, "internal", "%s: holds no model version", keys[m]);
            rc = -1;
        }
    }
    if (r) freeReplyObject(r);
    return rc;
}

/* ---- the hidden / seen check ---- */

/* The parts of the entries [from, to) of list not dropped yet, flattened: argv[2..] and
 * owner[k] = the entry part k belongs to. Returns the number of parts. */
static size_t collect_parts(const reco_filter_t *f, const reco_scored_list_t *list, size_t from,
                            size_t to, const unsigned char *drop, const char **argv, size_t *lens,
                            size_t *owner)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        if (drop[i]) continue;
        reco_id_span_t parts[2] = {{list->v[i].item, list->v[i].len}, {NULL, 0}};
        int count = f->members == RECO_MEMBERS_ITEMS
                        ? 1
                        : reco_member_split(list->v[i].item, list->v[i].len, parts);
        for (int p = 0; p < count; p++, n++) {
            argv[2 + n] = parts[p].id;
            lens[2 + n] = parts[p].len;
            owner[n] = i;
        }
    }
    return n;
}

/* Marks the parts found hidden (SMISMEMBER: 1) or seen (ZMSCORE: not nil) in one reply. */
static int mark_found(const redisReply *r, int is_zset, const size_t *owner, size_t n,
                      unsigned char *drop)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements != n) return -1;
    for (size_t k = 0; k < n; k++) {
        const redisReply *e = r->element[k];
        if (is_zset ? e->type != REDIS_REPLY_NIL
                    : e->type == REDIS_REPLY_INTEGER && e->integer != 0)
            drop[owner[k]] = 1;
    }
    return 0;
}

/* Sets drop[i] for the entries [from, to) of list that f leaves out. One round trip. */
static int check_chunk(const reco_filter_t *f, const reco_scored_list_t *list, size_t from,
                       size_t to, unsigned char *drop, reco_reply_t *rep)
{
    reco_mark_context(list, from, to, f->members, f->context, f->n_context, drop);
    for (size_t i = from; f->positive_only && i < to; i++)
        if (!(list->v[i].score > 0)) drop[i] = 1;
    size_t max = 2 * (to - from) + 2;
    const char **argv = malloc(max * sizeof *argv);
    size_t *lens = malloc(max * sizeof *lens), *owner = malloc(max * sizeof *owner);
    int rc = 0;
    size_t n = 0, sent = 0;
    if (!argv || !lens || !owner)
        rc = fail_out_of_memory(rep);
    else
        n = collect_parts(f, list, from, to, drop, argv, lens, owner);
    const char *commands[2] = {"SMISMEMBER", "ZMSCORE"}, *keys[2] = {f->hidden_key, f->seen_key};
    for (int c = 0; rc == 0 && n > 0 && c < 2 && keys[c]; c++) {
        argv[0] = commands[c];
        lens[0] = strlen(commands[c]);
        argv[1] = keys[c];
        lens[1] = strlen(keys[c]);
        if (reco_store_appendv(f->store, (int)n + 2, argv, lens) != 0)
            rc = reco_query_fail(rep, f->store, NULL, commands[c]);
        else
            sent++;
    }
    redisReply *replies[2] = {NULL, NULL};
    if (rc == 0 && sent > 0 && reco_query_read_all(f->store, sent, replies) != 0)
        rc = reco_query_fail(rep, f->store, NULL, "SMISMEMBER");
    for (size_t c = 0; rc == 0 && c < sent; c++)
        if (mark_found(replies[c], c == 1, owner, n, drop) != 0)
            rc = reco_query_fail(rep, f->store, replies[c], commands[c]);
    reco_query_free_all(2, replies);
    free(argv);
    free(lens);
    free(owner);
    return rc;
}

int reco_read_filter(const reco_filter_t *f, const reco_scored_list_t *ranked,
                     reco_scored_list_t *out, reco_reply_t *rep)
{
    if (ranked->n == 0) return 0;
    unsigned char *drop = calloc(ranked->n, 1);
    if (!drop) return fail_out_of_memory(rep);
    int rc = 0;
    for (size_t from = 0, chunk = first_chunk(f->limit);
         rc == 0 && from < ranked->n && out->n < f->limit; chunk = next_chunk(chunk)) {
        size_t to = ranked->n - from < chunk ? ranked->n : from + chunk;
        const reco_scored_list_t view = {ranked->v + from, to - from, to - from};
        if ((rc = check_chunk(f, ranked, from, to, drop, rep)) == 0 &&
            reco_scored_list_take(out, f->limit, &view, drop + from) != 0)
            rc = fail_out_of_memory(rep);
        from = to;
    }
    free(drop);
    return rc;
}

/* ---- ranked lists ---- */

/* Appends the members of a ZREVRANGE reply to page: pairs of member, score with scores, else
 * members with score 0. Non-finite scores (a hand-made ZSET holding inf) are skipped: JSON cannot
 * carry them. 0, or -1 on a malformed reply or OOM. */
static int page_from_reply(const redisReply *r, int with_scores, reco_scored_list_t *page)
{
    size_t step = with_scores ? 2 : 1;
    if (r->type != REDIS_REPLY_ARRAY || r->elements % step != 0) return -1;
    for (size_t i = 0; i < r->elements; i += step) {
        const redisReply *m = r->element[i], *s = with_scores ? r->element[i + 1] : NULL;
        if (m->type != REDIS_REPLY_STRING || (s && s->type != REDIS_REPLY_STRING)) return -1;
        double score = s ? strtod(s->str, NULL) : 0;
        if (isfinite(score) && reco_scored_list_push(page, m->str, m->len, score) != 0) return -1;
    }
    return 0;
}

/* ZREVRANGE key start stop [WITHSCORES] into page; *fetched = members in the reply. */
static int read_range(reco_store_t *st, const char *key, long start, long stop, int with_scores,
                      reco_scored_list_t *page, size_t *fetched, reco_reply_t *rep)
{
    char from[24], to[24];
    snprintf(from, sizeof from, "%ld", start);
    snprintf(to, sizeof to, "%ld", stop);
    const char *argv[] = {"ZREVRANGE", key, from, to, "WITHSCORES"};
    const size_t lens[] = {9, strlen(key), strlen(from), strlen(to), 10};
    redisReply *r = reco_store_commandv(st, with_scores ? 5 : 4, argv, lens);
    int rc = r && page_from_reply(r, with_scores, page) == 0 ? 0 : reco_query_fail(rep, st, r, key);
    if (fetched) *fetched = rc == 0 ? r->elements / (with_scores ? 2 : 1) : 0;
    if (r) freeReplyObject(r);
    return rc;
}

int reco_read_top(reco_store_t *st, const char *key, long count, int with_scores,
                  reco_scored_list_t *out, reco_reply_t *rep)
{
    return count > 0 ? read_range(st, key, 0, count - 1, with_scores, out, NULL, rep) : 0;
}

int reco_read_ranked(const reco_filter_t *f, const char *key, reco_scored_list_t *out,
                     reco_reply_t *rep)
{
    size_t start = 0, size = first_chunk(f->limit);
    for (;;) {
        reco_scored_list_t page = {0};
        size_t fetched = 0;
        unsigned char *drop = NULL;
        int rc = read_range(f->store, key, (long)start, (long)(start + size - 1), 1, &page,
                            &fetched, rep);
        if (rc == 0 && page.n > 0) {
            if (!(drop = calloc(page.n, 1)))
                rc = fail_out_of_memory(rep);
            else if ((rc = check_chunk(f, &page, 0, page.n, drop, rep)) == 0 &&
                     reco_scored_list_take(out, f->limit, &page, drop) != 0)
                rc = fail_out_of_memory(rep);
        }
        free(drop);
        reco_scored_list_clear(&page);
        start += size;
        if (rc != 0) return -1;
        if (out->n >= f->limit || fetched < size) return 0;
        if (start >= RECO_READ_SCAN_MAX) {
            reco_warn("%s: stopped after %zu entries, %zu of %zu wanted passed the filters", key,
                      start, out->n, f->limit);
            return 0;
        }
        size = next_chunk(size);
    }
}

/* ---- summing lists ---- */

int reco_key_batch_add(reco_key_batch_t *batch, const char *key, double weight)
{
    if (batch->n == batch->cap) {
        size_t cap = batch->cap ? 2 * batch->cap : 16;
        char **keys = realloc(batch->keys, cap * sizeof *keys);
        if (!keys) return -1;
        batch->keys = keys;
        double *weights = realloc(batch->weights, cap * sizeof *weights);
        if (!weights) return -1;
        batch->weights = weights;
        batch->cap = cap;
    }
    char *copy = strdup(key);
    if (!copy) return -1;
    batch->keys[batch->n] = copy;
    batch->weights[batch->n++] = weight;
    return 0;
}

void reco_key_batch_clear(reco_key_batch_t *batch)
{
    for (size_t i = 0; i < batch->n; i++)
        free(batch->keys[i]);
    free(batch->keys);
    free(batch->weights);
    memset(batch, 0, sizeof *batch);
}

static int add_reply_to_board(const redisReply *r, int with_scores, double weight,
                              reco_scoreboard_t *board)
{
    reco_scored_list_t page = {0};
    int rc = page_from_reply(r, with_scores, &page);
    for (size_t j = 0; rc == 0 && j < page.n; j++) {
        double score = with_scores ? weight * page.v[j].score : weight;
        if (isfinite(score)) rc = reco_scoreboard_add(board, page.v[j].item, page.v[j].len, score);
    }
    reco_scored_list_clear(&page);
    return rc;
}

int reco_read_sum_lists(reco_store_t *st, const reco_key_batch_t *batch, long count,
                        int with_scores, reco_scoreboard_t *board, reco_reply_t *rep)
{
    if (batch->n == 0 || count <= 0) return 0;
    char stop[24];
    snprintf(stop, sizeof stop, "%ld", count - 1);
    for (size_t i = 0; i < batch->n; i++) {
        const char *argv[] = {"ZREVRANGE", batch->keys[i], "0", stop, "WITHSCORES"};
        const size_t lens[] = {9, strlen(batch->keys[i]), 1, strlen(stop), 10};
        if (reco_store_appendv(st, with_scores ? 5 : 4, argv, lens) != 0)
            return reco_query_fail(rep, st, NULL, "ZREVRANGE");
    }
    redisReply **replies = calloc(batch->n, sizeof *replies);
    if (!replies) { /* the pipeline is abandoned: drain it so the connection stays usable */
        for (size_t i = 0; i < batch->n; i++) {
            redisReply *r = NULL;
            if (reco_store_read(st, &r) == 0 && r) freeReplyObject(r);
        }
        return fail_out_of_memory(rep);
    }
    int rc = 0;
    if (reco_query_read_all(st, batch->n, replies) != 0)
        rc = reco_query_fail(rep, st, NULL, "ZREVRANGE");
    for (size_t i = 0; rc == 0 && i < batch->n; i++) {
        if (replies[i]->type != REDIS_REPLY_ARRAY)
            rc = reco_query_fail(rep, st, replies[i], batch->keys[i]);
        else if (add_reply_to_board(replies[i], with_scores, batch->weights[i], board) != 0)
            rc = reco_query_fail(rep, st, replies[i], batch->keys[i]); /* malformed, or OOM */
    }
    reco_query_free_all(batch->n, replies); /* NULL entries after a failed read are skipped */
    free(replies);
    return rc;
}
