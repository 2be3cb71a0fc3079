/* SPDX-License-Identifier: MIT */
/*
 * axl/invoke.h: one C function per operation on a kernel object
 * (libipc).
 *
 * An operation is a CALL on a capability to the object, with the label
 * naming the operation and the arguments in MR0, MR1, ... in the order of
 * the AXL_INVOCATIONS table in <axl/invocations.h>; every function below
 * takes them in that order, after the capability it invokes. Arguments
 * past MR3 go through the IPC buffer (axl_ipc_buffer->mr[4..]), as do
 * results past MR3, so those operations need one (AXL_E_NO_IPC_BUFFER).
 *
 * Capability pointers (cptrs) are looked up in the caller's CSpace. In
 * the root task's CSpace a cptr is simply a slot index of its root CNode
 * (AXL_SLOT_*, <axl/ipc.h>). A "slot" argument of a CNode operation is an
 * index into the CNode being invoked (or named), not a cptr.
 *
 * Each function returns the kernel's error code, 0 (AXL_E_OK) on success;
 * results come back through out-pointers, which are zeroed on error and
 * must not be NULL. None blocks longer than the kernel takes to do the
 * operation. Which error means what for each operation: docs/abi.md.
 */
#ifndef AXL_LIBIPC_INVOKE_H
#define AXL_LIBIPC_INVOKE_H

#include <stdint.h>

#include <axl/invocations.h>
#include <axl/objects.h>
#include <axl/sys.h>

/* What CNODE_INSPECT reports about one slot. */
struct axl_cap_info {
    uint64_t type;      /* enum axl_object_type; AXL_OBJ_NULL for an empty slot */
    uint64_t rights;    /* AXL_RIGHT_* bits */
    uint64_t badge;     /* endpoint or notification badge, 0 if none */
    uint64_t size_bits; /* untyped: log2 of its bytes; CNode: radix (log2 of its slots) */
};

/* The registers TCB_READ_REGISTERS returns (TCB_WRITE_REGISTERS sets all but rax). */
struct axl_tcb_regs {
    uint64_t rip, rsp, rdi, rsi, rflags, rax;
};

/*
 * The general form: invokes operation label on cap with nargs arguments
 * (MR0..). If reply is not NULL it receives the answer (results MR0..MR3
 * in reply->mr; MR4.. are read with axl_msg_get). The typed functions
 * below are this plus argument order.
 */
long axl_invoke(uint64_t cap, unsigned label, unsigned nargs, const uint64_t *args,
                struct axl_msg *reply);

/* --- untyped --- */

/*
 * Carves count objects of type (enum axl_object_type) out of untyped ut and
 * puts their capabilities in slots [slot, slot + count) of CNode cnode.
 * size_bits is log2 of the bytes for an untyped, the radix for a CNode, and
 * ignored (pass 0) for fixed-size objects.
 */
long axl_untyped_retype(uint64_t ut, unsigned type, unsigned size_bits, uint64_t cnode,
                        uint64_t slot, uint64_t count);

/* --- CNodes: cnode is the CNode invoked, dest and slot index into it --- */

/* Copies src_cnode[src] into cnode[dest] with rights reduced to src's & rights (AXL_RIGHT_*). */
long axl_cnode_copy(uint64_t cnode, uint64_t dest, uint64_t src_cnode, uint64_t src,
                    unsigned rights);
/* As copy, and sets badge on an unbadged endpoint or notification (a CNode: its guard). */
long axl_cnode_mint(uint64_t cnode, uint64_t dest, uint64_t src_cnode, uint64_t src,
                    unsigned rights, uint64_t badge);
/* Moves src_cnode[src] into the empty cnode[dest]. */
long axl_cnode_move(uint64_t cnode, uint64_t dest, uint64_t src_cnode, uint64_t src);
/* As move, reducing the rights to src's & rights. */
long axl_cnode_mutate(uint64_t cnode, uint64_t dest, uint64_t src_cnode, uint64_t src,
                      unsigned rights);
/* Deletes the capability in cnode[slot]; its object goes when that was the last one. */
long axl_cnode_delete(uint64_t cnode, uint64_t slot);
/* Deletes every capability derived from cnode[slot], keeping that one. */
long axl_cnode_revoke(uint64_t cnode, uint64_t slot);
/* Moves the calling thread's reply capability (from its last call received) to cnode[slot]. */
long axl_cnode_save_caller(uint64_t cnode, uint64_t slot);
/* Describes the capability in cnode[slot] (an empty slot reports AXL_OBJ_NULL). */
long axl_cnode_inspect(uint64_t cnode, uint64_t slot, struct axl_cap_info *info);

/* --- threads --- */

/*
 * Sets what thread tcb runs with: its fault endpoint (0: none), CSpace root
 * CNode, PML4, the address its IPC buffer has in that space, and the frame
 * holding it (0: no IPC buffer). All are cptrs but ipc_buffer.
 */
long axl_tcb_configure(uint64_t tcb, uint64_t fault_ep, uint64_t cspace, uint64_t vspace,
                       uint64_t ipc_buffer, uint64_t ipc_frame);
/* Sets priority, maximum controlled priority (0..AXL_PRIORITIES-1) and timeslice. */
long axl_tcb_set_priority(uint64_t tcb, unsigned priority, unsigned mcp, uint64_t timeslice_us);
/* Sets a stopped thread's registers; the kernel keeps only the RFLAGS bits a user may set. */
long axl_tcb_write_registers(uint64_t tcb, uint64_t rip, uint64_t rsp, uint64_t rdi, uint64_t rsi,
                             uint64_t rflags);
long axl_tcb_read_registers(uint64_t tcb, struct axl_tcb_regs *regs);
/* Starts or restarts the thread. */
long axl_tcb_resume(uint64_t tcb);
/* Stops the thread, aborting any IPC it waits in. */
long axl_tcb_suspend(uint64_t tcb);
/* Binds notification ntfn (0: unbinds) to the thread: its signals also end the thread's RECV. */
long axl_tcb_bind_notification(uint64_t tcb, uint64_t ntfn);

/* What TCB_INFO reports. */
struct axl_tcb_info {
    uint64_t state;    /* enum axl_thread_state */
    uint64_t priority;
    uint64_t fault;    /* the enum axl_fault it is stopped by, 0 if none */
    uint64_t id;       /* the kernel's number for it, as in kernel log messages */
};
long axl_tcb_info(uint64_t tcb, struct axl_tcb_info *info);

/* --- address spaces --- */

/* Maps frame at vaddr in pml4 with rights (AXL_RIGHT_READ, _WRITE) and attributes (AXL_MAP_*). */
long axl_page_map(uint64_t frame, uint64_t pml4, uint64_t vaddr, unsigned rights,
                  unsigned attributes);
long axl_page_unmap(uint64_t frame);
/* The physical address of frame (for DMA set-up). */
long axl_page_address(uint64_t frame, uint64_t *paddr);
/* Installs a PDPT, page directory or page table (table) in pml4 to cover vaddr. */
long axl_table_map(uint64_t table, uint64_t pml4, uint64_t vaddr);
long axl_table_unmap(uint64_t table);

/* --- interrupts --- */

/* Makes the handler capability for IRQ irq (0..AXL_IRQ_COUNT-1) in cnode[slot]. */
long axl_irq_control_get(uint64_t irq_control, unsigned irq, uint64_t cnode, uint64_t slot);
/* Binds handler to notification ntfn, which it signals on each interrupt (0: unbind). */
long axl_irq_set_notification(uint64_t handler, uint64_t ntfn);
/* Unmasks the line again once the interrupt has been handled. */
long axl_irq_ack(uint64_t handler);

/* --- I/O ports --- */

/* Makes a capability to ports first..last (inclusive) in cnode[slot]. */
long axl_ioport_issue(uint64_t ioport_control, unsigned first, unsigned last, uint64_t cnode,
                      uint64_t slot);
/* Reads port with an access of width bytes (1, 2 or 4). */
long axl_ioport_in(uint64_t ioport, unsigned port, unsigned width, uint32_t *value);
/* Writes the low width bytes (1, 2 or 4) of value to port. */
long axl_ioport_out(uint64_t ioport, unsigned port, unsigned width, uint32_t value);

/* Signals bits on the notification ntfn once us microseconds have passed (0: disarm). */
long axl_ntfn_set_timer(uint64_t ntfn, uint64_t bits, uint64_t us);

/* --- DMA: IO spaces (docs/iommu.md) --- */

/* Makes the IO space of PCI function bus:devfn in cnode[slot] (DMA remapping must be on). */
long axl_iommu_issue(uint64_t iommu_control, unsigned bus, unsigned devfn, uint64_t cnode,
                     uint64_t slot);
/* Faults recorded for the IO space's function, and the last one's address, reason, direction. */
struct axl_io_fault {
    uint64_t count, addr, reason, read;
};
long axl_iospace_fault(uint64_t iospace, struct axl_io_fault *f);
/* Has every DMA fault of the IO space's function signal ntfn (with its badge); 0 unbinds. */
long axl_iospace_set_notification(uint64_t iospace, uint64_t ntfn);
/* *crc = the CRC-32 of len bytes of RAM at physical pa (one page at most): for DMA proofs. */
long axl_iommu_checksum(uint64_t iommu_control, uint64_t pa, uint64_t len, uint32_t *crc);
/* Arms the in-kernel driver (monolithic kernel only) to fault in ring 0 at the request after
 * `after` more: kind is null-read, wild-read, divide-by-zero or invalid-opcode (axl/inject.h). */
long axl_kdriver_inject(uint64_t kdriver, uint64_t kind, uint64_t after, uint64_t seed);
/* Installs IO page table at the first level missing on iova's path; *level (may be NULL) gets it. */
long axl_io_table_map(uint64_t table, uint64_t iospace, uint64_t iova, unsigned *level);
long axl_io_table_unmap(uint64_t table);
/* Maps frame at iova in iospace for the device to read and/or write (rights READ, WRITE). */
long axl_io_page_map(uint64_t frame, uint64_t iospace, uint64_t iova, unsigned rights);
long axl_io_page_unmap(uint64_t frame);

/*
 * Ends a QEMU scenario (root task only): issues the isa-debug-exit port
 * (AXL_DEBUG_EXIT_PORT) into the empty root-CNode slot `slot` and writes
 * code (AXL_EXIT_*) to it. Returns only if QEMU did not stop: the error, or
 * AXL_E_OK when the write went through and no debug-exit device listened.
 */
long axl_scenario_end(uint64_t slot, unsigned code);

#endif /* AXL_LIBIPC_INVOKE_H */
