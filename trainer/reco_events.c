/* reco_events — the in-memory event log and its id-ordered table (see reco_events.h).
 *
 * The columns grow together (capacity `cap` for all of them; by half when appending, or to what
 * reco_events_reserve asks), so one failed reallocation leaves the log as it was. Basket keys are
 * interned with a one-byte namespace prefix ('o' order, 's' session), so an order id and a
 * session id that happen to be equal are different baskets. */
#include "reco_events.h"

#include <stdlib.h>
#include <string.h>

#include "reco_intern.h"

#define MIN_EVENTS 4096
#define BASKET_KEY_MAX 1024

struct reco_events {
    reco_intern_t *users, *items, *baskets;
    size_t n, cap;
    uint32_t *user, *item, *basket;
    int64_t *ts;
    double *weight;
    uint8_t *type;
};

reco_events_t *reco_events_new(void)
{
    reco_events_t *ev = calloc(1, sizeof *ev);
    if (!ev) return NULL;
    ev->users = reco_intern_new();
    ev->items = reco_intern_new();
    ev->baskets = reco_intern_new();
    if (!ev->users || !ev->items || !ev->baskets) reco_events_destroy(&ev);
    return ev;
}

void reco_events_destroy(reco_events_t **evp)
{
    if (!evp || !*evp) return;
    reco_events_t *ev = *evp;
    reco_intern_destroy(&ev->users);
    reco_intern_destroy(&ev->items);
    reco_intern_destroy(&ev->baskets);
    free(ev->user);
    free(ev->item);
    free(ev->basket);
    free(ev->ts);
    free(ev->weight);
    free(ev->type);
    free(ev);
    *evp = NULL;
}

/* realloc that leaves *p alone on failure. */
static int grow(void **p, size_t count, size_t size)
{
    void *q = realloc(*p, count * size);
    if (!q) return -1;
    *p = q;
    return 0;
}

int reco_events_reserve(reco_events_t *ev, size_t cap)
{
    if (cap <= ev->cap) return 0;
    /* each column grows to cap; a failure leaves the grown ones larger, which is harmless */
    if (grow((void **)&ev->user, cap, sizeof *ev->user) != 0 ||
        grow((void **)&ev->item, cap, sizeof *ev->item) != 0 ||
        grow((void **)&ev->basket, cap, sizeof *ev->basket) != 0 ||
        grow((void **)&ev->ts, cap, sizeof *ev->ts) != 0 ||
        grow((void **)&ev->weight, cap, sizeof *ev->weight) != 0 ||
        grow((void **)&ev->type, cap, sizeof *ev->type) != 0)
        return -1;
    ev->cap = cap;
    return 0;
}

static int reserve_one(reco_events_t *ev)
{
    if (ev->n < ev->cap) return 0;
    return reco_events_reserve(ev, ev->cap ? ev->cap + ev->cap / 2 : MIN_EVENTS);
}

static int intern_basket(reco_events_t *ev, const reco_event_fields_t *e, uint32_t *basket)
{
    const char *id = e->order ? e->order : e->session;
    size_t len = e->order ? e->order_len : e->session_len;
    *basket = RECO_NO_BASKET;
    if (!id || len == 0) return 0;
    char key[BASKET_KEY_MAX];
    if (len + 1 > sizeof key) return 0; /* longer than any valid id: no basket */
    key[0] = e->order ? 'o' : 's';
    memcpy(key + 1, id, len);
    return reco_intern_add(ev->baskets, key, len + 1, basket);
}

int reco_events_append(reco_events_t *ev, const reco_event_fields_t *e)
{
    uint32_t u, i, b;
    if (reserve_one(ev) != 0 || reco_intern_add(ev->users, e->user, e->user_len, &u) != 0 ||
        reco_intern_add(ev->items, e->item, e->item_len, &i) != 0 || intern_basket(ev, e, &b) != 0)
        return -1;
    size_t k = ev->n++;
    ev->user[k] = u;
    ev->item[k] = i;
    ev->basket[k] = b;
    ev->ts[k] = e->ts;
    ev->weight[k] = e->weight;
    ev->type[k] = (uint8_t)(e->type >= 0 && e->type < 255 ? e->type : 255);
    return 0;
}

size_t reco_events_count(const reco_events_t *ev)
{
    return ev->n;
}

size_t reco_events_users(const reco_events_t *ev)
{
    return reco_intern_count(ev->users);
}

size_t reco_events_items(const reco_events_t *ev)
{
    return reco_intern_count(ev->items);
}

size_t reco_events_memory(const reco_events_t *ev)
{
    size_t per_event = 3 * sizeof(uint32_t) + sizeof(int64_t) + sizeof(double) + 1;
    return ev->cap * per_event + reco_intern_memory(ev->users) + reco_intern_memory(ev->items) +
           reco_intern_memory(ev->baskets);
}

/* ---- table ------------------------------------------------------------------------------- */

typedef struct {
    uint32_t *user, *item;
    const char **user_ids, **item_ids;
    size_t *user_id_lens, *item_id_lens;
} owned_t;

static void owned_free(owned_t *o)
{
    if (!o) return;
    free(o->user);
    free(o->item);
    free(o->user_ids);
    free(o->item_ids);
    free(o->user_id_lens);
    free(o->item_id_lens);
    free(o);
}

/* Sorts the ids of t; fills ids/lens in id order and rank[old index] = new index. */
static int order_ids(const reco_intern_t *t, const char ***ids, size_t **lens, uint32_t **rank)
{
    size_t n = reco_intern_count(t);
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    *ids = malloc((n ? n : 1) * sizeof **ids);
    *lens = malloc((n ? n : 1) * sizeof **lens);
    *rank = malloc((n ? n : 1) * sizeof **rank);
    if (!order || !*ids || !*lens || !*rank) {
        free(order);
        return -1;
    }
    reco_intern_sorted(t, NULL, n, order);
    for (size_t p = 0; p < n; p++) {
        (*ids)[p] = reco_intern_id(t, order[p], &(*lens)[p]);
        (*rank)[order[p]] = (uint32_t)p;
    }
    free(order);
    return 0;
}

int reco_events_table(const reco_events_t *ev, reco_event_table_t *out)
{
    memset(out, 0, sizeof *out);
    owned_t *o = calloc(1, sizeof *o);
    uint32_t *urank = NULL, *irank = NULL;
    size_t n = ev->n ? ev->n : 1;
    int ok = o && (o->user = malloc(n * sizeof *o->user)) &&
             (o->item = malloc(n * sizeof *o->item)) &&
             order_ids(ev->users, &o->user_ids, &o->user_id_lens, &urank) == 0 &&
             order_ids(ev->items, &o->item_ids, &o->item_id_lens, &irank) == 0;
    if (ok) {
        for (size_t k = 0; k < ev->n; k++) {
            o->user[k] = urank[ev->user[k]];
            o->item[k] = irank[ev->item[k]];
        }
        *out = (reco_event_table_t){.n_events = ev->n,
                                    .n_users = reco_intern_count(ev->users),
                                    .n_items = reco_intern_count(ev->items),
                                    .n_baskets = reco_intern_count(ev->baskets),
                                    .user = o->user,
                                    .item = o->item,
                                    .ts = ev->ts,
                                    .weight = ev->weight,
                                    .type = ev->type,
                                    .basket = ev->basket,
                                    .user_ids = o->user_ids,
                                    .user_id_lens = o->user_id_lens,
                                    .item_ids = o->item_ids,
                                    .item_id_lens = o->item_id_lens,
                                    .owned = o};
    } else {
        owned_free(o);
    }
    free(urank);
    free(irank);
    return ok ? 0 : -1;
}

void reco_event_table_clear(reco_event_table_t *t)
{
    if (!t) return;
    owned_free(t->owned);
    memset(t, 0, sizeof *t);
}
