/* SPDX-License-Identifier: MIT */
/*
 * mem.c: root-CNode slots (a bitmap), untyped memory (the boot info's RAM
 * regions, tried in turn), and mapping with page tables made on demand.
 */
#include "mem.h"

#define SLOTS (1u << AXL_ROOT_CNODE_RADIX)

static uint64_t used[SLOTS / 64]; /* bit set: the slot holds a capability (or is reserved) */
static const struct axl_bootinfo *boot;
static uint64_t root_tables_ut; /* untyped the root task's own page tables come from */
static struct slot_list root_list;
static uint64_t root_list_slots[64];

static bool is_used(uint64_t s) { return used[s / 64] >> (s % 64) & 1; }
static void set_used(uint64_t s, bool on)
{
    if (on) {
        used[s / 64] |= 1ull << (s % 64);
    } else {
        used[s / 64] &= ~(1ull << (s % 64));
    }
}

uint64_t slot_alloc(void)
{
    for (uint64_t s = AXL_SLOT_FIRST_FREE; s < SLOTS; s++) {
        if (!is_used(s)) {
            set_used(s, true);
            return s;
        }
    }
    return 0;
}

void slot_free(uint64_t slot)
{
    if (slot >= AXL_SLOT_FIRST_FREE && slot < SLOTS) {
        set_used(slot, false);
    }
}

unsigned slots_used(void)
{
    unsigned n = 0;
    for (uint64_t s = 0; s < SLOTS; s++) {
        n += is_used(s);
    }
    return n;
}

void mem_init(const struct axl_bootinfo *bi)
{
    boot = bi;
    for (uint64_t s = 0; s < bi->first_free && s < SLOTS; s++) {
        set_used(s, true); /* the kernel's: fixed slots, modules, untyped */
    }
    root_list = (struct slot_list){.slots = root_list_slots, .max = 64};
    if (mem_untyped(16, &root_tables_ut) != AXL_E_OK) {
        root_tables_ut = 0; /* then mapping a module fails, with an error that says so */
    }
}

long mem_untyped(unsigned bits, uint64_t *slot)
{
    long err = AXL_E_NOT_ENOUGH_MEMORY;

    *slot = slot_alloc();
    if (!*slot) {
        return AXL_E_RANGE;
    }
    for (uint64_t i = 0; i < boot->untyped_count && i < AXL_BOOT_MAX_UNTYPED; i++) {
        const struct axl_boot_untyped *u = &boot->untyped[i];
        if (u->device || u->size_bits < bits) {
            continue;
        }
        err = axl_untyped_retype(boot->untyped_first + i, AXL_OBJ_UNTYPED, bits, AXL_SLOT_CNODE,
                                 *slot, 1);
        if (err == AXL_E_OK) {
            return AXL_E_OK;
        }
    }
    slot_free(*slot);
    *slot = 0;
    return err;
}

uint64_t mem_free_bytes(void)
{
    uint64_t free = 0;

    for (uint64_t i = 0; i < boot->untyped_count && i < AXL_BOOT_MAX_UNTYPED; i++) {
        struct axl_cap_info ci;
        if (boot->untyped[i].device ||
            axl_cnode_inspect(AXL_SLOT_CNODE, boot->untyped_first + i, &ci) != AXL_E_OK ||
            ci.type != AXL_OBJ_UNTYPED) {
            continue;
        }
        free += (1ull << ci.size_bits) - ci.badge; /* an untyped's word: bytes used */
    }
    return free;
}

long mem_retype(uint64_t ut, unsigned type, unsigned size_bits, uint64_t *slot)
{
    *slot = slot_alloc();
    if (!*slot) {
        return AXL_E_RANGE;
    }
    long err = axl_untyped_retype(ut, type, size_bits, AXL_SLOT_CNODE, *slot, 1);
    if (err != AXL_E_OK) {
        slot_free(*slot);
        *slot = 0;
    }
    return err;
}

long mem_retype_into(struct slot_list *list, uint64_t ut, unsigned type, unsigned size_bits,
                     uint64_t *slot)
{
    *slot = 0;
    if (list->count >= list->max) {
        return AXL_E_RANGE;
    }
    long err = mem_retype(ut, type, size_bits, slot);
    if (err == AXL_E_OK) {
        list->slots[list->count++] = *slot;
    }
    return err;
}

long mem_map(uint64_t pml4, uint64_t vaddr, uint64_t frame, unsigned rights, unsigned attrs,
             uint64_t ut, struct slot_list *list)
{
    static const unsigned types[] = {AXL_OBJ_PAGE_TABLE, AXL_OBJ_PAGE_DIRECTORY, AXL_OBJ_PDPT};
    uint64_t tables[3] = {0};
    long err = axl_page_map(frame, pml4, vaddr, rights, attrs);

    /*
     * MAPPING means a table on the way is missing (the loader never maps one
     * address twice). Install the page table; if its directory is missing
     * too, go one level up, and come back down once a level went in.
     */
    for (int level = 0; err == AXL_E_MAPPING;) {
        if (!tables[level]) {
            long e = mem_retype_into(list, ut, types[level], 0, &tables[level]);
            if (e != AXL_E_OK) {
                return e;
            }
        }
        long e = axl_table_map(tables[level], pml4, vaddr);
        if (e == AXL_E_OK) {
            if (level == 0) {
                err = axl_page_map(frame, pml4, vaddr, rights, attrs);
            } else {
                level--;
            }
        } else if (e == AXL_E_MAPPING && level < 2) {
            level++;
        } else {
            return e;
        }
    }
    return err;
}

void *scratch_map(uint64_t frame)
{
    long err = mem_map(AXL_SLOT_VSPACE, ROOT_SCRATCH, frame, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0,
                       root_tables_ut, &root_list);
    return err == AXL_E_OK ? (void *)ROOT_SCRATCH : NULL;
}

void scratch_unmap(uint64_t frame) { axl_page_unmap(frame); }

/* Used by main.c through mem_map with the root task's own table untyped. */
long root_map(uint64_t vaddr, uint64_t frame, unsigned rights)
{
    return mem_map(AXL_SLOT_VSPACE, vaddr, frame, rights, 0, root_tables_ut, &root_list);
}

/*
 * A frame already mapped in a process cannot be mapped again through the
 * same capability (each frame capability maps once): the supervisor looks at
 * such frames (info pages, status words, text to mutate) through a copy.
 * Device memory (a PCI function's configuration page) gets its own window,
 * mapped uncached, so that one of each can be mapped at a time.
 */
struct peek {
    uint64_t slot, vaddr;
    unsigned attrs;
};
static struct peek ram_peek = {.vaddr = ROOT_SCRATCH + 4096};
static struct peek device_peek = {.vaddr = ROOT_SCRATCH + 2 * 4096, .attrs = AXL_MAP_UNCACHED};

static void *peek_at(struct peek *pk, uint64_t frame)
{
    if (!pk->slot && !(pk->slot = slot_alloc())) {
        return NULL;
    }
    if (axl_cnode_copy(AXL_SLOT_CNODE, pk->slot, AXL_SLOT_CNODE, frame, AXL_RIGHTS_ALL) !=
        AXL_E_OK) {
        return NULL;
    }
    long err = mem_map(AXL_SLOT_VSPACE, pk->vaddr, pk->slot, AXL_RIGHT_READ | AXL_RIGHT_WRITE,
                       pk->attrs, root_tables_ut, &root_list);
    if (err != AXL_E_OK) {
        axl_cnode_delete(AXL_SLOT_CNODE, pk->slot);
        return NULL;
    }
    return (void *)pk->vaddr;
}

static void unpeek(struct peek *pk)
{
    axl_page_unmap(pk->slot);
    axl_cnode_delete(AXL_SLOT_CNODE, pk->slot);
}

void *peek_map(uint64_t frame) { return peek_at(&ram_peek, frame); }
void peek_unmap(void) { unpeek(&ram_peek); }
void *peek_map_device(uint64_t frame) { return peek_at(&device_peek, frame); }
void peek_unmap_device(void) { unpeek(&device_peek); }
