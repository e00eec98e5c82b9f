/* Deciding a record whose text may be longer than a record holds: the first chunk in the record,
 * the rest in FL_CALL_TEXT continuations (the format: text_record.h). */
#ifndef FL_TEXT_DECIDE_H
#define FL_TEXT_DECIDE_H

#include <stdint.h>

#include "shim.h"
#include "text_record.h"

/* Decides record (text = text's first chunk) and writes the continuations. Returns its seq. */
uint64_t fl_text_record_decide(struct fl_shim *shim, struct fl_record *record,
                               enum fl_decision decision, const char *text);

#endif
