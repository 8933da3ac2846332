/* reco_query_args — argument checks shared by the query ops (see reco_query_args.h).
 *
 * Pure functions of the request's args: no Redis, no allocation; pointers handed out borrow
 * from args or from the caller's buffer. */
#include "reco_query_args.h"

#include <stdio.h>
#include <string.h>

#include "reco_config.h"
#include "reco_validate.h"

int reco_query_arg_id(const json_t *args, const char *field, char buf[RECO_QUERY_ID_BUF],
                      const char **out, reco_error_t *err)
{
    return reco_query_arg_id_value(json_object_get(args, field), field, buf, out, err);
}

int reco_query_arg_id_value(const json_t *v, const char *field, char buf[RECO_QUERY_ID_BUF],
                            const char **out, reco_error_t *err)
{
    *out = NULL;
    if (!v || json_is_null(v)) return 0;
    if (json_is_integer(v)) {
        snprintf(buf, RECO_QUERY_ID_BUF, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *out = buf;
        return 1;
    }
    if (json_is_string(v) && reco_valid_id(json_string_value(v), json_string_length(v))) {
        *out = json_string_value(v);
        return 1;
    }
    reco_error_set(err, 400, "invalid_field",
                   "%s: must be a string of 1 to %d characters without control characters", field,
                   RECO_ID_MAX);
    return -1;
}

int reco_query_arg_required_id(const json_t *args, const char *field, char buf[RECO_QUERY_ID_BUF],
                               const char **out, reco_error_t *err)
{
    int found = reco_query_arg_id(args, field, buf, out, err);
    if (found == 0) reco_error_set(err, 400, "missing_field", "%s: required", field);
    return found == 1 ? 0 : -1;
}

int reco_query_arg_long(const json_t *args, const char *field, long min, long max, long fallback,
                        long *out, reco_error_t *err)
{
    json_t *v = json_object_get(args, field);
    long n = fallback;
    int ok = 1;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        ok = i >= min && i <= max;
        n = (long)i;
    } else if (json_is_string(v)) {
        ok = reco_parse_long(json_string_value(v), min, max, &n) == 0;
    } else if (v && !json_is_null(v)) {
        ok = 0;
    }
    if (!ok) {
        reco_error_set(err, 400, "invalid_field", "%s: must be an integer from %ld to %ld", field,
                       min, max);
        return -1;
    }
    *out = n;
    return 0;
}

int reco_query_arg_bool(const json_t *args, const char *field, int fallback, int *out,
                        reco_error_t *err)
{
    json_t *v = json_object_get(args, field);
    const char *text = json_string_value(v);
    if (!v || json_is_null(v)) {
        *out = fallback;
    } else if (json_is_boolean(v)) {
        *out = json_is_true(v);
    } else if (text && (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)) {
        *out = 1;
    } else if (text && (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)) {
        *out = 0;
    } else {
        reco_error_set(err, 400, "invalid_field", "%s: must be true or false", field);
        return -1;
    }
    return 0;
}

void reco_query_reply_error(reco_reply_t *rep, const reco_error_t *err)
{
    reco_reply_fail(rep, err->status, err->code, "%s", err->message);
}
