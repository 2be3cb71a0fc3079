/* SPDX-License-Identifier: MIT */
/*
 * swifi.c: the x86-64 instruction length decoder and the code mutations of
 * software fault injection (swifi.h).
 *
 * The decoder only needs lengths and the position of the ModRM byte, so it
 * works from two 256-entry tables (the one-byte map and the 0F map, after
 * the Intel SDM, volume 2, appendix A) that say, for each opcode, whether it
 * is valid in 64-bit mode, whether a ModRM byte follows and which immediate
 * it carries. The few opcodes whose length depends on more than that (mov
 * r64, imm64; the moffs forms of mov; test in group 3) are handled by hand.
 *
 * A mutation is chosen in two passes of the linear sweep: the first counts
 * the candidate sites (bytes, instructions or register fields, by kind), a
 * seeded random number picks one, and the second pass finds it again, so
 * nothing is allocated.
 */
#include "swifi.h"

#include <string.h>

/* ---------------------------------------------------------------------------
 * Opcode tables
 */

enum {
    XX = 0,      /* invalid in 64-bit mode, unknown, or a prefix/escape handled apart */
    NO = 1 << 0, /* valid, no ModRM, no immediate */
    MM = 1 << 1, /* ModRM (with SIB and displacement as it says) */
    IB = 1 << 2, /* imm8 (also rel8) */
    IZ = 1 << 3, /* imm16 with an operand-size prefix, imm32 otherwise */
    IW = 1 << 4, /* imm16 always (ret imm16, enter) */
    ID = 1 << 5, /* rel32 always (call, jmp, jcc: 64-bit mode ignores 66 here) */
    MB = MM | IB,
    MZ = MM | IZ,
};

/* The one-byte map. 26/2E/36/3E/64-67/F0/F2/F3 (prefixes), 40-4F (REX) and
 * 0F (escape) never reach the table. 06/07/0E/16/17/1E/1F/27/2F/37/3F/60-62/
 * 82/9A/C4/C5/CE/D4/D5/D6/EA are invalid in 64-bit mode; 62 is EVEX and
 * C4/C5 VEX, which are not decoded. */
static const uint8_t map1[256] = {
    /*       0   1   2   3   4   5   6   7   8   9   A   B   C   D   E   F */
    /* 0 */ MM, MM, MM, MM, IB, IZ, XX, XX, MM, MM, MM, MM, IB, IZ, XX, XX,
    /* 1 */ MM, MM, MM, MM, IB, IZ, XX, XX, MM, MM, MM, MM, IB, IZ, XX, XX,
    /* 2 */ MM, MM, MM, MM, IB, IZ, XX, XX, MM, MM, MM, MM, IB, IZ, XX, XX,
    /* 3 */ MM, MM, MM, MM, IB, IZ, XX, XX, MM, MM, MM, MM, IB, IZ, XX, XX,
    /* 4 */ XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    /* 5 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
    /* 6 */ XX, XX, XX, MM, XX, XX, XX, XX, IZ, MZ, IB, MB, NO, NO, NO, NO,
    /* 7 */ IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB,
    /* 8 */ MB, MZ, XX, MB, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM,
    /* 9 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, XX, NO, NO, NO, NO, NO,
    /* A */ NO, NO, NO, NO, NO, NO, NO, NO, IB, IZ, NO, NO, NO, NO, NO, NO,
    /* B */ IB, IB, IB, IB, IB, IB, IB, IB, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ,
    /* C */ MB, MB, IW, NO, XX, XX, MB, MZ, IW | IB, NO, IW, NO, NO, IB, XX, NO,
    /* D */ MM, MM, MM, MM, XX, XX, XX, NO, MM, MM, MM, MM, MM, MM, MM, MM,
    /* E */ IB, IB, IB, IB, IB, IB, IB, IB, ID, ID, XX, IB, NO, NO, NO, NO,
    /* F */ XX, NO, XX, XX, NO, NO, MM, MM, NO, NO, NO, NO, NO, NO, MM, MM,
};

/* The two-byte map, 0F xx. 38 and 3A (three-byte maps) are handled apart.
 * Invalid or not decoded: 04, 0A, 0C, 0E (femms), 0F (3DNow!), 24-27, 36,
 * 39, 3B-3F, 7A, 7B, A6, A7. */
static const uint8_t map0f[256] = {
    /*       0   1   2   3   4   5   6   7   8   9   A   B   C   D   E   F */
    /* 0 */ MM, MM, MM, MM, XX, NO, NO, NO, NO, NO, XX, NO, XX, MM, XX, XX,
    /* 1 */ MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM,
    /* 2 */ MM, MM, MM, MM, XX, XX, XX, XX, MM, MM, MM, MM, MM, MM, MM, MM,
    /* 3 */ NO, NO, NO, NO, NO, NO, XX, NO, XX, XX, XX, XX, XX, XX, XX, XX,
    /* 4 */ MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM,
    /* 5 */ MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM,
    /* 6 */ MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM,
    /* 7 */ MB, MB, MB, MB, MM, MM, MM, NO, MM, MM, XX, XX, MM, MM, MM, MM,
    /* 8 */ ID, ID, ID, ID, ID, ID, ID, ID, ID, ID, ID, ID, ID, ID, ID, ID,
    /* 9 */ MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM,
    /* A */ NO, NO, NO, MM, MB, MM, XX, XX, NO, NO, NO, MM, MB, MM, MM, MM,
    /* B */ MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MB, MM, MM, MM, MM, MM,
    /* C */ MM, MM, MB, MM, MB, MB, MB, MM, NO, NO, NO, NO, NO, NO, NO, NO,
    /* D */ MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM,
    /* E */ MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM,
    /* F */ MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM, MM,
};

static bool is_legacy_prefix(uint8_t b)
{
    switch (b) {
    case 0x66: case 0x67: case 0xF0: case 0xF2: case 0xF3:
    case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65:
        return true;
    default:
        return false;
    }
}

/* Whether the prefixes in front of the opcode include byte b (0x66, 0x67). */
static bool has_prefix(const uint8_t *code, const struct x86_insn *in, uint8_t b)
{
    return memchr(code, b, in->opcode_off) != NULL;
}

/* ---------------------------------------------------------------------------
 * The decoder
 */

int x86_decode(const uint8_t *code, size_t avail, struct x86_insn *out)
{
    const size_t max = avail < 15 ? avail : 15; /* no instruction is longer than 15 bytes */
    /* The bytes, zero-padded: the decoder may read a few bytes past max
     * (never past 19) and the length check at the end refuses the result. */
    uint8_t b[20] = {0};
    struct x86_insn in = {0};
    bool opsize16 = false, addr32 = false;
    uint8_t rex = 0;
    size_t i = 0;

    if (code == NULL || out == NULL) {
        return -1;
    }
    memcpy(b, code, max);
    /* Prefixes. REX counts only right before the opcode: a legacy prefix
     * after it makes the processor ignore it. */
    for (;; i++) {
        if (i >= max) {
            return -1;
        }
        if (is_legacy_prefix(b[i])) {
            opsize16 |= b[i] == 0x66;
            addr32 |= b[i] == 0x67;
            rex = 0;
        } else if ((b[i] & 0xF0) == 0x40) {
            rex = b[i];
        } else {
            break;
        }
    }
    in.opcode_off = (unsigned)i;
    in.rex_w = rex & 8;
    in.rex_r = rex & 4;
    in.rex_b = rex & 1;
    if (in.rex_w) {
        opsize16 = false; /* REX.W wins over 66 */
    }

    const uint8_t op = b[i++];
    const uint8_t op2 = b[i]; /* meaningful after 0F only */
    uint8_t flags = map1[op];
    if (op == 0x0F) {
        i++;
        if (op2 == 0x38 || op2 == 0x3A) {
            i++; /* the third opcode byte: every 0F 38 xx has a ModRM, every 0F 3A xx also an imm8 */
            flags = op2 == 0x38 ? MM : MB;
        } else {
            flags = map0f[op2];
        }
    }
    if (flags == XX) {
        return -1;
    }

    size_t imm = 0;
    if (flags & IB) imm += 1;
    if (flags & IW) imm += 2;
    if (flags & IZ) imm += opsize16 ? 2 : 4;
    if (flags & ID) imm += 4;
    if (op >= 0xB8 && op <= 0xBF && in.rex_w) {
        imm = 8; /* mov r64, imm64 */
    } else if (op >= 0xA0 && op <= 0xA3) {
        imm = addr32 ? 4 : 8; /* mov al/eax/rax <-> moffs: the offset has the address size */
    }

    if (flags & MM) {
        const uint8_t modrm = b[i];
        const unsigned reg = (modrm >> 3) & 7, rm = modrm & 7;
        /* mov to/from control and debug registers (0F 20-23) ignore mod: always registers */
        const unsigned mod = op == 0x0F && op2 >= 0x20 && op2 <= 0x23 ? 3 : modrm >> 6;
        in.has_modrm = true;
        in.modrm_off = (unsigned)i++;
        if (mod != 3 && rm == 4) { /* SIB; base 5 with mod 0 means disp32 and no base */
            i += mod == 0 && (b[i] & 7) == 5 ? 5 : 1;
        }
        if (mod == 0 && rm == 5) {
            i += 4; /* RIP-relative */
        } else if (mod == 1) {
            i += 1;
        } else if (mod == 2) {
            i += 4;
        }
        /* Group 3: only test (/0, and its alias /1) has an immediate. */
        if ((op == 0xF6 || op == 0xF7) && reg < 2) {
            imm += op == 0xF6 ? 1 : (opsize16 ? 2 : 4);
        }
    }
    i += imm;
    if (i > max) {
        return -1;
    }
    in.len = (unsigned)i;
    *out = in;
    return 0;
}

/* ---------------------------------------------------------------------------
 * The sweep and the random numbers
 */

struct sweep {
    const uint8_t *text;
    size_t size, next;
};

/* The next instruction fully inside the buffer; undecodable bytes are skipped one by one. */
static bool sweep_next(struct sweep *s, size_t *at, struct x86_insn *in)
{
    while (s->next < s->size) {
        const size_t here = s->next;
        if (x86_decode(s->text + here, s->size - here, in) == 0) {
            s->next = here + in->len;
            *at = here;
            return true;
        }
        s->next = here + 1;
    }
    return false;
}

/* splitmix64 (Steele, Lea and Flood): small, and every seed is a good one. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* ---------------------------------------------------------------------------
 * Register fields (swifi.h, "Source and destination")
 */

struct reg_site {
    unsigned shift;     /* 3: ModRM.reg, 0: ModRM.rm */
    bool ext;           /* REX.R or REX.B: the register is r8-r15 */
    unsigned size;      /* operand size in bits, to name the register */
    bool address;       /* the base register of a memory operand */
    unsigned flippable; /* the bits of the field that may flip */
};

/* Fills sites[] with the register fields of in that kind reads (SWIFI_REG_SRC)
 * or writes (SWIFI_REG_DST) and returns how many (0..2). */
static unsigned reg_sites(const uint8_t *code, const struct x86_insn *in, enum swifi_kind kind,
                          struct reg_site sites[2])
{
    if (!in->has_modrm) {
        return 0;
    }
    const uint8_t *op = code + in->opcode_off;
    bool d = true, byte = false, lea = false;
    unsigned rm_size = 0; /* 0: the same size as reg */
    if ((op[0] < 0x40 && (op[0] & 7) < 4) || (op[0] >= 0x88 && op[0] <= 0x8B)) {
        d = op[0] & 2;
        byte = !(op[0] & 1);
    } else if (op[0] == 0x84 || op[0] == 0x85) {
        d = false;
        byte = op[0] == 0x84;
    } else if (op[0] == 0x63) {
        rm_size = 32;
    } else if (op[0] == 0x8D) {
        lea = true;
    } else if (op[0] == 0x69 || op[0] == 0x6B) {
        /* imul reg, r/m, imm: d = 1 */
    } else if (op[0] == 0x0F && ((op[1] >= 0x40 && op[1] <= 0x4F) || op[1] == 0xAF)) {
        /* cmovcc, imul: d = 1 */
    } else if (op[0] == 0x0F && (op[1] == 0xB6 || op[1] == 0xB7 || op[1] == 0xBE || op[1] == 0xBF)) {
        rm_size = op[1] & 1 ? 16 : 8;
    } else {
        return 0;
    }

    const uint8_t modrm = code[in->modrm_off];
    const unsigned mod = modrm >> 6, rm = modrm & 7;
    const unsigned size = byte ? 8 : in->rex_w ? 64 : has_prefix(code, in, 0x66) ? 16 : 32;
    if (lea && mod == 3) {
        return 0; /* not a valid instruction (#UD) */
    }

    unsigned n = 0;
    if ((kind == SWIFI_REG_DST) == d) {
        sites[n++] = (struct reg_site){.shift = 3, .ext = in->rex_r, .size = size, .flippable = 7};
    }
    if (mod == 3) {
        if ((kind == SWIFI_REG_DST) != d) {
            sites[n++] = (struct reg_site){.shift = 0, .ext = in->rex_b,
                                           .size = rm_size ? rm_size : size, .flippable = 7};
        }
    } else if (kind == SWIFI_REG_SRC && rm != 4 && !(mod == 0 && rm == 5)) {
        /* A base register named by the ModRM alone. A flip must not turn it
         * into 4 (a SIB byte follows) or, with mod 0, into 5 (RIP-relative):
         * either would change the instruction's length. */
        unsigned flippable = 0;
        for (unsigned b = 0; b < 3; b++) {
            const unsigned to = rm ^ (1u << b);
            if (to != 4 && !(mod == 0 && to == 5)) {
                flippable |= 1u << b;
            }
        }
        sites[n++] = (struct reg_site){.shift = 0, .ext = in->rex_b, .address = true,
                                       .size = has_prefix(code, in, 0x67) ? 32 : 64,
                                       .flippable = flippable};
    }
    return n;
}

static const char *reg_name(unsigned num, unsigned size, bool rex)
{
    static const char names[4][16][5] = {
        {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
         "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"},
        {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
         "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"},
        {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
         "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"},
        {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
         "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"},
    };
    static const char high8[4][3] = {"ah", "ch", "dh", "bh"};
    if (size == 8 && !rex && num >= 4 && num < 8) {
        return high8[num - 4]; /* without any REX byte, 4-7 are the high bytes */
    }
    return names[size == 8 ? 0 : size == 16 ? 1 : size == 32 ? 2 : 3][num & 15];
}

/* ---------------------------------------------------------------------------
 * The log line, without printf
 */

struct line {
    char *buf;
    size_t len, cap;
};

static void put(struct line *l, const char *s)
{
    while (*s && l->len + 1 < l->cap) {
        l->buf[l->len++] = *s++;
    }
    l->buf[l->len] = '\0';
}

static void put_num(struct line *l, uint64_t v, unsigned base)
{
    char s[24];
    size_t k = sizeof(s) - 1;
    s[k] = '\0';
    do { /* digits from the right */
        s[--k] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    put(l, base == 16 ? "0x" : "");
    put(l, s + k);
}

/* "instruction at +0x1a2f (5 bytes)" */
static void put_insn(struct line *l, size_t at, unsigned len)
{
    put(l, "instruction at +");
    put_num(l, at, 16);
    put(l, " (");
    put_num(l, len, 10);
    put(l, len == 1 ? " byte)" : " bytes)");
}

/* ---------------------------------------------------------------------------
 * Mutations
 */

static bool is_nop(const uint8_t *code, const struct x86_insn *in)
{
    const uint8_t *op = code + in->opcode_off;
    return (op[0] == 0x90 && !in->rex_b) || (op[0] == 0x0F && op[1] == 0x1F);
}

/* How many sites of kind the instruction offers: its bytes, itself, or its register fields. */
static unsigned sites_in(const uint8_t *code, const struct x86_insn *in, enum swifi_kind kind)
{
    struct reg_site sites[2];
    switch (kind) {
    case SWIFI_BITFLIP:
        return in->len;
    case SWIFI_DROP:
        return is_nop(code, in) ? 0 : 1;
    case SWIFI_REG_SRC:
    case SWIFI_REG_DST:
        return reg_sites(code, in, kind, sites);
    }
    return 0;
}

int swifi_mutate(uint8_t *text, size_t size, enum swifi_kind kind, uint64_t seed,
                 struct swifi_result *res)
{
    struct sweep s = {.text = text, .size = size};
    struct x86_insn in;
    size_t at = 0;
    uint64_t total = 0;

    if (text == NULL || res == NULL || size == 0 || (unsigned)kind > SWIFI_REG_DST) {
        return -1;
    }
    while (sweep_next(&s, &at, &in)) {
        total += sites_in(text + at, &in, kind);
    }
    if (total == 0) {
        return -1;
    }

    /* Find the chosen site again: the pick-th of the sweep, counted from 0. */
    uint64_t state = seed;
    uint64_t pick = next_random(&state) % total;
    s.next = 0;
    for (;;) {
        sweep_next(&s, &at, &in); /* cannot run out: pick < total */
        const unsigned n = sites_in(text + at, &in, kind);
        if (pick < n) {
            break;
        }
        pick -= n;
    }

    struct swifi_result r;
    memset(&r, 0, sizeof(r));
    struct line l = {.buf = r.what, .cap = sizeof(r.what)};
    uint8_t *insn = text + at;
    r.len = 1;
    if (kind == SWIFI_BITFLIP) {
        const unsigned bit = (unsigned)(next_random(&state) % 8);
        r.offset = at + pick;
        r.before[0] = insn[pick];
        r.after[0] = (uint8_t)(insn[pick] ^ (1u << bit));
        put(&l, "bit ");
        put_num(&l, bit, 10);
        put(&l, " of byte +");
        put_num(&l, r.offset, 16);
        put(&l, " flipped, in the ");
        put_insn(&l, at, in.len);
    } else if (kind == SWIFI_DROP) {
        r.offset = at;
        r.len = in.len;
        memcpy(r.before, insn, in.len);
        memset(r.after, 0x90, in.len);
        put_insn(&l, at, in.len);
        put(&l, " replaced by NOPs");
    } else {
        struct reg_site sites[2];
        reg_sites(insn, &in, kind, sites);
        const struct reg_site *site = &sites[pick];
        /* The flip: the k-th (from seed) of the bits that may flip. */
        unsigned options = 0, bit = 0;
        for (unsigned b = 0; b < 3; b++) {
            options += (site->flippable >> b) & 1;
        }
        for (unsigned k = (unsigned)(next_random(&state) % options);; bit++) {
            if (((site->flippable >> bit) & 1) && k-- == 0) {
                break;
            }
        }
        const uint8_t modrm = insn[in.modrm_off];
        const unsigned from = ((modrm >> site->shift) & 7) | (site->ext ? 8 : 0);
        const unsigned to = from ^ (1u << bit);
        const bool rex = in.opcode_off > 0 && (insn[in.opcode_off - 1] & 0xF0) == 0x40;
        r.offset = at + in.modrm_off;
        r.before[0] = modrm;
        r.after[0] = (uint8_t)(modrm ^ (1u << (site->shift + bit)));
        put(&l, kind == SWIFI_REG_DST ? "destination" : site->address ? "source (address)" : "source");
        put(&l, " register ");
        put(&l, reg_name(from, site->size, rex));
        put(&l, " -> ");
        put(&l, reg_name(to, site->size, rex));
        put(&l, " in ");
        put_insn(&l, at, in.len);
    }
    memcpy(text + r.offset, r.after, r.len);
    *res = r;
    return 0;
}
