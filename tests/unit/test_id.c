/* SPDX-License-Identifier: MIT
 *
 * test_id.c - unit tests for cf_id: the v4 UUID format (length, dashes,
 * lower-case hex, version nibble, variant bits), uniqueness, cf_id_is_uuid
 * accept/reject cases, hex encoding and random bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "../../src/base/cf_id.h"
#include "cf_test.h"

/* True when c is one of 0-9a-f. */
static int ti_lowhex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Returns the number of format violations of a generated UUID. */
static int ti_uuid_problems(const char *u)
{
    int bad = 0;
    if (strlen(u) != CF_UUID_LEN) return 100;
    for (int i = 0; i < CF_UUID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            bad += u[i] != '-';
        else
            bad += !ti_lowhex(u[i]);
    }
    bad += u[14] != '4';                                                    /* version */
    bad += !(u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b'); /* variant */
    return bad;
}

static int ti_cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

CF_TEST(id_uuid_format)
{
    char u[CF_UUID_SIZE + 4];
    CF_CHECK_INT(CF_UUID_LEN, 36);
    CF_CHECK_INT(CF_UUID_SIZE, 37);
    memset(u, 'X', sizeof u);
    cf_id_uuid(u);
    CF_CHECK_INT(strlen(u), 36);
    CF_CHECK_INT(u[36], '\0');
    CF_CHECK_INT(u[37], 'X'); /* writes no more than CF_UUID_SIZE */
    CF_CHECK_INT(ti_uuid_problems(u), 0);
    CF_CHECK(cf_id_is_uuid(u));
}

CF_TEST(id_uuid_unique_and_well_formed)
{
    enum { N = 1000 };
    char (*u)[CF_UUID_SIZE] = calloc(N, sizeof *u);
    int bad = 0, dups = 0;
    unsigned variants[4] = {0, 0, 0, 0};
    CF_CHECK(u != NULL);
    if (!u) return;
    for (int i = 0; i < N; i++) {
        cf_id_uuid(u[i]);
        bad += ti_uuid_problems(u[i]);
        bad += !cf_id_is_uuid(u[i]);
        switch (u[i][19]) {
        case '8': variants[0]++; break;
        case '9': variants[1]++; break;
        case 'a': variants[2]++; break;
        case 'b': variants[3]++; break;
        default: break;
        }
    }
    qsort(u, N, sizeof *u, ti_cmp);
    for (int i = 1; i < N; i++) dups += strcmp(u[i - 1], u[i]) == 0;
    CF_CHECK_INT(bad, 0);
    CF_CHECK_INT(dups, 0);
    /* all four variant digits occur (each has probability 1/4; missing one
     * in 1000 draws has probability ~4 * 0.75^1000) */
    for (int i = 0; i < 4; i++) CF_CHECK(variants[i] > 0);
    free(u);
}

CF_TEST(id_is_uuid_accepts)
{
    CF_CHECK(cf_id_is_uuid("00000000-0000-0000-0000-000000000000"));
    CF_CHECK(cf_id_is_uuid("ffffffff-ffff-ffff-ffff-ffffffffffff"));
    CF_CHECK(cf_id_is_uuid("123e4567-e89b-42d3-a456-426614174000"));
    /* either case, and any version/variant */
    CF_CHECK(cf_id_is_uuid("123E4567-E89B-42D3-A456-426614174000"));
    CF_CHECK(cf_id_is_uuid("AbCdEf01-2345-6789-aBcD-eF0123456789"));
    CF_CHECK(cf_id_is_uuid("123e4567-e89b-12d3-c456-426614174000"));
}

CF_TEST(id_is_uuid_rejects)
{
    static const char *bad[] = {
        "",
        "0",
        "123e4567-e89b-42d3-a456-42661417400",     /* 35 */
        "123e4567-e89b-42d3-a456-4266141740000",   /* 37 */
        "123e4567-e89b-42d3-a456-426614174000 ",   /* trailing space */
        " 123e4567-e89b-42d3-a456-426614174000",
        "123e4567e89b42d3a456426614174000",        /* no dashes */
        "123e4567-e89b-42d3-a456426614174000-",    /* dash misplaced */
        "123e4567-e89b-42d3-a4564-26614174000",
        "123e456-7e89b-42d3-a456-426614174000",
        "123e4567_e89b_42d3_a456_426614174000",
        "g23e4567-e89b-42d3-a456-426614174000",    /* non-hex */
        "123e4567-e89b-42d3-a456-42661417400g",
        "123e4567-e89b-42d3-a456-42661417400G",
        "123e4567-e89b-42d3-a456-42661417400-",
        "123e4567-e89b-42d3-a456--26614174000",
        "{123e4567-e89b-42d3-a456-426614174000}",
        "123e4567-e89b-42d3-a456-426614174000\n",
        "123e4567-e89b-42d3-a456-4266141740\xc3\xa9",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        bool ok = cf_id_is_uuid(bad[i]);
        if (ok) fprintf(stderr, "  input: \"%s\"\n", bad[i]);
        CF_CHECK(!ok);
    }
}

CF_TEST(id_is_uuid_short_input_no_overread)
{
    /* an exact-size heap copy: ASan catches a read past the NUL */
    static const char *shorts[] = {"", "1", "123e4567", "123e4567-", "123e4567-e89b-42d3-a456-4266"};
    for (size_t i = 0; i < sizeof shorts / sizeof *shorts; i++) {
        size_t n = strlen(shorts[i]) + 1;
        char *z = malloc(n);
        CF_CHECK(z != NULL);
        if (!z) return;
        memcpy(z, shorts[i], n);
        CF_CHECK(!cf_id_is_uuid(z));
        free(z);
    }
}

CF_TEST(id_hex)
{
    static const unsigned char b[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff, 0x10, 0x09};
    char out[2 * sizeof b + 4];
    memset(out, 'X', sizeof out);
    cf_id_hex(b, sizeof b, out);
    CF_CHECK_STR(out, "00017f80abcdefff1009");
    CF_CHECK_INT(out[2 * sizeof b + 1], 'X');
    memset(out, 'X', sizeof out);
    cf_id_hex(b, 0, out);
    CF_CHECK_STR(out, "");
    CF_CHECK_INT(out[1], 'X');
    cf_id_hex("\xde\xad\xbe\xef", 4, out);
    CF_CHECK_STR(out, "deadbeef");
}

CF_TEST(id_random)
{
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    CF_CHECK_INT(cf_id_random(a, sizeof a), 0);
    CF_CHECK_INT(cf_id_random(b, sizeof b), 0);
    CF_CHECK(memcmp(a, b, sizeof a) != 0);
    CF_CHECK_INT(cf_id_random(a, 0), 0);
}
