/* SPDX-License-Identifier: MIT
 *
 * cf_tls.h - the HTTPS certificate, loaded from PEM files and swappable
 * while the server runs (SIGHUP) without dropping a connection.
 *
 * libmicrohttpd does TLS with GnuTLS and asks for the certificate through a
 * callback at each handshake; the callback has no user pointer, so the
 * current credentials sit behind one process-wide atomic pointer owned by
 * this file. A reload loads the files into new credentials and swaps the
 * pointer: handshakes already under way keep the old ones, which are kept
 * until the server stops (a reload leaks a few KiB; nothing else does).
 */
#ifndef CF_TLS_H
#define CF_TLS_H

#include "../base/cf_err.h"

struct cf_tls;

/* Loads cert_path (PEM chain, leaf first) and key_path (PEM private key)
 * and makes them the certificate handshakes use. Only one struct cf_tls
 * may exist at a time. Returns 0 and *out, or an error naming the file. */
int cf_tls_create(const char *cert_path, const char *key_path, struct cf_tls **out,
                  struct cf_err *err);
/* Loads the same files again and swaps them in; on error the old stay. */
int cf_tls_reload(struct cf_tls *t, struct cf_err *err);
/* Frees every credential ever loaded. Call after the listener stopped. */
void cf_tls_destroy(struct cf_tls *t);
/* The GnuTLS certificate-retrieve callback (gnutls_certificate_retrieve_function2),
 * as a void pointer so this header needs no GnuTLS include. */
void *cf_tls_callback(void);
/* GnuTLS priority string: TLS 1.2 and 1.3 only. */
const char *cf_tls_priorities(void);

#endif
