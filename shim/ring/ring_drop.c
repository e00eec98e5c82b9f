/* Drop rings: how an image that dropped privileges still records its START and inherited fds.
 *
 * `forklock run`/`audit` make the directory of the ring traversable (0711) and put beside the ring
 * a drop directory, <ring>.drop, owned by the caller, mode 1733: anyone may create a file in it,
 * nobody but its owner may list it, and the sticky bit keeps each file to its owner. An image whose
 * euid is not the ring's owner creates or joins <ring>.drop/<euid>.ring there (0600, O_EXCL,
 * O_NOFOLLOW, the same checks as any ring file): one small ring per user, shared by all of that
 * user's images, so a server forking thousands of CGIs still makes one file. It can read or change
 * nothing of the caller's: the main ring stays 0600, the directory cannot be listed. The tools
 * (run by the caller, who can list it) read only files named <uid>.ring owned by that uid, and
 * keep only records of pids of the audited tree (see tools/audit.c). */
#include "ring.h"
#include "ring_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int usable_drop_dir(const char *dir, uid_t owner)
{
        struct stat st;

        /* Made by the ring's owner, as the tools make it; anything else was not meant for us. */
        return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) &&
               st.st_uid == owner;
}

int fl_ring_open_drop(struct fl_ring *ring, const char *log_path, uid_t owner)
{
        char path[PATH_MAX];
        struct fl_msg m = {path, sizeof(path), 0};
        size_t dir_len;
        uid_t dummy;

        memset(ring, 0, sizeof(*ring));
        if (owner == (uid_t)-1 || owner == geteuid())
                return -1;
        fl_msg_str(&m, log_path);
        fl_msg_str(&m, FL_RING_DROP_SUFFIX);
        dir_len = m.used;
        if (!usable_drop_dir(path, owner))
                return -1;
        fl_msg_str(&m, "/");
        fl_msg_num(&m, geteuid());
        fl_msg_str(&m, ".ring");
        if (m.used + 1 >= sizeof(path) || m.used <= dir_len + 1)
                return -1;
        return fl_ring_open_mine(ring, path, FL_RING_DROP_CAPACITY, &dummy) == 0 ? 0 : -1;
}
