/* encode_seed — writes the msgpack request of one op, with reco_wire's own encoder, for the
 * seed corpora of fuzz_wire, fuzz_query_op and fuzz_ingest_op (fuzz/make_corpus.py runs it).
 *
 * Usage: fuzz_encode_seed OUT.msgpack < {"tenant": "...", "op": "...", "args": {...}}
 * Exits 1 when the JSON is not such an object or cannot be encoded. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "reco_wire.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT.msgpack < op.json\n", argv[0]);
        return 2;
    }
    json_error_t jerr;
    json_t *doc = json_loadf(stdin, 0, &jerr);
    const char *tenant = json_string_value(json_object_get(doc, "tenant"));
    const char *op = json_string_value(json_object_get(doc, "op"));
    json_t *args = json_object_get(doc, "args");
    if (!tenant || !op || !json_is_object(args)) {
        fprintf(stderr, "encode_seed: need {tenant, op, args}\n");
        return 1;
    }
    reco_request_t req = {RECO_WIRE_VERSION, "seed-1", (char *)tenant, (char *)op, args};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = NULL;
    int ok = reco_wire_encode_request(&req, &buf, &len) == 0 && (out = fopen(argv[1], "wb")) &&
             fwrite(buf, 1, len, out) == len;
    if (out && fclose(out) != 0) ok = 0;
    free(buf);
    json_decref(doc);
    if (!ok) fprintf(stderr, "encode_seed: cannot encode or write %s\n", argv[1]);
    return ok ? 0 : 1;
}
