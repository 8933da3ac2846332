/* reco_model_names — the one list of model names (see reco_model_names.h). */
#include "reco_model_names.h"

#include <string.h>

const char *const reco_model_names[RECO_MODEL_COUNT] = {
    "popular",     "popular-1d",  "popular-7d",  "popular-30d",       "popular-365d", "trending", "item-to-item",
    "also-viewed", "also-bought", "bought-with", "similar-customers", "for-user",     "content",
};

const char reco_model_list_text[] = "popular, popular-1d, popular-7d, popular-30d, popular-365d, trending, "
                                    "item-to-item, also-viewed, also-bought, bought-with, similar-customers, "
                                    "for-user, content";

bool reco_model_known(const char *name)
{
    for (int i = 0; name && i < RECO_MODEL_COUNT; i++)
        if (strcmp(name, reco_model_names[i]) == 0)
            return true;
    return false;
}
