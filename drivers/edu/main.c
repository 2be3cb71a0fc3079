/* SPDX-License-Identifier: MIT */
/*
 * main.c: edu, the user-space driver of QEMU's edu PCI device.
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

/* EDU_FACTORIAL: MR0 n -> MR1 n! mod 2^32. */
static long op_factorial(void *ctx, struct axl_rpc_request *req)
{
    struct edu *e = ctx;
    unsigned pos = 0;
    uint64_t n;
    uint32_t f;
    long err = axl_msg_get_word(req->msg, &pos, &n);

    if (err) {
        return err;
    }
    if (n > AXL_EDU_FACTORIAL_MAX) {
        return AXL_E_RANGE;
    }
    err = edu_factorial(e, (uint32_t)n, &f);
    return err ? err : axl_msg_put_word(req->reply, f);
}

/* EDU_COPY_IN: MR0 offset, str bytes -> MR1 checksum of what the device was given. */
static long op_copy_in(void *ctx, struct axl_rpc_request *req)
{
    struct edu *e = ctx;
    uint8_t buf[AXL_MSG_BYTES_MAX(1)]; /* all a message can carry: longer than allowed is RANGE */
    unsigned pos = 0;
    uint64_t offset;
    size_t n;
    long err = axl_msg_get_word(req->msg, &pos, &offset);

    if (!err) {
        err = axl_msg_get_bytes(req->msg, &pos, buf, sizeof(buf), &n);
    }
    if (err) {
        return err;
    }
    if (!axl_edu_xfer_ok(offset, n)) {
        return AXL_E_RANGE;
    }
    memcpy(e->dma, buf, n);
    uint32_t sum = axl_edu_checksum(e->dma, n); /* what the device will read */
    err = edu_dma(e, false, offset, n);
    return err ? err : axl_msg_put_word(req->reply, sum);
}

/* EDU_COPY_OUT: MR0 offset, MR1 count -> MR1 checksum, str bytes as the device wrote them. */
static long op_copy_out(void *ctx, struct axl_rpc_request *req)
{
    struct edu *e = ctx;
    unsigned pos = 0;
    uint64_t offset, count;
    long err = axl_msg_get_word(req->msg, &pos, &offset);

    if (!err) {
        err = axl_msg_get_word(req->msg, &pos, &count);
    }
    if (err) {
        return err;
    }
    if (!axl_edu_xfer_ok(offset, count)) {
        return AXL_E_RANGE;
    }
    memset(e->dma, 0xa5, count); /* so bytes the device did not write cannot pass for data */
    err = edu_dma(e, true, offset, count);
    if (err) {
        return err;
    }
    err = axl_msg_put_word(req->reply, axl_edu_checksum(e->dma, count));
    return err ? err : axl_msg_put_bytes(req->reply, e->dma, count);
}

/* EDU_STATUS: -> MR1 identification, MR2 generation, MR3 transfers, MR4 interrupts, MR5 factorials. */
static long op_status(void *ctx, struct axl_rpc_request *req)
{
    struct edu *e = ctx;
    const uint64_t words[] = {*(volatile uint32_t *)(e->regs + EDU_ID), axl_procinfo->generation,
                              e->transfers, e->interrupts, e->factorials};
    long err = AXL_E_OK;

    for (unsigned i = 0; i < 5 && !err; i++) {
        err = axl_msg_put_word(req->reply, words[i]);
    }
    return err;
}

/* A signal while waiting for requests: the interrupt line (a stray or late one). */
static void notified(void *ctx, uint64_t word)
{
    struct edu *e = ctx;

    if (e->irq && (word & (1ull << e->line))) {
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
    memcpy(e->bdf, config->name + 4, 7); /* "00:10.0" */
    e->bdf[7] = 0;
    axl_snprintf(want, sizeof(want), "pci:%s bar0", e->bdf);
    for (uint64_t i = 0; i < n; i++) {
        const struct axl_proc_cap *c = &axl_procinfo->caps[i];
        if (c->kind == AXL_PROC_CAP_MMIO && strcmp(c->name, want) == 0) {
            bar = c;
        } else if (c->kind == AXL_PROC_CAP_IRQ && !e->irq && c->first < 24) {
            e->irq = c->cptr;
            e->line = (unsigned)c->first;
        }
    }
    if (!bar || bar->last < EDU_BAR_BYTES) {
        axl_printf("edu: %s: no 1 MiB memory BAR0 granted\n", e->bdf);
        return false;
    }
    e->config = (volatile uint32_t *)config->vaddr;
    e->regs = (volatile uint8_t *)bar->vaddr;
    e->bar_phys = bar->first;
    return true;
}

int main(void)
{
    static struct edu edu;

    if (!axl_procinfo) {
        axl_printf("edu: no process info page: start me from the manifest, not as root task\n");
        return 1;
    }
    edu.tsc_hz = axl_procinfo->tsc_hz;
    if (!find_device(&edu)) {
        return 1;
    }
    /* A copy of its own notification that sets the injection bit (wait_until hands it back). */
    edu.reinject = axl_slot_alloc();
    if (!edu.reinject || axl_cnode_mint(AXL_PROC_SLOT_CNODE, edu.reinject, AXL_PROC_SLOT_CNODE,
                                        AXL_PROC_SLOT_NOTIFICATION, AXL_RIGHT_WRITE,
                                        AXL_NOTIFY_INJECT) != AXL_E_OK) {
        edu.reinject = 0;
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
        {AXL_OP_EDU_FACTORIAL, 1, op_factorial},
        {AXL_OP_EDU_COPY_IN, 2, op_copy_in}, /* the offset and the bytes' length word */
        {AXL_OP_EDU_COPY_OUT, 2, op_copy_out},
        {AXL_OP_EDU_STATUS, 0, op_status},
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
