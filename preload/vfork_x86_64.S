/* vfork for x86_64: see vfork.c. Both the parent and the child come back from the real vfork on the
 * caller's stack; neither may rely on anything stored below the caller's stack pointer before the
 * call, because the child may have overwritten it. So the return address and the caller's rbx live
 * in a thread-local frame (the child, sharing the parent's memory and thread pointer, only reads
 * it), and rbx, which the real vfork keeps in both parent and child, points at that frame. */
#include "vfork.h"
#if FL_VFORK_IN_ASSEMBLY && defined(__x86_64__)
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
        testq   %rdx, %rdx
        jnz     1f
        /* no frame (mode off, or too deep): glibc's vfork returns to the caller itself */
        jmp     *%rax
1:
        popq    %rcx
        .cfi_adjust_cfa_offset -8
        .cfi_register rip, rcx
        movq    %rcx, FL_VFORK_FRAME_RETURN(%rdx)
        movq    %rbx, FL_VFORK_FRAME_RBX(%rdx)
        movq    %rdx, %rbx
        /* rip at [rbx + FL_VFORK_FRAME_RETURN], the caller's rbx at [rbx + FL_VFORK_FRAME_RBX] */
        .cfi_escape 0x10, 0x10, 0x02, 0x73, FL_VFORK_FRAME_RETURN
        .cfi_escape 0x10, 0x03, 0x02, 0x73, FL_VFORK_FRAME_RBX
        call    *%rax
        testl   %eax, %eax
        .cfi_remember_state
        jz      2f
        /* parent, or failure: release the lock, keep the result */
        movl    %eax, %edi
        movq    %rbx, %rsi
        call    fl_vfork_leave
        pushq   FL_VFORK_FRAME_RETURN(%rbx)
        .cfi_adjust_cfa_offset 8
        .cfi_offset rip, -8
        movq    FL_VFORK_FRAME_RBX(%rbx), %rbx
        .cfi_same_value rbx
        /* the frame is free from here: a handler's vfork may take it */
        movq    fl_vfork_depth@gottpoff(%rip), %rdx
        decl    %fs:(%rdx)
        ret
2:
        .cfi_restore_state
        /* child: the frame stays the parent's */
        pushq   FL_VFORK_FRAME_RETURN(%rbx)
        .cfi_adjust_cfa_offset 8
        .cfi_offset rip, -8
        movq    FL_VFORK_FRAME_RBX(%rbx), %rbx
        .cfi_same_value rbx
        ret
        .cfi_endproc
        .size   vfork, .-vfork
#endif
        .section .note.GNU-stack,"",@progbits
