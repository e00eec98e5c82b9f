/* Scope all: every other creating call through the one algorithm (cloexec.h), as Go creates every
 * fd: the call's own close-on-exec flag atomically; on the kernel's refusal the call without it and
 * FD_CLOEXEC under the read side of the fork lock; the refusal remembered. The O_CLOEXEC calls
 * (open, fopen, tmpfile, the mkstemp family, posix_openpt) share one refusal: before 2.6.23 the
 * kernel ignores O_CLOEXEC silently, so the first such call in enforce mode checks its fd once
 * (ocloexec.c). Each function behaves like the libc call it stands for. preload/ calls these only
 * in scope all; in scope sockets its wrappers pass straight through. */
#ifndef FL_CREATE_H
#define FL_CREATE_H

#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

#include "shim.h"

static inline bool fl_scope_all(const struct fl_shim *shim)
{
        return shim->config.scope == FL_SCOPE_ALL;
}

/* open, open64, openat, openat64, creat, creat64 and the __open*_2 entry points: mode is read
 * by the caller only when flags has O_CREAT or O_TMPFILE. */
int fl_openat(struct fl_shim *shim, int dirfd, const char *path, int flags, mode_t mode);
int fl_posix_openpt(struct fl_shim *shim, int flags);

int fl_pipe2(struct fl_shim *shim, int fds[2], int flags);

/* size is epoll_create's (EINVAL when <= 0, as the kernel); epoll_create1 passes 1. */
int fl_epoll_create(struct fl_shim *shim, int size, int flags);
int fl_eventfd(struct fl_shim *shim, unsigned count, int flags);
int fl_timerfd_create(struct fl_shim *shim, int clock, int flags);
/* Only fd == -1 creates; any other fd changes an existing signalfd's mask and passes through. */
int fl_signalfd(struct fl_shim *shim, int fd, const sigset_t *mask, int flags);
/* inotify_init is inotify_init1 with flags 0. */
int fl_inotify_init1(struct fl_shim *shim, int flags);
int fl_memfd_create(struct fl_shim *shim, const char *name, unsigned flags);

/* stream NULL: fopen; else freopen (a NULL path passes through: it reopens the same fd). */
FILE *fl_fopen(struct fl_shim *shim, const char *path, const char *mode, FILE *stream);
FILE *fl_tmpfile(struct fl_shim *shim);
int fl_mkostemps(struct fl_shim *shim, char *template, int suffix_len, int flags);

#endif
