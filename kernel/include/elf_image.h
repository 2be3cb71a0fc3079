/* SPDX-License-Identifier: MIT */
/*
 * elf_image.h: validates the root task's ELF64 image (core/elf.c).
 *
 * The root task is the first boot module: input like any other, so every
 * offset, size and address in it is checked before the loader relies on
 * it. A valid image is a static x86-64 ET_EXEC whose PT_LOAD segments can
 * be mapped page by page into a fresh address space: each segment's file
 * offset and address agree modulo 4 KiB, no two segments share a page, no
 * segment is both writable and executable, and the entry point lies in an
 * executable segment. Pure code: no allocation, no locks, no globals, so
 * the unit tests run it on the host.
 *
 * The on-disk structures are our own definitions (ELF-64 Object File
 * Format 1.5, System V ABI gABI ch. 4-5), named so that they do not clash
 * with a C library's <elf.h>; the unit test checks their layout against it.
 */
#ifndef AXL_ELF_IMAGE_H
#define AXL_ELF_IMAGE_H

#include "types.h"

#define ELF_MAX_SEGMENTS 16 /* PT_LOAD segments; a static root task needs 2-4 */

/* One PT_LOAD segment, validated. Bytes [offset, offset + filesz) of the
 * image go to [vaddr, vaddr + filesz); the rest up to memsz is zeroed. */
struct elf_segment {
    uint64_t vaddr;         /* >= 0x1000; vaddr % 4096 == offset % 4096 */
    uint64_t memsz;         /* > 0; vaddr + memsz <= user_top */
    uint64_t offset;        /* offset + filesz <= image size (offset itself too) */
    uint64_t filesz;        /* <= memsz */
    bool read, write, exec; /* never both write and exec */
};

struct elf_image {
    uint64_t entry;                           /* inside a segment with exec set */
    unsigned nsegments;                       /* 1..ELF_MAX_SEGMENTS, in program header order */
    struct elf_segment seg[ELF_MAX_SEGMENTS]; /* no two share a 4 KiB page */
};

/*
 * Validates the ELF64 image of size bytes at data (any alignment), for an
 * address space whose user part ends at user_top (exclusive; page-aligned).
 * Reads nothing outside [data, data + size). Returns 0 with *out filled,
 * or -1 with *out zeroed and one sentence (no newline, NUL-terminated,
 * cut to errlen bytes; err may be NULL if errlen is 0) saying what is
 * wrong; segments are named by their program header index, as readelf -l
 * numbers them. Never blocks; callable at any time.
 */
int elf_parse(const void *data, uint64_t size, uint64_t user_top, struct elf_image *out, char *err,
              size_t errlen);

/* --- on-disk layout (little-endian, read with memcpy: images may be unaligned) --- */

#define ELF_EI_NIDENT 16

struct elf64_ehdr {
    uint8_t e_ident[ELF_EI_NIDENT]; /* magic, class, data, version, OS ABI, padding */
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 file header is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header is 56 bytes");

#endif /* AXL_ELF_IMAGE_H */
