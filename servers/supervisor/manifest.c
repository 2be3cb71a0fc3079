/* SPDX-License-Identifier: MIT */
/*
 * manifest.c: the boot manifest parser (manifest.h, docs/manifest.md).
 *
 * The text is split into lines, each line is checked (length, control
 * bytes) and copied into a NUL-terminated buffer, and only that copy is
 * parsed, so nothing past the given length is ever read. Each line is a
 * section header or a `key = value` that belongs to the section above it.
 * An error is charged to the section it is in: the device or component is
 * marked invalid (with the first error as its reason), and parsing goes on
 * with the next line. A header that cannot start a section (bad, unknown
 * kind, duplicate or surplus name) makes the parser skip that section's
 * lines until the next header: they were never part of anything valid, and
 * reporting each as "outside any section" would bury the real error.
 *
 * Names are resolved once the whole file is read, since a component may
 * name a device or component declared below it.
 */
#include "manifest.h"

#include <stdarg.h>
#include <string.h>

/* ---------------------------------------------------------------------------
 * Characters, names, numbers
 */

static bool is_space(char c) { return c == ' ' || c == '\t'; }

static const char *skip_space(const char *s)
{
    while (is_space(*s)) {
        s++;
    }
    return s;
}

/* Device and component names: [a-z0-9-]. */
static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Module names are file names: also upper case, '.' and '_'. */
static bool is_module_char(char c)
{
    return is_name_char(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '_';
}

static bool valid_name_with(const char *s, bool (*ok)(char))
{
    size_t n = strlen(s);

    if (n < 1 || n > MF_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!ok(s[i])) {
            return false;
        }
    }
    return true;
}

static bool valid_name(const char *s) { return valid_name_with(s, is_name_char); }

/* Copies a string known to fit (checked by the caller) into dst of MF_NAME_MAX + 1 bytes. */
static void copy_name(char dst[MF_NAME_MAX + 1], const char *src)
{
    size_t n = strlen(src);

    if (n > MF_NAME_MAX) {
        n = MF_NAME_MAX;
    }
    memcpy(dst, src, n);
    dst[n] = 0;
}

/*
 * Reads a number at *s, decimal or hexadecimal after "0x", and moves *s
 * past it. False (and *s unchanged) if there is no digit or it overflows.
 */
static bool scan_number(const char **s, uint64_t *v)
{
    const char *p = *s;
    unsigned base = 10, digits = 0;
    uint64_t x = 0;

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    for (;; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9') {
            d = (unsigned)(*p - '0');
        } else if (base == 16 && *p >= 'a' && *p <= 'f') {
            d = (unsigned)(*p - 'a' + 10);
        } else if (base == 16 && *p >= 'A' && *p <= 'F') {
            d = (unsigned)(*p - 'A' + 10);
        } else {
            break;
        }
        if (x > (UINT64_MAX - d) / base) {
            return false;
        }
        x = x * base + d;
        digits++;
    }
    if (digits == 0) {
        return false;
    }
    *s = p;
    *v = x;
    return true;
}

/* The whole of s is one number. */
static bool parse_number(const char *s, uint64_t *v) { return scan_number(&s, v) && *s == 0; }

/* A byte count at *s: a number, optionally followed by K (KiB) or M (MiB). */
static bool scan_size(const char **s, uint64_t *v)
{
    const char *p = *s;
    uint64_t x, unit = 1;

    if (!scan_number(&p, &x)) {
        return false;
    }
    if (*p == 'K') {
        unit = 1024;
        p++;
    } else if (*p == 'M') {
        unit = 1024 * 1024;
        p++;
    }
    if (x > UINT64_MAX / unit) {
        return false;
    }
    *s = p;
    *v = x * unit;
    return true;
}

/* A duration in milliseconds: "<n>ms" or "<n>s", or a bare 0; at most MF_DURATION_MAX_MS. */
static bool parse_duration(const char *s, uint32_t *ms)
{
    uint64_t x;

    if (!scan_number(&s, &x)) {
        return false;
    }
    if (s[0] == 'm' && s[1] == 's' && s[2] == 0) {
        /* x is already milliseconds */
    } else if (s[0] == 's' && s[1] == 0) {
        if (x > MF_DURATION_MAX_MS / 1000) {
            return false;
        }
        x *= 1000;
    } else if (s[0] != 0 || x != 0) {
        return false; /* a unit is required, except for 0 */
    }
    if (x > MF_DURATION_MAX_MS) {
        return false;
    }
    *ms = (uint32_t)x;
    return true;
}

static bool parse_yes_no(const char *s, bool *v)
{
    if (strcmp(s, "yes") == 0 || strcmp(s, "no") == 0) {
        *v = s[0] == 'y';
        return true;
    }
    return false;
}

/*
 * Copies the next comma-separated item of a list at *s into item, without
 * the spaces around it, and moves *s past it and its comma. An empty item
 * ("a,,b", "a,") comes out as "". False once the last item was taken.
 */
static bool next_item(const char **s, char item[MF_LINE_MAX + 1])
{
    if (!*s) {
        return false;
    }
    const char *start = skip_space(*s), *p = start;
    while (*p && *p != ',') {
        p++;
    }
    const char *end = p;
    while (end > start && is_space(end[-1])) {
        end--;
    }
    memcpy(item, start, (size_t)(end - start)); /* within the line, so at most MF_LINE_MAX */
    item[end - start] = 0;
    *s = *p == ',' ? p + 1 : NULL;
    return true;
}

/* ---------------------------------------------------------------------------
 * Error messages
 *
 * A tiny formatter (the parser has no C library): %s a trusted string,
 * %t a token from the manifest (non-printing bytes shown as '?', cut after
 * 32 characters, so a message stays one readable line of bounded length),
 * %u an unsigned, %x an unsigned in hexadecimal with 0x.
 */

#define TOKEN_SHOWN 32

struct text {
    char *buf;
    size_t cap, len; /* len < cap; buf[len] == 0 */
};

static void put_char(struct text *t, char c)
{
    if (t->len + 1 < t->cap) {
        t->buf[t->len++] = c;
        t->buf[t->len] = 0;
    }
}

static void put_str(struct text *t, const char *s)
{
    while (*s) {
        put_char(t, *s++);
    }
}

/* v in base 10 or 16, with at least min digits. */
static void put_uint(struct text *t, unsigned v, unsigned base, unsigned min)
{
    char digits[16];
    unsigned n = 0;

    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v || n < min);
    while (n) {
        put_char(t, digits[--n]);
    }
}

static void put_token(struct text *t, const char *s)
{
    size_t i;

    for (i = 0; s[i] && i < TOKEN_SHOWN; i++) {
        put_char(t, s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
    }
    if (s[i]) {
        put_str(t, "...");
    }
}

static void vformat(struct text *t, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%' || !fmt[1]) {
            put_char(t, *fmt);
            continue;
        }
        switch (*++fmt) {
        case 's':
            put_str(t, va_arg(ap, const char *));
            break;
        case 't':
            put_token(t, va_arg(ap, const char *));
            break;
        case 'u':
            put_uint(t, va_arg(ap, unsigned), 10, 1);
            break;
        case 'x':
            put_str(t, "0x");
            put_uint(t, va_arg(ap, unsigned), 16, 2);
            break;
        default:
            put_char(t, *fmt);
            break;
        }
    }
}

/*
 * Records "line N: [<kind> '<name>': ]<message>" in m->errors (or counts it
 * when they are full), and copies it into *reason if that is still empty.
 */
static void verror(struct manifest *m, unsigned line, const char *kind, const char *name,
                   char *reason, const char *fmt, va_list ap)
{
    char msg[MF_MSG_MAX];
    struct text t = {msg, sizeof(msg), 0};

    msg[0] = 0;
    if (line) {
        put_str(&t, "line ");
        put_uint(&t, line, 10, 1);
        put_str(&t, ": ");
    }
    if (kind) {
        put_str(&t, kind);
        put_str(&t, " '");
        put_str(&t, name); /* a valid name: checked before a section exists */
        put_str(&t, "': ");
    }
    vformat(&t, fmt, ap);

    if (reason && !reason[0]) {
        memcpy(reason, msg, t.len + 1);
    }
    if (m->nerrors == MF_MAX_ERRORS) {
        m->errors_dropped++;
        return;
    }
    struct mf_error *e = &m->errors[m->nerrors++];
    e->line = line;
    memcpy(e->msg, msg, t.len + 1);
}

/* An error that belongs to no section. */
static void error_at(struct manifest *m, unsigned line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(m, line, NULL, NULL, NULL, fmt, ap);
    va_end(ap);
}

static void reject_component(struct manifest *m, struct mf_component *c, unsigned line,
                             const char *fmt, ...)
{
    va_list ap;
    c->valid = false;
    va_start(ap, fmt);
    verror(m, line, "component", c->name, c->reason, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------------------
 * The parser's state
 */

enum section {
    SEC_NONE,      /* before the first header: a key here is an error */
    SEC_SKIP,      /* after a header that started nothing: its lines are ignored */
    SEC_DEVICE,    /* in a [device], p->dev */
    SEC_COMPONENT, /* in a [component], p->comp */
    SEC_DOMAIN,    /* in a [domain], p->dom */
};

#define MAX_KEYS 24 /* keys of any section kind */

struct parser {
    struct manifest *m;
    enum section sec;
    struct mf_device *dev;
    struct mf_component *comp;
    struct mf_domain *dom;
    unsigned key_line[MAX_KEYS]; /* where each key of this section was given (0: not yet) */
};

/* An error in the section the parser is in: rejects its device or component. */
static void section_error(struct parser *p, unsigned line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    switch (p->sec) {
    case SEC_COMPONENT:
        p->comp->valid = false;
        verror(p->m, line, "component", p->comp->name, p->comp->reason, fmt, ap);
        break;
    case SEC_DEVICE:
        p->dev->valid = false;
        verror(p->m, line, "device", p->dev->name, p->dev->reason, fmt, ap);
        break;
    case SEC_DOMAIN:
        p->dom->valid = false;
        verror(p->m, line, "domain", p->dom->name, p->dom->reason, fmt, ap);
        break;
    case SEC_NONE:
        verror(p->m, line, NULL, NULL, NULL, fmt, ap);
        break;
    case SEC_SKIP:
        break; /* its header was reported; what follows it is not looked at */
    }
    va_end(ap);
}

/* "bad <key> '<value>' (<what is allowed>)" */
static void bad_value(struct parser *p, unsigned line, const char *key, const char *val,
                      const char *allowed)
{
    section_error(p, line, "bad %s '%t' (%s)", key, val, allowed);
}

/* ---------------------------------------------------------------------------
 * [device name]
 */

/* "port" or "first-last" (spaces allowed around the '-'), within 0..0xffff. */
static bool parse_port_range(const char *s, uint64_t *first, uint64_t *last)
{
    if (!scan_number(&s, first)) {
        return false;
    }
    s = skip_space(s);
    *last = *first;
    if (*s == '-') {
        s = skip_space(s + 1);
        if (!scan_number(&s, last)) {
            return false;
        }
    }
    return !*skip_space(s) && *first <= *last && *last <= 0xffff;
}

static void device_ioports(struct parser *p, unsigned line, const char *val)
{
    struct mf_device *d = p->dev;
    const char *s = val;
    char item[MF_LINE_MAX + 1];

    while (next_item(&s, item)) {
        uint64_t first, last;
        if (!parse_port_range(item, &first, &last)) {
            bad_value(p, line, "ioports range", item, "a port or first-last, within 0..0xffff");
            return;
        }
        if (d->nioports == MF_MAX_RANGES) {
            section_error(p, line, "too many ioports ranges (at most %u)", MF_MAX_RANGES);
            return;
        }
        d->ioports[d->nioports++] = (struct mf_ioports){(uint16_t)first, (uint16_t)last};
    }
}

static void device_irqs(struct parser *p, unsigned line, const char *val)
{
    struct mf_device *d = p->dev;
    const char *s = val;
    char item[MF_LINE_MAX + 1];

    while (next_item(&s, item)) {
        uint64_t irq;
        if (!parse_number(item, &irq) || irq >= MF_IRQ_COUNT) {
            bad_value(p, line, "irq", item, "0..23");
            return;
        }
        for (unsigned i = 0; i < d->nirqs; i++) {
            if (d->irqs[i] == irq) {
                section_error(p, line, "irq %u listed twice", (unsigned)irq);
                return;
            }
        }
        if (d->nirqs == MF_MAX_RANGES) {
            section_error(p, line, "too many irqs (at most %u)", MF_MAX_RANGES);
            return;
        }
        d->irqs[d->nirqs++] = (uint8_t)irq;
    }
}

/*
 * "base+length" (spaces allowed around the '+'; length may end in K or M):
 * both page aligned, 0 < length <= 1G, base + length <= 2^52. Written so
 * that nothing can wrap.
 */
static bool parse_mmio_range(const char *s, uint64_t *base, uint64_t *size)
{
    if (!scan_number(&s, base)) {
        return false;
    }
    s = skip_space(s);
    if (*s != '+') {
        return false;
    }
    s = skip_space(s + 1);
    return scan_size(&s, size) && !*skip_space(s) && *size != 0 && *size <= MF_MMIO_MAX_BYTES &&
           *base % MF_PAGE_SIZE == 0 && *size % MF_PAGE_SIZE == 0 && *base <= MF_PHYS_LIMIT - *size;
}

static void device_mmio(struct parser *p, unsigned line, const char *val)
{
    struct mf_device *d = p->dev;
    const char *s = val;
    char item[MF_LINE_MAX + 1];

    while (next_item(&s, item)) {
        uint64_t base, size;
        if (!parse_mmio_range(item, &base, &size)) {
            bad_value(p, line, "mmio range", item,
                      "base+length, page aligned, length at most 1G, below 2^52");
            return;
        }
        if (d->nmmio == MF_MAX_RANGES) {
            section_error(p, line, "too many mmio ranges (at most %u)", MF_MAX_RANGES);
            return;
        }
        d->mmio[d->nmmio++] = (struct mf_mmio){base, size};
    }
}

/* n hexadecimal digits (1..max) at *s, at most limit; moves *s past them. */
static bool scan_hex(const char **s, unsigned max, unsigned limit, uint8_t *v)
{
    const char *p = *s;
    unsigned x = 0, n = 0;

    for (; n < max; n++, p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9') {
            d = (unsigned)(*p - '0');
        } else if (*p >= 'a' && *p <= 'f') {
            d = (unsigned)(*p - 'a' + 10);
        } else if (*p >= 'A' && *p <= 'F') {
            d = (unsigned)(*p - 'A' + 10);
        } else {
            break;
        }
        x = x * 16 + d;
    }
    if (n == 0 || x > limit) {
        return false;
    }
    *s = p;
    *v = (uint8_t)x;
    return true;
}

/*
 * "BB:DD.F" as lspci writes it, in hexadecimal: bus 0..ff (one or two
 * digits), device 0..1f (one or two), function 0..7 (one). Segment 0 only.
 */
static void device_pci(struct parser *p, unsigned line, const char *val)
{
    const char *s = val;
    struct mf_pci f;

    if (!scan_hex(&s, 2, 0xff, &f.bus) || *s++ != ':' || !scan_hex(&s, 2, 0x1f, &f.dev) ||
        *s++ != '.' || !scan_hex(&s, 1, 7, &f.fn) || *s) {
        bad_value(p, line, "pci", val,
                  "BB:DD.F in hexadecimal: bus 00..ff, device 00..1f, function 0..7");
        return;
    }
    p->dev->has_pci = true;
    p->dev->pci = f;
}

struct key {
    const char *name;
    void (*parse)(struct parser *p, unsigned line, const char *val);
};

/* Of each memory BAR, only the first bytes (whole pages): a driver gets the registers it uses,
 * and a restart maps a page, not a whole BAR (the edu device's is 1 MiB: 256 pages). */
static void device_bar_bytes(struct parser *p, unsigned line, const char *val)
{
    const char *s = val;
    uint64_t v;

    if (!scan_size(&s, &v) || *s || v < 4096 || v % 4096) {
        bad_value(p, line, "bar-bytes", val, "a whole number of pages: 4K, 8K, ...");
        return;
    }
    p->dev->bar_bytes = v;
}

static const struct key device_keys[] = {
    {"ioports", device_ioports},
    {"irqs", device_irqs},
    {"mmio", device_mmio},
    {"pci", device_pci},
    {"bar-bytes", device_bar_bytes},
};

/* ---------------------------------------------------------------------------
 * [component name]
 */

static void comp_module(struct parser *p, unsigned line, const char *val)
{
    if (!valid_name_with(val, is_module_char)) {
        bad_value(p, line, "module", val, "A-Z, a-z, 0-9, '.', '_' and '-'; 1 to 23 characters");
        return;
    }
    copy_name(p->comp->module, val);
    p->comp->module_line = line;
}

static void comp_priority(struct parser *p, unsigned line, const char *val)
{
    uint64_t v;

    if (!parse_number(val, &v) || v < MF_PRIORITY_MIN || v > MF_PRIORITY_MAX) {
        bad_value(p, line, "priority", val, "1..254");
        return;
    }
    p->comp->priority = (unsigned)v;
}

static void comp_memory(struct parser *p, unsigned line, const char *val)
{
    const char *s = val;
    uint64_t v, rounded = 1;

    if (!scan_size(&s, &v) || *s || v < MF_MEMORY_MIN || v > MF_MEMORY_MAX) {
        bad_value(p, line, "memory", val, "16K..64M: bytes, or a number with suffix K or M");
        return;
    }
    /* An untyped object is a power of two in size: round up (64M is one, so this stays in range).
     */
    while (rounded < v) {
        rounded <<= 1;
    }
    p->comp->memory_requested = v;
    p->comp->memory = rounded;
}

/* A comma-separated list of names into refs[0..max); *count only set when all is well. */
static void name_list(struct parser *p, unsigned line, const char *key, const char *val,
                      struct mf_ref *refs, unsigned max, unsigned *count)
{
    const char *s = val;
    char item[MF_LINE_MAX + 1];
    unsigned n = 0;

    while (next_item(&s, item)) {
        if (!valid_name(item)) {
            section_error(p, line, "bad name '%t' in %s (a-z, 0-9 and '-'; 1 to 23 characters)",
                          item, key);
            return;
        }
        for (unsigned i = 0; i < n; i++) {
            if (strcmp(refs[i].name, item) == 0) {
                section_error(p, line, "'%t' listed twice in %s", item, key);
                return;
            }
        }
        if (n == max) {
            section_error(p, line, "too many %s (at most %u)", key, max);
            return;
        }
        copy_name(refs[n].name, item);
        refs[n].index = MF_NONE;
        n++;
    }
    *count = n;
}

static void comp_devices(struct parser *p, unsigned line, const char *val)
{
    p->comp->devices_line = line;
    name_list(p, line, "devices", val, p->comp->devices, MF_MAX_COMPONENT_DEVICES,
              &p->comp->ndevices);
}

static void comp_endpoints(struct parser *p, unsigned line, const char *val)
{
    p->comp->endpoints_line = line;
    name_list(p, line, "endpoints", val, p->comp->endpoints, MF_MAX_ENDPOINTS,
              &p->comp->nendpoints);
}

static void comp_pager(struct parser *p, unsigned line, const char *val)
{
    if (!valid_name(val)) {
        bad_value(p, line, "pager", val, "a component's name (a-z, 0-9 and '-'; 1 to 23 characters)");
        return;
    }
    p->comp->pager_line = line;
    copy_name(p->comp->pager.name, val);
    p->comp->pager.index = MF_NONE;
}

static void comp_args(struct parser *p, unsigned line, const char *val)
{
    size_t n = strlen(val);

    if (n > MF_ARGS_MAX) {
        section_error(p, line, "args longer than %u bytes", MF_ARGS_MAX);
        return;
    }
    memcpy(p->comp->args, val, n + 1);
}

static void comp_restart(struct parser *p, unsigned line, const char *val)
{
    for (unsigned i = MF_RESTART; i <= MF_ESCALATE; i++) {
        if (strcmp(val, manifest_restart_name(i)) == 0) {
            p->comp->restart = i;
            return;
        }
    }
    bad_value(p, line, "restart", val, "restart, give-up or escalate");
}

static void comp_max_restarts(struct parser *p, unsigned line, const char *val)
{
    uint64_t v;

    if (!parse_number(val, &v) || v > MF_MAX_RESTARTS_MAX) {
        bad_value(p, line, "max-restarts", val, "0..1000");
        return;
    }
    p->comp->max_restarts = (unsigned)v;
}

static void comp_restart_window(struct parser *p, unsigned line, const char *val)
{
    uint32_t ms;

    if (!parse_duration(val, &ms) || ms == 0) {
        bad_value(p, line, "restart-window", val, "a duration such as 500ms or 10s, up to 3600s");
        return;
    }
    p->comp->restart_window_ms = ms;
}

static void comp_heartbeat(struct parser *p, unsigned line, const char *val)
{
    uint32_t ms;

    if (!parse_duration(val, &ms)) {
        bad_value(p, line, "heartbeat", val, "0, or a duration such as 500ms or 10s, up to 3600s");
        return;
    }
    p->comp->heartbeat_ms = ms;
}

static void comp_critical(struct parser *p, unsigned line, const char *val)
{
    if (!parse_yes_no(val, &p->comp->critical)) {
        bad_value(p, line, "critical", val, "yes or no");
    }
}

static void comp_shutdown_on_exit(struct parser *p, unsigned line, const char *val)
{
    if (!parse_yes_no(val, &p->comp->shutdown_on_exit)) {
        bad_value(p, line, "shutdown-on-exit", val, "yes or no");
    }
}

static void comp_persist(struct parser *p, unsigned line, const char *val)
{
    const char *s = val;
    uint64_t v;

    if (!scan_size(&s, &v) || *s || v > MF_PERSIST_MAX || v % MF_PAGE_SIZE) {
        bad_value(p, line, "persist", val, "0..256K, a multiple of 4K (a number with suffix K)");
        return;
    }
    p->comp->persist = v;
}

/* The next space-separated word at *s into w (at most MF_LINE_MAX bytes); false at the end. */
static bool next_word(const char **s, char w[MF_LINE_MAX + 1])
{
    const char *start = skip_space(*s), *e = start;

    while (*e && !is_space(*e)) {
        e++;
    }
    memcpy(w, start, (size_t)(e - start));
    w[e - start] = 0;
    *s = e;
    return e != start;
}

/* A fault kind's name: 1..23 of lower-case letters, digits and '-'. */
static bool valid_kind(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-')) {
            return false;
        }
    }
    return n >= 1 && n <= MF_INJECT_NAME_MAX;
}

/* inject = KIND [after N] [seed S]: the pairs in either order, each at most once. */
static void comp_inject(struct parser *p, unsigned line, const char *val)
{
    static const char *const usage = "KIND [after N] [seed S], e.g. null-read after 3 seed 7";
    char kind[MF_LINE_MAX + 1], key[MF_LINE_MAX + 1], num[MF_LINE_MAX + 1];
    const char *s = val;
    uint64_t after = 0, seed = 0, v;
    bool have_after = false, have_seed = false;

    if (!next_word(&s, kind) || !valid_kind(kind)) {
        bad_value(p, line, "inject", val, usage);
        return;
    }
    while (next_word(&s, key)) {
        bool is_after = strcmp(key, "after") == 0, is_seed = strcmp(key, "seed") == 0;
        if ((!is_after && !is_seed) || (is_after && have_after) || (is_seed && have_seed) ||
            !next_word(&s, num) || !parse_number(num, &v)) {
            bad_value(p, line, "inject", val, usage);
            return;
        }
        if (is_after) {
            after = v;
            have_after = true;
        } else {
            seed = v;
            have_seed = true;
        }
    }
    memcpy(p->comp->inject, kind, strlen(kind) + 1);
    p->comp->inject_after = after;
    p->comp->inject_seed = seed;
}

static void comp_inject_every_start(struct parser *p, unsigned line, const char *val)
{
    if (!parse_yes_no(val, &p->comp->inject_every_start)) {
        bad_value(p, line, "inject-every-start", val, "yes or no");
    }
}

static void comp_may_read_pstore(struct parser *p, unsigned line, const char *val)
{
    if (!parse_yes_no(val, &p->comp->may_read_pstore)) {
        bad_value(p, line, "may-read-pstore", val, "yes or no");
    }
}

static void comp_kernel_driver(struct parser *p, unsigned line, const char *val)
{
    if (!parse_yes_no(val, &p->comp->kernel_driver)) {
        bad_value(p, line, "kernel-driver", val, "yes or no");
    }
}

static void comp_may_inject(struct parser *p, unsigned line, const char *val)
{
    if (!parse_yes_no(val, &p->comp->may_inject)) {
        bad_value(p, line, "may-inject", val, "yes or no");
    }
}

/* domain = name: resolved at the end, like endpoints. */
static void comp_domain(struct parser *p, unsigned line, const char *val)
{
    if (!valid_name(val)) {
        bad_value(p, line, "domain", val, "a-z, 0-9 and '-'; 1 to 23 characters");
        return;
    }
    copy_name(p->comp->domain.name, val);
    p->comp->domain_line = line;
}

/* may-spawn = module, ...: boot module names, matched by manifest_check_modules. */
static void comp_may_spawn(struct parser *p, unsigned line, const char *val)
{
    const char *s = val;
    char item[MF_LINE_MAX + 1];
    unsigned n = 0;

    while (next_item(&s, item)) {
        if (!valid_name_with(item, is_module_char)) {
            section_error(p, line, "bad module '%t' in may-spawn (A-Z, a-z, 0-9, '.', '_' and "
                          "'-'; 1 to 23 characters)", item);
            return;
        }
        for (unsigned i = 0; i < n; i++) {
            if (strcmp(p->comp->spawn[i], item) == 0) {
                section_error(p, line, "'%t' listed twice in may-spawn", item);
                return;
            }
        }
        if (n == MF_MAX_SPAWN) {
            section_error(p, line, "too many may-spawn (at most %u)", MF_MAX_SPAWN);
            return;
        }
        copy_name(p->comp->spawn[n++], item);
    }
    p->comp->nspawn = n;
    p->comp->spawn_line = line;
}

static void comp_may_kill(struct parser *p, unsigned line, const char *val)
{
    if (!parse_yes_no(val, &p->comp->may_kill)) {
        bad_value(p, line, "may-kill", val, "yes or no");
    }
}

static const struct key component_keys[] = {
    {"module", comp_module},
    {"priority", comp_priority},
    {"memory", comp_memory},
    {"devices", comp_devices},
    {"endpoints", comp_endpoints},
    {"pager", comp_pager},
    {"args", comp_args},
    {"restart", comp_restart},
    {"max-restarts", comp_max_restarts},
    {"restart-window", comp_restart_window},
    {"heartbeat", comp_heartbeat},
    {"critical", comp_critical},
    {"shutdown-on-exit", comp_shutdown_on_exit},
    {"persist", comp_persist},
    {"inject", comp_inject},
    {"inject-every-start", comp_inject_every_start},
    {"may-inject", comp_may_inject},
    {"may-read-pstore", comp_may_read_pstore},
    {"kernel-driver", comp_kernel_driver},
    {"domain", comp_domain},
    {"may-spawn", comp_may_spawn},
    {"may-kill", comp_may_kill},
};

/* ---------------------------------------------------------------------------
 * [domain name]
 */

static void domain_memory(struct parser *p, unsigned line, const char *val)
{
    const char *s = val;
    uint64_t v, rounded = 1;

    if (!scan_size(&s, &v) || *s || v < MF_DOMAIN_MEMORY_MIN || v > MF_DOMAIN_MEMORY_MAX) {
        bad_value(p, line, "memory", val, "64K..64M: bytes, or a number with suffix K or M");
        return;
    }
    while (rounded < v) {
        rounded <<= 1; /* the domain is one untyped object: a power of two */
    }
    p->dom->memory_requested = v;
    p->dom->memory = rounded;
}

static void domain_max_procs(struct parser *p, unsigned line, const char *val)
{
    uint64_t v;

    if (!parse_number(val, &v) || v < 1 || v > MF_DOMAIN_PROCS_MAX) {
        bad_value(p, line, "max-procs", val, "1..32");
        return;
    }
    p->dom->max_procs = (unsigned)v;
}

static void domain_priority(struct parser *p, unsigned line, const char *val)
{
    uint64_t v;

    if (!parse_number(val, &v) || v < MF_PRIORITY_MIN || v > MF_PRIORITY_MAX) {
        bad_value(p, line, "priority", val, "1..254");
        return;
    }
    p->dom->priority = (unsigned)v;
}

static const struct key domain_keys[] = {
    {"memory", domain_memory},
    {"max-procs", domain_max_procs},
    {"priority", domain_priority},
};

_Static_assert(sizeof(component_keys) / sizeof(component_keys[0]) <= MAX_KEYS, "key_line");

/* ---------------------------------------------------------------------------
 * Lines
 */

/* Starts a section: [device name] or [component name]. s is after the '['. */
static void section_header(struct parser *p, unsigned line, char *s)
{
    struct manifest *m = p->m;
    char *close = s;

    p->sec = SEC_SKIP; /* until the header is known to be good */
    while (*close && *close != ']') {
        close++;
    }
    if (!*close || (*skip_space(close + 1) && *skip_space(close + 1) != '#')) {
        error_at(m, line, "bad section header (expected [device name], [component name] or "
                 "[domain name])");
        return;
    }
    *close = 0;

    /* Two words inside the brackets: the kind and the name. */
    char *kind = (char *)skip_space(s), *name;
    for (s = kind; *s && !is_space(*s); s++) {
    }
    name = (char *)skip_space(s);
    *s = 0;
    for (s = name; *s && !is_space(*s); s++) {
    }
    if (!*kind || !*name || *skip_space(s)) {
        error_at(m, line, "bad section header (expected [device name], [component name] or "
                 "[domain name])");
        return;
    }
    *s = 0;

    bool device = strcmp(kind, "device") == 0, domain = strcmp(kind, "domain") == 0;
    if (!device && !domain && strcmp(kind, "component") != 0) {
        error_at(m, line, "unknown section kind '%t' (device, component or domain)", kind);
        return;
    }
    if (!valid_name(name)) {
        error_at(m, line, "bad %s name '%t' (a-z, 0-9 and '-'; 1 to 23 characters)", kind, name);
        return;
    }
    unsigned count = device ? m->ndevices : domain ? m->ndomains : m->ncomponents;
    for (unsigned i = 0; i < count; i++) {
        const char *other = device ? m->devices[i].name
                            : domain ? m->domains[i].name
                                     : m->components[i].name;
        unsigned at = device ? m->devices[i].line : domain ? m->domains[i].line
                                                           : m->components[i].line;
        if (strcmp(other, name) == 0) {
            error_at(m, line, "duplicate %s '%t' (first at line %u)", kind, name, at);
            return;
        }
    }
    unsigned limit = device ? MF_MAX_DEVICES : domain ? MF_MAX_DOMAINS : MF_MAX_COMPONENTS;
    if (count == limit) {
        error_at(m, line, "too many %ss (at most %u): '%t' ignored", kind, count, name);
        return;
    }

    memset(p->key_line, 0, sizeof(p->key_line));
    if (domain) {
        struct mf_domain *d = &m->domains[m->ndomains++];
        copy_name(d->name, name);
        d->line = line;
        d->valid = true;
        d->memory = 0; /* required */
        d->max_procs = MF_DEFAULT_MAX_PROCS;
        d->priority = MF_PRIORITY_MAX;
        p->dom = d;
        p->sec = SEC_DOMAIN;
        return;
    }
    if (device) {
        struct mf_device *d = &m->devices[m->ndevices++];
        copy_name(d->name, name);
        d->line = line;
        d->valid = true;
        p->dev = d;
        p->sec = SEC_DEVICE;
        return;
    }
    struct mf_component *c = &m->components[m->ncomponents++];
    copy_name(c->name, name);
    c->line = line;
    c->valid = true;
    copy_name(c->module, name); /* the default: a module named like the component */
    c->module_line = line;
    c->module_index = -1;
    c->priority = MF_DEFAULT_PRIORITY;
    c->memory = c->memory_requested = MF_DEFAULT_MEMORY;
    c->restart = MF_RESTART;
    c->max_restarts = MF_DEFAULT_MAX_RESTARTS;
    c->restart_window_ms = MF_DEFAULT_RESTART_WINDOW_MS;
    c->domain.index = MF_NONE;
    p->comp = c;
    p->sec = SEC_COMPONENT;
}

/*
 * The value after '=': a "quoted string" (escapes \" and \\) or the text up
 * to a '#' with the spaces around it trimmed. Unquoted in place; NULL (and
 * the error reported) if malformed.
 */
static char *value(struct parser *p, unsigned line, char *s)
{
    s = (char *)skip_space(s);
    if (*s != '"') {
        char *end = s;
        while (*end && *end != '#') {
            end++;
        }
        while (end > s && is_space(end[-1])) {
            end--;
        }
        *end = 0;
        return s;
    }
    char *out = s, *in = s + 1; /* out never passes in: the string shrinks as it is unquoted */
    while (*in && *in != '"') {
        if (*in == '\\') {
            in++;
            if (*in != '"' && *in != '\\') {
                section_error(p, line, "bad escape in a string (only \\\" and \\\\)");
                return NULL;
            }
        }
        *out++ = *in++;
    }
    if (!*in) {
        section_error(p, line, "unterminated string");
        return NULL;
    }
    in = (char *)skip_space(in + 1);
    if (*in && *in != '#') {
        section_error(p, line, "text after the closing quote");
        return NULL;
    }
    *out = 0;
    return s;
}

/* key = value, in whatever section the parser is in. */
static void assignment(struct parser *p, unsigned line, char *s)
{
    if (p->sec == SEC_SKIP) {
        return;
    }
    char *key = s;
    while (*s && *s != '=' && !is_space(*s)) {
        s++;
    }
    char *key_end = s;
    s = (char *)skip_space(s);
    if (*s != '=' || key_end == key) {
        section_error(p, line, "expected 'key = value'");
        return;
    }
    *key_end = 0; /* may overwrite the '=' itself: s already points past it below */
    char *val = value(p, line, s + 1);
    if (!val) {
        return;
    }
    if (p->sec == SEC_NONE) {
        error_at(p->m, line, "key '%t' outside any section", key);
        return;
    }

    const struct key *keys = p->sec == SEC_DEVICE   ? device_keys
                             : p->sec == SEC_DOMAIN ? domain_keys
                                                    : component_keys;
    size_t nkeys = p->sec == SEC_DEVICE   ? sizeof(device_keys) / sizeof(device_keys[0])
                   : p->sec == SEC_DOMAIN ? sizeof(domain_keys) / sizeof(domain_keys[0])
                                          : sizeof(component_keys) / sizeof(component_keys[0]);
    for (size_t i = 0; i < nkeys; i++) {
        if (strcmp(key, keys[i].name) != 0) {
            continue;
        }
        if (p->key_line[i]) {
            section_error(p, line, "duplicate key '%s' (first at line %u)", keys[i].name,
                          p->key_line[i]);
            return;
        }
        p->key_line[i] = line;
        if (!*val && keys[i].parse != comp_args) {
            section_error(p, line, "no value for '%s'", keys[i].name);
            return;
        }
        keys[i].parse(p, line, val);
        return;
    }
    section_error(p, line, "unknown key '%t'", key);
}

/* One line, s[0..n) without its end; n may exceed MF_LINE_MAX and s may hold any bytes. */
static void parse_line(struct parser *p, unsigned line, const char *s, size_t n)
{
    char buf[MF_LINE_MAX + 1];
    size_t lead = 0;
    const char *problem = NULL; /* a format: %s is where a prefix goes, %x the byte */
    unsigned byte = 0;

    while (lead < n && is_space(s[lead])) {
        lead++;
    }
    if (n > MF_LINE_MAX) {
        problem = "%sline longer than 255 bytes";
    } else {
        for (size_t i = 0; i < n && !problem; i++) {
            byte = (unsigned char)s[i];
            if (byte == 0) {
                problem = "%sNUL byte in the line";
            } else if ((byte < 0x20 && byte != '\t') || byte == 0x7f) {
                problem = "%scontrol character %x in the line";
            }
        }
    }
    if (problem) {
        /* A broken header still ends the section above it: its lines must not land there. */
        if (lead < n && s[lead] == '[') {
            p->sec = SEC_SKIP;
            error_at(p->m, line, problem, "bad section header: ", byte);
        } else {
            section_error(p, line, problem, "", byte);
        }
        return;
    }
    memcpy(buf, s, n);
    buf[n] = 0;

    char *t = buf + lead;
    if (*t == 0 || *t == '#') {
        return;
    }
    if (*t == '[') {
        section_header(p, line, t + 1);
    } else {
        assignment(p, line, t);
    }
}

/* ---------------------------------------------------------------------------
 * References
 */

static unsigned find_device(const struct manifest *m, const char *name)
{
    for (unsigned i = 0; i < m->ndevices; i++) {
        if (strcmp(m->devices[i].name, name) == 0) {
            return i;
        }
    }
    return MF_NONE;
}

static void reject_domain(struct manifest *m, struct mf_domain *d, unsigned line,
                          const char *fmt, ...)
{
    va_list ap;
    d->valid = false;
    va_start(ap, fmt);
    verror(m, line, "domain", d->name, d->reason, fmt, ap);
    va_end(ap);
}

static unsigned find_domain(const struct manifest *m, const char *name)
{
    for (unsigned i = 0; i < m->ndomains; i++) {
        if (strcmp(m->domains[i].name, name) == 0) {
            return i;
        }
    }
    return MF_NONE;
}

/*
 * Domains: one without memory is rejected; a component naming an unknown or
 * rejected domain is rejected; so is one that would put more components in a
 * domain than its max-procs (the later ones), and one with may-spawn but no
 * domain (a private domain holds one process).
 */
static void resolve_domains(struct manifest *m)
{
    unsigned members[MF_MAX_DOMAINS] = {0};

    for (unsigned i = 0; i < m->ndomains; i++) {
        struct mf_domain *d = &m->domains[i];
        if (d->valid && d->memory == 0) {
            reject_domain(m, d, d->line, "no memory (memory = SIZE is required)");
        }
    }
    for (unsigned i = 0; i < m->ncomponents; i++) {
        struct mf_component *c = &m->components[i];
        if (!c->domain.name[0]) {
            if (c->nspawn && c->valid && !c->may_kill) {
                reject_component(m, c, c->spawn_line,
                                 "may-spawn needs a domain (domain = name) or may-kill (an "
                                 "operator starts jobs in other domains)");
            }
            continue;
        }
        unsigned d = find_domain(m, c->domain.name);
        c->domain.index = (uint8_t)d;
        if (d == MF_NONE) {
            reject_component(m, c, c->domain_line, "no domain '%s'", c->domain.name);
        } else if (!m->domains[d].valid) {
            reject_component(m, c, c->domain_line, "domain '%s' was rejected", c->domain.name);
        } else if (c->valid && c->priority > m->domains[d].priority) {
            reject_component(m, c, c->domain_line,
                             "priority %u is above the highest its domain '%s' allows (%u)",
                             c->priority, c->domain.name, m->domains[d].priority);
        } else if (c->valid && ++members[d] > m->domains[d].max_procs) {
            reject_component(m, c, c->domain_line,
                             "domain '%s' is full: it holds at most %u processes (max-procs)",
                             c->domain.name, m->domains[d].max_procs);
        }
    }
}

static unsigned find_component(const struct manifest *m, const char *name)
{
    for (unsigned i = 0; i < m->ncomponents; i++) {
        if (strcmp(m->components[i].name, name) == 0) {
            return i;
        }
    }
    return MF_NONE;
}

/*
 * Rejects every valid component with an endpoint to a rejected one, until
 * nothing changes: a rejection can make another (A calls B calls C). Each
 * pass rejects at least one more component or ends, so this terminates.
 */
static void reject_callers_of_rejected(struct manifest *m)
{
    bool changed;

    do {
        changed = false;
        for (unsigned i = 0; i < m->ncomponents; i++) {
            struct mf_component *c = &m->components[i];
            for (unsigned j = 0; c->valid && j < c->nendpoints; j++) {
                unsigned to = c->endpoints[j].index;
                if (to != MF_NONE && to != i && !m->components[to].valid) {
                    reject_component(m, c, c->endpoints_line,
                                     "component '%s' was rejected (endpoint to a rejected "
                                     "component)",
                                     c->endpoints[j].name);
                    changed = true;
                }
            }
            unsigned pg = c->pager.index;
            if (c->valid && c->pager.name[0] && pg != MF_NONE && pg != i &&
                !m->components[pg].valid) {
                reject_component(m, c, c->pager_line,
                                 "component '%s' was rejected (pager is a rejected component)",
                                 c->pager.name);
                changed = true;
            }
        }
    } while (changed);
}

/* Names to indices. A name that does not exist is always reported; a rejected device only
 * when it is what rejects the component (a rejected component is not started anyway). */
static void resolve(struct manifest *m)
{
    for (unsigned i = 0; i < m->ncomponents; i++) {
        struct mf_component *c = &m->components[i];
        for (unsigned j = 0; j < c->ndevices; j++) {
            struct mf_ref *r = &c->devices[j];
            r->index = (uint8_t)find_device(m, r->name);
            if (r->index == MF_NONE) {
                reject_component(m, c, c->devices_line,
                                 "no device '%s' (capability to an unknown device)", r->name);
            } else if (!m->devices[r->index].valid && c->valid) {
                reject_component(m, c, c->devices_line,
                                 "device '%s' was rejected (capability to an invalid device)",
                                 r->name);
            }
        }
        for (unsigned j = 0; j < c->nendpoints; j++) {
            struct mf_ref *r = &c->endpoints[j];
            r->index = (uint8_t)find_component(m, r->name);
            if (r->index == MF_NONE) {
                reject_component(m, c, c->endpoints_line,
                                 "no component '%s' (endpoint to an unknown component)", r->name);
            } else if (r->index == i) {
                reject_component(m, c, c->endpoints_line, "endpoint to itself");
            }
        }
        if (c->pager.name[0]) {
            c->pager.index = (uint8_t)find_component(m, c->pager.name);
            if (c->pager.index == MF_NONE) {
                reject_component(m, c, c->pager_line,
                                 "no component '%s' (pager is an unknown component)",
                                 c->pager.name);
            } else if (c->pager.index == i) {
                reject_component(m, c, c->pager_line, "pager is itself");
            }
        }
    }
    resolve_domains(m);
    reject_callers_of_rejected(m);
}

static unsigned count_valid(const struct manifest *m)
{
    unsigned n = 0;

    for (unsigned i = 0; i < m->ncomponents; i++) {
        n += m->components[i].valid;
    }
    return n;
}

/* ---------------------------------------------------------------------------
 * The interface
 */

unsigned manifest_parse(struct manifest *m, const char *text, size_t len)
{
    struct parser p = {.m = m, .sec = SEC_NONE};
    size_t pos = 0;
    unsigned line = 0;

    memset(m, 0, sizeof(*m));
    while (pos < len) {
        size_t start = pos, end = pos;
        while (end < len && text[end] != '\n') {
            end++;
        }
        pos = end < len ? end + 1 : end;
        if (end > start && text[end - 1] == '\r') {
            end--; /* CRLF */
        }
        parse_line(&p, ++line, text + start, end - start);
    }
    resolve(m);
    return count_valid(m);
}

/*
 * name is want (exact), or want followed by ".elf". Reads name only while
 * it matches, so a name is never read past its NUL.
 */
static bool module_matches(const char *want, const char *name, bool exact)
{
    size_t i = 0;

    for (; want[i]; i++) {
        if (name[i] != want[i]) {
            return false;
        }
    }
    name += i;
    if (exact) {
        return name[0] == 0;
    }
    return name[0] == '.' && name[1] == 'e' && name[2] == 'l' && name[3] == 'f' && name[4] == 0;
}

/* The index of the boot module want names, or -1. An exact name wins over "<want>.elf",
 * whatever their order. */
static int find_module(const char *want, const char *const *names, size_t n)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t j = 0; j < n; j++) {
            if (names[j] && module_matches(want, names[j], pass == 0)) {
                return (int)j;
            }
        }
    }
    return -1;
}

unsigned manifest_check_modules(struct manifest *m, const char *const *names, size_t n)
{
    for (unsigned i = 0; i < m->ncomponents; i++) {
        struct mf_component *c = &m->components[i];
        c->module_index = find_module(c->module, names, n);
        if (c->module_index < 0 && c->valid) {
            reject_component(m, c, c->module_line, "no boot module '%s'", c->module);
        }
        for (unsigned k = 0; k < c->nspawn; k++) {
            c->spawn_index[k] = find_module(c->spawn[k], names, n);
            if (c->spawn_index[k] < 0 && c->valid) {
                reject_component(m, c, c->spawn_line, "no boot module '%s' (in may-spawn)",
                                 c->spawn[k]);
            }
        }
    }
    reject_callers_of_rejected(m);
    return count_valid(m);
}

const char *manifest_restart_name(enum mf_restart_policy p)
{
    switch (p) {
    case MF_RESTART:
        return "restart";
    case MF_GIVE_UP:
        return "give-up";
    case MF_ESCALATE:
        return "escalate";
    }
    return "?";
}
