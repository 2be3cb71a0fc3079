/* SPDX-License-Identifier: MIT */
/*
 * inject.c: the process side of fault injection (<axl/inject.h>,
 * docs/supervisor.md). axl_serve calls axl_inject_fire when an armed
 * injection comes due; the reply kinds are applied by axl_serve itself
 * (axl_inject_reply). Everything here is meant to go wrong on purpose;
 * the compiler must not be allowed to see through it, hence the volatile
 * accesses and the noinline recursion.
 *
 * Built with AXL_NO_FAULT_INJECTION (scons release=1), the firing side is
 * compiled out: the kind table stays so the supervisor can still name kinds.
 */
#include <stdlib.h>
#include <string.h>

#include <axl/axl.h>
#include <axl/inject.h>
#include <axl/proc.h>

static const struct {
    const char *name;
    int by_supervisor, by_device;
} kinds[AXL_INJECT_COUNT] = {
#define AXL_X(number, name, text, where, what) [number] = {text, AXL_INJECT_WHERE_##where},
#define AXL_INJECT_WHERE_process 0, 0
#define AXL_INJECT_WHERE_supervisor 1, 0
#define AXL_INJECT_WHERE_device 0, 1
    AXL_INJECT_KINDS(AXL_X)
#undef AXL_X
};

enum axl_inject_kind axl_inject_kind_by_name(const char *name)
{
    for (unsigned k = 1; k < AXL_INJECT_COUNT; k++) {
        if (kinds[k].name && strcmp(kinds[k].name, name) == 0) {
            return (enum axl_inject_kind)k;
        }
    }
    return AXL_INJECT_NONE;
}

const char *axl_inject_kind_name(unsigned kind)
{
    if (kind == AXL_INJECT_NONE) {
        return "none";
    }
    return kind < AXL_INJECT_COUNT && kinds[kind].name ? kinds[kind].name : "unknown";
}

int axl_inject_by_supervisor(unsigned kind)
{
    return kind < AXL_INJECT_COUNT && kinds[kind].by_supervisor;
}

int axl_inject_by_device(unsigned kind)
{
    return kind < AXL_INJECT_COUNT && kinds[kind].by_device;
}

/* splitmix64: a small, well-mixed generator, so a seed names one fault exactly. */
uint64_t axl_inject_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#ifndef AXL_NO_FAULT_INJECTION

static volatile uint64_t sink;
extern char __init_array_start[], _end[]; /* user.ld: .data starts with the first */

/* Recursion the compiler cannot turn into a loop: each frame keeps a live array. Unbounded on
 * purpose (gcc sees that too, so its warning is off here). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
__attribute__((noinline)) static uint64_t recurse(uint64_t depth)
{
    volatile uint64_t frame[32];
    frame[depth % 32] = depth;
    return recurse(depth + 1) + frame[(depth + 1) % 32];
}
#pragma GCC diagnostic pop

void axl_inject_fire(const struct axl_inject *in)
{
    uint64_t rng = in->seed;

    switch (in->kind) {
    case AXL_INJECT_NULL_READ:
        sink = *(volatile uint64_t *)(uintptr_t)(in->arg & 0); /* address 0, unknown to gcc */
        break;
    case AXL_INJECT_WILD_READ: {
        /* A canonical user address far from anything a process maps (docs/user-space.md). */
        uint64_t a = 0x500000000000ull + (axl_inject_random(&rng) & 0x0fffffffff8ull);
        sink = *(volatile uint64_t *)a;
        break;
    }
    case AXL_INJECT_WILD_WRITE_OWN: {
        /* Scribbles over its own data and bss; what breaks, if anything, depends on the seed. */
        uintptr_t lo = (uintptr_t)__init_array_start, hi = (uintptr_t)_end;
        if (!lo || hi <= lo + 8) {
            break;
        }
        for (unsigned i = 0; i < 16; i++) {
            uintptr_t a = (lo + axl_inject_random(&rng) % (hi - lo - 8)) & ~(uintptr_t)7;
            *(volatile uint64_t *)a = axl_inject_random(&rng);
        }
        break;
    }
    case AXL_INJECT_WILD_WRITE_KERNEL:
        *(volatile uint64_t *)0xffffffff80100000ull = 0xdeadbeef; /* the kernel's text */
        break;
    case AXL_INJECT_WILD_WRITE_OTHER:
        /* A physical address used as a virtual one: the classic confusion of a driver. */
        *(volatile uint64_t *)(uintptr_t)(in->arg ? in->arg : 0x1000) = 0xdeadbeef;
        break;
    case AXL_INJECT_DIVIDE_BY_ZERO: {
        /* In assembly: gcc turns 1 / x for unsigned x into a compare, with no division. */
        uint64_t lo = 1, hi = 0, zero = sink & 0;
        __asm__ volatile("divq %2" : "+a"(lo), "+d"(hi) : "r"(zero));
        sink = lo;
        break;
    }
    case AXL_INJECT_INVALID_OPCODE:
        __asm__ volatile("ud2");
        break;
    case AXL_INJECT_STACK_OVERFLOW:
        sink = recurse(0);
        break;
    case AXL_INJECT_INFINITE_LOOP:
        for (;;) {
            sink++;
        }
    case AXL_INJECT_INFINITE_LOOP_CLI:
        __asm__ volatile("cli"); /* #GP in ring 3 with IOPL 0: the kernel keeps interrupts */
        for (;;) {
            sink++;
        }
    case AXL_INJECT_LEAK: {
        /* Allocations never freed, until the quota is gone; the process then goes on. */
        unsigned long n = 0;
        while (malloc(4096)) {
            n++;
        }
        axl_printf("inject: leaked %lu pages; malloc now fails\n", n);
        break;
    }
    case AXL_INJECT_EXIT:
        exit(3);
    default:
        break; /* the reply kinds and the supervisor's kinds: nothing to do here */
    }
}

void axl_inject_reply(const struct axl_inject *in, struct axl_msg *reply)
{
    uint64_t rng = in->seed;
    unsigned len = AXL_MSGINFO_LEN(reply->info);

    switch (in->kind) {
    case AXL_INJECT_REPLY_GARBAGE:
        for (unsigned i = 1; i < len || i < 2; i++) {
            axl_msg_set(reply, i, axl_inject_random(&rng));
        }
        reply->mr[0] = AXL_E_OK; /* garbage that claims success: the hard case for a client */
        reply->info = AXL_MSGINFO(0, 0, len < 2 ? 2 : len);
        break;
    case AXL_INJECT_REPLY_WRONG_LABEL:
        reply->info = AXL_MSGINFO(0x5ad, 0, len ? len : 1);
        break;
    case AXL_INJECT_REPLY_OVERSIZED:
        for (unsigned i = len; i < AXL_MSG_MAX_WORDS; i++) {
            axl_msg_set(reply, i, axl_inject_random(&rng)); /* MR4 on: the IPC buffer */
        }
        reply->info = AXL_MSGINFO(0, 0, AXL_MSG_MAX_WORDS);
        break;
    default:
        break;
    }
}

#else /* AXL_NO_FAULT_INJECTION */

void axl_inject_fire(const struct axl_inject *in) { (void)in; }
void axl_inject_reply(const struct axl_inject *in, struct axl_msg *reply)
{
    (void)in;
    (void)reply;
}

#endif
