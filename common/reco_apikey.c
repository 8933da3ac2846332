/* reco_apikey — API key generation, hashing and comparison (see reco_apikey.h).
 *
 * Randomness comes from getrandom(2); SHA-256 and the constant-time comparison from libsodium,
 * which common/ already links for reco_attribution. */
#include "reco_apikey.h"

#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static const char *const PREFIX[] = {NULL, "rk_read_", "rk_write_"};

/* sodium_init is idempotent and thread-safe; the flag only saves its lock on later calls */
static void sodium_ready(void)
{
    static volatile int ready;
    if (!ready && sodium_init() >= 0) ready = 1;
}

const char *reco_role_name(reco_role_t role)
{
    return role == RECO_ROLE_READ ? "read" : role == RECO_ROLE_WRITE ? "write" : "none";
}

reco_role_t reco_role_parse(const char *name)
{
    if (name && strcmp(name, "read") == 0) return RECO_ROLE_READ;
    if (name && strcmp(name, "write") == 0) return RECO_ROLE_WRITE;
    return RECO_ROLE_NONE;
}

static void to_hex(const unsigned char *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

static int fill_random(unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

int reco_apikey_generate(reco_role_t role, char *key, char *id)
{
    unsigned char secret[RECO_APIKEY_RANDOM_HEX / 2], idbytes[RECO_APIKEY_ID_HEX / 2];
    if ((role != RECO_ROLE_READ && role != RECO_ROLE_WRITE) ||
        fill_random(secret, sizeof secret) != 0 || fill_random(idbytes, sizeof idbytes) != 0)
        return -1;
    size_t plen = strlen(PREFIX[role]);
    memcpy(key, PREFIX[role], plen);
    to_hex(secret, sizeof secret, key + plen);
    to_hex(idbytes, sizeof idbytes, id);
    sodium_memzero(secret, sizeof secret);
    return 0;
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

reco_role_t reco_apikey_role(const char *key, size_t len)
{
    for (int r = RECO_ROLE_READ; key && r <= RECO_ROLE_WRITE; r++) {
        size_t plen = strlen(PREFIX[r]);
        if (len == plen + RECO_APIKEY_RANDOM_HEX && memcmp(key, PREFIX[r], plen) == 0 &&
            all_hex(key + plen, RECO_APIKEY_RANDOM_HEX))
            return (reco_role_t)r;
    }
    return RECO_ROLE_NONE;
}

void reco_apikey_hash(const char *key, size_t len, char out[RECO_APIKEY_HASH_HEX + 1])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    sodium_ready();
    crypto_hash_sha256(digest, (const unsigned char *)key, len);
    to_hex(digest, sizeof digest, out);
}

void reco_apikey_shown(const char *key, char *out, size_t n)
{
    reco_role_t role = reco_apikey_role(key, key ? strlen(key) : 0);
    if (role == RECO_ROLE_NONE) {
        snprintf(out, n, "?");
        return;
    }
    snprintf(out, n, "%s%.*s", PREFIX[role], RECO_APIKEY_SHOWN, key + strlen(PREFIX[role]));
}

bool reco_apikey_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    unsigned char da[crypto_hash_sha256_BYTES], db[crypto_hash_sha256_BYTES];
    sodium_ready();
    crypto_hash_sha256(da, (const unsigned char *)a, alen);
    crypto_hash_sha256(db, (const unsigned char *)b, blen);
    return sodium_memcmp(da, db, sizeof da) == 0;
}

bool reco_apikey_valid_id(const char *id)
{
    return id && strlen(id) == RECO_APIKEY_ID_HEX && all_hex(id, RECO_APIKEY_ID_HEX);
}

int reco_rate_limit_parse(const json_t *value, const char *field, double *per_second, long *burst,
                          reco_error_t *err)
{
    if (!json_is_object(value)) {
        reco_error_set(err, 400, "invalid_field",
                       "%s: must be an object {\"per_second\": r, \"burst\": b}", field);
        return -1;
    }
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)value, name, v)
    {
        if (strcmp(name, "per_second") != 0 && strcmp(name, "burst") != 0) {
            reco_error_set(err, 400, "invalid_field", "%s.%.64s: unknown field (per_second, burst)",
                           field, name);
            return -1;
        }
    }
    json_t *rate = json_object_get(value, "per_second"), *b = json_object_get(value, "burst");
    if (!rate) {
        reco_error_set(err, 400, "missing_field",
                       "%s.per_second: required (requests per second, 0 = unlimited)", field);
        return -1;
    }
    double r = json_number_value(rate);
    if (!json_is_number(rate) || !isfinite(r) || r < 0 || r > RECO_RATE_MAX) {
        reco_error_set(err, 400, "invalid_field",
                       "%s.per_second: must be a number from 0 (unlimited) to %d", field,
                       RECO_RATE_MAX);
        return -1;
    }
    long bv = r < 1 ? 1 : (long)ceil(r);
    if (b && (!json_is_integer(b) || json_integer_value(b) < 1 ||
              json_integer_value(b) > RECO_RATE_MAX)) {
        reco_error_set(err, 400, "invalid_field", "%s.burst: must be a whole number from 1 to %d",
                       field, RECO_RATE_MAX);
        return -1;
    }
    if (b) bv = (long)json_integer_value(b);
    *per_second = r;
    *burst = bv;
    return 0;
}
