#include "texts.h"

#include <stdlib.h>
#include <string.h>

#include "text_record.h"

/* The record r continues: its seq, its pid and thread (drop rings merged in have seqs of their
 * own), before r; most often a few records back, else found by seq (records come oldest first). */
static const struct fl_record *continued(const struct fl_record *recs, size_t before,
                                         const struct fl_record *r)
{
        uint64_t seq = fl_text_record_continues(r);
        size_t lo = 0, hi = before;

        for (size_t i = before, n = 0; i-- > 0 && n < 64; n++)
                if (recs[i].seq == seq && recs[i].pid == r->pid && recs[i].tid == r->tid)
                        return &recs[i];
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (recs[mid].seq < seq)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < before && recs[lo].seq == seq && recs[lo].pid == r->pid && recs[lo].tid == r->tid)
                return &recs[lo];
        for (size_t i = before; i-- > 0;) /* not sorted there: a stale record, a drop ring's */
                if (recs[i].seq == seq && recs[i].pid == r->pid && recs[i].tid == r->tid)
                        return &recs[i];
        return NULL;
}

static void append(char **full, const struct fl_record *base, const char *chunk)
{
        size_t had = *full ? strlen(*full) : strnlen(base->text, FL_RECORD_TEXT);
        size_t add = strnlen(chunk, FL_RECORD_TEXT);
        char *more = realloc(*full, had + add + 1);

        if (!more)
                return;
        if (!*full)
                memcpy(more, base->text, had);
        memcpy(more + had, chunk, add);
        more[had + add] = '\0';
        *full = more;
}

char **texts_assemble(const struct fl_record *recs, size_t n)
{
        char **texts = calloc(n + 1, sizeof(*texts));

        for (size_t i = 0; texts && i < n; i++) {
                const struct fl_record *base;

                if (fl_text_record_continues(&recs[i]) && (base = continued(recs, i, &recs[i])) &&
                    base->call != FL_CALL_TEXT)
                        append(&texts[base - recs], base, recs[i].text);
        }
        return texts;
}

const char *texts_of(char *const *texts, const struct fl_record *recs, size_t i)
{
        return texts && texts[i] ? texts[i] : recs[i].text;
}

void texts_free(char **texts, size_t n)
{
        for (size_t i = 0; texts && i < n; i++)
                free(texts[i]);
        free(texts);
}
