/* reco_route_match — the gateway's one route matcher: which served routes (reco_routes.h) a
 * request path belongs to. Two users: reco_metrics labels each request with one template (labels
 * must stay few: GET /metrics counts by template, never by raw path), and reco_auth decides who
 * may call a path from every route it matches (method, role, tenant segment).
 *
 * A template is a path of reco_routes.h ("/v1/{tenant}/items/{item}", "/compat/x/{id}.json"):
 * a segment in braces matches any one non-empty segment, and a segment with a parameter inside
 * ("{scenarioid}.json") matches a segment with that prefix and suffix. A template is held once
 * however many routes (methods) share it; each route keeps its method, its role and the segment
 * of its tenant ({tenant}, {customer} or {customerid}).
 *
 * The matcher compares bytes and never decodes: each user hands it the path as it matches it.
 * reco_metrics gives the path as sent (still percent-encoded, reco_route_match_find: a request
 * that fails to decode is still counted under its template); reco_auth gives the decoded segments
 * of reco_http's reco_path_t (reco_route_match_each), the ones the dispatch routes by, so that
 * no encoding of a path reaches a handler under another role than its own.
 *
 * reco_route_match_find: one trailing slash is ignored and a query string cut off. When several
 * templates match, the one with the most literal segments wins ("/v1/{tenant}/recommend/bulk"
 * before "/v1/{tenant}/recommend/{scenario}"), then the first added. The method is not looked
 * at: a 405 counts under the template its path matches.
 *
 * reco_route_match_each: every route whose template matches, in the order the routes were added,
 * whatever their method; the caller picks (reco_auth: the strictest role of the request's method,
 * else of another method for a 405, and the read methods for a CORS preflight).
 *
 * The dialect of a path is its API family, from its first segments: /v1 native, /compat/<vendor>
 * the vendor (aegeria, advisable, tastehit, gravity, yoochoose), /admin admin, anything else
 * other.
 *
 * Ownership: the matcher copies every template and method; reco_route_match_destroy frees them.
 * A reco_route_match_route_t handed out stays valid until the next add or the destroy. */
#ifndef RECO_ROUTE_MATCH_H
#define RECO_ROUTE_MATCH_H

#include <stddef.h>

#include "reco_routes.h"

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
/* A matcher of every route the gateway serves (reco_routes_each), or NULL (out of memory, or a
 * route the matcher refuses: a bad template, a role left undeclared). */
reco_route_match_t *reco_route_match_new_served(void);
void reco_route_match_destroy(reco_route_match_t **m);

/* Adds a template (a template already held is not added twice). Returns its index, or -1 (not
 * starting with '/', unbalanced braces, too many segments, the matcher full, out of memory). */
int reco_route_match_add(reco_route_match_t *m, const char *template_path);

/* Adds a route: its template (as reco_route_match_add) with its method and role. Returns the
 * template's index, or -1 (a bad template, no method, the role RECO_ROUTE_UNDECLARED or out of
 * range, out of memory). */
int reco_route_match_add_route(reco_route_match_t *m, const reco_route_t *route);

/* A route the matcher holds. */
typedef struct {
    reco_route_t route; /* method, template and role; the strings are the matcher's */
    int template_index; /* as reco_route_match_template takes it */
    int tenant_segment; /* index of the {tenant}, {customer} or {customerid} segment, or -1 */
} reco_route_match_route_t;

/* route: the matcher's (see Ownership above). */
typedef void (*reco_route_match_fn)(const reco_route_match_route_t *route, void *ctx);

/* Calls visit for every route whose template matches the path given as n segments (each a
 * NUL-terminated string without '/', matched byte for byte), in the order added. Returns how
 * many matched; 0 when n is negative or over the deepest template. */
size_t reco_route_match_each(const reco_route_match_t *m, const char *const *segments, int n,
                             reco_route_match_fn visit, void *ctx);

/* The index of the template path matches, or -1 (the caller's "other"). */
int reco_route_match_find(const reco_route_match_t *m, const char *path);
size_t reco_route_match_count(const reco_route_match_t *m);
/* The template of an index; "other" for -1 or any index out of range. */
const char *reco_route_match_template(const reco_route_match_t *m, int index);

reco_dialect_t reco_route_dialect(const char *path);
const char *reco_dialect_name(reco_dialect_t dialect);

#endif
