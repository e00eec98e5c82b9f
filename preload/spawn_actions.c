/* posix_spawn file actions: the dup2 targets are noted for the audit (shim/audit/spawn_actions.h).
 */
#include <spawn.h>

#include "export.h"
#include "process.h"
#include "real.h"
#include "spawn_actions.h"

FL_EXPORT int posix_spawn_file_actions_init(posix_spawn_file_actions_t *actions)
{
        int (*real)(posix_spawn_file_actions_t *) = fl_real_posix_spawn_file_actions_init();

        if (!real)
                return ENOSYS;
        fl_spawn_actions_forget(actions);
        return real(actions);
}

FL_EXPORT int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *actions)
{
        int (*real)(posix_spawn_file_actions_t *) = fl_real_posix_spawn_file_actions_destroy();

        if (!real)
                return ENOSYS;
        fl_spawn_actions_forget(actions);
        return real(actions);
}

FL_EXPORT int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *actions, int fd,
                                               int newfd)
{
        int (*real)(posix_spawn_file_actions_t *, int, int) =
            fl_real_posix_spawn_file_actions_adddup2();
        int err;

        if (!real)
                return ENOSYS;
        err = real(actions, fd, newfd);
        if (err == 0 && fl_process()->config.mode != FL_MODE_OFF)
                fl_spawn_actions_note_dup2(actions, fd, newfd);
        return err;
}
