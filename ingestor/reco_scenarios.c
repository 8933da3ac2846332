/* reco_scenarios — scenarios.put / scenarios.delete (see the header).
 *
 * The scenario is checked again here with the gateway's function (a worker never trusts its
 * input), then written as compact JSON with sorted keys, so the same scenario is always the same
 * bytes. MULTI/EXEC keeps the STRING and the listing SET in step. */
#include "reco_scenarios.h"

#include <stdlib.h>
#include <string.h>

#include "reco_keys.h"
#include "reco_scenario.h"

/* The id argument, or NULL after answering 400. */
static const char *scenario_id(const json_t *args, reco_reply_t *rep)
{
    json_t *id = json_object_get(args, "id");
    if (!reco_valid_scenario_id(json_string_value(id))) {
        reco_reply_fail(rep, 400, id ? "invalid_field" : "missing_field",
                        "id: a scenario id is 1 to %d characters of A-Z, a-z, 0-9, _ and - (not "
                        "'bulk')", RECO_SCENARIO_ID_MAX);
        return NULL;
    }
    return json_string_value(id);
}

/* Reads the EXEC reply: the integer result of command `at` in the transaction, or -1. */
static long long exec_integer(reco_pipeline_t *p, size_t queued, size_t at)
{
    long long value = -1;
    for (size_t i = 0; i < queued + 1; i++) { /* MULTI and every QUEUED */
        redisReply *r = reco_pipeline_next(p);
        reco_pipeline_note_error(p, r);
        if (r) freeReplyObject(r);
    }
    redisReply *exec = reco_pipeline_next(p);
    if (exec && exec->type == REDIS_REPLY_ARRAY && exec->elements == queued &&
        exec->element[at]->type == REDIS_REPLY_INTEGER)
        value = exec->element[at]->integer;
    else if (exec) {
        reco_pipeline_note_error(p, exec);
        reco_pipeline_fail(p, "EXEC: unexpected reply");
    }
    if (exec) freeReplyObject(exec);
    return value;
}

void reco_op_scenarios_put(reco_ingest_t *ing, const char *tenant, const json_t *args,
                           reco_reply_t *rep)
{
    const char *id = scenario_id(args, rep);
    if (!id) return;
    reco_error_t err;
    json_t *scenario = reco_scenario_normalize(json_object_get(args, "scenario"), &err);
    char key[RECO_KEY_MAX], set[RECO_KEY_MAX];
    char *text = scenario ? json_dumps(scenario, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (!scenario || !text) {
        if (scenario) reco_reply_fail(rep, 500, "internal", "out of memory");
        else reco_reply_fail(rep, err.status, err.code, "scenario.%s", err.message);
        json_decref(scenario);
        return;
    }
    if (reco_key_scenario(key, sizeof key, tenant, id) < 0 ||
        reco_key_scenarios(set, sizeof set, tenant) < 0) {
        reco_reply_fail(rep, 500, "internal", "key too long");
    } else {
        reco_pipeline_t p = {.store = ing->store};
        const char *multi[] = {"MULTI"}, *setc[] = {"SET", key, text}, *sadd[] = {"SADD", set, id},
                   *reg[] = {"SADD", RECO_KEY_TENANTS, tenant}, *exec[] = {"EXEC"};
        reco_pipeline_sendz(&p, 1, multi);
        reco_pipeline_sendz(&p, 3, setc);
        reco_pipeline_sendz(&p, 3, sadd);
        reco_pipeline_sendz(&p, 3, reg);
        reco_pipeline_sendz(&p, 1, exec);
        long long added = exec_integer(&p, 3, 1);
        if (reco_pipeline_finish(&p, rep) == 0 && json_object_set_new(scenario, "id", json_string(id)) == 0)
            reco_reply_ok(rep, added == 1 ? 201 : 200, json_incref(scenario));
    }
    free(text);
    json_decref(scenario);
}

void reco_op_scenarios_delete(reco_ingest_t *ing, const char *tenant, const json_t *args,
                              reco_reply_t *rep)
{
    const char *id = scenario_id(args, rep);
    char key[RECO_KEY_MAX], set[RECO_KEY_MAX];
    if (!id) return;
    if (reco_key_scenario(key, sizeof key, tenant, id) < 0 ||
        reco_key_scenarios(set, sizeof set, tenant) < 0) {
        reco_reply_fail(rep, 500, "internal", "key too long");
        return;
    }
    reco_pipeline_t p = {.store = ing->store};
    const char *multi[] = {"MULTI"}, *del[] = {"DEL", key}, *srem[] = {"SREM", set, id},
               *exec[] = {"EXEC"};
    reco_pipeline_sendz(&p, 1, multi);
    reco_pipeline_sendz(&p, 2, del);
    reco_pipeline_sendz(&p, 3, srem);
    reco_pipeline_sendz(&p, 1, exec);
    long long deleted = exec_integer(&p, 2, 0);
    if (reco_pipeline_finish(&p, rep) != 0) return;
    if (deleted <= 0)
        reco_reply_fail(rep, 404, "not_found", "scenario '%s' does not exist", id);
    else
        reco_reply_ok(rep, 200, json_pack("{s:s, s:b}", "id", id, "deleted", 1));
}
