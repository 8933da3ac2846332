/* reco_recommend_read — Redis reads of `recommend` (see reco_recommend_read.h).
 *
 * Ranked lists are read with ZREVRANGE ... WITHSCORES in pages that start at 2 * limit + 10
 * entries and double up to RECO_READ_PAGE_MAX, so the usual request costs one page and a list
 * full of hidden or seen items still costs few round trips. Each page (or chunk of a merged
 * candidate list) is checked in one pipeline: SMISMEMBER against the hidden set (unless the
 * filter holds the remembered hidden items: then they are checked here, with the other local
 * rules) and, when the user's history is left out, ZMSCORE against it. For bought-with's sets
 * both parts of a set are checked, and a set with a hidden or seen part is left out.
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
#include "reco_validate.h"

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

double reco_read_shown_score(double score)
{
    char text[40];
    snprintf(text, sizeof text, "%.15g", score);
    return strtod(text, NULL);
}

int reco_read_after_cursor(const reco_filter_t *f, double score, const char *member, size_t len)
{
    if (!f->has_cursor) return 1;
    double shown = reco_read_shown_score(score), pscore = reco_read_shown_score(f->pscore);
    if (shown < pscore) return 1;
    if (shown > pscore || !f->pitem) return 0;
    size_t common = len < f->pitem_len ? len : f->pitem_len;
    int c = memcmp(member, f->pitem, common);
    return c > 0 || (c == 0 && len > f->pitem_len);
}

/* 1 if an entry (an item, or a set of bought-with: any of its parts) is a remembered hidden item. */
static int hidden_here(const reco_filter_t *f, const reco_scored_t *e)
{
    reco_id_span_t parts[2] = {{e->item, e->len}, {NULL, 0}};
    int count = f->members == RECO_MEMBERS_ITEMS ? 1 : reco_member_split(e->item, e->len, parts);
    for (int p = 0; p < count; p++)
        if (reco_version_cache_set_has(f->hidden_members, parts[p].id, parts[p].len)) return 1;
    return 0;
}

/* Marks what f leaves out without asking Redis: context items, the members mode, scores <= 0
 * (positive_only), non-finite scores (JSON cannot carry them), entries not after the cursor,
 * hidden items when they are remembered. */
static void mark_local(const reco_filter_t *f, const reco_scored_list_t *list, size_t from,
                       size_t to, unsigned char *drop)
{
    reco_mark_context(list, from, to, f->members, f->context, f->n_context, drop);
    for (size_t i = from; i < to; i++) {
        const reco_scored_t *e = &list->v[i];
        if ((f->positive_only && !(e->score > 0)) || !isfinite(e->score) ||
            !reco_read_after_cursor(f, e->score, e->item, e->len) ||
            (f->hidden_members && f->hidden_members->n && hidden_here(f, e)))
            drop[i] = 1;
    }
}

static int has_catalogue(const reco_filter_t *f)
{
    return f->catalogue && f->catalogue->n > 0;
}

/* Appends HMGET reco:{T}:item:<part> <the rules' fields> for each of the n parts in argv[2..]. */
static int append_item_reads(const reco_filter_t *f, const char *const *parts,
                             const size_t *part_lens, size_t n, reco_reply_t *rep)
{
    const reco_filter_set_t *c = f->catalogue;
    const char *argv[2 + RECO_FILTER_MAX] = {"HMGET"};
    size_t lens[2 + RECO_FILTER_MAX] = {5};
    char key[RECO_KEY_MAX], id[RECO_ID_MAX + 1];
    for (size_t r = 0; r < c->n; r++) {
        argv[2 + r] = c->rule[r].hash_field;
        lens[2 + r] = strlen(c->rule[r].hash_field);
    }
    for (size_t k = 0; k < n; k++) {
        size_t len = part_lens[k] <= RECO_ID_MAX ? part_lens[k] : RECO_ID_MAX;
        memcpy(id, parts[k], len);
        id[len] = '\0';
        if (reco_key_item(key, sizeof key, f->tenant, id) < 0) key[0] = '\0';
        argv[1] = key;
        lens[1] = strlen(key);
        if (reco_store_appendv(f->store, (int)(2 + c->n), argv, lens) != 0)
            return reco_query_fail(rep, f->store, NULL, "HMGET of item fields");
    }
    return 0;
}

/* Drops the entries owning a part whose item fields (HMGET replies) fail the catalogue. */
static int mark_unmatched(const reco_filter_t *f, redisReply *const *replies, const size_t *owner,
                          size_t n, unsigned char *drop)
{
    const reco_filter_set_t *c = f->catalogue;
    const char *values[RECO_FILTER_MAX];
    size_t lens[RECO_FILTER_MAX];
    for (size_t k = 0; k < n; k++) {
        const redisReply *r = replies[k];
        if (r->type != REDIS_REPLY_ARRAY || r->elements != c->n) return -1;
        for (size_t i = 0; i < c->n; i++) {
            const redisReply *e = r->element[i];
            values[i] = e->type == REDIS_REPLY_STRING ? e->str : NULL;
            lens[i] = e->type == REDIS_REPLY_STRING ? e->len : 0;
        }
        if (!reco_filter_match(c, values, lens)) drop[owner[k]] = 1;
    }
    return 0;
}

/* Appends SMISMEMBER hidden (unless the hidden items are remembered) and ZMSCORE seen over the
 * n parts in argv[2..]; *sent = commands, is_zset[k] = whether the k-th is the ZMSCORE. */
static int append_set_checks(const reco_filter_t *f, const char **argv, size_t *lens, size_t n,
                             size_t *sent, int is_zset[2], reco_reply_t *rep)
{
    const char *commands[2] = {"SMISMEMBER", "ZMSCORE"};
    const char *keys[2] = {f->hidden_members ? NULL : f->hidden_key, f->seen_key};
    for (int c = 0; c < 2; c++) {
        if (!keys[c]) continue;
        argv[0] = commands[c];
        lens[0] = strlen(commands[c]);
        argv[1] = keys[c];
        lens[1] = strlen(keys[c]);
        if (reco_store_appendv(f->store, (int)n + 2, argv, lens) != 0)
            return reco_query_fail(rep, f->store, NULL, commands[c]);
        is_zset[(*sent)++] = c == 1;
    }
    return 0;
}

/* Sets drop[i] for the entries [from, to) of list that f leaves out. One round trip: the hidden
 * and seen checks, then one HMGET per part when there are catalogue filters. */
static int check_chunk(const reco_filter_t *f, const reco_scored_list_t *list, size_t from,
                       size_t to, unsigned char *drop, reco_reply_t *rep)
{
    mark_local(f, list, from, to, drop);
    size_t max = 2 * (to - from) + 2;
    const char **argv = malloc(max * sizeof *argv);
    size_t *lens = malloc(max * sizeof *lens), *owner = malloc(max * sizeof *owner);
    redisReply **replies = calloc(max + 2, sizeof *replies);
    int rc = 0;
    size_t n = 0, sets = 0, items = 0;
    if (!argv || !lens || !owner || !replies)
        rc = fail_out_of_memory(rep);
    else
        n = collect_parts(f, list, from, to, drop, argv, lens, owner);
    int is_zset[2] = {0, 0};
    if (rc == 0 && n > 0) rc = append_set_checks(f, argv, lens, n, &sets, is_zset, rep);
    if (rc == 0 && n > 0 && has_catalogue(f)) {
        rc = append_item_reads(f, argv + 2, lens + 2, n, rep);
        items = rc == 0 ? n : 0;
    }
    if (rc == 0 && sets + items > 0 && reco_query_read_all(f->store, sets + items, replies) != 0)
        rc = reco_query_fail(rep, f->store, NULL, "SMISMEMBER");
    for (size_t c = 0; rc == 0 && c < sets; c++)
        if (mark_found(replies[c], is_zset[c], owner, n, drop) != 0)
            rc = reco_query_fail(rep, f->store, replies[c], is_zset[c] ? "ZMSCORE" : "SMISMEMBER");
    if (rc == 0 && items > 0 && mark_unmatched(f, replies + sets, owner, n, drop) != 0)
        rc = reco_query_fail(rep, f->store, replies[sets], "HMGET of item fields");
    if (replies) reco_query_free_all(sets + items, replies);
    free(replies);
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
 * members with score 0. Non-finite scores (a hand-made ZSET holding inf) are skipped unless
 * keep_all (ranked pages keep every entry so that positions stay aligned with Redis's; the
 * filter drops them later): JSON cannot carry them. 0, or -1 on a malformed reply or OOM. */
static int page_from_reply(const redisReply *r, int with_scores, int keep_all,
                           reco_scored_list_t *page)
{
    size_t step = with_scores ? 2 : 1;
    if (r->type != REDIS_REPLY_ARRAY || r->elements % step != 0) return -1;
    for (size_t i = 0; i < r->elements; i += step) {
        const redisReply *m = r->element[i], *s = with_scores ? r->element[i + 1] : NULL;
        if (m->type != REDIS_REPLY_STRING || (s && s->type != REDIS_REPLY_STRING)) return -1;
        double score = s ? strtod(s->str, NULL) : 0;
        if ((keep_all || isfinite(score)) && reco_scored_list_push(page, m->str, m->len, score) != 0)
            return -1;
    }
    return 0;
}

/* ZREVRANGE key start stop [WITHSCORES] into page; *fetched = members in the reply. */
static int read_range(reco_store_t *st, const char *key, long start, long stop, int with_scores,
                      int keep_all, reco_scored_list_t *page, size_t *fetched, reco_reply_t *rep)
{
    char from[24], to[24];
    snprintf(from, sizeof from, "%ld", start);
    snprintf(to, sizeof to, "%ld", stop);
    const char *argv[] = {"ZREVRANGE", key, from, to, "WITHSCORES"};
    const size_t lens[] = {9, strlen(key), strlen(from), strlen(to), 10};
    redisReply *r = reco_store_commandv(st, with_scores ? 5 : 4, argv, lens);
    int rc = r && page_from_reply(r, with_scores, keep_all, page) == 0
                 ? 0
                 : reco_query_fail(rep, st, r, key);
    if (fetched) *fetched = rc == 0 ? r->elements / (with_scores ? 2 : 1) : 0;
    if (r) freeReplyObject(r);
    return rc;
}

int reco_read_top(reco_store_t *st, const char *key, long count, int with_scores,
                  reco_scored_list_t *out, reco_reply_t *rep)
{
    return count > 0 ? read_range(st, key, 0, count - 1, with_scores, 0, out, NULL, rep) : 0;
}

/* ZCOUNT key (pscore' +inf: the position of the first entry a cursor's page may hold. */
static int cursor_start(const reco_filter_t *f, const char *key, size_t *start, reco_reply_t *rep)
{
    /* entries shown as pscore may be stored a little above it: start below every one of them */
    char min[40];
    snprintf(min, sizeof min, "(%.17g", f->pscore + fabs(f->pscore) * 1e-13);
    const char *argv[] = {"ZCOUNT", key, min, "+inf"};
    const size_t lens[] = {6, strlen(key), strlen(min), 4};
    redisReply *r = reco_store_commandv(f->store, 4, argv, lens);
    int rc = r && r->type == REDIS_REPLY_INTEGER && r->integer >= 0 ? 0
                                                                     : reco_query_fail(rep, f->store, r, key);
    if (rc == 0) *start = (size_t)r->integer;
    if (r) freeReplyObject(r);
    return rc;
}

/* The entries of a run of equal scores s from its start, ascending by member:
 * ZRANGEBYSCORE key s s WITHSCORES LIMIT 0 RECO_READ_SCAN_MAX, replacing page. */
static int read_run(reco_store_t *st, const char *key, double s, reco_scored_list_t *page,
                    reco_reply_t *rep)
{
    char score[40], count[24];
    snprintf(score, sizeof score, "%.17g", s);
    snprintf(count, sizeof count, "%d", RECO_READ_SCAN_MAX);
    const char *argv[] = {"ZRANGEBYSCORE", key, score, score, "WITHSCORES", "LIMIT", "0", count};
    const size_t lens[] = {13, strlen(key), strlen(score), strlen(score), 10, 5, 1, strlen(count)};
    reco_scored_list_clear(page);
    redisReply *r = reco_store_commandv(st, 8, argv, lens);
    int rc = r && page_from_reply(r, 1, 1, page) == 0 ? 0 : reco_query_fail(rep, st, r, key);
    if (r) freeReplyObject(r);
    return rc;
}

/* Redis gives equal scores by member descending; reverses each run so they come ascending. */
static void order_ties(reco_scored_list_t *page)
{
    for (size_t i = 0, j; i < page->n; i = j) {
        for (j = i + 1; j < page->n && page->v[j].score == page->v[i].score;)
            j++;
        for (size_t a = i, b = j - 1; a < b; a++, b--) {
            reco_scored_t t = page->v[a];
            page->v[a] = page->v[b];
            page->v[b] = t;
        }
    }
}

/* Cuts a full page before its last run of equal scores (which may go on in the next page);
 * returns the entries kept, 0 when the page is one run (then nothing is cut). */
static size_t keep_complete_runs(reco_scored_list_t *page)
{
    size_t k = page->n;
    while (k > 0 && page->v[k - 1].score == page->v[page->n - 1].score)
        k--;
    for (size_t i = k; k > 0 && i < page->n; i++)
        free(page->v[i].item);
    if (k > 0) page->n = k;
    return k;
}

/* Reads the page of key at start into page, in ranking order; *consumed = the list entries it
 * covers, *more = the list may go on. *size may grow (a page that is one run is read again). */
static int read_ranked_page(const reco_filter_t *f, const char *key, size_t start, size_t *size,
                            reco_scored_list_t *page, size_t *consumed, int *more,
                            reco_reply_t *rep)
{
    for (;;) {
        size_t fetched = 0;
        if (read_range(f->store, key, (long)start, (long)(start + *size - 1), 1, 1, page, &fetched,
                       rep) != 0)
            return -1;
        *more = fetched == *size;
        *consumed = fetched;
        if (!*more || (*consumed = keep_complete_runs(page)) > 0) {
            order_ties(page);
            return 0;
        }
        if (*size < RECO_READ_PAGE_MAX) { /* one run: read more at once */
            reco_scored_list_clear(page);
            *size = next_chunk(*size);
            continue;
        }
        if (read_run(f->store, key, page->v[0].score, page, rep) != 0) return -1;
        *consumed = page->n;
        return 0;
    }
}

int reco_read_ranked(const reco_filter_t *f, const char *key, reco_scored_list_t *out,
                     reco_reply_t *rep)
{
    size_t start = 0, scanned = 0, size = first_chunk(f->limit);
    if (f->has_cursor && cursor_start(f, key, &start, rep) != 0) return -1;
    for (;;) {
        reco_scored_list_t page = {0};
        size_t consumed = 0;
        int more = 0;
        unsigned char *drop = NULL;
        int rc = read_ranked_page(f, key, start, &size, &page, &consumed, &more, rep);
        if (rc == 0 && page.n > 0) {
            if (!(drop = calloc(page.n, 1)))
                rc = fail_out_of_memory(rep);
            else if ((rc = check_chunk(f, &page, 0, page.n, drop, rep)) == 0 &&
                     reco_scored_list_take(out, f->limit, &page, drop) != 0)
                rc = fail_out_of_memory(rep);
        }
        free(drop);
        reco_scored_list_clear(&page);
        start += consumed;
        scanned += consumed;
        if (rc != 0) return -1;
        if (out->n >= f->limit || !more) return 0;
        if (scanned >= RECO_READ_SCAN_MAX) {
            reco_warn("%s: stopped after %zu entries, %zu of %zu wanted passed the filters", key,
                      scanned, out->n, f->limit);
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
    int rc = page_from_reply(r, with_scores, 0, &page);
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
