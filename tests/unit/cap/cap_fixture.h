/* SPDX-License-Identifier: MIT */
/*
 * cap_fixture.h: a small world for capability tests: a 1 MiB root untyped
 * (aligned host memory standing in for RAM) whose capability sits in
 * slot 0 of a 256-slot boot CNode, as the kernel will arrange at boot.
 */
#ifndef AXL_TEST_CAP_FIXTURE_H
#define AXL_TEST_CAP_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <cap.h>

#define RAM_BITS 20
#define BOOT_RADIX 8

struct world {
    void *ram;
    struct cte boot[1u << BOOT_RADIX];
    struct cap boot_cnode; /* names boot[] */
    struct cte *ut;        /* the root untyped: boot[0] */
};

static struct world *world_new(void)
{
    struct world *w = calloc(1, sizeof(*w));
    w->ram = aligned_alloc(1u << RAM_BITS, 1u << RAM_BITS);
    memset(w->ram, 0xa5, 1u << RAM_BITS); /* retype must zero what it hands out */
    w->boot_cnode = (struct cap){.type = AXL_OBJ_CNODE, .size_bits = BOOT_RADIX, .obj = w->boot};
    untyped_make_root(&w->boot[0], w->ram, RAM_BITS, false);
    w->ut = &w->boot[0];
    return w;
}

static void world_free(struct world *w)
{
    free(w->ram);
    free(w);
}

#endif
