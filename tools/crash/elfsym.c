/* SPDX-License-Identifier: MIT */
/*
 * elfsym.c: what the decoder knows about the kernel ELF: its GNU build id
 * (read from the file's notes), its symbol table (parsed from `nm -n -S`
 * output, which exec.c produces), and the classification of an address
 * (CR2) by that table. Pure: the programs are run elsewhere.
 */
#include <stdlib.h>
#include <string.h>

#include <fmt.h>

#include "crash.h"

#define SHT_NOTE 7
#define PT_NOTE 4
#define NT_GNU_BUILD_ID 3

static bool in_file(size_t len, uint64_t off, uint64_t n) { return off <= len && n <= len - off; }

static size_t notes_build_id(const uint8_t *p, uint64_t n, uint8_t *id, size_t max)
{
    uint64_t off = 0;
    while (off + 12 <= n) {
        uint32_t namesz = crash_rd32(p + off), descsz = crash_rd32(p + off + 4);
        uint32_t type = crash_rd32(p + off + 8);
        uint64_t desc_at = off + 12 + (((uint64_t)namesz + 3) & ~3ull);
        if (desc_at > n || descsz > n - desc_at) {
            return 0;
        }
        if (type == NT_GNU_BUILD_ID && namesz == 4 && memcmp(p + off + 12, "GNU", 4) == 0 &&
            descsz > 0) {
            memcpy(id, p + desc_at, descsz < max ? descsz : max);
            return descsz;
        }
        off = desc_at + (((uint64_t)descsz + 3) & ~3ull);
    }
    return 0;
}

size_t crash_elf_build_id(const uint8_t *elf, size_t len, uint8_t *id, size_t max)
{
    if (len < 64 || memcmp(elf, "\x7f" "ELF", 4) != 0 || elf[4] != 2 || elf[5] != 1) {
        return 0;
    }
    uint64_t shoff = crash_rd64(elf + 40), phoff = crash_rd64(elf + 32);
    uint16_t shentsize = crash_rd16(elf + 58), phentsize = crash_rd16(elf + 54);
    uint64_t shnum = crash_rd16(elf + 60), phnum = crash_rd16(elf + 56);
    if (shoff && shnum == 0 && shentsize >= 64 && in_file(len, shoff, 64)) {
        shnum = crash_rd64(elf + shoff + 32); /* more than 0xff00 sections */
    }
    if (shentsize >= 64 && shoff <= len && shnum <= (len - shoff) / shentsize) {
        for (uint64_t i = 0; i < shnum; i++) {
            const uint8_t *sh = elf + shoff + i * shentsize;
            uint64_t off = crash_rd64(sh + 24), size = crash_rd64(sh + 32);
            if (crash_rd32(sh + 4) == SHT_NOTE && in_file(len, off, size)) {
                size_t n = notes_build_id(elf + off, size, id, max);
                if (n) {
                    return n;
                }
            }
        }
    }
    if (phentsize >= 56 && phoff <= len && phnum <= (len - phoff) / phentsize) {
        for (uint64_t i = 0; i < phnum; i++) {
            const uint8_t *ph = elf + phoff + i * phentsize;
            uint64_t off = crash_rd64(ph + 8), size = crash_rd64(ph + 32);
            if (crash_rd32(ph) == PT_NOTE && in_file(len, off, size)) {
                size_t n = notes_build_id(elf + off, size, id, max);
                if (n) {
                    return n;
                }
            }
        }
    }
    return 0;
}

/* --- nm output --- */

/* A whole token of 1..16 hex digits. */
static bool parse_hex(const char *s, size_t n, uint64_t *v)
{
    if (n == 0 || n > 16) {
        return false;
    }
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        int h = fmt_digit_value(s[i]);
        if (h < 0) {
            return false;
        }
        *v = *v << 4 | (uint64_t)h;
    }
    return true;
}

struct sort_item {
    struct crash_nm_sym sym;
    size_t order;
};

static int cmp_sym(const void *a, const void *b)
{
    const struct sort_item *x = a, *y = b;
    if (x->sym.addr != y->sym.addr) {
        return x->sym.addr < y->sym.addr ? -1 : 1;
    }
    return x->order < y->order ? -1 : x->order > y->order;
}

int crash_symtab_parse(const char *text, size_t len, struct crash_symtab *t)
{
    struct sort_item *items = NULL;
    size_t n = 0, cap = 0;

    memset(t, 0, sizeof(*t));
    for (size_t pos = 0; pos < len;) {
        size_t end = pos;
        while (end < len && text[end] != '\n') {
            end++;
        }
        const char *tok[5];
        size_t toklen[5], ntok = 0;
        for (size_t i = pos; i < end && ntok < 5;) {
            while (i < end && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) {
                i++;
            }
            if (i >= end) {
                break;
            }
            tok[ntok] = text + i;
            while (i < end && text[i] != ' ' && text[i] != '\t' && text[i] != '\r') {
                i++;
            }
            toklen[ntok] = (size_t)(text + i - tok[ntok]);
            ntok++;
        }
        pos = end + 1;
        uint64_t addr, size = 0;
        size_t ti = ntok == 4 ? 2 : 1;
        if ((ntok != 3 && ntok != 4) || !parse_hex(tok[0], toklen[0], &addr) ||
            (ntok == 4 && !parse_hex(tok[1], toklen[1], &size)) || toklen[ti] != 1) {
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 256;
            struct sort_item *m = realloc(items, ncap * sizeof(*items));
            if (!m) {
                goto oom;
            }
            items = m;
            cap = ncap;
        }
        char *name = malloc(toklen[ti + 1] + 1);
        if (!name) {
            goto oom;
        }
        memcpy(name, tok[ti + 1], toklen[ti + 1]);
        name[toklen[ti + 1]] = '\0';
        items[n].sym = (struct crash_nm_sym){addr, size, tok[ti][0], name};
        items[n].order = n;
        n++;
    }
    if (n) {
        qsort(items, n, sizeof(*items), cmp_sym);
        t->syms = malloc(n * sizeof(*t->syms));
        if (!t->syms) {
            goto oom;
        }
        for (size_t i = 0; i < n; i++) {
            t->syms[i] = items[i].sym;
        }
        t->n = n;
    }
    free(items);
    return 0;
oom:
    for (size_t i = 0; i < n; i++) {
        free(items[i].sym.name);
    }
    free(items);
    return -1;
}

void crash_symtab_free(struct crash_symtab *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->syms[i].name);
    }
    free(t->syms);
    t->syms = NULL;
    t->n = 0;
}

const struct crash_nm_sym *crash_symtab_find(const struct crash_symtab *t, const char *name)
{
    for (size_t i = 0; t && i < t->n; i++) {
        if (strcmp(t->syms[i].name, name) == 0) {
            return &t->syms[i];
        }
    }
    return NULL;
}

const struct crash_nm_sym *crash_guard_page(const struct crash_symtab *t, uint64_t addr)
{
    for (size_t i = 0; t && i < t->n; i++) {
        const struct crash_nm_sym *s = &t->syms[i];
        if (strstr(s->name, "guard") && addr >= s->addr && addr - s->addr < 4096) {
            return s;
        }
    }
    return NULL;
}

static bool is_text_type(char c) { return c == 'T' || c == 't' || c == 'W' || c == 'w'; }

static bool is_data_type(char c)
{
    return strchr("DdBbRrGgSsVv", c) != NULL && c != '\0';
}

/* The symbol of a type (is_type) nearest below or at addr; among several at one address,
 * one with a size, else the last. */
static const struct crash_nm_sym *nearest(const struct crash_symtab *t, uint64_t addr,
                                          bool (*is_type)(char))
{
    const struct crash_nm_sym *best = NULL;
    for (size_t i = 0; i < t->n && t->syms[i].addr <= addr; i++) {
        const struct crash_nm_sym *s = &t->syms[i];
        if (!is_type(s->type)) {
            continue;
        }
        if (!best || s->addr > best->addr || s->size > 0 || best->size == 0) {
            best = s;
        }
    }
    return best;
}

/* [start, end) from the first pair of section symbols the table has. */
static bool range(const struct crash_symtab *t, const char *const names[][2], size_t n,
                  uint64_t *start, uint64_t *end)
{
    for (size_t i = 0; i < n; i++) {
        const struct crash_nm_sym *a = crash_symtab_find(t, names[i][0]);
        const struct crash_nm_sym *b = crash_symtab_find(t, names[i][1]);
        if (a && b && a->addr <= b->addr) {
            *start = a->addr;
            *end = b->addr;
            return true;
        }
    }
    return false;
}

void crash_classify_addr(const struct crash_symtab *t, uint64_t addr, char *buf, size_t size)
{
    static const char *const text_names[][2] = {{"_text_start", "_text_end"},
                                                {"_text", "_etext"}};
    static const char *const data_names[][2] = {{"_rodata_start", "_kernel_end"},
                                                {"_rodata_start", "_data_end"},
                                                {"_etext", "_end"}};
    uint64_t lo, hi;

    if (addr < 0x1000) {
        snprintf(buf, size, "NULL page");
        return;
    }
    if (addr < 0x0000800000000000ull) {
        snprintf(buf, size, "user space");
        return;
    }
    if (addr < 0xffff800000000000ull) {
        snprintf(buf, size, "non-canonical");
        return;
    }
    if (t && t->n) {
        const struct crash_nm_sym *s = crash_guard_page(t, addr);
        if (s) {
            snprintf(buf, size, "a guard page (%s)", s->name);
            return;
        }
        bool have_text = range(t, text_names, 2, &lo, &hi);
        s = nearest(t, addr, is_text_type);
        if (s && (have_text ? addr >= lo && addr < hi
                            : (s->size ? addr - s->addr < s->size : addr - s->addr < 0x10000))) {
            snprintf(buf, size, "kernel text (%s+0x%llx)", s->name,
                     (unsigned long long)(addr - s->addr));
            return;
        }
        bool have_data = range(t, data_names, 3, &lo, &hi);
        s = nearest(t, addr, is_data_type);
        if (s && (have_data ? addr >= lo && addr < hi
                            : (s->size ? addr - s->addr < s->size : addr - s->addr < 0x10000))) {
            snprintf(buf, size, "kernel data (%s+0x%llx)", s->name,
                     (unsigned long long)(addr - s->addr));
            return;
        }
    }
    if (addr < 0xffff800000000000ull + 0x100000000000ull) { /* the direct map's 16 TiB */
        snprintf(buf, size, "kernel address, no symbol (direct map, physical 0x%llx)",
                 (unsigned long long)(addr - 0xffff800000000000ull));
        return;
    }
    snprintf(buf, size, "kernel address, no symbol");
}

const char *crash_strip_path(const char *path, const char *cwd)
{
    const char *best = path;
    if (cwd && *cwd) {
        size_t n = strlen(cwd);
        bool slash = cwd[n - 1] == '/';
        for (const char *p = strstr(path, cwd); p; p = strstr(p + 1, cwd)) {
            if (slash) {
                best = p + n;
            } else if (p[n] == '/') {
                best = p + n + 1;
            }
        }
    }
    while (best[0] == '.' && best[1] == '/') {
        best += 2;
    }
    return best;
}
