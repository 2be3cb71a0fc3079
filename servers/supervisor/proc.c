/* SPDX-License-Identifier: MIT */
/*
 * proc.c: building processes from ELF modules with exactly the
 * capabilities the manifest grants, tearing them down, and the report.
 *
 * The layout a process sees is <axl/proc.h>; the manifest keys are in
 * docs/manifest.md. Every object of a process is retyped from its domain
 * untyped, biggest first so that alignment wastes nothing: the heap quota
 * and the CNode, then pages and page tables, then the small objects.
 */
#include <stdarg.h>

#include <axl/axl.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>
#include <elf_image.h>

#include "devmem.h"
#include "domain.h"
#include "mem.h"
#include "pager.h"
#include "proc.h"
#include "supervise.h"

#define PAGE 4096ull
#define STACK_BOTTOM (AXL_ROOT_STACK_TOP - AXL_ROOT_STACK_PAGES * PAGE)
/* ELF segments must end below the stack's guard page. */
#define IMAGE_TOP (STACK_BOTTOM - PAGE)
#define CNODE_BYTES ((1ull << AXL_PROC_CNODE_RADIX) << AXL_CNODE_SLOT_BITS)

struct proc procs[PROC_MAX];

/* Set in procs_start: what building needs from main.c. */
static const struct axl_bootinfo *boot;
static uint64_t root_ep;
static void *const *modules;
uint64_t name_ep; /* the name server's service endpoint (root slot), 0 if none */
static const struct manifest *the_manifest;


/* Bits of the smallest power of two >= n (n >= 1). */
static unsigned log2_up(uint64_t n)
{
    unsigned b = 0;
    while ((1ull << b) < n) {
        b++;
    }
    return b;
}

static uint64_t persist_ut; /* untyped for what outlives instances: endpoints, notification */
uint64_t sup_ntfn;          /* the supervisor's notification: heartbeat answers, its timer */

struct proc *proc_by_pid(uint64_t pid)
{
    for (unsigned i = 0; i < PROC_MAX; i++) {
        if (procs[i].state != PROC_FREE && procs[i].pid == pid) {
            return &procs[i];
        }
    }
    return NULL;
}

struct proc *proc_by_name(const char *name)
{
    for (unsigned i = 0; i < PROC_MAX; i++) {
        if (procs[i].state != PROC_FREE && strcmp(procs[i].name, name) == 0) {
            return &procs[i];
        }
    }
    return NULL;
}

/* --- building --- */

/* The pages an ELF image needs mapped (segments never share a page: elf_parse checks). */
static uint64_t image_pages(const struct elf_image *img)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->seg[i];
        n += ((s->vaddr + s->memsz + PAGE - 1) / PAGE) - s->vaddr / PAGE;
    }
    return n;
}

/* A new zeroed frame, filled through fill (may be NULL), mapped at vaddr in p's space. */
static long map_new_page(struct proc *p, uint64_t vaddr, unsigned rights, unsigned attrs,
                         void (*fill)(void *page, const void *ctx), const void *ctx,
                         uint64_t *frame_out)
{
    uint64_t frame;
    long err = mem_retype_into(&p->list, p->region, AXL_OBJ_FRAME, 0, &frame);

    if (err != AXL_E_OK) {
        return err;
    }
    if (fill) {
        void *page = scratch_map(frame);
        if (!page) {
            return AXL_E_MAPPING;
        }
        memset(page, 0, PAGE);
        fill(page, ctx);
        scratch_unmap(frame);
    }
    unsigned tables_before = p->list.count;
    err = mem_map(p->pml4, vaddr, frame, rights, attrs, p->region, &p->list);
    p->table_pages += p->list.count - tables_before;
    p->image_pages++;
    if (frame_out) {
        *frame_out = frame;
    }
    return err;
}

/* What one image page gets: the bytes of a segment that fall into it. */
struct image_copy {
    const uint8_t *data; /* the module */
    const struct elf_segment *seg;
    uint64_t page; /* the page's address */
};

static void fill_image(void *page, const void *ctx)
{
    const struct image_copy *c = ctx;
    uint64_t from = c->seg->vaddr > c->page ? c->seg->vaddr : c->page;
    uint64_t file_end = c->seg->vaddr + c->seg->filesz;
    uint64_t to = file_end < c->page + PAGE ? file_end : c->page + PAGE;

    if (from < to) {
        memcpy((uint8_t *)page + (from - c->page), c->data + c->seg->offset + (from - c->seg->vaddr),
               to - from);
    }
}

static void fill_info(void *page, const void *ctx) { memcpy(page, ctx, sizeof(struct axl_procinfo)); }

static long load_image(struct proc *p, const struct elf_image *img, const uint8_t *data)
{
    for (unsigned i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->seg[i];
        unsigned rights = AXL_RIGHT_READ | (s->write ? AXL_RIGHT_WRITE : 0);
        unsigned attrs = s->exec ? AXL_MAP_EXECUTE : 0;
        for (uint64_t pg = s->vaddr & ~(PAGE - 1); pg < s->vaddr + s->memsz; pg += PAGE) {
            struct image_copy c = {.data = data, .seg = s, .page = pg};
            uint64_t frame;
            long err = map_new_page(p, pg, rights, attrs, fill_image, &c, &frame);
            if (err != AXL_E_OK) {
                return err;
            }
            if (s->exec && p->ntext < PROC_TEXT_PAGES) {
                p->text[p->ntext].vaddr = pg;
                p->text[p->ntext++].frame = frame;
            }
        }
    }
    return AXL_E_OK;
}

/* Puts a copy (mint: with badge) of root slot src into p's slot dest. */
static long give(struct proc *p, uint64_t dest, uint64_t src, unsigned rights, uint64_t badge)
{
    return badge ? axl_cnode_mint(p->cnode, dest, AXL_SLOT_CNODE, src, rights, badge)
                 : axl_cnode_copy(p->cnode, dest, AXL_SLOT_CNODE, src, rights);
}

/* Records a granted capability in the info page (NULL when it is full). */
static struct axl_proc_cap *note_cap(struct axl_procinfo *info, unsigned kind, uint64_t cptr,
                                     uint64_t first, uint64_t last, const char *fmt, ...)
{
    if (info->cap_count >= AXL_PROC_MAX_CAPS) {
        return NULL;
    }
    struct axl_proc_cap *c = &info->caps[info->cap_count++];
    va_list ap;
    va_start(ap, fmt);
    axl_vsnprintf(c->name, sizeof(c->name), fmt, ap);
    va_end(ap);
    c->kind = kind;
    c->cptr = cptr;
    c->first = first;
    c->last = last;
    return c;
}

/* Where device memory goes in a process, and how much it has been given. */
struct mmio_window {
    uint64_t next_va; /* from AXL_PROC_MMIO_BASE, a page left unmapped after each range */
    uint64_t bytes;   /* mapped so far, at most AXL_PROC_MMIO_MAX */
};

static char devmem_why[160]; /* what grant_mmio's *what points at when it fails */

/*
 * Maps the device memory [base, base + size) (any alignment: the pages that
 * hold it) into p, and records it as one AXL_PROC_CAP_MMIO named name, with
 * vaddr where base itself is mapped.
 */
static long grant_mmio(struct proc *p, struct axl_procinfo *info, uint64_t *next,
                       struct mmio_window *w, const char *devname, const char *name,
                       uint64_t base, uint64_t size, const char **what)
{
    uint64_t first = base & ~(PAGE - 1), end = (base + size + PAGE - 1) & ~(PAGE - 1);
    uint64_t slot = *next;

    *what = devmem_why;
    if (end - first > AXL_PROC_MMIO_MAX - w->bytes) {
        axl_snprintf(devmem_why, sizeof(devmem_why),
                     "device '%s': %s: %llu KiB more device memory than the %llu KiB a component "
                     "may have", devname, name,
                     (unsigned long long)((end - first - (AXL_PROC_MMIO_MAX - w->bytes)) / 1024),
                     (unsigned long long)(AXL_PROC_MMIO_MAX / 1024));
        return AXL_E_RANGE;
    }
    int len = axl_snprintf(devmem_why, sizeof(devmem_why), "device '%s': %s: ", devname, name);
    long err = devmem_map(p, first, end - first, w->next_va, next, devmem_why + len,
                          sizeof(devmem_why) - (size_t)len);
    if (err != AXL_E_OK) {
        return err;
    }
    struct axl_proc_cap *c = note_cap(info, AXL_PROC_CAP_MMIO, slot, base, size, "%s", name);
    if (c) {
        c->vaddr = w->next_va + (base - first);
    }
    w->next_va += end - first + PAGE;
    w->bytes += end - first;
    return AXL_E_OK;
}

/*
 * The IO space of PCI function f (docs/iommu.md): issued once, kept in a
 * root slot for the component's whole life and bound to the supervisor's
 * notification (bit PROC_DMA_BIT + pid - 1), so that every DMA fault of the
 * function reaches the supervisor as a fault of this component; each
 * instance gets a copy, in which it maps its DMA buffers. Revoking the
 * instance deletes the copy and every mapping made through it. With DMA
 * remapping off there is none to give, and the driver falls back to
 * physical addresses: said once, since it means its DMA is not confined.
 */
static long grant_iospace(struct proc *p, struct axl_procinfo *info, uint64_t *next,
                          const struct mf_device *dev, const char **what)
{
    const struct mf_pci *f = &dev->pci;
    unsigned devfn = (unsigned)(f->dev << 3 | f->fn), i = 0;
    uint16_t bdf = (uint16_t)(f->bus << 8 | devfn);
    long err = AXL_E_OK;

    *what = "IO space";
    while (i < p->nios && p->ios[i].bdf != bdf) {
        i++;
    }
    if (i == p->nios) {
        uint64_t slot = slot_alloc(), badged = slot_alloc();
        if (i == PROC_IOSPACES || !slot || !badged) {
            err = AXL_E_RANGE;
        } else {
            err = axl_iommu_issue(AXL_SLOT_IOMMU_CONTROL, f->bus, devfn, AXL_SLOT_CNODE, slot);
        }
        if (err == AXL_E_ILLEGAL_OPERATION) {
            slot_free(slot);
            slot_free(badged);
            if (p->generation == 0) {
                    say("component '%s': device '%s': DMA remapping is off (iommu=off, or no IOMMU): "
                    "its DMA reaches all of memory", p->name, dev->name);
            }
            return AXL_E_OK;
        }
        if (err == AXL_E_OK) {
            err = axl_cnode_mint(AXL_SLOT_CNODE, badged, AXL_SLOT_CNODE, sup_ntfn,
                                 AXL_RIGHT_WRITE, 1ull << (PROC_DMA_BIT + p->pid - 1));
        }
        if (err == AXL_E_OK) {
            err = axl_iospace_set_notification(slot, badged);
        }
        struct axl_io_fault fl = {0};
        if (err == AXL_E_OK) {
            err = axl_iospace_fault(slot, &fl); /* faults before this component are not its own */
        }
        if (err != AXL_E_OK) {
            axl_cnode_delete(AXL_SLOT_CNODE, slot);
            axl_cnode_delete(AXL_SLOT_CNODE, badged);
            slot_free(slot);
            slot_free(badged);
            return err;
        }
        p->ios[i].slot = slot;
        p->ios[i].seen = fl.count;
        p->ios[i].bdf = bdf;
        p->nios++;
    }
    err = axl_cnode_copy(p->cnode, *next, AXL_SLOT_CNODE, p->ios[i].slot, AXL_RIGHTS_ALL);
    if (err == AXL_E_OK) {
        note_cap(info, AXL_PROC_CAP_IOSPACE, *next, f->bus, devfn, "pci:%02x:%02x.%x iospace",
                 f->bus, f->dev, f->fn);
        (*next)++;
    }
    return err;
}

/* A device's mmio ranges, then its PCI function's configuration page and memory BARs. */
static long grant_device_memory(struct proc *p, const struct mf_device *dev, unsigned index,
                                struct axl_procinfo *info, uint64_t *next, struct mmio_window *w,
                                const char **what)
{
    char name[AXL_PROC_NAME_MAX];
    long err = AXL_E_OK;

    for (unsigned i = 0; i < dev->nmmio && err == AXL_E_OK; i++) {
        axl_snprintf(name, sizeof(name), "mmio:%#llx", (unsigned long long)dev->mmio[i].base);
        err = grant_mmio(p, info, next, w, dev->name, name, dev->mmio[i].base, dev->mmio[i].size,
                         what);
    }
    if (err != AXL_E_OK || !dev->has_pci) {
        return err;
    }
    const struct pci_function *fn;
    const struct mf_pci *f = &dev->pci;
    int len = axl_snprintf(devmem_why, sizeof(devmem_why), "device '%s': ", dev->name);
    *what = devmem_why;
    err = devmem_pci(dev, index, &fn, devmem_why + len, sizeof(devmem_why) - (size_t)len);
    if (err != AXL_E_OK) {
        return err;
    }
    axl_snprintf(name, sizeof(name), "pci:%02x:%02x.%x config", f->bus, f->dev, f->fn);
    err = grant_mmio(p, info, next, w, dev->name, name,
                     pci_config_address(PCI_ECAM_BASE, f->bus, f->dev, f->fn), PCI_CONFIG_SIZE,
                     what);
    for (unsigned i = 0; i < PCI_BARS && err == AXL_E_OK; i++) {
        const struct pci_bar *b = &fn->bar[i];
        axl_snprintf(name, sizeof(name), "pci:%02x:%02x.%x bar%u", f->bus, f->dev, f->fn, i);
        if (b->kind == PCI_BAR_IO && b->base && b->base + b->size <= 0x10000) {
            *what = "I/O ports";
            err = axl_ioport_issue(AXL_SLOT_IOPORT_CONTROL, (unsigned)b->base,
                                   (unsigned)(b->base + b->size - 1), p->cnode, *next);
            if (err == AXL_E_OK) {
                note_cap(info, AXL_PROC_CAP_IOPORT, *next, b->base, b->base + b->size - 1, "%s",
                         name);
                (*next)++;
            }
        } else if ((b->kind == PCI_BAR_MEM32 || b->kind == PCI_BAR_MEM64) && b->base) {
            uint64_t size = dev->bar_bytes && dev->bar_bytes < b->size ? dev->bar_bytes : b->size;
            err = grant_mmio(p, info, next, w, dev->name, name, b->base, size, what);
        } else if (b->kind != PCI_BAR_UNUSED) {
            say("component '%s': device '%s': %s is not assigned an address: not granted",
                p->name, dev->name, name);
        }
    }
    return err == AXL_E_OK ? grant_iospace(p, info, next, dev, what) : err;
}

/* The devices' I/O ports and IRQs, and the endpoints, in slots from AXL_PROC_SLOT_GRANTED on. */
static long grant(struct proc *p, const struct manifest *m, struct axl_procinfo *info,
                  uint64_t *next, const char **what)
{
    const struct mf_component *c = p->mf;
    struct mmio_window window = {.next_va = AXL_PROC_MMIO_BASE};
    long err = AXL_E_OK;

    for (unsigned d = 0; d < c->ndevices; d++) {
        const struct mf_device *dev = &m->devices[c->devices[d].index];
        for (unsigned i = 0; i < dev->nioports; i++) {
            *what = "I/O ports";
            err = axl_ioport_issue(AXL_SLOT_IOPORT_CONTROL, dev->ioports[i].first,
                                   dev->ioports[i].last, p->cnode, *next);
            if (err != AXL_E_OK) {
                return err;
            }
            note_cap(info, AXL_PROC_CAP_IOPORT, *next, dev->ioports[i].first, dev->ioports[i].last,
                     "ioport:%#x-%#x", dev->ioports[i].first, dev->ioports[i].last);
            (*next)++;
        }
        for (unsigned i = 0; i < dev->nirqs; i++) {
            unsigned irq = dev->irqs[i];
            uint64_t handler = slot_alloc(), badged = 0;
            *what = "IRQ";
            if (!handler) {
                return AXL_E_RANGE;
            }
            err = axl_irq_control_get(AXL_SLOT_IRQ_CONTROL, irq, AXL_SLOT_CNODE, handler);
            if (err == AXL_E_OK) {
                badged = slot_alloc(); /* the process's notification, badged with the IRQ's bit */
                err = badged ? axl_cnode_mint(AXL_SLOT_CNODE, badged, AXL_SLOT_CNODE, p->ntfn,
                                              AXL_RIGHT_WRITE, 1ull << irq)
                             : AXL_E_RANGE;
            }
            if (err == AXL_E_OK) {
                err = axl_irq_set_notification(handler, badged);
            }
            if (err == AXL_E_OK) {
                err = axl_cnode_move(p->cnode, *next, AXL_SLOT_CNODE, handler);
            }
            if (badged && p->list.count < p->list.max) {
                p->list.slots[p->list.count++] = badged; /* deleted with the process */
            }
            if (err != AXL_E_OK) {
                axl_cnode_delete(AXL_SLOT_CNODE, handler);
                slot_free(handler);
                return err;
            }
            slot_free(handler); /* moved into the process */
            note_cap(info, AXL_PROC_CAP_IRQ, *next, irq, irq, "irq:%u", irq);
            (*next)++;
        }
        if (dev->nmmio || dev->has_pci) {
            err = grant_device_memory(p, dev, c->devices[d].index, info, next, &window, what);
            if (err != AXL_E_OK) {
                return err;
            }
        }
    }
    for (unsigned e = 0; e < c->nendpoints; e++) {
        const struct proc *peer = &procs[c->endpoints[e].index];
        *what = "endpoint";
        if (peer->state == PROC_FREE || peer->state == PROC_FAILED || !peer->service_ep) {
            return AXL_E_INVALID_CAPABILITY;
        }
        err = give(p, *next, peer->service_ep,
                   AXL_RIGHT_WRITE | AXL_RIGHT_GRANT | AXL_RIGHT_GRANT_REPLY, p->pid);
        if (err != AXL_E_OK) {
            return err;
        }
        note_cap(info, AXL_PROC_CAP_ENDPOINT, *next, 0, 0, "endpoint:%s", peer->name);
        (*next)++;
    }
    if (c->kernel_driver) {
        /* The driver linked into a monolithic kernel (build/kernel-mono/): the root task's slot
         * is empty in the normal kernel, and the copy then fails (INVALID_CAPABILITY). */
        *what = "kernel-driver (only build/kernel-mono/ has one)";
        err = axl_cnode_copy(p->cnode, *next, AXL_SLOT_CNODE, AXL_SLOT_KDRIVER, AXL_RIGHTS_ALL);
        if (err != AXL_E_OK) {
            return err;
        }
        note_cap(info, AXL_PROC_CAP_KDRIVER, *next, 0, 0, "kdriver");
        (*next)++;
    }
    return AXL_E_OK;
}

/* Whether p's devices have mmio ranges or a PCI function. */
static bool has_device_memory(const struct proc *p)
{
    for (unsigned d = 0; d < p->mf->ndevices; d++) {
        const struct mf_device *dev = &the_manifest->devices[p->mf->devices[d].index];
        if (dev->nmmio || dev->has_pci) {
            return true;
        }
    }
    return false;
}

/* The domain (made once, then reused: revoked, it is whole again), heap untyped, CNode, PML4. */
static long prepare(struct proc *p, const struct elf_image *img)
{
    uint64_t pages = image_pages(img) + AXL_ROOT_STACK_PAGES + 2;
    uint64_t tables = 8 + 2 * (uint64_t)img->nsegments; /* generous: PDPT, PDs and PTs */
    if (has_device_memory(p)) {
        /* A page directory, and a page table per 2 MiB of AXL_PROC_MMIO_MAX plus one for the
         * gaps between ranges. */
        tables += 2 + AXL_PROC_MMIO_MAX / (2ull << 20);
    }
    uint64_t bytes = p->quota + CNODE_BYTES + (pages + tables + 4) * PAGE;
    long err = p->region ? AXL_E_OK : domain_region(p, bytes);
    uint64_t heap = 0;

    if (err != AXL_E_OK) {
        return err;
    }
    /* Biggest first: heap and CNode are powers of two, so each starts aligned. */
    if (p->quota >= CNODE_BYTES) {
        err = mem_retype_into(&p->list, p->region, AXL_OBJ_UNTYPED, log2_up(p->quota), &heap);
    }
    if (err == AXL_E_OK) {
        err = mem_retype_into(&p->list, p->region, AXL_OBJ_CNODE, AXL_PROC_CNODE_RADIX, &p->cnode);
    }
    if (err == AXL_E_OK && p->quota < CNODE_BYTES) {
        err = mem_retype_into(&p->list, p->region, AXL_OBJ_UNTYPED, log2_up(p->quota), &heap);
    }
    if (err == AXL_E_OK) {
        err = axl_cnode_move(p->cnode, AXL_PROC_SLOT_HEAP_UNTYPED, AXL_SLOT_CNODE, heap);
        for (unsigned i = 0; err == AXL_E_OK && i < p->list.count; i++) {
            if (p->list.slots[i] == heap) {
                p->list.slots[i] = 0; /* it lives in the process's CNode now */
                slot_free(heap);
            }
        }
    }
    if (err == AXL_E_OK) {
        err = mem_retype_into(&p->list, p->region, AXL_OBJ_PML4, 0, &p->pml4);
    }
    return err;
}

/* After prepare: the small objects, which come last; and the notification's badged copies. */
static long prepare_small(struct proc *p)
{
    long err = mem_retype_into(&p->list, p->region, AXL_OBJ_TCB, 0, &p->tcb);
    if (err == AXL_E_OK) {
        err = mem_retype_into(&p->list, p->region, AXL_OBJ_NOTIFICATION, 0, &p->ntfn);
    }
    if (err == AXL_E_OK && p->child) {
        /* A spawned process is never restarted: its endpoint is its domain's, like the rest. */
        err = mem_retype_into(&p->list, p->region, AXL_OBJ_ENDPOINT, 0, &p->service_ep);
    }
    uint64_t *caps[] = {&p->ping_cap, &p->inject_cap};
    const uint64_t badges[] = {AXL_NOTIFY_HEARTBEAT, AXL_NOTIFY_INJECT};
    for (unsigned i = 0; i < 2 && err == AXL_E_OK; i++) {
        *caps[i] = slot_alloc();
        if (!*caps[i] || p->list.count >= p->list.max) {
            return AXL_E_RANGE;
        }
        p->list.slots[p->list.count++] = *caps[i];
        err = axl_cnode_mint(AXL_SLOT_CNODE, *caps[i], AXL_SLOT_CNODE, p->ntfn, AXL_RIGHT_WRITE,
                             badges[i]);
    }
    return err;
}

/* Maps p's persistent frames (copies: a frame capability maps once) at AXL_PROC_PERSIST_BASE. */
static long map_persist(struct proc *p)
{
    for (unsigned i = 0; i < p->npersist; i++) {
        uint64_t copy = slot_alloc();
        if (!copy || p->list.count >= p->list.max) {
            return AXL_E_RANGE;
        }
        p->list.slots[p->list.count++] = copy;
        long err = axl_cnode_copy(AXL_SLOT_CNODE, copy, AXL_SLOT_CNODE, p->persist[i],
                                  AXL_RIGHTS_ALL);
        if (err == AXL_E_OK) {
            unsigned before = p->list.count;
            err = mem_map(p->pml4, AXL_PROC_PERSIST_BASE + i * PAGE, copy,
                          AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0, p->region, &p->list);
            p->table_pages += p->list.count - before;
        }
        if (err != AXL_E_OK) {
            return err;
        }
    }
    return AXL_E_OK;
}

/* Image, stack, info page, capabilities, thread. On failure *what says which part failed. */
static long build(struct proc *p, const struct elf_image *img, const uint8_t *data,
                  const char **whatp)
{
    static struct axl_procinfo info; /* copied into the process's info page */
    uint64_t ipc_frame, info_frame, cn_guarded, fault_ep;
    const char *what = "loading the image";
    long err = load_image(p, img, data);

    for (uint64_t a = STACK_BOTTOM; err == AXL_E_OK && a < AXL_ROOT_STACK_TOP; a += PAGE) {
        what = "the stack";
        err = map_new_page(p, a, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0, NULL, NULL, NULL);
    }
    if (err == AXL_E_OK) {
        what = "the IPC buffer";
        err = map_new_page(p, AXL_PROC_IPC_BUFFER, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0, NULL, NULL,
                           &ipc_frame);
    }
    if (err == AXL_E_OK && p->npersist) {
        what = "the persistent memory";
        err = map_persist(p);
    }
    if (err != AXL_E_OK) {
        *whatp = what;
        return err;
    }
    p->ipc_frame = ipc_frame;

    /* The fixed slots of <axl/proc.h>. A guard of 64 - radix bits makes a cptr a slot index. */
    what = "its capabilities";
    cn_guarded = slot_alloc();
    fault_ep = slot_alloc();
    if (!cn_guarded || !fault_ep || p->list.count + 2 > p->list.max) {
        *whatp = what;
        return AXL_E_RANGE;
    }
    p->list.slots[p->list.count++] = cn_guarded;
    p->list.slots[p->list.count++] = fault_ep;
    err = axl_cnode_mint(AXL_SLOT_CNODE, cn_guarded, AXL_SLOT_CNODE, p->cnode, AXL_RIGHTS_ALL,
                         64 - AXL_PROC_CNODE_RADIX);
    if (err == AXL_E_OK) {
        uint64_t src = pager_fault_source(p, root_ep); /* the supervisor, or its pager */
        what = src ? what : "its pager's endpoint (the pager is not there)";
        err = src ? axl_cnode_mint(AXL_SLOT_CNODE, fault_ep, AXL_SLOT_CNODE, src, AXL_RIGHT_WRITE,
                                   PROC_FAULT_BADGE | p->pid)
                  : AXL_E_INVALID_CAPABILITY;
    }
    if (err == AXL_E_OK) {
        err = give(p, AXL_PROC_SLOT_TCB, p->tcb, AXL_RIGHTS_ALL, 0);
    }
    if (err == AXL_E_OK) {
        err = give(p, AXL_PROC_SLOT_CNODE, cn_guarded, AXL_RIGHTS_ALL, 0);
    }
    if (err == AXL_E_OK) {
        err = give(p, AXL_PROC_SLOT_VSPACE, p->pml4, AXL_RIGHTS_ALL, 0);
    }
    if (err == AXL_E_OK) {
        err = give(p, AXL_PROC_SLOT_IPC_BUFFER, ipc_frame, AXL_RIGHTS_ALL, 0);
    }
    if (err == AXL_E_OK) {
        err = give(p, AXL_PROC_SLOT_SUPERVISOR_EP, root_ep, AXL_RIGHT_WRITE, p->pid);
    }
    if (err == AXL_E_OK && name_ep && name_ep != p->service_ep) {
        err = give(p, AXL_PROC_SLOT_NAME_EP, name_ep,
                   AXL_RIGHT_WRITE | AXL_RIGHT_GRANT | AXL_RIGHT_GRANT_REPLY, p->pid);
    }
    struct proc *con = proc_by_name("console");
    if (err == AXL_E_OK && con && con != p && con->service_ep) {
        err = give(p, AXL_PROC_SLOT_CONSOLE_EP, con->service_ep, AXL_RIGHT_WRITE, p->pid);
    }
    if (err == AXL_E_OK) {
        err = give(p, AXL_PROC_SLOT_NOTIFICATION, p->ntfn, AXL_RIGHTS_ALL, 0);
    }
    if (err == AXL_E_OK) {
        err = give(p, AXL_PROC_SLOT_SERVICE_EP, p->service_ep, AXL_RIGHTS_ALL, 0);
    }
    if (err == AXL_E_OK && !p->child) { /* a spawned process has no heartbeat and no bit */
        unsigned bit = (unsigned)(p->pid - 1); /* the answer to a heartbeat names the process */
        err = give(p, AXL_PROC_SLOT_HEARTBEAT, sup_ntfn, AXL_RIGHT_WRITE, 1ull << bit);
        if (err == AXL_E_OK) {
            err = give(p, AXL_PROC_SLOT_SERVING_NOTE, sup_ntfn, AXL_RIGHT_WRITE,
                       1ull << (PROC_SERVING_BIT + bit));
        }
    }
    if (err != AXL_E_OK) {
        *whatp = what;
        return err;
    }

    memset(&info, 0, sizeof(info));
    uint64_t next = AXL_PROC_SLOT_GRANTED;
    err = grant(p, the_manifest, &info, &next, &what);
    if (err != AXL_E_OK) {
        *whatp = what;
        return err;
    }
    info.magic = AXL_PROCINFO_MAGIC;
    info.version = AXL_PROCINFO_VERSION;
    info.pid = p->pid;
    info.tsc_hz = boot->tsc_hz;
    info.first_free = next;
    info.heap_base = AXL_PROC_HEAP_BASE;
    info.heap_quota = 1ull << log2_up(p->quota);
    info.boot_tsc = axl_rdtsc();
    memcpy(info.name, p->name, sizeof(info.name) - 1);
    memcpy(info.args, p->mf->args, sizeof(info.args) - 1);
    info.generation = p->generation + 1; /* this instance's: counted once it is built */
    info.persist_size = (uint64_t)p->npersist * PAGE;
    info.heartbeat_ms = p->mf->heartbeat_ms;
    supervise_initial_injection(p, &info);
    what = "the info page";
    err = map_new_page(p, AXL_PROC_INFO_ADDR, AXL_RIGHT_READ, 0, fill_info, &info, &info_frame);
    p->info_frame = info_frame;
    if (err == AXL_E_OK) {
        err = give(p, AXL_PROC_SLOT_INFO, info_frame, AXL_RIGHT_READ, 0);
    }

    /* The thread: faults go to the root task, badged with the pid. */
    if (err == AXL_E_OK) {
        what = "its thread";
        err = axl_tcb_configure(p->tcb, fault_ep, cn_guarded, p->pml4, AXL_PROC_IPC_BUFFER,
                                ipc_frame);
    }
    if (err == AXL_E_OK) {
        err = axl_tcb_set_priority(p->tcb, p->mf->priority, p->mf->priority, 0);
    }
    if (err == AXL_E_OK) {
        err = axl_tcb_write_registers(p->tcb, img->entry, AXL_ROOT_STACK_TOP, AXL_PROC_INFO_ADDR,
                                      AXL_PROC_IPC_BUFFER, 0);
    }
    if (err == AXL_E_OK) {
        err = axl_tcb_bind_notification(p->tcb, p->ntfn);
    }
    *whatp = what;
    return err;
}

long proc_create(struct proc *p)
{
    const char *what = "making its memory";
    long err = prepare(p, p->img);

    if (err == AXL_E_OK) {
        err = prepare_small(p);
    }
    if (err == AXL_E_OK) {
        err = build(p, p->img, p->data, &what);
    }
    if (err != AXL_E_OK) {
        if (!p->child) { /* a refused spawn is counted and said once by its domain */
            say("component '%s': %s: %s", p->name, what, axl_strerror(err));
        }
        proc_teardown(p);
        return err;
    }
    p->generation++;
    p->state = PROC_READY;
    return AXL_E_OK;
}

/* What outlives instances: the service endpoint and the persistent frames. */
static long make_lasting(struct proc *p)
{
    long err = mem_retype(persist_ut, AXL_OBJ_ENDPOINT, 0, &p->service_ep);
    uint64_t pages = p->mf->persist / PAGE, ut = 0;

    if (err != AXL_E_OK || pages == 0) {
        return err;
    }
    err = mem_untyped(log2_up(p->mf->persist), &ut);
    for (uint64_t i = 0; err == AXL_E_OK && i < pages && i < PROC_PERSIST_PAGES; i++) {
        err = mem_retype(ut, AXL_OBJ_FRAME, 0, &p->persist[p->npersist]);
        if (err == AXL_E_OK) {
            p->npersist++;
        }
    }
    /* The untyped's slot is not needed for the frames to live: forget it, keep the memory. */
    return err;
}

void procs_start(const struct manifest *m, const struct axl_bootinfo *bi, uint64_t rep,
                 void *const *module_data)
{
    static struct elf_image images[PROC_MAX];
    char why[128];

    boot = bi;
    root_ep = rep;
    modules = module_data;
    the_manifest = m;
    devmem_init(bi);
    for (unsigned i = 0; i < m->ncomponents && i < PROC_MAX; i++) {
        const struct mf_component *c = &m->components[i];
        struct proc *p = &procs[i];
        *p = (struct proc){.mf = c, .pid = i + 1, .state = PROC_FAILED};
        p->list = (struct slot_list){.slots = p->list_slots, .max = PROC_SLOTS};
        memcpy(p->name, c->name, sizeof(p->name));
        if (!c->valid) {
            continue; /* main.c printed why */
        }
        const struct axl_boot_module *mod = &bi->modules[c->module_index];
        if (elf_parse(module_data[c->module_index], mod->size, IMAGE_TOP, &images[i], why,
                      sizeof(why)) != 0) {
            say("component '%s': module %s: %s", c->name, mod->name, why);
            continue;
        }
        p->img = &images[i];
        p->data = module_data[c->module_index];
        p->quota = c->memory;
        long err = make_lasting(p);
        if (err != AXL_E_OK) {
            say("component '%s': making its endpoint and persistent memory: %s", c->name,
                axl_strerror(err));
            continue;
        }
        p->state = PROC_READY; /* so that others may be granted its endpoint */
    }
    struct proc *ns = proc_by_name("name");
    name_ep = ns && ns->state == PROC_READY ? ns->service_ep : 0;
    domains_init(m);
    for (unsigned i = 0; i < m->ncomponents && i < PROC_MAX; i++) {
        struct proc *p = &procs[i];
        if (p->state == PROC_READY && proc_create(p) != AXL_E_OK) {
            proc_destroy(p, PROC_FAILED, 0);
        }
    }
    domains_reserve();
}

long proc_spawn(struct proc *parent, struct domain *d, unsigned module_index, const char *name,
                const char *args, uint64_t heap, struct proc **out)
{
    static struct elf_image images[AXL_BOOT_MAX_MODULES];
    static bool parsed[AXL_BOOT_MAX_MODULES];
    static uint64_t next_pid = PROC_COMPONENTS + 1;
    char why[128];

    if (module_index >= boot->module_count || module_index >= AXL_BOOT_MAX_MODULES ||
        !modules[module_index]) {
        return AXL_S_NOT_FOUND;
    }
    if (!parsed[module_index]) {
        if (elf_parse(modules[module_index], boot->modules[module_index].size, IMAGE_TOP,
                      &images[module_index], why, sizeof(why)) != 0) {
            say("spawn: module %s: %s", boot->modules[module_index].name, why);
            return AXL_E_INVALID_ARGUMENT;
        }
        parsed[module_index] = true;
    }
    struct proc *c = NULL;
    for (unsigned i = PROC_COMPONENTS; i < PROC_MAX && !c; i++) {
        c = procs[i].state == PROC_FREE ? &procs[i] : NULL;
    }
    if (!c) {
        return AXL_S_LIMIT;
    }
    memset(c, 0, sizeof(*c));
    c->pid = next_pid++;
    c->state = PROC_FAILED;
    c->dom = d;
    c->child = true;
    c->parent = parent->pid;

    /* Its creator's settings, less what belongs to one process only: devices, policy, rights. */
    struct mf_component *mf = &c->own_mf;
    *mf = *parent->mf;
    size_t len = strlen(name) < MF_NAME_MAX ? strlen(name) : MF_NAME_MAX;
    memcpy(mf->name, name, len);
    mf->name[len] = 0;
    memcpy(mf->args, args, strlen(args) + 1);
    mf->module_index = (int)module_index;
    mf->priority = mf->priority < d->priority ? mf->priority : d->priority;
    mf->memory = heap ? 1ull << log2_up(heap) : mf->memory;
    mf->ndevices = 0;
    mf->restart = MF_GIVE_UP;
    mf->max_restarts = 0;
    mf->heartbeat_ms = 0;
    mf->critical = mf->shutdown_on_exit = false;
    mf->persist = 0;
    mf->inject[0] = 0;
    mf->may_inject = mf->may_read_pstore = mf->kernel_driver = mf->may_kill = false;
    c->mf = mf;
    memcpy(c->name, mf->name, sizeof(c->name));
    c->list = (struct slot_list){.slots = c->list_slots, .max = PROC_CHILD_SLOTS};
    c->img = &images[module_index];
    c->data = modules[module_index];
    c->quota = mf->memory;
    c->state = PROC_READY;
    long err = proc_create(c);
    if (err != AXL_E_OK) {
        proc_destroy(c, PROC_FAILED, 0);
        return err;
    }
    if (console_ep) {
        struct axl_msg m;
        axl_rpc_begin(&m, AXL_OP_CONSOLE_TAG);
        axl_msg_put_word(&m, c->pid);
        axl_msg_put_str(&m, c->name);
        axl_rpc_call(console_ep, &m); /* untagged lines still print: no need to fail for it */
    }
    c->start_tsc = axl_rdtsc();
    axl_tcb_resume(c->tcb);
    *out = c;
    return AXL_E_OK;
}

long procs_init(void)
{
    long err = mem_untyped(16, &persist_ut);
    if (err == AXL_E_OK) {
        err = mem_retype(persist_ut, AXL_OBJ_NOTIFICATION, 0, &sup_ntfn);
    }
    return err;
}

/* --- tearing down --- */

void proc_teardown(struct proc *p)
{
    if (p->tcb) {
        axl_tcb_suspend(p->tcb);
    }
    if (p->region) {
        /* Every object of the instance, and every copy of a capability to one, anywhere; the
         * domain is whole again afterwards, ready for the next instance. */
        axl_cnode_revoke(AXL_SLOT_CNODE, p->region);
    }
    for (unsigned i = 0; i < p->list.count; i++) {
        if (p->list.slots[i]) {
            axl_cnode_delete(AXL_SLOT_CNODE, p->list.slots[i]); /* badged copies of root's */
            slot_free(p->list.slots[i]);
        }
    }
    p->list.count = 0;
    if (p->child) {
        p->service_ep = 0; /* it was made from the region, and its slot was in the list */
    }
    p->cnode = p->tcb = p->pml4 = p->ntfn = p->ping_cap = p->inject_cap = p->info_frame = p->ipc_frame = 0;
    p->ntext = 0;
    p->image_pages = p->table_pages = 0;
    p->ping_out = false;
}

void proc_destroy(struct proc *p, enum proc_state final, int status)
{
    proc_teardown(p);
    domain_release(p);
    if (p->service_ep) {
        /* Clients' copies go too: blocked callers get ABORTED, later calls INVALID_CAPABILITY. */
        axl_cnode_revoke(AXL_SLOT_CNODE, p->service_ep);
        axl_cnode_delete(AXL_SLOT_CNODE, p->service_ep);
        slot_free(p->service_ep);
    }
    for (unsigned i = 0; i < p->npersist; i++) {
        axl_cnode_revoke(AXL_SLOT_CNODE, p->persist[i]);
        axl_cnode_delete(AXL_SLOT_CNODE, p->persist[i]);
        slot_free(p->persist[i]);
    }
    p->npersist = 0;
    p->region = p->service_ep = 0;
    p->state = p->child ? PROC_FREE : final; /* a spawned process leaves no entry behind */
    p->status = status;
}

uint64_t proc_some_frame_address(const struct proc *p)
{
    uint64_t pa = 0;
    if (p->info_frame && axl_page_address(p->info_frame, &pa) != AXL_E_OK) {
        pa = 0;
    }
    return pa;
}

uint64_t proc_text_frame_address(const struct proc *p)
{
    uint64_t pa = 0;
    if (!p->ntext || axl_page_address(p->text[0].frame, &pa) != AXL_E_OK) {
        pa = 0;
    }
    return pa;
}

uint64_t proc_tsc_hz(void) { return boot && boot->tsc_hz ? boot->tsc_hz : 1000000000ull; }

/* --- the report --- */

static const char *state_name(const struct proc *p, uint64_t *tcb_state)
{
    static const char *const thread_states[] = {
#define AXL_X(value, name, text) [value] = #name,
        AXL_THREAD_STATES(AXL_X)
#undef AXL_X
    };
    *tcb_state = 0;
    switch (p->state) {
    case PROC_EXITED:
        return "exited";
    case PROC_FAULTED:
        return "faulted";
    case PROC_FAILED:
        return "failed";
    case PROC_KILLED:
        return "killed";
    case PROC_WAITING:
        return "waiting";
    default:
        break;
    }
    struct axl_tcb_info ti;
    if (axl_tcb_info(p->tcb, &ti) != AXL_E_OK || ti.state >= sizeof(thread_states) / sizeof(*thread_states)) {
        return "?";
    }
    *tcb_state = ti.state;
    switch (ti.state) {
    case AXL_THREAD_RUNNING:
        return "running";
    case AXL_THREAD_INACTIVE:
        return "stopped";
    case AXL_THREAD_FAULTED:
        return "faulted";
    case AXL_THREAD_BLOCKED_SEND:
    case AXL_THREAD_BLOCKED_RECV:
    case AXL_THREAD_BLOCKED_REPLY:
    case AXL_THREAD_BLOCKED_NOTIFICATION:
        return "blocked";
    default:
        return thread_states[ti.state];
    }
}

void procs_report(bool text, bool json)
{
    static uint64_t seq;
    const struct axl_bootinfo *bi = axl_bootinfo;

    seq++;
    if (json) {
        say("ps-json {\"kind\":\"begin\",\"seq\":%llu,\"tsc\":%llu,\"tsc_hz\":%llu,"
            "\"free\":%llu,\"root_slots\":%u}", (unsigned long long)seq,
            (unsigned long long)axl_rdtsc(), (unsigned long long)(bi ? bi->tsc_hz : 0),
            (unsigned long long)mem_free_bytes(), slots_used());
    }
    if (text) {
        say("%4s %-16s %-12s %-8s %4s %5s %8s %9s %4s %8s", "pid", "name", "domain", "state",
            "prio", "caps", "mem KiB", "quota KiB", "gen", "restarts");
    }
    for (unsigned i = 0; i < PROC_MAX; i++) {
        const struct proc *p = &procs[i];
        uint64_t ts;
        if (p->state == PROC_FREE) {
            continue;
        }
        const char *state = state_name(p, &ts);
        unsigned caps = 0;
        uint64_t heap_used = 0;
        if (p->cnode) {
            for (uint64_t s = 0; s < (1u << AXL_PROC_CNODE_RADIX); s++) {
                struct axl_cap_info ci;
                if (axl_cnode_inspect(p->cnode, s, &ci) == AXL_E_OK && ci.type != AXL_OBJ_NULL) {
                    caps++;
                    if (s == AXL_PROC_SLOT_HEAP_UNTYPED && ci.type == AXL_OBJ_UNTYPED) {
                        heap_used = ci.badge; /* an untyped's word: bytes used */
                    }
                }
            }
        }
        uint64_t mem = p->cnode ? (p->image_pages + p->table_pages + 1) * PAGE + CNODE_BYTES +
                                      heap_used
                                : 0;
        const char *dom = p->dom ? p->dom->name : "-";
        if (text) {
            say("%4llu %-16s %-12s %-8s %4u %5u %8llu %9llu %4llu %8u", (unsigned long long)p->pid,
                p->name, dom, state, p->mf ? p->mf->priority : 0, caps,
                (unsigned long long)(mem / 1024), (unsigned long long)(p->quota / 1024),
                (unsigned long long)p->generation, p->restarts);
        }
        if (json) {
            say("ps-json {\"kind\":\"proc\",\"pid\":%llu,\"name\":\"%s\",\"domain\":\"%s\","
                "\"parent\":%llu,\"state\":\"%s\",\"priority\":%u,\"caps\":%u,\"mem\":%llu,"
                "\"quota\":%llu,\"threads\":%u,\"generation\":%llu,\"restarts\":%u}",
                (unsigned long long)p->pid, p->name, dom, (unsigned long long)p->parent, state,
                p->mf ? p->mf->priority : 0, caps, (unsigned long long)mem,
                (unsigned long long)p->quota, p->tcb ? 1u : 0u, (unsigned long long)p->generation,
                p->restarts);
        }
    }
    domains_report(text, json);
    if (json) {
        say("ps-json {\"kind\":\"end\",\"seq\":%llu}", (unsigned long long)seq);
    }
}
