/* A program started with a file size limit (ulimit -f, RLIMIT_FSIZE) below the ring's size: the
 * first preloaded process creates the ring, and sizing a file past the limit makes the kernel
 * send SIGXFSZ, which kills by default. forklock must not be what kills a program: the ring is
 * refused (its warning goes where forklock's warnings go, never to the program's streams) and the
 * process records in memory only, as for any ring file it cannot use. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "fltest.h"

static struct fl_run run;

Test(file_limit, a_file_size_limit_below_the_ring_does_not_kill_the_program, .timeout = 30)
{
        char *dir = fl_scratch_dir("fsize");
        char log[256];
        const char *env[] = {"FORKLOCK_MODE=enforce", log, NULL};
        const char *argv[] = {"/bin/echo", "hello", NULL};
        struct rlimit saved, limit;
        struct stat st;

        /* TSan backs its shadow of read-only data with a file it writes (/tmp/tsan.rodata.PID): the
         * limit cuts that file short and the runtime dies of SIGBUS reading it, forklock on or off.
         */
        FL_SKIP_UNDER("tsan", "the TSan runtime writes its read-only shadow to a file the limit "
                              "cuts short (SIGBUS in the runtime, forklock on or off)");
        cr_assert_not_null(dir);
        snprintf(log, sizeof(log), "FORKLOCK_LOG=%s/ring", dir);
        cr_assert_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
        limit = saved;
        limit.rlim_cur = 64 * 1024;
        cr_assert_eq(setrlimit(RLIMIT_FSIZE, &limit), 0);
        fl_run_program(&run, argv, env, true, NULL, 20);
        cr_assert_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);

        cr_expect_eq(run.status, 0,
                     "status %d under a 64 KiB file size limit (153: SIGXFSZ); err: %s", run.status,
                     run.err);
        cr_expect_str_eq(run.out, "hello\n");
        cr_expect_str_eq(run.err, "", "nothing in the program's stderr");
        cr_expect_neq(stat(log + strlen("FORKLOCK_LOG="), &st), 0, "no ring file left behind");
        fl_remove_dir(dir);
}
