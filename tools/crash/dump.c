/* SPDX-License-Identifier: MIT */
/*
 * dump.c: QEMU dump-guest-memory ELF64 cores (paging=false): PT_LOAD
 * segments at guest-physical addresses (p_paddr), and per CPU a "CORE"
 * NT_PRSTATUS note and a "QEMU" note holding QEMUCPUState (QEMU's
 * target/i386/arch_dump.c: version, size, rax rbx rcx rdx rsi rdi rsp rbp
 * r8..r15, rip, rflags, ten segment caches cs ds es fs gs ss ldt tr gdt idt
 * of {u32 selector, limit, flags, pad; u64 base}, cr[5], then optional
 * fields). Virtual addresses are translated by walking the guest's page
 * tables from CR3, read out of the dump.
 */
#include <stdlib.h>
#include <string.h>

#include "crash.h"

static const uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};
static const uint8_t creator_guid[16] = {0x0e, 0x1f, 0x5c, 0x6a, 0x7d, 0x3b, 0x2a, 0x4c,
                                         0x9e, 0x41, 0x5f, 0x0b, 0x8d, 0x27, 0xc3, 0x66};
_Static_assert(sizeof(struct axl_guid) == 16, "GUID size");

const char *crash_kind_name(enum crash_kind k)
{
    switch (k) {
    case CRASH_KIND_ERST: return "erst";
    case CRASH_KIND_ELF: return "elf-dump";
    case CRASH_KIND_RECORD: return "record";
    default: return "unknown";
    }
}

bool crash_find_elf_magic(const uint8_t *buf, size_t len, struct crash_byteorder *bo)
{
    size_t end = len < CRASH_MAGIC_SCAN ? len : CRASH_MAGIC_SCAN;
    memset(bo, 0, sizeof(*bo));
    for (size_t off = 0; off + 4 <= end; off += 4) {
        const uint8_t *p = buf + off;
        if (p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F') {
            bo->found = true;
            bo->offset = off;
            return true;
        }
        if (p[0] == 'F' && p[1] == 'L' && p[2] == 'E' && p[3] == 0x7f) {
            bo->found = bo->swapped = true;
            bo->offset = off;
            return true;
        }
    }
    return false;
}

void crash_swap32(uint8_t *buf, size_t len)
{
    for (size_t off = 0; off + 4 <= len; off += 4) {
        uint8_t *p = buf + off, t;
        t = p[0], p[0] = p[3], p[3] = t;
        t = p[1], p[1] = p[2], p[2] = t;
    }
}

enum crash_kind crash_detect(const uint8_t *buf, size_t len, struct crash_byteorder *bo)
{
    memset(bo, 0, sizeof(*bo));
    if (len >= 8 && crash_rd64(buf) == AXL_ERST_FILE_MAGIC) {
        return CRASH_KIND_ERST;
    }
    if (len >= 4 && memcmp(buf, AXL_CPER_SIGNATURE, 4) == 0) {
        return CRASH_KIND_RECORD;
    }
    if (crash_find_elf_magic(buf, len, bo)) {
        return CRASH_KIND_ELF;
    }
    return CRASH_KIND_UNKNOWN;
}

/* --- the ELF --- */

#define PT_LOAD 1
#define PT_NOTE 4
#define NT_PRSTATUS 1
#define PN_XNUM 0xffff
#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define SHDR_SIZE 64
#define QEMU_STATE_MIN 432 /* through cr[4] */
#define PRSTATUS_REGS 112
#define PRSTATUS_MIN (PRSTATUS_REGS + 27 * 8)

static bool in_file(size_t len, uint64_t off, uint64_t n) { return off <= len && n <= len - off; }

static void read_seg(struct crash_cpu_seg *s, const uint8_t *p)
{
    s->selector = crash_rd32(p);
    s->limit = crash_rd32(p + 4);
    s->flags = crash_rd32(p + 8);
    s->base = crash_rd64(p + 16);
}

static void qemu_note(struct crash_cpu *c, const uint8_t *p, size_t n)
{
    if (n < QEMU_STATE_MIN) {
        return;
    }
    c->have_qemu = true;
    c->version = crash_rd32(p);
    c->size = crash_rd32(p + 4);
    for (int i = 0; i < 16; i++) {
        c->gpr[i] = crash_rd64(p + 8 + 8 * i);
    }
    c->rip = crash_rd64(p + 136);
    c->rflags = crash_rd64(p + 144);
    struct crash_cpu_seg *segs[10] = {&c->cs, &c->ds, &c->es, &c->fs,  &c->gs,
                                      &c->ss, &c->ldt, &c->tr, &c->gdt, &c->idt};
    for (int i = 0; i < 10; i++) {
        read_seg(segs[i], p + 152 + 24 * i);
    }
    for (int i = 0; i < 5; i++) {
        c->cr[i] = crash_rd64(p + 392 + 8 * i);
    }
}

/* NT_PRSTATUS regs: r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs
 * eflags rsp ss ...; used only where no QEMU note gives the registers. */
static void prstatus_note(struct crash_cpu *c, const uint8_t *p, size_t n)
{
    if (n < PRSTATUS_MIN) {
        return;
    }
    c->have_prstatus = true;
    if (c->have_qemu) {
        return;
    }
    static const int to_gpr[15] = {15, 14, 13, 12, 7, 1, 11, 10, 9, 8, 0, 2, 3, 4, 5};
    const uint8_t *r = p + PRSTATUS_REGS;
    for (int i = 0; i < 15; i++) {
        c->gpr[to_gpr[i]] = crash_rd64(r + 8 * i);
    }
    c->rip = crash_rd64(r + 16 * 8);
    c->cs.selector = (uint32_t)crash_rd64(r + 17 * 8);
    c->rflags = crash_rd64(r + 18 * 8);
    c->gpr[6] = crash_rd64(r + 19 * 8);
    c->ss.selector = (uint32_t)crash_rd64(r + 20 * 8);
}

static void parse_notes(struct crash_dump *d, const uint8_t *p, size_t n, size_t *nqemu,
                        size_t *ncore)
{
    size_t off = 0;
    while (off + 12 <= n) {
        uint32_t namesz = crash_rd32(p + off), descsz = crash_rd32(p + off + 4);
        uint32_t type = crash_rd32(p + off + 8);
        uint64_t name_at = off + 12;
        uint64_t desc_at = name_at + (((uint64_t)namesz + 3) & ~3ull);
        uint64_t next = desc_at + (((uint64_t)descsz + 3) & ~3ull);
        if (desc_at > n || descsz > n - desc_at) {
            d->truncated = true;
            return;
        }
        const uint8_t *name = p + name_at, *desc = p + desc_at;
        if (namesz == 5 && memcmp(name, "QEMU", 5) == 0) {
            if (*nqemu < CRASH_MAX_CPUS) {
                qemu_note(&d->cpus[(*nqemu)++], desc, descsz);
            }
        } else if (namesz == 5 && memcmp(name, "CORE", 5) == 0 && type == NT_PRSTATUS) {
            if (*ncore < CRASH_MAX_CPUS) {
                prstatus_note(&d->cpus[(*ncore)++], desc, descsz);
            }
        }
        if (next > n) {
            return;
        }
        off = (size_t)next;
    }
}

static int cmp_seg(const void *a, const void *b)
{
    const struct crash_segment *x = a, *y = b;
    return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

int crash_dump_open(const uint8_t *elf, size_t len, struct crash_dump *d, char *err,
                    size_t errlen)
{
    memset(d, 0, sizeof(*d));
    d->elf = elf;
    d->len = len;
    if (len < EHDR_SIZE || memcmp(elf, elf_magic, 4) != 0) {
        snprintf(err, errlen, "ELF header: shorter than an ELF64 header");
        return -1;
    }
    if (elf[4] != 2 || elf[5] != 1) {
        snprintf(err, errlen, "ELF header: not ELF64 little-endian (class %u, data %u)", elf[4],
                 elf[5]);
        return -1;
    }
    d->type = crash_rd16(elf + 16);
    d->machine = crash_rd16(elf + 18);
    uint64_t phoff = crash_rd64(elf + 32), shoff = crash_rd64(elf + 40);
    uint16_t phentsize = crash_rd16(elf + 54);
    uint64_t phnum = crash_rd16(elf + 56);
    if (phnum == PN_XNUM) { /* the real count is section 0's sh_info */
        phnum = 0;
        if (crash_rd16(elf + 58) >= SHDR_SIZE && in_file(len, shoff, SHDR_SIZE)) {
            phnum = crash_rd32(elf + shoff + 44);
        }
    }
    if (phentsize < PHDR_SIZE || phnum == 0) {
        snprintf(err, errlen, "ELF header: no program headers");
        return -1;
    }
    if (phoff > len || phnum > (len - phoff) / phentsize) {
        snprintf(err, errlen, "ELF header: %llu program headers run past the end of the file",
                 (unsigned long long)phnum);
        return -1;
    }
    size_t nload = 0;
    for (uint64_t i = 0; i < phnum; i++) {
        nload += crash_rd32(elf + phoff + i * phentsize) == PT_LOAD;
    }
    if (nload > CRASH_MAX_SEGMENTS) {
        nload = CRASH_MAX_SEGMENTS;
    }
    d->segs = calloc(nload ? nload : 1, sizeof(*d->segs));
    if (!d->segs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t nqemu = 0, ncore = 0;
    for (uint64_t i = 0; i < phnum; i++) {
        const uint8_t *ph = elf + phoff + i * phentsize;
        uint32_t type = crash_rd32(ph);
        uint64_t off = crash_rd64(ph + 8), paddr = crash_rd64(ph + 24);
        uint64_t filesz = crash_rd64(ph + 32);
        if (off > len) {
            d->truncated = true;
            continue;
        }
        if (filesz > len - off) {
            d->truncated = true;
            filesz = len - off;
        }
        if (type == PT_LOAD && d->nsegs < nload && filesz > 0) {
            if (paddr + filesz < paddr) { /* wraps: keep what fits below 2^64 */
                filesz = 0 - paddr;
            }
            struct crash_segment *s = &d->segs[d->nsegs++];
            s->paddr = paddr;
            s->size = filesz;
            s->data = elf + off;
            d->mem_bytes += filesz;
        } else if (type == PT_NOTE) {
            parse_notes(d, elf + off, (size_t)filesz, &nqemu, &ncore);
        }
    }
    qsort(d->segs, d->nsegs, sizeof(*d->segs), cmp_seg);
    d->ncpus = nqemu > ncore ? nqemu : ncore;
    return 0;
}

void crash_dump_close(struct crash_dump *d)
{
    free(d->segs);
    d->segs = NULL;
    d->nsegs = 0;
}

/* The last segment starting at or below pa, or NULL. */
static const struct crash_segment *seg_at(const struct crash_dump *d, uint64_t pa)
{
    size_t lo = 0, hi = d->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->segs[mid].paddr <= pa) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    /* segments may overlap: look back for one that holds pa */
    for (size_t i = lo; i > 0; i--) {
        const struct crash_segment *s = &d->segs[i - 1];
        if (pa - s->paddr < s->size) {
            return s;
        }
        if (lo - i >= 8) {
            break;
        }
    }
    return NULL;
}

bool crash_dump_read_phys(const struct crash_dump *d, uint64_t pa, void *buf, size_t n)
{
    uint8_t *out = buf;
    while (n > 0) {
        const struct crash_segment *s = seg_at(d, pa);
        if (!s) {
            return false;
        }
        uint64_t off = pa - s->paddr, left = s->size - off;
        size_t k = left < n ? (size_t)left : n;
        memcpy(out, s->data + off, k);
        out += k;
        n -= k;
        if (pa + k < pa && n > 0) {
            return false;
        }
        pa += k;
    }
    return true;
}

#define PTE_P 0x1ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull

enum crash_walk crash_dump_translate(const struct crash_dump *d, uint64_t cr0, uint64_t cr3,
                                     uint64_t va, uint64_t *pa, unsigned *level)
{
    *pa = 0;
    if (level) {
        *level = 0;
    }
    if (!(cr0 & (1ull << 31))) { /* paging off */
        *pa = va;
        return CRASH_WALK_OK;
    }
    int64_t top = (int64_t)va >> 47;
    if (top != 0 && top != -1) {
        return CRASH_WALK_NONCANONICAL;
    }
    uint64_t table = cr3 & PTE_ADDR;
    for (unsigned lvl = 4; lvl >= 1; lvl--) {
        unsigned shift = 12 + 9 * (lvl - 1);
        uint64_t idx = (va >> shift) & 511, e;
        uint8_t raw[8];
        if (!crash_dump_read_phys(d, table + 8 * idx, raw, 8)) {
            return CRASH_WALK_NO_MEMORY;
        }
        e = crash_rd64(raw);
        if (!(e & PTE_P)) {
            return CRASH_WALK_NOT_PRESENT;
        }
        if (level) {
            *level = lvl;
        }
        if ((lvl == 3 || lvl == 2) && (e & PTE_PS)) {
            uint64_t mask = (1ull << shift) - 1;
            *pa = ((e & PTE_ADDR) & ~mask) | (va & mask);
            return CRASH_WALK_OK;
        }
        table = e & PTE_ADDR;
    }
    *pa = table | (va & 0xfff);
    return CRASH_WALK_OK;
}

bool crash_dump_read_virt(const struct crash_dump *d, uint64_t cr0, uint64_t cr3, uint64_t va,
                          void *buf, size_t n)
{
    uint8_t *out = buf;
    while (n > 0) {
        uint64_t pa;
        if (crash_dump_translate(d, cr0, cr3, va, &pa, NULL) != CRASH_WALK_OK) {
            return false;
        }
        size_t k = 4096 - (size_t)(va & 0xfff);
        if (k > n) {
            k = n;
        }
        if (!crash_dump_read_phys(d, pa, out, k)) {
            return false;
        }
        out += k;
        n -= k;
        va += k;
    }
    return true;
}

void crash_dump_read_idt(const struct crash_dump *d, const struct crash_cpu *cpu,
                         struct crash_idt *idt)
{
    memset(idt, 0, sizeof(*idt));
    if (!cpu || !cpu->have_qemu) {
        return;
    }
    idt->base = cpu->idt.base;
    idt->limit = cpu->idt.limit;
    for (unsigned v = 0; v < 256; v++) {
        uint8_t g[16];
        if (16ull * v + 15 > idt->limit) {
            idt->gate[v] = CRASH_GATE_BEYOND_LIMIT;
            continue;
        }
        if (!crash_dump_read_virt(d, cpu->cr[0], cpu->cr[3], idt->base + 16ull * v, g, 16)) {
            idt->gate[v] = CRASH_GATE_UNREADABLE;
            continue;
        }
        idt->valid = true;
        idt->handler[v] = (uint64_t)crash_rd16(g) | (uint64_t)crash_rd16(g + 6) << 16 |
                          (uint64_t)crash_rd32(g + 8) << 32;
        if (g[5] & 0x80) {
            idt->gate[v] = CRASH_GATE_PRESENT;
            idt->present += v < 32;
        } else {
            idt->gate[v] = CRASH_GATE_MISSING;
        }
    }
}

size_t crash_dump_find_records(const struct crash_dump *d, uint64_t *paddr,
                               const uint8_t **where, size_t *avail, size_t max)
{
    size_t found = 0;
    for (size_t i = 0; i < d->nsegs && found < max; i++) {
        const struct crash_segment *s = &d->segs[i];
        uint64_t off = (4 - (s->paddr & 3)) & 3;
        for (; off + 4 <= s->size && found < max; off += 4) {
            const uint8_t *p = s->data + off;
            if (p[0] != 'C' || p[1] != 'P' || p[2] != 'E' || p[3] != 'R') {
                continue;
            }
            uint64_t left = s->size - off;
            if (left < AXL_PSTORE_BODY_OFFSET + 4 ||
                memcmp(p + offsetof(struct axl_cper_header, creator_id), creator_guid, 16) != 0 ||
                crash_rd32(p + AXL_PSTORE_BODY_OFFSET) != AXL_PSTORE_MAGIC) {
                continue;
            }
            paddr[found] = s->paddr + off;
            where[found] = p;
            avail[found] = (size_t)left;
            found++;
        }
    }
    return found;
}
