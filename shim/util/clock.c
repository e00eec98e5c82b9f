#include "clock.h"
#include "raw_syscall.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef int (*vdso_clock_fn)(clockid_t, struct timespec *);

#if defined(__aarch64__)
#define VDSO_CLOCK "__kernel_clock_gettime"
#else
#define VDSO_CLOCK "__vdso_clock_gettime"
#endif

/* The vDSO is a complete ELF image mapped at AT_SYSINFO_EHDR, section headers included. */
static vdso_clock_fn vdso_lookup(void)
{
        const char *base = (const char *)getauxval(AT_SYSINFO_EHDR);
        const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
        const ElfW(Phdr) * ph;
        const ElfW(Shdr) * sh;
        uintptr_t load = 0;

        if (!base || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
                return NULL;
        ph = (const ElfW(Phdr) *)(base + eh->e_phoff);
        for (int i = 0; i < eh->e_phnum; i++)
                if (ph[i].p_type == PT_LOAD) {
                        load = (uintptr_t)base + ph[i].p_offset - ph[i].p_vaddr;
                        break;
                }
        sh = (const ElfW(Shdr) *)(base + eh->e_shoff);
        for (int i = 0; eh->e_shoff && i < eh->e_shnum; i++) {
                const ElfW(Sym) *sym = (const ElfW(Sym) *)(base + sh[i].sh_offset);
                const char *names;

                if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum)
                        continue;
                names = base + sh[sh[i].sh_link].sh_offset;
                for (size_t k = 0; k < sh[i].sh_size / sizeof(*sym); k++)
                        if (sym[k].st_shndx != SHN_UNDEF && sym[k].st_value &&
                            strcmp(names + sym[k].st_name, VDSO_CLOCK) == 0)
                                return (vdso_clock_fn)(load + sym[k].st_value);
        }
        return NULL;
}

/* The kernel's call, not libc's syscall(): an image joining a ring asks once and writes few
 * records, and libc's function would be one more text page for it to fault in. */
static int syscall_clock(clockid_t id, struct timespec *ts)
{
        return fl_raw_syscall(SYS_clock_gettime, id, ts) == 0 ? 0 : -1;
}

/* The vDSO reads the TSC on x86, so a process that forbade itself the TSC (prctl PR_SET_TSC,
 * inherited across fork and exec) must not call it: the call would die of SIGSEGV. */
int fl_clock_tsc_readable(void)
{
#if defined(__x86_64__) || defined(__i386__)
        int mode = 0;
        long rc = fl_raw_syscall(SYS_prctl, PR_GET_TSC, &mode, 0, 0, 0);

        return rc == 0 && mode == PR_TSC_ENABLE;
#else
        return 1;
#endif
}

static vdso_clock_fn resolve(void)
{
        vdso_clock_fn fn = fl_clock_tsc_readable() ? vdso_lookup() : NULL;

        return fn ? fn : syscall_clock;
}

int64_t fl_clock_ns_syscall(clockid_t id)
{
        struct timespec ts;

        if (syscall_clock(id, &ts) != 0)
                return 0;
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Set once; fl_clock_forbid_vdso's store is never replaced by a racing resolver's. */
static vdso_clock_fn clock_fn;

void fl_clock_forbid_vdso(void)
{
        __atomic_store_n(&clock_fn, syscall_clock, __ATOMIC_RELAXED);
}

int64_t fl_clock_ns(clockid_t id)
{
        vdso_clock_fn fn = __atomic_load_n(&clock_fn, __ATOMIC_RELAXED);
        struct timespec ts;

        if (__builtin_expect(!fn, 0)) {
                vdso_clock_fn none = NULL;

                fn = resolve();
                if (!__atomic_compare_exchange_n(&clock_fn, &none, fn, 0, __ATOMIC_RELAXED,
                                                 __ATOMIC_RELAXED))
                        fn = none;
        }
        if (fn(id, &ts) != 0)
                return 0;
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
