/* reco_model_names — the names of the models, as the API, the trainer and Redis keys spell them
 * (docs/models.md). One list, so the gateway's validation, the query worker's status report and
 * the documentation cannot drift apart. */
#ifndef RECO_MODEL_NAMES_H
#define RECO_MODEL_NAMES_H

#include <stdbool.h>

#define RECO_MODEL_COUNT 13

extern const char *const reco_model_names[RECO_MODEL_COUNT];
/* "popular, popular-1d, ..., content": for error messages. */
extern const char reco_model_list_text[];

bool reco_model_known(const char *name);

#endif
