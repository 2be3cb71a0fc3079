/* SPDX-License-Identifier: MIT */
/*
 * setup.c: what the measurements need before they start: slots and
 * objects, mappings (with the page tables they need), the server space
 * and the peer threads (bench.h).
 *
 * The server space is made the way a root task would start a server from
 * a boot module. Boot module 0 is our own ELF file (the kernel loaded the
 * root task from it and handed its frames over too, docs/user-space.md),
 * so its program headers say which pages the program occupies and with
 * which rights. For every page of every PT_LOAD segment a fresh frame is
 * filled through a scratch window in the root space (file bytes, the rest
 * zero, as the kernel's own loader does) and then mapped in the new PML4
 * at the same address. The peer threads then run our code, at our
 * addresses, with their own copies of .data and .bss: nothing is shared
 * with the root task but the code's bytes and the one page at SHARED_VA.
 *
 * Every failure here ends the scenario (bench_fail): a benchmark that
 * cannot set itself up has nothing to measure.
 */
#include "bench.h"

/* --- ending the scenario --- */

/* The root CNode's last slot: bench_slot never hands it out, so the end always has one. */
#define END_SLOT ((1ull << AXL_ROOT_CNODE_RADIX) - 1)

_Noreturn void bench_end(unsigned code)
{
    long err = axl_scenario_end(END_SLOT, code);
    axl_printf("bench: error: cannot end the scenario through port 0x%x: %s\n", AXL_DEBUG_EXIT_PORT,
               err ? axl_strerror(err) : "the write returned");
    for (;;) {
        axl_yield();
    }
}

_Noreturn void bench_fail(const char *what, long err)
{
    axl_printf("bench: error: %s: %s\n", what, axl_errname(err));
    bench_end(AXL_EXIT_FAIL);
}

/* --- slots and objects --- */

static uint64_t next_slot;
static uint64_t ut_used[AXL_BOOT_MAX_UNTYPED]; /* bytes handed out of each boot untyped */

uint64_t bench_slot(void)
{
    if (next_slot == 0) {
        next_slot = axl_bootinfo->first_free;
    }
    if (next_slot >= END_SLOT) {
        axl_printf("bench: error: the root CNode is full\n");
        bench_end(AXL_EXIT_FAIL);
    }
    return next_slot++;
}

static int object_bits(unsigned type)
{
    static const signed char fixed[] = {
#define AXL_X(value, name, bits) [value] = (bits),
        AXL_OBJECT_TYPES(AXL_X)
#undef AXL_X
    };
    return type < AXL_OBJ_COUNT ? fixed[type] : 0;
}

/*
 * Places the object the way the kernel does (at the untyped's watermark,
 * aligned to its size) so that the retype is never refused for room; the
 * untyped regions are ours alone and nothing is ever deleted.
 */
uint64_t bench_retype(unsigned type)
{
    int bits = object_bits(type);
    uint64_t size = 1ull << bits;

    for (uint64_t i = 0; i < axl_bootinfo->untyped_count && i < AXL_BOOT_MAX_UNTYPED; i++) {
        const struct axl_boot_untyped *u = &axl_bootinfo->untyped[i];
        if (bits <= 0 || u->device || (unsigned)bits > u->size_bits) {
            continue;
        }
        uint64_t start = (ut_used[i] + size - 1) & ~(size - 1);
        if (start + size > (1ull << u->size_bits)) {
            continue;
        }
        uint64_t slot = bench_slot();
        long err =
            axl_untyped_retype(axl_bootinfo->untyped_first + i, type, 0, AXL_SLOT_CNODE, slot, 1);
        if (err) {
            bench_fail("untyped retype", err);
        }
        ut_used[i] = start + size;
        return slot;
    }
    bench_fail("untyped retype: no untyped region has room", AXL_E_NOT_ENOUGH_MEMORY);
}

/* --- mappings --- */

/* Page tables made but found not needed (the level was present): kept for the next mapping. */
static uint64_t spare_table[3];

long bench_map(uint64_t frame, uint64_t pml4, uint64_t va, unsigned rights, unsigned attr)
{
    static const unsigned level_type[3] = {AXL_OBJ_PDPT, AXL_OBJ_PAGE_DIRECTORY,
                                           AXL_OBJ_PAGE_TABLE};
    long err = axl_page_map(frame, pml4, va, rights, attr);

    if (err != AXL_E_MAPPING) {
        return err;
    }
    /*
     * MAPPING: the page is taken or a table on the way is missing. Going
     * down from the PML4, which always exists, MAPPING from TABLE_MAP can
     * only mean that level is already there.
     */
    for (unsigned l = 0; l < 3; l++) {
        if (spare_table[l] == 0) {
            spare_table[l] = bench_retype(level_type[l]);
        }
        err = axl_table_map(spare_table[l], pml4, va);
        if (err == AXL_E_OK) {
            spare_table[l] = 0;
        } else if (err != AXL_E_MAPPING) {
            return err;
        }
    }
    return axl_page_map(frame, pml4, va, rights, attr);
}

void bench_map_fresh(uint64_t va, uint64_t pages)
{
    for (uint64_t i = 0; i < pages; i++) {
        long err = bench_map(bench_retype(AXL_OBJ_FRAME), AXL_SLOT_VSPACE, va + i * PAGE_SIZE,
                             AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0);
        if (err) {
            bench_fail("mapping a fresh frame in the root space", err);
        }
    }
}

/* --- the server space, from boot module 0 --- */

/* The parts of the ELF64 headers we read (System V gABI, "ELF Header", "Program Header"). */
struct elf64_ehdr {
    unsigned char ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2

/* Maps module 0's frames read-only at ELF_VIEW_VA; returns the file's size. */
static uint64_t view_own_elf(void)
{
    const struct axl_boot_module *m = &axl_bootinfo->modules[0];

    if (axl_bootinfo->module_count < 1 || m->frames == 0) {
        bench_fail("boot module 0 (our ELF file) was not handed over", AXL_E_INVALID_ARGUMENT);
    }
    if (m->frames > (ELF_VIEW_END - ELF_VIEW_VA) / PAGE_SIZE) {
        bench_fail("boot module 0 is larger than the window for it", AXL_E_RANGE);
    }
    for (uint64_t f = 0; f < m->frames; f++) {
        long err = bench_map(m->first_slot + f, AXL_SLOT_VSPACE, ELF_VIEW_VA + f * PAGE_SIZE,
                             AXL_RIGHT_READ, 0);
        if (err) {
            bench_fail("mapping boot module 0", err);
        }
    }
    return m->size;
}

/* Copies the file bytes of segment ph that land in [va, va + len) to dst (which is zeroed). */
static void copy_file_bytes(uint8_t *dst, const uint8_t *file, const struct elf64_phdr *ph,
                            uint64_t va, uint64_t len)
{
    uint64_t lo = va > ph->vaddr ? va : ph->vaddr;
    uint64_t end = ph->vaddr + ph->filesz, hi = va + len < end ? va + len : end;
    if (lo < hi) {
        memcpy(dst + (lo - va), file + ph->offset + (lo - ph->vaddr), hi - lo);
    }
}

/*
 * A private copy of the page at va of segment ph, mapped in pml4 with the
 * segment's rights. Returns the error of that last mapping (any other
 * failure ends the scenario).
 */
static long copy_page(const uint8_t *file, const struct elf64_phdr *ph, uint64_t va, uint64_t pml4)
{
    uint64_t frame = bench_retype(AXL_OBJ_FRAME);
    long err = bench_map(frame, AXL_SLOT_VSPACE, SCRATCH_VA, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0);
    if (err == AXL_E_OK) {
        copy_file_bytes((uint8_t *)SCRATCH_VA, file, ph, va, PAGE_SIZE);
        err = axl_page_unmap(frame);
    }
    if (err) {
        bench_fail("filling a frame through the scratch window", err);
    }
    return bench_map(frame, pml4, va, AXL_RIGHT_READ | ((ph->flags & PF_W) ? AXL_RIGHT_WRITE : 0),
                     (ph->flags & PF_X) ? AXL_MAP_EXECUTE : 0);
}

/* Every PT_LOAD segment in 4 KiB pages with its own rights; the first mapping error, or OK. */
static long copy_segments(const uint8_t *file, const struct elf64_phdr *ph, unsigned phnum,
                          uint64_t pml4, unsigned *pages)
{
    for (unsigned i = 0; i < phnum; i++) {
        if (ph[i].type != PT_LOAD) {
            continue;
        }
        for (uint64_t va = ph[i].vaddr & ~(PAGE_SIZE - 1); va < ph[i].vaddr + ph[i].memsz;
             va += PAGE_SIZE) {
            long err = copy_page(file, &ph[i], va, pml4);
            if (err) {
                return err;
            }
            (*pages)++;
        }
    }
    return AXL_E_OK;
}

/*
 * Every PT_LOAD segment in one 2 MiB frame at IMAGE_BASE. One mapping has
 * one set of rights, so the whole image is readable, writable and
 * executable in the server space: the price of needing no page table.
 */
static void copy_segments_large(const uint8_t *file, const struct elf64_phdr *ph, unsigned phnum,
                                uint64_t pml4)
{
    uint64_t frame = bench_retype(AXL_OBJ_LARGE_FRAME);
    long err =
        bench_map(frame, AXL_SLOT_VSPACE, LARGE_SCRATCH_VA, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0);

    for (unsigned i = 0; i < phnum && !err; i++) {
        if (ph[i].type == PT_LOAD) {
            copy_file_bytes((uint8_t *)LARGE_SCRATCH_VA + (ph[i].vaddr - IMAGE_BASE), file, &ph[i],
                            ph[i].vaddr, ph[i].filesz);
        }
    }
    if (!err) {
        err = axl_page_unmap(frame);
    }
    if (!err) {
        err = bench_map(frame, pml4, IMAGE_BASE, AXL_RIGHT_READ | AXL_RIGHT_WRITE, AXL_MAP_EXECUTE);
    }
    if (err) {
        bench_fail("mapping the image as one 2 MiB page in the server space", err);
    }
}

static bool segment_ok(const struct elf64_phdr *ph, uint64_t file_size)
{
    return ph->filesz <= ph->memsz && ph->offset <= file_size &&
           ph->filesz <= file_size - ph->offset && ph->vaddr >= IMAGE_BASE &&
           ph->memsz <= IMAGE_END - ph->vaddr && ph->vaddr < IMAGE_END;
}

uint64_t bench_server_space(void)
{
    uint64_t size = view_own_elf(), pml4 = bench_retype(AXL_OBJ_PML4);
    const uint8_t *file = (const uint8_t *)ELF_VIEW_VA;
    const struct elf64_ehdr *eh = (const void *)file;

    if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF\2\1", 6) != 0 ||
        eh->phentsize != sizeof(struct elf64_phdr) || eh->phoff > size ||
        (uint64_t)eh->phnum * sizeof(struct elf64_phdr) > size - eh->phoff) {
        bench_fail("boot module 0 is not the ELF64 file we were loaded from",
                   AXL_E_INVALID_ARGUMENT);
    }
    const struct elf64_phdr *ph = (const void *)(file + eh->phoff);
    for (unsigned i = 0; i < eh->phnum; i++) {
        if (ph[i].type == PT_LOAD && !segment_ok(&ph[i], size)) {
            bench_fail("a PT_LOAD segment of our ELF file lies outside [IMAGE_BASE, IMAGE_END)",
                       AXL_E_INVALID_ARGUMENT);
        }
    }
    unsigned pages = 0;
    long err = copy_segments(file, ph, eh->phnum, pml4, &pages);
    if (err == AXL_E_MAPPING && pages == 0) {
        /* TABLE_MAP said yes, yet PAGE_MAP finds no page table at IMAGE_BASE (bench.h). */
        axl_printf("bench: note: no page table can be installed for 0x%llx in a new address "
                   "space (TABLE_MAP succeeds, PAGE_MAP still fails with AXL_E_MAPPING); the "
                   "server image is one 2 MiB read-write-execute page\n",
                   (unsigned long long)IMAGE_BASE);
        copy_segments_large(file, ph, eh->phnum, pml4);
        axl_printf("bench: server space: %s copied into one 2 MiB page\n",
                   axl_bootinfo->modules[0].name);
    } else if (err) {
        bench_fail("mapping a copied page in the server space", err);
    } else {
        axl_printf("bench: server space: %u pages copied from %s\n", pages,
                   axl_bootinfo->modules[0].name);
    }
    return pml4;
}

struct bench_shared *bench_share_page(uint64_t pml4)
{
    uint64_t frame = bench_retype(AXL_OBJ_FRAME), copy = bench_slot();
    long err = axl_cnode_copy(AXL_SLOT_CNODE, copy, AXL_SLOT_CNODE, frame, AXL_RIGHTS_ALL);

    if (err == AXL_E_OK) {
        err = bench_map(frame, AXL_SLOT_VSPACE, SHARED_VA, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0);
    }
    if (err == AXL_E_OK) {
        err = bench_map(copy, pml4, SHARED_VA, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0);
    }
    if (err) {
        bench_fail("mapping the shared page", err);
    }
    return (struct bench_shared *)SHARED_VA;
}

/* --- peer threads --- */

void bench_peer_create(struct peer *p, uint64_t pml4)
{
    long err = AXL_E_OK;
    uint64_t ipc_frame = bench_retype(AXL_OBJ_FRAME);

    for (uint64_t i = 1; i <= PEER_STACK_PAGES && !err; i++) {
        err = bench_map(bench_retype(AXL_OBJ_FRAME), pml4, PEER_STACK_TOP - i * PAGE_SIZE,
                        AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0);
    }
    if (!err) {
        err = bench_map(ipc_frame, pml4, PEER_IPC_VA, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0);
    }
    p->tcb = bench_retype(AXL_OBJ_TCB);
    if (!err) {
        /* No fault endpoint: a peer that faults is suspended and the kernel logs it. */
        err = axl_tcb_configure(p->tcb, 0, AXL_SLOT_CNODE, pml4, PEER_IPC_VA, ipc_frame);
    }
    if (err) {
        bench_fail("creating a peer thread", err);
    }
}

void bench_peer_start(const struct peer *p, void (*fn)(struct bench_shared *), unsigned prio)
{
    long err = axl_tcb_suspend(p->tcb);

    if (!err) {
        err = axl_tcb_set_priority(p->tcb, prio, 0, 0);
    }
    if (!err) {
        /* rsp as if fn had been called: rsp + 8 is 16-byte aligned at its first instruction. */
        err = axl_tcb_write_registers(p->tcb, (uint64_t)(uintptr_t)fn, PEER_STACK_TOP - 8,
                                      SHARED_VA, 0, 0);
    }
    if (!err) {
        err = axl_tcb_resume(p->tcb);
    }
    if (err) {
        bench_fail("starting a peer thread", err);
    }
}

void bench_peer_stop(const struct peer *p)
{
    long err = axl_tcb_suspend(p->tcb);
    if (err) {
        bench_fail("stopping a peer thread", err);
    }
}
