/* SPDX-License-Identifier: MIT */
/*
 * The root task: the first process, holding every capability the kernel
 * hands out at boot. It reads the boot manifest (the first boot module
 * whose name ends in ".manifest"; docs/manifest.md), starts each valid
 * component with exactly the capabilities granted to it (proc.c), and
 * then serves: it is the fault handler of every process (a fault is
 * reported with the component's name and the process torn down, until the
 * supervisor takes this job), takes exit notices (ROOT_EXIT), and prints
 * the process report on request (ROOT_PS). A component marked
 * shutdown-on-exit ends the system with its status: QEMU's exit code is
 * PASS for 0 and FAIL otherwise.
 */
#include <stdarg.h>

#include <axl/axl.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

#include "manifest.h"
#include "mem.h"
#include "proc.h"

uint64_t console_ep;

void say(const char *fmt, ...)
{
    char line[AXL_MSG_BYTES_MAX(0)];
    va_list ap;
    va_start(ap, fmt);
    int n = axl_vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(line) - 1 ? (size_t)n : sizeof(line) - 2;

    line[len++] = '\n';
    if (console_ep) {
        struct axl_msg m;
        axl_rpc_begin(&m, AXL_OP_CONSOLE_WRITE);
        if (axl_msg_put_bytes(&m, line, len) == AXL_E_OK &&
            axl_rpc_call(console_ep, &m) == AXL_E_OK) {
            return;
        }
        console_ep = 0; /* the console is gone: fall back to the kernel log */
    }
    axl_debug_puts("root: ", 6);
    axl_debug_puts(line, len);
}

/* Ends the system: QEMU exits with PASS or FAIL (docs/abi.md, exit codes). */
static void shutdown(bool pass)
{
    uint64_t slot = slot_alloc();

    say("shutting down: %s", pass ? "pass" : "fail");
    if (console_ep) {
        struct axl_msg m;
        axl_rpc_begin(&m, AXL_OP_CONSOLE_SYNC);
        axl_rpc_call(console_ep, &m); /* every line out before the machine stops */
    }
    long err = axl_scenario_end(slot, pass ? AXL_EXIT_PASS : AXL_EXIT_FAIL);
    axl_printf("root: cannot power off through port %#x: %s\n", AXL_DEBUG_EXIT_PORT,
               err ? axl_strerror(err) : "the write returned");
}

static const char *fault_name(uint64_t kind)
{
    static const char *const names[] = {
#define AXL_X(kind, name, text) [kind] = text,
        AXL_FAULTS(AXL_X)
#undef AXL_X
    };
    return kind < sizeof(names) / sizeof(names[0]) && names[kind] ? names[kind] : "unknown fault";
}

/* Maps every boot module into the root task's space; data[i] is module i's first byte. */
static void map_modules(const struct axl_bootinfo *bi, void **data)
{
    uint64_t at = ROOT_MODULES;

    for (uint64_t i = 0; i < bi->module_count && i < AXL_BOOT_MAX_MODULES; i++) {
        const struct axl_boot_module *mod = &bi->modules[i];
        data[i] = (void *)at;
        for (uint64_t f = 0; f < mod->frames; f++, at += 4096) {
            long err = root_map(at, mod->first_slot + f, AXL_RIGHT_READ);
            if (err != AXL_E_OK) {
                say("module %s: cannot map it: %s", mod->name, axl_strerror(err));
                data[i] = NULL;
                break;
            }
        }
        at += 4096; /* a hole between modules */
    }
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Tells the console every process's tag; from then on the root task prints through it too. */
static void console_up(void)
{
    struct proc *con = proc_by_name("console");

    if (!con || con->state != PROC_READY) {
        say("no console component: output stays in the kernel log");
        return;
    }
    uint64_t ep = con->service_ep;
    for (unsigned i = 0; i < PROC_MAX; i++) {
        const struct proc *p = &procs[i];
        if (p->state == PROC_FREE || p->state == PROC_FAILED) {
            continue;
        }
        struct axl_msg m;
        axl_rpc_begin(&m, AXL_OP_CONSOLE_TAG);
        axl_msg_put_word(&m, p->pid);
        axl_msg_put_str(&m, p->name);
        long err = axl_rpc_call(ep, &m); /* the first call waits until the console serves */
        if (err != AXL_E_OK) {
            say("console: tagging '%s': %s", p->name, axl_strerror(err));
            return;
        }
    }
    console_ep = ep;
}

static void handle_fault(struct proc *p, const struct axl_msg *m)
{
    uint64_t kind = AXL_MSGINFO_LABEL(m->info);

    say("component '%s' (pid %llu) faulted: %s: rip %#llx rsp %#llx address %#llx error %#llx",
        p->name, (unsigned long long)p->pid, fault_name(kind),
        (unsigned long long)m->mr[AXL_FAULT_MR_RIP], (unsigned long long)m->mr[AXL_FAULT_MR_RSP],
        (unsigned long long)m->mr[AXL_FAULT_MR_ADDR], (unsigned long long)m->mr[AXL_FAULT_MR_ERROR]);
    bool shut = p->mf && p->mf->shutdown_on_exit;
    proc_destroy(p, PROC_FAULTED, (int)kind);
    say("component '%s' stopped; the rest of the system goes on", p->name);
    if (shut) {
        shutdown(false);
    }
}

static void serve(uint64_t ep)
{
    for (;;) {
        struct axl_msg m;
        if (axl_recv(ep, &m) != AXL_E_OK) {
            continue;
        }
        struct proc *p = proc_by_pid(m.badge & ~PROC_FAULT_BADGE);
        if (!p || p->state != PROC_READY) {
            continue; /* a message from a process already gone: nobody to answer */
        }
        if (m.badge & PROC_FAULT_BADGE) {
            handle_fault(p, &m);
            continue;
        }
        switch (AXL_MSGINFO_LABEL(m.info)) {
        case AXL_OP_ROOT_EXIT: {
            int status = (int)m.mr[0];
            bool shut = p->mf->shutdown_on_exit;
            say("component '%s' (pid %llu) exited with status %d", p->name,
                (unsigned long long)p->pid, status);
            proc_destroy(p, PROC_EXITED, status);
            if (shut) {
                shutdown(status == 0);
            }
            break;
        }
        case AXL_OP_ROOT_PS: {
            procs_report();
            struct axl_msg r = axl_message(0, 1);
            r.mr[0] = AXL_E_OK;
            axl_reply(&r);
            break;
        }
        default: {
            struct axl_msg r = axl_message(0, 1);
            r.mr[0] = AXL_S_NO_SUCH_OP;
            axl_reply(&r);
            break;
        }
        }
    }
}

int main(void)
{
    static struct manifest manifest;
    static void *data[AXL_BOOT_MAX_MODULES];
    const char *names[AXL_BOOT_MAX_MODULES];
    const struct axl_bootinfo *bi = axl_bootinfo;
    uint64_t misc, root_ep;

    if (!bi) {
        axl_printf("root: no boot information\n");
        return 1;
    }
    mem_init(bi);
    map_modules(bi, data);
    if (mem_untyped(12, &misc) != AXL_E_OK || mem_retype(misc, AXL_OBJ_ENDPOINT, 0, &root_ep) != AXL_E_OK) {
        say("cannot make the root endpoint: out of memory");
        shutdown(false);
        return 1;
    }

    int mf = -1;
    uint64_t nmodules = bi->module_count < AXL_BOOT_MAX_MODULES ? bi->module_count
                                                                : AXL_BOOT_MAX_MODULES;
    for (uint64_t i = 0; i < nmodules; i++) {
        names[i] = data[i] ? bi->modules[i].name : NULL; /* an unreadable module matches nothing */
        if (mf < 0 && ends_with(bi->modules[i].name, ".manifest") && data[i]) {
            mf = (int)i;
        }
    }
    if (mf < 0) {
        say("no boot manifest: give a module whose name ends in .manifest (docs/manifest.md)");
        shutdown(false);
        return 1;
    }
    const char *mname = bi->modules[mf].name;
    manifest_parse(&manifest, data[mf], bi->modules[mf].size);
    unsigned valid = manifest_check_modules(&manifest, names, nmodules);
    for (unsigned i = 0; i < manifest.nerrors; i++) {
        say("%s: %s", mname, manifest.errors[i].msg);
    }
    if (manifest.errors_dropped) {
        say("%s: %u more problems not shown", mname, manifest.errors_dropped);
    }
    say("%s: %u components, %u to start", mname, manifest.ncomponents, valid);

    procs_start(&manifest, bi, root_ep, data);
    for (unsigned i = 0; i < PROC_MAX; i++) {
        struct proc *p = &procs[i];
        if (p->state == PROC_READY) {
            say("starting '%s' (pid %llu, module %s, priority %u, heap %llu KiB)", p->name,
                (unsigned long long)p->pid, bi->modules[p->mf->module_index].name,
                p->mf->priority, (unsigned long long)(p->quota / 1024));
            axl_tcb_resume(p->tcb);
        }
    }
    console_up();
    say("boot complete: %u root slots in use", slots_used());
    procs_report();
    serve(root_ep);
    return 0;
}
