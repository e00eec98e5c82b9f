/* Nothing in the program's streams: a bad FORKLOCK_* value, a ring file that cannot be used, and
 * the warnings they cause never reach fds 1 and 2 of the program, with or without a ring. With a
 * ring the warning is a record; `forklock run` says each distinct warning once, on its own stderr,
 * however many images of a pipeline warned. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fltest.h"

#define RAN_ENFORCED "ran cloexec=4 of 4 child=0\n"

static struct fl_run run;

struct bad_value {
        char var[96];
};

ParameterizedTestParameters(streams, bad_value_says_nothing)
{
        static struct bad_value values[] = {
            {"FORKLOCK_MODE=bogus"},      {"FORKLOCK_PROFILE=rust"},
            {"FORKLOCK_RING=12"},         {"FORKLOCK_SIMULATE=enosys"},
            {"FORKLOCK_INHERIT=tcp:"},    {"FORKLOCK_LOG=/nonexistent/forklock/ring"},
            {"FORKLOCK_LOG=/etc/passwd"},
        };
        return cr_make_param_array(struct bad_value, values, sizeof(values) / sizeof(values[0]));
}

/* Without a ring: the fixture is the topmost image, but its stderr is a pipe, not a terminal. */
ParameterizedTest(struct bad_value *bad, streams, bad_value_says_nothing, .timeout = 30)
{
        const char *argv[] = {fl_build_path("fixtures/hard_plain"), NULL};
        const char *env[] = {bad->var, NULL};

        fl_run_program(&run, argv, env, true, NULL, 20);
        cr_expect_eq(run.status, 0, "%s: %d", bad->var, run.status);
        cr_expect_str_eq(run.out, RAN_ENFORCED, "%s: stdout", bad->var);
        cr_expect_str_empty(run.err, "%s: stderr", bad->var);
}

static char *ring_in(const char *dir)
{
        static char path[256];

        snprintf(path, sizeof(path), "%s/ring", dir);
        return path;
}

/* With a ring: still nothing on fds 1 and 2; the warning is a record of its own. */
Test(streams, bad_value_with_a_ring_is_a_record, .timeout = 30)
{
        char *dir = fl_scratch_dir("streams"), log[300];
        const char *argv[] = {fl_build_path("fixtures/hard_plain"), NULL};
        const char *env[] = {"FORKLOCK_PROFILE=rust", log, NULL};
        const char *dump[] = {fl_build_path("forklock-dump"), "--json", "--call=warning", NULL,
                              NULL};

        cr_assert(dir);
        snprintf(log, sizeof(log), "FORKLOCK_LOG=%s", ring_in(dir));
        fl_run_program(&run, argv, env, true, NULL, 20);
        cr_expect_eq(run.status, 0);
        cr_expect_str_eq(run.out, RAN_ENFORCED);
        cr_expect_str_empty(run.err);
        dump[3] = ring_in(dir);
        fl_run_program(&run, dump, NULL, false, getenv("FL_SANRT"), 20);
        cr_expect_eq(run.status, 0, "%s", run.err);
        cr_expect(strstr(run.out, "\"call\":\"warning\"") && strstr(run.out, "FORKLOCK_PROFILE=ru"),
                  "a warning record: %s", run.out);
        fl_remove_dir(dir);
}

/* `forklock run` over a pipeline of several images, each warning the same: said once, after. */
Test(streams, run_says_a_warning_once_for_a_pipeline, .timeout = 60)
{
        char forklock[512], *dir = fl_scratch_dir("streams"), log[300];
        const char *argv[] = {
            forklock, "run",     "--quiet", log,
            "--",     "/bin/sh", "-c",      "echo hello | cat | cat | tr a-z A-Z; /bin/true",
            NULL};
        const char *env[] = {"FORKLOCK_PROFILE=rust", NULL};

        cr_assert(dir);
        snprintf(forklock, sizeof(forklock), "%s/scripts/forklock", getenv("FL_SRC"));
        snprintf(log, sizeof(log), "--log=%s", ring_in(dir));
        fl_run_program(&run, argv, env, false, getenv("FL_SANRT"), 40);
        cr_expect_eq(run.status, 0, "%s", run.err);
        cr_expect_str_eq(run.out, "HELLO\n");
        cr_expect_eq(fl_count_lines(run.err, "FORKLOCK_PROFILE=rust"), 1, "once: [%s]", run.err);
        cr_expect_eq(fl_count_lines(run.err, "\n"), 1, "nothing else: [%s]", run.err);
        cr_expect(strncmp(run.err, "forklock: ", 10) == 0, "%s", run.err);
        fl_remove_dir(dir);
}

/* The command's status comes through `forklock run`, a signal's death included. */
Test(streams, run_keeps_the_command_status, .timeout = 60)
{
        char forklock[512];
        const char *exit7[] = {forklock, "run", "--quiet", "--", "/bin/sh", "-c", "exit 7", NULL};
        const char *killed[] = {forklock,  "run", "--quiet",       "--",
                                "/bin/sh", "-c",  "kill -TERM $$", NULL};

        snprintf(forklock, sizeof(forklock), "%s/scripts/forklock", getenv("FL_SRC"));
        fl_run_program(&run, exit7, NULL, false, getenv("FL_SANRT"), 40);
        cr_expect_eq(run.status, 7, "%s", run.err);
        fl_run_program(&run, killed, NULL, false, getenv("FL_SANRT"), 40);
        cr_expect_eq(run.status, 128 + 15, "%s", run.err);
}
