/* SPDX-License-Identifier: MIT
 *
 * cf_webhook.h - the webhook worker: one thread driving libcurl's multi
 * interface that (1) delivers the outbox's status callbacks, signed, at
 * least once, in order per delivery stream (a conference's status
 * callbacks in SequenceNumber order; each call's progress callbacks; its
 * recording callbacks), retrying with
 * exponential backoff and jitter for a bounded time, recording every
 * attempt; and (2) fetches announcements (AnnounceUrl), reads their audio
 * or cXML markup (following <Redirect>), measures the audio and hands the
 * playlist to the engine. No request thread ever waits on it: use-cases
 * commit their work to the store and kick the worker awake.
 *
 * Every connection goes through the address guard at connect time (libcurl's
 * open-socket callback sees the resolved address it is about to use), so a
 * name that resolves to a denied address is refused whatever DNS says.
 */
#ifndef CF_WEBHOOK_H
#define CF_WEBHOOK_H

#include "../base/cf_err.h"
#include "../base/cf_metrics.h"
#include "../engine/cf_engine.h"
#include "../store/cf_store.h"
#include "../store/cf_writer.h"
#include "cf_guard.h"

struct cf_webhook_opts {
    struct cf_store_opts store;    /* the worker opens its own connection */
    const struct cf_guard *guard;  /* borrowed, must outlive the worker */
    struct cf_engine *eng;         /* borrowed */
    const char *region;            /* borrowed */
    const char *base_url;          /* borrowed */
    int retry_for_s;               /* give an event up after this long */
    int timeout_s;                 /* one request, in all (connect: at most 10 s of it) */
    const char *user_agent;        /* borrowed */
    struct cf_metrics *metrics;    /* borrowed, may be NULL */
    /* Borrowed, may be NULL: what the transfers come to (delivery results,
     * announcement outcomes) is written in the writer's batches, one job per
     * round of the worker's loop, instead of one transaction each on the
     * worker's own connection. */
    struct cf_writer *writer;
};

struct cf_webhook;

/* Starts the worker thread (after recovering announcements a previous run
 * left half done). Returns 0 and *out, or an error with err filled. */
int cf_webhook_start(const struct cf_webhook_opts *opts, struct cf_webhook **out,
                     struct cf_err *err);
/* Wakes the worker to look for new work now; any thread. ud is the worker
 * (the signature of struct cf_core's kick). */
void cf_webhook_kick(void *ud);
/* Stops the thread, abandoning transfers in flight: after it returns the
 * worker makes no more engine or store calls, but stays allocated, so that
 * cf_webhook_kick from another thread (the engine's) is still safe. A second
 * call is a no-op; NULL is a no-op. */
void cf_webhook_halt(struct cf_webhook *w);
/* Halts the worker if it is still running (abandoned events stay pending
 * and go out after a restart); frees everything. NULL is a no-op. No other
 * thread may kick the worker any more. */
void cf_webhook_stop(struct cf_webhook *w);

/* Backoff before attempt n+1 after n failed attempts, in µs, with jitter
 * from rnd in [0, 1). Pure; exported for tests. */
int64_t cf_webhook_backoff_us(int n, double rnd);

#endif
