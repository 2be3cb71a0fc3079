/* SPDX-License-Identifier: MIT */
/*
 * error.c: axl_strerror and axl_errname (axl/print.h), expanded from the
 * AXL_ERRORS table in <axl/errors.h> so that a new error code needs no
 * change here.
 */
#include <axl/errors.h>
#include <axl/print.h>
#include <axl/rpc.h>

/* -Woverride-init (in -Wextra) turns two rows with one value into a build error. */
static const char *const messages[] = {
#define AXL_X(value, name, text) [value] = "AXL_E_" #name ": " text,
    AXL_ERRORS(AXL_X)
#undef AXL_X
#define AXL_X(value, name, text) [value] = "AXL_S_" #name ": " text,
    AXL_SERVICE_STATUSES(AXL_X)
#undef AXL_X
};

static const char *const names[] = {
#define AXL_X(value, name, text) [value] = "AXL_E_" #name,
    AXL_ERRORS(AXL_X)
#undef AXL_X
#define AXL_X(value, name, text) [value] = "AXL_S_" #name,
    AXL_SERVICE_STATUSES(AXL_X)
#undef AXL_X
};

/* The entry for err in table (n entries), or NULL: gaps in the table are NULL too. */
static const char *lookup(const char *const *table, size_t n, long err)
{
    return err >= 0 && (unsigned long)err < n ? table[err] : NULL;
}

const char *axl_strerror(long err)
{
    const char *s = lookup(messages, sizeof(messages) / sizeof(messages[0]), err);
    return s ? s : "unknown error";
}

const char *axl_errname(long err)
{
    const char *s = lookup(names, sizeof(names) / sizeof(names[0]), err);
    return s ? s : "unknown error";
}
