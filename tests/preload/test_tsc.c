/* The ring reads the TSC where the kernel keeps time with it; a program that then forbids itself
 * the TSC (prctl(PR_SET_TSC, PR_TSC_SIGSEGV)) must not be killed by forklock's own reads. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fltest.h"

static void run_forbidden(const char *log)
{
        const char *argv[] = {fl_build_path("fixtures/tsc_forbidden"), NULL};
        char log_env[600];
        const char *env[] = {"FORKLOCK_MODE=enforce", log[0] ? log_env : NULL, NULL};
        struct fl_run run;

        FL_SKIP_UNDER(
            "asan",
            "the sanitizer runtime reads the vDSO clock, which faults once the TSC is forbidden");
        FL_SKIP_UNDER(
            "tsan",
            "the sanitizer runtime reads the vDSO clock, which faults once the TSC is forbidden");
        snprintf(log_env, sizeof(log_env), "FORKLOCK_LOG=%s", log);
        fl_run_program(&run, argv, NULL, false, NULL, 20);
        if (run.status == 77)
                cr_skip("this kernel has no PR_SET_TSC");
        cr_assert_eq(run.status, 0, "without forklock: %d %s", run.status, run.err);
        fl_run_program(&run, argv, env, true, NULL, 20);
        cr_expect_eq(run.status, 0, "under forklock: status %d (128+signal), stderr: %s",
                     run.status, run.err);
        cr_expect_str_eq(run.out, "ok\n");
}

Test(tsc, a_program_that_forbids_the_tsc_keeps_running_ring_file)
{
        char *dir = fl_scratch_dir("tsc");
        char log[512];

        cr_assert(dir);
        snprintf(log, sizeof(log), "%s/ring", dir);
        run_forbidden(log);
        fl_remove_dir(dir);
}

Test(tsc, a_program_that_forbids_the_tsc_keeps_running_anonymous_ring)
{
        run_forbidden("");
}
