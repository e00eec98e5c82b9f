/* System calls that leave errno alone: the result, or -errno. A fork child runs the library's
 * probes and fd listing before exec, and there libc's syscall() costs twice: its text page is one
 * nothing else in the child runs (a page fault), and each refusal it reports (most of the
 * listing's fcntl calls answer EBADF) writes errno into the thread-local page, which the child
 * then copies from its parent. The kernel call made here touches neither. */
#ifndef FL_RAW_SYSCALL_H
#define FL_RAW_SYSCALL_H

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errno_keep.h"

/* The static analyzer does not see the kernel write through the pointers an asm statement passes
 * it: under analysis, the libc call below stands for the kernel's. */
#if defined(__x86_64__) && !defined(__clang_analyzer__)
static inline long fl_raw_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
        register long r10 __asm__("r10") = d;
        register long r8 __asm__("r8") = e;
        register long r9 __asm__("r9") = f;
        long result;

        __asm__ volatile("syscall"
                         : "=a"(result)
                         : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                         : "rcx", "r11", "memory");
        return result;
}
#elif defined(__aarch64__) && !defined(__clang_analyzer__)
static inline long fl_raw_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
        register long x8 __asm__("x8") = nr;
        register long x0 __asm__("x0") = a;
        register long x1 __asm__("x1") = b;
        register long x2 __asm__("x2") = c;
        register long x3 __asm__("x3") = d;
        register long x4 __asm__("x4") = e;
        register long x5 __asm__("x5") = f;

        __asm__ volatile("svc 0"
                         : "+r"(x0)
                         : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                         : "memory", "cc");
        return x0;
}
#else
/* i386 enters the kernel through the vDSO's entry, which libc knows: its call, errno given back.
 * (And the static analyzer's stand-in, above.) */
static inline long fl_raw_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
        int saved = errno;
        long result = syscall(nr, a, b, c, d, e, f);

        if (result == -1)
                result = -errno;
        fl_errno_keep(saved);
        return result;
}
#endif

#define FL_RAW_ARGS(nr, a, b, c, d, e, f, ...)                                                     \
        (long)(nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f)

/* fl_raw_syscall(SYS_x, args...): up to six arguments, each an integer or a pointer. */
#define fl_raw_syscall(...) fl_raw_syscall6(FL_RAW_ARGS(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0))

/* fstat as libc's, without libc: glibc's fstat passes fstatat its own "", which the kernel then
 * reads from libc's read-only data, a page nothing else at start touches (a fault in every new
 * image that joins the ring). Where the kernel's struct stat is libc's (not i386). */
static inline int fl_fstat(int fd, struct stat *st)
{
#if defined(SYS_newfstatat) && !defined(__i386__)
        long rc = fl_raw_syscall(SYS_newfstatat, fd, "", st, AT_EMPTY_PATH);

        if (rc < 0) {
                errno = (int)-rc;
                return -1;
        }
        return 0;
#else
        return fstat(fd, st);
#endif
}

/* pread as libc's, without libc: libc's pread sits on a text page nothing else at start runs, a
 * fault in half the new images that join the ring. Where the offset is one register (64-bit). */
static inline ssize_t fl_pread(int fd, void *buf, size_t len, off_t offset)
{
#if defined(SYS_pread64) && (defined(__x86_64__) || defined(__aarch64__))
        long rc = fl_raw_syscall(SYS_pread64, fd, buf, len, offset);

        if (rc < 0) {
                errno = (int)-rc;
                return -1;
        }
        return rc;
#else
        return pread(fd, buf, len, offset);
#endif
}

#endif
