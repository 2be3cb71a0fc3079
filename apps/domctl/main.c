/* SPDX-License-Identifier: MIT */
/*
 * domctl: the operator of the resource-exhaustion scenarios
 * (docs/resources.md). It needs may-kill in its manifest section: it starts
 * a job in a resource domain, watches the domain run into its limits, kills
 * it, and checks that every byte came back, and that the domains it was
 * told to watch did not notice.
 *
 * Arguments (manifest args, key=value separated by spaces):
 *   spawn=MOD@DOM[,MOD@DOM]  start boot module MOD in domain DOM (each; required)
 *   heap=SIZE                the heap quota of what it starts (default 64K; K and M)
 *   jobargs=K:V[,K:V]        the args of what it starts: "K=V K=V" (default none)
 *   until=limits|exit        wait until every domain refused a spawn (limits, the default),
 *                            or until every domain has no process left (exit)
 *   settle=MS                then let the system run under the load this long (default 500)
 *   kill=yes|no              then kill the domains (default yes; with until=exit: no)
 *   check=DOM[,DOM]          domains that must not notice: no restart, no process lost (their
 *                            memory use is printed, not compared: they may grow their heaps)
 *   timeout=MS               the longest wait for the condition (default 30000)
 * It prints what it measured and exits 0 when every check held, 1 when one
 * failed (a "domctl: FAILED: ..." line says which), 2 for a bad argument.
 *
 * "Every byte" is checked three ways, each against the figure taken before
 * anything was started: the domain's memory charged to processes (0), the
 * kernel's watermark of the domain's untyped (0: the kernel itself would
 * reuse all of it), the supervisor's free boot RAM and its CNode slots in
 * use (the same: nothing of the job leaked outside its domain).
 */
#define _DEFAULT_SOURCE 1 /* strtok_r */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <axl/axl.h>
#include <axl/domain.h>
#include <axl/proc.h>
#include <axl/time.h>

#define MAX_JOBS 2
#define MAX_CHECKS 4
#define NAME 24

static struct {
    char module[MAX_JOBS][NAME], domain[MAX_JOBS][NAME];
    unsigned njobs;
    uint64_t heap;
    bool until_exit;
    uint64_t settle_ms, timeout_ms;
    bool kill, kill_given;
    char check[MAX_CHECKS][NAME];
    unsigned nchecks;
    char jobargs[64];
} opt = {.heap = 64 * 1024, .settle_ms = 500, .timeout_ms = 30000, .kill = true};

static bool failed;

static void fail(const char *what, const char *name)
{
    printf("domctl: FAILED: %s '%s'\n", what, name);
    failed = true;
}

/* "a,b" into out[][NAME]; false if an item is empty, too long or too many. */
static bool split_list(const char *v, char out[][NAME], unsigned max, unsigned *n)
{
    *n = 0;
    while (*v) {
        const char *end = strchr(v, ',');
        size_t len = end ? (size_t)(end - v) : strlen(v);
        if (len == 0 || len >= NAME || *n == max) {
            return false;
        }
        memcpy(out[*n], v, len);
        out[(*n)++][len] = 0;
        v += len + (end ? 1 : 0);
    }
    return *n > 0;
}

static bool parse_size(const char *v, uint64_t *out)
{
    char *end;
    uint64_t x = strtoull(v, &end, 10);
    if (end == v) {
        return false;
    }
    x <<= *end == 'K' ? 10 : *end == 'M' ? 20 : 0;
    end += *end == 'K' || *end == 'M';
    *out = x;
    return *end == 0;
}

static bool parse_ms(const char *v, uint64_t *out)
{
    char *end;
    *out = strtoull(v, &end, 10);
    return end != v && *end == 0 && *out <= 3600000;
}

static bool parse(const char *args)
{
    char buf[128], *save = NULL;
    strncpy(buf, args, sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = 0;
    for (char *kv = strtok_r(buf, " ", &save); kv; kv = strtok_r(NULL, " ", &save)) {
        char *v = strchr(kv, '=');
        bool ok = v != NULL;
        if (v) {
            *v++ = 0;
        }
        if (!ok) {
        } else if (strcmp(kv, "spawn") == 0) {
            char items[MAX_JOBS][NAME];
            ok = split_list(v, items, MAX_JOBS, &opt.njobs);
            for (unsigned i = 0; ok && i < opt.njobs; i++) {
                char *at = strchr(items[i], '@');
                ok = at && at != items[i] && at[1];
                if (ok) {
                    *at = 0;
                    strcpy(opt.module[i], items[i]);
                    strcpy(opt.domain[i], at + 1);
                }
            }
        } else if (strcmp(kv, "jobargs") == 0) {
            ok = strlen(v) < sizeof(opt.jobargs);
            for (size_t i = 0; ok && v[i]; i++) {
                opt.jobargs[i] = v[i] == ',' ? ' ' : v[i] == ':' ? '=' : v[i];
            }
        } else if (strcmp(kv, "heap") == 0) {
            ok = parse_size(v, &opt.heap);
        } else if (strcmp(kv, "until") == 0) {
            ok = strcmp(v, "limits") == 0 || strcmp(v, "exit") == 0;
            opt.until_exit = strcmp(v, "exit") == 0;
        } else if (strcmp(kv, "settle") == 0) {
            ok = parse_ms(v, &opt.settle_ms);
        } else if (strcmp(kv, "timeout") == 0) {
            ok = parse_ms(v, &opt.timeout_ms) && opt.timeout_ms > 0;
        } else if (strcmp(kv, "kill") == 0) {
            ok = strcmp(v, "yes") == 0 || strcmp(v, "no") == 0;
            opt.kill = strcmp(v, "yes") == 0;
            opt.kill_given = true;
        } else if (strcmp(kv, "check") == 0) {
            ok = split_list(v, opt.check, MAX_CHECKS, &opt.nchecks);
        } else {
            ok = false;
        }
        if (!ok) {
            printf("domctl: bad argument '%s%s%s' (see apps/domctl/main.c)\n", kv, v ? "=" : "",
                   v ? v : "");
            return false;
        }
    }
    if (opt.njobs == 0) {
        printf("domctl: spawn=MODULE@DOMAIN is required\n");
        return false;
    }
    if (opt.until_exit && !opt.kill_given) {
        opt.kill = false;
    }
    return true;
}

static bool info(const char *dom, struct axl_domain_info *out)
{
    long err = axl_domain_info(dom, out);
    if (err != AXL_E_OK) {
        printf("domctl: domain '%s': %s\n", dom, axl_strerror(err));
        failed = true;
        return false;
    }
    return true;
}

/* Whether domain i has met the condition it is waited for. */
static bool reached(unsigned i, struct axl_domain_info *d)
{
    if (!info(opt.domain[i], d)) {
        return true; /* nothing to wait for */
    }
    return opt.until_exit ? d->procs == 0 : d->refused_limit + d->refused_nomem > 0;
}

int main(void)
{
    if (!axl_procinfo || !parse(axl_procinfo->args)) {
        return 2;
    }
    uint64_t hz = axl_procinfo->tsc_hz;
    struct axl_domain_info before[MAX_JOBS], check0[MAX_CHECKS], d;

    /* Before anything is started. */
    for (unsigned i = 0; i < opt.njobs; i++) {
        if (!info(opt.domain[i], &before[i])) {
            return 1;
        }
        printf("domctl: before: free RAM %llu KiB, root slots %llu; domain '%s': %llu of %llu KiB "
               "used, kernel watermark %llu KiB, %llu processes\n",
               (unsigned long long)(before[i].free_ram / 1024),
               (unsigned long long)before[i].root_slots, opt.domain[i],
               (unsigned long long)(before[i].used / 1024),
               (unsigned long long)(before[i].memory / 1024),
               (unsigned long long)(before[i].kernel_used / 1024),
               (unsigned long long)before[i].procs);
    }
    for (unsigned i = 0; i < opt.nchecks; i++) {
        if (!info(opt.check[i], &check0[i])) {
            return 1;
        }
    }
    for (unsigned i = 0; i < opt.njobs; i++) {
        uint64_t pid;
        long err = axl_spawn_in(opt.domain[i], opt.module[i], opt.jobargs, opt.heap, &pid);
        if (err != AXL_E_OK) {
            printf("domctl: FAILED: spawning '%s' in '%s': %s\n", opt.module[i], opt.domain[i],
                   axl_strerror(err));
            return 1;
        }
        printf("domctl: spawned '%s' in '%s' as pid %llu\n", opt.module[i], opt.domain[i],
               (unsigned long long)pid);
    }

    /* Wait for the condition, in every domain. */
    uint64_t t0 = axl_rdtsc(), deadline = t0 + opt.timeout_ms * (hz / 1000);
    bool done[MAX_JOBS] = {false};
    unsigned left = opt.njobs;
    while (left) {
        for (unsigned i = 0; i < opt.njobs; i++) {
            if (done[i] || !reached(i, &d)) {
                continue;
            }
            done[i] = true;
            left--;
            if (opt.until_exit) {
                printf("domctl: domain '%s': no process left after %llu ms\n", opt.domain[i],
                       (unsigned long long)((axl_rdtsc() - t0) / (hz / 1000)));
            } else {
                printf("domctl: domain '%s' hit its limits: %llu of %llu processes, %llu of %llu "
                       "KiB used; refused %llu for memory (ENOMEM), %llu for the process limit "
                       "(EAGAIN)\n", opt.domain[i], (unsigned long long)d.procs,
                       (unsigned long long)d.max_procs, (unsigned long long)(d.used / 1024),
                       (unsigned long long)(d.memory / 1024), (unsigned long long)d.refused_nomem,
                       (unsigned long long)d.refused_limit);
            }
        }
        if (left && axl_rdtsc() > deadline) {
            printf("domctl: FAILED: waited %llu ms for %s\n", (unsigned long long)opt.timeout_ms,
                   opt.until_exit ? "the job to end" : "the limits");
            return 1;
        }
        if (left) {
            axl_sleep_us(10000);
        }
    }
    axl_sleep_us(opt.settle_ms * 1000); /* the system under the load, for the bystanders */
    axl_ps(AXL_PS_BOTH);

    for (unsigned i = 0; i < opt.njobs && opt.kill; i++) {
        uint64_t killed = 0, bytes = 0;
        long err = axl_domain_kill(opt.domain[i], &killed, &bytes);
        if (err != AXL_E_OK) {
            printf("domctl: FAILED: killing '%s': %s\n", opt.domain[i], axl_strerror(err));
            return 1;
        }
        printf("domctl: killed '%s': %llu processes, %llu KiB reclaimed\n", opt.domain[i],
               (unsigned long long)killed, (unsigned long long)(bytes / 1024));
    }

    /* Every byte back: compared with the figures from before the job. */
    for (unsigned i = 0; i < opt.njobs; i++) {
        if (!info(opt.domain[i], &d)) {
            continue;
        }
        bool whole = d.used == before[i].used && d.kernel_used == before[i].kernel_used &&
                     d.procs == 0 && d.free_ram == before[i].free_ram &&
                     d.root_slots == before[i].root_slots;
        printf("domctl: after: free RAM %llu KiB (before %llu), root slots %llu (before %llu); "
               "domain '%s': %llu KiB used, kernel watermark %llu KiB, %llu processes: %s\n",
               (unsigned long long)(d.free_ram / 1024),
               (unsigned long long)(before[i].free_ram / 1024), (unsigned long long)d.root_slots,
               (unsigned long long)before[i].root_slots, opt.domain[i],
               (unsigned long long)(d.used / 1024), (unsigned long long)(d.kernel_used / 1024),
               (unsigned long long)d.procs, whole ? "every byte reclaimed" : "NOT ALL RECLAIMED");
        if (!whole) {
            fail("memory not reclaimed in", opt.domain[i]);
        }
    }
    for (unsigned i = 0; i < opt.nchecks; i++) {
        if (!info(opt.check[i], &d)) {
            continue;
        }
        bool same = d.restarts == check0[i].restarts && d.procs == check0[i].procs;
        printf("domctl: bystander domain '%s': %llu restarts, %llu KiB used (at the start: %llu, "
               "%llu KiB): %s\n", opt.check[i], (unsigned long long)d.restarts,
               (unsigned long long)(d.used / 1024), (unsigned long long)check0[i].restarts,
               (unsigned long long)(check0[i].used / 1024), same ? "unaffected" : "AFFECTED");
        if (!same) {
            fail("a bystander noticed:", opt.check[i]);
        }
    }
    printf("domctl: %s\n", failed ? "FAILED" : "all checks held");
    return failed ? 1 : 0;
}
