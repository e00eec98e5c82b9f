/* forklock audit as a CI gate: the report never mixes with the command's stdout and survives the
 * command closing it; --error-exitcode; fds the caller already held are not the command's leaks;
 * a daemonizing server audited to the end with --wait; a relative --log with a cd in between; no
 * ring left behind; and the small things of `forklock run` (bad --log, -h, --log FILE, uname -r
 * kernels, a missing command, one warning per bad value). */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fltest.h"

static struct fl_run run;
static char env_libdir[4200], env_sanrt[4200];

static const char *src_path(const char *rel)
{
        static char buf[4][4096];
        static int next;
        char *p = buf[next++ % 4];

        snprintf(p, sizeof(buf[0]), "%s/%s", getenv("FL_SRC"), rel);
        return p;
}

/* Runs a shell script with FORKLOCK=the CLI, AUDIT=forklock-audit, LEGACY=the legacy fixture. */
static void sh(const char *script, const char *const extra_env[])
{
        static char forklock[4200], audit[4200], legacy[4200];
        const char *env[16] = {forklock, audit, legacy, env_libdir, env_sanrt};
        const char *argv[] = {"/bin/bash", "-c", script, NULL};
        int n = 5;

        snprintf(forklock, sizeof(forklock), "FORKLOCK=%s", src_path("scripts/forklock"));
        snprintf(audit, sizeof(audit), "AUDIT=%s", fl_build_path("forklock-audit"));
        snprintf(legacy, sizeof(legacy), "LEGACY=%s", fl_build_path("fixtures/legacy"));
        snprintf(env_libdir, sizeof(env_libdir), "FORKLOCK_LIBDIR=%s", fl_build_path(""));
        snprintf(env_sanrt, sizeof(env_sanrt), "SANRT=%s", getenv("FL_SANRT") ?: "");
        for (int i = 0; extra_env && extra_env[i] && n < 15; i++)
                env[n++] = extra_env[i];
        env[n] = NULL;
        fl_run_program(&run, argv, env, false, getenv("FL_SANRT"), 90);
}

static bool dir_is_empty(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        bool empty = true;

        cr_assert(d, "%s", dir);
        while ((e = readdir(d)))
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                        empty = false;
        closedir(d);
        return empty;
}

static void read_file(const char *path, char *buf, size_t size)
{
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, size - 1, f) : 0;

        buf[n] = '\0';
        if (f)
                fclose(f);
}

Test(gate, report_to_file_while_command_prints)
{
        char *dir = fl_scratch_dir("gate");
        char script[1024], report[65536], path[600];

        snprintf(path, sizeof(path), "%s/report.jsonl", dir);
        snprintf(script, sizeof(script),
                 "$AUDIT --quiet --json -o %s -- sh -c 'echo hello; exec $LEGACY fork-exec'", path);
        sh(script, NULL);
        cr_assert_eq(run.status, 3, "status %d\n%s\n%s", run.status, run.out, run.err);
        cr_expect(strstr(run.out, "hello\n"), "%s", run.out);
        cr_expect(!strstr(run.out, "{\""), "no report on stdout: %s", run.out);
        read_file(path, report, sizeof(report));
        cr_assert(report[0] == '{', "%s", report);
        for (char *line = report, *end; *line; line = end + 1) {
                end = strchr(line, '\n');
                cr_assert(end, "unterminated line: %s", line);
                cr_expect(line[0] == '{' && end[-1] == '}', "not one JSON object: %.*s",
                          (int)(end - line), line);
        }
        cr_expect(strstr(report, "{\"summary\":true,\"leaks\":6"), "%s", report);
        fl_remove_dir(dir);
}

Test(gate, survives_the_command_closing_its_stdout)
{
        sh("$AUDIT --quiet --json -- sh -c '$LEGACY fork-exec >/dev/null; sleep 0.2; echo hello' "
           "| true; echo status=${PIPESTATUS[0]}",
           NULL);
        cr_expect(strstr(run.out, "status=3\n"), "the gate status is kept: %s\n%s", run.out,
                  run.err);
}

Test(gate, error_exitcode)
{
        sh("$AUDIT --quiet --error-exitcode=42 -- $LEGACY fork-exec", NULL);
        cr_expect_eq(run.status, 42, "status %d\n%s", run.status, run.err);
        sh("$AUDIT --quiet --error-exitcode=42 -- sh -c 'exit 3'", NULL);
        cr_expect_eq(run.status, 3, "the command's own 3: %d\n%s", run.status, run.err);
        cr_expect(strstr(run.err, "no leaks"), "%s", run.err);
        sh("$AUDIT --error-exitcode=x -- true", NULL);
        cr_expect_eq(run.status, 2, "%d %s", run.status, run.err);
}

Test(gate, fds_the_caller_held_are_not_leaks)
{
        sh("exec 10</dev/null 251</dev/null; exec $AUDIT --quiet -- /bin/true", NULL);
        cr_expect_eq(run.status, 0, "status %d\n%s", run.status, run.err);
        cr_expect(strstr(run.err, "already open when audit started"), "%s", run.err);
        cr_expect(!strstr(run.err, "leak: fd 10 ") && !strstr(run.err, "leak: fd 251 "), "%s",
                  run.err);
}

Test(gate, relative_log_with_a_cd)
{
        char *dir = fl_scratch_dir("gate");
        char script[1024], sub[600];
        struct stat st;

        snprintf(sub, sizeof(sub), "%s/sub", dir);
        cr_assert(mkdir(sub, 0755) == 0);
        snprintf(script, sizeof(script),
                 "cd %s && $AUDIT --quiet --log=r.ring -- sh -c 'cd sub && exec $LEGACY fork-exec'",
                 dir);
        sh(script, NULL);
        cr_expect_eq(run.status, 3, "status %d\n%s", run.status, run.err);
        cr_expect(strstr(run.err, "leak: fd 5 "), "%s", run.err);
        snprintf(sub, sizeof(sub), "%s/sub/r.ring", dir);
        cr_expect(stat(sub, &st) < 0, "a second ring in sub/");
        snprintf(sub, sizeof(sub), "%s/r.ring", dir);
        cr_expect(stat(sub, &st) == 0, "--log is kept");
        fl_remove_dir(dir);
}

Test(gate, no_ring_left_behind)
{
        char *dir = fl_scratch_dir("gate");
        char tmp[600], xdg[600];
        const char *env[] = {tmp, xdg, NULL};

        snprintf(tmp, sizeof(tmp), "TMPDIR=%s", dir);
        snprintf(xdg, sizeof(xdg), "XDG_RUNTIME_DIR=%s", dir);
        sh("$AUDIT -- $LEGACY fork-exec", env);
        cr_expect_eq(run.status, 3, "%s", run.err);
        cr_expect(dir_is_empty(dir), "the audit left its ring: %s", run.err);
        sh("$FORKLOCK audit --bogus -- true; $FORKLOCK run --bogus -- true; "
           "$FORKLOCK run --mode=x -- true",
           env);
        cr_expect(dir_is_empty(dir), "a refused run left a ring: %s", run.err);
        sh("$AUDIT --keep -- true", env);
        cr_expect(!dir_is_empty(dir), "--keep keeps it: %s", run.err);
        cr_expect(strstr(run.err, "ring: "), "and says where: %s", run.err);
        fl_remove_dir(dir);
}

/* mini_httpd without -D: the first process returns at once, the server forks a CGI later. */
Test(gate, daemonizing_server_audited_to_the_end, .timeout = 120)
{
        FL_SKIP_UNDER("asan", "LeakSanitizer reports mini_httpd's and python's own leaks into the "
                              "audited tree (the plain build runs it)");
        char *dir = fl_scratch_dir("gate");
        char script[4096], path[600];
        FILE *f;

        if (access("/usr/sbin/mini_httpd", X_OK) != 0)
                cr_skip_test("mini_httpd is not installed (scripts/install-deps)");
        snprintf(path, sizeof(path), "%s/t.cgi", dir);
        cr_assert((f = fopen(path, "w")));
        fputs("#!/bin/sh\necho 'Content-Type: text/plain'\necho\necho cgi-end\n", f);
        fclose(f);
        chmod(path, 0755);
        chmod(dir, 0755);
        snprintf(script, sizeof(script),
                 "port=$(python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); "
                 "print(s.getsockname()[1])')\n"
                 "$AUDIT --quiet --wait -- sh -c '"
                 "/usr/sbin/mini_httpd -p '$port' -h 127.0.0.1 -d %s -c \"**.cgi\" -i %s/pid; "
                 "(sleep 0.5; curl -s http://127.0.0.1:'$port'/t.cgi; sleep 0.3; "
                 "kill $(cat %s/pid)) >%s/reply 2>&1 &'",
                 dir, dir, dir, dir);
        sh(script, NULL);
        snprintf(path, sizeof(path), "%s/reply", dir);
        read_file(path, script, sizeof(script));
        cr_expect(strstr(script, "cgi-end"), "the CGI ran: %s", script);
        cr_expect_eq(run.status, 3, "status %d\n%s", run.status, run.err);
        cr_expect(strstr(run.err, "t.cgi") && strstr(run.err, "created by accept"), "%s", run.err);
        fl_remove_dir(dir);
}

Test(gate, run_small_things)
{
        sh("$FORKLOCK run --log=/nonexistent/dir/ring -- true", NULL);
        cr_expect_eq(run.status, 2, "bad --log: %d %s", run.status, run.err);
        cr_expect(strstr(run.err, "/nonexistent/dir"), "%s", run.err);
        sh("$FORKLOCK run -h", NULL);
        cr_expect_eq(run.status, 0, "run -h: %d %s", run.status, run.err);
        cr_expect(strstr(run.out, "usage: forklock run"), "%s", run.out);
        sh("$FORKLOCK run --quiet -- /nonexistent/cmd", NULL);
        cr_expect_eq(run.status, 127, "missing command: %d %s", run.status, run.err);
        cr_expect(strstr(run.err, "forklock run: /nonexistent/cmd: "), "%s", run.err);
        cr_expect(!strstr(run.err, "bash") && !strstr(run.err, "line "), "%s", run.err);
        sh("$FORKLOCK run --quiet --kernel=$(uname -r) -- true", NULL);
        cr_expect_eq(run.status, 0, "--kernel=$(uname -r): %d %s", run.status, run.err);
        sh("d=$(mktemp -d); $FORKLOCK run --quiet --log $d/ring -- true; s=$?; "
           "test -s $d/ring && echo ring-made; rm -rf $d; exit $s",
           NULL);
        cr_expect_eq(run.status, 0, "--log FILE: %d %s", run.status, run.err);
        cr_expect(strstr(run.out, "ring-made"), "%s %s", run.out, run.err);
        sh("$FORKLOCK run --quiet --ring=10 -- true", NULL);
        cr_expect_eq(run.status, 2, "refused before anything runs: %s", run.err);
        cr_expect_eq(fl_count_lines(run.err, "'10'"), 1, "said once: %s", run.err);
        sh("$FORKLOCK run --quiet --inherit=foo,tcp:99999 -- true", NULL);
        cr_expect(strstr(run.err, "'foo'") && strstr(run.err, "'tcp:99999'"),
                  "names each bad item: %s", run.err);
        sh("$FORKLOCK run --quiet --log=/etc/passwd -- true; $FORKLOCK dump /etc/passwd", NULL);
        cr_expect_eq(fl_count_lines(run.err, "not a forklock ring"), 2, "%s", run.err);
        cr_expect(!strstr(run.err, "truncated"), "%s", run.err);
}
