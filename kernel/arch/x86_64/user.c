/* SPDX-License-Identifier: MIT */
/*
 * user.c: the arch half of running user threads: what a trap from user
 * mode becomes (a fault message, a tick, an IRQ), the FPU image of a new
 * thread, and the user-settable bits of RFLAGS.
 */
#include <arch.h>
#include <arch/x86.h>
#include <ipc.h>
#include <irq.h>
#include <klog.h>
#include <kstring.h>
#include <uapi/axl/faults.h>

#define RFLAGS_IF 0x200ull
#define RFLAGS_FIXED 0x2ull /* bit 1 always reads 1 */
/* CF PF AF ZF SF TF DF OF AC: what a thread may set in its own flags. */
#define RFLAGS_USER 0x40dd5ull

#define USER_CS 0x23
#define USER_SS 0x1b

void arch_init_user_regs(struct trap_frame *r)
{
    memset(r, 0, sizeof(*r));
    r->cs = USER_CS;
    r->ss = USER_SS;
    r->rflags = RFLAGS_IF | RFLAGS_FIXED;
}

uint64_t arch_user_rflags(uint64_t requested)
{
    return (requested & RFLAGS_USER) | RFLAGS_IF | RFLAGS_FIXED;
}

void arch_fpu_init_area(uint8_t *area)
{
    /* FXSAVE layout (SDM Vol. 1 §10.5.1): FCW at 0, MXCSR at 24. Power-on defaults:
     * every x87 and SSE exception masked. */
    uint16_t fcw = 0x037f;
    uint32_t mxcsr = 0x1f80;
    memset(area, 0, 512);
    memcpy(area, &fcw, sizeof(fcw));
    memcpy(area + 24, &mxcsr, sizeof(mxcsr));
}

NORETURN void user_trap(struct trap_frame *f);

static unsigned fault_kind(uint64_t vector)
{
    switch (vector) {
    case 0:
        return AXL_FAULT_DIVIDE_ERROR;
    case 3:
        return AXL_FAULT_BREAKPOINT;
    case 6:
        return AXL_FAULT_INVALID_OPCODE;
    case 13:
        return AXL_FAULT_GENERAL_PROTECTION;
    case 14:
        return AXL_FAULT_PAGE_FAULT;
    case 17:
        return AXL_FAULT_ALIGNMENT_CHECK;
    case 19:
        return AXL_FAULT_SIMD;
    default:
        return AXL_FAULT_OTHER_EXCEPTION;
    }
}

/* Every trap taken in user mode ends here (from trap_dispatch), never back in traps.S. */
NORETURN void user_trap(struct trap_frame *f)
{
    struct tcb *t = current;

    t->regs = *f;
    if (f->vector < 32) {
        uint64_t addr = f->vector == 14 ? read_cr2() : 0;
        ipc_fault(t, fault_kind(f->vector), addr, f->vector);
    } else {
        arch_interrupt(f->vector);
    }
    kernel_exit();
}
