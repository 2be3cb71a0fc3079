/* SPDX-License-Identifier: MIT */
/*
 * bench.c: EDU_BENCH_MAP, for `tools/axl bench dma` (docs/benchmarks.md,
 * "DMA under the IOMMU"): how many TSC ticks one IO_PAGE_MAP followed by
 * one IO_PAGE_UNMAP take, as a driver sees them.
 *
 * The page mapped is a frame of its own, retyped from the heap quota at the
 * first request and kept, mapped through its own capability at the page
 * after the DMA buffer's IO address. That page shares the buffer's 2 MiB
 * leaf IO page table, so no IO page table is made: every round times the
 * two invocations alone (the unmap includes the kernel's IOTLB invalidation
 * for the device's domain). The DMA buffer's own mapping is never touched.
 */
#include <axl/axl.h>
#include <axl/edu.h>
#include <axl/rpc.h>

#include "edu.h"

#define BENCH_PAGE 0x1000ull /* the bench page's IO address: the page after the DMA buffer's */

/* MR0 rounds (1..AXL_EDU_BENCH_ROUNDS_MAX) -> MR1 median, MR2 min, MR3 max ticks of a pair. */
long edu_op_bench_map(void *ctx, struct axl_rpc_request *req)
{
    static uint64_t ticks[AXL_EDU_BENCH_ROUNDS_MAX];
    const unsigned rw = AXL_RIGHT_READ | AXL_RIGHT_WRITE;
    struct edu *e = ctx;
    unsigned pos = 0;
    uint64_t rounds;
    long err = axl_msg_get_word(req->msg, &pos, &rounds);

    if (err) {
        return err;
    }
    if (rounds < 1 || rounds > AXL_EDU_BENCH_ROUNDS_MAX) {
        return AXL_E_RANGE;
    }
    if (!e->iospace) {
        return AXL_E_ILLEGAL_OPERATION; /* DMA remapping off: there is nothing to map into */
    }
    if (!e->bench_frame && (err = edu_retype(AXL_OBJ_FRAME, &e->bench_frame)) != AXL_E_OK) {
        e->bench_frame = 0;
        return err;
    }
    const uint64_t iova = e->dma_iova + BENCH_PAGE;
    /* One pair untimed first: the kernel's and the unit's first touch of this entry. */
    err = axl_io_page_map(e->bench_frame, e->iospace, iova, rw);
    if (err == AXL_E_OK) {
        err = axl_io_page_unmap(e->bench_frame);
    }
    for (uint64_t i = 0; i < rounds && err == AXL_E_OK; i++) {
        uint64_t t0 = axl_rdtsc();
        err = axl_io_page_map(e->bench_frame, e->iospace, iova, rw);
        if (err == AXL_E_OK) {
            err = axl_io_page_unmap(e->bench_frame);
        }
        ticks[i] = axl_rdtsc() - t0;
    }
    if (err != AXL_E_OK) {
        axl_io_page_unmap(e->bench_frame); /* never leave the bench page mapped */
        return err;
    }
    uint64_t min = ticks[0], max = ticks[0];
    for (uint64_t i = 1; i < rounds; i++) {
        min = ticks[i] < min ? ticks[i] : min;
        max = ticks[i] > max ? ticks[i] : max;
    }
    const uint64_t words[] = {axl_edu_median(ticks, rounds), min, max};
    for (unsigned i = 0; i < 3 && !err; i++) {
        err = axl_msg_put_word(req->reply, words[i]);
    }
    return err;
}
