/* The shim state of this process, set up from the environment once. */
#ifndef FL_PROCESS_H
#define FL_PROCESS_H

#include <errno.h>

#include "shim.h"

struct fl_shim *fl_process(void);

/* Wrappers keep errno untouched unless the call failed. */
static inline void fl_keep_errno_unless_failed(long result, int saved)
{
        if (result >= 0)
                errno = saved;
}

#endif
