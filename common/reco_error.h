/* reco_error — the error every layer hands upward: an HTTP-like status, a stable machine code and
 * a message for people that names the offending field ("events[3].type: unknown event type 'buy'").
 *
 * The gateway renders it as {"error":{"code":...,"message":...}}; workers send it in replies. */
#ifndef RECO_ERROR_H
#define RECO_ERROR_H

typedef struct {
    int status;        /* 400, 404, 409, 413, 500, 503, ... ; 0 = no error */
    char code[48];     /* e.g. "invalid_field", "missing_field", "not_found" */
    char message[512]; /* human readable, names the field */
} reco_error_t;

void reco_error_set(reco_error_t *err, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void reco_error_clear(reco_error_t *err);

#endif
