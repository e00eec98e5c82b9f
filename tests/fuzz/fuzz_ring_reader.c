/* libFuzzer target: arbitrary bytes as a ring file, through the reader and both output formats. */
#include <stdint.h>
#include <stdio.h>

#include "../../shim/ring/ring_reader.h"
#include "../../tools/lib/dump_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static FILE *sink;
        struct fl_ring_reader r;
        struct fl_record rec;
        char err[256];
        int passes = 0, shown = 0;

        if (!sink)
                sink = fopen("/dev/null", "w");
        if (fl_ring_reader_from_memory(&r, data, size, err, sizeof(err)) < 0)
                return 0;
        do {
                /* Formatting is the slow part: a few records per input exercise it, the
                 * mutator decides which slots come first. */
                while (fl_ring_reader_next(&r, &rec)) {
                        if (shown++ >= 4)
                                continue;
                        dump_table_row(sink, &r, &rec);
                        dump_json_line(sink, &r, &rec);
                }
        } while (++passes < 2 && fl_ring_reader_poll(&r, err, sizeof(err)) == 0);
        fl_ring_reader_close(&r);
        return 0;
}
