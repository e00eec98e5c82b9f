/* Images after a privilege drop: mini_httpd started as root with -u nobody runs its CGIs as nobody,
 * who cannot open root's ring. The HTTP response must carry nothing of forklock's, and
 * `forklock audit` must still report the CGI's inherited client connection from the CGI's own
 * START/INHERIT records (its drop ring), not from the parent's "seen at exec" view. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
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

static char dir[64], pidfile[128];
static pid_t audit_pid;

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

static void cleanup(void)
{
        pid_t server = pidfile[0] ? pid_from(pidfile) : 0;

        if (server > 0)
                kill(server, SIGKILL);
        if (audit_pid > 0) {
                kill(-audit_pid, SIGKILL);
                waitpid(audit_pid, NULL, 0);
        }
        if (dir[0])
                fl_remove_dir(dir);
}

TestSuite(privdrop, .fini = cleanup, .timeout = 120);

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

/* GET path; retried while the server starts. The whole reply, or "". */
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
        for (int tries = 0; tries < 100 && fd < 0; tries++) {
                fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
                        close(fd);
                        fd = -1;
                        sleep_ms(100);
                }
        }
        if (fd < 0)
                return reply;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
        if (write(fd, req, strlen(req)) == (ssize_t)strlen(req))
                while (used + 1 < sizeof(reply) &&
                       (got = read(fd, reply + used, sizeof(reply) - 1 - used)) > 0)
                        used += (size_t)got;
        reply[used] = '\0';
        close(fd);
        return reply;
}

static void write_cgi(const char *www)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/t.cgi", www);
        f = fopen(path, "w");
        cr_assert(f);
        fputs("#!/bin/sh\necho 'Content-Type: text/plain'\necho\nid -u\n"
              "ls -l /proc/$$/fd/ | grep -c socket\necho cgi-end\n",
              f);
        fclose(f);
        chmod(path, 0755);
}

static pid_t start_audited_httpd(int port, const char *out)
{
        char www[128], portstr[16], log[160];
        const char *rt = getenv("FL_SANRT");
        pid_t pid;

        snprintf(www, sizeof(www), "%s/www", dir);
        mkdir(www, 0755);
        chmod(www, 0755);
        write_cgi(www);
        snprintf(portstr, sizeof(portstr), "%d", port);
        snprintf(pidfile, sizeof(pidfile), "%s/mini_httpd.pid", dir);
        snprintf(log, sizeof(log), "--log=%s/ring", dir);
        pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
                const char *argv[] = {fl_build_path("forklock-audit"),
                                      "--quiet",
                                      log,
                                      "--",
                                      "/usr/sbin/mini_httpd",
                                      "-D",
                                      "-u",
                                      "nobody",
                                      "-p",
                                      portstr,
                                      "-h",
                                      "127.0.0.1",
                                      "-d",
                                      www,
                                      "-c",
                                      "**.cgi",
                                      "-i",
                                      pidfile,
                                      NULL};
                int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

                setpgid(0, 0);
                unsetenv("LD_PRELOAD");
                if (rt && rt[0])
                        setenv("LD_PRELOAD", rt, 1);
                dup2(fd, 1);
                dup2(fd, 2);
                close_range(3, ~0u, 0);
                execv(argv[0], (char *const *)argv);
                _exit(127);
        }
        setpgid(pid, pid);
        return pid;
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

static void read_all(const char *path, char *buf, size_t size)
{
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, size - 1, f) : 0;

        buf[n] = '\0';
        if (f)
                fclose(f);
}

Test(privdrop, mini_httpd_cgi_as_nobody)
{
        char out[128], report[32768];
        int port = free_port(), status;
        const char *reply;

        FL_SKIP_UNDER("tsan", "mini_httpd with the TSan runtime preloaded, without forklock, "
                              "does not stop on SIGTERM");
        cr_assert(geteuid() == 0, "needs root (mini_httpd -u nobody); CI runs as root");
        snprintf(dir, sizeof(dir), "/tmp/forklock-privdrop-XXXXXX");
        cr_assert(mkdtemp(dir));
        chmod(dir, 0755); /* mini_httpd reads its files as nobody */
        snprintf(out, sizeof(out), "%s/audit.out", dir);
        audit_pid = start_audited_httpd(port, out);
        reply = http_get(port, "/t.cgi");
        cr_assert(strstr(reply, "cgi-end"), "CGI reply: %s", reply);
        cr_expect(strstr(reply, "\n65534\n"), "the CGI runs as nobody: %s", reply);
        cr_expect(!strstr(reply, "forklock") && !strstr(reply, "ld.so"),
                  "nothing of forklock's in the response: %s", reply);
        sleep_ms(200);
        kill(pid_from(pidfile), SIGTERM);
        status = wait_exit(audit_pid, 20);
        audit_pid = 0;
        read_all(out, report, sizeof(report));
        fprintf(stderr, "privdrop: client received:\n%s\nprivdrop: audit (status %d):\n%s", reply,
                status, report);
        cr_expect_eq(status, 3, "a leak: %s", report);
        cr_expect(strstr(report, "leak: fd ") && strstr(report, "(TCP 127.0.0.1:") &&
                      strstr(report, "connected) reached") && strstr(report, "t.cgi") &&
                      strstr(report, "created by accept"),
                  "the client connection reaching the CGI:\n%s", report);
        cr_expect(!strstr(report, "seen at exec"), "from the CGI's own records:\n%s", report);
        cr_expect(!strstr(report, "forklock: not using"), "%s", report);
}
