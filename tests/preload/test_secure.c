/* Secure execution (AT_SECURE): FORKLOCK_SIMULATE and FORKLOCK_RING come from a user the program
 * does not trust and are ignored, like FORKLOCK_LOG. AT_SECURE comes from a setgid copy of the
 * probe fixture (group nogroup) run by root: its real and effective gids differ. Not root, or a
 * scratch directory mounted nosuid: the test is skipped, saying why. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fltest.h"

#define HUGE_RING "FORKLOCK_RING=1048576"

static void probe(struct fl_run *run, const char *program)
{
        const char *argv[] = {program, fl_build_path("libforklock.so"), NULL};
        const char *env[] = {"FORKLOCK_SIMULATE=einval", HUGE_RING, NULL};

        fl_run_program(run, argv, env, false, NULL, 20);
        cr_assert_eq(run->status, 0, "%s: %s", program, run->err);
}

static const char *setgid_copy(const char *dir)
{
        static char path[256], cmd[1024];

        snprintf(path, sizeof(path), "%s/secure_probe", dir);
        snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && chgrp nogroup '%s' && chmod 2755 '%s'",
                 fl_build_path("fixtures/secure_probe"), path, path, path);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
        return path;
}

Test(secure, without_at_secure_the_probe_sees_both_switches, .timeout = 60)
{
        struct fl_run run;

        probe(&run, fl_build_path("fixtures/secure_probe"));
        cr_assert(strstr(run.out, "secure=0\n"), "%s", run.out);
        cr_expect(strstr(run.out, "fallback=1\n"), "FORKLOCK_SIMULATE seen: %s", run.out);
        cr_expect_geq(fl_field(run.out, "largest_map_mib"), 128, "FORKLOCK_RING seen: %s", run.out);
}

Test(secure, at_secure_ignores_simulate_and_ring, .timeout = 60)
{
        char *dir;
        struct fl_run run;

        if (geteuid() != 0)
                cr_skip_test("needs root to make a setgid copy of the probe");
        dir = fl_scratch_dir("secure");
        cr_assert(dir);
        probe(&run, setgid_copy(dir));
        fl_remove_dir(dir);
        if (strstr(run.out, "secure=0\n"))
                cr_skip_test("no AT_SECURE from a setgid file here (nosuid /tmp?): %s", run.out);
        cr_assert(strstr(run.out, "secure=1\n"), "%s", run.out);
        cr_expect(strstr(run.out, "fallback=0\n"), "FORKLOCK_SIMULATE honoured: %s", run.out);
        cr_expect_lt(fl_field(run.out, "largest_map_mib"), 64, "FORKLOCK_RING honoured: %s",
                     run.out);
}
