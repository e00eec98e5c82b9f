#include "text_decide.h"

#include <stdint.h>
#include <string.h>

/* By hand, not strnlen/strlen: the argv of every exec is recorded in its fork child, where each
 * libc string function is one more text page to fault in; the texts are short. */
static size_t length_within(const char *text, size_t max)
{
        size_t n = 0;

        while (n < max && text[n])
                n++;
        return n;
}

static size_t chunk_copy(char *dst, const char *src)
{
        size_t n = length_within(src, FL_TEXT_CHUNK);

        memset(dst, 0, FL_RECORD_TEXT);
        memcpy(dst, src, n);
        return n;
}

uint64_t fl_text_record_decide(struct fl_shim *shim, struct fl_record *record,
                               enum fl_decision decision, const char *text)
{
        size_t len = length_within(text, SIZE_MAX), used = chunk_copy(record->text, text);
        uint32_t chunks = (uint32_t)((len - used + FL_TEXT_CHUNK - 1) / FL_TEXT_CHUNK);
        uint64_t seq = fl_shim_decide(shim, record, decision);
        struct fl_record more;

        if (seq == 0 || chunks == 0)
                return seq;
        memset(&more, 0, sizeof(more));
        more.call = FL_CALL_TEXT;
        more.pid = record->pid;
        more.tid = record->tid;
        more.fd = -1;
        more.fd2 = -1;
        more.ino = seq;
        more.flags_asked = chunks;
        for (uint32_t i = 1; i <= chunks; i++) {
                more.aux = (int32_t)i;
                used += chunk_copy(more.text, text + used);
                fl_shim_decide(shim, &more, FL_DEC_NONE);
        }
        return seq;
}
