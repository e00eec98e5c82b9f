/* vfork for x86_64: see vfork.c. Both the parent and the child come back from the real vfork on the
 * caller's stack; neither may rely on anything stored below the caller's stack pointer before the
 * call, because the child may have overwritten it. So the return address lives in thread-local
 * storage, which the child (sharing the parent's memory and thread pointer) only reads. */
#include "vfork.h"
#if FL_VFORK_IN_ASSEMBLY
        .text
        .globl  vfork
        .type   vfork, @function
vfork:
        .cfi_startproc
        subq    $8, %rsp
        .cfi_adjust_cfa_offset 8
        call    fl_vfork_enter
        addq    $8, %rsp
        .cfi_adjust_cfa_offset -8
        popq    %rcx
        .cfi_adjust_cfa_offset -8
        .cfi_register rip, rcx
        movq    fl_vfork_return@gottpoff(%rip), %rdx
        movq    %rcx, %fs:(%rdx)
        call    *%rax
        testl   %eax, %eax
        jz      1f
        /* parent, or failure: release the lock, keep the result */
        pushq   %rax
        subq    $8, %rsp
        movl    %eax, %edi
        call    fl_vfork_leave
        addq    $8, %rsp
        popq    %rax
1:
        movq    fl_vfork_return@gottpoff(%rip), %rdx
        pushq   %fs:(%rdx)
        ret
        .cfi_endproc
        .size   vfork, .-vfork
#endif
        .section .note.GNU-stack,"",@progbits
