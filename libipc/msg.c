/* SPDX-License-Identifier: MIT */
/*
 * msg.c: bounds-checked message building and parsing (<axl/rpc.h>).
 *
 * Pure: it needs only the message and, for words from MR4 on, the IPC
 * buffer axl_ipc_buffer points to. That is why the monolithic kernel
 * (docs/benchmarks.md, "Availability") compiles this file too: a driver
 * linked into the kernel parses a caller's request with the same code as
 * the same driver in user space, the kernel pointing axl_ipc_buffer at the
 * caller's buffer for the call.
 */
#include <axl/rpc.h>

#include <string.h>

/* The number of words a message holds (its length field). */
static unsigned msg_len(const struct axl_msg *m) { return AXL_MSGINFO_LEN(m->info); }

/* Sets the length field of m to len, keeping label and capability count. */
static void set_len(struct axl_msg *m, unsigned len)
{
    m->info = AXL_MSGINFO(AXL_MSGINFO_LABEL(m->info), AXL_MSGINFO_CAPS(m->info), len);
}

long axl_msg_put_word(struct axl_msg *m, uint64_t v)
{
    unsigned len = msg_len(m);
    long err = axl_msg_set(m, len, v);

    if (err == AXL_E_OK) {
        set_len(m, len + 1);
    }
    return err;
}

long axl_msg_put_bytes(struct axl_msg *m, const void *p, size_t n)
{
    unsigned len = msg_len(m);
    const unsigned char *b = p;

    if (n > AXL_MSG_BYTES_MAX(len) || len + AXL_MSG_BYTES_WORDS(n) > AXL_MSG_MAX_WORDS) {
        return AXL_E_RANGE;
    }
    if (len + AXL_MSG_BYTES_WORDS(n) > AXL_MSG_REG_WORDS && !axl_ipc_buffer) {
        return AXL_E_NO_IPC_BUFFER;
    }
    axl_msg_set(m, len, n);
    for (size_t w = 0; w * 8 < n; w++) {
        uint64_t word = 0;
        for (size_t i = 0; i < 8 && w * 8 + i < n; i++) {
            word |= (uint64_t)b[w * 8 + i] << (8 * i);
        }
        axl_msg_set(m, len + 1 + (unsigned)w, word);
    }
    set_len(m, len + AXL_MSG_BYTES_WORDS(n));
    return AXL_E_OK;
}

long axl_msg_put_str(struct axl_msg *m, const char *s) { return axl_msg_put_bytes(m, s, strlen(s)); }

long axl_msg_get_word(const struct axl_msg *m, unsigned *pos, uint64_t *v)
{
    if (*pos >= msg_len(m)) {
        *v = 0;
        return AXL_S_BAD_REQUEST;
    }
    *v = axl_msg_get(m, (*pos)++);
    return AXL_E_OK;
}

long axl_msg_get_bytes(const struct axl_msg *m, unsigned *pos, void *out, size_t cap, size_t *n)
{
    unsigned len = msg_len(m);
    unsigned start = *pos;
    uint64_t count;
    unsigned char *b = out;

    *n = 0;
    if (axl_msg_get_word(m, &start, &count) != AXL_E_OK || count > cap ||
        count > (uint64_t)(len - start) * 8) {
        return AXL_S_BAD_REQUEST; /* longer than the caller's buffer or than the message */
    }
    for (size_t i = 0; i < count; i++) {
        b[i] = (unsigned char)(axl_msg_get(m, start + (unsigned)(i / 8)) >> (8 * (i % 8)));
    }
    *pos = start + (unsigned)((count + 7) / 8);
    *n = (size_t)count;
    return AXL_E_OK;
}

long axl_msg_get_str(const struct axl_msg *m, unsigned *pos, char *out, size_t cap)
{
    size_t n;
    long err = axl_msg_get_bytes(m, pos, out, cap, &n);

    out[err == AXL_E_OK ? n : 0] = 0;
    if (err == AXL_E_OK && strlen(out) != n) { /* a NUL inside */
        out[0] = 0;
        return AXL_S_BAD_REQUEST;
    }
    return err;
}
