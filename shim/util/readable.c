#include "readable.h"
#include "fork_data.h"
#include "raw_syscall.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define SPANS       4
#define PROBE_PAGES 8
#define VECTOR_MAX  (1u << 20)

/* Set once the kernel will not answer that way (seccomp's EPERM, ENOSYS before Linux 3.2): from
 * then on the probe asks the next way. */
static atomic_bool vm_readv_refused FL_FORK_DATA;
/* rt_sigprocmask's answer: unknown until asked about an address that cannot be read. */
enum { SIGMASK_UNKNOWN, SIGMASK_TELLS, SIGMASK_SILENT };
static atomic_int sigmask_answer FL_FORK_DATA; /* a fork child may be the first to ask */

/* Readable page ranges seen so far: argv and envp strings mostly sit together on the initial stack
 * or in a few heap pages, so a handful of spans saves a probe per string. */
struct probe {
        uintptr_t lo[SPANS], hi[SPANS];
        unsigned next;
        uintptr_t page;
        pid_t self;  /* 0 until the first probe: asked of the kernel, never a cache that */
        int pipe[2]; /* a fork the library did not see may have left stale; -1 until needed */
};

/* x86's page is 4 KiB on every kernel: a constant spares the fork child a libc page it would
 * otherwise fault in only for getauxval. */
static uintptr_t page_size(void)
{
#if defined(__x86_64__) || defined(__i386__)
        return 4096;
#else
        uintptr_t page = getauxval(AT_PAGESZ);

        return page ? page : 4096;
#endif
}

static bool known(const struct probe *p, uintptr_t page)
{
        for (unsigned i = 0; i < SPANS; i++)
                if (page >= p->lo[i] && page < p->hi[i])
                        return true;
        return false;
}

static void remember(struct probe *p, uintptr_t lo, uintptr_t hi)
{
        for (unsigned i = 0; i < SPANS; i++) {
                if (p->hi[i] == lo && p->hi[i] != 0) {
                        p->hi[i] = hi;
                        return;
                }
        }
        p->lo[p->next] = lo;
        p->hi[p->next] = hi;
        p->next = (p->next + 1) % SPANS;
}

/* One byte of each page from page on: the kernel stops at the first it cannot read. */
static unsigned probe_vector(const struct probe *p, uintptr_t page, struct iovec *remote)
{
        unsigned n = 0;

        for (uintptr_t at = page; n < PROBE_PAGES && at >= page; at += p->page)
                remote[n++] = (struct iovec){(void *)at, 1};
        return n;
}

/* rt_sigprocmask copies its set from the caller before it looks at how: with a how that no kernel
 * knows, a readable set gets EINVAL and changes nothing, an unreadable one EFAULT. A plain copy,
 * unlike process_vm_readv, which pins the pages it reads: in a fork child that makes the kernel
 * copy every page still shared with the parent (argv and envp, on every fork+exec), and it checks
 * ptrace access first. One page a call; the set is 8 bytes, read at the page's start. */
#define HOW_NONE 0x7fffffff
/* The top page: kernel space, or past the end of a 32-bit task's, on every architecture. */
#define NEVER_READABLE ((const void *)(uintptr_t)-4096)

static long sigmask_copy(const void *set)
{
        long got = fl_raw_syscall(SYS_rt_sigprocmask, HOW_NONE, set, NULL, 8);

        if (got == -EINVAL)
                return 1;
        return got == -EFAULT ? 0 : -1;
}

/* Asked once per process (and per fork child that has not asked yet): an emulator or sandbox
 * that looks at how first (qemu-user does) answers EINVAL for any pointer, which says nothing. */
static bool sigmask_tells(void)
{
        int answer = atomic_load_explicit(&sigmask_answer, memory_order_relaxed);

        if (answer == SIGMASK_UNKNOWN) {
                answer = sigmask_copy(NEVER_READABLE) == 0 ? SIGMASK_TELLS : SIGMASK_SILENT;
                atomic_store_explicit(&sigmask_answer, answer, memory_order_relaxed);
        }
        return answer == SIGMASK_TELLS;
}

static long readable_by_sigmask(const struct iovec *remote)
{
        long pages;

        if (!sigmask_tells())
                return -1;
        pages = sigmask_copy(remote->iov_base);
        if (pages < 0)
                atomic_store_explicit(&sigmask_answer, SIGMASK_SILENT, memory_order_relaxed);
        return pages;
}

/* Readable pages from page on as the kernel's own reads see them, or -1 when it will not say. */
static long readable_by_vm_readv(struct probe *p, const struct iovec *remote, unsigned n)
{
        char sink[PROBE_PAGES];
        struct iovec local = {sink, n};
        long got;

        if (atomic_load_explicit(&vm_readv_refused, memory_order_relaxed))
                return -1;
        if (p->self == 0)
                p->self = (pid_t)fl_raw_syscall(SYS_getpid);
        got = fl_raw_syscall(SYS_process_vm_readv, p->self, &local, 1, remote, n, 0);
        if (got >= 0)
                return got;
        if (got == -EFAULT)
                return 0;
        if (got == -EPERM || got == -ENOSYS)
                atomic_store_explicit(&vm_readv_refused, true, memory_order_relaxed);
        return -1;
}

/* The same through write(2), which answers EFAULT for a source it cannot read. One page a call: a
 * pipe takes all of a write or none of it. */
static long readable_by_pipe(struct probe *p, const struct iovec *remote)
{
        char sink;
        long got;

        if (p->pipe[0] < 0 && fl_raw_syscall(SYS_pipe2, p->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
                p->pipe[0] = p->pipe[1] = -1;
                return -1;
        }
        got = fl_raw_syscall(SYS_write, p->pipe[1], remote->iov_base, 1);
        if (got == 1)
                fl_raw_syscall(SYS_read, p->pipe[0], &sink, 1);
        if (got >= 0)
                return got;
        return got == -EFAULT ? 0 : -1;
}

static bool readable(struct probe *p, const void *addr)
{
        uintptr_t page = (uintptr_t)addr & ~(p->page - 1);
        struct iovec remote[PROBE_PAGES];
        unsigned n;
        long pages;

        if (known(p, page))
                return true;
        n = probe_vector(p, page, remote);
        pages = readable_by_sigmask(remote);
        if (pages < 0)
                pages = readable_by_vm_readv(p, remote, n);
        if (pages < 0)
                pages = readable_by_pipe(p, remote);
        if (pages <= 0)
                return false;
        remember(p, page, page + (uintptr_t)pages * p->page);
        return true;
}

/* memchr's answer without libc's memchr, whose text page would be one more fault in every fork
 * child that execs. A word at a time once aligned: the words read lie in the page just found
 * readable, but past the NUL they read bytes that are not the string's. */
__attribute__((no_sanitize("address"))) static bool has_nul(const char *text, size_t span)
{
        const unsigned long ones = (unsigned long)-1 / 0xff, highs = ones << 7;
        const char *end = text + span;

        for (; text < end && (uintptr_t)text % sizeof(unsigned long); text++)
                if (*text == '\0')
                        return true;
        for (; end - text >= (ptrdiff_t)sizeof(unsigned long); text += sizeof(unsigned long)) {
                unsigned long word;

                memcpy(&word, text, sizeof(word));
                if ((word - ones) & ~word & highs)
                        return true;
        }
        for (; text < end; text++)
                if (*text == '\0')
                        return true;
        return false;
}

/* Up to the NUL or max bytes, whichever comes first. */
static bool string_readable(struct probe *p, const char *text, size_t max)
{
        for (;;) {
                const char *page_end = (const char *)(((uintptr_t)text | (p->page - 1)) + 1);
                size_t span = (size_t)(page_end - text) < max ? (size_t)(page_end - text) : max;

                if (!readable(p, text))
                        return false;
                if (span == max || has_nul(text, span))
                        return true;
                text = page_end;
                max -= span;
        }
}

static bool entries_readable(struct probe *p, char *const vector[])
{
        for (size_t i = 0; i < VECTOR_MAX; i++) {
                if (!readable(p, &vector[i]) || !readable(p, (const char *)&vector[i + 1] - 1))
                        return false;
                if (!vector[i])
                        return true;
                if (!string_readable(p, vector[i], SIZE_MAX))
                        return false;
        }
        return false;
}

static void probe_start(struct probe *p)
{
        *p = (struct probe){.pipe = {-1, -1}};
        p->page = page_size();
}

/* The pipe, if one was needed, is the library's only fd: gone before the program runs on. */
static void probe_end(const struct probe *p)
{
        if (p->pipe[0] >= 0) {
                fl_raw_syscall(SYS_close, p->pipe[0]);
                fl_raw_syscall(SYS_close, p->pipe[1]);
        }
}

bool fl_vector_readable(char *const vector[])
{
        struct probe p;
        bool ok;

        if (!vector)
                return true;
        probe_start(&p);
        ok = entries_readable(&p, vector);
        probe_end(&p);
        return ok;
}

bool fl_string_readable(const char *text, size_t max)
{
        struct probe p;
        bool ok;

        if (!text)
                return false;
        if (max == 0)
                return true;
        probe_start(&p);
        ok = string_readable(&p, text, max);
        probe_end(&p);
        return ok;
}
