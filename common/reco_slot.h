/* reco_slot — Redis Cluster hash slots, and which argument of a command names its key.
 *
 * A cluster splits the key space into 16384 slots: slot = CRC16(key) mod 16384, where CRC16 is
 * the XMODEM variant (polynomial 0x1021, initial value 0) and, when the key holds a non-empty
 * "{...}" (the first '{' and the first '}' after it), only the bytes between the braces are
 * hashed. Every key of tenant T is "reco:{T}:...", so a tenant lives in one slot.
 *
 * reco_slot_route tells the cluster store (reco_store_cluster.c) where a command must go:
 * to the node of one key's slot, to any node (PING, TIME, INFO...), to every master (SCRIPT
 * LOAD, SCRIPT FLUSH, FLUSHALL), or that it opens or closes a transaction. Pure functions. */
#ifndef RECO_SLOT_H
#define RECO_SLOT_H

#include <stddef.h>
#include <stdint.h>

#define RECO_SLOT_COUNT 16384

uint16_t reco_slot_crc16(const char *buf, size_t len);
/* The slot of a key, following the hash-tag rule. */
int reco_slot_of(const char *key, size_t len);

typedef enum {
    RECO_ROUTE_KEY,   /* argv[*key_index] is the key that picks the node */
    RECO_ROUTE_ANY,   /* no key: any node answers */
    RECO_ROUTE_EVERY, /* every master must run it (SCRIPT LOAD, SCRIPT FLUSH, FLUSHALL, FLUSHDB) */
    RECO_ROUTE_MULTI, /* MULTI: opens a transaction */
    RECO_ROUTE_EXEC,  /* EXEC or DISCARD: closes it */
} reco_route_t;

/* Where the command argv (argc > 0, binary arguments of lens bytes) goes. EVAL/EVALSHA: the
 * first key after numkeys (none: any node); XREAD/XREADGROUP: the first key after STREAMS;
 * XINFO/XGROUP/OBJECT/MEMORY: the key after the subcommand; SCAN: its MATCH pattern when that
 * holds a hash tag without glob characters (a tenant's keys), else any node; otherwise argv[1]. */
reco_route_t reco_slot_route(int argc, const char *const *argv, const size_t *lens, int *key_index);

#endif
