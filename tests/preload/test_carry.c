/* Carrying the library across exec: LD_PRELOAD and FORKLOCK_* go back into an environment the
 * program built or trimmed, the same way for every exec-family call, never into an image where a
 * preloaded path does not resolve (ld.so would print its error on the new program's stderr), and
 * not at all with FORKLOCK_CARRY=0. A big envp lacking them is completed without overflowing a
 * small thread stack. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fltest.h"

static struct fl_run run;

static void carry(const char *mode, const char *arg, const char *const env[])
{
        const char *argv[] = {fl_build_path("fixtures/carry"), mode, arg, NULL};

        fl_run_program(&run, argv, env, true, NULL, 30);
}

static void expect_carried(const char *what)
{
        cr_assert_eq(run.status, 0, "%s: status %d\n%s\n%s", what, run.status, run.out, run.err);
        cr_expect(strstr(run.out, "libforklock.so"), "%s: LD_PRELOAD not carried:\n%s", what,
                  run.out);
        cr_expect(strstr(run.out, "FORKLOCK_MODE=audit"), "%s: FORKLOCK_MODE not carried:\n%s",
                  what, run.out);
}

static const char *const audit_env[] = {"FORKLOCK_MODE=audit", NULL};

Test(carry, execve_with_its_own_environment)
{
        carry("execve-own", NULL, audit_env);
        expect_carried("execve");
}

Test(carry, execv_after_unsetenv)
{
        carry("execv-unset", NULL, audit_env);
        expect_carried("execv");
}

Test(carry, execvp_after_clearenv)
{
        carry("execvp-clearenv", NULL, audit_env);
        expect_carried("execvp");
}

Test(carry, off_with_forklock_carry_0)
{
        const char *env[] = {"FORKLOCK_MODE=audit", "FORKLOCK_CARRY=0", NULL};

        carry("execve-own", NULL, env);
        cr_assert_eq(run.status, 0, "%s", run.err);
        cr_expect(strstr(run.out, "LD_PRELOAD=(unset)") && strstr(run.out, "FORKLOCK_MODE=(unset)"),
                  "FORKLOCK_CARRY=0 carried something:\n%s", run.out);
        carry("execv-unset", NULL, env);
        cr_expect(strstr(run.out, "LD_PRELOAD=(unset)"), "execv carried: %s", run.out);
}

/* A copy of the library (and of a second one), preloaded by path, removed by the program before it
 * execs: as under a chroot, the path no longer resolves from the caller's root. */
static void copy_file(const char *from, const char *to)
{
        char cmd[1024];

        snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
}

Test(carry, never_into_an_image_where_the_library_is_absent)
{
        char *dir = fl_scratch_dir("carry");
        char lib[512], preload[1200];
        const char *argv[] = {fl_build_path("fixtures/carry"), "remove-then-execve", lib, NULL};

        cr_assert(dir);
        snprintf(lib, sizeof(lib), "%s/libforklock.so", dir);
        copy_file(fl_build_path("libforklock.so"), lib);
        snprintf(preload, sizeof(preload), "%s%s%s",
                 fl_sanitizer_runtime() ? fl_sanitizer_runtime() : "",
                 fl_sanitizer_runtime() ? " " : "", lib);
        fl_run_program(&run, argv, audit_env, false, preload, 30);
        cr_assert_eq(run.status, 0, "status %d\n%s\n%s", run.status, run.out, run.err);
        cr_expect(!strstr(run.err, "cannot be preloaded"), "ld.so's error reached the program:\n%s",
                  run.err);
        cr_expect(!strstr(run.out, lib), "the absent path was carried:\n%s", run.out);
        cr_expect(strstr(run.out, "FORKLOCK_MODE=(unset)"),
                  "FORKLOCK_* carried without the library:\n%s", run.out);
        cr_expect(fl_remove_dir(dir) == 0);
}

Test(carry, only_the_entries_that_resolve)
{
        char *dir = fl_scratch_dir("carry");
        char lib[512], extra[512], preload[1200];
        const char *argv[] = {fl_build_path("fixtures/carry"), "remove-then-execve", extra, NULL};

        cr_assert(dir);
        snprintf(lib, sizeof(lib), "%s/libforklock.so", dir);
        snprintf(extra, sizeof(extra), "%s/libcarry_extra.so", dir);
        copy_file(fl_build_path("libforklock.so"), lib);
        copy_file(fl_build_path("fixtures/libcarry_extra.so"), extra);
        snprintf(preload, sizeof(preload), "%s%s%s:%s",
                 fl_sanitizer_runtime() ? fl_sanitizer_runtime() : "",
                 fl_sanitizer_runtime() ? " " : "", lib, extra);
        fl_run_program(&run, argv, audit_env, false, preload, 30);
        cr_assert_eq(run.status, 0, "status %d\n%s\n%s", run.status, run.out, run.err);
        cr_expect(!strstr(run.err, "cannot be preloaded"), "ld.so's error reached the program:\n%s",
                  run.err);
        cr_expect(strstr(run.out, lib), "the library was not carried:\n%s", run.out);
        cr_expect(!strstr(run.out, "libcarry_extra"), "the absent entry was carried:\n%s", run.out);
        cr_expect(strstr(run.out, "FORKLOCK_MODE=audit"), "%s", run.out);
        cr_expect(fl_remove_dir(dir) == 0);
}

/* 20,000 entries lacking the carried ones, from a thread with a 128 KiB stack. */
static void expect_big_envp_completed(const char *mode)
{
        carry(mode, "20000", audit_env);
        cr_assert(run.status == 0 || strstr(run.out, "entries="), "%s: status %d\n%s\n%s", mode,
                  run.status, run.out, run.err);
        cr_expect(strstr(run.out, "last=yes"), "%s: the program's entries were lost:\n%s", mode,
                  run.out);
        cr_expect(fl_field(run.out, "entries") > 20000, "%s: nothing carried:\n%s", mode, run.out);
        expect_carried(mode);
}

Test(carry, big_envp_execve_on_a_small_thread_stack)
{
        expect_big_envp_completed("big-execve");
}

Test(carry, big_envp_posix_spawn_on_a_small_thread_stack)
{
        expect_big_envp_completed("big-spawn");
        cr_expect(strstr(run.out, "spawned status=0"), "%s", run.out);
}
