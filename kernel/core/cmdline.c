/* SPDX-License-Identifier: MIT */
/*
 * cmdline.c: looking up "key=value" words in the kernel command line.
 */
#include <cmdline.h>
#include <fmt.h>

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

int cmdline_get_uint(const char *cmdline, const char *key, uint64_t max, uint64_t *out)
{
    char buf[24];
    int len = cmdline_get(cmdline, key, buf, sizeof(buf));

    if (len < 0) {
        return -1;
    }
    if (len == 0 || len >= (int)sizeof(buf)) {
        return -2;
    }
    unsigned base = 10;
    const char *p = buf;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (*p == '\0') {
        return -2;
    }
    uint64_t v = 0;
    for (; *p; p++) {
        int digit = fmt_digit_value(*p);
        unsigned d = (unsigned)digit;
        if (digit < 0 || d >= base || v > (UINT64_MAX - d) / base) {
            return -2;
        }
        v = v * base + d;
    }
    if (v > max) {
        return -2;
    }
    *out = v;
    return 0;
}
