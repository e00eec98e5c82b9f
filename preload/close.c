#include <unistd.h>

#include "process.h"
#include "fdcalls.h"

/* close keeps errno as the real close leaves it (EINTR/EIO on success paths are glibc's to set),
 * and adds nothing that could change it: the fdtable clear makes no call. */
__attribute__((visibility("default"))) int close(int fd)
{
        return fl_close(fl_process(), fd);
}

__attribute__((visibility("default"))) int close_range(unsigned first, unsigned last, int flags)
{
        int saved = errno;
        int result = fl_close_range(fl_process(), first, last, flags);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}

__attribute__((visibility("default"))) void closefrom(int first)
{
        int saved = errno;

        fl_closefrom(fl_process(), first);
        errno = saved;
}
