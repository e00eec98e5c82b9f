#include "real.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void *resolve(void *_Atomic *slot, const char *name)
{
        void *function = atomic_load_explicit(slot, memory_order_acquire);

        if (!function) {
                function = dlsym(RTLD_NEXT, name);
                atomic_store_explicit(slot, function, memory_order_release);
        }
        return function;
}

#define FL_DEFINE_REAL(name, ret, args)                                                            \
        static void *_Atomic real_##name;                                                          \
        ret(*fl_real_##name(void)) args                                                            \
        {                                                                                          \
                return (ret(*) args)resolve(&real_##name, #name);                                  \
        }
FL_REAL_FUNCTIONS(FL_DEFINE_REAL)
#undef FL_DEFINE_REAL

void fl_real_resolve_all(void)
{
#define FL_RESOLVE(name, ret, args) (void)fl_real_##name();
        FL_REAL_FUNCTIONS(FL_RESOLVE)
#undef FL_RESOLVE
}

static int missing(void)
{
        errno = ENOSYS;
        return -1;
}

static int sys_socket(int family, int type, int protocol)
{
        int (*real)(int, int, int) = fl_real_socket();
        return real ? real(family, type, protocol) : missing();
}

static int sys_socketpair(int family, int type, int protocol, int fds[2])
{
        int (*real)(int, int, int, int[2]) = fl_real_socketpair();
        return real ? real(family, type, protocol, fds) : missing();
}

static int sys_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
        int (*real)(int, struct sockaddr *, socklen_t *) = fl_real_accept();
        return real ? real(fd, addr, len) : missing();
}

static int sys_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
        int (*real)(int, struct sockaddr *, socklen_t *, int) = fl_real_accept4();
        return real ? real(fd, addr, len, flags) : missing();
}

static int sys_fcntl_int(int fd, int cmd, int arg)
{
        int (*real)(int, int, ...) = fl_real_fcntl();
        return real ? real(fd, cmd, arg) : missing();
}

static int sys_close(int fd)
{
        int (*real)(int) = fl_real_close();
        return real ? real(fd) : missing();
}

static int sys_poll(struct pollfd *fds, nfds_t n, int timeout)
{
        int (*real)(struct pollfd *, nfds_t, int) = fl_real_poll();
        return real ? real(fds, n, timeout) : missing();
}

static int sys_dup(int fd)
{
        int (*real)(int) = fl_real_dup();
        return real ? real(fd) : missing();
}

static int sys_dup2(int fd, int target)
{
        int (*real)(int, int) = fl_real_dup2();
        return real ? real(fd, target) : missing();
}

static int sys_dup3(int fd, int target, int flags)
{
        int (*real)(int, int, int) = fl_real_dup3();
        return real ? real(fd, target, flags) : missing();
}

static int sys_setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
        int (*real)(int, int, int, const void *, socklen_t) = fl_real_setsockopt();
        return real ? real(fd, level, name, value, len) : missing();
}

static int sys_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
        int (*real)(int, const struct sockaddr *, socklen_t) = fl_real_bind();
        return real ? real(fd, addr, len) : missing();
}

static int sys_listen(int fd, int backlog)
{
        int (*real)(int, int) = fl_real_listen();
        return real ? real(fd, backlog) : missing();
}

#ifndef SYS_close_range
#define SYS_close_range 436 /* the same on every architecture */
#endif

/* glibc before 2.34 has neither: the kernel is asked directly. */
static int sys_close_range(unsigned first, unsigned last, int flags)
{
        int (*real)(unsigned, unsigned, int) = fl_real_close_range();
        return real ? real(first, last, flags) : (int)syscall(SYS_close_range, first, last, flags);
}

static void sys_closefrom(int first)
{
        void (*real)(int) = fl_real_closefrom();

        if (real)
                real(first);
        else
                syscall(SYS_close_range, first < 0 ? 0 : (unsigned)first, ~0U, 0);
}

static ssize_t sys_recvmsg(int fd, struct msghdr *msg, int flags)
{
        ssize_t (*real)(int, struct msghdr *, int) = fl_real_recvmsg();
        return real ? real(fd, msg, flags) : missing();
}

static int sys_recvmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags,
                        struct timespec *timeout)
{
        int (*real)(int, struct mmsghdr *, unsigned int, int, struct timespec *) =
            fl_real_recvmmsg();
        return real ? real(fd, msgs, n, flags, timeout) : missing();
}

static int sys_getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
        return getsockopt(fd, level, name, value, len);
}

static long long sys_monotonic_ns(void)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

static int sys_ioctl(int fd, unsigned long request, unsigned long arg)
{
        int (*real)(int, unsigned long, ...) = fl_real_ioctl();
        return real ? real(fd, request, arg) : missing();
}

static int sys_fstat(int fd, struct stat *st)
{
        return fstat(fd, st);
}

static ssize_t sys_read_file(const char *path, char *buf, size_t size)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t got;

        if (fd < 0)
                return -1;
        got = read(fd, buf, size);
        sys_close(fd);
        return got;
}

static int sys_kernel_release(char *buf, size_t size)
{
        struct utsname name;

        size_t i;

        if (uname(&name) < 0 || size == 0)
                return -1;
        for (i = 0; i + 1 < size && name.release[i]; i++)
                buf[i] = name.release[i];
        buf[i] = '\0';
        return 0;
}

const struct fl_sys fl_real_sys = {
    .socket = sys_socket,
    .socketpair = sys_socketpair,
    .accept = sys_accept,
    .accept4 = sys_accept4,
    .fcntl_int = sys_fcntl_int,
    .close = sys_close,
    .poll = sys_poll,
    .dup = sys_dup,
    .dup2 = sys_dup2,
    .dup3 = sys_dup3,
    .setsockopt = sys_setsockopt,
    .bind = sys_bind,
    .listen = sys_listen,
    .close_range = sys_close_range,
    .closefrom = sys_closefrom,
    .recvmsg = sys_recvmsg,
    .recvmmsg = sys_recvmmsg,
    .getsockopt = sys_getsockopt,
    .monotonic_ns = sys_monotonic_ns,
    .ioctl = sys_ioctl,
    .fstat = sys_fstat,
    .read_file = sys_read_file,
    .kernel_release = sys_kernel_release,
};
