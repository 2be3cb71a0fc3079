/* SPDX-License-Identifier: MIT */
/*
 * trapinfo.c: exception names and error-code decoding for reports.
 * Facts from Intel SDM Vol. 3A, Table 6-1 (vectors), §6.13 (selector
 * error codes) and §4.7 (page-fault error codes).
 */
#include <arch/trapinfo.h>
#include <fmt.h>

static const struct {
    const char *mnemonic, *name;
} exceptions[32] = {
    [0] = {"#DE", "divide error"},
    [1] = {"#DB", "debug"},
    [2] = {"NMI", "non-maskable interrupt"},
    [3] = {"#BP", "breakpoint"},
    [4] = {"#OF", "overflow"},
    [5] = {"#BR", "bound range exceeded"},
    [6] = {"#UD", "invalid opcode"},
    [7] = {"#NM", "device not available"},
    [8] = {"#DF", "double fault"},
    [9] = {"#09", "coprocessor segment overrun"}, /* the SDM gives it no mnemonic */
    [10] = {"#TS", "invalid TSS"},
    [11] = {"#NP", "segment not present"},
    [12] = {"#SS", "stack-segment fault"},
    [13] = {"#GP", "general protection"},
    [14] = {"#PF", "page fault"},
    [16] = {"#MF", "x87 floating-point error"},
    [17] = {"#AC", "alignment check"},
    [18] = {"#MC", "machine check"},
    [19] = {"#XM", "SIMD floating-point exception"},
    [20] = {"#VE", "virtualization exception"},
    [21] = {"#CP", "control protection"},
    [28] = {"#HV", "hypervisor injection"},
    [29] = {"#VC", "VMM communication"},
    [30] = {"#SX", "security exception"},
};

const char *x86_trap_mnemonic(unsigned vector)
{
    if (vector >= 32) {
        return "IRQ";
    }
    return exceptions[vector].mnemonic ? exceptions[vector].mnemonic : "#??";
}

const char *x86_trap_name(unsigned vector)
{
    if (vector >= 32) {
        return "interrupt";
    }
    return exceptions[vector].name ? exceptions[vector].name : "reserved vector";
}

bool x86_trap_has_error(unsigned vector)
{
    switch (vector) {
    case 8:
    case 10:
    case 11:
    case 12:
    case 13:
    case 14:
    case 17:
    case 21:
    case 29:
    case 30:
        return true;
    default:
        return false;
    }
}

static size_t decode_pf(uint64_t err, char *buf, size_t size)
{
    int n = ksnprintf(
        buf, size, "P=%d %s W=%d %s U=%d %s R=%d%s I=%d %s%s%s%s", !!(err & PF_P),
        (err & PF_P) ? "protection-violation" : "not-present", !!(err & PF_W),
        (err & PF_W) ? "write" : "read", !!(err & PF_U), (err & PF_U) ? "user" : "supervisor",
        !!(err & PF_RSVD), (err & PF_RSVD) ? " reserved-bit-set" : "", !!(err & PF_I),
        (err & PF_I) ? "instruction-fetch" : "data", (err & PF_PK) ? " PK=1 protection-key" : "",
        (err & PF_SS) ? " SS=1 shadow-stack" : "", (err & PF_SGX) ? " SGX=1" : "");
    return n < 0 ? 0 : (size_t)n >= size ? (size ? size - 1 : 0) : (size_t)n;
}

/* Selector format: bit 0 EXT, bit 1 IDT, bit 2 TI (LDT), bits 15:3 index. */
static size_t decode_selector(uint64_t err, char *buf, size_t size)
{
    int n;

    if (err == 0) {
        n = ksnprintf(buf, size, "no selector (fault not tied to a segment)");
    } else if (err & 2) {
        n = ksnprintf(buf, size, "IDT vector %u%s", (unsigned)((err >> 3) & 0x1fff),
                      (err & 1) ? " EXT=1 external" : "");
    } else {
        n = ksnprintf(buf, size, "%s selector 0x%x (index %u)%s", (err & 4) ? "LDT" : "GDT",
                      (unsigned)(err & 0xfff8), (unsigned)((err >> 3) & 0x1fff),
                      (err & 1) ? " EXT=1 external" : "");
    }
    return n < 0 ? 0 : (size_t)n >= size ? (size ? size - 1 : 0) : (size_t)n;
}

size_t x86_decode_error(unsigned vector, uint64_t err, char *buf, size_t size)
{
    int n;

    switch (vector) {
    case 14:
        return decode_pf(err, buf, size);
    case 10:
    case 11:
    case 12:
    case 13:
        return decode_selector(err, buf, size);
    case 8:
    case 17:
        n = ksnprintf(buf, size, "%s", err ? "nonzero (unexpected: always 0)" : "always 0");
        break;
    case 21:
        n = ksnprintf(buf, size, "control-protection code %llu",
                      (unsigned long long)(err & 0x7fff));
        break;
    default:
        n = ksnprintf(buf, size, "%s", x86_trap_has_error(vector) ? "undecoded" : "none");
        break;
    }
    return n < 0 ? 0 : (size_t)n >= size ? (size ? size - 1 : 0) : (size_t)n;
}
