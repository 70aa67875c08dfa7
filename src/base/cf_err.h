/* SPDX-License-Identifier: MIT
 *
 * cf_err.h - the one error convention of confab.
 *
 * A fallible function returns an int: 0 is success, a negative CF_E* value is
 * a failure. CF_AGAIN asks the caller to resume later and CF_DECLINED says
 * "not mine, try the next handler". errno values cross into this space as
 * -errno only at the boundary where a libc call failed (CF_ESYS is used when
 * the exact errno does not matter). Details for humans go into a
 * caller-supplied struct cf_err; library code never prints.
 */
#ifndef CF_ERR_H
#define CF_ERR_H

#include <stddef.h>

enum {
    CF_OK = 0,
    CF_ENOMEM = -1000,  /* allocation failed (only where OOM is survivable) */
    CF_EINVAL = -1001,  /* invalid argument or malformed input */
    CF_ETOOBIG = -1002, /* a capped buffer or count would be exceeded */
    CF_ENOTFOUND = -1003,
    CF_EEXIST = -1004,  /* a uniqueness rule would be broken */
    CF_ESTATE = -1005,  /* the operation is not allowed in the current state */
    CF_ESTORE = -1006,  /* the store failed (I/O, corruption, busy too long) */
    CF_ESYS = -1007,    /* a system call failed */
    CF_ECONFLICT = -1008, /* same key, different content */
    CF_EREF = -1009,      /* a referenced object is missing or in the wrong state */
    CF_ELIMIT = -1010,    /* a configured cap (live conferences, participants) is reached */
    CF_AGAIN = -1100,
    CF_DECLINED = -1101,
};

/* Message detail for a failure, filled by the callee, owned by the caller. */
struct cf_err {
    int code;       /* the CF_E* value that was returned */
    char msg[256];  /* a full sentence for logs or API messages */
};

/* Returns a static string naming rc ("CF_EINVAL"), never NULL. */
const char *cf_errname(int rc);
/* Returns a static human description of rc, never NULL. */
const char *cf_strerror(int rc);
/* Fills err (may be NULL) with rc and a printf-formatted message; returns rc. */
int cf_err_set(struct cf_err *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
