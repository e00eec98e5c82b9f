/* In a new process the first listing of /proc/self/fd costs 25-50 us (the open of /proc/self
 * most of it): half of what forklock adds to a program's start. A fd table of 64 slots, the size
 * every process has until it opens fd 64, is cheaper to ask slot by slot (61 fcntl calls, ~7 us),
 * and the kernel says whether the table is that small: pselect6 cuts its fd count to the table's
 * size before it reads the caller's set, and writes back exactly that many bits. Asked about 128
 * fds with bits 0-63 clear and 64-127 set, a table of 64 slots reads and rewrites only the first
 * 8 bytes: the answer is 0 and the set bits are left as they were. A bigger table reads the set
 * bits: EBADF for a closed fd among 64-127, a count or rewritten bits for open ones. So the probe
 * needs no memory of its own (an earlier one mapped a guard page for it: 2 system calls and 2
 * faults). fcntl, not poll: poll reports an O_PATH fd as closed. Raw syscalls, as in the listing:
 * the library's own wrappers must not see these calls. */
#include "fd_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "raw_syscall.h"

#define SMALL_TABLE 64 /* NR_OPEN_DEFAULT: BITS_PER_LONG slots */
#define SET_BYTES   (2 * SMALL_TABLE / 8)

static bool table_is_small(void)
{
        unsigned long set[SET_BYTES / sizeof(unsigned long)];
        unsigned char *bytes = (unsigned char *)set;
        struct timespec zero = {0, 0};

        memset(bytes, 0, SET_BYTES / 2);
        memset(bytes + SET_BYTES / 2, 0xff, SET_BYTES / 2);
        if (fl_raw_syscall(SYS_pselect6, 2 * SMALL_TABLE, set, NULL, NULL, &zero, NULL) != 0)
                return false;
        for (int i = SET_BYTES / 2; i < SET_BYTES; i++)
                if (bytes[i] != 0xff)
                        return false;
        return true;
}

int fl_fd_probe_each(fl_audit_fd_fn each, void *ctx)
{
        int n = 0;

        if (!table_is_small())
                return -1;
        for (int fd = 3; fd < SMALL_TABLE; fd++)
                if (fl_raw_syscall(SYS_fcntl, fd, F_GETFD) >= 0) {
                        n++;
                        if (each)
                                each(fd, ctx);
                }
        return n;
}
