/* ELF inspection, no more than ld.so itself decides by: an image without PT_INTERP (static, or
 * static-pie) runs no dynamic linker, so LD_PRELOAD is never read; a secure-execution image
 * (setuid or setgid to someone else, file capabilities) has ld.so ignore every LD_PRELOAD entry
 * that contains a slash, which ours always does. */
#include "target.h"

#include <elf.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define SCRIPT_DEPTH 4 /* the kernel's own limit on #! nesting is 4 (BINPRM_MAX_RECURSION) */

static bool executable_file(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* What execvp would run: cmd itself when it has a slash, else the first match in PATH. */
static bool resolve(const char *cmd, char *path, size_t size)
{
        const char *dirs = getenv("PATH");

        if (strchr(cmd, '/'))
                return snprintf(path, size, "%s", cmd) < (int)size;
        if (!dirs)
                dirs = "/bin:/usr/bin";
        for (const char *p = dirs;; p++) {
                const char *end = strchrnul(p, ':');
                int len = (int)(end - p);

                snprintf(path, size, "%.*s%s%s", len, p, len ? "/" : "", cmd);
                if (executable_file(path))
                        return true;
                if (!*end)
                        return false;
                p = end;
        }
}

static bool read_at(int fd, void *buf, size_t len, off_t offset)
{
        return pread(fd, buf, len, offset) == (ssize_t)len;
}

/* 1: has PT_INTERP; 0: none; -1: not an ELF image we can read. */
static int elf_has_interp(int fd)
{
        unsigned char ident[EI_NIDENT];
        uint64_t phoff;
        unsigned phnum, phentsize;

        if (!read_at(fd, ident, sizeof(ident), 0) || memcmp(ident, ELFMAG, SELFMAG) != 0)
                return -1;
        if (ident[EI_CLASS] == ELFCLASS64) {
                Elf64_Ehdr eh;
                if (!read_at(fd, &eh, sizeof(eh), 0))
                        return -1;
                phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
        } else if (ident[EI_CLASS] == ELFCLASS32) {
                Elf32_Ehdr eh;
                if (!read_at(fd, &eh, sizeof(eh), 0))
                        return -1;
                phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
        } else {
                return -1;
        }
        for (unsigned i = 0; i < phnum && i < 4096; i++) {
                uint32_t type; /* p_type is the first word in both classes */

                if (!read_at(fd, &type, sizeof(type), (off_t)(phoff + (uint64_t)i * phentsize)))
                        return -1;
                if (type == PT_INTERP)
                        return 1;
        }
        return 0;
}

static bool in_groups(gid_t gid)
{
        gid_t groups[256];
        int n = getgroups(256, groups);

        for (int i = 0; i < n; i++)
                if (groups[i] == gid)
                        return true;
        return gid == getegid();
}

static const char *secure_reason(const char *path)
{
        struct stat st;

        if (stat(path, &st) != 0)
                return NULL;
        if ((st.st_mode & S_ISUID) && st.st_uid != geteuid())
                return "setuid";
        if ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP) && !in_groups(st.st_gid))
                return "setgid";
        if (getxattr(path, "security.capability", NULL, 0) > 0 && geteuid() != 0)
                return "given file capabilities";
        return NULL;
}

/* The interpreter of a #! script, into path; false when the file is not one. */
static bool script_interpreter(int fd, char *path, size_t size)
{
        char line[256];
        ssize_t n = pread(fd, line, sizeof(line) - 1, 0);
        char *start, *end;

        if (n < 3 || line[0] != '#' || line[1] != '!')
                return false;
        line[n] = '\0';
        start = line + 2 + strspn(line + 2, " \t");
        end = start + strcspn(start, " \t\n");
        *end = '\0';
        return *start && snprintf(path, size, "%s", start) < (int)size;
}

const char *fl_target_unloadable(const char *cmd, char *path, size_t size)
{
        if (!resolve(cmd, path, size))
                return NULL;
        for (int depth = 0; depth < SCRIPT_DEPTH; depth++) {
                const char *secure = secure_reason(path);
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                int interp;

                if (secure || fd < 0) {
                        if (fd >= 0)
                                close(fd);
                        return secure;
                }
                interp = elf_has_interp(fd);
                if (interp < 0 && script_interpreter(fd, path, size)) {
                        close(fd);
                        continue;
                }
                close(fd);
                return interp == 0 ? "statically linked" : NULL;
        }
        return NULL;
}
