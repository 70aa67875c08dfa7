/* SPDX-License-Identifier: MIT
 *
 * cf_recording.h - the conference recording's state machine and duration
 * arithmetic, pure: in-progress ⇄ paused → stopped → completed (or straight
 * to completed when the conference ends). A pause with PauseBehavior=skip
 * leaves its span out of the duration; with silence it counts.
 */
#ifndef CF_RECORDING_H
#define CF_RECORDING_H

#include <stdbool.h>
#include <stdint.h>

#include "cf_model.h"

/* Starts a new recording at now (fills every field but the ids). */
void cf_recording_start(struct cf_recording *r, int64_t now);
/* Status changes asked for through the API. Returns 0 (a repeat of the
 * current state is a no-op) or CF_ESTATE when the recording has ended. */
int cf_recording_pause(struct cf_recording *r, bool skip, int64_t now);
int cf_recording_resume(struct cf_recording *r, int64_t now);
/* Ends it with final status to (STOPPED or COMPLETED), fixing end_time and
 * the integer duration in seconds (rounded down). CF_ESTATE if ended. */
int cf_recording_finish(struct cf_recording *r, enum cf_rec_status to, int64_t now);
bool cf_recording_is_live(const struct cf_recording *r);

#endif
