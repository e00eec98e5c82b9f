#include "fakesys.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/time.h>

struct fl_fake fl_fake;

void fl_fake_reset(void)
{
        memset(&fl_fake, 0, sizeof(fl_fake));
        fl_fake.accept4_exists = true;
        fl_fake.next_fd = 4;
        fl_fake.open[3] = true;
}

int fl_fake_open_count(void)
{
        int count = 0;

        for (int fd = 4; fd < FL_FAKE_FDS; fd++)
                count += fl_fake.open[fd];
        return count;
}

static int fail(int err)
{
        errno = err;
        return -1;
}

static int new_fd(int flags)
{
        int fd = fl_fake.next_fd++;

        fl_fake.open[fd] = true;
        fl_fake.cloexec[fd] = (flags & SOCK_CLOEXEC) != 0;
        fl_fake.nonblock[fd] = (flags & SOCK_NONBLOCK) != 0;
        return fd;
}

static bool valid(int fd)
{
        return fd >= 0 && fd < FL_FAKE_FDS && fl_fake.open[fd];
}

static int fake_socket(int family, int type, int protocol)
{
        (void)family;
        (void)protocol;
        fl_fake.socket_calls++;
        fl_fake.last_type = type;
        if (type & (SOCK_CLOEXEC | SOCK_NONBLOCK)) {
                if (fl_fake.socket_flagged_errno)
                        return fail(fl_fake.socket_flagged_errno);
        } else if (fl_fake.socket_plain_errno) {
                return fail(fl_fake.socket_plain_errno);
        }
        if (type & ~(0xf | SOCK_CLOEXEC | SOCK_NONBLOCK))
                return fail(EINVAL);
        return new_fd(type);
}

static int fake_socketpair(int family, int type, int protocol, int fds[2])
{
        fl_fake.socketpair_calls++;
        fds[0] = fake_socket(family, type, protocol);
        if (fds[0] < 0)
                return -1;
        fds[1] = new_fd(type);
        return 0;
}

static int fake_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
        (void)addr;
        (void)len;
        fl_fake.accept4_calls++;
        fl_fake.last_accept4_flags = flags;
        if (fd == -1 && fl_fake.accept4_exists)
                return fail(EBADF);
        if (fl_fake.accept4_errno)
                return fail(fl_fake.accept4_errno);
        if (!valid(fd))
                return fail(EBADF);
        if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
                return fail(EINVAL);
        return new_fd(flags);
}

static int fake_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
        (void)addr;
        (void)len;
        fl_fake.accept_calls++;
        if (!valid(fd))
                return fail(EBADF);
        if (fl_fake.accept_errno)
                return fail(fl_fake.accept_errno);
        if (fl_fake.accept_eagain_times > 0) {
                fl_fake.accept_eagain_times--;
                return fail(EAGAIN);
        }
        return new_fd(0);
}

static int fake_fcntl_int(int fd, int cmd, int arg)
{
        if (!valid(fd))
                return fail(EBADF);
        switch (cmd) {
        case F_SETFD:
                fl_fake.setfd_calls++;
                if (fl_fake.setfd_errno)
                        return fail(fl_fake.setfd_errno);
                fl_fake.cloexec[fd] = (arg & FD_CLOEXEC) != 0;
                return 0;
        case F_GETFD:
                return fl_fake.cloexec[fd] ? FD_CLOEXEC : 0;
        case F_GETFL:
                if (fl_fake.getfl_errno)
                        return fail(fl_fake.getfl_errno);
                return O_RDWR | (fl_fake.nonblock[fd] ? O_NONBLOCK : 0);
        case F_SETFL:
                fl_fake.setfl_calls++;
                if (fl_fake.setfl_errno)
                        return fail(fl_fake.setfl_errno);
                fl_fake.nonblock[fd] = (arg & O_NONBLOCK) != 0;
                return 0;
        }
        return fail(EINVAL);
}

static int fake_close(int fd)
{
        fl_fake.close_calls++;
        if (!valid(fd))
                return fail(EBADF);
        fl_fake.open[fd] = false;
        return 0;
}

static int fake_poll(struct pollfd *fds, nfds_t n, int timeout)
{
        fl_fake.poll_calls++;
        fl_fake.last_poll_timeout = timeout;
        if (fl_fake.poll_no_client) {
                if (timeout < 0)
                        return fail(EINTR); /* "forever": a signal ends the test's wait */
                fl_fake.now_ns += timeout * 1000000LL;
                return 0;
        }
        fl_fake.now_ns += fl_fake.poll_takes_ns;
        for (nfds_t i = 0; i < n; i++)
                fds[i].revents = POLLIN;
        return (int)n;
}

static int fake_getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
        struct timeval tv = {fl_fake.rcvtimeo_us / 1000000, fl_fake.rcvtimeo_us % 1000000};

        if (!valid(fd))
                return fail(EBADF);
        if (level != SOL_SOCKET || name != SO_RCVTIMEO || *len < sizeof(tv))
                return fail(ENOPROTOOPT);
        memcpy(value, &tv, sizeof(tv));
        *len = sizeof(tv);
        return 0;
}

static long long fake_monotonic_ns(void)
{
        return fl_fake.now_ns;
}

const struct fl_sys fl_fake_sys = {
    .socket = fake_socket,
    .socketpair = fake_socketpair,
    .accept = fake_accept,
    .accept4 = fake_accept4,
    .fcntl_int = fake_fcntl_int,
    .close = fake_close,
    .poll = fake_poll,
    .getsockopt = fake_getsockopt,
    .monotonic_ns = fake_monotonic_ns,
};
