/* SPDX-License-Identifier: MIT */
/*
 * uapi/axl/objects.h: the kernel object types user space can create by
 * retyping untyped memory, and capability rights.
 *
 * Part of the one ABI (see docs/abi.md). Sizes are log2 bytes of untyped
 * memory an object consumes; 0 means the size is chosen at retype time
 * (untyped: size_bits itself; CNode: AXL_CNODE_SLOT_BITS + radix bits)
 * or, from REPLY on, that the kernel alone makes the capability (a reply
 * capability with each call, the controls at boot, handlers, port ranges
 * and IO spaces from their control): these cannot be retyped. IO page
 * tables (VT-d second-level tables) are retyped like any table.
 * Freestanding: needs nothing.
 */
#ifndef AXL_UAPI_OBJECTS_H
#define AXL_UAPI_OBJECTS_H

/* X(value, NAME, size_bits) */
#define AXL_OBJECT_TYPES(X)                                                                        \
    X(0, NULL, 0)                                                                                  \
    X(1, UNTYPED, 0)                                                                               \
    X(2, CNODE, 0)                                                                                 \
    X(3, ENDPOINT, 4)                                                                              \
    X(4, NOTIFICATION, 6)                                                                          \
    X(5, FRAME, 12)                                                                                \
    X(6, TCB, 11)                                                                                  \
    X(7, LARGE_FRAME, 21)                                                                          \
    X(8, PML4, 12)                                                                                 \
    X(9, PDPT, 12)                                                                                 \
    X(10, PAGE_DIRECTORY, 12)                                                                      \
    X(11, PAGE_TABLE, 12)                                                                          \
    X(12, REPLY, 0)                                                                                \
    X(13, IRQ_CONTROL, 0)                                                                          \
    X(14, IRQ_HANDLER, 0)                                                                          \
    X(15, IOPORT_CONTROL, 0)                                                                       \
    X(16, IOPORT, 0)                                                                               \
    X(17, IO_PAGE_TABLE, 12)                                                                       \
    X(18, IOMMU_CONTROL, 0)                                                                        \
    X(19, IOSPACE, 0)                                                                              \
    X(20, KDRIVER, 0)

#define AXL_CNODE_SLOT_BITS 6   /* one CNode slot takes 64 bytes */
#define AXL_UNTYPED_MIN_BITS 4  /* smallest untyped region: 16 bytes */
#define AXL_UNTYPED_MAX_BITS 47 /* largest: the lower half of the address space */
#define AXL_CNODE_MAX_RADIX 16  /* at most 65536 slots in one CNode */
#define AXL_GUARD_MAX_BITS 58   /* longest CNode guard, and guard + radix <= 64 (docs/abi.md) */
#define AXL_PRIORITIES 256      /* thread priorities 0 (lowest) .. 255 */
/* User addresses lie below this: 2^47 minus one page. The last page below 2^47 is never
 * mapped, so no instruction can end there and return (e.g. from SYSCALL) to the
 * non-canonical address 2^47. */
#define AXL_USER_TOP 0x00007ffffffff000
#define AXL_IRQ_COUNT 24                /* IOAPIC inputs: IRQ numbers 0 .. 23 */

/* X(bit, NAME, "meaning") */
#define AXL_RIGHTS(X)                                                                              \
    X(0, READ, "receive on an endpoint, wait on a notification, read a frame")                     \
    X(1, WRITE, "send on an endpoint, signal a notification, write a frame")                       \
    X(2, GRANT, "transfer capabilities with a message")                                            \
    X(3, GRANT_REPLY, "a call's reply may carry capabilities back")

#ifndef __ASSEMBLER__
enum axl_object_type {
#define AXL_X(value, name, bits) AXL_OBJ_##name = (value),
    AXL_OBJECT_TYPES(AXL_X)
#undef AXL_X
        AXL_OBJ_COUNT
};

enum axl_right {
#define AXL_X(bit, name, text) AXL_RIGHT_##name = 1u << (bit),
    AXL_RIGHTS(AXL_X)
#undef AXL_X
        AXL_RIGHTS_ALL = 0xf
};
#endif

#endif /* AXL_UAPI_OBJECTS_H */
