/* system(3) over posix_spawn, so that the fork lock is held only while the child is created, not
 * while the parent waits for it (glibc's system() would hold it for the child's whole life). */
#ifndef FL_SYSTEM_H
#define FL_SYSTEM_H

#include <spawn.h>

typedef int (*fl_spawn_fn)(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
                           const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);

int fl_system(const char *command, fl_spawn_fn spawn);

#endif
