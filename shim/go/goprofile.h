/* Profile `go`: Go's net package's socket options and listen backlog (setDefaultSockopts,
 * setDefaultListenerSockopts, listenerBacklog). Each change is a recorded decision
 * (FL_DEC_PROFILE, a FL_CALL_SETSOCKOPT record naming the option); where the program set the
 * option itself, the program wins and that is recorded (FL_DEC_PROGRAM_WINS). In audit mode nothing
 * is changed and FL_DEC_AUDIT_WOULD_CHANGE is recorded instead. Only sockets created through the
 * wrappers (tracked in the fdtable) get options; the backlog rule applies to every listen. */
#ifndef FL_GOPROFILE_H
#define FL_GOPROFILE_H

#include <stdbool.h>
#include <sys/socket.h>

#include "fdtable.h"
#include "shim.h"

#define FL_GO_SOMAXCONN 128 /* syscall.SOMAXCONN */

/* The profile is on and the mode is not off. */
bool fl_go_active(const struct fl_shim *shim);

/* At creation: SO_BROADCAST=1 on datagram and raw sockets that are not AF_UNIX. */
void fl_go_created(struct fl_shim *shim, int fd, int family, int type);

/* An accepted TCP connection (Go's accept and newTCPConn): TCP_NODELAY=1 always; SO_KEEPALIVE=1,
 * TCP_KEEPIDLE=15, TCP_KEEPINTVL=15, TCP_KEEPCNT=9 (current Go's KeepAliveConfig defaults; Go 1.14
 * set the same 15 s idle and interval through setKeepAlivePeriod and left the count alone) unless
 * the program set SO_KEEPALIVE on the listener itself (Go's ListenConfig.KeepAlive < 0): then the
 * program wins. listener is the listener's fdtable entry (zeroed when untracked). */
void fl_go_accepted(struct fl_shim *shim, int fd, const struct fl_fd_info *listener);

/* A dialed TCP connection (Go's Dialer: newTCPConn, then the Dialer's keep-alive), called once the
 * kernel took the connect (0, or EINPROGRESS, EALREADY, EINTR, which Go's netFD.connect reads
 * as a connection under way: the options are valid on a connecting socket, and a program that
 * learns of the connection through poll makes no further call forklock sees). The same options as
 * an accepted connection, once per socket, each unless the program set it on the socket before
 * (TCP_NODELAY; SO_KEEPALIVE stands for all four keep-alive options). Only sockets made by the
 * socket wrapper; connect(AF_UNSPEC) is no dial. */
void fl_go_dialed(struct fl_shim *shim, int fd, const struct sockaddr *addr, socklen_t len);

/* Before bind: IPV6_V6ONLY=0 on an AF_INET6 socket bound to the wildcard address, and
 * SO_REUSEADDR=1 on a stream (or seqpacket) socket, each unless the program set it. The address is
 * copied through the kernel (it has not been vouched for yet). */
void fl_go_before_bind(struct fl_shim *shim, int fd, const struct sockaddr *addr, socklen_t len);

/* The backlog listen passes to the kernel under the profile: listenerBacklog(). */
int fl_go_backlog(struct fl_shim *shim);

/* Go's rule (Go >= 1.16) from what was read: text of /proc/sys/net/core/somaxconn (NULL when the
 * read failed) and the kernel release ("5.10.0-..."; NULL when unknown). */
int fl_listener_backlog(const char *somaxconn, const char *release);

#endif
