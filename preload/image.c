/* Wrappers for every call that creates a process or replaces the image. */
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atfork.h"
#include "audit.h"
#include "carry.h"
#include "env_room.h"
#include "exec_net.h"
#include "export.h"
#include "ids.h"
#include "image.h"
#include "popen.h"
#include "process.h"
#include "readable.h"
#include "real.h"
#include "system.h"

extern char **environ;

/* Room for envp plus the entries carried into it: on the wrapper's stack up to FL_ENV_STACK_WORDS
 * pointers, mapped beyond (shim/audit/env_room.h: a thread's stack may be 128 KiB). room NULL:
 * none. envp_readable: envp asked about once per call, for everything that reads it (the plan,
 * the audit, the safety net); false in mode off, where nothing reads it. */
struct env_room {
        struct fl_carry plan;
        char **room;
        bool envp_readable;
};

static size_t env_plan(char *const envp[], struct env_room *r)
{
        r->envp_readable = fl_process()->config.mode != FL_MODE_OFF && fl_vector_readable(envp);
        /* A bad envp is left for the kernel to refuse. */
        if (!r->envp_readable) {
                r->plan.words = 0;
                return 0;
        }
        return fl_carry_plan(envp, &r->plan);
}

static char **env_room_take(const struct fl_carry *plan, char **stack)
{
        if (plan->words == 0)
                return NULL;
        return plan->words <= FL_ENV_STACK_WORDS ? stack : fl_env_room_map(plan->words);
}

static void env_room_release(const struct env_room *r)
{
        if (r->room && r->plan.words > FL_ENV_STACK_WORDS)
                fl_env_room_unmap(r->room, r->plan.words);
}

#define FL_ENV_ROOM(name, envp)                                                                    \
        struct env_room name;                                                                      \
        char *name##_stack[env_plan(envp, &name) > 0 && name.plan.words <= FL_ENV_STACK_WORDS      \
                               ? name.plan.words                                                   \
                               : 1];                                                               \
        name.room = env_room_take(&name.plan, name##_stack)

/* The parent's side of the audit, and the library carried on in envp (shim/audit/carry.h). */
static char *const *audit_exec(enum fl_call call, const char *program, char *const argv[],
                               char *const envp[], const struct env_room *room)
{
        struct fl_shim *shim = fl_process();

        if (shim->config.mode == FL_MODE_OFF || !room->envp_readable || !fl_vector_readable(argv))
                return envp;
        fl_audit_exec(shim, call, program, argv, envp);
        return room->room ? fl_carry_complete(envp, &room->plan, room->room) : envp;
}

/* Scope all: the fds not passed on purpose become close-on-exec before the new image starts. A
 * bad envp is left for the kernel: no convention is read from it. */
static void safety_net(char *const envp[], const struct env_room *room)
{
        fl_exec_net(fl_process(), room->envp_readable ? envp : NULL);
}

static int missing(void)
{
        errno = ENOSYS;
        return -1;
}

static void atfork_prepare(void)
{
        fl_real_resolve_for_children();
        fl_image_atfork_prepare(fl_process());
}

/* Called once, from the first start of the library: as early as can be, so that these handlers
 * are registered before the program's. */
void fl_image_install_atfork(void)
{
        pthread_atfork(atfork_prepare, fl_image_atfork_parent, fl_image_atfork_child);
}

FL_EXPORT pid_t fork(void)
{
        pid_t (*real)(void) = fl_real_fork();

        if (!real)
                return missing();
        /* Here too, not only in the prepare handler: in mode off none is registered. */
        fl_real_resolve_for_children();
        return fl_fork(fl_process(), FL_CALL_FORK, real, true);
}

FL_EXPORT pid_t _Fork(void)
{
        pid_t (*real)(void) = fl_real__Fork();

        if (!real)
                return missing();
        fl_real_resolve_for_children();
        return fl_fork(fl_process(), FL_CALL_FORK, real, false);
}

/* A clone child with its own memory starts in fn with a copy of the lock as this thread holds
 * it: it must start with the lock released, as a fork child does. The arguments are read from the
 * copy of the parent's frame, so only without CLONE_VM. */
struct clone_start {
        int (*fn)(void *);
        void *arg;
};

static int clone_child(void *start)
{
        const struct clone_start *s = start;
        struct fl_lock_token none = {.acquired = false};

        fl_forklock_child_reset(&none);
        fl_ids_child_reset();
        return s->fn(s->arg);
}

FL_EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
        int (*real)(int (*)(void *), void *, int, void *, ...) = fl_real_clone();
        struct clone_start start = {.fn = fn, .arg = arg};
        struct fl_image_call image;
        va_list ap;
        void *parent_tid, *tls, *child_tid;
        int saved = errno, result;

        va_start(ap, arg);
        parent_tid = va_arg(ap, void *);
        tls = va_arg(ap, void *);
        child_tid = va_arg(ap, void *);
        va_end(ap);
        if (!real)
                return missing();
        if (flags & CLONE_THREAD) {
                fl_forklock_note_thread_clone();
                return real(fn, stack, flags, arg, parent_tid, tls, child_tid);
        }
        if (!(flags & CLONE_VM))
                fl_real_resolve_for_children();
        fl_image_begin(fl_process(), &image, FL_CALL_CLONE, NULL);
        if (flags & CLONE_VM)
                fl_ids_shared_child_begin();
        errno = saved;
        if (flags & CLONE_VM)
                result = real(fn, stack, flags, arg, parent_tid, tls, child_tid);
        else
                result = real(clone_child, stack, flags, &start, parent_tid, tls, child_tid);
        /* Without CLONE_VFORK the child may still be running: it keeps the kernel's answers. */
        if ((flags & (CLONE_VM | CLONE_VFORK)) == (CLONE_VM | CLONE_VFORK))
                fl_ids_shared_child_end();
        return fl_image_end(fl_process(), &image, result, result);
}

static int spawn_locked(enum fl_call call, fl_spawn_fn real, pid_t *pid, const char *path,
                        const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attr,
                        char *const argv[], char *const envp[])
{
        struct fl_image_call image;
        pid_t child = 0;
        int err;

        if (!real)
                return ENOSYS;
        FL_ENV_ROOM(room, envp);

        fl_image_begin(fl_process(), &image, call, path);
        safety_net(envp, &room);
        envp = audit_exec(call, path, argv, envp, &room);
        fl_audit_spawn_dup2s(fl_process(), actions);
        err = real(&child, path, actions, attr, argv, envp);
        env_room_release(&room);
        if (pid && err == 0)
                *pid = child;
        errno = err;
        fl_image_end(fl_process(), &image, err == 0 ? child : -1, child);
        return err;
}

FL_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
                          const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
        int saved = errno;
        int err = spawn_locked(FL_CALL_POSIX_SPAWN, fl_real_posix_spawn(), pid, path, actions, attr,
                               argv, envp);

        errno = saved;
        return err;
}

FL_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
                           const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
        int saved = errno;
        int err = spawn_locked(FL_CALL_POSIX_SPAWN, fl_real_posix_spawnp(), pid, file, actions,
                               attr, argv, envp);

        errno = saved;
        return err;
}

static int spawn_for_system(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
                            const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
        int saved = errno;
        int err = spawn_locked(FL_CALL_SYSTEM, fl_real_posix_spawn(), pid, path, actions, attr,
                               argv, envp);

        errno = saved;
        return err;
}

FL_EXPORT int system(const char *command)
{
        int (*real)(const char *) = fl_real_system();

        if (fl_process()->config.mode == FL_MODE_OFF)
                return real ? real(command) : missing();
        return fl_system(command, spawn_for_system);
}

/* glibc's popen under the write side of the lock. errno is the one it leaves, success or not. */
static FILE *glibc_popen(const char *command, const char *mode)
{
        FILE *(*real)(const char *, const char *) = fl_real_popen();
        struct fl_image_call image;
        struct env_room none = {.room = NULL};
        int saved = errno;
        FILE *stream;

        if (!real) {
                errno = ENOSYS;
                return NULL;
        }
        none.envp_readable =
            fl_process()->config.mode != FL_MODE_OFF && fl_vector_readable(environ);
        fl_image_begin(fl_process(), &image, FL_CALL_POPEN, command);
        safety_net(environ, &none);
        audit_exec(FL_CALL_POPEN, command, NULL, environ, &none);
        errno = saved;
        stream = real(command, mode);
        fl_image_end(fl_process(), &image, stream ? 0 : -1, 0);
        return stream;
}

static int glibc_pclose(FILE *stream)
{
        int (*real)(FILE *) = fl_real_pclose();

        return real ? real(stream) : missing();
}

static int spawn_for_popen(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
                           const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
        int saved = errno;
        int err = spawn_locked(FL_CALL_POPEN, fl_real_posix_spawn(), pid, path, actions, attr, argv,
                               envp);

        errno = saved;
        return err;
}

static const struct fl_popen_calls popen_calls = {
    .popen = glibc_popen,
    .pclose = glibc_pclose,
    .actions_init = posix_spawn_file_actions_init,
    .actions_adddup2 = posix_spawn_file_actions_adddup2,
    .actions_addclose = posix_spawn_file_actions_addclose,
    .actions_destroy = posix_spawn_file_actions_destroy,
    .spawn = spawn_for_popen,
    .waitpid = waitpid,
    .fclose = fclose,
    .getpid = getpid,
};

FL_EXPORT FILE *popen(const char *command, const char *mode)
{
        struct fl_shim *shim = fl_process();

        if (shim->config.mode == FL_MODE_OFF)
                return glibc_popen(command, mode);
        return fl_popen(shim, command, mode, &popen_calls);
}

FL_EXPORT int pclose(FILE *stream)
{
        return fl_pclose(stream, &popen_calls);
}

/* The exec family: one path for all six, so that each takes the lock, records, audits and carries
 * the library the same way. execv and execvp pass environ: when the program removed the library
 * from it (unsetenv, clearenv), they become execve and execvpe with environ completed, exactly what
 * glibc's execv and execvp do with environ. */
enum exec_kind { EXEC_VE, EXEC_V, EXEC_VP, EXEC_VPE, EXEC_F, EXEC_AT };

struct exec_args {
        enum exec_kind kind;
        int fd; /* fexecve, execveat */
        const char *path;
        char *const *argv;
        char *const *envp; /* as the caller passed it (Linux takes NULL as empty) */
        int flags;         /* execveat */
};

static int call_next_exec(const struct exec_args *a, char *const envp[], bool completed)
{
        enum exec_kind kind = a->kind;

        if (completed && kind == EXEC_V)
                kind = EXEC_VE;
        else if (completed && kind == EXEC_VP)
                kind = EXEC_VPE;
        switch (kind) {
        case EXEC_VE: {
                int (*real)(const char *, char *const[], char *const[]) = fl_real_execve();
                return real ? real(a->path, a->argv, envp) : missing();
        }
        case EXEC_V: {
                int (*real)(const char *, char *const[]) = fl_real_execv();
                return real ? real(a->path, a->argv) : missing();
        }
        case EXEC_VP: {
                int (*real)(const char *, char *const[]) = fl_real_execvp();
                return real ? real(a->path, a->argv) : missing();
        }
        case EXEC_VPE: {
                int (*real)(const char *, char *const[], char *const[]) = fl_real_execvpe();
                return real ? real(a->path, a->argv, envp) : missing();
        }
        case EXEC_F: {
                int (*real)(int, char *const[], char *const[]) = fl_real_fexecve();
                return real ? real(a->fd, a->argv, envp) : missing();
        }
        case EXEC_AT: {
                int (*real)(int, const char *, char *const[], char *const[], int) =
                    fl_real_execveat();
                return real ? real(a->fd, a->path, a->argv, envp, a->flags) : missing();
        }
        }
        return missing();
}

static int exec_image(const struct exec_args *a, char *const envp[], const struct env_room *room)
{
        struct fl_image_call image;
        char *const *passed;
        int result;

        fl_image_begin(fl_process(), &image, FL_CALL_EXEC, a->path);
        safety_net(envp, room);
        passed = audit_exec(FL_CALL_EXEC, a->path, a->argv, envp, room);
        result = call_next_exec(a, passed, passed != envp);
        env_room_release(room);
        return fl_image_end(fl_process(), &image, result, 0);
}

/* Room on the stack only when something is missing (a VLA of one pointer otherwise): execv and
 * execvp callers include CLONE_VM children on small stacks. */
static int exec_with_envp(const struct exec_args *a)
{
        FL_ENV_ROOM(room, a->envp);

        return exec_image(a, a->envp, &room);
}

static int exec_with_environ(const struct exec_args *a)
{
        char *const *envp = environ;
        FL_ENV_ROOM(room, envp);

        return exec_image(a, envp, &room);
}

FL_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
        struct exec_args a = {.kind = EXEC_VE, .path = path, .argv = argv, .envp = envp};

        return exec_with_envp(&a);
}

FL_EXPORT int execv(const char *path, char *const argv[])
{
        struct exec_args a = {.kind = EXEC_V, .path = path, .argv = argv};

        return exec_with_environ(&a);
}

FL_EXPORT int execvp(const char *file, char *const argv[])
{
        struct exec_args a = {.kind = EXEC_VP, .path = file, .argv = argv};

        return exec_with_environ(&a);
}

FL_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
        struct exec_args a = {.kind = EXEC_VPE, .path = file, .argv = argv, .envp = envp};

        return exec_with_envp(&a);
}

FL_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
        struct exec_args a = {.kind = EXEC_F, .fd = fd, .argv = argv, .envp = envp};

        return exec_with_envp(&a);
}

FL_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
                       int flags)
{
        struct exec_args a = {
            .kind = EXEC_AT, .fd = dirfd, .path = path, .argv = argv, .envp = envp, .flags = flags};

        return exec_with_envp(&a);
}
