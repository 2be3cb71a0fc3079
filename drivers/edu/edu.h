/* SPDX-License-Identifier: MIT */
/*
 * edu.h: QEMU's edu device (PCI 1234:11e8) as the driver sees it: its
 * registers, the checks that keep a bad transfer from ever reaching it, and
 * the driver's state. The register facts are from QEMU 7.2's hw/misc/edu.c
 * as measured in /work/shared/reference/qemu-hardware.md, section 4.
 *
 * The inline functions are pure, for the host unit test (tests/unit/edu/).
 */
#ifndef AXL_EDU_H
#define AXL_EDU_H

#include <stdbool.h>
#include <stdint.h>

#include "drv.h"

struct axl_inject;
struct axl_rpc_request;

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_BAR_BYTES (1u << 20) /* BAR0: 1 MiB of registers */
#define EDU_REGS_BYTES 0x100u    /* the part of BAR0 the driver uses (up to EDU_DMA_CMD) */

/* BAR0 registers. Below 0x80 only 4-byte accesses work; the DMA registers take 4 or 8. */
#define EDU_ID 0x00       /* RO: 0x010000ed, major 1, minor 0 in the top bytes */
#define EDU_LIVENESS 0x04 /* RW: reads the bitwise NOT of what was written */
#define EDU_FACT 0x08     /* RW: write n to compute n!; read the result (32 bits) */
#define EDU_STATUS 0x20   /* bit 0 computing (RO), bit 7 raise an interrupt when done */
#define EDU_IRQ_STATUS 0x24 /* RO: the raised interrupt bits */
#define EDU_IRQ_RAISE 0x60  /* WO: ORed into EDU_IRQ_STATUS */
#define EDU_IRQ_ACK 0x64    /* WO: clears those bits; INTx drops when none is left */
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98

#define EDU_ID_LOW 0xed           /* the low byte of EDU_ID */
#define EDU_STATUS_COMPUTING 0x1u
#define EDU_DMA_RUN 0x1u            /* set to start; stays set until the transfer is done */
#define EDU_DMA_TO_RAM 0x2u         /* direction: device buffer -> RAM (else RAM -> device) */
#define EDU_DMA_IRQ 0x4u            /* raise EDU_IRQ_DMA when done */
#define EDU_IRQ_DMA 0x100u          /* the interrupt bit a finished transfer raises */
#define EDU_IRQ_PROBE 0x10000u      /* the bit the driver raises itself to test the line */

/* The device buffer, as the device addresses it. */
#define EDU_BUFFER_ADDR 0x40000u
#define EDU_BUFFER_SIZE 0x1000u

/*
 * Whether the device accepts a transfer of count bytes at offset into its
 * buffer. QEMU 7.2 checks "start + count < buffer end" (an off-by-one that
 * makes 4095 bytes the most) and calls hw_error(), which aborts QEMU itself,
 * on a count of 0 or anything past the end: so this is checked again right
 * before the registers are written, whatever the request already passed.
 */
static inline bool edu_dma_ok(uint64_t offset, uint64_t count)
{
    return count >= 1 && offset < EDU_BUFFER_SIZE && count < EDU_BUFFER_SIZE - offset;
}

/* The DMA command that starts a transfer in that direction, with a completion interrupt or not. */
static inline uint64_t edu_dma_command(bool to_ram, bool irq)
{
    return EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0) | (irq ? EDU_DMA_IRQ : 0);
}

/* The driver's state. */
struct edu {
    struct drv_dev dev; /* BAR0, configuration space, interrupt line: from the backend (drv.h) */
    bool irq_works;     /* the probe interrupt at start arrived */

    uint8_t *dma;      /* the DMA buffer (one page), mapped */
    uint64_t dma_phys; /* its physical address */
    uint64_t dma_frame; /* its frame capability (user space) */
    uint64_t iospace;  /* the device's IO space capability, 0: none (DMA remapping off) */
    uint64_t dma_iova; /* the address the device is given for the buffer: an IO address in the
                        * IO space, or the physical address without one */
    bool physical;     /* args "dma=physical": ignore the IO space (a driver unaware of IOMMUs) */
    bool inherited;    /* a transfer of the previous instance was running at start */
    uint64_t inherited_us; /* how long it ran on into this instance's start */

    uint64_t bench_frame; /* EDU_BENCH_MAP's frame (retyped at its first request), or 0 */

    uint64_t transfers, interrupts, factorials; /* for EDU_STATUS */
};

/* device.c */
/* Finds, checks and sets up the device; prints what is wrong and returns nonzero if it fails. */
long edu_init(struct edu *e);
/* n! from the device: AXL_S_IO_ERROR if it stays busy. */
long edu_factorial(struct edu *e, uint32_t n, uint32_t *result);
/* Moves count bytes between the DMA buffer's start and the device buffer at offset. */
long edu_dma(struct edu *e, bool to_ram, uint64_t offset, uint64_t count);
/* The same with any address for RAM's side, waiting for the end or not: the attacks use it. */
long edu_dma_at(struct edu *e, bool to_ram, uint64_t offset, uint64_t ram, uint64_t count,
                bool wait);
/* The device's address of byte offset of the DMA buffer. */
uint64_t dma_addr(const struct edu *e, uint64_t offset);
/* An interrupt: takes the device's interrupt bits, acknowledges the line (drv_dev.on_irq). */
void edu_interrupt(void *edu);

/* ops.c: the requests (AXL_EDU_OPS of <axl/protocols.h>), the same in both backends. */
long edu_op_factorial(void *ctx, struct axl_rpc_request *req);
long edu_op_copy_in(void *ctx, struct axl_rpc_request *req);
long edu_op_copy_out(void *ctx, struct axl_rpc_request *req);
long edu_op_status(void *ctx, struct axl_rpc_request *req);

/* dma.c */
/* Allocates and maps the DMA buffer from the heap quota, filled with EDU_CANARY: before
 * edu_init, so that a transfer left running by a previous instance can be caught. */
long edu_dma_setup(struct edu *e);
/* After edu_init: checks the canary, then maps the buffer into the device's IO space. */
long edu_dma_map(struct edu *e);
/* A new object of type from the heap quota, in a free slot of the process's CNode. */
long edu_retype(unsigned type, uint64_t *slot);

/* bench.c: EDU_BENCH_MAP, the cost of one IO_PAGE_MAP + IO_PAGE_UNMAP (docs/benchmarks.md). */
long edu_op_bench_map(void *ctx, struct axl_rpc_request *req);

/* attack.c: the DMA attacks (fault injection kinds "device", docs/iommu.md). */
void edu_inject(void *ctx, const struct axl_inject *in);

#define EDU_CANARY 0x5a /* what a fresh DMA buffer holds until the device may reach it */

#endif /* AXL_EDU_H */
