#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_fail(const struct cli *c, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "%s: ", c->tool);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return 2;
}

int cli_number(const struct cli *c, const char *option, const char *text, long min, long max,
               long *out)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(text, &end, 10);
        if (errno || end == text || *end || v < min || v > max) {
                cli_fail(c, "%s: '%s' is not a number in %ld..%ld", option, text, min, max);
                return -1;
        }
        *out = v;
        return 0;
}

static const struct cli_option *find(const struct cli *c, const char *arg, size_t len)
{
        for (const struct cli_option *o = c->options; o->name; o++)
                if ((strlen(o->name) == len && strncmp(o->name, arg, len) == 0) ||
                    (o->alias && strlen(o->alias) == len && strncmp(o->alias, arg, len) == 0))
                        return o;
        return NULL;
}

int cli_parse(const struct cli *c, int argc, char **argv, int *rest,
              int (*take)(int id, const char *value, void *data), void *data)
{
        int i;

        for (i = 1; i < argc; i++) {
                const char *a = argv[i], *eq, *value = NULL;
                const struct cli_option *o;
                int status;

                if (strcmp(a, "--") == 0) {
                        i++;
                        break;
                }
                if (a[0] != '-' || a[1] == '\0')
                        break;
                if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                        c->usage(stdout);
                        exit(0);
                }
                eq = a[1] == '-' ? strchr(a, '=') : NULL;
                o = find(c, a, eq ? (size_t)(eq - a) : strlen(a));
                if (!o)
                        return cli_fail(c, "unknown option '%s' (see '%s --help')", a, c->tool);
                if (o->takes_value) {
                        value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
                        if (!value || !value[0])
                                return cli_fail(c, "%s needs a value", o->name);
                } else if (eq) {
                        return cli_fail(c, "%s takes no value", o->name);
                }
                if ((status = take(o->id, value, data)) != 0)
                        return status;
        }
        *rest = i;
        return 0;
}
