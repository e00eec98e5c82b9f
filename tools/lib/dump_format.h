/* How `forklock dump` prints a record: a table row or one JSON object. Separate from main so the
 * fuzz target runs the same code over hostile records. */
#ifndef FL_DUMP_FORMAT_H
#define FL_DUMP_FORMAT_H

#include <stdint.h>
#include <stdio.h>

#include "names.h"
#include "record.h"
#include "ring_reader.h"

void dump_table_heading(FILE *out);
void dump_table_row(FILE *out, const struct fl_ring_reader *r, const struct fl_record *rec);
void dump_json_line(FILE *out, const struct fl_ring_reader *r, const struct fl_record *rec);
/* The same with text in place of rec's own (a text reassembled from its continuations). */
void dump_json_line_text(FILE *out, const struct fl_ring_reader *r, const struct fl_record *rec,
                         const char *text);
/* The same, for a record whose view of an exec was decided over the whole ring (tools/lib/views.h:
 * a parent's view that the new image's own record repeats is shown with decision "none", so each
 * leak is listed once) and whose text was reassembled (NULL: its own). */
void dump_table_row_view(FILE *out, const struct fl_ring_reader *r, const struct fl_record *rec,
                         enum names_view view);
void dump_json_line_view(FILE *out, const struct fl_ring_reader *r, const struct fl_record *rec,
                         const char *text, enum names_view view);
/* The view of an inherit record judged from the record alone (a parent's view is kept as it
 * was recorded). */
enum names_view dump_view_alone(const struct fl_record *rec);
/* The summary after the table: reader stats and counts by decision (indexed by decision, the
 * last entry counting out-of-range values). */
void dump_summary(FILE *out, const struct fl_ring_stats *st, uint64_t shown,
                  const uint64_t by_decision[FL_DEC_COUNT + 1]);

#endif
