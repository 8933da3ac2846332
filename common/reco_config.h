/* reco_config — command-line flags and environment variables, declared once per program.
 *
 * Every process describes its settings as a table of reco_option_t. Precedence is
 * built-in default (the value already in *target) < environment variable < command-line flag.
 * `--help` prints the table: flag, variable, default and meaning, so the help can never drift
 * from what the program really reads. String targets are `const char *`; the parsed value points
 * into argv or the environment, both of which live as long as the process. */
#ifndef RECO_CONFIG_H
#define RECO_CONFIG_H

#include <stddef.h>

typedef enum {
    RECO_OPT_STRING, /* target: const char ** */
    RECO_OPT_INT,    /* target: long *, checked against [min, max] */
    RECO_OPT_FLAG    /* target: int *, set to 1 when given; env accepts 1/0/true/false */
} reco_opt_type_t;

typedef struct {
    const char *name; /* long flag without dashes, e.g. "redis" for --redis */
    const char *env;  /* environment variable, e.g. "RECO_REDIS"; NULL for none */
    reco_opt_type_t type;
    void *target;
    long min, max; /* RECO_OPT_INT only */
    const char *help;
} reco_option_t;

typedef enum { RECO_CONFIG_OK = 0, RECO_CONFIG_HELP = 1, RECO_CONFIG_ERROR = -1 } reco_config_result_t;

/* Parses the environment then argv. On RECO_CONFIG_HELP the usage has been printed to stdout
 * (exit 0); on RECO_CONFIG_ERROR a one-line reason has been printed to stderr (exit 2).
 * usage: "reco-gateway [options]"; about: one paragraph describing the program. */
reco_config_result_t reco_config_parse(int argc, char **argv, const reco_option_t *opts, size_t n,
                                       const char *usage, const char *about);

/* Splits "host:port" into host (copied into buf) and port. Returns 0 or -1. */
int reco_config_split_hostport(const char *text, char *host, size_t hostlen, int *port);

/* Parses a whole decimal integer in [min, max]; returns 0 or -1 (no partial parses). */
int reco_parse_long(const char *text, long min, long max, long *out);

#endif
