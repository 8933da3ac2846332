/* fuzz_common — what every libFuzzer target of fuzz/ shares (docs/fuzzing.md).
 *
 * Header-only on purpose: each target is one .c file plus this header (and fuzz_http.c for the
 * HTTP targets). The targets run with AddressSanitizer, UndefinedBehaviorSanitizer and leak
 * detection; an invariant a target checks itself fails through reco_fuzz_fail, which prints the
 * reason and aborts, so libFuzzer saves the input as a crash. */
#ifndef RECO_FUZZ_COMMON_H
#define RECO_FUZZ_COMMON_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reco_error.h"
#include "reco_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

__attribute__((format(printf, 1, 2), noreturn)) static inline void reco_fuzz_fail(const char *fmt,
                                                                                  ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("reco-fuzz: invariant broken: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* Logs only errors: a warning per rejected input would drown the fuzzer's output. */
static inline void reco_fuzz_quiet(void)
{
    reco_log_init("fuzz", RECO_LOG_ERROR);
}

/* The input as JSON (an object or array, parsed as the gateway's reco_http_read_json parses a
 * body), or NULL. */
static inline json_t *reco_fuzz_json(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    return json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
}

/* A failed check must say what failed: a 4xx whose message is empty is a broken invariant. */
static inline void reco_fuzz_check_error(const reco_error_t *err, const char *what)
{
    if (err->status < 400 || err->status > 599 || !err->code[0] || !err->message[0])
        reco_fuzz_fail("%s failed without a proper error (status %d, code '%s', message '%s')",
                       what, err->status, err->code, err->message);
}

#endif
