/* A hostile environment: a bad value for every variable, an unwritable log directory, a full disk
 * under the ring file (a small tmpfs in a mount namespace of our own) and ring files of the wrong
 * size. Each is a warning the library keeps off the program's streams (a record where there is a
 * ring, syslog or the terminal for the topmost image otherwise: tests/preload/test_streams.c), and
 * the program runs on, enforced. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fltest.h"

#define RAN_ENFORCED "ran cloexec=4 of 4 child=0"

static char *scratch_dir(void)
{
        char *dir = fl_scratch_dir("hostile");

        cr_assert(dir, "mkdtemp");
        return dir;
}

static void remove_dir(const char *dir)
{
        cr_expect(fl_remove_dir(dir) == 0);
}

/* Nothing on the program's stderr: the warning never goes into its streams. */
static void expect_one_warning(const struct fl_run *run, const char *what)
{
        cr_expect_eq(run->status, 0, "%s: status %d: %s", what, run->status, run->err);
        cr_expect_str_empty(run->err, "%s: nothing in the program's stderr", what);
}

static void run_plain(struct fl_run *run, const char *const env[])
{
        const char *argv[] = {fl_build_path("fixtures/hard_plain"), NULL};

        fl_run_program(run, argv, env, true, NULL, 30);
}

struct bad_value {
        char var[96];
};

ParameterizedTestParameters(hostile, bad_value)
{
        static struct bad_value values[] = {
            {"FORKLOCK_MODE=bogus"},
            {"FORKLOCK_MODE=ENFORCE "},
            {"FORKLOCK_PROFILE=rust"},
            {"FORKLOCK_RING=12"},
            {"FORKLOCK_RING=abc"},
            {"FORKLOCK_RING=99999999999999999999999"},
            {"FORKLOCK_RING=-1"},
            {"FORKLOCK_SIMULATE=enosys"},
            {"FORKLOCK_LOG=/tmp"},
            {"FORKLOCK_LOG=/nonexistent/forklock/ring"},
            {"FORKLOCK_INHERIT=x,tcp:99999,,-3"},
            {"FORKLOCK_INHERIT=tcp:"},
        };
        return cr_make_param_array(struct bad_value, values, sizeof(values) / sizeof(values[0]));
}

ParameterizedTest(struct bad_value *bad, hostile, bad_value, .timeout = 30)
{
        const char *env[] = {bad->var, NULL};
        struct fl_run run;

        run_plain(&run, env);
        expect_one_warning(&run, bad->var);
        /* FORKLOCK_SIMULATE falls back to the default: still enforced. (FORKLOCK_NO_LOCK is not
         * read at all by the installed library: tests/preload/test_foundation.c.) */
        cr_expect(strstr(run.out, RAN_ENFORCED), "%s: %s", bad->var, run.out);
}

Test(hostile, good_values_give_no_warning)
{
        const char *env[] = {"FORKLOCK_MODE=enforce", "FORKLOCK_PROFILE=cloexec",
                             "FORKLOCK_RING=64",      "FORKLOCK_SIMULATE=einval",
                             "FORKLOCK_NO_LOCK=0",    NULL};
        struct fl_run run;

        run_plain(&run, env);
        cr_expect_eq(run.status, 0);
        cr_expect_str_empty(run.err);
        cr_expect(strstr(run.out, RAN_ENFORCED), "%s", run.out);
}

/* Runs the fixture under LD_PRELOAD set by a command line (sh -c SCRIPT, possibly through
 * setpriv or unshare) rather than by fl_run_program, so that the helpers are not preloaded. */
static const char *preload_value(void)
{
        static char value[2048];
        const char *sanrt = getenv("FL_SANRT");

        snprintf(value, sizeof(value), "%s%s%s", sanrt && *sanrt ? sanrt : "",
                 sanrt && *sanrt ? " " : "", fl_build_path("libforklock.so"));
        return value;
}

Test(hostile, unwritable_log_directory, .timeout = 60)
{
        char *dir = scratch_dir(), script[4096];
        const char *argv[] = {"/bin/sh", "-c", script, NULL};
        struct fl_run run;

        cr_assert(chmod(dir, 0555) == 0);
        if (geteuid() == 0) {
                /* root writes anywhere: drop to nobody for the program (setpriv, util-linux). */
                cr_assert(access("/usr/bin/setpriv", X_OK) == 0, "need setpriv to drop root");
                snprintf(script, sizeof(script),
                         "exec setpriv --reuid=65534 --regid=65534 --clear-groups -- env "
                         "LD_PRELOAD='%s' FORKLOCK_LOG='%s/ring' '%s'",
                         preload_value(), dir, fl_build_path("fixtures/hard_plain"));
        } else {
                snprintf(script, sizeof(script), "LD_PRELOAD='%s' FORKLOCK_LOG='%s/ring' exec '%s'",
                         preload_value(), dir, fl_build_path("fixtures/hard_plain"));
        }
        fl_run_program(&run, argv, NULL, false, NULL, 30);
        expect_one_warning(&run, "unwritable directory");
        cr_expect(strstr(run.out, RAN_ENFORCED), "%s", run.out);
        chmod(dir, 0700);
        remove_dir(dir);
}

/* A 64 KiB tmpfs in a mount namespace of our own; fill says whether it is filled first. */
static void run_on_small_tmpfs(struct fl_run *run, const char *dir, bool fill)
{
        char script[4096];
        const char *argv[] = {"/usr/bin/unshare", "-m", "--propagation", "private",
                              "/bin/sh",          "-c", script,          NULL};

        snprintf(script, sizeof(script),
                 "mount -t tmpfs -o size=64k forklock-test '%s' || exit 99; %s"
                 "LD_PRELOAD='%s' FORKLOCK_LOG='%s/ring' FORKLOCK_RING=64 '%s'; s=$?; "
                 "df -k '%s' | tail -1 | awk '{print \"tmpfs_free_kb=\" $4}' >&2; exit $s",
                 dir, fill ? "dd if=/dev/zero of=\"$0\" bs=4096 2>/dev/null; " : "",
                 preload_value(), dir, fl_build_path("fixtures/hard_plain"), dir);
        if (fill) {
                /* "$0" of sh -c: the filler file's name. */
                static char filler[256];
                snprintf(filler, sizeof(filler), "%s/filler", dir);
                const char *argv_fill[] = {"/usr/bin/unshare",
                                           "-m",
                                           "--propagation",
                                           "private",
                                           "/bin/sh",
                                           "-c",
                                           script,
                                           filler,
                                           NULL};
                fl_run_program(run, argv_fill, NULL, false, NULL, 30);
                return;
        }
        fl_run_program(run, argv, NULL, false, NULL, 30);
}

Test(hostile, full_disk_under_the_ring_file, .timeout = 60)
{
        char *dir = scratch_dir();
        const char *probe[] = {"/usr/bin/unshare",
                               "-m",
                               "--propagation",
                               "private",
                               "/bin/sh",
                               "-c",
                               "mount -t tmpfs -o size=64k forklock-probe /mnt",
                               NULL};
        struct fl_run run;
        char *free_line;

        fl_run_program(&run, probe, NULL, false, NULL, 30);
        if (run.status != 0) {
                fprintf(stderr,
                        "hostile full disk: NOT TESTED: unshare -m / mount tmpfs refused "
                        "here (%s)\n",
                        run.err);
                remove_dir(dir);
                cr_skip_test("NOT TESTED: cannot create a mount namespace and mount a tmpfs "
                             "(needs CAP_SYS_ADMIN): %s",
                             run.err);
        }
        /* Control: on the empty tmpfs the 12 KiB ring fits, and nothing is said. */
        run_on_small_tmpfs(&run, dir, false);
        cr_expect_eq(run.status, 0, "%s", run.err);
        cr_expect_eq(fl_count_lines(run.err, "forklock: "), 0, "%s", run.err);
        cr_expect(strstr(run.out, RAN_ENFORCED), "%s", run.out);
        /* Full: recording in memory, nothing in the program's stderr, the program runs on. */
        run_on_small_tmpfs(&run, dir, true);
        fprintf(stderr, "hostile full disk: %s", run.err);
        cr_expect_eq(run.status, 0, "%s", run.err);
        cr_expect_eq(fl_count_lines(run.err, "forklock: "), 0, "%s", run.err);
        free_line = strstr(run.err, "tmpfs_free_kb=");
        cr_expect(free_line && fl_field(free_line, "tmpfs_free_kb") == 0, "not full: %s", run.err);
        cr_expect(strstr(run.out, RAN_ENFORCED), "%s", run.out);
        remove_dir(dir);
}

static off_t file_size(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 ? st.st_size : -1;
}

Test(hostile, ring_file_of_the_wrong_size, .timeout = 60)
{
        char *dir = scratch_dir(), ring[128], log_var[160];
        const char *env[] = {log_var, "FORKLOCK_RING=64", NULL};
        struct fl_run run;
        off_t good;
        int fd;

        snprintf(ring, sizeof(ring), "%s/ring", dir);
        snprintf(log_var, sizeof(log_var), "FORKLOCK_LOG=%s", ring);
        run_plain(&run, env);
        cr_assert_eq(run.status, 0);
        cr_assert_str_empty(run.err);
        good = file_size(ring);
        cr_assert_gt(good, 4096);

        /* Longer than its header says. */
        cr_assert(truncate(ring, good + 4096) == 0);
        run_plain(&run, env);
        expect_one_warning(&run, "ring file too long");
        cr_expect(strstr(run.out, RAN_ENFORCED), "%s", run.out);
        cr_expect_eq(file_size(ring), good + 4096, "the library must not touch a foreign file");

        /* Shorter. */
        cr_assert(truncate(ring, good - 128) == 0);
        run_plain(&run, env);
        expect_one_warning(&run, "ring file truncated");
        cr_expect_eq(file_size(ring), good - 128);

        /* Shorter than a header, and garbage. */
        fd = open(ring, O_WRONLY | O_TRUNC);
        cr_assert(fd >= 0);
        cr_assert_eq(write(fd, "not a ring\n", 11), 11);
        close(fd);
        run_plain(&run, env);
        expect_one_warning(&run, "ring file of 11 bytes");
        cr_expect(strstr(run.out, RAN_ENFORCED), "%s", run.out);

        /* Empty: looks like a creator in progress; the library must give up in bounded time. */
        cr_assert(truncate(ring, 0) == 0);
        run_plain(&run, env);
        expect_one_warning(&run, "empty ring file");
        cr_expect(strstr(run.out, RAN_ENFORCED), "%s", run.out);
        remove_dir(dir);
}
