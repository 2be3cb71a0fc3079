/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for servers/supervisor/swifi.c: the x86-64 length decoder and
 * the SWIFI code mutations (swifi.h).
 *
 * The decoder is checked on hand-written instructions of every class gcc
 * emits for x86-64 user code (each one checked against objdump when it was
 * written), on the 15-byte limit, on truncation and on opcodes it must
 * refuse. The mutations are checked on a small hand-assembled function: the
 * same seed gives the same mutation, seeds spread over the candidates, only
 * the reported bytes change, a dropped instruction becomes as many NOPs as
 * it was long, and a register mutation flips one bit of one ModRM register
 * field without changing any instruction's length. The decoder is compared
 * with objdump on real compiler output by tests/tools/test_swifi_objdump.py.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "swifi.h"

/* "48 b8 01" -> {0x48, 0xb8, 0x01}; returns the byte count. */
static size_t from_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    unsigned v;
    int used;
    while (n < cap && sscanf(hex, " %2x%n", &v, &used) == 1) {
        out[n++] = (uint8_t)v;
        hex += used;
    }
    return n;
}

/* ---------------------------------------------------------------------------
 * The decoder
 */

/* One instruction each; its length is its byte count. */
static const struct {
    const char *hex, *what;
} insns[] = {
    {"66 89 d8", "66: mov ax, bx"},
    {"67 8d 01", "67: lea eax, [ecx]"},
    {"f3 a4", "f3: rep movsb"},
    {"f2 ae", "f2: repne scasb"},
    {"f0 48 0f b1 0a", "f0 REX.W: lock cmpxchg [rdx], rcx"},
    {"64 48 8b 04 25 28 00 00 00", "64 REX.W SIB no base: mov rax, fs:0x28"},
    {"65 48 8b 04 25 00 00 00 00", "65: mov rax, gs:0"},
    {"2e 8b 00", "2e: mov eax, cs:[rax]"},
    {"3e ff e0", "3e: notrack jmp rax"},
    {"26 8b 00", "26: mov eax, es:[rax]"},
    {"36 8b 00", "36: mov eax, ss:[rax]"},
    {"40 88 c6", "REX: mov sil, al"},
    {"41 55", "REX.B: push r13"},
    {"4c 89 e7", "REX.WR: mov rdi, r12"},
    {"8b 04 24", "SIB: mov eax, [rsp]"},
    {"8b 44 24 08", "SIB disp8: mov eax, [rsp+8]"},
    {"8b 84 24 00 01 00 00", "SIB disp32: mov eax, [rsp+0x100]"},
    {"8b 04 85 00 10 00 00", "SIB no base: mov eax, [rax*4+0x1000]"},
    {"41 8b 45 00", "REX.B mod 1: mov eax, [r13+0]"},
    {"48 8b 05 10 20 00 00", "RIP-relative: mov rax, [rip+0x2010]"},
    {"48 8d 3d f0 ff ff ff", "RIP-relative: lea rdi, [rip-0x10]"},
    {"c7 05 10 00 00 00 01 00 00 00", "RIP-relative imm32: mov dword [rip+0x10], 1"},
    {"83 c0 01", "imm8: add eax, 1"},
    {"05 00 00 01 00", "imm32: add eax, 0x10000"},
    {"66 05 34 12", "imm16: add ax, 0x1234"},
    {"48 81 c4 00 01 00 00", "REX.W imm32: add rsp, 0x100"},
    {"66 81 c3 34 12", "66 imm16: add bx, 0x1234"},
    {"c7 00 01 00 00 00", "imm32: mov dword [rax], 1"},
    {"66 c7 00 34 12", "66 imm16: mov word [rax], 0x1234"},
    {"66 c7 44 24 08 34 12", "66 SIB disp8 imm16: mov word [rsp+8], 0x1234"},
    {"48 c7 c0 ff ff ff ff", "REX.W imm32: mov rax, -1"},
    {"b8 01 00 00 00", "imm32: mov eax, 1"},
    {"66 b8 34 12", "66 imm16: mov ax, 0x1234"},
    {"48 b8 88 77 66 55 44 33 22 11", "REX.W imm64: movabs rax, imm64"},
    {"49 bf 88 77 66 55 44 33 22 11", "REX.WB imm64: movabs r15, imm64"},
    {"66 48 b8 88 77 66 55 44 33 22 11", "66 REX.W imm64: REX.W wins"},
    {"66 48 05 00 01 00 00", "66 REX.W imm32: REX.W wins, add rax, 0x100"},
    {"66 48 c7 c0 ff ff ff ff", "66 REX.W imm32: REX.W wins, mov rax, -1"},
    {"66 48 f7 c1 00 00 01 00", "66 REX.W group 3 imm32: test rcx, 0x10000"},
    {"6a 01", "push imm8"},
    {"68 00 10 00 00", "push imm32"},
    {"69 c0 10 27 00 00", "imul eax, eax, 10000"},
    {"6b c0 05", "imul eax, eax, 5"},
    {"c2 08 00", "ret imm16"},
    {"c8 10 00 00", "enter 16, 0"},
    {"f6 c1 01", "test cl, 1"},
    {"f7 c1 00 00 01 00", "test ecx, imm32"},
    {"66 f7 c1 34 12", "test cx, imm16"},
    {"48 f7 44 24 08 ff 00 00 00", "test qword [rsp+8], imm32"},
    {"f6 d8", "neg al (group 3, no immediate)"},
    {"f7 d0", "not eax (group 3, no immediate)"},
    {"48 f7 f1", "div rcx"},
    {"a8 01", "test al, 1"},
    {"a9 00 01 00 00", "test eax, imm32"},
    {"a0 88 77 66 55 44 33 22 11", "moffs64: mov al, [imm64]"},
    {"48 a1 88 77 66 55 44 33 22 11", "moffs64: mov rax, [imm64]"},
    {"67 a0 44 33 22 11", "67 moffs32: mov al, [imm32]"},
    {"c0 e0 03", "shl al, 3"},
    {"d1 e0", "shl eax, 1"},
    {"48 d3 e8", "shr rax, cl"},
    {"e8 00 00 00 00", "call rel32"},
    {"e9 00 00 00 00", "jmp rel32"},
    {"eb fe", "jmp rel8"},
    {"74 05", "je rel8"},
    {"e3 00", "jrcxz"},
    {"ff d0", "call rax"},
    {"41 ff d3", "call r11"},
    {"ff 24 c5 00 10 00 00", "jmp [rax*8+0x1000]"},
    {"ff 25 00 10 00 00", "jmp [rip+0x1000]"},
    {"8f 00", "pop [rax]"},
    {"c3", "ret"},
    {"f3 c3", "repz ret"},
    {"c9", "leave"},
    {"cc", "int3"},
    {"cd 80", "int 0x80"},
    {"99", "cdq"},
    {"48 98", "cdqe"},
    {"48 ab", "stosq"},
    {"f3 48 ab", "rep stosq"},
    {"86 c4", "xchg ah, al"},
    {"48 87 d8", "xchg rax, rbx"},
    {"48 63 c7", "movsxd rax, edi"},
    {"d9 ee", "fldz"},
    {"dd 04 24", "fld qword [rsp]"},
    {"90", "nop"},
    {"66 90", "xchg ax, ax"},
    {"0f 1f 00", "nop3"},
    {"0f 1f 40 00", "nop4"},
    {"0f 1f 44 00 00", "nop5"},
    {"66 0f 1f 44 00 00", "nop6"},
    {"0f 1f 80 00 00 00 00", "nop7"},
    {"0f 1f 84 00 00 00 00 00", "nop8"},
    {"66 0f 1f 84 00 00 00 00 00", "nop9"},
    {"66 2e 0f 1f 84 00 00 00 00 00", "nop10: cs nopw"},
    {"66 66 2e 0f 1f 84 00 00 00 00 00", "nop11"},
    {"f3 0f 1e fa", "endbr64"},
    {"0f 84 00 01 00 00", "je rel32"},
    {"0f 8f fa ff ff ff", "jg rel32"},
    {"0f 94 c0", "sete al"},
    {"41 0f 9f c0", "setg r8b"},
    {"48 0f 4f c2", "cmovg rax, rdx"},
    {"0f 44 44 24 04", "cmove eax, [rsp+4]"},
    {"0f b6 c0", "movzx eax, al"},
    {"0f b7 47 02", "movzx eax, word [rdi+2]"},
    {"48 0f be c0", "movsx rax, al"},
    {"48 0f bf 07", "movsx rax, word [rdi]"},
    {"0f af c2", "imul eax, edx"},
    {"48 0f af 44 24 08", "imul rax, [rsp+8]"},
    {"0f a3 c8", "bt eax, ecx"},
    {"0f ba e0 05", "bt eax, 5"},
    {"48 0f ab c8", "bts rax, rcx"},
    {"48 0f ba 6c 24 08 3f", "bts qword [rsp+8], 63"},
    {"0f a4 c2 04", "shld edx, eax, 4"},
    {"0f a5 c2", "shld edx, eax, cl"},
    {"f3 0f b8 c0", "popcnt eax, eax"},
    {"f3 48 0f bc c7", "tzcnt rax, rdi"},
    {"0f bd c0", "bsr eax, eax"},
    {"0f c8", "bswap eax"},
    {"48 0f c1 07", "xadd [rdi], rax"},
    {"0f c7 f0", "rdrand eax"},
    {"0f ae e8", "lfence"},
    {"0f ae f8", "sfence"},
    {"0f 0b", "ud2"},
    {"0f 05", "syscall"},
    {"0f 31", "rdtsc"},
    {"0f a2", "cpuid"},
    {"0f 18 08", "prefetcht0 [rax]"},
    {"0f 22 90", "mov cr2, rax (0F 20-23: mod is ignored)"},
    {"0f 10 00", "movups xmm0, [rax]"},
    {"f3 0f 10 44 24 08", "movss xmm0, [rsp+8]"},
    {"f2 0f 10 05 00 10 00 00", "movsd xmm0, [rip+0x1000]"},
    {"66 0f 11 07", "movupd [rdi], xmm0"},
    {"0f 28 c1", "movaps xmm0, xmm1"},
    {"0f 29 44 24 10", "movaps [rsp+16], xmm0"},
    {"66 0f 2e c1", "ucomisd xmm0, xmm1"},
    {"0f 2f c1", "comiss xmm0, xmm1"},
    {"0f 57 c0", "xorps xmm0, xmm0"},
    {"f2 0f 58 c1", "addsd xmm0, xmm1"},
    {"f2 0f 59 c1", "mulsd xmm0, xmm1"},
    {"f2 0f 5c c1", "subsd xmm0, xmm1"},
    {"f2 0f 5e c1", "divsd xmm0, xmm1"},
    {"f2 48 0f 2a c0", "cvtsi2sd xmm0, rax"},
    {"f2 48 0f 2c c0", "cvttsd2si rax, xmm0"},
    {"66 0f 6e c0", "movd xmm0, eax"},
    {"66 48 0f 6e c0", "movq xmm0, rax"},
    {"66 48 0f 7e c0", "movq rax, xmm0"},
    {"f3 0f 7e 04 24", "movq xmm0, [rsp]"},
    {"66 0f d6 07", "movq [rdi], xmm0"},
    {"66 0f ef c0", "pxor xmm0, xmm0"},
    {"66 0f 6f 07", "movdqa xmm0, [rdi]"},
    {"f3 0f 6f 04 24", "movdqu xmm0, [rsp]"},
    {"f3 44 0f 7f 47 10", "movdqu [rdi+16], xmm8"},
    {"66 0f 70 c0 00", "pshufd xmm0, xmm0, 0"},
    {"66 0f 73 d8 08", "psrldq xmm0, 8"},
    {"0f c6 c1 44", "shufps xmm0, xmm1, 0x44"},
    {"66 0f c2 c1 01", "cmpltpd xmm0, xmm1"},
    {"66 0f 38 00 c1", "pshufb xmm0, xmm1"},
    {"66 0f 38 17 c1", "ptest xmm0, xmm1"},
    {"f2 0f 38 f1 c1", "crc32 eax, ecx"},
    {"0f 38 f0 07", "movbe eax, [rdi]"},
    {"66 0f 3a 0f c1 08", "palignr xmm0, xmm1, 8"},
    {"66 0f 3a 16 c0 01", "pextrd eax, xmm0, 1"},
    {"66 0f 3a 63 44 24 08 3a", "pcmpistri xmm0, [rsp+8], 0x3a"},
};

static void test_decode_lengths(void **state)
{
    (void)state;
    assert_true(sizeof(insns) / sizeof(insns[0]) >= 40);
    for (size_t k = 0; k < sizeof(insns) / sizeof(insns[0]); k++) {
        uint8_t buf[32];
        memset(buf, 0xCC, sizeof(buf)); /* what follows must not matter */
        const size_t n = from_hex(insns[k].hex, buf, sizeof(buf));
        struct x86_insn in;

        assert_true(n >= 1 && n <= 15);
        if (x86_decode(buf, sizeof(buf), &in) != 0 || in.len != n) {
            fail_msg("%s (%s): expected %zu bytes, decoded %d", insns[k].what, insns[k].hex, n,
                     x86_decode(buf, sizeof(buf), &in) == 0 ? (int)in.len : -1);
        }
        assert_int_equal(x86_decode(buf, n, &in), 0);
        assert_int_equal(in.len, n);
        assert_true(in.opcode_off < n);
        if (in.has_modrm) {
            assert_true(in.modrm_off > in.opcode_off && in.modrm_off < n);
        }
        /* One byte short: truncated. */
        if (x86_decode(buf, n - 1, &in) != -1) {
            fail_msg("%s (%s): decoded with %zu of %zu bytes", insns[k].what, insns[k].hex, n - 1, n);
        }
    }
}

static void decode_hex(const char *hex, struct x86_insn *in)
{
    uint8_t buf[16];
    const size_t n = from_hex(hex, buf, sizeof(buf));
    assert_int_equal(x86_decode(buf, n, in), 0);
    assert_int_equal(in->len, n);
}

static void test_decode_fields(void **state)
{
    (void)state;
    struct x86_insn in;

    decode_hex("c3", &in);
    assert_int_equal(in.opcode_off, 0);
    assert_false(in.has_modrm);
    assert_false(in.rex_w || in.rex_r || in.rex_b);

    decode_hex("f0 48 0f b1 0a", &in); /* lock cmpxchg [rdx], rcx */
    assert_int_equal(in.opcode_off, 2);
    assert_true(in.has_modrm);
    assert_int_equal(in.modrm_off, 4);
    assert_true(in.rex_w);
    assert_false(in.rex_r || in.rex_b);

    decode_hex("4c 89 e7", &in); /* mov rdi, r12 */
    assert_int_equal(in.opcode_off, 1);
    assert_int_equal(in.modrm_off, 2);
    assert_true(in.rex_w && in.rex_r);
    assert_false(in.rex_b);

    decode_hex("41 55", &in); /* push r13 */
    assert_int_equal(in.opcode_off, 1);
    assert_false(in.has_modrm);
    assert_true(in.rex_b);
    assert_false(in.rex_w || in.rex_r);

    decode_hex("49 bf 88 77 66 55 44 33 22 11", &in); /* movabs r15, imm64 */
    assert_int_equal(in.opcode_off, 1);
    assert_false(in.has_modrm);
    assert_true(in.rex_w && in.rex_b);

    decode_hex("66 2e 0f 1f 84 00 00 00 00 00", &in); /* cs nopw */
    assert_int_equal(in.opcode_off, 2);
    assert_int_equal(in.modrm_off, 4);

    decode_hex("66 0f 3a 0f c1 08", &in); /* palignr */
    assert_int_equal(in.opcode_off, 1);
    assert_int_equal(in.modrm_off, 4);

    /* A REX followed by a legacy prefix is ignored by the processor: here
     * 66 makes it a 16-bit mov, and no REX bit counts. */
    decode_hex("48 66 b8 34 12", &in);
    assert_int_equal(in.opcode_off, 2);
    assert_false(in.rex_w);
}

static void test_decode_15_byte_limit(void **state)
{
    (void)state;
    uint8_t buf[32];
    struct x86_insn in;
    const uint8_t movabs[] = {0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8};

    /* Five cs prefixes and a 10-byte movabs: 15 bytes, the most there is. */
    memset(buf, 0x2e, sizeof(buf));
    memcpy(buf + 5, movabs, sizeof(movabs));
    assert_int_equal(x86_decode(buf, sizeof(buf), &in), 0);
    assert_int_equal(in.len, 15);
    assert_int_equal(in.opcode_off, 6);

    /* Six: 16 bytes, refused however much is available. */
    memset(buf, 0x2e, sizeof(buf));
    memcpy(buf + 6, movabs, sizeof(movabs));
    assert_int_equal(x86_decode(buf, sizeof(buf), &in), -1);

    /* 14 prefixes and a nop: 15; 15 prefixes and a nop: 16. */
    memset(buf, 0x66, sizeof(buf));
    buf[14] = 0x90;
    assert_int_equal(x86_decode(buf, sizeof(buf), &in), 0);
    assert_int_equal(in.len, 15);
    buf[14] = 0x66;
    buf[15] = 0x90;
    assert_int_equal(x86_decode(buf, sizeof(buf), &in), -1);

    /* Only prefixes. */
    assert_int_equal(x86_decode(buf, 15, &in), -1);
}

static void test_decode_truncated_and_unknown(void **state)
{
    (void)state;
    static const char *const refused[] = {
        /* truncated */
        "48 b8 11 22 33 44 55 66 77", "e8 00 00 00", "0f", "0f 38", "0f 3a 0f c1", "66", "48",
        "8b", "8b 04", "8b 04 25 00 00 00", "8b 80 00 00", "f7 c1 00 00 01", "66 f7 c1 34",
        "a0 88 77 66 55 44 33 22", "c8 10 00",
        /* invalid in 64-bit mode, or not decoded (VEX, EVEX, 3DNow!) */
        "06", "07", "27", "37", "60", "82 c0 01", "9a 00 00 00 00 00 00", "ce", "d6", "ea",
        "c5 f8 77", "c4 e2 79 18 c0", "62 f1 7c 48 28 c1", "0f 0f c1 b4", "0f 04", "0f 24 c0",
        "0f 36",
    };
    for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++) {
        uint8_t buf[16];
        const size_t n = from_hex(refused[k], buf, sizeof(buf));
        struct x86_insn in = {.len = 99};
        if (x86_decode(buf, n, &in) != -1) {
            fail_msg("%s: decoded as %u bytes", refused[k], in.len);
        }
        assert_int_equal(in.len, 99); /* *out untouched */
    }
    struct x86_insn in;
    const uint8_t ret = 0xc3;
    assert_int_equal(x86_decode(&ret, 0, &in), -1);
    assert_int_equal(x86_decode(NULL, 1, &in), -1);
    assert_int_equal(x86_decode(&ret, 1, NULL), -1);
}

/* ---------------------------------------------------------------------------
 * The mutations, on a small hand-assembled function
 */

static const char func_hex[] =
    "f3 0f 1e fa"    /* 00 endbr64 */
    " 55"            /* 04 push rbp */
    " 48 89 e5"      /* 05 mov rbp, rsp */
    " 53"            /* 08 push rbx */
    " 48 89 fb"      /* 09 mov rbx, rdi */
    " 8b 47 08"      /* 0c mov eax, [rdi+8] */
    " 01 f0"         /* 0f add eax, esi */
    " 48 8d 0c b7"   /* 11 lea rcx, [rdi+rsi*4] */
    " 48 39 d1"      /* 15 cmp rcx, rdx */
    " 0f 4f c2"      /* 18 cmovg eax, edx */
    " 89 03"         /* 1b mov [rbx], eax */
    " 0f b6 53 01"   /* 1d movzx edx, byte [rbx+1] */
    " 0f af c2"      /* 21 imul eax, edx */
    " 85 c0"         /* 24 test eax, eax */
    " 74 05"         /* 26 je +5 */
    " e8 d3 ff ff ff" /* 28 call 0 */
    " 45 31 c0"      /* 2d xor r8d, r8d */
    " 44 88 4c 24 10" /* 30 mov [rsp+0x10], r9b */
    " 48 83 ec 18"   /* 35 sub rsp, 0x18 */
    " 5b"            /* 39 pop rbx */
    " 5d"            /* 3a pop rbp */
    " c3"            /* 3b ret */
    " 0f 1f 04 00";  /* 3c nop dword [rax+rax] */

#define FUNC_SIZE 0x40
#define FUNC_INSNS 23
#define SEEDS 600

/* The register fields of func each kind may change: the ModRM byte's offset
 * and R (the reg field) or M (the rm field). */
enum { R = 1, M = 2 };
static const struct site {
    unsigned off, field;
} src_sites[] = {
    {0x07, R}, {0x0b, R}, {0x0d, M}, {0x10, R}, {0x17, R}, {0x1a, M}, {0x1c, R},
    {0x1c, M}, {0x1f, M}, {0x23, M}, {0x25, R}, {0x2f, R}, {0x32, R},
}, dst_sites[] = {
    {0x07, M}, {0x0b, M}, {0x0d, R}, {0x10, M}, {0x13, R}, {0x17, M}, {0x1a, R},
    {0x1f, R}, {0x23, R}, {0x25, M}, {0x2f, M},
};

static uint8_t func[FUNC_SIZE];
static size_t func_off[FUNC_INSNS];
static struct x86_insn func_insn[FUNC_INSNS];

/* The linear sweep, as swifi.c does it; returns the instruction count. */
static size_t sweep(const uint8_t *text, size_t size, size_t *off, struct x86_insn *ins, size_t max)
{
    size_t n = 0;
    for (size_t at = 0; at < size;) {
        struct x86_insn in;
        if (x86_decode(text + at, size - at, &in) == 0) {
            if (n < max) {
                off[n] = at;
                ins[n] = in;
            }
            n++;
            at += in.len;
        } else {
            at++;
        }
    }
    return n;
}

static int setup_func(void **state)
{
    (void)state;
    assert_int_equal(from_hex(func_hex, func, sizeof(func)), FUNC_SIZE);
    assert_int_equal(sweep(func, FUNC_SIZE, func_off, func_insn, FUNC_INSNS), FUNC_INSNS);
    return 0;
}

/* The index of the instruction of func that starts at off, or -1. */
static int insn_at(size_t off)
{
    for (int k = 0; k < FUNC_INSNS; k++) {
        if (func_off[k] == off) {
            return k;
        }
    }
    return -1;
}

/* The index of the instruction of func that contains byte off. */
static int insn_containing(size_t off)
{
    for (int k = 0; k < FUNC_INSNS; k++) {
        if (off >= func_off[k] && off < func_off[k] + func_insn[k].len) {
            return k;
        }
    }
    fail_msg("no instruction contains +0x%zx", off);
    return -1;
}

/* Mutates a copy of func; checks that exactly the reported bytes changed,
 * from before to after. */
static void mutate_func(enum swifi_kind kind, uint64_t seed, uint8_t copy[FUNC_SIZE],
                        struct swifi_result *res)
{
    memcpy(copy, func, FUNC_SIZE);
    assert_int_equal(swifi_mutate(copy, FUNC_SIZE, kind, seed, res), 0);
    assert_true(res->len >= 1 && res->len <= 15);
    assert_true(res->offset + res->len <= FUNC_SIZE);
    assert_memory_equal(res->before, func + res->offset, res->len);
    assert_memory_equal(res->after, copy + res->offset, res->len);
    assert_memory_not_equal(res->before, res->after, res->len);
    for (size_t i = 0; i < FUNC_SIZE; i++) {
        if (i < res->offset || i >= res->offset + res->len) {
            assert_int_equal(copy[i], func[i]);
        }
    }
    assert_true(strlen(res->what) > 0 && strlen(res->what) < sizeof(res->what));
}

static void test_deterministic(void **state)
{
    (void)state;
    for (int kind = SWIFI_BITFLIP; kind <= SWIFI_REG_DST; kind++) {
        for (uint64_t seed = 0; seed < 100; seed++) {
            uint8_t a[FUNC_SIZE], b[FUNC_SIZE];
            struct swifi_result ra, rb;
            mutate_func((enum swifi_kind)kind, seed * 0x9E3779B97F4A7C15u, a, &ra);
            mutate_func((enum swifi_kind)kind, seed * 0x9E3779B97F4A7C15u, b, &rb);
            assert_memory_equal(a, b, FUNC_SIZE);
            assert_int_equal(ra.offset, rb.offset);
            assert_int_equal(ra.len, rb.len);
            assert_memory_equal(ra.before, rb.before, sizeof(ra.before));
            assert_memory_equal(ra.after, rb.after, sizeof(ra.after));
            assert_string_equal(ra.what, rb.what);
        }
    }
}

static void test_seeds_differ(void **state)
{
    (void)state;
    for (int kind = SWIFI_BITFLIP; kind <= SWIFI_REG_DST; kind++) {
        uint8_t seen[64][FUNC_SIZE];
        size_t distinct = 0;
        for (uint64_t seed = 0; seed < 64; seed++) {
            struct swifi_result res;
            uint8_t copy[FUNC_SIZE];
            mutate_func((enum swifi_kind)kind, seed, copy, &res);
            size_t k = 0;
            while (k < distinct && memcmp(seen[k], copy, FUNC_SIZE) != 0) {
                k++;
            }
            if (k == distinct) {
                memcpy(seen[distinct++], copy, FUNC_SIZE);
            }
        }
        /* 64 seeds over 11 to 512 possible mutations. */
        assert_true(distinct >= 10);
    }
}

static void test_bitflip(void **state)
{
    (void)state;
    bool hit[FUNC_SIZE] = {false};
    for (uint64_t seed = 0; seed < 4 * SEEDS; seed++) {
        struct swifi_result res;
        uint8_t copy[FUNC_SIZE];
        char expect[96];
        mutate_func(SWIFI_BITFLIP, seed, copy, &res);
        assert_int_equal(res.len, 1);
        const unsigned x = res.before[0] ^ res.after[0];
        assert_true(x != 0 && (x & (x - 1)) == 0); /* one bit */
        unsigned bit = 0;
        while (!(x & (1u << bit))) {
            bit++;
        }
        const int k = insn_containing(res.offset);
        snprintf(expect, sizeof(expect), "bit %u of byte +0x%x flipped, in the instruction at +0x%x (%u %s)",
                 bit, (unsigned)res.offset, (unsigned)func_off[k], func_insn[k].len,
                 func_insn[k].len == 1 ? "byte" : "bytes");
        assert_string_equal(res.what, expect);
        hit[res.offset] = true;
    }
    for (size_t i = 0; i < FUNC_SIZE; i++) {
        assert_true(hit[i]); /* every byte of func is in an instruction */
    }
}

static void test_drop(void **state)
{
    (void)state;
    bool hit[FUNC_INSNS] = {false};
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        struct swifi_result res;
        uint8_t copy[FUNC_SIZE];
        char expect[96];
        mutate_func(SWIFI_DROP, seed, copy, &res);
        const int k = insn_at(res.offset);
        assert_true(k >= 0);
        assert_int_equal(res.len, func_insn[k].len); /* the NOP run is the decoded length */
        for (unsigned i = 0; i < res.len; i++) {
            assert_int_equal(res.after[i], 0x90);
        }
        snprintf(expect, sizeof(expect), "instruction at +0x%x (%u %s) replaced by NOPs",
                 (unsigned)res.offset, res.len, res.len == 1 ? "byte" : "bytes");
        assert_string_equal(res.what, expect);
        /* The rest of the sweep is unchanged: len one-byte NOPs, then the same instructions. */
        size_t off[FUNC_INSNS + 15];
        struct x86_insn ins[FUNC_INSNS + 15];
        assert_int_equal(sweep(copy, FUNC_SIZE, off, ins, FUNC_INSNS + 15), FUNC_INSNS - 1 + res.len);
        for (unsigned i = 0; i < res.len; i++) {
            assert_int_equal(off[k + i], res.offset + i);
            assert_int_equal(ins[k + i].len, 1);
        }
        assert_int_equal(off[FUNC_INSNS - 1 + res.len - 1], 0x3c);
        hit[k] = true;
    }
    /* Every instruction but the closing NOP. */
    for (int k = 0; k < FUNC_INSNS; k++) {
        assert_int_equal(hit[k], func_off[k] != 0x3c);
    }
}

static void check_reg(enum swifi_kind kind, const struct site *expect, size_t n_expect)
{
    bool hit[16] = {false};
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        struct swifi_result res;
        uint8_t copy[FUNC_SIZE];
        mutate_func(kind, seed, copy, &res);
        assert_int_equal(res.len, 1);

        /* Only the ModRM byte, one bit of one of its register fields. */
        const int k = insn_containing(res.offset);
        assert_true(func_insn[k].has_modrm);
        assert_int_equal(res.offset, func_off[k] + func_insn[k].modrm_off);
        const unsigned x = res.before[0] ^ res.after[0];
        assert_true(x != 0 && (x & (x - 1)) == 0);
        assert_true(x < 0x40);
        const unsigned field = x >= 8 ? R : M;

        /* A site of this kind, and the instructions keep their lengths. */
        size_t s = 0;
        while (s < n_expect && !(expect[s].off == res.offset && expect[s].field == field)) {
            s++;
        }
        if (s == n_expect) {
            fail_msg("seed %u: %s: not a candidate", (unsigned)seed, res.what);
        }
        hit[s] = true;
        size_t off[FUNC_INSNS];
        struct x86_insn ins[FUNC_INSNS];
        assert_int_equal(sweep(copy, FUNC_SIZE, off, ins, FUNC_INSNS), FUNC_INSNS);
        for (int i = 0; i < FUNC_INSNS; i++) {
            assert_int_equal(off[i], func_off[i]);
            assert_int_equal(ins[i].len, func_insn[i].len);
        }
        char where[48];
        snprintf(where, sizeof(where), " in instruction at +0x%x (%u bytes)",
                 (unsigned)func_off[k], func_insn[k].len);
        assert_non_null(strstr(res.what, where));
        assert_non_null(strstr(res.what, kind == SWIFI_REG_SRC ? "source" : "destination register"));
    }
    for (size_t s = 0; s < n_expect; s++) {
        if (!hit[s]) {
            fail_msg("site +0x%x %s never chosen", expect[s].off, expect[s].field == R ? "reg" : "rm");
        }
    }
}

static void test_reg_src(void **state)
{
    (void)state;
    check_reg(SWIFI_REG_SRC, src_sites, sizeof(src_sites) / sizeof(src_sites[0]));
}

static void test_reg_dst(void **state)
{
    (void)state;
    check_reg(SWIFI_REG_DST, dst_sites, sizeof(dst_sites) / sizeof(dst_sites[0]));
}

/* Every log line that kind gives on hex over 64 seeds is one of lines[]
 * (NULL-terminated), and each of them comes up. */
static void check_lines(const char *hex, enum swifi_kind kind, const char *const *lines)
{
    bool seen[4] = {false};
    uint8_t text[16];
    const size_t n = from_hex(hex, text, sizeof(text));
    for (uint64_t seed = 0; seed < 64; seed++) {
        uint8_t copy[16];
        struct swifi_result res;
        memcpy(copy, text, n);
        assert_int_equal(swifi_mutate(copy, n, kind, seed, &res), 0);
        size_t k = 0;
        while (lines[k] != NULL && strcmp(lines[k], res.what) != 0) {
            k++;
        }
        if (lines[k] == NULL) {
            fail_msg("%s: unexpected \"%s\"", hex, res.what);
        }
        seen[k] = true;
    }
    for (size_t k = 0; lines[k] != NULL; k++) {
        if (!seen[k]) {
            fail_msg("%s: never \"%s\"", hex, lines[k]);
        }
    }
}

static void test_reg_names_and_address_flips(void **state)
{
    (void)state;
    check_lines("48 89 fb", SWIFI_REG_SRC, (const char *const[]){ /* mov rbx, rdi */
        "source register rdi -> rsi in instruction at +0x0 (3 bytes)",
        "source register rdi -> rbp in instruction at +0x0 (3 bytes)",
        "source register rdi -> rbx in instruction at +0x0 (3 bytes)", NULL});
    check_lines("48 89 fb", SWIFI_REG_DST, (const char *const[]){
        "destination register rbx -> rdx in instruction at +0x0 (3 bytes)",
        "destination register rbx -> rcx in instruction at +0x0 (3 bytes)",
        "destination register rbx -> rdi in instruction at +0x0 (3 bytes)", NULL});
    check_lines("88 e0", SWIFI_REG_SRC, (const char *const[]){ /* mov al, ah: no REX */
        "source register ah -> ch in instruction at +0x0 (2 bytes)",
        "source register ah -> dh in instruction at +0x0 (2 bytes)",
        "source register ah -> al in instruction at +0x0 (2 bytes)", NULL});
    check_lines("40 88 e0", SWIFI_REG_SRC, (const char *const[]){ /* mov al, spl */
        "source register spl -> bpl in instruction at +0x0 (3 bytes)",
        "source register spl -> sil in instruction at +0x0 (3 bytes)",
        "source register spl -> al in instruction at +0x0 (3 bytes)", NULL});
    check_lines("66 45 03 c1", SWIFI_REG_SRC, (const char *const[]){ /* add r8w, r9w */
        "source register r9w -> r8w in instruction at +0x0 (4 bytes)",
        "source register r9w -> r11w in instruction at +0x0 (4 bytes)",
        "source register r9w -> r13w in instruction at +0x0 (4 bytes)", NULL});
    check_lines("0f b6 c1", SWIFI_REG_DST, (const char *const[]){ /* movzx eax, cl */
        "destination register eax -> ecx in instruction at +0x0 (3 bytes)",
        "destination register eax -> edx in instruction at +0x0 (3 bytes)",
        "destination register eax -> esp in instruction at +0x0 (3 bytes)", NULL});
    check_lines("48 63 c7", SWIFI_REG_SRC, (const char *const[]){ /* movsxd rax, edi */
        "source register edi -> esi in instruction at +0x0 (3 bytes)",
        "source register edi -> ebp in instruction at +0x0 (3 bytes)",
        "source register edi -> ebx in instruction at +0x0 (3 bytes)", NULL});
    check_lines("48 63 c7", SWIFI_REG_DST, (const char *const[]){
        "destination register rax -> rcx in instruction at +0x0 (3 bytes)",
        "destination register rax -> rdx in instruction at +0x0 (3 bytes)",
        "destination register rax -> rsp in instruction at +0x0 (3 bytes)", NULL});
    check_lines("48 0f bf c1", SWIFI_REG_SRC, (const char *const[]){ /* movsx rax, cx */
        "source register cx -> ax in instruction at +0x0 (4 bytes)",
        "source register cx -> bx in instruction at +0x0 (4 bytes)",
        "source register cx -> bp in instruction at +0x0 (4 bytes)", NULL});
    /* Base registers: never into 4 (SIB) nor, with mod 0, into 5 (RIP-relative). */
    check_lines("8b 00", SWIFI_REG_SRC, (const char *const[]){ /* mov eax, [rax] */
        "source (address) register rax -> rcx in instruction at +0x0 (2 bytes)",
        "source (address) register rax -> rdx in instruction at +0x0 (2 bytes)", NULL});
    check_lines("8b 01", SWIFI_REG_SRC, (const char *const[]){ /* mov eax, [rcx] */
        "source (address) register rcx -> rax in instruction at +0x0 (2 bytes)",
        "source (address) register rcx -> rbx in instruction at +0x0 (2 bytes)", NULL});
    check_lines("49 8b 45 08", SWIFI_REG_SRC, (const char *const[]){ /* mov rax, [r13+8] */
        "source (address) register r13 -> r15 in instruction at +0x0 (4 bytes)",
        "source (address) register r13 -> r9 in instruction at +0x0 (4 bytes)", NULL});
    check_lines("67 8d 47 01", SWIFI_REG_SRC, (const char *const[]){ /* lea eax, [edi+1] */
        "source (address) register edi -> esi in instruction at +0x0 (4 bytes)",
        "source (address) register edi -> ebp in instruction at +0x0 (4 bytes)",
        "source (address) register edi -> ebx in instruction at +0x0 (4 bytes)", NULL});
    /* A store has no register destination; a SIB or RIP-relative address no source base. */
    check_lines("89 04 24 8b 05 00 00 00 00", SWIFI_REG_DST, (const char *const[]){
        "destination register eax -> ecx in instruction at +0x3 (6 bytes)",
        "destination register eax -> edx in instruction at +0x3 (6 bytes)",
        "destination register eax -> esp in instruction at +0x3 (6 bytes)", NULL});
}

/* ---------------------------------------------------------------------------
 * Bad inputs and buffers without candidates
 */

static void expect_refused(const uint8_t *text, size_t size, enum swifi_kind kind)
{
    uint8_t copy[16];
    struct swifi_result res, untouched;
    memset(&res, 0xA5, sizeof(res));
    memcpy(&untouched, &res, sizeof(res));
    if (size > 0) {
        memcpy(copy, text, size);
    }
    assert_int_equal(swifi_mutate(size > 0 ? copy : (uint8_t *)text, size, kind, 1, &res), -1);
    assert_memory_equal(&res, &untouched, sizeof(res));
    if (size > 0) {
        assert_memory_equal(copy, text, size);
    }
}

static void test_bad_inputs(void **state)
{
    (void)state;
    static const uint8_t nops[] = {0x90, 0x90, 0x0f, 0x1f, 0x00, 0x66, 0x90, 0x0f, 0x1f, 0x44, 0x00, 0x00};
    static const uint8_t no_regs[] = {0xc3, 0xcc, 0x55, 0x48, 0x83, 0xec, 0x18, 0xe8, 0, 0, 0, 0};
    static const uint8_t garbage[] = {0x06, 0x07, 0x27, 0x37, 0x60, 0xd6};
    uint8_t empty[1] = {0xc3};

    for (int kind = SWIFI_BITFLIP; kind <= SWIFI_REG_DST; kind++) {
        expect_refused(empty, 0, (enum swifi_kind)kind); /* size 0, a real buffer */
        expect_refused(NULL, 0, (enum swifi_kind)kind);
        expect_refused(garbage, sizeof(garbage), (enum swifi_kind)kind); /* nothing decodes */
    }
    assert_int_equal(empty[0], 0xc3);
    expect_refused(nops, sizeof(nops), SWIFI_DROP);
    expect_refused(nops, sizeof(nops), SWIFI_REG_SRC);
    expect_refused(nops, sizeof(nops), SWIFI_REG_DST);
    expect_refused(no_regs, sizeof(no_regs), SWIFI_REG_SRC);
    expect_refused(no_regs, sizeof(no_regs), SWIFI_REG_DST);
    expect_refused(no_regs, sizeof(no_regs), (enum swifi_kind)7);
    static const uint8_t lea_reg[] = {0x48, 0x8d, 0xc0}; /* lea rax, rax: #UD */
    expect_refused(lea_reg, sizeof(lea_reg), SWIFI_REG_SRC);
    expect_refused(lea_reg, sizeof(lea_reg), SWIFI_REG_DST);

    /* NOPs are still instructions a bit can flip in; a NULL res is refused. */
    uint8_t copy[sizeof(nops)];
    struct swifi_result res;
    memcpy(copy, nops, sizeof(nops));
    assert_int_equal(swifi_mutate(copy, sizeof(copy), SWIFI_BITFLIP, 5, &res), 0);
    memcpy(copy, nops, sizeof(nops));
    assert_int_equal(swifi_mutate(copy, sizeof(copy), SWIFI_BITFLIP, 5, NULL), -1);
    assert_memory_equal(copy, nops, sizeof(nops));
}

/* An instruction cut off by the end of the buffer is never chosen. */
static void test_partial_tail(void **state)
{
    (void)state;
    static const uint8_t text[] = {0x0f, 0x0b, 0x48, 0x8b}; /* ud2, then half a mov */
    for (uint64_t seed = 0; seed < 100; seed++) {
        uint8_t copy[sizeof(text)];
        struct swifi_result res;
        memcpy(copy, text, sizeof(text));
        assert_int_equal(swifi_mutate(copy, sizeof(copy), SWIFI_DROP, seed, &res), 0);
        assert_int_equal(res.offset, 0);
        assert_int_equal(res.len, 2);
        memcpy(copy, text, sizeof(text));
        assert_int_equal(swifi_mutate(copy, sizeof(copy), SWIFI_BITFLIP, seed, &res), 0);
        assert_true(res.offset < 2);
        assert_memory_equal(copy + 2, text + 2, 2);
        expect_refused(text, sizeof(text), SWIFI_REG_DST);
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup(name, setup_func)
    const struct CMUnitTest tests[] = {
        T(test_decode_lengths),
        T(test_decode_fields),
        T(test_decode_15_byte_limit),
        T(test_decode_truncated_and_unknown),
        T(test_deterministic),
        T(test_seeds_differ),
        T(test_bitflip),
        T(test_drop),
        T(test_reg_src),
        T(test_reg_dst),
        T(test_reg_names_and_address_flips),
        T(test_bad_inputs),
        T(test_partial_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
