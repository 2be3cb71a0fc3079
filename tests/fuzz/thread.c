/* SPDX-License-Identifier: MIT */
/*
 * thread.c: a fuzz thread: makes random system calls in the sandbox and
 * checks what it can of each answer (fuzz.h, main.c).
 *
 * Call n of thread i is drawn from a generator seeded with (seed, i, n)
 * alone, so it is the same call in every run with that seed, however the
 * threads were scheduled or restarted. Most calls are aimed: the thread
 * keeps a guess of what each sandbox slot holds (fz.known, filled by the
 * root and updated from answers) and picks operations and arguments that
 * fit it, with values near the edges of what the kernel accepts. The rest
 * are invalid system-call numbers and plain noise.
 *
 * The thread runs on its own stack in the root task's address space and
 * must never write the root's memory: it uses no libipc function that
 * touches axl_ipc_buffer (the root's), and no RIP or RSP it hands the
 * kernel (MR0 and MR1 of TCB_WRITE_REGISTERS or of a fault reply) points
 * into the root's mappings, except the gadgets of entry.S.
 */
#include "fuzz.h"

/* ------------------------------------------------------------ values */

static const uint64_t interesting[] = {
    0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 65, 127, 128, 255, 256, 0x3ff, 0x400, 0xfff,
    0x1000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
    (1ull << 47) - 1, 1ull << 47, AXL_USER_TOP - 0x1000, 0xffff800000000000ull,
    0xffffffff80000000ull, 0x8000000000000000ull, UINT64_MAX - 2, UINT64_MAX - 1, UINT64_MAX,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t pick(struct rng *r, const uint64_t *v, unsigned n) { return v[below(r, n)]; }

/* Any number, near an edge more often than not. */
static uint64_t any_value(struct rng *r)
{
    unsigned k = below(r, 100);
    if (k < 40) {
        return pick(r, interesting, COUNT(interesting));
    }
    if (k < 60) {
        return below(r, 70);
    }
    if (k < 70) {
        return below(r, 0x10000);
    }
    return rnd(r);
}

static bool is_gadget(uint64_t v)
{
    return v == (uint64_t)(uintptr_t)fuzz_gadget_syscall || v == (uint64_t)(uintptr_t)fuzz_gadget_spin;
}

/* A RIP or RSP that is safe to give a thread of the root's address space: never the root's pages. */
static uint64_t safe_addr(uint64_t v)
{
    if (v >= ROOT_RANGE_LO && v < ROOT_RANGE_HI && !is_gadget(v)) {
        return v ^ (1ull << 40);
    }
    return v;
}

/* A virtual address for the sandbox's address spaces. */
static uint64_t sandbox_va(struct rng *r)
{
    unsigned k = below(r, 100);
    if (k < 50) {
        return SANDBOX_VA + below(r, 8) * 0x1000ull;
    }
    if (k < 65) {
        return SANDBOX_VA + below(r, 4) * 0x200000ull;
    }
    if (k < 75) {
        return SANDBOX_VA + below(r, 2) * 0x40000000ull + below(r, 2) * (1ull << 39);
    }
    if (k < 80) {
        return SANDBOX_VA + below(r, 0x2000);
    }
    return any_value(r);
}

/* An instruction or stack address for TCB_WRITE_REGISTERS and fault replies. */
static uint64_t code_addr(struct rng *r)
{
    unsigned k = below(r, 100);
    if (k < 10) {
        return (uint64_t)(uintptr_t)fuzz_gadget_syscall;
    }
    if (k < 15) {
        return (uint64_t)(uintptr_t)fuzz_gadget_spin;
    }
    if (k < 60) {
        return sandbox_va(r) + below(r, 16);
    }
    return any_value(r);
}

/* ------------------------------------------------------------ slots and cptrs */

#define ANY_SLOT 0x100  /* pick_slot: no preference */
#define FULL_SLOT 0x101 /* pick_slot: one thought to hold something */

/* A slot index, mostly one thought to hold `type` (AXL_OBJ_NULL: an empty one). */
static uint64_t pick_slot(struct rng *r, unsigned type)
{
    unsigned start = below(r, SB_SLOTS);
    if (type == ANY_SLOT) {
        return start;
    }
    if (type == FULL_SLOT) {
        for (unsigned i = 0; i < SB_SLOTS; i++) {
            unsigned s = (start + i) % SB_SLOTS;
            if (fz.known[s] != AXL_OBJ_NULL) {
                return s;
            }
        }
        return start;
    }
    if (chance(r, 85)) {
        for (unsigned i = 0; i < SB_SLOTS; i++) {
            unsigned s = (start + i) % SB_SLOTS;
            if (fz.known[s] == type) {
                return s;
            }
        }
    }
    return start;
}

/*
 * A slot index argument: mostly a good one, sometimes an edge of a CNode
 * (the first slot, the last of a 4- or 16-slot one, one past them),
 * sometimes past the end or wild.
 */
static uint64_t slot_arg(struct rng *r, unsigned type)
{
    static const uint64_t edges[] = {0, 0, 0, 1, 3, 4, 15, 16, SB_SLOTS - 1};
    unsigned k = below(r, 100);
    if (k < 75) {
        return pick_slot(r, type);
    }
    if (k < 87) {
        return pick(r, edges, COUNT(edges));
    }
    if (k < 94) {
        return SB_SLOTS + below(r, 8);
    }
    return any_value(r);
}

/* A capability pointer in the fuzz thread's CSpace, mostly to something of `type` (or ANY_SLOT). */
static uint64_t gen_cptr(struct rng *r, unsigned type)
{
    unsigned k = below(r, 100);
    if (k < 65) {
        return SB_CPTR(pick_slot(r, type));
    }
    if (k < 75) {
        return SB_DIRECT(pick_slot(r, type));
    }
    if (k < 83) {
        return SB_DIRECT(below(r, SB_SLOTS)) | below(r, 1u << SB_SLOT_SHIFT);
    }
    if (k < 88) {
        return SB_CPTR(SB_SLOTS + below(r, 1024 - SB_SLOTS)); /* the loop's guard mismatches */
    }
    return any_value(r);
}

/* A CNode to invoke or name: mostly the sandbox itself. */
static uint64_t cnode_cptr(struct rng *r)
{
    unsigned k = below(r, 100);
    if (k < 60) {
        return SB_SELF;
    }
    if (k < 90) {
        return SB_CPTR(pick_slot(r, AXL_OBJ_CNODE));
    }
    return gen_cptr(r, ANY_SLOT);
}

static uint64_t rights(struct rng *r)
{
    static const uint64_t common[] = {AXL_RIGHTS_ALL, AXL_RIGHT_READ,
                                      AXL_RIGHT_WRITE, AXL_RIGHT_READ | AXL_RIGHT_WRITE,
                                      AXL_RIGHT_GRANT | AXL_RIGHT_WRITE, 0};
    unsigned k = below(r, 100);
    if (k < 60) {
        return below(r, 16);
    }
    if (k < 90) {
        return pick(r, common, COUNT(common));
    }
    return any_value(r);
}

static uint64_t badge(struct rng *r, uint64_t src_slot)
{
    if (src_slot < SB_SLOTS && fz.known[src_slot] == AXL_OBJ_CNODE && chance(r, 70)) {
        /* A CNode's guard: length in the low 6 bits, value above. */
        unsigned bits = below(r, 12);
        uint64_t guard = bits ? rnd(r) & ((1ull << bits) - 1) : 0;
        if (chance(r, 50)) {
            guard = 0;
        }
        return chance(r, 90) ? (bits | guard << 6) : any_value(r);
    }
    unsigned k = below(r, 100);
    if (k < 35) {
        return 0;
    }
    if (k < 80) {
        return 1 + below(r, 255);
    }
    return any_value(r);
}

/* ------------------------------------------------------------ operations */

/* The operations each kind of object has (labels of <axl/invocations.h>). */
static const uint8_t untyped_ops[] = {AXL_INV_UNTYPED_RETYPE};
static const uint8_t cnode_ops[] = {AXL_INV_CNODE_COPY,   AXL_INV_CNODE_MINT,
                                    AXL_INV_CNODE_MOVE,   AXL_INV_CNODE_MUTATE,
                                    AXL_INV_CNODE_DELETE, AXL_INV_CNODE_REVOKE,
                                    AXL_INV_CNODE_SAVE_CALLER, AXL_INV_CNODE_INSPECT,
                                    AXL_INV_CNODE_INSPECT, AXL_INV_CNODE_COPY,
                                    AXL_INV_CNODE_MINT};
static const uint8_t tcb_ops[] = {AXL_INV_TCB_CONFIGURE,       AXL_INV_TCB_SET_PRIORITY,
                                  AXL_INV_TCB_WRITE_REGISTERS, AXL_INV_TCB_READ_REGISTERS,
                                  AXL_INV_TCB_RESUME,          AXL_INV_TCB_SUSPEND};
static const uint8_t frame_ops[] = {AXL_INV_PAGE_MAP, AXL_INV_PAGE_MAP, AXL_INV_PAGE_UNMAP,
                                    AXL_INV_PAGE_ADDRESS};
static const uint8_t table_ops[] = {AXL_INV_TABLE_MAP, AXL_INV_TABLE_MAP, AXL_INV_TABLE_UNMAP};
static const uint8_t irq_ops[] = {AXL_INV_IRQ_SET_NOTIFICATION, AXL_INV_IRQ_ACK};
static const uint8_t ioport_ops[] = {AXL_INV_IOPORT_IN, AXL_INV_IOPORT_OUT};
static const uint8_t all_ops[] = {
#define AXL_X(label, name, object, text) AXL_INV_##name,
    AXL_INVOCATIONS(AXL_X)
#undef AXL_X
};

static unsigned op_for(struct rng *r, unsigned type)
{
#define OPS(a) (a)[below(r, COUNT(a))]
    if (chance(r, 85)) {
        switch (type) {
        case AXL_OBJ_UNTYPED:
            return OPS(untyped_ops);
        case AXL_OBJ_CNODE:
            return OPS(cnode_ops);
        case AXL_OBJ_TCB:
            return OPS(tcb_ops);
        case AXL_OBJ_FRAME:
        case AXL_OBJ_LARGE_FRAME:
            return OPS(frame_ops);
        case AXL_OBJ_PDPT:
        case AXL_OBJ_PAGE_DIRECTORY:
        case AXL_OBJ_PAGE_TABLE:
            return OPS(table_ops);
        case AXL_OBJ_IRQ_HANDLER:
            return OPS(irq_ops);
        case AXL_OBJ_IOPORT:
            return OPS(ioport_ops);
        default:
            break;
        }
    }
    if (chance(r, 70)) {
        return OPS(all_ops);
    }
    return chance(r, 80) ? below(r, 70) : (unsigned)any_value(r);
#undef OPS
}

static uint64_t object_type(struct rng *r)
{
    static const uint64_t creatable[] = {
        AXL_OBJ_UNTYPED, AXL_OBJ_CNODE,     AXL_OBJ_ENDPOINT,       AXL_OBJ_ENDPOINT,
        AXL_OBJ_NOTIFICATION, AXL_OBJ_NOTIFICATION, AXL_OBJ_FRAME,  AXL_OBJ_FRAME,
        AXL_OBJ_TCB,     AXL_OBJ_LARGE_FRAME, AXL_OBJ_PML4,         AXL_OBJ_PDPT,
        AXL_OBJ_PAGE_DIRECTORY, AXL_OBJ_PAGE_TABLE, AXL_OBJ_PAGE_TABLE,
    };
    unsigned k = below(r, 100);
    if (k < 80) {
        return pick(r, creatable, COUNT(creatable));
    }
    if (k < 92) {
        return chance(r, 30) ? AXL_OBJ_NULL : AXL_OBJ_REPLY + below(r, AXL_OBJ_COUNT - AXL_OBJ_REPLY);
    }
    return chance(r, 50) ? AXL_OBJ_COUNT + below(r, 4) : any_value(r);
}

static uint64_t size_bits(struct rng *r, uint64_t type)
{
    static const uint64_t odd[] = {0, 1, 3, 17, 32, 47, 48, 63, 64, 65, 255};
    if (chance(r, 85)) {
        switch (type) {
        case AXL_OBJ_UNTYPED:
            return 4 + below(r, 13);
        case AXL_OBJ_CNODE:
            return 1 + below(r, 5);
        default:
            return chance(r, 80) ? 0 : below(r, 22);
        }
    }
    return chance(r, 70) ? pick(r, odd, COUNT(odd)) : any_value(r);
}

static uint64_t count_arg(struct rng *r)
{
    static const uint64_t odd[] = {0, 63, 64, 65, 65536, 65537, 1ull << 32, UINT64_MAX};
    unsigned k = below(r, 100);
    if (k < 60) {
        return 1;
    }
    if (k < 88) {
        return 2 + below(r, 4);
    }
    return pick(r, odd, COUNT(odd));
}

static uint64_t port_arg(struct rng *r)
{
    static const uint64_t ports[] = {0x80, 0x80, 0x80, 0x80, 0x7f, 0x81, 0x7d, 0x7e, 0,
                                     0xffff, 0x10080, 0xf4, UINT64_MAX, UINT64_MAX - 1,
                                     UINT64_MAX - 2, UINT64_MAX - 3};
    return chance(r, 90) ? pick(r, ports, COUNT(ports)) : any_value(r);
}

static uint64_t width_arg(struct rng *r)
{
    static const uint64_t widths[] = {1, 1, 1, 2, 4, 0, 3, 8};
    return chance(r, 90) ? pick(r, widths, COUNT(widths)) : any_value(r);
}

static uint64_t priority_arg(struct rng *r)
{
    static const uint64_t prios[] = {FUZZ_PRIO, FUZZ_PRIO, FUZZ_PRIO, FUZZ_PRIO - 1, 0, 1,
                                     FUZZ_PRIO + 1, AXL_PRIORITIES - 1, AXL_PRIORITIES};
    return chance(r, 90) ? pick(r, prios, COUNT(prios)) : any_value(r);
}

static uint64_t timeslice_arg(struct rng *r)
{
    /* Never a valid long one: a 10 s slice spinning in fuzz_gadget_spin would stall the run. */
    static const uint64_t us[] = {0, 0, 0, 1, 999, 1000, 5000, 20000, 10000001, UINT64_MAX};
    return pick(r, us, COUNT(us));
}

/*
 * Without the loop in slot 1 no SB_CPTR resolves, and the thread only
 * collects INVALID_CAPABILITY until the next sandbox: deleting or moving
 * it away is kept rare.
 */
static uint64_t spare_loop(struct rng *r, uint64_t slot)
{
    return slot == SB_LOOP_SLOT && !chance(r, 3) ? SB_LOOP_SLOT + 1 + below(r, SB_SLOTS - 2) : slot;
}

/* The arguments of operation `op`, in the order of the AXL_INVOCATIONS table. Returns how many. */
static unsigned gen_args(struct rng *r, unsigned op, uint64_t *a)
{
    switch (op) {
    case AXL_INV_UNTYPED_RETYPE:
        a[0] = object_type(r);
        a[1] = size_bits(r, a[0]);
        a[2] = cnode_cptr(r);
        a[3] = slot_arg(r, AXL_OBJ_NULL);
        a[4] = count_arg(r);
        return 5;
    case AXL_INV_CNODE_COPY:
    case AXL_INV_CNODE_MINT:
    case AXL_INV_CNODE_MOVE:
    case AXL_INV_CNODE_MUTATE:
        a[0] = slot_arg(r, AXL_OBJ_NULL);
        a[1] = cnode_cptr(r);
        a[2] = chance(r, 80) ? pick_slot(r, FULL_SLOT) : slot_arg(r, ANY_SLOT);
        if (a[2] == SB_LOOP_SLOT && op != AXL_INV_CNODE_COPY && op != AXL_INV_CNODE_MINT) {
            a[2] = spare_loop(r, a[2]);
        }
        a[3] = rights(r);
        a[4] = badge(r, a[2]);
        return op == AXL_INV_CNODE_MOVE ? 3 : op == AXL_INV_CNODE_MINT ? 5 : 4;
    case AXL_INV_CNODE_DELETE:
    case AXL_INV_CNODE_REVOKE:
    case AXL_INV_CNODE_INSPECT:
        a[0] = chance(r, 80) ? pick_slot(r, FULL_SLOT) : slot_arg(r, ANY_SLOT);
        if (op == AXL_INV_CNODE_DELETE) {
            a[0] = spare_loop(r, a[0]);
        }
        return 1;
    case AXL_INV_CNODE_SAVE_CALLER:
        a[0] = slot_arg(r, AXL_OBJ_NULL);
        return 1;
    case AXL_INV_TCB_CONFIGURE: {
        unsigned k = below(r, 100);
        a[0] = chance(r, 40) ? 0 : gen_cptr(r, AXL_OBJ_ENDPOINT);
        a[1] = k < 50 ? SB_CPTR(6) /* the CSpace root as the threads have it */
               : k < 70 ? SB_SELF
                        : cnode_cptr(r);
        a[2] = gen_cptr(r, AXL_OBJ_PML4);
        a[3] = chance(r, 70) ? SANDBOX_VA + below(r, 16) * 1024 : any_value(r);
        a[4] = chance(r, 20) ? 0 : gen_cptr(r, AXL_OBJ_FRAME);
        return 5;
    }
    case AXL_INV_TCB_SET_PRIORITY:
        a[0] = priority_arg(r);
        a[1] = priority_arg(r);
        a[2] = timeslice_arg(r);
        return 3;
    case AXL_INV_TCB_WRITE_REGISTERS:
        a[0] = code_addr(r);
        a[1] = code_addr(r);
        a[2] = any_value(r);
        a[3] = any_value(r);
        a[4] = chance(r, 50) ? (rnd(r) & 0x40ff5ull) : chance(r, 50) ? 0x202 : any_value(r);
        return chance(r, 80) ? 5 : 4;
    case AXL_INV_PAGE_MAP:
        a[0] = gen_cptr(r, AXL_OBJ_PML4);
        a[1] = sandbox_va(r);
        a[2] = chance(r, 70) ? 1 + 2 * below(r, 2) : chance(r, 70) ? below(r, 16) : any_value(r);
        a[3] = chance(r, 80) ? below(r, 4) : any_value(r);
        return 4;
    case AXL_INV_TABLE_MAP:
        a[0] = gen_cptr(r, AXL_OBJ_PML4);
        a[1] = sandbox_va(r);
        return 2;
    case AXL_INV_IRQ_CONTROL_GET:
        a[0] = chance(r, 50) ? below(r, 30) : any_value(r);
        a[1] = cnode_cptr(r);
        a[2] = slot_arg(r, AXL_OBJ_NULL);
        return 3;
    case AXL_INV_IRQ_SET_NOTIFICATION:
        a[0] = chance(r, 20) ? 0 : gen_cptr(r, AXL_OBJ_NOTIFICATION);
        return 1;
    case AXL_INV_IOPORT_ISSUE:
        a[0] = port_arg(r);
        a[1] = port_arg(r);
        a[2] = cnode_cptr(r);
        a[3] = slot_arg(r, AXL_OBJ_NULL);
        return 4;
    case AXL_INV_IOPORT_IN:
        a[0] = port_arg(r);
        a[1] = width_arg(r);
        return 2;
    case AXL_INV_IOPORT_OUT:
        a[0] = port_arg(r);
        a[1] = width_arg(r);
        a[2] = any_value(r);
        return 3;
    default: /* no arguments, or an operation no object has */
        for (unsigned i = 0; i < 6; i++) {
            a[i] = any_value(r);
        }
        return chance(r, 70) ? 0 : below(r, 7);
    }
}

/* ------------------------------------------------------------ one call */

struct call {
    struct fuzz_regs regs;
    unsigned op;            /* the invocation label, for a CALL meant as one; else 0 */
    uint64_t args[6];       /* MR0..MR5 as sent */
    uint64_t recv_slot;     /* for a receive into the sandbox: where capabilities land */
    bool recv_into_sandbox;
};

/* Sets message word i (MR4 and up through the thread's IPC buffer). */
static void set_mr(struct call *c, struct axl_ipc_buffer *buf, unsigned i, uint64_t v)
{
    if (i < AXL_MSG_REG_WORDS) {
        c->regs.mr[i] = v;
    } else if (i < AXL_MSG_MAX_WORDS) {
        buf->mr[i] = v;
    }
    if (i < 6) {
        c->args[i] = v;
    }
}

/* A message length: mostly short, sometimes long, sometimes too long for the kernel. */
static unsigned msg_len(struct rng *r)
{
    unsigned k = below(r, 100);
    if (k < 70) {
        return below(r, 7);
    }
    if (k < 90) {
        return below(r, AXL_MSG_MAX_WORDS + 1);
    }
    return AXL_MSG_MAX_WORDS + below(r, 128 - AXL_MSG_MAX_WORDS);
}

/* A message to send: label, words, and capabilities to transfer. */
static void gen_message(struct rng *r, struct call *c, struct axl_ipc_buffer *buf)
{
    unsigned len = msg_len(r), caps = chance(r, 75) ? 0 : 1 + below(r, 3);
    uint64_t label = chance(r, 80) ? below(r, 80) : rnd(r) >> 12;

    c->regs.info = AXL_MSGINFO(label, caps, len);
    unsigned fill = len < AXL_MSG_MAX_WORDS ? len : AXL_MSG_MAX_WORDS;
    for (unsigned i = 0; i < fill; i++) {
        set_mr(c, buf, i, any_value(r));
    }
    for (unsigned i = 0; i < caps; i++) {
        buf->caps[i] = gen_cptr(r, ANY_SLOT);
    }
}

/* Where capabilities received by this call go. */
static void gen_receive(struct rng *r, struct call *c, struct axl_ipc_buffer *buf)
{
    unsigned k = below(r, 100);
    if (k < 60) {
        buf->recv_cnode = SB_SELF;
        buf->recv_slot = pick_slot(r, AXL_OBJ_NULL);
        buf->recv_count = below(r, 4);
        c->recv_into_sandbox = true;
        c->recv_slot = buf->recv_slot;
    } else if (k < 80) {
        buf->recv_cnode = 0;
    } else {
        buf->recv_cnode = gen_cptr(r, AXL_OBJ_CNODE);
        buf->recv_slot = any_value(r);
        buf->recv_count = any_value(r);
    }
}

static const uint64_t invalid_numbers[] = {
    0, AXL_SYS_COUNT, AXL_SYS_COUNT + 1, 63, 64, 255, 256, 999, 0xffffffff,
    (1ull << 32) | AXL_SYS_CALL, 0x8000000000000000ull | AXL_SYS_YIELD, UINT64_MAX,
};

static void gen_call(struct rng *r, struct call *c, struct axl_ipc_buffer *buf)
{
    unsigned roll = below(r, 1000);
    uint64_t a[6] = {0};

    for (unsigned i = 0; i < AXL_MSG_REG_WORDS; i++) {
        c->regs.mr[i] = any_value(r); /* registers a call ignores carry noise */
    }
    if (roll < 30) { /* an invalid system-call number: a fault */
        c->regs.nr = chance(r, 80) ? pick(r, invalid_numbers, COUNT(invalid_numbers)) : rnd(r);
        if (c->regs.nr >= 1 && c->regs.nr < AXL_SYS_COUNT) {
            c->regs.nr = 0;
        }
        c->regs.cptr = gen_cptr(r, ANY_SLOT);
        c->regs.info = rnd(r);
        return;
    }
    if (roll < 60) { /* noise: any number below 16 with any registers */
        c->regs.nr = below(r, 16);
        c->regs.cptr = chance(r, 50) ? gen_cptr(r, ANY_SLOT) : any_value(r);
        c->regs.info = chance(r, 50) ? rnd(r) : AXL_MSGINFO(below(r, 70), below(r, 4), below(r, 128));
        for (unsigned i = 4; i < 12; i++) {
            buf->mr[i] = any_value(r);
        }
        for (unsigned i = 0; i < AXL_MSG_MAX_CAPS; i++) {
            buf->caps[i] = gen_cptr(r, ANY_SLOT);
        }
        if (chance(r, 30)) {
            gen_receive(r, c, buf);
        }
        return;
    }
    if (roll < 64) { /* DEBUG_PUTS: rdi bytes of the message words (kept rare: it fills the log) */
        static const char text[8] = "fuzzputs";
        unsigned k = below(r, 100);
        uint64_t n = k < 30   ? 0
                     : k < 66 ? 1 + below(r, 16)
                     : k < 70 ? 17 + below(r, AXL_MSG_MAX_WORDS * 8 - 16)
                     : k < 85 ? AXL_MSG_MAX_WORDS * 8 + 1 + below(r, 50)
                              : any_value(r);
        uint64_t word;
        memcpy(&word, text, sizeof(word));
        c->regs.nr = AXL_SYS_DEBUG_PUTS;
        c->regs.cptr = n;
        if (n > 16 && n <= AXL_MSG_MAX_WORDS * 8 && chance(r, 50)) {
            c->regs.info = AXL_MSGINFO(0, 0, 0); /* the words are whatever the registers and buffer hold */
            return;
        }
        unsigned words = n <= AXL_MSG_MAX_WORDS * 8 ? (unsigned)((n + 7) / 8) : 0;
        for (unsigned i = 0; i < words; i++) {
            set_mr(c, buf, i, word);
        }
        if (words) { /* end the text with a newline, so the log keeps its lines */
            unsigned last = (unsigned)((n - 1) / 8), byte = (unsigned)((n - 1) % 8);
            uint64_t w = word & ~(0xffull << (8 * byte));
            set_mr(c, buf, last, w | (uint64_t)'\n' << (8 * byte));
        }
        c->regs.info = AXL_MSGINFO(0, 0, words);
        return;
    }
    if (roll < 66) {
        c->regs.nr = AXL_SYS_DEBUG_CHECK;
        return;
    }
    if (roll < 100) {
        c->regs.nr = AXL_SYS_YIELD;
        return;
    }
    if (roll < 130) { /* REPLY: whoever called or faulted last; RIP and RSP for a fault reply */
        c->regs.nr = AXL_SYS_REPLY;
        gen_message(r, c, buf);
        if (chance(r, 50)) {
            set_mr(c, buf, 0, code_addr(r));
            set_mr(c, buf, 1, code_addr(r));
        }
        return;
    }
    if (roll < 150) { /* the blocking ones */
        static const uint8_t nrs[] = {AXL_SYS_SEND, AXL_SYS_RECV, AXL_SYS_WAIT, AXL_SYS_REPLY_RECV};
        c->regs.nr = nrs[below(r, COUNT(nrs))];
        c->regs.cptr = gen_cptr(r, c->regs.nr == AXL_SYS_WAIT ? AXL_OBJ_NOTIFICATION
                                                               : AXL_OBJ_ENDPOINT);
        gen_message(r, c, buf);
        gen_receive(r, c, buf);
        return;
    }
    if (roll < 300) { /* endpoint IPC, non-blocking but for a rare CALL */
        unsigned k = below(r, 100);
        c->regs.nr = k < 47 ? AXL_SYS_NB_SEND : k < 94 ? AXL_SYS_NB_RECV : AXL_SYS_CALL;
        c->regs.cptr = gen_cptr(r, AXL_OBJ_ENDPOINT);
        if (c->regs.nr == AXL_SYS_NB_SEND && chance(r, 10)) {
            c->regs.cptr = SB_CPTR(pick_slot(r, AXL_OBJ_REPLY)); /* answers a saved caller */
        }
        gen_message(r, c, buf);
        gen_receive(r, c, buf);
        return;
    }
    if (roll < 400) { /* notifications */
        unsigned k = below(r, 100);
        c->regs.nr = k < 50 ? AXL_SYS_SIGNAL : k < 96 ? AXL_SYS_POLL : AXL_SYS_WAIT;
        c->regs.cptr = gen_cptr(r, AXL_OBJ_NOTIFICATION);
        return;
    }

    /* An object invocation: a CALL on a slot, with an operation that mostly fits it. */
    unsigned slot;
    do {
        slot = (unsigned)pick_slot(r, chance(r, 85) ? FULL_SLOT : ANY_SLOT);
    } while (fz.known[slot] == AXL_OBJ_ENDPOINT && !chance(r, 5)); /* a CALL there blocks */
    unsigned type = fz.known[slot];
    unsigned op = op_for(r, type);
    unsigned n = gen_args(r, op, a);

    c->regs.nr = AXL_SYS_CALL;
    c->regs.cptr = chance(r, 85) ? SB_CPTR(slot) : gen_cptr(r, type);
    c->op = op;
    if (chance(r, 90)) {
        c->regs.info = AXL_MSGINFO(op, 0, n);
    } else {
        c->regs.info = AXL_MSGINFO(op, below(r, 4), chance(r, 50) ? below(r, 8) : msg_len(r));
    }
    for (unsigned i = 0; i < n; i++) {
        set_mr(c, buf, i, a[i]);
    }
}

/* ------------------------------------------------------------ answers */

static void wrong(unsigned index, uint64_t call, const char *what, const struct fuzz_regs *regs)
{
    uint64_t k = __atomic_fetch_add(&fz.wrong, 1, __ATOMIC_RELAXED);
    if (k < FUZZ_WRONG_KEPT) {
        struct fuzz_wrong *w = &fz.wrong_kept[k];
        w->thread = index;
        w->call = call;
        w->what = what;
        w->regs = *regs;
    }
}

/*
 * Updates the slot guesses from a successful operation on the sandbox CNode
 * (only when it was named as SB_SELF: then the indexes are its slots).
 */
static void learn(const struct call *c)
{
    const uint64_t *a = c->args;
    bool self = c->regs.cptr == SB_SELF;

    switch (c->op) {
    case AXL_INV_UNTYPED_RETYPE:
        if (a[2] == SB_SELF && a[3] < SB_SLOTS && a[4] <= SB_SLOTS - a[3]) {
            for (uint64_t i = 0; i < a[4]; i++) {
                fz.known[a[3] + i] = (uint8_t)a[0];
            }
        }
        break;
    case AXL_INV_CNODE_COPY:
    case AXL_INV_CNODE_MINT:
    case AXL_INV_CNODE_MOVE:
    case AXL_INV_CNODE_MUTATE:
        if (self && a[1] == SB_SELF && a[0] < SB_SLOTS && a[2] < SB_SLOTS) {
            fz.known[a[0]] = fz.known[a[2]] == AXL_OBJ_NULL ? SB_UNKNOWN : fz.known[a[2]];
            if (c->op == AXL_INV_CNODE_MOVE || c->op == AXL_INV_CNODE_MUTATE) {
                fz.known[a[2]] = AXL_OBJ_NULL;
            }
        } else if (self && a[0] < SB_SLOTS) {
            fz.known[a[0]] = SB_UNKNOWN;
        }
        break;
    case AXL_INV_CNODE_DELETE:
        if (self && a[0] < SB_SLOTS) {
            fz.known[a[0]] = AXL_OBJ_NULL;
        }
        break;
    case AXL_INV_CNODE_SAVE_CALLER:
        if (self && a[0] < SB_SLOTS) {
            fz.known[a[0]] = AXL_OBJ_REPLY;
        }
        break;
    case AXL_INV_CNODE_INSPECT:
        if (self && a[0] < SB_SLOTS && c->regs.omr[0] < AXL_OBJ_COUNT) {
            fz.known[a[0]] = (uint8_t)c->regs.omr[0];
        }
        break;
    default:
        break;
    }
}

/*
 * What every answer must satisfy, and what some answers must. A CALL that
 * reached an endpoint gets some thread's REPLY instead of an object's
 * answer; fuzz threads never reply with label 0 and a length an operation
 * answers with (see no_fake_answers), and the root replies only to
 * faults, so an answer whose info word is the one the operation gives
 * came from the object.
 */
static void check(unsigned index, uint64_t n, struct call *c)
{
    struct fuzz_thread *t = &fz.th[index];
    const struct fuzz_regs *g = &c->regs;
    uint64_t nr = g->nr, ret = g->ret;
    bool valid = nr >= 1 && nr < AXL_SYS_COUNT;

    t->by_nr[valid ? nr : AXL_SYS_COUNT]++;
    if (!valid) {
        return; /* a fault the root answered: rax still holds the number */
    }
    if (nr == AXL_SYS_DEBUG_CHECK) {
        if (ret != 0) {
            t->check_problems += ret;
            wrong(index, n, "DEBUG_CHECK found kernel inconsistencies", g);
        }
        return;
    }
    t->results[ret <= AXL_E_NO_IPC_BUFFER ? ret : AXL_E_NO_IPC_BUFFER + 1]++;
    if (ret != AXL_E_OK) {
        t->errors++;
    }
    if (ret > AXL_E_NO_IPC_BUFFER && ret != nr) { /* a thread suspended in a call returns rax = nr */
        wrong(index, n, "the error code is not one of <axl/errors.h>", g);
        return;
    }
    if (ret != AXL_E_OK) {
        return;
    }
    if ((nr == AXL_SYS_POLL || nr == AXL_SYS_WAIT) && g->badge == 0) {
        wrong(index, n, "POLL or WAIT succeeded with a notification word of 0", g);
    }
    if (nr == AXL_SYS_NB_RECV || nr == AXL_SYS_RECV) {
        if (c->recv_into_sandbox && AXL_MSGINFO_CAPS(g->oinfo) > 0) {
            for (unsigned i = 0; i < AXL_MSGINFO_CAPS(g->oinfo) && c->recv_slot + i < SB_SLOTS; i++) {
                fz.known[c->recv_slot + i] = SB_UNKNOWN;
            }
        }
        if (AXL_MSGINFO_LEN(g->oinfo) > AXL_MSG_MAX_WORDS) {
            wrong(index, n, "a message arrived longer than AXL_MSG_MAX_WORDS", g);
        }
    }
    if (nr != AXL_SYS_CALL || c->op == 0 || AXL_MSGINFO_LABEL(g->info) != c->op) {
        return;
    }
    learn(c);
    switch (c->op) {
    case AXL_INV_IOPORT_OUT:
        /* An object's answer: the badge register keeps the cptr (a reply's badge is 0). */
        if (g->oinfo != 0 || g->badge != g->cptr) {
            break;
        }
        /* fall through */
    case AXL_INV_IOPORT_IN:
        if (c->op == AXL_INV_IOPORT_IN && g->oinfo != AXL_MSGINFO(0, 0, 1)) {
            break;
        }
        /* Every I/O port capability in the sandbox derives from the one for port 0x80. */
        if (c->args[0] != 0x80 || c->args[1] != 1) {
            wrong(index, n, "IOPORT_IN/OUT succeeded outside the capability's port range 0x80-0x80", g);
        }
        break;
    case AXL_INV_CNODE_INSPECT:
        if (g->oinfo == AXL_MSGINFO(0, 0, 4) &&
            (g->omr[0] >= AXL_OBJ_COUNT || g->omr[1] > AXL_RIGHTS_ALL ||
             (g->omr[0] == AXL_OBJ_NULL && (g->omr[1] || g->omr[2] || g->omr[3])))) {
            wrong(index, n, "CNODE_INSPECT reported an impossible capability", g);
        }
        break;
    case AXL_INV_TCB_READ_REGISTERS:
        if (g->oinfo == AXL_MSGINFO(0, 0, 6) &&
            (g->omr[0] >= AXL_USER_TOP || g->omr[1] >= AXL_USER_TOP)) {
            wrong(index, n, "TCB_READ_REGISTERS reported a RIP or RSP outside user space", g);
        }
        break;
    case AXL_INV_PAGE_ADDRESS:
        if (g->oinfo == AXL_MSGINFO(0, 0, 1) && g->omr[0] % 0x1000 != 0) {
            wrong(index, n, "PAGE_ADDRESS reported an address that is not page-aligned", g);
        }
        break;
    default:
        break;
    }
}

/*
 * A reply (or a SEND, which may go to a saved reply capability) with
 * label 0 and length 1, or 4 and more (cut to 4 for a caller without an
 * IPC buffer), could pass for PAGE_ADDRESS, IOPORT_IN, CNODE_INSPECT or
 * TCB_READ_REGISTERS answering: give it 2 words instead.
 */
static void no_fake_answers(struct call *c)
{
    uint64_t nr = c->regs.nr;
    if (nr != AXL_SYS_REPLY && nr != AXL_SYS_REPLY_RECV && nr != AXL_SYS_SEND &&
        nr != AXL_SYS_NB_SEND) { /* a SEND on a saved reply capability replies */
        return;
    }
    unsigned len = AXL_MSGINFO_LEN(c->regs.info);
    if (AXL_MSGINFO_LABEL(c->regs.info) == 0 && (len == 1 || len >= 4)) {
        c->regs.info = (c->regs.info & ~(uint64_t)((1u << AXL_MSGINFO_LEN_BITS) - 1)) | 2;
    }
}

/* ------------------------------------------------------------ the thread */

static void yield_raw(void)
{
    struct fuzz_regs y = {.nr = AXL_SYS_YIELD};
    fuzz_syscall(&y);
}

void fuzz_thread_main(uint64_t index)
{
    struct fuzz_thread *t = &fz.th[index];
    struct axl_ipc_buffer *buf = (struct axl_ipc_buffer *)(uintptr_t)FUZZ_IPC_VA(index);

    for (;;) {
        uint64_t n = t->calls;
        if (n >= t->target) {
            yield_raw(); /* done: the root stops this thread */
            continue;
        }
        if (fz.refresh_every && n > 0 && n % fz.refresh_every == 0 && t->refreshed_at != n) {
            t->refresh_at = n; /* the root rebuilds the sandbox, and this thread with it */
            yield_raw();
            continue;
        }
        struct rng r = {rng_mix(fz.seed ^ rng_mix(index + 1) ^ rng_mix(rng_mix(n + 0x51ed)))};
        struct call c;
        memset(&c, 0, sizeof(c));
        gen_call(&r, &c, buf);
        /* TCB_WRITE_REGISTERS or a fault reply (REPLY, REPLY_RECV, or SEND on a saved reply
         * capability) takes a thread's new RIP and RSP from MR0 and MR1: never the root's. */
        c.regs.mr[0] = safe_addr(c.regs.mr[0]);
        c.regs.mr[1] = safe_addr(c.regs.mr[1]);
        c.args[0] = c.regs.mr[0];
        c.args[1] = c.regs.mr[1];
        no_fake_answers(&c);
        t->calls = n + 1;
        t->cur_nr = c.regs.nr;
        fuzz_syscall(&c.regs);
        t->cur_nr = UINT64_MAX;
        check((unsigned)index, n, &c);
        if (index == 0 && n >= fz.trace_first && n <= fz.trace_last) {
            fz.trace_call = n;
            fz.trace_regs = c.regs;
            fz.trace_pending = 1;
            while (fz.trace_pending) {
                yield_raw(); /* the root prints it */
            }
        }
    }
}
