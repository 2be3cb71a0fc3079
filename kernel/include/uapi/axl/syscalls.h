/* SPDX-License-Identifier: MIT */
/*
 * uapi/axl/syscalls.h: system-call numbers, the register convention and
 * the message-info word.
 *
 * Part of the one ABI (see docs/abi.md, "System calls"). A thread enters
 * the kernel with SYSCALL:
 *
 *   in:  rax  system-call number (AXL_SYS_*)
 *        rdi  capability pointer (the endpoint, notification or object)
 *        rsi  message info (AXL_MSGINFO)
 *        rdx, r10, r8, r9   message registers MR0..MR3
 *   out: rax  error code (uapi/axl/errors.h), 0 on success
 *        rdi  badge of the capability the message came through
 *        rsi  message info of the message received (or of the reply)
 *        rdx, r10, r8, r9   MR0..MR3 received
 *
 * SYSCALL itself overwrites rcx and r11; every other register is kept.
 * MR4 and up live in the thread's IPC buffer (uapi/axl/ipc.h). An object
 * invocation is a CALL on a capability that is not an endpoint: the
 * label names the operation (uapi/axl/invocations.h). Freestanding.
 */
#ifndef AXL_UAPI_SYSCALLS_H
#define AXL_UAPI_SYSCALLS_H

/* X(number, NAME, "what it does") */
#define AXL_SYSCALLS(X)                                                                            \
    X(1, CALL, "send, then wait for the reply; on an object: invoke it")                           \
    X(2, SEND, "send a message; block until a receiver takes it")                                  \
    X(3, NB_SEND, "send only if a receiver is waiting, else WOULD_BLOCK")                          \
    X(4, RECV, "wait for a message on an endpoint")                                                \
    X(5, NB_RECV, "take a message only if a sender is waiting, else WOULD_BLOCK")                  \
    X(6, REPLY, "answer the call last received, through the one-shot reply capability")            \
    X(7, REPLY_RECV, "reply, then wait for the next message on an endpoint")                       \
    X(8, SIGNAL, "signal a notification: OR the capability's badge into its word")                 \
    X(9, WAIT, "wait until a notification's word is non-zero, take and clear it")                  \
    X(10, POLL, "take and clear a notification's word without blocking (WOULD_BLOCK if 0)")        \
    X(11, YIELD, "give up the rest of the timeslice to threads of the same priority")              \
    X(12, DEBUG_PUTS, "write message bytes (rdi = count) to the kernel log")                       \
    X(13, DEBUG_CHECK, "run the kernel's consistency check; rax = problems found")                 \
    X(14, LOG_READ, "read the kernel log from byte rdi on: MR0 first byte, MR1 count, MR2.. bytes")

/* Message info: label, number of capabilities, number of message words. */
#define AXL_MSG_MAX_WORDS 118 /* MR0..MR117 */
#define AXL_MSG_REG_WORDS 4   /* MR0..MR3 travel in registers */
#define AXL_MSG_MAX_CAPS 3    /* capabilities per message */
#define AXL_MSGINFO_LEN_BITS 7
#define AXL_MSGINFO_CAPS_SHIFT 7
#define AXL_MSGINFO_CAPS_BITS 2
#define AXL_MSGINFO_LABEL_SHIFT 12

/*
 * The label of a message that is not a message: a receive on an endpoint
 * returns it when the receiving thread's bound notification was signalled
 * (TCB_BIND_NOTIFICATION); the badge register then holds the notification's
 * word. No thread can send it (INVALID_ARGUMENT).
 */
#define AXL_LABEL_NOTIFICATION ((1ull << (64 - AXL_MSGINFO_LABEL_SHIFT)) - 1)

#define AXL_MSGINFO(label, caps, len)                                                              \
    (((unsigned long long)(label) << AXL_MSGINFO_LABEL_SHIFT) |                                    \
     ((unsigned long long)(caps) << AXL_MSGINFO_CAPS_SHIFT) | (unsigned long long)(len))
#define AXL_MSGINFO_LEN(mi) ((unsigned)((mi) & ((1u << AXL_MSGINFO_LEN_BITS) - 1)))
#define AXL_MSGINFO_CAPS(mi)                                                                       \
    ((unsigned)(((mi) >> AXL_MSGINFO_CAPS_SHIFT) & ((1u << AXL_MSGINFO_CAPS_BITS) - 1)))
#define AXL_MSGINFO_LABEL(mi) ((unsigned long long)(mi) >> AXL_MSGINFO_LABEL_SHIFT)

#ifndef __ASSEMBLER__
enum axl_syscall {
#define AXL_X(number, name, text) AXL_SYS_##name = (number),
    AXL_SYSCALLS(AXL_X)
#undef AXL_X
        AXL_SYS_COUNT
};
#endif

#endif /* AXL_UAPI_SYSCALLS_H */
