/* socket() made by the wrapper itself, where the next definition is glibc's bare x86_64 system-call
 * wrapper (fl_real_socket_is_stub, real.h): the kernel call from the wrapper's own frame. This
 * machine refills the return-stack buffer around system calls, so each frame between the program
 * and the kernel costs a mispredicted return after it, and libc's code is one more line to fetch.
 * The result is the kernel's: the fd, or -errno. FL_KERNEL_SOCKET is 0 where that wrapper is never
 * found (off x86_64), so that the branches calling this fold away there. */
#ifndef FL_KERNEL_SOCKET_H
#define FL_KERNEL_SOCKET_H

#include <sys/syscall.h>

#include "raw_syscall.h"

#if defined(__x86_64__)
#define FL_KERNEL_SOCKET 1
#else
#define FL_KERNEL_SOCKET 0
#endif

static inline long fl_kernel_socket(int family, int type, int protocol)
{
        return fl_raw_syscall(SYS_socket, family, type, protocol);
}

#endif
