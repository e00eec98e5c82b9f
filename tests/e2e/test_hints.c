/* forklock audit says what would fix each leak: a socket made through libc is closed by the
 * default scope; a pipe, a file, or a socket no wrapper saw (a raw syscall) only by --scope=all;
 * the summary recommends the smallest scope that closes every leak found. In text, JSON and the
 * tree view. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fltest.h"

static struct fl_run run;

static const char *sanrt(void)
{
        const char *rt = getenv("FL_SANRT");

        return rt && rt[0] ? rt : NULL;
}

/* forklock audit [opts] -- FIXTURE METHOD, the report on stdout. */
static void audit(const char *opt, const char *fixture)
{
        const char *argv[12];
        int n = 0;

        argv[n++] = fl_build_path("forklock-audit");
        argv[n++] = "--quiet";
        argv[n++] = "-o";
        argv[n++] = "/dev/stdout";
        if (opt)
                argv[n++] = opt;
        argv[n++] = "--";
        argv[n++] = fl_build_path(fixture);
        argv[n++] = "fork-exec";
        argv[n] = NULL;
        fl_run_program(&run, argv, NULL, false, sanrt(), 60);
        cr_assert_eq(run.status, 3, "audit exits 3 on a leak; got %d\n%s%s", run.status, run.out,
                     run.err);
}

/* The first line of the report that contains every one of the needles, or "" */
static const char *line_with(const char *a, const char *b, char *line, size_t size)
{
        for (const char *p = run.out; *p;) {
                const char *end = strchr(p, '\n');
                size_t n = end ? (size_t)(end - p) : strlen(p);

                snprintf(line, size, "%.*s", (int)n, p);
                if (strstr(line, a) && (!b || strstr(line, b)))
                        return line;
                p += n + (end != NULL);
        }
        line[0] = '\0';
        return line;
}

static unsigned long leak_count(void)
{
        const char *s = strstr(run.out, "forklock audit: ");
        unsigned long n = 0;

        for (; s; s = strstr(s + 1, "forklock audit: "))
                if (sscanf(s, "forklock audit: %lu leak", &n) == 1)
                        return n;
        cr_assert_fail("no leak count in\n%s", run.out);
        return 0;
}

Test(hints, socket_leak_default_scope_closes_it)
{
        char line[2048];

        audit(NULL, "fixtures/legacy_all");
        line_with("(TCP ", "created by socket()", line, sizeof(line));
        cr_assert(strstr(line, "; the default scope closes this"), "socket leak: '%s'\n%s", line,
                  run.out);
        line_with("created by socketpair()", NULL, line, sizeof(line));
        cr_assert(strstr(line, "; the default scope closes this"), "socketpair leak: '%s'", line);
}

Test(hints, pipe_and_file_leaks_need_scope_all)
{
        char line[2048];

        audit(NULL, "fixtures/legacy_all");
        line_with("leak: fd ", "(pipe ", line, sizeof(line));
        cr_assert(strstr(line, "; --scope=all closes this"), "pipe leak: '%s'\n%s", line, run.out);
        line_with("leak: fd ", "(file ", line, sizeof(line));
        cr_assert(strstr(line, "; --scope=all closes this"), "file leak: '%s'", line);
        line_with("leak: fd ", "(eventfd ", line, sizeof(line));
        cr_assert(strstr(line, "; --scope=all closes this"), "eventfd leak: '%s'", line);
}

/* The raw syscall(SYS_socket) has no creator under forklock: only the exec-time net closes it. */
Test(hints, socket_with_no_creator_needs_scope_all)
{
        char line[2048], want[32];
        int raw = -1;
        const char *p;

        audit(NULL, "fixtures/legacy_all");
        p = strstr(run.out, "raw=");
        cr_assert(p && sscanf(p, "raw=%d", &raw) == 1, "no raw= in\n%s", run.out);
        snprintf(want, sizeof(want), "leak: fd %d (", raw);
        line_with(want, NULL, line, sizeof(line));
        cr_assert(strstr(line, "origin unknown") && strstr(line, "; --scope=all closes this"),
                  "raw socket leak: '%s'\n%s", line, run.out);
}

Test(hints, summary_recommends_scope_all_for_mixed_leaks)
{
        char want[96];

        audit(NULL, "fixtures/legacy_all");
        snprintf(want, sizeof(want), "forklock audit: run with --scope=all to close all %lu leaks",
                 leak_count());
        cr_assert(strstr(run.out, want), "want '%s' in\n%s", want, run.out);
        cr_assert_null(strstr(run.out, "the default scope closes every leak found"));
}

Test(hints, summary_says_default_scope_is_enough_for_socket_leaks)
{
        audit(NULL, "fixtures/legacy");
        cr_assert(strstr(run.out, "forklock audit: the default scope closes every leak found"),
                  "%s", run.out);
        cr_assert_null(strstr(run.out, "--scope=all"), "%s", run.out);
}

Test(hints, current_scope_all_is_named)
{
        char line[2048];

        audit("--scope=all", "fixtures/legacy_all");
        line_with("leak: fd ", "(pipe ", line, sizeof(line));
        cr_assert(strstr(line, "; the current scope (all) closes this"), "'%s'\n%s", line, run.out);
        cr_assert(strstr(run.out, "forklock audit: the current scope (all) closes every leak "
                                  "found"),
                  "%s", run.out);
}

Test(hints, json_fixed_by)
{
        char line[4096];

        audit("--json", "fixtures/legacy_all");
        line_with("\"kind\":\"TCP\"", "\"intent\":\"leak\"", line, sizeof(line));
        cr_assert(strstr(line, "\"origin\":{") && strstr(line, "\"fixed_by\":\"sockets\""),
                  "'%s'\n%s", line, run.out);
        line_with("\"kind\":\"pipe\"", "\"intent\":\"leak\"", line, sizeof(line));
        cr_assert(strstr(line, "\"fixed_by\":\"all\""), "'%s'", line);
        line_with("\"summary\":true", NULL, line, sizeof(line));
        cr_assert(strstr(line, "\"recommended_scope\":\"all\""), "'%s'", line);
}

Test(hints, json_passed_fd_has_no_fix)
{
        char line[4096];

        audit("--json", "fixtures/legacy_all");
        line_with("\"intent\":\"passed\"", NULL, line, sizeof(line));
        cr_assert(strstr(line, "\"fixed_by\":null"), "'%s'\n%s", line, run.out);
}

Test(hints, tree_marks_each_leak)
{
        char line[2048];

        audit("--tree", "fixtures/legacy_all");
        line_with(": LEAK", "from socket()", line, sizeof(line));
        cr_assert(strstr(line, "; the default scope closes this"), "'%s'\n%s", line, run.out);
        line_with(": LEAK", " pipe ", line, sizeof(line));
        cr_assert(strstr(line, "; --scope=all closes this"), "'%s'\n%s", line, run.out);
        cr_assert(strstr(run.out, "forklock audit: run with --scope=all to close all"), "%s",
                  run.out);
}
