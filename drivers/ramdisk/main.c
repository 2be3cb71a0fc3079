/* SPDX-License-Identifier: MIT */
/*
 * main.c: ramdisk, a block device in RAM on axl_serve, registered as
 * "ramdisk" (AXL_BLK_OPS of <axl/protocols.h>, docs/swap.md). Its blocks
 * (AXL_BLK_BLOCK_SIZE bytes) come from its heap; they do not outlive an
 * instance. One request moves as many whole blocks as one message holds
 * (one, with 512-byte blocks).
 *
 * Arguments (manifest args, blank-separated):
 *   size=N[K|M]          bytes of storage, a multiple of the block size (default 256K)
 *   fail-writes-after=N  after N successful BLK_WRITEs every write answers AXL_S_IO_ERROR
 *   fail-reads-after=N   the same for BLK_READ
 * An unknown or malformed argument stops it with a line saying which.
 */
#define _DEFAULT_SOURCE /* strtok_r */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <axl/axl.h>
#include <axl/name.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

#define BLOCK AXL_BLK_BLOCK_SIZE
#define MAX_BLOCKS (AXL_MSG_BYTES_MAX(1) / BLOCK) /* per request: one message's bytes */
#define SIZE_MAX_BYTES (4ull << 20)
#define NEVER UINT64_MAX

struct disk {
    uint8_t *data;
    uint64_t blocks;
    uint64_t reads, writes, errors;
    uint64_t fail_reads_after, fail_writes_after;
};

/* A decimal number with an optional K or M suffix; false if malformed. */
static bool parse_size(const char *s, uint64_t *v)
{
    char *end;
    if (*s < '0' || *s > '9') {
        return false;
    }
    unsigned long long n = strtoull(s, &end, 10);
    if (*end == 'K' || *end == 'k') {
        n <<= 10;
        end++;
    } else if (*end == 'M' || *end == 'm') {
        n <<= 20;
        end++;
    }
    *v = n;
    return *end == 0 && n < (1ull << 40);
}

static bool parse_args(struct disk *d, uint64_t *size)
{
    char args[sizeof(axl_procinfo->args)];
    memcpy(args, axl_procinfo->args, sizeof(args));
    args[sizeof(args) - 1] = 0;

    for (char *save = NULL, *w = strtok_r(args, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(w, '=');
        uint64_t v;
        if (!eq || !parse_size(eq + 1, &v)) {
            axl_printf("ramdisk: bad argument '%s' (size=N[K|M], fail-writes-after=N, "
                       "fail-reads-after=N)\n", w);
            return false;
        }
        *eq = 0;
        if (strcmp(w, "size") == 0) {
            if (v == 0 || v % BLOCK || v > SIZE_MAX_BYTES) {
                axl_printf("ramdisk: bad size %llu (a multiple of %u, at most 4M)\n",
                           (unsigned long long)v, BLOCK);
                return false;
            }
            *size = v;
        } else if (strcmp(w, "fail-writes-after") == 0) {
            d->fail_writes_after = v;
        } else if (strcmp(w, "fail-reads-after") == 0) {
            d->fail_reads_after = v;
        } else {
            axl_printf("ramdisk: unknown argument '%s' (size, fail-writes-after, "
                       "fail-reads-after)\n", w);
            return false;
        }
    }
    return true;
}

/* first..first+count-1 inside the disk, 1..MAX_BLOCKS blocks. */
static bool in_range(const struct disk *d, uint64_t first, uint64_t count)
{
    return count >= 1 && count <= MAX_BLOCKS && first < d->blocks && count <= d->blocks - first;
}

static long op_info(void *ctx, struct axl_rpc_request *req)
{
    struct disk *d = ctx;
    axl_msg_put_word(req->reply, BLOCK);
    axl_msg_put_word(req->reply, d->blocks);
    axl_msg_put_word(req->reply, d->reads);
    axl_msg_put_word(req->reply, d->writes);
    axl_msg_put_word(req->reply, d->errors);
    return AXL_E_OK;
}

static long op_read(void *ctx, struct axl_rpc_request *req)
{
    struct disk *d = ctx;
    uint64_t first, count;
    unsigned pos = 0;

    if (axl_msg_get_word(req->msg, &pos, &first) || axl_msg_get_word(req->msg, &pos, &count)) {
        return AXL_S_BAD_REQUEST;
    }
    if (!in_range(d, first, count)) {
        return AXL_E_RANGE;
    }
    if (d->reads >= d->fail_reads_after) {
        d->errors++;
        return AXL_S_IO_ERROR;
    }
    d->reads++;
    return axl_msg_put_bytes(req->reply, d->data + first * BLOCK, count * BLOCK);
}

static long op_write(void *ctx, struct axl_rpc_request *req)
{
    static uint8_t buf[MAX_BLOCKS * BLOCK];
    struct disk *d = ctx;
    uint64_t first;
    size_t n;
    unsigned pos = 0;

    if (axl_msg_get_word(req->msg, &pos, &first)) {
        return AXL_S_BAD_REQUEST;
    }
    unsigned peek = pos;
    uint64_t count;
    if (axl_msg_get_word(req->msg, &peek, &count)) {
        return AXL_S_BAD_REQUEST;
    }
    if (count > sizeof(buf) && count <= (uint64_t)(AXL_MSGINFO_LEN(req->msg->info) - peek) * 8) {
        return AXL_E_RANGE; /* well-formed, but more blocks than one request may carry */
    }
    long err = axl_msg_get_bytes(req->msg, &pos, buf, sizeof(buf), &n);
    if (err) {
        return err;
    }
    if (n == 0 || n % BLOCK || !in_range(d, first, n / BLOCK)) {
        return AXL_E_RANGE;
    }
    if (d->writes >= d->fail_writes_after) {
        d->errors++;
        return AXL_S_IO_ERROR;
    }
    d->writes++;
    memcpy(d->data + first * BLOCK, buf, n);
    axl_msg_put_word(req->reply, n / BLOCK);
    return AXL_E_OK;
}

int main(void)
{
    static struct disk disk = {.fail_reads_after = NEVER, .fail_writes_after = NEVER};
    uint64_t size = 256 * 1024;

    if (!axl_procinfo) {
        axl_printf("ramdisk: no process info page: start me from the manifest\n");
        return 1;
    }
    if (!parse_args(&disk, &size)) {
        return 1;
    }
    disk.blocks = size / BLOCK;
    disk.data = calloc(disk.blocks, BLOCK);
    if (!disk.data) {
        axl_printf("ramdisk: no memory for %llu KiB (give it more: memory = ...)\n",
                   (unsigned long long)(size >> 10));
        return 1;
    }
    long err = axl_name_register(AXL_SERVICE_RAMDISK, AXL_PROC_SLOT_SERVICE_EP, NULL);
    if (err) {
        axl_printf("ramdisk: cannot register as \"%s\": %s\n", AXL_SERVICE_RAMDISK,
                   axl_strerror(err));
        return 1;
    }
    char wf[40] = "", rf[40] = "";
    if (disk.fail_writes_after != NEVER) {
        axl_snprintf(wf, sizeof(wf), "; writes fail after %llu",
                     (unsigned long long)disk.fail_writes_after);
    }
    if (disk.fail_reads_after != NEVER) {
        axl_snprintf(rf, sizeof(rf), "; reads fail after %llu",
                     (unsigned long long)disk.fail_reads_after);
    }
    axl_printf("ramdisk: %llu KiB, %llu blocks of %u bytes%s%s\n", (unsigned long long)(size >> 10),
               (unsigned long long)disk.blocks, BLOCK, wf, rf);

    static const struct axl_rpc_op ops[] = {
        {AXL_OP_BLK_INFO, 0, op_info},
        {AXL_OP_BLK_READ, 2, op_read},
        {AXL_OP_BLK_WRITE, 2, op_write}, /* the first block and the bytes' length word */
    };
    const struct axl_server server = {
        .ep = AXL_PROC_SLOT_SERVICE_EP,
        .ops = ops,
        .ops_count = sizeof(ops) / sizeof(ops[0]),
        .ctx = &disk,
    };
    err = axl_serve(&server);
    axl_printf("ramdisk: cannot receive on the service endpoint: %s\n", axl_strerror(err));
    return 1;
}
