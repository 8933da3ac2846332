/* reco_recommend_shape — offset, cursor, filters and attributes of a recommend page (see
 * reco_recommend_shape.h).
 *
 * Attributes are read after the page is known, so only returned items cost a read: one HMGET
 * per entry, all in one pipeline. Entries that are bought-with sets get no attributes. */
#include "reco_recommend_shape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_keys.h"
#include "reco_query_store.h"

void reco_shape_filter(const reco_recommend_args_t *a, const char *tenant, reco_filter_t *f)
{
    f->catalogue = &a->filters;
    f->tenant = tenant;
    f->has_cursor = a->has_cursor;
    f->pscore = a->pscore;
    f->pitem = a->pitem;
    f->pitem_len = a->pitem_len;
    f->limit = (size_t)a->offset + (size_t)a->limit;
}

void reco_shape_skip_offset(const reco_recommend_args_t *a, reco_scored_list_t *list,
                            size_t from)
{
    size_t own = list->n > from ? list->n - from : 0;
    size_t skip = (size_t)a->offset < own ? (size_t)a->offset : own;
    if (skip == 0) return; /* also: an empty list has no vector to move */
    for (size_t i = from; i < from + skip; i++)
        free(list->v[i].item);
    memmove(list->v + from, list->v + from + skip, (own - skip) * sizeof *list->v);
    list->n -= skip;
}

const char *reco_shape_attribute_field(const char *name, char *buf, size_t n)
{
    static const char *const own[] = {"title", "categories", "created_at", "updated_at"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strcmp(name, own[i]) == 0) {
            snprintf(buf, n, "%s", name);
            return buf;
        }
    snprintf(buf, n, "attr:%s", name);
    return buf;
}

json_t *reco_shape_attribute_json(const char *name, const char *raw, size_t len)
{
    if (!raw) return json_null();
    if (strcmp(name, "title") == 0) return json_stringn(raw, len);
    if (strcmp(name, "created_at") == 0 || strcmp(name, "updated_at") == 0) {
        char buf[24], *end;
        if (len == 0 || len >= sizeof buf) return json_null();
        memcpy(buf, raw, len);
        buf[len] = '\0';
        long long ms = strtoll(buf, &end, 10);
        return *end == '\0' ? json_integer(ms) : json_null();
    }
    json_t *v = json_loadb(raw, len, JSON_DECODE_ANY, NULL);
    if (!v) v = json_stringn(raw, len); /* NULL too when not UTF-8 */
    return v ? v : json_null();
}

/* {name: value} of one HMGET reply over a's attributes. */
static json_t *attributes_of(const reco_recommend_args_t *a, const redisReply *r)
{
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < a->n_attributes; i++) {
        const redisReply *e = r->element[i];
        int found = e->type == REDIS_REPLY_STRING;
        json_object_set_new(obj, a->attributes[i],
                            reco_shape_attribute_json(a->attributes[i], found ? e->str : NULL,
                                                      found ? e->len : 0));
    }
    return obj;
}

static int add_attributes(reco_store_t *st, const char *tenant, const reco_recommend_args_t *a,
                          json_t *recs, reco_reply_t *rep)
{
    size_t n = json_array_size(recs), sent = 0;
    char fields[RECO_RECOMMEND_ATTRIBUTES_MAX][RECO_FILTER_HASH_FIELD_MAX + 1];
    const char *argv[2 + RECO_RECOMMEND_ATTRIBUTES_MAX] = {"HMGET"};
    size_t lens[2 + RECO_RECOMMEND_ATTRIBUTES_MAX] = {5};
    char key[RECO_KEY_MAX];
    for (size_t i = 0; i < a->n_attributes; i++) {
        argv[2 + i] = reco_shape_attribute_field(a->attributes[i], fields[i], sizeof fields[i]);
        lens[2 + i] = strlen(fields[i]);
    }
    for (size_t k = 0; k < n; k++) {
        const char *item = json_string_value(json_object_get(json_array_get(recs, k), "item"));
        if (!item || reco_key_item(key, sizeof key, tenant, item) < 0) continue;
        argv[1] = key;
        lens[1] = strlen(key);
        if (reco_store_appendv(st, (int)(2 + a->n_attributes), argv, lens) != 0)
            return reco_query_fail(rep, st, NULL, "HMGET of attributes");
        sent++;
    }
    redisReply **replies = calloc(sent + 1, sizeof *replies);
    int rc = replies ? 0 : (reco_reply_fail(rep, 500, "internal", "out of memory"), -1);
    if (rc == 0 && sent > 0 && reco_query_read_all(st, sent, replies) != 0)
        rc = reco_query_fail(rep, st, NULL, "HMGET of attributes");
    for (size_t k = 0, j = 0; rc == 0 && k < n; k++) {
        json_t *entry = json_array_get(recs, k);
        const char *item = json_string_value(json_object_get(entry, "item"));
        if (!item || reco_key_item(key, sizeof key, tenant, item) < 0) continue;
        const redisReply *r = replies[j++];
        if (r->type != REDIS_REPLY_ARRAY || r->elements != a->n_attributes)
            rc = reco_query_fail(rep, st, r, "HMGET of attributes");
        else
            json_object_set_new(entry, "attributes", attributes_of(a, r));
    }
    if (replies) reco_query_free_all(sent, replies);
    free(replies);
    return rc;
}

int reco_shape_reply(reco_store_t *st, const char *tenant, const reco_recommend_args_t *a,
                     const reco_scored_list_t *list, json_t *body, reco_reply_t *rep)
{
    json_t *recs = json_object_get(body, "recommendations");
    if (a->n_attributes > 0 && add_attributes(st, tenant, a, recs, rep) != 0) return -1;
    json_t *next = json_null();
    if (list->n > 0 && list->n >= (size_t)a->limit) {
        const reco_scored_t *last = &list->v[list->n - 1];
        json_t *pitem = json_stringn(last->item, last->len);
        next = pitem ? json_pack("{s:f, s:o}", "pscore", last->score, "pitem", pitem) : json_null();
    }
    json_object_set_new(body, "next", next);
    return 0;
}
