/* connect: a pure pass-through (a cancellation point, no lock, errno untouched) except in the go
 * profile, where a TCP connection being dialed gets Go's Dialer defaults (goprofile.h). */
#ifndef FL_CONNECT_H
#define FL_CONNECT_H

#include <sys/socket.h>

#include "shim.h"

int fl_connect(struct fl_shim *shim, int fd, const struct sockaddr *addr, socklen_t len);

#endif
