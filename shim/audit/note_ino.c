/* Noting the inode of each fd a recorded call created (registered as shim->note_ino). */
#include "audit.h"

#include <errno.h>
#include <sys/stat.h>

void fl_audit_note_ino(const struct fl_shim *shim, struct fl_record *record)
{
        struct stat st;
        int saved = errno;
        int fd = -1;

        if (record->result < 0 || record->ino != 0)
                return;
        if (record->call == FL_CALL_SOCKET || record->call == FL_CALL_SOCKETPAIR)
                fd = record->fd;
        else if (record->call == FL_CALL_ACCEPT || record->call == FL_CALL_ACCEPT4)
                fd = record->result;
        if (fd < 0)
                return;
        if (shim->sys->fstat(fd, &st) == 0)
                record->ino = (uint64_t)st.st_ino;
        if (record->call == FL_CALL_SOCKETPAIR && record->fd2 >= 0 &&
            shim->sys->fstat(record->fd2, &st) == 0)
                record->aux = (int32_t)(uint32_t)st.st_ino;
        errno = saved;
}
