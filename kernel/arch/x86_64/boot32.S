/* SPDX-License-Identifier: MIT */
/*
 * boot32.S: the Multiboot v1 header and the 32-bit entry stub.
 *
 * QEMU's -kernel loader (or GRUB) enters _start32 in 32-bit protected mode,
 * paging off, EAX = 0x2BADB002, EBX = physical address of the Multiboot
 * info. This stub loads its own GDT and a 32-bit IDT (so even a fault here
 * is reported, never a silent triple-fault reboot), checks for long mode,
 * builds boot page tables and jumps to long_mode_high (entry64.S) in the
 * higher half. Boot page tables:
 *   0 .. 1 GiB            identity (only until arch_paging_init)
 *   KERNEL_DIRECT_MAP     + 0 .. 4 GiB (direct map)
 *   KERNEL_VMA            + 0 .. 1 GiB (the kernel image)
 * all with 2 MiB pages. This code runs at its physical address; data it
 * shares with 64-bit code lives in the higher half and is reached with V2P.
 */
#include <arch/memlayout.h>
#include <uapi/axl/exit.h>

#define V2P(x) ((x) - KERNEL_VMA)
#define MB_FLAGS 0x00000003 /* bit 0: page-align modules; bit 1: memory info */
#define COM1 0x3f8
#define BOOT_PT_PAGES 8 /* boot_page_tables below */

    .section .multiboot, "a"
    .align 4
multiboot_header:
    .long 0x1BADB002
    .long MB_FLAGS
    .long -(0x1BADB002 + MB_FLAGS)

    .section .boot.text, "ax"
    .code32
    .global _start32
_start32:
    cli
    cld
    movl %eax, V2P(boot_mb_magic)
    movl %ebx, V2P(boot_mb_info)
    movl $V2P(boot_stack_top), %esp
    lgdt boot_gdt_ptr
    ljmp $0x18, $1f                 /* reload CS with our 32-bit code segment */
1:  movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    call serial32_init
    call idt32_install              /* from here on, any fault is reported */

    /* Long mode needs CPUID leaf 0x80000001 EDX bit 29 (Intel SDM Vol. 2A, CPUID). */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb no_long_mode
    movl $0x80000001, %eax
    cpuid
    testl $(1 << 29), %edx
    jz no_long_mode
    movl %edx, %edi                 /* keep the feature bits: NX is bit 20 */

    call build_page_tables

    movl %cr4, %eax
    orl $(1 << 5), %eax             /* CR4.PAE */
    movl %eax, %cr4
    movl $V2P(boot_pml4), %eax
    movl %eax, %cr3
    movl $0xC0000080, %ecx          /* IA32_EFER */
    rdmsr
    orl $(1 << 8), %eax             /* LME */
    testl $(1 << 20), %edi
    jz 2f
    orl $(1 << 11), %eax            /* NXE, when the CPU has NX */
2:  wrmsr
    movl %cr0, %eax
    orl $0x80010000, %eax           /* CR0.PG | CR0.WP: WP makes read-only pages bind the kernel too */
    movl %eax, %cr0
    ljmp $0x08, $long_mode_low

no_long_mode:
    movl $msg_no_lm, %esi
    call puts32
    movb V2P(boot32_exit_boot_error), %al
    jmp exit32

/* Fills the boot page tables (in .bss; zeroed here rather than trusting the loader). */
build_page_tables:
    movl $V2P(boot_page_tables), %edi
    movl $(BOOT_PT_PAGES * 1024), %ecx
    xorl %eax, %eax
    rep stosl
    movl $(V2P(boot_pdpt_low) + 3), V2P(boot_pml4)
    movl $(V2P(boot_pdpt_dmap) + 3), V2P(boot_pml4) + 256 * 8
    movl $(V2P(boot_pdpt_high) + 3), V2P(boot_pml4) + 511 * 8
    movl $(V2P(boot_pd) + 3), V2P(boot_pdpt_low)
    movl $(V2P(boot_pd) + 3), V2P(boot_pdpt_high) + 510 * 8
    /* direct map: pdpt_dmap[0..3] -> the four page directories */
    movl $(V2P(boot_pd) + 3), %eax
    movl $V2P(boot_pdpt_dmap), %edi
    movl $4, %ecx
1:  movl %eax, (%edi)
    addl $4096, %eax
    addl $8, %edi
    loop 1b
    /* 2048 2 MiB pages covering 0..4 GiB: entry i = i << 21 | PS | W | P */
    movl $V2P(boot_pd), %edi
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax
    movl %eax, (%edi)
    movl %ecx, %eax
    shrl $11, %eax                  /* bits 32.. of i << 21 */
    movl %eax, 4(%edi)
    addl $8, %edi
    incl %ecx
    cmpl $2048, %ecx
    jne 1b
    ret

/* --- a 32-bit IDT: 256 stubs, 16 bytes apart, all reporting through idt32_common --- */
idt32_install:
    movl $V2P(boot_idt32), %edi
    movl $idt32_stubs, %edx
    movl $256, %ecx
1:  movl %edx, %eax
    andl $0xffff, %eax
    orl $(0x18 << 16), %eax         /* selector: 32-bit boot code */
    movl %eax, (%edi)
    movl %edx, %eax
    andl $0xffff0000, %eax
    orl $0x8e00, %eax               /* present, DPL 0, 32-bit interrupt gate */
    movl %eax, 4(%edi)
    addl $8, %edi
    addl $16, %edx
    loop 1b
    lidt boot_idt32_ptr
    ret

    .align 16
idt32_stubs:
    .set vec, 0
    .rept 256
    .align 16
    /* Vectors that push an error code (Intel SDM Vol. 3A, Table 6-1). */
    .if !(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
    pushl $0
    .endif
    pushl $vec
    jmp idt32_common
    .set vec, vec + 1
    .endr

/* Stack: vector, error code, EIP, CS, EFLAGS. Prints one line and ends. */
idt32_common:
    movl $msg_trap32, %esi
    call puts32
    movl (%esp), %eax
    call puthex32
    movl $msg_err, %esi
    call puts32
    movl 4(%esp), %eax
    call puthex32
    movl $msg_eip, %esi
    call puts32
    movl 8(%esp), %eax
    call puthex32
    movl $msg_cr2, %esi
    call puts32
    movl %cr2, %eax
    call puthex32
    movl $msg_crlf, %esi
    call puts32
    movb V2P(boot32_exit_panic), %al
    /* fall through */

/* Ends the scenario with exit code AL (isa-debug-exit), then halts. */
exit32:
    movw $AXL_DEBUG_EXIT_PORT, %dx
    outb %al, %dx
1:  cli
    hlt
    jmp 1b

/* --- polled COM1 output, the sequence from reference/qemu-hardware.md §3.1 --- */
serial32_init:
    movw $(COM1 + 1), %dx
    movb $0x00, %al
    outb %al, %dx                   /* IER: no interrupts */
    movw $(COM1 + 3), %dx
    movb $0x80, %al
    outb %al, %dx                   /* LCR: DLAB */
    movw $(COM1 + 0), %dx
    movb $0x01, %al
    outb %al, %dx                   /* DLL: 115200 baud */
    movw $(COM1 + 1), %dx
    movb $0x00, %al
    outb %al, %dx                   /* DLM */
    movw $(COM1 + 3), %dx
    movb $0x03, %al
    outb %al, %dx                   /* LCR: 8N1 */
    movw $(COM1 + 2), %dx
    movb $0xc7, %al
    outb %al, %dx                   /* FCR: FIFOs on, cleared */
    movw $(COM1 + 4), %dx
    movb $0x03, %al
    outb %al, %dx                   /* MCR: DTR, RTS */
    ret

/* putc32: AL = character. Waits (boundedly) for THR empty. Clobbers ECX, EDX. */
putc32:
    movl %eax, %ecx
    movw $(COM1 + 5), %dx
    pushl %ecx
    movl $100000, %ecx
1:  inb %dx, %al
    testb $0x20, %al
    jnz 2f
    loop 1b
2:  popl %ecx
    movl %ecx, %eax
    movw $COM1, %dx
    outb %al, %dx
    ret

/* puts32: ESI = NUL-terminated string. */
puts32:
    pushl %eax
1:  lodsb
    testb %al, %al
    jz 2f
    call putc32
    jmp 1b
2:  popl %eax
    ret

/* puthex32: prints EAX as 0x%08x. */
puthex32:
    pushl %ebx
    movl %eax, %ebx
    movb $'0', %al
    call putc32
    movb $'x', %al
    call putc32
    pushl %esi
    movl $8, %esi
1:  roll $4, %ebx
    movl %ebx, %eax
    andl $0xf, %eax
    movb hexdigits(%eax), %al
    call putc32
    decl %esi
    jnz 1b
    popl %esi
    popl %ebx
    ret

    .code64
long_mode_low:
    movabsq $long_mode_high, %rax   /* leave the identity map for the higher half */
    jmp *%rax

    .section .boot.data, "a"
    .align 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit kernel code */
    .quad 0x00cf92000000ffff        /* 0x10: kernel data */
    .quad 0x00cf9a000000ffff        /* 0x18: 32-bit code, this stub only */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt
boot_idt32_ptr:
    .word 256 * 8 - 1
    .long V2P(boot_idt32)
hexdigits:
    .ascii "0123456789abcdef"
msg_no_lm:
    .asciz "axolotl: boot error: this CPU has no long mode (64-bit) support; Axolotl needs x86-64\r\n"
msg_trap32:
    .asciz "KERNEL PANIC P03 BOOT32_TRAP: exception in the 32-bit boot stub: vector="
msg_err:
    .asciz " err="
msg_eip:
    .asciz " eip="
msg_cr2:
    .asciz " cr2="
msg_crlf:
    .asciz "\r\n"

/* Boot-time data in the higher half, shared with entry64.S and C. */
    .section .bss.boot, "aw", @nobits
    .align 4096
boot_page_tables:
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_dmap: .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096      /* four page directories: 0..4 GiB */
boot_idt32:     .skip 256 * 8

    .section .data
    .align 8
    .global boot_mb_magic, boot_mb_info
boot_mb_magic: .long 0
boot_mb_info:  .long 0

    .section .note.GNU-stack, "", @progbits
