/* SPDX-License-Identifier: MIT */
/*
 * process.c: a process's end, its id, signals (porting layer).
 *
 * A process ends by telling the root task (SUP_EXIT, <axl/protocols.h>),
 * which tears it down and never answers. The root task itself has no one
 * to tell: it says "exit N" in the kernel log and yields for ever, so the
 * rest of the system runs on (a scenario that boots a root task ends the
 * machine itself). There are no signals between processes: a signal sent
 * to oneself ends the process with status 128 + the signal, which is how
 * abort() (and so a failed assert) ends; kill of another process, fork,
 * execve and wait are ENOSYS. A process starts another with axl_spawn_process
 * (a boot module its manifest allows), charged to its resource domain.
 */
#include "axlc.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <axl/domain.h>
#include <axl/invoke.h>
#include <axl/print.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>
#include <axl/sys.h>

void _exit(int status)
{
    if (axl_procinfo) {
        struct axl_msg m = axl_message(AXL_OP_SUP_EXIT, 1);
        m.mr[0] = (uint64_t)(int64_t)status;
        axl_send(AXL_PROC_SLOT_SUPERVISOR_EP, &m); /* returns only if the root task could not take it */
        axl_tcb_suspend(AXL_PROC_SLOT_TCB);
    } else {
        axl_printf("exit %d\n", status);
    }
    for (;;) {
        axl_yield();
    }
}

pid_t getpid(void) { return axl_procinfo ? (pid_t)axl_procinfo->pid : 1; }

int kill(pid_t pid, int sig)
{
    if (pid != getpid()) {
        return axlc_fail(ENOSYS);
    }
    if (sig < 0 || sig >= NSIG) {
        return axlc_fail(EINVAL);
    }
    if (sig != 0) {
        _exit(128 + sig); /* the default action of every signal here: stdio is not flushed */
    }
    return 0;
}

pid_t fork(void) { return axlc_fail(ENOSYS); }

int execve(const char *path, char *const argv[], char *const envp[])
{
    (void)path;
    (void)argv;
    (void)envp;
    return axlc_fail(ENOSYS);
}

pid_t wait(int *status)
{
    (void)status;
    return axlc_fail(ENOSYS);
}

int axl_spawn_process(const char *module, const char *args)
{
    uint64_t pid = 0;
    long err = axl_procinfo ? axl_spawn(module, args, &pid) : AXL_S_DENIED;

    switch (err) {
    case AXL_E_OK:
        return pid <= INT32_MAX ? (int)pid : axlc_fail(EOVERFLOW);
    case AXL_S_LIMIT:
        return axlc_fail(EAGAIN); /* its domain's process limit, as fork's RLIMIT_NPROC */
    case AXL_E_NOT_ENOUGH_MEMORY:
        return axlc_fail(ENOMEM); /* its domain's memory */
    case AXL_S_DENIED:
        return axlc_fail(EPERM); /* not in its may-spawn list */
    case AXL_E_RANGE:
        return axlc_fail(E2BIG); /* module name or args too long */
    default:
        return axlc_fail(EIO);
    }
}
