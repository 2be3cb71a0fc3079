/* SPDX-License-Identifier: MIT */
/*
 * ops.c: the edu driver's requests (AXL_EDU_OPS, <axl/protocols.h>). The
 * same code serves in both backends (drv.h): called by axl_serve in user
 * space, by kernel/core/kdriver.c in the monolithic kernel. Every count and
 * offset is checked against the device's limits (<axl/edu.h>) before the
 * device sees it.
 */
#include <axl/edu.h>
#include <axl/rpc.h>
#include <axl/string.h>

#include "edu.h"

/* EDU_FACTORIAL: MR0 n -> MR1 n! mod 2^32. */
long edu_op_factorial(void *ctx, struct axl_rpc_request *req)
{
    struct edu *e = ctx;
    unsigned pos = 0;
    uint64_t n;
    uint32_t f;
    long err = axl_msg_get_word(req->msg, &pos, &n);

    if (err) {
        return err;
    }
    if (n > AXL_EDU_FACTORIAL_MAX) {
        return AXL_E_RANGE;
    }
    err = edu_factorial(e, (uint32_t)n, &f);
    return err ? err : axl_msg_put_word(req->reply, f);
}

/* EDU_COPY_IN: MR0 offset, str bytes -> MR1 checksum of what the device was given. */
long edu_op_copy_in(void *ctx, struct axl_rpc_request *req)
{
    struct edu *e = ctx;
    uint8_t buf[AXL_MSG_BYTES_MAX(1)]; /* all a message can carry: longer than allowed is RANGE */
    unsigned pos = 0;
    uint64_t offset;
    size_t n;
    long err = axl_msg_get_word(req->msg, &pos, &offset);

    if (!err) {
        err = axl_msg_get_bytes(req->msg, &pos, buf, sizeof(buf), &n);
    }
    if (err) {
        return err;
    }
    if (!axl_edu_xfer_ok(offset, n)) {
        return AXL_E_RANGE;
    }
    memcpy(e->dma, buf, n);
    uint32_t sum = axl_edu_checksum(e->dma, n); /* what the device will read */
    err = edu_dma(e, false, offset, n);
    return err ? err : axl_msg_put_word(req->reply, sum);
}

/* EDU_COPY_OUT: MR0 offset, MR1 count -> MR1 checksum, str bytes as the device wrote them. */
long edu_op_copy_out(void *ctx, struct axl_rpc_request *req)
{
    struct edu *e = ctx;
    unsigned pos = 0;
    uint64_t offset, count;
    long err = axl_msg_get_word(req->msg, &pos, &offset);

    if (!err) {
        err = axl_msg_get_word(req->msg, &pos, &count);
    }
    if (err) {
        return err;
    }
    if (!axl_edu_xfer_ok(offset, count)) {
        return AXL_E_RANGE;
    }
    memset(e->dma, 0xa5, count); /* so bytes the device did not write cannot pass for data */
    err = edu_dma(e, true, offset, count);
    if (err) {
        return err;
    }
    err = axl_msg_put_word(req->reply, axl_edu_checksum(e->dma, count));
    return err ? err : axl_msg_put_bytes(req->reply, e->dma, count);
}

/* EDU_STATUS: -> MR1 identification, MR2 generation, MR3 transfers, MR4 interrupts, MR5 factorials. */
long edu_op_status(void *ctx, struct axl_rpc_request *req)
{
    struct edu *e = ctx;
    const uint64_t words[] = {*(volatile uint32_t *)(e->dev.regs + EDU_ID), e->dev.generation,
                              e->transfers, e->interrupts, e->factorials};
    long err = AXL_E_OK;

    for (unsigned i = 0; i < 5 && !err; i++) {
        err = axl_msg_put_word(req->reply, words[i]);
    }
    return err;
}
