/* Wrappers for every call that creates a process or replaces the image. */
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "atfork.h"
#include "audit.h"
#include "audit_env.h"
#include "ids.h"
#include "image.h"
#include "process.h"
#include "readable.h"
#include "real.h"
#include "system.h"

#define FL_EXPORT __attribute__((visibility("default")))

extern char **environ;

/* The parent's side of the audit, and the library carried on in envp (shim/audit_env.h). room is
 * the caller's stack array of room_len entries. */
static char *const *audit_exec(enum fl_call call, const char *program, char *const argv[],
                               char *const envp[], char **room, size_t room_len)
{
        struct fl_shim *shim = fl_process();

        if (shim->config.mode == FL_MODE_OFF || !fl_vector_readable(argv) ||
            !fl_vector_readable(envp))
                return envp;
        fl_audit_exec(shim, call, program, argv, envp);
        return fl_audit_env_complete(envp, room, room_len);
}

/* Room for envp plus the entries to add, on the wrapper's stack (no malloc in a vfork child). A
 * bad envp is left for the kernel to refuse. */
#define FL_ENV_ROOM(name, envp)                                                                    \
        size_t name##_len = fl_process()->config.mode != FL_MODE_OFF && fl_vector_readable(envp)   \
                                ? fl_audit_env_room(envp)                                          \
                                : 0;                                                               \
        char *name[name##_len ? name##_len : 1]

static int missing(void)
{
        errno = ENOSYS;
        return -1;
}

static void atfork_prepare(void)
{
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

        return real ? fl_fork(fl_process(), FL_CALL_FORK, real, true) : missing();
}

FL_EXPORT pid_t _Fork(void)
{
        pid_t (*real)(void) = fl_real__Fork();

        return real ? fl_fork(fl_process(), FL_CALL_FORK, real, false) : missing();
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
        if (flags & CLONE_THREAD)
                return real(fn, stack, flags, arg, parent_tid, tls, child_tid);
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
        envp = audit_exec(call, path, argv, envp, room, room_len);
        fl_audit_spawn_dup2s(fl_process(), actions);
        err = real(&child, path, actions, attr, argv, envp);
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

/* errno is the one glibc's popen leaves, success or not. */
FL_EXPORT FILE *popen(const char *command, const char *mode)
{
        FILE *(*real)(const char *, const char *) = fl_real_popen();
        struct fl_image_call image;
        int saved = errno;
        FILE *stream;

        if (!real) {
                errno = ENOSYS;
                return NULL;
        }
        fl_image_begin(fl_process(), &image, FL_CALL_POPEN, command);
        audit_exec(FL_CALL_POPEN, command, NULL, environ, NULL, 0);
        errno = saved;
        stream = real(command, mode);
        fl_image_end(fl_process(), &image, stream ? 0 : -1, 0);
        return stream;
}

/* The exec family: one path for all six, so that each takes the lock, records and audits the same
 * way. Only execve, execvpe, fexecve and execveat take an envp, and only there is the library
 * carried on when the program's envp dropped it. */
enum exec_kind { EXEC_VE, EXEC_V, EXEC_VP, EXEC_VPE, EXEC_F, EXEC_AT };

struct exec_args {
        enum exec_kind kind;
        int fd; /* fexecve, execveat */
        const char *path;
        char *const *argv;
        char *const *envp; /* as the caller passed it (Linux takes NULL as empty) */
        int flags;         /* execveat */
};

static int call_next_exec(const struct exec_args *a, char *const envp[])
{
        switch (a->kind) {
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

static int exec_image(const struct exec_args *a, char *const envp[], char **room, size_t room_len)
{
        struct fl_image_call image;

        fl_image_begin(fl_process(), &image, FL_CALL_EXEC, a->path);
        envp = audit_exec(FL_CALL_EXEC, a->path, a->argv, envp, room, room_len);
        return fl_image_end(fl_process(), &image, call_next_exec(a, envp), 0);
}

/* Room on the stack only where there is an envp to complete: execv and execvp callers include
 * CLONE_VM children on small stacks that the sanitizers cannot track. */
static int exec_with_envp(const struct exec_args *a)
{
        FL_ENV_ROOM(room, a->envp);

        return exec_image(a, a->envp, room, room_len);
}

static int exec_with_environ(const struct exec_args *a)
{
        return exec_image(a, environ, NULL, 0);
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
