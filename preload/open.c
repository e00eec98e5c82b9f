/* open and its variants: scope all adds O_CLOEXEC (shim/fd/create.h); scope sockets calls the next
 * definition untouched. The mode is read only when the flags say the caller passed one. */
#undef _FORTIFY_SOURCE
#include <fcntl.h>
#include <stdarg.h>

#include "create.h"
#include "export.h"
#include "process.h"
#include "real.h"

/* glibc declares these only under _FORTIFY_SOURCE, and posix_openpt/getpt in stdlib.h. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
int posix_openpt(int flags);
int getpt(void);

#define MODE_ARG(flags, last)                                                                      \
        mode_t mode = 0;                                                                           \
        if (__OPEN_NEEDS_MODE(flags)) {                                                            \
                va_list ap;                                                                        \
                va_start(ap, last);                                                                \
                mode = va_arg(ap, mode_t);                                                         \
                va_end(ap);                                                                        \
        }

static int scoped_open(struct fl_shim *shim, int dirfd, const char *path, int flags, mode_t mode)
{
        int saved = errno;
        int fd = fl_openat(shim, dirfd, path, flags, mode);

        fl_keep_errno_unless_failed(fd, saved);
        return fd;
}

FL_EXPORT int open(const char *path, int flags, ...)
{
        struct fl_shim *shim = fl_process();
        MODE_ARG(flags, flags)

        if (!fl_scope_all(shim))
                return fl_real_open()(path, flags, mode);
        return scoped_open(shim, AT_FDCWD, path, flags, mode);
}

FL_EXPORT int open64(const char *path, int flags, ...)
{
        struct fl_shim *shim = fl_process();
        MODE_ARG(flags, flags)

        if (!fl_scope_all(shim))
                return fl_real_open64()(path, flags, mode);
        return scoped_open(shim, AT_FDCWD, path, flags, mode);
}

FL_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
        struct fl_shim *shim = fl_process();
        MODE_ARG(flags, flags)

        if (!fl_scope_all(shim))
                return fl_real_openat()(dirfd, path, flags, mode);
        return scoped_open(shim, dirfd, path, flags, mode);
}

FL_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
        struct fl_shim *shim = fl_process();
        MODE_ARG(flags, flags)

        if (!fl_scope_all(shim))
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
