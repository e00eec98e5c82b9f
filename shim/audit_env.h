/* Keeping the library in every image: a program that execs with an environment of its own making
 * (mini_httpd builds its CGIs' environment from scratch) would drop LD_PRELOAD and FORKLOCK_*, and
 * the new image would run unaudited and write to no ring. The exec wrappers taking an envp add the
 * entries this image started with back, when envp lacks them (a name the program set itself, even
 * to something else, is left alone). FORKLOCK_INHERIT is not carried: it names fds for the image
 * it was given to. Nothing is saved under secure execution. No malloc: the caller gives the room.
 */
#ifndef FL_AUDIT_ENV_H
#define FL_AUDIT_ENV_H

#include <stdbool.h>
#include <stddef.h>

/* Copies LD_PRELOAD and FORKLOCK_* (except FORKLOCK_INHERIT) out of envp, once. */
void fl_audit_env_save(char *const envp[]);

/* Entries envp needs for fl_audit_env_complete (its own, the missing ones and the NULL), or 0 when
 * nothing is missing (or envp is unreadably large: then it is passed as it is). */
size_t fl_audit_env_room(char *const envp[]);

/* envp followed by the missing saved entries, in room (room_len from fl_audit_env_room). */
char *const *fl_audit_env_complete(char *const envp[], char **room, size_t room_len);

/* Tests only: forgets what was saved. */
void fl_audit_env_reset(void);

#endif
