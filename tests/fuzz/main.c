/* SPDX-License-Identifier: MIT */
/*
 * main.c: fuzz, the system-call fuzzer: a root task that makes random
 * system calls with random arguments and checks that the kernel stays up,
 * answers every call and keeps its invariants (docs/fuzzing.md).
 *
 * Design. The fuzzing must not destroy the fuzzer, so the root task never
 * fuzzes itself: it builds a sandbox and lets fuzz threads loose in it.
 *
 * - The sandbox is a CNode of 64 slots, carved with everything in it from
 *   one 8 MiB untyped region the root keeps (sandbox.c): untyped regions,
 *   endpoints, notifications, CNodes (one with a guard), frames (one of
 *   2 MiB), an address space with tables and frames mapped, a spare PML4
 *   and tables, two unstarted TCBs, copies and mints with badges and
 *   fewer rights, a copy of an I/O port capability for port 0x80 (POST
 *   codes, harmless) and of IRQ 5's handler (no device raises it), copies
 *   of an endpoint, a notification and a frame from outside the region,
 *   and empty slots. It also holds itself (slot 1, so the threads can name
 *   it: see fuzz.h on cptrs) and the fuzz threads' own TCBs, so they can
 *   suspend, reconfigure and rewrite themselves and each other.
 * - Fuzz threads (thread.c; two by default) run in the root's address
 *   space, each on its own stack and IPC buffer (root frames the sandbox
 *   does not hold), with the sandbox as CSpace root, at the root's
 *   priority, so the root's YIELD hands the CPU round. Call n of thread i
 *   is drawn from (seed, i, n) alone: system calls 1 to 13 and invalid
 *   numbers (0, 14, 999, 2^64 - 1 ...), cptrs inside and beyond the
 *   sandbox, message info with any label, up to 3 capabilities and
 *   lengths up to 127, and for invocations operations and arguments that
 *   mostly fit the target (from a guess of each slot's contents) and sit
 *   near the edges of what the kernel accepts. Blocking calls are rare.
 *   Each thread counts its calls and their answers in `fz` and checks what
 *   can be checked: error codes in range, DEBUG_CHECK finding nothing, a
 *   few operations' results (I/O within the port range, INSPECT,
 *   READ_REGISTERS, PAGE_ADDRESS, POLL/WAIT words).
 * - The root (this file) loops: YIELD; take the fault messages its fault
 *   endpoint holds (an invalid system call is answered with RESUME, so
 *   the thread goes on after its SYSCALL; any other fault means the
 *   thread lost its way, and it is restarted); restart a thread whose
 *   call count did not move for 3 rounds (it is blocked, suspended,
 *   starved or spinning); and rebuild the sandbox, fuzz threads
 *   included, by revoking the region, every `refresh` calls of a thread,
 *   so it never runs dry and every object is destroyed in whatever state
 *   the fuzzing left it (in one of four orders: sandbox.c, teardown).
 *   A restart is SUSPEND, TCB_CONFIGURE, SET_PRIORITY, WRITE_REGISTERS
 *   and RESUME with the root's own capabilities, which the threads
 *   cannot reach.
 * - The root calls DEBUG_CHECK every 10,000 calls, after the last call
 *   and after tearing everything down; it prints progress every 10,000
 *   calls and a last line with the totals, then ends the scenario through
 *   an I/O port capability for isa-debug-exit: pass if no DEBUG_CHECK
 *   found a problem and no answer broke a rule, fail otherwise.
 *
 * Safety of the root: the threads share its address space, so no RIP or
 * RSP they give the kernel (TCB_WRITE_REGISTERS, a fault reply) may point
 * into the root's mappings (thread.c filters MR0 and MR1 of every call),
 * and they use no libipc code that touches the root's IPC buffer. The
 * sandbox holds neither the root's PML4 nor its fault endpoint, nor the
 * I/O port or IRQ controls.
 *
 * Arguments, from the module's args and then the kernel command line as
 * fuzz.KEY=VALUE (which wins): seed=N, calls=N (total over the threads),
 * threads=1|2, refresh=N (calls of one thread between sandboxes; 0:
 * never), trace=A-B (print thread 0's calls A to B with their answers).
 */
#include "fuzz.h"

struct fuzz_shared fz;

static struct {
    uint64_t faults, fault_kinds[AXL_FAULT_OTHER_EXCEPTION + 1];
    uint64_t restarts_stalled, restarts_fault, refreshes, rounds;
    uint64_t check_problems; /* found by the root's DEBUG_CHECKs */
    uint64_t root_failures;  /* operations of the root's that failed (each is a kernel problem) */
    uint64_t wrong_root;     /* fault messages that broke a rule */
} st;

/* ------------------------------------------------------------ arguments */

/* The value of word "key=VALUE" in s (the last one wins), or false. */
static bool find_arg(const char *s, const char *key, uint64_t *out)
{
    size_t klen = strlen(key);
    bool found = false;

    for (const char *w = s; *w;) {
        while (*w == ' ') {
            w++;
        }
        const char *end = w;
        while (*end && *end != ' ') {
            end++;
        }
        if ((size_t)(end - w) > klen && strncmp(w, key, klen) == 0 && w[klen] == '=') {
            uint64_t v = 0;
            const char *p = w + klen + 1;
            unsigned base = 10;
            if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
                base = 16;
                p += 2;
            }
            bool good = p < end;
            for (; p < end && good; p++) {
                unsigned d = *p >= '0' && *p <= '9'   ? (unsigned)(*p - '0')
                             : *p >= 'a' && *p <= 'f' ? (unsigned)(*p - 'a' + 10)
                             : *p >= 'A' && *p <= 'F' ? (unsigned)(*p - 'A' + 10)
                                                      : 99;
                good = d < base;
                v = v * base + d;
            }
            if (good) {
                *out = v;
                found = true;
            } else {
                axl_printf("fuzz: ignoring '%.*s': not a number\n", (int)(end - w), w);
            }
        }
        w = end;
    }
    return found;
}

/* key from the module arguments, then fuzz.key from the kernel command line. */
static uint64_t arg(const char *key, uint64_t dflt)
{
    char cmdkey[32];
    uint64_t v = dflt;

    if (axl_bootinfo->module_count > 0) {
        char args[sizeof(axl_bootinfo->modules[0].args) + 1];
        memcpy(args, axl_bootinfo->modules[0].args, sizeof(args) - 1);
        args[sizeof(args) - 1] = 0;
        find_arg(args, key, &v);
    }
    char cmdline[sizeof(axl_bootinfo->cmdline) + 1];
    memcpy(cmdline, axl_bootinfo->cmdline, sizeof(cmdline) - 1);
    cmdline[sizeof(cmdline) - 1] = 0;
    axl_snprintf(cmdkey, sizeof(cmdkey), "fuzz.%s", key);
    find_arg(cmdline, cmdkey, &v);
    return v;
}

/* trace=A-B or trace=A (module args or fuzz.trace=): parsed by hand, it is not a number. */
static void trace_arg(void)
{
    const char *sources[2] = {axl_bootinfo->module_count ? axl_bootinfo->modules[0].args : "",
                              axl_bootinfo->cmdline};
    const char *keys[2] = {"trace=", "fuzz.trace="};

    fz.trace_first = UINT64_MAX;
    fz.trace_last = 0;
    for (unsigned k = 0; k < 2; k++) {
        for (const char *w = sources[k]; *w;) {
            while (*w == ' ') {
                w++;
            }
            size_t klen = strlen(keys[k]);
            if (strncmp(w, keys[k], klen) == 0 && (w == sources[k] || w[-1] == ' ')) {
                const char *p = w + klen;
                uint64_t a = 0, b;
                while (*p >= '0' && *p <= '9') {
                    a = a * 10 + (uint64_t)(*p++ - '0');
                }
                b = a;
                if (*p == '-') {
                    b = 0;
                    p++;
                    while (*p >= '0' && *p <= '9') {
                        b = b * 10 + (uint64_t)(*p++ - '0');
                    }
                }
                fz.trace_first = a;
                fz.trace_last = b;
            }
            while (*w && *w != ' ') {
                w++;
            }
        }
    }
}

/* ------------------------------------------------------------ ending */

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static void end(unsigned code)
{
    uint64_t slot = sandbox_slot();
    long err = slot ? axl_scenario_end(slot, code) : AXL_E_RANGE;
    axl_printf("fuzz: cannot end the scenario through port 0x%x: %s\n", AXL_DEBUG_EXIT_PORT,
               err ? axl_strerror(err) : "the write returned");
    for (;;) {
        axl_yield();
    }
}

static void fail_now(const char *why)
{
    axl_printf("fuzz: FAILED: %s\n", why);
    end(AXL_EXIT_FAIL);
}

/* ------------------------------------------------------------ watching */

static uint64_t calls_done(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < fz.threads; i++) {
        n += fz.th[i].calls;
    }
    return n;
}

static uint64_t errors_returned(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < fz.threads; i++) {
        n += fz.th[i].errors;
    }
    return n;
}

static uint64_t thread_check_problems(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < fz.threads; i++) {
        n += fz.th[i].check_problems;
    }
    return n;
}

static uint64_t inconsistencies(void) { return st.check_problems + thread_check_problems(); }

static uint64_t wrong_answers(void) { return fz.wrong + st.wrong_root; }

static void print_regs(const char *prefix, const struct fuzz_regs *r)
{
    axl_printf("%s nr %llu cptr 0x%llx info 0x%llx mr 0x%llx 0x%llx 0x%llx 0x%llx -> rax %llu rdi "
               "0x%llx rsi 0x%llx mr 0x%llx 0x%llx 0x%llx 0x%llx\n",
               prefix, (unsigned long long)r->nr, (unsigned long long)r->cptr,
               (unsigned long long)r->info, (unsigned long long)r->mr[0],
               (unsigned long long)r->mr[1], (unsigned long long)r->mr[2],
               (unsigned long long)r->mr[3], (unsigned long long)r->ret,
               (unsigned long long)r->badge, (unsigned long long)r->oinfo,
               (unsigned long long)r->omr[0], (unsigned long long)r->omr[1],
               (unsigned long long)r->omr[2], (unsigned long long)r->omr[3]);
}

/* Prints the wrong answers recorded since the last call. */
static void print_wrong(void)
{
    while (fz.wrong_printed < fz.wrong && fz.wrong_printed < FUZZ_WRONG_KEPT) {
        const struct fuzz_wrong *w = &fz.wrong_kept[fz.wrong_printed++];
        char prefix[160];
        axl_snprintf(prefix, sizeof(prefix), "fuzz: WRONG ANSWER: %s: thread %u call %llu:",
                     w->what, w->thread, (unsigned long long)w->call);
        print_regs(prefix, &w->regs);
    }
}

/* Answers every fault message waiting on the fault endpoint. */
static void take_faults(void)
{
    for (;;) {
        struct axl_msg m;
        long err = axl_nb_recv(sandbox_fault_ep(), &m);
        if (err == AXL_E_WOULD_BLOCK) {
            return;
        }
        if (err != AXL_E_OK) {
            axl_printf("fuzz: root: NB_RECV on the fault endpoint failed: %s\n", axl_strerror(err));
            st.root_failures++;
            return;
        }
        uint64_t kind = AXL_MSGINFO_LABEL(m.info), rip = m.mr[AXL_FAULT_MR_RIP];
        uint64_t detail = axl_msg_get(&m, AXL_FAULT_MR_DETAIL);
        unsigned i = (unsigned)(m.badge - 1);
        if (m.badge == 0 || i >= fz.threads || kind == 0 || kind > AXL_FAULT_OTHER_EXCEPTION ||
            AXL_MSGINFO_LEN(m.info) != AXL_FAULT_WORDS) {
            axl_printf("fuzz: WRONG ANSWER: a fault message with badge %llu, label %llu, length "
                       "%u\n",
                       (unsigned long long)m.badge, (unsigned long long)kind,
                       AXL_MSGINFO_LEN(m.info));
            st.wrong_root++;
            continue;
        }
        st.faults++;
        st.fault_kinds[kind]++;
        bool own_call = rip == (uint64_t)(uintptr_t)fuzz_syscall_ret;
        if (kind == AXL_FAULT_INVALID_SYSCALL && own_call && detail != fz.th[i].cur_nr) {
            axl_printf("fuzz: WRONG ANSWER: thread %u made system call %llu, the fault message "
                       "says %llu\n",
                       i, (unsigned long long)fz.th[i].cur_nr, (unsigned long long)detail);
            st.wrong_root++;
        }
        if (kind == AXL_FAULT_INVALID_SYSCALL) {
            /* Go on after the SYSCALL (a gadget's is followed by UD2: the next fault restarts it). */
            struct axl_msg resume = axl_message(AXL_FAULT_RESUME, 0);
            axl_reply(&resume); /* INVALID_CAPABILITY if a thread stopped it meanwhile: fine */
            continue;
        }
        /* Lost its way (a page fault in a foreign address space, #UD in a gadget ...): restart. */
        struct axl_msg stop = axl_message(1, 0);
        axl_reply(&stop);
        st.restarts_fault++;
        if (!sandbox_reset_thread(i, false)) {
            st.root_failures++;
        }
    }
}

static void check_kernel(const char *when)
{
    long problems = axl_debug_check();
    if (problems != 0) {
        axl_printf("fuzz: DEBUG_CHECK %s found %ld kernel inconsistencies (see the kernel log "
                   "above)\n",
                   when, problems);
        st.check_problems += (uint64_t)problems;
    }
}

static void progress(void)
{
    axl_printf("fuzz: %llu calls: %llu errors, %llu faults, %llu restarts, %llu refreshes, %llu "
               "wrong answers, %llu inconsistencies\n",
               (unsigned long long)calls_done(), (unsigned long long)errors_returned(),
               (unsigned long long)st.faults,
               (unsigned long long)(st.restarts_stalled + st.restarts_fault),
               (unsigned long long)st.refreshes, (unsigned long long)wrong_answers(),
               (unsigned long long)inconsistencies());
}

static void summary(uint64_t cycles)
{
    static const char *const sys_names[] = {
        "invalid",
#define AXL_X(number, name, text) #name,
        AXL_SYSCALLS(AXL_X)
#undef AXL_X
    };
    static const char *const fault_names[] = {
        "?",
#define AXL_X(kind, name, text) #name,
        AXL_FAULTS(AXL_X)
#undef AXL_X
    };
    char line[AXL_PRINTF_MAX];
    int n = 0;

    n += axl_snprintf(line + n, sizeof(line) - (size_t)n, "fuzz: calls by number:");
    for (unsigned nr = 0; nr <= AXL_SYS_COUNT; nr++) {
        uint64_t c = 0;
        for (unsigned i = 0; i < fz.threads; i++) {
            c += fz.th[i].by_nr[nr];
        }
        if (c && nr && nr < AXL_SYS_COUNT) {
            n += axl_snprintf(line + n, sizeof(line) - (size_t)n, " %s %llu", sys_names[nr],
                              (unsigned long long)c);
        }
    }
    uint64_t invalid = 0;
    for (unsigned i = 0; i < fz.threads; i++) {
        invalid += fz.th[i].by_nr[AXL_SYS_COUNT];
    }
    axl_printf("%s invalid %llu\n", line, (unsigned long long)invalid);

    n = axl_snprintf(line, sizeof(line), "fuzz: answers:");
    for (unsigned e = 0; e <= AXL_E_NO_IPC_BUFFER + 1; e++) {
        uint64_t c = 0;
        for (unsigned i = 0; i < fz.threads; i++) {
            c += fz.th[i].results[e];
        }
        if (c) {
            const char *name = e <= AXL_E_NO_IPC_BUFFER ? axl_errname(e) + 6 : "other";
            n += axl_snprintf(line + n, sizeof(line) - (size_t)n, " %s %llu", name,
                              (unsigned long long)c);
        }
    }
    axl_printf("%s\n", line);

    n = axl_snprintf(line, sizeof(line), "fuzz: faults:");
    for (unsigned k = 1; k <= AXL_FAULT_OTHER_EXCEPTION; k++) {
        if (st.fault_kinds[k]) {
            n += axl_snprintf(line + n, sizeof(line) - (size_t)n, " %s %llu", fault_names[k],
                              (unsigned long long)st.fault_kinds[k]);
        }
    }
    axl_printf("%s; restarts: %llu stalled, %llu after a fault; %llu sandboxes\n", line,
               (unsigned long long)st.restarts_stalled, (unsigned long long)st.restarts_fault,
               (unsigned long long)st.refreshes + 1);
    uint64_t hz = axl_bootinfo->tsc_hz ? axl_bootinfo->tsc_hz : 1;
    uint64_t ms = cycles / (hz / 1000 ? hz / 1000 : 1);
    axl_printf("fuzz: %llu.%03llu s, %llu calls/s\n", (unsigned long long)(ms / 1000),
               (unsigned long long)(ms % 1000),
               (unsigned long long)(ms ? calls_done() * 1000 / ms : 0));
}

int main(void)
{
    if (!axl_bootinfo || axl_bootinfo->magic != AXL_BOOTINFO_MAGIC) {
        axl_printf("fuzz: no valid boot information\n");
        return 1;
    }
    fz.seed = arg("seed", FUZZ_DEFAULT_SEED);
    uint64_t calls = arg("calls", FUZZ_DEFAULT_CALLS);
    uint64_t threads = arg("threads", FUZZ_DEFAULT_THREADS);
    fz.refresh_every = arg("refresh", FUZZ_DEFAULT_REFRESH);
    trace_arg();
    if (threads < 1 || threads > FUZZ_MAX_THREADS) {
        axl_printf("fuzz: threads=%llu: 1 or 2; using %u\n", (unsigned long long)threads,
                   FUZZ_DEFAULT_THREADS);
        threads = FUZZ_DEFAULT_THREADS;
    }
    fz.threads = (unsigned)threads;
    for (unsigned i = 0; i < fz.threads; i++) {
        fz.th[i].target = calls / fz.threads + (i < calls % fz.threads);
        fz.th[i].cur_nr = UINT64_MAX;
    }
    axl_printf("fuzz: seed %llu, %llu calls by %u threads in a sandbox of %u slots, a fresh one "
               "every %llu calls of a thread\n",
               (unsigned long long)fz.seed, (unsigned long long)calls, fz.threads, SB_SLOTS,
               (unsigned long long)fz.refresh_every);

    /* The threads run at the root's priority: each YIELD of the root lets them take a turn. */
    if (axl_tcb_set_priority(AXL_SLOT_TCB, FUZZ_PRIO, AXL_PRIORITIES - 1, 0) != AXL_E_OK) {
        fail_now("the root cannot lower its own priority");
    }
    if (!sandbox_setup() || !sandbox_refresh()) {
        fail_now("the root cannot build the sandbox");
    }
    check_kernel("after building the sandbox");

    uint64_t start = rdtsc(), next_progress = FUZZ_PROGRESS_EVERY;
    uint64_t last[FUZZ_MAX_THREADS] = {0}, still[FUZZ_MAX_THREADS] = {0};
    uint64_t restarts_in_a_row[FUZZ_MAX_THREADS] = {0};
    bool done[FUZZ_MAX_THREADS] = {false};
    unsigned running = fz.threads;

    while (running > 0) {
        st.rounds++;
        axl_yield();
        take_faults();
        if (fz.trace_pending) {
            char prefix[48];
            axl_snprintf(prefix, sizeof(prefix), "fuzz: trace %llu:",
                         (unsigned long long)fz.trace_call);
            print_regs(prefix, &fz.trace_regs);
            fz.trace_pending = 0;
        }
        print_wrong();

        bool refresh = false;
        for (unsigned i = 0; i < fz.threads; i++) {
            refresh |= !done[i] && fz.th[i].refresh_at > fz.th[i].refreshed_at;
        }
        if (refresh) {
            for (unsigned i = 0; i < fz.threads; i++) {
                if (fz.th[i].refresh_at > fz.th[i].refreshed_at) {
                    fz.th[i].refreshed_at = fz.th[i].refresh_at;
                }
            }
            st.refreshes++;
            if (!sandbox_refresh()) {
                fail_now("the root cannot rebuild the sandbox");
            }
            for (unsigned i = 0; i < fz.threads; i++) {
                still[i] = 0;
            }
            continue;
        }

        for (unsigned i = 0; i < fz.threads; i++) {
            struct fuzz_thread *t = &fz.th[i];
            if (done[i]) {
                continue;
            }
            if (t->calls >= t->target) {
                sandbox_stop_thread(i);
                done[i] = true;
                running--;
                continue;
            }
            if (t->calls != last[i]) {
                last[i] = t->calls;
                still[i] = 0;
                restarts_in_a_row[i] = 0;
            } else if (++still[i] >= 3 && !fz.trace_pending) {
                /* Blocked, suspended, starved or spinning: start it again. */
                still[i] = 0;
                st.restarts_stalled++;
                if (++restarts_in_a_row[i] > 1000) {
                    fail_now("a fuzz thread makes no progress after 1000 restarts");
                }
                if (!sandbox_reset_thread(i, true)) {
                    st.root_failures++;
                }
            }
        }

        if (calls_done() >= next_progress) {
            check_kernel("at a progress point");
            progress();
            while (next_progress <= calls_done()) {
                next_progress += FUZZ_PROGRESS_EVERY;
            }
        }
        if (st.root_failures > 100) {
            fail_now("too many of the root's own operations failed");
        }
    }
    uint64_t cycles = rdtsc() - start;
    take_faults();
    print_wrong();
    check_kernel("after the last call");
    if (!sandbox_destroy()) {
        st.root_failures++;
    }
    check_kernel("after destroying every object the run made");
    summary(cycles);

    bool pass = wrong_answers() == 0 && inconsistencies() == 0 && st.root_failures == 0;
    if (st.root_failures) {
        axl_printf("fuzz: %llu operations of the root failed (see above)\n",
                   (unsigned long long)st.root_failures);
    }
    axl_printf("fuzz: %llu calls, seed %llu: %llu errors returned, %llu faults, %llu wrong "
               "answers, %llu kernel inconsistencies\n",
               (unsigned long long)calls_done(), (unsigned long long)fz.seed,
               (unsigned long long)errors_returned(), (unsigned long long)st.faults,
               (unsigned long long)wrong_answers(), (unsigned long long)inconsistencies());
    end(pass ? AXL_EXIT_PASS : AXL_EXIT_FAIL);
    return 1;
}
