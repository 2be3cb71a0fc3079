/* SPDX-License-Identifier: MIT */
/*
 * uapi/axl/invocations.h: the operations on kernel objects.
 *
 * Part of the one ABI (see docs/abi.md, "Invocations"). An operation is a
 * CALL (uapi/axl/syscalls.h) on a capability to the object, with the
 * label set to the operation and the arguments in MR0, MR1, ...; the
 * result is the error code in rax and any results in MR0, MR1, ...
 * Labels are unique across objects, so a label sent to the wrong kind of
 * object is refused (ILLEGAL_OPERATION). Capability pointers among the
 * arguments are looked up in the caller's CSpace. Freestanding.
 */
#ifndef AXL_UAPI_INVOCATIONS_H
#define AXL_UAPI_INVOCATIONS_H

/* X(label, NAME, object, "arguments -> results") */
#define AXL_INVOCATIONS(X)                                                                         \
    X(1, UNTYPED_RETYPE, UNTYPED,                                                                  \
      "MR0 type, MR1 size_bits, MR2 CNode, MR3 first slot, MR4 count")                             \
    X(10, CNODE_COPY, CNODE, "MR0 dest slot, MR1 source CNode, MR2 source slot, MR3 rights")       \
    X(11, CNODE_MINT, CNODE, "as COPY, and MR4 badge (CNode: guard bits | guard << 6)")             \
    X(12, CNODE_MOVE, CNODE, "MR0 dest slot, MR1 source CNode, MR2 source slot")                   \
    X(13, CNODE_MUTATE, CNODE, "as MOVE, and MR3 rights")                                          \
    X(14, CNODE_DELETE, CNODE, "MR0 slot")                                                         \
    X(15, CNODE_REVOKE, CNODE, "MR0 slot")                                                         \
    X(16, CNODE_SAVE_CALLER, CNODE, "MR0 slot: moves the thread's reply capability there")         \
    X(17, CNODE_INSPECT, CNODE, "MR0 slot -> MR0 type, MR1 rights, MR2 badge, MR3 size_bits")       \
    X(20, TCB_CONFIGURE, TCB,                                                                      \
      "MR0 fault endpoint (0: none), MR1 CSpace root, MR2 PML4, MR3 IPC buffer address, "          \
      "MR4 IPC buffer frame (0: none)")                                                            \
    X(21, TCB_SET_PRIORITY, TCB, "MR0 priority, MR1 maximum controlled priority, MR2 timeslice us") \
    X(22, TCB_WRITE_REGISTERS, TCB, "MR0 RIP, MR1 RSP, MR2 RDI, MR3 RSI, MR4 RFLAGS")              \
    X(23, TCB_READ_REGISTERS, TCB, "-> MR0 RIP, MR1 RSP, MR2 RDI, MR3 RSI, MR4 RFLAGS, MR5 RAX")   \
    X(24, TCB_RESUME, TCB, "start or restart the thread")                                          \
    X(25, TCB_SUSPEND, TCB, "stop the thread, aborting any IPC it waits in")                       \
    X(26, TCB_BIND_NOTIFICATION, TCB, "MR0 notification (0: unbind): its signals end a RECV")     \
    X(27, TCB_INFO, TCB, "-> MR0 state (AXL_THREAD_*), MR1 priority, MR2 fault kind, MR3 id")       \
    X(30, PAGE_MAP, FRAME, "MR0 PML4, MR1 address, MR2 rights (READ, WRITE), MR3 attributes")      \
    X(31, PAGE_UNMAP, FRAME, "")                                                                   \
    X(32, PAGE_ADDRESS, FRAME, "-> MR0 physical address")                                          \
    X(40, TABLE_MAP, PAGE_TABLE, "MR0 PML4, MR1 address (PDPT, PAGE_DIRECTORY, PAGE_TABLE)")       \
    X(41, TABLE_UNMAP, PAGE_TABLE, "")                                                             \
    X(50, IRQ_CONTROL_GET, IRQ_CONTROL, "MR0 IRQ, MR1 CNode, MR2 slot")                             \
    X(51, IRQ_SET_NOTIFICATION, IRQ_HANDLER, "MR0 notification (0: none)")                         \
    X(52, IRQ_ACK, IRQ_HANDLER, "unmask the line after handling")                                  \
    X(60, IOPORT_ISSUE, IOPORT_CONTROL, "MR0 first port, MR1 last port, MR2 CNode, MR3 slot")       \
    X(61, IOPORT_IN, IOPORT, "MR0 port, MR1 width (1, 2, 4) -> MR0 value")                         \
    X(62, IOPORT_OUT, IOPORT, "MR0 port, MR1 width (1, 2, 4), MR2 value") \
    X(70, NTFN_SET_TIMER, NOTIFICATION,                                                            \
      "MR0 bits to signal, MR1 microseconds from now (0: disarm); one timer per notification")     \
    X(80, IOMMU_ISSUE, IOMMU_CONTROL, "MR0 PCI bus, MR1 devfn, MR2 CNode, MR3 slot: its IO space") \
    X(81, IOSPACE_FAULT, IOSPACE,                                                                  \
      "-> MR0 faults so far, MR1 last IO address, MR2 last reason, MR3 1 if it was a read")        \
    X(82, IOSPACE_SET_NOTIFICATION, IOSPACE,                                                       \
      "MR0 notification (0: none): signalled with its badge at every DMA fault of the function")   \
    X(83, IOMMU_CHECKSUM, IOMMU_CONTROL,                                                           \
      "MR0 physical address, MR1 bytes (1..4096, one page) -> MR0 CRC-32 of that RAM")             \
    X(85, IO_TABLE_MAP, IO_PAGE_TABLE,                                                             \
      "MR0 IO space, MR1 IO address: installed at the first level missing -> MR0 level (3: root)") \
    X(86, IO_TABLE_UNMAP, IO_PAGE_TABLE, "")                                                       \
    X(87, IO_PAGE_MAP, FRAME, "MR0 IO space, MR1 IO address, MR2 rights (READ, WRITE)")           \
    X(88, IO_PAGE_UNMAP, FRAME, "")                                                                \
    X(90, KDRIVER_INJECT, KDRIVER,                                                                 \
      "MR0 fault kind (axl/inject.h), MR1 after N more requests, MR2 seed: the driver faults in ring 0")

/* TCB_INFO states. */
#define AXL_THREAD_STATES(X)                                                                       \
    X(0, INACTIVE, "created or suspended: never runs until resumed")                               \
    X(1, RUNNING, "running or ready to run")                                                       \
    X(2, BLOCKED_SEND, "waiting to send on an endpoint")                                           \
    X(3, BLOCKED_RECV, "waiting to receive on an endpoint")                                        \
    X(4, BLOCKED_REPLY, "waiting for the reply to a call")                                         \
    X(5, BLOCKED_NOTIFICATION, "waiting on a notification")                                        \
    X(6, FAULTED, "stopped by a fault, waiting for its handler's answer")

#ifndef __ASSEMBLER__
enum axl_thread_state {
#define AXL_X(value, name, text) AXL_THREAD_##name = (value),
    AXL_THREAD_STATES(AXL_X)
#undef AXL_X
};
#endif

/* PAGE_MAP attributes (MR3). */
#define AXL_MAP_EXECUTE 0x1  /* instructions may be fetched (else no-execute) */
#define AXL_MAP_UNCACHED 0x2 /* device memory: caching disabled */

#ifndef __ASSEMBLER__
enum axl_invocation {
#define AXL_X(label, name, object, text) AXL_INV_##name = (label),
    AXL_INVOCATIONS(AXL_X)
#undef AXL_X
};
#endif

#endif /* AXL_UAPI_INVOCATIONS_H */
