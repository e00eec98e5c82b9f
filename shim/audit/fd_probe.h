/* Finding the open fds without /proc, when the fd table is small enough to ask about every slot. */
#ifndef FL_FD_PROBE_H
#define FL_FD_PROBE_H

#include "fd_list.h"

/* Calls each(fd, ctx) for every fd >= 3 open now, ascending, and returns how many; or -1, having
 * called nothing, when the answer would not be exact (a table bigger than the probe covers, a
 * kernel or filter that refuses the calls): the caller then lists /proc/self/fd. */
int fl_fd_probe_each(fl_audit_fd_fn each, void *ctx);

#endif
