/* reco_error — filling the shared error record (see reco_error.h). */
#include "reco_error.h"

#include <stdarg.h>
#include <stdio.h>

void reco_error_set(reco_error_t *err, int status, const char *code, const char *fmt, ...)
{
    if (!err)
        return;
    err->status = status;
    snprintf(err->code, sizeof err->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

void reco_error_clear(reco_error_t *err)
{
    if (!err)
        return;
    err->status = 0;
    err->code[0] = '\0';
    err->message[0] = '\0';
}
