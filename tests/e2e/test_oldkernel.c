/* Old kernels, with forklock, run what a user would run (issue 15 item 5): Debian's CPython
 * (/usr/bin/python3 3.11 and libpython3.11-testsuite, not a python3 found on PATH) runs
 * test_selectors and test_posix under the seccomp emulation of Linux 2.6.18. Without forklock
 * (--mode=off) test_selectors fails on epoll_create1 (ENOSYS; CPython has no fallback) and
 * test_posix on os.pipe2; with forklock, in either scope, no test of either module fails. Each
 * run takes about 15 s. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fltest.h"

#define TESTSUITE_FILE "/usr/lib/python3.11/test/test_selectors.py"

static struct fl_run run;

struct failures {
        int selectors, posix, pipe2;
};

/* forklock run --kernel=2.6.18 OPTION -- python3 -m test -v ..., only the verdict lines kept. */
static void run_cpython(const char *option, struct failures *f)
{
        char script[8192];
        char *dir = fl_scratch_dir("oldkernel");
        const char *argv[] = {"/bin/sh", "-c", script, NULL};

        cr_assert_not_null(dir);
        snprintf(script, sizeof(script),
                 "cd %s && %s --libdir=%s --quiet --log=%s/ring --kernel=2.6.18 %s --"
                 " /usr/bin/python3 -m test -v test_selectors test_posix 2>&1"
                 " | grep -E '^(ERROR|FAIL): |^Tests result'",
                 dir, fl_build_path("forklock-run"), fl_build_path(""), dir, option);
        fl_run_program(&run, argv, NULL, false, NULL, 240);
        fl_remove_dir(dir);
        cr_assert_neq(run.status, -1, "%s: timed out", option);
        cr_assert(strstr(run.out, "Tests result"), "%s: no result:\n%s\n%s", option, run.out,
                  run.err);
        f->selectors = fl_count_lines(run.out, "(test.test_selectors.");
        f->posix = fl_count_lines(run.out, "(test.test_posix.");
        f->pipe2 = fl_count_lines(run.out, "test_pipe2 ");
        fprintf(stderr, "--kernel=2.6.18 %s: test_selectors %d failures, test_posix %d\n", option,
                f->selectors, f->posix);
}

/* Under a sanitizer runtime python's own posix_spawn tests fail with or without forklock (its
 * runtime in every child), so the counts only mean something in the plain build. */
static void need_debian_cpython(void)
{
        FL_SKIP_UNDER("asan", "the ASan runtime preloaded into python fails test_posix's "
                              "posix_spawn tests with or without forklock");
        FL_SKIP_UNDER("tsan", "the TSan runtime preloaded into python fails test_posix's "
                              "posix_spawn tests with or without forklock");
        cr_assert(access("/usr/bin/python3", X_OK) == 0 && access(TESTSUITE_FILE, R_OK) == 0,
                  "Debian's python3 and libpython3.11-testsuite are needed");
}

Test(oldkernel, cpython_fails_under_2_6_18_without_forklock, .timeout = 300)
{
        struct failures f;

        need_debian_cpython();
        run_cpython("--mode=off", &f);
        cr_expect_gt(f.selectors, 0, "the emulation bites epoll_create1:\n%s", run.out);
        cr_expect_eq(f.pipe2, 1, "and pipe2:\n%s", run.out);
}

Test(oldkernel, cpython_selectors_and_posix_pass_under_2_6_18_with_forklock, .timeout = 300)
{
        struct failures f;

        need_debian_cpython();
        run_cpython("--scope=sockets", &f);
        cr_expect_eq(f.selectors, 0, "test_selectors:\n%s", run.out);
        cr_expect_eq(f.posix, 0, "test_posix:\n%s", run.out);
}

Test(oldkernel, cpython_passes_under_2_6_18_with_scope_all, .timeout = 300)
{
        struct failures f;

        need_debian_cpython();
        run_cpython("--scope=all", &f);
        cr_expect_eq(f.selectors, 0, "test_selectors:\n%s", run.out);
        cr_expect_eq(f.posix, 0, "test_posix:\n%s", run.out);
}
