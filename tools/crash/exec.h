/* SPDX-License-Identifier: MIT */
/*
 * exec.h: what the command needs beyond the library (exec.c): files mapped
 * read-only, and the kernel ELF's symbols through binutils' nm and addr2line.
 */
#ifndef AXL_CRASH_EXEC_H
#define AXL_CRASH_EXEC_H

#include "crash.h"

struct crash_file {
    uint8_t *data; /* NULL for an empty file */
    size_t len;
    bool writable; /* a private copy-on-write mapping: changes never reach the file */
};

/* Maps path; 0, or -1 with errno set. */
int crash_file_map(const char *path, bool writable, struct crash_file *f);
void crash_file_unmap(struct crash_file *f);

/* Runs argv with stdout captured (stderr discarded); returns the exit status, -1 if it
 * could not run. *out is malloc'd and NUL-terminated. */
int crash_run(char *const argv[], char **out, size_t *outlen);

struct crash_kernel {
    const char *path;
    char cwd[4096];
    char root[4096]; /* the repository the ELF was built in (<root>/build/...), or "" */
    struct crash_symtab symtab;
    bool warned; /* addr2line failed once: say so once */
};

/* Reads the kernel ELF's build id and symbols into k and sym. 0, or -1 (cannot read it). */
int crash_kernel_load(struct crash_kernel *k, const char *path, struct crash_symbolizer *sym);
void crash_kernel_free(struct crash_kernel *k);

#endif /* AXL_CRASH_EXEC_H */
