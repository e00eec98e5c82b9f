/* The conventions by which a program hands fds to the image it execs on purpose, read from that
 * image's environment. Only these are recognised; nothing beyond them is guessed:
 *   LISTEN_FDS=N with LISTEN_PID=<this pid>   systemd socket activation: fds 3 .. 3+N-1
 *   NGINX="6;7;"                             nginx binary upgrade: each fd ended by ';' or ':'
 *   FORKLOCK_INHERIT="5,tcp:8080,udp:53"     ours: fd numbers, or sockets by local port
 *   MAKEFLAGS="-j4 --jobserver-auth=5,6"     GNU make's jobserver pipe (--jobserver-fds before
 *                                            4.2; a fifo: jobserver names no fd)
 *   SERVER_STARTER_PORT="0.0.0.0:80=3;8080=4" Server::Starter: the fd after each '='
 *   EINHORN_FD_COUNT=2, EINHORN_FD_0=5 ...   einhorn: one variable per fd
 *   GUNICORN_FD="3,4", UNICORN_FD="3,4"      gunicorn's and unicorn's re-exec: fd lists
 * One table in inherit.c holds them all, in this order of precedence.
 * Pure string parsing: no malloc, no stdio, no getenv (the caller hands the strings in). */
#ifndef FL_INHERIT_H
#define FL_INHERIT_H

#include <stdbool.h>
#include <sys/types.h>

/* Why an fd crossed exec on purpose. Stored in FL_CALL_INHERIT records (flags_asked). */
enum fl_pass_reason {
        FL_PASS_NONE = 0,
        FL_PASS_SYSTEMD,    /* LISTEN_FDS for this pid */
        FL_PASS_NGINX,      /* listed in NGINX */
        FL_PASS_INHERIT,    /* named in FORKLOCK_INHERIT */
        FL_PASS_INTENT,     /* dup2/dup3 target or F_SETFD 0 in the parent */
        FL_PASS_SPAWN_DUP2, /* a posix_spawn_file_actions_adddup2 target */
        FL_PASS_JOBSERVER,  /* MAKEFLAGS --jobserver-auth/--jobserver-fds */
        FL_PASS_SERVER_STARTER,
        FL_PASS_EINHORN,
        FL_PASS_GUNICORN,
        FL_PASS_UNICORN,
        FL_PASS_COUNT
};

/* The variables the conventions read. */
enum fl_inherit_var {
        FL_VAR_LISTEN_FDS,
        FL_VAR_LISTEN_PID,
        FL_VAR_NGINX,
        FL_VAR_FORKLOCK_INHERIT,
        FL_VAR_MAKEFLAGS,
        FL_VAR_SERVER_STARTER_PORT,
        FL_VAR_EINHORN_FD_COUNT,
        FL_VAR_GUNICORN_FD,
        FL_VAR_UNICORN_FD,
        FL_VAR_COUNT
};

struct fl_inherit_env {
        const char *value[FL_VAR_COUNT];
        char *const *envp; /* for einhorn's EINHORN_FD_<i>, looked up when asked */
};

/* Picks the variables out of an environment block (NULL-ended "K=V" list; NULL is empty), which
 * must outlive env. */
void fl_inherit_from_envp(struct fl_inherit_env *env, char *const envp[]);

/* Some convention's variable is set (the parent's audit describes fds only then). */
bool fl_inherit_names_any(const struct fl_inherit_env *env);

/* systemd: fd is in [3, 3+LISTEN_FDS) and LISTEN_PID is pid. Malformed values name nothing. */
bool fl_inherit_systemd(const char *listen_fds, const char *listen_pid, pid_t pid, int fd);

/* nginx: fd is one of the numbers terminated by ';' or ':' (as ngx_add_inherited_sockets reads
 * them; a trailing number without a terminator is ignored there, and here). */
bool fl_inherit_nginx(const char *nginx, int fd);

/* FORKLOCK_INHERIT: comma-separated fd numbers, tcp:PORT, udp:PORT. type is the socket type
 * (SOCK_STREAM, SOCK_DGRAM, 0 for other fds) and port its local port (0 when none). */
bool fl_inherit_listed(const char *list, int fd, int type, int port);

/* True when every item of a FORKLOCK_INHERIT list is well-formed (for the one warning line). */
bool fl_inherit_list_valid(const char *list);

/* One warning line when FORKLOCK_INHERIT is set and not well-formed (bad items are ignored). */
void fl_inherit_warn_if_invalid(const char *list);

/* The first convention that names fd, or FL_PASS_NONE. */
enum fl_pass_reason fl_inherit_convention(const struct fl_inherit_env *env, pid_t pid, int fd,
                                          int type, int port);

const char *fl_pass_reason_name(enum fl_pass_reason reason);

#endif
