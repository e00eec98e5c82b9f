/* fcntl and fcntl64. The variadic argument is read at most once and as the type the command
 * takes: nothing for the commands without one, an int, or a pointer; a command the kernel does not
 * know (or forklock does not) is passed on unchanged, its argument read as a pointer-sized value as
 * glibc itself does. Pure queries go straight to the next definition: no shim, no errno handling,
 * no recording.
 *
 * __fcntl_time64 exists only on 32-bit targets with 64-bit time_t (glibc 2.34+); neither x86_64 nor
 * aarch64 exports it, so it is not wrapped here: a 32-bit port would add it like fcntl64. */
#include <fcntl.h>
#include <stdarg.h>

#include "process.h"
#include "real.h"
#include "surface.h"

typedef int (*fcntl_fn)(int, int, ...);

static int missing(void)
{
        errno = ENOSYS;
        return -1;
}

static int call_int(fcntl_fn real, int fd, int cmd, int arg)
{
        int saved, result;

        if (!fl_fcntl_watched(cmd))
                return real(fd, cmd, arg);
        saved = errno;
        result = fl_fcntl_int(fl_process(), fd, cmd, arg);
        fl_keep_errno_unless_failed(result, saved);
        return result;
}

static int dispatch(fcntl_fn real, int fd, int cmd, va_list ap)
{
        if (!real)
                return missing();
        switch (fl_fcntl_arg_kind(cmd)) {
        case FL_FCNTL_ARG_NONE:
                return real(fd, cmd);
        case FL_FCNTL_ARG_INT:
                return call_int(real, fd, cmd, va_arg(ap, int));
        case FL_FCNTL_ARG_PTR:
        case FL_FCNTL_ARG_UNKNOWN:
                break;
        }
        return real(fd, cmd, va_arg(ap, void *));
}

__attribute__((visibility("default"))) int fcntl(int fd, int cmd, ...)
{
        va_list ap;
        int result;

        va_start(ap, cmd);
        result = dispatch(fl_real_fcntl(), fd, cmd, ap);
        va_end(ap);
        return result;
}

/* glibc before 2.28 has no fcntl64; its fcntl is the same function. */
__attribute__((visibility("default"))) int fcntl64(int fd, int cmd, ...)
{
        fcntl_fn real = fl_real_fcntl64();
        va_list ap;
        int result;

        va_start(ap, cmd);
        result = dispatch(real ? real : fl_real_fcntl(), fd, cmd, ap);
        va_end(ap);
        return result;
}
