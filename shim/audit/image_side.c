/* The new image's side of exec: the START record, then every inherited fd, judged by this image's
 * conventions and by what the parent's records said (audit.h). */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "audit_record.h"
#include "fdinfo.h"
#include "fdtable.h"
#include "ids.h"
#include "inherit.h"
#include "ring_reader.h"
#include "safecopy.h"
#include "text_decide.h"

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
        /* Under scope all, whatever crossed into this image was let through by the previous one
         * (or held before the command started, not its leak): a shell between the program and
         * its child passes it on, so the safety net keeps it. */
        if (reason != FL_PASS_NONE || shim->config.scope == FL_SCOPE_ALL)
                keep_passing(fd, info.ino);
        fl_audit_fill_fd_record(&record, fd, &info, FL_AUDIT_CHILD, reason);
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
