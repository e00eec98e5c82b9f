/* Real servers under load with forklock enforcing and recording, on 127.0.0.1, bounded: nginx
 * (master + workers) with wrk, redis-server with redis-benchmark (and a BGSAVE fork mid-load),
 * python3 -m http.server with 200 curl requests. Zero errors, and while the load runs every socket
 * fd of the server and its children is close-on-exec (/proc/PID/fdinfo/N "flags:", O_CLOEXEC). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fltest.h"

extern char **environ;

#define MAX_PIDS   64
#define MAX_INODES 8192

struct scan {
        long checks;       /* TCP socket fds looked at, over all passes */
        long listening;    /* of which listening */
        long not_cloexec;  /* of which without O_CLOEXEC */
        long other_checks; /* other sockets (unix: nginx's channels) */
        long other_not_cloexec;
        char other_offender[512];
        char offender[256]; /* the first of those */
        int pids_seen;      /* most server processes seen at once */
        unsigned long inodes[MAX_INODES];
        int distinct; /* distinct socket inodes seen */
        long passes;
};

static char *scratch_dir(void)
{
        static char dir[64];

        snprintf(dir, sizeof(dir), "/tmp/forklock-servers-XXXXXX");
        cr_assert(mkdtemp(dir), "mkdtemp");
        cr_assert(chmod(dir, 0755) == 0);
        return dir;
}

static void remove_dir(const char *dir)
{
        char cmd[256];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        cr_expect(system(cmd) == 0);
}

static int free_port(void)
{
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
        socklen_t len = sizeof(addr);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        cr_assert(fd >= 0);
        cr_assert(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
        cr_assert(getsockname(fd, (struct sockaddr *)&addr, &len) == 0);
        close(fd);
        return ntohs(addr.sin_port);
}

static bool port_open(int port)
{
        struct sockaddr_in addr = {.sin_family = AF_INET,
                                   .sin_port = htons((uint16_t)port),
                                   .sin_addr.s_addr = htonl(0x7f000001)};
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool ok = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;

        close(fd);
        return ok;
}

/* Starts argv[0] (found on PATH) in its own process group, under forklock enforcing and
 * recording into dir/ring, its output in dir/server.log. */
static pid_t start_server(const char *dir, const char *const argv[])
{
        static char preload[2048], log_var[256], *env[4096];
        const char *sanrt = getenv("FL_SANRT");
        char out_path[256];
        size_t n = 0;
        pid_t pid;

        snprintf(preload, sizeof(preload), "LD_PRELOAD=%s%s%s", sanrt && *sanrt ? sanrt : "",
                 sanrt && *sanrt ? " " : "", fl_build_path("libforklock.so"));
        snprintf(log_var, sizeof(log_var), "FORKLOCK_LOG=%s/ring", dir);
        for (char **e = environ; *e && n < 4090; e++)
                if (strncmp(*e, "LD_PRELOAD=", 11) != 0 && strncmp(*e, "FORKLOCK_", 9) != 0)
                        env[n++] = *e;
        env[n++] = preload;
        env[n++] = log_var;
        env[n++] = (char *)"FORKLOCK_MODE=enforce";
        env[n] = NULL;
        snprintf(out_path, sizeof(out_path), "%s/server.log", dir);
        pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
                int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                setpgid(0, 0);
                dup2(out, 1);
                dup2(out, 2);
                syscall(SYS_close_range, 3, ~0U, 0);
                execvpe(argv[0], (char *const *)argv, env);
                _exit(127);
        }
        setpgid(pid, pid);
        return pid;
}

static void wait_for_port(pid_t pid, int port, const char *dir)
{
        for (int i = 0; i < 200; i++) {
                if (port_open(port))
                        return;
                if (waitpid(pid, NULL, WNOHANG) == pid)
                        break;
                usleep(50000);
        }
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "cat %s/server.log >&2", dir);
        (void)!system(cmd);
        cr_assert_fail("server %d never listened on port %d", (int)pid, port);
}

static void stop_server(pid_t pid)
{
        int status;

        kill(-pid, SIGTERM);
        for (int i = 0; i < 100; i++) {
                if (waitpid(pid, &status, WNOHANG) == pid) {
                        kill(-pid, SIGKILL);
                        return;
                }
                usleep(50000);
        }
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
}

/* ---- /proc scanning -------------------------------------------------------------------------- */

static long ppid_of(long pid)
{
        char path[64], buf[512], *close_paren;
        long ppid = -1;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        if (fgets(buf, sizeof(buf), f) && (close_paren = strrchr(buf, ')')))
                sscanf(close_paren + 2, "%*c %ld", &ppid);
        fclose(f);
        return ppid;
}

/* The server and its descendants. */
static int server_pids(long root, long *pids)
{
        int n = 0, grew = 1;

        pids[n++] = root;
        while (grew && n < MAX_PIDS) {
                DIR *proc = opendir("/proc");
                struct dirent *e;

                grew = 0;
                while (proc && (e = readdir(proc)) && n < MAX_PIDS) {
                        long pid = atol(e->d_name), ppid;
                        bool known = false;

                        if (pid <= 0)
                                continue;
                        for (int i = 0; i < n; i++)
                                known |= pids[i] == pid;
                        if (known)
                                continue;
                        ppid = ppid_of(pid);
                        for (int i = 0; i < n && !known; i++)
                                if (pids[i] == ppid) {
                                        pids[n++] = pid;
                                        grew = 1;
                                        known = true;
                                }
                }
                if (proc)
                        closedir(proc);
        }
        return n;
}

static void note_inode(struct scan *s, unsigned long inode)
{
        for (int i = 0; i < s->distinct; i++)
                if (s->inodes[i] == inode)
                        return;
        if (s->distinct < MAX_INODES)
                s->inodes[s->distinct++] = inode;
}

/* TCP socket inodes of this network namespace: 1 listening, 2 other, 0 not TCP. */
struct tcp_table {
        unsigned long inode[4096];
        bool listen[4096];
        int n;
};

static void load_tcp(struct tcp_table *t)
{
        static const char *const files[] = {"/proc/net/tcp", "/proc/net/tcp6"};

        t->n = 0;
        for (int i = 0; i < 2; i++) {
                FILE *f = fopen(files[i], "re");
                char line[512];

                while (f && fgets(line, sizeof(line), f) && t->n < 4096) {
                        unsigned int state;
                        unsigned long inode;

                        if (sscanf(line, "%*s %*s %*s %x %*s %*s %*s %*s %*s %lu", &state,
                                   &inode) == 2) {
                                t->inode[t->n] = inode;
                                t->listen[t->n++] = state == 0x0A;
                        }
                }
                if (f)
                        fclose(f);
        }
}

static int tcp_kind(const struct tcp_table *t, unsigned long inode)
{
        for (int i = 0; i < t->n; i++)
                if (t->inode[i] == inode)
                        return t->listen[i] ? 1 : 2;
        return 0;
}

static void scan_once(struct scan *s, long root)
{
        static struct tcp_table tcp;
        long pids[MAX_PIDS];
        int n = server_pids(root, pids);

        load_tcp(&tcp);
        if (n > s->pids_seen)
                s->pids_seen = n;
        s->passes++;
        for (int p = 0; p < n; p++) {
                char dir_path[64];
                DIR *dir;
                struct dirent *e;

                snprintf(dir_path, sizeof(dir_path), "/proc/%ld/fd", pids[p]);
                dir = opendir(dir_path);
                while (dir && (e = readdir(dir))) {
                        char link_path[384], target[128], info_path[384], line[256];
                        unsigned long inode, flags = 0;
                        bool have_flags = false;
                        ssize_t len;
                        FILE *info;

                        if (e->d_name[0] == '.')
                                continue;
                        snprintf(link_path, sizeof(link_path), "%s/%s", dir_path, e->d_name);
                        len = readlink(link_path, target, sizeof(target) - 1);
                        if (len <= 0)
                                continue;
                        target[len] = '\0';
                        if (sscanf(target, "socket:[%lu]", &inode) != 1)
                                continue;
                        snprintf(info_path, sizeof(info_path), "/proc/%ld/fdinfo/%s", pids[p],
                                 e->d_name);
                        info = fopen(info_path, "re");
                        if (!info)
                                continue; /* closed meanwhile */
                        while (fgets(line, sizeof(line), info))
                                if (sscanf(line, "flags: %lo", &flags) == 1)
                                        have_flags = true;
                        fclose(info);
                        if (!have_flags)
                                continue;
                        int kind = tcp_kind(&tcp, inode);
                        if (kind == 0) {
                                /* Not TCP (or opened after the table was read): reported. */
                                s->other_checks++;
                                if (!(flags & 02000000) && !s->other_not_cloexec++)
                                        snprintf(s->other_offender, sizeof(s->other_offender),
                                                 "pid %ld fd %.16s %.64s flags 0%lo", pids[p],
                                                 e->d_name, target, flags);
                                continue;
                        }
                        s->checks++;
                        s->listening += kind == 1;
                        note_inode(s, inode);
                        if (!(flags & 02000000)) {
                                if (!s->not_cloexec++)
                                        snprintf(s->offender, sizeof(s->offender),
                                                 "pid %ld fd %.16s %.64s flags 0%lo", pids[p],
                                                 e->d_name, target, flags);
                        }
                }
                if (dir)
                        closedir(dir);
        }
}

/* ---- load in a thread, /proc scanned meanwhile ----------------------------------------------- */

struct load {
        const char *const *argv;
        int timeout_s;
        struct fl_run run;
        atomic_bool done;
};

static void *run_load(void *arg)
{
        struct load *load = arg;

        fl_run_program(&load->run, load->argv, NULL, false, NULL, load->timeout_s);
        atomic_store(&load->done, true);
        return NULL;
}

/* Runs the load; scans while it runs, calling during() once after a second if given. */
static void load_and_scan(struct load *load, struct scan *s, pid_t server, void (*during)(void *),
                          void *arg)
{
        pthread_t thread;
        long passes = 0;

        atomic_store(&load->done, false);
        cr_assert(pthread_create(&thread, NULL, run_load, load) == 0);
        while (!atomic_load(&load->done)) {
                scan_once(s, server);
                if (++passes == 50 && during)
                        during(arg);
                usleep(20000);
        }
        pthread_join(thread, NULL);
        scan_once(s, server);
}

/* Records of one call in the ring (forklock-dump --call). */
static int ring_count(const char *dir, const char *call)
{
        char cmd[1024];
        int count = -1;
        FILE *p;

        snprintf(cmd, sizeof(cmd), "'%s' --json --call=%s '%s/ring' | wc -l",
                 fl_build_path("forklock-dump"), call, dir);
        p = popen(cmd, "r");
        cr_assert(p);
        if (fscanf(p, "%d", &count) != 1)
                count = -1;
        pclose(p);
        return count;
}

/* Idle clients held open while the load runs, so that accepted sockets are always there to be
 * checked, however fast the load itself is. */
static void idle_clients(int port, int *fds, int n)
{
        struct sockaddr_in addr = {.sin_family = AF_INET,
                                   .sin_port = htons((uint16_t)port),
                                   .sin_addr.s_addr = htonl(0x7f000001)};

        for (int i = 0; i < n; i++) {
                fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                cr_assert(connect(fds[i], (struct sockaddr *)&addr, sizeof(addr)) == 0);
        }
}

static void close_all(int *fds, int n)
{
        for (int i = 0; i < n; i++)
                close(fds[i]);
}

static void expect_all_cloexec(const char *name, const struct scan *s)
{
        fprintf(stderr,
                "%s: %ld scans, %d server processes, %ld TCP socket fds checked (%ld listening, "
                "%d distinct sockets), %ld without close-on-exec; other sockets: %ld checked, "
                "%ld without close-on-exec %s\n",
                name, s->passes, s->pids_seen, s->checks, s->listening, s->distinct, s->not_cloexec,
                s->other_checks, s->other_not_cloexec, s->other_offender);
        cr_expect_eq(s->not_cloexec, 0, "%s: %s", name, s->offender);
        cr_expect_gt(s->listening, 0, "%s: no listening socket was seen", name);
        cr_expect_gt(s->checks, s->listening, "%s: no accepted socket was seen", name);
        if (s->other_not_cloexec)
                fprintf(
                    stderr,
                    "NOTE: %s: a non-TCP socket without close-on-exec (not created by a wrapped "
                    "call, e.g. received by recvmsg SCM_RIGHTS): %s\n",
                    name, s->other_offender);
}

/* The tool's path on PATH (rotating static buffers), or NULL. */
static const char *which(const char *tool)
{
        static char paths[8][512];
        static int next;
        const char *path = getenv("PATH");
        char *out = paths[next++ % 8];

        for (const char *at = path ? path : "/usr/bin:/bin"; at && *at;) {
                const char *end = strchr(at, ':');
                int len = end ? (int)(end - at) : (int)strlen(at);

                snprintf(out, sizeof(paths[0]), "%.*s/%s", len, at, tool);
                if (access(out, X_OK) == 0)
                        return out;
                at = end ? end + 1 : NULL;
        }
        return NULL;
}

/* The integer after "key:" in text (redis INFO), or -1. */
static long colon_field(const char *text, const char *key)
{
        char pattern[128];
        const char *at;

        snprintf(pattern, sizeof(pattern), "%s:", key);
        at = strstr(text, pattern);
        return at ? strtol(at + strlen(pattern), NULL, 10) : -1;
}

static bool have(const char *tool)
{
        return which(tool) != NULL;
}

/* ---- nginx + wrk ----------------------------------------------------------------------------- */

Test(servers, nginx_with_wrk, .timeout = 120)
{
        char *dir = scratch_dir(), conf[256], url[64];
        int port = free_port();
        const char *server_argv[] = {"nginx", "-p", dir, "-c", conf, "-e", "stderr", NULL};
        const char *wrk_argv[] = {which("wrk"), "-t2", "-c20", "-d3s", url, NULL};
        struct load load = {.argv = wrk_argv, .timeout_s = 30};
        static struct scan s;
        FILE *f;
        pid_t pid;
        int idle[3];
        long requests;

        if (!have("nginx") || !have("wrk"))
                cr_skip_test("nginx-light and wrk are needed (scripts/install-deps)");
        memset(&s, 0, sizeof(s));
        snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
        f = fopen(conf, "we");
        cr_assert(f);
        fprintf(f,
                "daemon off;\nmaster_process on;\nworker_processes 2;\npid %s/nginx.pid;\n"
                "error_log stderr;\nevents { worker_connections 256; }\n"
                "http {\n access_log off;\n client_body_temp_path %s/body;\n"
                " proxy_temp_path %s/proxy;\n fastcgi_temp_path %s/fastcgi;\n"
                " server {\n  listen 127.0.0.1:%d;\n  location / { return 200 \"ok\\n\"; }\n"
                " }\n}\n",
                dir, dir, dir, dir, port);
        fclose(f);
        pid = start_server(dir, server_argv);
        wait_for_port(pid, port, dir);
        idle_clients(port, idle, 3);
        load_and_scan(&load, &s, pid, NULL, NULL);
        close_all(idle, 3);
        stop_server(pid);
        requests = fl_field(load.run.out, "\n ") < 0 ? -1 : 0;
        {
                const char *at = strstr(load.run.out, " requests in ");
                const char *start = at;
                while (start && start > load.run.out && start[-1] != '\n')
                        start--;
                requests = at ? strtol(start, NULL, 10) : -1;
        }
        fprintf(stderr, "nginx: %ld requests served, forks recorded %d, accepts recorded %d\n%s",
                requests, ring_count(dir, "fork"), ring_count(dir, "accept4"), load.run.out);
        cr_expect_eq(load.run.status, 0, "wrk: %s %s", load.run.out, load.run.err);
        cr_expect_gt(requests, 100, "%s", load.run.out);
        cr_expect_null(strstr(load.run.out, "Socket errors"), "%s", load.run.out);
        cr_expect_null(strstr(load.run.out, "Non-2xx"), "%s", load.run.out);
        cr_expect_geq(s.pids_seen, 3, "nginx master and 2 workers");
        expect_all_cloexec("nginx", &s);
        remove_dir(dir);
}

/* ---- redis-server + redis-benchmark ---------------------------------------------------------- */

static void bgsave(void *arg)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "redis-cli -p %d BGSAVE >/dev/null", *(int *)arg);
        cr_expect(system(cmd) == 0);
}

Test(servers, redis_with_redis_benchmark, .timeout = 180)
{
        char *dir = scratch_dir(), port_text[16], info_cmd[160], info[4096] = {0};
        int port = free_port();
        const char *server_argv[] = {
            "redis-server", "--port", port_text,   "--save", "",  "--appendonly",
            "no",           "--bind", "127.0.0.1", "--dir",  dir, "--daemonize",
            "no",           NULL};
        const char *bench_argv[] = {which("redis-benchmark"),
                                    "-h",
                                    "127.0.0.1",
                                    "-p",
                                    port_text,
                                    "-n",
                                    "20000",
                                    "-q",
                                    NULL};
        struct load load = {.argv = bench_argv, .timeout_s = 120};
        static struct scan s;
        pid_t pid;
        int idle[3];
        FILE *p;

        if (!have("redis-server") || !have("redis-benchmark"))
                cr_skip_test("redis-server and redis-tools are needed (scripts/install-deps)");
        memset(&s, 0, sizeof(s));
        snprintf(port_text, sizeof(port_text), "%d", port);
        pid = start_server(dir, server_argv);
        wait_for_port(pid, port, dir);
        idle_clients(port, idle, 3);
        load_and_scan(&load, &s, pid, bgsave, &port);
        snprintf(info_cmd, sizeof(info_cmd),
                 "redis-cli -p %d INFO stats | tr -d '\\r' | grep -E "
                 "'total_commands_processed|total_connections_received|rejected_connections'",
                 port);
        p = popen(info_cmd, "r");
        if (p) {
                (void)!fread(info, 1, sizeof(info) - 1, p);
                pclose(p);
        }
        close_all(idle, 3);
        stop_server(pid);
        fprintf(stderr, "redis: %d benchmark lines, forks recorded %d, accepts recorded %d\n%s%s",
                fl_count_lines(load.run.out, "requests per second"), ring_count(dir, "fork"),
                ring_count(dir, "accept4"), info, "");
        cr_expect_eq(load.run.status, 0, "redis-benchmark: %s %s", load.run.out, load.run.err);
        cr_expect_geq(fl_count_lines(load.run.out, "requests per second"), 10, "%s", load.run.out);
        cr_expect_eq(fl_count_lines(load.run.out, "ERR"), 0, "%s", load.run.out);
        cr_expect_eq(fl_count_lines(load.run.err, "rror"), 0, "%s", load.run.err);
        cr_expect_gt(colon_field(info, "total_commands_processed"), 200000, "%s", info);
        cr_expect_eq(colon_field(info, "rejected_connections"), 0, "%s", info);
        cr_expect_geq(ring_count(dir, "fork"), 1, "BGSAVE must have forked under forklock");
        expect_all_cloexec("redis", &s);
        remove_dir(dir);
}

/* ---- python3 -m http.server + curl ----------------------------------------------------------- */

Test(servers, python_http_server_with_curl, .timeout = 120)
{
        char *dir = scratch_dir(), port_text[16], url[128], file[256];
        int port = free_port();
        const char *server_argv[] = {"python3",     "-m", "http.server", "--bind", "127.0.0.1",
                                     "--directory", dir,  port_text,     NULL};
        const char *curl_argv[] = {which("curl"), "-s",        "--parallel", "--parallel-max",  "8",
                                   "-o",          "/dev/null", "-w",         "%{http_code}\\n", url,
                                   NULL};
        struct load load = {.argv = curl_argv, .timeout_s = 60};
        static struct scan s;
        pid_t pid;
        int idle[3];
        FILE *f;
        int ok;

        if (!have("python3") || !have("curl"))
                cr_skip_test("python3 and curl are needed");
        memset(&s, 0, sizeof(s));
        snprintf(port_text, sizeof(port_text), "%d", port);
        snprintf(file, sizeof(file), "%s/index.txt", dir);
        f = fopen(file, "we");
        cr_assert(f);
        fprintf(f, "hello\n");
        fclose(f);
        /* curl's URL globbing: 200 requests from one process, 8 at a time, -o for each. */
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/index.txt?[1-200]", port);
        curl_argv[6] = "/dev/null";
        pid = start_server(dir, server_argv);
        wait_for_port(pid, port, dir);
        idle_clients(port, idle, 3);
        load_and_scan(&load, &s, pid, NULL, NULL);
        close_all(idle, 3);
        stop_server(pid);
        ok = fl_count_lines(load.run.out, "200\n");
        fprintf(stderr,
                "python http.server: %d of 200 requests answered 200, accepts recorded %d\n", ok,
                ring_count(dir, "accept4") + ring_count(dir, "accept"));
        cr_expect_eq(load.run.status, 0, "curl: %s", load.run.err);
        cr_expect_eq(ok, 200, "%s", load.run.out);
        expect_all_cloexec("python http.server", &s);
        remove_dir(dir);
}
