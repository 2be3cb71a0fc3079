/* SPDX-License-Identifier: MIT */
/*
 * uapi/axl/ipc.h: the IPC buffer and the boot information.
 *
 * Part of the one ABI (see docs/abi.md). The IPC buffer is a
 * 1024-byte-aligned block in a frame a thread registers with
 * TCB_CONFIGURE; the kernel reads and writes it through its own mapping
 * of that frame, never through the thread's page tables. Freestanding.
 */
#ifndef AXL_UAPI_IPC_H
#define AXL_UAPI_IPC_H

#include "syscalls.h"
#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#ifndef __ASSEMBLER__
struct axl_ipc_buffer {
    uint64_t mr[AXL_MSG_MAX_WORDS]; /* MR4.. here; mr[0..3] are not used by the kernel */
    uint64_t caps[AXL_MSG_MAX_CAPS]; /* send: capability pointers to transfer */
    uint64_t recv_cnode;             /* receive: CNode for incoming capabilities (0: none) */
    uint64_t recv_slot;              /* ... first slot */
    uint64_t recv_count;             /* ... number of slots, from recv_slot on */
    uint64_t user[2];                /* for the thread's own use (the kernel ignores these) */
    uint64_t reserved[2];
};
_Static_assert(sizeof(struct axl_ipc_buffer) == 1024, "IPC buffer size");
#endif

/* Slots the root task's CNode holds at start (all others empty but those listed in boot info). */
#define AXL_SLOT_NULL 0
#define AXL_SLOT_TCB 1            /* its own thread */
#define AXL_SLOT_CNODE 2          /* its CSpace root */
#define AXL_SLOT_VSPACE 3         /* its PML4 */
#define AXL_SLOT_IRQ_CONTROL 4    /* creates IRQ handlers */
#define AXL_SLOT_IOPORT_CONTROL 5 /* creates I/O port ranges */
#define AXL_SLOT_BOOTINFO 6       /* the frame holding struct axl_bootinfo */
#define AXL_SLOT_IPC_BUFFER 7     /* the frame holding its IPC buffer */
#define AXL_SLOT_IOMMU_CONTROL 8  /* issues IO spaces (works only with DMA remapping on) */
#define AXL_SLOT_KDRIVER 9        /* the driver linked into a monolithic kernel; empty otherwise */
#define AXL_SLOT_FIRST_FREE 16    /* module frames, then untyped, start here */

#define AXL_ROOT_CNODE_RADIX 12      /* 4096 slots, guard 52 bits of 0: a cptr is a slot index */
#define AXL_ROOT_STACK_TOP 0x80000000 /* the root task's stack ends here ... */
#define AXL_ROOT_STACK_PAGES 16       /* ... and has this many pages, an unmapped guard below */
#define AXL_ROOT_BOOTINFO 0x80001000  /* boot info frame (also in rdi at entry) */
#define AXL_ROOT_IPC_BUFFER 0x80002000 /* IPC buffer (also in rsi at entry) */

#define AXL_BOOTINFO_MAGIC 0x6f666e49746f6f42ull /* "BootInfo" */
#define AXL_BOOT_MAX_MODULES 16
#define AXL_BOOT_MAX_UNTYPED 128

#ifndef __ASSEMBLER__
struct axl_boot_module {
    uint64_t first_slot; /* frame capabilities of the module's pages, in order */
    uint64_t frames;
    uint64_t size; /* bytes */
    char name[24];
    char args[48];
};
_Static_assert(sizeof(struct axl_boot_module) == 96, "boot module record size");
#endif

#ifndef __ASSEMBLER__
struct axl_boot_untyped {
    uint64_t paddr;
    uint8_t size_bits;
    uint8_t device; /* 1: device memory, retypes into frames and untyped only */
    uint8_t pad[6];
};
_Static_assert(sizeof(struct axl_boot_untyped) == 16, "boot untyped record size");
#endif

#ifndef __ASSEMBLER__
struct axl_bootinfo {
    uint64_t magic;
    uint64_t version;       /* 1 */
    uint64_t first_free;    /* first empty slot of the root CNode */
    uint64_t untyped_first; /* untyped i is in slot untyped_first + i */
    uint64_t untyped_count;
    uint64_t module_count;
    uint64_t tsc_hz;   /* timestamp-counter rate the kernel calibrated */
    uint64_t clock_hz; /* timer ticks per second (0: no tick) */
    char cmdline[192]; /* the kernel command line, truncated */
    struct axl_boot_module modules[AXL_BOOT_MAX_MODULES];
    struct axl_boot_untyped untyped[AXL_BOOT_MAX_UNTYPED];
    uint64_t pstore_first_slot; /* read-only frames of the crash records the kernel verified */
    uint64_t pstore_frames;     /* (uapi/axl/pstore.h, axl_pstore_handoff); 0: none */
    /* Where the kernel is, for the DMA attack demonstrations and their checks (docs/iommu.md). */
    uint64_t kernel_phys;      /* its first page: Multiboot header and boot code, run once */
    uint64_t kernel_pml4_phys; /* its own top-level page table */
    uint64_t reserved[28];
};
_Static_assert(sizeof(struct axl_bootinfo) == 4096, "boot info fills one frame");
#endif

#endif /* AXL_UAPI_IPC_H */
