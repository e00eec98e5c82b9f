#include "real.h"
#include "hot.h"
#include "next_symbols.h"
#include "syscall_stub.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* The objects after the library, found by one walk at start: a function is looked up there the
 * first time it is asked for, with memory reads only, so that a first call from a signal handler
 * or a vfork child takes no lock (dlsym may take the loader's). Looking up all of them at start
 * cost every new image ~8 us, mostly for functions it never calls. */
static struct fl_next_objects next_objects;
static _Atomic bool next_objects_found;

static void prefill(void *_Atomic *slot, void *function)
{
        if (function)
                atomic_store_explicit(slot, function, memory_order_release);
}

static void *resolve(void *_Atomic *slot, const char *name)
{
        void *function = atomic_load_explicit(slot, memory_order_acquire);

        if (function)
                return function;
        if (atomic_load_explicit(&next_objects_found, memory_order_acquire))
                function = fl_next_symbol(&next_objects, name);
        /* Before the walk (a call from another library's constructor), without it (an audit
         * module, LD_DYNAMIC_WEAK, musl), or for a name it does not hold: the loader's answer. */
        if (!function)
                function = dlsym(RTLD_NEXT, name);
        if (function)
                atomic_store_explicit(slot, function, memory_order_release);
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

_Atomic unsigned char fl_real_socket_stub;

#if defined(__x86_64__) && defined(__GLIBC__)
/* The socket the walk found is the one the C library (the last object) defines, it is the pointer
 * the wrapper would call, and its code is the bare system call. */
static bool socket_is_libcs_stub(const struct fl_next_objects *next)
{
        struct fl_next_objects libc = {.n = 1, .objects = {next->objects[next->n - 1]}};
        void *used = (void *)fl_real_socket();

        return used && used == fl_next_symbol(next, "socket") &&
               used == fl_next_symbol(&libc, "socket") && fl_is_bare_syscall(used, SYS_socket);
}
#endif

/* A fork child would look up on its own each function it calls before exec (dup2, close,
 * execve), every child again, faulting in libc's symbol tables each time (~5 us a fork+exec):
 * the parent looks them all up before its first fork, once for all its children. Through the
 * walk only, which is async-signal-safe, as a fork's prepare handler must be. */
void fl_real_resolve_for_children(void)
{
        static atomic_bool done;

        if (atomic_load_explicit(&done, memory_order_relaxed) ||
            !atomic_load_explicit(&next_objects_found, memory_order_acquire))
                return;
#define FL_PREFILL(name, ret, args)                                                                \
        if (!atomic_load_explicit(&real_##name, memory_order_relaxed))                             \
                prefill(&real_##name, fl_next_symbol(&next_objects, #name));
        FL_REAL_FUNCTIONS(FL_PREFILL)
#undef FL_PREFILL
        atomic_store_explicit(&done, true, memory_order_relaxed);
}

bool fl_real_socket_stub_decide(void)
{
        unsigned char answer = atomic_load_explicit(&fl_real_socket_stub, memory_order_relaxed);

        if (answer != FL_STUB_UNDECIDED)
                return answer == FL_STUB_YES;
        answer = FL_STUB_NO;
#if defined(__x86_64__) && defined(__GLIBC__)
        if (atomic_load_explicit(&next_objects_found, memory_order_acquire) && next_objects.n > 0 &&
            socket_is_libcs_stub(&next_objects))
                answer = FL_STUB_YES;
#endif
        atomic_store_explicit(&fl_real_socket_stub, answer, memory_order_relaxed);
        return answer == FL_STUB_YES;
}

void fl_real_start(bool loader_redirects)
{
        (void)loader_redirects; /* musl: always through dlsym */
#ifdef __GLIBC__
        /* An audit module may redirect what dlsym answers; LD_DYNAMIC_WEAK changes which
         * definition wins. Both are the loader's to apply: every function through dlsym, now. */
        if (!loader_redirects && fl_next_objects_find(&next_objects, (const void *)fl_real_start,
                                                      (const void *)getpid)) {
                atomic_store_explicit(&next_objects_found, true, memory_order_release);
                return;
        }
#endif
#define FL_RESOLVE(name, ret, args) (void)fl_real_##name();
        FL_REAL_FUNCTIONS(FL_RESOLVE)
#undef FL_RESOLVE
}

static int missing(void)
{
        errno = ENOSYS;
        return -1;
}

/* The next definition, or ENOSYS when the link chain has none. */
#define FL_SYS_THUNKS(X)                                                                           \
        X(socket, socket, int, (int family, int type, int protocol), (family, type, protocol))     \
        X(socketpair, socketpair, int, (int family, int type, int protocol, int fds[2]),           \
          (family, type, protocol, fds))                                                           \
        X(accept, accept, int, (int fd, struct sockaddr *addr, socklen_t *len), (fd, addr, len))   \
        X(accept4, accept4, int, (int fd, struct sockaddr *addr, socklen_t *len, int flags),       \
          (fd, addr, len, flags))                                                                  \
        X(fcntl_int, fcntl, int, (int fd, int cmd, int arg), (fd, cmd, arg))                       \
        X(close, close, int, (int fd), (fd))                                                       \
        X(poll, poll, int, (struct pollfd * fds, nfds_t n, int timeout), (fds, n, timeout))        \
        X(dup, dup, int, (int fd), (fd))                                                           \
        X(dup2, dup2, int, (int fd, int target), (fd, target))                                     \
        X(dup3, dup3, int, (int fd, int target, int flags), (fd, target, flags))                   \
        X(setsockopt, setsockopt, int,                                                             \
          (int fd, int level, int name, const void *value, socklen_t len),                         \
          (fd, level, name, value, len))                                                           \
        X(bind, bind, int, (int fd, const struct sockaddr *addr, socklen_t len), (fd, addr, len))  \
        X(listen, listen, int, (int fd, int backlog), (fd, backlog))                               \
        X(connect, connect, int, (int fd, const struct sockaddr *addr, socklen_t len),             \
          (fd, addr, len))                                                                         \
        X(recvmsg, recvmsg, ssize_t, (int fd, struct msghdr *msg, int flags), (fd, msg, flags))    \
        X(recvmmsg, recvmmsg, int,                                                                 \
          (int fd, struct mmsghdr *msgs, unsigned int n, int flags, struct timespec *timeout),     \
          (fd, msgs, n, flags, timeout))                                                           \
        X(ioctl, ioctl, int, (int fd, unsigned long request, unsigned long arg),                   \
          (fd, request, arg))                                                                      \
        X(openat, openat, int, (int dirfd, const char *path, int flags, mode_t mode),              \
          (dirfd, path, flags, mode))                                                              \
        X(pipe, pipe, int, (int fds[2]), (fds))                                                    \
        X(pipe2, pipe2, int, (int fds[2], int flags), (fds, flags))                                \
        X(epoll_create, epoll_create, int, (int size), (size))                                     \
        X(epoll_create1, epoll_create1, int, (int flags), (flags))                                 \
        X(eventfd, eventfd, int, (unsigned count, int flags), (count, flags))                      \
        X(timerfd_create, timerfd_create, int, (int clock, int flags), (clock, flags))             \
        X(signalfd, signalfd, int, (int fd, const sigset_t *mask, int flags), (fd, mask, flags))   \
        X(inotify_init, inotify_init, int, (void), ())                                             \
        X(inotify_init1, inotify_init1, int, (int flags), (flags))                                 \
        X(memfd_create, memfd_create, int, (const char *name, unsigned flags), (name, flags))      \
        X(posix_openpt, posix_openpt, int, (int flags), (flags))                                   \
        X(mkostemps, mkostemps, int, (char *template, int suffix_len, int flags),                  \
          (template, suffix_len, flags))

/* close's runs between socket()'s and close()'s system calls: beside the rest of that path
 * (hot.h). */
static FL_HOT int sys_close(int fd);

#define FL_DEFINE_THUNK(field, next, ret, params, args)                                            \
        static ret sys_##field params                                                              \
        {                                                                                          \
                __typeof__(fl_real_##next()) real = fl_real_##next();                              \
                return real ? real args : missing();                                               \
        }
FL_SYS_THUNKS(FL_DEFINE_THUNK)
#undef FL_DEFINE_THUNK

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

static FILE *missing_stream(void)
{
        errno = ENOSYS;
        return NULL;
}

static FILE *sys_fopen(const char *path, const char *mode)
{
        FILE *(*real)(const char *, const char *) = fl_real_fopen();
        return real ? real(path, mode) : missing_stream();
}

static FILE *sys_freopen(const char *path, const char *mode, FILE *stream)
{
        FILE *(*real)(const char *, const char *, FILE *) = fl_real_freopen();
        return real ? real(path, mode, stream) : missing_stream();
}

static int sys_unlink(const char *path)
{
        return unlink(path);
}

static FILE *sys_fdopen(int fd, const char *mode)
{
        return fdopen(fd, mode);
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

static int sys_fstat(int fd, struct stat *st)
{
        return fstat(fd, st);
}

static ssize_t sys_read_file(const char *path, char *buf, size_t size)
{
        int fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
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

#define FL_THUNK_FIELD(field, next, ret, params, args) .field = sys_##field,
const struct fl_sys fl_real_sys = {
    FL_SYS_THUNKS(FL_THUNK_FIELD).close_range = sys_close_range,
    .closefrom = sys_closefrom,
    .getsockopt = sys_getsockopt,
    .monotonic_ns = sys_monotonic_ns,
    .fstat = sys_fstat,
    .read_file = sys_read_file,
    .kernel_release = sys_kernel_release,
    .fopen = sys_fopen,
    .freopen = sys_freopen,
    .unlink = sys_unlink,
    .fdopen = sys_fdopen,
};
#undef FL_THUNK_FIELD
