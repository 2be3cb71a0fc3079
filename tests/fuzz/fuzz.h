/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h: the system-call fuzzer's shared declarations (tests/fuzz/).
 *
 * Two kinds of code share one address space (the root task's): the root
 * (main.c, sandbox.c), which builds the sandbox and watches, and the fuzz
 * threads (thread.c, entry.S), which make the random system calls. They
 * talk only through `fz`, in memory both see; the design is described at
 * the top of main.c.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdbool.h>
#include <stdint.h>

#include <axl/axl.h>

/* --- the run's parameters (module arguments, then the kernel command line) --- */
#define FUZZ_DEFAULT_SEED 42
#define FUZZ_DEFAULT_CALLS 50000
#define FUZZ_DEFAULT_THREADS 2
#define FUZZ_DEFAULT_REFRESH 1000 /* calls of one thread between fresh sandboxes */
#define FUZZ_PROGRESS_EVERY 10000 /* calls between progress lines (and DEBUG_CHECKs) */

#define FUZZ_MAX_THREADS 2
#define FUZZ_PRIO 100 /* root and fuzz threads share it: YIELD hands the CPU round */

/*
 * The sandbox: the fuzz threads' CSpace root, a CNode of 64 slots. The TCBs
 * get it with a 48-bit guard of 0, so bits 15..10 of a cptr pick the slot;
 * slot SB_LOOP_SLOT holds the same CNode again with a 4-bit guard, which
 * uses up the 10 bits left: cptr 0x400 | s therefore ends exactly at slot s
 * whatever it holds (a CNode capability is only named where the bits run
 * out), while s << 10 names slot s unless it holds a CNode, where the lookup
 * goes on with the low 10 bits.
 */
#define SB_RADIX 6
#define SB_SLOTS (1u << SB_RADIX)
#define SB_GUARD_BITS 48
#define SB_SLOT_SHIFT 10
#define SB_LOOP_SLOT 1
#define SB_LOOP_GUARD_BITS 4
#define SB_CPTR(s) (((uint64_t)SB_LOOP_SLOT << SB_SLOT_SHIFT) | (uint64_t)(s))
#define SB_DIRECT(s) ((uint64_t)(s) << SB_SLOT_SHIFT)
#define SB_SELF SB_CPTR(SB_LOOP_SLOT) /* the sandbox CNode itself */
#define SB_UNKNOWN 0xff               /* known[] of a slot that holds something unknown */

/* Addresses the sandbox's own address spaces use (never mapped in the root's). */
#define SANDBOX_VA 0x100000000ull

/* The fuzz threads' stacks and IPC buffers, in the root task's address space. */
#define FUZZ_STACK_PAGES 4
#define FUZZ_STACK_BOTTOM(i) (0x80100000ull + (uint64_t)(i) * 0x10000ull)
#define FUZZ_STACK_TOP(i) (FUZZ_STACK_BOTTOM(i) + FUZZ_STACK_PAGES * 0x1000ull)
#define FUZZ_IPC_VA(i) (0x80180000ull + (uint64_t)(i) * 0x1000ull)
/* Everything the root task maps lies in here: no fuzzed RIP or RSP may point into it. */
#define ROOT_RANGE_LO 0x400000ull
#define ROOT_RANGE_HI 0x80200000ull

/* One system call as entry.S makes it: in, then out (see fuzz_syscall). */
struct fuzz_regs {
    uint64_t nr, cptr, info, mr[4];      /* rax, rdi, rsi, rdx, r10, r8, r9 in */
    uint64_t ret, badge, oinfo, omr[4]; /* the same registers out */
};

/* A call whose answer broke a rule (thread.c's oracles), kept for the report. */
struct fuzz_wrong {
    unsigned thread;
    uint64_t call; /* index of the call in its thread */
    const char *what;
    struct fuzz_regs regs;
};
#define FUZZ_WRONG_KEPT 8

struct fuzz_thread {
    volatile uint64_t calls;  /* calls issued (the next call's index) */
    uint64_t target;          /* calls to issue */
    volatile uint64_t errors; /* calls answered with an error */
    volatile uint64_t cur_nr; /* number of the system call in progress */
    volatile uint64_t refresh_at;   /* asks for a fresh sandbox before this call */
    volatile uint64_t refreshed_at; /* the root made one before this call */
    volatile uint64_t results[AXL_E_NO_IPC_BUFFER + 2]; /* per error code; last: any other */
    volatile uint64_t by_nr[AXL_SYS_COUNT + 1];         /* per system call; last: invalid */
    volatile uint64_t check_problems;                   /* DEBUG_CHECKs it made found these */
};

struct fuzz_shared {
    uint64_t seed;
    unsigned threads;
    uint64_t refresh_every;
    uint64_t trace_first, trace_last; /* thread 0's calls to print ([first, last]) */
    volatile uint8_t known[SB_SLOTS]; /* what each sandbox slot is thought to hold */
    struct fuzz_thread th[FUZZ_MAX_THREADS];
    volatile uint64_t wrong; /* answers that broke a rule */
    struct fuzz_wrong wrong_kept[FUZZ_WRONG_KEPT];
    volatile unsigned wrong_printed;
    volatile uint64_t trace_pending; /* 1: thread 0 stored a traced call in trace_regs */
    uint64_t trace_call;
    struct fuzz_regs trace_regs;
};

extern struct fuzz_shared fz;

/* --- entry.S --- */
/* Makes the system call in r (all registers in, all registers out); returns r->ret. */
long fuzz_syscall(struct fuzz_regs *r);
extern const char fuzz_syscall_ret[];   /* the instruction after fuzz_syscall's SYSCALL */
extern const char fuzz_thread_start[];  /* a fuzz thread starts here: rdi = index, rsp = top */
extern const char fuzz_gadget_syscall[]; /* SYSCALL 0 with whatever other registers, then UD2 */
extern const char fuzz_gadget_spin[];   /* an endless loop in user mode */

/* --- thread.c --- */
void fuzz_thread_main(uint64_t index);

/* --- sandbox.c: the root's side --- */
bool sandbox_setup(void);            /* once: memory, fault endpoint, stacks; false on failure */
bool sandbox_refresh(void);          /* revoke everything, build a new sandbox and threads */
bool sandbox_destroy(void);          /* revoke everything: the final teardown */
bool sandbox_reset_thread(unsigned i, bool suspend); /* configure and restart thread i */
void sandbox_stop_thread(unsigned i);
uint64_t sandbox_fault_ep(void);     /* the root's slot of the fault endpoint */
uint64_t sandbox_slot(void);         /* a fresh slot of the root CNode (0: none left) */

/* --- the random generator (splitmix64) --- */
struct rng {
    uint64_t s;
};

static inline uint64_t rng_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint64_t rnd(struct rng *r)
{
    r->s += 0x9e3779b97f4a7c15ull;
    return rng_mix(r->s);
}

static inline unsigned below(struct rng *r, unsigned n) { return (unsigned)(rnd(r) % n); }

/* true with probability pct / 100 */
static inline bool chance(struct rng *r, unsigned pct) { return below(r, 100) < pct; }

#endif /* FUZZ_H */
