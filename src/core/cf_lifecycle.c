/* SPDX-License-Identifier: MIT
 *
 * cf_lifecycle.c - transition tables of the conference and participant
 * state machines (see cf_lifecycle.h). The first matching row wins; a row's
 * guard names the fact that must hold (G_ANY matches always).
 */
#include "cf_lifecycle.h"

#include "../base/cf_err.h"

enum guard { G_ANY, G_CAN_START, G_EOE, G_LAST };

struct conf_row {
    enum cf_conf_status from;
    enum cf_lc_event ev;
    enum guard guard;
    enum cf_conf_status to;
    enum cf_end_reason reason;
    unsigned effects;
    int rc;
};

#define LIVE_ROWS(S)                                                                     \
    {S, CF_LC_LEFT, G_EOE, CF_CONF_COMPLETED, CF_END_EOE_LEFT, CF_LC_FX_END, 0},         \
    {S, CF_LC_LEFT, G_LAST, CF_CONF_COMPLETED, CF_END_LAST_LEFT, CF_LC_FX_END, 0},       \
    {S, CF_LC_LEFT, G_ANY, S, CF_END_NONE, 0, 0},                                        \
    {S, CF_LC_KICKED, G_EOE, CF_CONF_COMPLETED, CF_END_EOE_KICKED, CF_LC_FX_END, 0},     \
    {S, CF_LC_KICKED, G_LAST, CF_CONF_COMPLETED, CF_END_LAST_KICKED, CF_LC_FX_END, 0},   \
    {S, CF_LC_KICKED, G_ANY, S, CF_END_NONE, 0, 0},                                      \
    {S, CF_LC_API_END, G_ANY, CF_CONF_COMPLETED, CF_END_API, CF_LC_FX_END, 0}

static const struct conf_row conf_table[] = {
    {CF_CONF_INIT, CF_LC_CONNECTED, G_CAN_START, CF_CONF_IN_PROGRESS, CF_END_NONE, CF_LC_FX_START, 0},
    {CF_CONF_INIT, CF_LC_CONNECTED, G_ANY, CF_CONF_INIT, CF_END_NONE, 0, 0},
    LIVE_ROWS(CF_CONF_INIT),
    {CF_CONF_IN_PROGRESS, CF_LC_CONNECTED, G_ANY, CF_CONF_IN_PROGRESS, CF_END_NONE, 0, 0},
    LIVE_ROWS(CF_CONF_IN_PROGRESS),
    {CF_CONF_COMPLETED, CF_LC_API_END, G_ANY, CF_CONF_COMPLETED, CF_END_NONE, 0, CF_ESTATE},
    {CF_CONF_COMPLETED, CF_LC_CONNECTED, G_ANY, CF_CONF_COMPLETED, CF_END_NONE, 0, 0},
    {CF_CONF_COMPLETED, CF_LC_LEFT, G_ANY, CF_CONF_COMPLETED, CF_END_NONE, 0, 0},
    {CF_CONF_COMPLETED, CF_LC_KICKED, G_ANY, CF_CONF_COMPLETED, CF_END_NONE, 0, CF_ESTATE},
};

static bool guard_holds(enum guard g, const struct cf_lc_facts *f)
{
    switch (g) {
    case G_ANY: return true;
    case G_CAN_START: return f->can_start;
    case G_EOE: return f->eoe;
    case G_LAST: return f->last;
    }
    return false;
}

int cf_lifecycle_conference(enum cf_conf_status from, enum cf_lc_event ev,
                            const struct cf_lc_facts *facts, struct cf_lc_step *out)
{
    for (size_t i = 0; i < sizeof conf_table / sizeof conf_table[0]; i++) {
        const struct conf_row *r = &conf_table[i];
        if (r->from != from || r->ev != ev || !guard_holds(r->guard, facts)) continue;
        if (r->rc) return r->rc;
        out->to = r->to;
        out->reason = r->reason;
        out->effects = r->effects;
        return 0;
    }
    return CF_ESTATE;
}

struct part_row {
    enum cf_part_status from;
    enum cf_part_event ev;
    enum cf_part_status to;
};

static const struct part_row part_table[] = {
    {CF_PART_QUEUED, CF_PE_RINGING, CF_PART_RINGING},
    {CF_PART_CONNECTING, CF_PE_RINGING, CF_PART_RINGING},
    {CF_PART_QUEUED, CF_PE_ANSWERED, CF_PART_IN_PROGRESS},
    {CF_PART_CONNECTING, CF_PE_ANSWERED, CF_PART_IN_PROGRESS},
    {CF_PART_RINGING, CF_PE_ANSWERED, CF_PART_IN_PROGRESS},
    {CF_PART_QUEUED, CF_PE_FAILED, CF_PART_FAILED},
    {CF_PART_CONNECTING, CF_PE_FAILED, CF_PART_FAILED},
    {CF_PART_RINGING, CF_PE_FAILED, CF_PART_FAILED},
    {CF_PART_QUEUED, CF_PE_ENDED, CF_PART_COMPLETED},
    {CF_PART_CONNECTING, CF_PE_ENDED, CF_PART_COMPLETED},
    {CF_PART_RINGING, CF_PE_ENDED, CF_PART_COMPLETED},
    {CF_PART_IN_PROGRESS, CF_PE_ENDED, CF_PART_COMPLETED},
};

int cf_lifecycle_participant(enum cf_part_status from, enum cf_part_event ev,
                             enum cf_part_status *to)
{
    for (size_t i = 0; i < sizeof part_table / sizeof part_table[0]; i++) {
        if (part_table[i].from == from && part_table[i].ev == ev) {
            *to = part_table[i].to;
            return 0;
        }
    }
    return CF_ESTATE;
}
