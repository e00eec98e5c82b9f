#include "text_decide.h"

#include <string.h>

static size_t chunk_copy(char *dst, const char *src)
{
        size_t n = strnlen(src, FL_TEXT_CHUNK);

        memset(dst, 0, FL_RECORD_TEXT);
        memcpy(dst, src, n);
        return n;
}

uint64_t fl_text_record_decide(struct fl_shim *shim, struct fl_record *record,
                               enum fl_decision decision, const char *text)
{
        size_t len = strlen(text), used = chunk_copy(record->text, text);
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
