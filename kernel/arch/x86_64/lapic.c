/* SPDX-License-Identifier: MIT */
/*
 * lapic.c: the local APIC and its timer, the kernel's only clock
 * interrupt (Intel SDM Vol. 3A, chapter 11 "Advanced Programmable
 * Interrupt Controller (APIC)").
 *
 * xAPIC mode through MMIO (the direct map covers the low 4 GiB). The timer
 * runs periodic at a rate given by clock_init, after calibrating its count
 * rate against the TSC (itself calibrated against the PIT in time.c).
 */
#include <arch.h>
#include <arch/x86.h>
#include <klog.h>

#define MSR_APIC_BASE 0x1bu
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_ADDR 0xfffff000ull

/* Register offsets (SDM Vol. 3A, Table 11-1). */
#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define DIVIDE_BY_16 0x3u

static volatile uint32_t *lapic;
static uint64_t lapic_hz; /* timer counts per second at divide-by-16 */

static uint32_t lapic_read(unsigned reg) { return lapic[reg / 4]; }
static void lapic_write(unsigned reg, uint32_t v) { lapic[reg / 4] = v; }

/* Counts the timer's decrements over 10 ms of TSC time. */
static uint64_t calibrate(void)
{
    lapic_write(LAPIC_TIMER_DIVIDE, DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    lapic_write(LAPIC_TIMER_INIT, UINT32_MAX);
    uint64_t t0 = arch_time_ns();
    while (arch_time_ns() - t0 < 10000000u) {
    }
    uint32_t left = lapic_read(LAPIC_TIMER_CURRENT);
    lapic_write(LAPIC_TIMER_INIT, 0);
    return (uint64_t)(UINT32_MAX - left) * 100;
}

int arch_timer_init(unsigned hz)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);

    if (hz == 0 || arch_time_ns() == 0) {
        return -1; /* no rate, or no calibrated TSC to measure the APIC against */
    }
    wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    lapic = phys_to_virt(base & APIC_BASE_ADDR);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
    lapic_hz = calibrate();
    uint64_t count = lapic_hz / hz;
    if (count == 0 || count > UINT32_MAX) {
        kwarn("clock", "LAPIC timer runs at %llu Hz: cannot tick at %u Hz",
              (unsigned long long)lapic_hz, hz);
        return -1;
    }
    lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
    lapic_write(LAPIC_TIMER_INIT, (uint32_t)count);
    kinfo("clock",
          "LAPIC %u at 0x%llx: timer %llu kHz (calibrated against the TSC), tick every %llu counts",
          lapic_read(LAPIC_ID) >> 24, (unsigned long long)(base & APIC_BASE_ADDR),
          (unsigned long long)(lapic_hz / 1000), (unsigned long long)count);
    return 0;
}

void arch_timer_eoi(void) { lapic_write(LAPIC_EOI, 0); }
