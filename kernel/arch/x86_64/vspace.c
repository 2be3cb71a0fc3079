/* SPDX-License-Identifier: MIT */
/*
 * vspace.c: user address spaces: PML4 objects, mapping page tables and
 * frames into them, and unmapping (4-level paging, SDM Vol. 3A §4.5).
 *
 * As in seL4, the page-table objects are created by user space from its
 * untyped memory and mapped explicitly, level by level; the kernel never
 * allocates a table behind a thread's back. Each frame or table
 * capability records where it is mapped in its word:
 *
 *   bit 63 mapped | bits 59-62 ASID generation | bits 47-58 ASID | bits 0-46 address
 *
 * An address space is named by an ASID, an index into asid_table, rather
 * than by a pointer, so a capability that outlives its PML4 cannot reach
 * freed memory: the ASID's entry is cleared when the PML4 goes, and the
 * generation tells a reused ASID from the one recorded. Unmapping looks
 * the entry up again and removes it only if it still points at this
 * frame or table. An unmapped table is cleared, so what it mapped is gone.
 */
#include <arch.h>
#include <arch/x86.h>
#include <ipc.h>
#include <klog.h>
#include <kstring.h>
#include <uapi/axl/invocations.h>

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

#define ASID_COUNT 4096
#define MAP_MAPPED (1ull << 63)
#define MAP_VA_MASK ((1ull << 47) - 1)

extern uint64_t *kernel_pml4;
extern uint64_t nx_bit;

static struct {
    uint64_t *pml4;
    uint8_t gen;
} asids[ASID_COUNT]; /* ASID 0 is never used */
static unsigned asid_hint = 1, asids_used;

static paddr_t virt_to_phys(const void *p) { return (paddr_t)(uintptr_t)p - KERNEL_DIRECT_MAP; }
static uint64_t *table_of(uint64_t e) { return phys_to_virt(e & PTE_ADDR); }
static unsigned idx(uint64_t va, unsigned level) { return (va >> (12 + 9 * level)) & 511; }

static uint64_t map_word(unsigned asid, uint64_t va)
{
    return MAP_MAPPED | (uint64_t)(asids[asid].gen & 15) << 59 | (uint64_t)asid << 47 | va;
}
static unsigned word_asid(uint64_t w) { return (w >> 47) & (ASID_COUNT - 1); }
static uint64_t word_va(uint64_t w) { return w & MAP_VA_MASK; }

/* The PML4 a mapping record refers to, or NULL if that address space is gone. */
static uint64_t *word_pml4(uint64_t w)
{
    unsigned a = word_asid(w);
    if (!(w & MAP_MAPPED) || !asids[a].pml4 || ((w >> 59) & 15) != (asids[a].gen & 15u)) {
        return NULL;
    }
    return asids[a].pml4;
}

/* The entry for va at level (0 PTE, 1 PDE, 2 PDPTE, 3 PML4E), or NULL if a table above is missing. */
static uint64_t *entry_at(uint64_t *pml4, uint64_t va, unsigned level)
{
    uint64_t *t = pml4;
    for (unsigned l = 3; l > level; l--) {
        uint64_t e = t[idx(va, l)];
        if (!(e & PTE_P) || (e & PTE_PS)) {
            return NULL;
        }
        t = table_of(e);
    }
    return &t[idx(va, level)];
}

paddr_t arch_kernel_pml4_phys(void) { return virt_to_phys(kernel_pml4); }

static bool is_current(const uint64_t *pml4) { return (read_cr3() & PTE_ADDR) == virt_to_phys(pml4); }

static void flush_page(const uint64_t *pml4, uint64_t va)
{
    if (is_current(pml4)) {
        invlpg(va);
    }
}

static void flush_all(const uint64_t *pml4)
{
    if (is_current(pml4)) {
        write_cr3(read_cr3());
    }
}

uint64_t arch_asids_free(void) { return ASID_COUNT - 1 - asids_used; }

void arch_vspace_init(struct cap *cap)
{
    uint64_t *pml4 = cap->obj;
    unsigned a = asid_hint;

    while (asids[a].pml4 || a == 0) { /* object_can_create checked one is free */
        a = (a + 1) % ASID_COUNT;
    }
    asid_hint = (a + 1) % ASID_COUNT; /* round robin: an ASID is reused as late as possible */
    asids[a].pml4 = pml4;
    asids[a].gen++;
    asids_used++;
    memcpy(pml4 + 256, kernel_pml4 + 256, 256 * sizeof(uint64_t));
    cap->word = a;
}

void arch_vspace_destroy(const struct cap *cap)
{
    unsigned a = (unsigned)cap->word;

    if (a < ASID_COUNT && asids[a].pml4 == cap->obj) {
        if (is_current(cap->obj)) {
            write_cr3(virt_to_phys(kernel_pml4)); /* never run on a page table that is gone */
        }
        asids[a].pml4 = NULL;
        asids_used--;
    }
}

void arch_switch_space(const struct tcb *t)
{
    const uint64_t *pml4 = (t && !cte_empty(&t->vspace)) ? t->vspace.cap.obj : kernel_pml4;
    if (!is_current(pml4)) {
        write_cr3(virt_to_phys(pml4));
    }
}

/* The level of the entry a frame or table capability fills. */
static unsigned cap_level(unsigned type)
{
    switch (type) {
    case AXL_OBJ_FRAME:
        return 0;
    case AXL_OBJ_LARGE_FRAME:
    case AXL_OBJ_PAGE_TABLE:
        return 1;
    case AXL_OBJ_PAGE_DIRECTORY:
        return 2;
    default: /* PDPT */
        return 3;
    }
}

static bool is_frame(unsigned type) { return type == AXL_OBJ_FRAME || type == AXL_OBJ_LARGE_FRAME; }

void arch_cap_unmap(const struct cap *cap)
{
    if (cap->flags & CAP_IOMAP) {
        arch_io_cap_unmap(cap); /* its word is an IO mapping, not a CPU one */
        return;
    }
    if (!(cap->word & MAP_MAPPED)) {
        return;
    }
    uint64_t va = word_va(cap->word), phys = virt_to_phys(cap->obj);
    uint64_t *pml4 = word_pml4(cap->word);
    uint64_t *e = pml4 ? entry_at(pml4, va, cap_level(cap->type)) : NULL;
    bool frame = is_frame(cap->type);

    if (e && (*e & PTE_P) && (*e & PTE_ADDR) == phys &&
        !!(*e & PTE_PS) == (cap->type == AXL_OBJ_LARGE_FRAME) && (frame || !(*e & PTE_PS))) {
        *e = 0;
        if (frame) {
            flush_page(pml4, va);
        } else {
            flush_all(pml4);
        }
    }
    if (!frame) {
        memset(cap->obj, 0, PAGE_SIZE); /* whatever it mapped goes with it */
    }
}

/* The PML4 named by capability pointer MR<i>, or NULL with *err. */
static uint64_t *pml4_arg(unsigned i, unsigned *asid, int *err)
{
    struct cte *vs = cspace_lookup_cap(current, msg_get(current, i), AXL_OBJ_PML4, err);
    if (!vs) {
        return NULL;
    }
    unsigned a = (unsigned)vs->cap.word;
    if (a >= ASID_COUNT || asids[a].pml4 != vs->cap.obj) {
        *err = AXL_E_INVALID_CAPABILITY;
        return NULL;
    }
    *asid = a;
    return vs->cap.obj;
}

static int page_map(struct cte *slot)
{
    struct cap *cap = &slot->cap;
    uint64_t size = cap->type == AXL_OBJ_LARGE_FRAME ? 1ull << 21 : PAGE_SIZE;
    uint64_t va = msg_get(current, 1), rights = msg_get(current, 2), attr = msg_get(current, 3);
    unsigned asid = 0;
    int err = AXL_E_OK;
    uint64_t *pml4 = pml4_arg(0, &asid, &err);

    if (!pml4) {
        return err;
    }
    if (va % size) {
        return AXL_E_ALIGNMENT;
    }
    if (va >= AXL_USER_TOP || size > AXL_USER_TOP - va) {
        return AXL_E_RANGE;
    }
    if ((rights & ~(uint64_t)(AXL_RIGHT_READ | AXL_RIGHT_WRITE)) ||
        (attr & ~(uint64_t)(AXL_MAP_EXECUTE | AXL_MAP_UNCACHED))) {
        return AXL_E_INVALID_ARGUMENT;
    }
    if (!(rights & AXL_RIGHT_READ) || (rights & ~(uint64_t)cap->rights)) {
        return AXL_E_INSUFFICIENT_RIGHTS; /* x86 has no write-only pages; no rights beyond the cap's */
    }
    if (cap->flags & CAP_IOMAP) {
        return AXL_E_ILLEGAL_OPERATION; /* mapped in an IO space: another capability is needed */
    }
    uint64_t phys = virt_to_phys(cap->obj);
    uint64_t pte = phys | PTE_P | PTE_U | ((rights & AXL_RIGHT_WRITE) ? PTE_W : 0) |
                   ((attr & AXL_MAP_EXECUTE) ? 0 : nx_bit) |
                   ((attr & AXL_MAP_UNCACHED) ? PTE_PCD | PTE_PWT : 0) |
                   (cap->type == AXL_OBJ_LARGE_FRAME ? PTE_PS : 0);
    uint64_t *e = entry_at(pml4, va, cap_level(cap->type));
    if (cap->word & MAP_MAPPED) {
        /* Remap: same place, new rights. Anywhere else needs another capability. */
        if (word_pml4(cap->word) != pml4 || word_va(cap->word) != va || !e ||
            (*e & PTE_ADDR) != phys) {
            return AXL_E_ILLEGAL_OPERATION;
        }
        *e = pte;
        flush_page(pml4, va);
        return AXL_E_OK;
    }
    if (!e || (*e & PTE_P)) {
        return AXL_E_MAPPING;
    }
    *e = pte;
    cap->word = map_word(asid, va);
    return AXL_E_OK;
}

int arch_page_invoke(struct cte *slot, uint64_t label)
{
    switch (label) {
    case AXL_INV_PAGE_MAP:
        return page_map(slot);
    case AXL_INV_PAGE_UNMAP:
        if (slot->cap.flags & CAP_IOMAP) {
            return AXL_E_OK; /* not mapped in an address space (IO_PAGE_UNMAP is) */
        }
        arch_cap_unmap(&slot->cap);
        slot->cap.word = 0;
        return AXL_E_OK;
    case AXL_INV_IO_PAGE_MAP:
    case AXL_INV_IO_PAGE_UNMAP:
        return arch_io_page_invoke(slot, label);
    case AXL_INV_PAGE_ADDRESS:
        msg_set(current, 0, virt_to_phys(slot->cap.obj));
        syscall_set_msg(current, AXL_MSGINFO(0, 0, 1), 0);
        return AXL_E_OK;
    default:
        return AXL_E_ILLEGAL_OPERATION;
    }
}

static int table_map(struct cte *slot)
{
    struct cap *cap = &slot->cap;
    unsigned level = cap_level(cap->type), asid = 0;
    uint64_t span = 1ull << (12 + 9 * level); /* what the table covers: 2 MiB for a page table */
    uint64_t va = msg_get(current, 1);
    int err = AXL_E_OK;
    uint64_t *pml4 = pml4_arg(0, &asid, &err);

    if (!pml4) {
        return err;
    }
    if (cap->word & MAP_MAPPED) {
        return AXL_E_ILLEGAL_OPERATION; /* unmap it first */
    }
    if (va >= AXL_USER_TOP) {
        return AXL_E_RANGE;
    }
    va &= ~(span - 1);
    uint64_t *e = entry_at(pml4, va, level);
    if (!e || (*e & PTE_P)) {
        return AXL_E_MAPPING;
    }
    *e = virt_to_phys(cap->obj) | PTE_P | PTE_W | PTE_U; /* rights are decided at the last level */
    cap->word = map_word(asid, va);
    return AXL_E_OK;
}

int arch_table_invoke(struct cte *slot, uint64_t label)
{
    switch (label) {
    case AXL_INV_TABLE_MAP:
        return table_map(slot);
    case AXL_INV_TABLE_UNMAP:
        arch_cap_unmap(&slot->cap);
        slot->cap.word = 0;
        return AXL_E_OK;
    default:
        return AXL_E_ILLEGAL_OPERATION;
    }
}

unsigned arch_vspace_check(const struct cap *cap)
{
    unsigned a = (unsigned)cap->word;
    if (a == 0 || a >= ASID_COUNT || asids[a].pml4 != cap->obj) {
        kerror("check", "a PML4 capability names ASID %u, which is not its own", a);
        return 1;
    }
    if (memcmp((const uint64_t *)cap->obj + 256, kernel_pml4 + 256, 256 * sizeof(uint64_t))) {
        kerror("check", "PML4 of ASID %u: its kernel half differs from the kernel's", a);
        return 1;
    }
    return 0;
}

/*
 * Maps one page into the root task's space at boot, making the tables it
 * needs with alloc (the kernel's own frames, never handed out).
 */
void arch_boot_map(struct cap *vs, uint64_t va, paddr_t pa, bool write, bool exec,
                   paddr_t (*alloc)(void))
{
    uint64_t *t = vs->obj;
    for (unsigned l = 3; l > 0; l--) {
        uint64_t *e = &t[idx(va, l)];
        if (!(*e & PTE_P)) {
            paddr_t np = alloc();
            memset(phys_to_virt(np), 0, PAGE_SIZE);
            *e = np | PTE_P | PTE_W | PTE_U;
        }
        t = table_of(*e);
    }
    t[idx(va, 0)] = pa | PTE_P | PTE_U | (write ? PTE_W : 0) | (exec ? 0 : nx_bit);
}

/* Records in a frame capability that the boot code mapped it at va. */
void arch_boot_record_mapping(struct cap *frame, const struct cap *vs, uint64_t va)
{
    frame->word = map_word((unsigned)vs->word, va);
}
