/* socket and socketpair: the atomic attempt with SOCK_CLOEXEC, and Go's sysSocket fallback. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fdflags.h"
#include "forklock.h"
#include "shim.h"
#include "stdfds.h"
#include "surface.h"

#define FL_SOCK_FLAGS     (SOCK_CLOEXEC | SOCK_NONBLOCK)
#define FL_SOCK_TYPE_MASK 0xf

struct socket_call {
        int family;
        int type; /* as the caller passed it */
        int protocol;
        bool is_pair;
        int *pair; /* socketpair's array, never read before the kernel filled it */
};

static int added_flags(const struct fl_shim *shim)
{
        return SOCK_CLOEXEC | (shim->config.profile == FL_PROFILE_GO ? SOCK_NONBLOCK : 0);
}

static bool has_unknown_type_bits(int type)
{
        return (type & ~(FL_SOCK_TYPE_MASK | FL_SOCK_FLAGS)) != 0;
}

static bool refusal_means_old_kernel(int err)
{
        return err == EINVAL || err == EPROTONOSUPPORT;
}

static int create(const struct fl_shim *shim, const struct socket_call *call, int type)
{
        if (call->is_pair)
                return shim->sys->socketpair(call->family, type, call->protocol, call->pair);
        return shim->sys->socket(call->family, type, call->protocol);
}

static void close_created(const struct fl_shim *shim, const struct socket_call *call, int fd)
{
        int saved = errno;

        if (call->is_pair) {
                shim->sys->close(call->pair[0]);
                shim->sys->close(call->pair[1]);
        } else {
                shim->sys->close(fd);
        }
        errno = saved;
}

static int apply_to_created(const struct fl_shim *shim, const struct socket_call *call, int fd,
                            int (*apply)(const struct fl_sys *, int))
{
        if (!call->is_pair)
                return apply(shim->sys, fd);
        if (apply(shim->sys, call->pair[0]) < 0)
                return -1;
        return apply(shim->sys, call->pair[1]);
}

/* Go's fallback: create without flags and mark close-on-exec under the read side of the fork lock,
 * then set O_NONBLOCK outside it, closing the fd if that fails. */
__attribute__((noinline, cold)) static int
create_on_fallback(const struct fl_shim *shim, const struct socket_call *call, int wanted)
{
        struct fl_lock_token token;
        int fd;

        fl_forklock_read_lock(&token);
        fd = create(shim, call, call->type & ~FL_SOCK_FLAGS);
        if (fd >= 0 && apply_to_created(shim, call, fd, fl_mark_cloexec) < 0) {
                close_created(shim, call, fd);
                fd = -1;
        }
        fl_forklock_read_unlock(&token);
        if (fd < 0 || !(wanted & SOCK_NONBLOCK))
                return fd;
        if (apply_to_created(shim, call, fd, fl_set_nonblock) < 0) {
                close_created(shim, call, fd);
                return -1;
        }
        return fd;
}

static void fill_record(struct fl_record *record, const struct socket_call *call, int applied,
                        int result)
{
        memset(record, 0, sizeof(*record));
        record->call = call->is_pair ? FL_CALL_SOCKETPAIR : FL_CALL_SOCKET;
        record->family = call->family;
        record->type = call->type & FL_SOCK_TYPE_MASK;
        record->protocol = call->protocol;
        record->flags_asked = (uint32_t)(call->type & ~FL_SOCK_TYPE_MASK);
        record->flags_applied = (uint32_t)(applied & ~FL_SOCK_TYPE_MASK);
        record->result = result;
        record->err = result < 0 ? errno : 0;
        record->fd = call->is_pair ? (result < 0 ? -1 : call->pair[0]) : result;
        record->fd2 = call->is_pair && result >= 0 ? call->pair[1] : -1;
}

/* Which created fds are standard streams left inheritable: bit 0 the socket (or socketpair's first
 * end), bit 1 socketpair's second end. */
static unsigned keep_stdfds(const struct fl_shim *shim, const struct socket_call *call, int applied,
                            int result)
{
        bool asked = call->type & SOCK_CLOEXEC;
        bool added_nonblock = (applied & ~call->type) & SOCK_NONBLOCK;

        if (result < 0)
                return 0;
        if (!call->is_pair)
                return fl_stdfd_intent(shim, result, asked, added_nonblock);
        return (unsigned)fl_stdfd_intent(shim, call->pair[0], asked, added_nonblock) |
               (unsigned)fl_stdfd_intent(shim, call->pair[1], asked, added_nonblock) << 1;
}

static int finish(struct fl_shim *shim, const struct socket_call *call, int applied, int result,
                  enum fl_decision decision)
{
        struct fl_record record;
        unsigned stdfds;
        int saved;

        if (result < 0 && !fl_failure_is_forklocks(decision))
                return result;
        saved = errno;
        stdfds = keep_stdfds(shim, call, applied, result);
        if (stdfds)
                decision = FL_DEC_INTENT;
        if (stdfds == (call->is_pair ? 3u : 1u))
                applied &= ~SOCK_CLOEXEC;
        fill_record(&record, call, applied, result);
        fl_surface_created(shim, &record,
                           fl_shim_decide(shim, &record, result < 0 ? FL_DEC_ERROR : decision));
        if (stdfds & 1)
                fl_stdfd_note(record.fd);
        if (stdfds & 2)
                fl_stdfd_note(record.fd2);
        errno = saved;
        return result;
}

static int create_unchanged(struct fl_shim *shim, const struct socket_call *call)
{
        int result = create(shim, call, call->type);
        bool would_change = result >= 0 && !(call->type & SOCK_CLOEXEC);

        return finish(shim, call, call->type, result,
                      would_change ? FL_DEC_AUDIT_WOULD_CHANGE : FL_DEC_PASSTHROUGH);
}

static int create_cloexec(struct fl_shim *shim, const struct socket_call *call)
{
        int wanted = call->type | added_flags(shim);
        bool remembered = atomic_load_explicit(&shim->socket_flags_refused, memory_order_relaxed);
        int result;

        if (has_unknown_type_bits(call->type))
                return finish(shim, call, wanted, create(shim, call, wanted), FL_DEC_ATOMIC);
        if (!remembered) {
                if (shim->config.simulate_einval) {
                        errno = EINVAL;
                        result = -1;
                } else {
                        result = create(shim, call, wanted);
                }
                if (result >= 0 || !refusal_means_old_kernel(errno))
                        return finish(shim, call, wanted, result, FL_DEC_ATOMIC);
        }
        result = create_on_fallback(shim, call, wanted);
        if (result >= 0 && !remembered)
                atomic_store(&shim->socket_flags_refused, true);
        return finish(shim, call, wanted, result,
                      remembered ? FL_DEC_REMEMBERED_FALLBACK : FL_DEC_FALLBACK);
}

static int dispatch(struct fl_shim *shim, const struct socket_call *call)
{
        switch (shim->config.mode) {
        case FL_MODE_OFF:
                return create(shim, call, call->type);
        case FL_MODE_AUDIT:
                return create_unchanged(shim, call);
        case FL_MODE_ENFORCE:
                break;
        }
        return create_cloexec(shim, call);
}

int fl_socket(struct fl_shim *shim, int family, int type, int protocol)
{
        struct socket_call call = {family, type, protocol, false, NULL};

        return dispatch(shim, &call);
}

int fl_socketpair(struct fl_shim *shim, int family, int type, int protocol, int fds[2])
{
        struct socket_call call = {family, type, protocol, true, fds};
        int result = dispatch(shim, &call);

        return result < 0 ? -1 : 0;
}
