/* forklock audit end to end on fixtures: the legacy program's leaks found and attributed to the
 * call that created them through every way of starting a child, the dup2 hand-over not reported;
 * a program that leaks nothing keeps its own exit status; a program that closes every fd it did
 * not open keeps working and recorded; --from and --json on a ring of forklock run; bad options. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fltest.h"

static struct fl_run run;

static const char *sanrt(void)
{
        const char *rt = getenv("FL_SANRT");

        return rt && rt[0] ? rt : NULL;
}

static void audit(const char *const args[], int nargs)
{
        /* The report into the command's own stream, so that a test sees them in order. */
        const char *argv[32] = {fl_build_path("forklock-audit"), "-o", "/dev/stdout"};

        cr_assert(nargs < 28);
        memcpy(argv + 3, args, (size_t)nargs * sizeof(*args));
        argv[nargs + 3] = NULL;
        fl_run_program(&run, argv, NULL, false, sanrt(), 60);
}

/* The line "leak: fd N (" about image `image`, or NULL. */
static const char *leak_line(int fd, const char *image, char *line, size_t size)
{
        char prefix[32];
        const char *p = run.out;

        snprintf(prefix, sizeof(prefix), "leak: fd %d (", fd);
        while ((p = strstr(p, prefix))) {
                const char *end = strchr(p, '\n');
                size_t n = end ? (size_t)(end - p) : strlen(p);

                snprintf(line, size, "%.*s", (int)n, p);
                if (strstr(line, image))
                        return line;
                p += strlen(prefix);
        }
        return NULL;
}

/* Names by value: Criterion may run each test in a fresh exec of this binary, where pointers to
 * static strings of the parent would not be valid. */
struct name {
        char text[16];
};

ParameterizedTestParameters(audit, legacy)
{
        static struct name methods[] = {
            {"fork-exec"}, {"vfork-exec"}, {"posix_spawn"}, {"system"}, {"popen"}};

        return cr_make_param_array(struct name, methods, 5);
}

ParameterizedTest(struct name *m, audit, legacy)
{
        const char *const *method = (const char *const[]){m->text};
        static const struct {
                int fd;
                const char *created;
        } want[] = {{3, "created by socket()"},     {4, "created by socket()"},
                    {5, "created by accept()"},     {6, "created by socketpair()"},
                    {7, "created by socketpair()"}, {8, "created by socket()"}};
        const char *args[] = {"--quiet", "--", fl_build_path("fixtures/legacy"), *method,
                              "--handover"};
        char line[1024];

        audit(args, 5);
        cr_assert_eq(run.status, 3, "leaks give status 3, got %d\n%s\n%s", run.status, run.out,
                     run.err);
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
                cr_assert(leak_line(want[i].fd, "fdreport (pid", line, sizeof(line)),
                          "%s: no leak of fd %d into fdreport:\n%s", *method, want[i].fd, run.out);
                cr_expect(strstr(line, want[i].created), "%s: fd %d: %s", *method, want[i].fd,
                          line);
                cr_expect(strstr(line, "in pid "), "%s", line);
        }
        cr_expect(strstr(run.out, "fd 3 (TCP 127.0.0.1:") && strstr(run.out, "listening"), "%s",
                  run.out);
        cr_expect(!strstr(run.out, "leak: fd 10 "), "%s: the dup2 hand-over was reported:\n%s",
                  *method, run.out);
        cr_expect(!strstr(run.err, "ring:"), "--quiet prints no ring path: %s", run.err);
}

Test(audit, clean_program_keeps_its_status)
{
        const char *args[] = {"--", "/bin/sh", "-c", "exit 7"};

        audit(args, 4);
        cr_assert_eq(run.status, 7, "status %d\n%s\n%s", run.status, run.out, run.err);
        cr_expect(strstr(run.out, "forklock audit: no leaks"), "%s", run.out);
        cr_expect(strstr(run.out, "status 7"), "%s", run.out);
        cr_expect(strstr(run.err, "forklock audit: ring: "), "the ring path is printed: %s",
                  run.err);
}

Test(audit, clean_fork_exec_is_zero)
{
        const char *args[] = {"--json", "--", fl_build_path("fixtures/fdreport")};

        audit(args, 3);
        cr_assert_eq(run.status, 0, "status %d\n%s\n%s", run.status, run.out, run.err);
        cr_expect(strstr(run.out, "inherited 0:"), "%s", run.out);
        cr_expect(strstr(run.out, "{\"summary\":true,\"leaks\":0"), "%s", run.out);
}

ParameterizedTestParameters(audit, closeall)
{
        static struct name ways[] = {{"close_range"}, {"closefrom"}, {"loop"}};

        return cr_make_param_array(struct name, ways, 3);
}

ParameterizedTest(struct name *w, audit, closeall)
{
        const char *const *way = (const char *const[]){w->text};
        const char *args[] = {"--", fl_build_path("fixtures/audit_closeall"), *way};
        char line[1024];

        audit(args, 3);
        cr_assert(strstr(run.out, "closeall ok fd=3"), "%s: %s\n%s", *way, run.out, run.err);
        cr_assert_eq(run.status, 3, "%s: status %d\n%s", *way, run.status, run.out);
        cr_assert(leak_line(3, "fdreport", line, sizeof(line)), "%s", run.out);
        cr_expect(strstr(line, "created by socket()"), "still recording after %s: %s", *way, line);
}

Test(audit, from_ring_of_forklock_run_json)
{
        char ring[] = "/tmp/forklock-test-audit-XXXXXX";
        char log_env[128];
        const char *env[] = {"FORKLOCK_MODE=audit", log_env, NULL};
        const char *legacy[] = {fl_build_path("fixtures/legacy"), "fork-exec", "--handover", NULL};
        const char *args[] = {"--json", NULL};
        char from[160];

        cr_assert(mkdtemp(ring));
        snprintf(log_env, sizeof(log_env), "FORKLOCK_LOG=%s/ring", ring);
        fl_run_program(&run, legacy, env, true, NULL, 30);
        cr_assert_eq(run.status, 0, "%s", run.err);
        snprintf(from, sizeof(from), "--from=%s/ring", ring);
        args[1] = from;
        audit(args, 2);
        cr_assert_eq(run.status, 3, "%d\n%s\n%s", run.status, run.out, run.err);
        cr_expect(strstr(run.out, "{\"fd\":5,\"kind\":\"TCP\""), "%s", run.out);
        cr_expect(strstr(run.out, "\"intent\":\"leak\""), "%s", run.out);
        cr_expect(strstr(run.out, "\"origin\":{\"call\":\"accept\""), "%s", run.out);
        cr_expect(strstr(run.out, "{\"fd\":10,") && strstr(run.out, "\"intent\":\"passed\""),
                  "the hand-over is listed as passed: %s", run.out);
        cr_expect(strstr(run.out, "\"parent_pid\":"), "%s", run.out);
        snprintf(from, sizeof(from), "rm -rf %s", ring);
        cr_expect(system(from) == 0);
}

Test(audit, bad_options)
{
        const char *unknown[] = {"--bogus", "--", "/bin/true"};
        const char *none[] = {"--json"};
        const char *missing[] = {"--from=/nonexistent/forklock-ring"};
        const char *both[] = {"--from=/tmp/x", "--", "/bin/true"};

        audit(unknown, 3);
        cr_expect_eq(run.status, 2);
        cr_expect(strstr(run.err, "'--bogus'"), "%s", run.err);
        audit(none, 1);
        cr_expect_eq(run.status, 2);
        cr_expect(strstr(run.err, "no command"), "%s", run.err);
        audit(missing, 1);
        cr_expect_eq(run.status, 2);
        cr_expect(strstr(run.err, "/nonexistent/forklock-ring"), "%s", run.err);
        cr_expect_eq(run.out[0], '\0', "nothing half-written: %s", run.out);
        audit(both, 3);
        cr_expect_eq(run.status, 2);
        cr_expect(strstr(run.err, "--from"), "%s", run.err);
}

Test(audit, posix_spawn_dup2_target_is_passed_on_purpose)
{
        const char *args[] = {"--verbose", "--", fl_build_path("fixtures/audit_spawn_dup2")};
        char line[1024];

        audit(args, 3);
        cr_assert(strstr(run.out, "7=socket"), "the child got fd 7: %s\n%s", run.out, run.err);
        cr_assert_eq(run.status, 3, "the other socket leaks: %d\n%s", run.status, run.out);
        cr_expect(!leak_line(7, "fdreport", line, sizeof(line)),
                  "the dup2 file action's target was reported as a leak:\n%s", run.out);
        cr_expect(strstr(run.out, "passed: fd 7 "), "%s", run.out);
        cr_expect(leak_line(4, "fdreport", line, sizeof(line)), "%s", run.out);
}
