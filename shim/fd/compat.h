/* Old kernels in every scope: a program that asks pipe2, epoll_create1 or inotify_init1 for their
 * flags fails with ENOSYS before 2.6.27, where the calls did not exist. Whatever the scope,
 * forklock then makes the old call and applies the flags the program asked for: close-on-exec
 * through the one algorithm's fallback (under the read side of the fork lock, the refusal
 * remembered), the non-blocking flag after it. Nothing is recorded: in scope sockets these fds are
 * not forklock's; the program gets what it asked for, as on a newer kernel. A call without flags,
 * or refused for another reason, is the kernel's own answer. */
#ifndef FL_COMPAT_H
#define FL_COMPAT_H

#include "cloexec.h"

int fl_create_compat(const struct fl_shim *shim, const struct fl_creation *c);

int fl_pipe2_compat(struct fl_shim *shim, int fds[2], int flags);
int fl_epoll_create1_compat(struct fl_shim *shim, int flags);
int fl_inotify_init1_compat(struct fl_shim *shim, int flags);

#endif
