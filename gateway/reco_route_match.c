/* reco_route_match — route templates and the matching of paths against them (see the header).
 *
 * Each template is split once into segments; a segment keeps the literal text before and after
 * its parameter. Routes (method, role) point at their template by index. Matching splits the path
 * in place into a fixed array (no allocation) and tries every template, or every route's
 * template, of the same segment count: about a hundred short comparisons per request. */
#include "reco_route_match.h"

#include <stdlib.h>
#include <string.h>

#include "reco_routes.h"

#define MAX_SEGMENTS 16
#define MAX_PATH 2048

typedef struct {
    char *prefix; /* the whole literal segment when !param */
    char *suffix; /* after the '}' (param only) */
    size_t prefix_len, suffix_len;
    int param;
    int tenant; /* param named tenant, customer or customerid */
} segment_t;

typedef struct {
    char *text;
    int nseg;
    int literals;       /* segments without a parameter: the tie-break score */
    int tenant_segment; /* the last tenant parameter's index, or -1 */
    segment_t seg[MAX_SEGMENTS];
} template_t;

struct reco_route_match {
    template_t *templates;
    size_t n, cap;
    reco_route_match_route_t *routes; /* route.method owned, route.path = its template's text */
    size_t nroutes, routes_cap;
};

reco_route_match_t *reco_route_match_new(void)
{
    return calloc(1, sizeof(reco_route_match_t));
}

typedef struct {
    reco_route_match_t *m;
    int failed;
} served_t;

static void add_served(const reco_route_t *route, void *ctx)
{
    served_t *s = ctx;
    if (reco_route_match_add_route(s->m, route) < 0) s->failed = 1;
}

reco_route_match_t *reco_route_match_new_served(void)
{
    served_t s = {reco_route_match_new(), 0};
    if (s.m) reco_routes_each(add_served, &s);
    if (s.failed) reco_route_match_destroy(&s.m);
    return s.m;
}

static void template_clear(template_t *t)
{
    for (int i = 0; i < t->nseg; i++) {
        free(t->seg[i].prefix);
        free(t->seg[i].suffix);
    }
    free(t->text);
}

void reco_route_match_destroy(reco_route_match_t **m)
{
    if (!m || !*m) return;
    for (size_t i = 0; i < (*m)->n; i++)
        template_clear(&(*m)->templates[i]);
    for (size_t i = 0; i < (*m)->nroutes; i++)
        free((char *)(*m)->routes[i].route.method);
    free((*m)->templates);
    free((*m)->routes);
    free(*m);
    *m = NULL;
}

/* Splits path (without its query) into segments, in place in buf, with their lengths; one
 * trailing slash ignored. Returns the count, or -1 (too long, too many segments, not absolute). */
static int split(const char *path, char *buf, size_t cap, char **segs, size_t *lens)
{
    size_t len = strcspn(path, "?");
    if (len == 0 || path[0] != '/' || len >= cap) return -1;
    memcpy(buf, path + 1, len - 1);
    buf[len - 1] = '\0';
    size_t blen = len - 1;
    if (blen > 0 && buf[blen - 1] == '/') buf[--blen] = '\0';
    if (blen == 0) return 0;
    int n = 0;
    for (char *s = buf;; n++) {
        if (n == MAX_SEGMENTS) return -1;
        segs[n] = s;
        char *slash = strchr(s, '/');
        lens[n] = slash ? (size_t)(slash - s) : strlen(s);
        if (!slash) return n + 1;
        *slash = '\0';
        s = slash + 1;
    }
}

static int segment_parse(segment_t *seg, const char *text)
{
    const char *open = strchr(text, '{'), *close = open ? strchr(open, '}') : NULL;
    if (open && !close) return -1;
    if (!open && strchr(text, '}')) return -1;
    seg->param = open != NULL;
    if (open) {
        size_t len = (size_t)(close - open - 1);
        seg->tenant = (len == 6 && !strncmp(open + 1, "tenant", len)) ||
                      (len == 8 && !strncmp(open + 1, "customer", len)) ||
                      (len == 10 && !strncmp(open + 1, "customerid", len));
    }
    seg->prefix = strndup(text, open ? (size_t)(open - text) : strlen(text));
    seg->suffix = strdup(close ? close + 1 : "");
    if (!seg->prefix || !seg->suffix || strchr(seg->suffix, '{')) return -1;
    seg->prefix_len = strlen(seg->prefix);
    seg->suffix_len = strlen(seg->suffix);
    return 0;
}

int reco_route_match_add(reco_route_match_t *m, const char *template_path)
{
    if (!m || !template_path || m->n >= RECO_ROUTE_MATCH_MAX) return -1;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->templates[i].text, template_path) == 0) return (int)i;
    char buf[MAX_PATH], *segs[MAX_SEGMENTS];
    size_t lens[MAX_SEGMENTS];
    int n = split(template_path, buf, sizeof buf, segs, lens);
    if (n < 0) return -1;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        template_t *grown = realloc(m->templates, cap * sizeof *grown);
        if (!grown) return -1;
        m->templates = grown;
        m->cap = cap;
    }
    template_t *t = &m->templates[m->n];
    memset(t, 0, sizeof *t);
    t->tenant_segment = -1;
    int ok = (t->text = strdup(template_path)) != NULL;
    for (int i = 0; ok && i < n; i++) {
        t->nseg = i + 1;
        ok = segment_parse(&t->seg[i], segs[i]) == 0;
        t->literals += ok && !t->seg[i].param;
        if (ok && t->seg[i].tenant) t->tenant_segment = i;
    }
    if (!ok) {
        template_clear(t);
        return -1;
    }
    t->nseg = n;
    return (int)m->n++;
}

static int segment_matches(const segment_t *seg, const char *text, size_t len)
{
    if (!seg->param) return len == seg->prefix_len && memcmp(seg->prefix, text, len) == 0;
    size_t pre = seg->prefix_len, suf = seg->suffix_len;
    return len > pre + suf && memcmp(text, seg->prefix, pre) == 0 &&
           memcmp(text + len - suf, seg->suffix, suf) == 0;
}

static int template_matches(const template_t *t, const char *const *segs, const size_t *lens, int n)
{
    if (t->nseg != n) return 0;
    int k = 0;
    while (k < n && segment_matches(&t->seg[k], segs[k], lens[k]))
        k++;
    return k == n;
}

int reco_route_match_find(const reco_route_match_t *m, const char *path)
{
    char buf[MAX_PATH], *segs[MAX_SEGMENTS];
    size_t lens[MAX_SEGMENTS];
    int n = m && path ? split(path, buf, sizeof buf, segs, lens) : -1;
    if (n < 0) return -1;
    int best = -1;
    for (size_t i = 0; i < m->n; i++) {
        const template_t *t = &m->templates[i];
        if (best >= 0 && t->literals <= m->templates[best].literals) continue;
        if (template_matches(t, (const char *const *)segs, lens, n)) best = (int)i;
    }
    return best;
}

int reco_route_match_add_route(reco_route_match_t *m, const reco_route_t *route)
{
    if (!m || !route || !route->method || !route->method[0] ||
        route->role <= RECO_ROUTE_UNDECLARED || route->role > RECO_ROUTE_ADMIN)
        return -1;
    if (m->nroutes == m->routes_cap) {
        size_t cap = m->routes_cap ? m->routes_cap * 2 : 64;
        reco_route_match_route_t *grown = realloc(m->routes, cap * sizeof *grown);
        if (!grown) return -1;
        m->routes = grown;
        m->routes_cap = cap;
    }
    char *method = strdup(route->method);
    int index = method ? reco_route_match_add(m, route->path) : -1;
    if (index < 0) {
        free(method);
        return -1;
    }
    const template_t *t = &m->templates[index];
    m->routes[m->nroutes++] = (reco_route_match_route_t){
        .route = {method, t->text, route->role},
        .template_index = index,
        .tenant_segment = t->tenant_segment,
    };
    return index;
}

size_t reco_route_match_each(const reco_route_match_t *m, const char *const *segments, int n,
                             reco_route_match_fn visit, void *ctx)
{
    size_t lens[MAX_SEGMENTS], matched = 0;
    if (!m || !segments || n < 0 || n > MAX_SEGMENTS) return 0;
    for (int k = 0; k < n; k++)
        lens[k] = strlen(segments[k]);
    for (size_t i = 0; i < m->nroutes; i++) {
        const reco_route_match_route_t *r = &m->routes[i];
        if (!template_matches(&m->templates[r->template_index], segments, lens, n)) continue;
        matched++;
        if (visit) visit(r, ctx);
    }
    return matched;
}

size_t reco_route_match_count(const reco_route_match_t *m)
{
    return m ? m->n : 0;
}

const char *reco_route_match_template(const reco_route_match_t *m, int index)
{
    return m && index >= 0 && (size_t)index < m->n ? m->templates[index].text : "other";
}

static const char *const dialect_names[RECO_DIALECT_COUNT] = {
    "native", "aegeria", "advisable", "tastehit", "gravity", "yoochoose", "admin", "other"};

const char *reco_dialect_name(reco_dialect_t dialect)
{
    return (unsigned)dialect < RECO_DIALECT_COUNT ? dialect_names[dialect] : "other";
}

/* 1 if path's segment at p is exactly word (followed by '/', '?', or the end). */
static int segment_is(const char *p, const char *word)
{
    size_t n = strlen(word);
    return strncmp(p, word, n) == 0 && (p[n] == '/' || p[n] == '?' || p[n] == '\0');
}

reco_dialect_t reco_route_dialect(const char *path)
{
    if (!path || path[0] != '/') return RECO_DIALECT_OTHER;
    if (segment_is(path + 1, "v1")) return RECO_DIALECT_NATIVE;
    if (segment_is(path + 1, "admin")) return RECO_DIALECT_ADMIN;
    if (!segment_is(path + 1, "compat") || path[1 + strlen("compat")] != '/')
        return RECO_DIALECT_OTHER;
    const char *vendor = path + 1 + strlen("compat/");
    for (int d = RECO_DIALECT_AEGERIA; d <= RECO_DIALECT_YOOCHOOSE; d++)
        if (segment_is(vendor, dialect_names[d])) return (reco_dialect_t)d;
    return RECO_DIALECT_OTHER;
}
