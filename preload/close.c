#include <unistd.h>

#include "hot.h"
#include "export.h"
#include "fdcalls.h"
#include "process.h"

/* close keeps errno as the real close leaves it (EINTR/EIO on success paths are glibc's to set),
 * and adds nothing that could change it: the fdtable clear makes no call. */
FL_EXPORT FL_HOT int close(int fd)
{
        return fl_close(fl_process(), fd);
}

FL_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
        int saved = errno;
        int result = fl_close_range(fl_process(), first, last, flags);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}

FL_EXPORT void closefrom(int first)
{
        int saved = errno;

        fl_closefrom(fl_process(), first);
        errno = saved;
}
