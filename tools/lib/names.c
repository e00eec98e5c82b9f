#include "names.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "audit.h"
#include "fdinfo.h"
#include "inherit.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

struct name {
        int value;
        const char *text;
};

#define NAME(x)                                                                                    \
        {                                                                                          \
                x, #x                                                                              \
        }

static const char *lookup(const struct name *table, int value)
{
        for (; table->text; table++)
                if (table->value == value)
                        return table->text;
        return NULL;
}

void names_put(struct names_buf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (b->len + 1 >= b->size)
                return;
        va_start(ap, fmt);
        n = vsnprintf(b->text + b->len, b->size - b->len, fmt, ap);
        va_end(ap);
        if (n > 0)
                b->len = b->len + (size_t)n < b->size ? b->len + (size_t)n : b->size - 1;
}

const char *names_view(enum names_view view)
{
        switch (view) {
        case NAMES_VIEW_CHILD:
                return "child";
        case NAMES_VIEW_PARENT:
        case NAMES_VIEW_PARENT_ONLY:
        case NAMES_VIEW_PARENT_FAILED:
                return "parent";
        case NAMES_VIEW_ARGV:
        case NAMES_VIEW_ARGV_ALONE:
        case NAMES_VIEW_ARGV_QUIET:
                return "argv";
        default:
                return NULL;
        }
}

const char *names_family(int family, char buf[16])
{
        static const struct name families[] = {
            NAME(AF_UNSPEC), NAME(AF_UNIX),      NAME(AF_INET),  NAME(AF_INET6), NAME(AF_NETLINK),
            NAME(AF_PACKET), NAME(AF_BLUETOOTH), NAME(AF_VSOCK), NAME(AF_ALG),   {0, NULL},
        };
        const char *name = lookup(families, family);

        if (name)
                return name;
        snprintf(buf, 16, "AF_%d", family);
        return buf;
}

const char *names_socktype(int type, char buf[16])
{
        static const struct name types[] = {
            NAME(SOCK_STREAM),    NAME(SOCK_DGRAM),  NAME(SOCK_RAW), NAME(SOCK_RDM),
            NAME(SOCK_SEQPACKET), NAME(SOCK_PACKET), {0, NULL},
        };
        const char *name = lookup(types, type);

        if (name)
                return name;
        snprintf(buf, 16, "SOCK_%d", type);
        return buf;
}

const char *names_sock_flags(unsigned flags, char buf[64])
{
        struct names_buf b = {buf, 64, 0};
        unsigned known = SOCK_NONBLOCK | SOCK_CLOEXEC;

        buf[0] = '\0';
        if (flags & SOCK_NONBLOCK)
                names_put(&b, "SOCK_NONBLOCK");
        if (flags & SOCK_CLOEXEC)
                names_put(&b, "%sSOCK_CLOEXEC", b.len ? "|" : "");
        if (flags & ~known)
                names_put(&b, "%s%#x", b.len ? "|" : "", flags & ~known);
        return buf;
}

const char *names_fcntl_cmd(int cmd, char buf[16])
{
        static const struct name cmds[] = {
            NAME(F_DUPFD), NAME(F_DUPFD_CLOEXEC), NAME(F_GETFD), NAME(F_SETFD),
            NAME(F_GETFL), NAME(F_SETFL),         {0, NULL},
        };
        const char *name = lookup(cmds, cmd);

        if (name)
                return name;
        snprintf(buf, 16, "cmd %d", cmd);
        return buf;
}

const char *names_sockopt(int level, int name, char buf[48])
{
        static const struct name levels[] = {
            NAME(SOL_SOCKET), NAME(IPPROTO_IP), NAME(IPPROTO_IPV6), NAME(IPPROTO_TCP), {0, NULL},
        };
        static const struct name socket_opts[] = {
            NAME(SO_REUSEADDR), NAME(SO_REUSEPORT), NAME(SO_KEEPALIVE),
            NAME(SO_BROADCAST), NAME(SO_LINGER),    {0, NULL},
        };
        static const struct name tcp_opts[] = {
            NAME(TCP_NODELAY), NAME(TCP_KEEPIDLE), NAME(TCP_KEEPINTVL),
            NAME(TCP_KEEPCNT), {0, NULL},
        };
        static const struct name ipv6_opts[] = {NAME(IPV6_V6ONLY), {0, NULL}};
        const char *l = lookup(levels, level), *n = NULL;
        char lnum[16], nnum[16];

        if (level == SOL_SOCKET)
                n = lookup(socket_opts, name);
        else if (level == IPPROTO_TCP)
                n = lookup(tcp_opts, name);
        else if (level == IPPROTO_IPV6)
                n = lookup(ipv6_opts, name);
        snprintf(lnum, sizeof(lnum), "level %d", level);
        snprintf(nnum, sizeof(nnum), "option %d", name);
        snprintf(buf, 48, "%s %s", l ? l : lnum, n ? n : nnum);
        return buf;
}

const char *names_how(enum fl_call creator)
{
        switch (creator) {
        case FL_CALL_FORK:
                return "fork+exec";
        case FL_CALL_VFORK:
                return "vfork+exec";
        case FL_CALL_CLONE:
                return "clone+exec";
        case FL_CALL_POSIX_SPAWN:
                return "posix_spawn";
        case FL_CALL_SYSTEM:
                return "system";
        case FL_CALL_POPEN:
                return "popen";
        case FL_CALL_EXEC:
                return "exec in place";
        default:
                return "exec";
        }
}

/* "SOCK_NONBLOCK +SOCK_CLOEXEC": asked flags plain, added ones with '+', dropped ones with '-'. */
static void put_flag_change(struct names_buf *b, unsigned asked, unsigned applied)
{
        static const struct name flags[] = {NAME(SOCK_NONBLOCK), NAME(SOCK_CLOEXEC), {0, NULL}};
        unsigned known = SOCK_NONBLOCK | SOCK_CLOEXEC;

        for (const struct name *f = flags; f->text; f++) {
                bool a = asked & (unsigned)f->value, p = applied & (unsigned)f->value;

                if (a || p)
                        names_put(b, " %s%s", a && p ? "" : p ? "+" : "-", f->text);
        }
        if ((asked | applied) & ~known)
                names_put(b, " flags=%#x->%#x", asked & ~known, applied & ~known);
}

static bool fell_back(const struct fl_record *rec)
{
        return rec->decision == FL_DEC_FALLBACK || rec->decision == FL_DEC_REMEMBERED_FALLBACK;
}

/* The kernel refused the flags: the fd was made plain, then marked under the fork lock (and
 * SOCK_NONBLOCK, when asked, set by fcntl): the caller's flags hold, nothing was dropped. */
static void put_created_flags(struct names_buf *b, const struct fl_record *rec)
{
        if (!fell_back(rec)) {
                put_flag_change(b, rec->flags_asked, rec->flags_applied);
                return;
        }
        put_flag_change(b, rec->flags_asked, rec->flags_asked | SOCK_CLOEXEC);
        names_put(b, " (FD_CLOEXEC set under the fork lock)");
}

static void put_socket(struct names_buf *b, const struct fl_record *rec)
{
        char f[16], t[16];

        names_put(b, "%s %s", names_family(rec->family, f), names_socktype(rec->type, t));
        put_created_flags(b, rec);
        if (rec->protocol)
                names_put(b, " proto=%d", rec->protocol);
        if (rec->call == FL_CALL_SOCKETPAIR && rec->result >= 0)
                names_put(b, " fds %d,%d", rec->fd, rec->fd2);
}

static void put_fcntl(struct names_buf *b, const struct fl_record *rec)
{
        int cmd = (int)rec->flags_asked, issued = (int)rec->flags_applied;
        char c[16], i[16];

        if (cmd == F_SETFD) {
                names_put(b, "F_SETFD %s",
                          rec->aux & FD_CLOEXEC ? "FD_CLOEXEC" : "0 (inheritable)");
                return;
        }
        names_put(b, "%s(%d)", names_fcntl_cmd(cmd, c), rec->aux);
        if (issued != cmd)
                names_put(b, " → %s", names_fcntl_cmd(issued, i));
}

static void put_ioctl(struct names_buf *b, const struct fl_record *rec)
{
        if (rec->flags_asked == FIONCLEX)
                names_put(b, "FIONCLEX (inheritable)");
        else if (rec->flags_asked == FIOCLEX)
                names_put(b, "FIOCLEX");
        else
                names_put(b, "request %#x", rec->flags_asked);
}

static void put_close_range(struct names_buf *b, const struct fl_record *rec)
{
        unsigned flags = (unsigned)rec->aux;

        names_put(b, "fds %u..%u", (unsigned)rec->fd, (unsigned)rec->fd2);
        if (flags & CLOSE_RANGE_CLOEXEC)
                names_put(b, " CLOSE_RANGE_CLOEXEC");
        if (flags & CLOSE_RANGE_UNSHARE)
                names_put(b, " CLOSE_RANGE_UNSHARE");
        if (flags & ~(CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE))
                names_put(b, " flags=%#x", flags & ~(CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE));
}

static void put_fd_seen(struct names_buf *b, const struct fl_record *rec)
{
        names_put(b, "%s", fl_fd_kind_name((enum fl_fd_kind)rec->protocol));
        if (rec->flags_applied & FL_STATE_LISTENING)
                names_put(b, " listening");
        else if (rec->flags_applied & FL_STATE_CONNECTED)
                names_put(b, " connected");
        if (rec->fd2 > 0)
                names_put(b, " port %d", rec->fd2);
        if (rec->decision == FL_DEC_PASSED)
                names_put(b, ", passed (%s)",
                          fl_pass_reason_name((enum fl_pass_reason)rec->flags_asked));
        else if (rec->decision == FL_DEC_LEAK)
                names_put(b, ", leaked");
}

static void put_inherit(struct names_buf *b, const struct fl_record *rec, enum names_view view)
{
        switch (view) {
        case NAMES_VIEW_ARGV:
                names_put(b, "argv of %s", fl_call_name((enum fl_call)rec->fd2));
                return;
        case NAMES_VIEW_ARGV_ALONE:
                names_put(b, "argv of %s (the image kept no record of its own)",
                          fl_call_name((enum fl_call)rec->fd2));
                return;
        case NAMES_VIEW_ARGV_QUIET:
                names_put(b, "argv of %s (no fd crossed; the image recorded nothing)",
                          fl_call_name((enum fl_call)rec->fd2));
                return;
        case NAMES_VIEW_CHILD:
                names_put(b, "child's view: ");
                put_fd_seen(b, rec);
                if (rec->child_pid)
                        names_put(b, ", from parent=%d", rec->child_pid);
                return;
        case NAMES_VIEW_PARENT:
                names_put(b, "parent's view at exec: ");
                put_fd_seen(b, rec);
                names_put(b, " (counted in the new image's own record)");
                return;
        case NAMES_VIEW_PARENT_FAILED:
                names_put(b, "parent's view at exec: ");
                put_fd_seen(b, rec);
                names_put(b, " (the exec failed: nothing crossed)");
                return;
        default:
                names_put(b, "parent's view at exec: ");
                put_fd_seen(b, rec);
                names_put(b, " (the image kept no record of its own)");
                return;
        }
}

static void put_start(struct names_buf *b, const struct fl_record *rec)
{
        names_put(b, "parent=%d inherited=%d", rec->child_pid, rec->result);
        if (rec->aux)
                names_put(b, " leaks=%d", rec->aux);
}

static void put_exec_net(struct names_buf *b, const struct fl_record *rec)
{
        if (rec->aux > 0) {
                names_put(b,
                          "exec net: made %d more fds (%d..%d) close-on-exec before exec, not "
                          "recorded one by one",
                          rec->aux, rec->fd, rec->fd2);
                return;
        }
        names_put(b, "exec net: made close-on-exec before exec");
        if (rec->protocol)
                names_put(b, " (%s)", fl_fd_kind_name((enum fl_fd_kind)rec->protocol));
}

static void put_other(struct names_buf *b, const struct fl_record *rec)
{
        if (rec->flags_asked || rec->flags_applied)
                names_put(b, "flags=%#x->%#x", rec->flags_asked, rec->flags_applied);
        if (rec->aux)
                names_put(b, "%saux=%d", b->len ? " " : "", rec->aux);
}

static void put_call(struct names_buf *b, const struct fl_record *rec, enum names_view view)
{
        char f[16], opt[48];

        switch (rec->call) {
        case FL_CALL_SOCKET:
        case FL_CALL_SOCKETPAIR:
                put_socket(b, rec);
                break;
        case FL_CALL_ACCEPT:
        case FL_CALL_ACCEPT4:
                put_created_flags(b, rec);
                break;
        case FL_CALL_FCNTL:
                put_fcntl(b, rec);
                break;
        case FL_CALL_IOCTL:
                put_ioctl(b, rec);
                break;
        case FL_CALL_DUP:
                put_flag_change(b, 0, rec->flags_applied & O_CLOEXEC ? SOCK_CLOEXEC : 0);
                break;
        case FL_CALL_DUP2:
        case FL_CALL_DUP3:
                names_put(b, "→ fd %d%s", rec->fd2,
                          rec->flags_applied & O_CLOEXEC ? " O_CLOEXEC" : "");
                break;
        case FL_CALL_SETSOCKOPT:
                names_put(b, "%s", names_sockopt(rec->protocol, rec->aux, opt));
                if (rec->result == 0)
                        names_put(b, " = %d", rec->type);
                break;
        case FL_CALL_BIND:
                if (rec->family)
                        names_put(b, "%s", names_family(rec->family, f));
                break;
        case FL_CALL_LISTEN:
                names_put(b, "backlog %d", (int)rec->flags_asked);
                if (rec->aux != (int)rec->flags_asked)
                        names_put(b, " → %d", rec->aux);
                break;
        case FL_CALL_CLOSE_RANGE:
                put_close_range(b, rec);
                break;
        case FL_CALL_CLOSEFROM:
                names_put(b, "fds %d..", rec->fd);
                break;
        case FL_CALL_FORK:
        case FL_CALL_VFORK:
        case FL_CALL_CLONE:
        case FL_CALL_POSIX_SPAWN:
        case FL_CALL_SYSTEM:
        case FL_CALL_POPEN:
                if (rec->child_pid)
                        names_put(b, "child=%d", rec->child_pid);
                break;
        case FL_CALL_EXEC:
                break;
        case FL_CALL_START:
                put_start(b, rec);
                break;
        case FL_CALL_INHERIT:
                put_inherit(b, rec, view);
                break;
        case FL_CALL_TEXT:
                names_put(b, "continues seq %llu, part %d of %u", (unsigned long long)rec->ino,
                          rec->aux, rec->flags_asked);
                break;
        case FL_CALL_WARNING:
                names_put(b, "part %d of %d", rec->fd + 1, rec->fd2);
                break;
        case FL_CALL_EXEC_NET:
                put_exec_net(b, rec);
                break;
        default:
                put_other(b, rec);
                break;
        }
}

void names_detail(struct names_buf *b, const struct fl_record *rec, enum names_view view)
{
        size_t start = b->len;

        put_call(b, rec, view);
        /* A leading space from the flag lists is not wanted at the start of the column. */
        if (b->len > start && b->text[start] == ' ') {
                memmove(b->text + start, b->text + start + 1, b->len - start);
                b->len--;
        }
        if (rec->decision == FL_DEC_AUDIT_WOULD_CHANGE) {
                char would[128];
                struct names_buf w = {would, sizeof(would), 0};

                names_would_change(&w, rec);
                if (w.len)
                        names_put(b, "%s(enforce: %s)", b->len ? " " : "", would);
        }
}

void names_would_change(struct names_buf *b, const struct fl_record *rec)
{
        char c[16];

        b->text[b->len] = '\0';
        if (rec->decision != FL_DEC_AUDIT_WOULD_CHANGE)
                return;
        switch (rec->call) {
        case FL_CALL_SOCKET:
        case FL_CALL_SOCKETPAIR:
                names_put(b, "+SOCK_CLOEXEC");
                break;
        case FL_CALL_ACCEPT:
                names_put(b, "accept4 +SOCK_CLOEXEC");
                break;
        case FL_CALL_ACCEPT4:
                names_put(b, "+SOCK_CLOEXEC");
                break;
        case FL_CALL_FCNTL:
                names_put(b, "%s → F_DUPFD_CLOEXEC", names_fcntl_cmd((int)rec->flags_asked, c));
                break;
        case FL_CALL_DUP:
                names_put(b, "F_DUPFD_CLOEXEC");
                break;
        case FL_CALL_LISTEN:
                names_put(b, "backlog %d → %d", (int)rec->flags_asked, rec->type);
                break;
        case FL_CALL_SETSOCKOPT:
                names_put(b, "the go profile sets it to %d", rec->type);
                break;
        default:
                names_put(b, "close-on-exec");
                break;
        }
}

enum fl_decision names_shown_decision(const struct fl_record *rec, enum names_view view)
{
        if (view == NAMES_VIEW_PARENT || view == NAMES_VIEW_PARENT_FAILED)
                return FL_DEC_NONE;
        return (enum fl_decision)rec->decision;
}
