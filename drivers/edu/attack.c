/* SPDX-License-Identifier: MIT */
/*
 * attack.c: the edu driver turned malicious, on request: the fault
 * injection kinds marked "device" in <axl/inject.h> (docs/iommu.md).
 *
 * Each attack programs the device's DMA engine directly with an address
 * that is not its buffer's IO address, as a buggy or hostile driver could:
 * the kernel's code and page tables, another process's frame, an IO
 * address never mapped (its own code's physical address, the classic
 * confusion), or a read of the kernel's memory to copy out. The supervisor
 * names the targets (struct axl_inject arg, arg2) and takes their CRC-32
 * before and after; the driver says what it did and what it saw. With DMA
 * remapping on, the IOMMU blocks each transfer and the supervisor restarts
 * the driver; with it off (dma-attack-kernel-noiommu) the writes land.
 *
 * Nothing here can abort QEMU: every transfer goes through edu_dma_at,
 * which checks the count and offset against the device's limits.
 */
#include <axl/axl.h>
#include <axl/edu.h>
#include <axl/inject.h>
#include <axl/proc.h>

#include "edu.h"

#define ATTACK_BYTES 64
/* What the write attacks put over their targets. Even bytes, so that over a page table every
 * entry stays not-present: the control run (remapping off) shows the change without taking
 * the kernel down with it. */
#define ATTACK_BYTE 0xaa
#define STAGED_BYTE 0x3c /* what the device buffer holds before the read attack */

/* Puts ATTACK_BYTES of byte at the start of the device's buffer, by a legitimate transfer. */
static long stage(struct edu *e, uint8_t byte)
{
    memset(e->dma, byte, ATTACK_BYTES);
    return edu_dma(e, false, 0, ATTACK_BYTES);
}

/* Has the device write the staged bytes at physical (or IO) address to; says so. */
static void write_at(struct edu *e, uint64_t to, const char *what)
{
    long err = edu_dma_at(e, true, 0, to, ATTACK_BYTES, true);
    axl_printf("edu: attack: DMA write of %u bytes to %#llx (%s): %s\n", ATTACK_BYTES,
               (unsigned long long)to, what, err ? axl_strerror(err) : "the device says done");
}

/* Reads the target into the device, then copies the device's bytes out to look at them. */
static void attack_read(struct edu *e, uint64_t from)
{
    long err = stage(e, STAGED_BYTE);
    if (err == AXL_E_OK) {
        err = edu_dma_at(e, false, 0, from, ATTACK_BYTES, true); /* RAM -> device */
    }
    if (err == AXL_E_OK) {
        memset(e->dma, 0, ATTACK_BYTES);
        err = edu_dma(e, true, 0, ATTACK_BYTES); /* device -> its own buffer */
    }
    if (err != AXL_E_OK) {
        axl_printf("edu: attack: DMA read of %#llx: %s\n", (unsigned long long)from,
                   axl_strerror(err));
        return;
    }
    unsigned staged = 0, zero = 0;
    for (unsigned i = 0; i < ATTACK_BYTES; i++) {
        staged += e->dma[i] == STAGED_BYTE;
        zero += e->dma[i] == 0;
    }
    uint64_t first;
    memcpy(&first, e->dma, sizeof(first));
    axl_printf("edu: attack: DMA read of %u bytes at %#llx (the kernel's first page) into the "
               "device: it then held %s, crc32 %#010x, first word %#018llx\n", ATTACK_BYTES,
               (unsigned long long)from,
               staged == ATTACK_BYTES ? "what was staged there before"
               : zero == ATTACK_BYTES ? "zeros"
                                      : "other bytes",
               axl_edu_checksum(e->dma, ATTACK_BYTES), (unsigned long long)first);
}

void edu_inject(void *ctx, const struct axl_inject *in)
{
    struct edu *e = ctx;

    axl_printf("edu: attack: %s (the device's IO address for its buffer is %#llx)\n",
               axl_inject_kind_name((unsigned)in->kind), (unsigned long long)e->dma_iova);
    switch (in->kind) {
    case AXL_INJECT_DMA_ATTACK_KERNEL:
    case AXL_INJECT_DMA_ATTACK_NEIGHBOUR:
    case AXL_INJECT_DMA_ATTACK_UNMAPPED:
        if (!in->arg || stage(e, ATTACK_BYTE) != AXL_E_OK) {
            axl_printf("edu: attack: no target given, or the device cannot be staged\n");
            return;
        }
        if (in->kind == AXL_INJECT_DMA_ATTACK_NEIGHBOUR) {
            write_at(e, in->arg, "a frame of another process");
        } else if (in->kind == AXL_INJECT_DMA_ATTACK_UNMAPPED) {
            /* The classic confusion: a physical address where an IO address belongs. */
            write_at(e, in->arg, "its own code's physical address, never mapped in its IO space");
        } else if (in->seed & 1) {
            /* The page tables first (seed 1): with remapping on, the first blocked write
             * ends this instance, so each seed shows one target blocked. */
            write_at(e, in->arg2, "the kernel's PML4");
            write_at(e, in->arg, "the kernel's first page of code");
        } else {
            write_at(e, in->arg, "the kernel's first page of code");
            write_at(e, in->arg2, "the kernel's PML4");
        }
        return;
    case AXL_INJECT_DMA_ATTACK_READ:
        if (in->arg) {
            attack_read(e, in->arg);
        }
        return;
    case AXL_INJECT_DMA_IN_FLIGHT: {
        /* A full transfer into its buffer, and death before it lands (it takes 100 ms). */
        long err = edu_dma_at(e, true, 0, dma_addr(e, 0), EDU_BUFFER_SIZE - 1, false);
        axl_printf("edu: attack: a transfer of %u bytes into its buffer (physical %#llx, IO "
                   "address %#llx) %s; dying before it lands\n", EDU_BUFFER_SIZE - 1,
                   (unsigned long long)e->dma_phys, (unsigned long long)e->dma_iova,
                   err ? axl_strerror(err) : "is running");
        const struct axl_inject die = {.kind = AXL_INJECT_NULL_READ};
        axl_inject_fire(&die);
        return;
    }
    default:
        return;
    }
}
