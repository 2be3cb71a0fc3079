/* SPDX-License-Identifier: MIT */
/*
 * erst.c: the hardware under the persistent crash store: QEMU's acpi-erst
 * PCI device (1b36:0012), driven through its registers directly (no ACPI
 * interpreter), the machine key from fw_cfg, and random salt.
 *
 * ERST: BAR0 holds ACTION (+0, 32-bit writes) and VALUE (+8, 64-bit);
 * BAR1 is the exchange buffer a record is copied through. Every operation
 * is BEGIN_x, SET_RECORD_OFFSET 0, (SET_RECORD_ID), EXECUTE with 0x9C,
 * GET_COMMAND_STATUS, END; QEMU completes it synchronously. See
 * /work/shared/reference/qemu-hardware.md 6.1 and ACPI 6.x 18.5.
 *
 * Used at boot and on the panic path: nothing here allocates, locks or
 * depends on interrupts. Configuration access through ports (pci.c)
 * reaches bus 0, where QEMU puts the device.
 */
#include <arch.h>
#include <arch/pci.h>
#include <arch/x86.h>
#include <klog.h>
#include <kstring.h>

#define ERST_VENDOR 0x1b36
#define ERST_DEVICE 0x0012

enum erst_action {
    ERST_BEGIN_WRITE = 0,
    ERST_BEGIN_READ = 1,
    ERST_BEGIN_CLEAR = 2,
    ERST_END = 3,
    ERST_SET_RECORD_OFFSET = 4,
    ERST_EXECUTE = 5,
    ERST_GET_COMMAND_STATUS = 7,
    ERST_GET_RECORD_ID = 8,
    ERST_SET_RECORD_ID = 9,
    ERST_GET_LOG_ADDRESS_LENGTH = 0xe,
};
#define ERST_EXECUTE_MAGIC 0x9c

static volatile uint32_t *erst_action;
static volatile uint64_t *erst_value;
static uint8_t *erst_exchange;
static size_t erst_exchange_size;

static uint64_t erst_do(enum erst_action action)
{
    *erst_action = action;
    return *erst_value;
}

static void erst_set(enum erst_action action, uint64_t value)
{
    *erst_value = value;
    *erst_action = action;
}

size_t arch_erst_probe(void)
{
    int dev = pci_find(ERST_VENDOR, ERST_DEVICE);

    if (dev < 0) {
        return 0;
    }
    uint64_t regs = pci_mem_bar(0, (unsigned)dev, 0, 0x10);
    uint64_t exch = pci_mem_bar(0, (unsigned)dev, 0, 0x14);
    if (regs == 0 || exch == 0 || regs >= BOOT_DIRECT_MAP_SIZE || exch >= BOOT_DIRECT_MAP_SIZE) {
        kwarn("pstore", "ERST device 00:%02x.0 has unusable BARs (0x%llx, 0x%llx)", dev,
              (unsigned long long)regs, (unsigned long long)exch);
        return 0;
    }
    /* Memory space on (SeaBIOS does this already; a reset might not). */
    pci_write32(0, (unsigned)dev, 0, 0x04, pci_read32(0, (unsigned)dev, 0, 0x04) | 0x2);
    erst_action = phys_to_virt(regs);
    erst_value = phys_to_virt(regs + 8);
    erst_exchange = phys_to_virt(exch);
    erst_exchange_size = erst_do(ERST_GET_LOG_ADDRESS_LENGTH);
    if (erst_exchange_size < 4096 || erst_exchange_size > 65536 ||
        exch + erst_exchange_size > BOOT_DIRECT_MAP_SIZE) {
        kwarn("pstore", "ERST exchange buffer of %llu bytes is unusable",
              (unsigned long long)erst_exchange_size);
        erst_exchange = NULL;
        return 0;
    }
    kinfo("pstore", "ERST device at 00:%02x.0: registers 0x%llx, exchange buffer 0x%llx "
                    "(%llu bytes)",
          dev, (unsigned long long)regs, (unsigned long long)exch,
          (unsigned long long)erst_exchange_size);
    return erst_exchange_size;
}

void *arch_erst_buffer(void) { return erst_exchange; }

/* Runs one operation whose parameters are set; returns the command status. */
static int erst_execute(void)
{
    erst_set(ERST_EXECUTE, ERST_EXECUTE_MAGIC);
    int status = (int)erst_do(ERST_GET_COMMAND_STATUS);
    *erst_action = ERST_END;
    return status;
}

int arch_erst_write(void)
{
    *erst_action = ERST_BEGIN_WRITE;
    erst_set(ERST_SET_RECORD_OFFSET, 0);
    return erst_execute();
}

int arch_erst_read(uint64_t id)
{
    *erst_action = ERST_BEGIN_READ;
    erst_set(ERST_SET_RECORD_OFFSET, 0);
    erst_set(ERST_SET_RECORD_ID, id);
    return erst_execute();
}

int arch_erst_clear(uint64_t id)
{
    *erst_action = ERST_BEGIN_CLEAR;
    erst_set(ERST_SET_RECORD_ID, id);
    return erst_execute();
}

uint64_t arch_erst_next_id(void) { return erst_do(ERST_GET_RECORD_ID); }

/* --- fw_cfg (qemu-hardware.md section 8): selector 0x510, data 0x511 --- */

#define FW_CFG_SELECT 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_FILE_DIR 0x19

static void fw_cfg_bytes(void *buf, size_t n)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < n; i++) {
        p[i] = inb(FW_CFG_DATA);
    }
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

long arch_fw_cfg_read(const char *name, void *buf, size_t size)
{
    uint8_t sig[4], count[4];

    outw(FW_CFG_SELECT, 0);
    fw_cfg_bytes(sig, 4);
    if (memcmp(sig, "QEMU", 4) != 0) {
        return -1; /* no fw_cfg */
    }
    outw(FW_CFG_SELECT, FW_CFG_FILE_DIR);
    fw_cfg_bytes(count, 4);
    uint32_t n = be32(count);
    for (uint32_t i = 0; i < n && i < 4096; i++) {
        uint8_t entry[64];
        fw_cfg_bytes(entry, sizeof(entry));
        entry[63] = 0;
        if (strcmp((const char *)entry + 8, name) != 0) {
            continue;
        }
        uint32_t len = be32(entry);
        uint16_t select = (uint16_t)(entry[4] << 8 | entry[5]);
        outw(FW_CFG_SELECT, select);
        fw_cfg_bytes(buf, len < size ? len : size);
        return (long)len;
    }
    return -1;
}

/* --- randomness for the nonce salt --- */

static bool have_rdrand(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    return (c >> 30) & 1;
}

uint32_t arch_random32(void)
{
    if (have_rdrand()) {
        for (int tries = 0; tries < 10; tries++) {
            uint32_t v;
            uint8_t ok;
            __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
            if (ok) {
                return v;
            }
        }
    }
    /* No RDRAND: the TSC's low bits after a little jitter; weak, but the
     * salt only hedges against a rolled-back counter (docs/crash.md). */
    uint64_t t = rdtsc();
    for (int i = 0; i < 64; i++) {
        t = (t ^ rdtsc()) * 0x9e3779b97f4a7c15ull;
    }
    return (uint32_t)(t >> 32);
}
