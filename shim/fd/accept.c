/* accept and accept4: accept4 with SOCK_CLOEXEC, and a fallback that leaves no window.
 *
 * Go falls back to accept + CloseOnExec without the fork lock, because a blocking accept could hold
 * the lock forever. Here the fallback never blocks inside the lock: under the read side it makes
 * the listener non-blocking for one accept (serialised with other fallback accepts, so none of them
 * mistakes the borrowed flag for the caller's), marks the new fd close-on-exec, and puts the
 * listener back; the wait for a connection happens in poll(), outside the lock, for as long as the
 * listener's SO_RCVTIMEO allows. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/time.h>

#include "fdflags.h"
#include "forklock.h"
#include "shim.h"
#include "stdfds.h"
#include "surface.h"

#define FL_SOCK_FLAGS (SOCK_CLOEXEC | SOCK_NONBLOCK)

struct accept_call {
        enum fl_call call;
        int fd;
        struct sockaddr *addr;
        socklen_t *len;
        int flags;
};

/* Taken only with all signals blocked (inside the read side), so a handler cannot spin on it. */
static atomic_flag listener_flag_borrowed = ATOMIC_FLAG_INIT;

static void borrow_listener_flags(void)
{
        while (atomic_flag_test_and_set_explicit(&listener_flag_borrowed, memory_order_acquire))
                ;
}

static void return_listener_flags(void)
{
        atomic_flag_clear_explicit(&listener_flag_borrowed, memory_order_release);
}

static int call_unchanged(const struct fl_shim *shim, const struct accept_call *call)
{
        if (call->call == FL_CALL_ACCEPT)
                return shim->sys->accept(call->fd, call->addr, call->len);
        return shim->sys->accept4(call->fd, call->addr, call->len, call->flags);
}

static bool in_gos_fallback_list(int err)
{
        return err == ENOSYS || err == EINVAL || err == EACCES || err == EFAULT;
}

/* EINVAL, EACCES and EFAULT also come from the caller's own arguments (a socket that is not
 * listening, a bad address pointer). accept4 on fd -1 costs nothing and tells the two apart: a
 * kernel that has accept4 answers EBADF. */
static bool accept4_is_missing(const struct fl_shim *shim, int err)
{
        int saved = errno;
        bool missing;

        if (err == ENOSYS)
                return true;
        missing = shim->sys->accept4(-1, NULL, NULL, SOCK_CLOEXEC) < 0 && errno != EBADF;
        errno = saved;
        return missing;
}

static int accept_without_blocking(const struct fl_shim *shim, const struct accept_call *call,
                                   bool *listener_blocks)
{
        int listener_flags, fd, saved;

        borrow_listener_flags();
        listener_flags = shim->sys->fcntl_int(call->fd, F_GETFL, 0);
        if (listener_flags < 0) {
                return_listener_flags();
                return shim->sys->accept(call->fd, call->addr, call->len);
        }
        *listener_blocks = !(listener_flags & O_NONBLOCK);
        if (*listener_blocks)
                shim->sys->fcntl_int(call->fd, F_SETFL, listener_flags | O_NONBLOCK);
        fd = shim->sys->accept(call->fd, call->addr, call->len);
        saved = errno;
        if (*listener_blocks)
                shim->sys->fcntl_int(call->fd, F_SETFL, listener_flags);
        return_listener_flags();
        errno = saved;
        return fd;
}

static int accept_marked(const struct fl_shim *shim, const struct accept_call *call,
                         bool *listener_blocks)
{
        struct fl_lock_token token;
        int fd;

        fl_forklock_read_lock(&token);
        fd = accept_without_blocking(shim, call, listener_blocks);
        if (fd >= 0 && fl_mark_cloexec(shim->sys, fd) < 0) {
                int saved = errno;
                shim->sys->close(fd);
                errno = saved;
                fd = -1;
        }
        fl_forklock_read_unlock(&token);
        return fd;
}

/* How long a blocking accept may wait: the listener's SO_RCVTIMEO (0: forever), counted from the
 * first wait and shared by every retry, as the kernel's one timeout is. */
struct wait_budget {
        bool started, forever;
        long long deadline_ns;
};

static void start_budget(const struct fl_shim *shim, int fd, struct wait_budget *budget)
{
        struct timeval timeout = {0, 0};
        socklen_t len = sizeof(timeout);

        budget->started = true;
        budget->forever = !shim->sys->getsockopt || !shim->sys->monotonic_ns ||
                          shim->sys->getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, &len) < 0 ||
                          timeout.tv_sec < 0 || (timeout.tv_sec == 0 && timeout.tv_usec <= 0);
        if (!budget->forever)
                budget->deadline_ns = shim->sys->monotonic_ns() +
                                      (long long)timeout.tv_sec * 1000000000LL +
                                      (long long)timeout.tv_usec * 1000LL;
}

/* poll's timeout for what is left, rounded up to whole milliseconds; 0 when the time is up. */
static int remaining_ms(const struct fl_shim *shim, const struct wait_budget *budget)
{
        long long left;

        if (budget->forever)
                return -1;
        left = budget->deadline_ns - shim->sys->monotonic_ns();
        if (left <= 0)
                return 0;
        left = (left + 999999) / 1000000;
        return left > INT_MAX ? INT_MAX : (int)left;
}

/* The kernel's accept on a blocking listener whose SO_RCVTIMEO ran out answers EAGAIN. A signal
 * ends the wait with EINTR, as it ends the kernel's wait on a socket with a timeout. */
static int wait_readable(const struct fl_shim *shim, int fd, struct wait_budget *budget)
{
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int timeout, ready;

        if (!budget->started)
                start_budget(shim, fd, budget);
        timeout = remaining_ms(shim, budget);
        ready = timeout == 0 ? 0 : shim->sys->poll(&pfd, 1, timeout);
        if (ready == 0) {
                errno = EAGAIN;
                return -1;
        }
        return ready < 0 ? -1 : 0;
}

__attribute__((noinline, cold)) static int
accept_on_fallback(const struct fl_shim *shim, const struct accept_call *call, int wanted)
{
        struct wait_budget budget = {false, true, 0};
        bool listener_blocks = false;
        int fd;

        while ((fd = accept_marked(shim, call, &listener_blocks)) < 0) {
                if (!listener_blocks || (errno != EAGAIN && errno != EWOULDBLOCK))
                        return -1;
                if (wait_readable(shim, call->fd, &budget) < 0)
                        return -1;
        }
        if ((wanted & SOCK_NONBLOCK) && fl_set_nonblock(shim->sys, fd) < 0) {
                int saved = errno;
                shim->sys->close(fd);
                errno = saved;
                return -1;
        }
        return fd;
}

static int finish(struct fl_shim *shim, const struct accept_call *call, int applied, int result,
                  enum fl_decision decision)
{
        struct fl_record record;
        bool stdfd;
        int saved;

        if (result < 0 && !fl_failure_is_forklocks(decision))
                return result;
        saved = errno;
        stdfd = fl_stdfd_intent(shim, result, call->flags & SOCK_CLOEXEC,
                                (applied & ~call->flags) & SOCK_NONBLOCK);
        if (stdfd) {
                decision = FL_DEC_INTENT;
                applied &= ~SOCK_CLOEXEC;
        }
        memset(&record, 0, sizeof(record));
        record.call = (uint16_t)call->call;
        record.fd = call->fd;
        record.fd2 = result;
        record.result = result;
        record.err = result < 0 ? saved : 0;
        record.flags_asked = (uint32_t)call->flags;
        record.flags_applied = (uint32_t)applied;
        fl_surface_created(shim, &record,
                           fl_shim_decide(shim, &record, result < 0 ? FL_DEC_ERROR : decision));
        if (stdfd)
                fl_stdfd_note(result);
        errno = saved;
        return result;
}

static int accept_unchanged(struct fl_shim *shim, const struct accept_call *call)
{
        int result = call_unchanged(shim, call);
        bool would_change = result >= 0 && !(call->flags & SOCK_CLOEXEC);

        return finish(shim, call, call->flags, result,
                      would_change ? FL_DEC_AUDIT_WOULD_CHANGE : FL_DEC_PASSTHROUGH);
}

static int accept_cloexec(struct fl_shim *shim, const struct accept_call *call)
{
        int wanted = call->flags | SOCK_CLOEXEC |
                     (shim->config.profile == FL_PROFILE_GO ? SOCK_NONBLOCK : 0);
        bool remembered = atomic_load_explicit(&shim->accept4_missing, memory_order_relaxed);
        int result;

        if (call->flags & ~FL_SOCK_FLAGS)
                return finish(shim, call, call->flags, call_unchanged(shim, call),
                              FL_DEC_PASSTHROUGH);
        if (!remembered) {
                if (shim->config.simulate_einval) {
                        errno = ENOSYS;
                        result = -1;
                } else {
                        result = shim->sys->accept4(call->fd, call->addr, call->len, wanted);
                }
                if (result >= 0 || !in_gos_fallback_list(errno) ||
                    (!shim->config.simulate_einval && !accept4_is_missing(shim, errno)))
                        return finish(shim, call, wanted, result, FL_DEC_ATOMIC);
        }
        result = accept_on_fallback(shim, call, wanted);
        if (result >= 0 && !remembered)
                atomic_store(&shim->accept4_missing, true);
        return finish(shim, call, wanted, result,
                      remembered ? FL_DEC_REMEMBERED_FALLBACK : FL_DEC_FALLBACK);
}

int fl_accept(struct fl_shim *shim, enum fl_call call_kind, int fd, struct sockaddr *addr,
              socklen_t *len, int flags)
{
        struct accept_call call = {call_kind, fd, addr, len, flags};

        switch (shim->config.mode) {
        case FL_MODE_OFF:
                return call_unchanged(shim, &call);
        case FL_MODE_AUDIT:
                return accept_unchanged(shim, &call);
        case FL_MODE_ENFORCE:
                break;
        }
        return accept_cloexec(shim, &call);
}
