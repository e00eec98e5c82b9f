#include "audit.h"
#include "ids.h"
#include "spawn_actions.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdinfo.h"
#include "fdtable.h"
#include "inherit.h"
#include "ring_reader.h"
#include "safecopy.h"

struct dirent64_head {
        uint64_t ino;
        int64_t off;
        unsigned short reclen;
        unsigned char type;
        char name[];
};

static int parse_fd_name(const char *name)
{
        int fd = 0;

        if (!*name)
                return -1;
        for (; *name; name++) {
                if (*name < '0' || *name > '9' || fd > 100000000)
                        return -1;
                fd = fd * 10 + (*name - '0');
        }
        return fd;
}

static void insert_sorted(int *fds, int *n, int fd)
{
        int i = *n;

        while (i > 0 && fds[i - 1] > fd) {
                fds[i] = fds[i - 1];
                i--;
        }
        fds[i] = fd;
        (*n)++;
}

/* Raw syscalls: the library's own open/close wrappers must not see (or record) the listing. */
static int list_from_proc(int *fds, int max)
{
        char buf[2048];
        int n = 0;
        long got;
        int dir =
            (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (dir < 0)
                return -1;
        while ((got = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
                for (long pos = 0; pos < got;) {
                        const struct dirent64_head *d = (const void *)(buf + pos);
                        int fd = parse_fd_name(d->name);

                        pos += d->reclen;
                        if (fd >= 3 && fd != dir && n < max)
                                insert_sorted(fds, &n, fd);
                }
        }
        syscall(SYS_close, dir);
        return got < 0 ? -1 : n;
}

int fl_audit_list_fds(int *fds, int max)
{
        int saved = errno;
        int n = list_from_proc(fds, max);

        if (n < 0) {
                n = 0;
                for (int fd = 3; fd < FL_AUDIT_SCAN_MAX && n < max; fd++)
                        if (syscall(SYS_fcntl, fd, F_GETFD) >= 0)
                                fds[n++] = fd;
        }
        errno = saved;
        return n;
}

static void fill_fd_record(struct fl_record *record, int fd, const struct fl_fdinfo *info,
                           enum fl_audit_view view, enum fl_pass_reason reason)
{
        memset(record, 0, sizeof(*record));
        record->call = FL_CALL_INHERIT;
        record->fd = fd;
        record->ino = info->ino;
        record->aux = view;
        record->flags_asked = reason;
        record->protocol = info->kind;
        record->flags_applied = info->state;
        record->family = info->family;
        record->type = info->type;
        record->fd2 = info->local_port;
        record->result = -1;
        memcpy(record->text, info->text, sizeof(record->text));
}

/* ---- the parent's side ---- */

static void join_argv(char *text, const char *program, char *const argv[])
{
        size_t used = 0;

        text[0] = '\0';
        if (!argv) {
                fl_safe_copy_string(text, FL_RECORD_TEXT, program);
                return;
        }
        for (size_t i = 0; argv[i] && used + 1 < FL_RECORD_TEXT; i++) {
                if (i > 0)
                        text[used++] = ' ';
                used += fl_safe_copy_string(text + used, FL_RECORD_TEXT - used, argv[i]);
        }
}

static void emit_raw_ids(struct fl_shim *shim, struct fl_record *record, enum fl_decision decision)
{
        /* Ids now, not when emit fills them: the exec that follows may be a vfork child's, and
         * fl_ids asks the kernel while one may run. */
        record->pid = (int32_t)fl_ids_pid();
        record->tid = (int32_t)fl_ids_tid();
        fl_shim_decide(shim, record, decision);
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

/* One fd at exec: does it survive, and why. Clears forklock's own mark on convention fds. */
static bool names_any_fd(const struct fl_inherit_env *env)
{
        return env->listen_fds || env->nginx || env->forklock_inherit;
}

static void audit_parent_fd(struct fl_shim *shim, enum fl_call call,
                            const struct fl_inherit_env *env, pid_t pid, int fd)
{
        struct fl_fdinfo info;
        struct fl_record record;
        enum fl_pass_reason reason;
        int flags = shim->sys->fcntl_int(fd, F_GETFD, 0);

        /* Most fds are close-on-exec and named by no convention: skip describing them, which
         * would cost several syscalls each on every exec. */
        if (flags < 0 || ((flags & FD_CLOEXEC) && !names_any_fd(env)) ||
            fl_fdinfo_describe(fd, &info) < 0)
                return;
        reason = fl_inherit_convention(env, call == FL_CALL_EXEC ? pid : 0, fd, info.type,
                                       info.local_port);
        if (flags & FD_CLOEXEC) {
                if (reason == FL_PASS_NONE || call != FL_CALL_EXEC ||
                    shim->config.mode != FL_MODE_ENFORCE || !only_forklock_marked(shim, fd) ||
                    shim->sys->fcntl_int(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
                        return;
        }
        if (reason == FL_PASS_NONE && has_intent(shim, fd))
                reason = FL_PASS_INTENT;
        fill_fd_record(&record, fd, &info, FL_AUDIT_PARENT, reason);
        emit_raw_ids(shim, &record, reason == FL_PASS_NONE ? FL_DEC_LEAK : FL_DEC_PASSED);
}

void fl_audit_exec(struct fl_shim *shim, enum fl_call call, const char *program, char *const argv[],
                   char *const envp[])
{
        struct fl_inherit_env env;
        struct fl_record record;
        int fds[FL_AUDIT_MAX_FDS];
        int n, saved = errno;
        pid_t pid = fl_ids_pid();

        if (shim->config.mode == FL_MODE_OFF || !shim->emit)
                return;
        fl_inherit_from_envp(&env, envp);
        memset(&record, 0, sizeof(record));
        record.call = FL_CALL_INHERIT;
        record.aux = FL_AUDIT_ARGV;
        record.fd = -1;
        record.fd2 = call;
        record.result = -1;
        join_argv(record.text, program, argv);
        emit_raw_ids(shim, &record, FL_DEC_NONE);
        n = fl_audit_list_fds(fds, FL_AUDIT_MAX_FDS);
        for (int i = 0; i < n; i++)
                audit_parent_fd(shim, call, &env, pid, fds[i]);
        errno = saved;
}

/* posix_spawn's dup2 file actions: each target is handed over on purpose, with the inode of its
 * source. Part of the ARGV group just written, so the new image matches them by fd and inode. */
void fl_audit_spawn_dup2s(struct fl_shim *shim, const void *actions)
{
        struct fl_spawn_dup2 dup2s[FL_AUDIT_MAX_FDS];
        int n, saved = errno;

        if (shim->config.mode == FL_MODE_OFF || !shim->emit || !actions)
                return;
        n = fl_spawn_actions_dup2s(actions, dup2s, FL_AUDIT_MAX_FDS);
        for (int i = 0; i < n; i++) {
                struct fl_fdinfo info;
                struct fl_record record;

                if (fl_fdinfo_describe(dup2s[i].fd, &info) < 0)
                        continue;
                fill_fd_record(&record, dup2s[i].newfd, &info, FL_AUDIT_PARENT, FL_PASS_SPAWN_DUP2);
                emit_raw_ids(shim, &record, FL_DEC_PASSED);
        }
        errno = saved;
}

/* ---- the child's side ---- */

struct parent_view {
        int n;
        struct {
                int fd;
                uint8_t decision, reason;
                uint64_t ino;
        } fds[FL_AUDIT_MAX_FDS];
};

static bool starts_group(const struct fl_record *r, pid_t self, pid_t parent)
{
        if (r->call != FL_CALL_INHERIT || r->aux != FL_AUDIT_ARGV)
                return false;
        return r->fd2 == FL_CALL_EXEC ? r->pid == self : r->pid == parent;
}

/* The latest ARGV group that started this image: an exec by this pid, or a spawn by the parent. */
static void read_parent_view(const struct fl_ring *ring, pid_t self, pid_t parent,
                             struct parent_view *view)
{
        struct fl_ring_reader reader;
        struct fl_record r;
        int32_t gpid = 0, gtid = 0;

        view->n = 0;
        if (!ring->hdr || fl_ring_reader_attach(&reader, ring) < 0)
                return;
        while (fl_ring_reader_next(&reader, &r) == 1) {
                if (starts_group(&r, self, parent)) {
                        gpid = r.pid;
                        gtid = r.tid;
                        view->n = 0;
                } else if (r.call == FL_CALL_INHERIT && r.aux == FL_AUDIT_PARENT && gpid &&
                           r.pid == gpid && r.tid == gtid && view->n < FL_AUDIT_MAX_FDS) {
                        view->fds[view->n].fd = r.fd;
                        view->fds[view->n].decision = r.decision;
                        view->fds[view->n].reason = (uint8_t)r.flags_asked;
                        view->fds[view->n].ino = r.ino;
                        view->n++;
                }
        }
        fl_ring_reader_close(&reader);
}

static enum fl_pass_reason parent_said(const struct parent_view *view, int fd, uint64_t ino)
{
        for (int i = view->n - 1; i >= 0; i--)
                if (view->fds[i].fd == fd && view->fds[i].ino == ino)
                        return view->fds[i].decision == FL_DEC_PASSED ? view->fds[i].reason
                                                                      : FL_PASS_NONE;
        return FL_PASS_NONE;
}

static void keep_passing(int fd, uint64_t ino)
{
        struct fl_fd_info info;

        memset(&info, 0, sizeof(info));
        info.flags = FL_FD_INTENT;
        info.ino = ino;
        fl_fdtable_set(fd, &info);
}

static void emit_start(struct fl_shim *shim, const char *program, pid_t parent, int inherited)
{
        struct fl_record record;

        memset(&record, 0, sizeof(record));
        record.call = FL_CALL_START;
        record.fd = -1;
        record.fd2 = -1;
        record.child_pid = parent;
        record.result = inherited;
        fl_safe_copy_string(record.text, sizeof(record.text), program ? program : "");
        fl_shim_decide(shim, &record, FL_DEC_NONE);
}

static void audit_child_fds(struct fl_shim *shim, const struct fl_ring *ring, char *const envp[],
                            const int *fds, int n, pid_t self, pid_t parent)
{
        static struct parent_view view; /* constructor only: one thread */
        struct fl_inherit_env env;

        fl_inherit_from_envp(&env, envp);
        read_parent_view(ring, self, parent, &view);
        for (int i = 0; i < n; i++) {
                struct fl_fdinfo info;
                struct fl_record record;
                enum fl_pass_reason reason;

                /* exec closed every close-on-exec fd: one marked now was opened after it, by
                 * a constructor that ran before this one (libcap's, in systemd's tools). */
                if ((shim->sys->fcntl_int(fds[i], F_GETFD, 0) & FD_CLOEXEC) ||
                    fl_fdinfo_describe(fds[i], &info) < 0)
                        continue;
                reason = fl_inherit_convention(&env, self, fds[i], info.type, info.local_port);
                if (reason == FL_PASS_NONE)
                        reason = parent_said(&view, fds[i], info.ino);
                if (reason != FL_PASS_NONE)
                        keep_passing(fds[i], info.ino);
                fill_fd_record(&record, fds[i], &info, FL_AUDIT_CHILD, reason);
                record.child_pid = parent;
                fl_shim_decide(shim, &record, reason == FL_PASS_NONE ? FL_DEC_LEAK : FL_DEC_PASSED);
        }
}

void fl_audit_start(struct fl_shim *shim, const struct fl_ring *ring, char *const envp[],
                    const char *program)
{
        int fds[FL_AUDIT_MAX_FDS];
        int n, saved = errno;
        pid_t self = fl_ids_pid(), parent = (pid_t)syscall(SYS_getppid);

        if (shim->config.mode == FL_MODE_OFF)
                return;
        n = fl_audit_list_fds(fds, FL_AUDIT_MAX_FDS);
        /* START comes first, so that readers know the program of the records that follow. With
         * no inherited fd (the common case) this is the whole cost: a listing and one record. */
        emit_start(shim, program, parent, n);
        if (n > 0)
                audit_child_fds(shim, ring, envp, fds, n, self, parent);
        errno = saved;
}

void fl_audit_note_ino(const struct fl_shim *shim, struct fl_record *record)
{
        struct stat st;
        int saved = errno;
        int fd = -1;

        if (record->result < 0 || record->ino != 0 || !shim->sys->fstat)
                return;
        if (record->call == FL_CALL_SOCKET || record->call == FL_CALL_SOCKETPAIR)
                fd = record->fd;
        else if (record->call == FL_CALL_ACCEPT || record->call == FL_CALL_ACCEPT4)
                fd = record->result;
        if (fd < 0)
                return;
        if (shim->sys->fstat(fd, &st) == 0)
                record->ino = (uint64_t)st.st_ino;
        if (record->call == FL_CALL_SOCKETPAIR && record->fd2 >= 0 &&
            shim->sys->fstat(record->fd2, &st) == 0)
                record->aux = (int32_t)(uint32_t)st.st_ino;
        errno = saved;
}
