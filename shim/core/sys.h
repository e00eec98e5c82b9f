/* The syscalls the shim makes, as a table of functions, so that tests can drive every branch with
 * fakes (as Go tests net through socketFunc and socktest). preload/ fills it with the next
 * definitions in the link chain; tests fill it with their own. */
#ifndef FL_SYS_H
#define FL_SYS_H

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

struct fl_sys {
        int (*socket)(int family, int type, int protocol);
        int (*socketpair)(int family, int type, int protocol, int fds[2]);
        int (*accept)(int fd, struct sockaddr *addr, socklen_t *len);
        int (*accept4)(int fd, struct sockaddr *addr, socklen_t *len, int flags);
        /* fcntl with an int argument: the only commands the shim itself issues. */
        int (*fcntl_int)(int fd, int cmd, int arg);
        int (*close)(int fd);
        int (*poll)(struct pollfd *fds, nfds_t n, int timeout);
        /* The fd calls beside creation (fdcalls.h) and the go profile's. Every entry is set, in
         * tests too (tests/lib/fakesys.c): the shim never checks for NULL. */
        int (*dup)(int fd);
        int (*dup2)(int fd, int target);
        int (*dup3)(int fd, int target, int flags);
        int (*setsockopt)(int fd, int level, int name, const void *value, socklen_t len);
        int (*bind)(int fd, const struct sockaddr *addr, socklen_t len);
        int (*listen)(int fd, int backlog);
        int (*connect)(int fd, const struct sockaddr *addr, socklen_t len);
        int (*close_range)(unsigned first, unsigned last, int flags);
        void (*closefrom)(int first);
        int (*fstat)(int fd, struct stat *st);
        ssize_t (*recvmsg)(int fd, struct msghdr *msg, int flags);
        int (*recvmmsg)(int fd, struct mmsghdr *msgs, unsigned int n, int flags,
                        struct timespec *timeout);
        int (*getsockopt)(int fd, int level, int name, void *value, socklen_t *len);
        /* CLOCK_MONOTONIC in nanoseconds: the fallback accept's SO_RCVTIMEO budget. */
        long long (*monotonic_ns)(void);
        int (*ioctl)(int fd, unsigned long request, unsigned long arg);
        /* Reads a small file (somaxconn): bytes read, or -1. */
        ssize_t (*read_file)(const char *path, char *buf, size_t size);
        /* The creating calls of scope all (shim/fd/create.h). */
        int (*openat)(int dirfd, const char *path, int flags, mode_t mode);
        int (*pipe)(int fds[2]);
        int (*pipe2)(int fds[2], int flags);
        int (*epoll_create)(int size);
        int (*epoll_create1)(int flags);
        int (*eventfd)(unsigned count, int flags);
        int (*timerfd_create)(int clock, int flags);
        int (*signalfd)(int fd, const sigset_t *mask, int flags);
        int (*inotify_init)(void);
        int (*inotify_init1)(int flags);
        int (*memfd_create)(const char *name, unsigned flags);
        int (*posix_openpt)(int flags);
        FILE *(*fopen)(const char *path, const char *mode);
        FILE *(*freopen)(const char *path, const char *mode, FILE *stream);
        int (*mkostemps)(char *template, int suffix_len, int flags);
        int (*unlink)(const char *path);
        FILE *(*fdopen)(int fd, const char *mode);
        /* The running kernel's release, e.g. "6.1.0-18-amd64"; -1 on failure. */
        int (*kernel_release)(char *buf, size_t size);
};

#endif
