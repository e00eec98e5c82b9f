/* Listing the fds open now, for both sides of exec. */
#include "fd_list.h"
#include "fd_probe.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "raw_syscall.h"

struct dirent64_head {
        uint64_t ino;
        int64_t off;
        unsigned short reclen;
        unsigned char type;
        char name[];
};

static int parse_fd_name(const char *name)
{
        int fd = 0;

        if (!*name)
                return -1;
        for (; *name; name++) {
                if (*name < '0' || *name > '9' || fd > 100000000)
                        return -1;
                fd = fd * 10 + (*name - '0');
        }
        return fd;
}

/* Raw syscalls: the library's own open/close wrappers must not see (or record) the listing. Read in
 * chunks, each fd handed on as it comes: no table, so no cap on how many. */
static int each_from_proc(fl_audit_fd_fn each, void *ctx)
{
        char buf[1024];
        int n = 0;
        long got;
        int dir = (int)fl_raw_syscall(SYS_openat, AT_FDCWD, "/proc/self/fd",
                                      O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (dir < 0)
                return -1;
        while ((got = fl_raw_syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
                for (long pos = 0; pos < got;) {
                        const struct dirent64_head *d = (const void *)(buf + pos);
                        int fd = parse_fd_name(d->name);

                        pos += d->reclen;
                        if (fd >= 3 && fd != dir) {
                                n++;
                                if (each)
                                        each(fd, ctx);
                        }
                }
        }
        fl_raw_syscall(SYS_close, dir);
        return got < 0 && n == 0 ? -1 : n;
}

/* A table too big for the probe, as every child of a shell has (its fd 255 sized the table): the
 * size of /proc/self/fd is the count of open fds (Linux 6.2 on; 0 before), and when that is the
 * count of 0-2 open, nothing from 3 on is open and the listing (~20 us in a new process, about
 * twice the stat) is not needed. */
static bool only_standard_fds(void)
{
        struct stat st;
        int standard = 0;

#ifdef SYS_newfstatat /* raw where the kernel's struct stat is libc's, as in the listing */
        if (fl_raw_syscall(SYS_newfstatat, AT_FDCWD, "/proc/self/fd", &st, 0) < 0 ||
            st.st_size <= 0)
                return false;
#else
        if (stat("/proc/self/fd", &st) < 0 || st.st_size <= 0)
                return false;
#endif
        for (int fd = 0; fd < 3; fd++)
                standard += fl_raw_syscall(SYS_fcntl, fd, F_GETFD) >= 0;
        return st.st_size == standard;
}

int fl_audit_each_fd(fl_audit_fd_fn each, void *ctx)
{
        int saved = errno;
        int n = fl_fd_probe_each(each, ctx);

        if (n < 0)
                n = only_standard_fds() ? 0 : each_from_proc(each, ctx);

        if (n < 0) {
                n = 0;
                for (int fd = 3; fd < FL_AUDIT_SCAN_MAX; fd++) {
                        if (fl_raw_syscall(SYS_fcntl, fd, F_GETFD) < 0)
                                continue;
                        n++;
                        if (each)
                                each(fd, ctx);
                }
        }
        fl_errno_keep(saved);
        return n;
}
