/* The audit has no fd cap and cuts no description: a listener at fd 305 behind 302 inherited files
 * is reported (the new image's view and the parent's view at exec), a LISTEN_FDS hand-over of fd
 * 305 is kept in enforce mode, and a v4-mapped IPv6 connection and a 300-character path appear in
 * full in the audit report and in forklock dump --json. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fltest.h"

static struct fl_run run, dump;

static const char *sanrt(void)
{
        const char *rt = getenv("FL_SANRT");

        return rt && rt[0] ? rt : NULL;
}

static void audit_json(const char *mode)
{
        const char *argv[] = {
            fl_build_path("forklock-audit"),      "-o", "/dev/stdout", "--json", "--quiet", "--",
            fl_build_path("fixtures/audit_wide"), mode, NULL};

        fl_run_program(&run, argv, NULL, false, sanrt(), 60);
        cr_assert_eq(run.status, 3, "%s: status %d\n%s\n%s", mode, run.status, run.out, run.err);
}

/* Runs audit_wide MODE under the library in audit mode with a ring in dir, then dumps it. */
static void audit_ring(const char *mode, const char *dir)
{
        char log[300], ring[256], cmd[1024];
        const char *env[] = {"FORKLOCK_MODE=audit", log, NULL};
        const char *argv[] = {fl_build_path("fixtures/audit_wide"), mode, NULL};
        const char *dump_argv[] = {"/bin/sh", "-c", cmd, NULL};

        snprintf(ring, sizeof(ring), "%s/ring", dir);
        snprintf(log, sizeof(log), "FORKLOCK_LOG=%s", ring);
        /* Without the /dev/null records, which would not fit in a run's buffer. */
        snprintf(cmd, sizeof(cmd), "'%s' --json '%s' | grep -v '\"text\":\"/dev/null\"'",
                 fl_build_path("forklock-dump"), ring);
        fl_run_program(&run, argv, env, true, NULL, 60);
        cr_assert_eq(run.status, 0, "%s: %s\n%s", mode, run.out, run.err);
        fl_run_program(&dump, dump_argv, NULL, false, NULL, 60);
        cr_assert_eq(dump.status, 0, "%s", dump.err);
}

/* A dump line for an inherit record of fd with the given view (aux), or NULL. */
static const char *inherit_line(const char *text, int fd, int view, char *line, size_t size)
{
        char want_fd[32], want_view[32];

        snprintf(want_fd, sizeof(want_fd), "\"fd\":%d,", fd);
        snprintf(want_view, sizeof(want_view), "\"aux\":%d,", view);
        for (const char *p = text; p && *p;) {
                const char *end = strchr(p, '\n');
                size_t n = end ? (size_t)(end - p) : strlen(p);

                snprintf(line, size, "%.*s", (int)n, p);
                if (strstr(line, "\"call\":\"inherit\"") && strstr(line, want_fd) &&
                    strstr(line, want_view))
                        return line;
                p = end ? end + 1 : NULL;
        }
        return NULL;
}

Test(audit_wide, listener_at_fd_305_child_view, .timeout = 90)
{
        char cmd[1024];
        const char *argv[] = {"/bin/sh", "-c", cmd, NULL};

        /* The whole report (303 leaks) is larger than a run's buffer: only its tail is kept. */
        snprintf(cmd, sizeof(cmd), "'%s' --json --quiet -o /dev/stdout -- '%s' many | tail -n 4",
                 fl_build_path("forklock-audit"), fl_build_path("fixtures/audit_wide"));
        fl_run_program(&run, argv, NULL, false, sanrt(), 60);
        cr_expect(strstr(run.out, "{\"fd\":305,\"kind\":\"TCP\""),
                  "the listener at fd 305 was not reported:\n%.2000s", run.out);
        cr_expect(strstr(run.out, "{\"fd\":304,\"kind\":\"char device\""), "%.2000s", run.out);
}

Test(audit_wide, listener_at_fd_305_parent_view, .timeout = 90)
{
        char *dir = fl_scratch_dir("wide");
        char line[4096];

        cr_assert(dir);
        audit_ring("many", dir);
        cr_expect(inherit_line(dump.out, 305, 2, line, sizeof(line)),
                  "no parent-view record of fd 305");
        cr_expect(inherit_line(dump.out, 305, 1, line, sizeof(line)),
                  "no child-view record of fd 305");
        cr_expect(fl_remove_dir(dir) == 0);
}

Test(audit_wide, listen_fds_hand_over_above_256_in_enforce, .timeout = 90)
{
        const char *argv[] = {fl_build_path("fixtures/audit_wide"), "listen", NULL};

        fl_run_program(&run, argv, NULL, false, NULL, 60);
        cr_assert(strstr(run.out, " 305=socket"), "bare: %s\n%s", run.out, run.err);
        fl_run_program(&run, argv, NULL, true, NULL, 60);
        cr_assert_eq(run.status, 0, "%s", run.err);
        cr_expect(strstr(run.out, " 305=socket"), "enforce lost the hand-over of fd 305:\n%.300s",
                  strstr(run.out, " 300=") ? strstr(run.out, " 300=") : run.out);
}

Test(audit_wide, v4_mapped_connection_in_full, .timeout = 90)
{
        char *dir = fl_scratch_dir("wide");
        char want[160];
        const char *ports;
        long local, peer;

        cr_assert(dir);
        for (int pass = 0; pass < 2; pass++) {
                if (pass == 0)
                        audit_json("v6");
                else
                        audit_ring("v6", dir);
                ports = strstr(run.out, "ports ");
                cr_assert(ports && sscanf(ports, "ports %ld %ld", &local, &peer) == 2, "%s",
                          run.out);
                snprintf(want, sizeof(want), "[::ffff:127.0.0.1]:%ld <- [::ffff:127.0.0.1]:%ld",
                         local, peer);
                if (pass == 0)
                        cr_expect(strstr(run.out, want), "audit report lacks \"%s\":\n%s", want,
                                  run.out);
                else
                        cr_expect(strstr(dump.out, want), "dump --json lacks \"%s\":\n%s", want,
                                  dump.out);
        }
        cr_expect(fl_remove_dir(dir) == 0);
}

Test(audit_wide, long_path_in_full, .timeout = 90)
{
        char *dir = fl_scratch_dir("wide");
        char path[4096], cmd[4200];
        const char *at;

        cr_assert(dir);
        audit_json("longpath");
        cr_assert((at = strstr(run.out, "path /")), "%s", run.out);
        snprintf(path, sizeof(path), "%.*s", (int)strcspn(at + 5, "\n"), at + 5);
        cr_assert_gt(strlen(path), 250);
        cr_expect(strstr(run.out, path) != at + 5 || strstr(at + 5 + strlen(path), path),
                  "audit report lacks the full path %s:\n%s", path, run.out);
        snprintf(cmd, sizeof(cmd), "rm -rf \"$(echo '%s' | cut -d/ -f1-3)\"", path);
        cr_expect(system(cmd) == 0);
        audit_ring("longpath", dir);
        cr_assert((at = strstr(run.out, "path /")), "%s", run.out);
        snprintf(path, sizeof(path), "%.*s", (int)strcspn(at + 5, "\n"), at + 5);
        cr_expect(strstr(dump.out, path), "dump --json lacks the full path %s", path);
        snprintf(cmd, sizeof(cmd), "rm -rf \"$(echo '%s' | cut -d/ -f1-3)\"", path);
        cr_expect(system(cmd) == 0);
        cr_expect(fl_remove_dir(dir) == 0);
}
