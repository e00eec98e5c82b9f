#include "safecopy.h"

#include <errno.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ids.h"
#include "readable.h"
#include "raw_syscall.h"

static ssize_t read_own_memory(void *dst, const void *src, size_t size)
{
        struct iovec local = {dst, size};
        struct iovec remote = {(void *)src, size};
        long got = fl_raw_syscall(SYS_process_vm_readv, fl_ids_pid(), &local, 1, &remote, 1, 0);

        return got < 0 ? -1 : got;
}

bool fl_safe_copy_bytes(void *dst, const void *src, size_t size)
{
        return src && read_own_memory(dst, src, size) == (ssize_t)size;
}

/* Page by page, since the bytes after a short string may be unmapped. */
static size_t copy_through_kernel(char *dst, size_t size, const char *src)
{
        size_t copied = 0;

        while (src && copied + 1 < size) {
                size_t to_page_end = 4096 - ((size_t)(src + copied) & 4095);
                size_t want = size - 1 - copied < to_page_end ? size - 1 - copied : to_page_end;
                ssize_t got = read_own_memory(dst + copied, src + copied, want);
                size_t i;

                if (got <= 0)
                        break;
                for (i = 0; i < (size_t)got && dst[copied + i]; i++)
                        ;
                copied += i;
                if (i < (size_t)got)
                        break;
        }
        dst[copied] = '\0';
        return copied;
}

/* A string the kernel calls readable is copied directly: process_vm_readv pins what it reads,
 * which in a fork child copies a page still shared with the parent (an exec's argv) and checks
 * ptrace access first, several microseconds where the probe costs one cheap call per page. The
 * rest (a bad pointer, a string running into an unreadable page) goes through the kernel. */
size_t fl_safe_copy_string(char *dst, size_t size, const char *src)
{
        size_t copied = 0;

        if (!fl_string_readable(src, size - 1))
                return copy_through_kernel(dst, size, src);
        for (; copied + 1 < size && src[copied]; copied++)
                dst[copied] = src[copied];
        dst[copied] = '\0';
        return copied;
}
