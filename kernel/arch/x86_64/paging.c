/* SPDX-License-Identifier: MIT */
/*
 * paging.c: the kernel's own page tables.
 *
 * Replaces the 2 MiB boot mapping (boot32.S) with one that enforces the
 * image's section rights (text read+execute, rodata read-only, data and
 * bss no-execute), leaves each kernel stack's guard page unmapped, keeps
 * a direct map of all physical memory, and drops the identity map so a
 * kernel NULL dereference faults. 4-level paging, Intel SDM Vol. 3A §4.5.
 */
#include <arch.h>
#include <arch/cpu.h>
#include <arch/x86.h>
#include <kstring.h>
#include <panic.h>
#include <pmm.h>
#include <boot.h>

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define GIB (1ull << 30)
#define MIB2 (1ull << 21)

extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _data_end[], _ksyms_start[], _kernel_end[];

static struct pmm *pt_pmm;
uint64_t *kernel_pml4; /* the kernel's own space; its upper half is in every PML4 */
uint64_t nx_bit; /* PTE_NX when EFER.NXE is on, else 0 (NX would be reserved) */

static uint64_t *pt_alloc(void)
{
    paddr_t pa = pmm_alloc(pt_pmm);

    if (pa == PMM_NONE) {
        kpanic(AXL_PANIC_OUT_OF_MEMORY, "no frame left for a kernel page table");
    }
    uint64_t *t = phys_to_virt(pa);
    memset(t, 0, PAGE_SIZE);
    return t;
}

static uint64_t virt_to_phys_table(const uint64_t *t)
{
    return (uint64_t)(uintptr_t)t - KERNEL_DIRECT_MAP;
}

/* Returns the table that entry idx of t points to, creating it if needed. */
static uint64_t *pt_next(uint64_t *t, unsigned idx)
{
    if (!(t[idx] & PTE_P)) {
        t[idx] = virt_to_phys_table(pt_alloc()) | PTE_P | PTE_W;
    }
    return phys_to_virt(t[idx] & PTE_ADDR);
}

static unsigned pt_index(vaddr_t va, unsigned level) { return (va >> (12 + 9 * level)) & 511; }

static void map_4k(uint64_t *pml4, vaddr_t va, paddr_t pa, uint64_t flags)
{
    uint64_t *pdpt = pt_next(pml4, pt_index(va, 3));
    uint64_t *pd = pt_next(pdpt, pt_index(va, 2));
    uint64_t *pt = pt_next(pd, pt_index(va, 1));
    pt[pt_index(va, 0)] = pa | flags | PTE_P;
}

static void map_2m(uint64_t *pml4, vaddr_t va, paddr_t pa, uint64_t flags)
{
    uint64_t *pdpt = pt_next(pml4, pt_index(va, 3));
    uint64_t *pd = pt_next(pdpt, pt_index(va, 2));
    pd[pt_index(va, 1)] = pa | flags | PTE_P | PTE_PS;
}

static bool is_guard(vaddr_t va, const vaddr_t *guards, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (va == guards[i]) {
            return true;
        }
    }
    return false;
}

static void map_kernel_range(uint64_t *pml4, char *start, char *end, uint64_t flags)
{
    vaddr_t guards[8];
    size_t nguards = arch_guard_pages(guards, ARRAY_SIZE(guards));

    for (vaddr_t va = (vaddr_t)start; va < (vaddr_t)end; va += PAGE_SIZE) {
        if (!is_guard(va, guards, nguards)) {
            map_4k(pml4, va, va - KERNEL_VMA, flags);
        }
    }
}

void arch_paging_init(struct pmm *p, const struct boot_info *bi)
{
    pt_pmm = p;
    nx_bit = (rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX : 0;
    uint64_t *pml4 = pt_alloc();

    map_kernel_range(pml4, _text_start, _text_end, 0);
    map_kernel_range(pml4, _rodata_start, _rodata_end, nx_bit);
    map_kernel_range(pml4, _data_start, _data_end, PTE_W | nx_bit);
    map_kernel_range(pml4, _ksyms_start, _kernel_end, nx_bit);

    /* Direct map: all RAM, and at least the low 4 GiB where devices live. */
    uint64_t top = align_up(max_u64(bi->mem_top, BOOT_DIRECT_MAP_SIZE), GIB);
    for (paddr_t pa = 0; pa < top; pa += MIB2) {
        map_2m(pml4, KERNEL_DIRECT_MAP + pa, pa, PTE_W | nx_bit);
    }
    write_cr3(virt_to_phys_table(pml4));
    kernel_pml4 = pml4;
}
