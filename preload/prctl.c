/* prctl is wrapped for one option only: before PR_SET_TSC takes the TSC away (PR_TSC_SIGSEGV, as
 * sandboxes and record/replay tools ask), the ring stops reading it; a read after the kernel
 * turned it off would kill the program with SIGSEGV. Every call then goes on to the next prctl
 * (another preload's, or glibc's: the bare system call with four optional arguments). */
#include <stdarg.h>
#include <sys/prctl.h>
#include <errno.h>

#include "export.h"
#include "real.h"
#include "recorder.h"

FL_EXPORT int prctl(int option, ...)
{
        int (*real)(int, ...) = fl_real_prctl();
        unsigned long arg[4];
        va_list ap;

        va_start(ap, option);
        for (int i = 0; i < 4; i++)
                arg[i] = va_arg(ap, unsigned long);
        va_end(ap);
        if (option == PR_SET_TSC)
                fl_recorder_forbid_tsc();
        if (!real) {
                errno = ENOSYS;
                return -1;
        }
        return real(option, arg[0], arg[1], arg[2], arg[3]);
}
