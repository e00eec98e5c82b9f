#include "real.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>

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

const struct fl_sys fl_real_sys = {
        .socket = sys_socket,
        .socketpair = sys_socketpair,
        .accept = sys_accept,
        .accept4 = sys_accept4,
        .fcntl_int = sys_fcntl_int,
        .close = sys_close,
        .poll = sys_poll,
};
