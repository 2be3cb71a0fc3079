/* SPDX-License-Identifier: MIT */
/*
 * latclient: the latency-sensitive bystander of the resource-exhaustion
 * scenarios. It asks the edu driver (drivers/edu) for a factorial at a
 * steady rate, checks every answer, times every round trip, and says at the
 * end whether every request stayed within a latency bound: whatever another
 * part of the system does (a fork bomb, a memory hog), this one must keep
 * being served on time.
 *
 * Arguments (manifest args, key=value separated by spaces):
 *   bound=US    required: the latency every request must stay within
 *   period=US   microseconds between requests (default 2000)
 *   count=N     requests (default 1000; 1..20000)
 *   report=MS   a progress line every MS milliseconds (default 1000)
 *   n=K         the factorial asked for (default 10; 0..65535)
 *   op=OP       factorial (default): EDU_FACTORIAL, checked against n! mod 2^32; or status:
 *               EDU_STATUS, whose identification register must read 0x....00ed. QEMU
 *               computes a factorial in a host thread outside virtual time, so its round
 *               trip varies with the host's load even under icount; a status request is a
 *               register read in the vCPU, and its latency is the system's alone
 * A missing or bad argument is an error line and exit status 2.
 *
 * The schedule is absolute: request i is due at start + i * period
 * (axl_sleep_until, <axl/time.h>); a request whose time has passed (the
 * sleep ends on a clock tick, or the system was busy) is sent at once and
 * the schedule goes on from it, without a burst to catch up. Latencies are
 * TSC ticks converted with axl_procinfo->tsc_hz and printed rounded up to
 * whole microseconds, so "max" exceeds "bound" exactly when a request was
 * late. Median is the lower median, p99 the nearest rank. Lines:
 *   latclient: bystander: N requests every P us to 'edu', bound B us
 *   latclient: t=1000 ms: 500 requests, max 12 us     (requests so far; the max of this period)
 *   latclient: N requests, M failed, median X us, p99 Y us, max Z us, bound B us: ok
 * The verdict is "ok", "BOUND EXCEEDED" (a request took longer than the
 * bound) or "FAILED" (a request got an error or a wrong answer; first
 * reported on a line of its own), and the exit status 0 only for "ok".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <axl/axl.h>
#include <axl/edu.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>
#include <axl/service.h>
#include <axl/time.h>

#define MAX_COUNT 20000
#define EXIT_USAGE 2

static struct {
    uint64_t bound_us, period_us, count, report_ms, n;
    bool status; /* op=status */
} opt = {.period_us = 2000, .count = 1000, .report_ms = 1000, .n = 10};

static uint64_t lat[MAX_COUNT]; /* TSC ticks of each request */
static uint64_t hz;
static struct axl_service edu;

/* Ticks to microseconds, rounded up. */
static uint64_t us_up(uint64_t ticks)
{
    uint64_t secs = ticks / hz, rest = ticks % hz;
    return secs * 1000000 + (rest * 1000000 + hz - 1) / hz;
}

/* Microseconds to ticks. */
static uint64_t ticks_of(uint64_t us) { return us / 1000000 * hz + us % 1000000 * hz / 1000000; }

/* One unsigned decimal argument in [lo, hi]. */
static bool number(const char *key, const char *text, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end = NULL;
    uint64_t v = 0;
    bool ok = *text >= '0' && *text <= '9'; /* strtoull alone would take " 1" and "-1" */
    if (ok) {
        errno = 0;
        v = strtoull(text, &end, 10);
        ok = !*end && errno == 0 && v >= lo && v <= hi;
    }
    if (!ok) {
        printf("latclient: error: %s=%s: need a whole number %llu..%llu\n", key, text,
               (unsigned long long)lo, (unsigned long long)hi);
        return false;
    }
    *out = v;
    return true;
}

static bool parse(const char *args)
{
    char buf[sizeof(axl_procinfo->args)];
    bool have_bound = false;

    strncpy(buf, args, sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = 0;
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        char *value = strchr(tok, '=');
        if (!value) {
            printf("latclient: error: argument '%s' is not key=value\n", tok);
            return false;
        }
        *value++ = 0;
        bool ok;
        if (strcmp(tok, "bound") == 0) {
            ok = number(tok, value, 1, 3600000000ull, &opt.bound_us);
            have_bound = true;
        } else if (strcmp(tok, "period") == 0) {
            ok = number(tok, value, 1, 3600000000ull, &opt.period_us);
        } else if (strcmp(tok, "count") == 0) {
            ok = number(tok, value, 1, MAX_COUNT, &opt.count);
        } else if (strcmp(tok, "report") == 0) {
            ok = number(tok, value, 1, 3600000, &opt.report_ms);
        } else if (strcmp(tok, "n") == 0) {
            ok = number(tok, value, 0, AXL_EDU_FACTORIAL_MAX, &opt.n);
        } else if (strcmp(tok, "op") == 0) {
            ok = strcmp(value, "factorial") == 0 || strcmp(value, "status") == 0;
            opt.status = strcmp(value, "status") == 0;
            if (!ok) {
                printf("latclient: error: op=%s (factorial or status)\n", value);
            }
        } else {
            printf("latclient: error: unknown argument %s=%s (known: bound, period, count, "
                   "report, n, op)\n", tok, value);
            return false;
        }
        if (!ok) {
            return false;
        }
    }
    if (!have_bound) {
        printf("latclient: error: bound=US is required: the latency in microseconds every "
               "request must stay within\n");
        return false;
    }
    return true;
}

static bool open_edu(void)
{
    long err = AXL_S_NOT_FOUND;
    for (unsigned i = 0; i < 200 && err == AXL_S_NOT_FOUND; i++) {
        err = axl_service_open(&edu, AXL_SERVICE_EDU);
        if (err == AXL_S_NOT_FOUND) {
            axl_sleep_us(10000); /* the driver has not registered yet */
        }
    }
    if (err != AXL_E_OK) {
        printf("latclient: error: cannot reach the edu driver: %s\n", axl_strerror(err));
        return false;
    }
    return true;
}

/* One request, checked; its round trip in ticks goes to *ticks. */
static bool request(uint64_t i, uint64_t *ticks)
{
    struct axl_msg m;
    axl_rpc_begin(&m, opt.status ? AXL_OP_EDU_STATUS : AXL_OP_EDU_FACTORIAL);
    if (!opt.status) {
        axl_msg_put_word(&m, opt.n);
    }
    uint64_t t0 = axl_rdtsc();
    long st = axl_service_call(&edu, &m, AXL_CALL_IDEMPOTENT);
    *ticks = axl_rdtsc() - t0;
    uint64_t want = axl_edu_factorial((uint32_t)opt.n), got = axl_msg_get(&m, 1);
    if (st != AXL_E_OK) {
        printf("latclient: request %llu failed: %s\n", (unsigned long long)i, axl_strerror(st));
        return false;
    }
    if (opt.status) {
        if ((got & 0xffff) != 0x00ed) {
            printf("latclient: request %llu: identification %#llx, not an edu device\n",
                   (unsigned long long)i, (unsigned long long)got);
            return false;
        }
        return true;
    }
    if (got != want) {
        printf("latclient: request %llu: %llu! = %llu, expected %llu\n", (unsigned long long)i,
               (unsigned long long)opt.n, (unsigned long long)got, (unsigned long long)want);
        return false;
    }
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    if (!axl_procinfo || !parse(axl_procinfo->args)) {
        return EXIT_USAGE;
    }
    hz = axl_procinfo->tsc_hz;
    if (hz < 1000000) {
        printf("latclient: error: TSC rate %llu Hz unknown or too slow to time microseconds\n",
               (unsigned long long)hz);
        return EXIT_USAGE;
    }
    if (!open_edu()) {
        return 1;
    }
    printf("latclient: bystander: %llu requests every %llu us to '%s', bound %llu us\n",
           (unsigned long long)opt.count, (unsigned long long)opt.period_us, AXL_SERVICE_EDU,
           (unsigned long long)opt.bound_us);

    uint64_t period = ticks_of(opt.period_us), report = ticks_of(opt.report_ms * 1000);
    uint64_t start = axl_rdtsc(), next = start, next_report = start + report, window_max = 0;
    uint64_t failed = 0, reports = 0;
    for (uint64_t i = 0; i < opt.count; i++) {
        axl_sleep_until(next);
        failed += !request(i, &lat[i]);
        window_max = lat[i] > window_max ? lat[i] : window_max;
        uint64_t now = axl_rdtsc();
        next += period;
        if (next < now) {
            next = now; /* behind: on at once, no burst */
        }
        if (now >= next_report) {
            reports += 1 + (now - next_report) / report; /* periods without a line are skipped */
            next_report = start + (reports + 1) * report;
            printf("latclient: t=%llu ms: %llu requests, max %llu us\n",
                   (unsigned long long)(reports * opt.report_ms), (unsigned long long)(i + 1),
                   (unsigned long long)us_up(window_max));
            window_max = 0;
        }
    }

    uint64_t n = opt.count, max = 0;
    for (uint64_t i = 0; i < n; i++) {
        max = lat[i] > max ? lat[i] : max;
    }
    qsort(lat, n, sizeof(lat[0]), cmp_u64);
    uint64_t median = lat[(n - 1) / 2], p99 = lat[(n * 99 + 99) / 100 - 1];
    bool exceeded = us_up(max) > opt.bound_us;
    const char *verdict = failed ? "FAILED" : exceeded ? "BOUND EXCEEDED" : "ok";
    printf("latclient: %llu requests, %llu failed, median %llu us, p99 %llu us, max %llu us, "
           "bound %llu us: %s\n", (unsigned long long)n, (unsigned long long)failed,
           (unsigned long long)us_up(median), (unsigned long long)us_up(p99),
           (unsigned long long)us_up(max), (unsigned long long)opt.bound_us, verdict);
    return failed || exceeded ? 1 : 0;
}
