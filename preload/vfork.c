/* vfork keeps its semantics: the child borrows the parent's memory and stack until it execs or
 * exits. A C wrapper cannot do that, since the child would return through the wrapper's frame and
 * the parent would then return through a clobbered one. On x86_64, vfork_x86_64.S keeps the return
 * address in a thread-local frame and calls these two around the real vfork; vfork_i386.S does the
 * same on i386 (where a vfork child's stores must stay visible to its parent, as programs that
 * report a failed exec through a variable rely on). Elsewhere vfork
 * becomes fork under the lock, which keeps what callers may rely on (the child may only exec or
 * _exit). So does the AddressSanitizer build used by `make check-asan`: there the vfork child's
 * instrumented frames would leave poisoned shadow memory on the stack it shares with the parent. */
#include <stddef.h>
#include <unistd.h>

#include "export.h"
#include "vfork.h"

#include "ids.h"
#include "image.h"
#include "process.h"
#include "real.h"

static pid_t vfork_missing(void)
{
        errno = ENOSYS;
        return -1;
}

#if FL_VFORK_IN_ASSEMBLY
/* A frame is taken in the parent before the real vfork and given back there after it returns; the
 * child (same memory, same thread pointer) only reads the one it was given. A handler on this
 * thread runs to completion before the code it interrupted resumes, so frames are taken and given
 * back in stack order, and depth changes in single instructions. */
struct vfork_frame {
        void *return_address;
        void *caller_rbx;
        pid_t (*real)(void);
        struct fl_image_call image;
};

_Static_assert(offsetof(struct vfork_frame, return_address) == FL_VFORK_FRAME_RETURN, "frame");
_Static_assert(offsetof(struct vfork_frame, caller_rbx) == FL_VFORK_FRAME_RBX, "frame");
/* The offset is also spelled in assembly, where it cannot be a size_t expression. */
_Static_assert(offsetof(struct vfork_frame, real) == FL_VFORK_FRAME_REAL, /* NOLINT */ "frame");

static __thread struct vfork_frame frames[FL_VFORK_DEPTH];
__attribute__((tls_model("initial-exec"))) __thread unsigned fl_vfork_depth;

/* Returned in rax and rdx. No frame: the assembly jumps straight to real. */
struct vfork_entry {
        pid_t (*real)(void);
        struct vfork_frame *frame;
};

static struct vfork_frame *take_frame(void)
{
        unsigned depth = __atomic_fetch_add(&fl_vfork_depth, 1, __ATOMIC_RELAXED);

        if (depth < FL_VFORK_DEPTH)
                return &frames[depth];
        __atomic_fetch_sub(&fl_vfork_depth, 1, __ATOMIC_RELAXED);
        return NULL;
}

/* Called by the assembly before vfork: the write side is held until the child has exec'd or
 * exited (the parent is suspended until then) and the caller's signal mask is back. Mode off is
 * glibc's vfork untouched. */
struct vfork_entry fl_vfork_enter(void);
struct vfork_entry fl_vfork_enter(void)
{
        pid_t (*real)(void) = fl_real_vfork();
        struct vfork_entry entry = {real ? real : vfork_missing, NULL};
        int saved = errno;

        if (!real || fl_process()->config.mode == FL_MODE_OFF)
                return entry;
        entry.frame = take_frame();
        if (entry.frame) {
                fl_image_begin(fl_process(), &entry.frame->image, FL_CALL_VFORK, NULL);
                fl_ids_shared_child_begin();
        }
        errno = saved;
        return entry;
}

/* Called by the assembly in the parent once vfork has returned there; the assembly gives the frame
 * back once it has the return address. */
pid_t fl_vfork_leave(pid_t result, struct vfork_frame *frame);
pid_t fl_vfork_leave(pid_t result, struct vfork_frame *frame)
{
        fl_ids_shared_child_end();
        return fl_image_end(fl_process(), &frame->image, result, result);
}

#if defined(__i386__)
/* i386 returns structs in memory, so the assembly there takes the frame alone (NULL: call
 * fl_vfork_next and let glibc's vfork return to the caller), with the vfork to call in it. */
struct vfork_frame *fl_vfork_enter_i386(void);
struct vfork_frame *fl_vfork_enter_i386(void)
{
        struct vfork_entry entry = fl_vfork_enter();

        if (entry.frame)
                entry.frame->real = entry.real;
        return entry.frame;
}

pid_t (*fl_vfork_next(void))(void);
pid_t (*fl_vfork_next(void))(void)
{
        pid_t (*real)(void) = fl_real_vfork();

        return real ? real : vfork_missing;
}

/* The assembly has copied what it needs out of the frame: it is given back here. */
pid_t fl_vfork_leave_i386(pid_t result, struct vfork_frame *frame);
pid_t fl_vfork_leave_i386(pid_t result, struct vfork_frame *frame)
{
        result = fl_vfork_leave(result, frame);
        __atomic_fetch_sub(&fl_vfork_depth, 1, __ATOMIC_RELAXED);
        return result;
}
#endif
#else
FL_EXPORT pid_t vfork(void)
{
        pid_t (*real)(void) = fl_real_fork();

        return real ? fl_fork(fl_process(), FL_CALL_VFORK, real, true) : vfork_missing();
}
#endif
