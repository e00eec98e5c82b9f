#include "warn_speak.h"

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "msg.h"

#define LINE_MAX_BYTES 4096

/* Raw syscalls throughout: the library's own wrappers must not see (or record) these fds. */
static int raw_open(const char *path, int flags)
{
        return (int)syscall(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC | O_NOCTTY);
}

static void raw_close(int fd)
{
        syscall(SYS_close, fd);
}

/* Calls each(line, ctx) for every line of fd (lines longer than the buffer are cut) until it
 * returns true; returns that. */
static bool each_line(int fd, bool (*each)(const char *line, size_t len, const void *ctx),
                      const void *ctx)
{
        char buf[LINE_MAX_BYTES];
        size_t used = 0;
        long got;

        while ((got = syscall(SYS_read, fd, buf + used, sizeof(buf) - used)) > 0) {
                size_t end = used + (size_t)got, start = 0;

                for (size_t i = used; i < end; i++) {
                        if (buf[i] != '\n')
                                continue;
                        if (each(buf + start, i - start, ctx))
                                return true;
                        start = i + 1;
                }
                if (start == 0 && end == sizeof(buf))
                        start = end; /* a line longer than the buffer: drop its head */
                memmove(buf, buf + start, end - start);
                used = end - start;
        }
        return used > 0 && each(buf, used, ctx);
}

static bool path_ends_in(const char *line, size_t len, const void *ctx)
{
        const char *name = ctx;
        size_t n = strlen(name);

        return len > n && line[len - n - 1] == '/' && memcmp(line + len - n, name, n) == 0;
}

bool fl_maps_has_file(int fd, const char *name)
{
        return name[0] && each_line(fd, path_ends_in, name);
}

struct own_mapping {
        uintptr_t addr;
        char *name; /* out: basename of the file mapped there */
        size_t cap;
};

static uintptr_t parse_hex(const char **p)
{
        uintptr_t v = 0;

        for (;; (*p)++) {
                char c = **p;
                int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

                if (d < 0)
                        return v;
                v = v * 16 + (uintptr_t)d;
        }
}

static bool names_own_mapping(const char *line, size_t len, const void *ctx)
{
        const struct own_mapping *own = ctx;
        const char *p = line, *slash = NULL;
        uintptr_t start = parse_hex(&p), end;
        size_t n;

        if (*p++ != '-')
                return false;
        end = parse_hex(&p);
        if (own->addr < start || own->addr >= end)
                return false;
        for (size_t i = 0; i < len; i++)
                if (line[i] == '/')
                        slash = line + i;
        if (!slash)
                return false;
        n = (size_t)(line + len - slash - 1);
        if (n + 1 > own->cap)
                return false;
        memcpy(own->name, slash + 1, n);
        own->name[n] = '\0';
        return true;
}

static bool own_file_name(char *name, size_t cap)
{
        struct own_mapping own = {(uintptr_t)&fl_warn_speak, name, cap};
        int fd = raw_open("/proc/self/maps", O_RDONLY);
        bool found;

        if (fd < 0)
                return false;
        found = each_line(fd, names_own_mapping, &own);
        raw_close(fd);
        return found;
}

static bool topmost_image(void)
{
        char name[256], path[64];
        struct fl_msg m = {path, sizeof(path), 0};
        long parent = syscall(SYS_getppid);
        bool parent_has_it;
        int fd;

        if (getauxval(AT_SECURE) || syscall(SYS_getuid) != syscall(SYS_geteuid) ||
            !own_file_name(name, sizeof(name)))
                return false;
        fl_msg_str(&m, "/proc/");
        fl_msg_num(&m, (uint64_t)parent);
        fl_msg_str(&m, "/maps");
        fd = raw_open(path, O_RDONLY);
        if (fd < 0)
                return false;
        parent_has_it = fl_maps_has_file(fd, name);
        raw_close(fd);
        return !parent_has_it;
}

static bool foreground_terminal(void)
{
        int pgrp = 0;

        return syscall(SYS_ioctl, 2, TIOCGPGRP, &pgrp) == 0 && pgrp == syscall(SYS_getpgid, 0);
}

static size_t compose(char *out, size_t cap, const char *prefix, const char *text, size_t len)
{
        struct fl_msg m = {out, cap - 1, 0}; /* the last byte is the caller's newline */

        fl_msg_str(&m, prefix);
        fl_msg_bytes(&m, text, len);
        return m.used;
}

static bool to_terminal(const char *text, size_t len)
{
        char line[1024];
        size_t n;
        int fd;

        if (!foreground_terminal() || (fd = raw_open("/dev/tty", O_WRONLY | O_NONBLOCK)) < 0)
                return false;
        n = compose(line, sizeof(line), "forklock: ", text, len);
        line[n++] = '\n';
        syscall(SYS_write, fd, line, n);
        raw_close(fd);
        return true;
}

static void to_syslog(const char *text, size_t len)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX, .sun_path = "/dev/log"};
        char msg[1024], prefix[48];
        struct fl_msg p = {prefix, sizeof(prefix), 0};
        int fd = (int)syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        size_t n;

        if (fd < 0)
                return;
        fl_msg_str(&p, "<12>forklock["); /* facility user, severity warning */
        fl_msg_num(&p, (uint64_t)syscall(SYS_getpid));
        fl_msg_str(&p, "]: ");
        n = compose(msg, sizeof(msg), prefix, text, len);
        if (syscall(SYS_connect, fd, &addr, sizeof(addr)) == 0)
                syscall(SYS_sendto, fd, msg, n, MSG_DONTWAIT | MSG_NOSIGNAL, NULL, 0);
        raw_close(fd);
}

enum { UNDECIDED, SILENT, SPEAKS };

void fl_warn_speak(const char *text, size_t len)
{
        static int verdict = UNDECIDED;

        if (verdict == UNDECIDED)
                verdict = topmost_image() ? SPEAKS : SILENT;
        if (verdict == SILENT)
                return;
        if (!to_terminal(text, len))
                to_syslog(text, len);
}
