/* SPDX-License-Identifier: MIT
 *
 * cf_auth.h - HTTP Basic credentials and API token hashing.
 *
 * Tokens are 32 random bytes shown once as 64 hex digits and stored as
 * their SHA-256 (a fast hash is right for a 256-bit random secret: there is
 * nothing to brute-force). Checking compares the hash against every live
 * hash of the project with CRYPTO_memcmp, so timing says nothing about
 * which bytes matched.
 */
#ifndef CF_AUTH_H
#define CF_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/cf_arena.h"

#define CF_AUTH_MAX_HEADER 1024

/* Parses "Basic base64(user:pass)" (scheme case-insensitive). Returns 0 and
 * arena-owned user and pass, or CF_EINVAL. */
int cf_auth_parse_basic(const char *header, struct cf_arena *a, const char **user,
                        const char **pass);
/* Strict base64 (RFC 4648, padding required) decoding into out (>= 3*len/4+1
 * bytes, NUL-terminated); returns the decoded length or -1. */
long cf_auth_base64_decode(const char *in, size_t len, unsigned char *out);
/* SHA-256 of a token. */
void cf_auth_hash_token(const char *token, unsigned char out[32]);
/* True if h equals one of the n hashes; constant time in the bytes compared. */
bool cf_auth_hash_match(const unsigned char h[32], const unsigned char (*hashes)[32], size_t n);
/* Makes a new secret: 64 hex digits + NUL into out (>= 65). Returns 0 or CF_ESYS. */
int cf_auth_new_secret(char out[65]);

#endif
