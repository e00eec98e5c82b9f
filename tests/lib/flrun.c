#include "flrun.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fltest.h"

extern char **environ;

static void sleep_ms(int ms)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

        nanosleep(&ts, NULL);
}

char *fl_slurp(const char *path)
{
        FILE *f = fopen(path, "rb");
        size_t cap = 4096, len = 0, got;
        char *buf = malloc(cap);

        if (!f) {
                buf[0] = '\0';
                return buf;
        }
        while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
                len += got;
                if (cap - len - 1 == 0)
                        buf = realloc(buf, cap *= 2);
        }
        fclose(f);
        buf[len] = '\0';
        return buf;
}

struct text {
        char *s;
        size_t len, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
        if (t->len + n + 1 > t->cap) {
                t->cap = (t->len + n + 1) * 2;
                t->s = realloc(t->s, t->cap);
        }
        memcpy(t->s + t->len, s, n);
        t->len += n;
        t->s[t->len] = '\0';
}

static void puts_text(struct text *t, const char *s)
{
        put(t, s, strlen(s));
}

static bool at_line_start(const char *text, const char *p)
{
        return p == text || p[-1] == '\n';
}

char *fl_normalise(const char *text, const char *work, int port)
{
        struct text t = {0};
        char port_text[16];
        size_t wlen = strlen(work);

        snprintf(port_text, sizeof(port_text), "%d", port);
        puts_text(&t, "");
        for (const char *p = text; *p;) {
                if (wlen && strncmp(p, work, wlen) == 0) {
                        puts_text(&t, "@W@");
                        p += wlen;
                } else if (port > 0 && strncmp(p, port_text, strlen(port_text)) == 0) {
                        puts_text(&t, "@PORT@");
                        p += strlen(port_text);
                } else if (at_line_start(text, p) && strncmp(p, "Date: ", 6) == 0) {
                        puts_text(&t, "Date: @DATE@");
                        p += strcspn(p, "\r\n");
                } else {
                        put(&t, p++, 1);
                }
        }
        return t.s;
}

int fl_free_port(void)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
            getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        close(fd);
        return ntohs(a.sin_port);
}

const char *fl_first_difference(const char *a, const char *b)
{
        static char msg[1024];
        int line = 1;
        const char *la = a, *lb = b;

        for (; *a && *a == *b; a++, b++)
                if (*a == '\n') {
                        line++;
                        la = a + 1;
                        lb = b + 1;
                }
        snprintf(msg, sizeof(msg), "line %d: bare '%.*s' vs forklock '%.*s'", line,
                 (int)strcspn(la, "\n") > 300 ? 300 : (int)strcspn(la, "\n"), la,
                 (int)strcspn(lb, "\n") > 300 ? 300 : (int)strcspn(lb, "\n"), lb);
        return msg;
}

/* Every process of a run carries FL_E2E_TAG=<tag> in its environment: daemons that left the
 * process group (tmux's server, anything that calls setsid) are found by it and killed. */
static bool carries_tag(pid_t pid, const char *tag_entry)
{
        char path[64], env[65536];
        size_t len = strlen(tag_entry);
        ssize_t got;
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        got = read(fd, env, sizeof(env) - 1);
        close(fd);
        for (ssize_t i = 0; i < got; i += (ssize_t)strlen(env + i) + 1) {
                env[got] = '\0';
                if (strncmp(env + i, tag_entry, len) == 0 && env[i + (ssize_t)len] == '\0')
                        return true;
        }
        return false;
}

static int kill_tagged(const char *tag_entry)
{
        DIR *proc = opendir("/proc");
        struct dirent *e;
        int killed = 0;

        if (!proc)
                return 0;
        while ((e = readdir(proc))) {
                pid_t pid = (pid_t)atoi(e->d_name);

                if (pid > 1 && pid != getpid() && carries_tag(pid, tag_entry)) {
                        kill(pid, SIGKILL);
                        killed++;
                }
        }
        closedir(proc);
        return killed;
}

/* The runner is a child subreaper (see fl_tree_run), so daemons orphaned by the run are its
 * children: reaped here, they leave no zombies behind on machines whose init does not reap. */
static void sweep(pid_t group, const char *tag_entry)
{
        kill(-group, SIGKILL);
        for (int i = 0; i < 50 && kill_tagged(tag_entry) > 0; i++)
                sleep_ms(20);
        for (int i = 0; i < 50; i++) {
                errno = 0;
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
                if (errno == ECHILD)
                        break;
                sleep_ms(20);
        }
}

static int wait_bounded(pid_t pid, int timeout_s)
{
        int status;

        for (int i = 0; i < timeout_s * 50; i++) {
                if (waitpid(pid, &status, WNOHANG) == pid)
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                sleep_ms(20);
        }
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -1;
}

static void build_env(char **env, const char *const extra[], bool forklock, const char *ring,
                      const char *work, int port, const char *tag_entry)
{
        static char vars[8][4096];
        const char *sanrt = getenv("FL_SANRT");
        int n = 0;

        env[n++] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
        env[n++] = "LC_ALL=C";
        env[n++] = "TERM=xterm";
        env[n++] = "USER=root";
        env[n++] = "LOGNAME=root";
        env[n++] = (char *)tag_entry;
        snprintf(vars[0], sizeof(vars[0]), "HOME=%s", work);
        snprintf(vars[1], sizeof(vars[1]), "PORT=%d", port);
        snprintf(vars[2], sizeof(vars[2]), "FDLIST=%s", fl_build_path("fixtures/fdlist"));
        snprintf(vars[3], sizeof(vars[3]), "FDS=%s/fds", work);
        snprintf(vars[4], sizeof(vars[4]), "FORKLOCK_LIBDIR=%s", fl_build_path("."));
        for (int i = 0; i < 4; i++)
                env[n++] = vars[i];
        if (forklock && sanrt && *sanrt) {
                snprintf(vars[5], sizeof(vars[5]), "LD_PRELOAD=%s %s", sanrt,
                         fl_build_path("libforklock.so"));
                snprintf(vars[6], sizeof(vars[6]), "FORKLOCK_LOG=%s", ring);
                env[n++] = vars[5];
                env[n++] = vars[6];
                env[n++] = "FORKLOCK_MODE=enforce";
                /* The runtime in a host program would report the program's own leaks. */
                env[n++] = "ASAN_OPTIONS=detect_leaks=0";
        } else if (forklock) {
                env[n++] = vars[4];
        }
        for (char **e = environ; *e; e++)
                if ((strncmp(*e, "ASAN_OPTIONS=", 13) == 0 && !(forklock && sanrt && *sanrt)) ||
                    strncmp(*e, "UBSAN_OPTIONS=", 14) == 0 || strncmp(*e, "TSAN_OPTIONS=", 13) == 0)
                        env[n++] = *e;
        for (int i = 0; extra && extra[i]; i++)
                env[n++] = (char *)extra[i];
        env[n] = NULL;
}

static const char *forklock_script(void)
{
        static char path[4096];
        const char *src = getenv("FL_SRC");

        snprintf(path, sizeof(path), "%s/scripts/forklock", src ? src : ".");
        return path;
}

static pid_t spawn(const char *const argv[], char **env, const char *work, const char *out,
                   const char *err)
{
        pid_t pid = fork();

        if (pid == 0) {
                int in = open("/dev/null", O_RDONLY);
                int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

                setpgid(0, 0);
                if (in < 0 || o < 0 || e < 0 || chdir(work) != 0)
                        _exit(126);
                dup2(in, 0);
                dup2(o, 1);
                dup2(e, 2);
                syscall(SYS_close_range, 3, ~0U, 0);
                execve(argv[0], (char *const *)argv, env);
                _exit(127);
        }
        if (pid > 0)
                setpgid(pid, pid);
        return pid;
}

/* The snapshot of the files a run left: built by nftw, which takes no context pointer. */
static struct {
        const char *work;
        int port;
        char **lines;
        size_t n, cap;
} snap;

static uint64_t fnv1a(const char *s)
{
        uint64_t h = 1469598103934665603ULL;

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        return h;
}

static int snap_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        const char *rel = path + strlen(snap.work);
        char line[4352];

        (void)ftw;
        if (!*rel || strncmp(rel, "/fds", 4) == 0)
                return 0;
        if (type == FTW_F && S_ISREG(st->st_mode)) {
                char *raw = fl_slurp(path), *norm = fl_normalise(raw, snap.work, snap.port);

                snprintf(line, sizeof(line), "%s file %04o uid=%d size=%zu hash=%016llx", rel,
                         (unsigned)(st->st_mode & 07777), (int)st->st_uid, strlen(norm),
                         (unsigned long long)fnv1a(norm));
                free(raw);
                free(norm);
        } else {
                snprintf(line, sizeof(line), "%s %s %04o uid=%d", rel,
                         S_ISDIR(st->st_mode) ? "dir" : "other", (unsigned)(st->st_mode & 07777),
                         (int)st->st_uid);
        }
        if (snap.n == snap.cap)
                snap.lines = realloc(snap.lines, (snap.cap = snap.cap * 2 + 16) * sizeof(char *));
        snap.lines[snap.n++] = strdup(line);
        return 0;
}

static int by_string(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join_sorted(char **lines, size_t n)
{
        struct text t = {0};

        puts_text(&t, "");
        if (n)
                qsort(lines, n, sizeof(char *), by_string);
        for (size_t i = 0; i < n; i++) {
                puts_text(&t, lines[i]);
                puts_text(&t, "\n");
                free(lines[i]);
        }
        free(lines);
        return t.s;
}

static char *snapshot_files(const char *work, int port)
{
        snap.work = work;
        snap.port = port;
        snap.lines = NULL;
        snap.n = snap.cap = 0;
        nftw(work, snap_one, 16, FTW_PHYS);
        return join_sorted(snap.lines, snap.n);
}

/* One fd list line with the sockets at fds >= 3 cut out (they are what forklock closes); the
 * count of those goes to *sockets. In scope all every fd >= 3 is cut, the others counted apart. */
static char *cut_sockets(const struct fl_tree_run *run, const char *line, int *sockets, int *others)
{
        struct text t = {0};
        char *copy = strdup(line), *save = NULL;

        puts_text(&t, "");
        for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
                char *kind = strchr(tok, '=');

                if (kind && atoi(tok) >= 3 && strcmp(kind + 1, "socket") == 0) {
                        (*sockets)++;
                        continue;
                }
                if (kind && atoi(tok) >= 3 && run->scope_all) {
                        (*others)++;
                        continue;
                }
                if (t.len)
                        puts_text(&t, " ");
                puts_text(&t, tok);
        }
        free(copy);
        return t.s;
}

static void collect_fds(struct fl_tree_run *run)
{
        char dirpath[300];
        DIR *dir;
        struct dirent *e;
        char **lines = NULL;
        size_t n = 0, cap = 0;

        snprintf(dirpath, sizeof(dirpath), "%s/fds", run->work);
        dir = opendir(dirpath);
        while (dir && (e = readdir(dir))) {
                char path[600], *text, *save = NULL;

                if (e->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dirpath, e->d_name);
                text = fl_slurp(path);
                for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                        if (n == cap)
                                lines = realloc(lines, (cap = cap * 2 + 16) * sizeof(char *));
                        lines[n++] = cut_sockets(run, l, &run->sockets, &run->others);
                }
                free(text);
        }
        if (dir)
                closedir(dir);
        run->fd_lines = (int)n;
        run->fds = join_sorted(lines, n);
}

static void make_work(const char *work)
{
        char fds[300];

        mkdir(work, 0755);
        chmod(work, 0755); /* programs that drop privileges read their files as nobody */
        snprintf(fds, sizeof(fds), "%s/fds", work);
        mkdir(fds, 01777);
        chmod(fds, 01777);
}

int fl_tree_run(struct fl_tree_run *run, const char *base, const char *name, const char *script,
                const char *const env_extra[], bool forklock, int timeout_s)
{
        static unsigned serial;
        char ring[300], out[300], err[300], tag[96], log[320];
        char *env[64], *raw;
        const char *bare_argv[] = {"/bin/sh", "-c", script, NULL};
        const char *fl_argv[] = {forklock_script(), "run", "--quiet", log, "--",
                                 "/bin/sh",         "-c",  script,    NULL};
        bool via_script = forklock && !(getenv("FL_SANRT") && *getenv("FL_SANRT"));
        pid_t pid;

        memset(run, 0, sizeof(*run));
        for (int i = 0; env_extra && env_extra[i]; i++)
                run->scope_all |= strcmp(env_extra[i], "FORKLOCK_SCOPE=all") == 0;
        snprintf(run->work, sizeof(run->work), "%s/%s", base, name);
        snprintf(ring, sizeof(ring), "%s/%s.ring", base, name);
        snprintf(log, sizeof(log), "--log=%s", ring);
        snprintf(out, sizeof(out), "%s/%s.out", base, name);
        snprintf(err, sizeof(err), "%s/%s.err", base, name);
        snprintf(tag, sizeof(tag), "FL_E2E_TAG=%d-%u", (int)getpid(), serial++);
        run->port = fl_free_port();
        make_work(run->work);
        build_env(env, env_extra, forklock, ring, run->work, run->port, tag);
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        pid = spawn(via_script ? fl_argv : bare_argv, env, run->work, out, err);
        run->status = pid > 0 ? wait_bounded(pid, timeout_s) : -2;
        if (pid > 0)
                sweep(pid, tag);
        raw = fl_slurp(out);
        run->out = fl_normalise(raw, run->work, run->port);
        free(raw);
        raw = fl_slurp(err);
        run->err = fl_normalise(raw, run->work, run->port);
        free(raw);
        run->files = snapshot_files(run->work, run->port);
        collect_fds(run);
        return run->status;
}

void fl_tree_run_free(struct fl_tree_run *run)
{
        free(run->out);
        free(run->err);
        free(run->files);
        free(run->fds);
        run->out = run->err = run->files = run->fds = NULL;
}
