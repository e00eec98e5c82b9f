#include "safecopy.h"

#include <errno.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ids.h"

static ssize_t read_own_memory(void *dst, const void *src, size_t size)
{
        struct iovec local = {dst, size};
        struct iovec remote = {(void *)src, size};
        int saved = errno;
        ssize_t got = syscall(SYS_process_vm_readv, fl_ids_pid(), &local, 1, &remote, 1, 0);

        errno = saved;
        return got;
}

bool fl_safe_copy_bytes(void *dst, const void *src, size_t size)
{
        return src && read_own_memory(dst, src, size) == (ssize_t)size;
}

/* Page by page, since the bytes after a short string may be unmapped. */
size_t fl_safe_copy_string(char *dst, size_t size, const char *src)
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
