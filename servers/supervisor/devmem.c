/* SPDX-License-Identifier: MIT */
/*
 * devmem.c: frames of device memory at given physical addresses, and the
 * PCI functions behind pci = ... (devmem.h).
 *
 * The kernel hands the root task every non-RAM page below 4 GiB as device
 * untyped, in naturally aligned power-of-two blocks (kernel/core/boot_root.c),
 * except the I/O APIC and local APIC pages it drives itself. Retype carves
 * objects from an untyped in order, so a frame at one exact address is got
 * the seL4 way: the block that holds it is retyped into two untyped halves,
 * the half that holds the address is split again, and so on down to one
 * page; the other halves stay whole for later requests. A block that lies
 * entirely inside the requested range is retyped into frames at once.
 *
 * Every frame made is kept, in a root slot, for the rest of the run: a
 * restarted driver, or a second component granted the same range, gets
 * copies of the same frames, so nothing leaks and nothing is made twice.
 * Device frames are never zeroed or otherwise touched by the kernel.
 */
#include "devmem.h"

#include <axl/proc.h>

#include "mem.h"

#define PAGE 4096ull
#define PAGE_BITS 12
#define LOW_END 0x100000ull       /* the kernel gives no device memory below 1 MiB */
#define DEVICE_END 0x100000000ull /* nor any above 4 GiB */
#define IOAPIC_PAGE 0xfec00000ull
#define LAPIC_PAGE 0xfee00000ull

enum piece_state { PIECE_FREE, PIECE_SPLIT, PIECE_USED };

/* A block of device untyped: the kernel's own, or a half split off one. */
struct piece {
    uint64_t paddr, slot;
    uint8_t bits;
    uint8_t state; /* enum piece_state: FREE untouched, SPLIT into halves, USED retyped into frames */
};

static struct piece pieces[DEVMEM_MAX_PIECES];
static unsigned npieces;
static struct {
    uint64_t paddr, slot;
} frames[DEVMEM_MAX_FRAMES];
static unsigned nframes, frame_hint;
static const struct axl_bootinfo *boot;
static uint64_t ram_end; /* the end of the highest RAM untyped */

void devmem_init(const struct axl_bootinfo *bi)
{
    boot = bi;
    for (uint64_t i = 0; i < bi->untyped_count && i < AXL_BOOT_MAX_UNTYPED; i++) {
        const struct axl_boot_untyped *u = &bi->untyped[i];
        uint64_t end = u->paddr + (1ull << u->size_bits);
        if (!u->device) {
            ram_end = end > ram_end ? end : ram_end;
        } else if (npieces < DEVMEM_MAX_PIECES && u->size_bits >= PAGE_BITS) {
            pieces[npieces++] = (struct piece){.paddr = u->paddr, .slot = bi->untyped_first + i,
                                               .bits = u->size_bits, .state = PIECE_FREE};
        }
    }
}

static bool piece_holds(const struct piece *pc, uint64_t pa)
{
    return pa >= pc->paddr && pa - pc->paddr < (1ull << pc->bits);
}

/* Whether the kernel gave pa (a page) as device untyped. */
static bool is_device(uint64_t pa)
{
    for (uint64_t i = 0; i < boot->untyped_count && i < AXL_BOOT_MAX_UNTYPED; i++) {
        const struct axl_boot_untyped *u = &boot->untyped[i];
        if (u->device && pa >= u->paddr && pa - u->paddr < (1ull << u->size_bits)) {
            return true;
        }
    }
    return false;
}

/* What pa is, for the message that refuses it. */
static const char *not_device_because(uint64_t pa)
{
    if (pa >= DEVICE_END) {
        return "above 4 GiB, where the supervisor holds no device memory";
    }
    if (pa == IOAPIC_PAGE) {
        return "the I/O APIC, which the kernel keeps";
    }
    if (pa == LAPIC_PAGE) {
        return "the local APIC, which the kernel keeps";
    }
    if (pa < ram_end || pa < LOW_END) {
        return "RAM, not device memory";
    }
    return "not device memory the supervisor holds";
}

/* The kept frame at pa, or 0. Requests are in ascending order: look after the last hit first. */
static uint64_t find_frame(uint64_t pa)
{
    for (unsigned k = 0; k < nframes; k++) {
        unsigned i = (frame_hint + k) % nframes;
        if (frames[i].paddr == pa) {
            frame_hint = i + 1;
            return frames[i].slot;
        }
    }
    return 0;
}

/* Retypes one frame from piece pc (at its next free address, which must be pa) and keeps it. */
static long make_frame(struct piece *pc, uint64_t pa, char *why, size_t n)
{
    uint64_t slot, got = 0;

    if (nframes >= DEVMEM_MAX_FRAMES) {
        axl_snprintf(why, n, "more than %u pages of device memory in all", DEVMEM_MAX_FRAMES);
        return AXL_E_RANGE;
    }
    long err = mem_retype(pc->slot, AXL_OBJ_FRAME, 0, &slot);
    if (err != AXL_E_OK) {
        axl_snprintf(why, n, "retyping a frame at %#llx: %s", (unsigned long long)pa,
                     err == AXL_E_RANGE ? "the root CNode is full" : axl_strerror(err));
        return err;
    }
    if (axl_page_address(slot, &got) != AXL_E_OK || got != pa) {
        /* Cannot happen while this file is the only user of these untyped; checked all the same. */
        axl_cnode_delete(AXL_SLOT_CNODE, slot);
        slot_free(slot);
        axl_snprintf(why, n, "a frame meant for %#llx came out at %#llx", (unsigned long long)pa,
                     (unsigned long long)got);
        return AXL_E_INVALID_ARGUMENT;
    }
    frames[nframes].paddr = pa;
    frames[nframes++].slot = slot;
    pc->state = PIECE_USED;
    return AXL_E_OK;
}

/* Splits pc into two untyped halves, kept as new pieces; returns the one holding pa. */
static struct piece *split(struct piece *pc, uint64_t pa, char *why, size_t n)
{
    uint64_t lo, hi;

    if (npieces + 2 > DEVMEM_MAX_PIECES) {
        axl_snprintf(why, n, "device untyped split into more than %u pieces", DEVMEM_MAX_PIECES);
        return NULL;
    }
    unsigned bits = pc->bits - 1u;
    long err = mem_retype(pc->slot, AXL_OBJ_UNTYPED, bits, &lo);
    if (err == AXL_E_OK) {
        err = mem_retype(pc->slot, AXL_OBJ_UNTYPED, bits, &hi);
        if (err != AXL_E_OK) {
            /* The first half alone is of no use: give the block back whole. */
            axl_cnode_delete(AXL_SLOT_CNODE, lo);
            slot_free(lo);
        }
    }
    if (err != AXL_E_OK) {
        axl_snprintf(why, n, "splitting device untyped at %#llx: %s",
                     (unsigned long long)pc->paddr,
                     err == AXL_E_RANGE ? "the root CNode is full" : axl_strerror(err));
        return NULL;
    }
    pc->state = PIECE_SPLIT;
    uint64_t half = 1ull << bits, base = pc->paddr;
    pieces[npieces++] = (struct piece){.paddr = base, .slot = lo, .bits = (uint8_t)bits};
    pieces[npieces++] = (struct piece){.paddr = base + half, .slot = hi, .bits = (uint8_t)bits};
    return &pieces[npieces - (pa < base + half ? 2 : 1)];
}

/*
 * Makes the frame at pa (not made yet), part of a request for [lo, hi): splits
 * down to it, or retypes a whole block into frames when the request covers it.
 */
static long obtain(uint64_t pa, uint64_t lo, uint64_t hi, char *why, size_t n)
{
    struct piece *pc = NULL;

    for (unsigned i = 0; i < npieces && !pc; i++) {
        if (pieces[i].state == PIECE_FREE && piece_holds(&pieces[i], pa)) {
            pc = &pieces[i];
        }
    }
    if (!pc) {
        axl_snprintf(why, n, "no device untyped left at %#llx", (unsigned long long)pa);
        return AXL_E_NOT_ENOUGH_MEMORY;
    }
    while (pc->bits > PAGE_BITS) {
        uint64_t size = 1ull << pc->bits;
        if (pc->paddr >= lo && hi - pc->paddr >= size) {
            /* All of it is wanted: frames in address order, as retype places them. */
            uint64_t base = pc->paddr;
            for (uint64_t a = base; a < base + size; a += PAGE) {
                long err = make_frame(pc, a, why, n);
                if (err != AXL_E_OK) {
                    return err; /* the ones made are kept; the block stays USED */
                }
            }
            return AXL_E_OK;
        }
        pc = split(pc, pa, why, n);
        if (!pc) {
            return AXL_E_RANGE;
        }
    }
    return make_frame(pc, pa, why, n);
}

long devmem_map(struct proc *p, uint64_t base, uint64_t size, uint64_t vaddr, uint64_t *next,
                char *why, size_t n)
{
    uint64_t pages = size / PAGE;

    for (uint64_t a = base; a < base + size; a += PAGE) {
        if (!is_device(a)) {
            axl_snprintf(why, n, "%#llx is %s", (unsigned long long)a, not_device_because(a));
            return AXL_E_INVALID_ARGUMENT;
        }
    }
    if (*next + pages > (1ull << AXL_PROC_CNODE_RADIX)) {
        axl_snprintf(why, n, "%llu pages do not fit the process's CNode",
                     (unsigned long long)pages);
        return AXL_E_RANGE;
    }
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t pa = base + i * PAGE, frame = find_frame(pa), copy;
        if (!frame) {
            long err = obtain(pa, base, base + size, why, n);
            if (err != AXL_E_OK) {
                return err;
            }
            frame = find_frame(pa);
        }
        if (!(copy = slot_alloc())) {
            axl_snprintf(why, n, "the root CNode is full");
            return AXL_E_RANGE;
        }
        long err = axl_cnode_copy(AXL_SLOT_CNODE, copy, AXL_SLOT_CNODE, frame,
                                  AXL_RIGHT_READ | AXL_RIGHT_WRITE);
        if (err == AXL_E_OK) {
            unsigned before = p->list.count;
            err = mem_map(p->pml4, vaddr + i * PAGE, copy, AXL_RIGHT_READ | AXL_RIGHT_WRITE,
                          AXL_MAP_UNCACHED, p->region, &p->list);
            p->table_pages += p->list.count - before;
        }
        if (err == AXL_E_OK) {
            /* The process holds its frames (still mapped): no root slot per page and instance. */
            err = axl_cnode_move(p->cnode, *next, AXL_SLOT_CNODE, copy);
        }
        if (err != AXL_E_OK) {
            axl_cnode_delete(AXL_SLOT_CNODE, copy);
            slot_free(copy);
            axl_snprintf(why, n, "mapping %#llx: %s", (unsigned long long)pa, axl_strerror(err));
            return err;
        }
        slot_free(copy);
        (*next)++;
    }
    return AXL_E_OK;
}

/* --- PCI functions --- */

static uint32_t cfg_read(void *ctx, unsigned off) { return ((volatile uint32_t *)ctx)[off / 4]; }
static void cfg_write(void *ctx, unsigned off, uint32_t v) { ((volatile uint32_t *)ctx)[off / 4] = v; }

static struct {
    bool probed;
    struct pci_function fn;
} functions[MF_MAX_DEVICES];

long devmem_pci(const struct mf_device *dev, unsigned index, const struct pci_function **out,
                char *why, size_t n)
{
    const struct mf_pci *f = &dev->pci;
    uint64_t pa = pci_config_address(PCI_ECAM_BASE, f->bus, f->dev, f->fn), frame = find_frame(pa);
    long err = AXL_E_OK;

    if (index >= MF_MAX_DEVICES) {
        return AXL_E_RANGE;
    }
    if (!frame && (err = obtain(pa, pa, pa + PAGE, why, n)) == AXL_E_OK) {
        frame = find_frame(pa);
    }
    if (err != AXL_E_OK) {
        return err;
    }
    void *page = peek_map_device(frame);
    if (!page) {
        axl_snprintf(why, n, "cannot map its configuration page at %#llx", (unsigned long long)pa);
        return AXL_E_MAPPING;
    }
    const struct pci_config cfg = {cfg_read, cfg_write, page};
    struct pci_function *fn = &functions[index].fn;
    unsigned bad = 0;
    err = AXL_E_INVALID_ARGUMENT;
    if (!functions[index].probed) {
        switch (pci_probe(&cfg, fn, &bad)) {
        case PCI_OK:
            functions[index].probed = true;
            err = AXL_E_OK;
            break;
        case PCI_NO_FUNCTION:
            axl_snprintf(why, n, "no PCI function at %02x:%02x.%x (vendor 0xffff)", f->bus,
                         f->dev, f->fn);
            break;
        case PCI_NOT_ENDPOINT:
            axl_snprintf(why, n, "%02x:%02x.%x has header type %u: only endpoints (type 0) are "
                         "granted", f->bus, f->dev, f->fn, fn->header_type);
            break;
        case PCI_BAD_BAR:
            axl_snprintf(why, n, "%02x:%02x.%x: BAR %u has a reserved or impossible type", f->bus,
                         f->dev, f->fn, bad);
            break;
        }
    } else if (cfg_read(page, PCI_VENDOR) != ((uint32_t)fn->device << 16 | fn->vendor)) {
        axl_snprintf(why, n, "%02x:%02x.%x no longer answers as %04x:%04x", f->bus, f->dev, f->fn,
                     fn->vendor, fn->device);
    } else {
        uint64_t base[PCI_BARS];
        pci_read_bases(&cfg, fn, base);
        err = AXL_E_OK;
        for (unsigned i = 0; i < PCI_BARS && err == AXL_E_OK; i++) {
            if (base[i] != fn->bar[i].base) {
                axl_snprintf(why, n, "%02x:%02x.%x: BAR %u moved from %#llx to %#llx since it "
                             "was sized", f->bus, f->dev, f->fn, i,
                             (unsigned long long)fn->bar[i].base, (unsigned long long)base[i]);
                err = AXL_E_INVALID_ARGUMENT;
            }
        }
    }
    peek_unmap_device();
    *out = fn;
    return err;
}
