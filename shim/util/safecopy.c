#include "safecopy.h"

#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ids.h"

/* Page by page, since the bytes after a short string may be unmapped. */
size_t fl_safe_copy_string(char *dst, size_t size, const char *src)
{
        size_t copied = 0;
        pid_t self = fl_ids_pid();

        while (src && copied + 1 < size) {
                size_t to_page_end = 4096 - ((size_t)(src + copied) & 4095);
                size_t want = size - 1 - copied < to_page_end ? size - 1 - copied : to_page_end;
                struct iovec local = {dst + copied, want};
                struct iovec remote = {(void *)(src + copied), want};
                ssize_t got = syscall(SYS_process_vm_readv, self, &local, 1, &remote, 1, 0);
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
