/* Old kernels run what a user would run (issue 15 item 5). glibc's popen asks for
 * pipe2(O_CLOEXEC), which a 2.6.18 kernel lacks: under forklock popen then runs over forklock's
 * own pipe and posix_spawn, and pclose reaps it. The popen_cases fixture (a reader, a writer, two
 * at once, exit 3, a signal, fileno, 'e', a bad mode, a fork child's pclose) must print exactly
 * what it prints bare on a current kernel: under LD_PRELOAD (glibc's popen), under
 * FORKLOCK_SIMULATE=einval (forklock's popen), and under the real seccomp emulation of 2.6.18
 * (`forklock run --kernel=2.6.18`), where bare it cannot popen at all. The oldflags fixture:
 * pipe2, epoll_create1 and inotify_init1 with their flags work under 2.6.18 in every scope; eventfd
 * and memfd_create, which that kernel did not have, still fail. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fltest.h"

static struct fl_run bare, run;

static void run_bare(const char *fixture)
{
        const char *argv[] = {fl_build_path(fixture), NULL};

        fl_run_program(&bare, argv, NULL, false, NULL, 30);
        cr_assert_eq(bare.status, 0, "bare %s: status %d\n%s%s", fixture, bare.status, bare.out,
                     bare.err);
}

static void run_preloaded(const char *fixture, const char *const env[])
{
        const char *argv[] = {fl_build_path(fixture), NULL};

        fl_run_program(&run, argv, env, true, NULL, 30);
}

/* forklock run --kernel=2.6.18 [OPTION] -- fixture, the ring in a scratch directory. */
static void run_old_kernel(const char *fixture, const char *option)
{
        char libdir[4200], log[256];
        char *dir = fl_scratch_dir("popen");
        const char *argv[] = {fl_build_path("forklock-run"),
                              libdir,
                              "--quiet",
                              log,
                              "--kernel=2.6.18",
                              option ? option : "--scope=sockets",
                              "--",
                              fl_build_path(fixture),
                              NULL};

        cr_assert_not_null(dir);
        snprintf(libdir, sizeof(libdir), "--libdir=%s", fl_build_path(""));
        snprintf(log, sizeof(log), "--log=%s/ring", dir);
        fl_run_program(&run, argv, NULL, false, fl_sanitizer_runtime(), 30);
        fl_remove_dir(dir);
}

static void expect_same_as_bare(const char *how)
{
        cr_expect_eq(run.status, 0, "%s: status %d\n%s%s", how, run.status, run.out, run.err);
        cr_expect_str_eq(run.out, bare.out, "%s printed:\n%s\nbare printed:\n%s", how, run.out,
                         bare.out);
}

TestSuite(popen, .timeout = 120);

Test(popen, glibcs_popen_under_preload_prints_what_bare_prints)
{
        const char *all[] = {"FORKLOCK_SCOPE=all", NULL};

        run_bare("fixtures/popen_cases");
        run_preloaded("fixtures/popen_cases", NULL);
        expect_same_as_bare("LD_PRELOAD");
        run_preloaded("fixtures/popen_cases", all);
        expect_same_as_bare("LD_PRELOAD scope all");
}

Test(popen, forklocks_popen_under_simulated_einval_prints_what_bare_prints)
{
        const char *sockets[] = {"FORKLOCK_SIMULATE=einval", NULL};
        const char *all[] = {"FORKLOCK_SIMULATE=einval", "FORKLOCK_SCOPE=all", NULL};

        run_bare("fixtures/popen_cases");
        run_preloaded("fixtures/popen_cases", sockets);
        expect_same_as_bare("FORKLOCK_SIMULATE=einval");
        run_preloaded("fixtures/popen_cases", all);
        expect_same_as_bare("FORKLOCK_SIMULATE=einval scope all");
}

Test(popen, the_emulated_kernel_refuses_popen_without_forklock)
{
        run_old_kernel("fixtures/popen_cases", "--mode=off");
        cr_expect_eq(run.status, 1, "status %d\n%s%s", run.status, run.out, run.err);
        cr_expect(strstr(run.out, strerror(ENOSYS)), "glibc's popen refused (ENOSYS): %s", run.out);
}

Test(popen, popen_under_2_6_18_with_forklock_prints_what_bare_prints)
{
        run_bare("fixtures/popen_cases");
        run_old_kernel("fixtures/popen_cases", NULL);
        expect_same_as_bare("--kernel=2.6.18");
        run_old_kernel("fixtures/popen_cases", "--scope=all");
        expect_same_as_bare("--kernel=2.6.18 --scope=all");
}

/* The line of call in text, without the newline. */
static const char *line_of(const char *text, const char *call, char *buf, size_t size)
{
        const char *at = strstr(text, call);
        size_t len;

        cr_assert_not_null(at, "no line for %s in:\n%s", call, text);
        len = strcspn(at, "\n");
        snprintf(buf, size, "%.*s", (int)len, at);
        return buf;
}

static const char *const fallbacks[] = {
    "pipe2(O_CLOEXEC|O_NONBLOCK)",  "pipe2(O_CLOEXEC)",
    "epoll_create1(EPOLL_CLOEXEC)", "inotify_init1(IN_CLOEXEC|IN_NONBLOCK)",
    "inotify_init1(IN_NONBLOCK)",
};

static void expect_calls_missing_there_still_fail(void)
{
        char line[128];

        cr_expect_str_eq(line_of(run.out, "eventfd(", line, sizeof(line)),
                         "eventfd(0, EFD_CLOEXEC): ENOSYS");
        cr_expect_str_eq(line_of(run.out, "memfd_create(", line, sizeof(line)),
                         "memfd_create(MFD_CLOEXEC): ENOSYS");
}

Test(oldflags, the_default_scope_gives_what_a_current_kernel_gives)
{
        char want[128], got[128];

        run_bare("fixtures/oldflags");
        run_old_kernel("fixtures/oldflags", NULL);
        cr_assert_eq(run.status, 0, "status %d\n%s%s", run.status, run.out, run.err);
        for (size_t i = 0; i < sizeof(fallbacks) / sizeof(fallbacks[0]); i++)
                cr_expect_str_eq(line_of(run.out, fallbacks[i], got, sizeof(got)),
                                 line_of(bare.out, fallbacks[i], want, sizeof(want)));
        expect_calls_missing_there_still_fail();
}

Test(oldflags, scope_all_falls_back_too_and_adds_close_on_exec)
{
        char got[128], want[160];

        run_bare("fixtures/oldflags");
        run_old_kernel("fixtures/oldflags", "--scope=all");
        cr_assert_eq(run.status, 0, "status %d\n%s%s", run.status, run.out, run.err);
        for (size_t i = 0; i < sizeof(fallbacks) / sizeof(fallbacks[0]); i++) {
                const char *nonblock =
                    strstr(line_of(bare.out, fallbacks[i], got, sizeof(got)), "nonblock=1");

                snprintf(want, sizeof(want), "%s: ok cloexec=1 nonblock=%d", fallbacks[i],
                         nonblock != NULL);
                cr_expect_str_eq(line_of(run.out, fallbacks[i], got, sizeof(got)), want);
        }
        expect_calls_missing_there_still_fail();
}
