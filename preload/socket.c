#include <sys/socket.h>

#include "hot.h"
#include "export.h"
#include "kernel_socket.h"
#include "process.h"
#include "real.h"
#include "sockets.h"

/* glibc's stub, made here: the fd, or -1 with errno. */
static inline int as_the_stub(long fd)
{
        if (fd >= 0)
                return (int)fd;
        errno = (int)-fd;
        return -1;
}

/* The kernel's answer as the stub would give it, through the fallback on a refusal. */
static FL_HOT int made_by_kernel(struct fl_shim *shim, int family, int type, int protocol,
                                 int wanted);

/* Every case but the common one: another mode, a remembered refusal, unknown type bits, a socket
 * that is not glibc's stub, and the first call, which decides whether it is (real.h). Mode off (a
 * program FORKLOCK_ONLY_CMDS or SKIP_CMDS left out) is the bare call, made here when the stub
 * allows. */
static __attribute__((noinline)) int through_libc(struct fl_shim *shim, int family, int type,
                                                  int protocol, int wanted)
{
        int saved, fd;

        if (FL_KERNEL_SOCKET && fl_real_socket_stub_decide()) {
                if (shim->config.mode == FL_MODE_OFF)
                        return as_the_stub(fl_kernel_socket(family, type, protocol));
                if (wanted >= 0)
                        return made_by_kernel(shim, family, type, protocol, wanted);
        }
        saved = errno;
        fd = fl_socket(shim, family, type, protocol);
        fl_keep_errno_unless_failed(fd, saved);
        return fd;
}

/* The kernel refused SOCK_CLOEXEC itself (an old kernel): the fallback, with the caller's errno
 * kept unless that fails too. */
static __attribute__((noinline, cold)) int refused(struct fl_shim *shim, int family, int type,
                                                   int protocol, int wanted, int err)
{
        int saved = errno;
        int fd;

        errno = err;
        fd = fl_socket_made(shim, family, type, protocol, wanted, -1);
        fl_keep_errno_unless_failed(fd, saved);
        return fd;
}

static inline int made_by_kernel(struct fl_shim *shim, int family, int type, int protocol,
                                 int wanted)
{
        long fd = fl_kernel_socket(family, wanted, protocol);

        if (__builtin_expect(fd < 0, 0)) {
                if (fl_socket_refusal((int)-fd))
                        return refused(shim, family, type, protocol, wanted, (int)-fd);
                return as_the_stub(fd); /* the kernel's own verdict */
        }
        return fl_socket_made(shim, family, type, protocol, wanted, (int)fd);
}

/* The common case (enforce mode, the next socket is glibc's stub) makes the kernel call here, so
 * that no frame but this one lies between the program and the kernel; errno is written only when
 * the call fails, as the stub does. */
FL_EXPORT FL_HOT int socket(int family, int type, int protocol)
{
        struct fl_shim *shim = fl_process();
        int wanted = fl_socket_wanted(shim, type);

        if (!FL_KERNEL_SOCKET || wanted < 0 || !fl_real_socket_is_stub())
                return through_libc(shim, family, type, protocol, wanted);
        return made_by_kernel(shim, family, type, protocol, wanted);
}

FL_EXPORT int socketpair(int family, int type, int protocol, int fds[2])
{
        int saved = errno;
        int result = fl_socketpair(fl_process(), family, type, protocol, fds);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}

FL_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
        int saved = errno;
        int result = fl_accept(fl_process(), FL_CALL_ACCEPT, fd, addr, len, 0);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}

FL_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
        int saved = errno;
        int result = fl_accept(fl_process(), FL_CALL_ACCEPT4, fd, addr, len, flags);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}
