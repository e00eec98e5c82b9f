/* Docs and code cannot drift: every option `forklock CMD --help` lists is described in CMD's
 * section of forklock(1), and every option that section describes is in --help. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fltest.h"

struct name {
        char text[16];
};

/* Adds each distinct "--word" of text (man's "\-\-" and "\-" spelled plainly) to set. */
static void collect_options(const char *text, char set[][32], int *n, int cap)
{
        for (const char *p = text; (p = strstr(p, "--")); p += 2) {
                char opt[32];
                int len = 0, i;

                if (!islower((unsigned char)p[2]))
                        continue;
                while (len < 31 && (islower((unsigned char)p[len]) || p[len] == '-'))
                        opt[len] = p[len], len++;
                opt[len] = '\0';
                for (i = 0; i < *n && strcmp(set[i], opt); i++)
                        ;
                if (i == *n && *n < cap)
                        strcpy(set[(*n)++], opt);
        }
}

/* The text of man/forklock.1's section for cmd, with "\-" turned into "-". */
static void man_section(const char *cmd, char *out, size_t size)
{
        char path[4096], head[64], line[1024];
        FILE *f;
        bool in = false;
        size_t used = 0;

        snprintf(path, sizeof(path), "%s/man/forklock.1", getenv("FL_SRC"));
        snprintf(head, sizeof(head), ".SS \"forklock %s", cmd);
        cr_assert((f = fopen(path, "r")), "%s", path);
        while (fgets(line, sizeof(line), f)) {
                if (strncmp(line, ".SS ", 4) == 0 || strncmp(line, ".SH ", 4) == 0)
                        in = strncmp(line, head, strlen(head)) == 0;
                if (!in)
                        continue;
                for (char *p = line; *p && used + 1 < size; p++)
                        if (!(p[0] == '\\' && p[1] == '-'))
                                out[used++] = *p;
        }
        out[used] = '\0';
        fclose(f);
}

ParameterizedTestParameters(gate_docs, help_matches_man)
{
        static struct name cmds[] = {{"run"}, {"audit"}, {"dump"}, {"kernels"}};

        return cr_make_param_array(struct name, cmds, 4);
}

ParameterizedTest(struct name *cmd, gate_docs, help_matches_man)
{
        static char man[65536];
        char help[64][32], doc[64][32], script[4200];
        int nhelp = 0, ndoc = 0;
        struct fl_run run;
        const char *argv[] = {script, cmd->text, "--help", NULL};

        snprintf(script, sizeof(script), "%s/scripts/forklock", getenv("FL_SRC"));
        fl_run_program(&run, argv, NULL, false, NULL, 30);
        cr_assert_eq(run.status, 0, "%s --help: %d %s", cmd->text, run.status, run.err);
        collect_options(run.out, help, &nhelp, 64);
        man_section(cmd->text, man, sizeof(man));
        cr_assert(man[0], "no section for %s in forklock(1)", cmd->text);
        collect_options(man, doc, &ndoc, 64);
        for (int i = 0; i < nhelp; i++) {
                bool found = false;

                for (int j = 0; j < ndoc; j++)
                        found |= strcmp(help[i], doc[j]) == 0;
                cr_expect(found, "forklock %s --help lists %s; forklock(1) does not", cmd->text,
                          help[i]);
        }
        for (int j = 0; j < ndoc; j++) {
                bool found = false;

                for (int i = 0; i < nhelp; i++)
                        found |= strcmp(help[i], doc[j]) == 0;
                cr_expect(found, "forklock(1) describes %s for %s; --help does not", doc[j],
                          cmd->text);
        }
}
