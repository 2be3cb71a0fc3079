/* SPDX-License-Identifier: MIT */
/*
 * sweep_main.c: a host helper for tests/tools/test_swifi_objdump.py. Reads a
 * raw binary file (a .text section extracted with objcopy) and prints, for
 * each step of a linear sweep with x86_decode, "offset length" in decimal:
 * the length of the instruction, or -1 for a byte that did not decode (the
 * sweep then goes on at the next byte, as swifi_mutate does).
 */
#include <stdio.h>
#include <stdlib.h>

#include "swifi.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    size_t size = 0, cap = 1 << 16;
    uint8_t *buf = malloc(cap);
    for (size_t n; buf != NULL && (n = fread(buf + size, 1, cap - size, f)) > 0;) {
        size += n;
        if (size == cap) {
            cap *= 2;
            uint8_t *bigger = realloc(buf, cap);
            if (bigger == NULL) {
                free(buf);
            }
            buf = bigger;
        }
    }
    fclose(f);
    if (buf == NULL) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (size_t off = 0; off < size;) {
        struct x86_insn in;
        if (x86_decode(buf + off, size - off, &in) == 0) {
            printf("%zu %u\n", off, in.len);
            off += in.len;
        } else {
            printf("%zu -1\n", off);
            off++;
        }
    }
    free(buf);
    return 0;
}
