/* SPDX-License-Identifier: MIT */
/*
 * stats.c: from the samples of one measurement to its summary line
 * (bench.h).
 *
 * Percentiles are by nearest rank: the p-th percentile of n sorted
 * samples is the one at 1-based rank ceil(p * n / 100), so the median of
 * an even count is the lower of the two middle samples and every figure
 * printed is a sample that was measured. tools/axlpy/bench.py reads the
 * line this file prints; docs/benchmarks.md describes it.
 */
#include "bench.h"

static void sift_down(uint64_t *a, uint32_t root, uint32_t n)
{
    for (;;) {
        uint32_t child = 2 * root + 1;
        if (child >= n) {
            return;
        }
        if (child + 1 < n && a[child + 1] > a[child]) {
            child++;
        }
        if (a[root] >= a[child]) {
            return;
        }
        uint64_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

static void heapsort(uint64_t *a, uint32_t n)
{
    for (uint32_t i = n / 2; i-- > 0;) {
        sift_down(a, i, n);
    }
    for (uint32_t end = n; end-- > 1;) {
        uint64_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

/* The p-th percentile of sorted a[0..n), n > 0, by nearest rank. */
static uint64_t percentile(const uint64_t *a, uint32_t n, unsigned p)
{
    uint64_t rank = ((uint64_t)p * n + 99) / 100; /* ceil(p * n / 100) */
    return a[rank ? rank - 1 : 0];
}

void bench_summarise(uint64_t *samples, uint32_t n, struct bench_summary *out)
{
    uint64_t sum = 0;

    *out = (struct bench_summary){.n = n};
    if (n == 0) {
        return;
    }
    heapsort(samples, n);
    for (uint32_t i = 0; i < n; i++) {
        sum += samples[i];
    }
    out->min = samples[0];
    out->p10 = percentile(samples, n, 10);
    out->median = percentile(samples, n, 50);
    out->p90 = percentile(samples, n, 90);
    out->max = samples[n - 1];
    out->mean = sum / n;
}

void bench_print(const char *name, const struct bench_summary *s)
{
    axl_printf("bench: name=%s median=%llu p10=%llu p90=%llu min=%llu max=%llu mean=%llu n=%u\n",
               name, (unsigned long long)s->median, (unsigned long long)s->p10,
               (unsigned long long)s->p90, (unsigned long long)s->min, (unsigned long long)s->max,
               (unsigned long long)s->mean, (unsigned)s->n);
}
