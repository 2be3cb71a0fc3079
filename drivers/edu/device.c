/* SPDX-License-Identifier: MIT */
/*
 * device.c: the edu device itself: checking it is there, setting it up from
 * scratch, the factorial unit, DMA transfers and the interrupt.
 *
 * Waiting: the factorial is computed by a QEMU host thread in microseconds,
 * so the driver polls it, yielding. A DMA runs from a timer of QEMU's
 * virtual clock 100 ms after it is started; the driver asks for a
 * completion interrupt (INTx, when the manifest grants the line) and sleeps
 * on its notification, with a 10 ms timer of its own as well, so that a
 * lost interrupt, or no interrupt line at all, costs at most a tick or two
 * of latency; every wait is bounded, and a device that never finishes is an
 * I/O error, not a hang.
 */
#include <axl/errors.h>
#include <axl/rpc.h>

#include "drv.h"
#include "edu.h"

#define POLL_US 10000              /* how often a DMA wait looks at the device regardless */
#define DMA_TIMEOUT_US 2000000     /* 20 times what a transfer takes (100 ms of virtual time) */
#define IDLE_TIMEOUT_US 1000000    /* for work a previous instance left running */
#define PROBE_TIMEOUT_US 200000    /* for the test interrupt at start */
#define FACT_TIMEOUT_US 100000

static uint32_t rd32(const struct edu *e, unsigned off) { return *(volatile uint32_t *)(e->dev.regs + off); }
static void wr32(struct edu *e, unsigned off, uint32_t v) { *(volatile uint32_t *)(e->dev.regs + off) = v; }
static uint64_t rd64(const struct edu *e, unsigned off) { return *(volatile uint64_t *)(e->dev.regs + off); }
static void wr64(struct edu *e, unsigned off, uint64_t v) { *(volatile uint64_t *)(e->dev.regs + off) = v; }

/* Keeps the compiler from moving buffer accesses across a device access. */
static void barrier(void) { __asm__ volatile("" ::: "memory"); }

static uint64_t us_to_tsc(uint64_t us) { return drv_tsc_hz() / 1000000 * us; }

void edu_interrupt(void *edu)
{
    struct edu *e = edu;
    uint32_t st = rd32(e, EDU_IRQ_STATUS);

    if (st) {
        wr32(e, EDU_IRQ_ACK, st); /* the device drops INTx once no bit is left */
        e->interrupts += (st & EDU_IRQ_DMA) != 0;
        e->irq_works |= (st & EDU_IRQ_PROBE) != 0;
    }
    drv_irq_ack(&e->dev); /* level-triggered: if the device still asserts it, it comes again */
}

static bool dma_idle(const struct edu *e) { return !(rd64(e, EDU_DMA_CMD) & EDU_DMA_RUN); }
static bool fact_idle(const struct edu *e) { return !(rd32(e, EDU_STATUS) & EDU_STATUS_COMPUTING); }
static bool probe_seen(const struct edu *e) { return e->irq_works; }

/* Sleeps until done(e) or us microseconds passed, looking at the device at least every POLL_US. */
static long wait_until(struct edu *e, bool (*done)(const struct edu *), uint64_t us)
{
    uint64_t start = drv_now();
    long err = AXL_S_TIMEOUT;

    while (drv_now() - start < us_to_tsc(us)) {
        if (done(e)) {
            err = AXL_E_OK;
            break;
        }
        long e2 = drv_wait(&e->dev, POLL_US);
        if (e2 != AXL_E_OK) {
            err = e2;
            break;
        }
    }
    if (err == AXL_S_TIMEOUT && done(e)) {
        err = AXL_E_OK; /* it finished just as time ran out */
    }
    drv_wait_done(&e->dev);
    return err;
}

/* Polls done(e) for up to us microseconds, yielding in between (for work of microseconds). */
static bool spin_until(struct edu *e, bool (*done)(const struct edu *), uint64_t us)
{
    uint64_t start = drv_now();
    while (!done(e)) {
        if (drv_now() - start >= us_to_tsc(us)) {
            return done(e);
        }
        drv_yield();
    }
    return true;
}

long edu_init(struct edu *e)
{
    uint32_t id = drv_config_read(&e->dev, 0x00);

    if ((id & 0xffff) != EDU_VENDOR || id >> 16 != EDU_DEVICE) {
        drv_log("edu: %s is %04x:%04x, not the edu device (%04x:%04x)\n", e->dev.bdf, id & 0xffff,
                   id >> 16, EDU_VENDOR, EDU_DEVICE);
        return AXL_E_INVALID_ARGUMENT;
    }
    uint32_t bar = drv_config_read(&e->dev, 0x10);
    if ((bar & 0xfffffff0u) != e->dev.bar_phys || (bar & 0x7)) {
        drv_log("edu: BAR0 reads %#x, but it was given BAR0 at %#llx\n", bar,
                   (unsigned long long)e->dev.bar_phys);
        return AXL_E_INVALID_ARGUMENT;
    }
    /* Memory decoding (SeaBIOS leaves it on) and bus mastering (it does not: without it every
     * DMA is silently dropped); INTx not disabled. The status half is written as 0, which
     * clears nothing (its bits are cleared by writing 1). */
    uint32_t cmd = drv_config_read(&e->dev, 0x04) & 0xffff;
    drv_config_write(&e->dev, 0x04, (cmd | 0x2u | 0x4u) & ~0x400u);

    uint32_t ident = rd32(e, EDU_ID);
    if ((ident & 0xff) != EDU_ID_LOW) {
        drv_log("edu: identification register reads %#x, not 0x......ed\n", ident);
        return AXL_S_IO_ERROR;
    }
    const uint32_t patterns[] = {0x12345678u, 0xa5a5a5a5u ^ (uint32_t)e->dev.generation};
    for (unsigned i = 0; i < 2; i++) {
        wr32(e, EDU_LIVENESS, patterns[i]);
        uint32_t back = rd32(e, EDU_LIVENESS);
        if (back != ~patterns[i]) {
            drv_log("edu: liveness register: wrote %#x, read %#x, expected %#x\n", patterns[i],
                       back, ~patterns[i]);
            return AXL_S_IO_ERROR;
        }
    }

    /* From scratch: a previous instance may have died with a transfer or a factorial running,
     * and with interrupt bits raised and the line masked. */
    uint64_t t0 = drv_now();
    e->inherited = !dma_idle(e);
    if (!spin_until(e, fact_idle, IDLE_TIMEOUT_US) || wait_until(e, dma_idle, IDLE_TIMEOUT_US)) {
        drv_log("edu: the device stays busy from before (DMA command %#llx, status %#x)\n",
                   (unsigned long long)rd64(e, EDU_DMA_CMD), rd32(e, EDU_STATUS));
        return AXL_S_IO_ERROR;
    }
    e->inherited_us = (drv_now() - t0) / (drv_tsc_hz() / 1000000 ? drv_tsc_hz() / 1000000 : 1);
    wr32(e, EDU_STATUS, 0); /* no interrupt when a factorial is done */
    uint32_t pending = rd32(e, EDU_IRQ_STATUS);
    if (pending) {
        wr32(e, EDU_IRQ_ACK, pending);
    }

    if (e->dev.has_irq) {
        drv_irq_ack(&e->dev); /* the line may be masked from an interrupt nobody acknowledged */
        wr32(e, EDU_IRQ_RAISE, EDU_IRQ_PROBE);
        wait_until(e, probe_seen, PROBE_TIMEOUT_US);
        if (!e->irq_works) {
            drv_log("edu: no interrupt on irq %u within %u ms of raising one: completions are "
                       "polled every %u ms\n", e->dev.line, PROBE_TIMEOUT_US / 1000, POLL_US / 1000);
            wr32(e, EDU_IRQ_ACK, EDU_IRQ_PROBE);
        }
    }
    drv_log("edu: %04x:%04x at %s, BAR0 %#llx (%u KiB) at %p, id %#x (version %u.%u), "
               "bus master on; irq %s\n", EDU_VENDOR, EDU_DEVICE, e->dev.bdf,
               (unsigned long long)e->dev.bar_phys, EDU_BAR_BYTES / 1024, (const void *)e->dev.regs, ident,
               ident >> 24, (ident >> 16) & 0xff,
               !e->dev.has_irq ? "none: completions polled" : e->irq_works ? "works" : "silent");
    return AXL_E_OK;
}

long edu_factorial(struct edu *e, uint32_t n, uint32_t *result)
{
    if (!spin_until(e, fact_idle, FACT_TIMEOUT_US)) {
        return AXL_S_IO_ERROR;
    }
    wr32(e, EDU_FACT, n); /* sets "computing" before the write returns */
    if (!spin_until(e, fact_idle, FACT_TIMEOUT_US)) {
        return AXL_S_IO_ERROR;
    }
    *result = rd32(e, EDU_FACT);
    e->factorials++;
    return AXL_E_OK;
}

/*
 * The address the device uses for byte offset of the DMA buffer: its IO
 * address, where the buffer is mapped in the device's IO space (the only
 * page the device can reach at all); without an IO space (remapping off),
 * the physical address, and then nothing but this driver's care keeps the
 * device's transfers inside its buffer.
 */
uint64_t dma_addr(const struct edu *e, uint64_t offset) { return e->dma_iova + offset; }

long edu_dma(struct edu *e, bool to_ram, uint64_t offset, uint64_t count)
{
    return edu_dma_at(e, to_ram, offset, dma_addr(e, 0), count, true);
}

long edu_dma_at(struct edu *e, bool to_ram, uint64_t offset, uint64_t ram, uint64_t count,
                bool wait)
{
    if (!edu_dma_ok(offset, count)) {
        return AXL_E_RANGE; /* never written to the device: it would abort QEMU */
    }
    if (wait_until(e, dma_idle, IDLE_TIMEOUT_US) != AXL_E_OK) {
        return AXL_S_IO_ERROR; /* writes are ignored while a transfer runs */
    }
    uint64_t device = EDU_BUFFER_ADDR + offset;
    barrier();
    wr64(e, EDU_DMA_SRC, to_ram ? device : ram);
    wr64(e, EDU_DMA_DST, to_ram ? ram : device);
    wr64(e, EDU_DMA_COUNT, count);
    wr64(e, EDU_DMA_CMD, edu_dma_command(to_ram, e->dev.has_irq && e->irq_works));
    if (!wait) {
        return AXL_E_OK;
    }
    long err = wait_until(e, dma_idle, DMA_TIMEOUT_US);
    barrier();
    if (err != AXL_E_OK) {
        drv_log("edu: a transfer of %llu bytes did not finish in %u ms: %s\n",
                   (unsigned long long)count, DMA_TIMEOUT_US / 1000, drv_strerror(err));
        return AXL_S_IO_ERROR;
    }
    e->transfers++;
    return AXL_E_OK;
}
