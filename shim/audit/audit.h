/* The audit of fds crossing exec, from both sides.
 *
 * Parent's side (fl_audit_exec, called by the exec and spawn wrappers after fl_image_begin): one
 * FL_AUDIT_ARGV record (the argv), then one record per fd >= 3 that will survive into the new
 * image, PASSED with the reason or LEAK as the parent sees it. In enforce mode, an fd named by a
 * hand-over convention of the new image's environment (LISTEN_FDS for this pid, NGINX,
 * FORKLOCK_INHERIT) that only forklock made close-on-exec gets its FD_CLOEXEC cleared, exec
 * only, so the program's own hand-over keeps working.
 *
 * Child's side (fl_audit_start, from the constructor of every new image): an FL_CALL_START record,
 * then one FL_CALL_INHERIT record per inherited fd >= 3, LEAK or PASSED: passed when a convention
 * of this image's environment names it, or when the parent's records (the latest ARGV group of
 * this pid for exec, of the parent pid for spawn) said it was passed on purpose. A passed fd is
 * noted as intent in this image's fdtable, so it stays passed when this image execs on.
 *
 * FL_CALL_INHERIT records: fd, ino, aux = enum fl_audit_view, flags_asked = enum fl_pass_reason,
 * protocol = enum fl_fd_kind, flags_applied = enum fl_fd_state bits, family/type of a socket,
 * fd2 = local port (child and parent views) or the creating call (ARGV records), child_pid = the
 * parent pid (child view), text = the fd's description (addresses, path) or the argv.
 * FL_CALL_START: child_pid = parent pid, result = fds inherited, aux = leaks, text = AT_EXECFN.
 * Texts longer than a record are continued in FL_CALL_TEXT records (shim/ring/text_record.h).
 *
 * Async-signal-safe-ish: no malloc, no stdio, no fd kept open, bounded stack; errno kept. */
#ifndef FL_AUDIT_H
#define FL_AUDIT_H

#include <spawn.h>

#include "fd_list.h"
#include "ring.h"
#include "shim.h"

enum fl_audit_view { FL_AUDIT_CHILD = 1, FL_AUDIT_PARENT = 2, FL_AUDIT_ARGV = 3 };

/* The constructor's audit. ring: the process's ring (read for the parent's records). */
void fl_audit_start(struct fl_shim *shim, const struct fl_ring *ring, char *const envp[],
                    const char *program);

/* The parent's side, before exec (call FL_CALL_EXEC) or spawn (FL_CALL_POSIX_SPAWN, SYSTEM,
 * POPEN). argv may be NULL (popen: program is then the command). */
void fl_audit_exec(struct fl_shim *shim, enum fl_call call, const char *program, char *const argv[],
                   char *const envp[]);

/* posix_spawn: the dup2 targets of its file actions, after fl_audit_exec. */
void fl_audit_spawn_dup2s(struct fl_shim *shim, const posix_spawn_file_actions_t *actions);

/* Fills record->ino for calls that create fds (socket, socketpair, accept): the audit finds the
 * origin of an inherited fd by inode. socketpair's second end's inode goes in aux (low 32 bits).
 * Called while recording only. */
void fl_audit_note_ino(const struct fl_shim *shim, struct fl_record *record);

#endif
