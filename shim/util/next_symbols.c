/* The GNU hash lookup of glibc's dynamic loader (do_lookup_x and check_match, for dlsym's
 * unversioned, newest-version lookup), over the objects that follow this library. Only reads
 * memory: async-signal-safe once the objects are found. */
#include "next_symbols.h"

#include <string.h>
#include <sys/auxv.h>

enum { NOT_HERE, FOUND, ASK_DLSYM };

struct walk {
        const void *self, *last;
        bool after_self, reached_last, refused;
        struct fl_next_objects *next;
};

static bool holds(const struct dl_phdr_info *info, const void *address)
{
        uintptr_t a = (uintptr_t)address;

        for (int i = 0; i < info->dlpi_phnum; i++) {
                const fl_elf_phdr *ph = &info->dlpi_phdr[i];
                uintptr_t start = info->dlpi_addr + ph->p_vaddr;

                if (ph->p_type == PT_LOAD && a >= start && a - start < ph->p_memsz)
                        return true;
        }
        return false;
}

/* The loader adjusts the dynamic section's addresses in place for most objects, not for all. */
static const void *at(fl_elf_addr base, fl_elf_addr value)
{
        return (const void *)(value < base ? value + base : value);
}

static bool describe(const struct dl_phdr_info *info, struct fl_next_object *o)
{
        const fl_elf_dyn *dyn = NULL;

        memset(o, 0, sizeof(*o));
        o->base = info->dlpi_addr;
        for (int i = 0; i < info->dlpi_phnum; i++)
                if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
                        dyn = (const void *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
        for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
                if (dyn->d_tag == DT_GNU_HASH)
                        o->gnu_hash = at(o->base, dyn->d_un.d_ptr);
                else if (dyn->d_tag == DT_SYMTAB)
                        o->symtab = at(o->base, dyn->d_un.d_ptr);
                else if (dyn->d_tag == DT_STRTAB)
                        o->strtab = at(o->base, dyn->d_un.d_ptr);
                else if (dyn->d_tag == DT_VERSYM)
                        o->versym = at(o->base, dyn->d_un.d_ptr);
        }
        return o->gnu_hash && o->symtab && o->strtab && o->gnu_hash[0] && o->gnu_hash[2];
}

static int visit(struct dl_phdr_info *info, size_t size, void *ctx)
{
        struct walk *w = ctx;
        struct fl_next_objects *next = w->next;

        (void)size;
        if (!w->after_self) {
                w->after_self = holds(info, w->self);
                return 0;
        }
        if (info->dlpi_addr == getauxval(AT_SYSINFO_EHDR) && info->dlpi_addr)
                return 0; /* the vDSO: not in the global scope */
        if (next->n == FL_NEXT_OBJECTS_MAX || !describe(info, &next->objects[next->n])) {
                w->refused = true;
                return 1;
        }
        next->n++;
        w->reached_last = holds(info, w->last);
        return w->reached_last;
}

bool fl_next_objects_find(struct fl_next_objects *next, const void *self, const void *last)
{
        struct walk w = {.self = self, .last = last, .next = next};

        next->n = 0;
        dl_iterate_phdr(visit, &w);
        return w.reached_last && !w.refused;
}

static uint32_t gnu_hash(const char *name)
{
        uint32_t h = 5381;

        for (const unsigned char *c = (const unsigned char *)name; *c; c++)
                h = h * 33 + *c;
        return h;
}

#define ALLOWED_TYPES                                                                              \
        ((1 << STT_NOTYPE) | (1 << STT_OBJECT) | (1 << STT_FUNC) | (1 << STT_COMMON) |             \
         (1 << STT_TLS) | (1 << STT_GNU_IFUNC))

/* check_match for dlsym: a definition of name, unversioned, or versioned and not hidden (kept
 * aside: the only such one is taken when nothing unversioned is found). */
static bool matches(const struct fl_next_object *o, uint32_t i, const char *name,
                    const fl_elf_sym **versioned, int *versions)
{
        const fl_elf_sym *s = &o->symtab[i];
        unsigned type = ELF64_ST_TYPE(s->st_info);

        if ((s->st_value == 0 && s->st_shndx != SHN_ABS && type != STT_TLS) ||
            !((1u << type) & ALLOWED_TYPES) || strcmp(o->strtab + s->st_name, name) != 0)
                return false;
        if (o->versym && (o->versym[i] & 0x7fff) >= 2) {
                if (!(o->versym[i] & 0x8000) && (*versions)++ == 0)
                        *versioned = s;
                return false;
        }
        return true;
}

static const fl_elf_sym *find_in(const struct fl_next_object *o, const char *name, uint32_t h)
{
        const uint32_t *table = o->gnu_hash;
        uint32_t nbuckets = table[0], symoffset = table[1], bloom_size = table[2], shift = table[3];
        const fl_elf_addr *bloom = (const void *)(table + 4);
        const uint32_t *buckets = (const void *)(bloom + bloom_size), *chain = buckets + nbuckets;
        const unsigned bits = sizeof(fl_elf_addr) * 8;
        fl_elf_addr word = bloom[(h / bits) % bloom_size];
        fl_elf_addr mask =
            ((fl_elf_addr)1 << (h % bits)) | ((fl_elf_addr)1 << ((h >> shift) % bits));
        const fl_elf_sym *versioned = NULL;
        int versions = 0;

        if ((word & mask) != mask)
                return NULL;
        for (uint32_t i = buckets[h % nbuckets]; i >= symoffset && i != 0; i++) {
                uint32_t h2 = chain[i - symoffset];

                if ((h2 | 1) == (h | 1) && matches(o, i, name, &versioned, &versions))
                        return &o->symtab[i];
                if (h2 & 1)
                        break;
        }
        return versions == 1 ? versioned : NULL;
}

/* do_lookup_x's verdict on the symbol found: a global or weak function is the answer; anything
 * else (an IFUNC, whose resolver the loader runs; a local symbol it would skip; a unique one) is
 * the loader's to judge. */
static int judge(const struct fl_next_object *o, const fl_elf_sym *s, void **out)
{
        unsigned bind = ELF64_ST_BIND(s->st_info), type = ELF64_ST_TYPE(s->st_info);

        if ((bind != STB_GLOBAL && bind != STB_WEAK) || type != STT_FUNC ||
            s->st_shndx == SHN_UNDEF || s->st_shndx == SHN_ABS)
                return ASK_DLSYM;
        *out = (void *)(o->base + s->st_value);
        return FOUND;
}

void *fl_next_symbol(const struct fl_next_objects *next, const char *name)
{
        uint32_t h = gnu_hash(name);
        void *address = NULL;

        for (int k = 0; k < next->n; k++) {
                const fl_elf_sym *s = find_in(&next->objects[k], name, h);

                if (s)
                        return judge(&next->objects[k], s, &address) == FOUND ? address : NULL;
        }
        return NULL;
}
