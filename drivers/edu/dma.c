/* SPDX-License-Identifier: MIT */
/*
 * dma.c: the driver's DMA buffer: one page of its own memory (retyped from
 * its heap quota), mapped at DMA_VADDR for the CPU and at DMA_IOVA in the
 * device's IO space (docs/iommu.md), and the address the device is given
 * for it.
 */
#include <axl/axl.h>
#include <axl/name.h>
#include <axl/rpc.h>
#include <axl/proc.h>

#include "edu.h"

/* Where the buffer is mapped: 3 GiB, above the stack and IPC buffer, below the heap. */
#define DMA_VADDR 0xc0000000ull
/* Where the device sees it: an IO address of the driver's choosing, unrelated to the buffer's
 * physical address (so a log line tells which of the two the device was given). */
#define DMA_IOVA 0x10000000ull

/* A new object of type from the heap quota, in a free slot of the process's CNode. */
long edu_retype(unsigned type, uint64_t *slot)
{
    *slot = axl_slot_alloc();
    if (!*slot) {
        return AXL_E_RANGE;
    }
    return axl_untyped_retype(AXL_PROC_SLOT_HEAP_UNTYPED, type, 0, AXL_PROC_SLOT_CNODE, *slot, 1);
}

/*
 * Maps frame at va, adding the paging structures it lacks from the quota.
 * PAGE_MAP and TABLE_MAP say AXL_E_MAPPING when a level above is missing
 * (or the place is taken), so the lowest level that goes in is installed,
 * bottom-up, and the page is tried again; a table that did not go in is kept
 * for the next round rather than made twice.
 */
static long map(uint64_t frame, uint64_t va)
{
    static const unsigned levels[] = {AXL_OBJ_PAGE_TABLE, AXL_OBJ_PAGE_DIRECTORY, AXL_OBJ_PDPT};
    uint64_t spare[3] = {0};
    long err = axl_page_map(frame, AXL_PROC_SLOT_VSPACE, va, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0);

    for (unsigned round = 0; err == AXL_E_MAPPING && round < 3; round++) {
        for (unsigned l = 0; l < 3; l++) {
            if (!spare[l] && (err = edu_retype(levels[l], &spare[l])) != AXL_E_OK) {
                return err;
            }
            err = axl_table_map(spare[l], AXL_PROC_SLOT_VSPACE, va);
            if (err == AXL_E_OK) {
                spare[l] = 0;
                break;
            }
            if (err != AXL_E_MAPPING) {
                return err;
            }
        }
        if (err == AXL_E_OK) {
            err = axl_page_map(frame, AXL_PROC_SLOT_VSPACE, va, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0);
        }
    }
    return err;
}

long edu_dma_setup(struct edu *e)
{
    uint64_t frame;
    long err = edu_retype(AXL_OBJ_FRAME, &frame);

    if (err == AXL_E_OK) {
        err = map(frame, DMA_VADDR);
    }
    if (err == AXL_E_OK) {
        err = axl_page_address(frame, &e->dma_phys);
    }
    if (err != AXL_E_OK) {
        axl_printf("edu: cannot make its DMA buffer: %s\n", axl_strerror(err));
        return err;
    }
    e->dma_frame = frame;
    e->dma = (uint8_t *)DMA_VADDR;
    memset(e->dma, EDU_CANARY, EDU_BUFFER_SIZE);
    return AXL_E_OK;
}

/* The IO space the supervisor gave for this function ("pci:BB:DD.F iospace"), or 0. */
static uint64_t find_iospace(const struct edu *e)
{
    char want[AXL_PROC_NAME_MAX];
    axl_snprintf(want, sizeof(want), "pci:%s iospace", e->dev.bdf);
    const struct axl_proc_cap *c = axl_proc_cap(want);
    return c && c->kind == AXL_PROC_CAP_IOSPACE ? c->cptr : 0;
}

/*
 * Maps frame at iova in the IO space, with the IO page tables it lacks
 * from the quota: IO_PAGE_MAP says AXL_E_MAPPING while a level is missing,
 * and IO_TABLE_MAP installs a table at the first missing level (the root
 * first), so at most three tables go in before the page does.
 */
static long io_map(uint64_t ios, uint64_t frame, uint64_t iova)
{
    const unsigned rw = AXL_RIGHT_READ | AXL_RIGHT_WRITE;
    long err = axl_io_page_map(frame, ios, iova, rw);

    for (unsigned round = 0; err == AXL_E_MAPPING && round < 3; round++) {
        uint64_t table;
        err = edu_retype(AXL_OBJ_IO_PAGE_TABLE, &table);
        if (err == AXL_E_OK) {
            err = axl_io_table_map(table, ios, iova, NULL);
        }
        if (err == AXL_E_OK) {
            err = axl_io_page_map(frame, ios, iova, rw);
        }
    }
    return err;
}

long edu_dma_map(struct edu *e)
{
    unsigned changed = 0;

    for (unsigned i = 0; i < EDU_BUFFER_SIZE; i++) {
        changed += e->dma[i] != EDU_CANARY;
    }
    if (e->inherited) {
        /* The previous instance died with a transfer running, and edu_init waited for its
         * end before anything of this instance was mapped: wherever it was aimed, it could
         * reach only what the IO space held then, and that was nothing. */
        axl_printf("edu: a transfer of the previous instance was still running; it ended %llu ms "
                   "into this start, before this instance mapped anything\n",
                   (unsigned long long)(e->inherited_us / 1000));
        axl_printf("edu: the new DMA buffer, at physical %#llx: %s\n",
                   (unsigned long long)e->dma_phys, changed ? "CHANGED by it" : "unchanged");
    }
    if (changed) {
        axl_printf("edu: %u bytes of the DMA buffer changed before the device was given it\n",
                   changed);
        return AXL_S_IO_ERROR;
    }
    e->iospace = e->physical ? 0 : find_iospace(e);
    e->dma_iova = e->dma_phys;
    if (!e->iospace) {
        return AXL_E_OK; /* DMA remapping off, or args dma=physical: the device gets physical */
    }
    /* A capability records one mapping: the IO mapping is made through a copy of the frame's. */
    uint64_t copy = axl_slot_alloc();
    long err = copy ? axl_cnode_copy(AXL_PROC_SLOT_CNODE, copy, AXL_PROC_SLOT_CNODE, e->dma_frame,
                                     AXL_RIGHT_READ | AXL_RIGHT_WRITE)
                    : AXL_E_RANGE;
    if (err == AXL_E_OK) {
        err = io_map(e->iospace, copy, DMA_IOVA);
    }
    if (err != AXL_E_OK) {
        axl_printf("edu: cannot map its DMA buffer at IO address %#llx: %s\n",
                   (unsigned long long)DMA_IOVA, axl_strerror(err));
        return err;
    }
    e->dma_iova = DMA_IOVA;
    return AXL_E_OK;
}
