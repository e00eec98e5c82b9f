/* Names of calls and decisions, as printed by `forklock dump` and used by --call. */
#include "record.h"
#include "ring_reader.h"

#include <string.h>

static const char *const call_names[FL_CALL_COUNT] = {
    [FL_CALL_NONE] = "none",
    [FL_CALL_SOCKET] = "socket",
    [FL_CALL_SOCKETPAIR] = "socketpair",
    [FL_CALL_ACCEPT] = "accept",
    [FL_CALL_ACCEPT4] = "accept4",
    [FL_CALL_FCNTL] = "fcntl",
    [FL_CALL_DUP] = "dup",
    [FL_CALL_DUP2] = "dup2",
    [FL_CALL_DUP3] = "dup3",
    [FL_CALL_SETSOCKOPT] = "setsockopt",
    [FL_CALL_BIND] = "bind",
    [FL_CALL_LISTEN] = "listen",
    [FL_CALL_CLOSE] = "close",
    [FL_CALL_CLOSE_RANGE] = "close_range",
    [FL_CALL_CLOSEFROM] = "closefrom",
    [FL_CALL_FORK] = "fork",
    [FL_CALL_VFORK] = "vfork",
    [FL_CALL_CLONE] = "clone",
    [FL_CALL_POSIX_SPAWN] = "posix_spawn",
    [FL_CALL_SYSTEM] = "system",
    [FL_CALL_POPEN] = "popen",
    [FL_CALL_EXEC] = "exec",
    [FL_CALL_START] = "start",
    [FL_CALL_INHERIT] = "inherit",
    [FL_CALL_TEXT] = "text",
    [FL_CALL_WARNING] = "warning",
    [FL_CALL_IOCTL] = "ioctl",
    [FL_CALL_OPEN] = "open",
    [FL_CALL_PIPE] = "pipe",
    [FL_CALL_FOPEN] = "fopen",
    [FL_CALL_TMPFILE] = "tmpfile",
    [FL_CALL_MKSTEMP] = "mkstemp",
    [FL_CALL_EPOLL] = "epoll_create",
    [FL_CALL_EVENTFD] = "eventfd",
    [FL_CALL_TIMERFD] = "timerfd_create",
    [FL_CALL_SIGNALFD] = "signalfd",
    [FL_CALL_INOTIFY] = "inotify_init",
    [FL_CALL_MEMFD] = "memfd_create",
    [FL_CALL_OPENPT] = "posix_openpt",
    [FL_CALL_EXEC_NET] = "exec_net",
};

static const char *const decision_names[FL_DEC_COUNT] = {
    [FL_DEC_NONE] = "none",
    [FL_DEC_ATOMIC] = "atomic",
    [FL_DEC_FALLBACK] = "fallback",
    [FL_DEC_REMEMBERED_FALLBACK] = "remembered-fallback",
    [FL_DEC_PASSTHROUGH] = "passthrough",
    [FL_DEC_AUDIT_WOULD_CHANGE] = "audit-would-change",
    [FL_DEC_ERROR] = "error",
    [FL_DEC_INTENT] = "intent",
    [FL_DEC_PROFILE] = "profile",
    [FL_DEC_PROGRAM_WINS] = "program-wins",
    [FL_DEC_LEAK] = "leak",
    [FL_DEC_PASSED] = "passed",
    [FL_DEC_EXEC_NET] = "exec-net",
};

/* Records come from files anyone may have written: out-of-range values get a name too. */
const char *fl_call_name(enum fl_call call)
{
        if ((unsigned)call < FL_CALL_COUNT && call_names[call])
                return call_names[call];
        return "unknown";
}

const char *fl_decision_name(enum fl_decision decision)
{
        if ((unsigned)decision < FL_DEC_COUNT && decision_names[decision])
                return decision_names[decision];
        return "unknown";
}

int fl_call_from_name(const char *name)
{
        for (int i = 0; i < FL_CALL_COUNT; i++)
                if (call_names[i] && !strcmp(call_names[i], name))
                        return i;
        return -1;
}

int fl_decision_from_name(const char *name)
{
        for (int i = 0; i < FL_DEC_COUNT; i++)
                if (decision_names[i] && !strcmp(decision_names[i], name))
                        return i;
        return -1;
}
