/* reco_apikey — API keys of tenants: generation, the hash they are stored under, roles, and the
 * constant-time comparison of the admin key (docs/auth.md, docs/redis-keys.md).
 *
 * A key is "rk_<role>_" followed by 64 hex digits (32 bytes from getrandom): rk_read_... for a
 * read key (recommendations only, safe in a browser), rk_write_... for a write key (everything of
 * its tenant). Redis never holds a key, only its SHA-256 (lower-case hex); a key is shown once,
 * when it is created. A key id (16 hex digits, not secret) names a key in the admin API, and a
 * key's first RECO_APIKEY_SHOWN characters (the role and 4 hex digits) help a person tell keys
 * apart in a listing without revealing them. */
#ifndef RECO_APIKEY_H
#define RECO_APIKEY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "reco_error.h"

#define RECO_APIKEY_RANDOM_HEX 64 /* hex digits after the prefix */
#define RECO_APIKEY_MAX 80        /* longest key, with its NUL */
#define RECO_APIKEY_HASH_HEX 64   /* SHA-256 in hex */
#define RECO_APIKEY_ID_HEX 16     /* a key id */
#define RECO_APIKEY_SHOWN 4       /* hex digits of the key shown in listings, after the prefix */

typedef enum { RECO_ROLE_NONE = 0, RECO_ROLE_READ = 1, RECO_ROLE_WRITE = 2 } reco_role_t;

/* "read", "write" ("none" for RECO_ROLE_NONE). */
const char *reco_role_name(reco_role_t role);
/* "read" or "write"; RECO_ROLE_NONE for anything else (NULL included). */
reco_role_t reco_role_parse(const char *name);

/* A new key of role (read or write) into key (>= RECO_APIKEY_MAX bytes) and a new id into id
 * (>= RECO_APIKEY_ID_HEX + 1 bytes). 0, or -1 (bad role, no randomness). */
int reco_apikey_generate(reco_role_t role, char *key, char *id);

/* The role a key's prefix claims, if the key is well formed (prefix, then exactly 64 lower-case
 * hex digits); RECO_ROLE_NONE otherwise. Lets the gateway refuse garbage without asking Redis. */
reco_role_t reco_apikey_role(const char *key, size_t len);

/* SHA-256 of the key's bytes as 64 lower-case hex digits and a NUL. */
void reco_apikey_hash(const char *key, size_t len, char out[RECO_APIKEY_HASH_HEX + 1]);

/* The non-secret part shown in listings: "rk_read_1a2b" (prefix and RECO_APIKEY_SHOWN digits). */
void reco_apikey_shown(const char *key, char *out, size_t n);

/* True if a equals b. Takes the same time whatever the contents and wherever they differ (both
 * are hashed first, so the lengths leak nothing either). */
bool reco_apikey_equal(const char *a, size_t alen, const char *b, size_t blen);

/* A key id as the admin API accepts it: exactly RECO_APIKEY_ID_HEX lower-case hex digits. */
bool reco_apikey_valid_id(const char *id);

/* A tenant's rate limit as the admin API takes it: {"per_second": r, "burst": b}, r a number from
 * 0 to RECO_RATE_MAX (0 = unlimited), b an integer from 1 to RECO_RATE_MAX (default: r rounded
 * up, at least 1); no other fields. field names the value in messages ("rate_limit"). 0, or -1
 * with err set (400 naming the field). */
#define RECO_RATE_MAX 1000000
int reco_rate_limit_parse(const json_t *value, const char *field, double *per_second, long *burst,
                          reco_error_t *err);

#endif
