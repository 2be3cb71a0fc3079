/* SPDX-License-Identifier: MIT */
/*
 * fmt.c: kvsnprintf, a C11-compatible subset of vsnprintf (see fmt.h).
 *
 * Output goes through a bounded cursor that counts what would have been
 * written, so truncation never overruns and the return value matches C11.
 * No allocation, no locks, no global state: safe on the panic path.
 */
#include <fmt.h>

struct out {
    char *buf;
    size_t size, len; /* len counts every character, written or not */
};

static void out_c(struct out *o, char c)
{
    if (o->len + 1 < o->size) {
        o->buf[o->len] = c;
    }
    o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
    while (n-- > 0) {
        out_c(o, c);
    }
}

struct spec {
    bool left, zero, plus, space, alt;
    int width, prec; /* prec < 0: none */
};

/* Emits digits (already reversed in tmp) with sign/prefix, padding and precision. */
static void out_number(struct out *o, const struct spec *sp, const char *prefix, const char *digits,
                       int ndigits)
{
    int plen = 0;
    while (prefix[plen]) {
        plen++;
    }
    int zeros = sp->prec > ndigits ? sp->prec - ndigits : 0;
    int body = plen + zeros + ndigits;
    int pad = sp->width > body ? sp->width - body : 0;

    if (sp->zero && !sp->left && sp->prec < 0) {
        zeros += pad;
        pad = 0;
    }
    if (!sp->left) {
        out_pad(o, ' ', pad);
    }
    for (int i = 0; i < plen; i++) {
        out_c(o, prefix[i]);
    }
    out_pad(o, '0', zeros);
    for (int i = ndigits - 1; i >= 0; i--) {
        out_c(o, digits[i]);
    }
    if (sp->left) {
        out_pad(o, ' ', pad);
    }
}

static void fmt_unsigned(struct out *o, const struct spec *sp, uintmax_t v, unsigned base,
                         bool upper, const char *prefix)
{
    const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;

    /* C11: a zero value with precision 0 prints no digits. */
    if (!(v == 0 && sp->prec == 0)) {
        do {
            tmp[n++] = dig[v % base];
            v /= base;
        } while (v);
    }
    out_number(o, sp, prefix, tmp, n);
}

static void fmt_string(struct out *o, const struct spec *sp, const char *s)
{
    if (!s) {
        s = "(null)";
    }
    int n = 0;
    while (s[n] && (sp->prec < 0 || n < sp->prec)) {
        n++;
    }
    int pad = sp->width > n ? sp->width - n : 0;
    if (!sp->left) {
        out_pad(o, ' ', pad);
    }
    for (int i = 0; i < n; i++) {
        out_c(o, s[i]);
    }
    if (sp->left) {
        out_pad(o, ' ', pad);
    }
}

enum len_mod { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_PTRDIFF, LEN_MAX };

static const char *parse_spec(const char *f, struct spec *sp, enum len_mod *len, va_list *ap)
{
    *sp = (struct spec){.prec = -1};
    for (;; f++) {
        if (*f == '-') {
            sp->left = true;
        } else if (*f == '0') {
            sp->zero = true;
        } else if (*f == '+') {
            sp->plus = true;
        } else if (*f == ' ') {
            sp->space = true;
        } else if (*f == '#') {
            sp->alt = true;
        } else {
            break;
        }
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) {
            sp->left = true;
            sp->width = -sp->width;
        }
        f++;
    } else {
        while (*f >= '0' && *f <= '9') {
            sp->width = sp->width * 10 + (*f++ - '0');
        }
    }
    if (*f == '.') {
        f++;
        sp->prec = 0;
        if (*f == '*') {
            sp->prec = va_arg(*ap, int);
            f++;
        } else {
            while (*f >= '0' && *f <= '9') {
                sp->prec = sp->prec * 10 + (*f++ - '0');
            }
        }
    }
    *len = LEN_INT;
    if (f[0] == 'h' && f[1] == 'h') {
        *len = LEN_CHAR, f += 2;
    } else if (f[0] == 'h') {
        *len = LEN_SHORT, f++;
    } else if (f[0] == 'l' && f[1] == 'l') {
        *len = LEN_LLONG, f += 2;
    } else if (f[0] == 'l') {
        *len = LEN_LONG, f++;
    } else if (f[0] == 'z') {
        *len = LEN_SIZE, f++;
    } else if (f[0] == 't') {
        *len = LEN_PTRDIFF, f++;
    } else if (f[0] == 'j') {
        *len = LEN_MAX, f++;
    }
    return f;
}

static intmax_t arg_signed(enum len_mod len, va_list *ap)
{
    switch (len) {
    case LEN_CHAR:
        return (signed char)va_arg(*ap, int);
    case LEN_SHORT:
        return (short)va_arg(*ap, int);
    case LEN_LONG:
        return va_arg(*ap, long);
    case LEN_LLONG:
        return va_arg(*ap, long long);
    case LEN_SIZE:
        return (intmax_t)va_arg(*ap, size_t);
    case LEN_PTRDIFF:
        return va_arg(*ap, ptrdiff_t);
    case LEN_MAX:
        return va_arg(*ap, intmax_t);
    default:
        return va_arg(*ap, int);
    }
}

static uintmax_t arg_unsigned(enum len_mod len, va_list *ap)
{
    switch (len) {
    case LEN_CHAR:
        return (unsigned char)va_arg(*ap, unsigned);
    case LEN_SHORT:
        return (unsigned short)va_arg(*ap, unsigned);
    case LEN_LONG:
        return va_arg(*ap, unsigned long);
    case LEN_LLONG:
        return va_arg(*ap, unsigned long long);
    case LEN_SIZE:
        return va_arg(*ap, size_t);
    case LEN_PTRDIFF:
        return (uintmax_t)va_arg(*ap, ptrdiff_t);
    case LEN_MAX:
        return va_arg(*ap, uintmax_t);
    default:
        return va_arg(*ap, unsigned);
    }
}

static void fmt_one(struct out *o, char conv, const struct spec *sp, enum len_mod len, va_list *ap)
{
    switch (conv) {
    case 'd':
    case 'i': {
        intmax_t v = arg_signed(len, ap);
        uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
        fmt_unsigned(o, sp, mag, 10, false, v < 0 ? "-" : sp->plus ? "+" : sp->space ? " " : "");
        break;
    }
    case 'u':
        fmt_unsigned(o, sp, arg_unsigned(len, ap), 10, false, "");
        break;
    case 'o':
        fmt_unsigned(o, sp, arg_unsigned(len, ap), 8, false, sp->alt ? "0" : "");
        break;
    case 'x':
    case 'X': {
        uintmax_t v = arg_unsigned(len, ap);
        fmt_unsigned(o, sp, v, 16, conv == 'X', (sp->alt && v) ? (conv == 'X' ? "0X" : "0x") : "");
        break;
    }
    case 'p': {
        struct spec ps = *sp;
        fmt_unsigned(o, &ps, (uintptr_t)va_arg(*ap, void *), 16, false, "0x");
        break;
    }
    case 'c': {
        char c[2] = {(char)va_arg(*ap, int), 0};
        struct spec cs = *sp;
        cs.prec = 1;
        if (c[0] == 0) {
            out_c(o, 0); /* a NUL char is still one character of output */
        } else {
            fmt_string(o, &cs, c);
        }
        break;
    }
    case 's':
        fmt_string(o, sp, va_arg(*ap, const char *));
        break;
    case '%':
        out_c(o, '%');
        break;
    default: /* unknown conversion: print it verbatim so the bug is visible */
        out_c(o, '%');
        if (conv) {
            out_c(o, conv);
        }
        break;
    }
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    va_list aq;

    va_copy(aq, ap);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            out_c(&o, *f);
            continue;
        }
        struct spec sp;
        enum len_mod len;
        f = parse_spec(f + 1, &sp, &len, &aq);
        fmt_one(&o, *f, &sp, len, &aq);
        if (!*f) {
            break;
        }
    }
    va_end(aq);
    if (size > 0) {
        buf[o.len < size ? o.len : size - 1] = '\0';
    }
    return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
