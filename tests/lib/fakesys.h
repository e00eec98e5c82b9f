/* A fake syscall table for unit tests (as Go's socktest): each call is counted, fds are numbers
 * with flags kept here, and each step can be told to fail with a given errno. */
#ifndef FL_FAKESYS_H
#define FL_FAKESYS_H

#include <stdbool.h>

#include "sys.h"

#define FL_FAKE_FDS 64

struct fl_fake {
        /* failures to inject (0: succeed) */
        int socket_flagged_errno; /* socket/socketpair whose type carries SOCK_CLOEXEC/NONBLOCK */
        int socket_plain_errno;   /* ... without them */
        int accept4_errno;        /* accept4 on a real fd */
        bool accept4_exists;      /* accept4(-1, ...) answers EBADF (else accept4_errno) */
        int accept_errno;
        int accept_eagain_times; /* accept answers EAGAIN this many times first */
        int setfd_errno, getfl_errno, setfl_errno;
        /* the listener's SO_RCVTIMEO in microseconds (0: none), and a clock that poll advances:
         * by its whole timeout when no client comes (poll_no_client), else by poll_takes_ns */
        long long rcvtimeo_us, now_ns, poll_takes_ns;
        bool poll_no_client;
        int last_poll_timeout;
        /* scope all's calls: pipe2/epoll_create1/inotify_init1 missing (ENOSYS), flags refused
         * by eventfd/timerfd/signalfd/memfd (EINVAL), O_CLOEXEC silently ignored by open */
        int pipe2_errno, epoll_create1_errno, inotify_init1_errno, anon_flags_errno;
        int open_errno;
        bool open_ignores_cloexec;
        int open_calls, pipe_calls, pipe2_calls, epoll_create_calls, epoll_create1_calls;
        int last_flags; /* the flags of the last scope-all call */
        char last_mode[16];
        /* what happened */
        int socket_calls, socketpair_calls, accept4_calls, accept_calls, close_calls, poll_calls;
        int setfd_calls, setfl_calls;
        int last_type, last_accept4_flags;
        int next_fd;
        bool open[FL_FAKE_FDS], cloexec[FL_FAKE_FDS], nonblock[FL_FAKE_FDS];
};

extern struct fl_fake fl_fake;
extern const struct fl_sys fl_fake_sys;

/* Everything succeeds; fd 3 is an open, blocking listener. */
void fl_fake_reset(void);
int fl_fake_open_count(void);

#endif
