/* SPDX-License-Identifier: MIT */
/*
 * thread.h: threads (TCB objects), the scheduler, and how the kernel
 * enters and leaves user mode (core/tcb.c, core/sched.c).
 *
 * The kernel is event-driven, like seL4: it has one kernel stack, runs
 * with interrupts off, and never blocks. A system call, fault or
 * interrupt saves the user registers in the current TCB, does its work
 * to completion, and leaves through kernel_exit, which picks the thread
 * to run (perhaps another) and restores its registers. A thread that
 * "blocks" simply is not runnable until some later event makes it so.
 */
#ifndef AXL_THREAD_H
#define AXL_THREAD_H

#include <arch/trapframe.h>
#include <cap.h>
#include "tcb_layout.h"
#include <uapi/axl/faults.h>
#include "types.h"

enum thread_state {
    TS_INACTIVE,      /* never started, or suspended */
    TS_RUNNABLE,      /* the current thread, or in a ready queue */
    TS_BLOCKED_SEND,  /* queued on an endpoint to send (or call) */
    TS_BLOCKED_RECV,  /* queued on an endpoint to receive */
    TS_BLOCKED_REPLY, /* made a call, waits for the reply */
    TS_BLOCKED_WAIT,  /* queued on a notification */
};

/* Flags of the IPC a blocked thread is in (tcb.ipc_flags). */
#define IPC_CALL 0x1        /* the send is a call: the receiver gets a reply capability */
#define IPC_GRANT 0x2       /* the sender's capability allows transferring capabilities */
#define IPC_GRANT_REPLY 0x4 /* the reply capability will allow transferring capabilities */
#define IPC_FAULT 0x8       /* the message is a fault message the kernel built */

struct endpoint;
struct notification;

/*
 * A thread, 2 KiB (AXL_OBJ_TCB). The capability slots come first so they
 * keep the 64-byte alignment of CNode slots; the FPU area needs 16.
 */
struct tcb {
    /* Capabilities the thread runs with (copies; deleting them stops nothing else). */
    struct cte cspace;   /* CSpace root (a CNode) */
    struct cte vspace;   /* PML4 */
    struct cte ipcbuf;   /* frame holding the IPC buffer */
    struct cte fault_ep; /* where faults are sent (an endpoint), or empty */
    struct cte reply;    /* the reply capability of the last call received */
    uint8_t fpu[512] __attribute__((aligned(16))); /* FXSAVE image */
    struct trap_frame regs;                        /* user registers while in the kernel */

    /* Scheduling. */
    struct tcb *sched_next, *sched_prev;
    uint8_t prio, mcp; /* priority; highest priority it may give (its own or other threads') */
    uint8_t state;     /* enum thread_state */
    bool queued;       /* in a ready queue */
    uint32_t timeslice, remaining; /* in ticks */

    /* IPC. */
    struct tcb *ep_next, *ep_prev;
    void *blocked_on;    /* the endpoint or notification it is queued on */
    uint64_t ipc_badge;  /* blocked sending: the badge of the capability it sends through */
    uint32_t ipc_flags;  /* IPC_* */
    struct cte *caller_reply; /* made a call: the slot holding the reply capability to it */
    uint64_t ipcbuf_vaddr;
    uint64_t ipc_info;   /* blocked sending: the message info it sent (checked then) */
    uint64_t fault_info; /* a pending fault message: its info word and words */
    uint64_t fault_mr[AXL_FAULT_WORDS];
    uint64_t id;         /* a serial number, for log messages */
    struct notification *bound_ntfn; /* signals to it end a RECV (TCB_BIND_NOTIFICATION) */
    bool critical;       /* the root task: a fault it cannot hand on reboots the system */
};
_Static_assert(sizeof(struct tcb) <= 2048, "a TCB fits its 2 KiB object");
_Static_assert(__builtin_offsetof(struct tcb, regs) == TCB_REGS_OFFSET, "tcb_layout.h is right");

extern struct tcb *current; /* NULL while the CPU idles */

/* --- tcb.c --- */
void tcb_init(struct tcb *t); /* a freshly retyped TCB */
void tcb_destroy(struct tcb *t);
/* The thread's IPC buffer through the kernel's mapping, or NULL if it has none. */
struct axl_ipc_buffer *tcb_ipc_buffer(const struct tcb *t);
/* Handles a TCB invocation by current; returns an error code. */
int tcb_invoke(struct tcb *t, struct cte *slot, uint64_t label, unsigned len);
/* Stops t: aborts the IPC it waits in and takes it off every queue. */
void tcb_suspend(struct tcb *t);

/* --- sched.c --- */
void sched_init(unsigned timeslice_ticks);
void sched_make_runnable(struct tcb *t); /* state RUNNABLE and queued, perhaps preempting */
void sched_handoff(struct tcb *t);       /* as make_runnable, first in its queue (IPC) */
void sched_remove(struct tcb *t);        /* off the ready queue (blocking or stopping) */
void sched_forget(struct tcb *t);        /* t is being destroyed: drop every reference */
void sched_yield(void);
/* While held, the clock never ends the current thread's timeslice: for a system call that waits
 * for a device in ring 0 (a driver linked into the kernel, kdriver.c), which must return to the
 * thread that made it. */
void sched_hold(bool hold);
void sched_tick(void);                   /* from the timer interrupt */
unsigned sched_default_timeslice(void);
/* Sets current to the thread that should run now (NULL: none). */
void sched_choose(void);
/* Picks the next thread and enters user mode; idles if nothing is runnable. */
NORETURN void kernel_exit(void);
/* Checks the ready queues; returns NULL or a description of the first problem. */
const char *sched_check(void);

/* --- boot_root.c: builds the root task from module 0 and runs it --- */
struct boot_info;
struct pmm;
NORETURN void root_task_start(const struct boot_info *bi, struct pmm *pmm);

/* --- entering and leaving user mode (arch) --- */
NORETURN void arch_enter_user(struct trap_frame *regs);
void arch_fpu_save(uint8_t *area);
void arch_fpu_restore(const uint8_t *area);
void arch_fpu_init_area(uint8_t *area);
/* Switches to t's address space (the kernel's own when t is NULL). */
void arch_switch_space(const struct tcb *t);
/* Registers of a new thread: user segments, interrupts on. */
void arch_init_user_regs(struct trap_frame *r);
/* Takes only the RFLAGS bits a user may set; keeps IF on. */
uint64_t arch_user_rflags(uint64_t requested);

#endif /* AXL_THREAD_H */
