#include "dupfd.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "cloexec.h"
#include "fdtable.h"

struct dup_args {
        int fd, min_fd;
};

static int duplicate(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        const struct dup_args *args = c->args;

        return shim->sys->fcntl_int(args->fd, flags & O_CLOEXEC ? F_DUPFD_CLOEXEC : F_DUPFD,
                                    args->min_fd);
}

/* EINVAL also means the caller's min_fd is negative or above RLIMIT_NOFILE. The fallback tells the
 * two apart for free: plain F_DUPFD fails the same way for a bad argument, and succeeds only when
 * the kernel lacks F_DUPFD_CLOEXEC. */
static bool refused(const struct fl_shim *shim, const struct fl_creation *c, int err)
{
        (void)shim, (void)c;
        return err == EINVAL;
}

static const struct fl_creation_ops dup_ops = {
    .cloexec = O_CLOEXEC,
    .call = duplicate,
    .refused = refused,
};

bool fl_dupfd_in_scope(const struct fl_shim *shim, int fd)
{
        struct stat st;
        int saved = errno;
        bool socket;

        if (shim->config.scope == FL_SCOPE_ALL)
                return true;
        socket = shim->sys->fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);

        errno = saved;
        return socket;
}

int fl_dupfd_cloexec(struct fl_shim *shim, int fd, int min_fd, enum fl_decision *decision)
{
        struct dup_args args = {fd, min_fd};
        struct fl_creation c = {
            &dup_ops, &shim->dupfd_cloexec_refused, FL_CALL_FCNTL, 0, false, NULL, &args};

        return fl_cloexec_call(shim, &c, O_CLOEXEC, decision);
}

struct dup_note {
        uint64_t seq;
        uint16_t call;
        bool forced, intent;
};

static void as_duplicate(struct fl_fd_info *info, const struct dup_note *note)
{
        info->seq = note->seq;
        info->call = note->call;
        info->flags &= (uint8_t) ~(FL_FD_CLOEXEC_FORCED | FL_FD_INTENT);
        if (note->forced)
                info->flags |= FL_FD_CLOEXEC_FORCED;
        if (note->intent)
                info->flags |= FL_FD_INTENT;
}

void fl_dupfd_note(int fd, int new_fd, enum fl_call call, uint64_t seq, bool forced, bool intent)
{
        struct dup_note note = {seq, (uint16_t)call, forced, intent};
        struct fl_fd_info info;
        int saved = errno;

        if (new_fd < 0)
                return;
        /* The source's entry describes the same open file; an unknown source gives a bare one. */
        fl_fdtable_get(fd, &info);
        as_duplicate(&info, &note);
        fl_fdtable_set(new_fd, &info);
        errno = saved;
}
