/* SPDX-License-Identifier: MIT
 *
 * cf_err.c - names and descriptions for the CF_E* codes of cf_err.h.
 */
#include "cf_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *cf_errname(int rc)
{
    switch (rc) {
    case CF_OK: return "CF_OK";
    case CF_ENOMEM: return "CF_ENOMEM";
    case CF_EINVAL: return "CF_EINVAL";
    case CF_ETOOBIG: return "CF_ETOOBIG";
    case CF_ENOTFOUND: return "CF_ENOTFOUND";
    case CF_EEXIST: return "CF_EEXIST";
    case CF_ESTATE: return "CF_ESTATE";
    case CF_ESTORE: return "CF_ESTORE";
    case CF_ESYS: return "CF_ESYS";
    case CF_ECONFLICT: return "CF_ECONFLICT";
    case CF_EREF: return "CF_EREF";
    case CF_ELIMIT: return "CF_ELIMIT";
    case CF_AGAIN: return "CF_AGAIN";
    case CF_DECLINED: return "CF_DECLINED";
    default: return rc < 0 && rc > -1000 ? "CF_ERRNO" : "CF_EUNKNOWN";
    }
}

const char *cf_strerror(int rc)
{
    switch (rc) {
    case CF_OK: return "success";
    case CF_ENOMEM: return "out of memory";
    case CF_EINVAL: return "invalid input";
    case CF_ETOOBIG: return "input over its size cap";
    case CF_ENOTFOUND: return "not found";
    case CF_EEXIST: return "already exists";
    case CF_ESTATE: return "not allowed in the current state";
    case CF_ESTORE: return "store failure";
    case CF_ESYS: return "system call failed";
    case CF_ECONFLICT: return "conflicting content for the same key";
    case CF_EREF: return "a referenced object is missing or not live";
    case CF_ELIMIT: return "a configured cap is reached";
    case CF_AGAIN: return "try again";
    case CF_DECLINED: return "declined";
    default: return rc < 0 && rc > -1000 ? strerror(-rc) : "unknown error";
    }
}

int cf_err_set(struct cf_err *err, int rc, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = rc;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return rc;
}
