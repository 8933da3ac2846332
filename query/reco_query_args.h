/* reco_query_args — the argument checks the query ops share: ids and bounded integers.
 *
 * The gateway has validated the request already; a worker checks again because it never trusts
 * its input. Every failure is a 400 whose message names the field, worded as the gateway words
 * it, so a client sees the same error whichever process caught it. */
#ifndef RECO_QUERY_ARGS_H
#define RECO_QUERY_ARGS_H

#include <jansson.h>

#include "reco_error.h"
#include "reco_wire.h"

#define RECO_QUERY_ID_BUF 32 /* room for an integer id written as decimal text */

/* An id argument: a string that passes reco_valid_id, or an integer (shop databases use them),
 * turned into its decimal text in buf. Returns 1 with *out set (pointing into args or buf), 0 if
 * the field is absent or null (*out = NULL), -1 with err set (400 invalid_field) otherwise. */
int reco_query_arg_id(const json_t *args, const char *field, char buf[RECO_QUERY_ID_BUF],
                      const char **out, reco_error_t *err);

/* The same check for a value already taken out of args (an element of an id array); field names
 * it in the error ("items[3]"). Returns 1 with *out set, 0 if v is absent or null, -1 with err. */
int reco_query_arg_id_value(const json_t *v, const char *field, char buf[RECO_QUERY_ID_BUF],
                            const char **out, reco_error_t *err);

/* Like reco_query_arg_id, but an absent id is a 400 missing_field. Returns 0 or -1. */
int reco_query_arg_required_id(const json_t *args, const char *field, char buf[RECO_QUERY_ID_BUF],
                               const char **out, reco_error_t *err);

/* An integer argument in [min, max], or its decimal text (query-string values may arrive as
 * text); absent or null leaves *out = fallback. Returns 0, or -1 with err set (invalid_field). */
int reco_query_arg_long(const json_t *args, const char *field, long min, long max, long fallback,
                        long *out, reco_error_t *err);

/* A boolean argument: true/false, or the text "true", "false", "1", "0" (query-string values);
 * absent or null leaves *out = fallback. Returns 0, or -1 with err set (invalid_field). */
int reco_query_arg_bool(const json_t *args, const char *field, int fallback, int *out,
                        reco_error_t *err);

/* Copies err into rep (the usual last step of a failed argument check). */
void reco_query_reply_error(reco_reply_t *rep, const reco_error_t *err);

#endif
