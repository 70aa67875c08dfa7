/* SPDX-License-Identifier: MIT
 *
 * cf_sign.h - signing outbound webhook requests the way Twilio and
 * SignalWire sign theirs (spec §8.6), so that an application's stock
 * validator (twilio-python's RequestValidator, twilio-node's
 * validateRequest, the SignalWire SDKs that wrap them) accepts confab's
 * X-Twilio-Signature and X-SignalWire-Signature headers.
 *
 * The string to sign is the full URL exactly as requested, followed, for a
 * form POST, by every parameter as name + value with no separators, in
 * byte order of the names; a repeated name contributes one name + value per
 * distinct value, in byte order of the values. The signature is
 * Base64(HMAC-SHA1(key, that string)). GET requests sign the URL alone:
 * their parameters are already in its query string.
 *
 * "The URL as requested" is what reaches the receiver's request line and
 * Host header: cf_sign_url takes a configured URL's userinfo ("user:pass@",
 * which libcurl sends as Basic credentials, and which Twilio leaves out of
 * the string it signs) and its fragment (never sent) out of it.
 *
 * Pure functions: no state, no globals, safe from any thread.
 */
#ifndef CF_SIGN_H
#define CF_SIGN_H

#include <stddef.h>

#include "../base/cf_arena.h"
#include "../http/cf_params.h"

#define CF_SIGN_LEN 29             /* base64 of a 20-byte HMAC-SHA1 + NUL */
#define CF_SIGN_MAX (1024 * 1024)  /* bytes the string to sign may have */

/* Signs a request.
 *
 *   key   IN   the signing key (SignalWire Signing Key / Twilio auth token),
 *              NUL-terminated; borrowed. "" is allowed.
 *   url   IN   the full URL as it will be requested (scheme, host, any
 *              explicit port, path, query); borrowed.
 *   form  IN   the form parameters of a POST, or NULL (or n == 0) for none;
 *              borrowed, not modified. Each pair signs value_len bytes of
 *              value; a pair whose value_len is 0 signs strlen(value)
 *              bytes, so hand-built pairs that leave value_len 0 still sign
 *              what cf_str_form_add sends. Pairs that are byte-identical
 *              (same name, same value) count once, as in twilio-python's
 *              and twilio-node's validators, which build a set of values.
 *   out   OUT  the Base64 signature, NUL-terminated; written only on
 *              success.
 *
 * Returns 0; CF_ETOOBIG when the string to sign would exceed CF_SIGN_MAX
 * bytes; CF_ESYS if libcrypto fails (it only can when out of memory). */
int cf_sign(const char *key, const char *url, const struct cf_params *form,
            char out[CF_SIGN_LEN]);

/* Same, for a form-encoded body (application/x-www-form-urlencoded, not
 * NUL-terminated): decodes body[0..len) with cf_params_parse_form into
 * arena a, then signs as cf_sign. Returns 0, CF_ETOOBIG (string to sign
 * too long, or more than CF_PARAMS_MAX_COUNT parameters or an over-long
 * name or value), CF_EINVAL (malformed body, e.g. a bad %XX escape) or
 * CF_ESYS. */
int cf_sign_form_body(const char *key, const char *url, const char *body,
                      size_t len, struct cf_arena *a, char out[CF_SIGN_LEN]);

/* The URL a signature covers for a request to url (spec §8.6): url without
 * the userinfo of its authority (everything up to the last '@' between
 * "scheme://" and the first '/', '?' or '#') and without its fragment (from
 * the first '#'). Nothing else changes: no case folding, no default port
 * added or removed, no percent-decoding. A string without "://" loses only
 * its fragment.
 *
 *   url  IN  borrowed, NUL-terminated.
 *   a    IN  the arena the result is allocated in.
 *
 * Returns the new string (arena-owned); never NULL (cf_arena aborts on
 * OOM). */
char *cf_sign_url(const char *url, struct cf_arena *a);

#endif
