/* SPDX-License-Identifier: MIT */
/*
 * main.c: the IPC benchmark's root task: reads its arguments, sets up
 * the server space and the peers, runs each measurement and ends the
 * scenario (bench.h, docs/benchmarks.md).
 *
 * Each measurement runs warmup + iterations times and keeps the last
 * iterations samples, one per operation; a sample is the difference of
 * two bench_tsc() reads. Where both reads happen in one thread the loop
 * is here alone; where the operation ends in another thread, that thread
 * stamps the shared page (peer.c) and the sample is checked to lie
 * between stamps the root task took around the operation, so a peer
 * that did not run can never yield a plausible-looking number.
 *
 * Module arguments (scenario.toml, or `axl bench --iterations`):
 *   iterations=N  samples kept per measurement (default 10000, 100..100000)
 *   warmup=N      operations run first and discarded (default iterations/10,
 *                 at least 100 and at most 10000)
 */
#include "bench.h"

#define PRIO_ROOT 255 /* the root task's priority (docs/user-space.md) */
#define PRIO_LOW 1    /* the sending side of send_oneway and signal_wakeup, as in seL4's Notify */

static uint32_t iterations = ITER_DEFAULT, warmup;
static uint64_t *samples, *samples2; /* iterations each, at SAMPLES_VA */
static struct bench_shared *sh;
static uint64_t ep, ntfn, ntfn_empty;
static struct peer server, same; /* in the server space; in the root space */

/* --- arguments --- */

static bool parse_uint(const char *s, size_t n, uint32_t *out)
{
    uint64_t v = 0;

    if (n == 0 || n > 9) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = (uint32_t)v;
    return true;
}

/* Reads "key=value" words; returns false (having said why) on anything it does not know. */
static bool parse_args(const char *args)
{
    bool warmup_set = false;

    while (*args) {
        while (*args == ' ') {
            args++;
        }
        size_t len = 0;
        while (args[len] && args[len] != ' ') {
            len++;
        }
        if (len == 0) {
            break;
        }
        size_t key = 0;
        while (key < len && args[key] != '=') {
            key++;
        }
        const char *eq = key < len ? args + key : NULL;
        uint32_t *dst = NULL;
        if (key == 10 && strncmp(args, "iterations", 10) == 0) {
            dst = &iterations;
        } else if (key == 6 && strncmp(args, "warmup", 6) == 0) {
            dst = &warmup;
            warmup_set = true;
        }
        if (!dst || !eq || !parse_uint(eq + 1, len - key - 1, dst)) {
            axl_printf("bench: error: bad argument '%.*s' (known: iterations=N warmup=N)\n",
                       (int)len, args);
            return false;
        }
        args += len;
    }
    if (iterations < ITER_MIN || iterations > ITER_MAX || warmup > ITER_MAX) {
        axl_printf("bench: error: iterations must be %u..%u and warmup at most %u\n", ITER_MIN,
                   ITER_MAX, ITER_MAX);
        return false;
    }
    if (!warmup_set) {
        warmup = iterations / 10 < 100 ? 100 : iterations / 10 > 10000 ? 10000 : iterations / 10;
    }
    return true;
}

/* --- helpers for the loops --- */

static void report(const char *name, uint64_t *buf)
{
    struct bench_summary s;
    bench_summarise(buf, iterations, &s);
    bench_print(name, &s);
}

static void record(uint64_t *buf, uint32_t i, uint64_t sample)
{
    if (i >= warmup) {
        buf[i - warmup] = sample;
    }
}

/* A stamp from another thread must lie between the two the root task took around it. */
static void check_order(const char *name, uint64_t before, uint64_t stamp, uint64_t after)
{
    if (!(before <= stamp && stamp <= after)) {
        axl_printf("bench: error: %s: the peer's timestamp %llu is not between %llu and %llu "
                   "(did the peer run?)\n",
                   name, (unsigned long long)stamp, (unsigned long long)before,
                   (unsigned long long)after);
        bench_end(AXL_EXIT_FAIL);
    }
}

/* --- the measurements --- */

/* Two reads back to back: what every sample below includes besides the operation. */
static void measure_tsc_overhead(void)
{
    for (uint32_t i = 0; i < warmup + iterations; i++) {
        uint64_t t0 = bench_tsc();
        uint64_t t1 = bench_tsc();
        record(samples, i, t1 - t0);
    }
    report("tsc_overhead", samples);
}

/*
 * YIELD with no other thread at the root task's priority: entry, dispatch,
 * the thread goes to the back of its empty queue and is picked again,
 * exit. No capability is looked up and no address space changes, so this
 * is the kernel's round trip and little else.
 */
static void measure_null_syscall(void)
{
    for (uint32_t i = 0; i < warmup + iterations; i++) {
        uint64_t t0 = bench_tsc();
        long err = axl_yield();
        uint64_t t1 = bench_tsc();
        if (err) {
            bench_fail("null_syscall: YIELD", err);
        }
        record(samples, i, t1 - t0);
    }
    report("null_syscall", samples);
}

/* POLL on a notification nobody signals: the null call plus one capability lookup. */
static void measure_poll(void)
{
    for (uint32_t i = 0; i < warmup + iterations; i++) {
        uint64_t word;
        uint64_t t0 = bench_tsc();
        long err = axl_poll(ntfn_empty, &word);
        uint64_t t1 = bench_tsc();
        if (err != AXL_E_WOULD_BLOCK) {
            bench_fail("poll_syscall: POLL on an unsignalled notification", err);
        }
        record(samples, i, t1 - t0);
    }
    report("poll_syscall", samples);
}

/*
 * CALL to a server blocked in REPLY_RECV, which answers at once with an
 * empty message: both directions, both address-space switches, timed in
 * the caller.
 */
static void measure_round_trip(const char *name, const struct peer *p)
{
    bench_peer_start(p, peer_server, PRIO_ROOT);
    for (uint32_t i = 0; i < warmup + iterations; i++) {
        struct axl_msg m = axl_message(0, 0);
        uint64_t t0 = bench_tsc();
        long err = axl_call(ep, &m);
        uint64_t t1 = bench_tsc();
        if (err) {
            axl_printf("bench: error: %s: CALL: %s\n", name, axl_errname(err));
            bench_end(AXL_EXIT_FAIL);
        }
        record(samples, i, t1 - t0);
    }
    bench_peer_stop(p);
    report(name, samples);
}

/*
 * The same round trip cut in two by the server's stamps: call_oneway runs
 * from before the client's CALL to the server's return from REPLY_RECV
 * (or RECV), reply_oneway from before the server's REPLY_RECV to the
 * client's return from CALL. seL4's "IPC call" and "IPC reply".
 */
static void measure_one_way_call(void)
{
    bench_peer_start(&server, peer_server_stamp, PRIO_ROOT);
    for (uint32_t i = 0; i < warmup + iterations; i++) {
        struct axl_msg m = axl_message(0, 0);
        uint64_t t0 = bench_tsc();
        long err = axl_call(ep, &m);
        uint64_t t3 = bench_tsc();
        uint64_t t1 = sh->t_arrive, t2 = sh->t_leave;
        if (err) {
            bench_fail("call_oneway: CALL", err);
        }
        check_order("call_oneway", t0, t1, t2);
        check_order("reply_oneway", t1, t2, t3);
        record(samples, i, t1 - t0);
        record(samples2, i, t3 - t2);
    }
    bench_peer_stop(&server);
    report("call_oneway", samples);
    report("reply_oneway", samples2);
}

/*
 * SEND from a low-priority thread in the server space to the root task,
 * which waits in RECV: from before the sender's SEND to the receiver's
 * return from RECV (the receiver outranks the sender, so the kernel
 * switches at once).
 */
static void measure_send(void)
{
    bench_peer_start(&server, peer_sender, PRIO_LOW);
    for (uint32_t i = 0; i < warmup + iterations; i++) {
        struct axl_msg m;
        uint64_t before = bench_tsc();
        long err = axl_recv(ep, &m);
        uint64_t t1 = bench_tsc();
        uint64_t t0 = sh->t;
        if (err) {
            bench_fail("send_oneway: RECV", err);
        }
        check_order("send_oneway", before, t0, t1);
        record(samples, i, t1 - t0);
    }
    bench_peer_stop(&server);
    report("send_oneway", samples);
}

/* SIGNAL from priority 1 in the server space to the root task (255) in WAIT. */
static void measure_signal(void)
{
    bench_peer_start(&server, peer_signaller, PRIO_LOW);
    for (uint32_t i = 0; i < warmup + iterations; i++) {
        uint64_t word;
        uint64_t before = bench_tsc();
        long err = axl_wait(ntfn, &word);
        uint64_t t1 = bench_tsc();
        uint64_t t0 = sh->t;
        if (err) {
            bench_fail("signal_wakeup: WAIT", err);
        }
        check_order("signal_wakeup", before, t0, t1);
        record(samples, i, t1 - t0);
    }
    bench_peer_stop(&server);
    report("signal_wakeup", samples);
}

/*
 * Two threads of the same priority in different address spaces taking
 * turns with YIELD: from before the root task's YIELD to the other
 * thread's return from its own YIELD, one switch.
 */
static void measure_yield_switch(void)
{
    bench_peer_start(&server, peer_yielder, PRIO_ROOT);
    for (uint32_t i = 0; i < warmup + iterations; i++) {
        uint64_t t0, t1, t2;
        long err;
        unsigned tries = 0;
        /*
         * A timer tick that lands between the peer's stamp and its YIELD gives
         * us the CPU early; our YIELD then only lets the peer finish its own, and
         * the stamp we read is from before t0. That round measured nothing: take
         * it again (a few times at most, so a peer that never runs still fails).
         */
        do {
            t0 = bench_tsc();
            err = axl_yield();
            t2 = bench_tsc();
            t1 = sh->t;
        } while (!err && t1 < t0 && ++tries < 3);
        if (err) {
            bench_fail("yield_switch: YIELD", err);
        }
        check_order("yield_switch", t0, t1, t2);
        record(samples, i, t1 - t0);
    }
    bench_peer_stop(&server);
    report("yield_switch", samples);
}

/* --- setup and order --- */

static void setup(void)
{
    uint64_t bytes = (uint64_t)iterations * sizeof(uint64_t);

    bench_map_fresh(SAMPLES_VA, (2 * bytes + PAGE_SIZE - 1) / PAGE_SIZE);
    samples = (uint64_t *)SAMPLES_VA;
    samples2 = (uint64_t *)(SAMPLES_VA + bytes);

    uint64_t pml4 = bench_server_space();
    sh = bench_share_page(pml4);
    ep = bench_retype(AXL_OBJ_ENDPOINT);
    ntfn = bench_retype(AXL_OBJ_NOTIFICATION);
    ntfn_empty = bench_retype(AXL_OBJ_NOTIFICATION);
    sh->ep = ep;
    sh->ntfn = ntfn;
    bench_peer_create(&server, pml4);
    bench_peer_create(&same, AXL_SLOT_VSPACE);
}

int main(void)
{
    if (!axl_bootinfo || axl_bootinfo->magic != AXL_BOOTINFO_MAGIC) {
        axl_printf("bench: error: no valid boot information\n");
        bench_end(AXL_EXIT_FAIL);
    }
    if (!parse_args(axl_bootinfo->modules[0].args)) {
        bench_end(AXL_EXIT_FAIL);
    }
    axl_printf("bench: ipc iterations=%u warmup=%u tsc_hz=%llu clock_hz=%llu\n", iterations, warmup,
               (unsigned long long)axl_bootinfo->tsc_hz,
               (unsigned long long)axl_bootinfo->clock_hz);
    setup();

    measure_tsc_overhead();
    measure_null_syscall();
    measure_poll();
    measure_yield_switch();
    measure_round_trip("call_reply_rt", &server);
    measure_round_trip("call_reply_rt_same", &same);
    measure_one_way_call();
    measure_send();
    measure_signal();

    axl_printf("bench: done\n");
    bench_end(AXL_EXIT_PASS);
}
