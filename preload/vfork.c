/* vfork keeps its semantics: the child borrows the parent's memory and stack until it execs or
 * exits. A C wrapper cannot do that, since the child would return through the wrapper's frame and
 * the parent would then return through a clobbered one. On x86_64, vfork_x86_64.S keeps the return
 * address in a register-free place (thread-local storage) and calls these two around the real
 * vfork. Elsewhere vfork becomes fork under the lock, which keeps what callers may rely on (the
 * child may only exec or _exit). So does the AddressSanitizer build used by `make check-asan`:
 * there the vfork child's instrumented frames would leave poisoned shadow memory on the stack it
 * shares with the parent. */
#include <unistd.h>

#include "vfork.h"

#include "ids.h"
#include "image.h"
#include "process.h"
#include "real.h"

__attribute__((tls_model("initial-exec"))) __thread void *fl_vfork_return;
static __thread struct fl_image_call vfork_image;

static pid_t vfork_missing(void)
{
        errno = ENOSYS;
        return -1;
}

/* Called by the assembly before vfork: the write side is held until the child has exec'd or
 * exited (the parent is suspended until then) and the caller's signal mask is back. */
pid_t (*fl_vfork_enter(void))(void);
pid_t (*fl_vfork_enter(void))(void)
{
        pid_t (*real)(void) = fl_real_vfork();
        int saved = errno;

        fl_image_begin(fl_process(), &vfork_image, FL_CALL_VFORK, NULL);
        fl_ids_shared_child_begin();
        errno = saved;
        return real ? real : vfork_missing;
}

/* Called by the assembly in the parent once vfork has returned there. */
pid_t fl_vfork_leave(pid_t result);
pid_t fl_vfork_leave(pid_t result)
{
        fl_ids_shared_child_end();
        return fl_image_end(fl_process(), &vfork_image, result, result);
}

#if !FL_VFORK_IN_ASSEMBLY
__attribute__((visibility("default"))) pid_t vfork(void)
{
        pid_t (*real)(void) = fl_real_fork();

        return real ? fl_fork(fl_process(), FL_CALL_VFORK, real, true) : vfork_missing();
}
#endif
