/* SPDX-License-Identifier: MIT */
/*
 * clients.c: each client's partial line, and its tag.
 *
 * A client is known by the badge of its console capability: its pid (the
 * root task mints it), 0 for the root task itself. Bytes collect in the
 * client's line until '\n'; then "[tag] line\r\n" leaves in one UART_WRITE,
 * so lines of different clients never mix. '\r' is dropped and every other
 * control byte but '\t' shows as '?', so no client can move the cursor or
 * send escape sequences to the terminal. Bytes from 0x80 up pass (UTF-8).
 * A line longer than CONSOLE_LINE_MAX goes out in pieces, each tagged, all
 * but the last ending in CONSOLE_CUT_MARK.
 */
#include "console.h"

#include <axl/proc.h>
#include <axl/string.h>

struct client {
    bool used;
    uint64_t badge;
    uint64_t last_use; /* use_clock at its last request: the least recent is reused first */
    char tag[AXL_PROC_NAME_MAX];
    char line[CONSOLE_LINE_MAX];
    size_t len;
};

static struct client clients[CONSOLE_CLIENTS];
static uint64_t use_clock;

static char printable(uint8_t c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
}

/* Writes out c's line: whole, or (cut) a piece the next line continues. */
static void put_line(struct client *c, bool cut)
{
    output_line(c->tag, c->line, c->len, cut);
    c->len = 0;
}

/*
 * The client with this badge. An unknown badge gets an entry tagged
 * "pid N" ("supervisor" for 0): a free one, else the least recently used, whose
 * partial line is written out first.
 */
static struct client *client(uint64_t badge)
{
    struct client *victim = NULL;

    for (size_t i = 0; i < CONSOLE_CLIENTS; i++) {
        struct client *c = &clients[i];
        if (c->used && c->badge == badge) {
            c->last_use = ++use_clock;
            return c;
        }
        if (!victim || (victim->used && (!c->used || c->last_use < victim->last_use))) {
            victim = c;
        }
    }
    if (victim->used && victim->len > 0) {
        put_line(victim, true);
    }
    *victim = (struct client){.used = true, .badge = badge, .last_use = ++use_clock};
    if (badge == 0) {
        memcpy(victim->tag, "supervisor", 11);
    } else {
        axl_snprintf(victim->tag, sizeof(victim->tag), "pid %llu", (unsigned long long)badge);
    }
    return victim;
}

void clients_write(uint64_t badge, const uint8_t *p, size_t n)
{
    struct client *c = client(badge);

    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            put_line(c, false);
        } else if (p[i] != '\r') {
            if (c->len == CONSOLE_LINE_MAX) {
                put_line(c, true);
            }
            c->line[c->len++] = printable(p[i]);
        }
    }
}

void clients_tag(uint64_t badge, const char *tag)
{
    struct client *c = client(badge);
    size_t n = strnlen(tag, sizeof(c->tag) - 1);

    if (n == 0) {
        return; /* keep "pid N": an empty tag would make "[] " lines nobody can attribute */
    }
    for (size_t i = 0; i < n; i++) {
        c->tag[i] = printable((uint8_t)tag[i]);
    }
    c->tag[n] = 0;
}

void clients_flush(void)
{
    for (size_t i = 0; i < CONSOLE_CLIENTS; i++) {
        if (clients[i].used && clients[i].len > 0) {
            put_line(&clients[i], true);
        }
    }
}
