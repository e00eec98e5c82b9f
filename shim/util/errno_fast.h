/* errno without a call into libc. glibc's errno (a thread-local variable of libc, in the static TLS
 * block) and musl's (a field of the thread descriptor) sit at one fixed offset from the thread
 * pointer in every thread, which is all __errno_location computes. The library measures that
 * offset once at start (fl_errno_fast_start) and then reads and writes errno there itself: the
 * wrappers save and restore errno on every path, and in a fork child on its way to exec,
 * __errno_location's text page would be one more page fault. Until the offset is known, and where
 * the compiler cannot read the thread pointer, it is libc's __errno_location.
 *
 * Every object of the library is compiled with this header included first (-include, Makefile),
 * so that `errno` means this everywhere in shim/ and preload/. */
#ifndef FL_ERRNO_FAST_H
#define FL_ERRNO_FAST_H
#ifndef __ASSEMBLER__ /* included into the assembly sources too (-include) */

#include <errno.h>

#if defined(__has_builtin)
#if __has_builtin(__builtin_thread_pointer) &&                                                     \
    (defined(__x86_64__) || defined(__i386__) || defined(__aarch64__))
#define FL_ERRNO_FAST 1
#endif
#endif

#ifdef FL_ERRNO_FAST
/* 0 until measured: errno is never at the thread pointer itself (the thread descriptor's first
 * word is there on x86, the TCB on aarch64). */
extern long fl_errno_offset __attribute__((visibility("hidden")));

static inline __attribute__((always_inline)) int *fl_errno_location(void)
{
        long offset = __atomic_load_n(&fl_errno_offset, __ATOMIC_RELAXED);

        if (__builtin_expect(offset != 0, 1))
                return (int *)((char *)__builtin_thread_pointer() + offset);
        return __errno_location();
}

#undef errno
#define errno (*fl_errno_location())
#else
static inline __attribute__((always_inline)) int *fl_errno_location(void)
{
        return __errno_location();
}
#endif

/* Measures the offset: from the library's start, on any thread. */
void fl_errno_fast_start(void);

#endif
#endif
