/* The one option parser of the forklock tools: long options as --name=VALUE or --name VALUE,
 * flags as --name, -h/--help, options end at "--" or the first word that is not one. Each tool
 * gives a table; errors name the option and point at the command's --help. */
#ifndef FL_CLI_H
#define FL_CLI_H

#include <stdbool.h>
#include <stdio.h>

struct cli_option {
        const char *name;  /* "--json", or "-o" for a short one */
        const char *alias; /* another spelling ("--output"), or NULL */
        bool takes_value;
        int id;
};

struct cli {
        const char *tool; /* "forklock audit": the prefix of every message */
        const struct cli_option *options;
        void (*usage)(FILE *out);
};

/* Calls take(id, value, data) for each option of argv[1..] (value NULL for a flag); a non-zero
 * return stops with that status. Prints the usage and exits 0 on -h/--help. Returns 0 and sets
 * *rest to the first word after the options, or 2 after saying what is wrong. */
int cli_parse(const struct cli *c, int argc, char **argv, int *rest,
              int (*take)(int id, const char *value, void *data), void *data);

/* "TOOL: WHAT\n" on stderr; returns 2 (the status of a usage error). */
int cli_fail(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A whole decimal number in [min, max], or -1 after cli_fail naming the option. */
int cli_number(const struct cli *c, const char *option, const char *text, long min, long max,
               long *out);

#endif
