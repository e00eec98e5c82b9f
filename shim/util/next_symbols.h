/* What dlsym(RTLD_NEXT, name) answers, for many names in one walk over the loaded objects. Each
 * dlsym call finds its caller's object, takes the loader's lock and searches every object from the
 * first: ~100 ns, 7-8 us for the library's 69 real functions, 1.5 % of a program's start. */
#ifndef FL_NEXT_SYMBOLS_H
#define FL_NEXT_SYMBOLS_H

#include <elf.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>

#define FL_NEXT_OBJECTS_MAX 16

#if UINTPTR_MAX > 0xffffffffu
typedef Elf64_Addr fl_elf_addr;
typedef Elf64_Half fl_elf_half;
typedef Elf64_Sym fl_elf_sym;
typedef Elf64_Dyn fl_elf_dyn;
typedef Elf64_Phdr fl_elf_phdr;
#else
typedef Elf32_Addr fl_elf_addr;
typedef Elf32_Half fl_elf_half;
typedef Elf32_Sym fl_elf_sym;
typedef Elf32_Dyn fl_elf_dyn;
typedef Elf32_Phdr fl_elf_phdr;
#endif

struct fl_next_object {
        fl_elf_addr base;
        const uint32_t *gnu_hash;
        const fl_elf_sym *symtab;
        const char *strtab;
        const fl_elf_half *versym;
};

struct fl_next_objects {
        int n;
        struct fl_next_object objects[FL_NEXT_OBJECTS_MAX];
};

/* The objects after the one holding self, in load order, up to the one holding last (the C
 * library): all loaded at start-up, so in the global scope and in the order dlsym searches them.
 * false when that cannot be said (last is not after self, an object without a GNU hash table, too
 * many objects): every name is then dlsym's to answer. */
bool fl_next_objects_find(struct fl_next_objects *next, const void *self, const void *last);

/* The address of name's first plain definition (a global or weak function, the newest version) in
 * those objects, or NULL when dlsym must answer: not found, or found in a form this lookup leaves
 * to the loader (an IFUNC, a local or unique symbol). */
void *fl_next_symbol(const struct fl_next_objects *next, const char *name);

#endif
