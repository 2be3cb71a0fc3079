/* SPDX-License-Identifier: MIT */
/*
 * alloc.c: slots and untyped memory for the cases (ktest.h).
 *
 * Both allocators only ever move forward. The boot information says
 * where the root CNode's free slots start and which untyped regions the
 * root task holds; ktest keeps its own watermark per region, placing
 * objects the way the kernel does (each aligned to its size, after the
 * last), so it never asks a region for more than it has. The kernel may
 * reuse a region once everything carved from it is deleted; ktest does
 * not count on that, so its estimate can only be too cautious.
 */
#include "ktest.h"

static uint64_t next_slot;                  /* 0 until the first call */
static uint64_t used[AXL_BOOT_MAX_UNTYPED]; /* bytes handed out of each boot untyped */

static bool bootinfo_usable(void)
{
    return axl_bootinfo && axl_bootinfo->magic == AXL_BOOTINFO_MAGIC;
}

uint64_t kt_slots(uint64_t count)
{
    const uint64_t nslots = 1ull << AXL_ROOT_CNODE_RADIX;

    if (!bootinfo_usable()) {
        return 0;
    }
    if (next_slot == 0) {
        next_slot = axl_bootinfo->first_free;
    }
    if (count == 0 || next_slot >= nslots || count > nslots - next_slot) {
        return 0;
    }
    uint64_t first = next_slot;
    next_slot += count;
    return first;
}

uint64_t kt_slot(void) { return kt_slots(1); }

int kt_object_bits(unsigned type, unsigned size_bits)
{
    static const signed char fixed[] = {
#define AXL_X(value, name, bits) [value] = (bits),
        AXL_OBJECT_TYPES(AXL_X)
#undef AXL_X
    };

    switch (type) {
    case AXL_OBJ_UNTYPED:
        return size_bits >= AXL_UNTYPED_MIN_BITS && size_bits <= AXL_UNTYPED_MAX_BITS
                   ? (int)size_bits
                   : -1;
    case AXL_OBJ_CNODE:
        return size_bits >= 1 && size_bits <= AXL_CNODE_MAX_RADIX
                   ? (int)(size_bits + AXL_CNODE_SLOT_BITS)
                   : -1;
    default:
        /* Size 0 in the table: the kernel alone makes these (objects.h). */
        return type < AXL_OBJ_COUNT && fixed[type] > 0 ? fixed[type] : -1;
    }
}

uint64_t kt_untyped(unsigned obj_bits, uint64_t count)
{
    if (!bootinfo_usable() || count == 0 || count > (1ull << AXL_CNODE_MAX_RADIX)) {
        return 0;
    }
    uint64_t n = axl_bootinfo->untyped_count;
    for (uint64_t i = 0; i < n && i < AXL_BOOT_MAX_UNTYPED; i++) {
        const struct axl_boot_untyped *u = &axl_bootinfo->untyped[i];
        if (u->device || obj_bits > u->size_bits || u->size_bits > AXL_UNTYPED_MAX_BITS) {
            continue;
        }
        uint64_t region = 1ull << u->size_bits, align = 1ull << obj_bits;
        uint64_t start = (used[i] + align - 1) & ~(align - 1);
        /* obj_bits <= 47 and count <= 2^16: the product fits. */
        if (start <= region && (count << obj_bits) <= region - start) {
            used[i] = start + (count << obj_bits);
            return axl_bootinfo->untyped_first + i;
        }
    }
    return 0;
}

long kt_retype(unsigned type, unsigned size_bits, uint64_t count, uint64_t *first)
{
    int bits = kt_object_bits(type, size_bits);

    *first = 0;
    if (bits < 0) {
        return AXL_E_INVALID_ARGUMENT; /* test refusals with axl_untyped_retype itself */
    }
    uint64_t ut = kt_untyped((unsigned)bits, count);
    uint64_t slot = ut ? kt_slots(count) : 0;
    if (!slot) {
        return AXL_E_NOT_ENOUGH_MEMORY;
    }
    long err = axl_untyped_retype(ut, type, size_bits, AXL_SLOT_CNODE, slot, count);
    if (err == AXL_E_OK) {
        *first = slot;
    }
    return err;
}

uint64_t kt_retype1_at(unsigned type, unsigned size_bits, const char *file, int line)
{
    uint64_t slot;
    long err = kt_retype(type, size_bits, 1, &slot);

    if (err) {
        kt_fail(file, line, "retype of one object of type %u (size_bits %u) failed: %s", type,
                size_bits, axl_strerror(err));
    }
    return slot;
}

bool kt_inspect_at(uint64_t slot, struct axl_cap_info *info, const char *file, int line)
{
    long err = axl_cnode_inspect(AXL_SLOT_CNODE, slot, info);

    if (err) {
        kt_fail(file, line, "CNODE_INSPECT of slot %llu failed: %s", (unsigned long long)slot,
                axl_strerror(err));
    }
    return err == AXL_E_OK;
}
