#include "addrtext.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

struct out {
        char *text;
        size_t size, used;
};

static void put(struct out *out, const char *s, size_t n)
{
        for (size_t i = 0; i < n && s[i] && out->used + 1 < out->size; i++)
                out->text[out->used++] = s[i];
        out->text[out->used] = '\0';
}

static void put_number(struct out *out, unsigned long n)
{
        char digits[24];
        size_t i = sizeof(digits);

        do
                digits[--i] = (char)('0' + n % 10);
        while ((n /= 10) && i > 0);
        put(out, digits + i, sizeof(digits) - i);
}

static void put_inet(struct out *out, int family, const void *addr, uint16_t port)
{
        char buf[INET6_ADDRSTRLEN];

        if (!inet_ntop(family, addr, buf, sizeof(buf)))
                buf[0] = '\0';
        put(out, family == AF_INET6 ? "[" : "", 1);
        put(out, buf, sizeof(buf));
        put(out, family == AF_INET6 ? "]:" : ":", 2);
        put_number(out, ntohs(port));
}

static void put_unix(struct out *out, const struct sockaddr_un *sun, socklen_t len)
{
        size_t path_len = len > offsetof(struct sockaddr_un, sun_path)
                              ? len - offsetof(struct sockaddr_un, sun_path)
                              : 0;

        put(out, "unix:", 5);
        if (path_len > sizeof(sun->sun_path))
                path_len = sizeof(sun->sun_path);
        if (path_len > 0 && sun->sun_path[0] == '\0') {
                put(out, "@", 1);
                put(out, sun->sun_path + 1, path_len - 1);
                return;
        }
        put(out, sun->sun_path, path_len);
}

void fl_addr_text(char *text, size_t size, const struct sockaddr *addr, socklen_t len)
{
        struct out out = {text, size, 0};
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
                put(&out, "family ", 7);
                put_number(&out, family);
        }
}
