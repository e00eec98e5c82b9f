#include "inherit.h"

#include <limits.h>
#include <string.h>
#include <sys/socket.h>

#include "warn.h"

static const char *value_of(const char *entry, const char *name)
{
        size_t n = strlen(name);

        if (strncmp(entry, name, n) == 0 && entry[n] == '=')
                return entry + n + 1;
        return NULL;
}

void fl_inherit_from_envp(struct fl_inherit_env *env, char *const envp[])
{
        memset(env, 0, sizeof(*env));
        for (size_t i = 0; envp && envp[i]; i++) {
                const char *v;

                if ((v = value_of(envp[i], "LISTEN_FDS")))
                        env->listen_fds = v;
                else if ((v = value_of(envp[i], "LISTEN_PID")))
                        env->listen_pid = v;
                else if ((v = value_of(envp[i], "NGINX")))
                        env->nginx = v;
                else if ((v = value_of(envp[i], "FORKLOCK_INHERIT")))
                        env->forklock_inherit = v;
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

enum fl_pass_reason fl_inherit_convention(const struct fl_inherit_env *env, pid_t pid, int fd,
                                          int type, int port)
{
        if (fl_inherit_systemd(env->listen_fds, env->listen_pid, pid, fd))
                return FL_PASS_SYSTEMD;
        if (fl_inherit_nginx(env->nginx, fd))
                return FL_PASS_NGINX;
        if (fl_inherit_listed(env->forklock_inherit, fd, type, port))
                return FL_PASS_INHERIT;
        return FL_PASS_NONE;
}

const char *fl_pass_reason_name(enum fl_pass_reason reason)
{
        static const char *const names[FL_PASS_COUNT] = {
            [FL_PASS_NONE] = "none",           [FL_PASS_SYSTEMD] = "LISTEN_FDS",
            [FL_PASS_NGINX] = "NGINX",         [FL_PASS_INHERIT] = "FORKLOCK_INHERIT",
            [FL_PASS_INTENT] = "dup2/F_SETFD", [FL_PASS_SPAWN_DUP2] = "posix_spawn dup2",
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
