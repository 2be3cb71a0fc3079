/* SPDX-License-Identifier: MIT */
/*
 * run_corpus.c: replays the crash decoder's fuzz corpus (tests/crash-corpus/,
 * kept by tools/crash/fuzz.sh) through the fuzz target, built here under ASan
 * and UBSan without libFuzzer, so `scons test` catches a regression on any
 * input the fuzzer once found interesting.
 *   test_crash_corpus [DIR]   (default: tests/crash-corpus, from the top directory)
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + len, 1, cap - len, f)) > 0) {
        len += k;
        if (len == cap) {
            uint8_t *m = realloc(buf, cap * 2);
            if (!m) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = m;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "%s: out of memory\n", path);
        return -1;
    }
    /* an exact-size copy, so that ASan sees any read past the input */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/crash-corpus";
    char near[4096];
    DIR *d = opendir(dir);
    if (!d && argc <= 1) { /* not run from the top directory: build/tests/unit/<this> */
        char exe[4096];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
        if (slash) {
            *slash = '\0';
            if ((size_t)snprintf(near, sizeof(near), "%s/../../../tests/crash-corpus", exe) <
                sizeof(near)) {
                dir = near;
                d = opendir(dir);
            }
        }
    }
    if (!d) {
        perror(dir);
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            names = realloc(names, cap * sizeof(*names));
            if (!names) {
                return 1;
            }
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n) {
        qsort(names, n, sizeof(*names), cmp);
    }
    int failed = 0;
    size_t inputs = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path)) {
            fprintf(stderr, "%s/%s: path too long\n", dir, names[i]);
            failed = 1;
        } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            failed |= run_file(path) != 0;
            inputs++;
        }
        free(names[i]);
    }
    free(names);
    if (failed) {
        return 1;
    }
    if (inputs == 0) {
        fprintf(stderr, "crash corpus: no inputs in %s\n", dir);
        return 1;
    }
    printf("crash corpus: %zu inputs, no crash\n", inputs);
    return 0;
}
