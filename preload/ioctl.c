/* ioctl: FIONCLEX and FIOCLEX go into the shim (intent, like F_SETFD); every other request is a
 * pure pass-through to the next definition, with its one argument passed on unchanged and never
 * read as memory. As in fcntl.c, x86_64 and aarch64 take the variadic argument as the register it
 * travels in; elsewhere it is read once with va_arg, as glibc's own ioctl does. */
#define ioctl fl_libc_declares_ioctl
#include <sys/ioctl.h>
#undef ioctl
#include <stdarg.h>

#include "export.h"
#include "fdcalls.h"
#include "process.h"
#include "real.h"

typedef int (*ioctl_fn)(int, unsigned long, ...);

__attribute__((noinline, cold)) static int into_shim(int fd, unsigned long request,
                                                     unsigned long arg)
{
        int saved = errno;
        int result = fl_ioctl_cloexec(fl_process(), fd, request, arg);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}

static inline int forward(int fd, unsigned long request, unsigned long arg)
{
        ioctl_fn real;

        if (__builtin_expect(fl_ioctl_watched(request), 0))
                return into_shim(fd, request, arg);
        real = fl_real_ioctl();
        if (__builtin_expect(!real, 0)) {
                errno = ENOSYS;
                return -1;
        }
        return real(fd, request, arg);
}

#if defined(__x86_64__) || defined(__aarch64__)

int ioctl(int fd, unsigned long request, unsigned long arg);
FL_EXPORT int ioctl(int fd, unsigned long request, unsigned long arg)
{
        return forward(fd, request, arg);
}

#else

int ioctl(int fd, unsigned long request, ...);
FL_EXPORT int ioctl(int fd, unsigned long request, ...)
{
        va_list ap;
        unsigned long arg;

        va_start(ap, request);
        arg = (unsigned long)va_arg(ap, void *);
        va_end(ap);
        return forward(fd, request, arg);
}

#endif
