#include "fdinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "addrtext.h"
#include "msg.h"
#include "raw_syscall.h"

const char *fl_fd_kind_name(enum fl_fd_kind kind)
{
        static const char *const names[FL_KIND_COUNT] = {
            [FL_KIND_UNKNOWN] = "unknown",
            [FL_KIND_TCP] = "TCP",
            [FL_KIND_UDP] = "UDP",
            [FL_KIND_UNIX] = "UNIX",
            [FL_KIND_SOCKET] = "socket",
            [FL_KIND_PIPE] = "pipe",
            [FL_KIND_FIFO] = "FIFO",
            [FL_KIND_FILE] = "file",
            [FL_KIND_DIR] = "directory",
            [FL_KIND_CHAR] = "char device",
            [FL_KIND_BLOCK] = "block device",
            [FL_KIND_EVENTFD] = "eventfd",
            [FL_KIND_EPOLL] = "epoll",
            [FL_KIND_ANON] = "anon inode",
        };

        return (unsigned)kind < FL_KIND_COUNT ? names[kind] : "unknown";
}

enum fl_fd_kind fl_fd_kind_of_link(const char *link)
{
        if (strncmp(link, "pipe:", 5) == 0)
                return FL_KIND_PIPE;
        if (strcmp(link, "anon_inode:[eventfd]") == 0)
                return FL_KIND_EVENTFD;
        if (strcmp(link, "anon_inode:[eventpoll]") == 0)
                return FL_KIND_EPOLL;
        if (strncmp(link, "anon_inode:", 11) == 0)
                return FL_KIND_ANON;
        return FL_KIND_UNKNOWN;
}

/* a + b + c into dst (FL_FDINFO_TEXT bytes: two addresses always fit). */
static void join3(char *dst, const char *a, const char *b, const char *c)
{
        struct fl_msg m = {dst, FL_FDINFO_TEXT, 0};

        fl_msg_str(&m, a);
        fl_msg_str(&m, b);
        fl_msg_str(&m, c);
}

/* readlink of /proc/self/fd/N without stdio: "" when /proc is missing. */
static void fd_link(int fd, char *buf, size_t size)
{
        char path[48];
        struct fl_msg m = {path, sizeof(path), 0};
        long len;

        fl_msg_str(&m, "/proc/self/fd/");
        fl_msg_num(&m, (uint64_t)fd);
        len = syscall(SYS_readlinkat, AT_FDCWD, path, buf, size - 1);
        buf[len > 0 ? len : 0] = '\0';
}

static int port_of(const struct sockaddr_storage *ss)
{
        if (ss->ss_family == AF_INET)
                return ntohs(((const struct sockaddr_in *)ss)->sin_port);
        if (ss->ss_family == AF_INET6)
                return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
        return 0;
}

static enum fl_fd_kind socket_kind(int family, int type)
{
        if (family == AF_UNIX)
                return FL_KIND_UNIX;
        if (family != AF_INET && family != AF_INET6)
                return FL_KIND_SOCKET;
        if (type == SOCK_STREAM)
                return FL_KIND_TCP;
        return type == SOCK_DGRAM ? FL_KIND_UDP : FL_KIND_SOCKET;
}

static void describe_socket(int fd, struct fl_fdinfo *info)
{
        struct sockaddr_storage local, peer;
        socklen_t llen = sizeof(local), plen = sizeof(peer), olen = sizeof(int);
        char ltext[FL_ADDR_TEXT], ptext[FL_ADDR_TEXT];
        int value = 0;

        memset(&local, 0, sizeof(local));
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &info->family, &olen) < 0)
                info->family = 0;
        olen = sizeof(int);
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &info->type, &olen) < 0)
                info->type = 0;
        olen = sizeof(int);
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &olen) == 0 && value)
                info->state |= FL_STATE_LISTENING;
        info->kind = socket_kind(info->family, info->type);
        if (getsockname(fd, (struct sockaddr *)&local, &llen) < 0)
                llen = 0;
        fl_addr_text(ltext, sizeof(ltext), (struct sockaddr *)&local, llen);
        if (strcmp(ltext, "unix:") == 0)
                strcpy(ltext, "unix:(unnamed)");
        info->local_port = port_of(&local);
        if (getpeername(fd, (struct sockaddr *)&peer, &plen) == 0) {
                info->state |= FL_STATE_CONNECTED;
                fl_addr_text(ptext, sizeof(ptext), (struct sockaddr *)&peer, plen);
                if (strcmp(ptext, "unix:") == 0)
                        strcpy(ptext, "unix:(unnamed)");
                join3(info->text, ltext, " <- ", ptext);
                return;
        }
        join3(info->text, ltext, "", "");
}

static void describe_other(int fd, const struct stat *st, struct fl_fdinfo *info)
{
        const char *link = info->text;

        fd_link(fd, info->text, sizeof(info->text));
        if (S_ISFIFO(st->st_mode))
                info->kind = fl_fd_kind_of_link(link) == FL_KIND_PIPE || !link[0] ? FL_KIND_PIPE
                                                                                  : FL_KIND_FIFO;
        else if (S_ISREG(st->st_mode))
                info->kind = FL_KIND_FILE;
        else if (S_ISDIR(st->st_mode))
                info->kind = FL_KIND_DIR;
        else if (S_ISCHR(st->st_mode))
                info->kind = FL_KIND_CHAR;
        else if (S_ISBLK(st->st_mode))
                info->kind = FL_KIND_BLOCK;
        else
                info->kind = fl_fd_kind_of_link(link);
}

int fl_fdinfo_describe(int fd, struct fl_fdinfo *info)
{
        struct stat st;
        int saved = errno;

        memset(info, 0, sizeof(*info));
        if (fl_fstat(fd, &st) < 0) {
                errno = saved;
                return -1;
        }
        info->ino = (uint64_t)st.st_ino;
        if (S_ISSOCK(st.st_mode))
                describe_socket(fd, info);
        else
                describe_other(fd, &st, info);
        errno = saved;
        return 0;
}
