/* SPDX-License-Identifier: MIT */
/*
 * educlient: a client of the edu driver (drivers/edu, docs/driver.md) that
 * checks every answer: factorials against its own arithmetic, a 4095-byte
 * pattern copied into the device's buffer by DMA and back out, with the
 * checksums of both ways, and requests the driver must refuse (a count of 0
 * or 4096, a transfer past the buffer or longer than a message) without the
 * device, or QEMU, ever seeing them.
 *
 *   args = ""          the checks once
 *   args = "rounds N"  the copies N times with a different pattern each time
 *                      (the edu-restart scenario restarts the driver under it)
 *
 * Every request is idempotent (a copy names its offset), so libipc sends one
 * again if the driver dies with it; the last line is
 *   result: requests R failed F retried X
 * and the exit status is 0 only if nothing failed.
 */
#include <stdarg.h>
#include <stdbool.h>
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


static struct axl_service edu;
static unsigned long requests, failures;
static uint8_t pattern[AXL_EDU_BUFFER_BYTES];

static void failed(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    failures++;
}

/* Sleeps about ms milliseconds on its own notification's timer. */
static long call(struct axl_msg *m)
{
    requests++;
    return axl_service_call(&edu, m, AXL_CALL_IDEMPOTENT);
}

static long factorial(uint64_t n, uint64_t *f)
{
    struct axl_msg m;
    axl_rpc_begin(&m, AXL_OP_EDU_FACTORIAL);
    axl_msg_put_word(&m, n);
    long st = call(&m);
    *f = st == AXL_E_OK ? axl_msg_get(&m, 1) : 0;
    return st;
}

static long copy_in(uint64_t offset, const uint8_t *bytes, size_t n, uint64_t *sum)
{
    struct axl_msg m;
    axl_rpc_begin(&m, AXL_OP_EDU_COPY_IN);
    axl_msg_put_word(&m, offset);
    long st = axl_msg_put_bytes(&m, bytes, n);
    if (st == AXL_E_OK) {
        st = call(&m);
    }
    *sum = st == AXL_E_OK ? axl_msg_get(&m, 1) : 0;
    return st;
}

/* The bytes are taken from the reply at once: they live in the IPC buffer. */
static long copy_out(uint64_t offset, uint64_t count, uint8_t *out, size_t cap, size_t *n,
                     uint64_t *sum)
{
    struct axl_msg m;
    unsigned pos = 2;
    axl_rpc_begin(&m, AXL_OP_EDU_COPY_OUT);
    axl_msg_put_word(&m, offset);
    axl_msg_put_word(&m, count);
    long st = call(&m);
    *n = 0;
    *sum = 0;
    if (st == AXL_E_OK) {
        *sum = axl_msg_get(&m, 1);
        st = axl_msg_get_bytes(&m, &pos, out, cap, n);
    }
    return st;
}

static long status(uint64_t w[5])
{
    struct axl_msg m;
    axl_rpc_begin(&m, AXL_OP_EDU_STATUS);
    long st = call(&m);
    for (unsigned i = 0; i < 5; i++) {
        w[i] = st == AXL_E_OK ? axl_msg_get(&m, 1 + i) : 0;
    }
    return st;
}

static void check_factorials(void)
{
    static const uint32_t ns[] = {0, 1, 2, 5, 10, 12, 13, 20, 33, 34, AXL_EDU_FACTORIAL_MAX};
    unsigned good = 0;
    uint64_t f13 = 0, f20 = 0;

    for (unsigned i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        uint64_t f;
        long st = factorial(ns[i], &f);
        if (st != AXL_E_OK || f != axl_edu_factorial(ns[i])) {
            failed("factorial %u: %s, %llu (expected %u)", ns[i], axl_errname(st),
                   (unsigned long long)f, axl_edu_factorial(ns[i]));
            continue;
        }
        good++;
        f13 = ns[i] == 13 ? f : f13;
        f20 = ns[i] == 20 ? f : f20;
    }
    printf("factorials: %u of %u right; 13! = %llu, 20! mod 2^32 = %llu\n", good,
           (unsigned)(sizeof(ns) / sizeof(ns[0])), (unsigned long long)f13,
           (unsigned long long)f20);
}

/* A pattern that differs in every round (xorshift). */
static void make_pattern(unsigned round)
{
    uint32_t x = 0x9e3779b9u * (round + 1);
    for (size_t i = 0; i < sizeof(pattern); i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        pattern[i] = (uint8_t)x;
    }
}

/* The pattern into the device buffer, in chunks of one message; the checksums must match. */
static void copy_pattern_in(void)
{
    unsigned chunks = 0, good = 0;
    for (uint64_t off = 0; off < sizeof(pattern); off += AXL_EDU_XFER_MAX, chunks++) {
        size_t n = sizeof(pattern) - off < AXL_EDU_XFER_MAX ? sizeof(pattern) - off : AXL_EDU_XFER_MAX;
        uint64_t sum;
        long st = copy_in(off, pattern + off, n, &sum);
        if (st != AXL_E_OK || sum != axl_edu_checksum(pattern + off, n)) {
            failed("copy in at %llu: %s, checksum %#llx (expected %#x)", (unsigned long long)off,
                   axl_errname(st), (unsigned long long)sum, axl_edu_checksum(pattern + off, n));
        } else {
            good++;
        }
    }
    printf("copy in: %lu bytes in %u transfers, %u checksums right\n",
           (unsigned long)sizeof(pattern), chunks, good);
}

/* And back out: the bytes must be the pattern, and the checksum theirs. */
static bool copy_pattern_out(void)
{
    static uint8_t got[AXL_EDU_BUFFER_BYTES];
    unsigned chunks = 0, good = 0;

    memset(got, 0, sizeof(got));
    for (uint64_t off = 0; off < sizeof(pattern); off += AXL_EDU_XFER_MAX, chunks++) {
        uint64_t want = sizeof(pattern) - off < AXL_EDU_XFER_MAX ? sizeof(pattern) - off : AXL_EDU_XFER_MAX;
        uint64_t sum;
        size_t n;
        long st = copy_out(off, want, got + off, sizeof(got) - off, &n, &sum);
        if (st != AXL_E_OK || n != want) {
            failed("copy out at %llu: %s, %lu bytes", (unsigned long long)off, axl_errname(st),
                   (unsigned long)n);
        } else if (memcmp(got + off, pattern + off, n) != 0) {
            failed("copy out at %llu: the bytes differ from what was copied in",
                   (unsigned long long)off);
        } else if (sum != axl_edu_checksum(got + off, n)) {
            failed("copy out at %llu: checksum %#llx, the bytes' is %#x", (unsigned long long)off,
                   (unsigned long long)sum, axl_edu_checksum(got + off, n));
        } else {
            good++;
        }
    }
    printf("copy out: %lu bytes in %u transfers, %u right (CRC-32 of all %#010x)\n",
           (unsigned long)sizeof(pattern), chunks, good, axl_edu_checksum(got, sizeof(got)));
    return good == chunks;
}

/* Requests the driver must refuse with AXL_E_RANGE, before the device sees them. */
static void check_refusals(void)
{
    static uint8_t junk[AXL_MSG_BYTES_MAX(1)];
    uint8_t out[AXL_EDU_XFER_MAX];
    uint64_t sum, f;
    size_t n;
    struct {
        const char *what;
        long st;
    } cases[8];
    unsigned k = 0;

    memset(junk, 0x5a, sizeof(junk));
    cases[k].what = "COPY_OUT count 0";
    cases[k++].st = copy_out(0, 0, out, sizeof(out), &n, &sum);
    cases[k].what = "COPY_OUT count 4096";
    cases[k++].st = copy_out(0, 4096, out, sizeof(out), &n, &sum);
    cases[k].what = "COPY_OUT offset 4000 count 200 (past the buffer)";
    cases[k++].st = copy_out(4000, 200, out, sizeof(out), &n, &sum);
    cases[k].what = "COPY_OUT count 897 (longer than a message)";
    cases[k++].st = copy_out(0, AXL_EDU_XFER_MAX + 1, out, sizeof(out), &n, &sum);
    cases[k].what = "COPY_IN 0 bytes";
    cases[k++].st = copy_in(0, junk, 0, &sum);
    cases[k].what = "COPY_IN offset 4095 (the byte the device cannot use)";
    cases[k++].st = copy_in(AXL_EDU_BUFFER_BYTES, junk, 1, &sum);
    cases[k].what = "COPY_IN 900 bytes (longer than a message)";
    cases[k++].st = copy_in(0, junk, 900, &sum);
    cases[k].what = "FACTORIAL 65536";
    cases[k++].st = factorial(AXL_EDU_FACTORIAL_MAX + 1, &f);
    for (unsigned i = 0; i < k; i++) {
        if (cases[i].st == AXL_E_RANGE) {
            printf("refused: %s: %s\n", cases[i].what, axl_errname(cases[i].st));
        } else {
            failed("%s: %s, not AXL_E_RANGE", cases[i].what, axl_errname(cases[i].st));
        }
    }
}

int main(void)
{
    const char *args = axl_procinfo ? axl_procinfo->args : "";
    unsigned rounds = 1;
    long err = AXL_S_NOT_FOUND;
    uint64_t w[5];

    if (strncmp(args, "rounds ", 7) == 0) {
        rounds = (unsigned)strtoul(args + 7, NULL, 10);
    }
    for (unsigned i = 0; i < 200 && err == AXL_S_NOT_FOUND; i++) {
        err = axl_service_open(&edu, AXL_SERVICE_EDU);
        if (err == AXL_S_NOT_FOUND) {
            axl_sleep_us(10000); /* the driver has not registered yet */
        }
    }
    if (err != AXL_E_OK) {
        printf("cannot reach the edu driver: %s\n", axl_strerror(err));
        return 2;
    }
    edu.budget_us = 10000000; /* a DMA takes 100 ms; a restart in the middle, a few more */

    err = status(w);
    if (err != AXL_E_OK || (w[0] & 0xff) != 0xed) {
        failed("status: %s, identification %#llx", axl_errname(err), (unsigned long long)w[0]);
    } else {
        printf("edu: identification %#llx, driver instance %llu\n", (unsigned long long)w[0],
               (unsigned long long)w[1]);
    }
    check_factorials();
    for (unsigned r = 0; r < rounds; r++) {
        make_pattern(r);
        copy_pattern_in();
        copy_pattern_out();
    }
    check_refusals();

    /* Nothing refused reached the device: it still answers, and its buffer is as it was. */
    uint64_t f = 0;
    err = factorial(5, &f);
    bool intact = copy_pattern_out();
    if (err != AXL_E_OK || f != 120 || !intact) {
        failed("after the refusals: 5! %s %llu, buffer %s", axl_errname(err),
               (unsigned long long)f, intact ? "intact" : "changed");
    } else {
        printf("after the refusals: the device still answers (5! = 120) and holds the pattern\n");
    }

    err = status(w);
    printf("edu: driver instance %llu: %llu transfers, %llu completion interrupts, %llu "
           "factorials (%s)\n", (unsigned long long)w[1], (unsigned long long)w[2],
           (unsigned long long)w[3], (unsigned long long)w[4], axl_errname(err));
    printf("result: requests %lu failed %lu retried %llu\n", requests, failures,
           (unsigned long long)edu.retries);
    return failures ? 1 : 0;
}
