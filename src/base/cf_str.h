/* SPDX-License-Identifier: MIT
 *
 * cf_str.h - small string helpers: bounded copies, case-insensitive
 * comparison, UTF-8 character counting and percent-encoding for URLs and
 * form bodies. Pure functions.
 */
#ifndef CF_STR_H
#define CF_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cf_buf.h"

/* Copies z into out[size]; returns 0, or CF_ETOOBIG (out left "") if it does not fit. */
int cf_str_copy(char *out, size_t size, const char *z);
bool cf_str_ieq(const char *a, const char *b);
/* Counts UTF-8 characters (continuation bytes do not count). */
size_t cf_str_utf8_chars(const char *z);
/* Returns the length (2-4) of the well-formed UTF-8 sequence that starts
 * with the non-ASCII byte p[0], of which avail bytes are present, or 0.
 * Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not
 * well-formed (RFC 3629). */
size_t cf_str_utf8_seq(const unsigned char *p, size_t avail);
/* Whether the n bytes at z are well-formed UTF-8 (NUL bytes included). */
bool cf_str_utf8_valid(const char *z, size_t n);
/* Appends z percent-encoded for a form body / query (space as %20; unreserved kept). */
int cf_str_urlencode(struct cf_buf *b, const char *z);
/* Writes the n bytes at z percent-encoded, as cf_str_urlencode does, to out
 * (room for 3 * n + 1 bytes), NUL-terminated; returns the length. */
size_t cf_str_urlencode_to(char *out, const char *z, size_t n);
/* Appends "&name=value" (no '&' when b is empty), both encoded. */
int cf_str_form_add(struct cf_buf *b, const char *name, const char *value);

/* Decimal and lowercase hexadecimal, without printf (they run for every
 * request and event): write to out, NUL-terminated, and return the length.
 * cf_str_hex pads with zeros to min_digits (at most 16), as "%0*llx". */
#define CF_STR_I64_LEN 21 /* "-9223372036854775808" and the NUL */
size_t cf_str_i64(char *out, int64_t v);
size_t cf_str_hex(char *out, uint64_t v, size_t min_digits); /* out: 17 bytes */
#endif
