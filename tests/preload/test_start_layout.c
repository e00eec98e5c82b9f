/* What every new image pays for the library's layout before the constructor runs (issue 18):
 * ld.so maps each PT_LOAD segment with its own mmap and each first touch of a page is a fault,
 * ~1.2 us for a written page on this kind of VM. The library is linked with its code and
 * read-only data in one segment (-z noseparate-code, no RELRO: Makefile LIBLAYOUT), and the small
 * variables that a start writes lie together, the 4 KiB buffers that few processes write after
 * them (common storage: shim/core/fdtable.c). Read from the library's own headers. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "elf_image.h"
#include "fltest.h"

#define PAGE        4096u
#define SMALL_LIMIT 1024u /* bytes: what counts as a small variable */

static struct fl_elf_image map_library(void)
{
        const char *path = fl_build_path("libforklock.so");
        struct fl_elf_image image = fl_elf_map(path);

        cr_assert_not_null(image.bytes, "cannot map %s as a 64-bit ELF file", path);
        return image;
}

static bool writable_data(const struct fl_elf_image *image, unsigned index)
{
        const Elf64_Shdr *sh;

        if (index == SHN_UNDEF || index >= fl_elf_header(image)->e_shnum)
                return false;
        sh = fl_elf_section(image, index);
        return (sh->sh_flags & SHF_WRITE) && (sh->sh_flags & SHF_ALLOC) &&
               !(sh->sh_flags & SHF_TLS);
}

Test(start_layout, code_and_read_only_data_are_one_segment)
{
        struct fl_elf_image image = map_library();
        const Elf64_Ehdr *eh = fl_elf_header(&image);
        int loads = 0, executable = 0;

        for (unsigned i = 0; i < eh->e_phnum; i++) {
                const Elf64_Phdr *ph =
                    (const Elf64_Phdr *)(image.bytes + eh->e_phoff + (size_t)i * eh->e_phentsize);

                if (ph->p_type != PT_LOAD)
                        continue;
                loads++;
                executable += (ph->p_flags & PF_X) != 0;
                cr_expect(!(ph->p_flags & PF_X) || ph->p_offset == 0,
                          "the executable segment does not start with the headers (offset 0x%lx)",
                          (unsigned long)ph->p_offset);
        }
        cr_expect_eq(executable, 1);
        cr_expect_eq(loads, 2,
                     "%d PT_LOAD segments: ld.so maps each (one mmap, own faults), 2 "
                     "expected (code with read-only data, then data)",
                     loads);
}

Test(start_layout, small_variables_lie_in_two_pages)
{
        const char *san = getenv("FL_SAN");
        struct fl_elf_image image;
        const Elf64_Ehdr *eh;
        Elf64_Addr low = (Elf64_Addr)-1, high = 0;
        const char *low_name = "", *high_name = "";
        int small = 0;

        /* A sanitizer pads every global with its own red zones: the layout is its, not ours. */
        if (san && *san)
                cr_skip_test("a sanitizer build (%s)", san);
        image = map_library();
        eh = fl_elf_header(&image);
        for (unsigned i = 0; i < eh->e_shnum; i++) {
                const Elf64_Shdr *symtab = fl_elf_section(&image, i);
                const Elf64_Sym *sym;
                const char *names;

                if (symtab->sh_type != SHT_SYMTAB)
                        continue;
                names =
                    (const char *)image.bytes + fl_elf_section(&image, symtab->sh_link)->sh_offset;
                sym = (const Elf64_Sym *)(image.bytes + symtab->sh_offset);
                for (size_t s = 0; s < symtab->sh_size / sizeof(*sym); s++) {
                        if (ELF64_ST_TYPE(sym[s].st_info) != STT_OBJECT || !sym[s].st_size ||
                            sym[s].st_size >= SMALL_LIMIT ||
                            !writable_data(&image, sym[s].st_shndx))
                                continue;
                        small++;
                        if (sym[s].st_value < low) {
                                low = sym[s].st_value;
                                low_name = names + sym[s].st_name;
                        }
                        if (sym[s].st_value + sym[s].st_size > high) {
                                high = sym[s].st_value + sym[s].st_size;
                                high_name = names + sym[s].st_name;
                        }
                }
        }
        cr_assert_gt(small, 50, "only %d small variables found: no symbol table?", small);
        cr_expect_leq((high - 1) / PAGE - low / PAGE + 1, 2,
                      "the %d small variables span 0x%lx (%s) to 0x%lx (%s): %lu pages, each a "
                      "fault when a start writes it",
                      small, (unsigned long)low, low_name, (unsigned long)high, high_name,
                      (unsigned long)((high - 1) / PAGE - low / PAGE + 1));
}
