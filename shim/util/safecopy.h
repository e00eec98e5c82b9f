/* Reading a pointer the application handed us, before the kernel has vouched for it, must not
 * crash the program: copy through the kernel, which answers EFAULT instead. */
#ifndef FL_SAFECOPY_H
#define FL_SAFECOPY_H

#include <stddef.h>

/* Copies the NUL-terminated string at src into dst (size > 0), truncated, NUL-terminated. A bad
 * pointer leaves dst empty. Returns the bytes copied. */
size_t fl_safe_copy_string(char *dst, size_t size, const char *src);

#endif
