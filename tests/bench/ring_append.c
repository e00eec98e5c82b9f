/* Cost of fl_ring_append, timestamp included: one thread, then two threads on one ring.
 * Usage: build/bench/ring_append [RECORDS_PER_THREAD]
 * For scripts/bench: ring_append --threads N|--clock [--iterations RECORDS_PER_THREAD] prints
 * "ns_per_op=X" (ns per record overall, or per clock_gettime call).
 * ring_append --fill PATH --capacity N fills a ring file with N records that answer no question (a
 * busy session's history), for the inherited-fd spawn with a full ring. */
#include "ring.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct fl_ring ring;
static unsigned long per_thread = 20000000;

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *writer(void *arg)
{
        struct fl_record rec;

        memset(&rec, 0, sizeof(rec));
        rec.call = FL_CALL_SOCKET;
        rec.decision = FL_DEC_ATOMIC;
        rec.tid = (int)(long)arg;
        for (unsigned long i = 0; i < per_thread; i++) {
                rec.fd = (int)i;
                fl_ring_append(&ring, &rec);
        }
        return NULL;
}

static double run(int threads)
{
        pthread_t tid[2];
        double t0 = now();

        for (int i = 0; i < threads; i++)
                pthread_create(&tid[i], NULL, writer, (void *)(long)i);
        for (int i = 0; i < threads; i++)
                pthread_join(tid[i], NULL);
        return (now() - t0) / ((double)per_thread * threads);
}

static double clock_cost(long n)
{
        struct timespec ts;
        double t0 = now();

        for (long i = 0; i < n; i++)
                clock_gettime(CLOCK_MONOTONIC, &ts);
        return (now() - t0) / (double)n;
}

/* The runner's form: one figure per run, so it can repeat and interleave runs. */
static int runner_mode(int argc, char **argv)
{
        int threads = 0;
        const char *fill = NULL;
        uint32_t capacity = FL_RING_DEFAULT_CAPACITY;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
                        threads = atoi(argv[++i]);
                else if (strcmp(argv[i], "--fill") == 0 && i + 1 < argc)
                        fill = argv[++i];
                else if (strcmp(argv[i], "--capacity") == 0 && i + 1 < argc)
                        capacity = (uint32_t)strtoul(argv[++i], NULL, 10);
                else if (strcmp(argv[i], "--clock") == 0)
                        threads = -1;
                else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
                        per_thread = strtoul(argv[++i], NULL, 10);
                else
                        return 2;
        }
        if (fill) {
                if (fl_ring_open_file(&ring, fill, capacity) < 0)
                        return 2;
                per_thread = ring.capacity;
                run(1);
                return 0;
        }
        if (threads == -1) {
                clock_cost((long)per_thread / 10);
                printf("ns_per_op=%.2f\n", clock_cost((long)per_thread));
                return 0;
        }
        if (threads < 1 || threads > 2 || per_thread == 0 ||
            fl_ring_open_anonymous(&ring, FL_RING_DEFAULT_CAPACITY) < 0)
                return 2;
        run(threads); /* warm */
        printf("ns_per_op=%.2f\n", run(threads));
        return 0;
}

int main(int argc, char **argv)
{
        double one, two;

        if (argc > 1 && strncmp(argv[1], "--", 2) == 0)
                return runner_mode(argc, argv);
        if (argc > 1)
                per_thread = strtoul(argv[1], NULL, 10);
        if (fl_ring_open_anonymous(&ring, FL_RING_DEFAULT_CAPACITY) < 0)
                return 1;
        run(1); /* warm: fault in the pages, settle the clock */
        one = run(1);
        two = run(2);
        printf("ring_append: clock_gettime alone %.1f ns\n", clock_cost(10000000));
        printf("ring_append: 1 thread  %.1f ns/record (%lu records, 64k-record ring)\n", one,
               per_thread);
        printf("ring_append: 2 threads %.1f ns/record overall, %.1f ns per append per thread\n",
               two, two * 2);
        printf("ring_append: written %llu dropped %llu\n",
               (unsigned long long)(ring.hdr->head - ring.hdr->dropped),
               (unsigned long long)ring.hdr->dropped);
        return 0;
}
