#include "carry.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SAVED_MAX  8
#define SAVED_TEXT 4096
#define ENVP_MAX   (1u << 24)
#define PRELOAD    "LD_PRELOAD="

/* The saved entries, then the saved LD_PRELOAD's entries again, each NUL-terminated, for
 * access(). One buffer, filled from its start: a start-up that saves a few hundred bytes writes
 * one page of it, not one page of each of two buffers. Common storage, like the fd table's: after
 * the small variables, which then share the pages every start writes anyway. */
extern char fl_carry_text[2 * SAVED_TEXT] __attribute__((visibility("hidden")));
char fl_carry_text[2 * SAVED_TEXT] __attribute__((common));
#define text fl_carry_text
static char *saved[SAVED_MAX];
static size_t nsaved;
static char *preload_paths;
static size_t preload_len;
static int preload_at = -1;

static bool carried(const char *entry)
{
        if (strncmp(entry, PRELOAD, 11) == 0)
                return true;
        return strncmp(entry, "FORKLOCK_", 9) == 0 && strncmp(entry, "FORKLOCK_INHERIT=", 17) != 0;
}

static bool is_separator(char c)
{
        return c == ' ' || c == ':';
}

/* After the saved entries (which take at most half of the buffer), so that it always fits. */
static void save_preload_paths(const char *value, size_t used)
{
        size_t n = strlen(value);

        preload_paths = text + used;
        memcpy(preload_paths, value, n + 1);
        for (size_t i = 0; i < n; i++)
                if (is_separator(preload_paths[i]))
                        preload_paths[i] = '\0';
        preload_len = n;
}

/* Once, from the constructor. The count is kept in a local and stored last: the first touch of
 * these (zero) pages is then a write, one fault each instead of a read fault and a copy. */
void fl_carry_save(char *const envp[])
{
        size_t used = 0, n = 0;

        for (size_t i = 0; envp && envp[i]; i++)
                if (strcmp(envp[i], "FORKLOCK_CARRY=0") == 0)
                        return;
        for (size_t i = 0; envp && envp[i] && n < SAVED_MAX; i++) {
                size_t len = strlen(envp[i]) + 1;

                if (!carried(envp[i]) || !strchr(envp[i], '=') || used + len > SAVED_TEXT)
                        continue;
                memcpy(text + used, envp[i], len);
                if (strncmp(envp[i], PRELOAD, 11) == 0)
                        preload_at = (int)n;
                saved[n++] = text + used;
                used += len;
        }
        if (preload_at >= 0)
                save_preload_paths(saved[preload_at] + 11, used);
        nsaved = n;
}

/* By hand, not strchr: every exec asks, and in a fork child libc's strchr is one more text page. */
static size_t name_len(const char *entry)
{
        size_t n = 0;

        while (entry[n] && entry[n] != '=')
                n++;
        return n;
}

/* envp[i] names what entry names (its first n bytes): by hand, as name_len. */
static bool same_name(const char *candidate, const char *entry, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (candidate[i] != entry[i])
                        return false;
        return candidate[n] == '=';
}

static bool defines(char *const envp[], size_t count, const char *entry)
{
        size_t n = name_len(entry);

        for (size_t i = 0; i < count; i++)
                if (same_name(envp[i], entry, n))
                        return true;
        return false;
}

static size_t count_of(char *const envp[])
{
        size_t n = 0;

        while (envp && envp[n] && n <= ENVP_MAX)
                n++;
        return n;
}

/* Readable from here, as ld.so will open it in the new image. Raw syscall: not the program's
 * errno, not a wrapper. */
static bool readable(const char *path)
{
        int saved_errno = errno;
        bool ok = syscall(SYS_faccessat, AT_FDCWD, path, R_OK) == 0;

        errno = saved_errno;
        return ok;
}

static bool resolves(char *entry)
{
        char *token = strchr(entry, '$'), *slash;
        bool ok;

        if (!strchr(entry, '/'))
                return true;
        if (!token)
                return readable(entry);
        *token = '\0';
        slash = strrchr(entry, '/');
        if (!slash) {
                *token = '$';
                return true;
        }
        *token = '$';
        if (slash == entry)
                return true;
        *slash = '\0';
        ok = readable(entry);
        *slash = '/';
        return ok;
}

static bool is_forklock(const char *entry)
{
        const char *slash = strrchr(entry, '/');

        return strncmp(slash ? slash + 1 : entry, "libforklock", 11) == 0;
}

/* Bytes of "LD_PRELOAD=" plus the entries that resolve (and NUL); 0 when every entry resolves, 1
 * when none does, or when forklock's own entry does not (a sanitizer runtime alone is not worth
 * carrying FORKLOCK_* for: they would only disclose a library the image cannot load). */
static size_t trimmed_preload(void)
{
        size_t kept = 0;
        bool dropped = false, forklock_seen = false, forklock_kept = false;

        for (size_t i = 0; i < preload_len; i += strlen(preload_paths + i) + 1) {
                bool ours = is_forklock(preload_paths + i);

                if (!preload_paths[i])
                        continue;
                forklock_seen |= ours;
                if (resolves(preload_paths + i)) {
                        kept += strlen(preload_paths + i) + 1;
                        forklock_kept |= ours;
                } else {
                        dropped = true;
                }
        }
        if (!dropped)
                return 0;
        return kept && (forklock_kept || !forklock_seen) ? 11 + kept : 1;
}

size_t fl_carry_plan(char *const envp[], struct fl_carry *plan)
{
        size_t added = 0;

        memset(plan, 0, sizeof(*plan));
        plan->envp_len = count_of(envp);
        if (plan->envp_len > ENVP_MAX || nsaved == 0)
                return 0;
        for (size_t i = 0; i < nsaved; i++)
                if (!defines(envp, plan->envp_len, saved[i]))
                        plan->missing |= 1u << i;
        if (preload_at >= 0 && (plan->missing & (1u << preload_at))) {
                plan->preload_text = trimmed_preload();
                if (plan->preload_text == 1)
                        plan->missing = 0; /* no library to carry, so nothing of it */
        }
        for (size_t i = 0; i < nsaved; i++)
                added += (plan->missing >> i) & 1;
        if (added == 0)
                return 0;
        plan->words =
            plan->envp_len + added + 1 + (plan->preload_text + sizeof(char *) - 1) / sizeof(char *);
        return plan->words;
}

/* "LD_PRELOAD=" and the entries that resolve, space-separated, at out (size bytes: an entry that
 * appeared since the plan is left out). */
static char *write_trimmed(char *out, size_t size)
{
        size_t used = 11;

        memcpy(out, PRELOAD, 11);
        for (size_t i = 0; i < preload_len; i += strlen(preload_paths + i) + 1) {
                size_t n = strlen(preload_paths + i), sep = used > 11;

                if (!n || used + sep + n + 1 > size || !resolves(preload_paths + i))
                        continue;
                if (used > 11)
                        out[used++] = ' ';
                memcpy(out + used, preload_paths + i, n);
                used += n;
        }
        out[used] = '\0';
        return out;
}

char *const *fl_carry_complete(char *const envp[], const struct fl_carry *plan, char **room)
{
        size_t used, text_words = (plan->preload_text + sizeof(char *) - 1) / sizeof(char *);
        char *trimmed;

        if (plan->words == 0 || !room)
                return envp;
        trimmed = (char *)(room + plan->words - text_words);
        for (used = 0; used < plan->envp_len; used++)
                room[used] = envp[used];
        for (size_t i = 0; i < nsaved; i++) {
                if (!((plan->missing >> i) & 1))
                        continue;
                if ((int)i == preload_at && plan->preload_text)
                        room[used++] = write_trimmed(trimmed, plan->preload_text);
                else
                        room[used++] = saved[i];
        }
        room[used] = NULL;
        return room;
}

#ifdef FL_TEST_BUILD
void fl_carry_reset(void)
{
        nsaved = 0;
        preload_len = 0;
        preload_at = -1;
}
#endif
