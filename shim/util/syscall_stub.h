/* Whether a function is glibc's x86_64 stub for one system call and nothing else: the kernel call,
 * a return on success, errno = -result and -1 on failure. A caller that finds the next definition
 * of a call to be such a stub may make the call itself (one frame less after the kernel returns)
 * and behave exactly as that stub would. */
#ifndef FL_SYSCALL_STUB_H
#define FL_SYSCALL_STUB_H

#include <stdbool.h>

/* Reads the function's first bytes, no further than they match: [endbr64] mov $number, %eax;
 * syscall; cmp $-4095, %rax; jae <the errno path>; ret. */
bool fl_is_bare_syscall(const void *function, unsigned number);

#endif
