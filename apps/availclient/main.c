/* SPDX-License-Identifier: MIT */
/*
 * availclient: the workload of `tools/axl bench availability`
 * (docs/benchmarks.md, "Availability under crashes"). It calls the edu
 * driver at a steady rate, checks every answer, makes the driver crash at
 * times drawn from an exponential distribution, and prints what the host
 * needs to measure the service's availability.
 *
 * The same program runs against both builds of the driver:
 *   mode=user    the driver is a process (drivers/edu); a crash is injected
 *                through the supervisor (SUP_INJECT, may-inject = yes), which
 *                restarts the driver; libipc sends the request that met the
 *                fault again, to the new instance;
 *   mode=kernel  the driver is linked into the kernel (build/kernel-mono/,
 *                capability "kdriver", kernel-driver = yes); a crash is armed
 *                with KDRIVER_INJECT and the request that meets it panics the
 *                kernel. The host resets the machine; this program starts
 *                again in the next boot, and learns from the crash store's
 *                boot count (SUP_PSTORE_INFO, may-read-pstore = yes) how many
 *                crashes came before.
 *
 * Crashes follow the model's renewal process: each time to failure is drawn
 * from Exp(lambda), from the moment the service answered again. Draw k comes
 * from the seed and k alone, so both modes meet the same schedule.
 *
 * Arguments (manifest args, key=value):
 *   mode=user|kernel lambda=L seed=S period=US dma=N kind=KIND window=MS
 *     availability run: a request every US microseconds, every Nth a DMA copy
 *     in and out (0: none), a window line every MS milliseconds;
 *   mode=user|kernel price=N
 *     no crashes: N factorials back to back, then DMA copies, each timed.
 *
 * Lines (all "avail: ...", times t= in raw TSC ticks; docs/benchmarks.md):
 *   start, up, window, crash, back, price, error.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <axl/axl.h>
#include <axl/edu.h>
#include <axl/inject.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>
#include <axl/service.h>
#include <axl/time.h>

#define DMA_BYTES 64
#define PRICE_DMA_PAIRS 5
#define BUDGET_US 5000000 /* a request not answered within 5 s has failed */

static struct {
    bool kernel;
    double lambda;
    uint64_t seed, period_us, dma_every, window_ms, price;
    char kind[32];
} opt = {.seed = 1, .period_us = 10000, .dma_every = 200, .window_ms = 1000, .kind = "null-read"};

static struct axl_service edu;  /* mode=user */
static uint64_t kdriver;        /* mode=kernel: the capability */
static uint64_t hz;

/* What one window accumulates. */
static struct {
    uint64_t start, req, ok, fail, fact, fact_lat, fact_max, dma, dma_lat, dma_max;
} win;

static uint64_t ns(uint64_t ticks) { return (uint64_t)((double)ticks * 1e9 / (double)hz); }

static void error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("avail: error ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

static long call(struct axl_msg *m)
{
    if (opt.kernel) {
        return axl_rpc_call(kdriver, m);
    }
    return axl_service_call(&edu, m, AXL_CALL_IDEMPOTENT);
}

/* n! by the device, checked. */
static bool factorial(uint64_t n)
{
    struct axl_msg m;
    axl_rpc_begin(&m, AXL_OP_EDU_FACTORIAL);
    axl_msg_put_word(&m, n);
    return call(&m) == AXL_E_OK && axl_msg_get(&m, 1) == axl_edu_factorial((uint32_t)n);
}

/* 64 bytes into the device's buffer by DMA and back out, checked both ways. */
static bool dma_copy(uint64_t round, bool in)
{
    uint8_t pattern[DMA_BYTES], got[DMA_BYTES];
    uint64_t offset = (round * DMA_BYTES) % (AXL_EDU_BUFFER_BYTES - DMA_BYTES);
    struct axl_msg m;
    size_t n = 0;
    unsigned pos = 2;

    for (unsigned i = 0; i < DMA_BYTES; i++) {
        pattern[i] = (uint8_t)(round * 31 + i * 7 + 1);
    }
    if (in) {
        axl_rpc_begin(&m, AXL_OP_EDU_COPY_IN);
        axl_msg_put_word(&m, offset);
        axl_msg_put_bytes(&m, pattern, DMA_BYTES);
        return call(&m) == AXL_E_OK && axl_msg_get(&m, 1) == axl_edu_checksum(pattern, DMA_BYTES);
    }
    axl_rpc_begin(&m, AXL_OP_EDU_COPY_OUT);
    axl_msg_put_word(&m, offset);
    axl_msg_put_word(&m, DMA_BYTES);
    return call(&m) == AXL_E_OK && axl_msg_get_bytes(&m, &pos, got, sizeof(got), &n) == AXL_E_OK &&
           n == DMA_BYTES && memcmp(got, pattern, DMA_BYTES) == 0;
}

/* Request number i of the workload: a factorial, or every dma_every-th a DMA copy in and out. */
static void request(uint64_t i)
{
    bool dma = opt.dma_every && i % opt.dma_every == opt.dma_every - 1;
    uint64_t t0 = axl_rdtsc();
    bool ok = dma ? dma_copy(i, true) && dma_copy(i, false) : factorial(i % 13);
    uint64_t lat = ns(axl_rdtsc() - t0);

    win.req++;
    win.ok += ok;
    win.fail += !ok;
    if (dma) {
        win.dma++;
        win.dma_lat += lat;
        win.dma_max = lat > win.dma_max ? lat : win.dma_max;
    } else {
        win.fact++;
        win.fact_lat += lat;
        win.fact_max = lat > win.fact_max ? lat : win.fact_max;
    }
}

static void window_flush(void)
{
    printf("avail: window t=%llu req=%llu ok=%llu fail=%llu fact=%llu fact_lat_ns=%llu "
           "fact_max_ns=%llu dma=%llu dma_lat_ns=%llu dma_max_ns=%llu\n",
           (unsigned long long)axl_rdtsc(), (unsigned long long)win.req,
           (unsigned long long)win.ok, (unsigned long long)win.fail, (unsigned long long)win.fact,
           (unsigned long long)win.fact_lat, (unsigned long long)win.fact_max,
           (unsigned long long)win.dma, (unsigned long long)win.dma_lat,
           (unsigned long long)win.dma_max);
    memset(&win, 0, sizeof(win));
    win.start = axl_rdtsc();
}

/* Time to failure number k, in TSC ticks: Exp(lambda), from the seed and k alone. */
static uint64_t ttf(uint64_t k)
{
    uint64_t state = opt.seed ^ (k * 0x9e3779b97f4a7c15ull);
    double u = ((double)(axl_inject_random(&state) >> 11) + 0.5) / 9007199254740992.0; /* (0,1) */
    return (uint64_t)(-log(u) / opt.lambda * (double)hz);
}

/* Arms the fault: the next request meets it. */
static long arm(uint64_t k)
{
    if (opt.kernel) {
        return axl_kdriver_inject(kdriver, axl_inject_kind_by_name(opt.kind), 0, opt.seed + k);
    }
    struct axl_msg m;
    axl_rpc_begin(&m, AXL_OP_SUP_INJECT);
    axl_msg_put_str(&m, AXL_SERVICE_EDU);
    axl_msg_put_str(&m, opt.kind);
    axl_msg_put_word(&m, 0);
    axl_msg_put_word(&m, opt.seed + k);
    return axl_rpc_call(AXL_PROC_SLOT_SUPERVISOR_EP, &m);
}

/* Which boot of the crash store this is (1: the first); 0 without a store. */
static uint64_t boot_number(void)
{
    struct axl_msg m;
    axl_rpc_begin(&m, AXL_OP_SUP_PSTORE_INFO);
    return axl_rpc_call(AXL_PROC_SLOT_SUPERVISOR_EP, &m) == AXL_E_OK ? axl_msg_get(&m, 2) : 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void price_line(const char *kind, uint64_t *lat, unsigned n, uint64_t total)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < n; i++) {
        sum += lat[i];
    }
    qsort(lat, n, sizeof(lat[0]), cmp_u64);
    unsigned p99 = (n * 99 + 99) / 100; /* nearest rank */
    printf("avail: price kind=%s n=%u median_ns=%llu p99_ns=%llu mean_ns=%llu total_ns=%llu "
           "per_s=%.3f\n", kind, n, (unsigned long long)lat[(n - 1) / 2],
           (unsigned long long)lat[p99 - 1], (unsigned long long)(sum / n),
           (unsigned long long)total, (double)n * 1e9 / (double)total);
}

/* No crashes: what each request costs, back to back. */
static int price(void)
{
    static uint64_t lat[100000];
    unsigned n = opt.price < 100000 ? (unsigned)opt.price : 100000, bad = 0;
    uint64_t t0 = axl_rdtsc();

    for (unsigned i = 0; i < n; i++) {
        uint64_t s = axl_rdtsc();
        bad += !factorial(i % 13);
        lat[i] = ns(axl_rdtsc() - s);
    }
    price_line("factorial", lat, n, ns(axl_rdtsc() - t0));
    t0 = axl_rdtsc();
    for (unsigned i = 0; i < 2 * PRICE_DMA_PAIRS; i++) {
        uint64_t s = axl_rdtsc();
        bad += !dma_copy(i / 2, i % 2 == 0);
        lat[i] = ns(axl_rdtsc() - s);
    }
    price_line("dma", lat, 2 * PRICE_DMA_PAIRS, ns(axl_rdtsc() - t0));
    if (bad) {
        error("%u requests failed their checks without any crash", bad);
        return 1;
    }
    printf("avail: price done\n");
    return 0;
}

static bool parse(const char *args)
{
    char buf[128];
    strncpy(buf, args, sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = 0;
    bool have_mode = false;
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        char *eq = strchr(tok, '='), *end;
        if (!eq) {
            error("argument '%s' is not key=value", tok);
            return false;
        }
        *eq++ = 0;
        if (strcmp(tok, "mode") == 0 && (strcmp(eq, "user") == 0 || strcmp(eq, "kernel") == 0)) {
            opt.kernel = strcmp(eq, "kernel") == 0;
            have_mode = true;
        } else if (strcmp(tok, "lambda") == 0) {
            opt.lambda = strtod(eq, &end);
            if (*end || !(opt.lambda > 0) || opt.lambda > 1000) {
                error("lambda '%s' is not a rate in (0, 1000] per second", eq);
                return false;
            }
        } else if (strcmp(tok, "kind") == 0 && axl_inject_kind_by_name(eq) != AXL_INJECT_NONE &&
                   strlen(eq) < sizeof(opt.kind)) {
            strcpy(opt.kind, eq);
        } else {
            uint64_t *field = strcmp(tok, "seed") == 0      ? &opt.seed
                              : strcmp(tok, "period") == 0  ? &opt.period_us
                              : strcmp(tok, "dma") == 0     ? &opt.dma_every
                              : strcmp(tok, "window") == 0  ? &opt.window_ms
                              : strcmp(tok, "price") == 0   ? &opt.price
                                                            : NULL;
            if (!field) {
                error("unknown argument %s=%s", tok, eq);
                return false;
            }
            *field = strtoull(eq, &end, 10);
            if (*end || !*eq) {
                error("%s=%s is not a number", tok, eq);
                return false;
            }
        }
    }
    if (!have_mode || (!opt.price && !opt.lambda) || !opt.period_us || !opt.window_ms) {
        error("need mode=user|kernel and lambda=L (or price=N), period > 0, window > 0");
        return false;
    }
    return true;
}

static bool open_driver(void)
{
    if (opt.kernel) {
        const struct axl_proc_cap *c = axl_proc_cap("kdriver");
        if (!c) {
            error("mode=kernel but no kdriver capability: kernel-driver = yes, and "
                  "build/kernel-mono/");
            return false;
        }
        kdriver = c->cptr;
        return true;
    }
    long err = AXL_S_NOT_FOUND;
    for (unsigned i = 0; i < 200 && err == AXL_S_NOT_FOUND; i++) {
        err = axl_service_open(&edu, AXL_SERVICE_EDU);
        if (err == AXL_S_NOT_FOUND) {
            axl_sleep_until(axl_rdtsc() + hz / 100); /* the driver has not registered yet */
        }
    }
    if (err != AXL_E_OK) {
        error("cannot reach the edu driver: %s", axl_strerror(err));
        return false;
    }
    edu.budget_us = BUDGET_US;
    return true;
}

int main(void)
{
    hz = axl_procinfo && axl_procinfo->tsc_hz >= 1000000 ? axl_procinfo->tsc_hz : 1000000000ull;
    if (!axl_procinfo || !parse(axl_procinfo->args) || !open_driver()) {
        return 1;
    }
    if (opt.price) {
        return price();
    }
    uint64_t boot = boot_number(), k = opt.kernel && boot ? boot - 1 : 0, i = 0;
    printf("avail: start mode=%s boot=%llu lambda=%g seed=%llu period=%llu dma=%llu kind=%s "
           "tsc_hz=%llu t=%llu\n", opt.kernel ? "kernel" : "user", (unsigned long long)boot,
           opt.lambda, (unsigned long long)opt.seed, (unsigned long long)opt.period_us,
           (unsigned long long)opt.dma_every, opt.kind, (unsigned long long)hz,
           (unsigned long long)axl_rdtsc());

    /* The service is up when it first answers. */
    uint64_t period = opt.period_us * (hz / 1000000), window = opt.window_ms * (hz / 1000);
    unsigned tries = 0;
    while (!factorial(5)) {
        if (++tries == 100) {
            error("the driver never answered");
            return 1;
        }
        axl_sleep_until(axl_rdtsc() + period);
    }
    uint64_t up = axl_rdtsc(), next = up + period;
    printf("avail: up t=%llu\n", (unsigned long long)up);
    win.start = axl_rdtsc();

    for (;;) {
        uint64_t crash_at = up + ttf(k);
        while (axl_rdtsc() < crash_at) {
            axl_sleep_until(next < crash_at ? next : crash_at);
            if (axl_rdtsc() >= crash_at) {
                break;
            }
            request(i++);
            next += period;
            if (next < axl_rdtsc()) {
                next = axl_rdtsc(); /* behind (a DMA takes 100 ms): on at once, no burst */
            }
            if (axl_rdtsc() - win.start >= window) {
                window_flush();
            }
        }
        window_flush();
        long err = arm(k);
        if (err != AXL_E_OK) {
            error("cannot arm the fault %s: %s", opt.kind, axl_strerror(err));
            return 1;
        }
        uint64_t t_crash = axl_rdtsc();
        if (opt.kernel) {
            /* Nothing is printed after the request that meets the fault: the kernel panics. */
            printf("avail: crash k=%llu t=%llu ttf_us=%llu\n", (unsigned long long)k,
                   (unsigned long long)t_crash, (unsigned long long)(ns(crash_at - up) / 1000));
        }
        bool ok = factorial(7); /* meets the fault; libipc sends it again to the new instance */
        uint64_t back = axl_rdtsc();
        win.req++;
        win.ok += ok;
        win.fail += !ok;
        printf("avail: crash k=%llu t=%llu ttf_us=%llu\n", (unsigned long long)k,
               (unsigned long long)t_crash, (unsigned long long)(ns(crash_at - up) / 1000));
        printf("avail: back k=%llu t=%llu down_us=%llu ok=%d\n", (unsigned long long)k,
               (unsigned long long)back, (unsigned long long)(ns(back - t_crash) / 1000), ok);
        k++;
        up = back;
        next = up + period;
    }
}
