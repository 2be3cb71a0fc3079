/* SPDX-License-Identifier: MIT */
/*
 * axl/sys.h: the system calls, one C function each, and the message they
 * carry (libipc).
 *
 * The register convention is the one in <axl/syscalls.h>, and only that
 * header gives the numbers: axl_sys() is the single place that enters the
 * kernel, and every wrapper below is a few lines around it. A message is
 * a struct axl_msg: its info word (label, capability count, length),
 * the badge the kernel reports, and MR0..MR3, which travel in registers.
 * MR4 and up live in the calling thread's IPC buffer, axl_ipc_buffer->mr[i]
 * (same numbering; axl_msg_set/axl_msg_get choose the right place).
 *
 * Every function returns the error code the kernel put in rax
 * (<axl/errors.h>: 0 = AXL_E_OK), except axl_debug_check, whose rax is a
 * count of problems. The blocking calls (call, send, recv, reply_recv,
 * wait) return only when their IPC completes or is aborted.
 */
#ifndef AXL_LIBIPC_SYS_H
#define AXL_LIBIPC_SYS_H

#include <stddef.h>
#include <stdint.h>

#include <axl/errors.h>
#include <axl/ipc.h>
#include <axl/syscalls.h>

/*
 * Set by crt0 from the entry registers before main runs: the boot
 * information (rdi) and this thread's IPC buffer (rsi). Either may be NULL
 * for a thread the kernel gave none; the root task always has both.
 */
extern struct axl_bootinfo *axl_bootinfo;
extern struct axl_ipc_buffer *axl_ipc_buffer;

/* One message as it crosses the system-call boundary. */
struct axl_msg {
    uint64_t info;                  /* AXL_MSGINFO(label, caps, length); length counts MR0.. */
    uint64_t badge;                 /* out: badge of the capability the message came through */
    uint64_t mr[AXL_MSG_REG_WORDS]; /* MR0..MR3; MR4.. are in axl_ipc_buffer->mr[] */
};

/* An empty message with the given label and length (words MR0..MR(len-1)). */
static inline struct axl_msg axl_message(uint64_t label, unsigned len)
{
    struct axl_msg m = {.info = AXL_MSGINFO(label, 0, len)};
    return m;
}

/*
 * Sets message word MR i. MR4 and up go to the IPC buffer, so they need one
 * (the call returns AXL_E_NO_IPC_BUFFER without it, and writes nothing).
 */
static inline long axl_msg_set(struct axl_msg *m, unsigned i, uint64_t v)
{
    if (i < AXL_MSG_REG_WORDS) {
        m->mr[i] = v;
        return AXL_E_OK;
    }
    if (i >= AXL_MSG_MAX_WORDS) {
        return AXL_E_RANGE;
    }
    if (!axl_ipc_buffer) {
        return AXL_E_NO_IPC_BUFFER;
    }
    axl_ipc_buffer->mr[i] = v;
    return AXL_E_OK;
}

/* Message word MR i of a message just received (0 if it cannot exist). */
static inline uint64_t axl_msg_get(const struct axl_msg *m, unsigned i)
{
    if (i < AXL_MSG_REG_WORDS) {
        return m->mr[i];
    }
    if (i >= AXL_MSG_MAX_WORDS || !axl_ipc_buffer) {
        return 0;
    }
    return axl_ipc_buffer->mr[i];
}

/*
 * The one way into the kernel. In: number in rax, cptr in rdi, m->info in
 * rsi, m->mr[0..3] in rdx, r10, r8, r9. Out: all of *m (badge from rdi,
 * info from rsi, MR0..MR3), and rax as the return value. SYSCALL
 * overwrites rcx and r11; "memory" because the kernel reads and writes the
 * IPC buffer (and, for DEBUG_PUTS, nothing else in user memory).
 */
static inline long axl_sys(unsigned nr, uint64_t cptr, struct axl_msg *m)
{
    register uint64_t rax __asm__("rax") = nr;
    register uint64_t rdi __asm__("rdi") = cptr;
    register uint64_t rsi __asm__("rsi") = m->info;
    register uint64_t rdx __asm__("rdx") = m->mr[0];
    register uint64_t r10 __asm__("r10") = m->mr[1];
    register uint64_t r8 __asm__("r8") = m->mr[2];
    register uint64_t r9 __asm__("r9") = m->mr[3];

    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "cc", "memory");
    m->badge = rdi;
    m->info = rsi;
    m->mr[0] = rdx;
    m->mr[1] = r10;
    m->mr[2] = r8;
    m->mr[3] = r9;
    return (long)rax;
}

/* CALL: sends *m on cptr and waits for the reply, which replaces *m. On a
 * capability that is not an endpoint this invokes the object (axl/invoke.h). */
static inline long axl_call(uint64_t cptr, struct axl_msg *m)
{
    return axl_sys(AXL_SYS_CALL, cptr, m);
}

/* SEND: sends *m on endpoint ep; blocks until a receiver takes it. */
static inline long axl_send(uint64_t ep, const struct axl_msg *m)
{
    struct axl_msg tmp = *m;
    return axl_sys(AXL_SYS_SEND, ep, &tmp);
}

/* NB_SEND: sends *m only if a receiver is waiting, else AXL_E_WOULD_BLOCK. */
static inline long axl_nb_send(uint64_t ep, const struct axl_msg *m)
{
    struct axl_msg tmp = *m;
    return axl_sys(AXL_SYS_NB_SEND, ep, &tmp);
}

/* RECV: waits for a message on endpoint ep and stores it (and its badge) in *m (out only). */
static inline long axl_recv(uint64_t ep, struct axl_msg *m)
{
    *m = (struct axl_msg){0};
    return axl_sys(AXL_SYS_RECV, ep, m);
}

/* NB_RECV: as axl_recv, but AXL_E_WOULD_BLOCK when no sender is waiting. */
static inline long axl_nb_recv(uint64_t ep, struct axl_msg *m)
{
    *m = (struct axl_msg){0};
    return axl_sys(AXL_SYS_NB_RECV, ep, m);
}

/* REPLY: answers the call last received with *m (the reply capability is one-shot). */
static inline long axl_reply(const struct axl_msg *m)
{
    struct axl_msg tmp = *m;
    return axl_sys(AXL_SYS_REPLY, 0, &tmp);
}

/* REPLY_RECV: replies with *m, then waits on endpoint ep; the next message replaces *m. */
static inline long axl_reply_recv(uint64_t ep, struct axl_msg *m)
{
    return axl_sys(AXL_SYS_REPLY_RECV, ep, m);
}

/* SIGNAL: ORs the capability's badge into the notification's word. */
static inline long axl_signal(uint64_t ntfn)
{
    struct axl_msg m = {0};
    return axl_sys(AXL_SYS_SIGNAL, ntfn, &m);
}

/*
 * WAIT: blocks until the notification's word is non-zero, then takes and
 * clears it; the word comes back where a badge does (rdi). word may be NULL.
 */
static inline long axl_wait(uint64_t ntfn, uint64_t *word)
{
    struct axl_msg m = {0};
    long err = axl_sys(AXL_SYS_WAIT, ntfn, &m);
    if (word) {
        *word = err ? 0 : m.badge;
    }
    return err;
}

/* POLL: as axl_wait without blocking: AXL_E_WOULD_BLOCK (and *word = 0) if the word is 0. */
/* The time stamp counter (ticks per second: axl_procinfo or axl_bootinfo ->tsc_hz). */
static inline uint64_t axl_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static inline long axl_poll(uint64_t ntfn, uint64_t *word)
{
    struct axl_msg m = {0};
    long err = axl_sys(AXL_SYS_POLL, ntfn, &m);
    if (word) {
        *word = err ? 0 : m.badge;
    }
    return err;
}

/* YIELD: gives the rest of the timeslice to threads of the same priority. */
static inline long axl_yield(void)
{
    struct axl_msg m = {0};
    return axl_sys(AXL_SYS_YIELD, 0, &m);
}

/*
 * DEBUG_CHECK: runs the kernel's consistency check over every CSpace it
 * can reach. Returns the number of problems found (each is in the kernel
 * log), not an error code: 0 means consistent.
 */
static inline long axl_debug_check(void)
{
    struct axl_msg m = {0};
    return axl_sys(AXL_SYS_DEBUG_CHECK, 0, &m);
}

/*
 * DEBUG_PUTS: writes n bytes of s to the kernel log, as they are (send
 * whole lines, ending in '\n'). One system call carries at most
 * AXL_MSG_MAX_WORDS * 8 bytes, and only AXL_MSG_REG_WORDS * 8 without an
 * IPC buffer; longer text is sent in several. Returns the first error
 * (and sends nothing after it).
 */
long axl_debug_puts(const char *s, size_t n);

/*
 * LOG_READ: copies kernel-log bytes from position pos on (a byte count
 * since boot) into buf, at most cap bytes; *first gets the position of the
 * first byte copied (larger than pos when the kernel's ring buffer has
 * overwritten older bytes) and *n the count (0: nothing new). One call
 * returns at most (AXL_MSG_MAX_WORDS - 2) * 8 bytes.
 */
long axl_log_read(uint64_t pos, uint64_t *first, void *buf, size_t cap, size_t *n);

#endif /* AXL_LIBIPC_SYS_H */
