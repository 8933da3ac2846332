/* reco_slot — Redis Cluster key slots and command routing (see reco_slot.h).
 *
 * The CRC16 is computed bit by bit: keys are short and a table would only save nanoseconds
 * next to a network round trip. */
#include "reco_slot.h"

#include <string.h>
#include <strings.h>

uint16_t reco_slot_crc16(const char *buf, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((unsigned char)buf[i] << 8);
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

/* The hashed part of key: between the first '{' and the next '}' when non-empty. */
static void hashed_part(const char *key, size_t len, size_t *start, size_t *n)
{
    *start = 0;
    *n = len;
    const char *open = memchr(key, '{', len);
    if (!open) return;
    size_t from = (size_t)(open - key) + 1;
    const char *close = memchr(key + from, '}', len - from);
    if (!close || close == key + from) return;
    *start = from;
    *n = (size_t)(close - (key + from));
}

int reco_slot_of(const char *key, size_t len)
{
    size_t start, n;
    hashed_part(key, len, &start, &n);
    return reco_slot_crc16(key + start, n) & (RECO_SLOT_COUNT - 1);
}

static int is(const char *arg, size_t len, const char *name)
{
    return len == strlen(name) && strncasecmp(arg, name, len) == 0;
}

static int is_any_of(const char *arg, size_t len, const char *const *names)
{
    for (; *names; names++)
        if (is(arg, len, *names)) return 1;
    return 0;
}

/* A SCAN pattern routes like a key when its hash tag is literal (no glob characters). */
static int pattern_is_tagged(const char *pattern, size_t len)
{
    size_t start, n;
    hashed_part(pattern, len, &start, &n);
    if (n == len) return 0;
    for (size_t i = start; i < start + n; i++)
        if (strchr("*?[]\\", pattern[i])) return 0;
    /* the '{' itself must not follow a glob that could swallow it */
    for (size_t i = 0; i + 1 < start; i++)
        if (strchr("*?[\\", pattern[i])) return 0;
    return 1;
}

static int numeric_keys(const char *arg, size_t len)
{
    long n = 0;
    for (size_t i = 0; i < len && i < 9; i++) {
        if (arg[i] < '0' || arg[i] > '9') return 0;
        n = n * 10 + (arg[i] - '0');
    }
    return len == 0 || len > 9 ? 0 : (int)n;
}

reco_route_t reco_slot_route(int argc, const char *const *argv, const size_t *lens, int *key_index)
{
    static const char *const keyless[] = {
        "PING",      "ECHO",     "TIME",    "INFO",     "CLIENT",   "CONFIG",    "DBSIZE",
        "DEBUG",     "CLUSTER",  "COMMAND", "HELLO",    "AUTH",     "SELECT",    "WAIT",
        "ROLE",      "SLOWLOG",  "LATENCY", "FUNCTION", "KEYS",     "RANDOMKEY", "SAVE",
        "BGSAVE",    "LASTSAVE", "QUIT",    "ASKING",   "READONLY", "READWRITE", "PUBLISH",
        "SUBSCRIBE", "PUBSUB",   "MONITOR", "ACL",      "MODULE",   "RESET",     "SHUTDOWN",
        "LOLWUT",    "UNWATCH",  NULL};
    static const char *const subcommand_key[] = {"XINFO", "XGROUP", "OBJECT", "MEMORY", NULL};
    *key_index = -1;
    if (argc < 1) return RECO_ROUTE_ANY;
    const char *cmd = argv[0];
    size_t n = lens[0];
    if (is(cmd, n, "MULTI")) return RECO_ROUTE_MULTI;
    if (is(cmd, n, "EXEC") || is(cmd, n, "DISCARD")) return RECO_ROUTE_EXEC;
    if (is(cmd, n, "FLUSHALL") || is(cmd, n, "FLUSHDB")) return RECO_ROUTE_EVERY;
    if (is(cmd, n, "SCRIPT"))
        return argc > 1 && (is(argv[1], lens[1], "LOAD") || is(argv[1], lens[1], "FLUSH"))
                   ? RECO_ROUTE_EVERY
                   : RECO_ROUTE_ANY;
    if (is_any_of(cmd, n, keyless)) return RECO_ROUTE_ANY;
    if (is(cmd, n, "EVAL") || is(cmd, n, "EVALSHA") || is(cmd, n, "EVAL_RO") ||
        is(cmd, n, "EVALSHA_RO") || is(cmd, n, "FCALL") || is(cmd, n, "FCALL_RO")) {
        if (argc < 4 || numeric_keys(argv[2], lens[2]) < 1) return RECO_ROUTE_ANY;
        *key_index = 3;
        return RECO_ROUTE_KEY;
    }
    if (is(cmd, n, "XREAD") || is(cmd, n, "XREADGROUP")) {
        for (int i = 1; i + 1 < argc; i++)
            if (is(argv[i], lens[i], "STREAMS")) {
                *key_index = i + 1;
                return RECO_ROUTE_KEY;
            }
        return RECO_ROUTE_ANY;
    }
    if (is(cmd, n, "SCAN")) {
        for (int i = 2; i + 1 < argc; i++)
            if (is(argv[i], lens[i], "MATCH") && pattern_is_tagged(argv[i + 1], lens[i + 1])) {
                *key_index = i + 1;
                return RECO_ROUTE_KEY;
            }
        return RECO_ROUTE_ANY;
    }
    if (is_any_of(cmd, n, subcommand_key)) {
        if (argc < 3) return RECO_ROUTE_ANY;
        *key_index = 2;
        return RECO_ROUTE_KEY;
    }
    if (argc < 2) return RECO_ROUTE_ANY;
    *key_index = 1;
    return RECO_ROUTE_KEY;
}
