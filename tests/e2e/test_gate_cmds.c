/* FORKLOCK_ONLY_CMDS / FORKLOCK_SKIP_CMDS (libfaketime's semantics): a skipped image is pure
 * pass-through and its children are judged by their own names. A relative FORKLOCK_LOG is refused
 * (memory only, one warning). Ring timestamps cannot be faked by another preload. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fltest.h"

static struct fl_run run;

/* legacy fork-exec under the library in enforce mode, with env; returns fdreport's count line. */
static void legacy(const char *const env[])
{
        const char *argv[] = {fl_build_path("fixtures/legacy"), "fork-exec", NULL};

        fl_run_program(&run, argv, env, true, NULL, 30);
        cr_assert_eq(run.status, 0, "%d %s", run.status, run.err);
}

Test(gate_cmds, skipped_parent_child_judged_by_its_own_name)
{
        const char *none[] = {NULL};
        const char *skip[] = {"FORKLOCK_SKIP_CMDS=legacy", NULL};
        const char *only[] = {"FORKLOCK_ONLY_CMDS=fdreport,other", NULL};

        legacy(none);
        cr_expect(strstr(run.out, "inherited 0"), "enforced: %s", run.out);
        legacy(skip);
        cr_expect(strstr(run.out, "inherited 6"), "legacy skipped, its sockets leak: %s", run.out);
        legacy(only);
        cr_expect(strstr(run.out, "inherited 6"), "only fdreport: %s", run.out);
}

Test(gate_cmds, skipped_child_of_an_enforced_parent)
{
        char *dir = fl_scratch_dir("gatecmds");
        char log[600], dump[4200], script[9000];
        const char *env[] = {"FORKLOCK_SKIP_CMDS=fdreport", log, NULL};
        const char *argv[] = {"/bin/sh", "-c", script, NULL};

        snprintf(log, sizeof(log), "FORKLOCK_LOG=%s/ring", dir);
        legacy(env);
        cr_expect(strstr(run.out, "inherited 0"), "legacy enforced: %s", run.out);
        snprintf(dump, sizeof(dump), "%s", fl_build_path("forklock-dump"));
        snprintf(script, sizeof(script), "%s --call=start %s/ring", dump, dir);
        fl_run_program(&run, argv, NULL, false, getenv("FL_SANRT"), 30);
        cr_expect(strstr(run.out, "legacy"), "legacy started: %s", run.out);
        cr_expect(!strstr(run.out, "fdreport"), "fdreport is skipped, records nothing: %s",
                  run.out);
        fl_remove_dir(dir);
}

Test(gate_cmds, relative_log_refused)
{
        char *dir = fl_scratch_dir("gatecmds");
        char script[9000];
        const char *argv[] = {"/bin/sh", "-c", script, NULL};
        const char *env[] = {"FORKLOCK_LOG=rel.ring", NULL};
        struct stat st;

        snprintf(script, sizeof(script), "cd %s && exec %s fork-exec", dir,
                 fl_build_path("fixtures/legacy"));
        fl_run_program(&run, argv, env, true, NULL, 30);
        cr_expect_eq(run.status, 0, "%d %s", run.status, run.err);
        snprintf(script, sizeof(script), "%s/rel.ring", dir);
        cr_expect(stat(script, &st) < 0, "a relative FORKLOCK_LOG made a ring");
        cr_expect(!strstr(run.err, "FORKLOCK_LOG"), "nothing in the program's stderr: %s", run.err);
        fl_remove_dir(dir);
}

static const char *faketime_lib(void)
{
        static const char *paths[] = {"/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                                      "/usr/lib/faketime/libfaketime.so.1"};

        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
                if (access(paths[i], R_OK) == 0)
                        return paths[i];
        return NULL;
}

Test(gate_cmds, timestamps_not_faked)
{
        FL_SKIP_UNDER(
            "asan",
            "libfaketime and the ASan runtime together do not start (the plain build runs it)");
        FL_SKIP_UNDER("tsan", "libfaketime and the TSan runtime together kill even /usr/bin/env "
                              "with SIGSEGV (the plain build runs it)");
        char *dir = fl_scratch_dir("gatecmds");
        char ring[600], log[640];
        const char *env[] = {"FAKETIME=@2000-01-01 00:00:00", log, NULL};
        const char *legacy[] = {fl_build_path("fixtures/legacy"), "fork-exec", NULL};
        const char *dump[] = {fl_build_path("forklock-dump"), "--json", "--call=socket", ring,
                              NULL};
        const char *lib = faketime_lib();
        long wall_s;
        char *p;

        if (!lib)
                cr_skip_test("libfaketime is not installed (scripts/install-deps)");
        snprintf(ring, sizeof(ring), "%s/ring", dir);
        snprintf(log, sizeof(log), "FORKLOCK_LOG=%s", ring);
        fl_run_program(&run, legacy, env, true, lib, 30);
        cr_assert_eq(run.status, 0, "%d %s", run.status, run.err);
        fl_run_program(&run, dump, NULL, false, getenv("FL_SANRT"), 30);
        cr_assert((p = strstr(run.out, "\"wall_ns\":")), "%s %s", run.out, run.err);
        wall_s = strtol(p + 10, NULL, 10) / 1000000000L;
        cr_expect(labs(wall_s - (long)time(NULL)) < 600, "record wall time %ld, now %ld", wall_s,
                  (long)time(NULL));
        fl_remove_dir(dir);
}
