/* The fork lock and the thread's signal mask, as the kernel holds it: every signal but libc's own
 * is blocked while the lock is held, and the caller gets back exactly the mask it had, libc's own
 * signals included (a program may block them with a raw system call: forklock must not undo that).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "forklock.h"

#define SET_BYTES 8
#define BIT(sig)  (1ULL << ((sig)-1))

static unsigned long long kernel_mask(void)
{
        unsigned long long mask = 0;

        cr_assert_eq(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, SET_BYTES), 0);
        return mask;
}

static void set_kernel_mask(unsigned long long mask)
{
        cr_assert_eq(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, SET_BYTES), 0);
}

/* Runs in its own process (Criterion's), so the odd mask goes with it. */
Test(forklock_mask, the_callers_mask_comes_back_exactly)
{
        unsigned long long before = BIT(33) | BIT(SIGUSR1) | BIT(40), during;
        struct fl_lock_token token;

#ifdef __SANITIZE_THREAD__
        cr_skip_test("the TSan build masks signals through libc, which never keeps 32 and 33");
#endif
        set_kernel_mask(before);
        fl_forklock_write_lock(&token);
        during = kernel_mask();
        fl_forklock_write_unlock(&token);
        cr_assert(during & BIT(SIGTERM), "held: other signals are blocked");
        cr_assert_not(during & (BIT(32) | BIT(33)), "held: libc's own signals are never blocked");
        cr_assert_eq(kernel_mask(), before, "mask after: %#llx, before: %#llx", kernel_mask(),
                     before);

        set_kernel_mask(before);
        fl_forklock_read_lock(&token);
        fl_forklock_read_unlock(&token);
        cr_assert_eq(kernel_mask(), before, "read side: mask after: %#llx, before: %#llx",
                     kernel_mask(), before);
}
