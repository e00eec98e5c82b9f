/* vfork for i386: the x86_64 scheme of vfork_x86_64.S (see vfork.c), with the frame handed over
 * in eax and ebx. The child comes back from the real vfork on the caller's stack and must not rely
 * on anything below it, so the return address and the caller's ebx live in the thread-local frame
 * that ebx (kept by the real vfork in both processes) points at. The parent copies both onto its
 * stack before fl_vfork_leave_i386 gives the frame back, so a signal handler's vfork may take it
 * from then on. Calls are made with esp 16-byte aligned, as GCC assumes on i386 Linux. */
#include "vfork.h"
#if FL_VFORK_IN_ASSEMBLY && defined(__i386__)
        .text
        .globl  vfork
        .type   vfork, @function
vfork:
        .cfi_startproc
        subl    $12, %esp
        .cfi_adjust_cfa_offset 12
        call    fl_vfork_enter_i386
        testl   %eax, %eax
        jnz     1f
        /* no frame (mode off, or too deep): glibc's vfork returns to the caller itself */
        call    fl_vfork_next
        addl    $12, %esp
        .cfi_adjust_cfa_offset -12
        jmp     *%eax
1:
        .cfi_adjust_cfa_offset 12
        addl    $12, %esp
        .cfi_adjust_cfa_offset -12
        popl    %ecx
        .cfi_adjust_cfa_offset -4
        .cfi_register eip, ecx
        movl    %ecx, FL_VFORK_FRAME_RETURN(%eax)
        movl    %ebx, FL_VFORK_FRAME_RBX(%eax)
        movl    %eax, %ebx
        /* eip at [ebx + FL_VFORK_FRAME_RETURN], the caller's ebx at [ebx + FL_VFORK_FRAME_RBX] */
        .cfi_escape 0x10, 0x08, 0x02, 0x73, FL_VFORK_FRAME_RETURN
        .cfi_escape 0x10, 0x03, 0x02, 0x73, FL_VFORK_FRAME_RBX
        call    *FL_VFORK_FRAME_REAL(%ebx)
        testl   %eax, %eax
        .cfi_remember_state
        jz      2f
        /* parent, or failure: copy the frame out, then release the lock and the frame */
        pushl   FL_VFORK_FRAME_RETURN(%ebx)
        .cfi_adjust_cfa_offset 4
        .cfi_offset eip, -4
        pushl   FL_VFORK_FRAME_RBX(%ebx)
        .cfi_adjust_cfa_offset 4
        .cfi_offset ebx, -8
        subl    $8, %esp
        .cfi_adjust_cfa_offset 8
        movl    %ebx, 4(%esp)
        movl    %eax, (%esp)
        call    fl_vfork_leave_i386
        addl    $8, %esp
        .cfi_adjust_cfa_offset -8
        popl    %ebx
        .cfi_adjust_cfa_offset -4
        .cfi_same_value ebx
        ret
2:
        .cfi_restore_state
        /* child: the frame stays the parent's; return 0 without touching the stack */
        movl    FL_VFORK_FRAME_RETURN(%ebx), %ecx
        movl    FL_VFORK_FRAME_RBX(%ebx), %ebx
        jmp     *%ecx
        .cfi_endproc
        .size   vfork, .-vfork
#endif
        .section .note.GNU-stack,"",@progbits
