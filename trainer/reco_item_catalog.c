/* reco_item_catalog — catalogue reader for the content model (see reco_item_catalog.h).
 *
 * Each item kept is one allocation (`blocks[k]`) holding its attribute pointer arrays followed by
 * copies of its id, title, categories, attribute names and values, so freeing the catalogue is
 * one free per item. Ids are collected first (SSCAN may return an id twice: the sorted list is
 * de-duplicated), so the hashes are read in id order and the items come out sorted. */
#include "reco_item_catalog.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_intern.h"
#include "reco_keys.h"
#include "reco_log.h"
#include "reco_validate.h"

#define ATTR_PREFIX "attr:"
#define ATTR_PREFIX_LEN 5

struct reco_item_catalog {
    reco_content_item_t *items;
    void **blocks;
    size_t n, cap;
};

void reco_item_catalog_destroy(reco_item_catalog_t **cp)
{
    if (!cp || !*cp) return;
    for (size_t k = 0; k < (*cp)->n; k++)
        free((*cp)->blocks[k]);
    free((*cp)->blocks);
    free((*cp)->items);
    free(*cp);
    *cp = NULL;
}

size_t reco_item_catalog_count(const reco_item_catalog_t *c)
{
    return c->n;
}

const reco_content_item_t *reco_item_catalog_items(const reco_item_catalog_t *c)
{
    return c->items;
}

static int field_is(const redisReply *r, const char *name)
{
    size_t n = strlen(name);
    return r->type == REDIS_REPLY_STRING && r->len == n && memcmp(r->str, name, n) == 0;
}

static int is_attribute(const redisReply *r)
{
    return r->type == REDIS_REPLY_STRING && r->len > ATTR_PREFIX_LEN &&
           memcmp(r->str, ATTR_PREFIX, ATTR_PREFIX_LEN) == 0;
}

static char *copy_text(char **at, const char *s, size_t len)
{
    char *start = *at;
    memcpy(start, s, len);
    start[len] = '\0';
    *at += len + 1;
    return start;
}

/* Adds the item from its HGETALL reply (a flat name/value array: RESP2). */
static int add_item(reco_item_catalog_t *c, const char *id, size_t id_len, const redisReply *h)
{
    size_t n_attrs = 0, bytes = id_len + 1;
    for (size_t k = 0; k + 1 < h->elements; k += 2) {
        const redisReply *name = h->element[k], *value = h->element[k + 1];
        if (value->type != REDIS_REPLY_STRING) continue;
        if (is_attribute(name)) {
            n_attrs++;
            bytes += name->len - ATTR_PREFIX_LEN + 1 + value->len + 1;
        } else if (field_is(name, "title") || field_is(name, "categories")) {
            bytes += value->len + 1;
        }
    }
    size_t head = 2 * n_attrs * sizeof(char *);
    char *block = malloc(head + bytes);
    if (!block) return -1;
    const char **names = (const char **)block, **values = names + n_attrs;
    char *at = block + head;
    reco_content_item_t item = {.id = copy_text(&at, id, id_len),
                                .id_len = id_len,
                                .attribute_names = names,
                                .attribute_values = values};
    for (size_t k = 0; k + 1 < h->elements; k += 2) {
        const redisReply *name = h->element[k], *value = h->element[k + 1];
        if (value->type != REDIS_REPLY_STRING) continue;
        if (is_attribute(name)) {
            names[item.n_attributes] =
                copy_text(&at, name->str + ATTR_PREFIX_LEN, name->len - ATTR_PREFIX_LEN);
            values[item.n_attributes++] = copy_text(&at, value->str, value->len);
        } else if (field_is(name, "title")) {
            item.title = copy_text(&at, value->str, value->len);
        } else if (field_is(name, "categories")) {
            item.categories = copy_text(&at, value->str, value->len);
        }
    }
    c->items[c->n] = item;
    c->blocks[c->n++] = block;
    return 0;
}

/* Every valid id of the items SET, sorted, in an interner (ids) + order. */
static int read_ids(reco_store_t *st, const char *tenant, reco_intern_t *ids)
{
    char key[RECO_KEY_MAX], cursor[32] = "0";
    if (reco_key_items(key, sizeof key, tenant) < 0) return -1;
    do {
        redisReply *r = reco_store_command(st, "SSCAN %s %s COUNT 1000", key, cursor);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
            reco_error("tenant %s: SSCAN %s failed: %s", tenant, key,
                       r && r->type == REDIS_REPLY_ERROR ? r->str : reco_store_errstr(st));
            if (r) freeReplyObject(r);
            return -1;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        int rc = 0;
        uint32_t index;
        for (size_t k = 0; rc == 0 && k < r->element[1]->elements; k++) {
            const redisReply *id = r->element[1]->element[k];
            if (id->type == REDIS_REPLY_STRING && reco_valid_id(id->str, id->len))
                rc = reco_intern_add(ids, id->str, id->len, &index);
        }
        freeReplyObject(r);
        if (rc != 0) return -1;
    } while (strcmp(cursor, "0") != 0);
    return 0;
}

/* HGETALLs order[from .. to) pipelined and adds the items. */
static int read_hashes(reco_store_t *st, const char *tenant, const reco_intern_t *ids,
                       const uint32_t *order, size_t from, size_t to, reco_item_catalog_t *c)
{
    char key[RECO_KEY_MAX];
    for (size_t k = from; k < to; k++) {
        if (reco_key_item(key, sizeof key, tenant, reco_intern_id(ids, order[k], NULL)) < 0 ||
            reco_store_append(st, "HGETALL %s", key) != 0) {
            reco_error("tenant %s: reading item hashes failed: %s", tenant, reco_store_errstr(st));
            return -1;
        }
    }
    int rc = 0;
    for (size_t k = from; k < to; k++) {
        redisReply *r = NULL;
        if (reco_store_read(st, &r) != 0) {
            reco_error("tenant %s: reading item hashes failed: %s", tenant, reco_store_errstr(st));
            return -1; /* the store dropped the connection: no reply is left to read */
        }
        size_t len;
        const char *id = reco_intern_id(ids, order[k], &len);
        if (rc == 0 && r->type == REDIS_REPLY_ARRAY && r->elements > 0)
            rc = add_item(c, id, len, r);
        freeReplyObject(r);
    }
    if (rc != 0) reco_error("tenant %s: out of memory reading the catalogue", tenant);
    return rc;
}

static int read_catalog(reco_store_t *st, const char *tenant, reco_tick_fn after_batch, void *ctx,
                        reco_intern_t *ids, reco_item_catalog_t *c)
{
    if (read_ids(st, tenant, ids) != 0) return -1;
    size_t n = reco_intern_count(ids);
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    c->items = malloc((n ? n : 1) * sizeof *c->items);
    c->blocks = malloc((n ? n : 1) * sizeof *c->blocks);
    int rc = order && c->items && c->blocks ? 0 : -1;
    if (rc == 0) reco_intern_sorted(ids, NULL, n, order);
    for (size_t from = 0; rc == 0 && from < n; from += RECO_CATALOG_PIPELINE) {
        size_t to = from + RECO_CATALOG_PIPELINE < n ? from + RECO_CATALOG_PIPELINE : n;
        rc = read_hashes(st, tenant, ids, order, from, to, c);
        if (rc == 0 && after_batch && after_batch(ctx) != 0) rc = -1;
    }
    free(order);
    return rc;
}

int reco_item_catalog_load(reco_store_t *st, const char *tenant, reco_tick_fn after_batch,
                           void *ctx, reco_item_catalog_t **out)
{
    *out = NULL;
    reco_item_catalog_t *c = calloc(1, sizeof *c);
    reco_intern_t *ids = reco_intern_new();
    int rc = c && ids ? read_catalog(st, tenant, after_batch, ctx, ids, c) : -1;
    reco_intern_destroy(&ids);
    if (rc != 0) {
        reco_item_catalog_destroy(&c);
        return -1;
    }
    *out = c;
    return 0;
}
