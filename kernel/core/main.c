/* SPDX-License-Identifier: MIT */
/*
 * main.c: kmain, the kernel's boot sequence after the arch entry code.
 *
 * A linear init sequence (so longer than most functions): console, clock,
 * boot information, CPU tables, physical memory, paging, then report what
 * was found. Bad boot information ends the boot with one clear message
 * and the BOOT_ERROR exit code, never a panic.
 */
#include <arch.h>
#include <boot.h>
#include <clock.h>
#include <cmdline.h>
#include <kdriver.h>
#include <klog.h>
#include <panic.h>
#include <pmm.h>
#include <pstore.h>
#include <selftest.h>
#include <thread.h>
#include <uapi/axl/exit.h>

#define AXL_VERSION "0.1.0"
#define LOW_MEMORY_END 0x100000 /* BIOS data, real-mode IVT, EBDA, VGA, ROMs */

static struct boot_info boot_info;
static struct pmm pmm;

static const void *direct_map_reader(void *ctx, paddr_t phys, uint64_t len)
{
    (void)ctx;
    /* Only what the boot page tables map: the low 4 GiB. */
    if (len > BOOT_DIRECT_MAP_SIZE || phys > BOOT_DIRECT_MAP_SIZE - len) {
        return NULL;
    }
    return phys_to_virt(phys);
}

static void boot_log(int level, const char *msg)
{
    klog(level == 0 ? KLOG_ERROR : level == 1 ? KLOG_WARN : KLOG_INFO, "boot", "%s", msg);
}

static NORETURN void boot_refuse(const char *why)
{
    kerror("boot", "boot refused: %s", why);
    arch_exit(AXL_EXIT_BOOT_ERROR);
}

/* Frees all available RAM in the allocator, minus everything in use. */
bool boot_is_ram(paddr_t pa, uint64_t len)
{
    for (unsigned i = 0; i < boot_info.nregions; i++) {
        const struct boot_region *r = &boot_info.regions[i];
        if (r->type == BOOT_MEM_AVAILABLE && pa >= r->base && len <= r->len &&
            pa - r->base <= r->len - len) {
            return true;
        }
    }
    return false;
}

static void memory_init(struct boot_info *bi)
{
    uint64_t bytes = pmm_bitmap_bytes(bi->mem_top);
    paddr_t at = boot_find_free(bi, bytes, BOOT_DIRECT_MAP_SIZE);

    if (at == PMM_NONE_ADDR) {
        boot_refuse("no room in RAM for the frame allocator's bitmap");
    }
    pmm_init(&pmm, phys_to_virt(at), bi->mem_top);
    pmm_reserve(&pmm, 0, LOW_MEMORY_END);
    pmm_reserve(&pmm, bi->kernel_start, bi->kernel_end - bi->kernel_start);
    pmm_reserve(&pmm, at, bytes);
    for (unsigned i = 0; i < bi->nmodules; i++) {
        pmm_reserve(&pmm, bi->modules[i].start, bi->modules[i].end - bi->modules[i].start);
    }
    for (unsigned i = 0; i < bi->nregions; i++) {
        if (bi->regions[i].type != BOOT_MEM_AVAILABLE) {
            pmm_reserve(&pmm, bi->regions[i].base, bi->regions[i].len);
        }
    }
    for (unsigned i = 0; i < bi->nregions; i++) {
        if (bi->regions[i].type == BOOT_MEM_AVAILABLE) {
            pmm_add_free(&pmm, bi->regions[i].base, bi->regions[i].len);
        }
    }
    arch_paging_init(&pmm, bi);
}

/* Starts the tick at clock_hz= (default CLOCK_DEFAULT_HZ); a failure is logged, not fatal. */
static void clock_start(const char *cmdline)
{
    uint64_t hz = CLOCK_DEFAULT_HZ;

    if (cmdline_get_uint(cmdline, "clock_hz", 10000, &hz) == -2 || hz == 0) {
        kwarn("clock", "clock_hz= wants a number from 1 to 10000; using %u", CLOCK_DEFAULT_HZ);
        hz = CLOCK_DEFAULT_HZ;
    }
    if (clock_init((unsigned)hz) != 0) {
        kwarn("clock", "no timer tick: the kernel runs without preemption");
    }
}

/* timeslice_ms= (default 10): how long a thread runs before others of its priority get a turn. */
static void sched_start(const char *cmdline)
{
    uint64_t ms = 10;

    if (cmdline_get_uint(cmdline, "timeslice_ms", 60000, &ms) == -2 || ms == 0) {
        kwarn("sched", "timeslice_ms= wants a number from 1 to 60000; using 10");
        ms = 10;
    }
    unsigned hz = clock_rate_hz();
    uint64_t ticks = hz ? (ms * hz + 999) / 1000 : 1;
    sched_init((unsigned)ticks);
    kinfo("sched", "%u priorities, round robin; timeslice %llu ms = %llu tick%s", AXL_PRIORITIES,
          (unsigned long long)ms, (unsigned long long)ticks, ticks == 1 ? "" : "s");
}

/* True if the first boot module is an ELF file: the root task. */
static bool have_root_task(const struct boot_info *bi)
{
    if (bi->nmodules == 0 || bi->modules[0].end - bi->modules[0].start < 4) {
        return false;
    }
    const unsigned char *p = phys_to_virt(bi->modules[0].start);
    return p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F';
}

static const char *region_type_name(uint32_t type)
{
    switch (type) {
    case 1:
        return "available";
    case 3:
        return "ACPI reclaimable";
    case 4:
        return "ACPI NVS";
    case 5:
        return "bad RAM";
    default:
        return "reserved";
    }
}

static void report_boot(const struct boot_info *bi)
{
    for (unsigned i = 0; i < bi->nregions; i++) {
        const struct boot_region *r = &bi->regions[i];
        kinfo("memory", "0x%016llx-0x%016llx %s (%llu KiB)", (unsigned long long)r->base,
              (unsigned long long)(r->base + r->len), region_type_name(r->type),
              (unsigned long long)(r->len / 1024));
    }
    kinfo("memory",
          "%llu MiB usable in %u regions; kernel 0x%llx-0x%llx (%llu KiB); %llu frames free (%llu "
          "MiB)",
          (unsigned long long)(bi->usable_bytes >> 20), bi->nregions,
          (unsigned long long)bi->kernel_start, (unsigned long long)bi->kernel_end,
          (unsigned long long)((bi->kernel_end - bi->kernel_start) / 1024),
          (unsigned long long)pmm_free_frames(&pmm),
          (unsigned long long)(pmm_free_frames(&pmm) >> 8));
    kinfo("modules", "%u boot module%s", bi->nmodules, bi->nmodules == 1 ? "" : "s");
    for (unsigned i = 0; i < bi->nmodules; i++) {
        const struct boot_module *m = &bi->modules[i];
        kinfo("modules", "module %u: %s at 0x%llx-0x%llx (%llu bytes) args '%s'", i, m->name,
              (unsigned long long)m->start, (unsigned long long)m->end,
              (unsigned long long)(m->end - m->start), m->args);
    }
}

NORETURN void kmain(uint32_t mb_magic, uint32_t mb_info);

NORETURN void kmain(uint32_t mb_magic, uint32_t mb_info)
{
    const struct phys_reader reader = {direct_map_reader, NULL};

    arch_console_init();
    kinfo("boot", "Axolotl %s, a capability microkernel that regrows its drivers", AXL_VERSION);
    arch_time_init();
    if (boot_parse_multiboot(&reader, mb_magic, mb_info, arch_kernel_phys_start(),
                             arch_kernel_phys_end(), &boot_info, boot_log) != BOOT_OK) {
        boot_refuse("the boot loader's information is unusable (see the line above)");
    }
    kinfo("boot", "loader '%s', command line '%s'", boot_info.loader, boot_info.cmdline);
    if (!selftest_select(boot_info.cmdline)) {
        arch_exit(AXL_EXIT_FAIL);
    }
    selftest_run(SELFTEST_EARLY);
    arch_cpu_init();
    memory_init(&boot_info);
    report_boot(&boot_info);
    clock_start(boot_info.cmdline);
    pstore_init(&pmm);
    arch_iommu_init(&pmm, boot_info.cmdline);
    selftest_run(SELFTEST_LATE);
    sched_start(boot_info.cmdline);
#ifdef AXL_KDRIVER
    kdriver_init(&pmm, boot_info.cmdline); /* the monolithic build's driver (kdriver.c) */
#endif
    if (have_root_task(&boot_info)) {
        kinfo("boot", "boot complete: %u warnings, %u errors; starting the root task",
              klog_count(KLOG_WARN), klog_count(KLOG_ERROR));
        root_task_start(&boot_info, &pmm);
    }
    kinfo("boot", "boot complete: %u warnings, %u errors; no root task (module 0 is not an ELF "
          "file), powering off",
          klog_count(KLOG_WARN), klog_count(KLOG_ERROR));
    arch_exit(AXL_EXIT_PASS);
}
