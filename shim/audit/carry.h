/* Keeping the library in every image: a program that execs with an environment of its own making
 * (mini_httpd builds its CGIs' environment from scratch) or trimmed (unsetenv, clearenv) would drop
 * LD_PRELOAD and FORKLOCK_*, and the new image would run unaudited and write to no ring. Every
 * exec-family and spawn wrapper adds the entries this image started with back when the envp it
 * passes lacks them (a name the program set itself, even to something else, is left alone).
 *
 * Never into an image where a preloaded path does not resolve: ld.so would print "cannot be
 * preloaded" on the new program's stderr (a CGI's HTTP response under mini_httpd -r, a chroot).
 * Each LD_PRELOAD entry that would be carried is checked from the caller's root and cwd (access
 * R_OK), only when LD_PRELOAD is missing: the entries that resolve are carried, the others dropped;
 * when none resolves nothing is carried (FORKLOCK_* without the library would only disclose it).
 * An entry without '/' is searched for by ld.so in the new image's paths and is carried as it is;
 * one with a dynamic string token ($LIB, $PLATFORM, $ORIGIN) is checked on its directory before
 * the token.
 *
 * FORKLOCK_CARRY=0 (as this image started) carries nothing. FORKLOCK_INHERIT is never carried: it
 * names fds for the image it was given to. Nothing is saved under secure execution. No malloc: the
 * caller gives the room (a plan says how much). */
#ifndef FL_CARRY_H
#define FL_CARRY_H

#include <stdbool.h>
#include <stddef.h>

struct fl_carry {
        unsigned missing;    /* bit i: saved entry i goes in */
        size_t envp_len;     /* the caller's entries */
        size_t preload_text; /* bytes of the trimmed "LD_PRELOAD=..." entry, 0 when not trimmed */
        size_t words;        /* room needed, in pointers; 0 when nothing is missing */
};

/* Copies LD_PRELOAD and FORKLOCK_* (except FORKLOCK_INHERIT) out of envp, once. */
void fl_carry_save(char *const envp[]);

/* What envp needs; returns plan->words (0: pass envp as it is, also when envp is unreadably
 * large). */
size_t fl_carry_plan(char *const envp[], struct fl_carry *plan);

/* envp followed by the missing entries, in room (plan->words pointers). */
char *const *fl_carry_complete(char *const envp[], const struct fl_carry *plan, char **room);

#ifdef FL_TEST_BUILD
/* Forgets what was saved, between tests. */
void fl_carry_reset(void);
#endif

#endif
