/* SPDX-License-Identifier: MIT
 *
 * cf_auth.c - Basic credentials and token hashes (see cf_auth.h).
 */
#include "cf_auth.h"

#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "../base/cf_err.h"
#include "../base/cf_id.h"
#include "../base/cf_log.h"

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

long cf_auth_base64_decode(const char *in, size_t len, unsigned char *out)
{
    size_t n = 0;
    if (len % 4) return -1;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            unsigned char c = (unsigned char)in[i + (size_t)j];
            if (c == '=' && i + 4 == len && j >= 2) {
                v[j] = 0;
                pad++;
            } else {
                if (pad) return -1; /* data after padding */
                v[j] = b64val(c);
                if (v[j] < 0) return -1;
            }
        }
        out[n++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
        if (pad < 2) out[n++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
        if (pad < 1) out[n++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
    }
    out[n] = '\0';
    return (long)n;
}

int cf_auth_parse_basic(const char *header, struct cf_arena *a, const char **user,
                        const char **pass)
{
    size_t len;
    unsigned char *dec;
    long n;
    char *colon;
    if (!header) return CF_EINVAL;
    len = strlen(header);
    if (len > CF_AUTH_MAX_HEADER || len < 6 || strncasecmp(header, "basic ", 6) != 0)
        return CF_EINVAL;
    header += 6;
    while (*header == ' ') header++;
    len = strlen(header);
    while (len && header[len - 1] == ' ') len--;
    dec = cf_arena_alloc(a, len / 4 * 3 + 1);
    n = cf_auth_base64_decode(header, len, dec);
    if (n < 0 || memchr(dec, '\0', (size_t)n)) return CF_EINVAL;
    colon = strchr((char *)dec, ':');
    if (!colon) return CF_EINVAL;
    *colon = '\0';
    *user = (const char *)dec;
    *pass = colon + 1;
    return 0;
}

void cf_auth_hash_token(const char *token, unsigned char out[32])
{
    unsigned int n = 32;
    if (!EVP_Digest(token, strlen(token), out, &n, EVP_sha256(), NULL))
        cf_panic("SHA-256 failed");
}

bool cf_auth_hash_match(const unsigned char h[32], const unsigned char (*hashes)[32], size_t n)
{
    int found = 0;
    for (size_t i = 0; i < n; i++) found |= CRYPTO_memcmp(h, hashes[i], 32) == 0;
    return found != 0;
}

int cf_auth_new_secret(char out[65])
{
    unsigned char b[32];
    int rc = cf_id_random(b, sizeof b);
    if (rc) return rc;
    cf_id_hex(b, sizeof b, out);
    OPENSSL_cleanse(b, sizeof b);
    return 0;
}
