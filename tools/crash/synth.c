/* SPDX-License-Identifier: MIT */
/* synth.c: synthetic crash inputs; see synth.h. */
#include <string.h>

#include "synth.h"

static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}
static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

#define BODY(rec) ((struct axl_pstore_body *)((rec) + AXL_PSTORE_BODY_OFFSET))

size_t synth_panic_record(uint8_t *rec, const struct synth_panic *p, const uint8_t *key)
{
    memset(rec, 0, AXL_PSTORE_RECORD_MAX);
    struct axl_pstore_body *b = BODY(rec);
    b->magic = AXL_PSTORE_MAGIC;
    b->version = AXL_PSTORE_VERSION;
    b->kind = AXL_PSTORE_KIND_PANIC;
    b->flags = (p->vector != 0xFFFFFFFFu ? AXL_PSTORE_F_HAVE_TRAP : 0) |
               (p->have_idt ? AXL_PSTORE_F_HAVE_IDT : 0);
    b->salt = p->salt ? p->salt : 0x5a17u;
    b->counter = p->counter;
    b->boot_count = p->boot;
    b->uptime_ns = 123456789;
    b->panic_tsc = 0x1234567890ull;
    for (int i = 0; i < 20; i++) {
        b->build_id[i] = (uint8_t)(0xa0 + i);
    }
    b->panic_code = p->panic_code;
    b->vector = p->vector;
    b->error_code = p->error_code;
    for (int i = 0; i < 16; i++) {
        b->regs[i] = 0x1111111111111111ull * (uint64_t)(i % 15 + 1);
    }
    b->regs[7] = p->rsp;
    b->regs[16] = p->rip;
    b->regs[17] = 0x46;
    b->regs[18] = 0x08;
    b->regs[19] = 0x10;
    b->regs[20] = 0x80010011;
    b->regs[21] = p->cr2;
    b->regs[22] = 0x12e000;
    b->regs[23] = 0x20;
    b->backtrace_count = 3;
    b->backtrace[0] = p->rip;
    b->backtrace[1] = p->rip + 0x100;
    b->backtrace[2] = p->rip + 0x200;
    b->idt_base = SYNTH_KERNEL_VA + SYNTH_IDT_PA;
    if (p->have_idt) {
        memset(b->idt_present, 0xff, sizeof(b->idt_present));
        for (int i = 0; i < 4 && p->missing[i] >= 0; i++) {
            b->idt_present[p->missing[i] / 8] &= (uint8_t) ~(1u << (p->missing[i] % 8));
        }
    }
    strncpy(b->reason, p->reason ? p->reason : "", sizeof(b->reason) - 1);
    size_t n = p->log ? strlen(p->log) : 0;
    if (n > AXL_PSTORE_LOG_MAX) {
        n = AXL_PSTORE_LOG_MAX;
    }
    b->log_len = (uint32_t)n;
    if (n) {
        memcpy(rec + AXL_PSTORE_BODY_OFFSET + sizeof(*b), p->log, n);
    }
    return pstore_seal(rec, key);
}

size_t synth_state_record(uint8_t *rec, uint64_t counter, uint64_t boot, uint64_t next_counter,
                          uint64_t last_consumed, const uint8_t *key)
{
    memset(rec, 0, AXL_PSTORE_RECORD_MAX);
    struct axl_pstore_body *b = BODY(rec);
    b->magic = AXL_PSTORE_MAGIC;
    b->version = AXL_PSTORE_VERSION;
    b->kind = AXL_PSTORE_KIND_STATE;
    b->salt = 0x77;
    b->counter = counter;
    b->boot_count = boot;
    b->vector = 0xFFFFFFFFu;
    b->next_counter = next_counter;
    b->last_consumed = last_consumed;
    return pstore_seal(rec, key);
}

void synth_store_init(uint8_t *buf, uint32_t nslots, uint32_t record_size)
{
    memset(buf, 0, (size_t)nslots * record_size);
    wr64(buf, AXL_ERST_FILE_MAGIC);
    wr32(buf + 8, record_size);  /* QEMU: record_size */
    wr32(buf + 12, record_size); /* QEMU: storage_offset (one header slot) */
    wr16(buf + 16, 0x0100);
}

void synth_store_put(uint8_t *buf, uint32_t record_size, uint32_t slot, uint64_t id,
                     const uint8_t *rec, size_t len)
{
    uint8_t *s = buf + (size_t)slot * record_size;
    memset(s, 0xff, record_size);
    memcpy(s, rec, len < record_size ? len : record_size);
    wr64(buf + 24 + 8 * (size_t)slot, id);
    wr32(buf + 20, crash_rd32(buf + 20) + 1);
}

/* --- the dump --- */

#define NOTES_AT 0x200
#define MEM_AT SYNTH_MEM_FILE_OFFSET

static size_t note(uint8_t *p, const char *name, uint32_t type, uint32_t descsz)
{
    wr32(p, 5);
    wr32(p + 4, descsz);
    wr32(p + 8, type);
    memcpy(p + 12, name, 5);
    return 12 + 8; /* header and padded name: the descriptor follows */
}

size_t synth_dump(uint8_t *buf, const int *missing, const uint8_t *rec, size_t len)
{
    size_t total = MEM_AT + SYNTH_DUMP_MEM;
    memset(buf, 0, total);
    /* ELF header */
    memcpy(buf, "\x7f" "ELF", 4);
    buf[4] = 2, buf[5] = 1, buf[6] = 1;
    wr16(buf + 16, 4);  /* ET_CORE */
    wr16(buf + 18, 62); /* EM_X86_64 */
    wr32(buf + 20, 1);
    wr64(buf + 32, 64); /* phoff */
    wr16(buf + 52, 64);
    wr16(buf + 54, 56);
    wr16(buf + 56, 2);
    /* notes: CORE prstatus (336) then QEMU state (440) */
    uint8_t *n = buf + NOTES_AT;
    size_t at = note(n, "CORE", 1, 336);
    wr64(n + at + 112 + 16 * 8, 0xffffffff80100abcull); /* rip */
    at += 336;
    uint8_t *q = n + at + note(n + at, "QEMU", 0, 440);
    at += 20 + 440;
    wr32(q, 1);
    wr32(q + 4, 440);
    wr64(q + 8 + 6 * 8, 0xffffffff80118f70ull); /* rsp */
    wr64(q + 136, 0xffffffff80100abcull);       /* rip */
    wr64(q + 144, 0x46);
    uint8_t *idt = q + 152 + 9 * 24; /* the tenth segment cache */
    wr32(idt + 4, 0xfff);
    wr64(idt + 16, SYNTH_KERNEL_VA + SYNTH_IDT_PA);
    wr64(q + 392, 0x80010011);           /* cr0: PG PE */
    wr64(q + 392 + 16, 0xdeadbeef);      /* cr2 */
    wr64(q + 392 + 24, 0x1000);          /* cr3 */
    wr64(q + 392 + 32, 0x20);            /* cr4: PAE */
    /* program headers: PT_NOTE, PT_LOAD */
    uint8_t *ph = buf + 64;
    wr32(ph, 4);
    wr64(ph + 8, NOTES_AT);
    wr64(ph + 32, at);
    wr64(ph + 40, at);
    ph += 56;
    wr32(ph, 1);
    wr32(ph + 4, 7);
    wr64(ph + 8, MEM_AT);
    wr64(ph + 24, 0);
    wr64(ph + 32, SYNTH_DUMP_MEM);
    wr64(ph + 40, SYNTH_DUMP_MEM);
    /* page tables: PML4 0x1000; [511] -> PDPT 0x2000, [510] -> PD 0x3000 (2 MiB at 0, and
     * [1] -> PT 0x5000); [256] -> PDPT 0x4000, [0] = 1 GiB at 0 */
    uint8_t *mem = buf + MEM_AT;
    wr64(mem + 0x1000 + 511 * 8, 0x2000 | 3);
    wr64(mem + 0x1000 + 256 * 8, 0x4000 | 3);
    wr64(mem + 0x2000 + 510 * 8, 0x3000 | 3);
    wr64(mem + 0x3000 + 0 * 8, 0x0 | 0x83);
    wr64(mem + 0x3000 + 1 * 8, 0x5000 | 3);
    wr64(mem + 0x4000 + 0 * 8, 0x0 | 0x83);
    wr64(mem + 0x5000 + 0 * 8, 0x8000 | 3);
    memcpy(mem + 0x8000, "small page", 10);
    /* the IDT: 256 present interrupt gates, but the missing ones */
    for (unsigned v = 0; v < 256; v++) {
        uint8_t *g = mem + SYNTH_IDT_PA + 16 * v;
        uint64_t handler = 0xffffffff80101000ull + 16 * v;
        wr16(g, (uint16_t)handler);
        wr16(g + 2, 0x08);
        g[5] = 0x8e;
        wr16(g + 6, (uint16_t)(handler >> 16));
        wr32(g + 8, (uint32_t)(handler >> 32));
    }
    for (size_t i = 0; missing && missing[i] >= 0 && i < 256; i++) {
        mem[SYNTH_IDT_PA + 16 * (size_t)missing[i] + 5] = 0x0e;
    }
    if (rec && len) {
        memcpy(mem + SYNTH_RECORD_PA, rec, len < 0xc00 ? len : 0xc00);
    }
    return total;
}
