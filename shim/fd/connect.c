#include "connect.h"

int fl_connect(struct fl_shim *shim, int fd, const struct sockaddr *addr, socklen_t len)
{
        return shim->sys->connect(fd, addr, len);
}
