/* SPDX-License-Identifier: MIT */
/* proc.c: looking up what the root task granted this process (<axl/proc.h>). */
#include <axl/proc.h>

#include <axl/string.h>

const struct axl_proc_cap *axl_proc_cap(const char *name)
{
    if (!axl_procinfo) {
        return NULL;
    }
    uint64_t n = axl_procinfo->cap_count < AXL_PROC_MAX_CAPS ? axl_procinfo->cap_count
                                                             : AXL_PROC_MAX_CAPS;
    for (uint64_t i = 0; i < n; i++) {
        const struct axl_proc_cap *c = &axl_procinfo->caps[i];
        if (strncmp(c->name, name, sizeof(c->name)) == 0) {
            return c;
        }
    }
    return NULL;
}
