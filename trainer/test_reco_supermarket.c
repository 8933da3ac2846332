/* bought-with against brute force on real baskets: weka's supermarket.arff (4,627 shopping
 * baskets over the departments of a supermarket; each attribute `t` = bought, `?` = not).
 *
 * A small ARFF loader keeps the attributes whose nominal values are exactly { t } (the
 * departments; the `total` attribute low/high is not one) and turns each @data row into the set
 * of its `t` columns. Brute force then counts every item, pair and triple with nested loops over
 * the baskets into dense arrays, derives every rule with n(A ∪ C) >= min support by the
 * documented formulas, and the test compares them, all of them (top_k 0), with
 * reco_model_bought_with: the same rules in the same order, equal counts, and equal doubles for
 * confidence, lift and score.
 *
 * Usage: test_reco_supermarket <supermarket.arff> (test_supermarket.sh fetches the file). */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "reco_baskets.h"

#define MIN_SUPPORT 2

static const char *arff_path;

typedef struct {
    size_t n_items;
    reco_basket_list_t baskets;
    size_t cap_baskets, cap_items;
} arff_t;

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* 1 when the attribute line's nominal set is exactly { t }. */
static int is_flag_attribute(const char *line)
{
    const char *open = strchr(line, '{'), *close = open ? strchr(open, '}') : NULL;
    if (!open || !close) return 0;
    char set[64];
    size_t n = (size_t)(close - open - 1);
    if (n >= sizeof set) return 0;
    memcpy(set, open + 1, n);
    set[n] = '\0';
    return strcmp(trim(set), "t") == 0;
}

static void push(arff_t *a, const uint32_t *items, size_t n)
{
    reco_basket_list_t *b = &a->baskets;
    if (b->n_baskets + 2 > a->cap_baskets) {
        a->cap_baskets = a->cap_baskets ? 2 * a->cap_baskets : 1024;
        b->ptr = realloc(b->ptr, a->cap_baskets * sizeof *b->ptr);
        assert_non_null(b->ptr);
        if (b->n_baskets == 0) b->ptr[0] = 0;
    }
    size_t at = b->ptr[b->n_baskets];
    if (at + n > a->cap_items) {
        a->cap_items = 2 * (at + n) + 1024;
        b->items = realloc(b->items, a->cap_items * sizeof *b->items);
        assert_non_null(b->items);
    }
    memcpy(b->items + at, items, n * sizeof *items);
    b->ptr[++b->n_baskets] = at + n;
}

/* Parses one @data row: the flag columns holding t, ascending. */
static void parse_row(arff_t *a, char *line, const int *item_of, size_t n_attrs)
{
    uint32_t items[512];
    size_t n = 0, field = 0;
    for (char *save = NULL, *tok = strtok_r(line, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save), field++) {
        assert_true(field < n_attrs);
        if (item_of[field] >= 0 && strcmp(trim(tok), "t") == 0)
            items[n++] = (uint32_t)item_of[field];
    }
    assert_int_equal(field, n_attrs);
    push(a, items, n);
}

static void load_arff(const char *path, arff_t *a)
{
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    memset(a, 0, sizeof *a);
    int item_of[512];
    size_t n_attrs = 0, cap = 0;
    int in_data = 0;
    char *line = NULL;
    while (getline(&line, &cap, f) >= 0) {
        char *s = trim(line);
        if (!*s || *s == '%') continue;
        if (!in_data && strncasecmp(s, "@attribute", 10) == 0) {
            assert_true(n_attrs < 512);
            item_of[n_attrs++] = is_flag_attribute(s) ? (int)a->n_items++ : -1;
        } else if (!in_data && strncasecmp(s, "@data", 5) == 0) {
            in_data = 1;
        } else if (in_data) {
            parse_row(a, s, item_of, n_attrs);
        }
    }
    free(line);
    fclose(f);
}

/* ---- brute force ----------------------------------------------------------------------- */

typedef struct {
    size_t k, n_baskets;
    uint32_t *n1, *n2, *n3; /* n2[i*k + j], n3[(i*k + j)*k + l], i < j < l */
} counts_t;

static void count_all(const arff_t *a, counts_t *c)
{
    size_t k = a->n_items;
    c->k = k;
    c->n_baskets = a->baskets.n_baskets;
    c->n1 = calloc(k, sizeof *c->n1);
    c->n2 = calloc(k * k, sizeof *c->n2);
    c->n3 = calloc(k * k * k, sizeof *c->n3);
    assert_true(c->n1 && c->n2 && c->n3);
    const reco_basket_list_t *b = &a->baskets;
    for (size_t x = 0; x < b->n_baskets; x++) {
        const uint32_t *it = b->items + b->ptr[x];
        size_t n = b->ptr[x + 1] - b->ptr[x];
        for (size_t p = 0; p < n; p++) {
            c->n1[it[p]]++;
            for (size_t q = p + 1; q < n; q++) {
                c->n2[it[p] * k + it[q]]++;
                for (size_t r = q + 1; r < n; r++)
                    c->n3[(it[p] * k + it[q]) * k + it[r]]++;
            }
        }
    }
}

static uint32_t pair(const counts_t *c, uint32_t x, uint32_t y)
{
    return x < y ? c->n2[x * c->k + y] : c->n2[y * c->k + x];
}

static uint32_t triple(const counts_t *c, uint32_t x, uint32_t y, uint32_t z)
{
    uint32_t v[3] = {x, y, z}, t;
    if (v[0] > v[1]) t = v[0], v[0] = v[1], v[1] = t;
    if (v[1] > v[2]) t = v[1], v[1] = v[2], v[2] = t;
    if (v[0] > v[1]) t = v[0], v[0] = v[1], v[1] = t;
    return c->n3[(v[0] * c->k + v[1]) * c->k + v[2]];
}

/* The documented formulas (reco_baskets.h). */
static reco_rule_t rule(uint32_t c0, uint32_t c1, size_t n_union, size_t n_ante, size_t n_cons,
                        size_t n)
{
    double N = (double)n;
    reco_rule_t r = {.item = {c0, c1}, .count = (uint32_t)n_union};
    double s_union = (double)n_union / N, s_ante = (double)n_ante / N;
    double s_cons = (double)n_cons / N;
    r.confidence = s_union / s_ante;
    r.lift = r.confidence / s_cons;
    r.score = r.confidence * r.lift / (1.0 + r.lift);
    return r;
}

static int rule_order(const void *pa, const void *pb)
{
    const reco_rule_t *a = pa, *b = pb;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    if (a->item[0] != b->item[0]) return a->item[0] < b->item[0] ? -1 : 1;
    if (a->item[1] != b->item[1]) return a->item[1] < b->item[1] ? -1 : 1;
    return 0;
}

static void compare(const char *what, size_t id, const reco_rule_t *got, size_t n_got,
                    reco_rule_t *want, size_t n_want)
{
    qsort(want, n_want, sizeof *want, rule_order);
    if (n_got != n_want) fail_msg("%s %zu: %zu rules, brute force %zu", what, id, n_got, n_want);
    for (size_t k = 0; k < n_got; k++) {
        const reco_rule_t *g = &got[k], *w = &want[k];
        if (g->item[0] != w->item[0] || g->item[1] != w->item[1] || g->count != w->count ||
            g->confidence != w->confidence || g->lift != w->lift || g->score != w->score)
            fail_msg(
                "%s %zu rule %zu: {%u,%u} n %u conf %.17g lift %.17g; brute force {%u,%u} n %u "
                "conf %.17g lift %.17g",
                what, id, k, g->item[0], g->item[1], g->count, g->confidence, g->lift, w->item[0],
                w->item[1], w->count, w->confidence, w->lift);
    }
}

/* Expected list of antecedent {a}: singles (sorted) then 2-item consequents (sorted). */
static size_t item_rules(const counts_t *c, uint32_t a, reco_rule_t *out, size_t *n_singles)
{
    size_t n = 0, k = c->k;
    for (uint32_t x = 0; x < k; x++)
        if (x != a && pair(c, a, x) >= MIN_SUPPORT)
            out[n++] = rule(x, RECO_NO_ITEM, pair(c, a, x), c->n1[a], c->n1[x], c->n_baskets);
    qsort(out, n, sizeof *out, rule_order);
    *n_singles = n;
    for (uint32_t x = 0; x < k; x++)
        for (uint32_t y = x + 1; y < k; y++)
            if (x != a && y != a && triple(c, a, x, y) >= MIN_SUPPORT)
                out[n++] = rule(x, y, triple(c, a, x, y), c->n1[a], pair(c, x, y), c->n_baskets);
    return n;
}

static void test_supermarket_rules_match_brute_force(void **state)
{
    (void)state;
    arff_t a;
    load_arff(arff_path, &a);
    assert_int_equal(a.baskets.n_baskets, 4627);
    counts_t c;
    count_all(&a, &c);
    size_t used = 0;
    for (size_t i = 0; i < c.k; i++)
        used += c.n1[i] > 0;
    print_message("%zu baskets, %zu departments, %zu of them bought\n", c.n_baskets, c.k, used);

    reco_basket_options_t o = {.min_support = MIN_SUPPORT};
    reco_basket_rules_t r;
    assert_int_equal(reco_model_bought_with(&a.baskets, c.k, &o, &r), 0);
    assert_int_equal(r.n_baskets, c.n_baskets);
    reco_rule_t *want = malloc(c.k * c.k * sizeof *want);
    size_t total = 0;
    for (uint32_t i = 0; i < c.k; i++) {
        assert_int_equal(r.item_count[i], c.n1[i]);
        size_t n_singles, n = item_rules(&c, i, want, &n_singles);
        qsort(want + n_singles, n - n_singles, sizeof *want, rule_order);
        const reco_rule_t *got = r.item_rules + r.item_ptr[i];
        size_t n_got = r.item_ptr[i + 1] - r.item_ptr[i];
        assert_true(n_got >= n_singles);
        compare("item (singles)", i, got, n_singles, want, n_singles);
        compare("item (pairs)", i, got + n_singles, n_got - n_singles, want + n_singles,
                n - n_singles);
        total += n;
    }
    /* contexts: every pair {x, y} with a consequent, in (x, y) order */
    size_t ctx = 0;
    for (uint32_t x = 0; x < c.k; x++)
        for (uint32_t y = x + 1; y < c.k; y++) {
            size_t n = 0;
            for (uint32_t z = 0; z < c.k; z++)
                if (z != x && z != y && triple(&c, x, y, z) >= MIN_SUPPORT)
                    want[n++] = rule(z, RECO_NO_ITEM, triple(&c, x, y, z), pair(&c, x, y), c.n1[z],
                                     c.n_baskets);
            if (n == 0) continue;
            assert_true(ctx < r.n_contexts);
            assert_int_equal(r.context_items[2 * ctx], x);
            assert_int_equal(r.context_items[2 * ctx + 1], y);
            assert_int_equal(r.context_count[ctx], pair(&c, x, y));
            compare("context", ctx, r.context_rules + r.context_ptr[ctx],
                    r.context_ptr[ctx + 1] - r.context_ptr[ctx], want, n);
            total += n;
            ctx++;
        }
    assert_int_equal(ctx, r.n_contexts);
    assert_int_equal(total, r.n_rules);
    print_message("%zu rules (%zu pair contexts) equal to brute force\n", total, ctx);
    assert_true(total > 10000);
    free(want);
    reco_basket_rules_clear(&r);
    free(c.n1);
    free(c.n2);
    free(c.n3);
    reco_basket_list_clear(&a.baskets);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <supermarket.arff>\n", argv[0]);
        return 2;
    }
    arff_path = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_supermarket_rules_match_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
