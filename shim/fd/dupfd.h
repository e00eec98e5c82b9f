/* The close-on-exec duplicate behind dup() and fcntl(F_DUPFD): F_DUPFD_CLOEXEC, or, when the kernel
 * refuses it (Linux < 2.6.24 answers EINVAL), F_DUPFD + FD_CLOEXEC under the read side of the fork
 * lock. The refusal is remembered like socket's. */
#ifndef FL_DUPFD_H
#define FL_DUPFD_H

#include <stdbool.h>

#include "shim.h"

/* *decision: FL_DEC_ATOMIC, FL_DEC_FALLBACK or FL_DEC_REMEMBERED_FALLBACK. */
int fl_dupfd_cloexec(struct fl_shim *shim, int fd, int min_fd, enum fl_decision *decision);

/* Whether a duplicate of fd is forklock's to make close-on-exec. In scope sockets only a socket's
 * is: a dup'd pipe or file is the program's own business (bash's {fd}>&1 hands the number to
 * children). Unknown (fstat failed): not a socket, the kernel will answer the call itself. In
 * scope all every fd's is, as in Go, where only dup2/dup3 targets and ExtraFiles cross exec.
 * Keeps errno. */
bool fl_dupfd_in_scope(const struct fl_shim *shim, int fd);

/* Notes a successful duplicate of fd as new_fd in the fdtable: it shares fd's socket, options and
 * address. forced: close-on-exec was added by forklock; intent: the program made new_fd
 * inheritable on purpose (dup2, dup3 without O_CLOEXEC). Keeps errno. */
void fl_dupfd_note(int fd, int new_fd, enum fl_call call, uint64_t seq, bool forced, bool intent);

#endif
