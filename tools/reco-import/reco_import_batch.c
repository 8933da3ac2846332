/* reco_import_batch — rows of one request and their body (see reco_import_batch.h).
 *
 * Rows are kept as serialised text, not as jansson objects: the body is built by joining them,
 * a retry or a resend after a 400 costs one memcpy per row, and the byte limit is exact. */
#include "reco_import_batch.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

reco_import_batch_t *reco_import_batch_new(void)
{
    reco_import_batch_t *batch = calloc(1, sizeof *batch);
    if (batch) batch->body_bytes = 2;
    return batch;
}

void reco_import_batch_destroy(reco_import_batch_t **batch)
{
    if (!batch || !*batch) return;
    for (size_t i = 0; i < (*batch)->n; i++)
        free((*batch)->rows[i].json);
    free((*batch)->rows);
    free(*batch);
    *batch = NULL;
}

size_t reco_import_batch_bytes_with(const reco_import_batch_t *batch, size_t row_len)
{
    return batch->body_bytes + row_len + (batch->n > 0 ? 1 : 0);
}

bool reco_import_batch_fits(const reco_import_batch_t *batch, size_t row_len, size_t max_rows,
                            size_t max_bytes)
{
    if (batch->n >= max_rows) return false;
    return reco_import_batch_bytes_with(batch, row_len) <= max_bytes;
}

int reco_import_batch_add(reco_import_batch_t *batch, long line, char **json, size_t len)
{
    if (batch->n == batch->cap) {
        size_t cap = batch->cap ? batch->cap * 2 : 64;
        reco_import_row_t *rows = realloc(batch->rows, cap * sizeof *rows);
        if (!rows) return -1;
        batch->rows = rows;
        batch->cap = cap;
    }
    batch->body_bytes = reco_import_batch_bytes_with(batch, len);
    batch->rows[batch->n++] = (reco_import_row_t){.line = line, .json = *json, .len = len};
    *json = NULL;
    return 0;
}

char *reco_import_batch_body(const reco_import_batch_t *batch)
{
    char *body = malloc(batch->body_bytes + 1);
    if (!body) return NULL;
    char *p = body;
    *p++ = '[';
    for (size_t i = 0; i < batch->n; i++) {
        if (i > 0) *p++ = ',';
        memcpy(p, batch->rows[i].json, batch->rows[i].len);
        p += batch->rows[i].len;
    }
    *p++ = ']';
    *p = '\0';
    return body;
}

void reco_import_batch_remove(reco_import_batch_t *batch, size_t i)
{
    if (i >= batch->n) return;
    batch->body_bytes -= batch->rows[i].len + (batch->n > 1 ? 1 : 0);
    free(batch->rows[i].json);
    memmove(&batch->rows[i], &batch->rows[i + 1], (batch->n - i - 1) * sizeof batch->rows[0]);
    batch->n--;
}

reco_import_batch_t *reco_import_batch_split(reco_import_batch_t *batch)
{
    if (batch->n < 2) return NULL;
    reco_import_batch_t *tail = reco_import_batch_new();
    if (!tail) return NULL;
    size_t keep = batch->n - batch->n / 2;
    for (size_t i = keep; i < batch->n; i++) {
        reco_import_row_t *row = &batch->rows[i];
        if (reco_import_batch_add(tail, row->line, &row->json, row->len) != 0) {
            /* give back what moved so far: the original keeps every row */
            for (size_t j = 0; j < tail->n; j++)
                batch->rows[keep + j].json = tail->rows[j].json;
            tail->n = 0;
            reco_import_batch_destroy(&tail);
            return NULL;
        }
    }
    size_t moved_bytes =
        tail->body_bytes - 2 + 1; /* its rows and commas, plus the comma before them */
    batch->n = keep;
    batch->body_bytes -= moved_bytes;
    return tail;
}

int reco_import_error_index(const char *message, const char *array, size_t *index)
{
    size_t alen = strlen(array);
    for (const char *p = message ? strstr(message, array) : NULL; p; p = strstr(p + 1, array)) {
        if (p > message && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) continue;
        const char *q = p + alen;
        if (*q != '[' || !isdigit((unsigned char)q[1])) continue;
        size_t value = 0;
        for (q++; isdigit((unsigned char)*q); q++) {
            if (value > ((size_t)-1 - 9) / 10) return -1;
            value = value * 10 + (size_t)(*q - '0');
        }
        if (*q != ']') continue;
        *index = value;
        return 0;
    }
    return -1;
}
