/* The privilege-drop case end to end: mini_httpd started as root with -u nobody runs a CGI as
 * nobody, which inherits the client connection (mini_httpd does not mark it close-on-exec).
 * Three runs of the same script, on 127.0.0.1 and a free port: bare, under `forklock run` with a
 * ring file (FORKLOCK_LOG) the nobody image cannot open, and under `forklock audit`.
 *   - The HTTP responses under forklock run and audit are byte-identical to bare apart from the
 *     Date header: nothing of forklock's (no "forklock:" text, no ld.so line) reaches the client.
 *   - Under forklock run the CGI holds no socket; bare it holds the connection.
 *   - forklock audit reports the connection that reached the CGI as a leak. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fltest.h"
#include "flrun.h"

static char *base;

static void cleanup(void)
{
        if (base && fl_remove_dir(base) != 0)
                fprintf(stderr, "cannot remove %s\n", base);
}

/* $WRAP goes in front of mini_httpd alone: the client (socat) always runs bare. The server's
 * and the wrapper's own output go to server.txt, the responses to stdout. */
static const char script[] =
    "set -u\n"
    "mkdir www\n"
    "cat >www/t.cgi <<EOF\n#!/bin/sh\necho 'Content-Type: text/plain'\n"
    "echo 'X-Cgi: as-'\\$(id -un)\necho\necho \"query \\$QUERY_STRING\"\n"
    "$FDLIST cgi $FDS/cgi\necho cgi-end\nEOF\n"
    "chmod 755 www/t.cgi\n"
    "$WRAP mini_httpd -D -p $PORT -h 127.0.0.1 -d \"$PWD/www\" -c '**.cgi' -u nobody"
    " -l /dev/null -i \"$PWD/httpd.pid\" >server.txt 2>&1 &\n"
    "i=0; until [ -n \"$(ss -Hltn \"sport = :$PORT\")\" ]; do i=$((i+1));"
    " [ $i -gt 200 ] && { echo 'nothing listens' >&2; break; }; sleep 0.05; done\n"
    "for q in one two three; do printf 'GET /t.cgi?%s HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n' $q |"
    " env -u LD_PRELOAD socat -t10 - TCP:127.0.0.1:$PORT; done\n"
    /* Under a TSan library mini_httpd acts on SIGTERM once a connection wakes it. */
    "kill \"$(cat httpd.pid)\"; i=0; while kill -0 \"$(cat httpd.pid)\" 2>/dev/null &&"
    " [ $i -lt 40 ]; do i=$((i+1)); [ $i -eq 20 ] && socat -u OPEN:/dev/null"
    " TCP:127.0.0.1:$PORT 2>/dev/null; sleep 0.05; done\n"
    "kill -9 \"$(cat httpd.pid)\" 2>/dev/null; wait $!; echo \"server status $?\" >>server.txt\n";

static const char *forklock_cmd(void)
{
        static char path[4096];

        snprintf(path, sizeof(path), "%s/scripts/forklock",
                 getenv("FL_SRC") ? getenv("FL_SRC") : ".");
        return path;
}

static bool sanitized(void)
{
        return getenv("FL_SANRT") && *getenv("FL_SANRT");
}

/* The WRAP=... variable for one mode: "" bare; forklock run with a ring file; forklock audit. */
static const char *wrap_for(const char *mode, const char *ring)
{
        static char wrap[8192];

        if (strcmp(mode, "bare") == 0)
                snprintf(wrap, sizeof(wrap), "WRAP=");
        else if (strcmp(mode, "run") == 0 && sanitized())
                snprintf(wrap, sizeof(wrap),
                         "WRAP=env ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD=%s:%s FORKLOCK_LOG=%s "
                         "FORKLOCK_MODE=enforce",
                         getenv("FL_SANRT"), fl_build_path("libforklock.so"), ring);
        else if (strcmp(mode, "run") == 0)
                snprintf(wrap, sizeof(wrap), "WRAP=%s run --quiet --log=%s --", forklock_cmd(),
                         ring);
        else if (sanitized()) /* the runtime preloaded into forklock-audit, not into bash */
                snprintf(wrap, sizeof(wrap),
                         "WRAP=env ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD=%s %s --libdir=%s "
                         "--quiet --log=%s --",
                         getenv("FL_SANRT"), fl_build_path("forklock-audit"), fl_build_path("."),
                         ring);
        else
                snprintf(wrap, sizeof(wrap), "WRAP=%s audit --quiet --log=%s --", forklock_cmd(),
                         ring);
        return wrap;
}

static void run_mode(struct fl_tree_run *run, const char *mode, char **server)
{
        char ring[512], libdir[4200], path[600];
        const char *env[] = {NULL, libdir, NULL};
        char *raw;

        snprintf(ring, sizeof(ring), "%s/%s.ring", base, mode);
        snprintf(libdir, sizeof(libdir), "FORKLOCK_LIBDIR=%s", fl_build_path("."));
        env[0] = wrap_for(mode, ring);
        fl_tree_run(run, base, mode, script, env, false, 60);
        snprintf(path, sizeof(path), "%s/server.txt", run->work);
        raw = fl_slurp(path);
        *server = fl_normalise(raw, run->work, run->port);
        free(raw);
}

TestSuite(privdrop, .fini = cleanup, .timeout = 180);

Test(privdrop, mini_httpd_cgi_as_nobody)
{
        struct fl_tree_run bare, run, audit;
        char *bare_server, *run_server, *audit_server;

        cr_assert(access("/usr/sbin/mini_httpd", X_OK) == 0 && access("/usr/bin/socat", X_OK) == 0,
                  "apt-get install -y mini-httpd socat (scripts/install-deps does it)");
        cr_assert_eq(geteuid(), 0, "mini_httpd -u nobody needs root");
        base = fl_scratch_dir("privdrop");
        cr_assert(base);
        chmod(base, 0755); /* the CGI runs as nobody from here */

        run_mode(&bare, "bare", &bare_server);
        run_mode(&run, "run", &run_server);
        run_mode(&audit, "audit", &audit_server);
        fprintf(stderr, "--- what the client received under forklock run (Date normalised):\n%s",
                run.out);
        fprintf(stderr, "--- forklock audit's report and mini_httpd's own output:\n%s\n",
                audit_server);

        cr_assert_eq(fl_count_lines(bare.out, "cgi-end"), 3, "bare: three CGI replies:\n%s\n%s",
                     bare.out, bare_server);
        cr_expect(strstr(bare.out, "X-Cgi: as-nobody"), "the CGI runs as nobody:\n%s", bare.out);
        cr_expect(!strcmp(bare.out, run.out), "forklock run changed the response, %s",
                  fl_first_difference(bare.out, run.out));
        cr_expect(!strcmp(bare.out, audit.out), "forklock audit changed the response, %s",
                  fl_first_difference(bare.out, audit.out));
        for (const struct fl_tree_run *r = &run; r; r = r == &run ? &audit : NULL) {
                cr_expect(!strstr(r->out, "forklock") && !strstr(r->out, "ld.so") &&
                              !strstr(r->out, "libforklock"),
                          "forklock text reached the client:\n%s", r->out);
                cr_expect(!strcmp(bare.err, r->err), "stderr differs, %s",
                          fl_first_difference(bare.err, r->err));
        }

        cr_expect_eq(bare.fd_lines, 3, "bare: each CGI listed its fds:\n%s", bare.fds);
        cr_expect_eq(bare.sockets, 3, "bare: each CGI inherits the connection:\n%s", bare.fds);
        cr_expect_eq(run.fd_lines, 3, "forklock run: each CGI listed its fds:\n%s", run.fds);
        cr_expect_eq(run.sockets, 0, "forklock run: the CGI still holds a socket:\n%s", run.fds);
        cr_expect(!strcmp(bare.fds, run.fds), "other fds differ, %s",
                  fl_first_difference(bare.fds, run.fds));

        cr_expect(strstr(audit_server, "leak: fd ") && strstr(audit_server, "TCP 127.0.0.1:") &&
                      strstr(audit_server, "t.cgi"),
                  "forklock audit does not report the connection reaching the CGI:\n%s",
                  audit_server);
        cr_expect(strstr(audit_server, "server status 3"), "audit exits 3 on a leak:\n%s",
                  audit_server);
        free(bare_server);
        free(run_server);
        free(audit_server);
        fl_tree_run_free(&bare);
        fl_tree_run_free(&run);
        fl_tree_run_free(&audit);
}
