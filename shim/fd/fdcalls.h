/* The fd calls that use or mark existing fds, beside the creating ones (cloexec.h): fcntl, ioctl's
 * FIONCLEX, the dup family, setsockopt, bind, listen and the close family. Each function behaves
 * like the libc call it stands for: a result, or -1 with errno set.
 *
 * What the records hold, beyond call/fd/result/err/decision:
 *   FL_CALL_FCNTL       flags_asked = the command asked, flags_applied = the command issued,
 *                       aux = the int argument, fd2 = a new fd (F_DUPFD*)
 *   FL_CALL_IOCTL       flags_asked = the request (FIONCLEX or FIOCLEX)
 *   FL_CALL_DUP*        fd2 = the new fd, flags_asked = dup3's flags, flags_applied = O_CLOEXEC
 *                       when the new fd is close-on-exec
 *   FL_CALL_SETSOCKOPT  protocol = level, aux = option name, type = the int value (when the value
 *                       is an int), text names a profile change
 *   FL_CALL_BIND        family, text = the address ("0.0.0.0:80", "[::]:80", "unix:/path")
 *   FL_CALL_LISTEN      flags_asked = the backlog asked, aux = the backlog passed to the kernel
 *   FL_CALL_CLOSE*      fd = first, fd2 = last (close_range), aux = close_range flags */
#ifndef FL_FDCALLS_H
#define FL_FDCALLS_H

#include <fcntl.h>
#include <stdbool.h>
#include <sys/ioctl.h>

#include "shim.h"

#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY 1027
#endif
#ifndef F_CREATED_QUERY
#define F_CREATED_QUERY 1028
#endif
#ifndef F_GET_RW_HINT
#define F_GET_RW_HINT      1035
#define F_SET_RW_HINT      1036
#define F_GET_FILE_RW_HINT 1037
#define F_SET_FILE_RW_HINT 1038
#endif

/* How fcntl's third argument is read, per command: the kernel's own list (fs/fcntl.c). */
enum fl_fcntl_arg { FL_FCNTL_ARG_NONE, FL_FCNTL_ARG_INT, FL_FCNTL_ARG_PTR, FL_FCNTL_ARG_UNKNOWN };

static inline enum fl_fcntl_arg fl_fcntl_arg_kind(int cmd)
{
        switch (cmd) {
        case F_GETFD:
        case F_GETFL:
        case F_GETOWN:
        case F_GETSIG:
        case F_GETLEASE:
        case F_GETPIPE_SZ:
        case F_GET_SEALS:
        case F_CREATED_QUERY:
                return FL_FCNTL_ARG_NONE;
        case F_DUPFD:
        case F_DUPFD_CLOEXEC:
        case F_SETFD:
        case F_SETFL:
        case F_SETOWN:
        case F_SETSIG:
        case F_SETLEASE:
        case F_NOTIFY:
        case F_SETPIPE_SZ:
        case F_ADD_SEALS:
        case F_DUPFD_QUERY:
                return FL_FCNTL_ARG_INT;
        case F_GETLK:
        case F_SETLK:
        case F_SETLKW:
#if F_GETLK64 != F_GETLK
        case F_GETLK64:
        case F_SETLK64:
        case F_SETLKW64:
#endif
        case F_OFD_GETLK:
        case F_OFD_SETLK:
        case F_OFD_SETLKW:
        case F_GETOWN_EX:
        case F_SETOWN_EX:
        case F_GET_RW_HINT:
        case F_SET_RW_HINT:
        case F_GET_FILE_RW_HINT:
        case F_SET_FILE_RW_HINT:
                return FL_FCNTL_ARG_PTR;
        default:
                return FL_FCNTL_ARG_UNKNOWN;
        }
}

/* The int commands the shim acts on; every other command is a pure pass-through. */
static inline bool fl_fcntl_watched(int cmd)
{
        return cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC || cmd == F_SETFD;
}

/* F_DUPFD, F_DUPFD_CLOEXEC and F_SETFD. */
int fl_fcntl_int(struct fl_shim *shim, int fd, int cmd, int arg);

/* ioctl's FIONCLEX and FIOCLEX: the same as F_SETFD 0 and F_SETFD FD_CLOEXEC. The kernel reads
 * the request as an unsigned int. */
static inline bool fl_ioctl_watched(unsigned long request)
{
        return (unsigned)request == FIONCLEX || (unsigned)request == FIOCLEX;
}

int fl_ioctl_cloexec(struct fl_shim *shim, int fd, unsigned long request, unsigned long arg);

int fl_dup(struct fl_shim *shim, int fd);
int fl_dup2(struct fl_shim *shim, int fd, int target);
int fl_dup3(struct fl_shim *shim, int fd, int target, int flags);

int fl_setsockopt(struct fl_shim *shim, int fd, int level, int name, const void *value,
                  socklen_t len);
int fl_bind(struct fl_shim *shim, int fd, const struct sockaddr *addr, socklen_t len);
int fl_listen(struct fl_shim *shim, int fd, int backlog);

int fl_close(struct fl_shim *shim, int fd);
int fl_close_range(struct fl_shim *shim, unsigned first, unsigned last, int flags);
void fl_closefrom(struct fl_shim *shim, int first);

/* Called by cloexec.c after a created fd was recorded (seq: that record): notes the
 * fd(s) in the fdtable and applies the go profile's options at creation. */
void fl_fdcall_created(struct fl_shim *shim, const struct fl_record *record, uint64_t seq);

/* Records one of these calls: fills result and err (from errno), decides, keeps errno. Returns the
 * record's seq. */
uint64_t fl_fdcall_record(struct fl_shim *shim, struct fl_record *record, int result,
                          enum fl_decision decision);

#endif
