/* SPDX-License-Identifier: MIT */
/*
 * vtd.c: the Intel VT-d DMA remapping unit (Intel VT-d spec, chapters 3,
 * 6, 7, 9 and 10; /work/shared/reference/qemu-hardware.md section 5).
 *
 * At boot, before any driver runs, the kernel finds the unit through the
 * ACPI DMAR table, builds a root table whose bus-0 entry points to a
 * context table with every entry not present, and turns translation on.
 * From then on every DMA of every PCI device on the machine is blocked:
 * a device reaches memory only through an IO address space the kernel
 * later gives it. (Blocking by "context entry not present" faults with
 * reason 2; other buses have no root entry and fault with reason 1.)
 *
 * Caches: the unit caches context entries and translations (QEMU does
 * too), so every change is followed by the invalidation that makes the
 * hardware see it, before the call returns. Invalidation is register based:
 * queued invalidation stays off, since a unit with QI on ignores the
 * registers (a trap the reference documents).
 *
 * Faults: the unit records a blocked request in a fault recording register
 * and raises the fault event interrupt (an MSI to VEC_IOMMU), which reads,
 * reports and clears each record and re-arms the unit.
 */
#include <arch.h>
#include <arch/acpi.h>
#include <arch/vtd.h>
#include <arch/vtd_pt.h>
#include <arch/x86.h>
#include <cmdline.h>
#include <klog.h>
#include <kstring.h>
#include <pmm.h>
#include <uapi/axl/iommu.h>

/* Registers (VT-d spec 10.4). */
#define VER 0x00
#define CAP 0x08
#define ECAP 0x10
#define GCMD 0x18
#define GSTS 0x1c
#define RTADDR 0x20
#define CCMD 0x28
#define FSTS 0x34
#define FECTL 0x38
#define FEDATA 0x3c
#define FEADDR 0x40
#define FEUADDR 0x44

#define GCMD_TE (1u << 31)
#define GCMD_SRTP (1u << 30)
#define GCMD_QIE (1u << 26)
#define GCMD_IRE (1u << 25)
#define GCMD_CFI (1u << 23)
/* The persistent enables: GCMD acts on what differs from GSTS, so these are written back and
 * the one-shot bits (SRTP, ...) never are. */
#define GCMD_KEEP (GCMD_TE | GCMD_QIE | GCMD_IRE | GCMD_CFI)

#define CCMD_ICC (1ull << 63)
#define CCMD_GLOBAL (1ull << 61)
#define IOTLB_IVT (1ull << 63)
#define IOTLB_GLOBAL (1ull << 60)
#define IOTLB_DOMAIN (2ull << 60)

#define FSTS_PFO (1u << 0)
#define FSTS_PPF (1u << 1)
#define FSTS_IQE (1u << 4)
#define FRCD_F (1ull << 63)
#define FRCD_T (1ull << 62) /* 1: the request was a read */

#define CAP_SAGAW_39 (1ull << 9) /* 3-level tables, 39-bit addresses */
#define POLL_LIMIT 10000000u     /* register polls before the unit is declared dead */
#define LOG_FAULTS 16            /* faults logged one by one; later ones are only counted */

static struct {
    volatile uint8_t *regs;
    paddr_t base;
    uint64_t cap, ecap;
    unsigned iotlb;        /* offset of the IOTLB register (ECAP.IRO * 16 + 8) */
    unsigned frcd, nfrcd;  /* first fault recording register, and how many */
    uint64_t *root, *ctx0; /* root table; context table of bus 0 (direct map) */
    bool enabled;
    uint64_t faults, overflows;
} u;

static uint32_t rd32(unsigned off) { return *(volatile uint32_t *)(u.regs + off); }
static uint64_t rd64(unsigned off) { return *(volatile uint64_t *)(u.regs + off); }
static void wr32(unsigned off, uint32_t v) { *(volatile uint32_t *)(u.regs + off) = v; }
static void wr64(unsigned off, uint64_t v) { *(volatile uint64_t *)(u.regs + off) = v; }

bool vtd_enabled(void) { return u.enabled; }
uint64_t vtd_fault_count(void) { return u.faults; }

bool arch_iommu_regs(paddr_t *base)
{
    *base = u.base;
    return u.regs != NULL;
}

/* Sets bit in GCMD and waits until GSTS shows it (or clears it: on = false). */
static bool command(uint32_t bit, bool on)
{
    uint32_t keep = rd32(GSTS) & GCMD_KEEP;
    wr32(GCMD, on ? keep | bit : keep & ~bit);
    for (unsigned i = 0; i < POLL_LIMIT; i++) {
        if (((rd32(GSTS) & bit) != 0) == on) {
            return true;
        }
    }
    return false;
}

/* Writes an invalidation command and waits for the unit to clear its busy bit. */
static bool invalidate(unsigned off, uint64_t cmd, uint64_t busy)
{
    wr64(off, cmd);
    for (unsigned i = 0; i < POLL_LIMIT; i++) {
        if (!(rd64(off) & busy)) {
            return true;
        }
    }
    kerror("iommu", "invalidation at register 0x%x did not complete", off);
    return false;
}

/* Context cache, then IOTLB: after any change to a root or context entry. */
static void invalidate_all(void)
{
    invalidate(CCMD, CCMD_ICC | CCMD_GLOBAL, CCMD_ICC);
    invalidate(u.iotlb, IOTLB_IVT | IOTLB_GLOBAL, IOTLB_IVT);
}

void vtd_context_set(uint8_t devfn, uint64_t root_pa, uint16_t did)
{
    uint64_t lo = 0, hi = 0;

    if (root_pa) {
        vtd_context_entry(root_pa, did, &lo, &hi);
    }
    vtd_entry128_write(&u.ctx0[vtd_context_slot(devfn)], lo, hi);
    /* Context cache first: the IOTLB is looked up by source id, and a stale context entry
     * would refill it from the old tables. */
    invalidate(CCMD, CCMD_ICC | CCMD_GLOBAL, CCMD_ICC);
    vtd_flush_domain(did);
}

void vtd_flush_domain(uint16_t did)
{
    invalidate(u.iotlb, IOTLB_IVT | IOTLB_DOMAIN | (uint64_t)did << 32, IOTLB_IVT);
}

/* The register base of the first remapping unit (DRHD) of segment 0 in the DMAR table, or 0. */
static paddr_t find_unit(void)
{
    const struct acpi_header *dmar = acpi_find("DMAR");
    if (!dmar) {
        return 0;
    }
    const uint8_t *t = (const uint8_t *)dmar;
    /* After the header: host address width (1), flags (1), 10 reserved; then structures. */
    for (uint32_t at = 48; at + 4 <= dmar->length;) {
        uint16_t type, len;
        memcpy(&type, t + at, 2);
        memcpy(&len, t + at + 2, 2);
        if (len < 4 || len > dmar->length - at) {
            kwarn("iommu", "DMAR table: a structure at offset %u has length %u; ignored from there",
                  at, len);
            return 0;
        }
        if (type == 0 && len >= 16) { /* DRHD: flags, reserved, segment, register base */
            uint16_t segment;
            uint64_t base;
            memcpy(&segment, t + at + 6, 2);
            memcpy(&base, t + at + 8, 8);
            if (segment == 0 && base != 0 && base % 4096 == 0 && base < BOOT_DIRECT_MAP_SIZE) {
                return base;
            }
        }
        at += len;
    }
    return 0;
}

void vtd_fault_interrupt(void)
{
    if (!u.regs) {
        return;
    }
    uint32_t fsts = rd32(FSTS);
    for (unsigned i = 0; i < u.nfrcd; i++) {
        unsigned off = u.frcd + i * 16;
        uint64_t hi = rd64(off + 8);
        if (!(hi & FRCD_F)) {
            continue;
        }
        uint64_t addr = rd64(off) & ~0xfffull;
        unsigned sid = (unsigned)(hi & 0xffff), reason = (unsigned)(hi >> 32) & 0xff;
        bool read = (hi & FRCD_T) != 0;
        wr32(off + 12, (uint32_t)(FRCD_F >> 32)); /* write 1 to F: the register is free again */
        iospace_fault((uint16_t)sid, addr, reason, read);
        if (u.faults++ < LOG_FAULTS) {
            kwarn("iommu", "DMA %s by %02x:%02x.%u at IO address 0x%llx blocked: %s (reason %u)",
                  read ? "read" : "write", sid >> 8, (sid >> 3) & 31, sid & 7,
                  (unsigned long long)addr, axl_vtd_reason_text(reason), reason);
        } else if (u.faults == LOG_FAULTS + 1) {
            kwarn("iommu", "more DMA faults: counted, no longer logged one by one");
        }
    }
    if (fsts & FSTS_PFO) {
        u.overflows++;
        kwarn("iommu", "fault records overflowed: faults were lost (%llu times)",
              (unsigned long long)u.overflows);
    }
    wr32(FSTS, FSTS_PFO | FSTS_IQE); /* clear the sticky bits: the next fault interrupts again */
}

void arch_iommu_init(struct pmm *pmm, const char *cmdline)
{
    char opt[8];
    paddr_t base = find_unit();

    if (base == 0) {
        kinfo("iommu", "no DMA remapping unit (no DMAR table): devices can DMA anywhere");
        return;
    }
    u.base = base;
    u.regs = phys_to_virt(base);
    u.cap = rd64(CAP);
    u.ecap = rd64(ECAP);
    uint32_t ver = rd32(VER);
    u.iotlb = (unsigned)((u.ecap >> 8) & 0x3ff) * 16 + 8;
    u.frcd = (unsigned)((u.cap >> 24) & 0x3ff) * 16;
    u.nfrcd = (unsigned)((u.cap >> 40) & 0xff) + 1;
    kinfo("iommu", "VT-d %u.%u at 0x%llx: cap 0x%llx ecap 0x%llx, %u fault record%s",
          (ver >> 4) & 15, ver & 15, (unsigned long long)base, (unsigned long long)u.cap,
          (unsigned long long)u.ecap, u.nfrcd, u.nfrcd == 1 ? "" : "s");
    if (cmdline_get(cmdline, "iommu", opt, sizeof(opt)) >= 0 && strcmp(opt, "off") == 0) {
        kwarn("iommu", "DMA remapping left off (iommu=off): any bus-master device can write "
                       "anywhere in memory");
        return;
    }
    if (!(u.cap & CAP_SAGAW_39)) {
        kerror("iommu", "the unit does not do 3-level (39-bit) tables: DMA remapping stays off");
        return;
    }
    if (rd32(GSTS) & (GCMD_QIE | GCMD_TE)) {
        kwarn("iommu", "the unit was left on by the firmware (status 0x%x); taking it over",
              rd32(GSTS));
        command(GCMD_QIE, false);
    }
    paddr_t root = pmm_alloc(pmm), ctx = pmm_alloc(pmm);
    if (root == PMM_NONE || ctx == PMM_NONE) {
        kerror("iommu", "no memory for the root and context tables: DMA remapping stays off");
        return;
    }
    u.root = phys_to_virt(root);
    u.ctx0 = phys_to_virt(ctx);
    memset(u.root, 0, PAGE_SIZE);
    memset(u.ctx0, 0, PAGE_SIZE); /* every context entry not present: every device blocked */
    uint64_t lo, hi;
    vtd_root_entry(ctx, &lo, &hi); /* bus 0 present; pmm frames lie below 2^39 */
    vtd_entry128_write(&u.root[vtd_root_slot(0)], lo, hi);

    /* Stale faults from before, then the fault event MSI to this CPU's LAPIC. */
    vtd_fault_interrupt();
    uint32_t regs[4];
    cpuid(1, 0, regs);
    wr32(FEDATA, VEC_IOMMU);
    wr32(FEADDR, 0xfee00000u | (regs[1] >> 24) << 12);
    wr32(FEUADDR, 0);
    wr32(FECTL, 0); /* unmask (IM is set at reset) */

    wr64(RTADDR, root);
    if (!command(GCMD_SRTP, true)) {
        kerror("iommu", "the unit did not take the root table: DMA remapping stays off");
        return;
    }
    invalidate_all();
    if (!command(GCMD_TE, true)) {
        kerror("iommu", "the unit did not turn translation on: DMA remapping stays off");
        return;
    }
    u.enabled = true;
    kinfo("iommu", "DMA remapping on: every PCI device is blocked until it is given an IO "
                   "address space");
}
