/* SPDX-License-Identifier: MIT */
/*
 * boot_root.c: the boot protocol: builds the root task from the first
 * boot module and hands it every capability there is (docs/boot.md).
 *
 * The root task gets a CNode of 2^AXL_ROOT_CNODE_RADIX slots whose fixed
 * slots are listed in uapi/axl/ipc.h, its image loaded and mapped at the
 * ELF's addresses, a stack under AXL_ROOT_STACK_TOP with an unmapped guard
 * page below, a boot-info frame and an IPC buffer. Then every boot module
 * as frames, the crash records of earlier boots (read-only frames), all remaining free RAM as untyped memory, and the physical
 * address space that is not RAM below 4 GiB (PCI ECAM and BARs, ACPI
 * tables) as device untyped, except the pages of the interrupt
 * controllers and of the DMA remapping unit, which the kernel drives. After this the kernel allocates no
 * memory ever again: every object is made by retyping untyped memory.
 */
#include <arch.h>
#include <boot.h>
#include <clock.h>
#include <elf_image.h>
#include <ipc.h>
#include <kdriver.h>
#include <klog.h>
#include <kstring.h>
#include <pmm.h>
#include <pstore.h>
#include <uapi/axl/exit.h>
#include <uapi/axl/ipc.h>

#define LOW_MEMORY_END 0x100000ull
#define DEVICE_SPACE_END 0x100000000ull /* device untyped covers non-RAM below 4 GiB */
#define STACK_BOTTOM (AXL_ROOT_STACK_TOP - AXL_ROOT_STACK_PAGES * PAGE_SIZE)

void arch_boot_map(struct cap *vs, uint64_t va, paddr_t pa, bool write, bool exec,
                   paddr_t (*alloc)(void));
void arch_boot_record_mapping(struct cap *frame, const struct cap *vs, uint64_t va);

static struct pmm *boot_pmm;
static struct cte *cnode;           /* the root CNode's slots */
static struct axl_bootinfo *info;   /* through the direct map */
static uint64_t next_slot = AXL_SLOT_FIRST_FREE;
static unsigned dropped_untyped;

static NORETURN void refuse(const char *why)
{
    kerror("boot", "boot refused: %s", why);
    arch_exit(AXL_EXIT_BOOT_ERROR);
}

static paddr_t frame_alloc(void)
{
    paddr_t pa = pmm_alloc(boot_pmm);
    if (pa == PMM_NONE) {
        refuse("not enough memory to build the root task");
    }
    memset(phys_to_virt(pa), 0, PAGE_SIZE);
    return pa;
}

/* Puts a capability in a fixed slot as a root of the derivation tree. */
static struct cte *put_root(uint64_t slot, struct cap cap)
{
    cdt_insert(&cnode[slot], &cap, NULL);
    return &cnode[slot];
}

static struct cap frame_cap(paddr_t pa)
{
    return (struct cap){.type = AXL_OBJ_FRAME, .rights = AXL_RIGHTS_ALL, .obj = phys_to_virt(pa)};
}

/* Loads each PT_LOAD segment page by page: file bytes copied, the rest zero. */
static void load_image(const struct boot_module *m, const struct elf_image *img, struct cap *vs)
{
    const uint8_t *file = phys_to_virt(m->start);

    for (unsigned i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->seg[i];
        for (uint64_t va = align_down(s->vaddr, PAGE_SIZE); va < s->vaddr + s->memsz; va += PAGE_SIZE) {
            paddr_t pa = frame_alloc();
            uint8_t *page = phys_to_virt(pa);
            /* File bytes of this segment that land in [va, va + 4 KiB). */
            uint64_t lo = max_u64(va, s->vaddr), hi = min_u64(va + PAGE_SIZE, s->vaddr + s->filesz);
            if (lo < hi) {
                memcpy(page + (lo - va), file + s->offset + (lo - s->vaddr), hi - lo);
            }
            arch_boot_map(vs, va, pa, s->write, s->exec, frame_alloc);
        }
    }
}

static void copy_string(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    n = n < size - 1 ? n : size - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static void add_modules(const struct boot_info *bi)
{
    info->module_count = bi->nmodules < AXL_BOOT_MAX_MODULES ? bi->nmodules : AXL_BOOT_MAX_MODULES;
    for (unsigned i = 0; i < info->module_count; i++) {
        const struct boot_module *m = &bi->modules[i];
        struct axl_boot_module *d = &info->modules[i];
        uint64_t frames = (m->end - m->start + PAGE_SIZE - 1) / PAGE_SIZE;
        if (frames > (1ull << AXL_ROOT_CNODE_RADIX) - next_slot) {
            kwarn("boot", "module %u: %llu pages do not fit the root CNode; not given", i,
                  (unsigned long long)frames);
            continue;
        }
        d->first_slot = next_slot;
        d->frames = frames;
        d->size = m->end - m->start;
        copy_string(d->name, sizeof(d->name), m->name);
        copy_string(d->args, sizeof(d->args), m->args);
        for (uint64_t f = 0; f < frames; f++) {
            put_root(next_slot++, frame_cap(m->start + f * PAGE_SIZE));
        }
    }
}

/* The crash records pstore verified at boot, as read-only frames (uapi/axl/pstore.h). */
static void add_pstore(void)
{
    paddr_t base;
    uint64_t pages;

    if (!pstore_handoff(&base, &pages)) {
        return;
    }
    if (pages > (1ull << AXL_ROOT_CNODE_RADIX) - next_slot) {
        kwarn("boot", "the %llu pages of crash records do not fit the root CNode; not given",
              (unsigned long long)pages);
        return;
    }
    info->pstore_first_slot = next_slot;
    info->pstore_frames = pages;
    for (uint64_t f = 0; f < pages; f++) {
        struct cap c = frame_cap(base + f * PAGE_SIZE);
        c.rights = AXL_RIGHT_READ; /* the kernel's verdicts: nobody edits them */
        put_root(next_slot++, c);
    }
}

static void add_untyped(paddr_t base, unsigned bits, bool device)
{
    if (info->untyped_count >= AXL_BOOT_MAX_UNTYPED || next_slot >= (1ull << AXL_ROOT_CNODE_RADIX)) {
        dropped_untyped++;
        return;
    }
    struct cte *slot = &cnode[next_slot++];
    untyped_make_root(slot, phys_to_virt(base), bits, device);
    struct axl_boot_untyped *u = &info->untyped[info->untyped_count++];
    u->paddr = base;
    u->size_bits = (uint8_t)bits;
    u->device = device;
}

/* Splits [base, end) into the largest naturally aligned power-of-two blocks. */
static void add_range(paddr_t base, paddr_t end, bool device)
{
    while (end - base >= PAGE_SIZE) {
        unsigned bits = PAGE_SHIFT;
        while (bits < AXL_UNTYPED_MAX_BITS && base % (1ull << (bits + 1)) == 0 &&
               end - base >= (1ull << (bits + 1))) {
            bits++;
        }
        add_untyped(base, bits, device);
        base += 1ull << bits;
    }
}

/* Non-RAM physical space below 4 GiB, minus the interrupt controllers the kernel owns. */
static void add_device_memory(const struct boot_info *bi)
{
    struct {
        paddr_t base, end;
    } busy[BOOT_MAX_REGIONS + 3];
    unsigned n = 0;
    paddr_t iommu;

    busy[n].base = 0xfec00000; /* I/O APIC */
    busy[n++].end = 0xfec01000;
    busy[n].base = 0xfee00000; /* local APIC */
    busy[n++].end = 0xfee01000;
    if (arch_iommu_regs(&iommu)) { /* whoever holds these turns DMA protection off */
        busy[n].base = iommu;
        busy[n++].end = iommu + PAGE_SIZE;
    }
    for (unsigned i = 0; i < bi->nregions; i++) {
        const struct boot_region *r = &bi->regions[i];
        if (r->type == BOOT_MEM_AVAILABLE) {
            busy[n].base = align_down(r->base, PAGE_SIZE);
            busy[n++].end = align_up(r->base + r->len, PAGE_SIZE);
        }
    }
    paddr_t at = LOW_MEMORY_END;
    while (at < DEVICE_SPACE_END) {
        paddr_t next = DEVICE_SPACE_END; /* where the next busy range starts */
        bool moved = false;
        for (unsigned i = 0; i < n; i++) {
            if (busy[i].base <= at && busy[i].end > at) {
                at = busy[i].end; /* inside a busy range: skip past it */
                moved = true;
            } else if (busy[i].base > at && busy[i].base < next) {
                next = busy[i].base;
            }
        }
        if (moved) {
            continue;
        }
        add_range(at, next, true);
        at = next;
    }
}

static void add_free_memory(void)
{
    uint64_t from = 0, len = 0;

    for (;;) {
        uint64_t f = pmm_next_free_run(boot_pmm, from, &len);
        if (len == 0) {
            break;
        }
        add_range(f * PAGE_SIZE, (f + len) * PAGE_SIZE, false);
        from = f + len;
    }
}

NORETURN void root_task_start(const struct boot_info *bi, struct pmm *pmm)
{
    const struct boot_module *m = &bi->modules[0];
    struct elf_image img;
    char err[160];

    boot_pmm = pmm;
    if (elf_parse(phys_to_virt(m->start), m->end - m->start,
                  STACK_BOTTOM - PAGE_SIZE /* below the stack's guard page */, &img, err,
                  sizeof(err)) != 0) {
        kerror("boot", "root task '%s': %s", m->name, err);
        refuse("the first boot module is not a usable root task");
    }

    uint64_t cnode_pages = (1ull << (AXL_ROOT_CNODE_RADIX + AXL_CNODE_SLOT_BITS)) / PAGE_SIZE;
    paddr_t cn = pmm_alloc_contig(pmm, cnode_pages, cnode_pages);
    if (cn == PMM_NONE) {
        refuse("no room for the root CNode");
    }
    cnode = phys_to_virt(cn);
    memset(cnode, 0, cnode_pages * PAGE_SIZE);

    struct cte *cs = put_root(AXL_SLOT_CNODE, (struct cap){.type = AXL_OBJ_CNODE,
                                                           .rights = AXL_RIGHTS_ALL,
                                                           .size_bits = AXL_ROOT_CNODE_RADIX,
                                                           .guard_bits = 64 - AXL_ROOT_CNODE_RADIX,
                                                           .obj = cnode});
    struct tcb *t = phys_to_virt(frame_alloc());
    struct cte *tc = put_root(AXL_SLOT_TCB, (struct cap){.type = AXL_OBJ_TCB,
                                                          .rights = AXL_RIGHTS_ALL,
                                                          .obj = t});
    struct cap pml4 = {.type = AXL_OBJ_PML4, .rights = AXL_RIGHTS_ALL, .obj = phys_to_virt(frame_alloc())};
    arch_vspace_init(&pml4);
    struct cte *vs = put_root(AXL_SLOT_VSPACE, pml4);
    put_root(AXL_SLOT_IRQ_CONTROL, (struct cap){.type = AXL_OBJ_IRQ_CONTROL, .rights = AXL_RIGHTS_ALL, .obj = cnode + AXL_SLOT_IRQ_CONTROL});
    put_root(AXL_SLOT_IOPORT_CONTROL, (struct cap){.type = AXL_OBJ_IOPORT_CONTROL, .rights = AXL_RIGHTS_ALL, .obj = cnode + AXL_SLOT_IOPORT_CONTROL});
    put_root(AXL_SLOT_IOMMU_CONTROL, (struct cap){.type = AXL_OBJ_IOMMU_CONTROL, .rights = AXL_RIGHTS_ALL, .obj = cnode + AXL_SLOT_IOMMU_CONTROL});
#ifdef AXL_KDRIVER
    if (kdriver_ready()) { /* the monolithic build's driver (kdriver.c) */
        put_root(AXL_SLOT_KDRIVER, (struct cap){.type = AXL_OBJ_KDRIVER, .rights = AXL_RIGHTS_ALL, .obj = cnode + AXL_SLOT_KDRIVER});
    }
#endif

    paddr_t bi_pa = frame_alloc(), buf_pa = frame_alloc();
    info = phys_to_virt(bi_pa);
    struct cte *bic = put_root(AXL_SLOT_BOOTINFO, frame_cap(bi_pa));
    struct cte *bufc = put_root(AXL_SLOT_IPC_BUFFER, frame_cap(buf_pa));

    load_image(m, &img, &vs->cap);
    for (uint64_t va = STACK_BOTTOM; va < AXL_ROOT_STACK_TOP; va += PAGE_SIZE) {
        arch_boot_map(&vs->cap, va, frame_alloc(), true, false, frame_alloc);
    }
    arch_boot_map(&vs->cap, AXL_ROOT_BOOTINFO, bi_pa, false, false, frame_alloc);
    arch_boot_map(&vs->cap, AXL_ROOT_IPC_BUFFER, buf_pa, true, false, frame_alloc);
    arch_boot_record_mapping(&bic->cap, &vs->cap, AXL_ROOT_BOOTINFO);
    arch_boot_record_mapping(&bufc->cap, &vs->cap, AXL_ROOT_IPC_BUFFER);

    tcb_init(t);
    cap_copy(cs, &t->cspace, AXL_RIGHTS_ALL);
    cap_copy(vs, &t->vspace, AXL_RIGHTS_ALL);
    cap_copy(bufc, &t->ipcbuf, AXL_RIGHTS_ALL);
    t->ipcbuf_vaddr = AXL_ROOT_IPC_BUFFER;
    t->prio = t->mcp = AXL_PRIORITIES - 1;
    t->critical = true; /* its fault reboots the system (uapi/axl/faults.h) */
    t->regs.rip = img.entry;
    t->regs.rsp = AXL_ROOT_STACK_TOP;
    t->regs.rdi = AXL_ROOT_BOOTINFO;
    t->regs.rsi = AXL_ROOT_IPC_BUFFER;
    (void)tc;

    info->magic = AXL_BOOTINFO_MAGIC;
    info->version = 1;
    info->tsc_hz = arch_tsc_hz();
    info->clock_hz = clock_rate_hz();
    info->kernel_phys = arch_kernel_phys_start();
    info->kernel_pml4_phys = arch_kernel_pml4_phys();
    copy_string(info->cmdline, sizeof(info->cmdline), bi->cmdline);
    add_modules(bi);
    add_pstore();
    info->untyped_first = next_slot;
    add_free_memory();
    uint64_t ram_untyped = info->untyped_count;
    add_device_memory(bi);
    info->first_free = next_slot;
    if (dropped_untyped) {
        kwarn("boot", "%u untyped regions did not fit the boot info and are not given",
              dropped_untyped);
    }
    uint64_t ram = 0;
    for (uint64_t i = 0; i < ram_untyped; i++) {
        ram += 1ull << info->untyped[i].size_bits;
    }
    kinfo("boot", "root task '%s': entry 0x%llx, %u segments; %llu untyped (%llu KiB RAM, %llu device), first free slot %llu",
          m->name, (unsigned long long)img.entry, img.nsegments,
          (unsigned long long)info->untyped_count, (unsigned long long)(ram >> 10),
          (unsigned long long)(info->untyped_count - ram_untyped), (unsigned long long)info->first_free);

    sched_make_runnable(t);
    arch_users_started();
    kernel_exit();
}
