/* SPDX-License-Identifier: MIT */
/*
 * panic_dump.c: the x86_64 part of a panic report: trap and error code
 * decoded, control registers, general registers, flags, segments, and a
 * stack-overflow diagnosis. Called only from panic/kpanic.c, on the
 * panic stack with interrupts off; allocates nothing.
 */
#include <arch.h>
#include <arch/trapinfo.h>
#include <arch/x86.h>
#include <fmt.h>
#include <panic.h>

static void dump_flags(uint64_t rflags)
{
    static const struct {
        unsigned bit;
        const char *name;
    } flags[] = {{0, "CF"}, {2, "PF"}, {4, "AF"},  {6, "ZF"}, {7, "SF"},
                 {8, "TF"}, {9, "IF"}, {10, "DF"}, {11, "OF"}};

    panic_printf("RFLAGS=0x%016llx [", (unsigned long long)rflags);
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
        if (rflags & (1ull << flags[i].bit)) {
            panic_printf(" %s", flags[i].name);
        }
    }
    panic_printf(" ]\n");
}

static void dump_regs(const struct trap_frame *f)
{
    const struct {
        const char *name;
        uint64_t v;
    } r[] = {{"RAX", f->rax}, {"RBX", f->rbx}, {"RCX", f->rcx}, {"RDX", f->rdx},
             {"RSI", f->rsi}, {"RDI", f->rdi}, {"RBP", f->rbp}, {"RSP", f->rsp},
             {"R8 ", f->r8},  {"R9 ", f->r9},  {"R10", f->r10}, {"R11", f->r11},
             {"R12", f->r12}, {"R13", f->r13}, {"R14", f->r14}, {"R15", f->r15}};

    for (size_t i = 0; i < ARRAY_SIZE(r); i++) {
        panic_printf("%s=0x%016llx%s", r[i].name, (unsigned long long)r[i].v,
                     (i % 3 == 2 || i + 1 == ARRAY_SIZE(r)) ? "\n" : " ");
    }
}

/* A fault on a guard page, or a stack pointer inside one, means a stack ran out. */
static void diagnose_stack(const struct trap_frame *f, uint64_t cr2)
{
    const char *owner;

    if ((f->vector == 8 || f->vector == 14) && (owner = arch_guard_page_owner(cr2))) {
        panic_printf("diagnosis: kernel stack overflow: CR2 is in the guard page of the %s\n",
                     owner);
    } else if ((owner = arch_guard_page_owner(f->rsp))) {
        panic_printf("diagnosis: kernel stack overflow: RSP is in the guard page of the %s\n",
                     owner);
    }
}

void arch_trap_describe(uint64_t vector, char *buf, size_t size)
{
    unsigned v = vector < 256 ? (unsigned)vector : 255;
    ksnprintf(buf, size, "%s %s", x86_trap_mnemonic(v), x86_trap_name(v));
}

void arch_panic_dump(const struct trap_frame *f, bool have_trap)
{
    char buf[128];
    uint64_t cr2 = read_cr2();

    if (have_trap) {
        unsigned v = (unsigned)f->vector;
        x86_decode_error(v, f->error, buf, sizeof(buf));
        panic_printf("trap   %u %s %s%s\n", v, x86_trap_mnemonic(v), x86_trap_name(v),
                     (f->cs & 3) ? " in user mode" : " in kernel mode");
        panic_printf("error  0x%llx: %s\n", (unsigned long long)f->error, buf);
        if (v == 8) {
            panic_printf("note   after #DF the saved RIP is undefined (SDM Vol. 3A 6.15)\n");
        }
    }
    panic_printf("RIP=0x%016llx %s\n", (unsigned long long)f->rip,
                 panic_symbolize(f->rip, buf, sizeof(buf)));
    panic_printf("CR2=0x%016llx%s\n", (unsigned long long)cr2,
                 (have_trap && f->vector == 14) ? " (the faulting address)" : "");
    panic_printf("CR0=0x%016llx CR3=0x%016llx CR4=0x%016llx\n", (unsigned long long)read_cr0(),
                 (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
    dump_regs(f);
    dump_flags(f->rflags);
    panic_printf("CS=0x%04llx SS=0x%04llx\n", (unsigned long long)f->cs, (unsigned long long)f->ss);
    if (have_trap) {
        diagnose_stack(f, cr2);
    }
}

void arch_panic_regs(const struct trap_frame *f, uint64_t *regs)
{
    const uint64_t r[] = {f->rax, f->rbx, f->rcx, f->rdx, f->rsi,    f->rdi,    f->rbp,
                          f->rsp, f->r8,  f->r9,  f->r10, f->r11,    f->r12,    f->r13,
                          f->r14, f->r15, f->rip, f->rflags, f->cs, f->ss, read_cr0(),
                          read_cr2(), read_cr3(), read_cr4()};
    for (size_t i = 0; i < ARRAY_SIZE(r); i++) {
        regs[i] = r[i];
    }
}
