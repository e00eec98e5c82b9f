/* The next definition of every wrapped function, as dlsym(RTLD_NEXT) gives it (the constructor
 * finds most of them in one walk over the loaded objects, next_symbols.h). Resolution is
 * eager in the constructor and lazy before it (other libraries' constructors call socket too); both
 * are idempotent, so racing threads store the same pointer. */
#ifndef FL_REAL_H
#define FL_REAL_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "sys.h"

#define FL_REAL_FUNCTIONS(X)                                                                       \
        X(socket, int, (int, int, int))                                                            \
        X(socketpair, int, (int, int, int, int[2]))                                                \
        X(accept, int, (int, struct sockaddr *, socklen_t *))                                      \
        X(accept4, int, (int, struct sockaddr *, socklen_t *, int))                                \
        X(fcntl, int, (int, int, ...))                                                             \
        X(close, int, (int))                                                                       \
        X(poll, int, (struct pollfd *, nfds_t, int))                                               \
        X(recvmsg, ssize_t, (int, struct msghdr *, int))                                           \
        X(recvmmsg, int, (int, struct mmsghdr *, unsigned int, int, struct timespec *))            \
        X(fork, pid_t, (void))                                                                     \
        X(_Fork, pid_t, (void))                                                                    \
        X(vfork, pid_t, (void))                                                                    \
        X(clone, int, (int (*)(void *), void *, int, void *, ...))                                 \
        X(posix_spawn, int,                                                                        \
          (pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,   \
           char *const[], char *const[]))                                                          \
        X(posix_spawnp, int,                                                                       \
          (pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,   \
           char *const[], char *const[]))                                                          \
        X(popen, FILE *, (const char *, const char *))                                             \
        X(pclose, int, (FILE *))                                                                   \
        X(system, int, (const char *))                                                             \
        X(posix_spawn_file_actions_init, int, (posix_spawn_file_actions_t *))                      \
        X(posix_spawn_file_actions_destroy, int, (posix_spawn_file_actions_t *))                   \
        X(posix_spawn_file_actions_adddup2, int, (posix_spawn_file_actions_t *, int, int))         \
        X(execve, int, (const char *, char *const[], char *const[]))                               \
        X(execv, int, (const char *, char *const[]))                                               \
        X(execvp, int, (const char *, char *const[]))                                              \
        X(execvpe, int, (const char *, char *const[], char *const[]))                              \
        X(fexecve, int, (int, char *const[], char *const[]))                                       \
        X(execveat, int, (int, const char *, char *const[], char *const[], int))                   \
        X(fcntl64, int, (int, int, ...))                                                           \
        X(dup, int, (int))                                                                         \
        X(dup2, int, (int, int))                                                                   \
        X(dup3, int, (int, int, int))                                                              \
        X(setsockopt, int, (int, int, int, const void *, socklen_t))                               \
        X(bind, int, (int, const struct sockaddr *, socklen_t))                                    \
        X(listen, int, (int, int))                                                                 \
        X(connect, int, (int, const struct sockaddr *, socklen_t))                                 \
        X(close_range, int, (unsigned, unsigned, int))                                             \
        X(closefrom, void, (int))                                                                  \
        X(ioctl, int, (int, unsigned long, ...))                                                   \
        X(prctl, int, (int, ...))                                                                  \
        X(open, int, (const char *, int, ...))                                                     \
        X(open64, int, (const char *, int, ...))                                                   \
        X(openat, int, (int, const char *, int, ...))                                              \
        X(openat64, int, (int, const char *, int, ...))                                            \
        X(creat, int, (const char *, mode_t))                                                      \
        X(creat64, int, (const char *, mode_t))                                                    \
        X(__open_2, int, (const char *, int))                                                      \
        X(__open64_2, int, (const char *, int))                                                    \
        X(__openat_2, int, (int, const char *, int))                                               \
        X(__openat64_2, int, (int, const char *, int))                                             \
        X(pipe, int, (int[2]))                                                                     \
        X(pipe2, int, (int[2], int))                                                               \
        X(fopen, FILE *, (const char *, const char *))                                             \
        X(fopen64, FILE *, (const char *, const char *))                                           \
        X(freopen, FILE *, (const char *, const char *, FILE *))                                   \
        X(freopen64, FILE *, (const char *, const char *, FILE *))                                 \
        X(tmpfile, FILE *, (void))                                                                 \
        X(tmpfile64, FILE *, (void))                                                               \
        X(mkstemp, int, (char *))                                                                  \
        X(mkstemp64, int, (char *))                                                                \
        X(mkostemp, int, (char *, int))                                                            \
        X(mkostemps, int, (char *, int, int))                                                      \
        X(mkstemps, int, (char *, int))                                                            \
        X(epoll_create, int, (int))                                                                \
        X(epoll_create1, int, (int))                                                               \
        X(eventfd, int, (unsigned, int))                                                           \
        X(timerfd_create, int, (int, int))                                                         \
        X(signalfd, int, (int, const sigset_t *, int))                                             \
        X(inotify_init, int, (void))                                                               \
        X(inotify_init1, int, (int))                                                               \
        X(memfd_create, int, (const char *, unsigned))                                             \
        X(posix_openpt, int, (int))                                                                \
        X(getpt, int, (void))

#define FL_DECLARE_REAL(name, ret, args) ret(*fl_real_##name(void)) args;
FL_REAL_FUNCTIONS(FL_DECLARE_REAL)
#undef FL_DECLARE_REAL

/* At start: finds the objects after the library, where each function is looked up on its first
 * use (async-signal-safe); where that walk cannot answer, or when loader_redirects (LD_AUDIT or
 * LD_DYNAMIC_WEAK is set), resolves every function now through dlsym. */
void fl_real_start(bool loader_redirects);
/* Before a fork: looks up every function not asked for yet, so that no child has to. */
void fl_real_resolve_for_children(void);

/* FL_STUB_YES when socket's next definition, as the one walk found it in the C library itself (no
 * interposer between forklock and libc, no audit module), is glibc's bare x86_64 stub
 * (syscall_stub.h): the wrapper may then make the kernel call itself. Decided by the first
 * socket() that asks (fl_real_socket_stub_decide), not at start: the lookups read libc's symbol
 * tables, two page faults in every image, most of which never make a socket. FL_STUB_NO
 * everywhere else: i386, aarch64, musl, and whenever the walk could not answer. */
enum { FL_STUB_UNDECIDED, FL_STUB_NO, FL_STUB_YES };
extern _Atomic unsigned char fl_real_socket_stub __attribute__((visibility("hidden")));

static inline bool fl_real_socket_is_stub(void)
{
        return atomic_load_explicit(&fl_real_socket_stub, memory_order_relaxed) == FL_STUB_YES;
}

/* Decides once (async-signal-safe: memory reads only); the answer of fl_real_socket_is_stub. */
bool fl_real_socket_stub_decide(void);

/* The shim's syscall table, over the real functions. */
extern const struct fl_sys fl_real_sys;

#endif
