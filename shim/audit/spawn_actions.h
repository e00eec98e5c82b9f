/* posix_spawn file actions are opaque (glibc's layout is private), so forklock notes the dup2
 * targets as the program adds them: the audit then knows the new program's fd was handed over on
 * purpose. A bounded table; actions beyond it are simply not noted (the fd would be reported). */
#ifndef FL_SPAWN_ACTIONS_H
#define FL_SPAWN_ACTIONS_H

#include <spawn.h>

#define FL_SPAWN_ACTIONS_MAX 256

struct fl_spawn_dup2 {
        int fd;
        int newfd;
};

void fl_spawn_actions_note_dup2(const posix_spawn_file_actions_t *actions, int fd, int newfd);
/* posix_spawn_file_actions_init/destroy: the object's address may be reused for new actions. */
void fl_spawn_actions_forget(const posix_spawn_file_actions_t *actions);
/* The dup2s noted for actions, up to max; returns how many. */
int fl_spawn_actions_dup2s(const posix_spawn_file_actions_t *actions, struct fl_spawn_dup2 *out,
                           int max);

#endif
