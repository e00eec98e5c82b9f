#include "goprofile.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "hot.h"
#include "fdtable.h"
#include "safecopy.h"

struct go_option {
        int level, name, bit;
        const char *text;
};

static const struct go_option broadcast = {SOL_SOCKET, SO_BROADCAST, FL_OPT_BROADCAST,
                                           "SO_BROADCAST"};
static const struct go_option v6only = {IPPROTO_IPV6, IPV6_V6ONLY, FL_OPT_V6ONLY, "IPV6_V6ONLY"};
static const struct go_option reuseaddr = {SOL_SOCKET, SO_REUSEADDR, FL_OPT_REUSEADDR,
                                           "SO_REUSEADDR"};

static const struct go_option nodelay = {IPPROTO_TCP, TCP_NODELAY, FL_OPT_NODELAY, "TCP_NODELAY"};
static const struct go_option keepalive = {SOL_SOCKET, SO_KEEPALIVE, FL_OPT_KEEPALIVE,
                                           "SO_KEEPALIVE"};
static const struct go_option keepidle = {IPPROTO_TCP, TCP_KEEPIDLE, 0, "TCP_KEEPIDLE"};
static const struct go_option keepintvl = {IPPROTO_TCP, TCP_KEEPINTVL, 0, "TCP_KEEPINTVL"};
static const struct go_option keepcnt = {IPPROTO_TCP, TCP_KEEPCNT, 0, "TCP_KEEPCNT"};

/* defaultTCPKeepAliveIdle, defaultTCPKeepAliveInterval (seconds), defaultTCPKeepAliveCount */
#define GO_KEEPALIVE_IDLE  15
#define GO_KEEPALIVE_INTVL 15
#define GO_KEEPALIVE_COUNT 9

/* "go: SO_BROADCAST=1" or "program: IPV6_V6ONLY=1" */
static void describe(char *text, size_t size, const char *who, const char *name, int value)
{
        size_t used = 0;

        for (const char *parts[] = {who, ": ", name, "="}, **p = parts; p < parts + 4; p++)
                for (const char *c = *p; *c && used + 2 < size; c++)
                        text[used++] = *c;
        if (value >= 10 && used + 3 < size)
                text[used++] = (char)('0' + value / 10 % 10);
        text[used++] = (char)('0' + value % 10);
        text[used] = '\0';
}

bool fl_go_active(const struct fl_shim *shim)
{
        return shim->config.profile == FL_PROFILE_GO && shim->config.mode != FL_MODE_OFF;
}

static void mark_profile(struct fl_fd_info *info, const void *arg)
{
        info->opts_profile |= (uint8_t)((const struct go_option *)arg)->bit;
}

static void record_option(struct fl_shim *shim, int fd, const struct go_option *option, int value,
                          int result, enum fl_decision decision)
{
        struct fl_record record;

        memset(&record, 0, sizeof(record));
        record.call = FL_CALL_SETSOCKOPT;
        record.fd = fd;
        record.fd2 = -1;
        record.protocol = option->level;
        record.aux = option->name;
        record.type = value;
        describe(record.text, sizeof(record.text),
                 decision == FL_DEC_PROGRAM_WINS ? "program" : "go", option->text, value);
        fl_shim_record(shim, &record, result, decision);
}

/* Applies one option (enforce) or says it would (audit); errno is kept. A failure is recorded and
 * the call goes on: Go would close the socket, forklock never fails the program's call for it. */
static void apply(struct fl_shim *shim, int fd, const struct go_option *option, int value)
{
        int saved = errno, result = 0;

        if (shim->config.mode != FL_MODE_ENFORCE) {
                record_option(shim, fd, option, value, 0, FL_DEC_AUDIT_WOULD_CHANGE);
                return;
        }
        result = shim->sys->setsockopt
                     ? shim->sys->setsockopt(fd, option->level, option->name, &value, sizeof(value))
                     : (errno = ENOSYS, -1);
        record_option(shim, fd, option, value, result, FL_DEC_PROFILE);
        if (result == 0)
                fl_fdtable_update(fd, mark_profile, option);
        errno = saved;
}

FL_HOT void fl_go_created(struct fl_shim *shim, int fd, int family, int type)
{
        if (!fl_go_active(shim) || family == AF_UNIX)
                return;
        if (type == SOCK_DGRAM || type == SOCK_RAW)
                apply(shim, fd, &broadcast, 1);
}

/* The program's own setting wins: the profile stands down, and says so. */
static void apply_unless_set(struct fl_shim *shim, int fd, const struct fl_fd_info *info,
                             const struct go_option *option, int value)
{
        if (info->opts_program & option->bit) {
                record_option(shim, fd, option, (info->opts_value & option->bit) ? 1 : 0, 0,
                              FL_DEC_PROGRAM_WINS);
                return;
        }
        apply(shim, fd, option, value);
}

static bool is_tcp(const struct fl_fd_info *listener)
{
        return (listener->family == AF_INET || listener->family == AF_INET6) &&
               listener->type == SOCK_STREAM;
}

/* Keep-alive as Go's KeepAliveConfig defaults, unless the program set SO_KEEPALIVE on owner (the
 * connection, or the listener it was accepted from): then it took charge of keep-alive, and none
 * of the four is touched. */
static void keep_alive(struct fl_shim *shim, int fd, const struct fl_fd_info *owner)
{
        if (owner->opts_program & FL_OPT_KEEPALIVE) {
                record_option(shim, fd, &keepalive, (owner->opts_value & FL_OPT_KEEPALIVE) ? 1 : 0,
                              0, FL_DEC_PROGRAM_WINS);
                return;
        }
        apply(shim, fd, &keepalive, 1);
        apply(shim, fd, &keepidle, GO_KEEPALIVE_IDLE);
        apply(shim, fd, &keepintvl, GO_KEEPALIVE_INTVL);
        apply(shim, fd, &keepcnt, GO_KEEPALIVE_COUNT);
}

void fl_go_accepted(struct fl_shim *shim, int fd, const struct fl_fd_info *listener)
{
        if (!fl_go_active(shim) || !is_tcp(listener))
                return;
        apply(shim, fd, &nodelay, 1);
        keep_alive(shim, fd, listener);
}

static void mark_dialed(struct fl_fd_info *info, const void *arg)
{
        (void)arg;
        info->flags |= FL_FD_DIALED;
}

/* connect(AF_UNSPEC) dissolves an association: no dial. The kernel took the address, so it was
 * readable; it is copied through the kernel all the same (another thread may have unmapped it). */
static bool dials_somewhere(const struct sockaddr *addr, socklen_t len)
{
        sa_family_t family;

        return len >= (socklen_t)sizeof(family) &&
               fl_safe_copy_bytes(&family, &addr->sa_family, sizeof(family)) && family != AF_UNSPEC;
}

void fl_go_dialed(struct fl_shim *shim, int fd, const struct sockaddr *addr, socklen_t len)
{
        struct fl_fd_info info;

        if (!fl_go_active(shim) || !fl_fdtable_verify(shim->sys, fd, &info))
                return;
        if (info.call != FL_CALL_SOCKET || !is_tcp(&info) || (info.flags & FL_FD_DIALED) ||
            !dials_somewhere(addr, len))
                return;
        fl_fdtable_update(fd, mark_dialed, NULL);
        apply_unless_set(shim, fd, &info, &nodelay, 1);
        keep_alive(shim, fd, &info);
}

static bool is_wildcard6(const struct sockaddr *addr, socklen_t len)
{
        struct sockaddr_in6 sin6;

        if (len < (socklen_t)sizeof(sin6) || !fl_safe_copy_bytes(&sin6, addr, sizeof(sin6)))
                return false;
        return sin6.sin6_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&sin6.sin6_addr);
}

void fl_go_before_bind(struct fl_shim *shim, int fd, const struct sockaddr *addr, socklen_t len)
{
        struct fl_fd_info info;

        if (!fl_go_active(shim) || !fl_fdtable_verify(shim->sys, fd, &info))
                return;
        if (info.call != FL_CALL_SOCKET || info.flags & FL_FD_BOUND)
                return;
        if (info.family == AF_INET6 && info.type != SOCK_RAW && is_wildcard6(addr, len))
                apply_unless_set(shim, fd, &info, &v6only, 0);
        if (info.type == SOCK_STREAM || info.type == SOCK_SEQPACKET)
                apply_unless_set(shim, fd, &info, &reuseaddr, 1);
}
