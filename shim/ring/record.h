/* One decision of the shim, as stored in the ring. Fixed size, no pointers: the same bytes are
 * read back by `forklock dump` and by the audit in another process. */
#ifndef FL_RECORD_H
#define FL_RECORD_H

#include <stdint.h>

enum fl_call {
        FL_CALL_NONE = 0,
        FL_CALL_SOCKET,
        FL_CALL_SOCKETPAIR,
        FL_CALL_ACCEPT,
        FL_CALL_ACCEPT4,
        FL_CALL_FCNTL,
        FL_CALL_DUP,
        FL_CALL_DUP2,
        FL_CALL_DUP3,
        FL_CALL_SETSOCKOPT,
        FL_CALL_BIND,
        FL_CALL_LISTEN,
        FL_CALL_CLOSE,
        FL_CALL_CLOSE_RANGE,
        FL_CALL_CLOSEFROM,
        FL_CALL_FORK,
        FL_CALL_VFORK,
        FL_CALL_CLONE,
        FL_CALL_POSIX_SPAWN,
        FL_CALL_SYSTEM,
        FL_CALL_POPEN,
        FL_CALL_EXEC,
        FL_CALL_START,   /* constructor of a new image */
        FL_CALL_INHERIT, /* one fd found at start of a new image (audit) */
        FL_CALL_TEXT,    /* the next chunk of a longer record's text (shim/ring/text_record.h) */
        FL_CALL_WARNING, /* a configuration or ring warning: see FL_WARNING_PART */
        FL_CALL_IOCTL,   /* FIONCLEX / FIOCLEX */
        /* Scope all (FORKLOCK_SCOPE=all): every other kind of fd. */
        FL_CALL_OPEN,    /* open, openat, creat and their 64/_2 forms; text = the path */
        FL_CALL_PIPE,    /* pipe, pipe2 */
        FL_CALL_FOPEN,   /* fopen, freopen; text = the path */
        FL_CALL_TMPFILE, /* tmpfile */
        FL_CALL_MKSTEMP, /* the mkstemp family; text = the name made */
        FL_CALL_EPOLL,   /* epoll_create, epoll_create1 */
        FL_CALL_EVENTFD,
        FL_CALL_TIMERFD,
        FL_CALL_SIGNALFD,
        FL_CALL_INOTIFY, /* inotify_init, inotify_init1 */
        FL_CALL_MEMFD,
        FL_CALL_OPENPT,   /* posix_openpt, getpt */
        FL_CALL_EXEC_NET, /* the exec-time safety net marked fd (aux > 0: that many more) */
        FL_CALL_COUNT
};

enum fl_decision {
        FL_DEC_NONE = 0,
        FL_DEC_ATOMIC,              /* flag given to the kernel */
        FL_DEC_FALLBACK,            /* kernel refused: create + FD_CLOEXEC under the read lock */
        FL_DEC_REMEMBERED_FALLBACK, /* went straight to the fallback, refusal remembered */
        FL_DEC_PASSTHROUGH,         /* nothing to change */
        FL_DEC_AUDIT_WOULD_CHANGE,  /* audit mode: enforce would have changed this call */
        FL_DEC_ERROR,               /* the call failed; result and errno say how */
        FL_DEC_INTENT,              /* the program asked for inheritance (dup2, F_SETFD 0, ...) */
        FL_DEC_PROFILE,             /* the go profile changed an option or the backlog */
        FL_DEC_PROGRAM_WINS,        /* the program's own setting overrode the profile */
        FL_DEC_LEAK,                /* audit: an fd reached a new image without intent */
        FL_DEC_PASSED,              /* audit: an fd reached a new image on purpose */
        FL_DEC_EXEC_NET,            /* scope all: made close-on-exec right before exec */
        FL_DEC_COUNT
};

#define FL_RECORD_TEXT 48

/* 128 bytes, two cache lines. `seq` is owned by the ring (publication); the rest by the writer. */
struct fl_record {
        uint64_t seq;
        uint64_t ts_ns; /* CLOCK_MONOTONIC; the ring header holds the wall-clock base */
        int32_t pid;
        int32_t tid;
        uint16_t call;    /* enum fl_call */
        uint8_t decision; /* enum fl_decision */
        uint8_t reserved;
        int32_t fd;     /* the fd the call acted on (listener, dup source, closed fd) */
        int32_t result; /* return value: a new fd, 0, a child pid, or -1 */
        int32_t err;    /* errno when result is -1, else 0 */
        int32_t fd2;    /* a second fd: socketpair's other end, a dup target */
        int32_t family;
        int32_t type;
        int32_t protocol;
        uint32_t flags_asked;      /* flags as the caller passed them */
        uint32_t flags_applied;    /* flags as passed to the kernel */
        uint64_t ino;              /* inode of the fd created or inherited, 0 when unknown */
        int32_t child_pid;         /* fork/spawn child, or the parent pid for FL_CALL_START */
        int32_t aux;               /* backlog, option name, fd count: call-specific */
        char text[FL_RECORD_TEXT]; /* program, address or option, NUL-padded, truncated */
};

_Static_assert(sizeof(struct fl_record) == 128, "ring records are two cache lines");

/* A warning's text is cut into FL_RECORD_TEXT-byte parts, one FL_CALL_WARNING record each, written
 * in order by one thread: fd = part index, fd2 = number of parts, result = the text's length. */
#define FL_WARNING_MAX_PARTS 11 /* ceil(FL_WARN_MAX / FL_RECORD_TEXT) */

const char *fl_call_name(enum fl_call call);
const char *fl_decision_name(enum fl_decision decision);

#endif
