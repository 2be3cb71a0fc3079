/* SPDX-License-Identifier: MIT */
/*
 * sys.c: the system-call wrappers too long to be inline (axl/sys.h).
 *
 * DEBUG_PUTS takes its text as message words: rdi holds the byte count,
 * the message length the number of words, and the bytes are packed into
 * MR0, MR1, ... little-endian (byte k of the text is byte k % 8 of word
 * k / 8), the tail of the last word zero. Words past MR3 go through the
 * IPC buffer, so a thread without one sends 32 bytes a call.
 */
#include <axl/string.h>
#include <axl/sys.h>

/* Sends n <= 8 * AXL_MSG_MAX_WORDS bytes (fewer without an IPC buffer) in one call. */
static long puts_chunk(const char *s, size_t n)
{
    unsigned words = (unsigned)((n + 7) / 8);
    struct axl_msg m = axl_message(0, words);

    for (unsigned i = 0; i < words; i++) {
        uint64_t w = 0;
        size_t k = n - 8 * (size_t)i < 8 ? n - 8 * (size_t)i : 8;
        memcpy(&w, s + 8 * (size_t)i, k); /* x86 is little-endian: byte 0 is the low byte */
        axl_msg_set(&m, i, w);            /* cannot fail: i < words fits the chunk limit */
    }
    return axl_sys(AXL_SYS_DEBUG_PUTS, n, &m);
}

long axl_debug_puts(const char *s, size_t n)
{
    size_t max = 8 * (axl_ipc_buffer ? AXL_MSG_MAX_WORDS : AXL_MSG_REG_WORDS);

    while (n > 0) {
        size_t k = n < max ? n : max;
        long err = puts_chunk(s, k);
        if (err) {
            return err;
        }
        s += k;
        n -= k;
    }
    return AXL_E_OK;
}

long axl_log_read(uint64_t pos, uint64_t *first, void *buf, size_t cap, size_t *n)
{
    struct axl_msg m = axl_message(0, 0);
    long err = axl_sys(AXL_SYS_LOG_READ, pos, &m);
    unsigned char *b = buf;

    *first = pos;
    *n = 0;
    if (err != AXL_E_OK) {
        return err;
    }
    uint64_t count = m.mr[1];
    uint64_t room = 8 * (uint64_t)((axl_ipc_buffer ? AXL_MSG_MAX_WORDS : AXL_MSG_REG_WORDS) - 2);
    if (count > room) {
        count = room; /* cannot happen with a correct kernel; never read past the message */
    }
    if (count > cap) {
        count = cap; /* the rest is read again next time from *first + *n */
    }
    for (uint64_t i = 0; i < count; i++) {
        b[i] = (unsigned char)(axl_msg_get(&m, 2 + (unsigned)(i / 8)) >> (8 * (i % 8)));
    }
    *first = m.mr[0];
    *n = (size_t)count;
    return AXL_E_OK;
}
