/* FORKLOCK_LOG must be absolute: each new image would resolve a relative path against its own
 * working directory, splitting one tree's records over several rings. */
#ifndef FL_LOG_PATH_H
#define FL_LOG_PATH_H

/* path when it is usable as a ring path (absolute, or unset/empty); NULL for a relative one,
 * after a warning (the caller then records in memory only). */
const char *fl_log_path_checked(const char *path);

#endif
