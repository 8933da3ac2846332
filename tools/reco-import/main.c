/* reco-import — bulk import of events, items or users from a CSV or JSON-lines file into a
 * tenant, through the native HTTP API (the same door every client uses; nothing is written to
 * Redis behind the gateway's back).
 *
 * Pipeline, all on one thread: reader (one record at a time, with its line number) -> map (the
 * API object, or a local reject) -> batch (rows and bytes limits) -> sender (N requests in
 * flight, retries, 400 -> reject one row and resend the rest) -> report (counters, rejects
 * file, progress, summary). Memory stays bounded by (parallel + 1) batches whatever the size of
 * the input. What it leaves out on purpose: resuming an interrupted import (give events an `id`
 * column and simply run it again: the server counts the repeats as duplicates). */
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reco_config.h"
#include "reco_import_batch.h"
#include "reco_import_map.h"
#include "reco_import_reader.h"
#include "reco_import_report.h"
#include "reco_import_sender.h"
#include "reco_log.h"
#include "reco_validate.h"

enum { EXIT_REJECTS = 1, EXIT_FATAL = 2, EXIT_INTERRUPTED = 130 };

typedef struct {
    const char *url, *tenant, *kind, *format, *map, *type, *timestamp_unit, *rejects, *log_level;
    long batch, max_body_bytes, parallel, retries, backoff_ms, timeout_ms;
    int quiet;
} options_t;

typedef struct {
    reco_import_kind_t kind;
    reco_import_format_t format;
    reco_import_map_t *map;
    reco_import_reader_t *reader;
    reco_import_report_t *report;
    reco_import_sender_t *sender;
    reco_import_batch_t *batch;
    size_t max_rows, max_bytes;
    int header_done;
    char error[600];
} importer_t;

/* clang-format off */
static const char ABOUT[] =
    "Imports a CSV or JSON-lines FILE ('-' for standard input) of events, items or users into\n"
    "a tenant through the HTTP API, in batches, with several requests in flight.\n"
    "\n"
    "CSV: the header row names the columns (renamed first by --map).\n"
    "  events: user, item, type, timestamp, value, quantity, price, order, session,\n"
    "          recommendation, id are the event's fields (value, quantity, price and a numeric\n"
    "          timestamp are sent as numbers); every other column goes into properties.\n"
    "  items:  id, title, categories ('|'-separated), hidden (true/false/1/0); other columns go\n"
    "          into attributes, numbers as numbers.\n"
    "  users:  id; other columns go into attributes, numbers as numbers.\n"
    "  Empty cells are left out.\n"
    "JSON lines: one object per line, sent as it is (after --map; --type for events without one).\n"
    "\n"
    "Rows without a user and item (events) or an id (items, users) are rejected here. When the\n"
    "server refuses a batch (400 naming 'events[17]...'), that row is rejected with the server's\n"
    "message and the rest of the batch is sent again. 503, 429, 5xx, no connection: the request\n"
    "is retried after --backoff-ms, doubling each time. Rejected rows go to --rejects as JSON\n"
    "lines {line, error, row}. Progress goes to stderr (a bar on a terminal, a log line every 5 s\n"
    "otherwise); the summary line goes to stdout. A retried request may have been stored already:\n"
    "give events an id column and repeats count as duplicates instead of being stored twice.\n"
    "\n"
    "Exit status: 0 all rows stored; 1 some rows rejected; 2 fatal (bad options, server\n"
    "unreachable after the retries, a request the server refuses outright); 130 interrupted\n"
    "(Ctrl-C or SIGTERM: the requests in flight finish and the summary is printed; rows never\n"
    "sent count as failed).\n"
    "\n"
    "Examples (MovieLens as GroupLens ships it: ratings.csv userId,movieId,rating,timestamp and\n"
    "movies.csv movieId,title,genres; scripts/datasets/movielens.sh writes them already renamed):\n"
    "  reco-import --tenant movielens --kind items --map movieId=id,genres=categories movies.csv\n"
    "  reco-import --tenant movielens --map userId=user,movieId=item,rating=value --type rating \\\n"
    "      --timestamp-unit s --parallel 4 --rejects rejects.jsonl ratings.csv";
/* clang-format on */

/* reco_config takes flags only; positional arguments (the FILE, '-') are taken out first. A
 * flag's value is recognised from the option table, so "--tenant - x.csv" still works. */
static int split_positional(int argc, char **argv, const reco_option_t *opts, size_t n,
                            char **flags, int *nflags, const char **file)
{
    int files = 0;
    *nflags = 0;
    flags[(*nflags)++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) == 0 && a[2] != '\0') {
            flags[(*nflags)++] = argv[i];
            size_t len = strcspn(a + 2, "=");
            for (size_t k = 0; k < n && !a[2 + len]; k++)
                if (strlen(opts[k].name) == len && !strncmp(opts[k].name, a + 2, len) &&
                    opts[k].type != RECO_OPT_FLAG && i + 1 < argc)
                    flags[(*nflags)++] = argv[++i];
        } else if (strcmp(a, "-h") == 0) {
            flags[(*nflags)++] = argv[i];
        } else {
            *file = a;
            files++;
        }
    }
    return files;
}

static int check_options(const options_t *o, importer_t *im, const char *file)
{
    int kind = reco_import_kind_parse(o->kind);
    int format = o->format && *o->format ? reco_import_format_parse(o->format)
                                         : reco_import_format_from_name(file);
    if (!o->tenant || !reco_valid_tenant(o->tenant)) {
        fprintf(stderr,
                "reco-import: --tenant is required: 1 to 64 of A-Z a-z 0-9 _ - (see --help)\n");
        return -1;
    }
    if (kind < 0) {
        fprintf(stderr, "reco-import: --kind must be events, items or users, got '%s'\n", o->kind);
        return -1;
    }
    if (format < 0) {
        fprintf(
            stderr,
            "reco-import: cannot tell the format of '%s': give --format csv or --format jsonl\n",
            file);
        return -1;
    }
    if (reco_ts_unit_parse(o->timestamp_unit) < 0) {
        fprintf(stderr, "reco-import: --timestamp-unit must be s, ms or guess, got '%s'\n",
                o->timestamp_unit);
        return -1;
    }
    im->kind = (reco_import_kind_t)kind;
    im->format = (reco_import_format_t)format;
    im->max_rows = (size_t)o->batch;
    im->max_bytes = (size_t)o->max_body_bytes;
    return 0;
}

/* -- sender hooks ------------------------------------------------------------------------- */

static void on_accepted(void *ctx, const reco_import_batch_t *batch, long long stored,
                        long long duplicates)
{
    importer_t *im = ctx;
    reco_import_report_accepted(im->report, (long long)batch->n, stored, duplicates);
}

static void on_rejected(void *ctx, const reco_import_row_t *row, const char *reason)
{
    importer_t *im = ctx;
    reco_import_report_reject(im->report, row->line, reason, row->json, NULL, 0);
}

static void on_tick(void *ctx)
{
    importer_t *im = ctx;
    reco_import_report_tick(im->report);
}

/* -- the loop ----------------------------------------------------------------------------- */

/* Adds one serialised row to the open batch, sending the batch first when the row does not fit. */
static int add_row(importer_t *im, long line, char *text)
{
    size_t len = strlen(text);
    if (len + 2 > im->max_bytes) {
        char why[128];
        snprintf(why, sizeof why, "the row is %zu bytes, more than --max-body-bytes allows", len);
        reco_import_report_reject(im->report, line, why, text, NULL, 0);
        free(text);
        return 0;
    }
    if (!reco_import_batch_fits(im->batch, len, im->max_rows, im->max_bytes)) {
        if (reco_import_sender_submit(im->sender, &im->batch) != 0) goto failed;
        if (!(im->batch = reco_import_batch_new())) goto oom;
    }
    if (reco_import_batch_add(im->batch, line, &text, len) == 0) return 0;
oom:
    snprintf(im->error, sizeof im->error, "out of memory");
    free(text);
    return -1;
failed:
    snprintf(im->error, sizeof im->error, "%s", reco_import_sender_errstr(im->sender));
    free(text);
    return -1;
}

static int handle_record(importer_t *im, const reco_import_record_t *rec)
{
    char why[512] = "";
    if (im->format == RECO_FORMAT_CSV && !im->header_done) {
        im->header_done = 1;
        if (reco_import_map_set_header(im->map, rec->cells, rec->n, why, sizeof why) != 0) {
            snprintf(im->error, sizeof im->error, "line %ld (header): %s", rec->line, why);
            return -1;
        }
        return 0;
    }
    reco_import_report_read(im->report, 1);
    json_t *obj = NULL;
    if (im->format == RECO_FORMAT_CSV)
        obj = reco_import_map_csv(im->map, rec->cells, rec->n, why, sizeof why);
    else if (rec->value)
        obj = reco_import_map_json(im->map, rec->value, why, sizeof why);
    else
        snprintf(why, sizeof why, "not JSON: %s", rec->error ? rec->error : "?");
    if (!obj) {
        char *raw = rec->value ? json_dumps(rec->value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        reco_import_report_reject(im->report, rec->line, why, raw, rec->cells, rec->n);
        free(raw);
        return 0;
    }
    char *text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!text) {
        snprintf(im->error, sizeof im->error, "out of memory");
        return -1;
    }
    return add_row(im, rec->line, text);
}

/* Set by SIGINT/SIGTERM: stop reading, let the requests in flight finish, print the summary.
 * The handler puts the default action back, so a second Ctrl-C ends the program at once. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    interrupted = sig;
    signal(sig, SIG_DFL);
}

static int import_all(importer_t *im)
{
    reco_import_record_t rec;
    int got;
    while (!interrupted && (got = reco_import_reader_next(im->reader, &rec)) == 1) {
        if (handle_record(im, &rec) != 0) return -1;
        reco_import_report_tick(im->report);
    }
    if (interrupted) {
        reco_warn("interrupted: waiting for the requests in flight (Ctrl-C again to quit at once)");
        if (reco_import_sender_drain(im->sender) != 0)
            reco_error("%s", reco_import_sender_errstr(im->sender));
        snprintf(im->error, sizeof im->error, "interrupted by signal %d", (int)interrupted);
        return -1;
    }
    if (got < 0) {
        snprintf(im->error, sizeof im->error, "reading the input failed (line %ld)", rec.line);
        return -1;
    }
    if (im->format == RECO_FORMAT_CSV && !im->header_done) {
        snprintf(im->error, sizeof im->error, "the input is empty: a CSV file needs a header row");
        return -1;
    }
    if ((im->batch->n > 0 && reco_import_sender_submit(im->sender, &im->batch) != 0) ||
        reco_import_sender_drain(im->sender) != 0) {
        snprintf(im->error, sizeof im->error, "%s", reco_import_sender_errstr(im->sender));
        return -1;
    }
    return 0;
}

/* -- setup -------------------------------------------------------------------------------- */

static int set_up(importer_t *im, const options_t *o, FILE *in)
{
    char url[1024], err[512] = "";
    const char *base = o->url;
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    snprintf(url, sizeof url, "%.*s/v1/%s/%s", (int)blen, base, o->tenant,
             reco_import_kind_name(im->kind));
    im->map =
        reco_import_map_new(im->kind, o->map, o->type,
                            (reco_ts_unit_t)reco_ts_unit_parse(o->timestamp_unit), err, sizeof err);
    if (!im->map) {
        fprintf(stderr, "reco-import: %s\n", err);
        return -1;
    }
    long long total = reco_import_count_rows(in, im->format);
    im->report = reco_import_report_new(o->rejects, total, !o->quiet);
    if (!im->report) {
        fprintf(stderr, "reco-import: cannot write --rejects %s: %m\n", o->rejects);
        return -1;
    }
    reco_import_sender_config_t cfg = {.url = url,
                                       .method = im->kind == RECO_IMPORT_EVENTS ? "POST" : "PUT",
                                       .array = reco_import_kind_name(im->kind),
                                       .parallel = (int)o->parallel,
                                       .retries = (int)o->retries,
                                       .backoff_ms = o->backoff_ms,
                                       .timeout_ms = o->timeout_ms};
    reco_import_hooks_t hooks = {
        .ctx = im, .accepted = on_accepted, .rejected = on_rejected, .tick = on_tick};
    im->sender = reco_import_sender_new(&cfg, hooks);
    im->reader = reco_import_reader_new(in, im->format);
    im->batch = reco_import_batch_new();
    if (!im->sender || !im->reader || !im->batch) {
        fprintf(stderr, "reco-import: cannot set up (out of memory or libcurl failed)\n");
        return -1;
    }
    reco_info("importing %s from %s to %s (%s, batches of %ld rows / %ld bytes, %ld in flight)",
              reco_import_kind_name(im->kind), in == stdin ? "stdin" : "the file", url,
              im->format == RECO_FORMAT_CSV ? "csv" : "jsonl", o->batch, o->max_body_bytes,
              o->parallel);
    return 0;
}

static void tear_down(importer_t *im)
{
    reco_import_sender_destroy(&im->sender);
    reco_import_reader_destroy(&im->reader);
    reco_import_batch_destroy(&im->batch);
    reco_import_report_destroy(&im->report);
    reco_import_map_destroy(&im->map);
}

static int run(const options_t *o, const char *file)
{
    importer_t im = {0};
    if (check_options(o, &im, file) != 0) return EXIT_FATAL;
    FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    if (!in) {
        fprintf(stderr, "reco-import: cannot open %s: %m\n", file);
        return EXIT_FATAL;
    }
    int code = EXIT_FATAL;
    if (set_up(&im, o, in) == 0) {
        int rc = import_all(&im);
        if (rc != 0) reco_error("import stopped: %s", im.error);
        reco_import_report_finish(im.report, stdout);
        reco_import_counts_t c = reco_import_report_counts(im.report);
        code = interrupted      ? EXIT_INTERRUPTED
               : rc != 0        ? EXIT_FATAL
               : c.rejected > 0 ? EXIT_REJECTS
                                : EXIT_SUCCESS;
    }
    tear_down(&im);
    if (in != stdin) fclose(in);
    return code;
}

int main(int argc, char **argv)
{
    options_t o = {.url = "http://127.0.0.1:8080",
                   .kind = "events",
                   .format = "",
                   .map = "",
                   .type = "",
                   .timestamp_unit = "guess",
                   .rejects = "",
                   .log_level = "info",
                   .batch = 1000,
                   .max_body_bytes = 1000000,
                   .parallel = 2,
                   .retries = 8,
                   .backoff_ms = 100,
                   .timeout_ms = 60000};
    const reco_option_t opts[] = {
        {"url", "RECO_IMPORT_URL", RECO_OPT_STRING, &o.url, 0, 0, "base URL of a reco gateway"},
        {"tenant", "RECO_IMPORT_TENANT", RECO_OPT_STRING, &o.tenant, 0, 0,
         "tenant to import into (required)"},
        {"kind", "RECO_IMPORT_KIND", RECO_OPT_STRING, &o.kind, 0, 0,
         "what the rows are: events, items or users"},
        {"format", "RECO_IMPORT_FORMAT", RECO_OPT_STRING, &o.format, 0, 0,
         "csv or jsonl; default: from the file name (.csv, .jsonl/.ndjson/.json)"},
        {"batch", "RECO_IMPORT_BATCH", RECO_OPT_INT, &o.batch, 1, RECO_BATCH_MAX,
         "rows per request at most"},
        {"max-body-bytes", "RECO_IMPORT_MAX_BODY_BYTES", RECO_OPT_INT, &o.max_body_bytes, 1024,
         1L << 30, "request body size at most (keep it under the gateway's --max-body-bytes)"},
        {"parallel", "RECO_IMPORT_PARALLEL", RECO_OPT_INT, &o.parallel, 1, 64,
         "requests in flight"},
        {"map", "RECO_IMPORT_MAP", RECO_OPT_STRING, &o.map, 0, 0,
         "column renames, e.g. userId=user,movieId=item,rating=value"},
        {"type", "RECO_IMPORT_TYPE", RECO_OPT_STRING, &o.type, 0, 0,
         "event type for rows without one (e.g. rating, view, purchase)"},
        {"timestamp-unit", "RECO_IMPORT_TIMESTAMP_UNIT", RECO_OPT_STRING, &o.timestamp_unit, 0, 0,
         "unit of numeric timestamps: s, ms, or guess (above 1e11 = ms)"},
        {"rejects", "RECO_IMPORT_REJECTS", RECO_OPT_STRING, &o.rejects, 0, 0,
         "write rejected rows here as JSON lines {line, error, row}"},
        {"retries", "RECO_IMPORT_RETRIES", RECO_OPT_INT, &o.retries, 0, 100,
         "retries of a request on 503, 429, 5xx or no connection"},
        {"backoff-ms", "RECO_IMPORT_BACKOFF_MS", RECO_OPT_INT, &o.backoff_ms, 1, 60000,
         "first retry delay; doubles on each retry (30 s at most)"},
        {"timeout-ms", "RECO_IMPORT_TIMEOUT_MS", RECO_OPT_INT, &o.timeout_ms, 100, 3600000,
         "one request at most"},
        {"quiet", "RECO_IMPORT_QUIET", RECO_OPT_FLAG, &o.quiet, 0, 0, "no progress on stderr"},
        {"log-level", "RECO_LOG_LEVEL", RECO_OPT_STRING, &o.log_level, 0, 0,
         "debug, info, warn or error"},
    };
    const size_t n = sizeof opts / sizeof opts[0];
    char **flags = calloc((size_t)argc + 1, sizeof *flags);
    const char *file = NULL;
    int nflags = 0;
    if (!flags) return EXIT_FATAL;
    int files = split_positional(argc, argv, opts, n, flags, &nflags, &file);
    reco_config_result_t parsed =
        reco_config_parse(nflags, flags, opts, n, "reco-import [options] FILE", ABOUT);
    free(flags);
    if (parsed != RECO_CONFIG_OK) return parsed == RECO_CONFIG_HELP ? EXIT_SUCCESS : EXIT_FATAL;
    if (files != 1) {
        fprintf(
            stderr,
            "reco-import: give exactly one FILE ('-' for standard input), got %d (see --help)\n",
            files);
        return EXIT_FATAL;
    }
    reco_log_level_t level;
    if (reco_log_level_parse(o.log_level, &level) != 0) {
        fprintf(stderr, "reco-import: --log-level must be debug, info, warn or error\n");
        return EXIT_FATAL;
    }
    reco_log_init("import", level);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_interrupt);
    signal(SIGTERM, on_interrupt);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) return EXIT_FATAL;
    int code = run(&o, file);
    curl_global_cleanup();
    return code;
}
