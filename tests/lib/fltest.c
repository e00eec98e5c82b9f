#include "fltest.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

const char *fl_build_path(const char *rel)
{
        static char buffers[8][4096];
        static int next;
        char *buf = buffers[next++ % 8];
        const char *build = getenv("FL_BUILD");

        snprintf(buf, sizeof(buffers[0]), "%s/%s", build ? build : "build", rel);
        return buf;
}

/* TSan's runtime cannot be preloaded alone into a program not built with it (dash and bash die of
 * SIGSEGV at start-up, without forklock); the TSan-built tools preload it, with the library, into
 * the programs they start. ASan's runtime can, and is. */
static bool bare_tsan_runtime(const char *preload)
{
        const char *san = getenv("FL_SAN"), *sanrt = getenv("FL_SANRT");

        return san && strcmp(san, "tsan") == 0 && sanrt && strcmp(preload, sanrt) == 0;
}

static int build_env(char **env, size_t cap, const char *const extra[], const char *library,
                     const char *extra_preload)
{
        static char preload_var[8192];
        const char *sanrt = getenv("FL_SANRT");
        size_t n = 0;

        for (char **e = environ; *e && n + 1 < cap; e++) {
                if (strncmp(*e, "LD_PRELOAD=", 11) == 0 || strncmp(*e, "FORKLOCK_", 9) == 0)
                        continue;
                env[n++] = *e;
        }
        if (library) {
                snprintf(preload_var, sizeof(preload_var), "LD_PRELOAD=%s%s%s%s%s",
                         sanrt && *sanrt ? sanrt : "", sanrt && *sanrt ? " " : "",
                         fl_build_path(library), extra_preload ? " " : "",
                         extra_preload ? extra_preload : "");
                env[n++] = preload_var;
        } else if (extra_preload && !bare_tsan_runtime(extra_preload)) {
                snprintf(preload_var, sizeof(preload_var), "LD_PRELOAD=%s", extra_preload);
                env[n++] = preload_var;
        }
        for (size_t i = 0; extra && extra[i] && n + 1 < cap; i++)
                env[n++] = (char *)extra[i];
        env[n] = NULL;
        return 0;
}

static long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void collect(struct fl_run *run, int out_fd, int err_fd, pid_t pid, int timeout_s)
{
        size_t out_len = 0, err_len = 0;
        long deadline = now_ms() + timeout_s * 1000L;
        struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};

        while (fds[0].fd >= 0 || fds[1].fd >= 0) {
                long left = deadline - now_ms();
                if (left <= 0) {
                        kill(pid, SIGKILL);
                        run->status = -1;
                        break;
                }
                if (poll(fds, 2, (int)left) < 0 && errno != EINTR)
                        break;
                for (int i = 0; i < 2; i++) {
                        char *buf = i == 0 ? run->out : run->err;
                        size_t *len = i == 0 ? &out_len : &err_len;
                        size_t cap = i == 0 ? sizeof(run->out) : sizeof(run->err);
                        char scratch[4096];
                        ssize_t got;

                        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        got = read(fds[i].fd, scratch, sizeof(scratch));
                        if (got <= 0) {
                                close(fds[i].fd);
                                fds[i].fd = -1;
                                continue;
                        }
                        for (ssize_t k = 0; k < got && *len + 1 < cap; k++)
                                buf[(*len)++] = scratch[k];
                        buf[*len] = '\0';
                }
        }
        for (int i = 0; i < 2; i++)
                if (fds[i].fd >= 0)
                        close(fds[i].fd);
}

int fl_run_program(struct fl_run *run, const char *const argv[], const char *const env[],
                   bool preload, const char *extra_preload, int timeout_s)
{
        return fl_run_program_with(run, argv, env, preload ? FL_LIB_PRODUCTION : NULL,
                                   extra_preload, timeout_s);
}

int fl_run_program_with(struct fl_run *run, const char *const argv[], const char *const env[],
                        const char *library, const char *extra_preload, int timeout_s)
{
        static char *child_env[4096];
        int out[2], err[2], status;
        pid_t pid;

        memset(run, 0, sizeof(*run));
        build_env(child_env, 4096, env, library, extra_preload);
        if (pipe(out) < 0 || pipe(err) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                dup2(out[1], 1);
                dup2(err[1], 2);
                syscall(SYS_close_range, 3, ~0U, 0);
                execve(argv[0], (char *const *)argv, child_env);
                _exit(127);
        }
        close(out[1]);
        close(err[1]);
        collect(run, out[0], err[0], pid, timeout_s);
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        if (run->status != -1)
                run->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return run->status;
}

long fl_field(const char *text, const char *key)
{
        char pattern[128];
        const char *at;

        snprintf(pattern, sizeof(pattern), "%s=", key);
        at = strstr(text, pattern);
        return at ? strtol(at + strlen(pattern), NULL, 10) : -1;
}

int fl_count_lines(const char *text, const char *needle)
{
        int count = 0;

        for (const char *at = text; (at = strstr(at, needle)); at += strlen(needle))
                count++;
        return count;
}

char *fl_scratch_dir(const char *tag)
{
        static char dirs[8][96];
        static int next;
        char *dir = dirs[next++ % 8];

        snprintf(dir, sizeof(dirs[0]), "/tmp/forklock-%s-XXXXXX", tag);
        return mkdtemp(dir);
}

int fl_remove_dir(const char *dir)
{
        char cmd[256];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

const char *fl_sanitizer_runtime(void)
{
        const char *runtime = getenv("FL_SANRT");

        return runtime && *runtime ? runtime : NULL;
}
