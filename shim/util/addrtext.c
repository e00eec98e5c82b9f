#include "addrtext.h"

#include "msg.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

static void put_inet(struct fl_msg *out, int family, const void *addr, uint16_t port)
{
        char buf[INET6_ADDRSTRLEN];

        if (!inet_ntop(family, addr, buf, sizeof(buf)))
                buf[0] = '\0';
        fl_msg_str(out, family == AF_INET6 ? "[" : "");
        fl_msg_str(out, buf);
        fl_msg_str(out, family == AF_INET6 ? "]:" : ":");
        fl_msg_num(out, ntohs(port));
}

static void put_unix(struct fl_msg *out, const struct sockaddr_un *sun, socklen_t len)
{
        size_t path_len = len > offsetof(struct sockaddr_un, sun_path)
                              ? len - offsetof(struct sockaddr_un, sun_path)
                              : 0;

        fl_msg_str(out, "unix:");
        if (path_len > sizeof(sun->sun_path))
                path_len = sizeof(sun->sun_path);
        if (path_len > 0 && sun->sun_path[0] == '\0') {
                fl_msg_str(out, "@");
                fl_msg_bytes(out, sun->sun_path + 1, strnlen(sun->sun_path + 1, path_len - 1));
                return;
        }
        fl_msg_bytes(out, sun->sun_path, strnlen(sun->sun_path, path_len));
}

void fl_addr_text(char *text, size_t size, const struct sockaddr *addr, socklen_t len)
{
        struct fl_msg out = {text, size, 0};
        sa_family_t family;

        text[0] = '\0';
        if (!addr || len < (socklen_t)sizeof(sa_family_t))
                return;
        memcpy(&family, &addr->sa_family, sizeof(family));
        if (family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
                struct sockaddr_in sin;
                memcpy(&sin, addr, sizeof(sin));
                put_inet(&out, AF_INET, &sin.sin_addr, sin.sin_port);
        } else if (family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
                struct sockaddr_in6 sin6;
                memcpy(&sin6, addr, sizeof(sin6));
                put_inet(&out, AF_INET6, &sin6.sin6_addr, sin6.sin6_port);
        } else if (family == AF_UNIX) {
                struct sockaddr_un sun;
                size_t n = len < sizeof(sun) ? len : sizeof(sun);
                memset(&sun, 0, sizeof(sun));
                memcpy(&sun, addr, n);
                put_unix(&out, &sun, (socklen_t)n);
        } else {
                fl_msg_str(&out, "family ");
                fl_msg_num(&out, family);
        }
}
