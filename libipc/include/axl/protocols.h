/* SPDX-License-Identifier: MIT */
/*
 * axl/protocols.h: the operations of the system's servers (libipc). One
 * table per service; each row: label, name, "arguments -> results" in the
 * convention of <axl/rpc.h> (status in MR0 of the reply, results after it;
 * "str" is a byte string: length word, then packed bytes).
 */
#ifndef AXL_LIBIPC_PROTOCOLS_H
#define AXL_LIBIPC_PROTOCOLS_H

/* The supervisor (the root task): every process holds its endpoint at AXL_PROC_SLOT_SUPERVISOR_EP, badged with its pid. */
#define AXL_SUPERVISOR_OPS(X)                                                                            \
    X(0x101, SUP_EXIT, "MR0 status -> no reply: the process is torn down")                        \
    X(0x102, SUP_PS, "[MR0 0 table, 1 JSON, 2 both] -> prints the process report on the console")                               \
    X(0x104, SUP_COMPLAIN, "MR0 generation, str service, str reason -> MR1 1 if it restarted it")   \
    X(0x105, SUP_INJECT, "str component, str kind, MR after, MR seed -> (may-inject = yes only)") \
    X(0x106, SUP_PSTORE_INFO, "-> MR1 records, MR2 boot count, MR3 key id (may-read-pstore only)") \
    X(0x107, SUP_PSTORE_ENTRY, "MR0 index -> MR1 id, MR2 verdict, MR3 length, MR4 flags, str why") \
    X(0x108, SUP_PSTORE_READ, "MR0 index, MR1 offset -> str bytes (as many as one reply holds)") \
    X(0x109, SUP_SPAWN, "MR0 heap bytes (0: the caller's), str module, str args, str domain (\"\": own; another: may-kill) -> MR1 pid (may-spawn; LIMIT: process limit, NOT_ENOUGH_MEMORY: the domain's memory)") \
    X(0x10a, SUP_DOMAIN_INFO, "str domain (\"\": own) -> MR1 memory, MR2 used, MR3 procs, MR4 max-procs, MR5 spawned, MR6 refused nomem, MR7 refused limit, MR8 restarts, MR9 kernel watermark, MR10 free RAM, MR11 root slots, MR12 killed") \
    X(0x10b, SUP_DOMAIN_KILL, "str domain -> MR1 processes killed, MR2 bytes reclaimed (may-kill only)") \
    X(0x10c, SUP_FAULT, "MR0 pid, MR1 fault kind, MR2..MR8 the fault's words AXL_FAULT_MR_RIP..AXL_FAULT_MR_TSC -> (only the component named as pid's pager; else AXL_S_DENIED)")

/* The name server: register, look up and withdraw services by name. */
#define AXL_NAME_OPS(X)                                                                            \
    X(0x201, NAME_REGISTER, "str name, cap endpoint -> MR1 generation")                           \
    X(0x202, NAME_LOOKUP, "str name -> cap endpoint, MR1 generation")                             \
    X(0x203, NAME_UNREGISTER, "str name -> (only the registering process may)")                   \
    X(0x204, NAME_FAILED, "MR0 pid -> its names answer FAILED (unbadged capability: the supervisor)")

/* The console server: per-process output, tagged, whole lines at a time. */
#define AXL_CONSOLE_OPS(X)                                                                         \
    X(0x301, CONSOLE_WRITE, "str bytes -> MR1 bytes taken")                                       \
    X(0x302, CONSOLE_READ, "MR0 most bytes -> str bytes (empty: no input waiting)")                \
    X(0x303, CONSOLE_TAG, "MR0 badge, str tag -> (unbadged capability only: the root task)")       \
    X(0x304, CONSOLE_SYNC, "-> pending partial lines and the kernel log are written out")

/* A UART driver: raw bytes to and from the line. */
#define AXL_UART_OPS(X)                                                                            \
    X(0x401, UART_WRITE, "str bytes -> MR1 bytes written")                                        \
    X(0x402, UART_READ, "MR0 most bytes -> str bytes received (empty: none waiting)")

/*
 * The example storage service (servers/store): 64-bit values under keys 0..127, kept in memory
 * that outlives the server's restarts. Every result carries a check word (axl_store_check) so a
 * client can tell a garbled reply from a real one.
 */
#define AXL_STORE_OPS(X)                                                                           \
    X(0x501, STORE_PUT, "MR0 key, MR1 value -> MR1 key, MR2 check (idempotent)")                   \
    X(0x502, STORE_GET, "MR0 key -> MR1 value, MR2 check (NOT_FOUND: never written)")              \
    X(0x503, STORE_ADD, "MR0 key, MR1 delta -> MR1 new value, MR2 check (not idempotent)")

/*
 * The edu driver (drivers/edu): QEMU's edu PCI device, its factorial unit and its DMA engine.
 * Limits and the checksum (CRC-32) are in <axl/edu.h>: a count of 0, a transfer past the
 * device buffer's 4095 usable bytes or longer than AXL_EDU_XFER_MAX is AXL_E_RANGE and never
 * reaches the device; a device that does not finish in time is AXL_S_IO_ERROR.
 */
#define AXL_EDU_OPS(X)                                                                             \
    X(0x601, EDU_FACTORIAL, "MR0 n (0..65535) -> MR1 n! mod 2^32, computed by the device")         \
    X(0x602, EDU_COPY_IN, "MR0 offset, str bytes (offset + length <= 4095) -> MR1 CRC-32 of the bytes DMAed to the device") \
    X(0x603, EDU_COPY_OUT, "MR0 offset, MR1 count (offset + count <= 4095) -> MR1 CRC-32, str bytes DMAed back") \
    X(0x604, EDU_STATUS, "-> MR1 identification, MR2 instance generation, MR3 DMA transfers, MR4 completion interrupts, MR5 factorials") \
    X(0x605, EDU_BENCH_MAP, "MR0 rounds (1..1024) -> MR1 median, MR2 min, MR3 max TSC ticks of one IO_PAGE_MAP + IO_PAGE_UNMAP (ILLEGAL_OPERATION: no IO space)")

/*
 * A block device (drivers/ramdisk): blocks of AXL_BLK_BLOCK_SIZE bytes. A request past the last
 * block, of 0 blocks, of more than one message holds, or of bytes that are not a whole number of
 * blocks is AXL_E_RANGE and touches nothing; a failing device answers AXL_S_IO_ERROR.
 */
#define AXL_BLK_OPS(X)                                                                             \
    X(0x701, BLK_INFO, "-> MR1 block size, MR2 blocks, MR3 reads, MR4 writes, MR5 errors answered") \
    X(0x702, BLK_READ, "MR0 first block, MR1 count -> str bytes (count * block size)")             \
    X(0x703, BLK_WRITE, "MR0 first block, str bytes (a whole number of blocks) -> MR1 blocks written")

/*
 * The memory manager (servers/mm): pages a client's anonymous memory in a window of its address
 * space (AXL_PROC_PAGED_BASE, at most AXL_PROC_PAGED_MAX bytes) out to a block device, and is the
 * pager (manifest: pager = mm) of the clients that use it. docs/swap.md.
 */
#define AXL_MM_OPS(X)                                                                              \
    X(0x801, MM_ATTACH, "cap its VSPACE -> MR1 window base, MR2 window pages (drops what an earlier instance had)") \
    X(0x802, MM_ALLOC, "MR0 pages -> MR1 address of the new range (LIMIT: MR1 retry after, in us)") \
    X(0x803, MM_FREE, "MR0 address, MR1 pages -> MR1 pages dropped (no I/O), uncommitted")           \
    X(0x804, MM_STATS, "-> MR1 frames, MR2 free, MR3 resident, MR4 on swap, MR5 page-outs, MR6 page-ins, MR7 swap failed, MR8 committed, MR9 limit, MR10 throttled, MR11 reclaimed without I/O")

/* Every driver and server built on axl_serve also answers this (a liveness probe for clients;
 * the supervisor's heartbeat is a notification bit, AXL_NOTIFY_HEARTBEAT). */
#define AXL_COMMON_OPS(X) X(0x001, PING, "-> MR1 pid")

enum axl_op {
#define AXL_X(label, name, text) AXL_OP_##name = (label),
    AXL_COMMON_OPS(AXL_X) AXL_SUPERVISOR_OPS(AXL_X) AXL_NAME_OPS(AXL_X) AXL_CONSOLE_OPS(AXL_X)
        AXL_UART_OPS(AXL_X) AXL_STORE_OPS(AXL_X) AXL_EDU_OPS(AXL_X) AXL_BLK_OPS(AXL_X)
            AXL_MM_OPS(AXL_X)
#undef AXL_X
};

/* Names services register under. */
#define AXL_SERVICE_CONSOLE "console"
#define AXL_SERVICE_UART "uart"
#define AXL_SERVICE_STORE "store"
#define AXL_SERVICE_EDU "edu"
#define AXL_SERVICE_RAMDISK "ramdisk"
#define AXL_SERVICE_MM "mm"

#define AXL_BLK_BLOCK_SIZE 512

/* The check word of a store reply: a hash of the operation, key and result. */
static inline unsigned long long axl_store_check(unsigned long long op, unsigned long long key,
                                                 unsigned long long v)
{
    unsigned long long h = 0x9e3779b97f4a7c15ull ^ op;
    h = (h ^ key) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ v) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

#endif /* AXL_LIBIPC_PROTOCOLS_H */
