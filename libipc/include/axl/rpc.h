/* SPDX-License-Identifier: MIT */
/*
 * axl/rpc.h: the request/reply convention every server speaks, bounds-
 * checked message building and parsing, and a server loop (libipc).
 *
 * A request is a CALL on a service endpoint: the label is the operation
 * (AXL_OP_* in <axl/protocols.h>), MR0.. its arguments. The reply has label
 * 0, MR0 the status (0 = AXL_E_OK, a kernel error code <axl/errors.h>, or a
 * service status AXL_S_* below), MR1.. the results. Byte strings travel as
 * one word holding their length followed by the bytes packed little-endian
 * into words. Every reader checks against the length the message came with:
 * a short or oversized message is AXL_S_BAD_REQUEST, never a read past it.
 */
#ifndef AXL_LIBIPC_RPC_H
#define AXL_LIBIPC_RPC_H

#include <stddef.h>
#include <stdint.h>

#include <axl/sys.h>

struct axl_inject;

/* Service statuses: above every kernel error code. Names: axl_strerror(). */
#define AXL_SERVICE_STATUSES(X)                                                                    \
    X(32, BAD_REQUEST, "the request is malformed: too short, or a length past its end")            \
    X(33, NO_SUCH_OP, "the service has no such operation")                                         \
    X(34, NOT_FOUND, "no such name")                                                               \
    X(35, EXISTS, "the name is taken")                                                             \
    X(36, NO_SPACE, "the service's table is full")                                                 \
    X(37, DENIED, "the caller may not do this")                                                    \
    X(38, IO_ERROR, "the device reported an error")                                                \
    X(39, RESTARTED, "the service restarted; the outcome of the request is unknown")               \
    X(40, TIMEOUT, "no answer in time")                                                            \
    X(41, FAILED, "the service failed and its supervisor gave up on it")                           \
    X(42, PROTOCOL, "the service broke the protocol (wrong label or length): reported to the supervisor") \
    X(43, LIMIT, "a limit is reached: try again later (processes, threads or committed memory)")

enum axl_service_status {
#define AXL_X(value, name, text) AXL_S_##name = (value),
    AXL_SERVICE_STATUSES(AXL_X)
#undef AXL_X
};

/* --- building a message: each returns 0, or AXL_E_RANGE when it does not fit (m unchanged) --- */

/* Starts a request: label op, no words yet. */
static inline void axl_rpc_begin(struct axl_msg *m, uint64_t op)
{
    *m = axl_message(op, 0);
}
long axl_msg_put_word(struct axl_msg *m, uint64_t v);
long axl_msg_put_bytes(struct axl_msg *m, const void *p, size_t n);
long axl_msg_put_str(struct axl_msg *m, const char *s); /* as bytes, without the NUL */

/* --- parsing a message: *pos is the next word to read, start at the first argument --- */

/* MR *pos, advancing *pos; AXL_S_BAD_REQUEST past the message's length. */
long axl_msg_get_word(const struct axl_msg *m, unsigned *pos, uint64_t *v);
/* A byte string of at most cap bytes into out; its length in *n. Longer: AXL_S_BAD_REQUEST. */
long axl_msg_get_bytes(const struct axl_msg *m, unsigned *pos, void *out, size_t cap, size_t *n);
/* As get_bytes, NUL-terminated in out[cap]; a string with a NUL inside is AXL_S_BAD_REQUEST. */
long axl_msg_get_str(const struct axl_msg *m, unsigned *pos, char *out, size_t cap);

/* Bytes a string of n bytes takes in a message: its length word and its data words. */
#define AXL_MSG_BYTES_WORDS(n) (1 + ((n) + 7) / 8)
/* The largest byte string a message can carry after `words` other words. */
#define AXL_MSG_BYTES_MAX(words) ((AXL_MSG_MAX_WORDS - (words) - 1) * 8)

/* --- the client side --- */

/*
 * Calls ep with request *m and leaves the reply in *m. Returns the kernel's
 * error if the IPC itself failed (AXL_E_ABORTED when the server died), else
 * the reply's status (MR0). Results start at MR1.
 */
long axl_rpc_call(uint64_t ep, struct axl_msg *m);

/* --- the server side --- */

/* Returned by a handler that must not be answered now (it kept or dropped the caller). */
#define AXL_RPC_NO_REPLY (-1)

struct axl_rpc_request {
    const struct axl_msg *msg; /* the request; arguments from MR0 */
    uint64_t badge;            /* of the capability the request came through */
    struct axl_msg *reply;     /* results: append with axl_msg_put_*; MR0 is the status */
};

struct axl_rpc_op {
    uint64_t label;     /* AXL_OP_* */
    unsigned min_words; /* shorter requests are answered AXL_S_BAD_REQUEST without a call */
    long (*handle)(void *ctx, struct axl_rpc_request *req); /* status, or AXL_RPC_NO_REPLY */
};

struct axl_server {
    uint64_t ep;                  /* endpoint to serve on */
    const struct axl_rpc_op *ops; /* the operations, ops_count of them */
    size_t ops_count;
    void *ctx; /* passed to every handler */
    /* A signal to the thread's bound notification: word holds the bits (may be NULL). */
    void (*notified)(void *ctx, uint64_t word);
    /* Carries out a fault kind only a DMA driver can (axl_inject_by_device: the DMA attacks of
     * docs/iommu.md) when it is due, before the request is handled; NULL: such kinds are
     * ignored, with a line saying so. */
    void (*inject)(void *ctx, const struct axl_inject *in);
};

/*
 * Serves forever: receives a request, runs its op's handler, replies with
 * its status (and results) and waits for the next, in one REPLY_RECV. An
 * unknown label is answered AXL_S_NO_SUCH_OP; a message of the kernel's
 * notification label goes to notified. Returns only if the endpoint fails
 * (its error).
 */
long axl_serve(const struct axl_server *s);

#endif /* AXL_LIBIPC_RPC_H */
