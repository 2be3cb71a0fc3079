/* SPDX-License-Identifier: MIT */
/*
 * time.c: the boot-relative clock behind log timestamps: the TSC,
 * calibrated once against PIT channel 2 (1.193182 MHz).
 *
 * Under TCG with -icount the TSC counts virtual nanoseconds and the PIT
 * runs on the same virtual clock, so the calibration still holds.
 */
#include <arch.h>
#include <arch/x86.h>
#include <klog.h>

#define PIT_HZ 1193182u
#define PIT_TICKS 11932u /* 10 ms */
#define PORT_PIT_CH2 0x42
#define PORT_PIT_CMD 0x43
#define PORT_SPEAKER 0x61 /* bit 0: ch2 gate, bit 1: speaker, bit 5: ch2 output */

static uint64_t tsc_base, tsc_hz;

/* Returns TSC ticks per 10 ms, or 0 if the PIT never answered. */
static uint64_t measure_10ms(void)
{
    uint8_t ctl = inb(PORT_SPEAKER) & ~0x03;

    outb(PORT_SPEAKER, ctl);  /* gate low, speaker off */
    outb(PORT_PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0 */
    outb(PORT_PIT_CH2, PIT_TICKS & 0xff);
    outb(PORT_PIT_CH2, PIT_TICKS >> 8);
    outb(PORT_SPEAKER, ctl | 0x01); /* gate high: count down */
    uint64_t t0 = rdtsc();
    /* Bounded: a missing PIT must not hang the boot (~2^34 ticks is seconds). */
    while (!(inb(PORT_SPEAKER) & 0x20)) {
        if (rdtsc() - t0 > (1ull << 34)) {
            return 0;
        }
    }
    return rdtsc() - t0;
}

void arch_time_init(void)
{
    uint64_t ticks = measure_10ms();

    tsc_base = rdtsc();
    if (ticks == 0) {
        kwarn("time", "PIT did not answer; timestamps will read 0");
        return;
    }
    tsc_hz = ticks * PIT_HZ / PIT_TICKS;
    kinfo("time", "TSC runs at %llu kHz (calibrated against the PIT)",
          (unsigned long long)(tsc_hz / 1000));
}

uint64_t arch_tsc_hz(void) { return tsc_hz; }

uint64_t arch_time_ns(void)
{
    if (tsc_hz == 0) {
        return 0;
    }
    uint64_t d = rdtsc() - tsc_base;
    return d / tsc_hz * 1000000000ull + (d % tsc_hz) * 1000000000ull / tsc_hz;
}
