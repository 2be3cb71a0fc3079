/* SPDX-License-Identifier: MIT */
/*
 * axl/inject.h: fault injection (docs/supervisor.md, "Fault injection").
 *
 * A component can be told to fail, by name, now or after N requests: from
 * its manifest section (`inject = KIND [after N] [seed S]`) or at run time
 * through the supervisor (SUP_INJECT). The kinds marked "process" are
 * carried out by the driver framework inside the component (axl_serve),
 * the kinds marked "supervisor" by the supervisor from outside (code
 * mutations of the running instance's text, as SWIFI in Nooks and MINIX 3
 * does), the kinds marked "device" by the driver of a DMA-capable device,
 * through the hook it gives axl_serve (struct axl_server.inject): they are
 * the DMA attacks of docs/iommu.md, and other components ignore them. Builds with AXL_NO_FAULT_INJECTION (scons release=1) compile the
 * process side out: such a component ignores the request.
 *
 * The table is read by tools/axlpy (the campaign tool): one row per kind.
 */
#ifndef AXL_LIBIPC_INJECT_H
#define AXL_LIBIPC_INJECT_H

#include <stdint.h>

/* X(number, NAME, "name", where, "what the component does") */
#define AXL_INJECT_KINDS(X)                                                                        \
    X(1, NULL_READ, "null-read", process, "reads through a null pointer")                         \
    X(2, WILD_READ, "wild-read", process, "reads a seeded random address it never mapped")        \
    X(3, WILD_WRITE_OWN, "wild-write-own", process, "writes seeded random words over its own data") \
    X(4, WILD_WRITE_KERNEL, "wild-write-kernel", process, "writes to the kernel's text")         \
    X(5, WILD_WRITE_OTHER, "wild-write-other", process,                                           \
      "writes to another process's frame, its physical address taken as virtual")                \
    X(6, DIVIDE_BY_ZERO, "divide-by-zero", process, "divides by zero")                            \
    X(7, INVALID_OPCODE, "invalid-opcode", process, "executes ud2")                               \
    X(8, STACK_OVERFLOW, "stack-overflow", process, "recurses without end into its guard page")   \
    X(9, INFINITE_LOOP, "infinite-loop", process, "spins forever, answering nothing")             \
    X(10, INFINITE_LOOP_CLI, "infinite-loop-cli", process,                                        \
      "masks interrupts (cli, refused in ring 3) and spins")                                      \
    X(11, REPLY_GARBAGE, "reply-garbage", process, "answers with seeded random result words")     \
    X(12, REPLY_WRONG_LABEL, "reply-wrong-label", process, "answers with a label that is not 0") \
    X(13, REPLY_OVERSIZED, "reply-oversized", process, "answers with every message word filled")  \
    X(14, LEAK, "leak", process, "allocates until its memory quota is gone, then goes on")        \
    X(15, EXIT, "exit", process, "calls exit(3) in the middle of a request")                      \
    X(16, SWIFI_BITFLIP, "swifi-bitflip", supervisor, "one seeded random bit of its text flips") \
    X(17, SWIFI_DROP, "swifi-drop", supervisor, "one seeded random instruction becomes NOPs")    \
    X(18, SWIFI_REG_SRC, "swifi-reg-src", supervisor,                                             \
      "one seeded random instruction reads a different source register")                         \
    X(19, SWIFI_REG_DST, "swifi-reg-dst", supervisor,                                             \
      "one seeded random instruction writes a different destination register")                   \
    X(20, DMA_ATTACK_KERNEL, "dma-attack-kernel", device,                                         \
      "has its device DMA over the kernel's first page of code and its PML4")                     \
    X(21, DMA_ATTACK_NEIGHBOUR, "dma-attack-neighbour", device,                                   \
      "has its device DMA over a frame of another process")                                      \
    X(22, DMA_ATTACK_UNMAPPED, "dma-attack-unmapped", device,                                     \
      "gives its device an IO address it never mapped (its buffer's physical address)")           \
    X(23, DMA_ATTACK_READ, "dma-attack-read", device,                                             \
      "has its device DMA-read the kernel's first page, to copy it out (exfiltration)")           \
    X(24, DMA_IN_FLIGHT, "dma-in-flight", device,                                                 \
      "starts a DMA into its buffer and dies before it lands")

enum axl_inject_kind {
    AXL_INJECT_NONE = 0,
#define AXL_X(number, name, text, where, what) AXL_INJECT_##name = (number),
    AXL_INJECT_KINDS(AXL_X)
#undef AXL_X
    AXL_INJECT_COUNT
};

/* The kind called name ("null-read", ...), or AXL_INJECT_NONE. */
enum axl_inject_kind axl_inject_kind_by_name(const char *name);
/* The name of kind, or "none"/"unknown". */
const char *axl_inject_kind_name(unsigned kind);
/* 1 for the kinds the supervisor carries out (code mutations), 0 for the rest. */
int axl_inject_by_supervisor(unsigned kind);
/* 1 for the kinds only a DMA driver can carry out (the DMA attacks), 0 for the rest. */
int axl_inject_by_device(unsigned kind);

/* What the framework is told to do (struct axl_procinfo, or SUP_INJECT to the component). */
struct axl_inject {
    uint64_t kind;  /* enum axl_inject_kind; 0: nothing */
    uint64_t after; /* fail on request number after + 1 (0: on the next request) */
    uint64_t seed;  /* for the random kinds */
    uint64_t arg;   /* wild-write-other, dma-attack-*: the physical address of the target */
    uint64_t arg2;  /* dma-attack-kernel: the second target (the kernel's PML4) */
};

struct axl_msg;

/* The process side, used by axl_serve (libipc/inject.c). */
/* Carries out a process kind now; returns only for kinds that let the process go on. */
void axl_inject_fire(const struct axl_inject *in);
/* Corrupts reply as a REPLY_* kind says (other kinds: unchanged). */
void axl_inject_reply(const struct axl_inject *in, struct axl_msg *reply);
/* The generator every seeded choice comes from (splitmix64); advances *state. */
uint64_t axl_inject_random(uint64_t *state);

#endif /* AXL_LIBIPC_INJECT_H */
