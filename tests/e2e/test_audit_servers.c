/* forklock audit against real servers from Debian packages, on 127.0.0.1 and free ports:
 * mini_httpd's CGI inherits the client connection (found by the audit; gone under enforce, where
 * the request still succeeds); systemd-socket-activate hands a listener (passed, not a leak, and
 * received under enforce); nginx's binary upgrade under forklock run (the new master keeps
 * serving, its listeners are passed, not leaked). Every server is killed at the end. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fltest.h"

extern char **environ;

static pid_t started[8];
static int nstarted;
static char dir[64];
static char pidfiles[4][256];

static void sleep_ms(int ms)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

        nanosleep(&ts, NULL);
}

static pid_t pid_from(const char *path)
{
        FILE *f = fopen(path, "r");
        long pid = 0;

        if (f) {
                if (fscanf(f, "%ld", &pid) != 1)
                        pid = 0;
                fclose(f);
        }
        return (pid_t)pid;
}

static void stop_all(void)
{
        for (int i = 0; i < 4; i++) {
                pid_t pid = pidfiles[i][0] ? pid_from(pidfiles[i]) : 0;

                /* Servers that made their own session escape the group kill below. */
                if (pid > 0)
                        kill(pid, SIGKILL);
        }
        for (int i = 0; i < nstarted; i++) {
                kill(-started[i], SIGKILL);
                waitpid(started[i], NULL, WNOHANG);
        }
        if (dir[0]) {
                char cmd[128];

                snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
                if (system(cmd) != 0)
                        fprintf(stderr, "cannot remove %s\n", dir);
        }
}

static void make_dir(void)
{
        snprintf(dir, sizeof(dir), "/tmp/forklock-audit-srv-XXXXXX");
        cr_assert(mkdtemp(dir));
        chmod(dir, 0755); /* servers that drop privileges read their files as nobody */
}

static int free_port(void)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
        getsockname(fd, (struct sockaddr *)&a, &len);
        close(fd);
        return ntohs(a.sin_port);
}

static const char *preload_value(void)
{
        static char value[4096];
        const char *rt = getenv("FL_SANRT");

        snprintf(value, sizeof(value), "LD_PRELOAD=%s%s%s", rt && rt[0] ? rt : "",
                 rt && rt[0] ? " " : "", fl_build_path("libforklock.so"));
        return value;
}

/* Under a sanitizer build the runtime must come first in LD_PRELOAD; forklock-audit keeps a
 * runtime it finds there ahead of the library it adds. */
static const char *const *sanitizer_runtime(void)
{
        static char value[4096];
        static const char *env[] = {value, NULL};
        const char *rt = getenv("FL_SANRT");

        if (!rt || !rt[0])
                return NULL;
        snprintf(value, sizeof(value), "LD_PRELOAD=%s", rt);
        return env;
}

/* Starts argv in its own process group with the environment minus LD_PRELOAD/FORKLOCK_*, plus
 * extra; stdout and stderr to out_path. */
static pid_t start(const char *const argv[], const char *const extra[], const char *out_path)
{
        pid_t pid = fork();

        cr_assert(pid >= 0);
        if (pid == 0) {
                char *env[512];
                int n = 0, out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

                setpgid(0, 0);
                for (char **e = environ; *e && n < 480; e++)
                        if (strncmp(*e, "LD_PRELOAD=", 11) && strncmp(*e, "FORKLOCK_", 9))
                                env[n++] = *e;
                for (int i = 0; extra && extra[i]; i++)
                        env[n++] = (char *)extra[i];
                env[n] = NULL;
                dup2(out, 1);
                dup2(out, 2);
                close_range(3, ~0u, 0);
                execve(argv[0], (char *const *)argv, env);
                _exit(127);
        }
        setpgid(pid, pid);
        started[nstarted++] = pid;
        return pid;
}

/* GET path on 127.0.0.1:port; retried for up to 10 s while the server starts. The reply, or "". */
static const char *http_get(int port, const char *path)
{
        static char reply[65536];
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        struct timeval tv = {10, 0};
        char req[256];
        size_t used = 0;
        ssize_t got;
        int fd = -1;

        reply[0] = '\0';
        for (int tries = 0; tries < 100; tries++) {
                fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
                        break;
                close(fd);
                fd = -1;
                sleep_ms(100);
        }
        if (fd < 0)
                return reply;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
        if (write(fd, req, strlen(req)) < 0) {
                close(fd);
                return reply;
        }
        while (used + 1 < sizeof(reply) &&
               (got = read(fd, reply + used, sizeof(reply) - 1 - used)) > 0)
                used += (size_t)got;
        reply[used] = '\0';
        close(fd);
        return reply;
}

static int wait_exit(pid_t pid, int timeout_s)
{
        int status;

        for (int i = 0; i < timeout_s * 20; i++) {
                if (waitpid(pid, &status, WNOHANG) == pid)
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                sleep_ms(50);
        }
        return -1;
}

/* SIGTERM, then SIGKILL if it is still there after 5 s: under ThreadSanitizer, which defers
 * signals to its own safe points, mini_httpd may never act on SIGTERM while blocked. Returns the
 * exit status of waited (the process the test started, e.g. forklock-audit). */
static int stop_server(pid_t server, pid_t waited)
{
        int status;

        kill(server, SIGTERM);
        status = wait_exit(waited, 5);
        if (status == -1) {
                kill(server, SIGKILL);
                status = wait_exit(waited, 20);
        }
        return status;
}

static void read_file(const char *path, char *buf, size_t size)
{
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, size - 1, f) : 0;

        buf[n] = '\0';
        if (f)
                fclose(f);
}

static int audit_from(const char *ring, struct fl_run *run)
{
        char from[256];
        const char *argv[] = {
            fl_build_path("forklock-audit"), "-o", "/dev/stdout", "--verbose", from, NULL};

        snprintf(from, sizeof(from), "--from=%s", ring);
        return fl_run_program(run, argv, NULL, false, getenv("FL_SANRT"), 60);
}

static void write_cgi(const char *www)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/t.cgi", www);
        f = fopen(path, "w");
        cr_assert(f);
        fputs("#!/bin/sh\necho 'Content-Type: text/plain'\necho\n"
              "for f in /proc/$$/fd/*; do n=${f##*/}; [ \"$n\" -ge 3 ] 2>/dev/null && "
              "[ \"$n\" != 10 ] && echo \"fd $n $(readlink $f)\"; done\necho cgi-end\n",
              f);
        fclose(f);
        chmod(path, 0755);
}

TestSuite(audit_servers, .fini = stop_all, .timeout = 120);

static void start_mini_httpd(bool audit, int port, const char *ring, const char *out)
{
        char www[128], portstr[16], log[300];
        const char *httpd[] = {"/usr/sbin/mini_httpd",
                               "-D",
                               "-p",
                               portstr,
                               "-h",
                               "127.0.0.1",
                               "-d",
                               www,
                               "-c",
                               "**.cgi",
                               "-i",
                               pidfiles[0],
                               NULL};
        const char *audited[20] = {fl_build_path("forklock-audit"), "--quiet", log, "--"};
        const char *enforce[] = {preload_value(), log + 2, NULL};

        snprintf(www, sizeof(www), "%s/www", dir);
        mkdir(www, 0755);
        chmod(www, 0755);
        write_cgi(www);
        snprintf(portstr, sizeof(portstr), "%d", port);
        snprintf(pidfiles[0], sizeof(pidfiles[0]), "%s/mini_httpd.pid", dir);
        if (audit) {
                snprintf(log, sizeof(log), "--log=%s", ring);
                memcpy(audited + 4, httpd, sizeof(httpd));
                start(audited, sanitizer_runtime(), out);
        } else {
                snprintf(log, sizeof(log), "--FORKLOCK_LOG=%s", ring);
                enforce[1] = log + 2;
                start(httpd, enforce, out);
        }
}

Test(audit_servers, mini_httpd_cgi_audit)
{
        char ring[256], out[256], report[16384];
        int port = free_port(), status;
        const char *reply;

        make_dir();
        snprintf(ring, sizeof(ring), "%s/ring", dir);
        snprintf(out, sizeof(out), "%s/audit.out", dir);
        start_mini_httpd(true, port, ring, out);
        reply = http_get(port, "/t.cgi");
        cr_assert(strstr(reply, "cgi-end"), "CGI reply: %s", reply);
        cr_expect(strstr(reply, "socket:["), "unprotected, the CGI inherits a socket: %s", reply);
        sleep_ms(200);
        status = stop_server(pid_from(pidfiles[0]), started[0]);
        read_file(out, report, sizeof(report));
        cr_assert_eq(status, 3, "audit status %d:\n%s", status, report);
        cr_expect(strstr(report, "leak: fd ") && strstr(report, "(TCP 127.0.0.1:") &&
                      strstr(report, "connected) reached") && strstr(report, "t.cgi") &&
                      strstr(report, "created by accept"),
                  "the client connection reaching the CGI:\n%s", report);
        fprintf(stderr, "mini_httpd audit: %d leak lines, 1 request\n%s",
                fl_count_lines(report, "leak: fd"), report);
}

Test(audit_servers, mini_httpd_cgi_enforce)
{
        char ring[256], out[256];
        struct fl_run run;
        int port = free_port();
        const char *reply;

        make_dir();
        snprintf(ring, sizeof(ring), "%s/ring", dir);
        snprintf(out, sizeof(out), "%s/httpd.out", dir);
        start_mini_httpd(false, port, ring, out);
        for (int i = 0; i < 5; i++) {
                reply = http_get(port, "/t.cgi");
                cr_assert(strstr(reply, "cgi-end"), "request %d: %s", i, reply);
                cr_assert(!strstr(reply, "socket:["), "enforce: the CGI inherits a socket: %s",
                          reply);
        }
        kill(pid_from(pidfiles[0]), SIGTERM);
        wait_exit(started[0], 20);
        audit_from(ring, &run);
        cr_expect(!strstr(run.out, "(TCP"), "no socket leaks under enforce:\n%s", run.out);
        fprintf(stderr, "mini_httpd enforce: 5 requests served; leak lines %d\n%s",
                fl_count_lines(run.out, "leak: fd"), run.out);
}

Test(audit_servers, systemd_socket_activate)
{
        FL_SKIP_UNDER("asan", "under ASan a library constructor of the host program calls a "
                              "wrapped open() before the ASan runtime is initialised, and any "
                              "instrumented code crashes there (the plain build runs it)");
        char ring[256], out[256], listen_arg[64], log[300], buf[512];
        const char *argv[] = {"/usr/bin/systemd-socket-activate", "-l", listen_arg,
                              fl_build_path("fixtures/audit_activated"), NULL};
        const char *env[] = {preload_value(), log, NULL};
        struct fl_run run;
        int port = free_port(), status;
        const char *reply;

        make_dir();
        snprintf(ring, sizeof(ring), "%s/ring", dir);
        snprintf(out, sizeof(out), "%s/activate.out", dir);
        snprintf(log, sizeof(log), "FORKLOCK_LOG=%s", ring);
        snprintf(listen_arg, sizeof(listen_arg), "127.0.0.1:%d", port);
        start(argv, env, out);
        reply = http_get(port, "/");
        cr_assert(strstr(reply, "activated listen_fds=1 listening=1"),
                  "enforce: the service received its listener: '%s'", reply);
        status = wait_exit(started[0], 20);
        read_file(out, buf, sizeof(buf));
        cr_expect_eq(status, 0, "service status %d: %s", status, buf);
        audit_from(ring, &run);
        cr_expect(!strstr(run.out, "leak: fd 3 "), "the listener is no leak:\n%s", run.out);
        cr_expect(strstr(run.out, "passed: fd 3 (TCP") && strstr(run.out, "LISTEN_FDS"),
                  "passed on purpose by LISTEN_FDS:\n%s", run.out);
        fprintf(stderr, "systemd-socket-activate enforce: 1 request; leak lines %d\n%s",
                fl_count_lines(run.out, "leak: fd"), run.out);
}

static void write_nginx_conf(const char *path, int port)
{
        FILE *f = fopen(path, "w");

        cr_assert(f);
        fprintf(f,
                "worker_processes 1;\nmaster_process on;\ndaemon on;\npid %s/nginx.pid;\n"
                "error_log %s/error.log info;\nevents { worker_connections 64; }\n"
                "http { access_log off; client_body_temp_path %s; proxy_temp_path %s;\n"
                "  fastcgi_temp_path %s; uwsgi_temp_path %s; scgi_temp_path %s;\n"
                "  server { listen 127.0.0.1:%d; location / { return 200 \"hi\\n\"; } } }\n",
                dir, dir, dir, dir, dir, dir, dir, port);
        fclose(f);
}

static bool leak_of_listener(const char *report)
{
        for (const char *p = report; (p = strstr(p, "leak: fd ")); p++) {
                const char *end = strchr(p, '\n');

                if (strstr(p, "listening)") && (!end || strstr(p, "listening)") < end))
                        return true;
        }
        return false;
}

static pid_t wait_pidfile(const char *path, pid_t not )
{
        for (int i = 0; i < 600; i++) {
                pid_t pid = pid_from(path);

                if (pid > 0 && pid != not )
                        return pid;
                sleep_ms(50);
        }
        return 0;
}

Test(audit_servers, nginx_binary_upgrade)
{
        char conf[256], ring[256], out[256], log[300], report[4096];
        const char *argv[] = {"/usr/sbin/nginx", "-c", conf, "-p", dir, NULL};
        const char *env[] = {preload_value(), log, NULL};
        struct fl_run run;
        int port = free_port(), served = 0;
        pid_t old_master, new_master;

        make_dir();
        snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
        snprintf(ring, sizeof(ring), "%s/ring", dir);
        snprintf(out, sizeof(out), "%s/nginx.out", dir);
        snprintf(log, sizeof(log), "FORKLOCK_LOG=%s", ring);
        snprintf(pidfiles[0], sizeof(pidfiles[0]), "%s/nginx.pid", dir);
        snprintf(pidfiles[1], sizeof(pidfiles[1]), "%s/nginx.pid.oldbin", dir);
        write_nginx_conf(conf, port);
        start(argv, env, out);
        old_master = wait_pidfile(pidfiles[0], 0);
        cr_assert(old_master > 0, "nginx did not start");
        cr_assert(strstr(http_get(port, "/"), "hi"), "before the upgrade");
        served++;
        cr_assert_eq(kill(old_master, SIGUSR2), 0);
        new_master = wait_pidfile(pidfiles[0], old_master);
        read_file(out, report, sizeof(report));
        cr_assert(new_master > 0, "no new master after USR2: %s", report);
        cr_assert_eq(wait_pidfile(pidfiles[1], 0), old_master);
        kill(old_master, SIGQUIT);
        for (int i = 0; i < 100 && kill(old_master, 0) == 0; i++)
                sleep_ms(50);
        cr_expect_neq(kill(old_master, 0), 0, "old master still running");
        for (int i = 0; i < 3; i++) {
                cr_assert(strstr(http_get(port, "/"), "hi"), "the new master serves (%d)", i);
                served++;
        }
        cr_expect(kill(new_master, 0) == 0);
        audit_from(ring, &run);
        cr_expect(!leak_of_listener(run.out), "no leak for the listeners:\n%s", run.out);
        cr_expect(strstr(run.out, "passed: fd ") && strstr(run.out, "(NGINX)"),
                  "the listener passed by NGINX:\n%s", run.out);
        fprintf(stderr, "nginx upgrade enforce: %d requests; leak lines %d\n%s", served,
                fl_count_lines(run.out, "leak: fd"), run.out);
        kill(new_master, SIGQUIT);
        for (int i = 0; i < 100 && kill(new_master, 0) == 0; i++)
                sleep_ms(50);
}
