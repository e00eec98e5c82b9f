#include "errno_fast.h"

#ifdef FL_ERRNO_FAST
long fl_errno_offset;

void fl_errno_fast_start(void)
{
        long offset = (long)((char *)__errno_location() - (char *)__builtin_thread_pointer());

        __atomic_store_n(&fl_errno_offset, offset, __ATOMIC_RELAXED);
}
#else
void fl_errno_fast_start(void)
{
}
#endif
