/* The records both sides of exec write (the format: audit.h). Internal to the audit. */
#ifndef FL_AUDIT_RECORD_H
#define FL_AUDIT_RECORD_H

#include "audit.h"
#include "fdinfo.h"
#include "inherit.h"

/* An FL_CALL_INHERIT record of fd as info describes it, from view, passed for reason. */
void fl_audit_fill_fd_record(struct fl_record *record, int fd, const struct fl_fdinfo *info,
                             enum fl_audit_view view, enum fl_pass_reason reason);

/* Decides record with its text, pid and tid asked of the kernel now. */
void fl_audit_emit_raw_ids(struct fl_shim *shim, struct fl_record *record,
                           enum fl_decision decision, const char *text);

#endif
