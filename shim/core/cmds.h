/* FORKLOCK_ONLY_CMDS / FORKLOCK_SKIP_CMDS, with libfaketime's semantics (FAKETIME_ONLY_CMDS,
 * FAKETIME_SKIP_CMDS): comma-separated program names matched against the image's own name (the
 * last part of argv[0]). An image that is not selected runs with forklock off, pure pass-through;
 * its children are judged by their own names. */
#ifndef FL_CMDS_H
#define FL_CMDS_H

#include <stdbool.h>

/* True when the image called name is selected: listed in only (when only is set and not empty),
 * and not listed in skip. A name in both is skipped. */
bool fl_cmds_selected(const char *only, const char *skip, const char *name);

#endif
