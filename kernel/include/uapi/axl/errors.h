/* SPDX-License-Identifier: MIT */
/*
 * uapi/axl/errors.h: the error codes every kernel operation returns.
 *
 * Part of the one ABI (see docs/abi.md). 0 is success; every failure a
 * user can cause has a name here, so nothing a user does needs a panic.
 * libipc turns the table into axl_strerror. Freestanding: needs nothing.
 */
#ifndef AXL_UAPI_ERRORS_H
#define AXL_UAPI_ERRORS_H

/* X(value, NAME, "meaning") */
#define AXL_ERRORS(X)                                                                              \
    X(0, OK, "success")                                                                            \
    X(1, INVALID_ARGUMENT, "an argument is not valid for this operation")                          \
    X(2, INVALID_CAPABILITY, "the slot holds no capability of the type needed")                    \
    X(3, ILLEGAL_OPERATION, "the operation is not allowed on this capability")                     \
    X(4, RANGE, "a number is outside the range the operation accepts")                             \
    X(5, ALIGNMENT, "an address or size is not suitably aligned")                                  \
    X(6, FAILED_LOOKUP, "a slot index lies outside its CNode")                                     \
    X(7, DELETE_FIRST, "the destination slot is occupied")                                         \
    X(8, REVOKE_FIRST, "objects derived from this capability still exist")                         \
    X(9, NOT_ENOUGH_MEMORY, "the untyped region has too little free memory left")                  \
    X(10, INSUFFICIENT_RIGHTS, "the capability lacks a right the operation needs")                 \
    X(11, WOULD_BLOCK, "a non-blocking operation found no partner or no signal")                   \
    X(12, ABORTED, "the IPC ended without an answer: the partner or object was deleted")           \
    X(13, MAPPING, "the address is taken, or a page table it needs is missing")                    \
    X(14, NO_IPC_BUFFER, "the message needs an IPC buffer, and the thread has none")

#ifndef __ASSEMBLER__
enum axl_error {
#define AXL_X(value, name, text) AXL_E_##name = (value),
    AXL_ERRORS(AXL_X)
#undef AXL_X
};
#endif

#endif /* AXL_UAPI_ERRORS_H */
