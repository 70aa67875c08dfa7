/* SPDX-License-Identifier: MIT
 *
 * cf_tls.c - HTTPS certificates for libmicrohttpd (see cf_tls.h).
 */
#include "cf_tls.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "../base/cf_mem.h"
#include "../base/cf_str.h"

#define MAX_CHAIN 8

struct creds {
    struct creds *older;        /* every credential ever loaded, newest first */
    gnutls_pcert_st pcerts[MAX_CHAIN];
    unsigned int n;
    gnutls_privkey_t key;
};

struct cf_tls {
    char cert_path[1024], key_path[1024];
    struct creds *all;
};

/* The credentials handshakes use now (see the header on why it is global). */
static _Atomic(struct creds *) current;

static int retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                    gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
    struct creds *c = atomic_load(&current);
    (void)session, (void)req_ca_rdn, (void)nreqs, (void)pk_algos, (void)pk_algos_length;
    if (!c) return -1;
    *pcert = c->pcerts;
    *pcert_length = c->n;
    *pkey = c->key;
    return 0;
}

void *cf_tls_callback(void)
{
    gnutls_certificate_retrieve_function2 *f = retrieve;
    void *p;
    memcpy(&p, &f, sizeof p); /* libmicrohttpd takes the function as a void pointer */
    return p;
}

const char *cf_tls_priorities(void)
{
    return "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE";
}

static void creds_free(struct creds *c)
{
    for (unsigned i = 0; i < c->n; i++) gnutls_pcert_deinit(&c->pcerts[i]);
    if (c->key) gnutls_privkey_deinit(c->key);
    cf_free(c);
}

static int load(struct cf_tls *t, struct cf_err *err)
{
    gnutls_datum_t cert = {NULL, 0}, key = {NULL, 0};
    struct creds *c = cf_calloc(1, sizeof *c);
    int g, rc = 0;
    if ((g = gnutls_load_file(t->cert_path, &cert)) < 0) {
        rc = cf_err_set(err, CF_EINVAL, "tls_cert: cannot read %s: %s", t->cert_path,
                        gnutls_strerror(g));
        goto out;
    }
    if ((g = gnutls_load_file(t->key_path, &key)) < 0) {
        rc = cf_err_set(err, CF_EINVAL, "tls_key: cannot read %s: %s", t->key_path,
                        gnutls_strerror(g));
        goto out;
    }
    c->n = MAX_CHAIN;
    if ((g = gnutls_pcert_list_import_x509_raw(c->pcerts, &c->n, &cert, GNUTLS_X509_FMT_PEM, 0)) < 0) {
        c->n = 0;
        rc = cf_err_set(err, CF_EINVAL, "tls_cert: %s is not a PEM certificate chain: %s",
                        t->cert_path, gnutls_strerror(g));
        goto out;
    }
    if ((g = gnutls_privkey_init(&c->key)) < 0 ||
        (g = gnutls_privkey_import_x509_raw(c->key, &key, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
        rc = cf_err_set(err, CF_EINVAL, "tls_key: %s is not a PEM private key: %s", t->key_path,
                        gnutls_strerror(g));
        goto out;
    }
out:
    gnutls_free(cert.data);
    if (key.data) {
        memset(key.data, 0, key.size);
        gnutls_free(key.data);
    }
    if (rc) {
        creds_free(c);
        return rc;
    }
    c->older = t->all;
    t->all = c;
    atomic_store(&current, c);
    return 0;
}

int cf_tls_create(const char *cert_path, const char *key_path, struct cf_tls **out,
                  struct cf_err *err)
{
    struct cf_tls *t = cf_calloc(1, sizeof *t);
    int rc;
    if (cf_str_copy(t->cert_path, sizeof t->cert_path, cert_path) ||
        cf_str_copy(t->key_path, sizeof t->key_path, key_path)) {
        cf_free(t);
        return cf_err_set(err, CF_EINVAL, "tls_cert/tls_key: path too long");
    }
    if ((rc = load(t, err))) {
        cf_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int cf_tls_reload(struct cf_tls *t, struct cf_err *err)
{
    return load(t, err);
}

void cf_tls_destroy(struct cf_tls *t)
{
    if (!t) return;
    atomic_store(&current, NULL);
    while (t->all) {
        struct creds *c = t->all;
        t->all = c->older;
        creds_free(c);
    }
    cf_free(t);
}
