/* socket and socketpair through the one algorithm (cloexec.h): SOCK_CLOEXEC, and Go's sysSocket
 * fallback when the kernel refuses the type flags. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "hot.h"
#include "cloexec.h"
#include "fdtable.h"
#include "shim.h"
#include "sockets.h"

#define FL_SOCK_TYPE_MASK 0xf

struct socket_args {
        int family, protocol;
};

static int make_socket(const struct fl_shim *shim, const struct fl_creation *c, int type)
{
        const struct socket_args *args = c->args;

        if (c->is_pair)
                return shim->sys->socketpair(args->family, type, args->protocol, c->pair);
        return shim->sys->socket(args->family, type, args->protocol);
}

static bool refusal_means_old_kernel(const struct fl_shim *shim, const struct fl_creation *c,
                                     int err)
{
        (void)shim, (void)c;
        return fl_socket_refusal(err);
}

static FL_HOT void describe(const struct fl_creation *c, struct fl_record *record)
{
        const struct socket_args *args = c->args;
        bool made = record->result >= 0;

        record->family = args->family;
        record->type = c->flags & FL_SOCK_TYPE_MASK;
        record->protocol = args->protocol;
        record->flags_asked &= ~(uint32_t)FL_SOCK_TYPE_MASK;
        record->flags_applied &= ~(uint32_t)FL_SOCK_TYPE_MASK;
        record->fd = c->is_pair ? (made ? c->pair[0] : -1) : record->result;
        record->fd2 = c->is_pair && made ? c->pair[1] : -1;
}

static const struct fl_creation_ops socket_ops = {
    .cloexec = SOCK_CLOEXEC,
    .nonblock = SOCK_NONBLOCK,
    .go_adds_nonblock = true,
    .call = make_socket,
    .refused = refusal_means_old_kernel,
    .describe = describe,
};

static bool has_unknown_type_bits(int type)
{
        return (type & ~(FL_SOCK_TYPE_MASK | FL_SOCK_FLAGS)) != 0;
}

/* Type bits this kernel does not know make the call fail whatever forklock does: an EINVAL then
 * is the caller's, not a refusal of SOCK_CLOEXEC. */
static int create(struct fl_shim *shim, const struct fl_creation *c)
{
        int wanted = c->flags | SOCK_CLOEXEC;

        if (shim->config.mode == FL_MODE_ENFORCE && has_unknown_type_bits(c->flags)) {
                if (shim->config.profile == FL_PROFILE_GO)
                        wanted |= SOCK_NONBLOCK;
                return fl_create_finish(shim, c, wanted, make_socket(shim, c, wanted),
                                        FL_DEC_ATOMIC);
        }
        return fl_create(shim, c);
}

int fl_socket_general(struct fl_shim *shim, int family, int type, int protocol)
{
        struct socket_args args = {family, protocol};
        struct fl_creation c = {
            &socket_ops, &shim->socket_flags_refused, FL_CALL_SOCKET, type, false, NULL, &args};

        return create(shim, &c);
}

/* fl_create_finish's record and fdtable note for the common case, written out: an atomic socket
 * in the cloexec profile that landed above the standard streams. The same bytes as the general
 * path (test_socket checks it), with none of its calls through tables or loops over pairs: what
 * runs right after the kernel's work has evicted the caches runs at the speed of the code lines
 * it touches. Touches no errno. */
static FL_HOT int note_atomic(struct fl_shim *shim, int family, int type, int protocol, int wanted,
                              int fd)
{
        struct fl_record record;

        /* Field by field: an initializer would zero the whole record first with `rep stos`,
         * whose start-up costs more than these stores. */
        record.seq = 0;
        record.ts_ns = 0;
        record.pid = 0;
        record.tid = 0;
        record.call = FL_CALL_SOCKET;
        record.decision = 0;
        record.reserved = 0;
        record.fd = fd;
        record.result = fd;
        record.err = 0;
        record.fd2 = -1;
        record.family = family;
        record.type = type & FL_SOCK_TYPE_MASK;
        record.protocol = protocol;
        record.flags_asked = (uint32_t)type & ~(uint32_t)FL_SOCK_TYPE_MASK;
        record.flags_applied = (uint32_t)wanted & ~(uint32_t)FL_SOCK_TYPE_MASK;
        record.ino = 0;
        record.child_pid = 0;
        record.aux = 0;
        memset(record.text, 0, sizeof(record.text));
        struct fl_fd_info info = {
            .call = FL_CALL_SOCKET,
            .family = (int16_t)family,
            .type = (int16_t)(type & FL_SOCK_TYPE_MASK),
            .flags = (type & SOCK_CLOEXEC) ? 0 : FL_FD_CLOEXEC_FORCED,
        };

        info.seq = fl_shim_decide(shim, &record, FL_DEC_ATOMIC);
        fl_fdtable_set(fd, &info);
        return fd;
}

/* Every other case: the fallback after a refusal, fds 0-2 (the intent rule), the go profile. */
static __attribute__((noinline)) int finish(struct fl_shim *shim, int family, int type,
                                            int protocol, int wanted, int fd)
{
        struct socket_args args = {family, protocol};
        struct fl_creation c = {
            &socket_ops, &shim->socket_flags_refused, FL_CALL_SOCKET, type, false, NULL, &args};
        enum fl_decision decision = FL_DEC_ATOMIC;

        if (fd < 0)
                fd = fl_cloexec_refused(shim, &c, wanted, false, &decision);
        return fl_create_finish(shim, &c, wanted, fd, decision);
}

/* What fl_create would do after its atomic attempt gave fd: record it, or fall back. */
FL_HOT int fl_socket_made(struct fl_shim *shim, int family, int type, int protocol, int wanted,
                          int fd)
{
        if (fd > 2 && shim->config.profile == FL_PROFILE_CLOEXEC)
                return note_atomic(shim, family, type, protocol, wanted, fd);
        return finish(shim, family, type, protocol, wanted, fd);
}

int fl_socketpair(struct fl_shim *shim, int family, int type, int protocol, int fds[2])
{
        struct socket_args args = {family, protocol};
        struct fl_creation c = {
            &socket_ops, &shim->socket_flags_refused, FL_CALL_SOCKETPAIR, type, true, fds, &args};

        return create(shim, &c) < 0 ? -1 : 0;
}
