/* Saying a warning to a person when there is no ring file to hold it (a plain LD_PRELOAD, or a
 * ring that could not be used), without ever writing to one of the program's fds.
 *
 * Once per process tree: only the topmost image of the tree speaks, the one whose parent does not
 * have the library mapped (its /proc/PPID/maps names no file of our name). Its descendants inherit
 * the same environment and would repeat the same words, so they stay silent; so does an image
 * whose parent's maps cannot be read (another uid, or a parent that made itself undumpable), and
 * an image in secure-execution mode or whose real and effective uids differ. The environment is
 * not touched (the program could see a marker variable).
 *
 * Where: to the controlling terminal, opened by us (/dev/tty, close-on-exec, non-blocking, closed
 * at once), when fd 2 is a terminal and this process is in its foreground group (a background job
 * writing would be stopped by SIGTTOU); otherwise one datagram to syslog (/dev/log), never into a
 * pipe, file or socket that may carry data. */
#ifndef FL_WARN_SPEAK_H
#define FL_WARN_SPEAK_H

#include <stdbool.h>
#include <stddef.h>

/* A warning sink (fl_warn_set_sink). */
void fl_warn_speak(const char *text, size_t len);

/* The topmost test, over a maps file read from fd: true when a mapping's path ends in "/" name. */
bool fl_maps_has_file(int fd, const char *name);

#endif
