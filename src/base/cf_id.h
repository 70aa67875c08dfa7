/* SPDX-License-Identifier: MIT
 *
 * cf_id.h - identifiers and secrets: RFC 4122 version-4 UUIDs in lower case
 * (every sid in SignalWire flavour), random tokens, and hex encoding.
 * Randomness comes from the kernel (getrandom), never from rand().
 */
#ifndef CF_ID_H
#define CF_ID_H

#include <stdbool.h>
#include <stddef.h>

#define CF_UUID_LEN 36      /* characters, without NUL */
#define CF_UUID_SIZE 37     /* buffer size */

/* Fills buf with n random bytes from the kernel; returns 0 or CF_ESYS. */
int cf_id_random(void *buf, size_t n);
/* Writes a new lower-case v4 UUID into out (>= CF_UUID_SIZE). */
void cf_id_uuid(char *out);
/* True when z is exactly a UUID in 8-4-4-4-12 hex form (either case). */
bool cf_id_is_uuid(const char *z);
/* Writes 2n lower-case hex digits of p plus NUL into out (>= 2n+1). */
void cf_id_hex(const void *p, size_t n, char *out);

#endif
