/* Reading memory the application pointed at, before the kernel has vouched for the pointer, must
 * not crash the program: copy through the kernel (process_vm_readv), which answers EFAULT instead,
 * or (strings) read what the kernel just called readable (readable.h). Both functions keep errno.
 */
#ifndef FL_SAFECOPY_H
#define FL_SAFECOPY_H

#include <stdbool.h>
#include <stddef.h>

/* True when all size bytes were copied. */
bool fl_safe_copy_bytes(void *dst, const void *src, size_t size);

/* Copies the NUL-terminated string at src into dst (size > 0), truncated, NUL-terminated. A bad
 * pointer leaves dst empty. Returns the bytes copied. */
size_t fl_safe_copy_string(char *dst, size_t size, const char *src);

#endif
