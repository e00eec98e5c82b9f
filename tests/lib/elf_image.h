/* The library's own ELF file mapped read-only, for the suites that check its layout (where its
 * code and data lie, how many segments ld.so maps). 64-bit images only. */
#ifndef FL_ELF_IMAGE_H
#define FL_ELF_IMAGE_H

#include <elf.h>
#include <stddef.h>

struct fl_elf_image {
        const unsigned char *bytes; /* NULL when the file could not be mapped or is no ELF64 */
        size_t size;
};

struct fl_elf_image fl_elf_map(const char *path);
const Elf64_Ehdr *fl_elf_header(const struct fl_elf_image *image);
const Elf64_Shdr *fl_elf_section(const struct fl_elf_image *image, unsigned index);

#endif
