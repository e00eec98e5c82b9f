#include "syscall_stub.h"

#include <stddef.h>

static const unsigned char endbr64[] = {0xf3, 0x0f, 0x1e, 0xfa};
/* After `mov $number, %eax` (0xb8 and the number, little-endian). */
static const unsigned char call_and_return[] = {
    0x0f, 0x05,                         /* syscall */
    0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff, /* cmp $-4095, %rax */
    0x73, 0x01,                         /* jae over the return */
    0xc3,                               /* ret */
};

/* Compares byte by byte, so that nothing past the first difference is read. */
static bool starts_with(const unsigned char **code, const unsigned char *bytes, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if ((*code)[i] != bytes[i])
                        return false;
        *code += n;
        return true;
}

bool fl_is_bare_syscall(const void *function, unsigned number)
{
        const unsigned char *code = function;
        const unsigned char mov[] = {0xb8, (unsigned char)number, (unsigned char)(number >> 8),
                                     (unsigned char)(number >> 16), (unsigned char)(number >> 24)};

        if (!code)
                return false;
        starts_with(&code, endbr64, sizeof(endbr64));
        return starts_with(&code, mov, sizeof(mov)) &&
               starts_with(&code, call_and_return, sizeof(call_and_return));
}
