/* SPDX-License-Identifier: MIT */
/*
 * aead.h: ChaCha20-Poly1305 (RFC 8439), for authenticating crash records
 * (lib/aead.c). Pure, allocation-free, lock-free C: it runs on the panic
 * path (no SSE, no red zone) and, compiled for the host, in the crash
 * decoder and the unit tests, which check it against the RFC's test vectors
 * and against libsodium.
 */
#ifndef AXL_AEAD_H
#define AXL_AEAD_H

#include "types.h"

#define AEAD_KEY_SIZE 32
#define AEAD_NONCE_SIZE 12
#define AEAD_TAG_SIZE 16

/* RFC 8439 2.4: XORs len bytes of in with the ChaCha20 key stream starting
 * at block `counter` into out (in == out allowed). */
void chacha20_xor(const uint8_t key[AEAD_KEY_SIZE], const uint8_t nonce[AEAD_NONCE_SIZE],
                  uint32_t counter, const void *in, void *out, size_t len);

/* RFC 8439 2.5: the one-time authenticator of msg under a 32-byte key. */
void poly1305_mac(const uint8_t key[32], const void *msg, size_t len, uint8_t tag[AEAD_TAG_SIZE]);

/* RFC 8439 2.8: encrypts len bytes of plain into cipher (may be the same
 * buffer) and computes the tag over ad and the ciphertext. len may be 0. */
void aead_seal(const uint8_t key[AEAD_KEY_SIZE], const uint8_t nonce[AEAD_NONCE_SIZE],
               const void *ad, size_t ad_len, const void *plain, void *cipher, size_t len,
               uint8_t tag[AEAD_TAG_SIZE]);

/* Checks the tag (in constant time) and, only if it matches, decrypts len
 * bytes of cipher into plain. Returns 0 when authentic, -1 otherwise (plain
 * is then untouched). */
int aead_open(const uint8_t key[AEAD_KEY_SIZE], const uint8_t nonce[AEAD_NONCE_SIZE],
              const void *ad, size_t ad_len, const void *cipher, void *plain, size_t len,
              const uint8_t tag[AEAD_TAG_SIZE]);

#endif /* AXL_AEAD_H */
