/* SPDX-License-Identifier: MIT */
/*
 * axl/service.h: calling a service that may be restarted under you (libipc;
 * the client contract of docs/supervisor.md).
 *
 * The supervisor keeps a service's endpoint across restarts of the process
 * behind it, so requests queued on it simply wait for the next instance.
 * What a client must handle is the request in flight when the server died:
 * the kernel ends that call with ABORTED. axl_service_call turns that into
 * one of three clear outcomes:
 *
 *   - the request is idempotent (AXL_CALL_IDEMPOTENT): it is sent again,
 *     after looking the name up anew, at most `tries` times in all and
 *     within `budget_us`; then AXL_S_TIMEOUT;
 *   - it is not: AXL_S_RESTARTED, "the service restarted, the outcome of the
 *     request is unknown": the caller decides (read back, or redo);
 *   - the supervisor gave up on the service: AXL_S_FAILED, at once and for
 *     every later call.
 *
 * A reply that breaks the protocol (a label other than 0, no status word,
 * more words than max_reply_words) is reported to the supervisor as a
 * complaint, which restarts the service, and is handled like a death
 * (retried if idempotent, else AXL_S_PROTOCOL). A client that finds a
 * reply wrong in its content (a checksum, an echo) can complain itself with
 * axl_service_complain.
 */
#ifndef AXL_LIBIPC_SERVICE_H
#define AXL_LIBIPC_SERVICE_H

#include <stdint.h>

#include <axl/name.h>
#include <axl/sys.h>

#define AXL_CALL_IDEMPOTENT 1u /* safe to send twice */

struct axl_service {
    char name[AXL_NAME_MAX + 1];
    uint64_t slot;            /* this process's slot holding the endpoint */
    uint64_t generation;      /* of the registration last looked up */
    unsigned max_reply_words; /* longer replies break the protocol (0: any length) */
    unsigned tries;           /* sends of one idempotent request, at most (default 4) */
    uint64_t budget_us;       /* time one call may take with its retries (default 2 s) */
    /* What happened so far, for reports. */
    uint64_t calls, retries, aborted, complaints;
};

/* Looks name up and fills s with defaults. AXL_S_NOT_FOUND, AXL_S_FAILED, ... on failure. */
long axl_service_open(struct axl_service *s, const char *name);

/*
 * Calls the service with request *m, leaving the reply in *m. Returns the
 * reply's status (MR0), or AXL_S_RESTARTED / AXL_S_PROTOCOL / AXL_S_FAILED /
 * AXL_S_TIMEOUT as above, or a kernel error of the IPC itself.
 */
long axl_service_call(struct axl_service *s, struct axl_msg *m, unsigned flags);

/* Tells the supervisor the service misbehaved (reason: one line); it restarts it. */
long axl_service_complain(struct axl_service *s, const char *reason);

#endif /* AXL_LIBIPC_SERVICE_H */
