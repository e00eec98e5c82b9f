/* Fds 0-2 are never made close-on-exec by forklock: real programs' ways of setting up a child's
 * standard streams, run bare and under forklock (enforce, the fallback path, audit), must give the
 * child the same stream. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "fltest.h"

#define SAID "child said: forklock-stdfds\nchild status: 0\n"

struct shape {
        char how[16];
        char env[2][40];
};

ParameterizedTestParameters(stdfds, child_gets_the_stream)
{
        static struct shape shapes[] = {
            {"dup", {"", ""}},
            {"dup", {"FORKLOCK_SIMULATE=einval", ""}},
            {"dup", {"FORKLOCK_MODE=audit", ""}},
            {"dupfd", {"", ""}},
            {"dupfd", {"FORKLOCK_SIMULATE=einval", ""}},
            {"accept", {"", ""}},
            {"accept", {"FORKLOCK_SIMULATE=einval", ""}},
            {"socket", {"", ""}},
            {"socket", {"FORKLOCK_SIMULATE=einval", ""}},
            {"socket", {"FORKLOCK_PROFILE=go", ""}},
            {"recvmsg", {"", ""}},
        };
        return cr_make_param_array(struct shape, shapes, sizeof(shapes) / sizeof(shapes[0]));
}

ParameterizedTest(struct shape *shape, stdfds, child_gets_the_stream, .timeout = 60)
{
        const char *argv[] = {fl_build_path("fixtures/stdfds"), shape->how, NULL};
        const char *env[] = {shape->env[0][0] ? shape->env[0] : NULL, NULL};
        struct fl_run bare, preloaded;

        fl_run_program(&bare, argv, NULL, false, NULL, 20);
        cr_assert_str_eq(bare.out, SAID, "bare %s: %s", shape->how, bare.err);
        fl_run_program(&preloaded, argv, env, true, NULL, 20);
        cr_expect_str_eq(preloaded.out, bare.out, "%s %s: stderr %s", shape->how, shape->env[0],
                         preloaded.err);
        cr_expect_eq(preloaded.status, 0);
}

/* Two real pipelines that broke under the go profile: both set up the child's stdin with close(0);
 * dup(). */
static void same_as_bare(const char *script)
{
        const char *argv[] = {"/bin/sh", "-c", script, NULL};
        /* Under check-asan the runtime is preloaded into gzip and sort too: their own leaks are
         * not forklock's to report. */
        const char *env[] = {"ASAN_OPTIONS=detect_leaks=0", NULL};
        struct fl_run bare, preloaded;

        fl_run_program(&bare, argv, NULL, false, NULL, 30);
        cr_assert_eq(bare.status, 0, "bare: %s", bare.err);
        fl_run_program(&preloaded, argv, env, true, NULL, 30);
        cr_expect_str_eq(preloaded.out, bare.out, "stderr: %s", preloaded.err);
        cr_expect_str_eq(preloaded.err, bare.err);
        cr_expect_eq(preloaded.status, bare.status);
}

Test(stdfds, mawk_prints_to_sort, .timeout = 60)
{
        same_as_bare("echo 'b a' | mawk '{print $1 | \"sort\"; print $2 | \"sort\"}'");
}

Test(stdfds, tar_compresses_through_gzip, .timeout = 60)
{
        same_as_bare(
            "d=$(mktemp -d) && echo hello >\"$d/f\" && tar -C \"$d\" -czf \"$d/x.tgz\" f && "
            "tar -xzOf \"$d/x.tgz\" f; s=$?; rm -rf \"$d\"; exit $s");
}
