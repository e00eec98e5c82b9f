#include "popen.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

struct child {
        struct child *_Atomic next;
        FILE *stream;
        int fd;      /* the parent's end, as the stream had it at popen */
        pid_t pid;   /* the shell */
        pid_t owner; /* the process that started it: only it may reap */
};

struct popen_mode {
        bool read, cloexec;
};

static struct child *_Atomic children;

/* Held by a process id, not a thread: a fork child finds it held by the parent (a thread that
 * does not exist there) and takes it over. Held across the spawn, as glibc holds its chain's lock,
 * so that no concurrent popen child inherits a stream between its spawn and its flags. */
static _Atomic pid_t holder;

static void list_lock(const struct fl_popen_calls *calls)
{
        pid_t me = calls->getpid();

        for (;;) {
                pid_t seen = 0;

                if (atomic_compare_exchange_weak(&holder, &seen, me))
                        return;
                if (seen != 0 && seen != me && atomic_compare_exchange_strong(&holder, &seen, me))
                        return;
                sched_yield();
        }
}

static void list_unlock(void)
{
        atomic_store(&holder, 0);
}

static int parse_mode(const char *mode, struct popen_mode *m)
{
        bool read = false, write = false;

        m->cloexec = false;
        for (; *mode; mode++)
                switch (*mode) {
                case 'r':
                        read = true;
                        break;
                case 'w':
                        write = true;
                        break;
                case 'e':
                        m->cloexec = true;
                        break;
                default:
                        return -1;
                }
        m->read = read;
        return read != write ? 0 : -1;
}

/* The earlier popen streams, each closed in the new child unless its fd is the one the child's
 * end lands on (the dup2 replaced it already). */
static int add_closes(posix_spawn_file_actions_t *actions, int target,
                      const struct fl_popen_calls *calls)
{
        for (const struct child *c = atomic_load(&children); c; c = c->next)
                if (c->fd != target) {
                        int err = calls->actions_addclose(actions, c->fd);

                        if (err)
                                return err;
                }
        return 0;
}

static int spawn_shell(const char *command, int child_end, int target, pid_t *pid,
                       const struct fl_popen_calls *calls)
{
        char *argv[] = {(char *)"sh", (char *)"-c", (char *)command, NULL};
        extern char **environ;
        posix_spawn_file_actions_t actions;
        int err = calls->actions_init(&actions);

        if (err)
                return err;
        err = calls->actions_adddup2(&actions, child_end, target);
        if (!err)
                err = add_closes(&actions, target, calls);
        if (!err)
                err = calls->spawn(pid, "/bin/sh", &actions, NULL, argv, environ);
        calls->actions_destroy(&actions);
        return err;
}

static void close_pair(const struct fl_shim *shim, const int fds[2])
{
        shim->sys->close(fds[0]);
        shim->sys->close(fds[1]);
}

/* The child started: the parent keeps its end only, inheritable unless 'e' was asked. */
static void started(const struct fl_shim *shim, struct child *c, int child_end,
                    const struct popen_mode *m)
{
        shim->sys->close(child_end);
        if (!m->cloexec)
                shim->sys->fcntl_int(c->fd, F_SETFD, 0);
        c->next = atomic_load(&children);
        atomic_store(&children, c);
}

static FILE *start(struct fl_shim *shim, const char *command, const struct popen_mode *m,
                   const int fds[2], const struct fl_popen_calls *calls)
{
        int parent_end = fds[m->read ? 0 : 1], child_end = fds[m->read ? 1 : 0];
        struct child *c = malloc(sizeof(*c));
        int err;

        if (c)
                c->stream = shim->sys->fdopen(parent_end, m->read ? "r" : "w");
        if (!c || !c->stream) {
                int saved = errno;

                close_pair(shim, fds);
                free(c);
                errno = saved;
                return NULL;
        }
        c->fd = parent_end;
        c->owner = calls->getpid();
        list_lock(calls);
        err = spawn_shell(command, child_end, m->read ? 1 : 0, &c->pid, calls);
        if (!err)
                started(shim, c, child_end, m);
        list_unlock();
        if (!err)
                return c->stream;
        calls->fclose(c->stream);
        shim->sys->close(child_end);
        free(c);
        errno = err;
        return NULL;
}

/* after_glibc: glibc's popen failed with ENOSYS, and pipe2 is asked again once to tell whether it
 * was pipe2 that is missing; if the kernel takes it, glibc's answer stands. */
static FILE *popen_over_spawn(struct fl_shim *shim, const char *command, const char *mode,
                              const struct fl_popen_calls *calls, bool after_glibc)
{
        struct popen_mode m;
        bool atomic;
        int fds[2];

        if (parse_mode(mode, &m) < 0) {
                errno = EINVAL;
                return NULL;
        }
        if (fl_popen_pipe(shim, fds, &atomic) < 0)
                return NULL;
        if (atomic && after_glibc) {
                close_pair(shim, fds);
                errno = ENOSYS;
                return NULL;
        }
        return start(shim, command, &m, fds, calls);
}

FILE *fl_popen(struct fl_shim *shim, const char *command, const char *mode,
               const struct fl_popen_calls *calls)
{
        int saved = errno;
        bool after_glibc = false;
        FILE *stream;

        if (!fl_popen_pipe2_refused(shim)) {
                stream = calls->popen(command, mode);
                if (stream || errno != ENOSYS)
                        return stream;
                after_glibc = true;
        }
        stream = popen_over_spawn(shim, command, mode, calls, after_glibc);
        if (stream)
                errno = saved;
        return stream;
}

static struct child *unlink_child(FILE *stream, const struct fl_popen_calls *calls)
{
        struct child *c;
        struct child *_Atomic *link;

        list_lock(calls);
        for (link = &children; (c = atomic_load(link)) != NULL; link = &c->next)
                if (c->stream == stream) {
                        atomic_store(link, c->next);
                        break;
                }
        list_unlock();
        return c;
}

/* glibc's _IO_new_proc_close: the wait is no cancellation point, EINTR is retried. */
static int reap(pid_t pid, const struct fl_popen_calls *calls)
{
        int status = 0, state;
        pid_t got;

        do {
                pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &state);
                got = calls->waitpid(pid, &status, 0);
                pthread_setcancelstate(state, NULL);
        } while (got < 0 && errno == EINTR);
        return got < 0 ? -1 : status;
}

/* As glibc's fclose of a popen stream: the child's status unless it is 0 and the last write
 * failed; a child of the process this one was forked from is not this one's to reap. */
static int close_child(struct child *c, const struct fl_popen_calls *calls)
{
        int saved = errno;
        bool mine = c->owner == calls->getpid();
        bool write_failed = calls->fclose(c->stream) != 0;
        int status;

        if (!mine) {
                free(c);
                errno = ECHILD;
                return -1;
        }
        status = reap(c->pid, calls);
        free(c);
        if (status == 0 && write_failed)
                return -1;
        if (status != -1)
                errno = saved;
        return status;
}

int fl_pclose(FILE *stream, const struct fl_popen_calls *calls)
{
        struct child *c = atomic_load(&children) ? unlink_child(stream, calls) : NULL;

        return c ? close_child(c, calls) : calls->pclose(stream);
}
