/* SPDX-License-Identifier: MIT */
/*
 * uapi/axl/pstore.h: the persistent crash records Axolotl writes to the
 * ACPI ERST store, byte for byte. The kernel writes them (panic/pstore.c),
 * reads them back on the next boot, and the host decoder (tools/crash/)
 * and harness (tools/axlpy/pstore.py) read the store file. docs/crash.md
 * explains the format, the key, the counter and the threat model.
 *
 * Everything is little-endian and packed: offsets are part of the format.
 *
 * One record = one ERST record:
 *
 *   offset 0    struct axl_cper_header        UEFI CPER record header (128)
 *   offset 128  struct axl_cper_section       one section descriptor (72)
 *   offset 200  struct axl_pstore_body        Axolotl's payload, fixed part
 *   ...         log bytes (body.log_len)       the tail of the kernel log
 *   end - 16    tag[16]                        ChaCha20-Poly1305 tag
 *
 * cper.record_length covers all of it, tag included. The tag authenticates
 * bytes [0, record_length - 16) as associated data with an empty message
 * (nothing is encrypted: a record is readable without the key, trusted
 * only with it). The 96-bit nonce is salt (4 bytes, LE) || counter (8
 * bytes, LE), both taken from the body; counters are strictly increasing
 * per machine and never reused (see docs/crash.md, "Key and counter").
 *
 * Freestanding: needs only <stdint.h>-style fixed-width types.
 */
#ifndef AXL_UAPI_PSTORE_H
#define AXL_UAPI_PSTORE_H

#ifndef __ASSEMBLER__
#include <stdint.h>

/* --- the ERST backing file (QEMU's acpi-erst memory-backend-file) --- */

/* Slot 0 of the file is this header; slot i (1 <= i < file size / record
 * size) holds one record at file offset i * record_size, and map[i] is
 * its record id (0 = free). Trailing bytes of a slot are 0xFF. */
#define AXL_ERST_FILE_MAGIC 0x524F545354535245ull /* "ERSTSTOR" */
struct axl_erst_file_header {
    uint64_t magic;
    uint32_t record_size;    /* bytes per slot (8192 by default) */
    uint32_t storage_offset; /* file offset of the first record slot */
    uint16_t version;       /* 0x0100 */
    uint16_t reserved;
    uint32_t record_count;
    uint64_t map[]; /* map[i]: record id in slot i, 0 = free */
} __attribute__((packed));
_Static_assert(sizeof(struct axl_erst_file_header) == 24, "ERST file header layout");

/* --- UEFI CPER (UEFI spec, appendix N) --- */

struct axl_guid {
    uint32_t d1;
    uint16_t d2, d3;
    uint8_t d4[8];
} __attribute__((packed));
_Static_assert(sizeof(struct axl_guid) == 16, "GUID layout");

#define AXL_CPER_SIGNATURE "CPER"
#define AXL_CPER_REVISION 0x0101
#define AXL_CPER_SIGNATURE_END 0xFFFFFFFFu
#define AXL_CPER_SEVERITY_FATAL 1
#define AXL_CPER_SEVERITY_INFO 3
#define AXL_CPER_VALID_PLATFORM_ID 0x1 /* validation bits */
#define AXL_CPER_VALID_TIMESTAMP 0x2
#define AXL_CPER_VALID_PARTITION_ID 0x4

struct axl_cper_header {
    char signature[4];         /* "CPER" */
    uint16_t revision;         /* AXL_CPER_REVISION */
    uint32_t signature_end;    /* 0xFFFFFFFF */
    uint16_t section_count;    /* 1 */
    uint32_t error_severity;   /* FATAL for a panic, INFO for the state record */
    uint32_t validation_bits;  /* 0: no platform id, timestamp, partition id */
    uint32_t record_length;    /* whole record, tag included; >= 216 */
    uint64_t timestamp;        /* 0 (not valid: the kernel has no RTC time) */
    struct axl_guid platform_id;
    struct axl_guid partition_id;
    struct axl_guid creator_id;        /* AXL_PSTORE_CREATOR_GUID */
    struct axl_guid notification_type; /* AXL_PSTORE_NOTIFY_GUID */
    uint64_t record_id;        /* panic: body.counter; state: AXL_PSTORE_STATE_ID;
                                  reserved: body.next_counter */
    uint32_t flags;            /* 0 */
    uint64_t persistence_info; /* 0 */
    uint8_t reserved[12];
} __attribute__((packed));
_Static_assert(sizeof(struct axl_cper_header) == 128, "CPER header layout");

struct axl_cper_section {
    uint32_t section_offset; /* 200: from the start of the record */
    uint32_t section_length; /* record_length - 200 */
    uint16_t revision;       /* AXL_CPER_REVISION */
    uint8_t validation_bits; /* 0 */
    uint8_t reserved;
    uint32_t flags;          /* 1: primary */
    struct axl_guid section_type; /* AXL_PSTORE_SECTION_GUID */
    struct axl_guid fru_id;       /* zero */
    uint32_t section_severity;    /* as the header's */
    char fru_text[20];            /* "axolotl kernel" */
} __attribute__((packed));
_Static_assert(sizeof(struct axl_cper_section) == 72, "CPER section descriptor layout");

/* Axolotl's GUIDs (random, version 4), written as {d1, d2, d3, {d4}}. */
#define AXL_PSTORE_CREATOR_GUID                                                                    \
    {0x6a5c1f0e, 0x3b7d, 0x4c2a, {0x9e, 0x41, 0x5f, 0x0b, 0x8d, 0x27, 0xc3, 0x66}}
#define AXL_PSTORE_NOTIFY_GUID                                                                     \
    {0x1d2e7a90, 0x64c8, 0x4f3b, {0xa2, 0x5d, 0x70, 0x19, 0xee, 0x4b, 0x06, 0xf1}}
#define AXL_PSTORE_SECTION_GUID                                                                    \
    {0xc4b83e21, 0x0f6a, 0x47d9, {0x8b, 0x13, 0x2e, 0x95, 0x4a, 0xd0, 0x7c, 0x58}}

/* --- Axolotl's payload --- */

#define AXL_PSTORE_MAGIC 0x504C5841u /* "AXLP" */
#define AXL_PSTORE_VERSION 1
#define AXL_PSTORE_TAG_SIZE 16
#define AXL_PSTORE_RECORD_MAX 8192 /* QEMU's exchange buffer and default slot */
#define AXL_PSTORE_BODY_OFFSET 200 /* sizeof header + sizeof section */
#define AXL_PSTORE_BACKTRACE_MAX 16
#define AXL_PSTORE_REASON_MAX 160
/* The record id of the state record (ASCII "AXLSTATE", read as LE u64). */
#define AXL_PSTORE_STATE_ID 0x4554415453584C41ull

/* body.kind */
#define AXL_PSTORE_KIND_PANIC 1 /* a kernel panic */
#define AXL_PSTORE_KIND_STATE 2 /* boot counter and counters; see below */
/* A slot held at boot for this boot's panic record, whose record id (and
 * counter) is body.next_counter: the panic write overwrites it in place, so
 * it never needs a free slot. Found at the next boot, it means "no panic". */
#define AXL_PSTORE_KIND_RESERVED 3

/* body.flags */
#define AXL_PSTORE_F_KEYED 0x1     /* tag made with the machine key (else all-zero key) */
#define AXL_PSTORE_F_HAVE_TRAP 0x2 /* trap vector, error code and regs are from a trap */
#define AXL_PSTORE_F_HAVE_IDT 0x4  /* idt_present is valid */

/* Registers, in this order, in body.regs[] (the trap frame, or the
 * registers kpanic captured). */
#define AXL_PSTORE_REGS(X)                                                                         \
    X(0, RAX) X(1, RBX) X(2, RCX) X(3, RDX) X(4, RSI) X(5, RDI) X(6, RBP) X(7, RSP) X(8, R8)       \
    X(9, R9) X(10, R10) X(11, R11) X(12, R12) X(13, R13) X(14, R14) X(15, R15) X(16, RIP)          \
    X(17, RFLAGS) X(18, CS) X(19, SS) X(20, CR0) X(21, CR2) X(22, CR3) X(23, CR4)
#define AXL_PSTORE_NREGS 24

struct axl_pstore_body {
    uint32_t magic;     /* AXL_PSTORE_MAGIC */
    uint16_t version;   /* AXL_PSTORE_VERSION */
    uint16_t kind;      /* AXL_PSTORE_KIND_* */
    uint32_t flags;     /* AXL_PSTORE_F_* */
    uint32_t salt;      /* nonce bytes 0..3: random per boot */
    uint64_t counter;   /* nonce bytes 4..11: never repeats on a machine */
    uint64_t boot_count;      /* which boot of this store wrote it (1 = first) */
    uint64_t uptime_ns;       /* time since boot when written (TSC based) */
    uint64_t panic_tsc;       /* TSC at panic entry; 0 in a state record */
    uint8_t build_id[20];     /* the kernel's GNU build id (SHA-1) */
    uint32_t key_id;          /* first 4 bytes of the key's fingerprint, 0 unkeyed */
    /* panic records only (zero in a state record): */
    uint32_t panic_code;      /* enum axl_panic_code */
    uint32_t vector;          /* trap vector, or 0xFFFFFFFF */
    uint64_t error_code;      /* the trap's error code */
    uint64_t regs[AXL_PSTORE_NREGS];
    uint32_t backtrace_count; /* valid entries of backtrace[] */
    uint32_t reserved0;
    uint64_t backtrace[AXL_PSTORE_BACKTRACE_MAX]; /* return addresses, [0] = RIP */
    uint64_t idt_base;        /* linear address of the IDT in use */
    uint8_t idt_present[32];  /* bit v: IDT gate v has P set */
    char reason[AXL_PSTORE_REASON_MAX]; /* the panic's one-line reason, NUL-padded */
    /* state records (zero in a panic record): */
    uint64_t next_counter;    /* counters below this may have been used; in a reserved
                                 record: the counter the panic record will use */
    uint64_t last_consumed;   /* highest panic-record counter already reported */
    uint32_t log_len;         /* bytes of kernel log that follow this struct */
    uint32_t reserved1;
} __attribute__((packed));
_Static_assert(sizeof(struct axl_pstore_body) == 640, "pstore body layout");

/* The most log bytes a record can hold. */
#define AXL_PSTORE_LOG_MAX                                                                         \
    (AXL_PSTORE_RECORD_MAX - AXL_PSTORE_BODY_OFFSET - 640 - AXL_PSTORE_TAG_SIZE)

/* --- the records handed to user space ---
 *
 * At boot the kernel verifies what the store holds and hands every panic
 * record it found, trusted or not, to the root task: frames listed in
 * axl_bootinfo (pstore_first_slot, pstore_frames), read-only. The first
 * page is struct axl_pstore_handoff; each entry's record bytes, exactly as
 * read from the store, lie at entry.offset from the start of the first
 * page. The kernel's verdict is final: user space has no key and cannot
 * re-check the tag; it can check the structure (docs/crash.md, "Reading
 * the records in user space"). The store itself is cleared of them.
 */
#define AXL_PSTORE_HANDOFF_MAGIC 0x31464f48534c5841ull /* "AXLSHOF1" */
#define AXL_PSTORE_HANDOFF_VERSION 1
#define AXL_PSTORE_HANDOFF_MAX 8   /* entries: more records wait in the store for a later boot */
#define AXL_PSTORE_WHY_MAX 104     /* the verdict's reason, NUL-terminated */

/* X(value, NAME, "meaning"): the kernel's verdict on a record. */
#define AXL_PSTORE_VERDICTS(X)                                                                     \
    X(0, AUTHENTIC, "the tag verifies under the machine key, and it was not reported before")     \
    X(1, UNKEYED, "written without a machine key: not trustworthy")                               \
    X(2, UNVERIFIED, "keyed, but this boot has no key to check it")                               \
    X(3, FORGED, "well-formed and complete, but the tag is wrong")                                \
    X(4, TORN, "the write did not complete")                                                      \
    X(5, TRUNCATED, "its length runs past the bytes the store holds")                             \
    X(6, MALFORMED, "ours, but inconsistent, or the store could not read it")                    \
    X(7, REPLAYED, "authentic, but already reported by an earlier boot")

#define AXL_PSTORE_H_TRUSTED 0x1 /* entry.flags: AUTHENTIC and a panic: "previous boot crashed" */

struct axl_pstore_handoff_entry {
    uint64_t id;      /* its ERST record id */
    uint32_t verdict; /* AXL_PSTORE_VERDICT_* */
    uint32_t flags;   /* AXL_PSTORE_H_* */
    uint32_t offset;  /* of its bytes from the handoff's start; 0 when length is 0 */
    uint32_t length;  /* bytes kept (0: unreadable); at most AXL_PSTORE_RECORD_MAX */
    char why[AXL_PSTORE_WHY_MAX];
} __attribute__((packed));
_Static_assert(sizeof(struct axl_pstore_handoff_entry) == 128, "handoff entry layout");

struct axl_pstore_handoff {
    uint64_t magic;      /* AXL_PSTORE_HANDOFF_MAGIC */
    uint32_t version;    /* AXL_PSTORE_HANDOFF_VERSION */
    uint32_t count;      /* valid entries */
    uint32_t size;       /* bytes of the handoff, records included */
    uint32_t key_id;     /* this boot's machine key fingerprint (0: no key) */
    uint64_t boot_count; /* this boot's number in the store */
    uint64_t reserved[4];
    struct axl_pstore_handoff_entry entry[AXL_PSTORE_HANDOFF_MAX];
} __attribute__((packed));
_Static_assert(sizeof(struct axl_pstore_handoff) == 1088, "handoff header layout (one page)");

enum axl_pstore_verdict {
#define AXL_X(value, name, text) AXL_PSTORE_VERDICT_##name = (value),
    AXL_PSTORE_VERDICTS(AXL_X)
#undef AXL_X
};

#endif /* !__ASSEMBLER__ */
#endif /* AXL_UAPI_PSTORE_H */
