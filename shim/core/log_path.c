#include "log_path.h"

#include "warn.h"

const char *fl_log_path_checked(const char *path)
{
        if (!path || !path[0] || path[0] == '/')
                return path;
        fl_warn("warning: FORKLOCK_LOG=", path,
                " is not an absolute path; recording in memory only", NULL);
        return NULL;
}
