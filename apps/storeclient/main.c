/* SPDX-License-Identifier: MIT */
/*
 * storeclient: a client of the store example that keeps issuing requests
 * while the store is crashed, hung or restarted under it, and checks every
 * reply (docs/supervisor.md, "The client contract").
 *
 *   args = "N"              N requests (default 300), then every key read back
 *   args = "bench N KIND"   N restarts of the store, each caused by KIND through
 *                           SUP_INJECT (needs may-inject = yes), for tools/axl bench restart
 *   args = "inject NAME KIND"  asks the supervisor to inject KIND into NAME (may-inject = yes),
 *                           then runs the default workload (supervisor-crash uses NAME supervisor)
 *
 * It remembers each value the store acknowledged, reads keys back as it
 * goes and at the end, and counts: ok, retried (done again by libipc after a
 * restart), resolved (an ADD whose outcome was unknown, settled by reading
 * the key), failed (clear errors: the store was given up), lost (an
 * acknowledged value that did not come back). The last line is
 *   result: requests R ok O retried X resolved Z unknown U failed F lost L
 * and the exit status is 0 unless something was lost.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <axl/axl.h>
#include <axl/inject.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>
#include <axl/service.h>

#define KEYS 64
#define COUNTER_KEY 100 /* ADD goes here: its value counts the ADDs the store applied */

static struct axl_service store;
static uint64_t acked[KEYS];
static bool have[KEYS];
static uint64_t counter; /* the counter's value as far as we know */
static unsigned long requests, ok, resolved, unknown, failed, lost;

/*
 * One request. A reply whose check word is wrong, or a refusal of a well-formed request, is
 * complained about (the supervisor restarts the store) and the request sent again if idempotent.
 */
static long request(uint64_t op, uint64_t key, uint64_t arg, unsigned flags, uint64_t *result)
{
    requests++;
    for (unsigned attempt = 0; attempt < 4; attempt++) {
        struct axl_msg m; /* built anew each time: the reply overwrites it */
        axl_rpc_begin(&m, op);
        axl_msg_put_word(&m, key);
        if (op != AXL_OP_STORE_GET) {
            axl_msg_put_word(&m, arg);
        }
        long status = axl_service_call(&store, &m, flags);
        if (status == AXL_S_BAD_REQUEST || status == AXL_S_NO_SUCH_OP) {
            /* Our requests are well-formed: such an answer is the store misbehaving. */
            axl_service_complain(&store, "a well-formed request refused as malformed");
        } else if (status != AXL_E_OK) {
            return status;
        } else {
            uint64_t v = AXL_MSGINFO_LEN(m.info) >= 3 ? m.mr[1] : 0;
            if (AXL_MSGINFO_LEN(m.info) >= 3 && m.mr[2] == axl_store_check(op, key, v)) {
                *result = v;
                return AXL_E_OK;
            }
            axl_service_complain(&store, "a reply whose check word is wrong");
        }
        if (!(flags & AXL_CALL_IDEMPOTENT)) {
            return AXL_S_RESTARTED; /* the store is restarted: whether it acted is unknown */
        }
    }
    return AXL_S_TIMEOUT;
}

static void check_key(uint64_t key)
{
    uint64_t v = 0;
    long st = request(AXL_OP_STORE_GET, key, 0, AXL_CALL_IDEMPOTENT, &v);
    if ((st == AXL_E_OK && v != acked[key]) || st == AXL_S_NOT_FOUND) {
        /* Wrong, or missing: the running store may be broken rather than the data gone. A
         * restarted, pristine store reads the same records; if it agrees, the value is lost. */
        axl_service_complain(&store, "an acknowledged value reads back wrong");
        st = request(AXL_OP_STORE_GET, key, 0, AXL_CALL_IDEMPOTENT, &v);
    }
    if (st == AXL_E_OK && v == acked[key]) {
        ok++;
    } else if (st == AXL_S_FAILED || st == AXL_S_TIMEOUT) {
        failed++;
    } else {
        lost++;
        printf("LOST: key %llu was acknowledged as %llu, reads back as %llu (%s)\n",
               (unsigned long long)key, (unsigned long long)acked[key], (unsigned long long)v,
               axl_strerror(st));
    }
}

static void add_once(void)
{
    uint64_t v = 0;
    long st = request(AXL_OP_STORE_ADD, COUNTER_KEY, 1, 0, &v);
    if (st == AXL_E_OK) {
        ok++;
        counter = v;
        return;
    }
    if (st == AXL_S_FAILED || st == AXL_S_TIMEOUT) {
        failed++;
        return;
    }
    /* Outcome unknown: the store restarted with our ADD. Reading the counter settles it. */
    st = request(AXL_OP_STORE_GET, COUNTER_KEY, 0, AXL_CALL_IDEMPOTENT, &v);
    if (st == AXL_S_NOT_FOUND && counter == 0) {
        st = AXL_E_OK; /* never written: the first ADD was the one lost, so it was not applied */
        v = 0;
    }
    if (st == AXL_E_OK && (v == counter || v == counter + 1)) {
        resolved++;
        counter = v;
    } else if (st == AXL_E_OK) {
        lost++;
        printf("LOST: the counter was %llu, reads back as %llu\n", (unsigned long long)counter,
               (unsigned long long)v);
    } else {
        unknown++;
    }
}

static void workload(unsigned long n)
{
    uint64_t v;
    for (unsigned long i = 0; i < n && !failed; i++) {
        uint64_t key = i % KEYS;
        if (i % 5 == 4) {
            add_once();
        } else if (i % 3 == 2 && have[(i * 7) % KEYS]) {
            check_key((i * 7) % KEYS);
        } else {
            uint64_t value = i * 7919 + 1;
            long st = request(AXL_OP_STORE_PUT, key, value, AXL_CALL_IDEMPOTENT, &v);
            if (st == AXL_E_OK) {
                ok++;
                acked[key] = value;
                have[key] = true;
            } else if (st == AXL_S_FAILED || st == AXL_S_TIMEOUT) {
                failed++;
                printf("PUT %llu: %s\n", (unsigned long long)key, axl_strerror(st));
            } else {
                lost++;
                printf("PUT %llu: unexpected %s\n", (unsigned long long)key, axl_strerror(st));
            }
        }
    }
    for (uint64_t k = 0; k < KEYS && !failed; k++) {
        if (have[k]) {
            check_key(k);
        }
    }
}

/* tools/axl bench restart: restarts caused on purpose, one after the other. */
static void bench(unsigned long n, const char *kind)
{
    uint64_t v;
    for (unsigned long i = 1; i <= n; i++) {
        struct axl_msg m;
        axl_rpc_begin(&m, AXL_OP_SUP_INJECT);
        axl_msg_put_str(&m, AXL_SERVICE_STORE);
        axl_msg_put_str(&m, kind);
        axl_msg_put_word(&m, 0);
        axl_msg_put_word(&m, i);
        long err = axl_rpc_call(AXL_PROC_SLOT_SUPERVISOR_EP, &m);
        if (err != AXL_E_OK) {
            printf("bench: SUP_INJECT: %s\n", axl_strerror(err));
            failed++;
            return;
        }
        /* This request meets the fault; libipc sends it again to the new instance. */
        long st = request(AXL_OP_STORE_PUT, i % KEYS, i, AXL_CALL_IDEMPOTENT, &v);
        if (st != AXL_E_OK) {
            printf("bench: restart %lu: %s\n", i, axl_strerror(st));
            failed++;
            return;
        }
        ok++;
        acked[i % KEYS] = i;
        have[i % KEYS] = true;
    }
}

int main(int argc, char **argv)
{
    const char *args = axl_procinfo ? axl_procinfo->args : "";
    unsigned long n = 300;
    long err = AXL_S_NOT_FOUND;
    (void)argc;
    (void)argv;

    for (unsigned i = 0; i < 100 && err == AXL_S_NOT_FOUND; i++) {
        err = axl_service_open(&store, AXL_SERVICE_STORE);
        if (err == AXL_S_NOT_FOUND) {
            axl_yield(); /* the store has not registered yet */
        }
    }
    if (err != AXL_E_OK) {
        printf("cannot reach the store: %s\n", axl_strerror(err));
        return 2;
    }
    store.max_reply_words = 3;
    if (strncmp(args, "inject ", 7) == 0) {
        char name[32] = "", kind[32] = "";
        if (sscanf(args + 7, "%31s %31s", name, kind) != 2) {
            printf("args: inject NAME KIND\n");
            return 2;
        }
        /* Printed first: printing is a message too, and would overwrite MR4 on. */
        printf("asking the supervisor to inject %s into '%s'\n", kind, name);
        struct axl_msg m;
        axl_rpc_begin(&m, AXL_OP_SUP_INJECT);
        axl_msg_put_str(&m, name);
        axl_msg_put_str(&m, kind);
        axl_msg_put_word(&m, 0);
        axl_msg_put_word(&m, 1);
        long err = axl_rpc_call(AXL_PROC_SLOT_SUPERVISOR_EP, &m);
        printf("SUP_INJECT: %s\n", axl_strerror(err));
        workload(n);
    } else if (strncmp(args, "bench ", 6) == 0) {
        char *end;
        n = strtoul(args + 6, &end, 10);
        while (*end == ' ') {
            end++;
        }
        bench(n, *end ? end : "null-read");
    } else {
        if (args[0]) {
            n = strtoul(args, NULL, 10);
        }
        workload(n);
    }
    printf("result: requests %lu ok %lu retried %llu resolved %lu unknown %lu failed %lu lost %lu\n",
           requests, ok, (unsigned long long)store.retries, resolved, unknown, failed, lost);
    return lost ? 1 : 0;
}
