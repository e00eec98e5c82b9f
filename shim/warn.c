#include "warn.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

int fl_warn_fd = 2;

static size_t append_text(char *buf, size_t used, size_t cap, const char *text)
{
        while (*text && used < cap)
                buf[used++] = *text++;
        return used;
}

void fl_warn(const char *first, ...)
{
        char line[512];
        size_t used = append_text(line, 0, sizeof(line) - 1, "forklock: ");
        va_list ap;
        int saved_errno = errno;

        va_start(ap, first);
        for (const char *part = first; part; part = va_arg(ap, const char *))
                used = append_text(line, used, sizeof(line) - 1, part);
        va_end(ap);
        line[used++] = '\n';
        (void)!syscall(SYS_write, fl_warn_fd, line, used);
        errno = saved_errno;
}
