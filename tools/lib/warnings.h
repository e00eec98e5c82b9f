/* The warnings of a ring, as a person should see them: each FL_CALL_WARNING record's parts put
 * back together, and each distinct text once, in the order first seen. */
#ifndef FL_WARNINGS_H
#define FL_WARNINGS_H

#include <stdint.h>
#include <stdio.h>

#include "record.h"
#include "warn.h"

#define WARNINGS_OPEN 32 /* warnings being put together at once (one per writing thread) */

struct warnings {
        struct {
                int32_t pid, tid;
                int next, parts;
                size_t len;
                char text[FL_WARN_MAX + 1];
        } open[WARNINGS_OPEN];
        unsigned next_open;
        char **distinct;
        size_t count, cap;
};

void warnings_init(struct warnings *w);
/* Any record: warning parts are kept, others ignored. */
void warnings_feed(struct warnings *w, const struct fl_record *rec);
/* "forklock: TEXT" lines, printable characters only. */
void warnings_print(const struct warnings *w, FILE *out);
void warnings_free(struct warnings *w);

#endif
