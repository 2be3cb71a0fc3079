/* SPDX-License-Identifier: MIT */
/*
 * stubs.c: the arch layer and kernel log as the IPC host tests need them:
 * no FPU, no page tables, no interrupt controller, and a kernel_exit that
 * returns to the test (stubs.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <arch.h>
#include <cap.h>
#include <clock.h>
#include <irq.h>
#include <klog.h>
#include <thread.h>

#include "stubs.h"

jmp_buf stub_exit;
bool stub_exit_armed;
unsigned stub_klog_lines[4];

void klog(enum klog_level level, const char *subsys, const char *fmt, ...)
{
    if ((unsigned)level < 4) {
        stub_klog_lines[level]++;
    }
    if (level == KLOG_ERROR) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "klog error [%s] ", subsys);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
}

void klog_raw(const char *s) { (void)s; }
void klog_console_reclaim(void) {}

unsigned klog_count(enum klog_level level)
{
    return (unsigned)level < 4 ? stub_klog_lines[level] : 0;
}

unsigned clock_rate_hz(void) { return 100; }

uint64_t stub_ticks;
uint64_t clock_ticks(void) { return stub_ticks; }

uint64_t arch_timestamp(void) { return 12345; }
NORETURN void arch_reboot(void) { abort(); }

/* --- entering and leaving user mode --- */
void arch_fpu_save(uint8_t *area) { (void)area; }
void arch_fpu_restore(const uint8_t *area) { (void)area; }
void arch_fpu_init_area(uint8_t *area) { (void)area; }
void arch_switch_space(const struct tcb *t) { (void)t; }
void arch_init_user_regs(struct trap_frame *r) { r->rflags = 0x202; }
uint64_t arch_user_rflags(uint64_t requested) { return (requested & 0x40dd5) | 0x202; }

NORETURN void arch_enter_user(struct trap_frame *regs)
{
    (void)regs;
    if (stub_exit_armed) {
        stub_exit_armed = false;
        longjmp(stub_exit, STUB_ENTERED_USER);
    }
    abort();
}

void arch_wait_for_interrupt(void)
{
    if (stub_exit_armed) {
        stub_exit_armed = false;
        longjmp(stub_exit, STUB_IDLED);
    }
    abort(); /* nothing could ever wake the idle loop here */
}

/* --- address spaces, frames, tables, ports: nothing to map on the host --- */
int arch_page_invoke(struct cte *slot, uint64_t label)
{
    (void)slot, (void)label;
    return AXL_E_ILLEGAL_OPERATION;
}
int arch_table_invoke(struct cte *slot, uint64_t label)
{
    (void)slot, (void)label;
    return AXL_E_ILLEGAL_OPERATION;
}
int arch_ioport_invoke(struct cte *slot, uint64_t label)
{
    (void)slot, (void)label;
    return AXL_E_ILLEGAL_OPERATION;
}

int arch_iospace_invoke(struct cte *slot, uint64_t label)
{
    (void)slot, (void)label;
    return AXL_E_ILLEGAL_OPERATION;
}
void arch_iospace_notification_gone(const void *ntfn) { (void)ntfn; }
void arch_cap_unmap(const struct cap *cap) { (void)cap; }
void arch_vspace_init(struct cap *cap) { cap->word = 1; /* an ASID */ }
void arch_vspace_destroy(const struct cap *cap) { (void)cap; }
uint64_t arch_asids_free(void) { return 4095; }
unsigned arch_vspace_check(const struct cap *cap)
{
    (void)cap;
    return 0;
}

/* --- the interrupt controller --- */
bool arch_irq_setup(unsigned irq) { return irq < AXL_IRQ_COUNT; }
void arch_irq_mask(unsigned irq, bool masked) { (void)irq, (void)masked; }

uint64_t klog_read(uint64_t pos, char *out, size_t max, uint64_t *first)
{
    (void)out;
    (void)max;
    *first = pos;
    return 0; /* the host tests keep no kernel log */
}
