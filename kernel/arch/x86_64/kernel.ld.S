/* SPDX-License-Identifier: MIT */
/*
 * kernel.ld.S: the kernel's link layout (run through the C preprocessor).
 *
 * The boot stub and Multiboot header run at their physical address
 * (1 MiB); everything else is linked in the higher half at KERNEL_VMA +
 * physical address, with AT() giving the load addresses that QEMU's
 * loader uses after the ELF64 -> ELF32 conversion. .ksyms (the generated
 * symbol table) comes last so its size cannot move any other symbol
 * between the two link passes.
 */
#include <arch/memlayout.h>

OUTPUT_FORMAT("elf64-x86-64")
ENTRY(_start32)

PHDRS {
    boot   PT_LOAD FLAGS(5);
    text   PT_LOAD FLAGS(5);
    rodata PT_LOAD FLAGS(4);
    data   PT_LOAD FLAGS(6);
    ksyms  PT_LOAD FLAGS(4);
}

SECTIONS {
    . = KERNEL_PHYS;
    _kernel_phys_start = .;
    .boot : {
        KEEP(*(.multiboot))
        *(.boot.text)
        *(.boot.data)
    } :boot

    . = ALIGN(4096) + KERNEL_VMA;
    _text_start = .;
    .text : AT(ADDR(.text) - KERNEL_VMA) { *(.text .text.*) } :text
    _text_end = .;

    . = ALIGN(4096);
    _rodata_start = .;
    .rodata : AT(ADDR(.rodata) - KERNEL_VMA) { *(.rodata .rodata.*) } :rodata
    /* The GNU build id (ld --build-id): crash records carry it so the
     * decoder can tell whether its symbols belong to the crashed kernel. */
    .note.gnu.build-id : AT(ADDR(.note.gnu.build-id) - KERNEL_VMA) {
        _build_id_note = .;
        KEEP(*(.note.gnu.build-id))
        _build_id_note_end = .;
    } :rodata
    _rodata_end = .;

    . = ALIGN(4096);
    _data_start = .;
    .data : AT(ADDR(.data) - KERNEL_VMA) { *(.data .data.*) } :data
    .bss : AT(ADDR(.bss) - KERNEL_VMA) {
        *(.bss.boot)
        *(.bss.stacks)
        *(COMMON)
        *(.bss .bss.*)
    } :data
    . = ALIGN(4096);
    _data_end = .;

    _ksyms_start = .;
    .ksyms : AT(ADDR(.ksyms) - KERNEL_VMA) { KEEP(*(.ksyms)) } :ksyms
    . = ALIGN(4096);
    _kernel_end = .;

    /DISCARD/ : { *(.note .note.*) *(.comment) *(.eh_frame .eh_frame_hdr) }
}
