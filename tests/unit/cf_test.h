/* SPDX-License-Identifier: MIT
 *
 * cf_test.h - the unit test harness: CF_TEST(name) { ... } defines a test
 * that registers itself at load time; CF_CHECK* record failures and go on.
 * tests/unit/main.c runs every registered test (or those whose name contains
 * argv[1]) and prints "unit: N passed, N failed".
 */
#ifndef CF_TEST_H
#define CF_TEST_H

#include <stdio.h>
#include <string.h>

typedef void (*cf_test_fn)(int *failed);
void cf_test_register(const char *name, cf_test_fn fn);

#define CF_TEST(name)                                                     \
    static void cf_test_##name(int *cf_failed_);                          \
    __attribute__((constructor)) static void cf_test_reg_##name(void)     \
    {                                                                     \
        cf_test_register(#name, cf_test_##name);                          \
    }                                                                     \
    static void cf_test_##name(int *cf_failed_)

#define CF_CHECK(cond)                                                    \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__,      \
                    __LINE__, #cond);                                     \
            *cf_failed_ = 1;                                              \
        }                                                                 \
    } while (0)

#define CF_CHECK_INT(a, b)                                                \
    do {                                                                  \
        long long cf_a_ = (long long)(a), cf_b_ = (long long)(b);         \
        if (cf_a_ != cf_b_) {                                             \
            fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n",       \
                    __FILE__, __LINE__, #a, cf_a_, cf_b_);                \
            *cf_failed_ = 1;                                              \
        }                                                                 \
    } while (0)

#define CF_CHECK_STR(a, b)                                                \
    do {                                                                  \
        const char *cf_a_ = (a), *cf_b_ = (b);                            \
        if (!cf_a_ || !cf_b_ || strcmp(cf_a_, cf_b_) != 0) {              \
            fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n",   \
                    __FILE__, __LINE__, #a, cf_a_ ? cf_a_ : "(null)",     \
                    cf_b_ ? cf_b_ : "(null)");                            \
            *cf_failed_ = 1;                                              \
        }                                                                 \
    } while (0)

#endif
