/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/lib/aead.c: ChaCha20, Poly1305 and their AEAD
 * (RFC 8439) against the RFC's own test vectors, then against libsodium
 * on a few thousand seeded pseudo-random cases. Inputs of the random cases
 * live in heap blocks of exactly their length, so a read past an end is an
 * ASan error. A forged or damaged record must be refused without a single
 * byte of output written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include <aead.h>

/* Parses hex digits, skipping spaces, colons and newlines; returns the byte count. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int half = -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9') {
            v = *s - '0';
        } else if (*s >= 'a' && *s <= 'f') {
            v = *s - 'a' + 10;
        } else if (*s >= 'A' && *s <= 'F') {
            v = *s - 'A' + 10;
        } else {
            assert_true(*s == ' ' || *s == ':' || *s == '\n');
            assert_int_equal(half, -1); /* no separator inside a byte */
            continue;
        }
        if (half < 0) {
            half = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(half << 4 | v);
            half = -1;
        }
    }
    assert_int_equal(half, -1);
    return n;
}

/* unhex into a buffer that must come out exactly `want` bytes long. */
#define HEX(buf, text, want) assert_int_equal(unhex(text, buf, sizeof(buf)), (want))

/* RFC 8439 2.4.2 and 2.8.2 encrypt the same 114 bytes. */
static const char SUNSCREEN[] = "Ladies and Gentlemen of the class of '99: If I could offer you only "
                                "one tip for the future, sunscreen would be it.";

/* RFC 8439 A.3 test vectors #2 and #3 authenticate these 375 bytes. */
static const char IETF_TEXT[] =
    "Any submission to the IETF intended by the Contributor for publication as all or part of an "
    "IETF Internet-Draft or RFC and any statement made within the context of an IETF activity is "
    "considered an \"IETF Contribution\". Such statements include oral statements in IETF "
    "sessions, as well as written and electronic communications made at any time or place, which "
    "are addressed to";

static const char JABBERWOCKY[] = "'Twas brillig, and the slithy toves\nDid gyre and gimble in the "
                                  "wabe:\nAll mimsy were the borogoves,\nAnd the mome raths "
                                  "outgrabe.";

/* --- the RFC's vectors --- */

static void test_chacha20_rfc_2_4_2(void **state)
{
    (void)state;
    uint8_t key[32], nonce[12], want[114], out[114];
    HEX(key, "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"
             "10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f", 32);
    HEX(nonce, "00 00 00 00 00 00 00 4a 00 00 00 00", 12);
    HEX(want, "6e 2e 35 9a 25 68 f9 80 41 ba 07 28 dd 0d 69 81"
              "e9 7e 7a ec 1d 43 60 c2 0a 27 af cc fd 9f ae 0b"
              "f9 1b 65 c5 52 47 33 ab 8f 59 3d ab cd 62 b3 57"
              "16 39 d6 24 e6 51 52 ab 8f 53 0c 35 9f 08 61 d8"
              "07 ca 0d bf 50 0d 6a 61 56 a3 8e 08 8a 22 b6 5e"
              "52 bc 51 4d 16 cc f8 06 81 8c e9 1a b7 79 37 36"
              "5a f9 0b bf 74 a3 5b e6 b4 0b 8e ed f2 78 5e 42"
              "87 4d", 114);
    assert_int_equal(strlen(SUNSCREEN), 114);

    chacha20_xor(key, nonce, 1, SUNSCREEN, out, 114);
    assert_memory_equal(out, want, 114);
    chacha20_xor(key, nonce, 1, out, out, 114); /* in place, and its own inverse */
    assert_memory_equal(out, SUNSCREEN, 114);

    /* Block by block with the counter advanced by hand: the same stream. */
    chacha20_xor(key, nonce, 1, SUNSCREEN, out, 64);
    chacha20_xor(key, nonce, 2, SUNSCREEN + 64, out + 64, 50);
    assert_memory_equal(out, want, 114);
}

static void test_chacha20_rfc_a2_block_counter_0(void **state)
{
    (void)state;
    /* A.2 #1: the all-zero key and nonce, block 0, as a key stream. */
    uint8_t key[32] = {0}, nonce[12] = {0}, zero[64] = {0}, want[64], out[64];
    HEX(want, "76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28"
              "bd d2 19 b8 a0 8d ed 1a a8 36 ef cc 8b 77 0d c7"
              "da 41 59 7c 51 57 48 8d 77 24 e0 3f b8 d8 4a 37"
              "6a 43 b8 f4 15 18 a1 1c c3 87 b6 69 b2 ee 65 86", 64);
    chacha20_xor(key, nonce, 0, zero, out, 64);
    assert_memory_equal(out, want, 64);
}

static void test_poly1305_rfc_2_5_2(void **state)
{
    (void)state;
    uint8_t key[32], want[16], tag[16];
    HEX(key, "85:d6:be:78:57:55:6d:33:7f:44:52:fe:42:d5:06:a8:"
             "01:03:80:8a:fb:0d:b2:fd:4a:bf:f6:af:41:49:f5:1b", 32);
    HEX(want, "a8:06:1d:c1:30:51:36:c6:c2:2b:8b:af:0c:01:27:a9", 16);
    static const char msg[] = "Cryptographic Forum Research Group";
    assert_int_equal(strlen(msg), 34);
    poly1305_mac(key, msg, 34, tag);
    assert_memory_equal(tag, want, 16);
}

/* One Poly1305 vector of RFC 8439 A.3, as hex (key, message, tag). */
struct poly_vector {
    int number;
    const char *key, *msg_hex, *msg_text, *tag;
};

static const struct poly_vector A3[] = {
    {1, "00000000000000000000000000000000 00000000000000000000000000000000",
     "00000000000000000000000000000000 00000000000000000000000000000000"
     "00000000000000000000000000000000 00000000000000000000000000000000",
     NULL, "00000000000000000000000000000000"},
    /* r = 0: the tag is s, whatever the text. */
    {2, "00000000000000000000000000000000 36e5f6b5c5e06070f0efca96227a863e", NULL, IETF_TEXT,
     "36e5f6b5c5e06070f0efca96227a863e"},
    /* s = 0 */
    {3, "36e5f6b5c5e06070f0efca96227a863e 00000000000000000000000000000000", NULL, IETF_TEXT,
     "f3477e7cd95417af89a6b8794c310cf0"},
    {4, "1c9240a5eb55d38af333888604f6b5f0 473917c1402b80099dca5cbc207075c0", NULL, JABBERWOCKY,
     "4541669a7eaaee61e708dc7cbcc5eb62"},
    /* A partially reduced final result that is not fully reduced. */
    {5, "02000000000000000000000000000000 00000000000000000000000000000000",
     "ffffffffffffffffffffffffffffffff", NULL, "03000000000000000000000000000000"},
    /* h + s overflows 2^128. */
    {6, "02000000000000000000000000000000 ffffffffffffffffffffffffffffffff",
     "02000000000000000000000000000000", NULL, "03000000000000000000000000000000"},
    /* A data limb of all ones with a carry from the limb below. */
    {7, "01000000000000000000000000000000 00000000000000000000000000000000",
     "ffffffffffffffffffffffffffffffff f0ffffffffffffffffffffffffffffff"
     "11000000000000000000000000000000",
     NULL, "05000000000000000000000000000000"},
    /* The polynomial comes out at exactly 2^130 - 5. */
    {8, "01000000000000000000000000000000 00000000000000000000000000000000",
     "ffffffffffffffffffffffffffffffff fbfefefefefefefefefefefefefefefe"
     "01010101010101010101010101010101",
     NULL, "00000000000000000000000000000000"},
    /* ... and at exactly 2^130 - 6. */
    {9, "02000000000000000000000000000000 00000000000000000000000000000000",
     "fdffffffffffffffffffffffffffffff", NULL, "faffffffffffffffffffffffffffffff"},
    /* A 5*H+L-type reduction with a 131-bit intermediate result. */
    {10, "01000000000000000400000000000000 00000000000000000000000000000000",
     "e33594d7505e43b90000000000000000 3394d7505e4379cd0100000000000000"
     "00000000000000000000000000000000 01000000000000000000000000000000",
     NULL, "14000000000000005500000000000000"},
    /* ... and a 131-bit final result. */
    {11, "01000000000000000400000000000000 00000000000000000000000000000000",
     "e33594d7505e43b90000000000000000 3394d7505e4379cd0100000000000000"
     "00000000000000000000000000000000",
     NULL, "13000000000000000000000000000000"},
};

static void test_poly1305_rfc_a3(void **state)
{
    (void)state;
    assert_int_equal(strlen(IETF_TEXT), 375);
    assert_int_equal(strlen(JABBERWOCKY), 127);
    for (size_t i = 0; i < sizeof(A3) / sizeof(A3[0]); i++) {
        const struct poly_vector *v = &A3[i];
        uint8_t key[32], msg[400], want[16], tag[16];
        size_t len;
        HEX(key, v->key, 32);
        HEX(want, v->tag, 16);
        if (v->msg_text) {
            len = strlen(v->msg_text);
            memcpy(msg, v->msg_text, len);
        } else {
            len = unhex(v->msg_hex, msg, sizeof(msg));
        }
        poly1305_mac(key, msg, len, tag);
        if (memcmp(tag, want, 16) != 0) {
            fail_msg("RFC 8439 A.3 test vector #%d: wrong tag", v->number);
        }
    }
}

static void test_aead_rfc_2_8_2(void **state)
{
    (void)state;
    uint8_t key[32], nonce[12], ad[12], want[114], want_tag[16], ct[114], tag[16], pt[114];
    HEX(key, "80 81 82 83 84 85 86 87 88 89 8a 8b 8c 8d 8e 8f"
             "90 91 92 93 94 95 96 97 98 99 9a 9b 9c 9d 9e 9f", 32);
    HEX(nonce, "07 00 00 00 40 41 42 43 44 45 46 47", 12); /* constant || IV */
    HEX(ad, "50 51 52 53 c0 c1 c2 c3 c4 c5 c6 c7", 12);
    HEX(want, "d3 1a 8d 34 64 8e 60 db 7b 86 af bc 53 ef 7e c2"
              "a4 ad ed 51 29 6e 08 fe a9 e2 b5 a7 36 ee 62 d6"
              "3d be a4 5e 8c a9 67 12 82 fa fb 69 da 92 72 8b"
              "1a 71 de 0a 9e 06 0b 29 05 d6 a5 b6 7e cd 3b 36"
              "92 dd bd 7f 2d 77 8b 8c 98 03 ae e3 28 09 1b 58"
              "fa b3 24 e4 fa d6 75 94 55 85 80 8b 48 31 d7 bc"
              "3f f4 de f0 8e 4b 7a 9d e5 76 d2 65 86 ce c6 4b"
              "61 16", 114);
    HEX(want_tag, "1a:e1:0b:59:4f:09:e2:6a:7e:90:2e:cb:d0:60:06:91", 16);

    aead_seal(key, nonce, ad, 12, SUNSCREEN, ct, 114, tag);
    assert_memory_equal(ct, want, 114);
    assert_memory_equal(tag, want_tag, 16);

    assert_int_equal(aead_open(key, nonce, ad, 12, ct, pt, 114, tag), 0);
    assert_memory_equal(pt, SUNSCREEN, 114);

    /* Sealing in place gives the same result. */
    memcpy(pt, SUNSCREEN, 114);
    aead_seal(key, nonce, ad, 12, pt, pt, 114, tag);
    assert_memory_equal(pt, want, 114);
    assert_memory_equal(tag, want_tag, 16);
    assert_int_equal(aead_open(key, nonce, ad, 12, pt, pt, 114, tag), 0);
    assert_memory_equal(pt, SUNSCREEN, 114);
}

static const char A5_PLAIN[] =
    "Internet-Drafts are draft documents valid for a maximum of six months and may be updated, "
    "replaced, or obsoleted by other documents at any time. It is inappropriate to use "
    "Internet-Drafts as reference material or to cite them other than as /\xe2\x80\x9c"
    "work in progress./\xe2\x80\x9d";

static void test_aead_rfc_a5_decrypt(void **state)
{
    (void)state;
    uint8_t key[32], nonce[12], ad[12], ct[265], tag[16], pt[265];
    HEX(key, "1c 92 40 a5 eb 55 d3 8a f3 33 88 86 04 f6 b5 f0"
             "47 39 17 c1 40 2b 80 09 9d ca 5c bc 20 70 75 c0", 32);
    HEX(ct, "64 a0 86 15 75 86 1a f4 60 f0 62 c7 9b e6 43 bd"
            "5e 80 5c fd 34 5c f3 89 f1 08 67 0a c7 6c 8c b2"
            "4c 6c fc 18 75 5d 43 ee a0 9e e9 4e 38 2d 26 b0"
            "bd b7 b7 3c 32 1b 01 00 d4 f0 3b 7f 35 58 94 cf"
            "33 2f 83 0e 71 0b 97 ce 98 c8 a8 4a bd 0b 94 81"
            "14 ad 17 6e 00 8d 33 bd 60 f9 82 b1 ff 37 c8 55"
            "97 97 a0 6e f4 f0 ef 61 c1 86 32 4e 2b 35 06 38"
            "36 06 90 7b 6a 7c 02 b0 f9 f6 15 7b 53 c8 67 e4"
            "b9 16 6c 76 7b 80 4d 46 a5 9b 52 16 cd e7 a4 e9"
            "90 40 c5 a4 04 33 22 5e e2 82 a1 b0 a0 6c 52 3e"
            "af 45 34 d7 f8 3f a1 15 5b 00 47 71 8c bc 54 6a"
            "0d 07 2b 04 b3 56 4e ea 1b 42 22 73 f5 48 27 1a"
            "0b b2 31 60 53 fa 76 99 19 55 eb d6 31 59 43 4e"
            "ce bb 4e 46 6d ae 5a 10 73 a6 72 76 27 09 7a 10"
            "49 e6 17 d9 1d 36 10 94 fa 68 f0 ff 77 98 71 30"
            "30 5b ea ba 2e da 04 df 99 7b 71 4d 6c 6f 2c 29"
            "a6 ad 5c b4 02 2b 02 70 9b", 265);
    HEX(nonce, "00 00 00 00 01 02 03 04 05 06 07 08", 12);
    HEX(ad, "f3 33 88 86 00 00 00 00 00 00 4e 91", 12);
    HEX(tag, "ee ad 9d 67 89 0c bb 22 39 23 36 fe a1 85 1f 38", 16);
    assert_int_equal(strlen(A5_PLAIN), 265);

    assert_int_equal(aead_open(key, nonce, ad, 12, ct, pt, 265, tag), 0);
    assert_memory_equal(pt, A5_PLAIN, 265);

    /* And the other way round. */
    uint8_t ct2[265], tag2[16];
    aead_seal(key, nonce, ad, 12, A5_PLAIN, ct2, 265, tag2);
    assert_memory_equal(ct2, ct, 265);
    assert_memory_equal(tag2, tag, 16);
}

/* --- forgeries --- */

#define UNTOUCHED 0xa5

static void assert_untouched(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(p[i], UNTOUCHED);
    }
}

static void test_aead_rejects_tampering(void **state)
{
    (void)state;
    uint8_t key[32], nonce[12], ad[20], msg[100], ct[100], tag[16], pt[100];
    for (size_t i = 0; i < sizeof(key); i++) {
        key[i] = (uint8_t)(3 * i + 1);
    }
    for (size_t i = 0; i < sizeof(nonce); i++) {
        nonce[i] = (uint8_t)(0xf0 - i);
    }
    for (size_t i = 0; i < sizeof(ad); i++) {
        ad[i] = (uint8_t)i;
    }
    for (size_t i = 0; i < sizeof(msg); i++) {
        msg[i] = (uint8_t)(i * i);
    }
    aead_seal(key, nonce, ad, sizeof(ad), msg, ct, sizeof(msg), tag);
    memset(pt, UNTOUCHED, sizeof(pt));
    assert_int_equal(aead_open(key, nonce, ad, sizeof(ad), ct, pt, sizeof(ct), tag), 0);
    assert_memory_equal(pt, msg, sizeof(msg));

    /* Every single-bit flip of the associated data, the ciphertext and the tag. */
    for (size_t bit = 0; bit < 8 * sizeof(ad); bit++) {
        ad[bit / 8] ^= (uint8_t)(1u << bit % 8);
        memset(pt, UNTOUCHED, sizeof(pt));
        assert_int_equal(aead_open(key, nonce, ad, sizeof(ad), ct, pt, sizeof(ct), tag), -1);
        assert_untouched(pt, sizeof(pt));
        ad[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    for (size_t bit = 0; bit < 8 * sizeof(ct); bit++) {
        ct[bit / 8] ^= (uint8_t)(1u << bit % 8);
        memset(pt, UNTOUCHED, sizeof(pt));
        assert_int_equal(aead_open(key, nonce, ad, sizeof(ad), ct, pt, sizeof(ct), tag), -1);
        assert_untouched(pt, sizeof(pt));
        ct[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    for (size_t bit = 0; bit < 8 * sizeof(tag); bit++) {
        tag[bit / 8] ^= (uint8_t)(1u << bit % 8);
        memset(pt, UNTOUCHED, sizeof(pt));
        assert_int_equal(aead_open(key, nonce, ad, sizeof(ad), ct, pt, sizeof(ct), tag), -1);
        assert_untouched(pt, sizeof(pt));
        tag[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }

    /* A wrong nonce, a wrong key, a shortened or lengthened ad or message. */
    uint8_t other[32];
    memcpy(other, nonce, 12);
    other[11] ^= 1;
    memset(pt, UNTOUCHED, sizeof(pt));
    assert_int_equal(aead_open(key, other, ad, sizeof(ad), ct, pt, sizeof(ct), tag), -1);
    assert_untouched(pt, sizeof(pt));
    memcpy(other, key, 32);
    other[0] ^= 0x80;
    assert_int_equal(aead_open(other, nonce, ad, sizeof(ad), ct, pt, sizeof(ct), tag), -1);
    assert_untouched(pt, sizeof(pt));
    assert_int_equal(aead_open(key, nonce, ad, sizeof(ad) - 1, ct, pt, sizeof(ct), tag), -1);
    assert_int_equal(aead_open(key, nonce, ad, 0, ct, pt, sizeof(ct), tag), -1);
    assert_int_equal(aead_open(key, nonce, ad, sizeof(ad), ct, pt, sizeof(ct) - 1, tag), -1);
    assert_int_equal(aead_open(key, nonce, ad, sizeof(ad), ct, pt, 0, tag), -1);
    assert_untouched(pt, sizeof(pt));
    /* ad and ciphertext are not interchangeable: the padding and lengths bind each. */
    assert_int_equal(aead_open(key, nonce, ct, sizeof(ct), ad, pt, sizeof(ad), tag), -1);
    assert_untouched(pt, sizeof(pt));

    /* The untampered record still opens. */
    assert_int_equal(aead_open(key, nonce, ad, sizeof(ad), ct, pt, sizeof(ct), tag), 0);
    assert_memory_equal(pt, msg, sizeof(msg));
}

/* How the kernel uses it: no message, the crash record as associated data. */
static void test_aead_authenticate_only(void **state)
{
    (void)state;
    uint8_t key[32], nonce[12], record[300], tag[16], want[16];
    uint8_t none[1]; /* libsodium insists on a ciphertext pointer, even for 0 bytes */
    unsigned long long want_len = 0;
    for (size_t i = 0; i < sizeof(key); i++) {
        key[i] = (uint8_t)(0x40 + i);
    }
    memset(nonce, 0x11, sizeof(nonce));
    for (size_t i = 0; i < sizeof(record); i++) {
        record[i] = (uint8_t)(i ^ 0x5a);
    }
    /* No message buffers at all: NULL with length 0 must be accepted. */
    aead_seal(key, nonce, record, sizeof(record), NULL, NULL, 0, tag);
    assert_int_equal(crypto_aead_chacha20poly1305_ietf_encrypt_detached(
                         none, want, &want_len, NULL, 0, record, sizeof(record), NULL, nonce, key),
                     0);
    assert_int_equal(want_len, 16);
    assert_memory_equal(tag, want, 16);
    assert_int_equal(aead_open(key, nonce, record, sizeof(record), NULL, NULL, 0, tag), 0);

    record[123] ^= 4;
    assert_int_equal(aead_open(key, nonce, record, sizeof(record), NULL, NULL, 0, tag), -1);
    record[123] ^= 4;
    tag[15] ^= 0x80;
    assert_int_equal(aead_open(key, nonce, record, sizeof(record), NULL, NULL, 0, tag), -1);
    tag[15] ^= 0x80;

    /* Every record length across the block boundaries, against libsodium. */
    for (size_t len = 0; len <= 70; len++) {
        aead_seal(key, nonce, record, len, NULL, NULL, 0, tag);
        crypto_aead_chacha20poly1305_ietf_encrypt_detached(none, want, &want_len, NULL, 0, record,
                                                           len, NULL, nonce, key);
        assert_memory_equal(tag, want, 16);
        assert_int_equal(aead_open(key, nonce, record, len, NULL, NULL, 0, tag), 0);
    }

    /* With neither ad nor message there is still a tag, and it depends on the nonce. */
    uint8_t tag_other[16];
    aead_seal(key, nonce, NULL, 0, NULL, NULL, 0, tag);
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(none, want, &want_len, NULL, 0, NULL, 0,
                                                       NULL, nonce, key);
    assert_memory_equal(tag, want, 16);
    nonce[0] ^= 1;
    aead_seal(key, nonce, NULL, 0, NULL, NULL, 0, tag_other);
    assert_memory_not_equal(tag, tag_other, 16);
}

/* --- against libsodium --- */

static uint64_t rng_state;

static uint64_t xorshift64(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(xorshift64() >> 56);
    }
}

/* A heap block of exactly n bytes (ASan catches a byte read past it), filled at random. */
static uint8_t *random_block(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    fill_random(p, n);
    return p;
}

#define CASES 2000
#define MAX_LEN 600

static const size_t EDGES[] = {0, 1, 15, 16, 17, 63, 64, 65};
#define NEDGES (sizeof(EDGES) / sizeof(EDGES[0]))

/* The lengths of case i: every pair of edge lengths first, then uniform in 0..MAX_LEN with
 * an edge length (or one of them plus a multiple of 64) every so often. */
static void case_lengths(int i, size_t *ad_len, size_t *len)
{
    if ((size_t)i < NEDGES * NEDGES) {
        *ad_len = EDGES[(size_t)i / NEDGES];
        *len = EDGES[(size_t)i % NEDGES];
        return;
    }
    size_t lens[2];
    for (int k = 0; k < 2; k++) {
        uint64_t r = xorshift64();
        if (r % 4 == 0) {
            lens[k] = EDGES[(r >> 8) % NEDGES] + 64 * ((r >> 16) % 9);
        } else {
            lens[k] = (size_t)((r >> 8) % (MAX_LEN + 1));
        }
    }
    *ad_len = lens[0];
    *len = lens[1];
}

static void test_aead_matches_libsodium(void **state)
{
    (void)state;
    rng_state = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < CASES; i++) {
        size_t ad_len, len;
        case_lengths(i, &ad_len, &len);
        uint8_t key[32], nonce[12], tag[16], want_tag[16];
        fill_random(key, sizeof(key));
        fill_random(nonce, sizeof(nonce));
        uint8_t *ad = random_block(ad_len), *msg = random_block(len);
        uint8_t *ct = malloc(len ? len : 1), *want = malloc(len ? len : 1);
        uint8_t *pt = malloc(len ? len : 1);
        assert_true(ct && want && pt);

        aead_seal(key, nonce, ad, ad_len, msg, ct, len, tag);
        unsigned long long tag_len = 0;
        assert_int_equal(crypto_aead_chacha20poly1305_ietf_encrypt_detached(
                             want, want_tag, &tag_len, msg, len, ad, ad_len, NULL, nonce, key),
                         0);
        if (memcmp(ct, want, len) != 0 || memcmp(tag, want_tag, 16) != 0) {
            fail_msg("case %d (ad %zu bytes, message %zu bytes) differs from libsodium", i, ad_len,
                     len);
        }

        /* libsodium's output opens here, and ours there. */
        assert_int_equal(aead_open(key, nonce, ad, ad_len, want, pt, len, want_tag), 0);
        assert_memory_equal(pt, msg, len);
        assert_int_equal(crypto_aead_chacha20poly1305_ietf_decrypt_detached(
                             pt, NULL, ct, len, tag, ad, ad_len, nonce, key),
                         0);

        /* A flipped bit somewhere in ad, ciphertext or tag. */
        uint64_t r = xorshift64();
        size_t where = (size_t)(r % (ad_len + len + 16));
        uint8_t bit = (uint8_t)(1u << (r >> 32) % 8);
        uint8_t *p = where < ad_len ? ad + where
                   : where < ad_len + len ? ct + (where - ad_len)
                                          : tag + (where - ad_len - len);
        *p ^= bit;
        memset(pt, UNTOUCHED, len);
        assert_int_equal(aead_open(key, nonce, ad, ad_len, ct, pt, len, tag), -1);
        assert_untouched(pt, len);

        free(ad);
        free(msg);
        free(ct);
        free(want);
        free(pt);
    }
}

/* The primitives on their own: Poly1305 and the ChaCha20 stream at any counter. */
static void test_primitives_match_libsodium(void **state)
{
    (void)state;
    rng_state = 0x0123456789abcdefull;
    for (int i = 0; i < 500; i++) {
        size_t len = i < 200 ? (size_t)i : (size_t)(xorshift64() % (MAX_LEN + 1));
        uint8_t key[32], nonce[12], tag[16], want_tag[16];
        fill_random(key, sizeof(key));
        fill_random(nonce, sizeof(nonce));
        uint8_t *msg = random_block(len);
        uint8_t *out = malloc(len ? len : 1), *want = malloc(len ? len : 1);
        assert_true(out && want);

        poly1305_mac(key, msg, len, tag);
        crypto_onetimeauth_poly1305(want_tag, msg, len, key);
        assert_memory_equal(tag, want_tag, 16);

        /* Any counter that does not wrap within the message (RFC 8439 leaves that undefined,
         * and libsodium carries into the nonce). */
        uint32_t counter = (uint32_t)(xorshift64() % (UINT32_MAX - 16));
        if (i % 7 == 0) {
            counter = i % 2 ? 0 : UINT32_MAX - 16;
        }
        chacha20_xor(key, nonce, counter, msg, out, len);
        crypto_stream_chacha20_ietf_xor_ic(want, msg, len, nonce, counter, key);
        assert_memory_equal(out, want, len);

        free(msg);
        free(out);
        free(want);
    }
}

int main(void)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "test_aead: sodium_init failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chacha20_rfc_2_4_2),
        cmocka_unit_test(test_chacha20_rfc_a2_block_counter_0),
        cmocka_unit_test(test_poly1305_rfc_2_5_2),
        cmocka_unit_test(test_poly1305_rfc_a3),
        cmocka_unit_test(test_aead_rfc_2_8_2),
        cmocka_unit_test(test_aead_rfc_a5_decrypt),
        cmocka_unit_test(test_aead_rejects_tampering),
        cmocka_unit_test(test_aead_authenticate_only),
        cmocka_unit_test(test_aead_matches_libsodium),
        cmocka_unit_test(test_primitives_match_libsodium),
    };
    return cmocka_run_group_tests_name("aead", tests, NULL, NULL);
}
