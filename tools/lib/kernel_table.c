/* The boundary table. Syscall numbers are written out for both architectures, because the
 * filter built on one machine must be right for the other too and no single set of headers has
 * both. On each architecture the build checks its own column against the system headers. */
#include "kernel_table.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#if defined(__x86_64__) || defined(__aarch64__)
#include <asm/unistd.h>
#endif

#define SOCK_FLAGS_OLD_KERNELS_REFUSE 0x80800u /* SOCK_CLOEXEC | SOCK_NONBLOCK, both arches */
#define F_DUPFD_CLOEXEC_CMD           1030     /* F_LINUX_SPECIFIC_BASE + 6 */
#define CLOSE_RANGE_CLOEXEC_FLAG      4u       /* 1U << 2 */

/* Shorthands for the table's columns. */
#define ALWAYS(n)                                                                                  \
        {                                                                                          \
                .nr = (n), .match = FL_MATCH_ALWAYS                                                \
        }
#define ANY_BIT(n, a, m)                                                                           \
        {                                                                                          \
                .nr = (n), .match = FL_MATCH_ANY_BIT, .arg = (a), .value = (m)                     \
        }
#define EQUAL(n, a, v)                                                                             \
        {                                                                                          \
                .nr = (n), .match = FL_MATCH_EQUAL, .arg = (a), .value = (v)                       \
        }
#define ANY_FLAG(n, a) ANY_BIT(n, a, 0xffffffffu)
#define ARCHES(x86, arm64)                                                                         \
        {                                                                                          \
                [FL_ARCH_X86_64] = x86, [FL_ARCH_AARCH64] = arm64                                  \
        }
#define ARCHES3(x86, arm64, i386)                                                                  \
        {                                                                                          \
                [FL_ARCH_X86_64] = x86, [FL_ARCH_AARCH64] = arm64, [FL_ARCH_I386] = i386           \
        }
#define I386_ONLY(...)                                                                             \
        {                                                                                          \
                [FL_ARCH_I386] = __VA_ARGS__                                                       \
        }
/* i386 (Debian 12's glibc, read from its code): socket, socketpair, accept and accept4 go through
 * the multiplexed socketcall(2), whose first argument (the call) a filter can read but whose
 * arguments sit in memory it cannot. So on i386 the SOCK_CLOEXEC/SOCK_NONBLOCK refusal of kernels
 * before 2.6.27 is not emulated for socket() and socketpair() (see fl_kernel_gaps); accept4 is
 * (SYS_ACCEPT4, unknown before 2.6.28, EINVAL as the multiplexer answered); the direct socket
 * calls (Linux 4.3) are refused below it, as glibc never uses them there. fcntl is fcntl64. */
#define SYS_ACCEPT4_CALL 18

/* The flag-taking calls of 2.6.27 (pipe2, dup3, epoll_create1, eventfd2, signalfd4,
 * inotify_init1) are refused only when their flags argument is non-zero. Today's glibc implements
 * pipe(), eventfd() and signalfd() with them and flags 0 on x86_64 too (and, on aarch64, which has
 * no older forms, dup2(), epoll_create() and inotify_init() as well); refusing those would make
 * every shell pipeline fail, which no 2.6.26 system did. A program that asks for the flags gets
 * ENOSYS, as on the old kernel, and takes its fallback. */
#define FLAG_FORM      "flags != 0"
#define FLAG_FORM_NOTE "flags 0 pass: glibc's plain call uses this one"

const struct fl_kernel_boundary fl_kernel_boundaries[] = {
    {FL_KVER(2, 6, 22), "eventfd", "always", ENOSYS, ARCHES3(ALWAYS(284), ALWAYS(19), ALWAYS(323)),
     "aarch64: eventfd2, the only entry point"},
    {FL_KVER(2, 6, 22), "eventfd2 (glibc's eventfd())", "always", ENOSYS,
     ARCHES3(ALWAYS(290), {0}, ALWAYS(328)), "aarch64: the row above"},
    {FL_KVER(2, 6, 22), "signalfd", "always", ENOSYS, ARCHES3(ALWAYS(282), ALWAYS(74), ALWAYS(321)),
     "aarch64: signalfd4, the only entry point"},
    {FL_KVER(2, 6, 22), "signalfd4 (glibc's signalfd())", "always", ENOSYS,
     ARCHES3(ALWAYS(289), {0}, ALWAYS(327)), "aarch64: the row above"},
    {FL_KVER(2, 6, 24), "fcntl F_DUPFD_CLOEXEC", "cmd == F_DUPFD_CLOEXEC", EINVAL,
     ARCHES3(EQUAL(72, 1, F_DUPFD_CLOEXEC_CMD), EQUAL(25, 1, F_DUPFD_CLOEXEC_CMD),
             EQUAL(221, 1, F_DUPFD_CLOEXEC_CMD)),
     "unknown fcntl command; no fcntl64 on 64-bit"},
    {FL_KVER(2, 6, 25), "timerfd_create", "always", ENOSYS,
     ARCHES3(ALWAYS(283), ALWAYS(85), ALWAYS(322)), NULL},
    {FL_KVER(2, 6, 27), "socket SOCK_CLOEXEC|SOCK_NONBLOCK", "type has either flag", EINVAL,
     ARCHES3(ANY_BIT(41, 1, SOCK_FLAGS_OLD_KERNELS_REFUSE),
             ANY_BIT(198, 1, SOCK_FLAGS_OLD_KERNELS_REFUSE),
             ANY_BIT(359, 1, SOCK_FLAGS_OLD_KERNELS_REFUSE)),
     "unknown socket type"},
    {FL_KVER(2, 6, 27), "socketpair SOCK_CLOEXEC|SOCK_NONBLOCK", "type has either flag", EINVAL,
     ARCHES3(ANY_BIT(53, 1, SOCK_FLAGS_OLD_KERNELS_REFUSE),
             ANY_BIT(199, 1, SOCK_FLAGS_OLD_KERNELS_REFUSE),
             ANY_BIT(360, 1, SOCK_FLAGS_OLD_KERNELS_REFUSE)),
     NULL},
    {FL_KVER(2, 6, 27), "pipe2", FLAG_FORM, ENOSYS,
     ARCHES3(ANY_FLAG(293, 1), ANY_FLAG(59, 1), ANY_FLAG(331, 1)), FLAG_FORM_NOTE},
    {FL_KVER(2, 6, 27), "dup3", FLAG_FORM, ENOSYS,
     ARCHES3(ANY_FLAG(292, 2), ANY_FLAG(24, 2), ANY_FLAG(330, 2)), FLAG_FORM_NOTE},
    {FL_KVER(2, 6, 27), "epoll_create1", FLAG_FORM, ENOSYS,
     ARCHES3(ANY_FLAG(291, 0), ANY_FLAG(20, 0), ANY_FLAG(329, 0)), FLAG_FORM_NOTE},
    {FL_KVER(2, 6, 27), "eventfd2", FLAG_FORM, ENOSYS,
     ARCHES3(ANY_FLAG(290, 1), ANY_FLAG(19, 1), ANY_FLAG(328, 1)), FLAG_FORM_NOTE},
    {FL_KVER(2, 6, 27), "signalfd4", FLAG_FORM, ENOSYS,
     ARCHES3(ANY_FLAG(289, 3), ANY_FLAG(74, 3), ANY_FLAG(327, 3)), FLAG_FORM_NOTE},
    {FL_KVER(2, 6, 27), "inotify_init1", FLAG_FORM, ENOSYS,
     ARCHES3(ANY_FLAG(294, 0), ANY_FLAG(26, 0), ANY_FLAG(332, 0)), FLAG_FORM_NOTE},
    {FL_KVER(2, 6, 27), "timerfd_create TFD_CLOEXEC|TFD_NONBLOCK", "flags != 0", EINVAL,
     ARCHES3(ANY_FLAG(283, 1), ANY_FLAG(85, 1), ANY_FLAG(322, 1)),
     "2.6.25-2.6.26 took flags 0 only"},
    {FL_KVER(2, 6, 28), "accept4", "always", ENOSYS, ARCHES3(ALWAYS(288), ALWAYS(242), ALWAYS(364)),
     "32-bit ARM got accept4 in 2.6.36; not emulated; i386: the direct call is 4.3, below"},
    {FL_KVER(2, 6, 28), "socketcall SYS_ACCEPT4 (i386 glibc's accept4())", "call == SYS_ACCEPT4",
     EINVAL, I386_ONLY(EQUAL(102, 0, SYS_ACCEPT4_CALL)), "the multiplexer refused unknown calls"},
    {FL_KVER(2, 6, 33), "recvmmsg", "always", ENOSYS,
     ARCHES3(ALWAYS(299), ALWAYS(243), ALWAYS(337)), NULL},
    {FL_KVER(3, 0, 0), "sendmmsg", "always", ENOSYS, ARCHES3(ALWAYS(307), ALWAYS(269), ALWAYS(345)),
     NULL},
    {FL_KVER(3, 17, 0), "memfd_create", "always", ENOSYS,
     ARCHES3(ALWAYS(319), ALWAYS(279), ALWAYS(356)), NULL},
    {FL_KVER(3, 17, 0), "getrandom", "always", ENOSYS,
     ARCHES3(ALWAYS(318), ALWAYS(278), ALWAYS(355)), "glibc and CPython fall back to /dev/urandom"},
    {FL_KVER(3, 19, 0), "execveat", "always", ENOSYS,
     ARCHES3(ALWAYS(322), ALWAYS(281), ALWAYS(358)), "glibc fexecve falls back to /proc/self/fd"},
    {FL_KVER(4, 3, 0), "socket (i386 direct call)", "always", ENOSYS, I386_ONLY(ALWAYS(359)),
     "glibc uses socketcall"},
    {FL_KVER(4, 3, 0), "socketpair (i386 direct call)", "always", ENOSYS, I386_ONLY(ALWAYS(360)),
     "glibc uses socketcall"},
    {FL_KVER(4, 3, 0), "accept4 (i386 direct call)", "always", ENOSYS, I386_ONLY(ALWAYS(364)),
     "glibc uses socketcall"},
    {FL_KVER(4, 5, 0), "copy_file_range", "always", ENOSYS,
     ARCHES3(ALWAYS(326), ALWAYS(285), ALWAYS(377)), "coreutils cp falls back to read/write"},
    {FL_KVER(4, 11, 0), "statx", "always", ENOSYS, ARCHES3(ALWAYS(332), ALWAYS(291), ALWAYS(383)),
     "glibc statx() falls back to fstatat"},
    {FL_KVER(4, 18, 0), "rseq", "always", ENOSYS, ARCHES3(ALWAYS(334), ALWAYS(293), ALWAYS(386)),
     "glibc runs on without restartable sequences"},
    {FL_KVER(5, 1, 0), "io_uring_setup", "always", ENOSYS,
     ARCHES3(ALWAYS(425), ALWAYS(425), ALWAYS(425)), "libuv falls back to epoll and threads"},
    {FL_KVER(5, 1, 0), "pidfd_send_signal", "always", ENOSYS,
     ARCHES3(ALWAYS(424), ALWAYS(424), ALWAYS(424)), NULL},
    {FL_KVER(5, 3, 0), "pidfd_open", "always", ENOSYS,
     ARCHES3(ALWAYS(434), ALWAYS(434), ALWAYS(434)), NULL},
    {FL_KVER(5, 3, 0), "clone3", "always", ENOSYS, ARCHES3(ALWAYS(435), ALWAYS(435), ALWAYS(435)),
     "glibc fork/pthread_create/posix_spawn fall back to clone on ENOSYS"},
    {FL_KVER(5, 6, 0), "openat2", "always", ENOSYS, ARCHES3(ALWAYS(437), ALWAYS(437), ALWAYS(437)),
     NULL},
    {FL_KVER(5, 6, 0), "pidfd_getfd", "always", ENOSYS,
     ARCHES3(ALWAYS(438), ALWAYS(438), ALWAYS(438)), NULL},
    {FL_KVER(5, 8, 0), "faccessat2", "always", ENOSYS,
     ARCHES3(ALWAYS(439), ALWAYS(439), ALWAYS(439)),
     "glibc faccessat() falls back to the old call"},
    {FL_KVER(5, 9, 0), "close_range", "always", ENOSYS,
     ARCHES3(ALWAYS(436), ALWAYS(436), ALWAYS(436)),
     "glibc closefrom() falls back to /proc/self/fd"},
    {FL_KVER(5, 11, 0), "close_range CLOSE_RANGE_CLOEXEC", "flags has CLOSE_RANGE_CLOEXEC", EINVAL,
     ARCHES3(ANY_BIT(436, 2, CLOSE_RANGE_CLOEXEC_FLAG), ANY_BIT(436, 2, CLOSE_RANGE_CLOEXEC_FLAG),
             ANY_BIT(436, 2, CLOSE_RANGE_CLOEXEC_FLAG)),
     "unknown flag"},
    {FL_KVER(5, 11, 0), "epoll_pwait2", "always", ENOSYS,
     ARCHES3(ALWAYS(441), ALWAYS(441), ALWAYS(441)), NULL},
};

const size_t fl_kernel_boundary_count =
    sizeof(fl_kernel_boundaries) / sizeof(fl_kernel_boundaries[0]);

const struct fl_kernel_gap fl_kernel_gaps[] = {
    {FL_KVER(2, 6, 23), "open/openat O_CLOEXEC",
     "older kernels ignored the flag silently and returned an inheritable fd; a filter can "
     "refuse a call but cannot clear a flag and let it through"},
    {FL_KVER(2, 6, 23), "recvmsg MSG_CMSG_CLOEXEC",
     "same: received SCM_RIGHTS fds came without close-on-exec"},
    {FL_KVER(2, 6, 27), "socket/socketpair SOCK_CLOEXEC|SOCK_NONBLOCK on i386",
     "i386 glibc passes the type through socketcall's argument block, in memory a filter cannot "
     "read: such sockets are created; --simulate-einval exercises forklock's fallback instead"},
    {FL_KVER(2, 6, 19), "epoll_pwait", "not refused: glibc's epoll_wait uses it on aarch64"},
    {FL_KVER(2, 6, 22), "utimensat", "not refused: glibc's utimes/futimens need it"},
    {FL_KVER(2, 6, 36), "prlimit64", "not refused: glibc's getrlimit/setrlimit use only it"},
};

const size_t fl_kernel_gap_count = sizeof(fl_kernel_gaps) / sizeof(fl_kernel_gaps[0]);

/* The column for the machine we build on must agree with its headers. */
#if defined(__x86_64__)
_Static_assert(__NR_socket == 41 && __NR_socketpair == 53 && __NR_accept4 == 288, "x86_64");
_Static_assert(__NR_fcntl == 72 && __NR_pipe2 == 293 && __NR_dup3 == 292, "x86_64");
_Static_assert(__NR_epoll_create1 == 291 && __NR_eventfd2 == 290 && __NR_eventfd == 284, "x86_64");
_Static_assert(__NR_signalfd4 == 289 && __NR_signalfd == 282 && __NR_inotify_init1 == 294, "x86");
_Static_assert(__NR_timerfd_create == 283 && __NR_recvmmsg == 299 && __NR_sendmmsg == 307, "x86");
_Static_assert(__NR_memfd_create == 319 && __NR_getrandom == 318 && __NR_execveat == 322, "x86");
_Static_assert(__NR_copy_file_range == 326 && __NR_statx == 332 && __NR_rseq == 334, "x86_64");
#elif defined(__aarch64__)
_Static_assert(__NR_socket == 198 && __NR_socketpair == 199 && __NR_accept4 == 242, "aarch64");
_Static_assert(__NR_fcntl == 25 && __NR_pipe2 == 59 && __NR_dup3 == 24, "aarch64");
_Static_assert(__NR_epoll_create1 == 20 && __NR_eventfd2 == 19, "aarch64");
_Static_assert(__NR_signalfd4 == 74 && __NR_inotify_init1 == 26, "aarch64");
_Static_assert(__NR_timerfd_create == 85 && __NR_recvmmsg == 243 && __NR_sendmmsg == 269, "arm");
_Static_assert(__NR_memfd_create == 279 && __NR_getrandom == 278 && __NR_execveat == 281, "arm");
_Static_assert(__NR_copy_file_range == 285 && __NR_statx == 291 && __NR_rseq == 293, "aarch64");
#endif
#if defined(__NR_epoll_pwait2)
_Static_assert(__NR_io_uring_setup == 425 && __NR_pidfd_send_signal == 424, "unified numbers");
_Static_assert(__NR_pidfd_open == 434 && __NR_clone3 == 435 && __NR_close_range == 436, "unified");
_Static_assert(__NR_openat2 == 437 && __NR_pidfd_getfd == 438 && __NR_faccessat2 == 439, "unified");
_Static_assert(__NR_epoll_pwait2 == 441, "unified numbers");
#endif

static const char *parse_component(const char *text, unsigned *value)
{
        unsigned long number = 0;

        if (*text < '0' || *text > '9')
                return NULL;
        for (; *text >= '0' && *text <= '9'; text++) {
                number = number * 10 + (unsigned long)(*text - '0');
                if (number > 0xffff)
                        return NULL;
        }
        *value = (unsigned)number;
        return text;
}

int fl_kernel_parse(const char *text, uint32_t *version)
{
        unsigned part[4] = {0, 0, 0, 0};
        int count = 0;

        while (count < 4) {
                text = parse_component(text, &part[count++]);
                if (!text)
                        return -1;
                if (*text != '.')
                        break;
                text++;
        }
        /* What uname -r prints: X.Y.Z followed by a local version ("-150-generic", "+"). */
        if (count >= 3 && (*text == '-' || *text == '+' || *text == '_'))
                text += strlen(text);
        if (*text != '\0' || count < 2 || part[0] > 0xff || part[1] > 0xff)
                return -1;
        *version = FL_KVER(part[0], part[1], part[2]);
        return 0;
}

int fl_kernel_running(uint32_t *version)
{
        struct utsname name;
        unsigned major, minor, patch = 0;

        if (uname(&name) != 0)
                return -1;
        if (sscanf(name.release, "%u.%u.%u", &major, &minor, &patch) < 2)
                return -1;
        if (major > 0xff || minor > 0xff || patch > 0xffff)
                return -1;
        *version = FL_KVER(major, minor, patch);
        return 0;
}

/* The last minor release of each series, so that "3.25" is refused as a typo, not run as 3.19. */
static unsigned last_minor_of_series(unsigned major)
{
        switch (major) {
        case 2:
                return 6;
        case 3:
                return 19;
        case 4:
                return 20;
        case 5:
                return 19;
        default:
                return 0xff;
        }
}

const char *fl_kernel_refusal(uint32_t version, uint32_t running)
{
        unsigned major = FL_KVER_MAJOR(version);

        if (version < FL_KVER_OLDEST)
                return "older than 2.6.18, the oldest kernel forklock emulates";
        if (version > running)
                return "newer than the running kernel: a filter can take features away, not add "
                       "them";
        if (FL_KVER_MINOR(version) > last_minor_of_series(major))
                return "no such kernel release";
        if (major == 2 && FL_KVER_PATCH(version) > 39)
                return "no such kernel release (2.6 ended at 2.6.39)";
        return NULL;
}

void fl_kernel_format(uint32_t version, char *buf, size_t size)
{
        unsigned major = FL_KVER_MAJOR(version), minor = FL_KVER_MINOR(version);
        unsigned patch = FL_KVER_PATCH(version);

        if (major >= 3 && patch == 0)
                snprintf(buf, size, "%u.%u", major, minor);
        else
                snprintf(buf, size, "%u.%u.%u", major, minor, patch);
}
