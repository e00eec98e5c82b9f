/* The foundation under LD_PRELOAD: the legacy fixture through every way of starting a child, the
 * race the fork lock prevents, a signal storm, transparency, and early calls. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fltest.h"

static const char *const methods[] = {"fork-exec", "vfork-exec", "posix_spawn", "system", "popen"};

static void run_legacy(struct fl_run *run, const char *method, const char *mode, bool handover)
{
        const char *argv[] = {fl_build_path("fixtures/legacy"), method,
                              handover ? "--handover" : NULL, NULL};
        char mode_var[64];
        const char *env[] = {mode_var, NULL};

        snprintf(mode_var, sizeof(mode_var), "FORKLOCK_MODE=%s", mode);
        fl_run_program(run, argv, env, true, NULL, 30);
        cr_assert_eq(run->status, 0, "%s under %s: status %d, stderr: %s", method, mode,
                     run->status, run->err);
}

Test(legacy, enforce_leaves_the_child_nothing)
{
        struct fl_run run;

        for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
                run_legacy(&run, methods[i], "enforce", false);
                cr_expect(strstr(run.out, "inherited 0:"), "%s: %s", methods[i], run.out);
        }
}

Test(legacy, off_leaves_the_child_every_socket)
{
        struct fl_run run;

        for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
                run_legacy(&run, methods[i], "off", false);
                cr_expect(strstr(run.out, "inherited 6:"), "%s: %s", methods[i], run.out);
        }
}

Test(legacy, socket_handed_over_by_dup2_still_arrives)
{
        struct fl_run run;

        for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
                run_legacy(&run, methods[i], "enforce", true);
                cr_expect(strstr(run.out, "inherited 1: 10=socket"), "%s: %s", methods[i], run.out);
        }
}

/* 2,000 children as the issue asks; sanitizer builds fork ten times slower, so fewer there. */
static const char *race_children(void)
{
        const char *san = getenv("FL_SAN");

        return san && *san ? "400" : "2000";
}

/* Without the lock: FORKLOCK_NO_LOCK=1, which only the test build of the library honours. */
static void run_race_with(struct fl_run *run, bool lock, const char *library)
{
        const char *argv[] = {fl_build_path("fixtures/race"), race_children(), NULL};
        const char *env[] = {"FORKLOCK_SIMULATE=einval", lock ? NULL : "FORKLOCK_NO_LOCK=1", NULL};

        fl_run_program_with(run, argv, env, library, NULL, 300);
        cr_assert_eq(run->status, 0, "race: %s %s", run->out, run->err);
        fprintf(stderr, "race %s lock (%s): %s", lock ? "with" : "without", library, run->out);
}

static void run_race(struct fl_run *run, bool lock)
{
        run_race_with(run, lock, lock ? FL_LIB_PRODUCTION : FL_LIB_TEST);
}

Test(race, fork_lock_leaves_no_window_on_the_fallback_path, .timeout = 400)
{
        struct fl_run run;

        run_race(&run, true);
        cr_assert_geq(fl_field(run.out, "children"), atol(race_children()));
        cr_assert_eq(fl_field(run.out, "leaks"), 0, "%s", run.out);
}

Test(race, the_installed_library_ignores_forklock_no_lock, .timeout = 400)
{
        struct fl_run run;

        run_race_with(&run, false, FL_LIB_PRODUCTION);
        cr_assert_geq(fl_field(run.out, "children"), atol(race_children()));
        cr_assert_eq(fl_field(run.out, "leaks"), 0, "FORKLOCK_NO_LOCK reached production: %s",
                     run.out);
        cr_expect_str_empty(run.err, "not even a warning: %s", run.err);
}

Test(race, without_the_lock_the_race_is_seen, .timeout = 400)
{
        struct fl_run run;

        run_race(&run, false);
        cr_assert_gt(fl_field(run.out, "leaks"), 0, "the test must be able to see the race: %s",
                     run.out);
}

Test(storm, signal_handlers_that_create_sockets_and_fork_do_not_deadlock, .timeout = 120)
{
        const char *argv[] = {fl_build_path("fixtures/storm"), "3000", NULL};
        const char *env[] = {"FORKLOCK_SIMULATE=einval", NULL};
        struct fl_run run;

        fl_run_program(&run, argv, env, true, NULL, 60);
        cr_assert_eq(run.status, 0, "storm did not finish (status %d): %s", run.status, run.err);
        fprintf(stderr, "storm: %s", run.out);
        /* Sanitizer builds run the same storm about thirty times slower. */
        bool slow = getenv("FL_SAN") && *getenv("FL_SAN");
        cr_assert_gt(fl_field(run.out, "signals"), slow ? 20 : 100);
        cr_assert_gt(fl_field(run.out, "handler_forks"), slow ? 1 : 10);
        cr_assert_gt(fl_field(run.out, "children"), slow ? 1 : 10);
        cr_assert_eq(fl_field(run.out, "leaks"), 0, "%s", run.out);
}

Test(transparency, kernel_errors_and_errno_come_back_unchanged)
{
        const char *argv[] = {fl_build_path("fixtures/transparency"), NULL};
        struct fl_run bare, enforced, fallback, off;
        const char *simulate[] = {"FORKLOCK_SIMULATE=einval", NULL};
        const char *mode_off[] = {"FORKLOCK_MODE=off", NULL};

        fl_run_program(&bare, argv, NULL, false, NULL, 30);
        fl_run_program(&enforced, argv, NULL, true, NULL, 30);
        fl_run_program(&fallback, argv, simulate, true, NULL, 30);
        fl_run_program(&off, argv, mode_off, true, NULL, 30);
        cr_assert_eq(bare.status, 0);
        cr_assert(strstr(bare.out, "errno after successful socket: 4321"));
        cr_assert_str_eq(enforced.out, bare.out);
        cr_assert_str_eq(fallback.out, bare.out);
        cr_assert_str_eq(off.out, bare.out);
}

Test(early, socket_from_another_librarys_constructor_is_handled)
{
        const char *argv[] = {fl_build_path("fixtures/fdreport"), NULL};
        struct fl_run run;

        fl_run_program(&run, argv, NULL, true, fl_build_path("fixtures/libearly.so"), 30);
        cr_assert_eq(run.status, 0);
        cr_assert(strstr(run.err, "early: fd=3 cloexec=1 errno=1234"), "%s", run.err);
}

/* socket()'s kernel call is made by forklock itself only when the next socket is glibc's bare
 * stub: an interposer listed after forklock is still called, with forklock's flags, and its
 * answer comes back. */
Test(transparency, an_interposer_after_forklock_still_gets_its_socket_called)
{
        const char *argv[] = {fl_build_path("fixtures/transparency"), NULL};
        struct fl_run run;

        fl_run_program(&run, argv, NULL, true, fl_build_path("fixtures/libsockhook.so"), 30);
        cr_assert_eq(run.status, 0);
        cr_expect(strstr(run.out, "socket(-1): -1 errno=EPERM"), "%s", run.out);
        cr_expect(strstr(run.err, "sockhook: family=-1 cloexec=1"), "%s", run.err);
        cr_expect(strstr(run.err, "sockhook: family=2 cloexec=1"), "%s", run.err);
        cr_expect(strstr(run.out, "errno after successful socket: 4321"), "%s", run.out);
}

Test(transparency, bad_exec_pointers_come_back_as_efault)
{
        const char *argv[] = {fl_build_path("fixtures/badexec"), NULL};
        const char *audit[] = {"FORKLOCK_MODE=audit", NULL};
        struct fl_run bare, enforced, audited;

        fl_run_program(&bare, argv, NULL, false, NULL, 30);
        fl_run_program(&enforced, argv, NULL, true, NULL, 30);
        fl_run_program(&audited, argv, audit, true, NULL, 30);
        cr_assert_eq(bare.status, 0);
        cr_assert_eq(fl_count_lines(bare.out, "EFAULT"), 7, "%s", bare.out);
        cr_assert_eq(enforced.status, 0, "enforce crashed: %d %s", enforced.status, enforced.err);
        cr_assert_str_eq(enforced.out, bare.out);
        cr_assert_eq(audited.status, 0, "audit crashed: %d %s", audited.status, audited.err);
        cr_assert_str_eq(audited.out, bare.out);
}

Test(legacy, sockets_received_with_scm_rights_are_close_on_exec)
{
        const char *variants[] = {"msg", "mmsg"};

        for (int i = 0; i < 2; i++) {
                const char *argv[] = {fl_build_path("fixtures/scm_rights"), variants[i], NULL};
                const char *off[] = {"FORKLOCK_MODE=off", NULL};
                struct fl_run enforced, passthrough;

                fl_run_program(&enforced, argv, NULL, true, NULL, 30);
                fl_run_program(&passthrough, argv, off, true, NULL, 30);
                cr_assert_eq(enforced.status, 0, "%s", enforced.err);
                cr_expect(strstr(enforced.out, "inherited 0:"), "%s: %s", variants[i],
                          enforced.out);
                cr_expect(strstr(passthrough.out, "inherited 1:"), "%s off: %s", variants[i],
                          passthrough.out);
        }
}

static long json_long(const char *line, const char *key)
{
        const char *at = strstr(line, key);

        return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

/* The first JSON line of a dump whose call is `call` (and whose pid is `pid`, unless 0). */
static const char *find_record(const char *dump, const char *call, long pid)
{
        char needle[64], line[2048];

        snprintf(needle, sizeof(needle), "\"call\":\"%s\"", call);
        for (const char *at = dump; *at;) {
                const char *end = strchr(at, '\n');
                size_t len = end ? (size_t)(end - at) : strlen(at);

                snprintf(line, sizeof(line), "%.*s", (int)len, at);
                if (strstr(line, needle) && (pid == 0 || json_long(line, "\"pid\":") == pid))
                        return at;
                if (!end)
                        break;
                at = end + 1;
        }
        return NULL;
}

/* The exec'd image is handed a socket, so that it has a record of its own to write (an image
 * that inherited nothing and records nothing writes none: test_held_start). */
Test(ring, parent_forked_child_and_exec_image_share_one_ring)
{
        char dir[] = "/tmp/forklock-ring-XXXXXX", log_var[128], ring[96];
        const char *legacy[] = {fl_build_path("fixtures/legacy"), "fork-exec", "--handover", NULL};
        const char *env[] = {log_var, NULL};
        const char *dump[] = {fl_build_path("forklock-dump"), "--json", ring, NULL};
        struct fl_run run, out;
        const char *fork_line, *exec_line, *start_line;
        long parent, child;

        cr_assert(mkdtemp(dir));
        snprintf(ring, sizeof(ring), "%s/ring", dir);
        snprintf(log_var, sizeof(log_var), "FORKLOCK_LOG=%s", ring);
        fl_run_program(&run, legacy, env, true, NULL, 30);
        cr_assert_eq(run.status, 0, "%s", run.err);
        fl_run_program(&out, dump, NULL, false, NULL, 30);
        cr_assert_eq(out.status, 0, "%s", out.err);
        fork_line = find_record(out.out, "fork", 0);
        cr_assert(fork_line, "no fork record: %s", out.out);
        parent = json_long(fork_line, "\"pid\":");
        child = json_long(fork_line, "\"result\":");
        cr_assert_gt(child, 0);
        cr_assert_neq(parent, child);
        cr_assert(find_record(out.out, "socket", parent), "the parent's sockets");
        exec_line = find_record(out.out, "exec", child);
        cr_assert(exec_line, "the forked child's exec, pid %ld", child);
        start_line = find_record(exec_line, "start", child);
        cr_assert(start_line, "the exec'd image's start, pid %ld, after the exec", child);
        unlink(ring);
        rmdir(dir);
}
