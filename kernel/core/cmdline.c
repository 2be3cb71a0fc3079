/* SPDX-License-Identifier: MIT */
/*
 * cmdline.c: looking up "key=value" words in the kernel command line.
 */
#include <cmdline.h>

int cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
    int found = -1;
    size_t klen = 0;

    while (key[klen]) {
        klen++;
    }
    for (const char *w = cmdline; *w;) {
        while (*w == ' ') {
            w++;
        }
        const char *end = w;
        while (*end && *end != ' ') {
            end++;
        }
        size_t wlen = (size_t)(end - w);
        bool match = wlen >= klen && klen > 0;
        for (size_t i = 0; match && i < klen; i++) {
            match = w[i] == key[i];
        }
        if (match && (wlen == klen || w[klen] == '=')) {
            const char *v = wlen == klen ? end : w + klen + 1;
            size_t vlen = (size_t)(end - v);
            if (size > 0) {
                size_t n = vlen < size - 1 ? vlen : size - 1;
                for (size_t i = 0; i < n; i++) {
                    buf[i] = v[i];
                }
                buf[n] = '\0';
            }
            found = vlen > INT32_MAX ? INT32_MAX : (int)vlen; /* the last occurrence wins */
        }
        w = end;
    }
    return found;
}
