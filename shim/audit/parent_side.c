/* The parent's side of exec: the argv, then every fd that will cross, passed or leaked, and the
 * hand-over of convention fds (audit.h). */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>

#include "audit_record.h"
#include "errno_keep.h"
#include "fdinfo.h"
#include "fdtable.h"
#include "ids.h"
#include "inherit.h"
#include "raw_syscall.h"
#include "safecopy.h"
#include "spawn_actions.h"

/* The argv as a label: bounded, so that the exec path's stack stays small. */
#define ARGV_TEXT 512

static void join_argv(char *text, const char *program, char *const argv[])
{
        size_t used = 0;

        text[0] = '\0';
        if (!argv) {
                fl_safe_copy_string(text, ARGV_TEXT, program);
                return;
        }
        for (size_t i = 0; argv[i] && used + 1 < ARGV_TEXT; i++) {
                if (i > 0)
                        text[used++] = ' ';
                used += fl_safe_copy_string(text + used, ARGV_TEXT - used, argv[i]);
        }
}

static bool only_forklock_marked(const struct fl_shim *shim, int fd)
{
        struct fl_fd_info info;

        return fl_fdtable_verify(shim->sys, fd, &info) && (info.flags & FL_FD_CLOEXEC_FORCED);
}

static bool has_intent(const struct fl_shim *shim, int fd)
{
        struct fl_fd_info info;

        return fl_fdtable_verify(shim->sys, fd, &info) && (info.flags & FL_FD_INTENT);
}

/* The hand-over: an fd that a convention of the new image names (inherit.h) and
 * that only forklock made close-on-exec is made inheritable again, for an
 * exec in enforce mode, so that the program's own hand-over keeps working. True when fd now
 * crosses. */
static bool hand_over(struct fl_shim *shim, enum fl_call call, enum fl_pass_reason reason, int fd,
                      int flags)
{
        if (reason == FL_PASS_NONE || call != FL_CALL_EXEC ||
            shim->config.mode != FL_MODE_ENFORCE || !only_forklock_marked(shim, fd))
                return false;
        return shim->sys->fcntl_int(fd, F_SETFD, flags & ~FD_CLOEXEC) >= 0;
}

/* An fd that crosses, or that a convention may hand over: described and recorded. Its own frame
 * (the description is 4 KiB): the common case, a close-on-exec fd, never reaches it, and a fork
 * child's stack then stays on the pages it shares with its parent. */
static __attribute__((noinline)) void audit_parent_crossing(struct fl_shim *shim, enum fl_call call,
                                                            const struct fl_inherit_env *env,
                                                            pid_t pid, int fd, int flags)
{
        struct fl_fdinfo info;
        struct fl_record record;
        enum fl_pass_reason reason;

        if (fl_fdinfo_describe(fd, &info) < 0)
                return;
        reason = fl_inherit_convention(env, call == FL_CALL_EXEC ? pid : 0, fd, info.type,
                                       info.local_port);
        if ((flags & FD_CLOEXEC) && !hand_over(shim, call, reason, fd, flags))
                return;
        if (reason == FL_PASS_NONE && has_intent(shim, fd))
                reason = FL_PASS_INTENT;
        fl_audit_fill_fd_record(&record, fd, &info, FL_AUDIT_PARENT, reason);
        fl_audit_emit_raw_ids(shim, &record, reason == FL_PASS_NONE ? FL_DEC_LEAK : FL_DEC_PASSED,
                              info.text);
}

/* One fd at exec: does it survive, and why. Most fds are close-on-exec and named by no
 * convention: they are not described, which would cost several syscalls each on every exec. The
 * flags come from the kernel itself, as the listing does (fd_list.c): libc's fcntl would be one
 * more text page in the fork child. */
static void audit_parent_fd(struct fl_shim *shim, enum fl_call call,
                            const struct fl_inherit_env *env, pid_t pid, int fd)
{
        int flags = (int)fl_raw_syscall(SYS_fcntl, fd, F_GETFD);

        if (flags < 0 || ((flags & FD_CLOEXEC) && !fl_inherit_names_any(env)))
                return;
        audit_parent_crossing(shim, call, env, pid, fd, flags);
}

struct parent_scan {
        struct fl_shim *shim;
        enum fl_call call;
        const struct fl_inherit_env *env;
        pid_t pid;
};

static void audit_parent_each(int fd, void *ctx)
{
        const struct parent_scan *scan = ctx;

        audit_parent_fd(scan->shim, scan->call, scan->env, scan->pid, fd);
}

void fl_audit_exec(struct fl_shim *shim, enum fl_call call, const char *program, char *const argv[],
                   char *const envp[])
{
        struct fl_inherit_env env;
        struct fl_record record;
        char text[ARGV_TEXT];
        struct parent_scan scan = {shim, call, &env, fl_ids_pid()};
        int saved = errno;

        if (shim->config.mode == FL_MODE_OFF || !shim->emit)
                return;
        fl_inherit_from_envp(&env, envp);
        memset(&record, 0, sizeof(record));
        record.call = FL_CALL_INHERIT;
        record.aux = FL_AUDIT_ARGV;
        record.fd = -1;
        record.fd2 = call;
        record.result = -1;
        join_argv(text, program, argv);
        fl_audit_emit_raw_ids(shim, &record, FL_DEC_NONE, text);
        fl_audit_each_fd(audit_parent_each, &scan);
        fl_errno_keep(saved);
}

/* posix_spawn's dup2 file actions: each target is handed over on purpose, with the inode of its
 * source. Part of the ARGV group just written, so the new image matches them by fd and inode. */
void fl_audit_spawn_dup2s(struct fl_shim *shim, const posix_spawn_file_actions_t *actions)
{
        struct fl_spawn_dup2 dup2s[FL_SPAWN_ACTIONS_MAX];
        int n, saved = errno;

        if (shim->config.mode == FL_MODE_OFF || !shim->emit || !actions)
                return;
        n = fl_spawn_actions_dup2s(actions, dup2s, FL_SPAWN_ACTIONS_MAX);
        for (int i = 0; i < n; i++) {
                struct fl_fdinfo info;
                struct fl_record record;

                if (fl_fdinfo_describe(dup2s[i].fd, &info) < 0)
                        continue;
                fl_audit_fill_fd_record(&record, dup2s[i].newfd, &info, FL_AUDIT_PARENT,
                                        FL_PASS_SPAWN_DUP2);
                fl_audit_emit_raw_ids(shim, &record, FL_DEC_PASSED, info.text);
        }
        errno = saved;
}
