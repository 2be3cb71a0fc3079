/* SPDX-License-Identifier: MIT */
/*
 * aead.c: ChaCha20-Poly1305 as specified by RFC 8439 (see aead.h).
 *
 * Written for the panic path: no allocation, no locks, no global state,
 * no SSE and no 128-bit integers. Bytes are loaded and stored one at a
 * time, so buffers need no alignment. Poly1305 works on five 26-bit limbs
 * whose products fit in 64 bits. Every secret temporary (key-stream
 * blocks, the one-time Poly1305 key, the accumulator) is wiped through a
 * volatile pointer before returning, so the compiler cannot drop the wipe.
 */
#include <aead.h>
#include <kstring.h>

#define MASK26 0x3ffffffu

static uint32_t load32_le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store32_le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void store64_le(uint8_t *p, uint64_t v)
{
    store32_le(p, (uint32_t)v);
    store32_le(p + 4, (uint32_t)(v >> 32));
}

/* Zeroes n bytes in a way the optimizer must keep, even right before return. */
static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n-- > 0) {
        *v++ = 0;
    }
}

/* --- ChaCha20 (RFC 8439 2.1-2.4) --- */

static uint32_t rotl32(uint32_t x, unsigned n) { return x << n | x >> (32 - n); }

#define QUARTER(x, a, b, c, d)                                                                     \
    do {                                                                                           \
        x[a] += x[b]; x[d] = rotl32(x[d] ^ x[a], 16);                                              \
        x[c] += x[d]; x[b] = rotl32(x[b] ^ x[c], 12);                                              \
        x[a] += x[b]; x[d] = rotl32(x[d] ^ x[a], 8);                                               \
        x[c] += x[d]; x[b] = rotl32(x[b] ^ x[c], 7);                                               \
    } while (0)

/* The initial state: "expand 32-byte k", the key, the block counter, the nonce. */
static void chacha20_init(uint32_t s[16], const uint8_t key[AEAD_KEY_SIZE],
                          const uint8_t nonce[AEAD_NONCE_SIZE], uint32_t counter)
{
    s[0] = 0x61707865u;
    s[1] = 0x3320646eu;
    s[2] = 0x79622d32u;
    s[3] = 0x6b206574u;
    for (int i = 0; i < 8; i++) {
        s[4 + i] = load32_le(key + 4 * i);
    }
    s[12] = counter;
    for (int i = 0; i < 3; i++) {
        s[13 + i] = load32_le(nonce + 4 * i);
    }
}

/* One 64-byte key-stream block of state s: 20 rounds, then the input added back. */
static void chacha20_block(const uint32_t s[16], uint8_t out[64])
{
    uint32_t x[16];
    for (int i = 0; i < 16; i++) {
        x[i] = s[i];
    }
    for (int round = 0; round < 10; round++) {
        QUARTER(x, 0, 4, 8, 12); /* columns */
        QUARTER(x, 1, 5, 9, 13);
        QUARTER(x, 2, 6, 10, 14);
        QUARTER(x, 3, 7, 11, 15);
        QUARTER(x, 0, 5, 10, 15); /* diagonals */
        QUARTER(x, 1, 6, 11, 12);
        QUARTER(x, 2, 7, 8, 13);
        QUARTER(x, 3, 4, 9, 14);
    }
    for (int i = 0; i < 16; i++) {
        store32_le(out + 4 * i, x[i] + s[i]);
    }
    wipe(x, sizeof(x));
}

void chacha20_xor(const uint8_t key[AEAD_KEY_SIZE], const uint8_t nonce[AEAD_NONCE_SIZE],
                  uint32_t counter, const void *in, void *out, size_t len)
{
    const uint8_t *src = in;
    uint8_t *dst = out;
    uint32_t s[16];
    uint8_t ks[64];

    if (len == 0) {
        return;
    }
    chacha20_init(s, key, nonce, counter);
    for (size_t off = 0; off < len; off += 64) {
        size_t n = len - off < 64 ? len - off : 64;
        chacha20_block(s, ks);
        s[12]++; /* the counter; RFC 8439 limits a message to 2^32 blocks */
        for (size_t i = 0; i < n; i++) {
            dst[off + i] = (uint8_t)(src[off + i] ^ ks[i]); /* read before write: in == out is fine */
        }
    }
    wipe(s, sizeof(s));
    wipe(ks, sizeof(ks));
}

/* --- Poly1305 (RFC 8439 2.5), modulo p = 2^130 - 5 --- */

struct poly1305 {
    uint32_t r[5];   /* the clamped multiplier, in 26-bit limbs */
    uint32_t h[5];   /* the accumulator, limbs slightly above 26 bits between blocks */
    uint8_t s[16];   /* added at the end */
    uint8_t buf[16]; /* a partial block */
    size_t fill;     /* bytes in buf */
};

static void poly1305_init(struct poly1305 *st, const uint8_t key[32])
{
    uint8_t r[16];
    memcpy(r, key, 16);
    /* Clamp: the top four bits of bytes 3, 7, 11, 15 and the low two of 4, 8, 12 cleared. */
    r[3] &= 15;
    r[7] &= 15;
    r[11] &= 15;
    r[15] &= 15;
    r[4] &= 252;
    r[8] &= 252;
    r[12] &= 252;
    /* Limb i holds bits 26i .. 26i+25, found in the 32-bit word at byte 26i/8. */
    st->r[0] = load32_le(r + 0) & MASK26;
    st->r[1] = (load32_le(r + 3) >> 2) & MASK26;
    st->r[2] = (load32_le(r + 6) >> 4) & MASK26;
    st->r[3] = (load32_le(r + 9) >> 6) & MASK26;
    st->r[4] = (load32_le(r + 12) >> 8) & MASK26;
    for (int i = 0; i < 5; i++) {
        st->h[i] = 0;
    }
    memcpy(st->s, key + 16, 16);
    st->fill = 0;
    wipe(r, sizeof(r));
}

/* h = (h + block + hibit * 2^128) * r mod p, with a partial reduction. hibit is 1 for
 * a full 16-byte block; a final short block carries its 0x01 byte in the data instead. */
static void poly1305_block(struct poly1305 *st, const uint8_t m[16], uint32_t hibit)
{
    const uint64_t r0 = st->r[0], r1 = st->r[1], r2 = st->r[2], r3 = st->r[3], r4 = st->r[4];
    /* 2^130 = 5 mod p: a product term past limb 4 wraps around times 5. */
    const uint64_t s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
    uint64_t h0 = st->h[0] + (load32_le(m + 0) & MASK26);
    uint64_t h1 = st->h[1] + ((load32_le(m + 3) >> 2) & MASK26);
    uint64_t h2 = st->h[2] + ((load32_le(m + 6) >> 4) & MASK26);
    uint64_t h3 = st->h[3] + ((load32_le(m + 9) >> 6) & MASK26);
    uint64_t h4 = st->h[4] + ((load32_le(m + 12) >> 8) | hibit << 24);

    /* Each limb is below 2^27 and each r*5 below 2^29: five products stay below 2^59. */
    uint64_t d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
    uint64_t d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
    uint64_t d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
    uint64_t d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
    uint64_t d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;

    /* Carry each limb into the next; the carry out of limb 4 re-enters limb 0 times 5. */
    d1 += d0 >> 26;
    d2 += d1 >> 26;
    d3 += d2 >> 26;
    d4 += d3 >> 26;
    uint64_t c = d4 >> 26;
    h0 = (d0 & MASK26) + c * 5;
    st->h[0] = (uint32_t)(h0 & MASK26);
    st->h[1] = (uint32_t)((d1 & MASK26) + (h0 >> 26));
    st->h[2] = (uint32_t)(d2 & MASK26);
    st->h[3] = (uint32_t)(d3 & MASK26);
    st->h[4] = (uint32_t)(d4 & MASK26);
}

static void poly1305_update(struct poly1305 *st, const uint8_t *m, size_t len)
{
    size_t i = 0;
    if (st->fill > 0) {
        while (i < len && st->fill < 16) {
            st->buf[st->fill++] = m[i++];
        }
        if (st->fill < 16) {
            return;
        }
        poly1305_block(st, st->buf, 1);
        st->fill = 0;
    }
    for (; len - i >= 16; i += 16) {
        poly1305_block(st, m + i, 1);
    }
    while (i < len) {
        st->buf[st->fill++] = m[i++];
    }
}

/* The AEAD's padding: zeros up to a multiple of 16, hashed as a full block. */
static void poly1305_pad16(struct poly1305 *st)
{
    if (st->fill > 0) {
        memset(st->buf + st->fill, 0, 16 - st->fill);
        poly1305_block(st, st->buf, 1);
        st->fill = 0;
    }
}

static void poly1305_final(struct poly1305 *st, uint8_t tag[AEAD_TAG_SIZE])
{
    if (st->fill > 0) { /* a short last block: a 0x01 byte after the data, then zeros */
        st->buf[st->fill] = 1;
        memset(st->buf + st->fill + 1, 0, 15 - st->fill);
        poly1305_block(st, st->buf, 0);
        st->fill = 0;
    }

    /* Full carry: every limb below 2^26 but h1, which may reach 2^26; h < 2p. */
    uint32_t h0 = st->h[0], h1 = st->h[1], h2 = st->h[2], h3 = st->h[3], h4 = st->h[4], c;
    c = h1 >> 26; h1 &= MASK26; h2 += c;
    c = h2 >> 26; h2 &= MASK26; h3 += c;
    c = h3 >> 26; h3 &= MASK26; h4 += c;
    c = h4 >> 26; h4 &= MASK26; h0 += c * 5;
    c = h0 >> 26; h0 &= MASK26; h1 += c;

    /* g = h + 5 - 2^130 = h - p; if it is not negative, h >= p and g is the result. */
    uint32_t g0, g1, g2, g3, g4;
    g0 = h0 + 5;  c = g0 >> 26; g0 &= MASK26;
    g1 = h1 + c;  c = g1 >> 26; g1 &= MASK26;
    g2 = h2 + c;  c = g2 >> 26; g2 &= MASK26;
    g3 = h3 + c;  c = g3 >> 26; g3 &= MASK26;
    g4 = h4 + c - (1u << 26);
    uint32_t keep_g = (g4 >> 31) - 1; /* all ones when g >= 0, without a branch */
    h0 = (h0 & ~keep_g) | (g0 & keep_g);
    h1 = (h1 & ~keep_g) | (g1 & keep_g);
    h2 = (h2 & ~keep_g) | (g2 & keep_g);
    h3 = (h3 & ~keep_g) | (g3 & keep_g);
    h4 = (h4 & ~keep_g) | (g4 & keep_g);

    /* tag = (h + s) mod 2^128. The sum of shifted limbs tolerates h1 == 2^26. */
    uint64_t t;
    t = (uint64_t)h0 + ((uint64_t)h1 << 26) + load32_le(st->s + 0);
    store32_le(tag + 0, (uint32_t)t);
    t = (t >> 32) + ((uint64_t)h2 << 20) + load32_le(st->s + 4);
    store32_le(tag + 4, (uint32_t)t);
    t = (t >> 32) + ((uint64_t)h3 << 14) + load32_le(st->s + 8);
    store32_le(tag + 8, (uint32_t)t);
    t = (t >> 32) + ((uint64_t)h4 << 8) + load32_le(st->s + 12);
    store32_le(tag + 12, (uint32_t)t);

    wipe(st, sizeof(*st));
}

void poly1305_mac(const uint8_t key[32], const void *msg, size_t len, uint8_t tag[AEAD_TAG_SIZE])
{
    struct poly1305 st;
    poly1305_init(&st, key);
    if (len > 0) {
        poly1305_update(&st, msg, len);
    }
    poly1305_final(&st, tag); /* wipes st */
}

/* --- The AEAD construction (RFC 8439 2.6, 2.8) --- */

/* The tag over ad and the ciphertext, under the one-time key from block 0. */
static void aead_tag(const uint8_t key[AEAD_KEY_SIZE], const uint8_t nonce[AEAD_NONCE_SIZE],
                     const void *ad, size_t ad_len, const void *cipher, size_t len,
                     uint8_t tag[AEAD_TAG_SIZE])
{
    uint32_t s[16];
    uint8_t block0[64];
    uint8_t lengths[16];
    struct poly1305 st;

    chacha20_init(s, key, nonce, 0);
    chacha20_block(s, block0);
    poly1305_init(&st, block0); /* the first 32 bytes are the one-time key */
    wipe(s, sizeof(s));
    wipe(block0, sizeof(block0));

    if (ad_len > 0) {
        poly1305_update(&st, ad, ad_len);
        poly1305_pad16(&st);
    }
    if (len > 0) {
        poly1305_update(&st, cipher, len);
        poly1305_pad16(&st);
    }
    store64_le(lengths, (uint64_t)ad_len);
    store64_le(lengths + 8, (uint64_t)len);
    poly1305_update(&st, lengths, sizeof(lengths));
    poly1305_final(&st, tag); /* wipes st */
}

void aead_seal(const uint8_t key[AEAD_KEY_SIZE], const uint8_t nonce[AEAD_NONCE_SIZE],
               const void *ad, size_t ad_len, const void *plain, void *cipher, size_t len,
               uint8_t tag[AEAD_TAG_SIZE])
{
    chacha20_xor(key, nonce, 1, plain, cipher, len);
    aead_tag(key, nonce, ad, ad_len, cipher, len, tag);
}

int aead_open(const uint8_t key[AEAD_KEY_SIZE], const uint8_t nonce[AEAD_NONCE_SIZE],
              const void *ad, size_t ad_len, const void *cipher, void *plain, size_t len,
              const uint8_t tag[AEAD_TAG_SIZE])
{
    uint8_t want[AEAD_TAG_SIZE];
    aead_tag(key, nonce, ad, ad_len, cipher, len, want);

    /* Constant time: every byte is compared, and the verdict has no branch on the data. */
    uint32_t diff = 0;
    for (int i = 0; i < AEAD_TAG_SIZE; i++) {
        diff |= (uint32_t)(want[i] ^ tag[i]);
    }
    wipe(want, sizeof(want));
    int ok = (int)(1 & ((diff - 1) >> 8)); /* 1 when diff == 0 */
    if (!ok) {
        return -1;
    }
    chacha20_xor(key, nonce, 1, cipher, plain, len);
    return 0;
}
