/* setsockopt, bind, listen: pass-through, recorded (setsockopt only for the options that matter).
 * What the program set is noted only after the kernel accepted it (the value is read then, never
 * before); the go profile acts before bind and on listen's backlog. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "addrtext.h"
#include "fdtable.h"
#include "goprofile.h"
#include "safecopy.h"
#include "fdcalls.h"

static void fill(struct fl_record *record, enum fl_call call, int fd)
{
        memset(record, 0, sizeof(*record));
        record->call = (uint16_t)call;
        record->fd = fd;
        record->fd2 = -1;
}

/* TCP_NODELAY is set per request by servers such as nginx: watched only in the go profile, which
 * must know whether a program set it before it dials. */
static int watched_option(const struct fl_shim *shim, int level, int name)
{
        if (level == SOL_SOCKET && name == SO_REUSEADDR)
                return FL_OPT_REUSEADDR;
        if (level == SOL_SOCKET && name == SO_BROADCAST)
                return FL_OPT_BROADCAST;
        if (level == SOL_SOCKET && name == SO_KEEPALIVE)
                return FL_OPT_KEEPALIVE;
        if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY)
                return FL_OPT_V6ONLY;
        if (level == IPPROTO_TCP && name == TCP_NODELAY && fl_go_active(shim))
                return FL_OPT_NODELAY;
        return 0;
}

struct option_set {
        int bit;
        int value;
};

static void note_option(struct fl_fd_info *info, const void *arg)
{
        const struct option_set *set = arg;

        info->opts_program |= (uint8_t)set->bit;
        info->opts_value =
            (uint8_t)(set->value ? info->opts_value | set->bit : info->opts_value & ~set->bit);
}

/* After the kernel accepted one of the options the profile cares about: the value is read now,
 * as an int, and through the kernel, since some options accept a NULL or dangling value and so
 * acceptance does not vouch for the pointer. Other options' values are never read. An option the
 * go profile set and the program now sets to another value: the program wins. */
static enum fl_decision note_accepted(struct fl_shim *shim, int fd, int level, int name,
                                      const void *value, socklen_t len, struct fl_record *record)
{
        struct option_set set = {watched_option(shim, level, name), 0};
        struct fl_fd_info info;

        if (!set.bit || len < (socklen_t)sizeof(int) ||
            !fl_safe_copy_bytes(&set.value, value, sizeof(int)))
                return FL_DEC_PASSTHROUGH;
        record->type = set.value;
        if (!fl_fdtable_verify(shim->sys, fd, &info))
                return FL_DEC_PASSTHROUGH;
        fl_fdtable_update(fd, note_option, &set);
        /* The profile sets V6ONLY to 0 and the others to 1. */
        if ((info.opts_profile & set.bit) && (set.value != 0) != (set.bit != FL_OPT_V6ONLY))
                return FL_DEC_PROGRAM_WINS;
        return FL_DEC_PASSTHROUGH;
}

int fl_setsockopt(struct fl_shim *shim, int fd, int level, int name, const void *value,
                  socklen_t len)
{
        struct fl_record record;
        enum fl_decision decision = FL_DEC_PASSTHROUGH;
        int result = shim->sys->setsockopt(fd, level, name, value, len);
        int saved = errno;

        /* Only the options the go profile and the per-fd state care about are noted and
         * recorded; the rest (TCP_CORK, and TCP_NODELAY outside the go profile: per request in
         * servers such as nginx) are pure pass-through, not decisions. */
        if (shim->config.mode == FL_MODE_OFF || !watched_option(shim, level, name))
                return result;
        fill(&record, FL_CALL_SETSOCKOPT, fd);
        record.protocol = level;
        record.aux = name;
        if (result == 0)
                decision = note_accepted(shim, fd, level, name, value, len, &record);
        errno = saved;
        fl_fdcall_record(shim, &record, result, decision);
        return result;
}

struct bound {
        uint16_t port;
        uint8_t addr[16];
};

static void note_bound(struct fl_fd_info *info, const void *arg)
{
        const struct bound *b = arg;

        info->flags |= FL_FD_BOUND;
        info->port = b->port;
        memcpy(info->addr, b->addr, sizeof(info->addr));
}

static void remember_address(int fd, const struct sockaddr *addr, socklen_t len)
{
        struct bound b;
        sa_family_t family;

        memset(&b, 0, sizeof(b));
        memcpy(&family, &addr->sa_family, sizeof(family));
        if (family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
                struct sockaddr_in sin;
                memcpy(&sin, addr, sizeof(sin));
                b.port = ntohs(sin.sin_port);
                memcpy(b.addr, &sin.sin_addr, 4);
        } else if (family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
                struct sockaddr_in6 sin6;
                memcpy(&sin6, addr, sizeof(sin6));
                b.port = ntohs(sin6.sin6_port);
                memcpy(b.addr, &sin6.sin6_addr, 16);
        } else if (len > (socklen_t)sizeof(family)) {
                size_t n = (size_t)len - sizeof(family);
                memcpy(b.addr, (const char *)addr + sizeof(family), n < 16 ? n : 16);
        }
        fl_fdtable_update(fd, note_bound, &b);
}

/* After the kernel accepted the address it is copied through the kernel anyway: the record must
 * not be the thing that crashes a program whose bind raced an munmap. */
int fl_bind(struct fl_shim *shim, int fd, const struct sockaddr *addr, socklen_t len)
{
        struct sockaddr_storage copy;
        socklen_t copied = len < (socklen_t)sizeof(copy) ? len : (socklen_t)sizeof(copy);
        struct fl_record record;
        int result, saved;

        if (shim->config.mode == FL_MODE_OFF)
                return shim->sys->bind(fd, addr, len);
        fl_go_before_bind(shim, fd, addr, len);
        result = shim->sys->bind(fd, addr, len);
        saved = errno;
        fill(&record, FL_CALL_BIND, fd);
        if (result == 0 && copied >= (socklen_t)sizeof(sa_family_t) &&
            fl_safe_copy_bytes(&copy, addr, copied)) {
                record.family = copy.ss_family;
                fl_addr_text(record.text, sizeof(record.text), (struct sockaddr *)&copy, copied);
                remember_address(fd, (struct sockaddr *)&copy, copied);
        }
        errno = saved;
        fl_fdcall_record(shim, &record, result, FL_DEC_PASSTHROUGH);
        return result;
}

static void note_listening(struct fl_fd_info *info, const void *arg)
{
        info->flags |= FL_FD_LISTENING;
        info->backlog = *(const int *)arg;
}

int fl_listen(struct fl_shim *shim, int fd, int backlog)
{
        struct fl_record record;
        enum fl_decision decision = FL_DEC_PASSTHROUGH;
        int passed = backlog, go = backlog, result, saved = errno;

        if (shim->config.mode == FL_MODE_OFF)
                return shim->sys->listen(fd, backlog);
        if (fl_go_active(shim)) {
                go = fl_go_backlog(shim);
                errno = saved;
                if (go != backlog && shim->config.mode == FL_MODE_ENFORCE) {
                        passed = go;
                        decision = FL_DEC_PROFILE;
                } else if (go != backlog) {
                        decision = FL_DEC_AUDIT_WOULD_CHANGE;
                }
        }
        result = shim->sys->listen(fd, passed);
        saved = errno;
        fill(&record, FL_CALL_LISTEN, fd);
        record.flags_asked = (uint32_t)backlog;
        record.aux = passed;
        record.type = go; /* what the go profile passes: an audit row says what it would change */
        if (result == 0)
                fl_fdtable_update(fd, note_listening, &passed);
        errno = saved;
        fl_fdcall_record(shim, &record, result, decision);
        return result;
}
