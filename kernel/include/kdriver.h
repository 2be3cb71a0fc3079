/* SPDX-License-Identifier: MIT */
/*
 * kdriver.h: drivers linked into the kernel, the monolithic baseline of
 * docs/benchmarks.md ("Availability"). Only build/kernel-mono/ has them
 * (AXL_KDRIVER): the normal kernel keeps every driver in user space.
 *
 * A driver here is the same source as in user space (drivers/lib/drv.h);
 * kdriver.c is the kernel's backend of that interface and the
 * AXL_OBJ_KDRIVER capability through which user space calls the driver.
 */
#ifndef AXL_KDRIVER_H
#define AXL_KDRIVER_H

#include <cap.h>
#include <pmm.h>

struct axl_rpc_op;

/* What a driver linked into the kernel gives kdriver.c (drivers/<name>/kernel.c). */
struct kdriver {
    const char *name; /* "edu" */
    /* Finds and sets up its device; logs what is wrong and returns false if it cannot serve. */
    bool (*init)(struct pmm *p, const char *cmdline);
    const struct axl_rpc_op *ops; /* its requests, as axl_serve would dispatch them */
    unsigned ops_count;
    void *ctx;
};

/* The one driver linked into this kernel. */
extern const struct kdriver kdriver_linked;

/* Finds and sets up the linked driver's device (the cmdline may say where its interrupt is).
 * Logs what is wrong and returns false if the driver cannot serve. */
bool kdriver_init(struct pmm *p, const char *cmdline);
/* Whether kdriver_init succeeded: the root task then gets AXL_SLOT_KDRIVER. */
bool kdriver_ready(void);
/* A CALL on the AXL_OBJ_KDRIVER capability: KDRIVER_INJECT, or one of the driver's requests. */
int kdriver_invoke(struct cte *slot, uint64_t label, unsigned len);

#endif /* AXL_KDRIVER_H */
