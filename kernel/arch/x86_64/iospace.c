/* SPDX-License-Identifier: MIT */
/*
 * iospace.c: IO address spaces: what a PCI function may reach by DMA
 * (docs/iommu.md).
 *
 * The IOMMU control (root slot AXL_SLOT_IOMMU_CONTROL) issues one IO space
 * per PCI function: a VT-d domain whose id is its index here plus one. As
 * with the CPU's page tables, the kernel allocates nothing: the driver
 * retypes IO page tables from its own untyped and installs them level by
 * level (IO_TABLE_MAP), the first as the root the device's context entry
 * points to; then maps frames it holds (IO_PAGE_MAP). Each capability
 * records its one mapping in its word (CAP_IOMAP):
 *
 *   bit 63 mapped | bits 48-55 domain index | bits 12-38 IO address | bits 0-1 table level
 *
 * Deleting a capability removes its mapping and invalidates the IOTLB
 * before the delete returns, so when a driver's memory is revoked (its
 * restart) no translation to that memory survives it: the device can never
 * DMA into memory that now belongs to someone else.
 */
#include <arch.h>
#include <arch/vtd.h>
#include <boot.h>
#include <arch/vtd_pt.h>
#include <ipc.h>
#include <klog.h>
#include <kstring.h>
#include <uapi/axl/invocations.h>

#define DOMAINS 32
#define W_MAPPED (1ull << 63)
#define W_DOMAIN_SHIFT 48
#define W_IOVA (VTD_IOVA_LIMIT - PAGE_SIZE)

struct iodomain {
    bool used;
    uint8_t bus, devfn;
    uint64_t root_pa; /* the installed level-3 table, 0: none (the device is blocked) */
    uint64_t faults, last_addr;
    unsigned last_reason;
    bool last_read;
    struct notification *ntfn; /* signalled at every fault (IOSPACE_SET_NOTIFICATION), or NULL */
    uint64_t badge;
};
static struct iodomain domains[DOMAINS];

static paddr_t pa_of(const void *p) { return (paddr_t)(uintptr_t)p - KERNEL_DIRECT_MAP; }
static void *p2v(void *ctx, uint64_t pa) { return (void)ctx, phys_to_virt(pa); }
static uint16_t did_of(const struct iodomain *d) { return (uint16_t)(d - domains + 1); }

static struct vtd_space space_of(struct iodomain *d)
{
    return (struct vtd_space){.root_pa = d->root_pa, .p2v = p2v, .ctx = NULL};
}

static uint64_t io_word(const struct iodomain *d, uint64_t iova, unsigned level)
{
    return W_MAPPED | (uint64_t)(d - domains) << W_DOMAIN_SHIFT | iova | level;
}
static struct iodomain *word_domain(uint64_t w) { return &domains[(w >> W_DOMAIN_SHIFT) & 0xff]; }

void iospace_fault(uint16_t sid, uint64_t addr, unsigned reason, bool read)
{
    for (unsigned i = 0; i < DOMAINS; i++) {
        struct iodomain *d = &domains[i];
        if (d->used && (d->bus << 8 | d->devfn) == sid) {
            d->faults++;
            d->last_addr = addr;
            d->last_reason = reason;
            d->last_read = read;
            if (d->ntfn) {
                ntfn_signal(d->ntfn, d->badge); /* the owner's supervisor learns of it now */
            }
        }
    }
}

void arch_iospace_notification_gone(const void *ntfn)
{
    for (unsigned i = 0; i < DOMAINS; i++) {
        if (domains[i].ntfn == ntfn) {
            domains[i].ntfn = NULL;
        }
    }
}

static int set_notification(struct iodomain *d)
{
    uint64_t cptr = msg_get(current, 0);

    if (cptr == 0) {
        d->ntfn = NULL;
        return AXL_E_OK;
    }
    return ntfn_signaller(cptr, &d->ntfn, &d->badge);
}

/*
 * IOMMU_CHECKSUM: the CRC-32 (IEEE, reflected) of a piece of RAM, so that
 * whoever controls DMA remapping can show that a blocked transfer left its
 * target as it was. Never the bytes themselves, and RAM only: reading a
 * device's registers could have effects.
 */
static int checksum(void)
{
    uint64_t pa = msg_get(current, 0), len = msg_get(current, 1);

    if (len == 0 || len > PAGE_SIZE || pa % PAGE_SIZE + len > PAGE_SIZE) {
        return AXL_E_RANGE;
    }
    if (!boot_is_ram(pa, len)) {
        return AXL_E_INVALID_ARGUMENT;
    }
    const uint8_t *p = phys_to_virt(pa);
    uint32_t crc = 0xffffffffu;
    for (uint64_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (unsigned b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
    }
    msg_set(current, 0, ~crc);
    syscall_set_msg(current, AXL_MSGINFO(0, 0, 1), 0);
    return AXL_E_OK;
}

void arch_io_cap_unmap(const struct cap *cap)
{
    if (!(cap->flags & CAP_IOMAP) || !(cap->word & W_MAPPED)) {
        return;
    }
    struct iodomain *d = word_domain(cap->word);
    struct vtd_space s = space_of(d);
    uint64_t iova = cap->word & W_IOVA, pa = 0, self = pa_of(cap->obj);
    unsigned level = (unsigned)(cap->word & 3);

    if (!d->root_pa) {
        /* The root table went first (a revoke deletes in any order): the device's context entry
         * is gone, nothing below is reachable, and there is no walk to make (a walk from
         * address 0 would read whatever lies there as a table). */
        if (cap->type != AXL_OBJ_FRAME) {
            memset(cap->obj, 0, PAGE_SIZE);
        }
        return;
    }
    if (cap->type == AXL_OBJ_FRAME) {
        /* Only if the entry still points at this frame: another may have taken the address. */
        if (vtd_lookup(&s, iova, &pa, NULL) == VTD_OK && pa == self) {
            vtd_unmap(&s, iova, NULL);
            vtd_flush_domain(did_of(d));
        }
        return;
    }
    if (level == VTD_LEVELS) {
        if (d->root_pa == self) {
            d->root_pa = 0;
            vtd_context_set(d->devfn, 0, did_of(d)); /* blocked again, caches flushed */
        }
    } else if (vtd_table_remove(&s, iova, level, self) == VTD_OK) {
        vtd_flush_domain(did_of(d));
    }
    memset(cap->obj, 0, PAGE_SIZE); /* whatever it mapped goes with it */
}

/* The IO space named by capability pointer MR<i>, or NULL with *err. */
static struct iodomain *space_arg(unsigned i, int *err)
{
    struct cte *c = cspace_lookup_cap(current, msg_get(current, i), AXL_OBJ_IOSPACE, err);
    return c ? c->cap.obj : NULL;
}

static int io_page_map(struct cap *cap)
{
    int err = AXL_E_OK;
    struct iodomain *d = space_arg(0, &err);
    uint64_t iova = msg_get(current, 1), rights = msg_get(current, 2);

    if (!d) {
        return err;
    }
    if (cap->type != AXL_OBJ_FRAME) {
        return AXL_E_ILLEGAL_OPERATION; /* 4 KiB pages only */
    }
    if (cap->word != 0) {
        return AXL_E_ILLEGAL_OPERATION; /* mapped already (here or in an address space) */
    }
    if (rights == 0 || (rights & ~(uint64_t)(AXL_RIGHT_READ | AXL_RIGHT_WRITE))) {
        return AXL_E_INVALID_ARGUMENT;
    }
    if (rights & ~(uint64_t)cap->rights) {
        return AXL_E_INSUFFICIENT_RIGHTS;
    }
    if (iova % PAGE_SIZE) {
        return AXL_E_ALIGNMENT;
    }
    if (!d->root_pa) {
        return AXL_E_MAPPING; /* no root table yet: IO_TABLE_MAP one */
    }
    struct vtd_space s = space_of(d);
    unsigned perm = ((rights & AXL_RIGHT_READ) ? VTD_R : 0) | ((rights & AXL_RIGHT_WRITE) ? VTD_W : 0);
    switch (vtd_map(&s, iova, pa_of(cap->obj), perm, NULL)) {
    case VTD_OK:
        break;
    case VTD_E_NO_TABLE:
    case VTD_E_EXISTS:
        return AXL_E_MAPPING;
    case VTD_E_BAD_ADDR:
        return AXL_E_ILLEGAL_OPERATION; /* a frame above the IO address width */
    default:
        return AXL_E_RANGE; /* past 2^39, or the interrupt window */
    }
    cap->flags |= CAP_IOMAP;
    cap->word = io_word(d, iova, 0);
    return AXL_E_OK;
}

int arch_io_page_invoke(struct cte *slot, uint64_t label)
{
    if (label == AXL_INV_IO_PAGE_MAP) {
        return io_page_map(&slot->cap);
    }
    arch_io_cap_unmap(&slot->cap);
    if (slot->cap.flags & CAP_IOMAP) {
        slot->cap.flags &= (uint8_t)~CAP_IOMAP;
        slot->cap.word = 0;
    }
    return AXL_E_OK;
}

static int table_map(struct cap *cap)
{
    int err = AXL_E_OK;
    struct iodomain *d = space_arg(0, &err);
    uint64_t iova = msg_get(current, 1) & ~(PAGE_SIZE - 1);
    unsigned level = VTD_LEVELS;

    if (!d) {
        return err;
    }
    if (cap->word != 0) {
        return AXL_E_ILLEGAL_OPERATION; /* installed already: unmap it first */
    }
    if (iova >= VTD_IOVA_LIMIT) {
        return AXL_E_RANGE;
    }
    if (!d->root_pa) {
        d->root_pa = pa_of(cap->obj);
        vtd_context_set(d->devfn, d->root_pa, did_of(d));
        iova = 0;
    } else {
        struct vtd_space s = space_of(d);
        if (vtd_table_install(&s, iova, pa_of(cap->obj), &level) != VTD_OK) {
            return AXL_E_MAPPING; /* every level on the path is there */
        }
        iova &= ~((1ull << (12 + 9 * level)) - 1); /* the span the table covers */
    }
    cap->flags |= CAP_IOMAP;
    cap->word = io_word(d, iova, level);
    msg_set(current, 0, level);
    syscall_set_msg(current, AXL_MSGINFO(0, 0, 1), 0);
    return AXL_E_OK;
}

/* IOMMU_ISSUE: the IO space of PCI function (bus, devfn), made once and then copied. */
static int issue(void)
{
    uint64_t bus = msg_get(current, 0), devfn = msg_get(current, 1);
    int err = AXL_E_OK;
    struct cte *dst = cspace_empty_slot(current, msg_get(current, 2), msg_get(current, 3), &err);

    if (!dst) {
        return err;
    }
    if (!vtd_enabled()) {
        return AXL_E_ILLEGAL_OPERATION; /* no DMA remapping: nothing to issue */
    }
    if (bus != 0 || devfn > 255) {
        return AXL_E_RANGE; /* the kernel keeps a context table for bus 0 only */
    }
    struct iodomain *d = NULL;
    for (unsigned i = 0; i < DOMAINS && !d; i++) {
        if (domains[i].used && domains[i].devfn == devfn) {
            d = &domains[i];
        }
    }
    for (unsigned i = 0; i < DOMAINS && !d; i++) {
        if (!domains[i].used) {
            d = &domains[i];
            *d = (struct iodomain){.used = true, .bus = 0, .devfn = (uint8_t)devfn};
        }
    }
    if (!d) {
        return AXL_E_NOT_ENOUGH_MEMORY;
    }
    struct cap c = {.type = AXL_OBJ_IOSPACE, .rights = AXL_RIGHTS_ALL, .obj = d};
    cdt_insert(dst, &c, NULL);
    return AXL_E_OK;
}

int arch_iospace_invoke(struct cte *slot, uint64_t label)
{
    struct cap *cap = &slot->cap;
    struct iodomain *d = cap->obj;

    switch (cap->type) {
    case AXL_OBJ_IOMMU_CONTROL:
        if (label == AXL_INV_IOMMU_CHECKSUM) {
            return checksum();
        }
        return label == AXL_INV_IOMMU_ISSUE ? issue() : AXL_E_ILLEGAL_OPERATION;
    case AXL_OBJ_IOSPACE:
        if (label == AXL_INV_IOSPACE_SET_NOTIFICATION) {
            return set_notification(d);
        }
        if (label != AXL_INV_IOSPACE_FAULT) {
            return AXL_E_ILLEGAL_OPERATION;
        }
        msg_set(current, 0, d->faults);
        msg_set(current, 1, d->last_addr);
        msg_set(current, 2, d->last_reason);
        msg_set(current, 3, d->last_read);
        syscall_set_msg(current, AXL_MSGINFO(0, 0, 4), 0);
        return AXL_E_OK;
    case AXL_OBJ_IO_PAGE_TABLE:
        if (label == AXL_INV_IO_TABLE_MAP) {
            return table_map(cap);
        }
        if (label == AXL_INV_IO_TABLE_UNMAP) {
            arch_io_cap_unmap(cap);
            cap->flags &= (uint8_t)~CAP_IOMAP;
            cap->word = 0;
            return AXL_E_OK;
        }
        return AXL_E_ILLEGAL_OPERATION;
    default:
        return AXL_E_ILLEGAL_OPERATION;
    }
}
