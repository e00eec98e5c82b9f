/* errno given back only when it changed. After fork, each page a process writes is copied while
 * the other process still shares it: errno sits in the thread-local page, and rewriting it with
 * its own value costs a page copy (~1.5 us) in the parent and in the child of every fork. */
#ifndef FL_ERRNO_KEEP_H
#define FL_ERRNO_KEEP_H

#include <errno.h>

static inline void fl_errno_keep(int saved)
{
        if (errno != saved)
                errno = saved;
}

#endif
