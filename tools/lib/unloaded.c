/* The parent's ARGV record keeps argv, not the path exec was given: argv[0] stands in for it, as
 * execvp would resolve it. One remembered answer: an image's fd records come one after another. */
#include "unloaded.h"

#include <limits.h>
#include <string.h>

#include "target.h"

static const char *short_reason(const char *phrase)
{
        if (!phrase)
                return NULL;
        if (strstr(phrase, "static"))
                return "static";
        if (strstr(phrase, "capabilit"))
                return "capabilities";
        return phrase; /* "setuid", "setgid" */
}

const char *unloaded_why(const char *argv, size_t max)
{
        static char last[PATH_MAX];
        static const char *last_why;
        char program[PATH_MAX], path[PATH_MAX];
        size_t n = 0;

        while (argv && n < max && n < sizeof(program) && argv[n] && argv[n] != ' ')
                n++;
        if (n == 0 || n >= sizeof(program))
                return NULL;
        memcpy(program, argv, n);
        program[n] = '\0';
        if (strcmp(program, last) != 0) {
                last_why = short_reason(fl_target_unloadable(program, path, sizeof(path)));
                memcpy(last, program, n + 1);
        }
        return last_why;
}
