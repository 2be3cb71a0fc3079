/* SPDX-License-Identifier: MIT */
/*
 * edubench: the guest half of `tools/axl bench dma` (tools/axlpy/bench_dma.py,
 * docs/benchmarks.md "DMA under the IOMMU"). It asks the edu driver to time
 * ROUNDS pairs of IO_PAGE_MAP + IO_PAGE_UNMAP (EDU_BENCH_MAP), then times
 * TRANSFERS copies in and TRANSFERS copies out of each size with the TSC,
 * around the whole request (client to driver, the DMA, and back), checking
 * every checksum and the bytes that come back.
 *
 *   args = "ROUNDS TRANSFERS"   (default "200 10")
 *
 * It prints, for the tool to read (the console puts "[edubench] " first):
 *   map-unmap: rounds R median M min A max B
 *   map-unmap: unavailable: AXL_E_...          (no IO space: remapping off)
 *   copy-in: S bytes, K transfers: median M min A max B
 *   copy-out: S bytes, K transfers: median M min A max B
 *   tsc_hz N
 *   done
 * A wrong checksum or a failed request is a line "FAIL ..." and exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <axl/axl.h>
#include <axl/edu.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>
#include <axl/service.h>

#define TIMER_BIT (1ull << 32)
#define DEFAULT_ROUNDS 200u
#define DEFAULT_TRANSFERS 10u
#define TRANSFERS_MAX 100u

/* The copy sizes: small, middling, and the most one message carries. */
static const unsigned sizes[] = {64, 512, AXL_EDU_XFER_MAX};

static struct axl_service edu;
static uint8_t pattern[AXL_EDU_XFER_MAX], got[AXL_EDU_XFER_MAX];
static uint64_t ticks[TRANSFERS_MAX];

static void sleep_ms(unsigned ms)
{
    uint64_t word;
    if (axl_ntfn_set_timer(AXL_PROC_SLOT_NOTIFICATION, TIMER_BIT, ms * 1000ull) == AXL_E_OK) {
        axl_wait(AXL_PROC_SLOT_NOTIFICATION, &word);
    }
}

/* "median M min A max B" of the first k entries of ticks (which are sorted). */
static void print_figures(const char *what, unsigned size, unsigned k)
{
    uint64_t min = ticks[0], max = ticks[0];
    for (unsigned i = 1; i < k; i++) {
        min = ticks[i] < min ? ticks[i] : min;
        max = ticks[i] > max ? ticks[i] : max;
    }
    uint64_t median = axl_edu_median(ticks, k);
    printf("%s: %u bytes, %u transfers: median %llu min %llu max %llu\n", what, size, k,
           (unsigned long long)median, (unsigned long long)min, (unsigned long long)max);
}

static void map_unmap(unsigned rounds)
{
    struct axl_msg m;
    axl_rpc_begin(&m, AXL_OP_EDU_BENCH_MAP);
    axl_msg_put_word(&m, rounds);
    long st = axl_service_call(&edu, &m, AXL_CALL_IDEMPOTENT);
    if (st != AXL_E_OK) {
        printf("map-unmap: unavailable: %s\n", axl_errname(st));
        return;
    }
    printf("map-unmap: rounds %u median %llu min %llu max %llu\n", rounds,
           (unsigned long long)axl_msg_get(&m, 1), (unsigned long long)axl_msg_get(&m, 2),
           (unsigned long long)axl_msg_get(&m, 3));
}

/* k copies of size bytes into the device buffer at offset 0, timed; false on a wrong answer. */
static bool copy_in(unsigned size, unsigned k)
{
    for (unsigned i = 0; i < k; i++) {
        struct axl_msg m;
        pattern[i % size] ^= (uint8_t)(i + 1); /* a different payload each time */
        axl_rpc_begin(&m, AXL_OP_EDU_COPY_IN);
        axl_msg_put_word(&m, 0);
        long st = axl_msg_put_bytes(&m, pattern, size);
        uint64_t t0 = axl_rdtsc();
        if (st == AXL_E_OK) {
            st = axl_service_call(&edu, &m, AXL_CALL_IDEMPOTENT);
        }
        ticks[i] = axl_rdtsc() - t0;
        uint32_t want = axl_edu_checksum(pattern, size);
        if (st != AXL_E_OK || axl_msg_get(&m, 1) != want) {
            printf("FAIL copy-in %u bytes, transfer %u: %s, checksum %#llx (expected %#x)\n",
                   size, i, axl_errname(st), (unsigned long long)(st ? 0 : axl_msg_get(&m, 1)),
                   want);
            return false;
        }
    }
    print_figures("copy-in", size, k);
    return true;
}

/* k copies of size bytes out of the device buffer: each must be what copy_in left there. */
static bool copy_out(unsigned size, unsigned k)
{
    for (unsigned i = 0; i < k; i++) {
        struct axl_msg m;
        unsigned pos = 2;
        size_t n = 0;
        axl_rpc_begin(&m, AXL_OP_EDU_COPY_OUT);
        axl_msg_put_word(&m, 0);
        axl_msg_put_word(&m, size);
        uint64_t t0 = axl_rdtsc();
        long st = axl_service_call(&edu, &m, AXL_CALL_IDEMPOTENT);
        ticks[i] = axl_rdtsc() - t0;
        uint64_t sum = st == AXL_E_OK ? axl_msg_get(&m, 1) : 0;
        if (st == AXL_E_OK) {
            st = axl_msg_get_bytes(&m, &pos, got, sizeof(got), &n);
        }
        if (st != AXL_E_OK || n != size || memcmp(got, pattern, size) != 0 ||
            sum != axl_edu_checksum(got, n)) {
            printf("FAIL copy-out %u bytes, transfer %u: %s, %lu bytes, %s, checksum %#llx\n", size,
                   i, axl_errname(st), (unsigned long)n,
                   n == size && memcmp(got, pattern, size) == 0 ? "as copied in" : "NOT as copied in",
                   (unsigned long long)sum);
            return false;
        }
    }
    print_figures("copy-out", size, k);
    return true;
}

int main(void)
{
    const char *args = axl_procinfo ? axl_procinfo->args : "";
    unsigned long rounds = DEFAULT_ROUNDS, transfers = DEFAULT_TRANSFERS;
    long err = AXL_S_NOT_FOUND;

    if (args[0]) {
        char *end;
        rounds = strtoul(args, &end, 10);
        transfers = strtoul(end, &end, 10);
        if (*end || rounds < 1 || rounds > AXL_EDU_BENCH_ROUNDS_MAX || transfers < 1 ||
            transfers > TRANSFERS_MAX) {
            printf("FAIL arguments \"%s\": want \"ROUNDS TRANSFERS\", 1..%u and 1..%u\n", args,
                   AXL_EDU_BENCH_ROUNDS_MAX, TRANSFERS_MAX);
            return 1;
        }
    }
    for (unsigned i = 0; i < 200 && err == AXL_S_NOT_FOUND; i++) {
        err = axl_service_open(&edu, AXL_SERVICE_EDU);
        if (err == AXL_S_NOT_FOUND) {
            sleep_ms(10); /* the driver has not registered yet */
        }
    }
    if (err != AXL_E_OK) {
        printf("FAIL cannot reach the edu driver: %s\n", axl_strerror(err));
        return 1;
    }
    edu.budget_us = 10000000; /* a DMA takes 100 ms of virtual time */
    for (unsigned i = 0; i < sizeof(pattern); i++) {
        pattern[i] = (uint8_t)(i * 7 + 3);
    }

    map_unmap((unsigned)rounds);
    for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        if (!copy_in(sizes[s], (unsigned)transfers) || !copy_out(sizes[s], (unsigned)transfers)) {
            return 1;
        }
    }
    printf("tsc_hz %llu\n", (unsigned long long)(axl_procinfo ? axl_procinfo->tsc_hz : 0));
    printf("done\n");
    return 0;
}
