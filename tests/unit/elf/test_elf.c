/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/core/elf.c: validating the root task's ELF image.
 *
 * Images are built in memory from the C library's ELF definitions, which
 * also cross-checks the kernel's own layouts. Every image handed to
 * elf_parse is copied into a heap block of exactly its size, so a read
 * past its end is an ASan error. Every malformed image must be refused
 * with one sentence naming the problem; a seeded random walk of mutations
 * checks that anything accepted really satisfies the loader's rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <elf.h> /* the C library's, to cross-check our layouts */

#include <elf_image.h>

#define USER_TOP 0x0000800000000000ull /* end of the lower canonical half */
#define TEXT_VA 0x400000ull
#define DATA_VA 0x401000ull
#define ENTRY (TEXT_VA + 0x80)
#define IMG_SIZE 0x1800u

/* Layout cross-check against the C library's definitions. */
#define SAME(a, b, f) offsetof(a, f) == offsetof(b, f)
_Static_assert(sizeof(struct elf64_ehdr) == sizeof(Elf64_Ehdr), "ehdr size");
_Static_assert(sizeof(struct elf64_phdr) == sizeof(Elf64_Phdr), "phdr size");
_Static_assert(SAME(struct elf64_ehdr, Elf64_Ehdr, e_entry) &&
                   SAME(struct elf64_ehdr, Elf64_Ehdr, e_phoff) &&
                   SAME(struct elf64_ehdr, Elf64_Ehdr, e_flags) &&
                   SAME(struct elf64_ehdr, Elf64_Ehdr, e_phentsize) &&
                   SAME(struct elf64_ehdr, Elf64_Ehdr, e_phnum) &&
                   SAME(struct elf64_ehdr, Elf64_Ehdr, e_shstrndx),
               "ehdr layout");
_Static_assert(SAME(struct elf64_phdr, Elf64_Phdr, p_flags) &&
                   SAME(struct elf64_phdr, Elf64_Phdr, p_offset) &&
                   SAME(struct elf64_phdr, Elf64_Phdr, p_vaddr) &&
                   SAME(struct elf64_phdr, Elf64_Phdr, p_filesz) &&
                   SAME(struct elf64_phdr, Elf64_Phdr, p_memsz) &&
                   SAME(struct elf64_phdr, Elf64_Phdr, p_align),
               "phdr layout");

/* The image under construction: tests edit eh, ph and nph, then build() lays them out. */
static Elf64_Ehdr eh;
static Elf64_Phdr ph[24];
static unsigned nph;
static uint64_t img_size;
static uint8_t img[IMG_SIZE];

static struct elf_image out;
static char err[256];

/* A static executable as ld lays one out: r-x text holding the headers, rw- data with bss. */
static int setup_good(void **state)
{
    (void)state;
    memset(&eh, 0, sizeof(eh));
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_entry = ENTRY;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    memset(ph, 0, sizeof(ph));
    ph[0] = (Elf64_Phdr){PT_LOAD, PF_R | PF_X, 0, TEXT_VA, TEXT_VA, 0x1000, 0x1000, 0x1000};
    ph[1] = (Elf64_Phdr){PT_LOAD, PF_R | PF_W, 0x1000, DATA_VA, DATA_VA, 0x800, 0x3000, 0x1000};
    ph[2] = (Elf64_Phdr){PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16};
    ph[3] = (Elf64_Phdr){PT_NOTE, PF_R, 0x200, TEXT_VA + 0x200, 0, 0x24, 0x24, 4};
    nph = 4;
    img_size = IMG_SIZE;
    memset(err, 0, sizeof(err));
    return 0;
}

/* Lays out eh (e_phnum = nph) at 0 and the program headers at 64, whatever e_phoff says. */
static void build(void)
{
    for (size_t i = 0; i < sizeof(img); i++) {
        img[i] = (uint8_t)(i * 7 + 3);
    }
    eh.e_phnum = (Elf64_Half)nph;
    memcpy(img, &eh, sizeof(eh));
    memcpy(img + sizeof(eh), ph, nph * sizeof(ph[0]));
}

/* Parses len bytes of buf from an exactly sized heap copy, at offset misalign in it. */
static int parse_bytes(const uint8_t *buf, uint64_t len, unsigned misalign, uint64_t user_top)
{
    uint8_t *copy = malloc(len + misalign); /* exactly: one byte more would hide an overread */
    assert_non_null(copy);
    memcpy(copy + misalign, buf, len);
    int r = elf_parse(copy + misalign, len, user_top, &out, err, sizeof(err));
    free(copy);
    return r;
}

static int parse(void)
{
    build();
    return parse_bytes(img, img_size, 0, USER_TOP);
}

/* The image is refused with a message containing needle, and out is left zeroed. */
static void refused(const char *needle)
{
    static const struct elf_image zero;

    assert_int_equal(parse(), -1);
    if (!strstr(err, needle)) {
        fail_msg("message \"%s\" lacks \"%s\"", err, needle);
    }
    assert_null(strchr(err, '\n'));
    assert_memory_equal(&out, &zero, sizeof(out));
}

static void test_elf_accepts_static_executable(void **state)
{
    (void)state;
    assert_int_equal(parse(), 0);
    assert_string_equal(err, "");
    assert_int_equal(out.entry, ENTRY);
    assert_int_equal(out.nsegments, 2); /* PT_GNU_STACK and PT_NOTE are ignored */
    const struct elf_segment *t = &out.seg[0], *d = &out.seg[1];
    assert_int_equal(t->vaddr, TEXT_VA);
    assert_int_equal(t->memsz, 0x1000);
    assert_int_equal(t->offset, 0);
    assert_int_equal(t->filesz, 0x1000);
    assert_true(t->read && !t->write && t->exec);
    assert_int_equal(d->vaddr, DATA_VA);
    assert_int_equal(d->memsz, 0x3000);
    assert_int_equal(d->offset, 0x1000);
    assert_int_equal(d->filesz, 0x800);
    assert_true(d->read && d->write && !d->exec);
}

static void test_elf_accepts_unaligned_module(void **state)
{
    (void)state;
    build();
    for (unsigned m = 1; m < 8; m++) {
        assert_int_equal(parse_bytes(img, img_size, m, USER_TOP), 0);
        assert_int_equal(out.nsegments, 2);
    }
}

static void test_elf_segment_ending_at_user_top_and_unaligned_data(void **state)
{
    (void)state;
    /* Data at the same offset within its page as in the file, ending exactly at user_top. */
    ph[1].p_offset = 0x1234;
    ph[1].p_filesz = 0x100;
    ph[1].p_vaddr = USER_TOP - 0x2000 + 0x234;
    ph[1].p_memsz = 0x2000 - 0x234;
    assert_int_equal(parse(), 0);
    assert_int_equal(out.seg[1].vaddr + out.seg[1].memsz, USER_TOP);
}

static void test_elf_ignores_other_segment_types(void **state)
{
    (void)state;
    /* Not loaded, so not validated: a note pointing nowhere is harmless. */
    ph[3].p_offset = UINT64_MAX;
    ph[3].p_filesz = UINT64_MAX;
    ph[4] = (Elf64_Phdr){PT_TLS, PF_R, 0x1800, 0, 0, 0, 0x40, 8};
    ph[5] = (Elf64_Phdr){PT_GNU_RELRO, PF_R, 0x1000, DATA_VA, DATA_VA, 0x100, 0x100, 1};
    nph = 6;
    assert_int_equal(parse(), 0);
    assert_int_equal(out.nsegments, 2);
}

static void test_elf_rejects_bad_magic(void **state)
{
    (void)state;
    eh.e_ident[EI_MAG3] = 'G';
    refused("not an ELF file: it starts 7f 45 4c 47, not 7f 45 4c 46");
    uint8_t mz[2] = {'M', 'Z'};
    assert_int_equal(parse_bytes(mz, 2, 0, USER_TOP), -1);
    assert_non_null(strstr(err, "not an ELF file: its 2 bytes"));
}

static void test_elf_rejects_32bit_class(void **state)
{
    (void)state;
    eh.e_ident[EI_CLASS] = ELFCLASS32;
    refused("32-bit ELF (ELFCLASS32)");
    setup_good(NULL);
    eh.e_ident[EI_CLASS] = 7;
    refused("unknown ELF class 7");
}

static void test_elf_rejects_big_endian(void **state)
{
    (void)state;
    eh.e_ident[EI_DATA] = ELFDATA2MSB;
    refused("big-endian ELF");
    setup_good(NULL);
    eh.e_ident[EI_DATA] = ELFDATANONE;
    refused("unknown ELF data encoding 0");
}

static void test_elf_rejects_wrong_version(void **state)
{
    (void)state;
    eh.e_version = 2;
    refused("unsupported ELF version 1/2");
    setup_good(NULL);
    eh.e_ident[EI_VERSION] = EV_NONE;
    refused("unsupported ELF version 0/1");
}

static void test_elf_rejects_wrong_machine(void **state)
{
    (void)state;
    eh.e_machine = EM_386;
    refused("ELF file for machine 3, not x86-64");
    setup_good(NULL);
    eh.e_machine = EM_AARCH64;
    refused("machine 183, not x86-64");
}

static void test_elf_rejects_et_dyn_and_other_types(void **state)
{
    (void)state;
    eh.e_type = ET_DYN;
    refused("position-independent or shared (ET_DYN)");
    setup_good(NULL);
    eh.e_type = ET_REL;
    refused("relocatable object (ET_REL)");
    setup_good(NULL);
    eh.e_type = ET_CORE;
    refused("ELF type 4 is not an executable");
}

static void test_elf_rejects_truncated_header(void **state)
{
    (void)state;
    build();
    assert_int_equal(parse_bytes(img, sizeof(Elf64_Ehdr) - 1, 0, USER_TOP), -1);
    assert_non_null(strstr(err, "truncated ELF file: 63 bytes"));
    assert_int_equal(parse_bytes(img, 4, 0, USER_TOP), -1);
    assert_non_null(strstr(err, "truncated ELF file: 4 bytes"));
    assert_int_equal(parse_bytes(img, 3, 0, USER_TOP), -1); /* a prefix of the magic */
    assert_non_null(strstr(err, "truncated ELF file: 3 bytes"));
    assert_int_equal(elf_parse(NULL, 0, USER_TOP, &out, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no image"));
    /* An empty module at a valid address: nothing may be read. */
    assert_int_equal(parse_bytes(img, 0, 0, USER_TOP), -1);
    assert_non_null(strstr(err, "truncated ELF file: 0 bytes"));
}

static void test_elf_rejects_bad_phentsize_and_phnum(void **state)
{
    (void)state;
    eh.e_phentsize = sizeof(Elf32_Phdr);
    refused("program header entries are 32 bytes, expected 56");
    setup_good(NULL);
    nph = 0;
    refused("no program headers");
}

static void test_elf_rejects_phoff_beyond_file(void **state)
{
    (void)state;
    eh.e_phoff = IMG_SIZE;
    refused("program header table (4 entries at offset 0x1800) lies outside the 6144-byte image");
    setup_good(NULL);
    eh.e_phoff = IMG_SIZE - 4 * sizeof(Elf64_Phdr) + 1; /* the last entry sticks out by a byte */
    refused("lies outside the 6144-byte image");
    setup_good(NULL);
    eh.e_phoff = IMG_SIZE - 4 * sizeof(Elf64_Phdr); /* exactly at the end: fine to read */
    build();
    assert_int_equal(parse_bytes(img, img_size, 0, USER_TOP), -1);
    assert_null(strstr(err, "program header table")); /* garbage headers, refused later */
}

/*
 * e_phnum and e_phentsize are 16-bit, so their product cannot wrap 64 bits;
 * what can wrap is e_phoff plus the table size, and a huge table.
 */
static void test_elf_rejects_phdr_table_overflow(void **state)
{
    (void)state;
    eh.e_phoff = UINT64_MAX - 8;
    refused("program header table (4 entries at offset 0xfffffffffffffff7) lies outside");
    setup_good(NULL);
    eh.e_phoff = UINT64_MAX - 4 * sizeof(Elf64_Phdr) + 2; /* phoff + size wraps to 1 */
    refused("lies outside the 6144-byte image");
    setup_good(NULL);
    build();
    Elf64_Half phnum = 1170; /* 1170 * 56 = 65520 bytes: more than the image */
    memcpy(img + offsetof(Elf64_Ehdr, e_phnum), &phnum, sizeof(phnum));
    assert_int_equal(parse_bytes(img, img_size, 0, USER_TOP), -1);
    assert_non_null(strstr(err, "program header table (1170 entries at offset 0x40)"));
    phnum = PN_XNUM; /* the largest count: refused as extended numbering */
    memcpy(img + offsetof(Elf64_Ehdr, e_phnum), &phnum, sizeof(phnum));
    assert_int_equal(parse_bytes(img, img_size, 0, USER_TOP), -1);
    assert_non_null(strstr(err, "extended program header numbering"));
}

static void test_elf_rejects_segment_offset_overflow(void **state)
{
    (void)state;
    ph[1].p_offset = UINT64_MAX - 0xfff; /* congruent with DATA_VA; offset + filesz wraps */
    ph[1].p_filesz = 0x1000 + 0x800;
    ph[1].p_memsz = 0x3000;
    refused("segment 1: file bytes at offset 0xfffffffffffff000 (+0x1800) lie outside the "
            "6144-byte image");
    setup_good(NULL);
    ph[1].p_filesz = UINT64_MAX - 0xfff; /* offset 0x1000 + filesz wraps to exactly 0 */
    ph[1].p_memsz = UINT64_MAX;
    refused("segment 1: file bytes at offset 0x1000 (+0xfffffffffffff000) lie outside");
}

static void test_elf_rejects_segment_beyond_size(void **state)
{
    (void)state;
    ph[1].p_filesz = 0x801; /* one byte past the end */
    refused("segment 1: file bytes at offset 0x1000 (+0x801) lie outside the 6144-byte image");
    setup_good(NULL);
    ph[1].p_offset = 0x2000; /* beyond the end even with nothing to copy */
    ph[1].p_filesz = 0;
    refused("segment 1: file bytes at offset 0x2000 (+0x0) lie outside");
}

static void test_elf_rejects_filesz_above_memsz(void **state)
{
    (void)state;
    ph[1].p_memsz = 0x7ff;
    refused("segment 1: file size 0x800 exceeds memory size 0x7ff");
}

static void test_elf_rejects_empty_load_segment(void **state)
{
    (void)state;
    ph[1].p_filesz = 0;
    ph[1].p_memsz = 0;
    refused("segment 1 (PT_LOAD) is empty");
}

static void test_elf_rejects_page_zero(void **state)
{
    (void)state;
    ph[0].p_vaddr = 0;
    eh.e_entry = 0x80;
    refused("segment 0 starts at 0x0, below 0x1000: page zero stays unmapped");
    setup_good(NULL);
    ph[1].p_vaddr = 0x0;
    ph[1].p_offset = 0x1000;
    refused("segment 1 starts at 0x0");
    setup_good(NULL);
    ph[1].p_vaddr = 0xff8; /* still page zero, with a matching offset */
    ph[1].p_offset = 0xff8;
    refused("segment 1 starts at 0xff8, below 0x1000");
    setup_good(NULL);
    ph[1].p_vaddr = 0x1000; /* the lowest address allowed */
    assert_int_equal(parse(), 0);
    assert_int_equal(out.seg[1].vaddr, 0x1000);
}

static void test_elf_rejects_segment_beyond_user_top(void **state)
{
    (void)state;
    ph[1].p_vaddr = USER_TOP - 0x2000; /* bss runs 0x1000 past the limit */
    refused("segment 1 at 0x7fffffffe000 (+0x3000) ends beyond the user address limit "
            "0x800000000000");
    setup_good(NULL);
    ph[1].p_vaddr = 0xffffffff80000000ull; /* kernel half */
    refused("ends beyond the user address limit");
}

static void test_elf_rejects_wrapping_segment(void **state)
{
    (void)state;
    ph[1].p_vaddr = 0xfffffffffffff000ull;
    refused("segment 1 at 0xfffffffffffff000 (+0x3000) wraps past the top of the address space");
    setup_good(NULL);
    ph[1].p_memsz = UINT64_MAX;
    refused("wraps past the top");
    /* Also with user_top at the very top, where no "beyond" check could catch it. */
    build();
    assert_int_equal(parse_bytes(img, img_size, 0, UINT64_MAX), -1);
    assert_non_null(strstr(err, "wraps past the top"));
}

static void test_elf_rejects_offset_vaddr_mismatch(void **state)
{
    (void)state;
    ph[1].p_vaddr = DATA_VA + 8;
    refused("segment 1: file offset 0x1000 and address 0x401008 differ modulo 4096");
}

static void test_elf_rejects_shared_pages(void **state)
{
    (void)state;
    /* Data sharing text's last page: legal for ld without -z separate-code, not for us. */
    ph[0].p_filesz = ph[0].p_memsz = 0x900;
    ph[1].p_offset = 0x900;
    ph[1].p_vaddr = TEXT_VA + 0x900;
    refused("segments 0 and 1 share the page at 0x400000");
    setup_good(NULL);
    /* A later segment inside an earlier one's bss pages, with a PT_NOTE in between. */
    ph[4] = (Elf64_Phdr){PT_LOAD, PF_R, 0x1000, DATA_VA + 0x2000, 0, 0x10, 0x10, 0x1000};
    nph = 5;
    refused("segments 1 and 4 share the page at 0x403000");
    setup_good(NULL);
    ph[1].p_vaddr = TEXT_VA - 0x3000; /* ends inside text's page */
    ph[1].p_memsz = 0x3001;
    refused("segments 0 and 1 share the page at 0x400000");
}

static void test_elf_rejects_writable_executable(void **state)
{
    (void)state;
    ph[1].p_flags = PF_R | PF_W | PF_X;
    refused("segment 1 is both writable and executable");
    setup_good(NULL);
    ph[0].p_flags = PF_W | PF_X;
    refused("segment 0 is both writable and executable");
}

static void test_elf_rejects_entry_outside_text(void **state)
{
    (void)state;
    eh.e_entry = DATA_VA + 0x10; /* in a mapped but non-executable segment */
    refused("entry point 0x401010 is not inside an executable segment");
    setup_good(NULL);
    eh.e_entry = TEXT_VA + 0x1000; /* one past the end of text */
    refused("entry point 0x401000 is not inside");
    setup_good(NULL);
    eh.e_entry = 0;
    refused("entry point 0x0 is not inside");
    setup_good(NULL);
    eh.e_entry = TEXT_VA + 0xfff; /* last byte: accepted */
    assert_int_equal(parse(), 0);
}

/* Text, then n one-page read-only PT_LOAD segments above the data. */
static void add_loads(unsigned n)
{
    nph = 2;
    for (unsigned i = 0; i < n; i++) {
        uint64_t va = 0x500000 + (uint64_t)i * 0x1000;
        ph[nph++] = (Elf64_Phdr){PT_LOAD, PF_R, 0x1000, va, va, 0x10, 0x10, 0x1000};
    }
}

static void test_elf_segment_limit(void **state)
{
    (void)state;
    add_loads(ELF_MAX_SEGMENTS - 2);
    assert_int_equal(parse(), 0);
    assert_int_equal(out.nsegments, ELF_MAX_SEGMENTS);
    assert_int_equal(out.seg[ELF_MAX_SEGMENTS - 1].vaddr, 0x500000 + 13 * 0x1000);
    add_loads(ELF_MAX_SEGMENTS - 1);
    refused("segment 16 is PT_LOAD number 17: at most 16 are supported");
}

static void test_elf_rejects_no_load_segment(void **state)
{
    (void)state;
    ph[0] = ph[2];
    ph[1] = ph[3];
    nph = 2;
    refused("no PT_LOAD segment");
}

static void test_elf_rejects_dynamic_linking(void **state)
{
    (void)state;
    memmove(&ph[1], &ph[0], 4 * sizeof(ph[0]));
    ph[0] = (Elf64_Phdr){PT_INTERP, PF_R, 0x200, TEXT_VA + 0x200, 0, 0x1c, 0x1c, 1};
    nph = 5;
    refused("segment 0 is PT_INTERP (asks for a dynamic loader): dynamic linking is not supported");
    setup_good(NULL);
    ph[4] = (Elf64_Phdr){PT_DYNAMIC, PF_R | PF_W, 0x1100, DATA_VA + 0x100, 0, 0x100, 0x100, 8};
    nph = 5;
    refused("segment 4 is PT_DYNAMIC: dynamic linking is not supported");
}

static void test_elf_error_buffer_is_bounded(void **state)
{
    (void)state;
    char small[12];
    eh.e_machine = EM_386;
    build();
    memset(small, 'x', sizeof(small));
    assert_int_equal(elf_parse(img, img_size, USER_TOP, &out, small, sizeof(small)), -1);
    assert_string_equal(small, "ELF file fo");
    assert_int_equal(elf_parse(img, img_size, USER_TOP, &out, NULL, 0), -1);
    setup_good(NULL);
    build();
    strcpy(err, "stale");
    assert_int_equal(elf_parse(img, img_size, USER_TOP, &out, err, sizeof(err)), 0);
    assert_string_equal(err, "");
}

/* --- random mutations ----------------------------------------------------------------- */

static uint64_t rng;

static uint64_t next_rand(void) /* xorshift64: deterministic on every host */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Values on the parser's boundaries, give or take one, and now and then any value. */
static uint64_t interesting(void)
{
    static const uint64_t v[] = {0, 0x1000, IMG_SIZE, TEXT_VA, DATA_VA, USER_TOP, 1ull << 63};

    if (next_rand() % 4 == 0) {
        return next_rand();
    }
    return v[next_rand() % ARRAY_SIZE(v)] + next_rand() % 3 - 1; /* 0 - 1 wraps to UINT64_MAX */
}

/* One random change to buf (len bytes, headers at the front) or to its length. */
static void mutate(uint8_t *buf, uint64_t *len)
{
    uint64_t hdrs = sizeof(Elf64_Ehdr) + 6 * sizeof(Elf64_Phdr);
    switch (next_rand() % 6) {
    case 0: /* flip a bit in the headers */
        buf[next_rand() % hdrs] ^= (uint8_t)(1u << (next_rand() % 8));
        break;
    case 1: /* a random byte in the headers */
        buf[next_rand() % hdrs] = (uint8_t)next_rand();
        break;
    case 2: /* a boundary value into an 8-byte field of the headers */
    case 3: {
        uint64_t v = interesting(), at = next_rand() % (hdrs - 8);
        memcpy(buf + (at & ~7ull), &v, 8);
        break;
    }
    case 4: { /* a small value into e_type, e_machine, e_phentsize or e_phnum */
        static const size_t field[] = {
            offsetof(Elf64_Ehdr, e_type), offsetof(Elf64_Ehdr, e_machine),
            offsetof(Elf64_Ehdr, e_phentsize), offsetof(Elf64_Ehdr, e_phnum)};
        uint16_t v = (uint16_t)(next_rand() % 64);
        memcpy(buf + field[next_rand() % ARRAY_SIZE(field)], &v, 2);
        break;
    }
    default: /* cut the image */
        *len = next_rand() % (*len + 1);
        break;
    }
}

/* Everything the loader relies on holds for an accepted image of len bytes. */
static void check_consistent(uint64_t len)
{
    assert_true(out.nsegments >= 1 && out.nsegments <= ELF_MAX_SEGMENTS);
    bool entry_ok = false;
    for (unsigned i = 0; i < out.nsegments; i++) {
        const struct elf_segment *s = &out.seg[i];
        assert_true(s->filesz <= s->memsz && s->memsz > 0);
        assert_true(s->offset <= len && s->filesz <= len - s->offset);
        assert_true(s->vaddr >= 0x1000 && s->vaddr + s->memsz > s->vaddr);
        assert_true(s->vaddr + s->memsz <= USER_TOP);
        assert_int_equal(s->offset % 4096, s->vaddr % 4096);
        assert_false(s->write && s->exec);
        for (unsigned j = 0; j < i; j++) {
            const struct elf_segment *t = &out.seg[j];
            bool apart = (s->vaddr + s->memsz - 1) / 4096 < t->vaddr / 4096 ||
                         (t->vaddr + t->memsz - 1) / 4096 < s->vaddr / 4096;
            assert_true(apart);
        }
        entry_ok |= s->exec && out.entry >= s->vaddr && out.entry < s->vaddr + s->memsz;
    }
    assert_true(entry_ok);
}

static void test_elf_random_mutations(void **state)
{
    (void)state;
    static uint8_t buf[IMG_SIZE];
    unsigned accepted = 0, refused_n = 0;

    ph[4] = (Elf64_Phdr){PT_LOAD, PF_R, 0x1000, 0x600000, 0x600000, 0x10, 0x2000, 0x1000};
    ph[5] = (Elf64_Phdr){PT_TLS, PF_R, 0x1100, 0, 0, 0x10, 0x40, 8};
    nph = 6;
    build();
    rng = 0x5eed0fe1f0123457ull;
    for (unsigned iter = 0; iter < 6000; iter++) {
        uint64_t len = img_size;
        memcpy(buf, img, sizeof(buf));
        for (unsigned k = 1 + next_rand() % 4; k > 0; k--) {
            mutate(buf, &len);
        }
        int r = parse_bytes(buf, len, iter % 3, USER_TOP);
        if (r == 0) {
            accepted++;
            assert_string_equal(err, "");
            check_consistent(len);
        } else {
            refused_n++;
            assert_int_equal(r, -1);
            if (err[0] == '\0' || strlen(err) >= sizeof(err) - 1 || strchr(err, '\n')) {
                fail_msg("iteration %u: bad message \"%s\"", iter, err);
            }
        }
    }
    /* Both outcomes must be common, or the walk tests nothing. */
    print_message("random mutations: %u accepted, %u refused\n", accepted, refused_n);
    assert_true(accepted > 500 && refused_n > 500);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup(name, setup_good)
    const struct CMUnitTest tests[] = {
        T(test_elf_accepts_static_executable),
        T(test_elf_accepts_unaligned_module),
        T(test_elf_segment_ending_at_user_top_and_unaligned_data),
        T(test_elf_ignores_other_segment_types),
        T(test_elf_rejects_bad_magic),
        T(test_elf_rejects_32bit_class),
        T(test_elf_rejects_big_endian),
        T(test_elf_rejects_wrong_version),
        T(test_elf_rejects_wrong_machine),
        T(test_elf_rejects_et_dyn_and_other_types),
        T(test_elf_rejects_truncated_header),
        T(test_elf_rejects_bad_phentsize_and_phnum),
        T(test_elf_rejects_phoff_beyond_file),
        T(test_elf_rejects_phdr_table_overflow),
        T(test_elf_rejects_segment_offset_overflow),
        T(test_elf_rejects_segment_beyond_size),
        T(test_elf_rejects_filesz_above_memsz),
        T(test_elf_rejects_empty_load_segment),
        T(test_elf_rejects_page_zero),
        T(test_elf_rejects_segment_beyond_user_top),
        T(test_elf_rejects_wrapping_segment),
        T(test_elf_rejects_offset_vaddr_mismatch),
        T(test_elf_rejects_shared_pages),
        T(test_elf_rejects_writable_executable),
        T(test_elf_rejects_entry_outside_text),
        T(test_elf_segment_limit),
        T(test_elf_rejects_no_load_segment),
        T(test_elf_rejects_dynamic_linking),
        T(test_elf_error_buffer_is_bounded),
        T(test_elf_random_mutations),
    };
#undef T
    return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
