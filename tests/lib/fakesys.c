#include "fakesys.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <stdio.h>

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

/* The rest of the table: the surface the socket and accept suites do not drive, answered as a
 * kernel would for fds that are all sockets. Complete, so that production code never checks for a
 * missing entry. */
static int fake_dup3(int fd, int target, int flags)
{
        if (!valid(fd) || target < 0 || target >= FL_FAKE_FDS)
                return fail(EBADF);
        fl_fake.open[target] = true;
        fl_fake.cloexec[target] = (flags & O_CLOEXEC) != 0;
        return target;
}

static int fake_dup2(int fd, int target)
{
        return fd == target && valid(fd) ? fd : fake_dup3(fd, target, 0);
}

static int fake_dup(int fd)
{
        return valid(fd) ? fake_dup3(fd, fl_fake.next_fd++, 0) : fail(EBADF);
}

static int on_open_fd(int fd)
{
        return valid(fd) ? 0 : fail(EBADF);
}

static int fake_setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
        (void)level, (void)name, (void)value, (void)len;
        return on_open_fd(fd);
}

static int fake_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
        (void)addr, (void)len;
        return on_open_fd(fd);
}

static int fake_listen(int fd, int backlog)
{
        (void)backlog;
        return on_open_fd(fd);
}

static int fake_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
        (void)addr, (void)len;
        return on_open_fd(fd);
}

static int fake_close_range(unsigned first, unsigned last, int flags)
{
        (void)flags;
        for (unsigned fd = first; fd <= last && fd < FL_FAKE_FDS; fd++)
                fl_fake.open[fd] = false;
        return 0;
}

static void fake_closefrom(int first)
{
        fake_close_range(first < 0 ? 0 : (unsigned)first, ~0U, 0);
}

static int fake_fstat(int fd, struct stat *st)
{
        if (!valid(fd))
                return fail(EBADF);
        memset(st, 0, sizeof(*st));
        st->st_mode = S_IFSOCK;
        st->st_ino = (ino_t)fd + 1000;
        return 0;
}

static ssize_t fake_recvmsg(int fd, struct msghdr *msg, int flags)
{
        (void)msg, (void)flags;
        return valid(fd) ? 0 : fail(EBADF);
}

static int fake_recvmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags,
                         struct timespec *timeout)
{
        (void)msgs, (void)n, (void)flags, (void)timeout;
        return on_open_fd(fd);
}

static int fake_ioctl(int fd, unsigned long request, unsigned long arg)
{
        (void)request, (void)arg;
        return on_open_fd(fd);
}

static ssize_t fake_read_file(const char *path, char *buf, size_t size)
{
        (void)path, (void)buf, (void)size;
        return fail(ENOENT);
}

static int fake_kernel_release(char *buf, size_t size)
{
        (void)buf, (void)size;
        return fail(EFAULT);
}

static int anon_fd(int flags)
{
        fl_fake.last_flags = flags;
        if ((flags & O_CLOEXEC) && fl_fake.anon_flags_errno)
                return fail(fl_fake.anon_flags_errno);
        return new_fd(flags);
}

static int fake_openat(int dirfd, const char *path, int flags, mode_t mode)
{
        (void)dirfd, (void)path, (void)mode;
        fl_fake.open_calls++;
        fl_fake.last_flags = flags;
        if (fl_fake.open_errno)
                return fail(fl_fake.open_errno);
        return new_fd(fl_fake.open_ignores_cloexec ? flags & ~O_CLOEXEC : flags);
}

static int fake_pipe2(int fds[2], int flags)
{
        fl_fake.pipe2_calls++;
        fl_fake.last_flags = flags;
        if (fl_fake.pipe2_errno)
                return fail(fl_fake.pipe2_errno);
        if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
                return fail(EINVAL);
        fds[0] = new_fd(flags);
        fds[1] = new_fd(flags);
        return 0;
}

static int fake_pipe(int fds[2])
{
        fl_fake.pipe_calls++;
        fds[0] = new_fd(0);
        fds[1] = new_fd(0);
        return 0;
}

static int fake_epoll_create(int size)
{
        fl_fake.epoll_create_calls++;
        return size <= 0 ? fail(EINVAL) : new_fd(0);
}

static int fake_epoll_create1(int flags)
{
        fl_fake.epoll_create1_calls++;
        fl_fake.last_flags = flags;
        return fl_fake.epoll_create1_errno ? fail(fl_fake.epoll_create1_errno) : new_fd(flags);
}

static int fake_eventfd(unsigned count, int flags)
{
        (void)count;
        return anon_fd(flags);
}

static int fake_timerfd_create(int clock, int flags)
{
        return clock < 0 ? fail(EINVAL) : anon_fd(flags);
}

static int fake_signalfd(int fd, const sigset_t *mask, int flags)
{
        (void)mask;
        return fd == -1 ? anon_fd(flags) : (valid(fd) ? fd : fail(EBADF));
}

static int fake_inotify_init(void)
{
        return new_fd(0);
}

static int fake_inotify_init1(int flags)
{
        fl_fake.last_flags = flags;
        return fl_fake.inotify_init1_errno ? fail(fl_fake.inotify_init1_errno) : new_fd(flags);
}

/* MFD_CLOEXEC is 1: spelled as O_CLOEXEC in the fake's table. */
static int fake_memfd_create(const char *name, unsigned flags)
{
        (void)name;
        fl_fake.last_flags = (int)flags;
        if ((flags & 1) && fl_fake.anon_flags_errno)
                return fail(fl_fake.anon_flags_errno);
        return new_fd(flags & 1 ? O_CLOEXEC : 0);
}

static int fake_posix_openpt(int flags)
{
        return fake_openat(AT_FDCWD, "/dev/ptmx", flags, 0);
}

/* The stream's real fd enters the fake's table, so that the fallback can mark it. */
static FILE *track(FILE *stream)
{
        int fd = stream ? fileno(stream) : -1;

        if (fd >= 0 && fd < FL_FAKE_FDS) {
                fl_fake.open[fd] = true;
                fl_fake.cloexec[fd] = (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
        }
        return stream;
}

/* A stream over /dev/null whose fd stands for the fake's next fd: the mode is what is checked. */
static FILE *fake_stream(const char *mode)
{
        snprintf(fl_fake.last_mode, sizeof(fl_fake.last_mode), "%s", mode);
        if (fl_fake.open_errno) {
                errno = fl_fake.open_errno;
                return NULL;
        }
        return track(fopen("/dev/null", mode));
}

static FILE *fake_fopen(const char *path, const char *mode)
{
        (void)path;
        return fake_stream(mode);
}

static FILE *fake_freopen(const char *path, const char *mode, FILE *stream)
{
        (void)path;
        fclose(stream);
        return fake_stream(mode);
}

static int fake_mkostemps(char *template, int suffix_len, int flags)
{
        (void)template, (void)suffix_len;
        return fake_openat(AT_FDCWD, template, flags, 0600);
}

static int fake_unlink(const char *path)
{
        (void)path;
        return 0;
}

static FILE *fake_fdopen(int fd, const char *mode)
{
        (void)fd;
        return fopen("/dev/null", mode);
}

const struct fl_sys fl_fake_sys = {
    .openat = fake_openat,
    .pipe = fake_pipe,
    .pipe2 = fake_pipe2,
    .epoll_create = fake_epoll_create,
    .epoll_create1 = fake_epoll_create1,
    .eventfd = fake_eventfd,
    .timerfd_create = fake_timerfd_create,
    .signalfd = fake_signalfd,
    .inotify_init = fake_inotify_init,
    .inotify_init1 = fake_inotify_init1,
    .memfd_create = fake_memfd_create,
    .posix_openpt = fake_posix_openpt,
    .fopen = fake_fopen,
    .freopen = fake_freopen,
    .mkostemps = fake_mkostemps,
    .unlink = fake_unlink,
    .fdopen = fake_fdopen,
    .socket = fake_socket,
    .socketpair = fake_socketpair,
    .accept = fake_accept,
    .accept4 = fake_accept4,
    .fcntl_int = fake_fcntl_int,
    .close = fake_close,
    .poll = fake_poll,
    .getsockopt = fake_getsockopt,
    .monotonic_ns = fake_monotonic_ns,
    .dup = fake_dup,
    .dup2 = fake_dup2,
    .dup3 = fake_dup3,
    .setsockopt = fake_setsockopt,
    .bind = fake_bind,
    .listen = fake_listen,
    .connect = fake_connect,
    .close_range = fake_close_range,
    .closefrom = fake_closefrom,
    .fstat = fake_fstat,
    .recvmsg = fake_recvmsg,
    .recvmmsg = fake_recvmmsg,
    .ioctl = fake_ioctl,
    .read_file = fake_read_file,
    .kernel_release = fake_kernel_release,
};
