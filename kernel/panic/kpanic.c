/* SPDX-License-Identifier: MIT */
/*
 * kpanic.c: the panic path. What it must never do is lie or hang.
 *
 * Self-contained by construction: it disables interrupts first, switches
 * to its own stack (panic_stack, above a guard page), keeps all its state
 * in static storage, takes no lock, and reaches the outside world only
 * through arch.h's panic primitives (polled UART, VGA text memory,
 * pvpanic, isa-debug-exit). A fault anywhere in here re-enters through
 * the trap path, finds panic_depth > 0, prints one line and halts.
 * May use lib/ (fmt) and arch.h; nothing else.
 */
#include <arch.h>
#include <fmt.h>
#include <panic.h>
#include <pstore.h>
#include <symbols.h>
#include <uapi/axl/exit.h>

#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_HEADER 0x4f /* white on red */
#define VGA_TEXT 0x1f   /* white on blue */
#define BACKTRACE_MAX 16

static struct {
    enum axl_panic_code code;
    bool have_trap;
    struct trap_frame frame;
    char reason[160];
    uint64_t tsc; /* when the panic began, for the record's write latency */
    uint64_t backtrace[BACKTRACE_MAX];
    unsigned backtrace_count;
} panic_state;

static volatile int panic_depth;
volatile bool panic_selftest_nested;

/* The line being assembled, and where the VGA output stands. */
static char line[256];
static size_t line_len;
static unsigned vga_row;

/* Emits the assembled line: all of it on serial, wrapped at 80 columns on VGA. */
static void line_flush(void)
{
    uint8_t attr = vga_row == 0 ? VGA_HEADER : VGA_TEXT;

    for (size_t i = 0; i < line_len; i++) {
        arch_panic_putc(line[i]);
        if (i > 0 && i % VGA_COLS == 0) {
            vga_row++;
        }
        arch_vga_put(vga_row, (unsigned)(i % VGA_COLS), line[i], attr);
    }
    arch_panic_putc('\r');
    arch_panic_putc('\n');
    vga_row++;
    line_len = 0;
}

static void panic_puts(const char *s)
{
    for (; *s; s++) {
        if (*s == '\n') {
            line_flush();
        } else if (line_len < sizeof(line)) {
            line[line_len++] = *s;
        }
    }
}

void panic_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    kvsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    panic_puts(buf);
}

const char *panic_symbolize(uint64_t addr, char *buf, size_t size)
{
    uint64_t off;
    const char *name = ksym_find(ksym_kernel_table(), addr, &off);

    if (name) {
        ksnprintf(buf, size, "%s+0x%llx", name, (unsigned long long)off);
    } else {
        ksnprintf(buf, size, "?");
    }
    return buf;
}

/*
 * Walks the frame-pointer chain (the kernel is built with
 * -fno-omit-frame-pointer): [rbp] = caller's rbp, [rbp+8] = return
 * address, into panic_state.backtrace ([0] = rip). Every frame must lie on
 * a known kernel stack and move upward, so a corrupt chain ends the walk
 * instead of faulting; *stop says why it ended early, or is NULL.
 */
static void backtrace_collect(uint64_t rip, uint64_t rbp, const char **stop, uint64_t *bad_rbp)
{
    unsigned n = 0;

    *stop = NULL;
    panic_state.backtrace[n++] = rip;
    while (n < BACKTRACE_MAX && rbp != 0) {
        if ((rbp & 7) || !arch_addr_on_kernel_stack(rbp, 16)) {
            *stop = "is not on a kernel stack";
            *bad_rbp = rbp;
            break;
        }
        const uint64_t *fp = (const uint64_t *)(uintptr_t)rbp;
        if (fp[1] == 0) {
            break;
        }
        panic_state.backtrace[n++] = fp[1];
        if (fp[0] != 0 && fp[0] <= rbp) {
            *stop = "chain goes down";
            *bad_rbp = fp[0];
            break;
        }
        rbp = fp[0];
    }
    panic_state.backtrace_count = n;
}

static void backtrace_print(const char *stop, uint64_t bad_rbp)
{
    char buf[128];

    panic_printf("backtrace:\n");
    panic_printf("  #0  0x%016llx %s\n", (unsigned long long)panic_state.backtrace[0],
                 panic_symbolize(panic_state.backtrace[0], buf, sizeof(buf)));
    for (unsigned i = 1; i < panic_state.backtrace_count; i++) {
        uint64_t ret = panic_state.backtrace[i], off;
        /* ret - 1 lies inside the call instruction, hence in the caller. */
        const char *name = ksym_find(ksym_kernel_table(), ret - 1, &off);
        panic_printf("  #%-2u 0x%016llx %s+0x%llx\n", i, (unsigned long long)ret,
                     name ? name : "?", (unsigned long long)(name ? off + 1 : 0));
    }
    if (stop && stop[0] == 'i') {
        panic_printf("  (frame pointer 0x%llx %s; stopping)\n", (unsigned long long)bad_rbp, stop);
    } else if (stop) {
        panic_printf("  (frame pointer %s; stopping)\n", stop);
    }
}

/* Runs on the panic stack. */
static NORETURN void panic_main(void *unused)
{
    (void)unused;
    struct trap_frame *f = &panic_state.frame;
    char sym[128];

    const char *stop;
    uint64_t bad_rbp = 0;
    backtrace_collect(f->rip, f->rbp, &stop, &bad_rbp);
    /* The evidence first: the record is written before the slow output (VGA, UART). */
    struct pstore_panic rec = {.code = panic_state.code,
                               .have_trap = panic_state.have_trap,
                               .frame = f,
                               .reason = panic_state.reason,
                               .backtrace = panic_state.backtrace,
                               .backtrace_count = panic_state.backtrace_count,
                               .panic_tsc = panic_state.tsc};
    pstore_panic_write(&rec);
    arch_vga_clear(VGA_TEXT);
    vga_row = 0;
    line_len = 0;
    if (panic_state.have_trap) {
        panic_printf("KERNEL PANIC P%02d %s: %s at %s\n", panic_state.code,
                     panic_code_name(panic_state.code), panic_state.reason,
                     panic_symbolize(f->rip, sym, sizeof(sym)));
    } else {
        panic_printf("KERNEL PANIC P%02d %s: %s\n", panic_state.code,
                     panic_code_name(panic_state.code), panic_state.reason);
    }
    if (panic_selftest_nested) {
        /* selftest: fault inside the panic path (a volatile pointer hides the constant from GCC) */
        volatile uint64_t *volatile unmapped = (volatile uint64_t *)(uintptr_t)0x10;
        *unmapped = 1;
    }
    pstore_panic_report();
    arch_panic_dump(f, panic_state.have_trap);
    backtrace_print(stop, bad_rbp);
    panic_printf("end of panic report; system halted\n");
    arch_notify_host_panic();
    arch_exit(AXL_EXIT_PANIC);
}

/* The one line a nested panic prints, with no formatting machinery. */
static NORETURN void panic_nested(const char *what, uint64_t vector, uint64_t rip)
{
    char buf[160];

    ksnprintf(buf, sizeof(buf),
              "NESTED PANIC: %s (vector %lld, rip 0x%016llx) while panicking; halted\r\n", what,
              (long long)vector, (unsigned long long)rip);
    for (const char *s = buf; *s; s++) {
        arch_panic_putc(*s);
    }
    arch_exit(AXL_EXIT_NESTED_PANIC);
}

static bool panic_enter(void)
{
    arch_irq_disable();
    bool first = __atomic_fetch_add(&panic_depth, 1, __ATOMIC_SEQ_CST) == 0;
    if (first) {
        panic_state.tsc = arch_timestamp();
    }
    return first;
}

NORETURN void kpanic(enum axl_panic_code code, const char *fmt, ...)
{
    if (!panic_enter()) {
        panic_nested("kpanic called", (uint64_t)-1,
                     (uint64_t)(uintptr_t)__builtin_return_address(0));
    }
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(panic_state.reason, sizeof(panic_state.reason), fmt, ap);
    va_end(ap);
    panic_state.code = code;
    panic_state.have_trap = false;
    arch_capture_frame(&panic_state.frame);
    arch_call_on_stack(panic_main, NULL, arch_panic_stack_top());
}

NORETURN void kpanic_trap(enum axl_panic_code code, struct trap_frame *frame)
{
    if (!panic_enter()) {
        panic_nested("exception", frame->vector, frame->rip);
    }
    panic_state.code = code;
    panic_state.have_trap = true;
    panic_state.frame = *frame;
    char what[48];
    arch_trap_describe(frame->vector, what, sizeof(what));
    switch (code) {
    case AXL_PANIC_EARLY_TRAP:
        ksnprintf(panic_state.reason, sizeof(panic_state.reason),
                  "exception %llu (%s) before the full IDT was installed",
                  (unsigned long long)frame->vector, what);
        break;
    case AXL_PANIC_UNEXPECTED_IRQ:
        ksnprintf(panic_state.reason, sizeof(panic_state.reason),
                  "unexpected interrupt on vector %llu", (unsigned long long)frame->vector);
        break;
    default:
        ksnprintf(panic_state.reason, sizeof(panic_state.reason),
                  "exception %llu (%s) in kernel mode", (unsigned long long)frame->vector, what);
        break;
    }
    arch_call_on_stack(panic_main, NULL, arch_panic_stack_top());
}
