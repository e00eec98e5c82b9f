#include "shim.h"
#include "hot.h"

#include <errno.h>

FL_HOT uint64_t fl_shim_decide(struct fl_shim *shim, struct fl_record *record,
                               enum fl_decision decision)
{
        /* No count kept here: nothing read it, and each count was a locked add on every record
         * and, after fork, a write that made the parent copy the shim state's page. */
        record->decision = (uint8_t)decision;
        if (shim->emit) {
                /* An fstat per socket is measurable (socket+close on the 1.03x budget), and in
                 * enforce mode forklock's own sockets do not leak, so only audit mode pays for
                 * the inode. */
                if (shim->config.mode == FL_MODE_AUDIT && shim->note_ino)
                        shim->note_ino(shim, record);
                shim->emit(record);
        }
        return record->seq;
}

uint64_t fl_shim_record(struct fl_shim *shim, struct fl_record *record, int result,
                        enum fl_decision decision)
{
        int saved = errno;
        uint64_t seq;

        record->result = result;
        record->err = result < 0 ? saved : 0;
        seq = fl_shim_decide(shim, record, result < 0 ? FL_DEC_ERROR : decision);
        errno = saved;
        return seq;
}
