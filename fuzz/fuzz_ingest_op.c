/* fuzz_ingest_op — msgpack requests for every ingest op (ingestor/reco_ingest.c's table:
 * events.add, items.upsert, users.upsert, actions.*, events.delete, users.delete,
 * users.transfer, train.request, scenarios.*, tenants.*, keys.*), as an ingest worker receives
 * them. See fuzz_op_worker.h. */
#include "fuzz_op_worker.h"
#include "reco_ingest.h"

static reco_ingest_t *ingest;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    reco_fuzz_quiet();
    reco_store_t *st = reco_fuzz_dead_store();
    ingest = reco_ingest_new(&st, 1000);
    if (!ingest) reco_fuzz_fail("cannot make an ingest worker");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reco_fuzz_op(data, size, reco_ingest_handle, ingest);
    return 0;
}
