/* SPDX-License-Identifier: MIT */
/*
 * axl/name.h: the name-service client (libipc). Services register an
 * endpoint under a name; clients look a name up and get a copy of that
 * endpoint and the registration's generation, which grows by one each time
 * the name is registered again (a restarted service has a new generation).
 * All calls go to the name server endpoint at AXL_PROC_SLOT_NAME_EP.
 */
#ifndef AXL_LIBIPC_NAME_H
#define AXL_LIBIPC_NAME_H

#include <stdint.h>

#define AXL_NAME_MAX 32 /* bytes of a service name, without the NUL */

/* Registers the endpoint at cptr ep under name; *generation (may be NULL) gets its generation. */
long axl_name_register(const char *name, uint64_t ep, uint64_t *generation);
/*
 * Looks name up; its endpoint capability is put in this process's empty
 * slot `slot` (a cptr of its own CNode), its generation in *generation (may be NULL).
 */
long axl_name_lookup(const char *name, uint64_t slot, uint64_t *generation);
/* Withdraws name (only the process that registered it may). */
long axl_name_unregister(const char *name);

/* A free slot of this process's CNode for a capability it is about to receive (0: none left). */
uint64_t axl_slot_alloc(void);

#endif /* AXL_LIBIPC_NAME_H */
