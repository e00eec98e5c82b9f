/* Force-included (-include) into every file of the musl build of the library, and only there:
 * what glibc declares and musl does not, so that the sources stay free of libc conditionals.
 * Nothing here is exported: a musl program resolves the library against musl alone, so the
 * library must not need a symbol only glibc defines (strerrorname_np, __register_atfork,
 * __pthread_register_cancel: the last two come from glibc's headers, absent here). */
#ifndef FL_MUSL_COMPAT_H
#define FL_MUSL_COMPAT_H

#include <errno.h>
#include <stddef.h>

struct timespec;

/* glibc 2.32+: the errno's macro name. The names the ring's warnings use; others read "unknown". */
static inline const char *fl_musl_strerrorname_np(int err)
{
#define FL_ERRNO_NAME(e)                                                                           \
        case e:                                                                                    \
                return #e;
        switch (err) {
                FL_ERRNO_NAME(EPERM)
                FL_ERRNO_NAME(ENOENT)
                FL_ERRNO_NAME(EINTR)
                FL_ERRNO_NAME(EIO)
                FL_ERRNO_NAME(E2BIG)
                FL_ERRNO_NAME(EBADF)
                FL_ERRNO_NAME(EAGAIN)
                FL_ERRNO_NAME(ENOMEM)
                FL_ERRNO_NAME(EACCES)
                FL_ERRNO_NAME(EFAULT)
                FL_ERRNO_NAME(EBUSY)
                FL_ERRNO_NAME(EEXIST)
                FL_ERRNO_NAME(EXDEV)
                FL_ERRNO_NAME(ENOTDIR)
                FL_ERRNO_NAME(EISDIR)
                FL_ERRNO_NAME(EINVAL)
                FL_ERRNO_NAME(ENFILE)
                FL_ERRNO_NAME(EMFILE)
                FL_ERRNO_NAME(EFBIG)
                FL_ERRNO_NAME(ENOSPC)
                FL_ERRNO_NAME(EROFS)
                FL_ERRNO_NAME(ERANGE)
                FL_ERRNO_NAME(ENAMETOOLONG)
                FL_ERRNO_NAME(ENOSYS)
                FL_ERRNO_NAME(ELOOP)
                FL_ERRNO_NAME(EOVERFLOW)
                FL_ERRNO_NAME(ENOTSOCK)
                FL_ERRNO_NAME(EPROTONOSUPPORT)
                FL_ERRNO_NAME(EOPNOTSUPP)
                FL_ERRNO_NAME(EAFNOSUPPORT)
                FL_ERRNO_NAME(EADDRINUSE)
                FL_ERRNO_NAME(ECONNREFUSED)
                FL_ERRNO_NAME(ETIMEDOUT)
        }
#undef FL_ERRNO_NAME
        return NULL;
}
#define strerrorname_np fl_musl_strerrorname_np

/* glibc's <sys/wait.h> macro. */
#ifndef W_EXITCODE
#define W_EXITCODE(ret, sig) ((ret) << 8 | (sig))
#endif

/* Wrapped by the library; musl 1.2.3 has no declaration (or, for recvmmsg, an unsigned flags:
 * preload/recvmsg.c keeps glibc's form, the same register either way). */
int close_range(unsigned first, unsigned last, int flags);
void closefrom(int first);
int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags);

#endif
