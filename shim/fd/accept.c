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

#include "cloexec.h"
#include "shim.h"
#include "sockets.h"

struct accept_args {
        int fd;
        struct sockaddr *addr;
        socklen_t *len;
        bool listener_blocks; /* found by the fallback's last attempt */
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

/* accept() as the caller asked it, or accept4 with the flags. */
static int make_accepted(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        const struct accept_args *args = c->args;

        if (c->call == FL_CALL_ACCEPT && flags == 0)
                return shim->sys->accept(args->fd, args->addr, args->len);
        return shim->sys->accept4(args->fd, args->addr, args->len, flags);
}

/* EINVAL, EACCES and EFAULT also come from the caller's own arguments (a socket that is not
 * listening, a bad address pointer). accept4 on fd -1 costs nothing and tells the two apart: a
 * kernel that has accept4 answers EBADF. */
static bool accept4_is_missing(const struct fl_shim *shim, const struct fl_creation *c, int err)
{
        int saved = errno;
        bool missing;

        (void)c;
        if (err == ENOSYS)
                return true;
        /* Go's list of errors that send it to the fallback */
        if (err != EINVAL && err != EACCES && err != EFAULT)
                return false;
        missing = shim->sys->accept4(-1, NULL, NULL, SOCK_CLOEXEC) < 0 && errno != EBADF;
        errno = saved;
        return missing;
}

static int accept_without_blocking(const struct fl_shim *shim, const struct fl_creation *c)
{
        struct accept_args *args = c->args;
        int listener_flags, fd, saved;

        borrow_listener_flags();
        listener_flags = shim->sys->fcntl_int(args->fd, F_GETFL, 0);
        if (listener_flags < 0) {
                return_listener_flags();
                return shim->sys->accept(args->fd, args->addr, args->len);
        }
        args->listener_blocks = !(listener_flags & O_NONBLOCK);
        if (args->listener_blocks)
                shim->sys->fcntl_int(args->fd, F_SETFL, listener_flags | O_NONBLOCK);
        fd = shim->sys->accept(args->fd, args->addr, args->len);
        saved = errno;
        if (args->listener_blocks)
                shim->sys->fcntl_int(args->fd, F_SETFL, listener_flags);
        return_listener_flags();
        errno = saved;
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
        budget->forever = shim->sys->getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, &len) < 0 ||
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

static int accept_on_fallback(const struct fl_shim *shim, const struct fl_creation *c)
{
        const struct accept_args *args = c->args;
        struct wait_budget budget = {false, true, 0};
        int fd;

        while ((fd = fl_cloexec_marked(shim, c, accept_without_blocking)) < 0) {
                if (!args->listener_blocks || (errno != EAGAIN && errno != EWOULDBLOCK))
                        return -1;
                if (wait_readable(shim, args->fd, &budget) < 0)
                        return -1;
        }
        return fd;
}

static void describe(const struct fl_creation *c, struct fl_record *record)
{
        const struct accept_args *args = c->args;

        record->fd = args->fd;
        record->fd2 = record->result;
}

static const struct fl_creation_ops accept_ops = {
    .cloexec = SOCK_CLOEXEC,
    .nonblock = SOCK_NONBLOCK,
    .go_adds_nonblock = true,
    .call = make_accepted,
    .refused = accept4_is_missing,
    .fallback = accept_on_fallback,
    .describe = describe,
};

int fl_accept(struct fl_shim *shim, enum fl_call call, int fd, struct sockaddr *addr,
              socklen_t *len, int flags)
{
        struct accept_args args = {fd, addr, len, false};
        struct fl_creation c = {&accept_ops, &shim->accept4_missing, call, flags, false, NULL,
                                &args};

        /* Flags accept4 does not know: the kernel's EINVAL is the caller's. */
        if (shim->config.mode == FL_MODE_ENFORCE && (flags & ~FL_SOCK_FLAGS))
                return fl_create_finish(shim, &c, flags, make_accepted(shim, &c, flags),
                                        FL_DEC_PASSTHROUGH);
        return fl_create(shim, &c);
}
