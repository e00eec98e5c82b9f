#include "warn.h"

#include "msg.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

int fl_warn_fd = 2;

static fl_warn_sink current_sink;
struct queued_warning {
        char text[FL_WARN_MAX];
        size_t len;
};
/* Common storage, after every object's small variables (fdtable.c says why): 4 KiB that most
 * processes never write would otherwise sit between the pages their start-up writes. */
extern struct queued_warning fl_warn_queue[FL_WARN_QUEUE] __attribute__((visibility("hidden")));
struct queued_warning fl_warn_queue[FL_WARN_QUEUE] __attribute__((common));
#define queue fl_warn_queue
static unsigned queued;

void fl_warn_to_fd(const char *text, size_t len)
{
        char line[FL_WARN_MAX + 16];
        struct fl_msg m = {line, sizeof(line), 0};

        fl_msg_str(&m, "forklock: ");
        fl_msg_bytes(&m, text, len);
        line[m.used++] = '\n';
        (void)!syscall(SYS_write, fl_warn_fd, line, m.used);
}

/* Warnings come from the constructor and the parsers it calls, one thread at a time; the slot is
 * still claimed atomically so that a stray second thread loses a warning, never corrupts one. */
static void enqueue(const char *text, size_t len)
{
        unsigned slot = __atomic_fetch_add(&queued, 1, __ATOMIC_RELAXED);

        if (slot >= FL_WARN_QUEUE)
                return;
        for (size_t i = 0; i < len; i++)
                queue[slot].text[i] = text[i];
        __atomic_store_n(&queue[slot].len, len, __ATOMIC_RELEASE);
}

void fl_warn(const char *first, ...)
{
        char text[FL_WARN_MAX + 1];
        struct fl_msg m = {text, sizeof(text), 0};
        fl_warn_sink sink = __atomic_load_n(&current_sink, __ATOMIC_ACQUIRE);
        va_list ap;
        int saved_errno = errno;

        va_start(ap, first);
        for (const char *part = first; part; part = va_arg(ap, const char *))
                fl_msg_str(&m, part);
        va_end(ap);
        if (sink)
                sink(text, m.used);
        else
                enqueue(text, m.used);
        errno = saved_errno;
}

void fl_warn_set_sink(fl_warn_sink sink)
{
        unsigned n = __atomic_exchange_n(&queued, 0, __ATOMIC_ACQ_REL);
        int saved_errno = errno;

        __atomic_store_n(&current_sink, sink, __ATOMIC_RELEASE);
        if (n > FL_WARN_QUEUE)
                n = FL_WARN_QUEUE;
        for (unsigned i = 0; sink && i < n; i++)
                sink(queue[i].text, __atomic_load_n(&queue[i].len, __ATOMIC_ACQUIRE));
        errno = saved_errno;
}
