/* SPDX-License-Identifier: MIT */
/*
 * pstore.h: the crash records of earlier boots, as the kernel verified and
 * handed them to the root task (uapi/axl/pstore.h, axl_pstore_handoff),
 * served to components whose manifest says may-read-pstore = yes
 * (SUP_PSTORE_INFO, SUP_PSTORE_ENTRY, SUP_PSTORE_READ; docs/crash.md).
 */
#ifndef AXL_SUP_PSTORE_H
#define AXL_SUP_PSTORE_H

#include <stdbool.h>

#include <axl/axl.h>

struct proc;

/* Maps the records' frames and checks their structure; says what it found. */
void pstore_setup(const struct axl_bootinfo *bi);

/* Answers m if it is a SUP_PSTORE_* request from p (and returns true), else returns false. */
bool pstore_request(const struct proc *p, const struct axl_msg *m);

#endif /* AXL_SUP_PSTORE_H */
