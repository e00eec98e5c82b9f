/* What both sides of exec write: one fd's record, and records with the ids taken now. */
#include "audit_record.h"

#include <string.h>

#include "ids.h"
#include "text_decide.h"

void fl_audit_fill_fd_record(struct fl_record *record, int fd, const struct fl_fdinfo *info,
                             enum fl_audit_view view, enum fl_pass_reason reason)
{
        memset(record, 0, sizeof(*record));
        record->call = FL_CALL_INHERIT;
        record->fd = fd;
        record->ino = info->ino;
        record->aux = view;
        record->flags_asked = reason;
        record->protocol = info->kind;
        record->flags_applied = info->state;
        record->family = info->family;
        record->type = info->type;
        record->fd2 = info->local_port;
        record->result = -1;
}

void fl_audit_emit_raw_ids(struct fl_shim *shim, struct fl_record *record,
                           enum fl_decision decision, const char *text)
{
        /* Ids now, not when emit fills them: the exec that follows may be a vfork child's, and
         * fl_ids asks the kernel while one may run. */
        record->pid = (int32_t)fl_ids_pid();
        record->tid = (int32_t)fl_ids_tid();
        fl_text_record_decide(shim, record, decision, text);
}
