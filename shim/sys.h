/* The syscalls the shim makes, as a table of functions, so that tests can drive every branch with
 * fakes (as Go tests net through socketFunc and socktest). preload/ fills it with the next
 * definitions in the link chain; tests fill it with their own. */
#ifndef FL_SYS_H
#define FL_SYS_H

#include <poll.h>
#include <sys/socket.h>

struct fl_sys {
        int (*socket)(int family, int type, int protocol);
        int (*socketpair)(int family, int type, int protocol, int fds[2]);
        int (*accept)(int fd, struct sockaddr *addr, socklen_t *len);
        int (*accept4)(int fd, struct sockaddr *addr, socklen_t *len, int flags);
        /* fcntl with an int argument: the only commands the shim itself issues. */
        int (*fcntl_int)(int fd, int cmd, int arg);
        int (*close)(int fd);
        int (*poll)(struct pollfd *fds, nfds_t n, int timeout);
};

#endif
