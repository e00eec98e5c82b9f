/* The one-walk lookup answers exactly what dlsym(RTLD_NEXT) answers, or leaves the name to it:
 * every wrapped function of the library, names with several versions, IFUNCs, a name nobody
 * defines. Looked up from this test program, the first object, as the library looks up from its
 * own place. */
#include <criterion/criterion.h>

#include <dlfcn.h>
#include <unistd.h>

#include "next_symbols.h"

static const char *const names[] = {
    "socket", "socketpair", "accept", "accept4", "fcntl", "close", "poll", "recvmsg", "recvmmsg",
    "fork", "_Fork", "vfork", "clone", "posix_spawn", "posix_spawnp", "popen", "system",
    "posix_spawn_file_actions_init", "posix_spawn_file_actions_destroy",
    "posix_spawn_file_actions_adddup2", "execve", "execv", "execvp", "execvpe", "fexecve",
    "execveat", "fcntl64", "dup", "dup2", "dup3", "setsockopt", "bind", "listen", "close_range",
    "closefrom", "ioctl", "open", "open64", "openat", "openat64", "creat", "creat64", "__open_2",
    "__open64_2", "__openat_2", "__openat64_2", "pipe", "pipe2", "fopen", "fopen64", "freopen",
    "freopen64", "tmpfile", "tmpfile64", "mkstemp", "mkstemp64", "mkostemp", "mkostemps",
    "mkstemps", "epoll_create", "epoll_create1", "eventfd", "timerfd_create", "signalfd",
    "inotify_init", "inotify_init1", "memfd_create", "posix_openpt", "getpt",
    /* several versions, IFUNCs, data, nothing */
    "pthread_cond_wait", "realpath", "memcpy", "__memcpy_chk", "time", "gettimeofday", "environ",
    "stdin", "forklock_no_such_function"};

static void noop(void)
{
}

Test(next_symbols, same_answer_as_dlsym_or_none)
{
        struct fl_next_objects next;
        int answered = 0;

        cr_assert(fl_next_objects_find(&next, (const void *)noop, (const void *)getpid),
                  "the objects after this program up to the C library were not found");
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                void *mine = fl_next_symbol(&next, names[i]);

                if (!mine)
                        continue;
                answered++;
                cr_expect_eq(mine, dlsym(RTLD_NEXT, names[i]), "%s: %p, dlsym says %p", names[i],
                             mine, dlsym(RTLD_NEXT, names[i]));
        }
        /* Every wrapped function is a plain function of glibc: the walk answers them all. */
        cr_expect_geq(answered, 69, "only %d names answered", answered);
        cr_expect_null(fl_next_symbol(&next, "forklock_no_such_function"));
        cr_expect_null(fl_next_symbol(&next, "__memcpy_chk"),
                       "an IFUNC is the loader's to resolve");
}

Test(next_symbols, refused_when_the_last_object_is_not_after_self)
{
        struct fl_next_objects next;

        cr_expect_not(fl_next_objects_find(&next, (const void *)getpid, (const void *)noop));
}
