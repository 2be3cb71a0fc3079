/* SPDX-License-Identifier: MIT */
/*
 * untyped.c: carving kernel objects out of untyped memory (retype).
 *
 * An untyped capability covers 2^size_bits bytes and remembers how many
 * of them are used (its watermark, in cap.word). Retype places objects at
 * the next offset aligned to their size; the watermark goes back to 0 only
 * when the untyped has no children left, so memory is reused only once
 * every object carved from it is gone (the point of seL4's model: no
 * kernel heap, and a task's memory quota is the untyped it holds).
 */
#include <cap.h>
#include <kstring.h>

static const signed char fixed_bits[] = {
#define AXL_X(value, name, bits) [value] = (bits),
    AXL_OBJECT_TYPES(AXL_X)
#undef AXL_X
};

int object_size_bits(unsigned type, unsigned size_bits)
{
    switch (type) {
    case AXL_OBJ_NULL:
        return -1;
    case AXL_OBJ_UNTYPED:
        return size_bits >= AXL_UNTYPED_MIN_BITS && size_bits <= AXL_UNTYPED_MAX_BITS
                   ? (int)size_bits
                   : -1;
    case AXL_OBJ_CNODE:
        return size_bits >= 1 && size_bits <= AXL_CNODE_MAX_RADIX
                   ? (int)(size_bits + AXL_CNODE_SLOT_BITS)
                   : -1;
    default: /* size 0: made by the kernel alone (reply, IRQ and port capabilities) */
        return type < AXL_OBJ_COUNT && fixed_bits[type] > 0 ? fixed_bits[type] : -1;
    }
}

void untyped_make_root(struct cte *slot, void *base, unsigned size_bits, bool device)
{
    struct cap cap = {
        .type = AXL_OBJ_UNTYPED,
        .rights = AXL_RIGHTS_ALL,
        .size_bits = (uint8_t)size_bits,
        .flags = device ? CAP_DEVICE : 0,
        .obj = base,
    };
    cdt_insert(slot, &cap, NULL);
}

/* All of slots [index, index + count) exist and are empty. */
static int check_dest(const struct cap *dest, uint64_t index, uint64_t count)
{
    int err = AXL_E_OK;
    struct cte *first = cnode_slot(dest, index, &err);

    if (!first) {
        return err;
    }
    uint64_t nslots = 1ull << dest->size_bits;
    if (count > nslots - index) {
        return AXL_E_FAILED_LOOKUP;
    }
    for (uint64_t i = 0; i < count; i++) {
        if (!cte_empty(&first[i])) {
            return AXL_E_DELETE_FIRST;
        }
    }
    return AXL_E_OK;
}

/* The capability a new object starts with: all rights, no badge. */
static struct cap new_cap(unsigned type, unsigned size_bits, void *obj, bool device)
{
    struct cap cap = {.type = (uint8_t)type, .rights = AXL_RIGHTS_ALL, .obj = obj};

    if (type == AXL_OBJ_UNTYPED || type == AXL_OBJ_CNODE) {
        cap.size_bits = (uint8_t)size_bits;
    }
    if (device) {
        cap.flags = CAP_DEVICE; /* device memory stays device memory in frames and untyped */
    }
    return cap;
}

int untyped_retype(struct cte *ut, unsigned type, unsigned size_bits, const struct cap *dest,
                   uint64_t index, uint64_t count)
{
    if (ut->cap.type != AXL_OBJ_UNTYPED) {
        return AXL_E_INVALID_CAPABILITY;
    }
    int bits = object_size_bits(type, size_bits);
    if (bits < 0) {
        return AXL_E_INVALID_ARGUMENT;
    }
    bool device = ut->cap.flags & CAP_DEVICE;
    if (device && type != AXL_OBJ_FRAME && type != AXL_OBJ_LARGE_FRAME &&
        type != AXL_OBJ_UNTYPED) {
        return AXL_E_ILLEGAL_OPERATION; /* kernel objects never live in device memory */
    }
    if (count == 0 || count > (1ull << AXL_CNODE_MAX_RADIX)) {
        return AXL_E_RANGE;
    }
    int err = check_dest(dest, index, count);
    if (err) {
        return err;
    }
    err = object_can_create(type, count);
    if (err) {
        return err;
    }
    uint64_t region = 1ull << ut->cap.size_bits;
    uint64_t used = ut->child ? ut->cap.word : 0;
    uint64_t start = align_up(used, 1ull << bits);
    /* bits <= size_bits <= 47 and count <= 2^16, so the product cannot overflow. */
    if ((unsigned)bits > ut->cap.size_bits || start > region || (count << bits) > region - start) {
        return AXL_E_NOT_ENOUGH_MEMORY;
    }

    struct cte *slots = (struct cte *)dest->obj + index;
    for (uint64_t i = 0; i < count; i++) {
        char *obj = (char *)ut->cap.obj + start + (i << bits);
        if (!device) {
            memset(obj, 0,
                   1ull << bits); /* every object starts zeroed: an empty CNode, idle endpoint */
        }
        struct cap cap = new_cap(type, size_bits, obj, device);
        if (!device) {
            object_init(&cap);
        }
        cdt_insert(&slots[i], &cap, ut);
    }
    ut->cap.word = start + (count << bits);
    return AXL_E_OK;
}
