/* The code a recorded socket()+close() runs between the two system calls lies in a few
 * neighbouring pages of libforklock.so (shim/util/hot.h): the kernel's work evicts the
 * instruction cache, so each further line and page costs time (-15 to -25 ns per socket()+close()
 * when they were grouped, tests/bench/paired.c). Read from the library's own symbol table. */
#include <criterion/criterion.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "elf_image.h"
#include "fltest.h"

/* What runs after socket()'s system call returns and before close()'s, in the common case
 * (enforce, cloexec profile, an fd above 2): the wrappers, the record's fill and decision, the ring
 * append, the fd table's note and clear, the ids, close's way to glibc. */
static const char *const hot_path[] = {
    "socket",           "close",          "fl_process",     "fl_socket_made",   "fl_shim_decide",
    "fl_recorder_emit", "fl_ring_append", "fl_fdtable_set", "fl_fdtable_clear", "fl_close",
    "fl_ids_pid",       "fl_ids_tid",     "sys_close",
};
#define HOT_PATH_COUNT (sizeof(hot_path) / sizeof(hot_path[0]))
#define SPAN_LIMIT     (4 * 4096)

/* The start and end of each hot-path function, from .symtab (local functions included). */
static int find_functions(const struct fl_elf_image *image, Elf64_Addr start[], Elf64_Addr end[])
{
        const Elf64_Ehdr *eh = fl_elf_header(image);
        int found = 0;

        cr_assert_eq(memcmp(eh->e_ident, ELFMAG, SELFMAG), 0);
        cr_assert_eq(eh->e_ident[EI_CLASS], ELFCLASS64);
        for (unsigned i = 0; i < eh->e_shnum; i++) {
                const Elf64_Shdr *symtab = fl_elf_section(image, i);
                const char *names;
                const Elf64_Sym *sym;

                if (symtab->sh_type != SHT_SYMTAB)
                        continue;
                names =
                    (const char *)image->bytes + fl_elf_section(image, symtab->sh_link)->sh_offset;
                sym = (const Elf64_Sym *)(image->bytes + symtab->sh_offset);
                for (size_t s = 0; s < symtab->sh_size / sizeof(*sym); s++) {
                        if (ELF64_ST_TYPE(sym[s].st_info) != STT_FUNC)
                                continue;
                        for (size_t h = 0; h < HOT_PATH_COUNT; h++) {
                                if (strcmp(names + sym[s].st_name, hot_path[h]) != 0 || start[h])
                                        continue;
                                start[h] = sym[s].st_value;
                                end[h] = sym[s].st_value + sym[s].st_size;
                                found++;
                        }
                }
        }
        return found;
}

Test(hot_layout, socket_close_path_lies_in_a_few_pages)
{
        const char *san = getenv("FL_SAN");
        struct fl_elf_image image;
        Elf64_Addr start[HOT_PATH_COUNT] = {0}, end[HOT_PATH_COUNT] = {0};
        Elf64_Addr low = (Elf64_Addr)-1, high = 0;
        int found;

        /* Instrumentation, not placement, sets the code's size there; nobody measures it. */
        if (san && *san)
                cr_skip_test("a sanitizer build (%s)", san);
        image = fl_elf_map(fl_build_path("libforklock.so"));
        cr_assert_not_null(image.bytes, "cannot map libforklock.so as a 64-bit ELF file");
        found = find_functions(&image, start, end);

        for (size_t h = 0; h < HOT_PATH_COUNT; h++)
                cr_assert_neq(start[h], 0, "%s is not in the library's symbol table", hot_path[h]);
        cr_assert_eq(found, (int)HOT_PATH_COUNT);
        for (size_t h = 0; h < HOT_PATH_COUNT; h++) {
                low = start[h] < low ? start[h] : low;
                high = end[h] > high ? end[h] : high;
        }
        cr_expect_leq(high - low, SPAN_LIMIT,
                      "the socket()+close() path spans %lu bytes (0x%lx-0x%lx), more than %d",
                      (unsigned long)(high - low), (unsigned long)low, (unsigned long)high,
                      SPAN_LIMIT);
        munmap((void *)image.bytes, image.size);
}
