/* Long texts (argv, paths, addresses) reassembled from a record and its FL_CALL_TEXT
 * continuations (shim/ring/text_record.h), over a list of records oldest first. */
#ifndef FL_TEXTS_H
#define FL_TEXTS_H

#include <stddef.h>

#include "record.h"

/* texts[i]: record i's whole text when continuations were appended to it, else NULL (its own
 * text is the whole). NULL when out of memory. Free with texts_free. */
char **texts_assemble(const struct fl_record *recs, size_t n);

/* records[i]'s whole text: texts[i], or the record's own (not NUL-terminated at full size:
 * callers print at most FL_RECORD_TEXT bytes of it). */
const char *texts_of(char *const *texts, const struct fl_record *recs, size_t i);

void texts_free(char **texts, size_t n);

#endif
