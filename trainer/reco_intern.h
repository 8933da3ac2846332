/* reco_intern — a compact string interner: each distinct id gets a dense uint32 index.
 *
 * The trainer keeps a tenant's whole event log in memory between builds (reco_events), and
 * stores every user, item and basket id there once. This table is built for that: the id bytes
 * live back to back in one arena (NUL-terminated), an index is an offset into it, and the hash
 * table is an open-addressing array of uint32 indices. Memory per id: its bytes + 1, an 8-byte
 * offset and about 8 bytes of table (load factor <= 1/2); no per-entry allocation.
 *
 * Indices follow the order of first appearance and never change; reco_intern_sorted() gives the
 * byte order (memcmp, shorter first on a common prefix) when a caller needs it.
 *
 * Ownership: the table owns its copies of the ids. Pointers returned by reco_intern_id() stay
 * valid until the next reco_intern_add() (the arena may move) or the table's destruction. */
#ifndef RECO_INTERN_H
#define RECO_INTERN_H

#include <stddef.h>
#include <stdint.h>

typedef struct reco_intern reco_intern_t;

/* NULL when out of memory. */
reco_intern_t *reco_intern_new(void);
/* Frees the table; *t = NULL. Safe on NULL. */
void reco_intern_destroy(reco_intern_t **t);

/* Finds id or adds a copy of it; *index receives its index. Returns 0, or -1 when out of memory
 * or when the table already holds UINT32_MAX - 1 ids. */
int reco_intern_add(reco_intern_t *t, const char *id, size_t len, uint32_t *index);
/* 0 with *index set if id is known, else -1. */
int reco_intern_find(const reco_intern_t *t, const char *id, size_t len, uint32_t *index);

size_t reco_intern_count(const reco_intern_t *t);
/* The NUL-terminated id of index (< count); *len (may be NULL) receives its length. */
const char *reco_intern_id(const reco_intern_t *t, uint32_t index, size_t *len);
/* Bytes held by the table (arena, offsets and hash table), for memory accounting. */
size_t reco_intern_memory(const reco_intern_t *t);

/* Byte order of two ids: memcmp on the common length, then the shorter one first. */
int reco_id_compare(const char *a, size_t alen, const char *b, size_t blen);

/* Fills order[0 .. n) (caller-allocated) with the indices listed in `indices` (n of them, or
 * every index 0 .. count-1 when indices is NULL and n == count), sorted by id bytes. */
void reco_intern_sorted(const reco_intern_t *t, const uint32_t *indices, size_t n, uint32_t *order);

/* Freezes the ids in byte order: fills rank[index] = position in that order (rank has
 * reco_intern_count() entries), and *ids / *lens (malloc'ed, count entries) with the ids in that
 * order, copied NUL-terminated into one malloc'ed *arena the ids point into. The caller frees
 * all three, also on failure. 0, or -1 when out of memory. */
int reco_intern_freeze(const reco_intern_t *t, uint32_t *rank, const char ***ids, size_t **lens, char **arena);

#endif
