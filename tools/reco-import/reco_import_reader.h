/* reco_import_reader — reads CSV (libcsv) or JSON lines (jansson) and hands out one record at
 * a time, with the input line it starts on.
 *
 * The input is read line by line and each line is fed to the parser, so the reader always
 * knows where a record starts, even when a quoted CSV cell spans lines. The first CSV record is
 * returned like any other: the caller knows it is the header. Blank JSON lines are skipped; a
 * line that is not JSON comes back as a record with the parser's complaint, so the caller can
 * reject just that line. */
#ifndef RECO_IMPORT_READER_H
#define RECO_IMPORT_READER_H

#include <jansson.h>
#include <stdio.h>

typedef enum { RECO_FORMAT_CSV = 0, RECO_FORMAT_JSONL } reco_import_format_t;

typedef struct {
    long line; /* first input line of the record (1-based) */
    /* CSV: n NUL-terminated cells; valid until the next call */
    const char *const *cells;
    size_t n;
    /* JSON lines: the parsed value (borrowed, valid until the next call), or NULL and error */
    json_t *value;
    const char *error;
} reco_import_record_t;

typedef struct reco_import_reader reco_import_reader_t;

/* "csv" / "jsonl" (also "ndjson", "json") -> the format; -1 otherwise. */
int reco_import_format_parse(const char *text);
/* The format a file name's extension implies (.csv, .tsv is not supported; .jsonl, .ndjson,
 * .json), or -1. */
int reco_import_format_from_name(const char *path);

/* file: borrowed, must stay open while the reader lives. NULL when out of memory. */
reco_import_reader_t *reco_import_reader_new(FILE *file, reco_import_format_t format);
void reco_import_reader_destroy(reco_import_reader_t **reader);

/* 1 with *record filled, 0 at the end of the input, -1 on a read error (errno kept) or when the
 * CSV parser runs out of memory. */
int reco_import_reader_next(reco_import_reader_t *reader, reco_import_record_t *record);

/* Bytes consumed so far (for progress on inputs whose size is known). */
long long reco_import_reader_offset(const reco_import_reader_t *reader);

/* Counts the data rows of a regular file without parsing it (newlines, less one for a CSV
 * header; a last line without a newline counts too), then rewinds it. -1 for a pipe, a
 * terminal or any file that cannot be rewound. Exact unless CSV cells span lines. */
long long reco_import_count_rows(FILE *file, reco_import_format_t format);

#endif
