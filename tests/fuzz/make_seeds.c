/* Writes the seed corpus: small valid rings (empty, partial, wrapped, with an abandoned and a
 * stale slot) and a few near-misses. Run by scripts/fuzz when tests/fuzz/corpus is empty. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../shim/ring/ring.h"

static void save(const char *dir, const char *name, const struct fl_ring *ring)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "wb");
        if (!f || fwrite(ring->hdr, 1, ring->map_len, f) != ring->map_len || fclose(f))
                exit(1);
}

static void fill(struct fl_ring *ring, int n)
{
        struct fl_record rec;

        for (int i = 0; i < n; i++) {
                memset(&rec, 0, sizeof(rec));
                rec.pid = 100 + i;
                rec.call = (uint16_t)(i % FL_CALL_COUNT);
                rec.decision = (uint8_t)(i % FL_DEC_COUNT);
                rec.result = i % 4 ? i : -1;
                rec.err = i % 4 ? 0 : 22;
                snprintf(rec.text, sizeof(rec.text),
                         i % 2 ? "/usr/bin/env \"a\\b\"" : "\xc3\xa9\x01");
                fl_ring_append(ring, &rec);
        }
}

int main(int argc, char **argv)
{
        struct fl_ring ring;
        uint64_t *w;

        if (argc != 2)
                return 2;
        fl_ring_open_anonymous(&ring, 64);
        save(argv[1], "empty", &ring);
        fill(&ring, 10);
        save(argv[1], "partial", &ring);
        fill(&ring, 100);
        save(argv[1], "wrapped", &ring);
        w = (uint64_t *)&ring.slots[(ring.hdr->head + 1) & ring.mask];
        *w |= FL_RING_BUSY; /* an abandoned write */
        save(argv[1], "abandoned", &ring);
        w = (uint64_t *)&ring.slots[(ring.hdr->head + 5) & ring.mask];
        *w -= 64; /* a stale record from the lap before */
        save(argv[1], "stale", &ring);
        ring.hdr->version = 2;
        save(argv[1], "version2", &ring);
        return 0;
}
