/* fcntl and fcntl64. The third argument is read at most once, never from memory, and passed on
 * whole; only F_DUPFD, F_DUPFD_CLOEXEC and F_SETFD go into the shim (as the int they take). Every
 * other command, known or not, reaches the next definition unchanged: no errno handling, no
 * recording.
 *
 * On x86_64 and aarch64 (Linux ABI) a variadic argument travels in the same register as a named
 * one, so the exported functions take it as an unsigned long: this keeps the pass-through to a few
 * instructions, with no va_list spills. Elsewhere the portable va_list form reads it by the type
 * the command takes.
 *
 * __fcntl_time64 exists only on 32-bit targets with 64-bit time_t (glibc 2.34+); neither x86_64 nor
 * aarch64 exports it, so it is not wrapped here: a 32-bit port would add it like fcntl64. */
#define fcntl   fl_libc_declares_fcntl
#define fcntl64 fl_libc_declares_fcntl64
#include <fcntl.h>
#undef fcntl
#undef fcntl64
#include <stdarg.h>

#include "export.h"
#include "fdcalls.h"
#include "process.h"
#include "real.h"

typedef int (*fcntl_fn)(int, int, ...);

static int missing(void)
{
        errno = ENOSYS;
        return -1;
}

__attribute__((noinline, cold)) static int into_shim(int fd, int cmd, int arg)
{
        int saved = errno;
        int result = fl_fcntl_int(fl_process(), fd, cmd, arg);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}

#if defined(__x86_64__) || defined(__aarch64__)

static fcntl_fn next_fcntl64(void)
{
        fcntl_fn real = fl_real_fcntl64();

        /* glibc before 2.28 has no fcntl64; its fcntl is the same function. */
        return real ? real : fl_real_fcntl();
}

static inline int forward(fcntl_fn (*next)(void), int fd, int cmd, unsigned long arg)
{
        fcntl_fn real;

        if (__builtin_expect(fl_fcntl_watched(cmd), 0))
                return into_shim(fd, cmd, (int)arg);
        real = next();
        if (__builtin_expect(!real, 0))
                return missing();
        return real(fd, cmd, arg);
}

int fcntl(int fd, int cmd, unsigned long arg);
FL_EXPORT int fcntl(int fd, int cmd, unsigned long arg)
{
        return forward(fl_real_fcntl, fd, cmd, arg);
}

int fcntl64(int fd, int cmd, unsigned long arg);
FL_EXPORT int fcntl64(int fd, int cmd, unsigned long arg)
{
        return forward(next_fcntl64, fd, cmd, arg);
}

#else

static int dispatch(fcntl_fn real, int fd, int cmd, va_list ap)
{
        if (!real)
                return missing();
        switch (fl_fcntl_arg_kind(cmd)) {
        case FL_FCNTL_ARG_NONE:
                return real(fd, cmd);
        case FL_FCNTL_ARG_INT: {
                int arg = va_arg(ap, int);
                return fl_fcntl_watched(cmd) ? into_shim(fd, cmd, arg) : real(fd, cmd, arg);
        }
        case FL_FCNTL_ARG_PTR:
        case FL_FCNTL_ARG_UNKNOWN:
                break;
        }
        return real(fd, cmd, va_arg(ap, void *));
}

int fcntl(int fd, int cmd, ...);
FL_EXPORT int fcntl(int fd, int cmd, ...)
{
        va_list ap;
        int result;

        va_start(ap, cmd);
        result = dispatch(fl_real_fcntl(), fd, cmd, ap);
        va_end(ap);
        return result;
}

int fcntl64(int fd, int cmd, ...);
FL_EXPORT int fcntl64(int fd, int cmd, ...)
{
        fcntl_fn real = fl_real_fcntl64();
        va_list ap;
        int result;

        va_start(ap, cmd);
        result = dispatch(real ? real : fl_real_fcntl(), fd, cmd, ap);
        va_end(ap);
        return result;
}

#endif
