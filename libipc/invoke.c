/* SPDX-License-Identifier: MIT */
/*
 * invoke.c: the typed object operations (axl/invoke.h).
 *
 * Each function lists its arguments in the order of the AXL_INVOCATIONS
 * table and hands them to axl_invoke, which is the only code that knows
 * MR4 and up live in the IPC buffer. tests/tools/test_libipc.py checks
 * that every row of the table has a function here.
 */
#include <axl/invoke.h>

#include <axl/exit.h>
#include <axl/ipc.h>

#define NARGS(args) ((unsigned)(sizeof(args) / sizeof((args)[0])))

/*
 * Invokes OP on cap with the arguments listed after it (at least one), as
 * a compound literal array; sizeof does not evaluate its operand, so each
 * argument is evaluated once.
 */
#define INVOKE(cap, OP, ...)                                                                       \
    axl_invoke((cap), AXL_INV_##OP, NARGS(((const uint64_t[]){__VA_ARGS__})),                      \
               (const uint64_t[]){__VA_ARGS__}, NULL)

long axl_invoke(uint64_t cap, unsigned label, unsigned nargs, const uint64_t *args,
                struct axl_msg *reply)
{
    struct axl_msg m = axl_message(label, nargs);

    if (nargs > AXL_MSG_MAX_WORDS) {
        return AXL_E_RANGE;
    }
    for (unsigned i = 0; i < nargs; i++) {
        long err = axl_msg_set(&m, i, args[i]);
        if (err) {
            return err;
        }
    }
    long err = axl_call(cap, &m);
    if (reply) {
        *reply = m;
    }
    return err;
}

/* An operation without arguments. */
static long invoke0(uint64_t cap, unsigned label) { return axl_invoke(cap, label, 0, NULL, NULL); }

long axl_untyped_retype(uint64_t ut, unsigned type, unsigned size_bits, uint64_t cnode,
                        uint64_t slot, uint64_t count)
{
    return INVOKE(ut, UNTYPED_RETYPE, type, size_bits, cnode, slot, count);
}

long axl_cnode_copy(uint64_t cnode, uint64_t dest, uint64_t src_cnode, uint64_t src,
                    unsigned rights)
{
    return INVOKE(cnode, CNODE_COPY, dest, src_cnode, src, rights);
}

long axl_cnode_mint(uint64_t cnode, uint64_t dest, uint64_t src_cnode, uint64_t src,
                    unsigned rights, uint64_t badge)
{
    return INVOKE(cnode, CNODE_MINT, dest, src_cnode, src, rights, badge);
}

long axl_cnode_move(uint64_t cnode, uint64_t dest, uint64_t src_cnode, uint64_t src)
{
    return INVOKE(cnode, CNODE_MOVE, dest, src_cnode, src);
}

long axl_cnode_mutate(uint64_t cnode, uint64_t dest, uint64_t src_cnode, uint64_t src,
                      unsigned rights)
{
    return INVOKE(cnode, CNODE_MUTATE, dest, src_cnode, src, rights);
}

long axl_cnode_delete(uint64_t cnode, uint64_t slot) { return INVOKE(cnode, CNODE_DELETE, slot); }

long axl_cnode_revoke(uint64_t cnode, uint64_t slot) { return INVOKE(cnode, CNODE_REVOKE, slot); }

long axl_cnode_save_caller(uint64_t cnode, uint64_t slot)
{
    return INVOKE(cnode, CNODE_SAVE_CALLER, slot);
}

long axl_cnode_inspect(uint64_t cnode, uint64_t slot, struct axl_cap_info *info)
{
    const uint64_t args[] = {slot};
    struct axl_msg r;
    long err = axl_invoke(cnode, AXL_INV_CNODE_INSPECT, NARGS(args), args, &r);

    *info = err ? (struct axl_cap_info){0}
                : (struct axl_cap_info){
                      .type = r.mr[0], .rights = r.mr[1], .badge = r.mr[2], .size_bits = r.mr[3]};
    return err;
}

long axl_tcb_configure(uint64_t tcb, uint64_t fault_ep, uint64_t cspace, uint64_t vspace,
                       uint64_t ipc_buffer, uint64_t ipc_frame)
{
    return INVOKE(tcb, TCB_CONFIGURE, fault_ep, cspace, vspace, ipc_buffer, ipc_frame);
}

long axl_tcb_set_priority(uint64_t tcb, unsigned priority, unsigned mcp, uint64_t timeslice_us)
{
    return INVOKE(tcb, TCB_SET_PRIORITY, priority, mcp, timeslice_us);
}

long axl_tcb_write_registers(uint64_t tcb, uint64_t rip, uint64_t rsp, uint64_t rdi, uint64_t rsi,
                             uint64_t rflags)
{
    return INVOKE(tcb, TCB_WRITE_REGISTERS, rip, rsp, rdi, rsi, rflags);
}

long axl_tcb_read_registers(uint64_t tcb, struct axl_tcb_regs *regs)
{
    struct axl_msg r;
    long err = axl_invoke(tcb, AXL_INV_TCB_READ_REGISTERS, 0, NULL, &r);

    *regs = (struct axl_tcb_regs){0};
    if (!err) {
        *regs = (struct axl_tcb_regs){.rip = r.mr[0],
                                      .rsp = r.mr[1],
                                      .rdi = r.mr[2],
                                      .rsi = r.mr[3],
                                      .rflags = axl_msg_get(&r, 4),
                                      .rax = axl_msg_get(&r, 5)};
    }
    return err;
}

long axl_tcb_resume(uint64_t tcb) { return invoke0(tcb, AXL_INV_TCB_RESUME); }

long axl_tcb_suspend(uint64_t tcb) { return invoke0(tcb, AXL_INV_TCB_SUSPEND); }

long axl_tcb_bind_notification(uint64_t tcb, uint64_t ntfn)
{
    return INVOKE(tcb, TCB_BIND_NOTIFICATION, ntfn);
}

long axl_tcb_info(uint64_t tcb, struct axl_tcb_info *info)
{
    struct axl_msg r;
    long err = axl_invoke(tcb, AXL_INV_TCB_INFO, 0, NULL, &r);

    *info = (struct axl_tcb_info){0};
    if (!err) {
        *info = (struct axl_tcb_info){
            .state = r.mr[0], .priority = r.mr[1], .fault = r.mr[2], .id = r.mr[3]};
    }
    return err;
}

long axl_page_map(uint64_t frame, uint64_t pml4, uint64_t vaddr, unsigned rights,
                  unsigned attributes)
{
    return INVOKE(frame, PAGE_MAP, pml4, vaddr, rights, attributes);
}

long axl_page_unmap(uint64_t frame) { return invoke0(frame, AXL_INV_PAGE_UNMAP); }

long axl_page_address(uint64_t frame, uint64_t *paddr)
{
    struct axl_msg r;
    long err = axl_invoke(frame, AXL_INV_PAGE_ADDRESS, 0, NULL, &r);

    *paddr = err ? 0 : r.mr[0];
    return err;
}

long axl_table_map(uint64_t table, uint64_t pml4, uint64_t vaddr)
{
    return INVOKE(table, TABLE_MAP, pml4, vaddr);
}

long axl_table_unmap(uint64_t table) { return invoke0(table, AXL_INV_TABLE_UNMAP); }

long axl_irq_control_get(uint64_t irq_control, unsigned irq, uint64_t cnode, uint64_t slot)
{
    return INVOKE(irq_control, IRQ_CONTROL_GET, irq, cnode, slot);
}

long axl_irq_set_notification(uint64_t handler, uint64_t ntfn)
{
    return INVOKE(handler, IRQ_SET_NOTIFICATION, ntfn);
}

long axl_irq_ack(uint64_t handler) { return invoke0(handler, AXL_INV_IRQ_ACK); }

long axl_ioport_issue(uint64_t ioport_control, unsigned first, unsigned last, uint64_t cnode,
                      uint64_t slot)
{
    return INVOKE(ioport_control, IOPORT_ISSUE, first, last, cnode, slot);
}

long axl_ioport_in(uint64_t ioport, unsigned port, unsigned width, uint32_t *value)
{
    const uint64_t args[] = {port, width};
    struct axl_msg r;
    long err = axl_invoke(ioport, AXL_INV_IOPORT_IN, NARGS(args), args, &r);

    *value = err ? 0 : (uint32_t)r.mr[0];
    return err;
}

long axl_ioport_out(uint64_t ioport, unsigned port, unsigned width, uint32_t value)
{
    return INVOKE(ioport, IOPORT_OUT, port, width, value);
}

long axl_ntfn_set_timer(uint64_t ntfn, uint64_t bits, uint64_t us)
{
    return INVOKE(ntfn, NTFN_SET_TIMER, bits, us);
}

long axl_iommu_issue(uint64_t iommu_control, unsigned bus, unsigned devfn, uint64_t cnode,
                     uint64_t slot)
{
    return INVOKE(iommu_control, IOMMU_ISSUE, bus, devfn, cnode, slot);
}

long axl_iospace_fault(uint64_t iospace, struct axl_io_fault *f)
{
    struct axl_msg r;
    long err = axl_invoke(iospace, AXL_INV_IOSPACE_FAULT, 0, NULL, &r);

    *f = err ? (struct axl_io_fault){0} : (struct axl_io_fault){r.mr[0], r.mr[1], r.mr[2], r.mr[3]};
    return err;
}

long axl_iospace_set_notification(uint64_t iospace, uint64_t ntfn)
{
    return INVOKE(iospace, IOSPACE_SET_NOTIFICATION, ntfn);
}

long axl_iommu_checksum(uint64_t iommu_control, uint64_t pa, uint64_t len, uint32_t *crc)
{
    const uint64_t args[] = {pa, len};
    struct axl_msg r;
    long err = axl_invoke(iommu_control, AXL_INV_IOMMU_CHECKSUM, 2, args, &r);

    *crc = err ? 0 : (uint32_t)r.mr[0];
    return err;
}

long axl_kdriver_inject(uint64_t kdriver, uint64_t kind, uint64_t after, uint64_t seed)
{
    const uint64_t args[] = {kind, after, seed};
    struct axl_msg r;
    return axl_invoke(kdriver, AXL_INV_KDRIVER_INJECT, 3, args, &r);
}

long axl_io_table_map(uint64_t table, uint64_t iospace, uint64_t iova, unsigned *level)
{
    const uint64_t args[] = {iospace, iova};
    struct axl_msg r;
    long err = axl_invoke(table, AXL_INV_IO_TABLE_MAP, NARGS(args), args, &r);

    if (level) {
        *level = err ? 0 : (unsigned)r.mr[0];
    }
    return err;
}

long axl_io_table_unmap(uint64_t table) { return invoke0(table, AXL_INV_IO_TABLE_UNMAP); }

long axl_io_page_map(uint64_t frame, uint64_t iospace, uint64_t iova, unsigned rights)
{
    return INVOKE(frame, IO_PAGE_MAP, iospace, iova, rights);
}

long axl_io_page_unmap(uint64_t frame) { return invoke0(frame, AXL_INV_IO_PAGE_UNMAP); }

long axl_scenario_end(uint64_t slot, unsigned code)
{
    long err = axl_ioport_issue(AXL_SLOT_IOPORT_CONTROL, AXL_DEBUG_EXIT_PORT, AXL_DEBUG_EXIT_PORT,
                                AXL_SLOT_CNODE, slot);
    return err != AXL_E_OK ? err : axl_ioport_out(slot, AXL_DEBUG_EXIT_PORT, 1, code);
}
