/* reco_ranking — the pure parts of serving a recommendation: ranked lists of scored members,
 * summing several lists into one ranking, reading bought-with's set members, and leaving out
 * members a request must not get back. No Redis here: reco_recommend_read.c feeds these from
 * ZSETs, and test_reco_ranking.c checks them with exact values.
 *
 * A member is an item id or, in bought-with's lists, a 2-item set "x\x1fy" (unit separator;
 * valid ids never hold control characters, so the separator cannot be part of an id).
 *
 * Ownership: reco_scored_list_t owns copies of its members; reco_scored_list_clear frees them.
 * The `model` of an entry is a borrowed static string (a model table name) or NULL. */
#ifndef RECO_RANKING_H
#define RECO_RANKING_H

#include <stddef.h>

#define RECO_SET_SEPARATOR '\x1f'

typedef struct {
    char *item; /* owned, NUL-terminated; len bytes */
    size_t len;
    double score;
    const char *model; /* the model that produced it; NULL = the model asked for */
} reco_scored_t;

typedef struct {
    reco_scored_t *v;
    size_t n, cap;
} reco_scored_list_t;

/* Appends a copy of item (model NULL). 0, or -1 out of memory. */
int reco_scored_list_push(reco_scored_list_t *list, const char *item, size_t len, double score);
void reco_scored_list_clear(reco_scored_list_t *list);
/* 1 if list holds item. Linear: for the short lists of a reply. */
int reco_scored_list_contains(const reco_scored_list_t *list, const char *item, size_t len);

/* Appends to out, in order, copies of the entries of page whose drop flag is 0, until out holds
 * limit entries. drop may be NULL (drop nothing). Returns 0, or -1 out of memory. */
int reco_scored_list_take(reco_scored_list_t *out, size_t limit, const reco_scored_list_t *page,
                          const unsigned char *drop);

/* ---- set members ---- */

typedef struct {
    const char *id; /* points into the member: not NUL-terminated */
    size_t len;
} reco_id_span_t;

/* Splits a member into parts[0] (and parts[1] for a set). Returns 1 for a single item, 2 for a
 * 2-item set, 0 for a malformed member (an empty part, or more than two parts). */
int reco_member_split(const char *member, size_t len, reco_id_span_t parts[2]);

/* How the members of a list are read when filtering. */
typedef enum {
    RECO_MEMBERS_ITEMS,  /* every member is one item id, whatever bytes it holds */
    RECO_MEMBERS_SINGLE, /* bought-with without include_sets: sets and malformed members dropped */
    RECO_MEMBERS_SETS    /* bought-with with include_sets: sets kept, malformed members dropped */
} reco_members_t;

/* Sets drop[i] = 1 for each entry i in [from, to) of list that is a context item, or (sets) has
 * a context item among its parts, or that the members mode leaves out. Flags already set stay
 * set. context holds n_context NUL-terminated ids. */
void reco_mark_context(const reco_scored_list_t *list, size_t from, size_t to,
                       reco_members_t members, const char *const *context, size_t n_context,
                       unsigned char *drop);

/* ---- summing lists ---- */

typedef struct reco_scoreboard reco_scoreboard_t;

reco_scoreboard_t *reco_scoreboard_new(void);
void reco_scoreboard_destroy(reco_scoreboard_t **board);
/* Adds score to item's sum (a new item starts at 0). 0, or -1 out of memory. */
int reco_scoreboard_add(reco_scoreboard_t *board, const char *item, size_t len, double score);
/* item never appears in the ranking, whether added before or after. 0, or -1 out of memory. */
int reco_scoreboard_exclude(reco_scoreboard_t *board, const char *item, size_t len);
/* Every item not excluded into out (appended), by summed score descending, then by id
 * ascending (bytewise), so the order never depends on hashing. 0, or -1 out of memory. */
int reco_scoreboard_rank(const reco_scoreboard_t *board, reco_scored_list_t *out);

#endif
