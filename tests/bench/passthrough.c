/* Pass-through cost of the wrappers: run once plainly and once with LD_PRELOAD=libforklock.so;
 * the difference is what forklock adds.
 *   passthrough [ITERATIONS]
 * prints "fcntl_getfd NS", "socket_fail NS", "socket_close NS" (ns/op, best of 5 rounds). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void fcntl_getfd(long n)
{
        for (long i = 0; i < n; i++)
                fcntl(0, F_GETFD);
}

static void socket_fail(long n)
{
        for (long i = 0; i < n; i++)
                socket(-1, SOCK_STREAM, 0); /* EAFNOSUPPORT */
}

static void socket_close(long n)
{
        for (long i = 0; i < n; i++)
                close(socket(AF_INET, SOCK_STREAM, 0));
}

static double best(void (*body)(long), long n)
{
        double min = 1e18;

        for (int round = 0; round < 5; round++) {
                double t0 = now();
                body(n);
                double per = (now() - t0) / n;
                if (per < min)
                        min = per;
        }
        return min;
}

int main(int argc, char **argv)
{
        long n = argc > 1 ? atol(argv[1]) : 1000000;

        printf("fcntl_getfd %.1f\n", best(fcntl_getfd, n));
        printf("socket_fail %.1f\n", best(socket_fail, n));
        printf("socket_close %.1f\n", best(socket_close, n / 10));
        return 0;
}
