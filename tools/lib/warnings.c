#include "warnings.h"

#include <stdlib.h>
#include <string.h>

void warnings_init(struct warnings *w)
{
        memset(w, 0, sizeof(*w));
}

static int find_open(struct warnings *w, const struct fl_record *rec)
{
        for (int i = 0; i < WARNINGS_OPEN; i++)
                if (w->open[i].parts && w->open[i].pid == rec->pid && w->open[i].tid == rec->tid)
                        return i;
        return -1;
}

static void add_distinct(struct warnings *w, const char *text)
{
        char *copy;

        for (size_t i = 0; i < w->count; i++)
                if (strcmp(w->distinct[i], text) == 0)
                        return;
        if (w->count == w->cap) {
                size_t cap = w->cap ? 2 * w->cap : 8;
                char **more = realloc(w->distinct, cap * sizeof(*more));

                if (!more)
                        return;
                w->distinct = more;
                w->cap = cap;
        }
        if ((copy = strdup(text)))
                w->distinct[w->count++] = copy;
}

/* Records come from files anyone may have written: every field is checked before use. */
void warnings_feed(struct warnings *w, const struct fl_record *rec)
{
        int i;

        if (rec->call != FL_CALL_WARNING || rec->fd2 < 1 || rec->fd2 > FL_WARNING_MAX_PARTS ||
            rec->fd < 0 || rec->fd >= rec->fd2)
                return;
        i = find_open(w, rec);
        if (rec->fd == 0) {
                if (i < 0)
                        i = (int)(w->next_open++ % WARNINGS_OPEN);
                w->open[i].pid = rec->pid;
                w->open[i].tid = rec->tid;
                w->open[i].parts = rec->fd2;
                w->open[i].next = 0;
                w->open[i].len = 0;
        } else if (i < 0 || w->open[i].next != rec->fd || w->open[i].parts != rec->fd2) {
                return; /* a part whose beginning was overwritten: the warning is incomplete */
        }
        size_t n = strnlen(rec->text, FL_RECORD_TEXT);

        if (w->open[i].len + n > FL_WARN_MAX)
                n = FL_WARN_MAX - w->open[i].len;
        memcpy(w->open[i].text + w->open[i].len, rec->text, n);
        w->open[i].len += n;
        w->open[i].text[w->open[i].len] = '\0';
        if (++w->open[i].next == w->open[i].parts) {
                add_distinct(w, w->open[i].text);
                w->open[i].parts = 0;
        }
}

void warnings_print(const struct warnings *w, FILE *out)
{
        for (size_t i = 0; i < w->count; i++) {
                fputs("forklock: ", out);
                for (const char *p = w->distinct[i]; *p; p++)
                        fputc(*p >= 0x20 && *p < 0x7f ? *p : '?', out);
                fputc('\n', out);
        }
}

void warnings_free(struct warnings *w)
{
        for (size_t i = 0; i < w->count; i++)
                free(w->distinct[i]);
        free(w->distinct);
        memset(w, 0, sizeof(*w));
}
