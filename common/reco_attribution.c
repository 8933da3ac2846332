/* reco_attribution — signed recommendation ids and variant picks (see the header).
 *
 * libsodium does the cryptography and the encoding: HMAC-SHA-256 (crypto_auth_hmacsha256),
 * base64url without padding (sodium_bin2base64), BLAKE2b (crypto_generichash) for the variant
 * hash, randombytes_buf for nonces and the secret. Decoding checks the MAC before it reads the
 * payload, and then checks every field again, so a hand-made id never reaches the stats. */
#include "reco_attribution.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_PREFIX "r1."
#define NONCE_LEN 9
#define MAC_LEN 16
#define PAYLOAD_MAX                                                                                \
    (20 + 1 + RECO_ATTRIBUTION_SCENARIO_MAX + 1 + RECO_VARIANT_NAME_MAX + 1 +                      \
     RECO_ATTRIBUTION_MODEL_MAX)
#define VARIANT_B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static unsigned char secret[RECO_ATTRIBUTION_SECRET_LEN];
static bool secret_ready;

static int sodium_ready(void)
{
    return sodium_init() >= 0 ? 0 : -1; /* idempotent; 1 = already initialised */
}

void reco_attribution_secret_set(const unsigned char key[RECO_ATTRIBUTION_SECRET_LEN])
{
    memcpy(secret, key, sizeof secret);
    secret_ready = true;
}

bool reco_attribution_secret_loaded(void)
{
    return secret_ready;
}

int reco_attribution_secret_load(reco_store_t *store)
{
    if (secret_ready) return 0;
    if (sodium_ready() != 0) return -1;
    unsigned char fresh[RECO_ATTRIBUTION_SECRET_LEN];
    char hex[2 * RECO_ATTRIBUTION_SECRET_LEN + 1];
    randombytes_buf(fresh, sizeof fresh);
    sodium_bin2hex(hex, sizeof hex, fresh, sizeof fresh);
    const char *set[] = {"SET", RECO_KEY_ATTRIBUTION_SECRET, hex, "NX"};
    const size_t set_lens[] = {3, strlen(set[1]), strlen(hex), 2};
    redisReply *r = reco_store_commandv(store, 4, set, set_lens);
    int reachable = r != NULL; /* OK, nil when it existed, or READONLY on a replica: read it */
    if (r) freeReplyObject(r);
    const char *get[] = {"GET", RECO_KEY_ATTRIBUTION_SECRET};
    const size_t get_lens[] = {3, strlen(get[1])};
    r = reachable ? reco_store_commandv(store, 2, get, get_lens) : NULL;
    size_t got = 0;
    unsigned char stored[RECO_ATTRIBUTION_SECRET_LEN];
    if (r && r->type == REDIS_REPLY_STRING && r->len == 2 * RECO_ATTRIBUTION_SECRET_LEN &&
        sodium_hex2bin(stored, sizeof stored, r->str, r->len, NULL, &got, NULL) == 0 &&
        got == sizeof stored)
        reco_attribution_secret_set(stored);
    if (r) freeReplyObject(r);
    sodium_memzero(fresh, sizeof fresh);
    return secret_ready ? 0 : -1;
}

bool reco_valid_variant_name(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > RECO_VARIANT_NAME_MAX) return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* 1..max bytes of [A-Za-z0-9_:-] (scenario ids, "model:<name>", model and variant names). */
static bool valid_field(const char *s, size_t len, size_t max)
{
    if (len == 0 || len > max) return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == ':'))
            return false;
    }
    return true;
}

/* The first MAC_LEN bytes of HMAC-SHA-256(secret, tenant "\0" signed[0..len)). */
static void sign(const char *tenant, const char *signed_part, size_t len,
                 unsigned char mac[MAC_LEN])
{
    crypto_auth_hmacsha256_state st;
    unsigned char full[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, secret, sizeof secret);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)tenant, strlen(tenant) + 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)signed_part, len);
    crypto_auth_hmacsha256_final(&st, full);
    memcpy(mac, full, MAC_LEN);
    sodium_memzero(&st, sizeof st);
}

int reco_attribution_id_encode(const char *tenant, const reco_attribution_t *a, char *out,
                               size_t n)
{
    if (!secret_ready || sodium_ready() != 0 || n < RECO_ATTRIBUTION_ID_MAX + 1 ||
        !valid_field(a->scenario, strlen(a->scenario), RECO_ATTRIBUTION_SCENARIO_MAX) ||
        !reco_valid_variant_name(a->variant) ||
        !valid_field(a->model, strlen(a->model), RECO_ATTRIBUTION_MODEL_MAX) ||
        a->served_at_ms < 0)
        return -1;
    char payload[PAYLOAD_MAX + 1];
    int plen = snprintf(payload, sizeof payload, "%" PRId64 "\x1f%s\x1f%s\x1f%s",
                        a->served_at_ms, a->scenario, a->variant, a->model);
    if (plen < 0 || (size_t)plen >= sizeof payload) return -1;
    unsigned char nonce[NONCE_LEN], mac[MAC_LEN];
    randombytes_buf(nonce, sizeof nonce);
    size_t len = strlen(ID_PREFIX);
    memcpy(out, ID_PREFIX, len);
    sodium_bin2base64(out + len, n - len, nonce, sizeof nonce, VARIANT_B64);
    len += strlen(out + len);
    out[len++] = '.';
    sodium_bin2base64(out + len, n - len, (const unsigned char *)payload, (size_t)plen,
                      VARIANT_B64);
    len += strlen(out + len);
    sign(tenant, out, len, mac);
    out[len++] = '.';
    sodium_bin2base64(out + len, n - len, mac, sizeof mac, VARIANT_B64);
    return strlen(out) <= RECO_ATTRIBUTION_ID_MAX ? 0 : -1;
}

/* Decodes base64url text[0..len) into bin (max bytes); the decoded length, or -1. */
static long decode_b64(const char *text, size_t len, unsigned char *bin, size_t max)
{
    size_t got = 0;
    const char *end = NULL;
    if (sodium_base642bin(bin, max, text, len, NULL, &got, &end, VARIANT_B64) != 0 ||
        end != text + len)
        return -1;
    return (long)got;
}

/* Splits "<ms>\x1f<scenario>\x1f<variant>\x1f<model>" into out. 0, or -1. */
static int parse_payload(const char *p, size_t len, reco_attribution_t *out)
{
    const char *field[4];
    size_t flen[4], k = 0;
    field[0] = p;
    for (size_t i = 0; i < len; i++) {
        if (p[i] != '\x1f') continue;
        if (++k > 3) return -1;
        flen[k - 1] = (size_t)(p + i - field[k - 1]);
        field[k] = p + i + 1;
    }
    if (k != 3) return -1;
    flen[3] = (size_t)(p + len - field[3]);
    if (flen[0] == 0 || flen[0] > 15) return -1; /* ms until the year 33658 */
    int64_t ms = 0;
    for (size_t i = 0; i < flen[0]; i++) {
        if (field[0][i] < '0' || field[0][i] > '9') return -1;
        ms = ms * 10 + (field[0][i] - '0');
    }
    if (!valid_field(field[1], flen[1], RECO_ATTRIBUTION_SCENARIO_MAX) ||
        !valid_field(field[2], flen[2], RECO_VARIANT_NAME_MAX) || memchr(field[2], ':', flen[2]) ||
        !valid_field(field[3], flen[3], RECO_ATTRIBUTION_MODEL_MAX))
        return -1;
    memset(out, 0, sizeof *out);
    out->served_at_ms = ms;
    memcpy(out->scenario, field[1], flen[1]);
    memcpy(out->variant, field[2], flen[2]);
    memcpy(out->model, field[3], flen[3]);
    return 0;
}

int reco_attribution_id_decode(const char *tenant, const char *id, size_t len,
                               reco_attribution_t *out)
{
    size_t prefix = strlen(ID_PREFIX);
    if (!secret_ready || sodium_ready() != 0 || !id || len > RECO_ATTRIBUTION_ID_MAX ||
        len <= prefix || memcmp(id, ID_PREFIX, prefix) != 0)
        return -1;
    const char *nonce = id + prefix, *dot1 = memchr(nonce, '.', len - prefix);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', (size_t)(id + len - dot1 - 1)) : NULL;
    if (!dot2 || memchr(dot2 + 1, '.', (size_t)(id + len - dot2 - 1))) return -1;
    unsigned char bin[PAYLOAD_MAX + 1], mac[MAC_LEN], want[MAC_LEN];
    if (decode_b64(nonce, (size_t)(dot1 - nonce), bin, sizeof bin) != NONCE_LEN ||
        decode_b64(dot2 + 1, (size_t)(id + len - dot2 - 1), mac, sizeof mac) != MAC_LEN)
        return -1;
    sign(tenant, id, (size_t)(dot2 - id), want);
    if (sodium_memcmp(mac, want, MAC_LEN) != 0) return -1;
    long plen = decode_b64(dot1 + 1, (size_t)(dot2 - dot1 - 1), bin, sizeof bin);
    return plen > 0 ? parse_payload((const char *)bin, (size_t)plen, out) : -1;
}

size_t reco_attribution_pick_variant(const char *tenant, const char *scenario, const char *key,
                                     const int64_t *weights, size_t n)
{
    uint64_t total = 0, point = 0;
    for (size_t i = 0; i < n; i++)
        total += weights[i] > 0 ? (uint64_t)weights[i] : 0;
    if (n <= 1 || total == 0 || sodium_ready() != 0) return 0;
    unsigned char h[crypto_generichash_BYTES_MIN];
    if (key) {
        crypto_generichash_state st;
        crypto_generichash_init(&st, NULL, 0, sizeof h);
        crypto_generichash_update(&st, (const unsigned char *)tenant, strlen(tenant) + 1);
        crypto_generichash_update(&st, (const unsigned char *)scenario, strlen(scenario) + 1);
        crypto_generichash_update(&st, (const unsigned char *)key, strlen(key));
        crypto_generichash_final(&st, h, sizeof h);
    } else {
        randombytes_buf(h, sizeof h);
    }
    for (size_t i = 0; i < 8; i++)
        point = point << 8 | h[i];
    point %= total;
    for (size_t i = 0; i < n; i++) {
        uint64_t w = weights[i] > 0 ? (uint64_t)weights[i] : 0;
        if (point < w) return i;
        point -= w;
    }
    return n - 1;
}
