/* reco_notify — the trainer's optional ZeroMQ PUB socket announcing model flips.
 *
 * One single-frame message per flip: "model <tenant> <model> <version>" (docs/protocol.md).
 * PUB never blocks: with no subscriber, or a slow one past its high-water mark, the notice is
 * dropped, which is fine because subscribers can always read reco:{T}:m:<model>:current.
 *
 * Ownership: the notifier owns its socket. Create it after reco_signals_install(). */
#ifndef RECO_NOTIFY_H
#define RECO_NOTIFY_H

#include <stdint.h>

typedef struct reco_notifier reco_notifier_t;

/* Binds a PUB socket on endpoint (e.g. "tcp://127.0.0.1:5557"); NULL if it cannot (logged). */
reco_notifier_t *reco_notifier_new(const char *endpoint);
void reco_notifier_destroy(reco_notifier_t **n);
/* Sends the notice; returns 0 or -1. Safe on a NULL notifier (does nothing, returns 0). */
int reco_notifier_send(reco_notifier_t *n, const char *tenant, const char *model, int64_t version);

#endif
