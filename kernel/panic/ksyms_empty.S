/* SPDX-License-Identifier: MIT */
/*
 * ksyms_empty.S: the empty symbol table linked into the first pass of the
 * kernel link. It defines the same symbols, in the same section, as the
 * generated build/kernel/ksyms.S, so the second pass moves nothing else.
 */
    .section .ksyms, "a"
    .align 8
    .global ksyms_count, ksyms_names_len, ksyms_syms, ksyms_names
ksyms_count:     .quad 0
ksyms_names_len: .quad 0
ksyms_syms:
ksyms_names:
    .section .note.GNU-stack, "", @progbits
