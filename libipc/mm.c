/* SPDX-License-Identifier: MIT */
/*
 * mm.c: the memory manager's client side (<axl/mm.h>).
 */
#include <axl/mm.h>

#include <axl/invoke.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>
#include <axl/time.h>

#define BACKOFF_MAX_US 100000

long axl_mm_attach(uint64_t ep, uint64_t *base, uint64_t *pages)
{
    struct axl_msg m;

    if (base) {
        *base = 0;
    }
    if (pages) {
        *pages = 0;
    }
    if (!axl_ipc_buffer) {
        return AXL_E_NO_IPC_BUFFER;
    }
    axl_ipc_buffer->caps[0] = AXL_PROC_SLOT_VSPACE;
    m = axl_message(AXL_OP_MM_ATTACH, 0);
    m.info = AXL_MSGINFO(AXL_OP_MM_ATTACH, 1, 0);
    long err = axl_rpc_call(ep, &m);
    if (err == AXL_E_OK && AXL_MSGINFO_LEN(m.info) < 3) {
        err = AXL_S_PROTOCOL;
    }
    if (err == AXL_E_OK) {
        if (base) {
            *base = m.mr[1];
        }
        if (pages) {
            *pages = m.mr[2];
        }
    }
    return err;
}

long axl_mm_alloc(uint64_t ep, uint64_t n, uint64_t deadline_us, uint64_t *addr,
                  uint64_t *throttled)
{
    uint64_t hz = axl_procinfo && axl_procinfo->tsc_hz >= 1000000 ? axl_procinfo->tsc_hz
                                                                    : 1000000000ull;
    uint64_t start = axl_rdtsc(), wait_us = 0;

    *addr = 0;
    if (throttled) {
        *throttled = 0;
    }
    for (;;) {
        struct axl_msg m;
        axl_rpc_begin(&m, AXL_OP_MM_ALLOC);
        axl_msg_put_word(&m, n);
        long err = axl_rpc_call(ep, &m);
        if (err == AXL_E_OK) {
            if (AXL_MSGINFO_LEN(m.info) < 2) {
                return AXL_S_PROTOCOL;
            }
            *addr = m.mr[1];
            return AXL_E_OK;
        }
        if (err != AXL_S_LIMIT) {
            return err;
        }
        if (throttled) {
            (*throttled)++;
        }
        uint64_t hint = AXL_MSGINFO_LEN(m.info) >= 2 ? m.mr[1] : 1000;
        wait_us = wait_us ? wait_us * 2 : hint;
        wait_us = wait_us < hint ? hint : wait_us > BACKOFF_MAX_US ? BACKOFF_MAX_US : wait_us;
        uint64_t spent_us = (axl_rdtsc() - start) / (hz / 1000000);
        if (spent_us >= deadline_us) {
            return AXL_S_LIMIT;
        }
        axl_sleep_us(wait_us < deadline_us - spent_us ? wait_us : deadline_us - spent_us);
    }
}

long axl_mm_free(uint64_t ep, uint64_t addr, uint64_t n, uint64_t *dropped)
{
    struct axl_msg m;

    if (dropped) {
        *dropped = 0;
    }
    axl_rpc_begin(&m, AXL_OP_MM_FREE);
    axl_msg_put_word(&m, addr);
    axl_msg_put_word(&m, n);
    long err = axl_rpc_call(ep, &m);
    if (err == AXL_E_OK && AXL_MSGINFO_LEN(m.info) < 2) {
        err = AXL_S_PROTOCOL;
    }
    if (err == AXL_E_OK && dropped) {
        *dropped = m.mr[1];
    }
    return err;
}

long axl_mm_stats(uint64_t ep, struct axl_mm_stats *s)
{
    struct axl_msg m;
    uint64_t w[11] = {0};

    *s = (struct axl_mm_stats){0};
    axl_rpc_begin(&m, AXL_OP_MM_STATS);
    long err = axl_rpc_call(ep, &m);
    if (err == AXL_E_OK && AXL_MSGINFO_LEN(m.info) < 12) {
        err = AXL_S_PROTOCOL;
    }
    for (unsigned i = 0; err == AXL_E_OK && i < 11; i++) {
        w[i] = axl_msg_get(&m, 1 + i);
    }
    if (err == AXL_E_OK) {
        *s = (struct axl_mm_stats){w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10]};
    }
    return err;
}
