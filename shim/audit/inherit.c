#include "inherit.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warn.h"

/* By hand, not strncmp: envp is walked on every exec, in fork children too, where libc's strncmp
 * would be one more text page; most entries differ from every name at their first byte. */
static const char *value_of(const char *entry, const char *name, size_t length)
{
        for (size_t i = 0; i < length; i++)
                if (entry[i] != name[i])
                        return NULL;
        return entry[length] == '=' ? entry + length + 1 : NULL;
}

struct variable {
        const char *name;
        size_t length;
};

#define VARIABLE(text)                                                                             \
        {                                                                                          \
                text, sizeof(text) - 1                                                             \
        }

static const struct variable variables[FL_VAR_COUNT] = {
    [FL_VAR_LISTEN_FDS] = VARIABLE("LISTEN_FDS"),
    [FL_VAR_LISTEN_PID] = VARIABLE("LISTEN_PID"),
    [FL_VAR_NGINX] = VARIABLE("NGINX"),
    [FL_VAR_FORKLOCK_INHERIT] = VARIABLE("FORKLOCK_INHERIT"),
    [FL_VAR_MAKEFLAGS] = VARIABLE("MAKEFLAGS"),
    [FL_VAR_SERVER_STARTER_PORT] = VARIABLE("SERVER_STARTER_PORT"),
    [FL_VAR_EINHORN_FD_COUNT] = VARIABLE("EINHORN_FD_COUNT"),
    [FL_VAR_GUNICORN_FD] = VARIABLE("GUNICORN_FD"),
    [FL_VAR_UNICORN_FD] = VARIABLE("UNICORN_FD"),
};

void fl_inherit_from_envp(struct fl_inherit_env *env, char *const envp[])
{
        memset(env, 0, sizeof(*env));
        env->envp = envp;
        for (size_t i = 0; envp && envp[i]; i++)
                for (int v = 0; v < FL_VAR_COUNT; v++) {
                        const char *value =
                            value_of(envp[i], variables[v].name, variables[v].length);

                        if (value) {
                                env->value[v] = value;
                                break;
                        }
                }
}

/* Decimal digits in [s, end) as a non-negative int; -1 when empty, not digits or too large. */
static long number(const char *s, const char *end)
{
        long n = 0;

        if (s == end)
                return -1;
        for (; s < end; s++) {
                if (*s < '0' || *s > '9')
                        return -1;
                n = n * 10 + (*s - '0');
                if (n > INT_MAX)
                        return -1;
        }
        return n;
}

static long whole_number(const char *s)
{
        return s ? number(s, s + strlen(s)) : -1;
}

bool fl_inherit_systemd(const char *listen_fds, const char *listen_pid, pid_t pid, int fd)
{
        long n = whole_number(listen_fds);
        long owner = whole_number(listen_pid);

        if (n <= 0 || owner <= 0 || owner != pid)
                return false;
        return fd >= 3 && (long)fd - 3 < n;
}

bool fl_inherit_nginx(const char *nginx, int fd)
{
        const char *start = nginx;

        for (const char *p = nginx; p && *p; p++) {
                if (*p != ';' && *p != ':')
                        continue;
                if (number(start, p) == fd)
                        return true;
                start = p + 1;
        }
        return false;
}

/* One item of FORKLOCK_INHERIT, [s, end): matches the fd? *valid says whether it parsed. */
static bool item_matches(const char *s, const char *end, int fd, int type, int port, bool *valid)
{
        long n;

        *valid = true;
        if (end - s > 4 && (strncmp(s, "tcp:", 4) == 0 || strncmp(s, "udp:", 4) == 0)) {
                int wanted = s[0] == 't' ? SOCK_STREAM : SOCK_DGRAM;

                n = number(s + 4, end);
                if (n <= 0 || n > 65535) {
                        *valid = false;
                        return false;
                }
                return port == n && type == wanted;
        }
        n = number(s, end);
        if (n < 0) {
                *valid = false;
                return false;
        }
        return n == fd;
}

static bool scan_list(const char *list, int fd, int type, int port, bool *all_valid)
{
        const char *start = list;
        bool found = false;

        *all_valid = true;
        if (!list)
                return false;
        for (const char *p = list;; p++) {
                if (*p != ',' && *p != '\0')
                        continue;
                if (p > start) {
                        bool valid;

                        found |= item_matches(start, p, fd, type, port, &valid);
                        *all_valid &= valid;
                }
                if (*p == '\0')
                        return found;
                start = p + 1;
        }
}

bool fl_inherit_listed(const char *list, int fd, int type, int port)
{
        bool valid;

        return scan_list(list, fd, type, port, &valid);
}

bool fl_inherit_list_valid(const char *list)
{
        bool valid;

        scan_list(list, -1, -1, -1, &valid);
        return valid;
}

/* fd is one of the items of [s, end) separated by sep; an item "name=fd" counts by what follows
 * its last '='. */
static bool fd_in_items(const char *s, const char *end, char sep, int fd)
{
        const char *item = s;

        for (const char *p = s; p <= end; p++) {
                if (p < end && *p != sep) {
                        if (*p == '=')
                                item = p + 1;
                        continue;
                }
                if (number(item, p) == fd)
                        return true;
                item = p + 1;
        }
        return false;
}

static bool fd_in_list(const char *list, char sep, int fd)
{
        return list && fd_in_items(list, list + strlen(list), sep, fd);
}

static const char *word_end(const char *s)
{
        while (*s && *s != ' ')
                s++;
        return s;
}

/* R and W of a jobserver are the two ends of one pipe. MAKEFLAGS reaches every program make
 * runs, also those whose fds R and W are something else (make closes its pipe for recipes that
 * are not recursive): only a real pipe pair is make's. libc's fstat (not a raw syscall: on i386
 * the old stat syscall's layout is not struct stat's); errno kept. */
static bool one_pipe(long r, long w)
{
        struct stat rs, ws;
        int saved = errno;
        bool pair = r >= 0 && w >= 0 && fstat((int)r, &rs) == 0 && fstat((int)w, &ws) == 0 &&
                    S_ISFIFO(rs.st_mode) && S_ISFIFO(ws.st_mode) && rs.st_ino == ws.st_ino &&
                    rs.st_dev == ws.st_dev;

        errno = saved;
        return pair;
}

static bool names_jobserver_pipe(const char *items, const char *end, int fd)
{
        const char *comma = memchr(items, ',', (size_t)(end - items));

        return comma && fd_in_items(items, end, ',', fd) &&
               one_pipe(number(items, comma), number(comma + 1, end));
}

/* make's jobserver: a word of MAKEFLAGS "--jobserver-auth=R,W" (make 4.2 on) or
 * "--jobserver-fds=R,W" (before). "fifo:PATH" names no fd. */
static bool names_jobserver(const char *makeflags, int fd)
{
        static const char *const options[] = {"--jobserver-auth=", "--jobserver-fds="};

        for (const char *w = makeflags; w && *w; w = *w ? w + 1 : w) {
                const char *end = word_end(w);

                for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
                        size_t n = strlen(options[i]);

                        if ((size_t)(end - w) > n && strncmp(w, options[i], n) == 0 &&
                            names_jobserver_pipe(w + n, end, fd))
                                return true;
                }
                w = end;
        }
        return false;
}

/* einhorn: EINHORN_FD_0 .. EINHORN_FD_<EINHORN_FD_COUNT-1>, one fd each. */
static bool names_einhorn(const struct fl_inherit_env *env, int fd)
{
        long count = whole_number(env->value[FL_VAR_EINHORN_FD_COUNT]);

        for (size_t i = 0; count > 0 && env->envp && env->envp[i]; i++) {
                const char *e = env->envp[i];
                const char *eq = strchr(e, '=');
                long index;

                if (strncmp(e, "EINHORN_FD_", 11) != 0 || !eq)
                        continue;
                index = number(e + 11, eq);
                if (index >= 0 && index < count && whole_number(eq + 1) == fd)
                        return true;
        }
        return false;
}

struct fd_query {
        const struct fl_inherit_env *env;
        pid_t pid;
        int fd, type, port;
};

static const char *var(const struct fd_query *q, enum fl_inherit_var v)
{
        return q->env->value[v];
}

static bool by_systemd(const struct fd_query *q)
{
        return fl_inherit_systemd(var(q, FL_VAR_LISTEN_FDS), var(q, FL_VAR_LISTEN_PID), q->pid,
                                  q->fd);
}

static bool by_nginx(const struct fd_query *q)
{
        return fl_inherit_nginx(var(q, FL_VAR_NGINX), q->fd);
}

static bool by_forklock(const struct fd_query *q)
{
        return fl_inherit_listed(var(q, FL_VAR_FORKLOCK_INHERIT), q->fd, q->type, q->port);
}

static bool by_make(const struct fd_query *q)
{
        return names_jobserver(var(q, FL_VAR_MAKEFLAGS), q->fd);
}

static bool by_server_starter(const struct fd_query *q)
{
        return fd_in_list(var(q, FL_VAR_SERVER_STARTER_PORT), ';', q->fd);
}

static bool by_einhorn(const struct fd_query *q)
{
        return names_einhorn(q->env, q->fd);
}

static bool by_gunicorn(const struct fd_query *q)
{
        return fd_in_list(var(q, FL_VAR_GUNICORN_FD), ',', q->fd);
}

static bool by_unicorn(const struct fd_query *q)
{
        return fd_in_list(var(q, FL_VAR_UNICORN_FD), ',', q->fd);
}

/* Every convention, once: the variable that turns it on, the reason given, what it names. */
static const struct convention {
        bool (*names)(const struct fd_query *q);
        enum fl_inherit_var variable;
        enum fl_pass_reason reason;
} conventions[] = {
    {by_systemd, FL_VAR_LISTEN_FDS, FL_PASS_SYSTEMD},
    {by_nginx, FL_VAR_NGINX, FL_PASS_NGINX},
    {by_forklock, FL_VAR_FORKLOCK_INHERIT, FL_PASS_INHERIT},
    {by_make, FL_VAR_MAKEFLAGS, FL_PASS_JOBSERVER},
    {by_server_starter, FL_VAR_SERVER_STARTER_PORT, FL_PASS_SERVER_STARTER},
    {by_einhorn, FL_VAR_EINHORN_FD_COUNT, FL_PASS_EINHORN},
    {by_gunicorn, FL_VAR_GUNICORN_FD, FL_PASS_GUNICORN},
    {by_unicorn, FL_VAR_UNICORN_FD, FL_PASS_UNICORN},
};

#define N_CONVENTIONS (sizeof(conventions) / sizeof(conventions[0]))

enum fl_pass_reason fl_inherit_convention(const struct fl_inherit_env *env, pid_t pid, int fd,
                                          int type, int port)
{
        const struct fd_query q = {env, pid, fd, type, port};

        for (size_t i = 0; i < N_CONVENTIONS; i++)
                if (env->value[conventions[i].variable] && conventions[i].names(&q))
                        return conventions[i].reason;
        return FL_PASS_NONE;
}

/* MAKEFLAGS is in the environment of everything make runs: it counts only with a jobserver. */
bool fl_inherit_names_any(const struct fl_inherit_env *env)
{
        for (size_t i = 0; i < N_CONVENTIONS; i++) {
                const char *value = env->value[conventions[i].variable];

                if (value &&
                    (conventions[i].variable != FL_VAR_MAKEFLAGS || strstr(value, "--jobserver-")))
                        return true;
        }
        return false;
}

const char *fl_pass_reason_name(enum fl_pass_reason reason)
{
        static const char *const names[FL_PASS_COUNT] = {
            [FL_PASS_NONE] = "none",
            [FL_PASS_SYSTEMD] = "LISTEN_FDS",
            [FL_PASS_NGINX] = "NGINX",
            [FL_PASS_INHERIT] = "FORKLOCK_INHERIT",
            [FL_PASS_INTENT] = "dup2/F_SETFD",
            [FL_PASS_SPAWN_DUP2] = "posix_spawn dup2",
            [FL_PASS_JOBSERVER] = "make jobserver",
            [FL_PASS_SERVER_STARTER] = "SERVER_STARTER_PORT",
            [FL_PASS_EINHORN] = "EINHORN_FD",
            [FL_PASS_GUNICORN] = "GUNICORN_FD",
            [FL_PASS_UNICORN] = "UNICORN_FD",
        };

        return (unsigned)reason < FL_PASS_COUNT ? names[reason] : "?";
}

/* "'a', 'b'": the items of list that do not parse, quoted, cut to size. */
static void bad_items(const char *list, char *out, size_t size)
{
        size_t used = 0;

        out[0] = '\0';
        for (const char *item = list; item;) {
                const char *comma = strchr(item, ',');
                size_t n = comma ? (size_t)(comma - item) : strlen(item);
                bool valid = true;

                if (n)
                        item_matches(item, item + n, -1, -1, -1, &valid);
                if (!valid && used + n + 5 < size) {
                        memcpy(out + used, used ? ", '" : "'", used ? 3 : 1);
                        used += used ? 3 : 1;
                        memcpy(out + used, item, n);
                        used += n;
                        out[used++] = '\'';
                        out[used] = '\0';
                }
                item = comma ? comma + 1 : NULL;
        }
}

void fl_inherit_warn_if_invalid(const char *list)
{
        char bad[256];

        if (!list || fl_inherit_list_valid(list))
                return;
        bad_items(list, bad, sizeof(bad));
        fl_warn("warning: FORKLOCK_INHERIT: ", bad[0] ? bad : "an empty item",
                " is not an fd, tcp:PORT or udp:PORT; ignored", NULL);
}
