/* reco_config — flags and environment variables from one table (see reco_config.h).
 *
 * No getopt_long: the table already knows every flag, and we want `--name value` and
 * `--name=value` both, checked ranges, and a --help generated from the same table. */
#include "reco_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int reco_parse_long(const char *text, long min, long max, long *out)
{
    if (!text || !*text)
        return -1;
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || !end || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int reco_config_split_hostport(const char *text, char *host, size_t hostlen, int *port)
{
    const char *colon = text ? strrchr(text, ':') : NULL;
    long p;
    if (!colon || colon == text || (size_t)(colon - text) >= hostlen)
        return -1;
    if (reco_parse_long(colon + 1, 1, 65535, &p) != 0)
        return -1;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    *port = (int)p;
    return 0;
}

static int parse_flag_text(const char *text, int *out)
{
    if (!strcasecmp(text, "1") || !strcasecmp(text, "true") || !strcasecmp(text, "yes")) {
        *out = 1;
        return 0;
    }
    if (!strcasecmp(text, "0") || !strcasecmp(text, "false") || !strcasecmp(text, "no")) {
        *out = 0;
        return 0;
    }
    return -1;
}

static int assign(const reco_option_t *o, const char *value, const char *source)
{
    switch (o->type) {
    case RECO_OPT_STRING:
        *(const char **)o->target = value;
        return 0;
    case RECO_OPT_INT:
        if (reco_parse_long(value, o->min, o->max, (long *)o->target) == 0)
            return 0;
        fprintf(stderr, "%s: %s must be a whole number from %ld to %ld, got '%s'\n", source,
                o->name, o->min, o->max, value);
        return -1;
    case RECO_OPT_FLAG:
        if (parse_flag_text(value, (int *)o->target) == 0)
            return 0;
        fprintf(stderr, "%s: %s must be true or false, got '%s'\n", source, o->name, value);
        return -1;
    }
    return -1;
}

static void print_usage(const reco_option_t *opts, size_t n, const char *usage, const char *about)
{
    printf("usage: %s\n\n%s\n\noptions (flag, environment variable, default):\n", usage, about);
    for (size_t i = 0; i < n; i++) {
        const reco_option_t *o = &opts[i];
        char def[64] = "";
        if (o->type == RECO_OPT_STRING)
            snprintf(def, sizeof def, "%s", *(const char **)o->target ? *(const char **)o->target : "");
        else if (o->type == RECO_OPT_INT)
            snprintf(def, sizeof def, "%ld", *(long *)o->target);
        else
            snprintf(def, sizeof def, "%s", *(int *)o->target ? "on" : "off");
        printf("  --%-22s %-26s [%s]\n      %s\n", o->name, o->env ? o->env : "", def, o->help);
    }
    printf("  --%-22s %-26s\n      %s\n", "help", "", "print this help and exit");
}

static const reco_option_t *find(const reco_option_t *opts, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return &opts[i];
    return NULL;
}

reco_config_result_t reco_config_parse(int argc, char **argv, const reco_option_t *opts, size_t n,
                                       const char *usage, const char *about)
{
    for (size_t i = 0; i < n; i++) {
        const char *v = opts[i].env ? getenv(opts[i].env) : NULL;
        if (v && *v && assign(&opts[i], v, opts[i].env) != 0)
            return RECO_CONFIG_ERROR;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            print_usage(opts, n, usage, about);
            return RECO_CONFIG_HELP;
        }
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "unexpected argument '%s' (see --help)\n", arg);
            return RECO_CONFIG_ERROR;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const reco_option_t *o = find(opts, n, name, len);
        if (!o) {
            fprintf(stderr, "unknown option '%s' (see --help)\n", arg);
            return RECO_CONFIG_ERROR;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value && o->type == RECO_OPT_FLAG)
            value = "1";
        if (!value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "option --%s needs a value (see --help)\n", o->name);
                return RECO_CONFIG_ERROR;
            }
            value = argv[++i];
        }
        if (assign(o, value, "flag") != 0)
            return RECO_CONFIG_ERROR;
    }
    return RECO_CONFIG_OK;
}
