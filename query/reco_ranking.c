/* reco_ranking — ranked lists, set members and summing lists (see reco_ranking.h).
 *
 * The scoreboard is a uthash table keyed by member; ranking copies it out and sorts by summed
 * score descending, then member ascending (bytewise, shorter first on a common prefix), so equal
 * scores come out in the same order on every run and every machine. */
#include "reco_ranking.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

/* ---- ranked lists ---- */

int reco_scored_list_push(reco_scored_list_t *list, const char *item, size_t len, double score)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? 2 * list->cap : 16;
        reco_scored_t *v = realloc(list->v, cap * sizeof *v);
        if (!v) return -1;
        list->v = v;
        list->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy) return -1;
    memcpy(copy, item, len);
    copy[len] = '\0';
    list->v[list->n++] = (reco_scored_t){.item = copy, .len = len, .score = score};
    return 0;
}

void reco_scored_list_clear(reco_scored_list_t *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->v[i].item);
    free(list->v);
    memset(list, 0, sizeof *list);
}

int reco_scored_list_contains(const reco_scored_list_t *list, const char *item, size_t len)
{
    for (size_t i = 0; i < list->n; i++)
        if (list->v[i].len == len && memcmp(list->v[i].item, item, len) == 0) return 1;
    return 0;
}

int reco_scored_list_take(reco_scored_list_t *out, size_t limit, const reco_scored_list_t *page,
                          const unsigned char *drop)
{
    for (size_t i = 0; i < page->n && out->n < limit; i++) {
        const reco_scored_t *e = &page->v[i];
        if (drop && drop[i]) continue;
        if (reco_scored_list_push(out, e->item, e->len, e->score) != 0) return -1;
        out->v[out->n - 1].model = e->model;
    }
    return 0;
}

/* ---- set members ---- */

int reco_member_split(const char *member, size_t len, reco_id_span_t parts[2])
{
    const char *sep = memchr(member, RECO_SET_SEPARATOR, len);
    if (!sep) {
        parts[0] = (reco_id_span_t){member, len};
        return len > 0 ? 1 : 0;
    }
    size_t first = (size_t)(sep - member), rest = len - first - 1;
    if (first == 0 || rest == 0 || memchr(sep + 1, RECO_SET_SEPARATOR, rest)) return 0;
    parts[0] = (reco_id_span_t){member, first};
    parts[1] = (reco_id_span_t){sep + 1, rest};
    return 2;
}

static int in_context(const reco_id_span_t *part, const char *const *context, size_t n_context)
{
    for (size_t c = 0; c < n_context; c++)
        if (strlen(context[c]) == part->len && memcmp(context[c], part->id, part->len) == 0)
            return 1;
    return 0;
}

void reco_mark_context(const reco_scored_list_t *list, size_t from, size_t to,
                       reco_members_t members, const char *const *context, size_t n_context,
                       unsigned char *drop)
{
    for (size_t i = from; i < to && i < list->n; i++) {
        reco_id_span_t parts[2] = {{list->v[i].item, list->v[i].len}, {NULL, 0}};
        int n = members == RECO_MEMBERS_ITEMS
                    ? 1
                    : reco_member_split(list->v[i].item, list->v[i].len, parts);
        if (n == 0 || (n == 2 && members == RECO_MEMBERS_SINGLE)) drop[i] = 1;
        for (int p = 0; p < n; p++)
            if (in_context(&parts[p], context, n_context)) drop[i] = 1;
    }
}

/* ---- the scoreboard ---- */

typedef struct {
    char *item;
    size_t len;
    double score;
    int excluded;
    UT_hash_handle hh;
} board_entry_t;

struct reco_scoreboard {
    board_entry_t *entries;
};

reco_scoreboard_t *reco_scoreboard_new(void)
{
    return calloc(1, sizeof(reco_scoreboard_t));
}

void reco_scoreboard_destroy(reco_scoreboard_t **board)
{
    if (!board || !*board) return;
    board_entry_t *e, *tmp;
    HASH_ITER(hh, (*board)->entries, e, tmp)
    {
        HASH_DEL((*board)->entries, e);
        free(e->item);
        free(e);
    }
    free(*board);
    *board = NULL;
}

static board_entry_t *board_entry(reco_scoreboard_t *board, const char *item, size_t len)
{
    board_entry_t *e = NULL;
    HASH_FIND(hh, board->entries, item, len, e);
    if (e) return e;
    e = calloc(1, sizeof *e);
    if (!e || !(e->item = malloc(len + 1))) {
        free(e);
        return NULL;
    }
    memcpy(e->item, item, len);
    e->item[len] = '\0';
    e->len = len;
    HASH_ADD_KEYPTR(hh, board->entries, e->item, e->len, e);
    return e;
}

int reco_scoreboard_add(reco_scoreboard_t *board, const char *item, size_t len, double score)
{
    board_entry_t *e = board_entry(board, item, len);
    if (!e) return -1;
    e->score += score;
    return 0;
}

int reco_scoreboard_exclude(reco_scoreboard_t *board, const char *item, size_t len)
{
    board_entry_t *e = board_entry(board, item, len);
    if (!e) return -1;
    e->excluded = 1;
    return 0;
}

static int compare_ranked(const void *a, const void *b)
{
    const reco_scored_t *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    int c = memcmp(x->item, y->item, x->len < y->len ? x->len : y->len);
    if (c != 0) return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

int reco_scoreboard_rank(const reco_scoreboard_t *board, reco_scored_list_t *out)
{
    size_t first = out->n;
    board_entry_t *e, *tmp;
    HASH_ITER(hh, board->entries, e, tmp)
    {
        if (!e->excluded && reco_scored_list_push(out, e->item, e->len, e->score) != 0) return -1;
    }
    if (out->n > first) qsort(out->v + first, out->n - first, sizeof *out->v, compare_ranked);
    return 0;
}
