#include "readable.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SPANS      4
#define VECTOR_MAX (1u << 20)

/* Mapped page ranges seen so far: argv and envp strings mostly sit together on the initial stack
 * or in a few heap pages, so a handful of spans saves a syscall per string. */
struct spans {
        uintptr_t lo[SPANS], hi[SPANS];
        unsigned next;
        uintptr_t page;
};

static bool known(const struct spans *s, uintptr_t page)
{
        for (unsigned i = 0; i < SPANS; i++)
                if (page >= s->lo[i] && page < s->hi[i])
                        return true;
        return false;
}

static void remember(struct spans *s, uintptr_t page)
{
        for (unsigned i = 0; i < SPANS; i++) {
                if (s->hi[i] == page && s->hi[i] != 0) {
                        s->hi[i] += s->page;
                        return;
                }
        }
        s->lo[s->next] = page;
        s->hi[s->next] = page + s->page;
        s->next = (s->next + 1) % SPANS;
}

static bool mapped(struct spans *s, const void *addr)
{
        uintptr_t page = (uintptr_t)addr & ~(s->page - 1);
        unsigned char residency;

        if (known(s, page))
                return true;
        if (syscall(SYS_mincore, (void *)page, s->page, &residency) != 0)
                return false;
        remember(s, page);
        return true;
}

static bool string_readable(struct spans *s, const char *text)
{
        for (;;) {
                const char *page_end;

                if (!mapped(s, text))
                        return false;
                page_end = (const char *)(((uintptr_t)text | (s->page - 1)) + 1);
                for (; text < page_end; text++)
                        if (*text == '\0')
                                return true;
        }
}

bool fl_vector_readable(char *const vector[])
{
        struct spans s = {.page = getauxval(AT_PAGESZ)};

        if (!vector)
                return true;
        if (s.page == 0)
                s.page = 4096;
        for (size_t i = 0; i < VECTOR_MAX; i++) {
                if (!mapped(&s, &vector[i]) || !mapped(&s, (const char *)&vector[i + 1] - 1))
                        return false;
                if (!vector[i])
                        return true;
                if (!string_readable(&s, vector[i]))
                        return false;
        }
        return false;
}
