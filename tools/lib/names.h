/* A record's numbers in words: "AF_INET SOCK_STREAM +SOCK_CLOEXEC", "F_DUPFD → F_DUPFD_CLOEXEC",
 * "backlog 128 → 4096", "parent=5058". Shared by the dump table, its JSON and the tree view, so
 * the three cannot say different things. Every value may come from a hostile file: unknown
 * numbers are printed as numbers, never indexed with. */
#ifndef FL_NAMES_H
#define FL_NAMES_H

#include <stddef.h>

#include "record.h"

/* A bounded string being appended to; never overflows, always NUL-terminated. */
struct names_buf {
        char *text;
        size_t size, len;
};

void names_put(struct names_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Which side of an exec an FL_CALL_INHERIT record speaks for (shim/audit/audit.h), and, for the
 * parent's side, whether it is the only record of that crossing. */
enum names_view {
        NAMES_VIEW_NONE = 0,      /* not an inherit record */
        NAMES_VIEW_CHILD,         /* the new image's own view: the record of the crossing */
        NAMES_VIEW_PARENT,        /* the parent's view at exec; the image recorded its own */
        NAMES_VIEW_PARENT_ONLY,   /* the parent's view of an image with no record: it stands in */
        NAMES_VIEW_PARENT_FAILED, /* the parent's view of an exec that failed: nothing crossed */
        NAMES_VIEW_ARGV,          /* the argv of an exec or spawn, before its fds */
        NAMES_VIEW_ARGV_ALONE,    /* the argv of an exec'd image that kept no record of its own */
        NAMES_VIEW_ARGV_QUIET,    /* the argv of an exec'd or spawned image that recorded
                                   * nothing: no fd crossed, so it had nothing to say */
};

const char *names_view(enum names_view view); /* "child", "parent", "argv", or NULL */

const char *names_family(int family, char buf[16]);
const char *names_socktype(int type, char buf[16]);
/* SOCK_NONBLOCK|SOCK_CLOEXEC bits of a type (and O_CLOEXEC, the same bit): "" for none. */
const char *names_sock_flags(unsigned flags, char buf[64]);
const char *names_fcntl_cmd(int cmd, char buf[16]);
const char *names_sockopt(int level, int name, char buf[48]);
/* How a process-creating call starts an image, for the tree: "fork+exec", "posix_spawn", ... */
const char *names_how(enum fl_call creator);

/* The table's DETAIL column for rec (its text is printed apart). */
void names_detail(struct names_buf *b, const struct fl_record *rec, enum names_view view);

/* For an audit-would-change row: what enforce mode would have done ("+SOCK_CLOEXEC",
 * "F_DUPFD → F_DUPFD_CLOEXEC"); "" for other rows. */
void names_would_change(struct names_buf *b, const struct fl_record *rec);

/* The decision a row is shown with: a parent's view that the image's own record repeats says
 * "none" (the crossing is counted once, in the child's view). */
enum fl_decision names_shown_decision(const struct fl_record *rec, enum names_view view);

#endif
