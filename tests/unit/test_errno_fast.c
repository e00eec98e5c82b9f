/* The library's errno (errno_fast.h) is libc's errno, in every thread: written through one, read
 * through the other. */
#include <criterion/criterion.h>

#include <pthread.h>

#include "errno_fast.h"

static void *write_both_ways(void *arg)
{
        int *ok = arg;

        errno = 4321;
        *ok = *__errno_location() == 4321;
        *__errno_location() = 8765;
        *ok = *ok && errno == 8765 && fl_errno_location() == __errno_location();
        return NULL;
}

Test(errno_fast, it_is_libcs_errno_in_every_thread)
{
        pthread_t thread;
        int ok = 0;

        fl_errno_fast_start();
#ifdef FL_ERRNO_FAST
        cr_assert_neq(fl_errno_offset, 0, "the offset was not measured");
#endif
        errno = 1234;
        cr_assert_eq(*__errno_location(), 1234);
        *__errno_location() = 5678;
        cr_assert_eq(errno, 5678);
        cr_assert_eq(fl_errno_location(), __errno_location());
        cr_assert_eq(pthread_create(&thread, NULL, write_both_ways, &ok), 0);
        cr_assert_eq(pthread_join(thread, NULL), 0);
        cr_assert(ok, "in a second thread the two disagree");
        cr_assert_eq(errno, 5678, "the thread's errno leaked into this one's");
}
