/* Texts longer than a record holds (full addresses, paths up to PATH_MAX, argv): the record keeps
 * the first FL_TEXT_CHUNK bytes, and FL_CALL_TEXT records written right after it by the same thread
 * carry the rest, FL_TEXT_CHUNK bytes each (NUL-terminated):
 *   ino = seq of the record continued, aux = chunk number (1, 2, ...), flags_asked = chunks in all
 *   (continuations only), pid/tid = the continued record's.
 * Readers (forklock audit, forklock dump) append the chunks in order; a chunk whose record was
 * overwritten is shown on its own. Without a ring (emit stores no seq) only the first chunk is
 * kept. This is the format, for readers and writer alike. */
#ifndef FL_TEXT_RECORD_H
#define FL_TEXT_RECORD_H

#include <stdint.h>

#include "record.h"

#define FL_TEXT_CHUNK (FL_RECORD_TEXT - 1)

/* The continued record's seq (0: r is no continuation). The writer is fl_text_record_decide
 * (text_decide.h). */
static inline uint64_t fl_text_record_continues(const struct fl_record *r)
{
        return r->call == FL_CALL_TEXT ? r->ino : 0;
}

#endif
