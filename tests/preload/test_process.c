/* Process creation behaves as glibc's under forklock: each case of proc_cases runs
 * without and with the library and must print "ok"; a deadlock is a timeout (status -1). Then the
 * two stress runs of the fork lock's principles, a few seconds each, and the daemon()'s pid. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fltest.h"

struct variant {
        const char *name;
        bool preload;
        bool fallback;
};

static const struct variant variants[] = {
    {"glibc alone", false, false},
    {"forklock", true, false},
    {"forklock fallback", true, true},
};

/* Under TSan a fork stops the runtime's world: 300 forks next to busy threads take 4-20 s on a
 * loaded 2-core machine, where the plain build takes well under one. */
static int case_timeout(void)
{
        const char *san = getenv("FL_SAN");

        return san && strcmp(san, "tsan") == 0 ? 60 : 20;
}

static void run_case(const char *name)
{
        const char *argv[] = {fl_build_path("fixtures/proc_cases"), name, NULL};

        for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
                const char *env[] = {variants[i].fallback ? "FORKLOCK_SIMULATE=einval" : NULL,
                                     NULL};
                struct fl_run run;

                fl_run_program(&run, argv, env, variants[i].preload, NULL, case_timeout());
                cr_expect(run.status == 0 && strstr(run.out, "ok\n"),
                          "%s (%s): status %d (-1: deadlock), %s %s", name, variants[i].name,
                          run.status, run.out, run.err);
        }
}

/* Item 2: a prepare handler locks a mutex another thread holds while it spawns. */
Test(process, atfork_prepare_handler_does_not_run_inside_the_lock, .timeout = 90)
{
        run_case("atfork_mutex");
}

/* Item 10: a child handler's mask change survives; a fork or spawn from a prepare handler gives a
 * child with the caller's mask. */
Test(process, atfork_handlers_see_the_callers_mask, .timeout = 90)
{
        run_case("atfork_mask");
}

/* Item 3: a posix_spawn blocked opening a FIFO does not keep out the system() that opens it. */
Test(process, a_blocking_spawn_file_action_does_not_block_system, .timeout = 90)
{
        run_case("fifo_spawn");
}

/* Item 5. */
Test(process, concurrent_system_calls_restore_sigint_and_sigquit, .timeout = 90)
{
        run_case("system_concurrent");
}

Test(process, cancelled_system_kills_and_reaps_the_shell, .timeout = 90)
{
        run_case("system_cancel");
}

Test(process, successful_system_keeps_errno, .timeout = 90)
{
        run_case("system_errno");
        run_case("system_null");
}

/* Item 5, mode off: glibc's own system(), which never calls the exported posix_spawn. */
Test(process, mode_off_system_is_glibcs, .timeout = 60)
{
        const char *argv[] = {fl_build_path("fixtures/proc_cases"), "system_errno", NULL};
        const char *off[] = {"FORKLOCK_MODE=off", NULL};
        struct fl_run run;

        fl_run_program(&run, argv, NULL, true, fl_build_path("fixtures/libspawnmark.so"), 20);
        cr_assert_eq(run.status, 0, "%s %s", run.out, run.err);
        cr_assert(strstr(run.err, "posix_spawn interposed"), "enforce: forklock's system spawns");
        fl_run_program(&run, argv, off, true, fl_build_path("fixtures/libspawnmark.so"), 20);
        cr_assert_eq(run.status, 0, "%s %s", run.out, run.err);
        cr_expect_null(strstr(run.err, "posix_spawn interposed"),
                       "mode off must call glibc's system(): %s", run.err);
}

/* Item 9: fork and clone keep errno while reader threads make the writer wait. */
Test(process, fork_keeps_errno, .timeout = 240)
{
        run_case("errno_kept_fork");
}

Test(process, clone_keeps_errno, .timeout = 120)
{
        FL_SKIP_UNDER("tsan", TSAN_CLONE_WHY);
        run_case("errno_kept_clone");
}

/* Item 8: after daemon() (a fork forklock does not wrap), records carry the daemon's pid and a
 * LISTEN_FDS hand-over with LISTEN_PID = the daemon's pid keeps its fd in enforce mode. */
Test(process, daemon_gets_its_own_pid, .timeout = 60)
{
        char *dir = fl_scratch_dir("proc"), ring[128], log_var[160], pid_opt[32];
        const char *argv[] = {fl_build_path("fixtures/proc_cases"), "daemon_pid", NULL};
        const char *env[] = {log_var, NULL};
        struct fl_run run, dump;
        long daemon_pid;

        cr_assert(dir);
        snprintf(ring, sizeof(ring), "%s/ring", dir);
        snprintf(log_var, sizeof(log_var), "FORKLOCK_LOG=%s", ring);
        fl_run_program(&run, argv, NULL, false, NULL, 20);
        cr_expect_eq(fl_field(run.out, "kept"), 1, "without forklock: %s", run.out);
        fl_run_program(&run, argv, env, true, NULL, 20);
        daemon_pid = fl_field(run.out, "daemon");
        cr_assert_gt(daemon_pid, 0, "%s %s", run.out, run.err);
        cr_expect_eq(fl_field(run.out, "kept"), 1, "LISTEN_PID = the daemon's pid: %s", run.out);
        snprintf(pid_opt, sizeof(pid_opt), "--pid=%ld", daemon_pid);
        const char *dump_argv[] = {fl_build_path("forklock-dump"), "--json", pid_opt, ring, NULL};
        fl_run_program(&dump, dump_argv, NULL, false, NULL, 30);
        cr_expect(strstr(dump.out, "\"call\":\"socket\""),
                  "no socket record carries the daemon's pid %ld: %s", daemon_pid, dump.out);
        cr_expect_eq(fl_remove_dir(dir), 0);
}

/* The principles' stress runs: zero deadlocks (a hang is status -1), zero failures. */
static void stress(const char *mode, bool fallback)
{
        const char *argv[] = {fl_build_path("fixtures/proc_stress"), mode, "3", NULL};
        const char *env[] = {fallback ? "FORKLOCK_SIMULATE=einval" : NULL, NULL};
        struct fl_run run;

        for (int preload = 0; preload < 2; preload++) {
                fl_run_program(&run, argv, env, preload, NULL, 60);
                fprintf(stderr, "proc_stress %s (%s): %s", mode,
                        preload ? "forklock" : "glibc alone", run.out);
                cr_expect_eq(run.status, 0, "%s: status %d (-1: deadlock) %s %s", mode, run.status,
                             run.out, run.err);
                cr_expect_gt(fl_field(run.out, "forks"), 10, "%s", run.out);
        }
}

Test(process, stress_signal_handlers_fork_while_threads_spawn, .timeout = 150)
{
        stress("signals", true);
}

Test(process, stress_atfork_handlers_take_mutexes_while_threads_spawn, .timeout = 150)
{
        stress("atfork", true);
}
