/* SPDX-License-Identifier: MIT
 *
 * cf_recording.c - recording state and duration (see cf_recording.h).
 */
#include "cf_recording.h"

#include <string.h>

#include "../base/cf_err.h"
#include "../base/cf_time.h"

void cf_recording_start(struct cf_recording *r, int64_t now)
{
    r->status = CF_REC_IN_PROGRESS;
    r->pause_skip = false;
    r->start_time = now;
    r->end_time = 0;
    r->skipped_us = 0;
    r->paused_since = 0;
    r->duration_s = -1;
    r->date_created = r->date_updated = now;
}

bool cf_recording_is_live(const struct cf_recording *r)
{
    return r->status == CF_REC_IN_PROGRESS || r->status == CF_REC_PAUSED;
}

/* Closes an open pause, counting its span out when it was a skip. */
static void close_pause(struct cf_recording *r, int64_t now)
{
    if (r->status != CF_REC_PAUSED) return;
    if (r->pause_skip && now > r->paused_since) r->skipped_us += now - r->paused_since;
    r->paused_since = 0;
    r->pause_skip = false;
}

int cf_recording_pause(struct cf_recording *r, bool skip, int64_t now)
{
    if (!cf_recording_is_live(r)) return CF_ESTATE;
    if (r->status == CF_REC_PAUSED) return 0;
    r->status = CF_REC_PAUSED;
    r->pause_skip = skip;
    r->paused_since = now;
    r->date_updated = now;
    return 0;
}

int cf_recording_resume(struct cf_recording *r, int64_t now)
{
    if (!cf_recording_is_live(r)) return CF_ESTATE;
    if (r->status == CF_REC_IN_PROGRESS) return 0;
    close_pause(r, now);
    r->status = CF_REC_IN_PROGRESS;
    r->date_updated = now;
    return 0;
}

int cf_recording_finish(struct cf_recording *r, enum cf_rec_status to, int64_t now)
{
    int64_t span;
    if (!cf_recording_is_live(r)) return CF_ESTATE;
    close_pause(r, now);
    r->status = to;
    r->end_time = now;
    span = now - r->start_time - r->skipped_us;
    r->duration_s = span > 0 ? span / CF_USEC_PER_SEC : 0;
    r->date_updated = now;
    return 0;
}
