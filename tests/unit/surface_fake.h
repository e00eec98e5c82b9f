/* A fake kernel for the surface's unit tests (fcntl, dup, sockopt, fdtable, go profile): fds are
 * numbers with a close-on-exec bit and an inode; each call can be told to fail; every record the
 * shim emits is kept. Included by one test file each (static definitions). */
#ifndef FL_SURFACE_FAKE_H
#define FL_SURFACE_FAKE_H

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "fdtable.h"
#include "shim.h"
#include "sockets.h"
#include "fdcalls.h"

#define FAKE_FDS 128

static struct {
        bool open[FAKE_FDS], cloexec[FAKE_FDS];
        unsigned long ino[FAKE_FDS];
        bool not_socket[FAKE_FDS];  /* fstat says a pipe; every other fd is a socket */
        bool dupfd_cloexec_refused; /* the kernel answers F_DUPFD_CLOEXEC with EINVAL */
        int setsockopt_errno;
        int fcntl_calls, dupfd_cloexec_calls, dupfd_calls, setsockopt_calls;
        int last_opt_level, last_opt_name, last_opt_value;
        int listen_backlog;
        int connect_errno, connect_calls; /* connect fails with connect_errno when set */
        const char *somaxconn;            /* NULL: the read fails */
        const char *release;
        int somaxconn_reads;
        unsigned long next_ino;
} fake;

static struct fl_record records[64];
static int nrecords;

static void capture(struct fl_record *record)
{
        if (nrecords < 64)
                records[nrecords] = *record;
        record->seq = (uint64_t)++nrecords;
}

static bool valid(int fd)
{
        return fd >= 0 && fd < FAKE_FDS && fake.open[fd];
}

static int fail(int err)
{
        errno = err;
        return -1;
}

static int lowest_from(int from, bool cloexec, unsigned long ino)
{
        for (int fd = from < 0 ? 0 : from; fd < FAKE_FDS; fd++)
                if (!fake.open[fd]) {
                        fake.open[fd] = true;
                        fake.cloexec[fd] = cloexec;
                        fake.ino[fd] = ino;
                        return fd;
                }
        return fail(EMFILE);
}

static int fake_fcntl(int fd, int cmd, int arg)
{
        fake.fcntl_calls++;
        if (!valid(fd))
                return fail(EBADF);
        switch (cmd) {
        case F_DUPFD_CLOEXEC:
                fake.dupfd_cloexec_calls++;
                if (fake.dupfd_cloexec_refused)
                        return fail(EINVAL);
                /* fallthrough */
        case F_DUPFD:
                if (cmd == F_DUPFD)
                        fake.dupfd_calls++;
                if (arg < 0 || arg >= FAKE_FDS)
                        return fail(EINVAL);
                return lowest_from(arg, cmd == F_DUPFD_CLOEXEC, fake.ino[fd]);
        case F_SETFD:
                fake.cloexec[fd] = arg & FD_CLOEXEC;
                return 0;
        case F_GETFD:
                return fake.cloexec[fd] ? FD_CLOEXEC : 0;
        default:
                return 0;
        }
}

static int fake_close(int fd)
{
        if (!valid(fd))
                return fail(EBADF);
        fake.open[fd] = false;
        return 0;
}

static int fake_dup(int fd)
{
        return valid(fd) ? lowest_from(0, false, fake.ino[fd]) : fail(EBADF);
}

static int fake_dup3(int fd, int target, int flags)
{
        if (!valid(fd) || target < 0 || target >= FAKE_FDS)
                return fail(EBADF);
        if (fd == target || (flags & ~O_CLOEXEC))
                return fail(EINVAL);
        fake.open[target] = true;
        fake.cloexec[target] = flags & O_CLOEXEC;
        fake.ino[target] = fake.ino[fd];
        return target;
}

static int fake_dup2(int fd, int target)
{
        if (valid(fd) && fd == target)
                return fd;
        return fake_dup3(fd, target, 0);
}

static int fake_socket(int family, int type, int protocol)
{
        (void)family, (void)type, (void)protocol;
        return lowest_from(3, type & SOCK_CLOEXEC, ++fake.next_ino);
}

static int fake_setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
        fake.setsockopt_calls++;
        if (!valid(fd))
                return fail(EBADF);
        if (fake.setsockopt_errno)
                return fail(fake.setsockopt_errno);
        if (len < sizeof(int))
                return fail(EINVAL);
        fake.last_opt_level = level;
        fake.last_opt_name = name;
        memcpy(&fake.last_opt_value, value, sizeof(int));
        return 0;
}

static int fake_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
        (void)addr, (void)len;
        return valid(fd) ? 0 : fail(EBADF);
}

static int fake_listen(int fd, int backlog)
{
        fake.listen_backlog = backlog;
        return valid(fd) ? 0 : fail(EBADF);
}

static int fake_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
        (void)addr, (void)len;
        fake.connect_calls++;
        if (!valid(fd))
                return fail(EBADF);
        return fake.connect_errno ? fail(fake.connect_errno) : 0;
}

static int fake_fstat(int fd, struct stat *st)
{
        if (!valid(fd))
                return fail(EBADF);
        memset(st, 0, sizeof(*st));
        st->st_ino = fake.ino[fd];
        st->st_mode = fake.not_socket[fd] ? S_IFIFO : S_IFSOCK;
        return 0;
}

static ssize_t fake_read_file(const char *path, char *buf, size_t size)
{
        (void)path;
        fake.somaxconn_reads++;
        if (!fake.somaxconn)
                return fail(ENOENT);
        strncpy(buf, fake.somaxconn, size);
        return (ssize_t)strnlen(fake.somaxconn, size);
}

static int fake_release(char *buf, size_t size)
{
        if (!fake.release)
                return fail(EFAULT);
        strncpy(buf, fake.release, size - 1);
        buf[size - 1] = '\0';
        return 0;
}

static int fake_close_range(unsigned first, unsigned last, int flags)
{
        (void)flags;
        for (unsigned fd = first; fd <= last && fd < FAKE_FDS; fd++)
                fake.open[fd] = false;
        return 0;
}

static const struct fl_sys fake_sys = {
    .socket = fake_socket,
    .fcntl_int = fake_fcntl,
    .close = fake_close,
    .dup = fake_dup,
    .dup2 = fake_dup2,
    .dup3 = fake_dup3,
    .setsockopt = fake_setsockopt,
    .bind = fake_bind,
    .listen = fake_listen,
    .connect = fake_connect,
    .close_range = fake_close_range,
    .fstat = fake_fstat,
    .read_file = fake_read_file,
    .kernel_release = fake_release,
};

static struct fl_shim shim;

static inline void setup_mode(enum fl_mode mode, enum fl_profile profile)
{
        memset(&fake, 0, sizeof(fake));
        memset(&shim, 0, sizeof(shim));
        nrecords = 0;
        fake.next_ino = 1000;
        for (int fd = 0; fd < 3; fd++) {
                fake.open[fd] = true;
                fake.ino[fd] = (unsigned long)fd + 1;
        }
        fake.somaxconn = "4096\n";
        fake.release = "6.1.0-18-amd64";
        shim.config.mode = mode;
        shim.config.profile = profile;
        shim.sys = &fake_sys;
        shim.emit = capture;
        fl_fdtable_reset();
}

static inline int open_fake(void)
{
        return lowest_from(3, false, ++fake.next_ino);
}

static inline const struct fl_record *last_record(void)
{
        return nrecords > 0 ? &records[nrecords - 1] : NULL;
}

/* setsockopt records of one decision for one option, and the value the last one names. */
static inline int count_opt(enum fl_decision decision, int level, int name)
{
        int n = 0;

        for (int i = 0; i < nrecords && i < 64; i++)
                n += records[i].call == FL_CALL_SETSOCKOPT && records[i].decision == decision &&
                     records[i].protocol == level && records[i].aux == name;
        return n;
}

static inline int value_of(int level, int name)
{
        for (int i = nrecords - 1; i >= 0; i--)
                if (records[i].call == FL_CALL_SETSOCKOPT && records[i].protocol == level &&
                    records[i].aux == name)
                        return records[i].type;
        return -1;
}

/* Go's TCP defaults set on fd, each recorded as a profile decision (tests include Criterion first).
 */
static inline void expect_go_tcp_defaults(int fd)
{
        cr_expect_eq(count_opt(FL_DEC_PROFILE, IPPROTO_TCP, TCP_NODELAY), 1);
        cr_expect_eq(count_opt(FL_DEC_PROFILE, SOL_SOCKET, SO_KEEPALIVE), 1);
        cr_expect_eq(value_of(IPPROTO_TCP, TCP_NODELAY), 1);
        cr_expect_eq(value_of(SOL_SOCKET, SO_KEEPALIVE), 1);
        cr_expect_eq(value_of(IPPROTO_TCP, TCP_KEEPIDLE), 15);
        cr_expect_eq(value_of(IPPROTO_TCP, TCP_KEEPINTVL), 15);
        cr_expect_eq(value_of(IPPROTO_TCP, TCP_KEEPCNT), 9);
        cr_expect_eq(last_record()->fd, fd);
        cr_expect_eq(fake.setsockopt_calls, 5);
}

#endif
