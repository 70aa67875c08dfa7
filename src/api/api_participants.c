/* SPDX-License-Identifier: MIT
 *
 * api_participants.c - the Participant resource: create (which is also how
 * conferences come to exist), list and fetch. Participants are live only:
 * a completed conference lists none.
 */
#include <string.h>

#include "../base/cf_str.h"
#include "../base/cf_time.h"
#include "cf_apiInt.h"

void cf_api_participant_json(struct cf_api_req *r, struct cf_json *w,
                             const struct cf_participant *p)
{
    const char *base = cf_api_conf_base(r);
    cf_json_open(w, '{');
    cf_json_kstr(w, "account_sid", p->project_id);
    cf_json_kstr(w, "api_version", "2010-04-01");
    cf_json_kstr(w, "call_sid", p->call_sid);
    cf_json_key(w, "call_sid_to_coach");
    cf_json_str_or_null(w, p->call_sid_to_coach);
    cf_json_kbool(w, "coaching", p->coaching);
    cf_json_kstr(w, "conference_sid", p->conference_sid);
    cf_json_kdate(w, "date_created", p->date_created);
    cf_json_kdate(w, "date_updated", p->date_updated);
    cf_json_kbool(w, "end_conference_on_exit", p->end_on_exit);
    cf_json_kbool(w, "hold", p->hold);
    cf_json_key(w, "label");
    cf_json_str_or_null(w, p->label);
    cf_json_kbool(w, "muted", p->muted);
    cf_json_key(w, "queue_time");
    if (p->queue_time_ms >= 0) {
        char n[CF_STR_I64_LEN];
        cf_str_i64(n, p->queue_time_ms);
        cf_json_str(w, n);
    } else {
        cf_json_null(w);
    }
    cf_json_kbool(w, "start_conference_on_enter", p->start_on_enter);
    cf_json_kstr(w, "status", cf_part_status_str(p->status));
    cf_json_key(w, "uri");
    cf_json_str(w, cf_arena_cat(r->a, base, "/", p->conference_sid, "/Participants/", p->call_sid,
                                ".json"));
    if (!cf_part_is_live(p->status)) {
        /* confab's participant history (Status=completed): when and why it left */
        cf_json_kstr(w, "call_status", p->call_status);
        cf_json_key(w, "start_time");
        if (p->joined_at) cf_json_kdate_value(w, p->joined_at);
        else cf_json_null(w);
        cf_json_kdate(w, "end_time", p->left_at);
        cf_json_kstr(w, "reason_participant_left", cf_leave_reason_str(p->leave_reason));
    }
    cf_json_close(w, '}');
}

/* The words of both Recording…Event lists (spec §4.4 lists these for
 * RecordingStatusCallbackEvent and four of them for the Conference one;
 * both subscribe the one recording, so both take them all). */
#define REC_EVENTS "started in-progress paused resumed stopped completed failed absent"

/* An …Event list: repeated keys or space-separated words, each parsed by
 * word_bit (0 = unknown word: 400). Absent leaves *out alone. */
static int read_events(struct cf_api_req *r, const char *name, unsigned (*word_bit)(const char *),
                       const char *allowed, unsigned *out)
{
    const struct cf_params *p = &r->params;
    unsigned bits = 0;
    bool any = false;
    for (size_t i = 0; i < p->n; i++) {
        const char *v = p->v[i].value;
        if (strcmp(p->v[i].name, name) != 0) continue;
        any = true;
        while (*v) {
            char word[32];
            size_t n = 0;
            unsigned bit;
            while (*v == ' ' || *v == ',') v++;
            while (v[n] && v[n] != ' ' && v[n] != ',') n++;
            if (!n) break;
            if (n >= sizeof word) goto bad;
            memcpy(word, v, n);
            word[n] = '\0';
            if (!(bit = word_bit(word))) goto bad;
            bits |= bit;
            v += n;
        }
    }
    if (any) *out = bits;
    return 0;
bad:
    cf_api_error(r, 400, 10000, "%s holds an unknown event; allowed: %s", name, allowed);
    return CF_EINVAL;
}

/* The create parameters confab takes and does nothing with (a simulated or
 * SIP call has no region, channels, jitter buffer or answering-machine
 * detection to set): still checked against spec §4.4's values, so that a
 * request Twilio would refuse is refused here too and not stored. */
static int check_unused(struct cf_api_req *r, const struct cf_params *q)
{
    static const struct {
        const char *name, *words; /* allowed values, any letter case */
    } enums[] = {
        {"Region", "us1 us2 ie1 de1 sg1 br1 au1 jp1"},
        {"RecordingChannels", "mono dual"},
        {"RecordingTrack", "inbound outbound both"},
        {"JitterBufferSize", "off small medium large"},
        {"MachineDetection", "Enable DetectMessageEnd"},
    };
    static const struct {
        const char *name;
        int lo, hi;
    } ints[] = {
        {"TimeLimit", 1, 86400},
        {"MachineDetectionTimeout", 3, 59},
        {"MachineDetectionSpeechThreshold", 1000, 6000},
        {"MachineDetectionSpeechEndThreshold", 500, 5000},
        {"MachineDetectionSilenceTimeout", 2000, 10000},
    };
    const char *url, *method, *name;
    bool b;
    int n;
    if (cf_api_bool(r, q, "EarlyMedia", &b, NULL)) return CF_EINVAL;
    for (size_t i = 0; i < sizeof enums / sizeof enums[0]; i++)
        if (cf_api_word(r, q, enums[i].name, enums[i].words, &n)) return CF_EINVAL;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (cf_api_int(r, q, ints[i].name, ints[i].lo, ints[i].hi, &n, NULL)) return CF_EINVAL;
    if (cf_api_url(r, q, "AmdStatusCallback", &url) ||
        cf_api_url(r, q, "ClientNotificationUrl", &url) ||
        cf_api_method(r, q, "AmdStatusCallbackMethod", "POST", &method))
        return CF_EINVAL;
    name = cf_params_get(q, "CallerDisplayName");
    if (name && (cf_str_utf8_chars(name) < 2 || cf_str_utf8_chars(name) > 255)) {
        cf_api_error(r, 400, 10000, "CallerDisplayName must be 2 to 255 characters");
        return CF_EINVAL;
    }
    return 0;
}

/* ConferenceTrim / Trim: trim-silence or do-not-trim. Absent leaves *out
 * alone. */
static int read_trim(struct cf_api_req *r, const char *name, bool *out)
{
    int word = *out ? 0 : 1;
    if (cf_api_word(r, &r->params, name, "trim-silence do-not-trim", &word)) return CF_EINVAL;
    *out = word == 0;
    return 0;
}

void cf_api_participant_create(struct cf_api_req *r)
{
    struct cf_part_create pc;
    struct cf_participant p;
    struct cf_err err = {0, ""};
    struct cf_json w;
    const struct cf_params *q = &r->params;
    const char *beep, *rec;
    int rc;
    memset(&pc, 0, sizeof pc);
    pc.start_on_enter = true;
    pc.beep_on_exit = true;
    pc.timeout_s = 60;
    pc.max_participants = 250;
    pc.trim_silence = true;
    pc.conf_status_callback_events = CF_CEV_START | CF_CEV_END;
    pc.from = cf_params_get(q, "From");
    pc.to = cf_params_get(q, "To");
    if (!pc.from || !*pc.from) {
        cf_api_error(r, 400, 10000, "From is required");
        return;
    }
    if (!pc.to || !*pc.to) {
        cf_api_error(r, 400, 10000, "To is required");
        return;
    }
    if (strlen(pc.from) > CF_ADDR_MAX || strlen(pc.to) > CF_ADDR_MAX) {
        cf_api_error(r, 400, 10000, "From and To must be at most %d bytes", CF_ADDR_MAX);
        return;
    }
    if (cf_str_utf8_chars(r->route.id1) > CF_NAME_MAX_CHARS || strlen(r->route.id1) > CF_NAME_MAX) {
        cf_api_error(r, 400, 10000, "The conference FriendlyName must be at most %d characters",
                     CF_NAME_MAX_CHARS);
        return;
    }
    if (check_unused(r, q)) return;
    if (!cf_str_utf8_valid(r->route.id1, strlen(r->route.id1))) {
        /* from the path, percent-decoded: a parameter like the body's */
        cf_api_error(r, 400, 10000, "The conference FriendlyName is not valid UTF-8");
        return;
    }
    if ((pc.label = cf_params_get(q, "Label"))) {
        if (!*pc.label) {
            pc.label = NULL;
        } else if (cf_str_utf8_chars(pc.label) > 128 || strlen(pc.label) > CF_LABEL_MAX) {
            cf_api_error(r, 400, 10000, "Label must be at most 128 characters");
            return;
        }
    }
    if (cf_api_bool(r, q, "Muted", &pc.muted, NULL) ||
        cf_api_bool(r, q, "StartConferenceOnEnter", &pc.start_on_enter, NULL) ||
        cf_api_bool(r, q, "EndConferenceOnExit", &pc.end_on_exit, NULL) ||
        cf_api_int(r, q, "Timeout", 5, 600, &pc.timeout_s, NULL) ||
        cf_api_int(r, q, "MaxParticipants", 2, 250, &pc.max_participants, NULL) ||
        cf_api_url(r, q, "ConferenceStatusCallback", &pc.conf_status_callback) ||
        cf_api_method(r, q, "ConferenceStatusCallbackMethod", "POST",
                      &pc.conf_status_callback_method) ||
        read_events(r, "ConferenceStatusCallbackEvent", cf_cev_parse,
                    "start end join leave mute hold modify speaker announcement",
                    &pc.conf_status_callback_events))
        return;
    pc.status_callback_events = CF_CALLEV_COMPLETED;
    pc.rec_callback_events = CF_REV_COMPLETED;
    /* The participant's recording is the conference's (Record=true is
     * ConferenceRecord), so Recording… and ConferenceRecording… set the same
     * callback: each setting is taken from whichever of the two is given,
     * the Conference one when both are. An absent …Method keeps what the
     * other gave (its default is the value read so far). */
    if (cf_api_url(r, q, "StatusCallback", &pc.status_callback) ||
        cf_api_method(r, q, "StatusCallbackMethod", "POST", &pc.status_callback_method) ||
        read_events(r, "StatusCallbackEvent", cf_callev_parse,
                    "initiated ringing answered completed", &pc.status_callback_events) ||
        cf_api_url(r, q, "RecordingStatusCallback", &pc.rec_callback) ||
        cf_api_method(r, q, "RecordingStatusCallbackMethod", "POST", &pc.rec_callback_method) ||
        read_events(r, "RecordingStatusCallbackEvent", cf_rev_parse, REC_EVENTS,
                    &pc.rec_callback_events) ||
        cf_api_url(r, q, "ConferenceRecordingStatusCallback", &pc.rec_callback) ||
        cf_api_method(r, q, "ConferenceRecordingStatusCallbackMethod", pc.rec_callback_method,
                      &pc.rec_callback_method) ||
        read_events(r, "ConferenceRecordingStatusCallbackEvent", cf_rev_parse, REC_EVENTS,
                    &pc.rec_callback_events))
        return;
    if ((pc.wait_url = cf_params_get(q, "WaitUrl")) && *pc.wait_url &&
        cf_api_url(r, q, "WaitUrl", &pc.wait_url))
        return;
    if (cf_api_method(r, q, "WaitMethod", "POST", &pc.wait_method)) return;
    if ((beep = cf_params_get(q, "Beep"))) {
        if (cf_str_ieq(beep, "true") || cf_str_ieq(beep, "onExit")) {
            pc.beep_on_exit = true;
        } else if (cf_str_ieq(beep, "false") || cf_str_ieq(beep, "onEnter")) {
            pc.beep_on_exit = false;
        } else {
            cf_api_error(r, 400, 10000, "Beep must be true, false, onEnter or onExit");
            return;
        }
    }
    if ((rec = cf_params_get(q, "ConferenceRecord"))) {
        if (cf_str_ieq(rec, "true") || strcmp(rec, "record-from-start") == 0) {
            pc.record_from_start = true;
        } else if (!(cf_str_ieq(rec, "false") || strcmp(rec, "do-not-record") == 0)) {
            cf_api_error(r, 400, 10000, "ConferenceRecord must be true, false, "
                         "record-from-start or do-not-record");
            return;
        }
    }
    /* Trim is for the participant's recording, which is the conference's:
     * like the recording callbacks, ConferenceTrim wins when both are given */
    if (read_trim(r, "Trim", &pc.trim_silence) || read_trim(r, "ConferenceTrim", &pc.trim_silence))
        return;
    {
        bool record = false, coaching = false, present = false;
        if (cf_api_bool(r, q, "Record", &record, NULL)) return;
        if (record) pc.record_from_start = true;
        if (cf_api_bool(r, q, "Coaching", &coaching, &present)) return;
        pc.coaching = present ? coaching : -1;
        pc.call_sid_to_coach = cf_params_get(q, "CallSidToCoach");
        if (pc.call_sid_to_coach && strlen(pc.call_sid_to_coach) > CF_LABEL_MAX) {
            cf_api_error(r, 400, 16002, "CallSidToCoach is too long");
            return;
        }
    }
    rc = cf_core_participant_create(&r->core, r->project_id, r->route.id1, &pc, &p, &err);
    if (rc == CF_EREF) {
        cf_api_error(r, 400, 16002, "%s", err.msg);
        return;
    }
    if (rc) {
        cf_api_core_error(r, rc, &err, "participant create", r->route.id1);
        return;
    }
    r->resp->status = 201;
    cf_json_init(&w, &r->resp->body);
    cf_api_participant_json(r, &w, &p);
}

void cf_api_participants_list(struct cf_api_req *r)
{
    struct cf_part_filter f = {-1, -1, -1, false};
    struct cf_conference c;
    struct cf_api_page pg;
    struct cf_page_res res = {0, false};
    struct cf_participant *items = NULL;
    struct cf_buf echo;
    struct cf_json w;
    bool v, present;
    const char *st;
    int rc;
    cf_buf_init(&echo, 4096);
    if (cf_api_bool(r, &r->query, "Muted", &v, &present)) goto out;
    if (present) f.muted = v, cf_str_form_add(&echo, "Muted", v ? "true" : "false");
    if (cf_api_bool(r, &r->query, "Hold", &v, &present)) goto out;
    if (present) f.hold = v, cf_str_form_add(&echo, "Hold", v ? "true" : "false");
    if (cf_api_bool(r, &r->query, "Coaching", &v, &present)) goto out;
    if (present) f.coaching = v, cf_str_form_add(&echo, "Coaching", v ? "true" : "false");
    if ((st = cf_params_get(&r->query, "Status"))) {
        if (strcmp(st, "completed") == 0) {
            f.history = true;
        } else if (strcmp(st, "in-progress") != 0) {
            cf_api_error(r, 400, 10000, "Status must be in-progress or completed");
            goto out;
        }
        cf_str_form_add(&echo, "Status", st); /* every filter given, the default too */
    }
    if (cf_api_page_parse(r, &pg)) goto out;
    rc = cf_core_conference_get(&r->core, r->project_id, r->route.id1, &c);
    if (rc) {
        cf_api_core_error(r, rc, NULL, "participant list", r->route.id1);
        goto out;
    }
    rc = cf_core_participant_list(&r->core, r->project_id, c.sid, &f, &pg.req, r->a, &items, &res);
    if (rc == CF_EINVAL) {
        cf_api_error(r, 400, 21481, "PageToken does not name an item of this list");
        goto out;
    }
    if (rc) {
        cf_api_core_error(r, rc, NULL, "participant list", r->route.id1);
        goto out;
    }
    r->resp->status = 200;
    cf_json_init(&w, &r->resp->body);
    cf_api_page_begin(&w, "participants");
    for (size_t i = 0; i < res.n; i++) cf_api_participant_json(r, &w, &items[i]);
    cf_api_page_end(r, &w,
                    cf_arena_cat(r->a, cf_api_conf_base(r), "/", c.sid, "/Participants",
                                 r->route.json ? ".json" : ""),
                    cf_buf_str(&echo), &pg, &res, res.n ? items[0].call_sid : NULL,
                    res.n ? items[res.n - 1].call_sid : NULL);
out:
    cf_buf_cleanup(&echo);
}

void cf_api_participant_fetch(struct cf_api_req *r)
{
    struct cf_participant p;
    struct cf_json w;
    int rc = cf_core_participant_get(&r->core, r->project_id, r->route.id1, r->route.id2, &p);
    if (rc) {
        cf_api_core_error(r, rc, NULL, "participant fetch", r->route.id2);
        return;
    }
    r->resp->status = 200;
    cf_json_init(&w, &r->resp->body);
    cf_api_participant_json(r, &w, &p);
}

/* Reads an optional boolean into -1 (absent), 0 or 1. */
static int tri(struct cf_api_req *r, const char *name, int *out)
{
    bool v, present;
    if (cf_api_bool(r, &r->params, name, &v, &present)) return CF_EINVAL;
    *out = present ? v : -1;
    return 0;
}

void cf_api_participant_update(struct cf_api_req *r)
{
    struct cf_part_update u;
    struct cf_participant p;
    struct cf_err err = {0, ""};
    struct cf_json w;
    const struct cf_params *q = &r->params;
    int beep = -1, rc;
    memset(&u, 0, sizeof u);
    if (tri(r, "Muted", &u.muted) || tri(r, "Hold", &u.hold) ||
        tri(r, "BeepOnExit", &u.beep_on_exit) || tri(r, "EndConferenceOnExit", &u.end_on_exit) ||
        tri(r, "Coaching", &u.coaching) || tri(r, "Beep", &beep) ||
        cf_api_url(r, q, "HoldUrl", &u.hold_url) ||
        cf_api_method(r, q, "HoldMethod", "GET", &u.hold_method) ||
        cf_api_url(r, q, "AnnounceUrl", &u.announce_url) ||
        cf_api_method(r, q, "AnnounceMethod", "POST", &u.announce_method) ||
        cf_api_method(r, q, "WaitMethod", "POST", &u.wait_method))
        return;
    /* WaitUrl may be empty: silence */
    if ((u.wait_url = cf_params_get(q, "WaitUrl")) && *u.wait_url &&
        cf_api_url(r, q, "WaitUrl", &u.wait_url))
        return;
    if ((u.call_sid_to_coach = cf_params_get(q, "CallSidToCoach")) &&
        strlen(u.call_sid_to_coach) > CF_LABEL_MAX) {
        cf_api_error(r, 400, 16002, "CallSidToCoach is too long");
        return;
    }
    rc = cf_core_participant_update(&r->core, r->project_id, r->route.id1, r->route.id2, &u, &p,
                                    &err);
    if (rc == CF_EREF) {
        cf_api_error(r, 400, 16002, "%s", err.msg);
        return;
    }
    if (rc) {
        cf_api_core_error(r, rc, &err, "participant update", r->route.id2);
        return;
    }
    r->resp->status = 200;
    cf_json_init(&w, &r->resp->body);
    cf_api_participant_json(r, &w, &p);
}

void cf_api_participant_delete(struct cf_api_req *r)
{
    struct cf_err err = {0, ""};
    int rc = cf_core_participant_kick(&r->core, r->project_id, r->route.id1, r->route.id2, &err);
    if (rc) {
        cf_api_core_error(r, rc, &err, "participant delete", r->route.id2);
        return;
    }
    r->resp->status = 204;
}
