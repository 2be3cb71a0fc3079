/* SPDX-License-Identifier: MIT */
/* Unit tests for kernel/arch/x86_64/trapinfo.c: vector names and error-code decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <arch/trapinfo.h>

static void test_trapinfo_names_known_vectors(void **state)
{
    (void)state;
    assert_string_equal(x86_trap_mnemonic(0), "#DE");
    assert_string_equal(x86_trap_mnemonic(8), "#DF");
    assert_string_equal(x86_trap_mnemonic(13), "#GP");
    assert_string_equal(x86_trap_mnemonic(14), "#PF");
    assert_string_equal(x86_trap_name(14), "page fault");
    assert_string_equal(x86_trap_name(6), "invalid opcode");
}

static void test_trapinfo_names_reserved_and_irq(void **state)
{
    (void)state;
    assert_string_equal(x86_trap_mnemonic(15), "#??");
    assert_string_equal(x86_trap_name(31), "reserved vector");
    assert_string_equal(x86_trap_mnemonic(32), "IRQ");
    assert_string_equal(x86_trap_mnemonic(255), "IRQ");
    assert_string_equal(x86_trap_name(1000), "interrupt");
}

static void test_trapinfo_error_code_vectors(void **state)
{
    (void)state;
    unsigned with[] = {8, 10, 11, 12, 13, 14, 17, 21, 29, 30};
    int count = 0;
    for (unsigned v = 0; v < 32; v++) {
        count += x86_trap_has_error(v);
    }
    assert_int_equal(count, 10);
    for (size_t i = 0; i < sizeof(with) / sizeof(with[0]); i++) {
        assert_true(x86_trap_has_error(with[i]));
    }
    assert_false(x86_trap_has_error(6));
    assert_false(x86_trap_has_error(32));
}

static void test_trapinfo_pf_not_present_write_supervisor(void **state)
{
    (void)state;
    char buf[160];
    x86_decode_error(14, PF_W, buf, sizeof(buf));
    assert_string_equal(buf, "P=0 not-present W=1 write U=0 supervisor R=0 I=0 data");
}

static void test_trapinfo_pf_all_bits(void **state)
{
    (void)state;
    char buf[200];
    x86_decode_error(14, PF_P | PF_U | PF_RSVD | PF_I | PF_PK | PF_SS | PF_SGX, buf, sizeof(buf));
    assert_non_null(strstr(buf, "P=1 protection-violation"));
    assert_non_null(strstr(buf, "W=0 read"));
    assert_non_null(strstr(buf, "U=1 user"));
    assert_non_null(strstr(buf, "R=1 reserved-bit-set"));
    assert_non_null(strstr(buf, "I=1 instruction-fetch"));
    assert_non_null(strstr(buf, "PK=1"));
    assert_non_null(strstr(buf, "SS=1"));
    assert_non_null(strstr(buf, "SGX=1"));
}

static void test_trapinfo_gp_selector_formats(void **state)
{
    (void)state;
    char buf[128];
    x86_decode_error(13, 0, buf, sizeof(buf));
    assert_string_equal(buf, "no selector (fault not tied to a segment)");
    x86_decode_error(13, 0x2b, buf, sizeof(buf)); /* 0x2b: EXT=1, IDT=1, index 5 */
    assert_non_null(strstr(buf, "IDT vector 5"));
    x86_decode_error(13, 0x28, buf, sizeof(buf));
    assert_string_equal(buf, "GDT selector 0x28 (index 5)");
    x86_decode_error(11, 0x1c, buf, sizeof(buf));
    assert_string_equal(buf, "LDT selector 0x18 (index 3)");
}

static void test_trapinfo_df_and_plain_vectors(void **state)
{
    (void)state;
    char buf[64];
    x86_decode_error(8, 0, buf, sizeof(buf));
    assert_string_equal(buf, "always 0");
    x86_decode_error(6, 0, buf, sizeof(buf));
    assert_string_equal(buf, "none");
}

static void test_trapinfo_decode_truncates_safely(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'x', sizeof(buf));
    size_t n = x86_decode_error(14, PF_W, buf, sizeof(buf));
    assert_int_equal(n, 7);
    assert_int_equal(buf[7], '\0');
    assert_string_equal(buf, "P=0 not");
    assert_int_equal(x86_decode_error(14, 0, buf, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trapinfo_names_known_vectors),
        cmocka_unit_test(test_trapinfo_names_reserved_and_irq),
        cmocka_unit_test(test_trapinfo_error_code_vectors),
        cmocka_unit_test(test_trapinfo_pf_not_present_write_supervisor),
        cmocka_unit_test(test_trapinfo_pf_all_bits),
        cmocka_unit_test(test_trapinfo_gp_selector_formats),
        cmocka_unit_test(test_trapinfo_df_and_plain_vectors),
        cmocka_unit_test(test_trapinfo_decode_truncates_safely),
    };
    return cmocka_run_group_tests_name("trapinfo", tests, NULL, NULL);
}
