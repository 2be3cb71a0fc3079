/* SPDX-License-Identifier: MIT */
/*
 * vtd_model.c: the software model of QEMU 7.2's VT-d translation (legacy
 * mode) described in vtd_model.h. Written from the VT-d spec and from
 * shared/reference/qemu-hardware.md §5 (and QEMU's hw/i386/intel_iommu.c
 * for the order of checks); independent of kernel/arch/x86_64/vtd_pt.c on
 * purpose, so that it can catch that file's mistakes.
 *
 * The order of a translation, as in QEMU: interrupt window; translation
 * off; IOTLB (by source-id); context cache or root + context entry (with
 * their checks); the second-level walk (range, then at every level: read,
 * permission, reserved bits); the interrupt-window check on the result;
 * IOTLB fill. Faults are never cached.
 */
#include "vtd_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG 4096ull
#define HAW 39 /* aw-bits=39: host addresses in entries, and the largest AGAW */
#define HAW_MASK ((1ull << HAW) - 1)
#define ADDR_MASK (HAW_MASK & ~(PG - 1))
#define INTR_FIRST 0xfee00000ull
#define INTR_LAST 0xfeefffffull

/* Root entry, legacy mode: bit 0 P, bits 11:1 and above HAW reserved, high qword reserved. */
#define RE_P 1ull
#define RE_RSVD_LO (0xffeull | ~HAW_MASK)

/* Context entry: lo = SLPTPTR | TT (3:2) | FPD (1) | P (0); hi = DID (23:8) | AW (2:0). */
#define CE_P 1ull
#define CE_FPD 2ull
#define CE_RSVD_LO (0xff0ull | ~HAW_MASK)
#define CE_RSVD_HI 0xffffffffff000080ull /* bits 63:24 and 7 */
#define TT_TRANSLATE 0
#define TT_DEV_IOTLB 1 /* needs device-iotlb=on: off here */
#define TT_PASS 2      /* needs ECAP.PT: on by default */
static unsigned ce_tt(uint64_t lo) { return (unsigned)(lo >> 2) & 3; }
static unsigned ce_aw(uint64_t hi) { return (unsigned)hi & 7; }
static uint16_t ce_did(uint64_t hi) { return (uint16_t)(hi >> 8); }

/* Second-level entries. Bits 63, 61:52 ignored; bit 62 (TM) reserved without device-TLB. */
#define SL_R 1ull
#define SL_W 2ull
#define SL_PS (1ull << 7)
#define SL_SNP (1ull << 11)
#define SL_IGNORED 0xbff0000000000000ull
#define SL_RSVD (SL_SNP | ~(HAW_MASK | SL_IGNORED))

/* Fault recording: the PASID-value field QEMU fills (0xffff) for faults found during the walk. */
#define FRCD_PV_NONE (0xffffull << 40)

struct model *model_new(size_t mem_size)
{
    struct model *m = calloc(1, sizeof(*m));
    if (!m || mem_size % PG != 0 || !(m->mem = calloc(1, mem_size)) ||
        !(m->cc = calloc(1u << 16, sizeof(*m->cc)))) {
        fprintf(stderr, "vtd_model: out of host memory\n");
        abort();
    }
    m->mem_size = mem_size;
    m->next_page = PG;
    m->cc_gen = 1;
    return m;
}

void model_free(struct model *m)
{
    if (m) {
        free(m->mem);
        free(m->cc);
        free(m);
    }
}

uint64_t model_alloc_page(struct model *m)
{
    if (m->next_page + PG > m->mem_size) {
        fprintf(stderr, "vtd_model: fake memory exhausted\n");
        abort();
    }
    uint64_t pa = m->next_page;
    m->next_page += PG;
    memset(m->mem + pa, 0, PG);
    return pa;
}

void *model_p2v(void *ctx, uint64_t pa)
{
    struct model *m = ctx;
    if (pa % PG != 0 || pa >= m->mem_size) {
        fprintf(stderr, "vtd_model: p2v(%#llx) outside fake memory\n", (unsigned long long)pa);
        abort();
    }
    return m->mem + pa;
}

/* What a DMA read of the tables does: fails outside memory (QEMU: a fault, reason by place). */
static bool mem_read(const struct model *m, uint64_t pa, uint64_t *v)
{
    if (pa % 8 != 0 || pa >= m->mem_size) {
        return false;
    }
    memcpy(v, m->mem + pa, 8);
    return true;
}

uint64_t model_read64(struct model *m, uint64_t pa)
{
    uint64_t v;
    if (!mem_read(m, pa, &v)) {
        abort();
    }
    return v;
}

void model_write64(struct model *m, uint64_t pa, uint64_t v)
{
    if (pa % 8 != 0 || pa >= m->mem_size) {
        abort();
    }
    memcpy(m->mem + pa, &v, 8);
}

/* --- caches --- */

static void reset_caches(struct model *m)
{
    memset(m->cc, 0, (1u << 16) * sizeof(*m->cc));
    m->cc_gen = 1;
    model_inv_iotlb_global(m);
}

void model_set_root(struct model *m, uint64_t rtaddr)
{
    m->rtaddr = rtaddr & ADDR_MASK;
    reset_caches(m);
}

void model_enable(struct model *m, bool on)
{
    if (m->te == on) {
        return; /* QEMU acts on changes only */
    }
    m->te = on;
    reset_caches(m);
}

void model_inv_context_global(struct model *m)
{
    if (++m->cc_gen == 0) { /* generations wrapped: forget everything */
        memset(m->cc, 0, (1u << 16) * sizeof(*m->cc));
        m->cc_gen = 1;
    }
}

void model_inv_context_device(struct model *m, uint16_t sid) { m->cc[sid].gen = 0; }

void model_inv_iotlb_global(struct model *m)
{
    memset(m->iotlb, 0, sizeof(m->iotlb));
    m->iotlb_used = 0;
}

static void iotlb_drop(struct model *m, struct model_iotlb *e)
{
    e->valid = false;
    m->iotlb_used--;
}

void model_inv_iotlb_domain(struct model *m, uint16_t did)
{
    for (unsigned i = 0; i < MODEL_IOTLB_MAX; i++) {
        if (m->iotlb[i].valid && m->iotlb[i].did == did) {
            iotlb_drop(m, &m->iotlb[i]);
        }
    }
}

void model_inv_iotlb_page(struct model *m, uint16_t did, uint64_t iova)
{
    for (unsigned i = 0; i < MODEL_IOTLB_MAX; i++) {
        struct model_iotlb *e = &m->iotlb[i];
        if (e->valid && e->did == did && (iova & e->mask) == e->iova) {
            iotlb_drop(m, e);
        }
    }
}

unsigned model_iotlb_count(const struct model *m) { return m->iotlb_used; }

static struct model_iotlb *iotlb_find(struct model *m, uint16_t sid, uint64_t iova)
{
    for (unsigned i = 0; i < MODEL_IOTLB_MAX; i++) {
        struct model_iotlb *e = &m->iotlb[i];
        if (e->valid && e->sid == sid && (iova & e->mask) == e->iova) {
            return e;
        }
    }
    return NULL;
}

static void iotlb_fill(struct model *m, struct model_iotlb fresh)
{
    if (m->iotlb_used >= MODEL_IOTLB_MAX) {
        model_inv_iotlb_global(m); /* QEMU empties a full IOTLB rather than evicting */
    }
    for (unsigned i = 0; i < MODEL_IOTLB_MAX; i++) {
        if (!m->iotlb[i].valid) {
            m->iotlb[i] = fresh;
            m->iotlb[i].valid = true;
            m->iotlb_used++;
            return;
        }
    }
}

/* --- faults --- */

/* Faults that a context entry's FPD suppresses (VT-d §7.2, "qualified"): 0x2-0x7, 0xC-0xE. */
static bool qualified(int reason)
{
    return (reason >= 0x2 && reason <= 0x7) || (reason >= 0xC && reason <= 0xE);
}

static void report(struct model *m, uint16_t sid, uint64_t iova, int reason, bool is_write,
                   bool fpd, bool in_walk)
{
    if (fpd && qualified(reason)) {
        return;
    }
    if (m->fsts & MODEL_FSTS_PFO) {
        return; /* nothing is recorded until software clears PFO */
    }
    if (m->frcd_hi & MODEL_FRCD_F) {
        if (model_frcd_sid(m->frcd_hi) != sid) {
            m->fsts |= MODEL_FSTS_PFO; /* the only register is busy: overflow */
        }
        return; /* same requester: collapsed into the pending record */
    }
    uint32_t before = m->fsts;
    m->frcd_lo = iova & ~(PG - 1);
    m->frcd_hi = MODEL_FRCD_F | (is_write ? 0 : MODEL_FRCD_T) | (uint64_t)(reason & 0xff) << 32 |
                 (in_walk ? FRCD_PV_NONE : 0) | sid;
    m->fsts |= MODEL_FSTS_PPF; /* FRI stays 0: one register */
    if (!(before & (MODEL_FSTS_PPF | MODEL_FSTS_PFO | MODEL_FSTS_IQE))) {
        m->fault_events++;
    }
}

void model_clear_frcd(struct model *m)
{
    m->frcd_hi &= ~MODEL_FRCD_F;
    m->fsts &= ~MODEL_FSTS_PPF;
}

void model_clear_fsts(struct model *m, uint32_t bits)
{
    m->fsts &= ~(bits & (MODEL_FSTS_PFO | MODEL_FSTS_IQE));
}

/* --- translation --- */

/* sid's root and context entries, checked as QEMU does; *fpd once the context entry is read. */
static int context_of(const struct model *m, uint16_t sid, uint64_t *lo, uint64_t *hi, bool *fpd)
{
    uint64_t rlo, rhi;
    *fpd = false;
    if (!mem_read(m, m->rtaddr + (sid >> 8) * 16, &rlo) ||
        !mem_read(m, m->rtaddr + (sid >> 8) * 16 + 8, &rhi)) {
        return MODEL_FR_ROOT_TABLE_INV;
    }
    if (!(rlo & RE_P)) {
        return MODEL_FR_ROOT_P;
    }
    if (rhi != 0 || (rlo & RE_RSVD_LO)) {
        return MODEL_FR_ROOT_RSVD;
    }
    uint64_t ce = (rlo & ~(PG - 1)) + (sid & 0xff) * 16;
    if (!mem_read(m, ce, lo) || !mem_read(m, ce + 8, hi)) {
        return MODEL_FR_CTX_TABLE_INV;
    }
    *fpd = (*lo & CE_FPD) != 0; /* meaningful even in a not-present entry */
    if (!(*lo & CE_P)) {
        return MODEL_FR_CTX_P;
    }
    if ((*hi & CE_RSVD_HI) || (*lo & CE_RSVD_LO)) {
        return MODEL_FR_CTX_RSVD;
    }
    if (ce_aw(*hi) != 1) {
        return MODEL_FR_CTX_INV; /* SAGAW = 0x2: only the 39-bit, 3-level table */
    }
    if (ce_tt(*lo) != TT_TRANSLATE && ce_tt(*lo) != TT_PASS) {
        return MODEL_FR_CTX_INV;
    }
    return MODEL_OK;
}

/* Reserved bits of a second-level entry; a large page also reserves its low address bits. */
static uint64_t sl_rsvd(unsigned level, bool large)
{
    if (!large) {
        return SL_RSVD;
    }
    return SL_RSVD | (level == 2 ? 0x1ff000ull : 0x3ffff000ull);
}

/* The second-level walk: *out is the IOTLB entry to fill (page, mask, output, permissions). */
static int walk(const struct model *m, uint64_t ce_lo, uint64_t ce_hi, uint64_t iova, bool is_write,
                struct model_iotlb *out)
{
    unsigned top = 2 + ce_aw(ce_hi), agaw = 30 + 9 * ce_aw(ce_hi);
    if (iova >> (agaw < HAW ? agaw : HAW)) {
        return MODEL_FR_BEYOND_AGAW;
    }
    uint64_t table = ce_lo & ~(PG - 1), need = is_write ? SL_W : SL_R, granted = SL_R | SL_W;
    for (unsigned level = top;; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t e;
        if (!mem_read(m, table + ((iova >> shift) & 511) * 8, &e)) {
            return level == top ? MODEL_FR_CTX_INV : MODEL_FR_PAGING_INV;
        }
        granted &= e;
        if (!(e & need)) { /* checked at every level; a zero entry is just "no permission" */
            return is_write ? MODEL_FR_WRITE : MODEL_FR_READ;
        }
        bool large = level > 1 && (e & SL_PS);
        if (e & sl_rsvd(level, large)) {
            return MODEL_FR_PAGING_RSVD;
        }
        if (level == 1 || large) {
            out->mask = ~((1ull << shift) - 1);
            out->pa = e & ADDR_MASK & out->mask;
            break;
        }
        table = e & ADDR_MASK;
    }
    if (out->pa <= INTR_LAST && out->pa + ~out->mask >= INTR_FIRST) {
        return MODEL_FR_INTERRUPT_ADDR;
    }
    out->iova = iova & out->mask;
    out->perm = (unsigned)granted;
    return MODEL_OK;
}

/* model_translate without the out-parameter handling: *pa is set on MODEL_OK only. */
static int translate(struct model *m, uint16_t sid, uint64_t iova, bool is_write, uint64_t *pa)
{
    if (iova >= INTR_FIRST && iova <= INTR_LAST) {
        return MODEL_INTERRUPT;
    }
    if (!m->te) {
        *pa = iova;
        return MODEL_OK;
    }
    struct model_iotlb *hit = iotlb_find(m, sid, iova);
    if (hit) {
        m->iotlb_hits++;
        if (!(hit->perm & (is_write ? SL_W : SL_R))) {
            return MODEL_DENIED_CACHED;
        }
        *pa = hit->pa | (iova & ~hit->mask);
        return MODEL_OK;
    }
    struct model_cc *cc = &m->cc[sid];
    uint64_t lo, hi;
    bool fpd;
    if (cc->gen == m->cc_gen) {
        lo = cc->lo;
        hi = cc->hi;
        fpd = (lo & CE_FPD) != 0;
    } else {
        int r = context_of(m, sid, &lo, &hi, &fpd);
        if (r != MODEL_OK) {
            report(m, sid, iova, r, is_write, fpd, false);
            return r;
        }
        *cc = (struct model_cc){.gen = m->cc_gen, .lo = lo, .hi = hi};
    }
    if (ce_tt(lo) == TT_PASS) {
        *pa = iova; /* pass-through is not cached in the IOTLB */
        return MODEL_OK;
    }
    m->walks++;
    struct model_iotlb fresh = {.sid = sid, .did = ce_did(hi)};
    int r = walk(m, lo, hi, iova, is_write, &fresh);
    if (r != MODEL_OK) {
        report(m, sid, iova, r, is_write, fpd, true);
        return r;
    }
    iotlb_fill(m, fresh);
    *pa = fresh.pa | (iova & ~fresh.mask);
    return MODEL_OK;
}

int model_translate(struct model *m, uint16_t sid, uint64_t iova, bool is_write, uint64_t *pa_out)
{
    uint64_t pa = 0;
    int r = translate(m, sid, iova, is_write, &pa);
    if (r == MODEL_OK && pa_out) {
        *pa_out = pa;
    }
    return r;
}
