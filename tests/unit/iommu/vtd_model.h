/* SPDX-License-Identifier: MIT */
/*
 * vtd_model.h: a host-side software model of QEMU 7.2's VT-d DMA
 * remapping in legacy mode (intel-iommu with default options: aw-bits=39,
 * SAGAW 39-bit only, pass-through allowed, no device-TLB, CM=0, one fault
 * recording register), for unit tests of the table code (vtd_pt.c).
 *
 * It reads real tables out of a fake physical memory and behaves as QEMU
 * does (shared/reference/qemu-hardware.md §5), including what software
 * gets wrong most easily:
 *  - a context cache (per source-id) and an IOTLB, filled by successful
 *    translations only and emptied only by the invalidation calls (or by
 *    setting the root pointer / toggling translation): stale entries keep
 *    translating after the tables change;
 *  - the IOTLB is looked up by source-id BEFORE the context entry (as in
 *    QEMU), and invalidated by domain id;
 *  - an IOTLB hit whose cached permission lacks the access is refused
 *    WITHOUT a fault record (QEMU's memory core drops it);
 *  - one fault recording register: collapse for the same source-id, PFO
 *    for another, nothing recorded while PFO is set.
 */
#ifndef AXL_TEST_VTD_MODEL_H
#define AXL_TEST_VTD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* model_translate results: OK, a VT-d fault reason (VT-d §7.2 table), or a non-DMA outcome. */
enum model_result {
    MODEL_OK = 0,
    MODEL_FR_ROOT_P = 0x1,         /* root entry not present */
    MODEL_FR_CTX_P = 0x2,          /* context entry not present */
    MODEL_FR_CTX_INV = 0x3,        /* invalid context entry: AW or TT unsupported */
    MODEL_FR_BEYOND_AGAW = 0x4,    /* iova >= 2^AGAW */
    MODEL_FR_WRITE = 0x5,          /* write denied, or non-present entry on a write */
    MODEL_FR_READ = 0x6,           /* read denied, or non-present entry on a read */
    MODEL_FR_PAGING_INV = 0x7,     /* a table below the top one cannot be read */
    MODEL_FR_ROOT_TABLE_INV = 0x8, /* the root table cannot be read */
    MODEL_FR_CTX_TABLE_INV = 0x9,  /* the context table cannot be read */
    MODEL_FR_ROOT_RSVD = 0xA,      /* reserved bits set in a present root entry */
    MODEL_FR_CTX_RSVD = 0xB,       /* reserved bits set in a present context entry */
    MODEL_FR_PAGING_RSVD = 0xC,    /* reserved bits set in a second-level entry */
    MODEL_FR_INTERRUPT_ADDR = 0xE, /* a leaf points into 0xFEE00000-0xFEEFFFFF */
    MODEL_INTERRUPT = 0x100,       /* iova in the interrupt window: an MSI, never translated */
    MODEL_DENIED_CACHED = 0x101,   /* IOTLB hit without the permission: dropped, no record */
};

/* Fault recording register, high qword (VT-d §10.4.14). The low qword is the faulting page. */
#define MODEL_FRCD_F (1ull << 63)
#define MODEL_FRCD_T (1ull << 62) /* 1 = read, 0 = write */
static inline unsigned model_frcd_reason(uint64_t hi) { return (unsigned)(hi >> 32) & 0xff; }
static inline uint16_t model_frcd_sid(uint64_t hi) { return (uint16_t)hi; }

/* Fault status register bits. */
#define MODEL_FSTS_PFO (1u << 0)
#define MODEL_FSTS_PPF (1u << 1)
#define MODEL_FSTS_IQE (1u << 4)

#define MODEL_IOTLB_MAX 1024 /* QEMU's limit: inserting into a full IOTLB empties it first */

struct model_cc {
    uint32_t gen; /* valid if equal to the model's cc_gen */
    uint64_t lo, hi;
};

struct model_iotlb {
    bool valid;
    uint16_t sid, did;
    uint64_t iova, mask; /* the page: iova & mask == iova; mask from the leaf's level */
    uint64_t pa;         /* output page address */
    unsigned perm;       /* 1 read, 2 write, as accumulated over all levels */
};

struct model {
    uint8_t *mem; /* fake physical memory at physical address 0 */
    size_t mem_size;
    uint64_t next_page; /* model_alloc_page's bump pointer */

    uint64_t rtaddr; /* root table address, as set by model_set_root (SRTP) */
    bool te;         /* translation enabled (GSTS.TES) */

    uint64_t frcd_lo, frcd_hi; /* the single fault recording register */
    uint32_t fsts;
    unsigned fault_events; /* fault interrupts that would have been raised */

    struct model_cc *cc; /* context cache, indexed by source-id */
    uint32_t cc_gen;
    struct model_iotlb iotlb[MODEL_IOTLB_MAX];
    unsigned iotlb_used;

    unsigned walks, iotlb_hits; /* statistics, for tests of the caching itself */
};

/* A model with mem_size bytes (a multiple of 4 KiB) of zeroed fake memory at address 0. */
struct model *model_new(size_t mem_size);
void model_free(struct model *m);

/* A zeroed 4 KiB page of fake memory, never page 0 (bump allocation; aborts when out). */
uint64_t model_alloc_page(struct model *m);
/* vtd_space's p2v for fake memory: ctx is the model; aborts on an address outside it. */
void *model_p2v(void *ctx, uint64_t pa);
uint64_t model_read64(struct model *m, uint64_t pa);
void model_write64(struct model *m, uint64_t pa, uint64_t v);

/* GCMD.SRTP with RTADDR = rtaddr: loads the root pointer and drops every cache. */
void model_set_root(struct model *m, uint64_t rtaddr);
/* GCMD.TE: turns translation on or off (off: DMA addresses are physical); drops every cache. */
void model_enable(struct model *m, bool on);

/*
 * A DMA request from source-id sid (bus << 8 | devfn) to iova. Returns
 * MODEL_OK with *pa_out (if not NULL) the physical address, or a fault
 * reason (recorded as the hardware would, unless the context entry has
 * FPD set), or MODEL_INTERRUPT / MODEL_DENIED_CACHED (nothing recorded).
 */
int model_translate(struct model *m, uint16_t sid, uint64_t iova, bool is_write, uint64_t *pa_out);

/* Invalidations (register-based or queued: the same effect). */
void model_inv_context_global(struct model *m);
void model_inv_context_device(struct model *m, uint16_t sid);
void model_inv_iotlb_global(struct model *m);
void model_inv_iotlb_domain(struct model *m, uint16_t did);
void model_inv_iotlb_page(struct model *m, uint16_t did, uint64_t iova);
/* Number of valid IOTLB entries. */
unsigned model_iotlb_count(const struct model *m);

/* Software's side of the fault registers: write F=1 to FRCD (W1C), write bits to FSTS (W1C). */
void model_clear_frcd(struct model *m);
void model_clear_fsts(struct model *m, uint32_t bits);

#endif /* AXL_TEST_VTD_MODEL_H */
