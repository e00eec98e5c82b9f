/* Which side of an exec each FL_CALL_INHERIT record speaks for, decided over the whole list the
 * way the audit counts: the new image's own records are the crossing; the parent's view at exec
 * stands in only for an exec'd image that kept no record (a static binary, a server that dropped
 * privileges before it could open the ring); the parent's view of a failed exec is nothing. One
 * function for `forklock audit`, `dump` and the tree, so each leak is counted once everywhere. */
#ifndef FL_VIEWS_H
#define FL_VIEWS_H

#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "record.h"

/* view[i] for each of the n records (NAMES_VIEW_NONE for other calls); group_of[i] (may be NULL):
 * the index + 1 of the ARGV record a parent's view belongs to, 0 for none. */
void views_resolve(const struct fl_record *recs, size_t n, uint8_t *view, uint32_t *group_of);

#endif
