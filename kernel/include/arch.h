/* SPDX-License-Identifier: MIT */
/*
 * arch.h: everything generic kernel code may ask of the architecture.
 *
 * core/, lib/ and panic/ include this header and never an arch/x86_64
 * file directly. Each arch provides every function below (only x86_64
 * exists). Unless said otherwise a function may be called with interrupts
 * off, takes no lock and does not block.
 */
#ifndef AXL_ARCH_H
#define AXL_ARCH_H

#include "types.h"
#include <arch/memlayout.h>
#include <arch/trapframe.h>

struct boot_info;
struct pmm;

/* --- early console (COM1), used by klog until user space owns the UART --- */
void arch_console_init(void);
void arch_console_putc(char c);

/* --- time --- */
/* Calibrates the timestamp counter; logs the result. Call once at boot. */
void arch_time_init(void);
/* The timestamp counter's rate, 0 if uncalibrated. */
uint64_t arch_tsc_hz(void);
/* Nanoseconds since arch_time_init (0 before it). */
uint64_t arch_time_ns(void);

/*
 * Starts the periodic LAPIC timer at hz ticks per second (vector
 * VEC_TIMER, which calls clock_tick). Returns 0, or -1 (logged) if the
 * rate cannot be met or the TSC is uncalibrated. Interrupts stay off.
 */
int arch_timer_init(unsigned hz);
/* Acknowledges the timer interrupt at the LAPIC. */
void arch_timer_eoi(void);
/* Enables interrupts, waits for one, and returns with interrupts off. */
void arch_wait_for_interrupt(void);
/* Lets pending interrupts in for an instant without halting; interrupts off after. */
void arch_irq_poll(void);

/* --- interrupts from user mode or idle (trap.c) --- */
/* Handles an interrupt that arrived in user mode (timer, IRQ line, or dropped). */
void arch_interrupt(uint64_t vector);
/* From now on an interrupt on an unowned vector is a user's doing: logged, not a panic. */
void arch_users_started(void);

/* --- CPU setup --- */
/* Final GDT, TSS with IST stacks, full IDT, legacy PIC masked. */
void arch_cpu_init(void);
/* True once arch_cpu_init installed the full IDT. */
bool arch_idt_is_full(void);

/*
 * Replaces the boot page tables: kernel image mapped with per-section
 * rights and an unmapped guard page under every kernel stack, a direct map of
 * physical memory, no identity map. Page-table frames come from p.
 */
void arch_paging_init(struct pmm *p, const struct boot_info *bi);

static inline void *phys_to_virt(paddr_t pa) { return (void *)(uintptr_t)(pa + KERNEL_DIRECT_MAP); }

/* Physical extent of the loaded kernel image (linker symbols). */
paddr_t arch_kernel_phys_start(void);
paddr_t arch_kernel_phys_end(void);

/* --- user address spaces, I/O ports (arch/x86_64/vspace.c, ioport.c) --- */
struct cap;
struct cte;
/* Invocations on frames, on page tables of every level, on port capabilities. */
int arch_page_invoke(struct cte *slot, uint64_t label);
int arch_table_invoke(struct cte *slot, uint64_t label);
int arch_ioport_invoke(struct cte *slot, uint64_t label);
/* A frame or table capability is going: remove the mapping it made, if any. */
void arch_cap_unmap(const struct cap *cap);
/* A new PML4 (kernel half copied, ASID taken: cap->word); a PML4's last capability went. */
void arch_vspace_init(struct cap *cap);
void arch_vspace_destroy(const struct cap *cap);
/* How many more address spaces can exist. */
uint64_t arch_asids_free(void);
/* Number of inconsistencies in the page tables the capabilities describe (logged). */
unsigned arch_vspace_check(const struct cap *cap);

/* --- ending the machine --- */
/* Halts this CPU forever with interrupts off. */
NORETURN void arch_halt(void);
/*
 * Ends a scenario: writes code (enum axl_exit_code) to isa-debug-exit;
 * when that device is absent, powers off through ACPI, then halts.
 */
NORETURN void arch_exit(int code);
/* An orderly reboot: exit code REBOOT to isa-debug-exit if present, else a reset (port 0xcf9). */
NORETURN void arch_reboot(void);
/* The time stamp counter, as user space reads it with rdtsc. */
uint64_t arch_timestamp(void);

/* --- the panic path (see panic/kpanic.c) --- */
/* Top of the panic path's own stack. */
void *arch_panic_stack_top(void);
/* Calls fn(arg) on the given stack; fn must not return. */
NORETURN void arch_call_on_stack(void (*fn)(void *), void *arg, void *stack_top);
/* Fills *f with the caller's registers (for kpanic without a trap). */
void arch_capture_frame(struct trap_frame *f);
/* Disables interrupts. */
void arch_irq_disable(void);
/* Polled UART output that assumes nothing about the console's state. */
void arch_panic_putc(char c);
/* VGA text-mode screen (80x25): clear it, write a cell. */
void arch_vga_clear(uint8_t attr);
void arch_vga_put(unsigned row, unsigned col, char c, uint8_t attr);
/* Tells the host the guest panicked (pvpanic), if such a device exists. */
void arch_notify_host_panic(void);
/* Describes an exception vector for a report, e.g. "#PF page fault". */
void arch_trap_describe(uint64_t vector, char *buf, size_t size);
/* Prints the arch part of a report: trap, error bits, control and general registers. */
void arch_panic_dump(const struct trap_frame *f, bool have_trap);
/* True if addr lies in a known kernel stack (boot, IST or panic stack). */
bool arch_addr_on_kernel_stack(uint64_t addr, uint64_t len);
/* If addr is in a stack guard page, the stack's name, else NULL. */
const char *arch_guard_page_owner(uint64_t addr);

/* --- the persistent crash store (arch/x86_64/erst.c): ACPI ERST, fw_cfg --- */
/* Finds the ERST device; returns its exchange buffer's size, 0 if there is none (logged). */
size_t arch_erst_probe(void);
/* The exchange buffer: a record is written from, and read into, its start. */
void *arch_erst_buffer(void);
/* ERST operations; each returns the device's command status (0 success, 1 no space,
 * 3 failed, 4 store empty, 5 not found). */
int arch_erst_write(void);
int arch_erst_read(uint64_t id);
int arch_erst_clear(uint64_t id);
/* The next record id of the device's cursor; ~0 at the end, where the cursor restarts. */
uint64_t arch_erst_next_id(void);
/* Reads fw_cfg file `name` into buf (at most size bytes); its full size, or -1 if absent. */
long arch_fw_cfg_read(const char *name, void *buf, size_t size);
/* 32 unpredictable bits (RDRAND where the CPU has it, else TSC jitter). */
uint32_t arch_random32(void);

/* The IOMMU (VT-d, arch/x86_64/vtd.c). At boot, after the LAPIC: every PCI device put in a
 * blocking domain and translation turned on, unless the command line says iommu=off. */
void arch_iommu_init(struct pmm *p, const char *cmdline);
/* The remapping unit's register page, which no user may get; false if there is no unit. */
bool arch_iommu_regs(paddr_t *base);
/* Operations on IO page tables, the IOMMU control and IO spaces (iospace.c). */
int arch_iospace_invoke(struct cte *slot, uint64_t label);
/* IO_PAGE_MAP and IO_PAGE_UNMAP on a frame. */
int arch_io_page_invoke(struct cte *slot, uint64_t label);
/* Removes the IO-space mapping a frame or IO page table capability records (CAP_IOMAP). */
void arch_io_cap_unmap(const struct cap *cap);
/* A notification is being destroyed: no IO space may signal it any more. */
void arch_iospace_notification_gone(const void *ntfn);
/* The physical address of the kernel's own PML4 (for boot info). */
paddr_t arch_kernel_pml4_phys(void);
/* For a crash record: the registers in uapi/axl/pstore.h's AXL_PSTORE_REGS order (control
 * registers read now), and the IDT's present bits (bit v = gate v); returns the IDT base. */
void arch_panic_regs(const struct trap_frame *f, uint64_t *regs);
uint64_t arch_idt_present(uint8_t bitmap[32]);

/* --- deliberate faults for the kernel self-tests (core/selftest.c) --- */
/* Clears the present bit of IDT gate vec, as if its handler were not installed yet. */
void arch_selftest_unplug_gate(unsigned vec);
void arch_selftest_invalid_opcode(void);
void arch_selftest_divide_error(void);
/* Raises interrupt vector 0x41 in software (int $0x41). */
void arch_selftest_software_interrupt(void);

#endif /* AXL_ARCH_H */
