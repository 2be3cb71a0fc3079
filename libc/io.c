/* SPDX-License-Identifier: MIT */
/*
 * io.c: files, as newlib's stdio sees them (porting layer).
 *
 * A process has three files, 0 to 2, and no file system. Output to 1 and 2
 * goes to the console server (CONSOLE_WRITE, <axl/protocols.h>) when the
 * root task gave the process one, else to the kernel log (DEBUG_PUTS): so
 * in the root task, and in the servers that come before the console. Input
 * on 0 comes from the console (CONSOLE_READ); without one it is at its end.
 * The three are character devices and terminals, so newlib line-buffers
 * stdout and lines reach the console whole. Every path names nothing:
 * open, stat, link and unlink answer ENOENT, as for a name that is not
 * there, rather than ENOSYS, so a program looking for an optional file
 * goes on without it.
 */
#include "axlc.h"

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <axl/invoke.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>
#include <axl/sys.h>

/* Replies of CONSOLE_WRITE that took nothing, in a row, before write gives up. */
#define CONSOLE_STALLS 100

/* Whether this process has a console: an endpoint in its console slot (looked up once). */
static bool have_console(void)
{
    static int known = -1;

    if (known < 0) {
        struct axl_cap_info cap;
        known = axl_procinfo &&
                axl_cnode_inspect(AXL_PROC_SLOT_CNODE, AXL_PROC_SLOT_CONSOLE_EP, &cap) == 0 &&
                cap.type == AXL_OBJ_ENDPOINT;
    }
    return known;
}

/*
 * Sends n bytes to the console, one CONSOLE_WRITE per message's worth. The
 * console may take less than it is sent (MR1 of the reply) when it is
 * busy; the rest is sent again after a yield. Returns the bytes taken, or
 * -1 (EIO) if the console took none.
 */
static int console_write(const char *p, size_t n)
{
    size_t done = 0;

    for (unsigned stalls = 0; done < n && stalls < CONSOLE_STALLS;) {
        size_t k = n - done < AXL_MSG_BYTES_MAX(0) ? n - done : AXL_MSG_BYTES_MAX(0);
        struct axl_msg m;

        axl_rpc_begin(&m, AXL_OP_CONSOLE_WRITE);
        long err = axl_msg_put_bytes(&m, p + done, k);
        if (err == AXL_E_OK) {
            err = axl_rpc_call(AXL_PROC_SLOT_CONSOLE_EP, &m);
        }
        if (err != AXL_E_OK || m.mr[1] > k) {
            break; /* the console is gone, or answered nonsense */
        }
        done += m.mr[1];
        stalls = m.mr[1] ? 0 : stalls + 1;
        if (m.mr[1] == 0) {
            axl_yield();
        }
    }
    return done ? (int)done : axlc_fail(EIO);
}

int write(int fd, const void *buf, size_t n)
{
    if (fd != STDOUT_FILENO && fd != STDERR_FILENO) {
        return axlc_fail(EBADF);
    }
    if (n > INT_MAX) {
        n = INT_MAX; /* the count must fit the result; a short write is allowed */
    }
    if (have_console()) {
        return console_write(buf, n);
    }
    return axl_debug_puts(buf, n) == AXL_E_OK ? (int)n : axlc_fail(EIO);
}

/* One CONSOLE_READ: what input is waiting, at most one message's worth; 0 when there is none. */
int read(int fd, void *buf, size_t n)
{
    if (fd != STDIN_FILENO) {
        return axlc_fail(EBADF);
    }
    if (!have_console() || n == 0) {
        return 0;
    }
    size_t most = n < AXL_MSG_BYTES_MAX(1) ? n : AXL_MSG_BYTES_MAX(1), got = 0;
    unsigned pos = 1; /* the reply: MR0 status, then the bytes */
    struct axl_msg m;

    axl_rpc_begin(&m, AXL_OP_CONSOLE_READ);
    long err = axl_msg_put_word(&m, most);
    if (err == AXL_E_OK) {
        err = axl_rpc_call(AXL_PROC_SLOT_CONSOLE_EP, &m);
    }
    if (err == AXL_E_OK) {
        err = axl_msg_get_bytes(&m, &pos, buf, most, &got);
    }
    return err == AXL_E_OK ? (int)got : axlc_fail(EIO);
}

int close(int fd) { return axlc_is_std(fd) ? 0 : axlc_fail(EBADF); }

off_t lseek(int fd, off_t offset, int whence)
{
    (void)offset;
    (void)whence;
    return axlc_fail(axlc_is_std(fd) ? ESPIPE : EBADF);
}

int fstat(int fd, struct stat *st)
{
    if (!axlc_is_std(fd)) {
        return axlc_fail(EBADF);
    }
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFCHR | S_IRUSR | S_IWUSR; /* a character device: stdio checks isatty */
    return 0;
}

int isatty(int fd)
{
    if (!axlc_is_std(fd)) {
        errno = EBADF;
        return 0;
    }
    return 1;
}

int open(const char *path, int flags, ...)
{
    (void)path;
    (void)flags;
    return axlc_fail(ENOENT);
}

int stat(const char *restrict path, struct stat *restrict st)
{
    (void)path;
    (void)st;
    return axlc_fail(ENOENT);
}

int link(const char *old, const char *new)
{
    (void)old;
    (void)new;
    return axlc_fail(ENOENT);
}

int unlink(const char *path)
{
    (void)path;
    return axlc_fail(ENOENT);
}
