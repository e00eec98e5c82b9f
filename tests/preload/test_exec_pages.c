/* A fork child's way to exec under forklock: the wrapper's probes, its two records and the fd
 * listing run in every child of every fork+exec, where each page touched for the first time is a
 * fault (~1.5-3 us here), and each page written a copy of the parent's. What is left over bare is
 * forklock's code, the shim state its records update and the ring's header, less the pages bare
 * faults in as well (argv, read by forklock's probe before the kernel reads it). Not: libc's string
 * functions or syscall(), __errno_location, libc's symbol tables (a function looked up in the
 * child), the thread-local page (errno rewritten with its own value, the lock's depth). */
#include <criterion/criterion.h>

#include <stdio.h>

#include "fltest.h"

/* With a ring file, as `forklock run` records (the bench's fork+exec setup). One run's count
 * depends on where the libraries happen to be mapped: each first touch of code maps the 64 KiB
 * around it, and the randomized bases move those windows' edges across the functions. */
static long faults_once(bool preload)
{
        const char *argv[] = {fl_build_path("fixtures/exec_pages"), NULL};
        char *dir = fl_scratch_dir("exec_pages"), log[600];
        const char *env[] = {log, NULL};
        struct fl_run run;
        long n;

        cr_assert_not_null(dir);
        snprintf(log, sizeof(log), "FORKLOCK_LOG=%s/ring", dir);
        fl_run_program(&run, argv, env, preload, NULL, 60);
        cr_assert_eq(run.status, 0, "exec_pages: status %d, stderr: %s", run.status, run.err);
        n = fl_field(run.out, "faults");
        fl_remove_dir(dir);
        return n;
}

/* The least over runs, for each its own layout: what the code itself costs. */
static long faults(bool preload)
{
        long least = faults_once(preload);

        for (int i = 1; i < 4; i++) {
                long n = faults_once(preload);

                if (n < least)
                        least = n;
        }
        return least;
}

Test(exec_pages, a_fork_childs_exec_faults_in_at_most_two_pages_more, .timeout = 120)
{
        long bare = faults(false), forklock = faults(true);

        if (getenv("FL_SAN") && *getenv("FL_SAN"))
                cr_skip_test("the sanitizer runtimes fault pages of their own in a fork child");
        cr_assert_leq(forklock - bare, 2,
                      "a refused execve in a fork child faulted in %ld pages, %ld without forklock",
                      forklock, bare);
}
