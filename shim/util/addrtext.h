/* A socket address as text for records: "0.0.0.0:80", "[::]:80", "unix:/path", "unix:@abstract",
 * "family 17". No malloc, no stdio. */
#ifndef FL_ADDRTEXT_H
#define FL_ADDRTEXT_H

#include <stddef.h>
#include <sys/socket.h>

/* addr must be readable for len bytes (the kernel has accepted it). */
void fl_addr_text(char *text, size_t size, const struct sockaddr *addr, socklen_t len);

#endif
