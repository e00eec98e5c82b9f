/* In-process paired measure of what the preloaded library adds to socket(): alternating batches
 * of libc's own call (looked up in libc itself) and the interposed one, per round, so that the
 * drift of a shared machine hits both alike. Median over rounds; robust at load 5 where
 * scripts/bench's process-level figures move by 10 %.
 *   LD_PRELOAD=build/libforklock.so build/bench/paired socket_fail|socket_close [ROUNDS BATCH]
 * The wrapped batch runs second in each round: an empty preload reads about -2 ns.
 * The ring's pages are part of what a record costs: with the default 65536-record ring every
 * record of a fresh file's first lap lands in pages this process never wrote, and each page's
 * first write is a page fault (~3 us on the bench VM, once per 32 records: ~90 ns per
 * socket()+close()). FORKLOCK_RING=64 keeps the ring in two pages and shows the steady state. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
        qsort(v, (size_t)n, sizeof(*v), by_value);
        return v[n / 2];
}

int main(int argc, char **argv)
{
        int with_close = argc > 1 && strcmp(argv[1], "socket_close") == 0;
        int rounds = argc > 2 ? atoi(argv[2]) : 300, batch = argc > 3 ? atoi(argv[3]) : 0;
        void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
        int (*libc_socket)(int, int, int) =
            libc ? (int (*)(int, int, int))dlsym(libc, "socket") : NULL;
        int (*libc_close)(int) = libc ? (int (*)(int))dlsym(libc, "close") : NULL;
        int family = with_close ? AF_INET : -1;
        double *bare, *added;

        if (argc < 2 || rounds < 1 || !libc_socket || !libc_close)
                return 2;
        batch = batch > 0 ? batch : with_close ? 100 : 2000;
        bare = malloc(sizeof(double) * (size_t)rounds);
        added = malloc(sizeof(double) * (size_t)rounds);
        if (!bare || !added)
                return 2;
        for (int k = 0; k < rounds; k++) {
                double t0 = now(), t1, t2;

                for (int i = 0; i < batch; i++) {
                        int fd = libc_socket(family, SOCK_STREAM, 0);

                        if (with_close)
                                libc_close(fd);
                }
                t1 = now();
                for (int i = 0; i < batch; i++) {
                        int fd = socket(family, SOCK_STREAM, 0);

                        if (with_close)
                                close(fd);
                }
                t2 = now();
                bare[k] = (t1 - t0) / batch;
                added[k] = (t2 - t1) / batch - bare[k];
        }
        printf("%s: bare %.1f ns, added %+.1f ns (medians of %d rounds of %d)\n", argv[1],
               median(bare, rounds), median(added, rounds), rounds, batch);
        return 0;
}
