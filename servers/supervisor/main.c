/* SPDX-License-Identifier: MIT */
/*
 * The supervisor: the root task, the first process, holding every
 * capability the kernel hands out at boot. It reads the boot manifest (the
 * first boot module whose name ends in ".manifest"; docs/manifest.md),
 * starts each valid component with exactly the capabilities granted to it
 * (proc.c), and then serves: it is the fault handler of every process and
 * restarts what fails (supervise.c, docs/supervisor.md), takes exit
 * notices (SUP_EXIT), complaints (SUP_COMPLAIN) and injection requests
 * (SUP_INJECT), prints the process report on request (SUP_PS), and keeps
 * the crash records of earlier boots for those who may read them
 * (SUP_PSTORE_*, pstore.c). A
 * component marked shutdown-on-exit ends the system with its status:
 * QEMU's exit code is PASS for 0 and FAIL otherwise. Nothing supervises the
 * supervisor: when it faults, the kernel reboots the system.
 */
#include <stdarg.h>

#include <axl/axl.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

#include "domain.h"
#include "manifest.h"
#include "mem.h"
#include "pager.h"
#include "proc.h"
#include "pstore.h"
#include "supervise.h"

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
    if (console_ep && supervise_console_ok()) {
        struct axl_msg m;
        axl_rpc_begin(&m, AXL_OP_CONSOLE_WRITE);
        long err = axl_msg_put_bytes(&m, line, len);
        err = err == AXL_E_OK ? axl_rpc_call(console_ep, &m) : err;
        if (err == AXL_E_OK) {
            return;
        }
        if (err == AXL_E_INVALID_CAPABILITY) {
            console_ep = 0; /* given up on: its endpoint was revoked */
        }
    }
    axl_debug_puts("[supervisor] ", 13); /* the console shows kernel-log lines as they are */
    axl_debug_puts(line, len);
}

/* Ends the system: QEMU exits with PASS or FAIL (docs/abi.md, exit codes). */
void main_shutdown(bool pass)
{
    uint64_t slot = slot_alloc();

    supervise_dma_targets(); /* a DMA attack nothing stopped shows here, at the latest */
    say("shutting down: %s", pass ? "pass" : "fail");
    if (console_ep && supervise_console_ok()) {
        struct axl_msg m;
        axl_rpc_begin(&m, AXL_OP_CONSOLE_SYNC);
        axl_rpc_call(console_ep, &m); /* every line out before the machine stops */
    }
    long err = axl_scenario_end(slot, pass ? AXL_EXIT_PASS : AXL_EXIT_FAIL);
    axl_printf("supervisor: cannot power off through port %#x: %s\n", AXL_DEBUG_EXIT_PORT,
               err ? axl_strerror(err) : "the write returned");
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

/* Tells the console every process's tag; from then on the supervisor prints through it too. */
void console_retag(void)
{
    struct proc *con = proc_by_name("console");

    if (!con || con->state != PROC_READY) {
        say("no console component: output stays in the kernel log");
        return;
    }
    uint64_t ep = con->service_ep;
    for (unsigned i = 0; i < PROC_MAX; i++) {
        const struct proc *p = &procs[i];
        if (p->state != PROC_READY && p->state != PROC_WAITING) {
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

static void reply_status(long status)
{
    struct axl_msg r = axl_message(0, 1);
    r.mr[0] = (uint64_t)status;
    axl_reply(&r);
}

static void serve(uint64_t ep)
{
    for (;;) {
        struct axl_msg m;
        if (axl_recv(ep, &m) != AXL_E_OK) {
            continue;
        }
        if (AXL_MSGINFO_LABEL(m.info) == AXL_LABEL_NOTIFICATION) {
            supervise_notified(m.badge);
            continue;
        }
        struct proc *p = proc_by_pid(m.badge & ~PROC_FAULT_BADGE);
        if (!p || p->state != PROC_READY) {
            continue; /* a message from an instance already gone: nobody to answer */
        }
        if (m.badge & PROC_FAULT_BADGE) {
            supervise_fault(p, &m);
            continue;
        }
        switch (AXL_MSGINFO_LABEL(m.info)) {
        case AXL_OP_SUP_EXIT:
            supervise_exit(p, (int)m.mr[0]);
            break;
        case AXL_OP_SUP_PS: {
            /* MR0, if given: 0 the table, 1 JSON lines, 2 both (docs/resources.md). */
            uint64_t how = AXL_MSGINFO_LEN(m.info) ? m.mr[0] : 0;
            if (how > 2) {
                reply_status(AXL_S_BAD_REQUEST);
                break;
            }
            procs_report(how != 1, how != 0);
            reply_status(AXL_E_OK);
            break;
        }
        case AXL_OP_SUP_SPAWN:
        case AXL_OP_SUP_DOMAIN_INFO:
        case AXL_OP_SUP_DOMAIN_KILL: {
            struct axl_msg r = axl_message(0, 1);
            unsigned op = (unsigned)AXL_MSGINFO_LABEL(m.info);
            long status = op == AXL_OP_SUP_SPAWN         ? domain_spawn_request(p, &m, &r)
                          : op == AXL_OP_SUP_DOMAIN_INFO ? domain_info_request(p, &m, &r)
                                                         : domain_kill_request(p, &m, &r);
            if (status != AXL_E_OK) {
                reply_status(status);
            } else {
                r.mr[0] = AXL_E_OK;
                axl_reply(&r);
            }
            break;
        }
        case AXL_OP_SUP_COMPLAIN: {
            struct axl_msg r = axl_message(0, 1);
            r.mr[0] = AXL_E_OK;
            long status = supervise_complain(p, &m, &r);
            if (status != AXL_E_OK) {
                reply_status(status);
            } else {
                axl_reply(&r); /* the caller is still there: it waited for this */
            }
            break;
        }
        case AXL_OP_SUP_INJECT:
            reply_status(supervise_inject_request(p, &m));
            break;
        case AXL_OP_SUP_FAULT: /* from an external pager (pager.c) */
            reply_status(pager_fault_request(p, &m));
            break;
        default:
            if (!pstore_request(p, &m)) {
                reply_status(AXL_S_NO_SUCH_OP);
            }
            break;
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
        axl_printf("supervisor: no boot information\n");
        return 1;
    }
    mem_init(bi);
    map_modules(bi, data);
    pstore_setup(bi);
    if (procs_init() != AXL_E_OK) {
        say("cannot make the supervisor's own objects: out of memory");
        main_shutdown(false);
        return 1;
    }
    if (mem_untyped(12, &misc) != AXL_E_OK || mem_retype(misc, AXL_OBJ_ENDPOINT, 0, &root_ep) != AXL_E_OK) {
        say("cannot make the root endpoint: out of memory");
        main_shutdown(false);
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
        main_shutdown(false);
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
    console_retag();
    supervise_start();
    say("boot complete: %u root slots in use", slots_used());
    procs_report(true, false);
    serve(root_ep);
    return 0;
}
