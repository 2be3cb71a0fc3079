/* SPDX-License-Identifier: MIT */
/*
 * uapi/axl/iommu.h: what a DMA fault's reason number means (the VT-d fault
 * reasons the kernel logs and IOSPACE_FAULT returns, docs/iommu.md), for
 * the kernel's log and for the supervisor's report alike. Freestanding.
 */
#ifndef AXL_UAPI_IOMMU_H
#define AXL_UAPI_IOMMU_H

/* X(reason, NAME, "meaning"): the fault reasons of second-level translation (VT-d 3.x, chapter 7). */
#define AXL_VTD_REASONS(X)                                                                         \
    X(0x1, NO_ROOT, "no root entry for its bus")                                                   \
    X(0x2, NO_CONTEXT, "no context entry: the device has no IO address space")                     \
    X(0x3, BAD_CONTEXT, "invalid context entry")                                                   \
    X(0x4, BEYOND_WIDTH, "address beyond the IO address width")                                    \
    X(0x5, WRITE, "write not permitted: not mapped, or mapped read-only")                          \
    X(0x6, READ, "read not permitted: not mapped, or mapped write-only")                           \
    X(0xa, ROOT_RESERVED, "reserved bits set in a root entry")                                     \
    X(0xb, CONTEXT_RESERVED, "reserved bits set in a context entry")                               \
    X(0xc, PTE_RESERVED, "reserved bits set in a page-table entry")

/* What VT-d fault reason r means ("other translation fault" for those not listed). */
static inline const char *axl_vtd_reason_text(unsigned r)
{
    switch (r) {
#define AXL_X(reason, name, text)                                                                  \
    case reason:                                                                                   \
        return text;
        AXL_VTD_REASONS(AXL_X)
#undef AXL_X
    default:
        return "other translation fault";
    }
}

enum axl_vtd_reason {
#define AXL_X(reason, name, text) AXL_VTD_##name = (reason),
    AXL_VTD_REASONS(AXL_X)
#undef AXL_X
};

#endif /* AXL_UAPI_IOMMU_H */
