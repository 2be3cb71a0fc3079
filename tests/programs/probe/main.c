/* SPDX-License-Identifier: MIT */
/*
 * probe: a process that misbehaves, or talks a lot, on purpose, for the
 * scenarios that check the system survives it (tests/scenarios/). Its
 * manifest args say what to do:
 *
 *   ioport-cap PORT   use its I/O-port capability on PORT, outside its range:
 *                     the kernel refuses (RANGE); it prints that and goes on
 *   ioport-raw PORT   execute IN on PORT directly: user mode has no I/O
 *                     privilege, so this is a #GP fault the root task reports
 *   mmio ADDR         read device memory at ADDR it was never given: #PF
 *   caps              list the capabilities it was granted; for device memory,
 *                     also the first 32-bit word where it is mapped
 *   chatter N         print N lines in pieces, yielding between pieces, so
 *                     that the console must put each line together whole
 *   survive           print, ask for the process report, exit 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <axl/axl.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

static const struct axl_proc_cap *first_ioport(void)
{
    for (uint64_t i = 0; axl_procinfo && i < axl_procinfo->cap_count; i++) {
        if (axl_procinfo->caps[i].kind == AXL_PROC_CAP_IOPORT) {
            return &axl_procinfo->caps[i];
        }
    }
    return NULL;
}

static int ioport_cap(unsigned long port)
{
    const struct axl_proc_cap *c = first_ioport();
    uint32_t v;

    if (!c) {
        printf("probe: no I/O-port capability granted\n");
        return 1;
    }
    long err = axl_ioport_in(c->cptr, port, 1, &v);
    printf("probe: IN %#lx through my %s capability: %s\n", port, c->name, axl_errname(err));
    return err == AXL_E_RANGE ? 0 : 1;
}

static int ioport_raw(unsigned long port)
{
    printf("probe: IN %#lx with the instruction itself\n", port);
    fflush(stdout);
    uint8_t v;
    __asm__ volatile("inb %w1, %0" : "=a"(v) : "Nd"((uint16_t)port));
    printf("probe: read %#x: the kernel let a user process touch a port!\n", v);
    return 1;
}

static int mmio(unsigned long addr)
{
    printf("probe: reading device memory at %#lx\n", addr);
    fflush(stdout);
    uint32_t v = *(volatile uint32_t *)addr;
    printf("probe: read %#x: memory that was never granted is mapped!\n", v);
    return 1;
}

static const char *kind_name(uint64_t kind)
{
    switch (kind) {
    case AXL_PROC_CAP_IOPORT: return "ioports";
    case AXL_PROC_CAP_IRQ: return "irq";
    case AXL_PROC_CAP_MMIO: return "mmio";
    case AXL_PROC_CAP_ENDPOINT: return "endpoint";
    default: return "?";
    }
}

static int caps(void)
{
    printf("probe: %llu capabilities granted\n", (unsigned long long)axl_procinfo->cap_count);
    for (uint64_t i = 0; i < axl_procinfo->cap_count && i < AXL_PROC_MAX_CAPS; i++) {
        const struct axl_proc_cap *c = &axl_procinfo->caps[i];
        if (c->kind == AXL_PROC_CAP_MMIO) {
            uint32_t first = *(volatile uint32_t *)c->vaddr;
            printf("probe: %s: %s %#llx+%#llx at %#llx, slot %llu: first word %#010x\n", c->name,
                   kind_name(c->kind), (unsigned long long)c->first, (unsigned long long)c->last,
                   (unsigned long long)c->vaddr, (unsigned long long)c->cptr, (unsigned)first);
        } else {
            printf("probe: %s: %s %#llx-%#llx, slot %llu\n", c->name, kind_name(c->kind),
                   (unsigned long long)c->first, (unsigned long long)c->last,
                   (unsigned long long)c->cptr);
        }
    }
    return 0;
}

/* Lines of one letter repeated, written in three pieces with a yield between each. */
static int chatter(unsigned long n)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* every piece is its own write() */
    for (unsigned long i = 1; i <= n; i++) {
        char body[49];
        memset(body, 'a' + (int)(i % 26), 48);
        body[48] = 0;
        printf("line %lu/%lu ", i, n);
        axl_yield();
        printf("%.24s", body);
        axl_yield();
        printf("%s end\n", body + 24);
    }
    return 0;
}

static int survive(void)
{
    printf("probe: still here; asking for the process report\n");
    struct axl_msg m;
    axl_rpc_begin(&m, AXL_OP_SUP_PS);
    long err = axl_rpc_call(AXL_PROC_SLOT_SUPERVISOR_EP, &m);
    printf("probe: report: %s\n", axl_errname(err));
    return err == AXL_E_OK ? 0 : 1;
}

int main(void)
{
    char args[sizeof(axl_procinfo->args)];
    const char *what = args, *arg = "";

    if (!axl_procinfo) {
        printf("probe: must be started by the root task\n");
        return 2;
    }
    memcpy(args, axl_procinfo->args, sizeof(args));
    args[sizeof(args) - 1] = 0;
    char *space = strchr(args, ' ');
    if (space) {
        *space = 0;
        arg = space + 1;
    }
    unsigned long num = strtoul(arg, NULL, 0);

    if (strcmp(what, "ioport-cap") == 0) {
        return ioport_cap(num);
    }
    if (strcmp(what, "ioport-raw") == 0) {
        return ioport_raw(num);
    }
    if (strcmp(what, "mmio") == 0) {
        return mmio(num);
    }
    if (strcmp(what, "caps") == 0) {
        return caps();
    }
    if (strcmp(what, "chatter") == 0) {
        return chatter(num);
    }
    if (strcmp(what, "survive") == 0) {
        return survive();
    }
    printf("probe: unknown args '%s' (see tests/programs/probe/main.c)\n", args);
    return 2;
}
