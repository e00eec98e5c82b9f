/* The exec-time safety net of scope all: right before a new image starts, every fd >= 3 that is
 * not passed on purpose becomes close-on-exec, whatever created it (a raw syscall, glibc's
 * internal opens, another preload, an fd inherited before forklock started).
 *
 * Passed on purpose: an fd the program left inheritable with intent (dup2/dup3 target, F_SETFD 0,
 * FIONCLEX: FL_FD_INTENT in the fdtable) or one a hand-over convention of the new image's
 * environment names (inherit.h). Fds already close-on-exec are never looked at twice.
 *
 * One listing of /proc/self/fd finds the fds that would cross; when none would leak, that is the
 * whole cost. Then close_range(CLOSE_RANGE_CLOEXEC) (Linux 5.11) once per gap between the passed
 * fds, or, where the kernel refuses it, F_SETFD fd by fd. Safe in a vfork child: it writes only
 * its own stack, the fd table the child already owns and the shared ring. errno is kept.
 *
 * Each fd it marks is recorded (FL_CALL_EXEC_NET, FL_DEC_EXEC_NET: "exec net: made close-on-exec
 * before exec"), with its kind, inode and the start of its path; past the first 64 in one exec,
 * one record gives the count and range of the rest, so a program with thousands of fds does not
 * flush the ring at each exec. Nothing is recorded when nothing was marked. */
#ifndef FL_EXEC_NET_H
#define FL_EXEC_NET_H

#include "shim.h"

/* Scope all in enforce mode only; envp is the new image's environment (NULL: empty). */
void fl_exec_net(struct fl_shim *shim, char *const envp[]);

#endif
