#include "idmap.h"

#include <stdio.h>
#include <stdlib.h>

void idmap_init(struct idmap *m, size_t entries)
{
        size_t size = 64;

        while (size < entries * 2)
                size *= 2;
        m->keys = calloc(size, sizeof(*m->keys));
        m->values = calloc(size, sizeof(*m->values));
        m->mask = size - 1;
        if (!m->keys || !m->values) {
                fputs("forklock: out of memory\n", stderr);
                exit(2);
        }
}

size_t *idmap_slot(struct idmap *m, uint64_t key, int insert)
{
        for (size_t i = (key * 0x9e3779b97f4a7c15ull) >> 7 & m->mask;; i = (i + 1) & m->mask) {
                if (m->keys[i] == key)
                        return &m->values[i];
                if (m->keys[i] == 0) {
                        if (!insert)
                                return NULL;
                        m->keys[i] = key;
                        return &m->values[i];
                }
        }
}

void idmap_free(struct idmap *m)
{
        free(m->keys);
        free(m->values);
        m->keys = NULL;
        m->values = NULL;
}
