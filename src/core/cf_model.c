/* SPDX-License-Identifier: MIT
 *
 * cf_model.c - the wire text of the model's enums (see cf_model.h).
 */
#include "cf_model.h"

#include <string.h>

#include "../base/cf_err.h"

static const char *const conf_status[] = {"init", "in-progress", "completed"};
static const char *const end_reason[] = {
    NULL,
    "conference-ended-via-api",
    "participant-with-end-conference-on-exit-left",
    "participant-with-end-conference-on-exit-kicked",
    "last-participant-left",
    "last-participant-kicked",
};
static const char *const part_status[] = {"queued", "connecting", "ringing",
                                          "in-progress", "completed", "failed"};
static const char *const leave_reason[] = {
    NULL,
    "conference_ended_via_api",
    "moderator_ended_conference",
    "participant_updated_via_api",
    "participant_hung_up",
    "participant_add_failed",
};

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))

static int lookup(const char *const *tab, int n, const char *z)
{
    for (int i = 0; i < n; i++)
        if (tab[i] && strcmp(tab[i], z) == 0) return i;
    return -1;
}

const char *cf_conf_status_str(enum cf_conf_status s) { return conf_status[s]; }
const char *cf_end_reason_str(enum cf_end_reason r) { return end_reason[r]; }
const char *cf_part_status_str(enum cf_part_status s) { return part_status[s]; }
const char *cf_leave_reason_str(enum cf_leave_reason r) { return leave_reason[r]; }

int cf_conf_status_parse(const char *z, enum cf_conf_status *out)
{
    int i = lookup(conf_status, N(conf_status), z);
    if (i < 0) return CF_EINVAL;
    *out = (enum cf_conf_status)i;
    return 0;
}

int cf_end_reason_parse(const char *z, enum cf_end_reason *out)
{
    int i = lookup(end_reason, N(end_reason), z);
    if (i < 0) return CF_EINVAL;
    *out = (enum cf_end_reason)i;
    return 0;
}

int cf_part_status_parse(const char *z, enum cf_part_status *out)
{
    int i = lookup(part_status, N(part_status), z);
    if (i < 0) return CF_EINVAL;
    *out = (enum cf_part_status)i;
    return 0;
}

int cf_leave_reason_parse(const char *z, enum cf_leave_reason *out)
{
    int i = lookup(leave_reason, N(leave_reason), z);
    if (i < 0) return CF_EINVAL;
    *out = (enum cf_leave_reason)i;
    return 0;
}

bool cf_part_is_live(enum cf_part_status s)
{
    return s != CF_PART_COMPLETED && s != CF_PART_FAILED;
}

unsigned cf_cev_parse(const char *w)
{
    static const struct { const char *w; unsigned bit; } tab[] = {
        {"start", CF_CEV_START},   {"end", CF_CEV_END},       {"join", CF_CEV_JOIN},
        {"leave", CF_CEV_LEAVE},   {"mute", CF_CEV_MUTE},     {"hold", CF_CEV_HOLD},
        {"modify", CF_CEV_MODIFY}, {"speaker", CF_CEV_SPEAKER},
        {"announcement", CF_CEV_ANNOUNCEMENT},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(tab[i].w, w) == 0) return tab[i].bit;
    return 0;
}

static const char *const rec_status[] = {"in-progress", "paused", "stopped", "completed"};

const char *cf_rec_status_str(enum cf_rec_status s) { return rec_status[s]; }

int cf_rec_status_parse(const char *z, enum cf_rec_status *out)
{
    int i = lookup(rec_status, N(rec_status), z);
    if (i < 0) return CF_EINVAL;
    *out = (enum cf_rec_status)i;
    return 0;
}

unsigned cf_callev_parse(const char *w)
{
    if (strcmp(w, "initiated") == 0) return CF_CALLEV_INITIATED;
    if (strcmp(w, "ringing") == 0) return CF_CALLEV_RINGING;
    if (strcmp(w, "answered") == 0 || strcmp(w, "in-progress") == 0) return CF_CALLEV_ANSWERED;
    if (strcmp(w, "completed") == 0) return CF_CALLEV_COMPLETED;
    return 0;
}

unsigned cf_rev_parse(const char *w)
{
    static const struct { const char *w; unsigned bit; } tab[] = {
        {"started", CF_REV_STARTED}, {"in-progress", CF_REV_IN_PROGRESS},
        {"paused", CF_REV_PAUSED},   {"resumed", CF_REV_RESUMED},
        {"stopped", CF_REV_STOPPED}, {"completed", CF_REV_COMPLETED},
        {"failed", CF_REV_FAILED},   {"absent", CF_REV_ABSENT},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(tab[i].w, w) == 0) return tab[i].bit;
    return 0;
}
