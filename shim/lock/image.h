/* Calls that create a process or replace the image: all run with the write side of the fork lock,
 * so that no fallback window (fd created, not yet close-on-exec) is open in another thread. */
#ifndef FL_IMAGE_H
#define FL_IMAGE_H

#include <stdbool.h>
#include <sys/types.h>

#include "forklock.h"
#include "shim.h"

struct fl_image_call {
        struct fl_lock_token token;
        enum fl_call call;
        const char *program;
};

/* Takes the write side, records, and gives the caller's signal mask back, so that the new program
 * (exec, posix_spawn, system, popen, vfork, clone) starts with the mask it would have had. */
void fl_image_begin(struct fl_shim *shim, struct fl_image_call *image, enum fl_call call,
                    const char *program);
/* Records the outcome and releases; returns result with errno as the call left it. */
int fl_image_end(struct fl_shim *shim, struct fl_image_call *image, int result, pid_t child);

/* fork and _Fork: the child starts with the lock released and its own pid in records. glibc's
 * fork() runs the atfork handlers below, which take the lock (runs_atfork); _Fork runs none, so
 * fl_fork takes it around the call. errno is left as the real call left it. */
pid_t fl_fork(struct fl_shim *shim, enum fl_call call, pid_t (*real_fork)(void), bool runs_atfork);

/* forklock's own pthread_atfork handlers. */
void fl_image_atfork_prepare(struct fl_shim *shim);
void fl_image_atfork_parent(void);
void fl_image_atfork_child(void);

#endif
