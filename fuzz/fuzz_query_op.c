/* fuzz_query_op — msgpack requests for every query op (query/reco_query_ops.c and the modules
 * it dispatches to: recommend, recommend.scenario, recommend.bulk, resort, scenarios.*,
 * stats.get, items.get, users.get, events.list, users.export, ...), as a query worker receives
 * them. See fuzz_op_worker.h. */
#include "fuzz_op_worker.h"
#include "reco_query_ops.h"

static reco_query_t *query;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    reco_fuzz_quiet();
    reco_store_t *st = reco_fuzz_dead_store();
    query = reco_query_new(&st);
    if (!query) reco_fuzz_fail("cannot make a query worker");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reco_fuzz_op(data, size, reco_query_handle, query);
    return 0;
}
