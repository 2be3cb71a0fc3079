/* SPDX-License-Identifier: MIT */
/*
 * swifi.h: software-implemented fault injection by code mutation, as in Nooks
 * and MINIX 3 (axl/inject.h, the SWIFI_* kinds). This is the pure part: an
 * x86-64 instruction length decoder and the mutations, working on a byte
 * buffer. The supervisor copies a driver's text, calls swifi_mutate on the
 * copy and writes the changed bytes (res->offset, res->len) into the running
 * image.
 *
 * The kinds, each chosen deterministically from (text, kind, seed):
 *   SWIFI_BITFLIP  one bit of one byte of a decoded instruction flips (any
 *                  byte of any instruction, each byte equally likely).
 *   SWIFI_DROP     one instruction (not already a NOP) is overwritten by as
 *                  many one-byte NOPs (0x90) as it is long.
 *   SWIFI_REG_SRC  one register the instruction reads is replaced by another.
 *   SWIFI_REG_DST  one register the instruction writes is replaced by another.
 * A register is changed by flipping one bit (chosen by seed) of its 3-bit
 * field in the ModRM byte, so the REX extension is kept, the instruction keeps
 * its length and only that byte changes (res->len == 1).
 *
 * Source and destination. Candidates are the general-purpose register forms
 * with a ModRM byte whose operand roles are known:
 *   - the classic ALU and mov opcodes 0x00-0x3B (add, or, adc, sbb, and, sub,
 *     xor, cmp; low three bits 0-3) and 0x88-0x8B: the d bit (bit 1) says the
 *     direction. d = 0: "op r/m, reg", reg is the source and r/m the
 *     destination; d = 1: "op reg, r/m", reg is the destination;
 *   - test 0x84/0x85 as d = 0;
 *   - by the roles of the opcode, reg is the destination and r/m the source:
 *     movsxd 0x63, imul 0x69/0x6B/0F AF, lea 0x8D, cmovcc 0F 40-4F, movzx
 *     0F B6/B7, movsx 0F BE/BF.
 * For cmp and test the "destination" is the first operand, which they only
 * read. When r/m is a memory operand (mod != 3), it is not a register
 * destination; its base register, when the ModRM names it directly (no SIB
 * byte, not RIP-relative), is a source (a corrupted address), and only the
 * bits whose flip keeps it so (never to SIB or RIP-relative) are flipped.
 *
 * The log line (res->what) is one of
 *   "bit 3 of byte +0x1a2f flipped, in the instruction at +0x1a2d (5 bytes)"
 *   "instruction at +0x1a2f (5 bytes) replaced by NOPs"
 *   "source register rcx -> rdx in instruction at +0x1a2f (3 bytes)"
 *   "source (address) register rdi -> rsi in instruction at +0x1a2f (3 bytes)"
 *   "destination register eax -> ecx in instruction at +0x1a2f (2 bytes)"
 * with the registers named at their operand size (al, ah, r9w, esi, r13).
 *
 * The linear sweep. Instructions are found by decoding from text[0] to the
 * end, one after the other; a byte that does not decode (unknown opcode,
 * VEX/EVEX-encoded instruction, truncated at the end) is skipped and the sweep
 * goes on at the next byte. Data placed inside text would be misdecoded and
 * could put the sweep out of step for a few instructions, and so do the rest
 * of the bytes of a skipped VEX instruction; a mutation may then land on such
 * misdecoded bytes. gcc does not put data (jump tables, constants) in .text
 * on x86-64, it uses .rodata, and emits no VEX for the baseline x86-64 our
 * user code is built for (no -march).
 *
 * Only <stdint.h>, <stddef.h>, <stdbool.h> and <string.h> are used: this file
 * is built into the supervisor (newlib) and into a host unit test.
 */
#ifndef AXL_SUPERVISOR_SWIFI_H
#define AXL_SUPERVISOR_SWIFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct x86_insn {
    unsigned len;             /* total bytes, 1..15 */
    unsigned opcode_off;      /* offset of the first opcode byte (after prefixes and REX) */
    bool has_modrm;
    unsigned modrm_off;       /* valid if has_modrm */
    bool rex_w, rex_r, rex_b; /* REX bits seen */
};

/*
 * Decodes the instruction at code[0..avail). Returns 0 and fills *out, or -1
 * if it is not a decodable instruction (unknown opcode, or longer than avail
 * or 15 bytes). Covers the legacy prefixes, REX, the one-byte map, the 0F
 * map and the 0F 38 / 0F 3A maps as 64-bit user code uses them; VEX (C4/C5)
 * and EVEX (62) encodings, 3DNow! and opcodes invalid in 64-bit mode give -1.
 * It judges opcodes, not operands: an undefined form of a defined opcode
 * (lea with a register operand, FE /2-7, C7 /1-7) gets the length its
 * opcode implies. As Intel processors do, 66 does not shorten the rel32 of
 * call, jmp and jcc, and fwait (9B) is an instruction of its own (objdump
 * shows it as a prefix of the x87 instruction after it).
 */
int x86_decode(const uint8_t *code, size_t avail, struct x86_insn *out);

enum swifi_kind { SWIFI_BITFLIP, SWIFI_DROP, SWIFI_REG_SRC, SWIFI_REG_DST };

struct swifi_result {
    uint64_t offset; /* of the changed bytes, from the start of text */
    unsigned len;    /* bytes changed (1..15) */
    uint8_t before[15], after[15];
    char what[96];   /* one line for the log, NUL-terminated */
};

/*
 * Chooses, from seed, a mutation of kind in text[0..size) and applies it to
 * text. Only instructions fully inside the buffer are chosen. Returns 0, or
 * -1 if no candidate exists or the arguments are bad (then neither res nor
 * text is written). The same (text, size, kind, seed) always gives the same
 * mutation.
 */
int swifi_mutate(uint8_t *text, size_t size, enum swifi_kind kind, uint64_t seed,
                 struct swifi_result *res);

#endif /* AXL_SUPERVISOR_SWIFI_H */
