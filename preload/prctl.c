/* prctl is wrapped for one option only: before PR_SET_TSC takes the TSC away (PR_TSC_SIGSEGV, as
 * sandboxes and record/replay tools ask), the ring stops reading it; a read after the kernel
 * turned it off would kill the program with SIGSEGV. Every call is then passed to the kernel
 * unchanged: glibc's prctl is the bare system call with its four optional arguments. */
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "export.h"
#include "recorder.h"

FL_EXPORT int prctl(int option, ...)
{
        unsigned long arg[4];
        va_list ap;

        va_start(ap, option);
        for (int i = 0; i < 4; i++)
                arg[i] = va_arg(ap, unsigned long);
        va_end(ap);
        if (option == PR_SET_TSC)
                fl_recorder_forbid_tsc();
        return (int)syscall(SYS_prctl, option, arg[0], arg[1], arg[2], arg[3]);
}
