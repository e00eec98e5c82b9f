/* In a new process the first listing of /proc/self/fd costs 25-50 us (the open of /proc/self
 * most of it): half of what forklock adds to a program's start. A fd table of 64 slots, the size
 * every process has until it opens fd 64, is cheaper to ask slot by slot (61 fcntl calls, ~7 us),
 * and the kernel says whether the table is that small: pselect6 cuts its fd count to the table's
 * size before it reads the caller's sets, so a set whose bits from 64 on lie on an inaccessible
 * page gives EFAULT exactly when the table has more slots. fcntl, not poll: poll reports an
 * O_PATH fd as closed. Raw syscalls, as in the listing: the library's own wrappers must not see
 * these calls. */
#include "fd_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE        4096
#define SMALL_TABLE 64 /* NR_OPEN_DEFAULT: BITS_PER_LONG slots */

/* One readable, writable page followed by an inaccessible one, made once per process. The set
 * placed at its end stays all zero: select writes back only the (empty) answer. */
static unsigned char *probe_page(void)
{
        static unsigned char *page; /* racing makers leak one 8 KiB mapping at worst */
        unsigned char *p = __atomic_load_n(&page, __ATOMIC_ACQUIRE);
        long map;

        if (p)
                return p;
        map = syscall(SYS_mmap, NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (map == -1)
                return NULL;
        if (syscall(SYS_mprotect, (void *)map, PAGE, PROT_READ | PROT_WRITE) < 0) {
                syscall(SYS_munmap, (void *)map, 2 * PAGE);
                return NULL;
        }
        p = (unsigned char *)map;
        __atomic_store_n(&page, p, __ATOMIC_RELEASE);
        return p;
}

static bool table_is_small(void)
{
        unsigned char *page = probe_page();
        struct timespec zero = {0, 0};

        return page && syscall(SYS_pselect6, SMALL_TABLE + 64, page + PAGE - SMALL_TABLE / 8, NULL,
                               NULL, &zero, NULL) == 0;
}

int fl_fd_probe_each(fl_audit_fd_fn each, void *ctx)
{
        int saved = errno, n = 0;

        if (!table_is_small()) {
                errno = saved;
                return -1;
        }
        for (int fd = 3; fd < SMALL_TABLE; fd++)
                if (syscall(SYS_fcntl, fd, F_GETFD) >= 0) {
                        n++;
                        if (each)
                                each(fd, ctx);
                }
        errno = saved;
        return n;
}
