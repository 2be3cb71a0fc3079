/* SPDX-License-Identifier: MIT */
/*
 * kernel.c: the edu driver linked into the kernel (build/kernel-mono/ only):
 * its kernel backend, beside main.c's user-space one. The device code
 * (device.c) and the requests (ops.c) are the same files.
 *
 * The kernel finds the device itself (bus 0, by its IDs), reaches BAR0
 * through its direct map of the low 4 GiB, takes one frame for the DMA
 * buffer and gives the device its physical address: a monolithic kernel
 * has no IO space between its driver and RAM. The interrupt line is the
 * I/O APIC input the command line names (edu-irq=N), 20 by default: where
 * q35 routes INTA of slot 0x10, the slot tools/axlpy/qemu.py puts edu in.
 */
#include <arch.h>
#include <arch/pci.h>
#include <cmdline.h>
#include <fmt.h>
#include <irq.h>
#include <kdriver.h>
#include <kstring.h>

#include <axl/protocols.h>
#include <axl/rpc.h>

#include "drv.h"
#include "edu.h"

#define EDU_DEFAULT_IRQ 20

static struct edu edu;

static bool init(struct pmm *p, const char *cmdline)
{
    int slot = pci_find(EDU_VENDOR, EDU_DEVICE);
    uint64_t irq = EDU_DEFAULT_IRQ;

    if (slot < 0) {
        drv_log("edu: no edu device (%04x:%04x) on PCI bus 0", EDU_VENDOR, EDU_DEVICE);
        return false;
    }
    if (cmdline_get_uint(cmdline, "edu-irq", AXL_IRQ_COUNT - 1, &irq) == -2) {
        drv_log("edu: edu-irq= is not an I/O APIC input (0..%u)", AXL_IRQ_COUNT - 1);
        return false;
    }
    edu.dev.bus = 0;
    edu.dev.slot = (uint8_t)slot;
    edu.dev.fn = 0;
    ksnprintf(edu.dev.bdf, sizeof(edu.dev.bdf), "00:%02x.0", (unsigned)slot);
    edu.dev.bar_phys = pci_mem_bar(0, (unsigned)slot, 0, 0x10);
    if (!edu.dev.bar_phys || edu.dev.bar_phys >= 0x100000000ull) {
        drv_log("edu: BAR0 %#llx is not memory below 4 GiB", (unsigned long long)edu.dev.bar_phys);
        return false;
    }
    edu.dev.regs = phys_to_virt(edu.dev.bar_phys);
    edu.dev.generation = 1;
    edu.dev.on_irq = edu_interrupt;
    edu.dev.ctx = &edu;

    paddr_t frame = pmm_alloc(p);
    if (frame == PMM_NONE) {
        drv_log("edu: no frame for the DMA buffer");
        return false;
    }
    edu.dma = phys_to_virt(frame);
    edu.dma_phys = edu.dma_iova = frame;
    edu.physical = true;
    memset(edu.dma, EDU_CANARY, EDU_BUFFER_SIZE);

    edu.dev.has_irq = irq_claim_for_kernel((unsigned)irq, edu_interrupt, &edu);
    edu.dev.line = (unsigned)irq;
    if (!edu.dev.has_irq) {
        drv_log("edu: interrupt line %llu cannot be had: completions are polled",
                (unsigned long long)irq);
    }
    if (edu_init(&edu) != AXL_E_OK) {
        return false;
    }
    drv_log("edu: in the kernel; DMA buffer at physical %#llx, given to the device as it is",
            (unsigned long long)edu.dma_phys);
    return true;
}

static const struct axl_rpc_op ops[] = {
    {AXL_OP_EDU_FACTORIAL, 1, edu_op_factorial},
    {AXL_OP_EDU_COPY_IN, 2, edu_op_copy_in},
    {AXL_OP_EDU_COPY_OUT, 2, edu_op_copy_out},
    {AXL_OP_EDU_STATUS, 0, edu_op_status},
};

const struct kdriver kdriver_linked = {
    .name = "edu",
    .init = init,
    .ops = ops,
    .ops_count = sizeof(ops) / sizeof(ops[0]),
    .ctx = &edu,
};
