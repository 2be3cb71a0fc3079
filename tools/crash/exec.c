/* SPDX-License-Identifier: MIT */
/*
 * exec.c: files mapped read-only (a 150 MB dump is never copied unless it
 * must be byte-swapped, and then only in a private mapping), and the kernel
 * ELF's symbols: `nm -n -S` once for the classification of addresses,
 * `addr2line -f -C -e ELF ADDR...` once per record for function, file and
 * line. The programs are run directly (fork and exec), never through a
 * shell, so no path needs quoting.
 */
#define _XOPEN_SOURCE 700 /* POSIX 2008 with realpath */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec.h"

int crash_file_map(const char *path, bool writable, struct crash_file *f)
{
    struct stat st;
    memset(f, 0, sizeof(*f));
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return -1;
    }
    if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
                       MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        f->data = p;
        f->len = (size_t)st.st_size;
        f->writable = writable;
    }
    close(fd);
    return 0;
}

void crash_file_unmap(struct crash_file *f)
{
    if (f->data) {
        munmap(f->data, f->len);
    }
    memset(f, 0, sizeof(*f));
}

int crash_run(char *const argv[], char **out, size_t *outlen)
{
    int fds[2];
    *out = NULL;
    *outlen = 0;
    if (pipe(fds) != 0) {
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(fds[1], 1);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 2);
        }
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (buf && len + 1 == cap) {
            char *m = realloc(buf, cap * 2);
            if (!m) {
                free(buf);
                buf = NULL;
            } else {
                buf = m;
                cap *= 2;
            }
        }
        char sink[4096];
        ssize_t k = buf ? read(fds[0], buf + len, cap - 1 - len) : read(fds[0], sink, sizeof(sink));
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            break;
        }
        if (buf) {
            len += (size_t)k;
        }
    }
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            free(buf);
            return -1;
        }
    }
    if (!buf) {
        return -1;
    }
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* "file:line" or "file:line (discriminator 2)" or "??:0" / "??:?". */
static void parse_location(const char *s, size_t n, const struct crash_kernel *k,
                           struct crash_where_sym *w)
{
    char tmp[512];
    if (n >= sizeof(tmp)) {
        n = sizeof(tmp) - 1;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *paren = strstr(tmp, " (");
    if (paren) {
        *paren = '\0';
    }
    char *colon = strrchr(tmp, ':');
    unsigned line = 0;
    if (colon) {
        *colon = '\0';
        char *end;
        unsigned long v = strtoul(colon + 1, &end, 10);
        line = (end != colon + 1 && v < 100000000ul) ? (unsigned)v : 0;
    }
    if (strcmp(tmp, "??") == 0 || tmp[0] == '\0') {
        return;
    }
    const char *file = crash_strip_path(tmp, k->cwd);
    if (file[0] == '/' && k->root[0]) { /* run from elsewhere: relative to the repository */
        file = crash_strip_path(file, k->root);
    }
    snprintf(w->file, sizeof(w->file), "%s", file);
    w->line = line;
}

static bool addr2line(void *ctx, const uint64_t *addrs, size_t n, struct crash_where_sym *out)
{
    struct crash_kernel *k = ctx;
    char *argv[6 + 1 + AXL_PSTORE_BACKTRACE_MAX + 1];
    char hex[1 + AXL_PSTORE_BACKTRACE_MAX][24];
    size_t argc = 0, done = 0;

    while (done < n) {
        size_t batch = n - done < 1 + AXL_PSTORE_BACKTRACE_MAX ? n - done
                                                               : 1 + AXL_PSTORE_BACKTRACE_MAX;
        argc = 0;
        argv[argc++] = "addr2line";
        argv[argc++] = "-f";
        argv[argc++] = "-C";
        argv[argc++] = "-e";
        argv[argc++] = (char *)k->path;
        for (size_t i = 0; i < batch; i++) {
            snprintf(hex[i], sizeof(hex[i]), "0x%llx", (unsigned long long)addrs[done + i]);
            argv[argc++] = hex[i];
        }
        argv[argc] = NULL;
        char *text;
        size_t len;
        int rc = crash_run(argv, &text, &len);
        if (rc != 0) {
            free(text);
            if (!k->warned) {
                fprintf(stderr, "axl-crash: warning: addr2line failed on %s: no function names\n",
                        k->path);
                k->warned = true;
            }
            return false;
        }
        /* two lines per address: function, then file:line */
        size_t pos = 0;
        for (size_t i = 0; i < batch; i++) {
            const char *line[2];
            size_t ll[2];
            for (int j = 0; j < 2; j++) {
                size_t e = pos;
                while (e < len && text[e] != '\n') {
                    e++;
                }
                line[j] = text + pos;
                ll[j] = e - pos;
                pos = e < len ? e + 1 : e;
            }
            struct crash_where_sym *w = &out[done + i];
            if (!(ll[0] == 2 && memcmp(line[0], "??", 2) == 0) && ll[0] > 0) {
                size_t m = ll[0] < sizeof(w->func) - 1 ? ll[0] : sizeof(w->func) - 1;
                memcpy(w->func, line[0], m);
                w->func[m] = '\0';
            }
            parse_location(line[1], ll[1], k, w);
        }
        free(text);
        done += batch;
    }
    return true;
}

int crash_kernel_load(struct crash_kernel *k, const char *path, struct crash_symbolizer *sym)
{
    struct crash_file f;

    memset(k, 0, sizeof(*k));
    memset(sym, 0, sizeof(*sym));
    k->path = path;
    if (!getcwd(k->cwd, sizeof(k->cwd))) {
        k->cwd[0] = '\0';
    }
    if (crash_file_map(path, false, &f) != 0) {
        return -1;
    }
    char real[PATH_MAX];
    if (realpath(path, real)) {
        char *build = strstr(real, "/build/");
        if (build) {
            *build = '\0';
            snprintf(k->root, sizeof(k->root), "%s", real);
        }
    }
    sym->build_id_len = crash_elf_build_id(f.data, f.len, sym->build_id, sizeof(sym->build_id));
    sym->have_build_id = sym->build_id_len > 0;
    if (sym->build_id_len > sizeof(sym->build_id)) {
        sym->build_id_len = sizeof(sym->build_id);
    }
    bool elf = f.len >= 4 && memcmp(f.data, "\x7f" "ELF", 4) == 0;
    crash_file_unmap(&f);
    if (!elf) {
        errno = ENOEXEC;
        return -1;
    }
    char *argv[] = {"nm", "-n", "-S", (char *)path, NULL};
    char *text;
    size_t len;
    if (crash_run(argv, &text, &len) == 0) {
        if (crash_symtab_parse(text, len, &k->symtab) != 0) {
            memset(&k->symtab, 0, sizeof(k->symtab));
        }
    } else {
        fprintf(stderr, "axl-crash: warning: nm failed on %s: addresses are not classified\n",
                path);
    }
    free(text);
    sym->lookup = addr2line;
    sym->ctx = k;
    sym->symtab = &k->symtab;
    return 0;
}

void crash_kernel_free(struct crash_kernel *k) { crash_symtab_free(&k->symtab); }
