/* scripts/demo tells its story in under 30 s: without forklock the CGI child inherits a socket,
 * under forklock run it inherits none, then the ring dump; plain output off a terminal; no
 * temporary directory or server left behind. */
#include <criterion/criterion.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fltest.h"

static struct fl_run demo;
static double seconds;

static size_t count_demo_dirs(void)
{
        glob_t g;
        size_t n = 0;

        if (glob("/tmp/forklock-demo.*", 0, NULL, &g) == 0)
                n = g.gl_pathc;
        globfree(&g);
        return n;
}

static void run_demo(void)
{
        char path[4096];
        struct timespec t0, t1;
        const char *src = getenv("FL_SRC");
        const char *env[] = {"NO_COLOR=", NULL};
        size_t before;

        cr_assert(src, "FL_SRC must name the source tree");
        if (getenv("FL_SAN") && *getenv("FL_SAN"))
                cr_skip_test("the demo runs the plain build");
        if (access("/usr/sbin/mini_httpd", X_OK) != 0 || access("/usr/bin/curl", X_OK) != 0)
                cr_skip_test("mini-httpd or curl is not installed (scripts/install-deps)");
        snprintf(path, sizeof(path), "%s/scripts/demo", src);
        before = count_demo_dirs();
        const char *argv[] = {path, NULL};
        clock_gettime(CLOCK_MONOTONIC, &t0);
        fl_run_program(&demo, argv, env, false, NULL, 60);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        cr_assert_eq(demo.status, 0, "demo exited %d:\n%s\n%s", demo.status, demo.out, demo.err);
        cr_expect_eq(count_demo_dirs(), before, "the demo left its temporary directory");
}

/* The text of step n (from "n. " up to the next step), in a static buffer. */
static const char *step(int n)
{
        static char text[sizeof(demo.out)];
        char start[8], next[8];
        const char *from, *to;

        snprintf(start, sizeof(start), "%d. ", n);
        snprintf(next, sizeof(next), "\n%d. ", n + 1);
        from = strstr(demo.out, start);
        cr_assert(from, "no step %d in:\n%s", n, demo.out);
        to = strstr(from, next);
        if (!to)
                to = from + strlen(from);
        memcpy(text, from, (size_t)(to - from));
        text[to - from] = '\0';
        return text;
}

static void finishes_in_under_30_seconds(void)
{
        cr_expect_lt(seconds, 30.0, "the demo took %.1f s", seconds);
}

static void without_forklock_the_cgi_inherits_a_socket(void)
{
        const char *text = step(1);

        cr_expect(strstr(text, "socket:["), "no inherited socket shown:\n%s", text);
        cr_expect(!strstr(text, "inherited 0 sockets"), "step 1 shows no leak:\n%s", text);
        if (access(fl_build_path("forklock-audit"), X_OK) == 0)
                cr_expect(strstr(text, "forklock audit's report"), "no audit report:\n%s", text);
}

static void under_forklock_the_cgi_inherits_nothing(void)
{
        const char *text = step(2);

        cr_expect(strstr(text, "inherited 0 sockets"), "step 2:\n%s", text);
        cr_expect(!strstr(text, "socket:["), "a socket still crossed exec:\n%s", text);
}

static void the_ring_dump_follows(void)
{
        const char *text = step(3);

        cr_expect(strstr(text, "DECISION"), "no dump table:\n%s", text);
        cr_expect(strstr(text, "accept") && strstr(text, "atomic"), "no atomic accept:\n%s", text);
        cr_expect(strstr(text, "exec"), "no exec record:\n%s", text);
}

static void no_colour_off_a_terminal(void)
{
        cr_expect(!strchr(demo.out, '\033'), "escape sequences on a pipe:\n%s", demo.out);
}

/* One run of the demo (each Criterion test is a process of its own), every part of its story. */
Test(demo, tells_its_story, .timeout = 90)
{
        run_demo();
        finishes_in_under_30_seconds();
        without_forklock_the_cgi_inherits_a_socket();
        under_forklock_the_cgi_inherits_nothing();
        the_ring_dump_follows();
        no_colour_off_a_terminal();
}
