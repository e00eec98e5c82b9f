/* Hand-written classic BPF: the program is a straight line of small blocks, one per boundary,
 * each testing one syscall number and at most one argument. Conditional jumps only skip to the
 * end of their own block, so every offset is a small constant and no jump can go out of range. */
#include "kernel_filter.h"

#include "kernel_table.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <sys/prctl.h>

#define X32_SYSCALL_BIT 0x40000000u /* __X32_SYSCALL_BIT, absent from aarch64 headers */

/* Little-endian on both architectures: an int argument is the low word of the 64-bit slot. */
#define ARG_LOW_WORD(i) ((uint32_t)(offsetof(struct seccomp_data, args) + 8 * (i)))

struct program {
        struct sock_filter *insn;
        size_t len;
        size_t cap;
};

static void emit(struct program *prog, struct sock_filter insn)
{
        if (prog->len < prog->cap)
                prog->insn[prog->len] = insn;
        prog->len++; /* counted even when full, so the caller can tell */
}

static void emit_load(struct program *prog, uint32_t offset)
{
        emit(prog, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset));
}

static void emit_return(struct program *prog, uint32_t action)
{
        emit(prog, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action));
}

static void emit_jump_if(struct program *prog, uint16_t op, uint32_t k, uint8_t jt, uint8_t jf)
{
        emit(prog, (struct sock_filter)BPF_JUMP(BPF_JMP | op | BPF_K, k, jt, jf));
}

static uint32_t refuse_with(int err)
{
        return SECCOMP_RET_ERRNO | ((uint32_t)err & SECCOMP_RET_DATA);
}

/* Block: load nr; if not ours, skip the block; [load arg; if no match, skip]; return errno. */
static void emit_boundary(struct program *prog, const struct fl_arch_match *m, int err)
{
        emit_load(prog, offsetof(struct seccomp_data, nr));
        if (m->match == FL_MATCH_ALWAYS) {
                emit_jump_if(prog, BPF_JEQ, (uint32_t)m->nr, 0, 1);
                emit_return(prog, refuse_with(err));
                return;
        }
        emit_jump_if(prog, BPF_JEQ, (uint32_t)m->nr, 0, 3);
        emit_load(prog, ARG_LOW_WORD(m->arg));
        emit_jump_if(prog, m->match == FL_MATCH_EQUAL ? BPF_JEQ : BPF_JSET, m->value, 0, 1);
        emit_return(prog, refuse_with(err));
}

static void emit_arch_section(struct program *prog, enum fl_arch arch, uint32_t version)
{
        if (arch == FL_ARCH_X86_64) {
                emit_load(prog, offsetof(struct seccomp_data, nr));
                emit_jump_if(prog, BPF_JSET, X32_SYSCALL_BIT, 0, 1);
                emit_return(prog, refuse_with(ENOSYS));
        }
        for (size_t i = 0; i < fl_kernel_boundary_count; i++) {
                const struct fl_kernel_boundary *b = &fl_kernel_boundaries[i];

                if (version < b->since && b->arch[arch].match != FL_MATCH_ABSENT)
                        emit_boundary(prog, &b->arch[arch], b->err);
        }
        emit_return(prog, SECCOMP_RET_ALLOW);
}

/* Header: three architecture tests, each followed by an unconditional jump (32-bit offset, so the
 * sections may be any length), then the kill for every other architecture. */
size_t fl_kernel_build_filter(uint32_t version, struct sock_filter *out, size_t cap)
{
        struct program prog = {.insn = out, .len = 0, .cap = cap};
        size_t x86_jump, arm_jump, i386_jump;

        emit_load(&prog, offsetof(struct seccomp_data, arch));
        emit_jump_if(&prog, BPF_JEQ, AUDIT_ARCH_X86_64, 0, 1);
        x86_jump = prog.len;
        emit(&prog, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 0));
        emit_jump_if(&prog, BPF_JEQ, AUDIT_ARCH_AARCH64, 0, 1);
        arm_jump = prog.len;
        emit(&prog, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 0));
        emit_jump_if(&prog, BPF_JEQ, AUDIT_ARCH_I386, 0, 1);
        i386_jump = prog.len;
        emit(&prog, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 0));
        emit_return(&prog, SECCOMP_RET_KILL_PROCESS);

        if (x86_jump < cap)
                out[x86_jump].k = (uint32_t)(prog.len - x86_jump - 1);
        emit_arch_section(&prog, FL_ARCH_X86_64, version);
        if (arm_jump < cap)
                out[arm_jump].k = (uint32_t)(prog.len - arm_jump - 1);
        emit_arch_section(&prog, FL_ARCH_AARCH64, version);
        if (i386_jump < cap)
                out[i386_jump].k = (uint32_t)(prog.len - i386_jump - 1);
        emit_arch_section(&prog, FL_ARCH_I386, version);
        return prog.len <= cap ? prog.len : 0;
}

int fl_kernel_install_filter(uint32_t version)
{
        struct sock_filter insns[FL_FILTER_MAX];
        struct sock_fprog prog = {.filter = insns};
        size_t len = fl_kernel_build_filter(version, insns, FL_FILTER_MAX);

        if (len == 0) {
                errno = E2BIG;
                return -1;
        }
        prog.len = (unsigned short)len;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
                return -1;
        return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}
