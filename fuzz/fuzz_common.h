/* SPDX-License-Identifier: MIT
 *
 * fuzz_common.h - helpers shared by the libFuzzer targets in fuzz/.
 *
 * Every target copies the input into a heap buffer of exactly its size (or
 * size + 1 for a C string), so AddressSanitizer sees a read one byte past
 * the end; libFuzzer's own buffer may have slack behind it. A target that
 * finds its parser broke a promise of the parser's header calls
 * FUZZ_CHECK, which aborts with a message (a crash for libFuzzer and for
 * the replay driver alike).
 *
 * The targets build with clang -fsanitize=fuzzer (make fuzz) and with gcc
 * plus fuzz/replay.c (make fuzz-replay, run by make test), so they use
 * plain C11 only.
 */
#ifndef CF_FUZZ_COMMON_H
#define CF_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The libFuzzer entry points (the replay driver calls them too). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Aborts when a contract check fails. */
#define FUZZ_CHECK(cond)                                                                 \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

/* Returns a malloc'ed copy of exactly size bytes, even for size 0 (then
 * any read through it is an overflow for ASan). */
static inline char *fuzz_dup(const uint8_t *data, size_t size)
{
    char *p = calloc(size, 1); /* calloc: gcc sees the bytes as written */
    if (!p && size) abort();
    if (size) memcpy(p, data, size);
    return p;
}

/* Returns a malloc'ed NUL-terminated copy: size bytes plus the NUL. */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
    char *p = malloc(size + 1);
    if (!p) abort();
    if (size) memcpy(p, data, size);
    p[size] = '\0';
    return p;
}

#endif
