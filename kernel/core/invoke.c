/* SPDX-License-Identifier: MIT */
/*
 * invoke.c: object invocations (a CALL on a capability that is not an
 * endpoint): dispatch by object type, and the CNode and untyped
 * operations. Arguments are message registers of the caller; the
 * capability pointers among them are looked up in its CSpace.
 */
#include <arch.h>
#include <ipc.h>
#include <irq.h>
#include <kdriver.h>
#include <uapi/axl/invocations.h>

static uint64_t arg(unsigned i) { return msg_get(current, i); }

/* Slot MR<i> of the CNode capability cnode. */
static struct cte *slot_arg(const struct cap *cnode, unsigned i, int *err)
{
    return cnode_slot(cnode, arg(i), err);
}

/* The source slot of copy, mint, move and mutate: MR1 names a CNode, MR2 a slot in it. */
static struct cte *source_arg(int *err)
{
    struct cte *cn = cspace_lookup_cap(current, arg(1), AXL_OBJ_CNODE, err);
    return cn ? slot_arg(&cn->cap, 2, err) : NULL;
}

static int cnode_invoke(struct cte *slot, uint64_t label)
{
    int err = AXL_E_OK;
    if (label < AXL_INV_CNODE_COPY || label > AXL_INV_CNODE_INSPECT) {
        return AXL_E_ILLEGAL_OPERATION; /* before any argument: a wrong label is the first error */
    }
    struct cte *dst = slot_arg(&slot->cap, 0, &err);
    if (!dst) {
        return err;
    }
    switch (label) {
    case AXL_INV_CNODE_DELETE:
        return cap_delete(dst);
    case AXL_INV_CNODE_REVOKE:
        return cap_revoke(dst);
    case AXL_INV_CNODE_SAVE_CALLER:
        if (cte_empty(&current->reply)) {
            return AXL_E_INVALID_CAPABILITY;
        }
        return cap_move(&current->reply, dst);
    case AXL_INV_CNODE_INSPECT:
        msg_set(current, 0, dst->cap.type);
        msg_set(current, 1, dst->cap.rights);
        /* An untyped's word is its watermark, which counts only while it has children. */
        msg_set(current, 2,
                dst->cap.type == AXL_OBJ_UNTYPED && !dst->child ? 0 : dst->cap.word);
        msg_set(current, 3, dst->cap.size_bits);
        syscall_set_msg(current, AXL_MSGINFO(0, 0, 4), 0);
        return AXL_E_OK;
    default:
        break;
    }
    struct cte *src = source_arg(&err);
    if (!src) {
        return err;
    }
    if (src == dst) {
        return cte_empty(src) ? AXL_E_INVALID_CAPABILITY : AXL_E_DELETE_FIRST;
    }
    switch (label) {
    case AXL_INV_CNODE_COPY:
        return cap_copy(src, dst, (unsigned)arg(3));
    case AXL_INV_CNODE_MINT:
        return cap_mint(src, dst, (unsigned)arg(3), arg(4));
    case AXL_INV_CNODE_MOVE:
        return cap_move(src, dst);
    case AXL_INV_CNODE_MUTATE:
        return cap_mutate(src, dst, (unsigned)arg(3));
    default:
        return AXL_E_ILLEGAL_OPERATION;
    }
}

static int untyped_invoke(struct cte *slot, uint64_t label)
{
    int err = AXL_E_OK;

    if (label != AXL_INV_UNTYPED_RETYPE) {
        return AXL_E_ILLEGAL_OPERATION;
    }
    uint64_t type = arg(0), size_bits = arg(1);
    if (type >= AXL_OBJ_COUNT || size_bits > 64) {
        return AXL_E_INVALID_ARGUMENT;
    }
    struct cte *cn = cspace_lookup_cap(current, arg(2), AXL_OBJ_CNODE, &err);
    if (!cn) {
        return err;
    }
    return untyped_retype(slot, (unsigned)type, (unsigned)size_bits, &cn->cap, arg(3), arg(4));
}

int object_invoke(struct cte *slot, uint64_t info)
{
    uint64_t label = AXL_MSGINFO_LABEL(info);
    unsigned len = AXL_MSGINFO_LEN(info);

    switch (slot->cap.type) {
    case AXL_OBJ_UNTYPED:
        return untyped_invoke(slot, label);
    case AXL_OBJ_CNODE:
        return cnode_invoke(slot, label);
    case AXL_OBJ_TCB:
        return tcb_invoke(slot->cap.obj, slot, label, len);
    case AXL_OBJ_FRAME:
    case AXL_OBJ_LARGE_FRAME:
        return arch_page_invoke(slot, label);
    case AXL_OBJ_PDPT:
    case AXL_OBJ_PAGE_DIRECTORY:
    case AXL_OBJ_PAGE_TABLE:
        return arch_table_invoke(slot, label);
    case AXL_OBJ_IRQ_CONTROL:
    case AXL_OBJ_IRQ_HANDLER:
        return irq_invoke(slot, label);
    case AXL_OBJ_IOPORT_CONTROL:
    case AXL_OBJ_IOPORT:
        return arch_ioport_invoke(slot, label);
    case AXL_OBJ_NOTIFICATION:
        return ntfn_invoke(slot, label);
    case AXL_OBJ_IO_PAGE_TABLE:
    case AXL_OBJ_IOMMU_CONTROL:
    case AXL_OBJ_IOSPACE:
        return arch_iospace_invoke(slot, label);
#ifdef AXL_KDRIVER
    case AXL_OBJ_KDRIVER:
        return kdriver_invoke(slot, label, len);
#endif
    default: /* replies and PML4s have no operations */
        return AXL_E_ILLEGAL_OPERATION;
    }
}
