/* SPDX-License-Identifier: MIT */
/*
 * bench.h: the IPC benchmark guest (tools/bench/ipc/), a root task that
 * times the kernel's system-call and IPC paths with the timestamp counter
 * and prints one machine-readable line per measurement for
 * `tools/axl bench ipc` (tools/axlpy/bench.py, docs/benchmarks.md).
 *
 * Two address spaces take part: the root task's own, and a second one, the
 * "server space", built here from the root task's own ELF image (boot
 * module 0), so that the peer threads run the very same code at the very
 * same addresses with private copies of every segment. A page shared by
 * both spaces, at SHARED_VA in each, carries the peers' timestamps back.
 *
 *   setup.c  slots, untyped memory, mappings, the server space, threads
 *   peer.c   the loops the peer threads run (server space or root space)
 *   stats.c  sorting and the summary line of one measurement
 *   main.c   arguments, the measurements in order, the end of the scenario
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include <axl/axl.h>

/*
 * The virtual address layout. It works whether or not TABLE_MAP rounds an
 * address down to the span of the table above (as it did at a642ff8,
 * docs/benchmarks.md, "Kernel findings"): every page table the guest makes
 * covers the first 2 MiB of a GiB, and the only page directories it may
 * need cover the first GiB. So the small things live in [1 MiB, 2 MiB) of
 * both spaces, under one page table at each space's PD[0], and the
 * samples at 1 GiB.
 */
#define SHARED_VA 0x100000ull      /* struct bench_shared, in both spaces */
#define SCRATCH_VA 0x101000ull     /* root: one page, a window for filling frames */
#define ELF_VIEW_VA 0x110000ull    /* root: boot module 0 (our ELF file), read-only ... */
#define ELF_VIEW_END 0x1c0000ull   /* ... up to here */
#define PEER_STACK_TOP 0x1e0000ull /* each peer's stack ends here, in its own space */
#define PEER_STACK_PAGES 4         /* with an unmapped guard page below */
#define PEER_IPC_VA 0x1e1000ull    /* each peer's IPC buffer */
#define IMAGE_BASE 0x400000ull     /* the program's link address (libipc/user.ld) ... */
#define IMAGE_END 0x600000ull      /* ... and the end of the 2 MiB page that starts there */
#define SAMPLES_VA 0x40000000ull   /* root: the sample buffers, at most 2 MiB ... */
#define SAMPLES_END 0x40200000ull
#define LARGE_SCRATCH_VA 0x40200000ull /* root: a window for filling a 2 MiB frame */

#define PAGE_SIZE 4096ull

/* Iterations per measurement (the module argument iterations=N). */
#define ITER_DEFAULT 10000u
#define ITER_MIN 100u
#define ITER_MAX 100000u /* two buffers of ITER_MAX samples fill SAMPLES_VA..SAMPLES_END */

/*
 * The page both spaces share. The peers write timestamps here; the root
 * task reads them after the IPC that follows the write has brought it
 * back, so no fence beyond the compiler's is needed (one CPU).
 */
struct bench_shared {
    volatile uint64_t t;        /* a peer's timestamp: after waking, or before sending */
    volatile uint64_t t_arrive; /* the stamping server: right after its receive returned */
    volatile uint64_t t_leave;  /* ... and right before its reply */
    uint64_t ep;                /* capability pointers the peers use (one CSpace) */
    uint64_t ntfn;
};

/*
 * The timestamp counter, serialised with LFENCE on both sides: the LFENCE
 * before waits for every earlier instruction to finish, the one after
 * keeps later ones from starting before the read (Intel SDM Vol. 2B,
 * RDTSC; on AMD when LFENCE is dispatch-serialising, which Linux turns
 * on). RDTSCP is not used: QEMU's qemu64 model, the one used under KVM,
 * does not offer it. Under TCG with -icount shift=0 the counter advances by
 * one per guest instruction executed.
 */
static inline uint64_t bench_tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
    return (uint64_t)hi << 32 | lo;
}

/* --- setup.c --- */

/* Prints "bench: error: <what>: <error name>" and ends the scenario with FAIL. */
_Noreturn void bench_fail(const char *what, long err);
/* Ends the scenario through the isa-debug-exit port with code (AXL_EXIT_*). */
_Noreturn void bench_end(unsigned code);

/* The next free root CNode slot (bench_fail when none is left). */
uint64_t bench_slot(void);
/* One object of a fixed-size type in a fresh slot, which it returns (bench_fail on error). */
uint64_t bench_retype(unsigned type);
/* Maps frame at va in pml4, making the page tables it needs first (an error code). */
long bench_map(uint64_t frame, uint64_t pml4, uint64_t va, unsigned rights, unsigned attr);
/* Fresh zeroed frames mapped read-write at [va, va + pages * 4 KiB) of the root space. */
void bench_map_fresh(uint64_t va, uint64_t pages);

/* A thread the root task starts and stops (its stack ends at PEER_STACK_TOP in its space). */
struct peer {
    uint64_t tcb;
};

/*
 * Builds the server space from boot module 0 (the root task's ELF file):
 * a new PML4 with a private copy of every PT_LOAD segment at its link
 * address, with the segment's rights, in 4 KiB pages; or, where the kernel
 * cannot install the page table that needs, all segments in one 2 MiB page
 * at IMAGE_BASE, readable, writable and executable. Returns the PML4's slot.
 */
uint64_t bench_server_space(void);
/* Maps a fresh frame at SHARED_VA in both the root space and pml4. */
struct bench_shared *bench_share_page(uint64_t pml4);
/* A stopped thread in pml4 with a stack under PEER_STACK_TOP and an IPC buffer at PEER_IPC_VA. */
void bench_peer_create(struct peer *p, uint64_t pml4);
/* (Re)starts p at fn(SHARED_VA) with priority prio. */
void bench_peer_start(const struct peer *p, void (*fn)(struct bench_shared *), unsigned prio);
/* Stops p, aborting whatever IPC it waits in. */
void bench_peer_stop(const struct peer *p);

/* --- peer.c: each never returns; each reads its capabilities from *sh --- */
_Noreturn void peer_server(struct bench_shared *sh);       /* RECV, then REPLY_RECV forever */
_Noreturn void peer_server_stamp(struct bench_shared *sh); /* the same, timestamping both ends */
_Noreturn void peer_sender(struct bench_shared *sh);       /* stamp, SEND, forever */
_Noreturn void peer_signaller(struct bench_shared *sh);    /* stamp, SIGNAL, forever */
_Noreturn void peer_yielder(struct bench_shared *sh);      /* stamp, YIELD, forever */

/* --- stats.c --- */

/* Summary of one measurement; percentiles by nearest rank on the sorted samples. */
struct bench_summary {
    uint64_t min, p10, median, p90, max, mean;
    uint32_t n;
};

/* Sorts samples[0..n) in place (heapsort: no recursion, no allocation) and summarises them. */
void bench_summarise(uint64_t *samples, uint32_t n, struct bench_summary *out);
/* Prints "bench: name=<name> median=... p10=... p90=... min=... max=... mean=... n=..." */
void bench_print(const char *name, const struct bench_summary *s);

#endif /* BENCH_H */
