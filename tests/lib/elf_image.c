#include "elf_image.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct fl_elf_image fl_elf_map(const char *path)
{
        struct fl_elf_image image = {NULL, 0};
        struct stat st;
        void *map;
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return image;
        if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(Elf64_Ehdr)) {
                map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
                if (map != MAP_FAILED && memcmp(map, ELFMAG, SELFMAG) == 0 &&
                    ((const unsigned char *)map)[EI_CLASS] == ELFCLASS64) {
                        image.bytes = map;
                        image.size = (size_t)st.st_size;
                } else if (map != MAP_FAILED) {
                        munmap(map, (size_t)st.st_size);
                }
        }
        close(fd);
        return image;
}

const Elf64_Ehdr *fl_elf_header(const struct fl_elf_image *image)
{
        return (const Elf64_Ehdr *)image->bytes;
}

const Elf64_Shdr *fl_elf_section(const struct fl_elf_image *image, unsigned index)
{
        const Elf64_Ehdr *eh = fl_elf_header(image);

        return (const Elf64_Shdr *)(image->bytes + eh->e_shoff + (size_t)index * eh->e_shentsize);
}
