/* reco_notify — PUB socket for model change notices (see reco_notify.h). */
#include "reco_notify.h"

#include <czmq.h>
#include <inttypes.h>
#include <stdlib.h>

#include "reco_log.h"

struct reco_notifier {
    zsock_t *pub;
};

reco_notifier_t *reco_notifier_new(const char *endpoint)
{
    reco_notifier_t *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    /* zsock_new_pub binds unless the endpoint starts with '>' */
    n->pub = zsock_new_pub(endpoint);
    if (!n->pub) {
        reco_error("cannot bind PUB socket on %s: %s", endpoint, zmq_strerror(zmq_errno()));
        free(n);
        return NULL;
    }
    zsock_set_linger(n->pub, 100);
    reco_info("publishing model notices on %s", endpoint);
    return n;
}

void reco_notifier_destroy(reco_notifier_t **n)
{
    if (!n || !*n) return;
    zsock_destroy(&(*n)->pub);
    free(*n);
    *n = NULL;
}

int reco_notifier_send(reco_notifier_t *n, const char *tenant, const char *model, int64_t version)
{
    if (!n) return 0;
    if (zstr_sendf(n->pub, "model %s %s %" PRId64, tenant, model, version) != 0) {
        reco_warn("cannot publish notice for %s/%s v%" PRId64, tenant, model, version);
        return -1;
    }
    return 0;
}
