/* open and its variants: scope all adds O_CLOEXEC (shim/fd/create.h); scope sockets calls the next
 * definition untouched, a few instructions and a tail call.
 *
 * The mode is used only when the flags say the caller passed one (O_CREAT, O_TMPFILE). As in
 * fcntl.c, on x86_64 and aarch64 (Linux ABI) a variadic argument travels in the same register as a
 * named one, so the exported functions take it named: no va_list spills on the pass-through, and
 * the register is passed on as it came. Elsewhere the portable va_list form reads it. */
#undef _FORTIFY_SOURCE
#define open     fl_libc_declares_open
#define open64   fl_libc_declares_open64
#define openat   fl_libc_declares_openat
#define openat64 fl_libc_declares_openat64
#include <fcntl.h>
#undef open
#undef open64
#undef openat
#undef openat64
#include <stdarg.h>

#include "create.h"
#include "export.h"
#include "process.h"
#include "real.h"

/* musl's headers spell the large-file names as macros for the plain ones (and lack glibc's
 * __OPEN_NEEDS_MODE): undo and supply them, so that the musl build defines both names too. */
#ifndef __GLIBC__
#undef open64
#undef openat64
#undef creat64
int creat64(const char *path, mode_t mode);
#endif
#ifndef __OPEN_NEEDS_MODE
#define __OPEN_NEEDS_MODE(flags) (((flags)&O_CREAT) || ((flags)&O_TMPFILE) == O_TMPFILE)
#endif

/* glibc declares these only under _FORTIFY_SOURCE, and posix_openpt/getpt in stdlib.h. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
int posix_openpt(int flags);
int getpt(void);

__attribute__((noinline)) static int scoped_open(struct fl_shim *shim, int dirfd, const char *path,
                                                 int flags, mode_t mode)
{
        int saved = errno;
        int fd = fl_openat(shim, dirfd, path, flags, __OPEN_NEEDS_MODE(flags) ? mode : 0);

        fl_keep_errno_unless_failed(fd, saved);
        return fd;
}

#if defined(__x86_64__) || defined(__aarch64__)
#define MODE_PARAM             , unsigned long mode_arg
#define MODE_READ(flags, last) mode_t mode = (mode_t)mode_arg;
#else
#define MODE_PARAM , ...
#define MODE_READ(flags, last)                                                                     \
        mode_t mode = 0;                                                                           \
        if (__OPEN_NEEDS_MODE(flags)) {                                                            \
                va_list ap;                                                                        \
                va_start(ap, last);                                                                \
                mode = va_arg(ap, mode_t);                                                         \
                va_end(ap);                                                                        \
        }
#endif

int open(const char *path, int flags MODE_PARAM);
int open64(const char *path, int flags MODE_PARAM);
int openat(int dirfd, const char *path, int flags MODE_PARAM);
int openat64(int dirfd, const char *path, int flags MODE_PARAM);

FL_EXPORT int open(const char *path, int flags MODE_PARAM)
{
        struct fl_shim *shim = fl_process();
        MODE_READ(flags, flags)

        if (__builtin_expect(!fl_scope_all(shim), 1))
                return fl_real_open()(path, flags, mode);
        return scoped_open(shim, AT_FDCWD, path, flags, mode);
}

FL_EXPORT int open64(const char *path, int flags MODE_PARAM)
{
        struct fl_shim *shim = fl_process();
        MODE_READ(flags, flags)

        if (__builtin_expect(!fl_scope_all(shim), 1))
                return fl_real_open64()(path, flags, mode);
        return scoped_open(shim, AT_FDCWD, path, flags, mode);
}

FL_EXPORT int openat(int dirfd, const char *path, int flags MODE_PARAM)
{
        struct fl_shim *shim = fl_process();
        MODE_READ(flags, flags)

        if (__builtin_expect(!fl_scope_all(shim), 1))
                return fl_real_openat()(dirfd, path, flags, mode);
        return scoped_open(shim, dirfd, path, flags, mode);
}

FL_EXPORT int openat64(int dirfd, const char *path, int flags MODE_PARAM)
{
        struct fl_shim *shim = fl_process();
        MODE_READ(flags, flags)

        if (__builtin_expect(!fl_scope_all(shim), 1))
                return fl_real_openat64()(dirfd, path, flags, mode);
        return scoped_open(shim, dirfd, path, flags, mode);
}

FL_EXPORT int creat(const char *path, mode_t mode)
{
        struct fl_shim *shim = fl_process();

        if (!fl_scope_all(shim))
                return fl_real_creat()(path, mode);
        return scoped_open(shim, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

FL_EXPORT int creat64(const char *path, mode_t mode)
{
        struct fl_shim *shim = fl_process();

        if (!fl_scope_all(shim))
                return fl_real_creat64()(path, mode);
        return scoped_open(shim, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

/* The _FORTIFY_SOURCE entry points: O_CREAT or O_TMPFILE without a mode is glibc's to abort on. */
FL_EXPORT int __open_2(const char *path, int flags)
{
        struct fl_shim *shim = fl_process();

        if (!fl_scope_all(shim) || __OPEN_NEEDS_MODE(flags))
                return fl_real___open_2()(path, flags);
        return scoped_open(shim, AT_FDCWD, path, flags, 0);
}

FL_EXPORT int __open64_2(const char *path, int flags)
{
        struct fl_shim *shim = fl_process();

        if (!fl_scope_all(shim) || __OPEN_NEEDS_MODE(flags))
                return fl_real___open64_2()(path, flags);
        return scoped_open(shim, AT_FDCWD, path, flags, 0);
}

FL_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
        struct fl_shim *shim = fl_process();

        if (!fl_scope_all(shim) || __OPEN_NEEDS_MODE(flags))
                return fl_real___openat_2()(dirfd, path, flags);
        return scoped_open(shim, dirfd, path, flags, 0);
}

FL_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
        struct fl_shim *shim = fl_process();

        if (!fl_scope_all(shim) || __OPEN_NEEDS_MODE(flags))
                return fl_real___openat64_2()(dirfd, path, flags);
        return scoped_open(shim, dirfd, path, flags, 0);
}

FL_EXPORT int posix_openpt(int flags)
{
        struct fl_shim *shim = fl_process();
        int saved = errno, fd;

        if (!fl_scope_all(shim))
                return fl_real_posix_openpt()(flags);
        fd = fl_posix_openpt(shim, flags);
        fl_keep_errno_unless_failed(fd, saved);
        return fd;
}

/* glibc's getpt is posix_openpt(O_RDWR | O_NOCTTY). */
FL_EXPORT int getpt(void)
{
        struct fl_shim *shim = fl_process();
        int saved = errno, fd;

        if (!fl_scope_all(shim))
                return fl_real_getpt()();
        fd = fl_posix_openpt(shim, O_RDWR | O_NOCTTY);
        fl_keep_errno_unless_failed(fd, saved);
        return fd;
}
