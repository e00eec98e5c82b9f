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
#include "parent_view.h"
#include "recorder.h"
#include "text_decide.h"
#include "raw_syscall.h"

static void keep_passing(int fd, uint64_t ino)
{
        struct fl_fd_info info;

        memset(&info, 0, sizeof(info));
        info.flags = FL_FD_INTENT;
        info.ino = ino;
        fl_fdtable_set(fd, &info);
}

/* program is the kernel's AT_EXECFN, on this process's initial stack: always readable, so copied
 * without the safe copy's system call. */
static void copy_program(char *text, size_t size, const char *program)
{
        size_t i = 0;

        for (; program && i + 1 < size && program[i]; i++)
                text[i] = program[i];
        text[i] = '\0';
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
        copy_program(text, sizeof(text), program);
        fl_text_record_decide(shim, &record, FL_DEC_NONE, text);
}

/* An image that inherited nothing says so only if it records anything else (recorder.h). */
static struct {
        struct fl_shim *shim;
        const char *program;
        pid_t parent;
} held_start;

static void write_held_start(void)
{
        emit_start(held_start.shim, held_start.program, held_start.parent, 0);
}

/* The fds one listing of /proc/self/fd found, as far as they fit: in a new process that listing
 * is most of the audit's cost (~35 us, the second one ~8 us), so it is made once when it can. */
#define LISTED_MAX 128

struct listed {
        int n;
        int fds[LISTED_MAX];
};

static void note_listed(int fd, void *ctx)
{
        struct listed *list = ctx;

        if (list->n < LISTED_MAX)
                list->fds[list->n] = fd;
        list->n++;
}

struct child_scan {
        struct fl_shim *shim;
        struct fl_inherit_env env;
        struct fl_parent_view *view;
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
                reason = fl_parent_view_said(scan->view, fd, info.ino);
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

/* Constructor only: one thread. Common storage (fdtable.c says why): written only when fds were
 * inherited, it must not push the small variables every start writes onto another page. */
extern struct fl_parent_view fl_audit_start_view __attribute__((visibility("hidden")));
struct fl_parent_view fl_audit_start_view __attribute__((common));

void fl_audit_start(struct fl_shim *shim, const struct fl_ring *ring, char *const envp[],
                    const char *program)
{
        struct child_scan scan = {.shim = shim, .view = &fl_audit_start_view};
        struct listed list = {0};
        int n, saved = errno;

        if (shim->config.mode == FL_MODE_OFF)
                return;
        scan.self = fl_ids_pid();
        scan.parent = (pid_t)fl_raw_syscall(SYS_getppid);
        n = fl_audit_each_fd(note_listed, &list);
        /* START comes first, so that readers know the program of the records that follow. An
         * image that inherited nothing (most of them) writes it only before its first other record
         * (recorder.h), and most never write one: the ring's first image always does, so that an
         * audit of a command that records nothing still sees it start. */
        if (n == 0 && ring->root_pid != scan.self) {
                held_start.shim = shim;
                held_start.program = program;
                held_start.parent = scan.parent;
                fl_recorder_hold_start(write_held_start);
        } else {
                emit_start(shim, program, scan.parent, n);
                fl_inherit_from_envp(&scan.env, envp);
                fl_parent_view_read(&fl_audit_start_view, ring, scan.self, scan.parent);
                if (list.n <= LISTED_MAX)
                        for (int i = 0; i < list.n; i++)
                                audit_child_fd(list.fds[i], &scan);
                else
                        fl_audit_each_fd(audit_child_fd, &scan);
        }
        errno = saved;
}
