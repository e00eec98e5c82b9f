/* Go's listenerBacklog (net/sock_linux.go, Go 1.16 on): somaxconn, read once; SOMAXCONN (128) when
 * the file cannot be read, does not start with a number, reads 0, or overflows Go's dtoi (which
 * gives up at 0xFFFFFF); above 65535 it is capped to 65535 only on kernels before 4.1, where the
 * backlog was a uint16 (Go 1.14 capped it everywhere; forklock follows the newer rule). */
#include <stdatomic.h>

#include "goprofile.h"

#define DTOI_BIG       0xFFFFFF
#define UINT16_BACKLOG 65535

/* Go's dtoi: leading decimal digits; ok only if there is at least one and no overflow. */
static bool go_dtoi(const char *text, long *value)
{
        long n = 0;
        int digits = 0;

        for (; *text >= '0' && *text <= '9'; text++, digits++) {
                n = n * 10 + (*text - '0');
                if (n >= DTOI_BIG)
                        return false;
        }
        *value = n;
        return digits > 0;
}

/* Go's kernelVersion: the leading numbers of the release; 0.0 when unknown. */
static void kernel_version(const char *release, int *major, int *minor)
{
        int parts[2] = {0, 0};

        for (int i = 0; release && i < 2; i++) {
                for (; *release >= '0' && *release <= '9'; release++)
                        parts[i] = parts[i] * 10 + (*release - '0');
                if (*release != '.')
                        break;
                release++;
        }
        *major = parts[0];
        *minor = parts[1];
}

int fl_listener_backlog(const char *somaxconn, const char *release)
{
        const char *field = somaxconn;
        long n;
        int major, minor;

        if (!field)
                return FL_GO_SOMAXCONN;
        /* getFields: leading spaces, tabs and newlines are skipped. */
        while (*field == ' ' || *field == '\t' || *field == '\r')
                field++;
        if (!go_dtoi(field, &n) || n == 0)
                return FL_GO_SOMAXCONN;
        kernel_version(release, &major, &minor);
        if (n > UINT16_BACKLOG && !(major > 4 || (major == 4 && minor >= 1)))
                return UINT16_BACKLOG;
        return (int)n;
}

int fl_go_backlog(struct fl_shim *shim)
{
        char text[32], release[65];
        const char *somaxconn = NULL;
        int backlog = atomic_load_explicit(&shim->go_backlog, memory_order_relaxed);
        ssize_t got;

        if (backlog > 0)
                return backlog;
        got = shim->sys->read_file("/proc/sys/net/core/somaxconn", text, sizeof(text) - 1);
        if (got >= 0) {
                text[got] = '\0';
                somaxconn = text;
        }
        if (shim->sys->kernel_release(release, sizeof(release)) < 0)
                release[0] = '\0';
        backlog = fl_listener_backlog(somaxconn, release);
        /* Racing first listens compute the same value; whichever store lands is right. */
        atomic_store_explicit(&shim->go_backlog, backlog, memory_order_relaxed);
        return backlog;
}
