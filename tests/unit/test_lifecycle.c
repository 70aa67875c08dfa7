/* SPDX-License-Identifier: MIT
 *
 * test_lifecycle.c - unit tests for the conference and participant state
 * machines of cf_lifecycle.
 *
 * The conference machine is checked against an expectation table written
 * from the specification (not copied from cf_lifecycle.c): each row gives a
 * state, an event and a pattern over the three facts (0, 1 or X = either).
 * Every one of the 3 x 4 x 8 (state, event, facts) combinations must match
 * exactly one row, so the table is complete and unambiguous, and the
 * machine's answer must equal that row's. The participant machine is small
 * enough for a full 6 x 4 table.
 */
#include <string.h>

#include "../../src/base/cf_err.h"
#include "../../src/core/cf_lifecycle.h"
#include "cf_test.h"

#define X 2 /* a fact that may be either true or false */

struct tl_row {
    enum cf_conf_status from;
    enum cf_lc_event ev;
    int can_start, eoe, last; /* 0, 1 or X */
    int rc;                   /* 0 or CF_ESTATE */
    enum cf_conf_status to;
    enum cf_end_reason reason;
    unsigned effects;
};

static const struct tl_row tl_expect[] = {
    /* INIT: the conference starts on a connect only when it can start */
    {CF_CONF_INIT, CF_LC_CONNECTED, 1, X, X, 0, CF_CONF_IN_PROGRESS, CF_END_NONE, CF_LC_FX_START},
    {CF_CONF_INIT, CF_LC_CONNECTED, 0, X, X, 0, CF_CONF_INIT, CF_END_NONE, 0},
    /* INIT: leaving/kicking; end-conference-on-exit wins over last */
    {CF_CONF_INIT, CF_LC_LEFT, X, 1, X, 0, CF_CONF_COMPLETED, CF_END_EOE_LEFT, CF_LC_FX_END},
    {CF_CONF_INIT, CF_LC_LEFT, X, 0, 1, 0, CF_CONF_COMPLETED, CF_END_LAST_LEFT, CF_LC_FX_END},
    {CF_CONF_INIT, CF_LC_LEFT, X, 0, 0, 0, CF_CONF_INIT, CF_END_NONE, 0},
    {CF_CONF_INIT, CF_LC_KICKED, X, 1, X, 0, CF_CONF_COMPLETED, CF_END_EOE_KICKED, CF_LC_FX_END},
    {CF_CONF_INIT, CF_LC_KICKED, X, 0, 1, 0, CF_CONF_COMPLETED, CF_END_LAST_KICKED, CF_LC_FX_END},
    {CF_CONF_INIT, CF_LC_KICKED, X, 0, 0, 0, CF_CONF_INIT, CF_END_NONE, 0},
    {CF_CONF_INIT, CF_LC_API_END, X, X, X, 0, CF_CONF_COMPLETED, CF_END_API, CF_LC_FX_END},
    /* IN_PROGRESS: a further connect changes nothing */
    {CF_CONF_IN_PROGRESS, CF_LC_CONNECTED, X, X, X, 0, CF_CONF_IN_PROGRESS, CF_END_NONE, 0},
    {CF_CONF_IN_PROGRESS, CF_LC_LEFT, X, 1, X, 0, CF_CONF_COMPLETED, CF_END_EOE_LEFT, CF_LC_FX_END},
    {CF_CONF_IN_PROGRESS, CF_LC_LEFT, X, 0, 1, 0, CF_CONF_COMPLETED, CF_END_LAST_LEFT, CF_LC_FX_END},
    {CF_CONF_IN_PROGRESS, CF_LC_LEFT, X, 0, 0, 0, CF_CONF_IN_PROGRESS, CF_END_NONE, 0},
    {CF_CONF_IN_PROGRESS, CF_LC_KICKED, X, 1, X, 0, CF_CONF_COMPLETED, CF_END_EOE_KICKED,
     CF_LC_FX_END},
    {CF_CONF_IN_PROGRESS, CF_LC_KICKED, X, 0, 1, 0, CF_CONF_COMPLETED, CF_END_LAST_KICKED,
     CF_LC_FX_END},
    {CF_CONF_IN_PROGRESS, CF_LC_KICKED, X, 0, 0, 0, CF_CONF_IN_PROGRESS, CF_END_NONE, 0},
    {CF_CONF_IN_PROGRESS, CF_LC_API_END, X, X, X, 0, CF_CONF_COMPLETED, CF_END_API, CF_LC_FX_END},
    /* COMPLETED: late connects/leaves are absorbed; API end and kick are refused */
    {CF_CONF_COMPLETED, CF_LC_CONNECTED, X, X, X, 0, CF_CONF_COMPLETED, CF_END_NONE, 0},
    {CF_CONF_COMPLETED, CF_LC_LEFT, X, X, X, 0, CF_CONF_COMPLETED, CF_END_NONE, 0},
    {CF_CONF_COMPLETED, CF_LC_KICKED, X, X, X, CF_ESTATE, CF_CONF_COMPLETED, CF_END_NONE, 0},
    {CF_CONF_COMPLETED, CF_LC_API_END, X, X, X, CF_ESTATE, CF_CONF_COMPLETED, CF_END_NONE, 0},
};

static int tl_fact_ok(int pattern, bool v)
{
    return pattern == X || pattern == (int)v;
}

static const char *const tl_state_name[] = {"INIT", "IN_PROGRESS", "COMPLETED"};
static const char *const tl_event_name[] = {"CONNECTED", "LEFT", "KICKED", "API_END"};

CF_TEST(lifecycle_conference_every_combination)
{
    int combos = 0;
    for (int s = CF_CONF_INIT; s <= CF_CONF_COMPLETED; s++) {
        for (int e = CF_LC_CONNECTED; e <= CF_LC_API_END; e++) {
            for (int bits = 0; bits < 8; bits++) {
                struct cf_lc_facts f;
                struct cf_lc_step out;
                const struct tl_row *want = NULL;
                int matches = 0, rc, f0 = *cf_failed_;
                f.can_start = bits & 1;
                f.eoe = (bits >> 1) & 1;
                f.last = (bits >> 2) & 1;
                for (size_t i = 0; i < sizeof tl_expect / sizeof *tl_expect; i++) {
                    const struct tl_row *r = &tl_expect[i];
                    if ((int)r->from == s && (int)r->ev == e && tl_fact_ok(r->can_start, f.can_start) &&
                        tl_fact_ok(r->eoe, f.eoe) && tl_fact_ok(r->last, f.last)) {
                        want = r;
                        matches++;
                    }
                }
                CF_CHECK_INT(matches, 1); /* the expectation table itself is sound */
                if (!want) continue;
                combos++;
                /* poison out: a refused event must leave it alone */
                out.to = (enum cf_conf_status)77;
                out.reason = (enum cf_end_reason)77;
                out.effects = 0xdead;
                rc = cf_lifecycle_conference((enum cf_conf_status)s, (enum cf_lc_event)e, &f, &out);
                CF_CHECK_INT(rc, want->rc);
                if (want->rc == 0) {
                    CF_CHECK_INT(out.to, want->to);
                    CF_CHECK_INT(out.reason, want->reason);
                    CF_CHECK_INT(out.effects, want->effects);
                } else {
                    CF_CHECK_INT(out.to, 77);
                    CF_CHECK_INT(out.reason, 77);
                    CF_CHECK_INT(out.effects, 0xdead);
                }
                if (*cf_failed_ != f0)
                    fprintf(stderr, "  case: %s + %s, can_start=%d eoe=%d last=%d\n",
                            tl_state_name[s], tl_event_name[e], f.can_start, f.eoe, f.last);
            }
        }
    }
    CF_CHECK_INT(combos, 3 * 4 * 8);
}

/* A few rows spelled out, so that a mistake in the matcher above cannot
 * hide a wrong machine. */
CF_TEST(lifecycle_conference_spot_checks)
{
    struct cf_lc_facts none = {false, false, false}, start = {true, false, false};
    struct cf_lc_facts eoe_last = {false, true, true}, last = {false, false, true};
    struct cf_lc_step out;

    CF_CHECK_INT(cf_lifecycle_conference(CF_CONF_INIT, CF_LC_CONNECTED, &start, &out), 0);
    CF_CHECK_INT(out.to, CF_CONF_IN_PROGRESS);
    CF_CHECK_INT(out.reason, CF_END_NONE);
    CF_CHECK_INT(out.effects, CF_LC_FX_START);

    CF_CHECK_INT(cf_lifecycle_conference(CF_CONF_INIT, CF_LC_CONNECTED, &none, &out), 0);
    CF_CHECK_INT(out.to, CF_CONF_INIT);
    CF_CHECK_INT(out.effects, 0);

    CF_CHECK_INT(cf_lifecycle_conference(CF_CONF_IN_PROGRESS, CF_LC_CONNECTED, &start, &out), 0);
    CF_CHECK_INT(out.to, CF_CONF_IN_PROGRESS);
    CF_CHECK_INT(out.effects, 0); /* does not start twice */

    CF_CHECK_INT(cf_lifecycle_conference(CF_CONF_IN_PROGRESS, CF_LC_LEFT, &eoe_last, &out), 0);
    CF_CHECK_INT(out.to, CF_CONF_COMPLETED);
    CF_CHECK_INT(out.reason, CF_END_EOE_LEFT);
    CF_CHECK_INT(out.effects, CF_LC_FX_END);

    CF_CHECK_INT(cf_lifecycle_conference(CF_CONF_IN_PROGRESS, CF_LC_KICKED, &last, &out), 0);
    CF_CHECK_INT(out.to, CF_CONF_COMPLETED);
    CF_CHECK_INT(out.reason, CF_END_LAST_KICKED);
    CF_CHECK_INT(out.effects, CF_LC_FX_END);

    CF_CHECK_INT(cf_lifecycle_conference(CF_CONF_INIT, CF_LC_KICKED, &eoe_last, &out), 0);
    CF_CHECK_INT(out.reason, CF_END_EOE_KICKED);

    CF_CHECK_INT(cf_lifecycle_conference(CF_CONF_INIT, CF_LC_API_END, &none, &out), 0);
    CF_CHECK_INT(out.to, CF_CONF_COMPLETED);
    CF_CHECK_INT(out.reason, CF_END_API);
    CF_CHECK_INT(out.effects, CF_LC_FX_END);

    CF_CHECK_INT(cf_lifecycle_conference(CF_CONF_COMPLETED, CF_LC_API_END, &none, &out), CF_ESTATE);
    CF_CHECK_INT(cf_lifecycle_conference(CF_CONF_COMPLETED, CF_LC_KICKED, &last, &out), CF_ESTATE);
    CF_CHECK_INT(cf_lifecycle_conference(CF_CONF_COMPLETED, CF_LC_LEFT, &eoe_last, &out), 0);
    CF_CHECK_INT(out.to, CF_CONF_COMPLETED);
    CF_CHECK_INT(out.reason, CF_END_NONE);
    CF_CHECK_INT(out.effects, 0);
}

CF_TEST(lifecycle_conference_unknown_values)
{
    struct cf_lc_facts f = {true, true, true};
    struct cf_lc_step out;
    CF_CHECK_INT(cf_lifecycle_conference((enum cf_conf_status)3, CF_LC_LEFT, &f, &out), CF_ESTATE);
    CF_CHECK_INT(cf_lifecycle_conference((enum cf_conf_status)-1, CF_LC_API_END, &f, &out),
                 CF_ESTATE);
    CF_CHECK_INT(cf_lifecycle_conference(CF_CONF_INIT, (enum cf_lc_event)4, &f, &out), CF_ESTATE);
}

/* ---- participants ---- */

#define E CF_ESTATE
#define NO (-1) /* no next state (with rc E) */

CF_TEST(lifecycle_participant_every_combination)
{
    /* [from][event] -> next status, or NO when the event is refused;
     * events: RINGING, ANSWERED, FAILED, ENDED */
    static const int want[6][4] = {
        /* QUEUED */ {CF_PART_RINGING, CF_PART_IN_PROGRESS, CF_PART_FAILED, CF_PART_COMPLETED},
        /* CONNECTING */ {CF_PART_RINGING, CF_PART_IN_PROGRESS, CF_PART_FAILED, CF_PART_COMPLETED},
        /* RINGING: a repeated ringing is not a transition (the caller ignores it) */
        {NO, CF_PART_IN_PROGRESS, CF_PART_FAILED, CF_PART_COMPLETED},
        /* IN_PROGRESS */ {NO, NO, NO, CF_PART_COMPLETED},
        /* COMPLETED */ {NO, NO, NO, NO},
        /* FAILED */ {NO, NO, NO, NO},
    };
    static const char *const sname[] = {"queued", "connecting", "ringing",
                                        "in-progress", "completed", "failed"};
    static const char *const ename[] = {"RINGING", "ANSWERED", "FAILED", "ENDED"};
    int n = 0;
    for (int s = CF_PART_QUEUED; s <= CF_PART_FAILED; s++) {
        for (int e = CF_PE_RINGING; e <= CF_PE_ENDED; e++) {
            enum cf_part_status to = (enum cf_part_status)99;
            int rc = cf_lifecycle_participant((enum cf_part_status)s, (enum cf_part_event)e, &to);
            int f0 = *cf_failed_;
            if (want[s][e] == NO) {
                CF_CHECK_INT(rc, E);
                CF_CHECK_INT(to, 99); /* untouched */
            } else {
                CF_CHECK_INT(rc, 0);
                CF_CHECK_INT(to, want[s][e]);
            }
            if (*cf_failed_ != f0) fprintf(stderr, "  case: %s + %s\n", sname[s], ename[e]);
            n++;
        }
    }
    CF_CHECK_INT(n, 24);
}

CF_TEST(lifecycle_participant_unknown_values)
{
    enum cf_part_status to = CF_PART_QUEUED;
    CF_CHECK_INT(cf_lifecycle_participant((enum cf_part_status)6, CF_PE_ENDED, &to), E);
    CF_CHECK_INT(cf_lifecycle_participant(CF_PART_QUEUED, (enum cf_part_event)4, &to), E);
    CF_CHECK_INT(to, CF_PART_QUEUED);
}

#undef E
#undef NO
#undef X
