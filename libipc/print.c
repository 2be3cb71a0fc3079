/* SPDX-License-Identifier: MIT */
/*
 * print.c: axl_printf and friends (axl/print.h).
 *
 * Formatting is the kernel's kvsnprintf (kernel/lib/fmt.c, built into
 * libipc), so user programs and the kernel log format numbers the same
 * way. Its header is included by path rather than through the include
 * path: only fmt.c and string.c are meant to see kernel/include, and the
 * prototype stays checked against the real definition.
 */
#include "../kernel/include/fmt.h"

#include <axl/print.h>
#include <axl/sys.h>

int axl_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return kvsnprintf(buf, size, fmt, ap);
}

int axl_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int axl_vprintf(const char *fmt, va_list ap)
{
    char buf[AXL_PRINTF_MAX]; /* one message's worth: the text leaves in one DEBUG_PUTS */
    int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;

    long err = axl_debug_puts(buf, len);
    return err ? (int)-err : (int)len;
}

int axl_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = axl_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

long axl_puts(const char *s)
{
    int n = axl_printf("%s\n", s);
    return n < 0 ? -n : AXL_E_OK;
}
