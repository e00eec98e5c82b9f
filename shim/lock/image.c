#include "image.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errno_keep.h"
#include "ids.h"
#include "safecopy.h"

/* The write side, for what creates a process or replaces the image: not while the process has
 * one thread (fl_forklock_one_thread), where it would cost a fork+exec four system calls and a
 * copied thread-local page in the child for no exclusion at all. */
static bool locks(const struct fl_shim *shim)
{
        return shim->config.mode == FL_MODE_ENFORCE && !fl_forklock_one_thread();
}

static void copy_program(struct fl_record *record, const char *program)
{
        fl_safe_copy_string(record->text, sizeof(record->text), program);
}

static void record_image(struct fl_shim *shim, enum fl_call call, const char *program, int result,
                         pid_t child, enum fl_decision decision)
{
        struct fl_record record;
        int saved = errno;

        if (shim->config.mode == FL_MODE_OFF)
                return;
        memset(&record, 0, sizeof(record));
        record.call = (uint16_t)call;
        record.fd = -1;
        record.fd2 = -1;
        record.result = result;
        record.err = result < 0 ? saved : 0;
        record.child_pid = child;
        /* A vfork child shares the parent's pid cache: ask the kernel. */
        if (call == FL_CALL_EXEC) {
                record.pid = (int32_t)fl_ids_pid();
                record.tid = (int32_t)fl_ids_tid();
        }
        copy_program(&record, program);
        fl_shim_decide(shim, &record, result < 0 ? FL_DEC_ERROR : decision);
        fl_errno_keep(saved);
}

void fl_image_begin(struct fl_shim *shim, struct fl_image_call *image, enum fl_call call,
                    const char *program)
{
        image->call = call;
        image->program = program;
        image->token.acquired = false;
        if (locks(shim)) {
                fl_forklock_write_lock(&image->token);
                fl_forklock_restore_mask(&image->token);
        }
        /* An exec that succeeds never returns, so its record is written before. */
        if (call == FL_CALL_EXEC)
                record_image(shim, call, program, 0, 0, FL_DEC_PASSTHROUGH);
}

int fl_image_end(struct fl_shim *shim, struct fl_image_call *image, int result, pid_t child)
{
        int saved = errno;

        if (image->call != FL_CALL_EXEC || result < 0)
                record_image(shim, image->call, image->program, result, child, FL_DEC_PASSTHROUGH);
        fl_forklock_write_unlock(&image->token);
        errno = saved;
        return result;
}

/* The fork lock around fork() is taken by forklock's own pthread_atfork handlers, registered
 * before any of the program's: its prepare handler runs last, its parent and child handlers first,
 * so the program's handlers never run inside the lock. One token per thread is enough: signals are
 * blocked from forklock's prepare handler to its parent or child handler, and a fork that nests
 * anywhere else completes before the outer one reaches forklock's handlers. */
static __thread struct fl_lock_token atfork_token;

void fl_image_atfork_prepare(struct fl_shim *shim)
{
        if (locks(shim))
                fl_forklock_fork_prepare(&atfork_token);
        else if (atfork_token.acquired)
                atfork_token.acquired = false;
}

void fl_image_atfork_parent(void)
{
        fl_forklock_fork_parent(&atfork_token);
}

void fl_image_atfork_child(void)
{
        fl_forklock_child_reset(&atfork_token);
        fl_ids_child_reset();
}

pid_t fl_fork(struct fl_shim *shim, enum fl_call call, pid_t (*real_fork)(void), bool runs_atfork)
{
        struct fl_lock_token token = {.acquired = false};
        pid_t pid;
        int saved;

        if (!runs_atfork && locks(shim))
                fl_forklock_write_lock(&token);
        pid = real_fork();
        saved = errno;
        if (pid == 0) {
                if (!runs_atfork) {
                        fl_forklock_child_reset(&token);
                        fl_ids_child_reset();
                }
                fl_errno_keep(saved);
                return 0;
        }
        fl_forklock_write_unlock(&token);
        record_image(shim, call, NULL, pid, pid, FL_DEC_PASSTHROUGH);
        fl_errno_keep(saved);
        return pid;
}
