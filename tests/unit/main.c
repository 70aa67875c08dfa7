/* SPDX-License-Identifier: MIT
 *
 * main.c - runs the unit tests registered with CF_TEST (see cf_test.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_test.h"

#define MAX_TESTS 1024

struct entry {
    const char *name;
    cf_test_fn fn;
};

static struct entry tests[MAX_TESTS];
static int ntests;

void cf_test_register(const char *name, cf_test_fn fn)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "too many unit tests\n");
        abort();
    }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (int i = 0; i < ntests; i++) {
        int f = 0;
        if (argc > 1 && !strstr(tests[i].name, argv[1])) continue;
        tests[i].fn(&f);
        if (f) {
            fprintf(stderr, "FAIL %s\n", tests[i].name);
            failed++;
        } else {
            passed++;
        }
    }
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
