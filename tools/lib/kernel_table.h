/* What an older kernel did not have: the boundary table behind `forklock-kernel --kernel=VER`, and
 * the kernel version arithmetic. Pure data and pure functions, so tests link them. */
#ifndef FL_KERNEL_TABLE_H
#define FL_KERNEL_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* A kernel version packed so that plain integer comparison orders it: 8 bits major, 8 bits
 * minor, 16 bits patch (4.9.337 and 4.14.336 exist). A fourth component (2.6.27.62) is dropped:
 * no boundary ever fell inside a stable series. */
#define FL_KVER(major, minor, patch)                                                               \
        (((uint32_t)(major) << 24) | ((uint32_t)(minor) << 16) | (uint32_t)(patch))
#define FL_KVER_MAJOR(v) ((unsigned)((v) >> 24))
#define FL_KVER_MINOR(v) ((unsigned)(((v) >> 16) & 0xff))
#define FL_KVER_PATCH(v) ((unsigned)((v)&0xffff))

/* The oldest kernel we emulate: what RHEL 5 shipped, and Go's own historical floor. */
#define FL_KVER_OLDEST FL_KVER(2, 6, 18)

/* How a boundary recognises the refused call on one architecture. */
enum fl_match {
        FL_MATCH_ABSENT = 0, /* the architecture has no such call: nothing to refuse */
        FL_MATCH_ALWAYS,     /* the whole call is refused */
        FL_MATCH_ANY_BIT,    /* refused when (int)args[arg] & value is non-zero */
        FL_MATCH_EQUAL,      /* refused when (int)args[arg] == value */
};

struct fl_arch_match {
        int nr; /* syscall number on this architecture */
        uint8_t match;
        uint8_t arg;
        uint32_t value;
};

enum fl_arch { FL_ARCH_X86_64, FL_ARCH_AARCH64, FL_ARCH_I386, FL_ARCH_COUNT };

/* Below `since`, a call that matches fails with `err` without reaching the kernel. */
struct fl_kernel_boundary {
        uint32_t since;
        const char *call; /* what a user would search for */
        const char *when; /* the condition, in words */
        int err;
        struct fl_arch_match arch[FL_ARCH_COUNT];
        const char *note; /* why this answer, or what differs per architecture; may be NULL */
};

/* Something an old kernel did that a filter cannot reproduce: listed, never enforced. */
struct fl_kernel_gap {
        uint32_t since;
        const char *call;
        const char *why;
};

/* Ordered by `since`, so that for one syscall the whole-call refusal comes before a refusal of
 * one of its flags: the filter takes the first match, as the older kernel would have answered. */
extern const struct fl_kernel_boundary fl_kernel_boundaries[];
extern const size_t fl_kernel_boundary_count;
extern const struct fl_kernel_gap fl_kernel_gaps[];
extern const size_t fl_kernel_gap_count;

/* "2.6.26", "5.9", "4.9.337", "2.6.27.62" -> packed version. Returns 0, or -1 when the text is
 * not such a version. Nothing may follow the digits. */
int fl_kernel_parse(const char *text, uint32_t *version);

/* The running kernel from uname(2) (leading digits of the release, "6.1.0-18-amd64" -> 6.1.0). */
int fl_kernel_running(uint32_t *version);

/* NULL when `version` can be emulated on `running`, else why not, as a phrase. */
const char *fl_kernel_refusal(uint32_t version, uint32_t running);

/* "2.6.27" or "5.9" (patch 0 is left out after 2.6). Writes at most `size` bytes. */
void fl_kernel_format(uint32_t version, char *buf, size_t size);

#endif
