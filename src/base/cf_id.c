/* SPDX-License-Identifier: MIT
 *
 * cf_id.c - UUIDs, random bytes and hex (see cf_id.h).
 */
#include "cf_id.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "cf_err.h"

int cf_id_random(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            return CF_ESYS;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

void cf_id_hex(const void *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[2 * n] = '\0';
}

void cf_id_uuid(char *out)
{
    unsigned char b[16];
    char h[33];
    if (cf_id_random(b, sizeof b)) {
        fprintf(stderr, "level=crit msg=\"no randomness from the kernel\"\n");
        abort();
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    cf_id_hex(b, 16, h);
    snprintf(out, CF_UUID_SIZE, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

bool cf_id_is_uuid(const char *z)
{
    for (int i = 0; i < CF_UUID_LEN; i++) {
        char c = z[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return z[CF_UUID_LEN] == '\0';
}
