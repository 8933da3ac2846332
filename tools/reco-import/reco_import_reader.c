/* reco_import_reader — CSV and JSON-lines records with line numbers (see reco_import_reader.h).
 *
 * libcsv is a push parser: csv_parse() calls back once per cell and once per record end. The
 * reader feeds it one input line at a time and queues the records that line completed (almost
 * always zero or one; a lone CR can end a record inside a line), then hands them out one per
 * call. Cells of the record being built are kept in `building`; a finished record moves to the
 * queue. Everything the reader hands out lives until the next call. */
#include "reco_import_reader.h"

#include <csv.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    char **cells;
    size_t n, cap;
    long line;
} csv_record_t;

struct reco_import_reader {
    FILE *file;
    reco_import_format_t format;
    char *buf; /* the current input line (getline) */
    size_t bufcap;
    long line;        /* number of the line last read */
    long long offset; /* bytes read */
    struct csv_parser csv;
    bool csv_ready, eof, failed;
    csv_record_t building; /* cells of the record in progress */
    csv_record_t *queue;   /* finished records, handed out from queue_head */
    size_t queue_n, queue_cap, queue_head;
    csv_record_t current; /* the record handed out last (freed on the next call) */
    json_t *json;         /* the JSON value handed out last */
    json_error_t json_error;
};

int reco_import_format_parse(const char *text)
{
    if (!text) return -1;
    if (strcmp(text, "csv") == 0) return RECO_FORMAT_CSV;
    if (strcmp(text, "jsonl") == 0 || strcmp(text, "ndjson") == 0 || strcmp(text, "json") == 0)
        return RECO_FORMAT_JSONL;
    return -1;
}

int reco_import_format_from_name(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot || strchr(dot, '/')) return -1;
    return reco_import_format_parse(dot + 1);
}

static void record_clear(csv_record_t *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->cells[i]);
    free(r->cells);
    memset(r, 0, sizeof *r);
}

reco_import_reader_t *reco_import_reader_new(FILE *file, reco_import_format_t format)
{
    reco_import_reader_t *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->file = file;
    r->format = format;
    if (format == RECO_FORMAT_CSV) {
        if (csv_init(&r->csv, CSV_APPEND_NULL | CSV_STRICT_FINI) != 0) {
            free(r);
            return NULL;
        }
        r->csv_ready = true;
    }
    return r;
}

void reco_import_reader_destroy(reco_import_reader_t **reader)
{
    if (!reader || !*reader) return;
    reco_import_reader_t *r = *reader;
    if (r->csv_ready) csv_free(&r->csv);
    record_clear(&r->building);
    record_clear(&r->current);
    for (size_t i = r->queue_head; i < r->queue_n; i++)
        record_clear(&r->queue[i]);
    free(r->queue);
    free(r->buf);
    json_decref(r->json);
    free(r);
    *reader = NULL;
}

long long reco_import_reader_offset(const reco_import_reader_t *reader)
{
    return reader->offset;
}

/* -- CSV ---------------------------------------------------------------------------------- */

static void on_cell(void *data, size_t len, void *arg)
{
    reco_import_reader_t *r = arg;
    csv_record_t *b = &r->building;
    if (r->failed) return;
    if (b->n == 0) b->line = r->line;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        char **cells = realloc(b->cells, cap * sizeof *cells);
        if (!cells) {
            r->failed = true;
            return;
        }
        b->cells = cells;
        b->cap = cap;
    }
    char *cell = malloc(len + 1);
    if (!cell) {
        r->failed = true;
        return;
    }
    if (len) memcpy(cell, data, len);
    cell[len] = '\0';
    b->cells[b->n++] = cell;
}

static void on_record_end(int terminator, void *arg)
{
    (void)terminator;
    reco_import_reader_t *r = arg;
    if (r->failed || r->building.n == 0) return;
    if (r->queue_n == r->queue_cap) {
        size_t cap = r->queue_cap ? r->queue_cap * 2 : 4;
        csv_record_t *q = realloc(r->queue, cap * sizeof *q);
        if (!q) {
            r->failed = true;
            return;
        }
        r->queue = q;
        r->queue_cap = cap;
    }
    r->queue[r->queue_n++] = r->building;
    memset(&r->building, 0, sizeof r->building);
}

/* Reads the next line into r->buf; returns its length, or -1 at the end or on error. */
static ssize_t read_line(reco_import_reader_t *r)
{
    ssize_t len = getline(&r->buf, &r->bufcap, r->file);
    if (len >= 0) {
        r->line++;
        r->offset += len;
    }
    return len;
}

static int next_csv(reco_import_reader_t *r, reco_import_record_t *out)
{
    while (r->queue_head == r->queue_n && !r->eof) {
        r->queue_head = r->queue_n = 0;
        ssize_t len = read_line(r);
        if (len < 0) {
            if (ferror(r->file)) return -1;
            r->eof = true;
            csv_fini(&r->csv, on_cell, on_record_end, r);
        } else {
            csv_parse(&r->csv, r->buf, (size_t)len, on_cell, on_record_end, r);
        }
        if (r->failed) return -1;
    }
    if (r->queue_head == r->queue_n) return 0;
    r->current = r->queue[r->queue_head++];
    *out = (reco_import_record_t){
        .line = r->current.line, .cells = (const char *const *)r->current.cells, .n = r->current.n};
    return 1;
}

/* -- JSON lines --------------------------------------------------------------------------- */

static bool blank(const char *s)
{
    return s[strspn(s, " \t\r\n")] == '\0';
}

static int next_json(reco_import_reader_t *r, reco_import_record_t *out)
{
    for (;;) {
        ssize_t len = read_line(r);
        if (len < 0) return ferror(r->file) ? -1 : 0;
        if (blank(r->buf)) continue;
        r->json = json_loadb(r->buf, (size_t)len, 0, &r->json_error);
        *out = (reco_import_record_t){
            .line = r->line, .value = r->json, .error = r->json ? NULL : r->json_error.text};
        return 1;
    }
}

int reco_import_reader_next(reco_import_reader_t *reader, reco_import_record_t *record)
{
    record_clear(&reader->current);
    json_decref(reader->json);
    reader->json = NULL;
    memset(record, 0, sizeof *record);
    return reader->format == RECO_FORMAT_CSV ? next_csv(reader, record) : next_json(reader, record);
}

long long reco_import_count_rows(FILE *file, reco_import_format_t format)
{
    struct stat st;
    if (fstat(fileno(file), &st) != 0 || !S_ISREG(st.st_mode)) return -1;
    long start = ftell(file);
    if (start < 0) return -1;
    char chunk[1 << 16];
    long long lines = 0;
    size_t got;
    char last = '\n';
    while ((got = fread(chunk, 1, sizeof chunk, file)) > 0) {
        for (const char *p = chunk; (p = memchr(p, '\n', (size_t)(chunk + got - p))) != NULL; p++)
            lines++;
        last = chunk[got - 1];
    }
    if (last != '\n') lines++;
    clearerr(file);
    if (fseek(file, start, SEEK_SET) != 0) return -1;
    if (format == RECO_FORMAT_CSV && lines > 0) lines--;
    return lines;
}
