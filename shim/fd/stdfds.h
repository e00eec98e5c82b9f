/* Fds 0, 1 and 2 are never made close-on-exec by forklock. A creation that lands on one of them
 * (close(1); dup(fd) is dup2(fd, 1) to a program written before dup2) is the program setting up a
 * child's standard streams: intent, unless the caller asked for close-on-exec itself. The kernel
 * picks the number, so this is known only after the call; clearing the flag forklock added then
 * opens no window, because a concurrent fork hands a stdio slot to the child anyway.
 *
 * The one place the rule lives: every creating call asks fl_stdfd_intent after the kernel
 * answered, records FL_DEC_INTENT when it says so, and notes the fd with fl_stdfd_note. */
#ifndef FL_STDFDS_H
#define FL_STDFDS_H

#include <stdbool.h>

#include "shim.h"

static inline bool fl_is_stdfd(int fd)
{
        return fd >= 0 && fd <= 2;
}

/* fd was just created. True when it is a standard stream the caller did not ask close-on-exec
 * for; in enforce mode the close-on-exec forklock added is taken off again, and so is the
 * O_NONBLOCK the go profile added (added_nonblock): a child's stdin or stdout must block, as Go's
 * File.Fd() makes an fd it hands on blocking. Keeps errno. */
bool fl_stdfd_intent(const struct fl_shim *shim, int fd, bool caller_asked_cloexec,
                     bool added_nonblock);

/* After the creation noted fd in the fdtable: the entry says intent, not forced. Keeps errno. */
void fl_stdfd_note(int fd);

#endif
