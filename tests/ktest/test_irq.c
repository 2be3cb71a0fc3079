/* SPDX-License-Identifier: MIT */
/*
 * test_irq.c: IRQ capabilities (KT-IRQ-*): handlers from the IRQ control
 * (AXL_SLOT_IRQ_CONTROL), binding them to notifications, acknowledging,
 * and real interrupts (kernel/core/irq.c, kernel/arch/x86_64/ioapic.c;
 * docs/abi.md, "IRQs").
 *
 * The cases that only check arguments use ISA lines nothing drives on
 * QEMU's q35 with -nodefaults (3, 5, 6, 7, 10, 11) and PCI lines 20-23,
 * and delete their handlers again, so every line is free for the next case.
 *
 * Real interrupts come from the CMOS RTC's periodic interrupt on ISA IRQ 8
 * (I/O APIC input 8, edge-triggered): register A selects the rate (0x26:
 * 1024 Hz), register B bit 6 (PIE) enables it, and reading register C
 * acknowledges it at the RTC, lowering the line; the RTC raises it again
 * at the next period. (QEMU's I/O APIC takes every raise of an unmasked
 * edge-triggered input as an edge, and the RTC raises its line every
 * period while PIE is on, read or not; real hardware needs register C read
 * between edges. The cases read it, and rely on neither behaviour.) What
 * they rely on: no signal comes while the line is masked, unbound or PIE
 * is off, and one comes within a second once the line is bound and
 * unmasked, PIE is on and register C has been read. A signal that may
 * have slipped in before a step that stops them is drained by a POLL after
 * that step. So no check depends on how long a step took (the cases pass
 * with eight QEMUs sharing two host CPUs). They never block without a deadline: the
 * notification is polled until the TSC says a second has passed (the root
 * thread's interrupts stay on in user mode), and WAIT is used only once an
 * interrupt has been seen to arrive. Each RTC case turns PIE off, reads
 * register C and deletes its handler at the end.
 */
#include "ktest.h"

#define ROOT AXL_SLOT_CNODE
#define CONTROL AXL_SLOT_IRQ_CONTROL

#define RTC_IRQ 8
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_A_1024HZ 0x26 /* 32.768 kHz time base, rate 6 */
#define RTC_B_PIE 0x40

/* A handler for line irq in a fresh slot; 0, with a failure recorded, if refused. */
#define get_handler(irq) get_handler_at((irq), __FILE__, __LINE__)
static uint64_t get_handler_at(unsigned irq, const char *file, int line)
{
    uint64_t slot = kt_slot();
    long err = axl_irq_control_get(CONTROL, irq, ROOT, slot);

    if (err) {
        kt_fail(file, line, "IRQ_CONTROL_GET of line %u: %s", irq, axl_errname(err));
        return 0;
    }
    return slot;
}

/* Deletes a handler (0: none), which masks its line and frees it for another GET. */
static void put_handler(uint64_t slot)
{
    if (slot) {
        KT_EXPECT_OK(axl_cnode_delete(ROOT, slot));
    }
}

/* --- time, from the TSC (bootinfo->tsc_hz) --- */


static uint64_t ms_to_tsc(uint64_t ms)
{
    uint64_t hz = axl_bootinfo->tsc_hz ? axl_bootinfo->tsc_hz : 1000000000ull;
    return hz / 1000 * ms;
}

static void spin_ms(uint64_t ms)
{
    uint64_t end = axl_rdtsc() + ms_to_tsc(ms);
    while (axl_rdtsc() < end) {
        __asm__ volatile("pause");
    }
}

/* Polls ntfn until it has a word or ms have passed; returns POLL's last error. */
static long poll_for(uint64_t ntfn, uint64_t ms, uint64_t *word)
{
    uint64_t end = axl_rdtsc() + ms_to_tsc(ms);
    long err;

    do {
        err = axl_poll(ntfn, word);
    } while (err == AXL_E_WOULD_BLOCK && axl_rdtsc() < end);
    return err;
}

/* --- the CMOS RTC --- */

static uint64_t cmos; /* I/O-port capability for 0x70-0x71, issued on first use */

static bool cmos_ready(void)
{
    if (!cmos) {
        uint64_t slot = kt_slot();
        if (axl_ioport_issue(AXL_SLOT_IOPORT_CONTROL, CMOS_INDEX, CMOS_DATA, ROOT, slot) == 0) {
            cmos = slot;
        }
    }
    return cmos != 0;
}

static uint32_t cmos_read(unsigned reg)
{
    uint32_t v = 0;
    KT_EXPECT_OK(axl_ioport_out(cmos, CMOS_INDEX, 1, reg));
    KT_EXPECT_OK(axl_ioport_in(cmos, CMOS_DATA, 1, &v));
    return v;
}

static void cmos_write(unsigned reg, uint32_t v)
{
    KT_EXPECT_OK(axl_ioport_out(cmos, CMOS_INDEX, 1, reg));
    KT_EXPECT_OK(axl_ioport_out(cmos, CMOS_DATA, 1, v));
}

/* Turns the periodic interrupt on (1024 Hz) or off, leaving the other bits of register B. */
static void rtc_periodic(bool on)
{
    uint32_t b = cmos_read(RTC_REG_B);
    if (on) {
        cmos_write(RTC_REG_A, RTC_A_1024HZ);
    }
    cmos_write(RTC_REG_B, on ? (b | RTC_B_PIE) : (b & ~(uint32_t)RTC_B_PIE));
}

/* Acknowledges at the RTC: reading register C clears its flags and lowers the line. */
static uint32_t rtc_ack(void) { return cmos_read(RTC_REG_C); }

/* Everything an RTC case sets up, undone by rtc_end. */
struct rtc_case {
    uint64_t handler, ntfn, badged;
};

/*
 * A handler for IRQ 8 bound to a new notification through a copy with
 * badge; the periodic interrupt stays off. False, with a failure, if not.
 */
#define rtc_begin(c, badge) rtc_begin_at((c), (badge), __FILE__, __LINE__)
static bool rtc_begin_at(struct rtc_case *c, uint64_t badge, const char *file, int line)
{
    *c = (struct rtc_case){0};
    if (!cmos_ready()) {
        kt_fail(file, line, "no I/O-port capability for the CMOS ports");
        return false;
    }
    c->ntfn = kt_retype1_at(AXL_OBJ_NOTIFICATION, 0, file, line);
    c->badged = kt_slot();
    c->handler = get_handler_at(RTC_IRQ, file, line);
    if (!c->ntfn || !c->handler) {
        return false;
    }
    long err = axl_cnode_mint(ROOT, c->badged, ROOT, c->ntfn, AXL_RIGHT_WRITE, badge);
    if (err == AXL_E_OK) {
        err = axl_irq_set_notification(c->handler, c->badged);
    }
    if (err) {
        kt_fail(file, line, "binding IRQ %u to a notification: %s", RTC_IRQ, axl_errname(err));
        return false;
    }
    return true;
}

static void rtc_end(struct rtc_case *c)
{
    if (cmos) {
        rtc_periodic(false);
        rtc_ack();
    }
    put_handler(c->handler);
}

/* ------------------------------------------------------------------------------------------- */

KTEST(IRQ_001, "IRQ_CONTROL_GET of line 24 or above fails with RANGE, also when the number would "
               "truncate to a valid line")
{
    uint64_t slot = kt_slot();
    const uint64_t wide[] = {(1ull << 32) | 5, ROOT, slot};
    struct axl_cap_info info;

    KT_EXPECT_ERR(axl_irq_control_get(CONTROL, AXL_IRQ_COUNT, ROOT, slot), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_irq_control_get(CONTROL, 255, ROOT, slot), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_irq_control_get(CONTROL, ~0u, ROOT, slot), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_invoke(CONTROL, AXL_INV_IRQ_CONTROL_GET, 3, wide, NULL), AXL_E_RANGE);
    KT_ASSERT_TRUE(kt_inspect(slot, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    /* The last line exists. */
    KT_EXPECT_OK(axl_irq_control_get(CONTROL, AXL_IRQ_COUNT - 1, ROOT, slot));
    put_handler(slot);
}

KTEST(IRQ_002, "IRQ_CONTROL_GET into an occupied slot fails with DELETE_FIRST and leaves the line "
               "free")
{
    uint64_t ep = kt_retype1(AXL_OBJ_ENDPOINT, 0), h;
    struct axl_cap_info info;

    KT_ASSERT_NE(ep, 0);
    KT_EXPECT_ERR(axl_irq_control_get(CONTROL, 5, ROOT, ep), AXL_E_DELETE_FIRST);
    KT_EXPECT_ERR(axl_irq_control_get(CONTROL, 5, ROOT, 1ull << AXL_ROOT_CNODE_RADIX),
                  AXL_E_FAILED_LOOKUP);
    KT_EXPECT_ERR(axl_irq_control_get(CONTROL, 5, ep, 20), AXL_E_INVALID_CAPABILITY);
    KT_ASSERT_TRUE(kt_inspect(ep, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_ENDPOINT);
    h = get_handler(5);
    put_handler(h);
}

KTEST(IRQ_003, "a handler inspects as IRQ_HANDLER with all rights, and is not derived from the "
               "control")
{
    uint64_t h = get_handler(6);
    struct axl_cap_info info;

    KT_ASSERT_NE(h, 0);
    KT_EXPECT_TRUE(kt_inspect(h, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_IRQ_HANDLER);
    KT_EXPECT_EQ(info.rights, AXL_RIGHTS_ALL);
    KT_EXPECT_OK(axl_cnode_revoke(ROOT, CONTROL));
    KT_EXPECT_TRUE(kt_inspect(h, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_IRQ_HANDLER);
    put_handler(h);
}

KTEST(IRQ_004, "a line has one handler: a second GET fails with REVOKE_FIRST until the first is "
               "deleted, then succeeds")
{
    uint64_t first = get_handler(7), second = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(first, 0);
    KT_EXPECT_ERR(axl_irq_control_get(CONTROL, 7, ROOT, second), AXL_E_REVOKE_FIRST);
    KT_EXPECT_TRUE(kt_inspect(second, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    KT_ASSERT_OK(axl_cnode_delete(ROOT, first));
    KT_ASSERT_OK(axl_irq_control_get(CONTROL, 7, ROOT, second));
    put_handler(second);
}

KTEST(IRQ_005, "a copy of a handler keeps its line issued: only when both are deleted does GET "
               "succeed again")
{
    uint64_t h = get_handler(10), copy = kt_slot(), again = kt_slot();

    KT_ASSERT_NE(h, 0);
    KT_ASSERT_OK(axl_cnode_copy(ROOT, copy, ROOT, h, AXL_RIGHTS_ALL));
    KT_ASSERT_OK(axl_cnode_delete(ROOT, h));
    KT_EXPECT_ERR(axl_irq_control_get(CONTROL, 10, ROOT, again), AXL_E_REVOKE_FIRST);
    KT_EXPECT_OK(axl_irq_ack(copy)); /* the copy still works */
    KT_ASSERT_OK(axl_cnode_delete(ROOT, copy));
    KT_EXPECT_OK(axl_irq_control_get(CONTROL, 10, ROOT, again));
    put_handler(again);
}

KTEST(IRQ_006, "IRQ_SET_NOTIFICATION with anything but a notification fails with "
               "INVALID_CAPABILITY")
{
    uint64_t h = get_handler(11), ep = kt_retype1(AXL_OBJ_ENDPOINT, 0);

    KT_ASSERT_NE(h, 0);
    KT_ASSERT_NE(ep, 0);
    KT_EXPECT_ERR(axl_irq_set_notification(h, ep), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_irq_set_notification(h, AXL_SLOT_TCB), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_irq_set_notification(h, h), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_irq_set_notification(h, kt_slot()), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_irq_set_notification(h, 1ull << AXL_ROOT_CNODE_RADIX), AXL_E_FAILED_LOOKUP);
    put_handler(h);
}

KTEST(IRQ_007, "IRQ_SET_NOTIFICATION with a notification capability lacking WRITE fails with "
               "INSUFFICIENT_RIGHTS")
{
    uint64_t h = get_handler(20), ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0), ro = kt_slot();

    KT_ASSERT_NE(h, 0);
    KT_ASSERT_NE(ntfn, 0);
    KT_ASSERT_OK(axl_cnode_copy(ROOT, ro, ROOT, ntfn, AXL_RIGHT_READ));
    KT_EXPECT_ERR(axl_irq_set_notification(h, ro), AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_OK(axl_irq_set_notification(h, ntfn));
    put_handler(h);
}

KTEST(IRQ_008, "binding, rebinding and unbinding (notification 0) succeed, and IRQ_ACK succeeds "
               "bound or not")
{
    uint64_t h = get_handler(21), a = kt_retype1(AXL_OBJ_NOTIFICATION, 0),
             b = kt_retype1(AXL_OBJ_NOTIFICATION, 0), word;

    KT_ASSERT_NE(h, 0);
    KT_ASSERT_NE(b, 0);
    KT_EXPECT_OK(axl_irq_ack(h));
    KT_EXPECT_OK(axl_irq_set_notification(h, 0)); /* not bound yet */
    KT_EXPECT_OK(axl_irq_set_notification(h, a));
    KT_EXPECT_OK(axl_irq_ack(h));
    KT_EXPECT_OK(axl_irq_set_notification(h, b));
    KT_EXPECT_OK(axl_irq_set_notification(h, 0));
    KT_EXPECT_OK(axl_irq_ack(h));
    /* Nothing drives line 21: neither notification was signalled. */
    KT_EXPECT_ERR(axl_poll(a, &word), AXL_E_WOULD_BLOCK);
    KT_EXPECT_ERR(axl_poll(b, &word), AXL_E_WOULD_BLOCK);
    put_handler(h);
}

KTEST(IRQ_009, "the IRQ control and handlers refuse each other's labels and others' "
               "(ILLEGAL_OPERATION)")
{
    uint64_t h = get_handler(22), ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0);
    const uint64_t get_args[] = {3, ROOT, kt_slot()};
    const uint64_t set_args[] = {ntfn};

    KT_ASSERT_NE(h, 0);
    KT_EXPECT_ERR(axl_invoke(h, AXL_INV_IRQ_CONTROL_GET, 3, get_args, NULL),
                  AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_irq_ack(CONTROL), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_invoke(CONTROL, AXL_INV_IRQ_SET_NOTIFICATION, 1, set_args, NULL),
                  AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_invoke(h, AXL_INV_IOPORT_IN, 0, NULL, NULL), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_invoke(h, AXL_INV_CNODE_DELETE, 1, get_args, NULL), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_irq_ack(ntfn), AXL_E_ILLEGAL_OPERATION);
    put_handler(h);
}

KTEST(IRQ_010, "the RTC's periodic interrupt on IRQ 8 signals the bound notification with the "
               "badge of the capability bound, and only once the RTC is told to interrupt")
{
    struct rtc_case c;
    uint64_t word = 0;

    if (rtc_begin(&c, 0x80)) {
        rtc_ack();
        spin_ms(20); /* the periodic interrupt is off: nothing comes */
        KT_EXPECT_ERR(axl_poll(c.ntfn, &word), AXL_E_WOULD_BLOCK);
        rtc_periodic(true);
        KT_EXPECT_OK(poll_for(c.ntfn, 1000, &word));
        KT_EXPECT_EQ(word, 0x80);
    }
    rtc_end(&c);
}

KTEST(IRQ_011, "after an interrupt the line stays masked until IRQ_ACK; after the ACK the next one "
               "arrives")
{
    struct rtc_case c;
    uint64_t word = 0;

    if (rtc_begin(&c, 0x2)) {
        rtc_ack();
        rtc_periodic(true);
        KT_EXPECT_OK(poll_for(c.ntfn, 1000, &word));
        /* Lower the line; the RTC raises it again within 1 ms, but the line is masked. */
        rtc_ack();
        spin_ms(20);
        KT_EXPECT_ERR(axl_poll(c.ntfn, &word), AXL_E_WOULD_BLOCK);
        /* Unmask, then lower the line: the next period's edge gets through. */
        KT_EXPECT_OK(axl_irq_ack(c.handler));
        rtc_ack();
        word = 0;
        KT_EXPECT_OK(poll_for(c.ntfn, 1000, &word));
        KT_EXPECT_EQ(word, 0x2);
    }
    rtc_end(&c);
}

KTEST(IRQ_012, "WAIT on the bound notification blocks until the RTC interrupt wakes the thread")
{
    struct rtc_case c;
    uint64_t word = 0;

    if (rtc_begin(&c, 0x4)) {
        rtc_ack();
        rtc_periodic(true);
        /* Only block once an interrupt has been seen to come: a WAIT that never ends would hang
         * the suite. */
        long first = poll_for(c.ntfn, 1000, &word);
        KT_EXPECT_OK(first);
        if (first == AXL_E_OK) {
            KT_EXPECT_OK(axl_irq_ack(c.handler));
            rtc_ack();
            word = 0;
            KT_EXPECT_OK(axl_wait(c.ntfn, &word));
            KT_EXPECT_EQ(word, 0x4);
        }
    }
    rtc_end(&c);
}

KTEST(IRQ_013, "an unbound handler delivers nothing: with the RTC ticking and the handler set to "
               "0 no signal comes, and binding again brings them back")
{
    struct rtc_case c;
    uint64_t word = 0;

    if (rtc_begin(&c, 0x8)) {
        KT_EXPECT_OK(axl_irq_set_notification(c.handler, 0));
        rtc_ack();
        rtc_periodic(true);
        spin_ms(20); /* about 20 periods */
        KT_EXPECT_ERR(axl_poll(c.ntfn, &word), AXL_E_WOULD_BLOCK);
        KT_EXPECT_OK(axl_irq_set_notification(c.handler, c.badged));
        rtc_ack();
        KT_EXPECT_OK(poll_for(c.ntfn, 1000, &word));
        KT_EXPECT_EQ(word, 0x8);
    }
    rtc_end(&c);
}

KTEST(IRQ_014, "deleting a bound, unmasked handler stops its signals: the RTC keeps ticking and "
               "nothing comes")
{
    struct rtc_case c;
    uint64_t word = 0;

    if (rtc_begin(&c, 0x10)) {
        rtc_ack();
        rtc_periodic(true);
        KT_EXPECT_OK(poll_for(c.ntfn, 1000, &word));
        KT_EXPECT_OK(axl_irq_ack(c.handler)); /* unmasked again, still bound */
        KT_EXPECT_OK(axl_cnode_delete(ROOT, c.handler));
        c.handler = 0;
        (void)axl_poll(c.ntfn, &word); /* a signal from between the ACK and the delete */
        rtc_ack();
        spin_ms(20);
        KT_EXPECT_ERR(axl_poll(c.ntfn, &word), AXL_E_WOULD_BLOCK);
    }
    rtc_end(&c);
}
