/* SPDX-License-Identifier: MIT */
/*
 * main.c: axl-crash, the crash decoder's command line (tools/axl crash
 * decode runs it). Exit status: 0 when every record is authentic (or there
 * are none), 1 when some record is not, 2 for usage and I/O errors.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"

#define DEFAULT_KERNEL "build/kernel/kernel.elf"
#define DEFAULT_KEY "build/pstore/machine.key"

static const char usage[] =
    "usage: axl-crash decode FILE [--kernel ELF | --no-kernel] [--key KEYFILE | --no-key] "
    "[--json]\n";

static const char help[] =
    "\n"
    "Decodes Axolotl's crash records (uapi/axl/pstore.h) and tells whether each is\n"
    "authentic. FILE is one of:\n"
    "  an ACPI ERST store file (QEMU acpi-erst memory-backend-file), every record in it;\n"
    "  an ELF64 memory dump from QEMU's dump-guest-memory (paging=false): CPU state,\n"
    "    the IDT read through the guest's page tables, and the panic record in memory;\n"
    "  a single CPER record.\n"
    "\n"
    "options:\n"
    "  --kernel ELF    the kernel with symbols, for function names, source lines and\n"
    "                  address classes (default: " DEFAULT_KERNEL " if it exists,\n"
    "                  under the current directory or next to this program's build/)\n"
    "  --no-kernel     no symbols, even if the default kernel exists\n"
    "  --key KEYFILE   the machine key (exactly 32 raw bytes) that authenticates records\n"
    "                  (default: " DEFAULT_KEY " if it exists; without a key,\n"
    "                  keyed records are \"unverified\")\n"
    "  --no-key        no key, even if the default key exists\n"
    "  --json          one JSON object instead of the report\n"
    "  -h, --help      this text\n"
    "\n"
    "exit status: 0 every record authentic (or none), 1 some record is not (forged, torn,\n"
    "replayed, ...; foreign records do not count), 2 usage or I/O error.\n";

static int fail(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("axl-crash: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

static int usage_error(const char *fmt, const char *arg)
{
    fflush(stdout);
    fputs("axl-crash: error: ", stderr);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    fputs(usage, stderr);
    fputs("(axl-crash --help for more)\n", stderr);
    return 2;
}

static bool exists(const char *path) { return access(path, R_OK) == 0; }

/* A default path: under the current directory, else relative to the repository this
 * program was built in (build/tools/axl-crash -> build/...). */
static const char *default_path(const char *rel, char *buf, size_t size)
{
    if (exists(rel)) {
        return rel;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        return NULL;
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/'); /* .../build/tools/axl-crash */
    if (!slash) {
        return NULL;
    }
    *slash = '\0';
    slash = strrchr(exe, '/'); /* .../build/tools */
    if (!slash) {
        return NULL;
    }
    *slash = '\0'; /* .../build */
    const char *tail = strncmp(rel, "build/", 6) == 0 ? rel + 6 : rel;
    if ((size_t)snprintf(buf, size, "%s/%s", exe, tail) >= size || !exists(buf)) {
        return NULL;
    }
    return buf;
}

static int load_key(const char *path, uint8_t key[AEAD_KEY_SIZE])
{
    struct crash_file f;
    if (crash_file_map(path, false, &f) != 0) {
        return fail("%s: %s", path, strerror(errno));
    }
    if (f.len != AEAD_KEY_SIZE) {
        size_t n = f.len;
        crash_file_unmap(&f);
        return fail("%s: a key file holds exactly %d bytes, this one has %zu", path,
                    AEAD_KEY_SIZE, n);
    }
    memcpy(key, f.data, AEAD_KEY_SIZE);
    crash_file_unmap(&f);
    return 0;
}

int main(int argc, char **argv)
{
    const char *file = NULL, *kernel = NULL, *keyfile = NULL;
    bool json = false, no_kernel = false, no_key = false, decode = false;
    char kbuf[PATH_MAX], keybuf[PATH_MAX];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            fputs(help, stdout);
            return 0;
        }
    }
    if (argc < 2) {
        return usage_error("%s", "no command (the only one is decode)");
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!decode) {
            if (strcmp(a, "decode") != 0) {
                return usage_error("unknown command '%s' (the only one is decode)", a);
            }
            decode = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--no-kernel") == 0) {
            no_kernel = true;
        } else if (strcmp(a, "--no-key") == 0) {
            no_key = true;
        } else if (strcmp(a, "--kernel") == 0 || strcmp(a, "--key") == 0) {
            if (i + 1 >= argc || argv[i + 1][0] == '\0') {
                return usage_error("%s needs a file name", a);
            }
            *(strcmp(a, "--kernel") == 0 ? &kernel : &keyfile) = argv[++i];
        } else if (strncmp(a, "--kernel=", 9) == 0) {
            kernel = a + 9;
        } else if (strncmp(a, "--key=", 6) == 0) {
            keyfile = a + 6;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option '%s'", a);
        } else if (file) {
            return usage_error("more than one FILE ('%s')", a);
        } else {
            file = a;
        }
    }
    if (!file) {
        return usage_error("%s", "decode needs a FILE");
    }
    if (kernel && no_kernel) {
        return usage_error("%s", "--kernel and --no-kernel contradict each other");
    }
    if (keyfile && no_key) {
        return usage_error("%s", "--key and --no-key contradict each other");
    }
    if (!kernel && !no_kernel) {
        kernel = default_path(DEFAULT_KERNEL, kbuf, sizeof(kbuf));
    }
    if (!keyfile && !no_key) {
        keyfile = default_path(DEFAULT_KEY, keybuf, sizeof(keybuf));
    }

    uint8_t key[AEAD_KEY_SIZE];
    if (keyfile && load_key(keyfile, key) != 0) {
        return 2;
    }

    struct crash_file in;
    if (crash_file_map(file, false, &in) != 0) {
        return fail("%s: %s", file, strerror(errno));
    }
    struct crash_byteorder bo;
    enum crash_kind kind = crash_detect(in.data, in.len, &bo);
    if (kind == CRASH_KIND_UNKNOWN) {
        crash_file_unmap(&in);
        return fail("%s: not an ERST store, a CPER record or an ELF memory dump", file);
    }
    if (kind == CRASH_KIND_ELF && bo.swapped) {
        /* A big-endian capture: convert it in a private copy-on-write mapping. */
        crash_file_unmap(&in);
        if (crash_file_map(file, true, &in) != 0) {
            return fail("%s: %s", file, strerror(errno));
        }
        crash_swap32(in.data, in.len);
    }

    struct crash_kernel k;
    struct crash_symbolizer sym;
    bool have_sym = false;
    if (kernel) {
        if (crash_kernel_load(&k, kernel, &sym) != 0) {
            int e = errno;
            crash_file_unmap(&in);
            return fail("%s: %s", kernel, e == ENOEXEC ? "not an ELF file" : strerror(e));
        }
        have_sym = true;
    }

    struct crash_report r;
    char err[256];
    int status;
    if (crash_analyze(&r, file, in.data ? in.data : (const uint8_t *)"", in.len, kind, &bo,
                      keyfile ? key : NULL, err, sizeof(err)) != 0) {
        status = fail("%s: %s", file, err);
    } else {
        status = json ? crash_print_json(&r, have_sym ? &sym : NULL, stdout)
                      : crash_print_human(&r, have_sym ? &sym : NULL, stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            status = fail("writing the report: %s", strerror(errno));
        }
    }
    crash_report_free(&r);
    if (have_sym) {
        crash_kernel_free(&k);
    }
    crash_file_unmap(&in);
    return status;
}
