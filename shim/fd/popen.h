/* popen and pclose where the kernel lacks pipe2 (before 2.6.27): glibc's popen asks for
 * pipe2(O_CLOEXEC) and fails with ENOSYS there, with or without forklock. Once the kernel refused
 * pipe2 (the refusal pipe.c remembers, or FORKLOCK_SIMULATE=einval), popen is glibc 2.36's
 * (libio/iopopen.c) over forklock's own pipe (pipe + FD_CLOEXEC under the read side of the fork
 * lock) and posix_spawn: "/bin/sh -c CMD", the child's end dup2'ed onto 0 or 1, the streams of
 * earlier popen children closed in the new child, the parent's end left inheritable unless the
 * mode has 'e'. While the kernel takes pipe2, glibc's popen runs unchanged.
 *
 * The children are kept in a small list (popen is not a hot path: malloc and a lock are fine);
 * pclose reaps the ones it finds there and hands every other stream to glibc's pclose. A fork
 * child inherits the list but never reaps its parent's children: their pclose there closes the
 * stream and fails with ECHILD, as glibc's does. A stream closed with fclose instead of pclose
 * stays in the list and its child is not reaped (glibc's fclose reaps popen children; an fdopen'd
 * stream cannot, and any other kind of FILE would break fileno). */
#ifndef FL_POPEN_H
#define FL_POPEN_H

#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>

#include "shim.h"
#include "system.h"

/* What popen needs beyond struct fl_sys; preload/ passes the next definitions (posix_spawn
 * through forklock's own wrapper, so the child is audited and the lock held while it starts). */
struct fl_popen_calls {
        FILE *(*popen)(const char *command, const char *mode); /* glibc's */
        int (*pclose)(FILE *stream);                           /* glibc's */
        int (*actions_init)(posix_spawn_file_actions_t *actions);
        int (*actions_adddup2)(posix_spawn_file_actions_t *actions, int fd, int target);
        int (*actions_addclose)(posix_spawn_file_actions_t *actions, int fd);
        int (*actions_destroy)(posix_spawn_file_actions_t *actions);
        fl_spawn_fn spawn;
        pid_t (*waitpid)(pid_t pid, int *status, int options);
        int (*fclose)(FILE *stream);
        pid_t (*getpid)(void);
};

/* popen, with errno as glibc's popen leaves it on failure; errno kept on success. */
FILE *fl_popen(struct fl_shim *shim, const char *command, const char *mode,
               const struct fl_popen_calls *calls);

/* pclose: the child's wait status (EINTR retried), -1 and errno on failure. */
int fl_pclose(FILE *stream, const struct fl_popen_calls *calls);

/* pipe.c's part: whether the kernel refused pipe2 (or FORKLOCK_SIMULATE=einval says so), and a
 * pipe with both ends close-on-exec through the one algorithm; *atomic: pipe2 was taken. */
bool fl_popen_pipe2_refused(const struct fl_shim *shim);
int fl_popen_pipe(struct fl_shim *shim, int fds[2], bool *atomic);

#endif
