/* SPDX-License-Identifier: MIT */
/*
 * crash.h: the host-side crash decoder's library (the .c files of
 * tools/crash/ but main.c and exec.c). It reads Axolotl's crash records (uapi/axl/pstore.h)
 * from an ACPI ERST store file, from a lone record, or from the memory of
 * a QEMU dump-guest-memory ELF core, and prints what they say.
 *
 * Every parser takes (pointer, length) and checks every field against the
 * length: any input, however damaged, is decoded or refused, never read
 * out of bounds. Nothing here runs a program or opens a file, so the unit
 * tests and the fuzz target (fuzz_decode.c) use all of it; exec.c adds nm,
 * addr2line and file loading for the command (main.c).
 */
#ifndef AXL_CRASH_H
#define AXL_CRASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pstore_record.h>

/* --- little-endian access to unaligned bytes --- */

static inline uint16_t crash_rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t crash_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t crash_rd64(const uint8_t *p)
{
    return (uint64_t)crash_rd32(p) | (uint64_t)crash_rd32(p + 4) << 32;
}

/* --- what the input is --- */

enum crash_kind {
    CRASH_KIND_UNKNOWN,
    CRASH_KIND_ERST,   /* a QEMU acpi-erst backing file */
    CRASH_KIND_ELF,    /* a dump-guest-memory ELF64 core */
    CRASH_KIND_RECORD, /* one CPER record on its own */
};
const char *crash_kind_name(enum crash_kind k); /* "erst", "elf-dump", "record", "unknown" */

/* Where the ELF magic is in the first 64 KiB, scanned in aligned 32-bit words. */
struct crash_byteorder {
    bool found;
    bool swapped;  /* found as 46 4c 45 7f: every 32-bit word is byte-swapped */
    size_t offset; /* of the word holding the magic */
};
#define CRASH_MAGIC_SCAN (64 * 1024)

bool crash_find_elf_magic(const uint8_t *buf, size_t len, struct crash_byteorder *bo);
/* Reverses the bytes of every whole aligned 32-bit word of buf (a trailing partial word stays). */
void crash_swap32(uint8_t *buf, size_t len);
/* ERST ("ERSTSTOR" at 0), a lone record ("CPER" at 0), else an ELF (magic found by
 * crash_find_elf_magic, which fills bo), else UNKNOWN. */
enum crash_kind crash_detect(const uint8_t *buf, size_t len, struct crash_byteorder *bo);

/* --- the ERST store file (store.c) --- */

struct crash_store {
    uint32_t record_size; /* bytes per slot */
    uint32_t first_slot;  /* the first record slot (QEMU: storage_offset / record_size) */
    uint32_t nslots;      /* slots in the file, header slots included */
    uint32_t header_count; /* the header's record_count */
    uint16_t version;
    bool short_file;     /* the file ends inside its last slot */
};

/* Checks the header; 0 if usable, else -1 with a reason in err. */
int crash_store_open(const uint8_t *buf, size_t len, struct crash_store *st, char *err,
                     size_t errlen);
/* The record id in map[slot] (0 = free), or 0 when the map does not reach it. */
uint64_t crash_store_map(const uint8_t *buf, size_t len, const struct crash_store *st,
                         uint32_t slot);
/* The bytes of slot (up to record_size, fewer at the end of a short file); NULL if none. */
const uint8_t *crash_store_slot(const uint8_t *buf, size_t len, const struct crash_store *st,
                                uint32_t slot, size_t *slot_len);

/* --- one decoded record (record.c) --- */

/* What a record is, as reported: pstore_check's verdict, or REPLAYED. */
enum crash_status {
    CRASH_AUTHENTIC,
    CRASH_UNKEYED,
    CRASH_UNVERIFIED,
    CRASH_FORGED,
    CRASH_TORN,
    CRASH_TRUNCATED,
    CRASH_MALFORMED,
    CRASH_FOREIGN,
    CRASH_REPLAYED,
    CRASH_NSTATUS
};
const char *crash_status_name(enum crash_status s); /* "authentic", ..., "replayed" */

/* The body, decoded field by field (not a pointer into the packed bytes). */
struct crash_body {
    uint32_t magic;
    uint16_t version, kind;
    uint32_t flags, salt;
    uint64_t counter, boot_count, uptime_ns, panic_tsc;
    uint8_t build_id[20];
    uint32_t key_id, panic_code, vector;
    uint64_t error_code;
    uint64_t regs[AXL_PSTORE_NREGS];
    uint32_t backtrace_count; /* as written */
    uint64_t backtrace[AXL_PSTORE_BACKTRACE_MAX];
    uint64_t idt_base;
    uint8_t idt_present[32];
    char reason[AXL_PSTORE_REASON_MAX + 1]; /* NUL-terminated */
    uint64_t next_counter, last_consumed;
    uint32_t log_len; /* as written */
};

enum crash_where { CRASH_AT_SLOT, CRASH_AT_MEMORY, CRASH_AT_FILE };

struct crash_record {
    unsigned number; /* 1, 2, ... as reported */
    enum crash_where where;
    uint32_t slot;   /* CRASH_AT_SLOT */
    uint64_t id;     /* CRASH_AT_SLOT: the store map's id */
    uint64_t addr;   /* CRASH_AT_MEMORY: physical address; CRASH_AT_FILE: file offset */
    size_t avail;    /* bytes available from the start of the record */

    enum pstore_verdict verdict; /* pstore_check's */
    enum crash_status status;    /* verdict, or REPLAYED */
    char why[192];               /* reason for any status but AUTHENTIC */

    bool have_header;            /* at least a CPER header's worth of bytes */
    uint64_t header_id;          /* its record_id */
    uint32_t record_length;
    uint8_t creator[16];         /* the creator GUID, as stored */

    bool readable; /* the body's bytes are there and its magic is ours: fields below are valid */
    struct crash_body body;
    const uint8_t *log; /* into the input; log_avail bytes */
    size_t log_avail;
    uint32_t given_key_id; /* the key id of the --key, 0 without a key */
    unsigned same_as;      /* CRASH_AT_MEMORY: a byte-identical copy of this record number */
};

/* Decodes the record at rec (avail bytes there) with pstore_check and key (may be NULL). */
void crash_record_decode(struct crash_record *r, const uint8_t *rec, size_t avail,
                         const uint8_t *key);
/* "panic", "state", "foreign", or "unknown". */
const char *crash_record_type(const struct crash_record *r);
/* The replay rule over a store's records, in slot order: see record.c. */
void crash_apply_replay(struct crash_record *recs, size_t n);
/* The formatted GUID "{6a5c1f0e-3b7d-4c2a-9e41-5f0b8d27c366}" of 16 stored bytes (buf >= 39). */
void crash_guid_format(const uint8_t g[16], char *buf, size_t size);

/* --- summary and exit status --- */

struct crash_summary {
    unsigned records;               /* all, foreign included */
    unsigned count[CRASH_NSTATUS];
    unsigned bad;                   /* non-foreign, non-authentic */
    char why[256];                  /* "record 3 is forged, record 4 is torn" when bad */
};
void crash_summarize(const struct crash_record *recs, size_t n, struct crash_summary *s);
/* 0 when every non-foreign record is authentic (none at all included), else 1. */
int crash_exit_status(const struct crash_summary *s);

/* --- ELF64 memory dumps (dump.c) --- */

struct crash_segment {
    uint64_t paddr; /* guest-physical start */
    uint64_t size;  /* bytes present in the file (p_filesz, clamped to the file) */
    const uint8_t *data;
};

struct crash_cpu_seg {
    uint32_t selector, limit, flags;
    uint64_t base;
};

struct crash_cpu {
    bool have_qemu;      /* a "QEMU" note: QEMUCPUState */
    bool have_prstatus;  /* an NT_PRSTATUS note */
    uint32_t version, size;
    uint64_t gpr[16];    /* rax rbx rcx rdx rsi rdi rsp rbp r8..r15 (QEMUCPUState order) */
    uint64_t rip, rflags;
    struct crash_cpu_seg cs, ds, es, fs, gs, ss, ldt, tr, gdt, idt;
    uint64_t cr[5];
};

#define CRASH_MAX_CPUS 64
#define CRASH_MAX_SEGMENTS 4096
#define CRASH_MAX_MEMRECS 32

struct crash_dump {
    const uint8_t *elf; /* the ELF image (at the magic's offset) */
    size_t len;
    uint16_t type, machine; /* e_type (4: a core file), e_machine (62: x86-64) */
    struct crash_segment *segs; /* malloc'd, sorted by paddr */
    size_t nsegs;
    uint64_t mem_bytes;
    struct crash_cpu cpus[CRASH_MAX_CPUS];
    size_t ncpus;
    bool truncated; /* some segment or note ran past the end of the file */
};

/* Parses the ELF at elf (len bytes: from the magic to the end). 0, or -1 with err. */
int crash_dump_open(const uint8_t *elf, size_t len, struct crash_dump *d, char *err,
                    size_t errlen);
void crash_dump_close(struct crash_dump *d);
/* Copies n guest-physical bytes at pa; false if any byte is not in the dump. */
bool crash_dump_read_phys(const struct crash_dump *d, uint64_t pa, void *buf, size_t n);

/* How a virtual address translated (crash_dump_translate). */
enum crash_walk {
    CRASH_WALK_OK,
    CRASH_WALK_NONCANONICAL,
    CRASH_WALK_NOT_PRESENT, /* a paging entry has P=0 */
    CRASH_WALK_NO_MEMORY,   /* a page table is not in the dump */
};
/* The 4-level walk from cr3 (4 KiB, 2 MiB and 1 GiB pages); paging off (cr0.PG=0) is identity. */
enum crash_walk crash_dump_translate(const struct crash_dump *d, uint64_t cr0, uint64_t cr3,
                                     uint64_t va, uint64_t *pa, unsigned *level);
bool crash_dump_read_virt(const struct crash_dump *d, uint64_t cr0, uint64_t cr3, uint64_t va,
                          void *buf, size_t n);

/* The gates of an IDT read from memory (all 256; the report counts the 32 exceptions). */
enum crash_gate { CRASH_GATE_MISSING, CRASH_GATE_PRESENT, CRASH_GATE_BEYOND_LIMIT,
                  CRASH_GATE_UNREADABLE };
struct crash_idt {
    bool valid; /* any gate read at all */
    uint64_t base;
    uint32_t limit;
    enum crash_gate gate[256];
    uint64_t handler[256];
    unsigned present; /* exception gates 0..31 present */
};
void crash_dump_read_idt(const struct crash_dump *d, const struct crash_cpu *cpu,
                         struct crash_idt *idt);

/* Finds Axolotl records in memory (4-byte aligned "CPER", our creator, body magic); up to
 * max of them, their physical addresses and available bytes. Returns how many. */
size_t crash_dump_find_records(const struct crash_dump *d, uint64_t *paddr,
                               const uint8_t **where, size_t *avail, size_t max);

/* --- the kernel ELF and its symbols (elfsym.c) --- */

/* The NT_GNU_BUILD_ID of an ELF64 file, from SHT_NOTE sections or PT_NOTE segments.
 * Returns its length (0 if none), copying up to max bytes. */
size_t crash_elf_build_id(const uint8_t *elf, size_t len, uint8_t *id, size_t max);

struct crash_nm_sym {
    uint64_t addr, size; /* size 0 if nm gave none */
    char type;
    char *name;
};
struct crash_symtab {
    struct crash_nm_sym *syms; /* sorted by address */
    size_t n;
};
/* Parses `nm -n -S` (or `nm -n`) output; undefined symbols are skipped. 0, or -1 (no memory). */
int crash_symtab_parse(const char *text, size_t len, struct crash_symtab *t);
void crash_symtab_free(struct crash_symtab *t);
const struct crash_nm_sym *crash_symtab_find(const struct crash_symtab *t, const char *name);

/* The guard-page symbol (name contains "guard") whose 4 KiB page holds addr, or NULL. */
const struct crash_nm_sym *crash_guard_page(const struct crash_symtab *t, uint64_t addr);
/* CR2's classification, e.g. "NULL page", "a guard page (boot_stack_guard)",
 * "kernel text (kmain+0x12)"; t may be NULL. */
void crash_classify_addr(const struct crash_symtab *t, uint64_t addr, char *buf, size_t size);

/* Strips the longest prefix of path that ends with cwd + "/" (cwd may be NULL). */
const char *crash_strip_path(const char *path, const char *cwd);

/* --- symbol lookup, supplied by the caller (exec.c runs addr2line) --- */

struct crash_where_sym {
    char func[128]; /* "" when unknown */
    char file[256]; /* "" when unknown */
    unsigned line;  /* 0 when unknown */
};
struct crash_symbolizer {
    /* Fills out[i] for addrs[i]; returns false when nothing could be looked up. */
    bool (*lookup)(void *ctx, const uint64_t *addrs, size_t n, struct crash_where_sym *out);
    void *ctx;
    const struct crash_symtab *symtab; /* for classification; may be NULL */
    bool have_build_id;
    uint8_t build_id[20];
    size_t build_id_len;
};

/* --- a whole decode and its report (report.c) --- */

struct crash_report {
    const char *file;
    enum crash_kind kind;
    struct crash_byteorder bo;
    struct crash_store store;    /* CRASH_KIND_ERST */
    struct crash_dump dump;      /* CRASH_KIND_ELF */
    struct crash_idt idt;        /* CRASH_KIND_ELF: cpu 0's IDT from memory */
    struct crash_record *recs;   /* malloc'd */
    size_t nrecs;
    struct crash_summary sum;
    bool keyed; /* a key was given */
};

/* Decodes buf (len bytes; an ELF already converted to little-endian if bo says swapped).
 * Returns 0, or -1 with a reason in err (not a store or dump, a broken header, no memory). */
int crash_analyze(struct crash_report *r, const char *file, const uint8_t *buf, size_t len,
                  enum crash_kind kind, const struct crash_byteorder *bo, const uint8_t *key,
                  char *err, size_t errlen);
void crash_report_free(struct crash_report *r);

/* Prints the report; sym may be NULL (no kernel ELF). Returns the exit status (0 or 1). */
int crash_print_human(const struct crash_report *r, const struct crash_symbolizer *sym,
                      FILE *out);
int crash_print_json(const struct crash_report *r, const struct crash_symbolizer *sym,
                     FILE *out);

/* JSON string contents for n bytes of s (no quotes): escapes and replaces invalid UTF-8 with
 * U+FFFD. Writes at most size bytes (NUL-terminated when size > 0); returns the full length. */
size_t crash_json_escape(char *out, size_t size, const char *s, size_t n);

#endif /* AXL_CRASH_H */
