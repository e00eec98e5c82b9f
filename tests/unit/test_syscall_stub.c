/* fl_is_bare_syscall: glibc's own x86_64 stubs are recognised for their own number only; code
 * that does anything else around the kernel call (a cancellation point, an interposer, another
 * call) is not. */
#include <criterion/criterion.h>

#include <dlfcn.h>
#include <sys/syscall.h>

#include "syscall_stub.h"

/* glibc 2.36's socket, with and without the endbr64 a CET build puts first. */
static const unsigned char glibc_socket[] = {0xb8, 0x29, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48,
                                             0x3d, 0x01, 0xf0, 0xff, 0xff, 0x73, 0x01, 0xc3};
static const unsigned char cet_socket[] = {0xf3, 0x0f, 0x1e, 0xfa, 0xb8, 0x29, 0x00,
                                           0x00, 0x00, 0x0f, 0x05, 0x48, 0x3d, 0x01,
                                           0xf0, 0xff, 0xff, 0x73, 0x01, 0xc3};
/* The same call, then a retry loop instead of the return. */
static const unsigned char loops[] = {0xb8, 0x29, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48,
                                      0x3d, 0x01, 0xf0, 0xff, 0xff, 0x73, 0xf4, 0xc3};
/* An interposer: push %rbx; ... */
static const unsigned char interposer[] = {0x53, 0x89, 0xfb, 0xb8, 0x29, 0x00, 0x00, 0x00, 0x0f};

Test(syscall_stub, glibcs_stub_for_its_own_number)
{
        cr_expect(fl_is_bare_syscall(glibc_socket, 41));
        cr_expect(fl_is_bare_syscall(cet_socket, 41));
        cr_expect_not(fl_is_bare_syscall(glibc_socket, 42));
        cr_expect_not(fl_is_bare_syscall(glibc_socket, 41 + 256));
}

Test(syscall_stub, anything_else_is_not)
{
        cr_expect_not(fl_is_bare_syscall(loops, 41));
        cr_expect_not(fl_is_bare_syscall(interposer, 41));
        cr_expect_not(fl_is_bare_syscall(NULL, 41));
}

/* The C library this test runs on: on x86_64 glibc, socket is the bare stub and close (a
 * cancellation point) is not. */
Test(syscall_stub, this_c_library)
{
#if defined(__x86_64__) && defined(__GLIBC__)
        void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);

        cr_assert_not_null(libc);
        cr_expect(fl_is_bare_syscall(dlsym(libc, "socket"), SYS_socket));
        cr_expect_not(fl_is_bare_syscall(dlsym(libc, "socket"), SYS_close));
        cr_expect_not(fl_is_bare_syscall(dlsym(libc, "close"), SYS_close));
        dlclose(libc);
#else
        cr_skip_test("glibc's x86_64 stubs only");
#endif
}
