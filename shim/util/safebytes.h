/* Copying bytes the application pointed at before the kernel has vouched for the pointer: through
 * the kernel (process_vm_readv), which answers EFAULT instead of a crash. */
#ifndef FL_SAFEBYTES_H
#define FL_SAFEBYTES_H

#include <stdbool.h>
#include <stddef.h>

/* True when all size bytes were copied. errno is kept. */
bool fl_safe_copy_bytes(void *dst, const void *src, size_t size);

#endif
