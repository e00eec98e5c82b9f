#include "dupfd.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "fdflags.h"
#include "fdtable.h"
#include "forklock.h"

/* EINVAL also means the caller's min_fd is negative or above RLIMIT_NOFILE. The fallback tells the
 * two apart for free: plain F_DUPFD fails the same way for a bad argument, and succeeds only when
 * the kernel lacks F_DUPFD_CLOEXEC. */
static int dup_on_fallback(const struct fl_shim *shim, int fd, int min_fd)
{
        struct fl_lock_token token;
        int result;

        fl_forklock_read_lock(&token);
        result = shim->sys->fcntl_int(fd, F_DUPFD, min_fd);
        if (result >= 0 && fl_mark_cloexec(shim->sys, result) < 0) {
                int saved = errno;
                shim->sys->close(result);
                errno = saved;
                result = -1;
        }
        fl_forklock_read_unlock(&token);
        return result;
}

bool fl_dupfd_source_is_socket(const struct fl_shim *shim, int fd)
{
        struct stat st;
        int saved = errno;
        bool socket = shim->sys->fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);

        errno = saved;
        return socket;
}

int fl_dupfd_cloexec(struct fl_shim *shim, int fd, int min_fd, enum fl_decision *decision)
{
        bool remembered = atomic_load_explicit(&shim->dupfd_cloexec_refused, memory_order_relaxed);
        int result;

        *decision = FL_DEC_ATOMIC;
        if (!remembered) {
                if (shim->config.simulate_einval) {
                        errno = EINVAL;
                        result = -1;
                } else {
                        result = shim->sys->fcntl_int(fd, F_DUPFD_CLOEXEC, min_fd);
                }
                if (result >= 0 || errno != EINVAL)
                        return result;
        }
        *decision = remembered ? FL_DEC_REMEMBERED_FALLBACK : FL_DEC_FALLBACK;
        result = dup_on_fallback(shim, fd, min_fd);
        if (result >= 0 && !remembered)
                atomic_store(&shim->dupfd_cloexec_refused, true);
        return result;
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
