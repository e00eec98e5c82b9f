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
#include "text_decide.h"

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

/* Raw syscalls: the library's own open/close wrappers must not see (or record) the listing. Read in
 * chunks, each fd handed on as it comes: no table, so no cap on how many. */
static int each_from_proc(fl_audit_fd_fn each, void *ctx)
{
        char buf[1024];
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
                        if (fd >= 3 && fd != dir) {
                                n++;
                                if (each)
                                        each(fd, ctx);
                        }
                }
        }
        syscall(SYS_close, dir);
        return got < 0 && n == 0 ? -1 : n;
}

int fl_audit_each_fd(fl_audit_fd_fn each, void *ctx)
{
        int saved = errno;
        int n = each_from_proc(each, ctx);

        if (n < 0) {
                n = 0;
                for (int fd = 3; fd < FL_AUDIT_SCAN_MAX; fd++) {
                        if (syscall(SYS_fcntl, fd, F_GETFD) < 0)
                                continue;
                        n++;
                        if (each)
                                each(fd, ctx);
                }
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
}

/* ---- the parent's side ---- */

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

static void emit_raw_ids(struct fl_shim *shim, struct fl_record *record, enum fl_decision decision,
                         const char *text)
{
        /* Ids now, not when emit fills them: the exec that follows may be a vfork child's, and
         * fl_ids asks the kernel while one may run. */
        record->pid = (int32_t)fl_ids_pid();
        record->tid = (int32_t)fl_ids_tid();
        fl_text_record_decide(shim, record, decision, text);
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
        emit_raw_ids(shim, &record, reason == FL_PASS_NONE ? FL_DEC_LEAK : FL_DEC_PASSED,
                     info.text);
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
        emit_raw_ids(shim, &record, FL_DEC_NONE, text);
        fl_audit_each_fd(audit_parent_each, &scan);
        errno = saved;
}

/* posix_spawn's dup2 file actions: each target is handed over on purpose, with the inode of its
 * source. Part of the ARGV group just written, so the new image matches them by fd and inode. */
void fl_audit_spawn_dup2s(struct fl_shim *shim, const void *actions)
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
                fill_fd_record(&record, dup2s[i].newfd, &info, FL_AUDIT_PARENT, FL_PASS_SPAWN_DUP2);
                emit_raw_ids(shim, &record, FL_DEC_PASSED, info.text);
        }
        errno = saved;
}

/* ---- the child's side ---- */

/* The parent's records of the group that started this image, as far as they fit; a group with more
 * (a parent with that many inheritable fds) is searched in the ring again for the rest. */
#define PARENT_VIEW_CACHE 256

struct parent_fd {
        int fd;
        uint8_t decision, reason;
        uint64_t ino;
};

struct parent_view {
        int n;
        bool overflow;
        struct parent_fd fds[PARENT_VIEW_CACHE];
};

/* One pass's question: with fd < 0, fill the view; else the latest record of fd with ino. */
struct parent_query {
        int fd;
        uint64_t ino;
        bool found;
        struct parent_fd answer;
};

static bool starts_group(const struct fl_record *r, pid_t self, pid_t parent)
{
        if (r->call != FL_CALL_INHERIT || r->aux != FL_AUDIT_ARGV)
                return false;
        return r->fd2 == FL_CALL_EXEC ? r->pid == self : r->pid == parent;
}

static void note_parent_fd(struct parent_view *view, struct parent_query *q,
                           const struct fl_record *r)
{
        struct parent_fd fd = {r->fd, r->decision, (uint8_t)r->flags_asked, r->ino};

        if (q->fd >= 0) {
                if (r->fd == q->fd && r->ino == q->ino) {
                        q->found = true;
                        q->answer = fd;
                }
        } else if (view->n < PARENT_VIEW_CACHE) {
                view->fds[view->n++] = fd;
        } else {
                view->overflow = true;
        }
}

/* The latest ARGV group that started this image: an exec by this pid, or a spawn by the parent. */
static void read_parent_view(const struct fl_ring *ring, pid_t self, pid_t parent,
                             struct parent_view *view, struct parent_query *q)
{
        struct fl_ring_reader reader;
        struct fl_record r;
        int32_t gpid = 0, gtid = 0;

        view->n = 0;
        view->overflow = false;
        if (!ring->hdr || fl_ring_reader_attach(&reader, ring) < 0)
                return;
        while (fl_ring_reader_next(&reader, &r) == 1) {
                if (starts_group(&r, self, parent)) {
                        gpid = r.pid;
                        gtid = r.tid;
                        view->n = 0;
                        view->overflow = false;
                        q->found = false;
                } else if (r.call == FL_CALL_INHERIT && r.aux == FL_AUDIT_PARENT && gpid &&
                           r.pid == gpid && r.tid == gtid) {
                        note_parent_fd(view, q, &r);
                }
        }
        fl_ring_reader_close(&reader);
}

static enum fl_pass_reason said(const struct parent_fd *fd)
{
        return fd->decision == FL_DEC_PASSED ? fd->reason : FL_PASS_NONE;
}

static enum fl_pass_reason parent_said(const struct fl_ring *ring, struct parent_view *view,
                                       pid_t self, pid_t parent, int fd, uint64_t ino)
{
        static struct parent_view unused; /* constructor only: one thread */
        struct parent_query q = {.fd = fd, .ino = ino};

        for (int i = view->n - 1; i >= 0; i--)
                if (view->fds[i].fd == fd && view->fds[i].ino == ino)
                        return said(&view->fds[i]);
        if (!view->overflow)
                return FL_PASS_NONE;
        read_parent_view(ring, self, parent, &unused, &q);
        return q.found ? said(&q.answer) : FL_PASS_NONE;
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
        char text[FL_FDINFO_TEXT];

        memset(&record, 0, sizeof(record));
        record.call = FL_CALL_START;
        record.fd = -1;
        record.fd2 = -1;
        record.child_pid = parent;
        record.result = inherited;
        fl_safe_copy_string(text, sizeof(text), program ? program : "");
        fl_text_record_decide(shim, &record, FL_DEC_NONE, text);
}

struct child_scan {
        struct fl_shim *shim;
        const struct fl_ring *ring;
        struct fl_inherit_env env;
        struct parent_view *view;
        pid_t self, parent;
};

static void audit_child_fd(int fd, void *ctx)
{
        struct child_scan *scan = ctx;
        struct fl_shim *shim = scan->shim;
        struct fl_fdinfo info;
        struct fl_record record;
        enum fl_pass_reason reason;

        /* exec closed every close-on-exec fd: one marked now was opened after it, by a constructor
         * that ran before this one (libcap's, in systemd's tools). */
        if ((shim->sys->fcntl_int(fd, F_GETFD, 0) & FD_CLOEXEC) ||
            fl_fdinfo_describe(fd, &info) < 0)
                return;
        reason = fl_inherit_convention(&scan->env, scan->self, fd, info.type, info.local_port);
        if (reason == FL_PASS_NONE)
                reason =
                    parent_said(scan->ring, scan->view, scan->self, scan->parent, fd, info.ino);
        if (reason != FL_PASS_NONE)
                keep_passing(fd, info.ino);
        fill_fd_record(&record, fd, &info, FL_AUDIT_CHILD, reason);
        record.child_pid = scan->parent;
        fl_text_record_decide(shim, &record, reason == FL_PASS_NONE ? FL_DEC_LEAK : FL_DEC_PASSED,
                              info.text);
}

void fl_audit_start(struct fl_shim *shim, const struct fl_ring *ring, char *const envp[],
                    const char *program)
{
        static struct parent_view view; /* constructor only: one thread */
        struct child_scan scan = {.shim = shim, .ring = ring, .view = &view};
        struct parent_query fill = {.fd = -1};
        int n, saved = errno;

        if (shim->config.mode == FL_MODE_OFF)
                return;
        scan.self = fl_ids_pid();
        scan.parent = (pid_t)syscall(SYS_getppid);
        n = fl_audit_each_fd(NULL, NULL);
        /* START comes first, so that readers know the program of the records that follow. With
         * no inherited fd (the common case) this is the whole cost: a listing and one record. */
        emit_start(shim, program, scan.parent, n);
        if (n > 0) {
                fl_inherit_from_envp(&scan.env, envp);
                read_parent_view(ring, scan.self, scan.parent, &view, &fill);
                fl_audit_each_fd(audit_child_fd, &scan);
        }
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
