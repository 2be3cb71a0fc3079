/* SPDX-License-Identifier: MIT */
/*
 * cpu.c: the final GDT and TSS, the full IDT, the legacy PIC, and the
 * table of kernel stacks the panic path uses to judge a stack pointer.
 *
 * The early IDT (traps.S) already routes all 256 vectors to trap_dispatch;
 * idt_init only moves #DF, NMI and #MC onto IST stacks once the TSS
 * exists, so they work even when the kernel stack is gone.
 */
#include <arch.h>
#include <arch/x86.h>
#include <klog.h>
#include <uapi/axl/exit.h>

/* GDT selectors. The order 0x10/0x18/0x20 is what SYSRET expects (SDM Vol. 2B, SYSRET). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS 0x28

#define IST_DF 1
#define IST_NMI 2
#define IST_MC 3

struct __attribute__((packed)) tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS layout (SDM Vol. 3A §8.7)");

struct __attribute__((packed)) desc_ptr {
    uint16_t limit;
    uint64_t base;
};

struct idt_entry {
    uint16_t off_lo, selector, flags, off_mid;
    uint32_t off_hi, reserved;
};
_Static_assert(sizeof(struct idt_entry) == 16, "IDT gate layout");

extern struct idt_entry idt_table[256];
extern char trap_stubs[];
extern char boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];
extern char df_stack_guard[], df_stack_bottom[], df_stack_top[];
extern char nmi_stack_guard[], nmi_stack_bottom[], nmi_stack_top[];
extern char mc_stack_guard[], mc_stack_bottom[], mc_stack_top[];
extern char panic_stack_guard[], panic_stack_bottom[], panic_stack_top[];
extern char _kernel_phys_start[], _kernel_end[];
extern char syscall_entry[];

/* Read by boot32.S, which cannot see C enums: the ABI header stays the one definition. */
const uint8_t boot32_exit_panic = AXL_EXIT_PANIC;
const uint8_t boot32_exit_boot_error = AXL_EXIT_BOOT_ERROR;

static struct tss tss;
static uint64_t gdt[7] = {
    0,
    0x00af9a000000ffff, /* 0x08 kernel code, 64-bit */
    0x00cf92000000ffff, /* 0x10 kernel data */
    0x00cff2000000ffff, /* 0x18 user data */
    0x00affa000000ffff, /* 0x20 user code, 64-bit */
    0,
    0, /* 0x28 TSS (16 bytes), filled in gdt_init */
};
static bool idt_full;

static const struct kstack {
    const char *name;
    char *guard, *bottom, *top;
} kernel_stacks[] = {
    {"boot stack", boot_stack_guard, boot_stack_bottom, boot_stack_top},
    {"#DF IST stack", df_stack_guard, df_stack_bottom, df_stack_top},
    {"NMI IST stack", nmi_stack_guard, nmi_stack_bottom, nmi_stack_top},
    {"#MC IST stack", mc_stack_guard, mc_stack_bottom, mc_stack_top},
    {"panic stack", panic_stack_guard, panic_stack_bottom, panic_stack_top},
};

static void gdt_init(void)
{
    uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;

    tss.ist[IST_DF - 1] = (uint64_t)df_stack_top;
    tss.ist[IST_NMI - 1] = (uint64_t)nmi_stack_top;
    tss.ist[IST_MC - 1] = (uint64_t)mc_stack_top;
    tss.iomap_base = sizeof(tss); /* no I/O bitmap */
    /* 64-bit TSS descriptor, type 9 (available), present (SDM Vol. 3A §8.2.3). */
    gdt[5] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
             ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
    gdt[6] = base >> 32;

    struct desc_ptr p = {sizeof(gdt) - 1, (uint64_t)gdt};
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %w2, %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\t"
                     "ltr %w3"
                     :
                     : "m"(p), "i"(SEL_KCODE), "r"(SEL_KDATA), "r"(SEL_TSS)
                     : "rax", "memory");
}

static void idt_set_ist(unsigned vec, unsigned ist)
{
    idt_table[vec].flags = (uint16_t)(0x8e00 | ist);
}

uint64_t arch_idt_present(uint8_t bitmap[32])
{
    for (unsigned v = 0; v < 256; v++) {
        if (v % 8 == 0) {
            bitmap[v / 8] = 0;
        }
        if (idt_table[v].flags & 0x8000) { /* P, bit 47 of the gate */
            bitmap[v / 8] |= (uint8_t)(1u << (v % 8));
        }
    }
    return (uint64_t)idt_table;
}

void arch_selftest_unplug_gate(unsigned vec) { idt_table[vec & 0xff].flags &= 0x7fff; }

static void idt_init(void)
{
    idt_set_ist(2, IST_NMI);
    idt_set_ist(8, IST_DF);
    idt_set_ist(18, IST_MC);
    idt_full = true;
}

/* Remaps the 8259 PICs to vectors 0x20-0x2f and masks every line. Left as
 * SeaBIOS programmed them, IRQ 0 would arrive on vector 8 and look like #DF. */
static void pic_disable(void)
{
    outb(0x20, 0x11); /* ICW1: init, expect ICW4 */
    outb(0xa0, 0x11);
    outb(0x21, 0x20); /* ICW2: vector base */
    outb(0xa1, 0x28);
    outb(0x21, 0x04); /* ICW3: slave on IRQ 2 */
    outb(0xa1, 0x02);
    outb(0x21, 0x01); /* ICW4: 8086 mode */
    outb(0xa1, 0x01);
    outb(0x21, 0xff); /* mask all */
    outb(0xa1, 0xff);
}

/*
 * SYSCALL enters at syscall_entry in kernel code with interrupts, traps,
 * direction and alignment-check flags cleared (SDM Vol. 2B, SYSCALL).
 * STAR[47:32] is the kernel CS (SS = CS + 8); STAR[63:48] is the base
 * SYSRET would use (CS = base + 16, SS = base + 8, both RPL 3).
 */
static void syscall_init(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    wrmsr(MSR_STAR, (uint64_t)SEL_KCODE << 32 | (uint64_t)(SEL_KDATA | 3) << 48);
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, 0x200 | 0x100 | 0x400 | 0x40000 | 0x4000); /* IF TF DF AC NT */
    tss.rsp[0] = (uint64_t)boot_stack_top; /* interrupts from user mode start here */
    idt_table[3].flags = 0xee00; /* int3 from user mode raises #BP, not #GP */
}

/* User threads get the FPU and SSE (the kernel itself uses neither), #XM for
 * unmasked SSE exceptions, #AC when they ask for it, and SMEP/SMAP guard the
 * kernel from user pages where the CPU has them. */
static void user_cpu_features(void)
{
    uint32_t r[4];

    write_cr0((read_cr0() & ~(uint64_t)CR0_EM) | CR0_MP | CR0_NE | CR0_AM);
    uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
    cpuid(0, 0, r);
    bool smep = false, smap = false;
    if (r[0] >= 7) {
        cpuid(7, 0, r);
        smep = r[1] & (1u << 7);
        smap = r[1] & (1u << 20);
    }
    cr4 |= (smep ? CR4_SMEP : 0) | (smap ? CR4_SMAP : 0);
    write_cr4(cr4);
    kinfo("cpu", "user mode: SYSCALL, FXSAVE; SMEP %s, SMAP %s", smep ? "on" : "not offered",
          smap ? "on" : "not offered");
}

void arch_cpu_init(void)
{
    gdt_init();
    idt_init();
    pic_disable();
    syscall_init();
    user_cpu_features();
}

bool arch_idt_is_full(void) { return idt_full; }

paddr_t arch_kernel_phys_start(void) { return (paddr_t)(uintptr_t)_kernel_phys_start; }
paddr_t arch_kernel_phys_end(void) { return (paddr_t)((uintptr_t)_kernel_end - KERNEL_VMA); }

bool arch_addr_on_kernel_stack(uint64_t addr, uint64_t len)
{
    for (size_t i = 0; i < ARRAY_SIZE(kernel_stacks); i++) {
        const struct kstack *s = &kernel_stacks[i];
        if (addr >= (uint64_t)s->bottom && addr + len <= (uint64_t)s->top && addr + len > addr) {
            return true;
        }
    }
    return false;
}

const char *arch_guard_page_owner(uint64_t addr)
{
    for (size_t i = 0; i < ARRAY_SIZE(kernel_stacks); i++) {
        const struct kstack *s = &kernel_stacks[i];
        if (addr >= (uint64_t)s->guard && addr < (uint64_t)s->bottom) {
            return s->name;
        }
    }
    return NULL;
}

/* Guard pages, for arch_paging_init. Returns the number written. */
size_t arch_guard_pages(vaddr_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(kernel_stacks) && n < max; i++) {
        out[n++] = (vaddr_t)kernel_stacks[i].guard;
    }
    return n;
}

void *arch_panic_stack_top(void) { return panic_stack_top; }
