/* What an fd is, as the audit prints it: a TCP/UDP/UNIX socket with its addresses, state and
 * whether it listens; a pipe or FIFO; a regular file and its path; eventfd, epoll or another anon
 * inode. Uses only calls the library does not wrap (fstat, getsockopt, getsockname, getpeername,
 * readlinkat): no malloc, no stdio, no fd opened, errno kept. */
#ifndef FL_FDINFO_H
#define FL_FDINFO_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "record.h"

enum fl_fd_kind {
        FL_KIND_UNKNOWN = 0,
        FL_KIND_TCP,
        FL_KIND_UDP,
        FL_KIND_UNIX,
        FL_KIND_SOCKET, /* another family or type */
        FL_KIND_PIPE,
        FL_KIND_FIFO,
        FL_KIND_FILE,
        FL_KIND_DIR,
        FL_KIND_CHAR,
        FL_KIND_BLOCK,
        FL_KIND_EVENTFD,
        FL_KIND_EPOLL,
        FL_KIND_ANON, /* timerfd, signalfd, inotify, ... : text names it */
        FL_KIND_COUNT
};

enum fl_fd_state {
        FL_STATE_LISTENING = 1u << 0,
        FL_STATE_CONNECTED = 1u << 1,
};

/* A path (PATH_MAX, with the kernel's " (deleted)"), or two socket addresses. */
#define FL_FDINFO_TEXT (PATH_MAX + 32)
/* One socket address: "unix:" and 108 bytes of path, or "[IPv6]:port". */
#define FL_ADDR_TEXT 128

struct fl_fdinfo {
        enum fl_fd_kind kind;
        uint64_t ino;
        int family, type; /* sockets */
        unsigned state;   /* enum fl_fd_state bits */
        int local_port;   /* INET/INET6, host order; 0 otherwise */
        /* "127.0.0.1:8080 <- 127.0.0.1:51234", "unix:/run/x", "/etc/passwd", "[eventfd]": never
         * cut (records carry the rest in FL_CALL_TEXT continuations, shim/ring/text_record.h) */
        char text[FL_FDINFO_TEXT];
};

/* -1 when fd is not open (errno kept); else 0 and *info filled. */
int fl_fdinfo_describe(int fd, struct fl_fdinfo *info);

/* "TCP", "pipe", ... */
const char *fl_fd_kind_name(enum fl_fd_kind kind);

/* Kind from what readlink says of an anon inode ("anon_inode:[eventfd]") or a pipe ("pipe:[12]").
 */
enum fl_fd_kind fl_fd_kind_of_link(const char *link);

#endif
