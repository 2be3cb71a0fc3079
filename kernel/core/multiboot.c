/* SPDX-License-Identifier: MIT */
/*
 * multiboot.c: validates what the boot loader handed over and copies it
 * into a struct boot_info (boot.h).
 *
 * Boot loaders are input: every pointer, length and count is checked
 * before use, every string is bounded, and each problem is logged as one
 * clear line. The info is read only through a struct phys_reader, so the
 * unit tests feed malformed structures from a fake memory. Single use at
 * boot; no locks.
 */
#include <boot.h>
#include <fmt.h>
#include <kstring.h>
#include <multiboot.h>

#define LOG_ERROR 0
#define LOG_WARN 1

static void blog(boot_log_fn log, int level, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void blog(boot_log_fn log, int level, const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    va_start(ap, fmt);
    kvsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (log) {
        log(level, msg);
    }
}

/* Copies n bytes of s into the string pool; "" when the pool is full. */
static const char *pool_add(struct boot_info *bi, const char *s, size_t n)
{
    if (bi->strpool_used + n + 1 > sizeof(bi->strpool)) {
        return "";
    }
    char *d = bi->strpool + bi->strpool_used;
    memcpy(d, s, n);
    d[n] = '\0';
    bi->strpool_used += n + 1;
    return d;
}

/*
 * Reads a NUL-terminated string at phys into buf (at most BOOT_MAX_STRING
 * bytes). Returns its length, or -1 if its first byte is unreadable.
 */
static int read_string(const struct phys_reader *rd, paddr_t phys, char *buf, boot_log_fn log,
                       const char *what)
{
    int n = 0;

    for (; n < BOOT_MAX_STRING - 1; n++) {
        const char *c = rd->map(rd->ctx, phys + (paddr_t)n, 1);
        if (!c) {
            if (n == 0) {
                blog(log, LOG_WARN, "%s at 0x%llx is not readable; ignored", what,
                     (unsigned long long)phys);
                return -1;
            }
            blog(log, LOG_WARN, "%s at 0x%llx runs into unreadable memory; cut at %d bytes", what,
                 (unsigned long long)phys, n);
            break;
        }
        if (*c == '\0') {
            break;
        }
        buf[n] = *c;
    }
    const char *more = n == BOOT_MAX_STRING - 1 ? rd->map(rd->ctx, phys + (paddr_t)n, 1) : NULL;
    if (more && *more != '\0') {
        blog(log, LOG_WARN, "%s at 0x%llx is longer than %d bytes; cut", what,
             (unsigned long long)phys, BOOT_MAX_STRING - 1);
    }
    buf[n] = '\0';
    return n;
}

static void add_region(struct boot_info *bi, paddr_t base, uint64_t len, uint32_t type,
                       boot_log_fn log)
{
    if (len == 0) {
        return;
    }
    if (base + len < base) {
        blog(log, LOG_WARN, "memory map entry at 0x%llx wraps past 2^64; clipped",
             (unsigned long long)base);
        len = UINT64_MAX - base;
    }
    if (bi->nregions == BOOT_MAX_REGIONS) {
        blog(log, LOG_WARN, "memory map has more than %d entries; the rest are ignored",
             BOOT_MAX_REGIONS);
        bi->nregions++; /* warn once: the count now marks "overflowed" */
        return;
    }
    if (bi->nregions > BOOT_MAX_REGIONS) {
        return;
    }
    bi->regions[bi->nregions++] = (struct boot_region){base, len, type};
}

/* Walks the BIOS-style memory map. Returns false if it could not be read at all. */
static bool parse_mmap(const struct phys_reader *rd, const struct mb_info *mi, struct boot_info *bi,
                       boot_log_fn log)
{
    uint32_t off = 0, idx = 0;

    if (!rd->map(rd->ctx, mi->mmap_addr, mi->mmap_length ? mi->mmap_length : 1)) {
        blog(log, LOG_WARN, "memory map at 0x%x (%u bytes) is not readable; ignored", mi->mmap_addr,
             mi->mmap_length);
        return false;
    }
    while (off + 4 <= mi->mmap_length) {
        const uint32_t *sizep = rd->map(rd->ctx, (paddr_t)mi->mmap_addr + off, 4);
        uint32_t size = *sizep;
        if (size < 20) {
            blog(log, LOG_WARN,
                 "memory map entry %u has size %u (< 20); the rest of the map is ignored", idx,
                 size);
            break;
        }
        if ((uint64_t)off + 4 + size > mi->mmap_length) {
            blog(log, LOG_WARN, "memory map entry %u runs past the map's length %u; ignored", idx,
                 mi->mmap_length);
            break;
        }
        struct mb_mmap_entry e;
        memcpy(&e, rd->map(rd->ctx, (paddr_t)mi->mmap_addr + off, sizeof(e)), sizeof(e));
        add_region(bi, e.addr, e.len, e.type, log);
        off += size + 4;
        idx++;
    }
    return true;
}

static void summarize_memory(struct boot_info *bi)
{
    unsigned n = bi->nregions > BOOT_MAX_REGIONS ? BOOT_MAX_REGIONS : bi->nregions;

    bi->nregions = n;
    bi->usable_bytes = 0;
    bi->mem_top = 0;
    for (unsigned i = 0; i < n; i++) {
        if (bi->regions[i].type == BOOT_MEM_AVAILABLE) {
            bi->usable_bytes += bi->regions[i].len;
            bi->mem_top = max_u64(bi->mem_top, bi->regions[i].base + bi->regions[i].len);
        }
    }
}

bool boot_range_is_ram(const struct boot_info *bi, paddr_t base, paddr_t end)
{
    paddr_t pos = base;

    if (end < base) {
        return false;
    }
    /* Follow available regions from base; adjacent regions may continue a range. */
    for (unsigned step = 0; step <= bi->nregions && pos < end; step++) {
        bool advanced = false;
        for (unsigned i = 0; i < bi->nregions; i++) {
            const struct boot_region *r = &bi->regions[i];
            if (r->type == BOOT_MEM_AVAILABLE && r->base <= pos && pos < r->base + r->len) {
                pos = r->base + r->len;
                advanced = true;
                break;
            }
        }
        if (!advanced) {
            return false;
        }
    }
    return pos >= end;
}

static bool overlaps(paddr_t a0, paddr_t a1, paddr_t b0, paddr_t b1) { return a0 < b1 && b0 < a1; }

/* Splits "path/name.bin arg1 arg2" into name = "name.bin", args = "arg1 arg2". */
static void split_module_string(struct boot_info *bi, const char *s, struct boot_module *m)
{
    size_t word = 0;
    while (s[word] && s[word] != ' ') {
        word++;
    }
    size_t base = word;
    while (base > 0 && s[base - 1] != '/') {
        base--;
    }
    m->name = word > base ? pool_add(bi, s + base, word - base) : "(unnamed)";
    while (s[word] == ' ') {
        word++;
    }
    m->args = pool_add(bi, s + word, strlen(s + word));
}

static bool module_acceptable(const struct boot_info *bi, unsigned i, const struct boot_module *m,
                              boot_log_fn log)
{
    if (m->end < m->start) {
        blog(log, LOG_WARN, "module %u (%s) ends at 0x%llx before it starts at 0x%llx; ignored", i,
             m->name, (unsigned long long)m->end, (unsigned long long)m->start);
        return false;
    }
    if (!boot_range_is_ram(bi, m->start, m->end)) {
        blog(log, LOG_WARN,
             "module %u (%s) at 0x%llx-0x%llx lies outside available RAM (RAM ends at 0x%llx); "
             "ignored",
             i, m->name, (unsigned long long)m->start, (unsigned long long)m->end,
             (unsigned long long)bi->mem_top);
        return false;
    }
    if (overlaps(m->start, m->end, bi->kernel_start, bi->kernel_end)) {
        blog(log, LOG_WARN, "module %u (%s) at 0x%llx-0x%llx overlaps the kernel image; ignored", i,
             m->name, (unsigned long long)m->start, (unsigned long long)m->end);
        return false;
    }
    for (unsigned j = 0; j < bi->nmodules; j++) {
        if (overlaps(m->start, m->end, bi->modules[j].start, bi->modules[j].end)) {
            blog(log, LOG_WARN, "module %u (%s) overlaps module %s; ignored", i, m->name,
                 bi->modules[j].name);
            return false;
        }
    }
    return true;
}

static void parse_modules(const struct phys_reader *rd, const struct mb_info *mi,
                          struct boot_info *bi, boot_log_fn log)
{
    uint32_t count = mi->mods_count;
    char str[BOOT_MAX_STRING];

    if (count > BOOT_MAX_MODULES) {
        blog(log, LOG_WARN, "%u boot modules given; only the first %d are used", count,
             BOOT_MAX_MODULES);
        count = BOOT_MAX_MODULES;
    }
    if (count && !rd->map(rd->ctx, mi->mods_addr, (uint64_t)count * sizeof(struct mb_module))) {
        blog(log, LOG_WARN, "module list at 0x%x is not readable; no modules loaded",
             mi->mods_addr);
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        struct mb_module raw;
        memcpy(&raw, rd->map(rd->ctx, (paddr_t)mi->mods_addr + i * sizeof(raw), sizeof(raw)),
               sizeof(raw));
        struct boot_module m = {.start = raw.mod_start, .end = raw.mod_end};
        if (read_string(rd, raw.string, str, log, "module string") < 0) {
            str[0] = '\0';
        }
        split_module_string(bi, str, &m);
        if (module_acceptable(bi, i, &m, log)) {
            bi->modules[bi->nmodules++] = m;
            bi->reserved_end = max_u64(bi->reserved_end, m.end);
        }
    }
}

int boot_parse_multiboot(const struct phys_reader *rd, uint32_t magic, paddr_t mbi,
                         paddr_t kernel_start, paddr_t kernel_end, struct boot_info *bi,
                         boot_log_fn log)
{
    char str[BOOT_MAX_STRING];
    struct mb_info mi;

    memset(bi, 0, sizeof(*bi));
    bi->cmdline = "";
    bi->loader = "unknown";
    bi->kernel_start = kernel_start;
    bi->kernel_end = kernel_end;
    bi->reserved_end = kernel_end;
    if (magic != MB_BOOT_MAGIC) {
        blog(log, LOG_ERROR, "not started by a Multiboot loader: EAX was 0x%08x, expected 0x%08x",
             magic, MB_BOOT_MAGIC);
        return BOOT_E_MAGIC;
    }
    const struct mb_info *p = rd->map(rd->ctx, mbi, sizeof(mi));
    if (!p) {
        blog(log, LOG_ERROR, "the Multiboot info at 0x%llx is not readable",
             (unsigned long long)mbi);
        return BOOT_E_NOINFO;
    }
    memcpy(&mi, p, sizeof(mi)); /* one snapshot: later checks and uses see the same values */

    if ((mi.flags & MB_INFO_CMDLINE) &&
        read_string(rd, mi.cmdline, str, log, "command line") >= 0) {
        bi->cmdline = pool_add(bi, str, strlen(str));
    }
    if ((mi.flags & MB_INFO_LOADER) &&
        read_string(rd, mi.boot_loader_name, str, log, "boot loader name") >= 0) {
        bi->loader = pool_add(bi, str, strlen(str));
    }
    if (!(mi.flags & MB_INFO_MMAP) || !parse_mmap(rd, &mi, bi, log) || bi->nregions == 0) {
        if (!(mi.flags & MB_INFO_MEM)) {
            blog(log, LOG_ERROR,
                 "the Multiboot info (flags 0x%x) has no memory map and no memory size: cannot "
                 "find RAM",
                 mi.flags);
            return BOOT_E_NOMEM;
        }
        blog(log, LOG_WARN, "no usable memory map; using mem_lower=%u KiB and mem_upper=%u KiB",
             mi.mem_lower, mi.mem_upper);
        bi->nregions = 0;
        add_region(bi, 0, (uint64_t)mi.mem_lower * 1024, BOOT_MEM_AVAILABLE, log);
        add_region(bi, 0x100000, (uint64_t)mi.mem_upper * 1024, BOOT_MEM_AVAILABLE, log);
    }
    summarize_memory(bi);
    if (bi->usable_bytes == 0) {
        blog(log, LOG_ERROR, "the memory map lists no available RAM");
        return BOOT_E_NOMEM;
    }
    if (mi.flags & MB_INFO_MODS) {
        parse_modules(rd, &mi, bi, log);
    }
    return BOOT_OK;
}

/* True if [base, base+size) avoids low memory, the kernel, and every module. */
static bool range_is_free(const struct boot_info *bi, paddr_t base, uint64_t size, paddr_t *next)
{
    paddr_t end = base + size;

    if (overlaps(base, end, bi->kernel_start, bi->kernel_end)) {
        *next = bi->kernel_end;
        return false;
    }
    for (unsigned j = 0; j < bi->nmodules; j++) {
        if (overlaps(base, end, bi->modules[j].start, bi->modules[j].end)) {
            *next = bi->modules[j].end;
            return false;
        }
    }
    *next = end;
    return boot_range_is_ram(bi, base, end);
}

paddr_t boot_find_free(const struct boot_info *bi, uint64_t size, paddr_t limit)
{
    size = align_up(size, PAGE_SIZE);
    for (unsigned i = 0; i < bi->nregions; i++) {
        const struct boot_region *r = &bi->regions[i];
        if (r->type != BOOT_MEM_AVAILABLE) {
            continue;
        }
        paddr_t base = align_up(max_u64(r->base, 0x100000), PAGE_SIZE);
        /* Each failed try moves past an obstacle, so this ends. */
        while (base + size > base && base + size <= r->base + r->len && base + size <= limit) {
            paddr_t next;
            if (range_is_free(bi, base, size, &next)) {
                return base;
            }
            base = align_up(next, PAGE_SIZE);
        }
    }
    return PMM_NONE_ADDR;
}
