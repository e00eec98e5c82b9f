/* Listing the fds a process has open, without malloc and without the library's own wrappers. */
#ifndef FL_FD_LIST_H
#define FL_FD_LIST_H

/* Without /proc, fds are found by fcntl(F_GETFD) below this. */
#define FL_AUDIT_SCAN_MAX 1024

typedef void (*fl_audit_fd_fn)(int fd, void *ctx);

/* Calls each(fd, ctx) (each may be NULL: just count) for every fd >= 3 open now, however many,
 * ascending: streamed from /proc/self/fd in chunks (one fd opened for the listing and closed,
 * never passed to each), or, without /proc, fcntl(F_GETFD) over [3, FL_AUDIT_SCAN_MAX). Bounded
 * stack, no malloc. Returns how many. */
int fl_audit_each_fd(fl_audit_fd_fn each, void *ctx);

#endif
