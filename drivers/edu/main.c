/* SPDX-License-Identifier: MIT */
/*
 * main.c: edu, the driver of QEMU's edu PCI device, in user space: the
 * user-space backend of the driver interface (drivers/lib/drv.h). The same
 * device code (device.c) and requests (ops.c) link into the monolithic
 * kernel through kernel.c instead.
 *
 * Its manifest entry grants a PCI function (pci = 00:10.0): the supervisor
 * maps the function's configuration page and its BAR0 into the driver, and,
 * with irqs = ..., the function's INTx line. The driver checks it is the
 * edu device, sets it up (bus mastering included), makes a DMA buffer of its
 * own, mapped in the device's IO space when the supervisor gave one (DMA
 * remapping on, docs/iommu.md), registers as "edu" and serves AXL_EDU_OPS (<axl/protocols.h>): the
 * factorial unit, and copies into and out of the device's buffer by DMA.
 * Every count and offset is checked against the device's limits before the
 * device sees it (<axl/edu.h>). docs/driver.md walks through it.
 */
#include <axl/axl.h>
#include <axl/edu.h>
#include <axl/name.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

#include "edu.h"

/* A signal while waiting for requests: the interrupt line (a stray or late one). */
static void notified(void *ctx, uint64_t word)
{
    struct edu *e = ctx;

    if (e->dev.has_irq && (word & (1ull << e->dev.line))) {
        edu_interrupt(e);
    }
}

/*
 * Finds the function's configuration page ("pci:BB:DD.F config"), its BAR0
 * ("pci:BB:DD.F bar0") and the first IRQ, by the names the supervisor gives
 * them (docs/manifest.md): whichever function the manifest names.
 */
static bool find_device(struct edu *e)
{
    const struct axl_proc_cap *config = NULL, *bar = NULL;
    const uint64_t n = axl_procinfo->cap_count < AXL_PROC_MAX_CAPS ? axl_procinfo->cap_count
                                                                    : AXL_PROC_MAX_CAPS;
    char want[AXL_PROC_NAME_MAX];

    for (uint64_t i = 0; i < n && !config; i++) {
        const struct axl_proc_cap *c = &axl_procinfo->caps[i];
        if (c->kind == AXL_PROC_CAP_MMIO && strncmp(c->name, "pci:", 4) == 0 &&
            strlen(c->name) == 18 && strcmp(c->name + 11, " config") == 0) {
            config = c;
        }
    }
    if (!config) {
        axl_printf("edu: no PCI function granted (manifest: pci = 00:10.0 in a device it uses)\n");
        return false;
    }
    memcpy(e->dev.bdf, config->name + 4, 7); /* "00:10.0" */
    e->dev.bdf[7] = 0;
    axl_snprintf(want, sizeof(want), "pci:%s bar0", e->dev.bdf);
    for (uint64_t i = 0; i < n; i++) {
        const struct axl_proc_cap *c = &axl_procinfo->caps[i];
        if (c->kind == AXL_PROC_CAP_MMIO && strcmp(c->name, want) == 0) {
            bar = c;
        } else if (c->kind == AXL_PROC_CAP_IRQ && !e->dev.has_irq && c->first < 24) {
            e->dev.has_irq = true;
            e->dev.irq_cap = c->cptr;
            e->dev.line = (unsigned)c->first;
        }
    }
    if (!bar || bar->last < EDU_REGS_BYTES) { /* bar-bytes = 4K grants the first page alone */
        axl_printf("edu: %s: no memory BAR0 with its registers granted\n", e->dev.bdf);
        return false;
    }
    e->dev.config = (volatile uint32_t *)config->vaddr;
    e->dev.regs = (volatile uint8_t *)bar->vaddr;
    e->dev.bar_phys = bar->first;
    return true;
}

int main(void)
{
    static struct edu edu;

    if (!axl_procinfo) {
        axl_printf("edu: no process info page: start me from the manifest, not as root task\n");
        return 1;
    }
    if (!find_device(&edu)) {
        return 1;
    }
    edu.dev.generation = axl_procinfo->generation;
    edu.dev.on_irq = edu_interrupt;
    edu.dev.ctx = &edu;
    /* A copy of its own notification that sets the injection bit (wait_until hands it back). */
    edu.dev.reinject = axl_slot_alloc();
    if (!edu.dev.reinject || axl_cnode_mint(AXL_PROC_SLOT_CNODE, edu.dev.reinject, AXL_PROC_SLOT_CNODE,
                                        AXL_PROC_SLOT_NOTIFICATION, AXL_RIGHT_WRITE,
                                        AXL_NOTIFY_INJECT) != AXL_E_OK) {
        edu.dev.reinject = 0;
    }
    edu.physical = strcmp(axl_procinfo->args, "dma=physical") == 0;
    if (axl_procinfo->args[0] && !edu.physical) {
        axl_printf("edu: unknown arguments \"%s\" (the one known: dma=physical)\n",
                   axl_procinfo->args);
        return 1;
    }
    /* The buffer first, so that a transfer a previous instance left running, which edu_init
     * waits for, is caught if it lands in it; then the buffer goes into the IO space. */
    if (edu_dma_setup(&edu) != AXL_E_OK || edu_init(&edu) != AXL_E_OK ||
        edu_dma_map(&edu) != AXL_E_OK) {
        return 1;
    }
    long err = axl_name_register(AXL_SERVICE_EDU, AXL_PROC_SLOT_SERVICE_EP, NULL);
    if (err) {
        axl_printf("edu: cannot register as \"%s\": %s\n", AXL_SERVICE_EDU, axl_strerror(err));
        return 1;
    }
    if (edu.iospace) {
        axl_printf("edu: instance %llu serving; DMA buffer at physical %#llx, mapped at IO "
                   "address %#llx in the device's IO space\n",
                   (unsigned long long)axl_procinfo->generation, (unsigned long long)edu.dma_phys,
                   (unsigned long long)edu.dma_iova);
    } else {
        axl_printf("edu: instance %llu serving; DMA buffer at physical %#llx, given to the device "
                   "as it is (%s)\n", (unsigned long long)axl_procinfo->generation,
                   (unsigned long long)edu.dma_phys,
                   edu.physical ? "dma=physical" : "no IO space: DMA remapping is off");
    }

    static const struct axl_rpc_op ops[] = {
        {AXL_OP_EDU_FACTORIAL, 1, edu_op_factorial}, /* ops.c */
        {AXL_OP_EDU_COPY_IN, 2, edu_op_copy_in}, /* the offset and the bytes' length word */
        {AXL_OP_EDU_COPY_OUT, 2, edu_op_copy_out},
        {AXL_OP_EDU_STATUS, 0, edu_op_status},
        {AXL_OP_EDU_BENCH_MAP, 1, edu_op_bench_map}, /* bench.c */
    };
    const struct axl_server server = {
        .ep = AXL_PROC_SLOT_SERVICE_EP,
        .ops = ops,
        .ops_count = sizeof(ops) / sizeof(ops[0]),
        .ctx = &edu,
        .notified = notified,
        .inject = edu_inject,
    };
    err = axl_serve(&server);
    axl_printf("edu: cannot receive on the service endpoint: %s\n", axl_strerror(err));
    return 1;
}
