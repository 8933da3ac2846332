/* reco_import_batch — the rows of one request, and what a 400 says about them.
 *
 * A batch owns its rows: each is the compact JSON text of one API object plus the input line it
 * came from (for the rejects file). The request body is the rows joined into a JSON array, and
 * a batch is closed when one more row would pass the row limit (--batch) or the byte limit
 * (--max-body-bytes). When the server refuses a batch with 400, its message names the
 * element ("events[17].value: ..."): that row is taken out and the rest is sent again.
 *
 * The struct is open on purpose: it is a plain container the sender walks; the functions keep
 * body_bytes right. Pure, no I/O. */
#ifndef RECO_IMPORT_BATCH_H
#define RECO_IMPORT_BATCH_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    long line;  /* where the row starts in the input (1 = first line) */
    char *json; /* compact JSON object, NUL-terminated; owned by the batch */
    size_t len;
} reco_import_row_t;

typedef struct {
    reco_import_row_t *rows;
    size_t n, cap;
    size_t body_bytes; /* length of the JSON array body: 2 + sum(len) + (n - 1) commas */
} reco_import_batch_t;

reco_import_batch_t *reco_import_batch_new(void);
/* Frees the batch and its rows; sets *batch to NULL; safe on NULL. */
void reco_import_batch_destroy(reco_import_batch_t **batch);

/* The body size once a row of row_len bytes is added. */
size_t reco_import_batch_bytes_with(const reco_import_batch_t *batch, size_t row_len);
/* Whether a row of row_len bytes may join without passing max_rows or max_bytes. An empty
 * batch takes any row that fits alone. */
bool reco_import_batch_fits(const reco_import_batch_t *batch, size_t row_len, size_t max_rows,
                            size_t max_bytes);

/* Appends a row, taking *json (malloc'd, len bytes) and setting *json to NULL. 0, or -1 when
 * out of memory (then *json is still the caller's). */
int reco_import_batch_add(reco_import_batch_t *batch, long line, char **json, size_t len);

/* The request body, a new NUL-terminated JSON array of body_bytes bytes; NULL when out of memory.
 */
char *reco_import_batch_body(const reco_import_batch_t *batch);

/* Frees row i and closes the gap (rows keep their order). */
void reco_import_batch_remove(reco_import_batch_t *batch, size_t i);

/* Moves the second half of the rows (n / 2 of them) into a new batch, for a server that found
 * the body too large. NULL when out of memory or when the batch has fewer than 2 rows. */
reco_import_batch_t *reco_import_batch_split(reco_import_batch_t *batch);

/* Finds the element a 400 names: the first "<array>[<index>]" in message, where array is the
 * kind's name ("events", "items", "users") and is not the tail of a longer word. Returns 0 with
 * *index set, or -1 when the message names no element. */
int reco_import_error_index(const char *message, const char *array, size_t *index);

#endif
