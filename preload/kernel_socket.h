/* socket() made by the wrapper itself, where the next definition is glibc's bare x86_64 stub
 * (fl_real_socket_is_stub, real.h): the kernel call from the wrapper's own frame. This machine
 * refills the return-stack buffer around system calls, so each frame between the program and the
 * kernel costs a mispredicted return after it, and the stub's code is one more line to fetch. The
 * result is the stub's before its errno handling: the fd, or -errno. */
#ifndef FL_KERNEL_SOCKET_H
#define FL_KERNEL_SOCKET_H

#include <errno.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
#define FL_KERNEL_SOCKET 1
static inline long fl_kernel_socket(int family, int type, int protocol)
{
        long result;

        __asm__ volatile("syscall"
                         : "=a"(result)
                         : "0"((long)SYS_socket), "D"((long)family), "S"((long)type),
                           "d"((long)protocol)
                         : "rcx", "r11", "memory");
        return result;
}
#else
/* Never called: with FL_KERNEL_SOCKET 0 the wrapper's branches that would call it fold away
 * (fl_real_socket_is_stub is false off x86_64 too); it exists so that they compile everywhere. */
#define FL_KERNEL_SOCKET 0
static inline long fl_kernel_socket(int family, int type, int protocol)
{
        (void)family, (void)type, (void)protocol;
        return -ENOSYS;
}
#endif

#endif
