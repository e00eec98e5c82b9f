/* Marking fds through the injectable syscall table. */
#ifndef FL_FDFLAGS_H
#define FL_FDFLAGS_H

#include "sys.h"

int fl_mark_cloexec(const struct fl_sys *sys, int fd);
int fl_set_nonblock(const struct fl_sys *sys, int fd);

#endif
