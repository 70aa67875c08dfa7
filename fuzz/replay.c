/* SPDX-License-Identifier: MIT
 *
 * replay.c - runs one fuzz target over saved inputs without libFuzzer, so
 * `make test` replays the committed corpus and every regression input with
 * the ordinary gcc AddressSanitizer + UBSan build (no clang needed).
 *
 * Usage: replay_<target> PATH...
 * Each PATH is a file or a folder; a folder's regular files are run in name
 * order (names starting with '.' are skipped, and so are subfolders). A
 * folder that does not exist counts as empty (a target may have no
 * regression inputs yet). Every input is copied into a heap buffer of
 * exactly its size before LLVMFuzzerTestOneInput sees it, as libFuzzer
 * does. Each input's path is printed on stderr before it runs, so the
 * sanitizer or FUZZ_CHECK report of a failing input follows its name; the
 * process then dies (non-zero exit). On success prints
 * "<name>: N inputs ok" on stdout and exits 0; exits 2 on a usage or
 * I/O error.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

/* Defined by the targets that need one-time setup (libFuzzer calls it too). */
#pragma weak LLVMFuzzerInitialize

/* Reads path whole into a malloc'ed buffer of exactly its size. */
static int read_input(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *p;
    if (!f) return -1;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0) {
        fclose(f);
        return -1;
    }
    p = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!p || fread(p, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        free(p);
        fclose(f);
        return -1;
    }
    fclose(f);
    *data = p;
    *size = (size_t)st.st_size;
    return 0;
}

static int run_file(const char *path, size_t *count)
{
    uint8_t *data, *copy;
    size_t size;
    if (read_input(path, &data, &size) != 0) {
        fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(stderr, "replay: %s\n", path);
    copy = malloc(size ? size : 1);
    if (!copy) abort();
    if (size) memcpy(copy, data, size);
    free(data);
    LLVMFuzzerTestOneInput(copy, size);
    free(copy);
    ++*count;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;
    if (!d) {
        if (errno == ENOENT) return 0;
        fprintf(stderr, "replay: cannot open %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
            if (!names) abort();
        }
        {
            size_t len = strlen(dir) + strlen(e->d_name) + 2;
            names[n] = malloc(len);
            if (!names[n]) abort();
            snprintf(names[n], len, "%s/%s", dir, e->d_name);
        }
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_names);
    for (i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && rc == 0)
            rc = run_file(names[i], count);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    size_t count = 0;
    int i;
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH...\n", name);
        return 2;
    }
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    for (i = 1; i < argc; i++) {
        struct stat st;
        int rc;
        if (stat(argv[i], &st) == 0 && S_ISREG(st.st_mode)) rc = run_file(argv[i], &count);
        else rc = run_dir(argv[i], &count);
        if (rc) return 2;
    }
    printf("%s: %zu inputs ok\n", name, count);
    return 0;
}
