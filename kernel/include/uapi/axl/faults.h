/* SPDX-License-Identifier: MIT */
/*
 * uapi/axl/faults.h: faults as messages.
 *
 * Part of the one ABI (see docs/abi.md, "Faults"). When a user thread
 * faults, the kernel blocks it and makes a CALL on its fault endpoint on
 * its behalf: the label is the fault kind, the badge is the badge of the
 * fault-endpoint capability (which names the thread), and the message
 * words are AXL_FAULT_MR_*. Replying with label AXL_FAULT_RESUME resumes
 * the thread (MR0, if sent, becomes its RIP and MR1 its RSP; with no
 * words it continues at the RIP of the fault message: the faulting
 * instruction again, or for #BP and an invalid system call the one
 * after it); any other label, or
 * deleting the reply capability, leaves it suspended. A thread without a
 * fault endpoint is suspended and the fault logged, except the root task
 * (the supervisor): its fault is a clean reboot of the whole system
 * (exit code REBOOT), since nothing is left to supervise it. Freestanding.
 */
#ifndef AXL_UAPI_FAULTS_H
#define AXL_UAPI_FAULTS_H

/* X(kind, NAME, "what happened") */
#define AXL_FAULTS(X)                                                                              \
    X(1, PAGE_FAULT, "#PF: access to an unmapped page or without the right (guard pages too)")     \
    X(2, GENERAL_PROTECTION, "#GP: privileged instruction, bad segment, non-canonical address")    \
    X(3, INVALID_OPCODE, "#UD: undefined instruction")                                             \
    X(4, DIVIDE_ERROR, "#DE: division by zero or overflow")                                        \
    X(5, BREAKPOINT, "#BP: int3")                                                                  \
    X(6, ALIGNMENT_CHECK, "#AC: misaligned access with RFLAGS.AC set")                             \
    X(7, SIMD, "#XM: unmasked SSE floating-point exception")                                       \
    X(8, INVALID_SYSCALL, "an unknown system-call number (MR5 holds it)")                          \
    X(9, OTHER_EXCEPTION, "any other CPU exception (MR5 holds the vector)")

/* Message words of a fault message. */
#define AXL_FAULT_MR_RIP 0
#define AXL_FAULT_MR_RSP 1
#define AXL_FAULT_MR_ADDR 2  /* #PF: the faulting address (CR2); otherwise 0 */
#define AXL_FAULT_MR_ERROR 3 /* the CPU's error code; otherwise 0 */
#define AXL_FAULT_MR_FLAGS 4 /* RFLAGS */
#define AXL_FAULT_MR_DETAIL 5 /* the vector, or the system-call number */
#define AXL_FAULT_MR_TSC 6    /* the time stamp counter when the kernel took the fault */
#define AXL_FAULT_WORDS 7

#define AXL_FAULT_RESUME 0 /* reply label that resumes the thread */

#ifndef __ASSEMBLER__
enum axl_fault {
#define AXL_X(kind, name, text) AXL_FAULT_##name = (kind),
    AXL_FAULTS(AXL_X)
#undef AXL_X
};
#endif

#endif /* AXL_UAPI_FAULTS_H */
