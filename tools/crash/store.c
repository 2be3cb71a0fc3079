/* SPDX-License-Identifier: MIT */
/*
 * store.c: the ERST backing file QEMU's acpi-erst device keeps (hw/acpi/erst.c):
 * slot 0 onwards holds a header and the map of record ids; slot i >= first
 * holds one record at offset i * record_size, and map[i] is its id (0: free;
 * a cleared record's bytes stay, only its map entry is zeroed).
 *
 * The header (struct axl_erst_file_header) gives record_size at offset 8 and
 * storage_offset at 12, as QEMU lays them out; a store whose record size is
 * not a power of two, or whose first slot is not a multiple of it, is refused.
 */
#include <string.h>

#include "crash.h"

#define HEADER_SIZE 24u /* magic, two u32, version, reserved, record_count */

static bool plausible(uint32_t record_size, uint32_t offset)
{
    return record_size >= 1024 && record_size <= (1u << 24) &&
           (record_size & (record_size - 1)) == 0 && offset % record_size == 0;
}

int crash_store_open(const uint8_t *buf, size_t len, struct crash_store *st, char *err,
                     size_t errlen)
{
    memset(st, 0, sizeof(*st));
    if (len < HEADER_SIZE || crash_rd64(buf) != AXL_ERST_FILE_MAGIC) {
        snprintf(err, errlen, "not an ERST store (no ERSTSTOR header)");
        return -1;
    }
    uint32_t a = crash_rd32(buf + 8), b = crash_rd32(buf + 12);
    uint32_t size, offset;
    if (plausible(a, b)) {
        size = a;
        offset = b;
    } else {
        snprintf(err, errlen,
                 "ERST header: record size %u / storage offset %u are not a power-of-two slot "
                 "size and a multiple of it",
                 a, b);
        return -1;
    }
    st->record_size = size;
    st->first_slot = offset / size ? offset / size : 1;
    st->version = crash_rd16(buf + 16);
    st->header_count = crash_rd32(buf + 20);
    uint64_t slots = len / size + (len % size ? 1 : 0);
    st->short_file = len % size != 0;
    st->nslots = slots > UINT32_MAX ? UINT32_MAX : (uint32_t)slots;
    return 0;
}

uint64_t crash_store_map(const uint8_t *buf, size_t len, const struct crash_store *st,
                         uint32_t slot)
{
    uint64_t header_end = (uint64_t)st->first_slot * st->record_size;
    uint64_t at = HEADER_SIZE + 8ull * slot;
    if (at + 8 > header_end || at + 8 > len) {
        return 0;
    }
    return crash_rd64(buf + at);
}

const uint8_t *crash_store_slot(const uint8_t *buf, size_t len, const struct crash_store *st,
                                uint32_t slot, size_t *slot_len)
{
    uint64_t at = (uint64_t)slot * st->record_size;
    *slot_len = 0;
    if (slot < st->first_slot || at >= len) {
        return NULL;
    }
    uint64_t n = len - at;
    *slot_len = n < st->record_size ? (size_t)n : st->record_size;
    return buf + at;
}
