/* SPDX-License-Identifier: MIT */
/*
 * start.c: from _start (crt0.S) to main, and from main to exit.
 *
 * The kernel starts the root task with its boot information in rdi; the
 * root task starts every other process with a struct axl_procinfo there
 * (<axl/proc.h>). The magic word at the start tells which, and sets either
 * axl_bootinfo or axl_procinfo; the other stays NULL, and so do both for a
 * thread started here with neither. main gets argc and argv from the
 * module's (or the manifest's) name and arguments. Its return value goes
 * to newlib's exit, which runs the atexit handlers, flushes stdio and ends
 * in the porting layer's _exit (libc/process.c).
 */
#include <stdlib.h>

#include <axl/proc.h>
#include <axl/string.h>
#include <axl/sys.h>

struct axl_bootinfo *axl_bootinfo;
struct axl_procinfo *axl_procinfo;
struct axl_ipc_buffer *axl_ipc_buffer;

/*
 * The program's. It may be defined as int main(void): under the System V
 * ABI the arguments are then simply not read.
 */
int main(int argc, char **argv);
void axl_start(void *info, struct axl_ipc_buffer *ipc_buffer) __attribute__((noreturn));

/* Constructors and destructors of the program and its libraries, gathered by user.ld. */
typedef void (*init_fn)(void);
extern const init_fn __init_array_start[], __init_array_end[];
extern const init_fn __fini_array_start[], __fini_array_end[];

#define MAX_ARGS 16  /* words of the arguments passed on; more are dropped */
#define ARGS_MAX 128 /* the longest arguments: a manifest's (a boot module's are 48) */
_Static_assert(sizeof(((struct axl_procinfo *)0)->args) <= ARGS_MAX, "args fit");
_Static_assert(sizeof(((struct axl_bootinfo *)0)->modules[0].args) <= ARGS_MAX, "args fit");
_Static_assert(sizeof(((struct axl_bootinfo *)0)->modules[0].name) <= AXL_PROC_NAME_MAX,
               "name fits");

/*
 * Fills argv with name and the blank-separated words of args (n bytes, NUL-terminated if
 * shorter), which are copied to text. Returns argc.
 */
static int make_argv(char **argv, const char *name, const char *args, size_t n)
{
    static char text[ARGS_MAX + 1];
    int argc = 0;

    argv[argc++] = (char *)name;
    memcpy(text, args, strnlen(args, n)); /* text is zeroed: the copy stays terminated */
    for (char *p = text; argc <= MAX_ARGS;) {
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t') {
            p++;
        }
        if (*p) {
            *p++ = '\0';
        }
    }
    argv[argc] = NULL;
    return argc;
}

static void run_destructors(void)
{
    for (const init_fn *f = __fini_array_end; f > __fini_array_start;) {
        (*--f)();
    }
}

/* Called by _start only: the entry registers rdi and rsi, in that order. */
void axl_start(void *info, struct axl_ipc_buffer *ipc_buffer)
{
    static char name[AXL_PROC_NAME_MAX + 1];
    static char *argv[MAX_ARGS + 2];
    uint64_t magic = info ? *(const uint64_t *)info : 0;
    int argc;

    axl_ipc_buffer = ipc_buffer;
    if (magic == AXL_BOOTINFO_MAGIC) {
        const struct axl_boot_module *self = &((struct axl_bootinfo *)info)->modules[0];
        axl_bootinfo = info;
        memcpy(name, self->name, strnlen(self->name, sizeof(self->name)));
        argc = make_argv(argv, name, self->args, sizeof(self->args));
    } else if (magic == AXL_PROCINFO_MAGIC) {
        axl_procinfo = info;
        memcpy(name, axl_procinfo->name, strnlen(axl_procinfo->name, sizeof(axl_procinfo->name)));
        argc = make_argv(argv, name, axl_procinfo->args, sizeof(axl_procinfo->args));
    } else {
        argc = make_argv(argv, name, "", 0);
    }

    for (const init_fn *f = __init_array_start; f < __init_array_end; f++) {
        (*f)();
    }
    atexit(run_destructors);
    exit(main(argc, argv));
}
