/* SPDX-License-Identifier: MIT
 *
 * cf_lifecycle.h - the conference and participant state machines as data.
 *
 * Pure functions over transition tables: the caller (a core use-case) works
 * out the facts a guard needs (could the conference start now? was the
 * leaver end-conference-on-exit? was it the last live participant?) and gets
 * back the next state, the end reason and the effects to carry out. Keeping
 * the rules here, free of I/O, is what lets tests/unit check every row.
 * docs/lifecycle.md prints the same tables.
 */
#ifndef CF_LIFECYCLE_H
#define CF_LIFECYCLE_H

#include <stdbool.h>

#include "cf_model.h"

enum cf_lc_event {
    CF_LC_CONNECTED, /* a participant's call was answered and joined */
    CF_LC_LEFT,      /* a participant hung up, failed, or its call was ended */
    CF_LC_KICKED,    /* a participant was removed through the API */
    CF_LC_API_END    /* Status=completed */
};

/* Facts about the conference after the event took place. */
struct cf_lc_facts {
    bool can_start; /* >= 2 connected and one of them has StartConferenceOnEnter */
    bool eoe;       /* the leaver was connected and has EndConferenceOnExit */
    bool last;      /* no live participant remains */
};

enum {
    CF_LC_FX_START = 1 << 0, /* the conference starts: conference-start, recording */
    CF_LC_FX_END = 1 << 1    /* it ends: the rest leave, recordings complete, conference-end */
};

struct cf_lc_step {
    enum cf_conf_status to;
    enum cf_end_reason reason; /* CF_END_NONE unless it ends */
    unsigned effects;          /* CF_LC_FX_* */
};

/* Looks up the transition for (from, ev, facts). Returns 0, or CF_ESTATE when
 * the event is not allowed in that state (API end of a completed conference). */
int cf_lifecycle_conference(enum cf_conf_status from, enum cf_lc_event ev,
                            const struct cf_lc_facts *facts, struct cf_lc_step *out);

enum cf_part_event {
    CF_PE_RINGING,  /* the far end is ringing */
    CF_PE_ANSWERED, /* answered: the participant is in */
    CF_PE_FAILED,   /* busy, no answer, failed before answer */
    CF_PE_ENDED     /* hung up, kicked, or the conference ended */
};

/* Next participant status for (from, ev). Returns 0, or CF_ESTATE when the
 * event does not apply (e.g. answered after completed): the caller ignores it. */
int cf_lifecycle_participant(enum cf_part_status from, enum cf_part_event ev,
                             enum cf_part_status *to);

#endif
