/* reco_wire — msgpack encoding of requests and replies, and the JSON <-> msgpack mapping.
 *
 * JSON integers map to msgpack ints, reals to float64, strings to str; msgpack bin is accepted as
 * a string, ext types and non-string map keys are rejected. Unsigned integers above INT64_MAX
 * become reals (JSON has one number type; jansson's integers are signed 64-bit). Strings must be
 * valid UTF-8 (jansson checks) so that every decoded value can be rendered as JSON again. */
#include "reco_wire.h"

#include <msgpack.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int pack_str(msgpack_packer *pk, const char *s, size_t n)
{
    return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n);
}

static int pack_cstr(msgpack_packer *pk, const char *s)
{
    return pack_str(pk, s ? s : "", s ? strlen(s) : 0);
}

static int pack_json(msgpack_packer *pk, const json_t *v, int depth)
{
    if (depth > RECO_WIRE_MAX_DEPTH)
        return -1;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *val;
        if (msgpack_pack_map(pk, json_object_size(v)))
            return -1;
        json_object_foreach((json_t *)v, key, val)
        {
            if (pack_cstr(pk, key) || pack_json(pk, val, depth + 1))
                return -1;
        }
        return 0;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *val;
        if (msgpack_pack_array(pk, json_array_size(v)))
            return -1;
        json_array_foreach(v, i, val)
        {
            if (pack_json(pk, val, depth + 1))
                return -1;
        }
        return 0;
    }
    case JSON_STRING:
        return pack_str(pk, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return msgpack_pack_int64(pk, (int64_t)json_integer_value(v));
    case JSON_REAL:
        return msgpack_pack_double(pk, json_real_value(v));
    case JSON_TRUE:
        return msgpack_pack_true(pk);
    case JSON_FALSE:
        return msgpack_pack_false(pk);
    case JSON_NULL:
        return msgpack_pack_nil(pk);
    }
    return -1;
}

static json_t *unpack_json(const msgpack_object *o, int depth)
{
    if (depth > RECO_WIRE_MAX_DEPTH)
        return NULL;
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        return json_null();
    case MSGPACK_OBJECT_BOOLEAN:
        return json_boolean(o->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return json_real((double)o->via.u64);
        return json_integer((json_int_t)o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return json_integer((json_int_t)o->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return json_real(o->via.f64);
    case MSGPACK_OBJECT_STR:
        return json_stringn(o->via.str.ptr, o->via.str.size);
    case MSGPACK_OBJECT_BIN:
        return json_stringn(o->via.bin.ptr, o->via.bin.size);
    case MSGPACK_OBJECT_ARRAY: {
        json_t *a = json_array();
        for (uint32_t i = 0; a && i < o->via.array.size; i++) {
            json_t *item = unpack_json(&o->via.array.ptr[i], depth + 1);
            if (!item || json_array_append_new(a, item)) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    case MSGPACK_OBJECT_MAP: {
        json_t *m = json_object();
        for (uint32_t i = 0; m && i < o->via.map.size; i++) {
            const msgpack_object_kv *kv = &o->via.map.ptr[i];
            if (kv->key.type != MSGPACK_OBJECT_STR)
                goto fail;
            char *key = strndup(kv->key.via.str.ptr, kv->key.via.str.size);
            json_t *val = key && strlen(key) == kv->key.via.str.size ? unpack_json(&kv->val, depth + 1) : NULL;
            int bad = !val || json_object_set_new(m, key, val);
            free(key);
            if (bad)
                goto fail;
        }
        return m;
    fail:
        json_decref(m);
        return NULL;
    }
    default:
        return NULL;
    }
}

typedef struct {
    msgpack_sbuffer buf;
    msgpack_packer pk;
} encoder_t;

static void encoder_init(encoder_t *e)
{
    msgpack_sbuffer_init(&e->buf);
    msgpack_packer_init(&e->pk, &e->buf, msgpack_sbuffer_write);
}

static int encoder_finish(encoder_t *e, int failed, char **out, size_t *len)
{
    if (failed) {
        msgpack_sbuffer_destroy(&e->buf);
        return -1;
    }
    *len = e->buf.size;
    *out = msgpack_sbuffer_release(&e->buf);
    if (!*out) { /* an empty buffer is never a valid message; be explicit */
        *out = malloc(1);
        return *out ? 0 : -1;
    }
    return 0;
}

int reco_wire_encode_request(const reco_request_t *req, char **out, size_t *len)
{
    encoder_t e;
    encoder_init(&e);
    msgpack_packer *pk = &e.pk;
    int bad = msgpack_pack_map(pk, 5) || pack_cstr(pk, "v") || msgpack_pack_int(pk, RECO_WIRE_VERSION) ||
              pack_cstr(pk, "id") || pack_cstr(pk, req->id) || pack_cstr(pk, "tenant") ||
              pack_cstr(pk, req->tenant) || pack_cstr(pk, "op") || pack_cstr(pk, req->op) ||
              pack_cstr(pk, "args");
    if (!bad) {
        if (req->args && json_is_object(req->args))
            bad = pack_json(pk, req->args, 0);
        else
            bad = msgpack_pack_map(pk, 0);
    }
    return encoder_finish(&e, bad, out, len);
}

int reco_wire_encode_reply(const reco_reply_t *rep, char **out, size_t *len)
{
    encoder_t e;
    encoder_init(&e);
    msgpack_packer *pk = &e.pk;
    int is_error = rep->error.status != 0;
    int bad = msgpack_pack_map(pk, 4) || pack_cstr(pk, "v") || msgpack_pack_int(pk, RECO_WIRE_VERSION) ||
              pack_cstr(pk, "id") || pack_cstr(pk, rep->id) || pack_cstr(pk, "status") ||
              msgpack_pack_int(pk, is_error ? rep->error.status : rep->status);
    if (!bad && is_error) {
        bad = pack_cstr(pk, "error") || msgpack_pack_map(pk, 2) || pack_cstr(pk, "code") ||
              pack_cstr(pk, rep->error.code) || pack_cstr(pk, "message") ||
              pack_cstr(pk, rep->error.message);
    } else if (!bad) {
        bad = pack_cstr(pk, "body") ||
              (rep->body && json_is_object(rep->body) ? pack_json(pk, rep->body, 0) : msgpack_pack_map(pk, 0));
    }
    return encoder_finish(&e, bad, out, len);
}

/* Looks up key in a msgpack map; NULL if absent. */
static const msgpack_object *map_get(const msgpack_object *map, const char *key)
{
    size_t klen = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen && !memcmp(k->via.str.ptr, key, klen))
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

static char *get_str(const msgpack_object *map, const char *key, int required, reco_error_t *err)
{
    const msgpack_object *o = map_get(map, key);
    if (!o) {
        if (!required)
            return strdup("");
        reco_error_set(err, 400, "bad_message", "message: missing '%s'", key);
        return NULL;
    }
    if (o->type != MSGPACK_OBJECT_STR || memchr(o->via.str.ptr, '\0', o->via.str.size)) {
        reco_error_set(err, 400, "bad_message", "message: '%s' must be a string", key);
        return NULL;
    }
    return strndup(o->via.str.ptr, o->via.str.size);
}

static int get_int(const msgpack_object *map, const char *key, int *out, reco_error_t *err)
{
    const msgpack_object *o = map_get(map, key);
    if (!o || (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) || o->via.u64 > 100000) {
        reco_error_set(err, 400, "bad_message", "message: '%s' must be a small positive integer", key);
        return -1;
    }
    *out = (int)o->via.u64;
    return 0;
}

/* Reads a big-endian unsigned integer of n bytes. */
static uint64_t read_be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Checks, before msgpack-c sees the bytes, that no container declares more elements than the
 * buffer could hold (each element takes at least one byte) and no string runs past the end.
 * msgpack-c reserves memory for a container's declared size up front, so without this check
 * five hostile bytes could make it ask for gigabytes. This only walks headers; msgpack-c does
 * the decoding. */
static int wire_sizes_plausible(const unsigned char *p, size_t len)
{
    size_t pos = 0;
    uint64_t expected = 1; /* objects still to read */
    while (expected > 0) {
        if (pos >= len)
            return 0;
        unsigned c = p[pos++];
        uint64_t count = 0, skip = 0;
        int width = 0;
        if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3) {
            /* fixint, nil, false, true */
        } else if ((c & 0xf0) == 0x80) {
            count = 2u * (c & 0x0f);
        } else if ((c & 0xf0) == 0x90) {
            count = c & 0x0f;
        } else if ((c & 0xe0) == 0xa0) {
            skip = c & 0x1f;
        } else if (c >= 0xcc && c <= 0xd3) { /* uint/int 8..64 */
            skip = 1u << ((c - 0xcc) & 3);
        } else if (c == 0xca || c == 0xcb) {
            skip = c == 0xca ? 4 : 8;
        } else if (c == 0xc4 || c == 0xd9 || c == 0xc5 || c == 0xda || c == 0xc6 || c == 0xdb) {
            width = (c == 0xc4 || c == 0xd9) ? 1 : (c == 0xc5 || c == 0xda) ? 2 : 4;
        } else if (c == 0xdc || c == 0xdd || c == 0xde || c == 0xdf) {
            width = (c == 0xdc || c == 0xde) ? 2 : 4;
        } else {
            return 0; /* ext types and the reserved byte are never valid here */
        }
        if (width) {
            if (len - pos < (size_t)width)
                return 0;
            uint64_t n = read_be(p + pos, width);
            pos += (size_t)width;
            if (c >= 0xdc)
                count = (c == 0xde || c == 0xdf) ? 2 * n : n;
            else
                skip = n;
        }
        if (skip > len - pos)
            return 0;
        pos += (size_t)skip;
        expected = expected - 1 + count;
        if (expected > len - pos)
            return 0;
    }
    return 1;
}

static int open_map(const void *data, size_t len, msgpack_unpacked *u, reco_error_t *err)
{
    size_t off = 0;
    reco_error_clear(err);
    msgpack_unpacked_init(u);
    if (!data || !wire_sizes_plausible(data, len) ||
        msgpack_unpack_next(u, data, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len ||
        u->data.type != MSGPACK_OBJECT_MAP) {
        msgpack_unpacked_destroy(u);
        reco_error_set(err, 400, "bad_message", "message: not a single msgpack map");
        return -1;
    }
    int v = 0;
    if (get_int(&u->data, "v", &v, err) != 0 || v != RECO_WIRE_VERSION) {
        msgpack_unpacked_destroy(u);
        reco_error_set(err, 400, "bad_version", "message: protocol version must be %d", RECO_WIRE_VERSION);
        return -1;
    }
    return 0;
}

int reco_wire_decode_request(const void *data, size_t len, reco_request_t *out, reco_error_t *err)
{
    msgpack_unpacked u;
    memset(out, 0, sizeof *out);
    if (open_map(data, len, &u, err) != 0)
        return -1;
    out->v = RECO_WIRE_VERSION;
    out->id = get_str(&u.data, "id", 1, err);
    out->tenant = out->id ? get_str(&u.data, "tenant", 0, err) : NULL;
    out->op = out->tenant ? get_str(&u.data, "op", 1, err) : NULL;
    if (out->op) {
        const msgpack_object *a = map_get(&u.data, "args");
        if (!a)
            out->args = json_object();
        else if (a->type == MSGPACK_OBJECT_MAP)
            out->args = unpack_json(a, 0);
        if (!out->args)
            reco_error_set(err, 400, "bad_message", "message: 'args' must be a map of JSON values");
    }
    msgpack_unpacked_destroy(&u);
    if (!out->args) {
        reco_request_clear(out);
        return -1;
    }
    return 0;
}

static int decode_reply_error(const msgpack_object *e, reco_reply_t *out, reco_error_t *err)
{
    if (e->type != MSGPACK_OBJECT_MAP) {
        reco_error_set(err, 400, "bad_message", "message: 'error' must be a map");
        return -1;
    }
    char *code = get_str(e, "code", 1, err);
    char *message = code ? get_str(e, "message", 0, err) : NULL;
    if (!message) {
        free(code);
        return -1;
    }
    reco_error_set(&out->error, out->status >= 400 ? out->status : 500, code, "%s", message);
    free(code);
    free(message);
    return 0;
}

int reco_wire_decode_reply(const void *data, size_t len, reco_reply_t *out, reco_error_t *err)
{
    msgpack_unpacked u;
    memset(out, 0, sizeof *out);
    if (open_map(data, len, &u, err) != 0)
        return -1;
    out->v = RECO_WIRE_VERSION;
    int ok = 0;
    out->id = get_str(&u.data, "id", 1, err);
    if (out->id && get_int(&u.data, "status", &out->status, err) == 0) {
        const msgpack_object *e = map_get(&u.data, "error");
        const msgpack_object *b = map_get(&u.data, "body");
        if (e)
            ok = decode_reply_error(e, out, err) == 0;
        else if (!b)
            ok = (out->body = json_object()) != NULL;
        else if (b->type == MSGPACK_OBJECT_MAP)
            ok = (out->body = unpack_json(b, 0)) != NULL;
        if (!ok && !err->status)
            reco_error_set(err, 400, "bad_message", "message: 'body' must be a map of JSON values");
    }
    msgpack_unpacked_destroy(&u);
    if (!ok) {
        reco_reply_clear(out);
        return -1;
    }
    return 0;
}

void reco_request_clear(reco_request_t *req)
{
    free(req->id);
    free(req->tenant);
    free(req->op);
    json_decref(req->args);
    memset(req, 0, sizeof *req);
}

void reco_reply_clear(reco_reply_t *rep)
{
    free(rep->id);
    json_decref(rep->body);
    memset(rep, 0, sizeof *rep);
}

void reco_reply_ok(reco_reply_t *rep, int status, json_t *body)
{
    json_decref(rep->body);
    rep->status = status;
    rep->body = body ? body : json_object();
    reco_error_clear(&rep->error);
}

void reco_reply_fail(reco_reply_t *rep, int status, const char *code, const char *fmt, ...)
{
    json_decref(rep->body);
    rep->body = NULL;
    rep->status = status;
    rep->error.status = status;
    snprintf(rep->error.code, sizeof rep->error.code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->error.message, sizeof rep->error.message, fmt, ap);
    va_end(ap);
}
