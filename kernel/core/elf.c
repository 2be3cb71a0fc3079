/* SPDX-License-Identifier: MIT */
/*
 * elf.c: validates the root task's ELF64 image (elf.h) before the loader
 * maps it into a fresh address space.
 *
 * The image is a boot module, so it is input: every header is copied out
 * with memcpy (the module may sit at any alignment) and every offset, size
 * and address is an untrusted 64-bit value, checked with arithmetic that
 * cannot wrap. The first problem found ends the parse with one sentence
 * naming it. Only the ELF header and program headers are read; section
 * headers, notes and segment contents are not. Depends on fmt and kstring.
 */
#include <elf_image.h>
#include <fmt.h>
#include <kstring.h>

/* e_ident indices and values, e_type, e_machine, p_type and p_flags (gABI ch. 4-5). */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define CLASS32 1
#define CLASS64 2
#define DATA_LSB 1
#define DATA_MSB 2
#define VERSION_CURRENT 1
#define TYPE_REL 1
#define TYPE_EXEC 2
#define TYPE_DYN 3
#define MACHINE_X86_64 62
#define PHNUM_EXTENDED 0xffff /* PN_XNUM: the real count is in section header 0 */
#define SEG_LOAD 1
#define SEG_DYNAMIC 2
#define SEG_INTERP 3
#define FLAG_X 1
#define FLAG_W 2
#define FLAG_R 4

#define LOWEST_VADDR 0x1000 /* page zero stays unmapped: null dereferences fault */

static const uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};

static int fail(char *err, size_t errlen, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        kvsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Checks that data starts with an ELF64 header for x86-64 and copies it into *eh. */
static int check_ident(const uint8_t *data, uint64_t size, struct elf64_ehdr *eh, char *err,
                       size_t errlen)
{
    uint64_t k = min_u64(size, sizeof(elf_magic));

    if (data == NULL) {
        return fail(err, errlen, "no image: the module address is null");
    }
    if (memcmp(data, elf_magic, k) != 0) {
        if (size < sizeof(elf_magic)) {
            return fail(err, errlen, "not an ELF file: its %llu bytes do not start 7f 45 4c 46",
                        (unsigned long long)size);
        }
        return fail(err, errlen, "not an ELF file: it starts %02x %02x %02x %02x, not 7f 45 4c 46",
                    data[0], data[1], data[2], data[3]);
    }
    if (size < sizeof(*eh)) {
        return fail(err, errlen, "truncated ELF file: %llu bytes, shorter than its 64-byte header",
                    (unsigned long long)size);
    }
    memcpy(eh, data, sizeof(*eh));
    if (eh->e_ident[EI_CLASS] == CLASS32) {
        return fail(err, errlen,
                    "32-bit ELF (ELFCLASS32): the root task must be a 64-bit (ELFCLASS64) image");
    }
    if (eh->e_ident[EI_CLASS] != CLASS64) {
        return fail(err, errlen, "unknown ELF class %u: expected ELFCLASS64 (2)",
                    eh->e_ident[EI_CLASS]);
    }
    if (eh->e_ident[EI_DATA] == DATA_MSB) {
        return fail(err, errlen,
                    "big-endian ELF (ELFDATA2MSB): x86-64 images are little-endian (ELFDATA2LSB)");
    }
    if (eh->e_ident[EI_DATA] != DATA_LSB) {
        return fail(err, errlen, "unknown ELF data encoding %u: expected ELFDATA2LSB (1)",
                    eh->e_ident[EI_DATA]);
    }
    if (eh->e_ident[EI_VERSION] != VERSION_CURRENT || eh->e_version != VERSION_CURRENT) {
        return fail(err, errlen, "unsupported ELF version %u/%u: expected EV_CURRENT (1)",
                    eh->e_ident[EI_VERSION], eh->e_version);
    }
    if (eh->e_machine != MACHINE_X86_64) {
        return fail(err, errlen, "ELF file for machine %u, not x86-64 (EM_X86_64, 62)",
                    eh->e_machine);
    }
    return 0;
}

/* Checks the file type and that the program header table lies inside the image. */
static int check_header(const struct elf64_ehdr *eh, uint64_t size, char *err, size_t errlen)
{
    if (eh->e_type == TYPE_DYN) {
        return fail(err, errlen,
                    "ELF file is position-independent or shared (ET_DYN): the root task must be a "
                    "static executable (ET_EXEC); link it with -static -no-pie");
    }
    if (eh->e_type == TYPE_REL) {
        return fail(err, errlen, "ELF file is a relocatable object (ET_REL), not an executable");
    }
    if (eh->e_type != TYPE_EXEC) {
        return fail(err, errlen, "ELF type %u is not an executable (ET_EXEC, 2)", eh->e_type);
    }
    if (eh->e_phentsize != sizeof(struct elf64_phdr)) {
        return fail(err, errlen, "program header entries are %u bytes, expected 56 (Elf64_Phdr)",
                    eh->e_phentsize);
    }
    if (eh->e_phnum == 0) {
        return fail(err, errlen, "ELF file has no program headers: nothing to load");
    }
    if (eh->e_phnum == PHNUM_EXTENDED) {
        return fail(err, errlen,
                    "extended program header numbering (e_phnum 0xffff) is not supported");
    }
    /* Both factors are 16-bit, so the product cannot wrap; the sum is checked by subtracting. */
    uint64_t table = (uint64_t)eh->e_phnum * eh->e_phentsize;
    if (eh->e_phoff > size || table > size - eh->e_phoff) {
        return fail(
            err, errlen,
            "program header table (%u entries at offset 0x%llx) lies outside the %llu-byte image",
            eh->e_phnum, (unsigned long long)eh->e_phoff, (unsigned long long)size);
    }
    return 0;
}

/* Checks one PT_LOAD program header (index i) on its own. */
static int check_load(const struct elf64_phdr *ph, unsigned i, uint64_t size, uint64_t user_top,
                      char *err, size_t errlen)
{
    unsigned long long off = ph->p_offset, va = ph->p_vaddr, fsz = ph->p_filesz, msz = ph->p_memsz;

    if (fsz > msz) {
        return fail(err, errlen, "segment %u: file size 0x%llx exceeds memory size 0x%llx", i, fsz,
                    msz);
    }
    if (msz == 0) {
        return fail(err, errlen, "segment %u (PT_LOAD) is empty: memory size 0", i);
    }
    if (off > size || fsz > size - off) {
        return fail(
            err, errlen,
            "segment %u: file bytes at offset 0x%llx (+0x%llx) lie outside the %llu-byte image", i,
            off, fsz, (unsigned long long)size);
    }
    if (va < LOWEST_VADDR) {
        return fail(err, errlen,
                    "segment %u starts at 0x%llx, below 0x1000: page zero stays unmapped", i, va);
    }
    if (va + msz < va) {
        return fail(err, errlen,
                    "segment %u at 0x%llx (+0x%llx) wraps past the top of the address space", i, va,
                    msz);
    }
    if (va + msz > user_top) {
        return fail(err, errlen,
                    "segment %u at 0x%llx (+0x%llx) ends beyond the user address limit 0x%llx", i,
                    va, msz, (unsigned long long)user_top);
    }
    if (off % PAGE_SIZE != va % PAGE_SIZE) {
        return fail(err, errlen,
                    "segment %u: file offset 0x%llx and address 0x%llx differ modulo 4096, so it "
                    "cannot be mapped page by page",
                    i, off, va);
    }
    if ((ph->p_flags & FLAG_W) && (ph->p_flags & FLAG_X)) {
        return fail(err, errlen, "segment %u is both writable and executable (W^X is enforced)", i);
    }
    return 0;
}

static uint64_t first_page(const struct elf_segment *s) { return s->vaddr >> PAGE_SHIFT; }

/* memsz > 0 and vaddr + memsz does not wrap: check_load made sure. */
static uint64_t last_page(const struct elf_segment *s)
{
    return (s->vaddr + s->memsz - 1) >> PAGE_SHIFT;
}

/* Refuses a new segment (last in img, program header index idx[n]) sharing a page with another. */
static int check_overlap(const struct elf_image *img, const unsigned *idx, char *err, size_t errlen)
{
    unsigned n = img->nsegments - 1;
    const struct elf_segment *s = &img->seg[n];

    for (unsigned j = 0; j < n; j++) {
        const struct elf_segment *t = &img->seg[j];
        if (first_page(s) <= last_page(t) && first_page(t) <= last_page(s)) {
            uint64_t page = max_u64(first_page(s), first_page(t)) << PAGE_SHIFT;
            return fail(
                err, errlen,
                "segments %u and %u share the page at 0x%llx: each page must belong to one segment",
                idx[j], idx[n], (unsigned long long)page);
        }
    }
    return 0;
}

/* Handles program header i: keeps a PT_LOAD, refuses dynamic linking, ignores the rest. */
static int take_phdr(const struct elf64_phdr *ph, unsigned i, uint64_t size, uint64_t user_top,
                     struct elf_image *img, unsigned *idx, char *err, size_t errlen)
{
    if (ph->p_type == SEG_INTERP) {
        return fail(err, errlen,
                    "segment %u is PT_INTERP (asks for a dynamic loader): dynamic linking is not "
                    "supported; link statically",
                    i);
    }
    if (ph->p_type == SEG_DYNAMIC) {
        return fail(err, errlen,
                    "segment %u is PT_DYNAMIC: dynamic linking is not supported; link statically",
                    i);
    }
    if (ph->p_type != SEG_LOAD) {
        return 0; /* PT_GNU_STACK, PT_NOTE, PT_TLS ...: nothing the loader maps */
    }
    if (img->nsegments == ELF_MAX_SEGMENTS) {
        return fail(err, errlen, "segment %u is PT_LOAD number %d: at most %d are supported", i,
                    ELF_MAX_SEGMENTS + 1, ELF_MAX_SEGMENTS);
    }
    if (check_load(ph, i, size, user_top, err, errlen) < 0) {
        return -1;
    }
    idx[img->nsegments] = i;
    img->seg[img->nsegments++] = (struct elf_segment){
        .vaddr = ph->p_vaddr,
        .memsz = ph->p_memsz,
        .offset = ph->p_offset,
        .filesz = ph->p_filesz,
        .read = (ph->p_flags & FLAG_R) != 0,
        .write = (ph->p_flags & FLAG_W) != 0,
        .exec = (ph->p_flags & FLAG_X) != 0,
    };
    return check_overlap(img, idx, err, errlen);
}

static bool entry_is_executable(const struct elf_image *img)
{
    for (unsigned j = 0; j < img->nsegments; j++) {
        const struct elf_segment *s = &img->seg[j];
        if (s->exec && img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz) {
            return true;
        }
    }
    return false;
}

static int parse(const uint8_t *data, uint64_t size, uint64_t user_top, struct elf_image *out,
                 char *err, size_t errlen)
{
    struct elf64_ehdr eh;
    unsigned idx[ELF_MAX_SEGMENTS]; /* program header index of each kept segment */

    if (check_ident(data, size, &eh, err, errlen) < 0 || check_header(&eh, size, err, errlen) < 0) {
        return -1;
    }
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        struct elf64_phdr ph;
        memcpy(&ph, data + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
        if (take_phdr(&ph, i, size, user_top, out, idx, err, errlen) < 0) {
            return -1;
        }
    }
    if (out->nsegments == 0) {
        return fail(err, errlen, "ELF file has no PT_LOAD segment: nothing to load");
    }
    out->entry = eh.e_entry;
    if (!entry_is_executable(out)) {
        return fail(err, errlen, "entry point 0x%llx is not inside an executable segment",
                    (unsigned long long)eh.e_entry);
    }
    return 0;
}

int elf_parse(const void *data, uint64_t size, uint64_t user_top, struct elf_image *out, char *err,
              size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (err && errlen) {
        err[0] = '\0';
    }
    if (parse(data, size, user_top, out, err, errlen) < 0) {
        memset(out, 0, sizeof(*out));
        return -1;
    }
    return 0;
}
