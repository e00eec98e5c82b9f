#include <unistd.h>

#include "export.h"
#include "fdcalls.h"
#include "process.h"

FL_EXPORT int dup(int fd)
{
        int saved = errno;
        int result = fl_dup(fl_process(), fd);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}

FL_EXPORT int dup2(int fd, int target)
{
        int saved = errno;
        int result = fl_dup2(fl_process(), fd, target);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}

FL_EXPORT int dup3(int fd, int target, int flags)
{
        int saved = errno;
        int result = fl_dup3(fl_process(), fd, target, flags);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}
