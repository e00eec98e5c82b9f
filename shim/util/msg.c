#include "msg.h"

#include <stdbool.h>
#include <string.h>

/* Up to n bytes of s, or up to its NUL when to_nul. */
static void put(struct fl_msg *m, const char *s, size_t n, bool to_nul)
{
        for (size_t i = 0; i < n && !(to_nul && s[i] == 0) && m->used + 1 < m->len; i++)
                m->buf[m->used++] = s[i];
        if (m->len)
                m->buf[m->used] = 0;
}

void fl_msg_bytes(struct fl_msg *m, const char *s, size_t n)
{
        put(m, s, n, false);
}

void fl_msg_str(struct fl_msg *m, const char *s)
{
        put(m, s, SIZE_MAX, true);
}

void fl_msg_num(struct fl_msg *m, uint64_t v)
{
        char num[FL_NUM_TEXT];

        fl_msg_str(m, fl_utoa(v, num));
}

char *fl_utoa(uint64_t value, char buf[FL_NUM_TEXT])
{
        char digits[FL_NUM_TEXT];
        size_t n = 0, i = 0;

        do
                digits[n++] = (char)('0' + value % 10);
        while ((value /= 10) != 0);
        while (n)
                buf[i++] = digits[--n];
        buf[i] = 0;
        return buf;
}

const char *fl_errno_name(int err, char buf[FL_NUM_TEXT])
{
        const char *name = err > 0 ? strerrorname_np(err) : NULL;
        struct fl_msg m = {buf, FL_NUM_TEXT, 0};

        if (name)
                return name;
        fl_msg_str(&m, err < 0 ? "-" : "");
        fl_msg_num(&m, err < 0 ? -(uint64_t)err : (uint64_t)err);
        return buf;
}
