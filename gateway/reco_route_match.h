/* reco_route_match — which route template a request path belongs to, for labels that must stay
 * few (GET /metrics counts requests by template, never by raw path).
 *
 * A template is a path of reco_routes.h ("/v1/{tenant}/items/{item}", "/compat/x/{id}.json"):
 * a segment in braces matches any one non-empty segment, and a segment with a parameter inside
 * ("{scenarioid}.json") matches a segment with that prefix and suffix. Paths are matched as
 * sent (still percent-encoded); one trailing slash is ignored. When several templates match,
 * the one with the most literal segments wins ("/v1/{tenant}/recommend/bulk" before
 * "/v1/{tenant}/recommend/{scenario}"), then the first added. The method is not looked at: a
 * 405 counts under the template its path matches.
 *
 * The dialect of a path is its API family, from its first segments: /v1 native, /compat/<vendor>
 * the vendor (aegeria, advisable, tastehit, gravity, yoochoose), /admin admin, anything else
 * other.
 *
 * Ownership: the matcher copies every template; reco_route_match_destroy frees them. */
#ifndef RECO_ROUTE_MATCH_H
#define RECO_ROUTE_MATCH_H

#include <stddef.h>

typedef enum {
    RECO_DIALECT_NATIVE = 0,
    RECO_DIALECT_AEGERIA,
    RECO_DIALECT_ADVISABLE,
    RECO_DIALECT_TASTEHIT,
    RECO_DIALECT_GRAVITY,
    RECO_DIALECT_YOOCHOOSE,
    RECO_DIALECT_ADMIN,
    RECO_DIALECT_OTHER,
    RECO_DIALECT_COUNT
} reco_dialect_t;

#define RECO_ROUTE_MATCH_MAX 4000 /* templates a matcher holds */

typedef struct reco_route_match reco_route_match_t;

/* An empty matcher, or NULL when out of memory. */
reco_route_match_t *reco_route_match_new(void);
/* A matcher of every route the gateway serves (reco_routes_each), or NULL. */
reco_route_match_t *reco_route_match_new_served(void);
void reco_route_match_destroy(reco_route_match_t **m);

/* Adds a template (a template already held is not added twice). Returns its index, or -1 (not
 * starting with '/', unbalanced braces, too many segments, the matcher full, out of memory). */
int reco_route_match_add(reco_route_match_t *m, const char *template_path);

/* The index of the template path matches, or -1 (the caller's "other"). */
int reco_route_match_find(const reco_route_match_t *m, const char *path);
size_t reco_route_match_count(const reco_route_match_t *m);
/* The template of an index; "other" for -1 or any index out of range. */
const char *reco_route_match_template(const reco_route_match_t *m, int index);

reco_dialect_t reco_route_dialect(const char *path);
const char *reco_dialect_name(reco_dialect_t dialect);

#endif
