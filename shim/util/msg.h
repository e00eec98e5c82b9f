/* Text built in a fixed buffer, without stdio, malloc or locale: the constructor, the exec path and
 * signal handlers format their warnings, paths and addresses with these. Async-signal-safe. */
#ifndef FL_MSG_H
#define FL_MSG_H

#include <stddef.h>
#include <stdint.h>

/* Room for any decimal int64_t or uint64_t with its sign and NUL. */
#define FL_NUM_TEXT 24

/* buf holds len bytes; the text stays NUL-terminated (when len > 0) and is cut, never overrun. */
struct fl_msg {
        char *buf;
        size_t len, used;
};

void fl_msg_str(struct fl_msg *m, const char *s);
/* n bytes of s, NULs included. */
void fl_msg_bytes(struct fl_msg *m, const char *s, size_t n);
void fl_msg_num(struct fl_msg *m, uint64_t v);

/* Decimal, into buf; returns buf. */
char *fl_utoa(uint64_t value, char buf[FL_NUM_TEXT]);
/* errno as its name ("EINVAL"), or its number in buf when it has none. */
const char *fl_errno_name(int err, char buf[FL_NUM_TEXT]);

#endif
