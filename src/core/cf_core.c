/* SPDX-License-Identifier: MIT
 *
 * cf_core.c - conference use-cases (see cf_core.h).
 *
 * The shape of every write: begin(write) → load → rules → writes → events →
 * commit → engine commands. Events get the conference's next sequence
 * number (a call progress callback sends its call's own SequenceNumber
 * instead) and are appended to the outbox whether or not anyone subscribed
 * (then with no URL), so the conference's history is complete; the webhook
 * worker delivers only those with a URL, in order per delivery stream (the
 * conference's status callbacks, each call's progress, the recordings).
 * Announcements still to play when their conference ends or their
 * participant leaves fail then and there (cut_announcements).
 */
#include "cf_core.h"

#include <stdio.h>
#include <string.h>

#include "../base/cf_buf.h"
#include "../base/cf_id.h"
#include "../base/cf_log.h"
#include "../base/cf_str.h"
#include "../base/cf_time.h"
#include "cf_lifecycle.h"
#include "cf_recording.h"

#define MAX_HANGUPS 1024
#define MAX_RECS 16

struct rec_cmd {
    char sid[CF_UUID_SIZE];
    bool start;          /* start, else stop */
    int64_t duration_s;  /* for stop */
};

/* Engine commands to give after the commit: calls to hang up, recordings
 * to start or stop. */
struct hangups {
    size_t n;
    char (*sids)[CF_UUID_SIZE]; /* arena-owned */
    size_t nrecs;
    struct rec_cmd recs[MAX_RECS];
    char project_id[CF_UUID_SIZE];
    char conf_sid[CF_UUID_SIZE];
};

static void recs_add(struct hangups *h, const struct cf_recording *r, bool start)
{
    if (h->nrecs == MAX_RECS) return;
    memcpy(h->recs[h->nrecs].sid, r->sid, CF_UUID_SIZE);
    h->recs[h->nrecs].start = start;
    h->recs[h->nrecs].duration_s = r->duration_s;
    memcpy(h->project_id, r->project_id, CF_UUID_SIZE);
    memcpy(h->conf_sid, r->conference_sid, CF_UUID_SIZE);
    h->nrecs++;
}

static void hangups_add(struct hangups *h, struct cf_arena *a, const char *sid)
{
    if (!h->sids) h->sids = cf_arena_alloc(a, MAX_HANGUPS * sizeof *h->sids);
    if (h->n < MAX_HANGUPS) memcpy(h->sids[h->n++], sid, CF_UUID_SIZE);
}

/* One engine command held for after a batch's commit. */
enum fx_kind { FX_HANGUPS, FX_DIAL, FX_MUTE, FX_HOLD, FX_REC_STOP, FX_REC_PAUSE, FX_REC_DELETE };

struct cf_core_after_item {
    enum fx_kind kind;
    struct hangups h;          /* FX_HANGUPS */
    struct cf_engine_dial d;   /* FX_DIAL */
    char sid[CF_UUID_SIZE];    /* the call or recording of the others */
    char project_id[CF_UUID_SIZE];
    char conf_sid[CF_UUID_SIZE];
    bool on;                   /* muted, held, paused */
    int64_t duration_s;
    struct cf_core_after_item *next;
};

/* Wakes the webhook worker if the committed transaction gave it work. */
static void notify(struct cf_core *c)
{
    if (c->kicked && c->after) c->after->kick = true;
    else if (c->kicked && c->kick) c->kick(c->kick_ud);
    c->kicked = false;
}

static void hangups_exec(struct cf_core *c, const struct hangups *h)
{
    for (size_t i = 0; i < h->n; i++) c->eng->ops->hangup(c->eng, h->sids[i]);
    for (size_t i = 0; i < h->nrecs; i++) {
        const struct rec_cmd *rc = &h->recs[i];
        if (rc->start)
            c->eng->ops->record_start(c->eng, h->project_id, h->conf_sid, rc->sid);
        else
            c->eng->ops->record_stop(c->eng, h->project_id, h->conf_sid, rc->sid, rc->duration_s);
    }
}

static void fx_exec(struct cf_core *c, const struct cf_core_after_item *it)
{
    struct cf_engine *e = c->eng;
    switch (it->kind) {
    case FX_HANGUPS: hangups_exec(c, &it->h); break;
    case FX_DIAL: e->ops->dial(e, &it->d); break;
    case FX_MUTE: e->ops->mute(e, it->sid, it->on); break;
    case FX_HOLD: e->ops->hold(e, it->sid, it->on); break;
    case FX_REC_STOP:
        e->ops->record_stop(e, it->project_id, it->conf_sid, it->sid, it->duration_s);
        break;
    case FX_REC_PAUSE: e->ops->record_pause(e, it->sid, it->on); break;
    case FX_REC_DELETE: e->ops->record_delete(e, it->sid); break;
    }
}

/* Gives an engine command after a use-case's commit: now, or (inside a
 * batch) once the batch commits. it is copied. */
static void fx(struct cf_core *c, const struct cf_core_after_item *it)
{
    struct cf_core_after_item *copy, **tail;
    if (!c->after) {
        fx_exec(c, it);
        return;
    }
    copy = cf_arena_alloc(c->after->a, sizeof *copy);
    *copy = *it;
    copy->next = NULL;
    if (it->kind == FX_HANGUPS && it->h.n) {
        copy->h.sids = cf_arena_alloc(c->after->a, it->h.n * sizeof *it->h.sids);
        memcpy(copy->h.sids, it->h.sids, it->h.n * sizeof *it->h.sids);
    }
    for (tail = &c->after->items; *tail; tail = &(*tail)->next) {
    }
    *tail = copy;
}

static void fx_call(struct cf_core *c, enum fx_kind kind, const char *sid, bool on)
{
    struct cf_core_after_item it;
    memset(&it, 0, sizeof it);
    it.kind = kind;
    cf_str_copy(it.sid, sizeof it.sid, sid);
    it.on = on;
    fx(c, &it);
}

/* After a use-case's commit: the kick, then the engine commands. */
static void hangups_run(struct cf_core *c, const struct hangups *h)
{
    struct cf_core_after_item it;
    notify(c);
    if (h->n == 0 && h->nrecs == 0) return;
    memset(&it, 0, sizeof it);
    it.kind = FX_HANGUPS;
    it.h = *h;
    fx(c, &it);
}

void cf_core_after_finish(struct cf_core *c, bool committed)
{
    struct cf_core_after *af = c->after;
    if (!af) return;
    if (committed) {
        if (af->kick && c->kick) c->kick(c->kick_ud);
        for (struct cf_core_after_item *it = af->items; it; it = it->next) fx_exec(c, it);
    }
    af->items = NULL;
    af->kick = false;
}

static const char *tf(bool v) { return v ? "true" : "false"; }

/* Whether a and b differ in more than date_updated (next_seq is not stored
 * in the conference: the outbox holds it). */
static bool conf_changed(const struct cf_conference *a, const struct cf_conference *b)
{
    return strcmp(a->friendly_name, b->friendly_name) != 0 || strcmp(a->region, b->region) != 0 ||
           a->status != b->status || a->end_reason != b->end_reason ||
           strcmp(a->call_sid_ending, b->call_sid_ending) != 0 || a->date_created != b->date_created ||
           strcmp(a->status_callback, b->status_callback) != 0 ||
           strcmp(a->status_callback_method, b->status_callback_method) != 0 ||
           a->status_callback_events != b->status_callback_events ||
           a->max_participants != b->max_participants ||
           a->record_from_start != b->record_from_start || a->trim_silence != b->trim_silence ||
           strcmp(a->rec_callback, b->rec_callback) != 0 ||
           strcmp(a->rec_callback_method, b->rec_callback_method) != 0 ||
           a->rec_callback_events != b->rec_callback_events;
}

/* Writes back a conference loaded as `was`: most use-cases only append
 * events to it (nothing to write) or move its date_updated (a narrow UPDATE
 * that rewrites one row and one index instead of every index of the table). */
static int save_conf(struct cf_core *c, const struct cf_conference *was,
                     const struct cf_conference *now)
{
    if (conf_changed(was, now)) return c->st->ops->conf_update(c->st, now);
    if (was->date_updated == now->date_updated) return 0;
    return c->st->ops->conf_touch(c->st, now);
}

/* Appends one event to the outbox with the conference's next sequence
 * number, in delivery stream `stream` (struct cf_event). url "" keeps it as
 * history only (nobody subscribed). */
static int outbox_put(struct cf_core *c, struct cf_conference *conf, const char *stream,
                      const char *name, const char *url, const char *method,
                      const char *call_sid, const char *params, int64_t now)
{
    struct cf_event ev;
    memset(&ev, 0, sizeof ev);
    memcpy(ev.project_id, conf->project_id, sizeof ev.project_id);
    memcpy(ev.conference_sid, conf->sid, sizeof ev.conference_sid);
    cf_str_copy(ev.stream, sizeof ev.stream, stream);
    if (call_sid) cf_str_copy(ev.call_sid, sizeof ev.call_sid, call_sid);
    ev.seq = conf->next_seq++;
    cf_str_copy(ev.name, sizeof ev.name, name);
    if (url && *url) {
        cf_str_copy(ev.url, sizeof ev.url, url);
        cf_str_copy(ev.method, sizeof ev.method, method && *method ? method : "POST");
    }
    ev.params = params;
    ev.created = now;
    if (ev.url[0]) c->kicked = true;
    return c->st->ops->event_append(c->st, &ev);
}

/* Starts a callback's parameters in b (initialised here, with cap): the
 * common head of every callback, who, when and in what order. The
 * conference's next SequenceNumber is asked of the store at its first event
 * in a use-case (CF_SEQ_UNKNOWN until then); it orders every event in the
 * outbox, and is the SequenceNumber sent unless shown_seq is given (>= 0: a
 * call progress callback's own number, spec §8.4). */
static int head(struct cf_core *c, struct cf_buf *b, size_t cap, struct cf_conference *conf,
                int64_t shown_seq, int64_t now)
{
    char ts[CF_RFC2822_LEN], seq[CF_STR_I64_LEN];
    int rc;
    if (conf->next_seq == CF_SEQ_UNKNOWN &&
        (rc = c->st->ops->event_next_seq(c->st, conf->sid, &conf->next_seq)))
        return rc;
    cf_buf_init(b, cap);
    (void)cf_buf_room(b, 1023); /* one allocation for the usual event (~600 bytes) */
    cf_str_i64(seq, shown_seq >= 0 ? shown_seq : conf->next_seq);
    cf_time_rfc2822(now, ts);
    cf_str_form_add(b, "AccountSid", conf->project_id);
    cf_str_form_add(b, "ApiVersion", "2010-04-01");
    cf_str_form_add(b, "ConferenceSid", conf->sid);
    cf_str_form_add(b, "SequenceNumber", seq);
    cf_str_form_add(b, "Timestamp", ts);
    return 0;
}

/* Appends one conference status-callback event (spec §8.4). bit is the
 * subscription keyword that covers it; p the participant it concerns (or
 * NULL); extra holds more form-encoded pairs (or NULL). */
static int append_event(struct cf_core *c, struct cf_conference *conf, unsigned bit,
                        const char *name, const struct cf_participant *p, int64_t now,
                        const char *extra)
{
    struct cf_buf b;
    int rc;
    bool subscribed = conf->status_callback[0] && (conf->status_callback_events & bit);
    if ((rc = head(c, &b, 32768, conf, -1, now))) return rc;
    cf_str_form_add(&b, "FriendlyName", conf->friendly_name);
    cf_str_form_add(&b, "StatusCallbackEvent", name);
    if (p) {
        cf_str_form_add(&b, "CallSid", p->call_sid);
        cf_str_form_add(&b, "Muted", tf(p->muted));
        cf_str_form_add(&b, "Hold", tf(p->hold));
        cf_str_form_add(&b, "Coaching", tf(p->coaching));
        cf_str_form_add(&b, "EndConferenceOnExit", tf(p->end_on_exit));
        cf_str_form_add(&b, "StartConferenceOnEnter", tf(p->start_on_enter));
        if (p->label[0]) cf_str_form_add(&b, "ParticipantLabel", p->label);
        if (p->leave_reason != CF_LEAVE_NONE) {
            cf_str_form_add(&b, "ReasonParticipantLeft", cf_leave_reason_str(p->leave_reason));
            cf_str_form_add(&b, "ParticipantCallStatus", p->call_status);
        }
    }
    if (conf->end_reason != CF_END_NONE && bit == CF_CEV_END) {
        cf_str_form_add(&b, "ReasonConferenceEnded", cf_end_reason_str(conf->end_reason));
        cf_str_form_add(&b, "Reason", cf_end_reason_str(conf->end_reason));
        if (conf->call_sid_ending[0])
            cf_str_form_add(&b, "CallSidEndingConference", conf->call_sid_ending);
    }
    if (extra && *extra) {
        cf_buf_putc(&b, '&');
        cf_buf_puts(&b, extra);
    }
    rc = outbox_put(c, conf, CF_STREAM_CONFERENCE, name, subscribed ? conf->status_callback : "",
                    conf->status_callback_method, p ? p->call_sid : NULL, cf_buf_str(&b), now);
    cf_buf_cleanup(&b);
    return rc;
}

/* Appends a call progress callback (the participant's StatusCallback) when
 * the participant subscribed to bit. status is the CallStatus sent. Its
 * SequenceNumber is the call's own (0, 1, … per call: p->next_cb_seq, which
 * this moves on), so the caller writes p after this. */
static int call_event(struct cf_core *c, struct cf_conference *conf, struct cf_participant *p,
                      unsigned bit, const char *status, int64_t now)
{
    struct cf_buf b;
    int rc;
    if (!p->status_callback[0] || !(p->status_callback_events & bit)) return 0;
    if ((rc = head(c, &b, 16384, conf, p->next_cb_seq++, now))) return rc;
    cf_str_form_add(&b, "CallSid", p->call_sid);
    cf_str_form_add(&b, "CallStatus", status);
    cf_str_form_add(&b, "CallbackSource", "call-progress-events");
    cf_str_form_add(&b, "Direction", "outbound-api");
    cf_str_form_add(&b, "From", p->from);
    cf_str_form_add(&b, "To", p->to);
    if (bit == CF_CALLEV_COMPLETED) {
        char d[24];
        int64_t secs = p->joined_at && p->left_at ? (p->left_at - p->joined_at) / CF_USEC_PER_SEC : 0;
        snprintf(d, sizeof d, "%lld", (long long)secs);
        cf_str_form_add(&b, "CallDuration", d);
        cf_str_form_add(&b, "Duration", d);
    }
    rc = outbox_put(c, conf, p->call_sid,
                    bit == CF_CALLEV_INITIATED ? "call-initiated"
                    : bit == CF_CALLEV_RINGING ? "call-ringing"
                    : bit == CF_CALLEV_ANSWERED ? "call-answered" : "call-completed",
                    p->status_callback, p->status_callback_method, p->call_sid, cf_buf_str(&b), now);
    cf_buf_cleanup(&b);
    return rc;
}

/* Appends a recording status callback when the conference subscribed to
 * one of bits (CF_REV_*); status is the RecordingStatus sent. */
static int rec_event(struct cf_core *c, struct cf_conference *conf, const struct cf_recording *r,
                     unsigned bits, const char *status, int64_t now)
{
    struct cf_buf b;
    char n[24], ts[CF_RFC2822_LEN];
    int rc;
    if (!conf->rec_callback[0] || !(conf->rec_callback_events & bits)) return 0;
    if ((rc = head(c, &b, 16384, conf, -1, now))) return rc;
    /* SignalWire's payload always has CallSid (spec §8.5); a conference
     * recording belongs to no call (its call_sid is null): empty */
    cf_str_form_add(&b, "CallSid", "");
    cf_str_form_add(&b, "RecordingSid", r->sid);
    cf_str_form_add(&b, "RecordingStatus", status);
    cf_buf_printf(&b, "&RecordingUrl=");
    cf_str_urlencode(&b, c->base_url ? c->base_url : "");
    cf_buf_puts(&b, "%2F2010-04-01%2FAccounts%2F");
    cf_str_urlencode(&b, conf->project_id);
    cf_buf_puts(&b, "%2FRecordings%2F");
    cf_str_urlencode(&b, r->sid);
    snprintf(n, sizeof n, "%lld", (long long)(r->duration_s >= 0 ? r->duration_s : 0));
    cf_str_form_add(&b, "RecordingDuration", n);
    cf_str_form_add(&b, "RecordingChannels", "1");
    cf_str_form_add(&b, "RecordingSource", "Conference");
    cf_time_rfc2822(r->start_time, ts);
    cf_str_form_add(&b, "RecordingStartTime", ts);
    rc = outbox_put(c, conf, CF_STREAM_RECORDING, "recording-status", conf->rec_callback,
                    conf->rec_callback_method, NULL, cf_buf_str(&b), now);
    cf_buf_cleanup(&b);
    return rc;
}

/* Records a fetch for the webhook worker: an announcement to play (p the
 * participant it is for, NULL: the whole conference), or the hold or wait
 * music of a participant. */
static int queue_fetch(struct cf_core *c, const struct cf_conference *conf,
                       const struct cf_participant *p, const char *kind, const char *url,
                       const char *method, bool end_after, int64_t now)
{
    struct cf_ann_row r;
    int rc;
    memset(&r, 0, sizeof r);
    cf_str_copy(r.kind, sizeof r.kind, kind);
    cf_id_uuid(r.an.sid);
    memcpy(r.an.project_id, conf->project_id, sizeof r.an.project_id);
    memcpy(r.an.conference_sid, conf->sid, sizeof r.an.conference_sid);
    if (p) memcpy(r.an.call_sid, p->call_sid, sizeof r.an.call_sid);
    cf_str_copy(r.an.url, sizeof r.an.url, url);
    cf_str_copy(r.an.method, sizeof r.an.method, method ? method : "POST");
    r.an.date_created = now;
    r.end_after = end_after;
    if ((rc = c->st->ops->ann_insert(c->st, &r))) return rc;
    c->kicked = true;
    return 0;
}

/* Appends an announcement's outcome: announcement-end (reason NULL) or
 * announcement-fail with ReasonAnnouncementFailed; p is the participant of
 * a participant announcement, or NULL. */
static int announcement_event(struct cf_core *c, struct cf_conference *conf,
                              const struct cf_ann_row *r, const char *reason,
                              const struct cf_participant *p, int64_t now)
{
    struct cf_buf extra;
    int rc;
    cf_buf_init(&extra, 8192);
    cf_str_form_add(&extra, "AnnounceUrl", r->an.url);
    if (reason) cf_str_form_add(&extra, "ReasonAnnouncementFailed", reason);
    rc = append_event(c, conf, CF_CEV_ANNOUNCEMENT, reason ? "announcement-fail" : "announcement-end",
                      p, now, cf_buf_str(&extra));
    cf_buf_cleanup(&extra);
    return rc;
}

static bool announcement_active(const char *status)
{
    return strcmp(status, "queued") == 0 || strcmp(status, "fetching") == 0 ||
           strcmp(status, "playing") == 0;
}

#define CUT_BATCH 64

/* Announcements cut short: those of the conference not yet over (p NULL:
 * it is ending), or of participant p (p is leaving), fail at once with
 * reason (ReasonAnnouncementFailed) and their announcement-fail event,
 * instead of ending later as if they had played, or never reporting at all
 * (a conference's events stop at conference-end). Whatever the fetch or the
 * engine reports for them afterwards is ignored: they are no longer
 * fetching or playing. live[0..nlive) are the conference's live
 * participants when p is NULL, to name a participant announcement's call. */
static int cut_announcements(struct cf_core *c, struct cf_conference *conf,
                             const struct cf_participant *p, const struct cf_participant *live,
                             size_t nlive, const char *reason, struct cf_arena *a, int64_t now)
{
    struct cf_ann_row *rows = NULL;
    size_t n = 0;
    int rc;
    do {
        rc = c->st->ops->ann_active(c->st, conf->sid, p ? p->call_sid : NULL, CUT_BATCH, a, &rows,
                                    &n);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            const struct cf_participant *who = p;
            struct cf_participant gone;
            if (!who && rows[i].an.call_sid[0]) {
                for (size_t k = 0; k < nlive && !who; k++)
                    if (strcmp(live[k].call_sid, rows[i].an.call_sid) == 0) who = &live[k];
                if (!who && c->st->ops->part_get(c->st, conf->project_id, conf->sid,
                                                 rows[i].an.call_sid, true, &gone) == 0)
                    who = &gone;
            }
            if ((rc = c->st->ops->ann_set_status(c->st, rows[i].an.sid, "failed", reason, now)))
                break;
            rc = announcement_event(c, conf, &rows[i], reason, who, now);
        }
    } while (rc == 0 && n == CUT_BATCH);
    return rc;
}

/* Takes one live participant out: its announcements cut short (unless the
 * caller has cut them already: cut false), final status, reason, call
 * status, events. */
static int leave(struct cf_core *c, struct cf_conference *conf, struct cf_participant *p,
                 enum cf_part_event pev, enum cf_leave_reason why, const char *call_status,
                 bool cut, struct cf_arena *a, int64_t now)
{
    enum cf_part_status to;
    int rc;
    if (cf_lifecycle_participant(p->status, pev, &to)) return 0; /* already gone */
    if (cut && (rc = cut_announcements(c, conf, p, NULL, 0, "participant-left", a, now)))
        return rc;
    p->status = to;
    p->leave_reason = why;
    cf_str_copy(p->call_status, sizeof p->call_status, call_status);
    p->left_at = now;
    p->date_updated = now;
    if ((rc = call_event(c, conf, p, CF_CALLEV_COMPLETED, p->call_status, now))) return rc;
    if ((rc = c->st->ops->part_update(c->st, p))) return rc;
    return append_event(c, conf, CF_CEV_LEAVE, "participant-leave", p, now, NULL);
}

/* Ends the conference: every live participant leaves, conference-end is
 * appended, then running recordings complete (their callbacks follow the
 * conference-end, spec §8.1). ender is the participant whose leaving ended
 * it (NULL: the API). The caller saves conf. */
static int end_conference(struct cf_core *c, struct cf_conference *conf, enum cf_end_reason reason,
                          const struct cf_participant *ender, struct cf_arena *a, struct hangups *h,
                          int64_t now)
{
    struct cf_participant *live = NULL;
    struct cf_recording *recs = NULL;
    size_t n = 0, nr = 0;
    int rc;
    enum cf_leave_reason why =
        reason == CF_END_API ? CF_LEAVE_CONFERENCE_ENDED_VIA_API : CF_LEAVE_MODERATOR_ENDED_CONFERENCE;
    if ((rc = c->st->ops->part_live(c->st, conf->project_id, conf->sid, a, &live, &n))) return rc;
    /* every announcement still to play, the participants' too, before they leave */
    if ((rc = cut_announcements(c, conf, NULL, live, n, "conference-ended", a, now))) return rc;
    for (size_t i = 0; i < n; i++) {
        /* a call still being dialled is cancelled, a connected one completes */
        const char *cs = live[i].status == CF_PART_IN_PROGRESS ? "completed" : "canceled";
        if ((rc = leave(c, conf, &live[i], CF_PE_ENDED, why, cs, false, a, now))) return rc;
        hangups_add(h, a, live[i].call_sid);
    }
    conf->status = CF_CONF_COMPLETED;
    conf->end_reason = reason;
    cf_str_copy(conf->call_sid_ending, sizeof conf->call_sid_ending, ender ? ender->call_sid : "");
    conf->date_updated = now;
    if (ender && ender->label[0]) {
        struct cf_buf extra;
        cf_buf_init(&extra, 4096);
        cf_str_form_add(&extra, "ParticipantLabelEndingConference", ender->label);
        rc = append_event(c, conf, CF_CEV_END, "conference-end", NULL, now, cf_buf_str(&extra));
        cf_buf_cleanup(&extra);
    } else {
        rc = append_event(c, conf, CF_CEV_END, "conference-end", NULL, now, NULL);
    }
    if (rc) return rc;
    if ((rc = c->st->ops->rec_live(c->st, conf->project_id, conf->sid, a, &recs, &nr))) return rc;
    for (size_t i = 0; i < nr; i++) {
        if (cf_recording_finish(&recs[i], CF_REC_COMPLETED, now)) continue;
        if ((rc = c->st->ops->rec_update(c->st, &recs[i]))) return rc;
        if ((rc = rec_event(c, conf, &recs[i], CF_REV_COMPLETED, "completed", now))) return rc;
        recs_add(h, &recs[i], false);
    }
    return 0;
}

/* Counts connected participants and whether one of them starts the conference. */
static int start_facts(struct cf_core *c, const struct cf_conference *conf, struct cf_arena *a,
                       bool *can_start, size_t *nlive)
{
    struct cf_participant *live = NULL;
    size_t n = 0, connected = 0;
    bool starter = false;
    int rc = c->st->ops->part_live(c->st, conf->project_id, conf->sid, a, &live, &n);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        if (live[i].status != CF_PART_IN_PROGRESS) continue;
        connected++;
        if (live[i].start_on_enter) starter = true;
    }
    *can_start = connected >= 2 && starter;
    *nlive = n;
    return 0;
}

int cf_core_conference_get(struct cf_core *c, const char *project_id, const char *sid,
                           struct cf_conference *out)
{
    return c->st->ops->conf_get(c->st, project_id, sid, out);
}

int cf_core_conference_get_public(struct cf_core *c, const char *project_id, const char *sid,
                                  struct cf_conference *out)
{
    return c->st->ops->conf_get_public(c->st, project_id, sid, out);
}

int cf_core_conference_list(struct cf_core *c, const char *project_id,
                            const struct cf_conf_filter *f, const struct cf_page_req *pg,
                            struct cf_arena *a, struct cf_conference **items,
                            struct cf_page_res *res)
{
    return c->st->ops->conf_list(c->st, project_id, f, pg, a, items, res);
}

int cf_core_participant_get(struct cf_core *c, const char *project_id, const char *conf_sid,
                            const char *key, struct cf_participant *out)
{
    return c->st->ops->part_get(c->st, project_id, conf_sid, key, false, out);
}

int cf_core_participant_list(struct cf_core *c, const char *project_id, const char *conf_sid,
                             const struct cf_part_filter *f, const struct cf_page_req *pg,
                             struct cf_arena *a, struct cf_participant **items,
                             struct cf_page_res *res)
{
    return c->st->ops->part_list(c->st, project_id, conf_sid, f, pg, a, items, res);
}

int cf_core_conference_update(struct cf_core *c, const char *project_id, const char *sid,
                              const struct cf_conf_update *u, struct cf_conference *out,
                              struct cf_err *err)
{
    struct cf_store *st = c->st;
    struct cf_arena a;
    struct hangups h = {0};
    int64_t now = cf_time_now_us();
    int rc;
    cf_arena_init(&a);
    if ((rc = st->ops->begin(st, true))) goto out;
    if ((rc = st->ops->conf_get(st, project_id, sid, out))) {
        if (rc == CF_ENOTFOUND) cf_err_set(err, rc, "The requested conference %s was not found", sid);
        goto rollback;
    }
    if (out->status == CF_CONF_COMPLETED && (u->end || u->announce_url)) {
        rc = cf_err_set(err, CF_ESTATE, "Conference %s is completed and cannot be updated", sid);
        goto rollback;
    }
    if (u->announce_url) {
        /* With Status=completed too, the conference ends once it has played
         * (confab's "announce then end"). */
        if ((rc = queue_fetch(c, out, NULL, "announce", u->announce_url, u->announce_method,
                              u->end, now)))
            goto rollback;
    }
    if (u->end && !u->announce_url) {
        struct cf_lc_facts facts = {false, false, false};
        struct cf_lc_step step;
        if ((rc = cf_lifecycle_conference(out->status, CF_LC_API_END, &facts, &step))) {
            cf_err_set(err, rc, "Conference %s is completed and cannot be updated", sid);
            goto rollback;
        }
        if ((rc = end_conference(c, out, step.reason, NULL, &a, &h, now))) goto rollback;
        if ((rc = st->ops->conf_update(st, out))) goto rollback;
    }
    if ((rc = st->ops->commit(st))) goto out;
    hangups_run(c, &h);
    goto out;
rollback:
    st->ops->rollback(st);
out:
    if (rc == CF_ESTORE) cf_err_set(err, rc, "The store failed");
    cf_arena_cleanup(&a);
    return rc;
}

static int find_or_create_conference(struct cf_core *c, const char *project_id, const char *key,
                                     const struct cf_part_create *pc, int64_t now,
                                     struct cf_conference *conf, struct cf_err *err)
{
    struct cf_store *st = c->st;
    int rc;
    if (cf_id_is_uuid(key)) {
        rc = st->ops->conf_get(st, project_id, key, conf);
        if (rc == 0 && conf->status == CF_CONF_COMPLETED)
            return cf_err_set(err, CF_ESTATE, "Conference %s is completed", key);
        if (rc != CF_ENOTFOUND) return rc;
    }
    rc = st->ops->conf_get_live_by_name(st, project_id, key, conf);
    if (rc != CF_ENOTFOUND) return rc;
    if (cf_id_is_uuid(key))
        return cf_err_set(err, CF_ENOTFOUND, "The requested conference %s was not found", key);
    if (c->max_live_conferences > 0) {
        int64_t nconf = 0, npart = 0;
        if ((rc = st->ops->count_live(st, project_id, &nconf, &npart))) return rc;
        if (nconf >= c->max_live_conferences)
            return cf_err_set(err, CF_ELIMIT, "The project has %lld live conferences, its cap",
                              (long long)nconf);
    }
    memset(conf, 0, sizeof *conf);
    cf_id_uuid(conf->sid);
    cf_str_copy(conf->project_id, sizeof conf->project_id, project_id);
    if (cf_str_copy(conf->friendly_name, sizeof conf->friendly_name, key))
        return cf_err_set(err, CF_EINVAL, "FriendlyName is too long");
    cf_str_copy(conf->region, sizeof conf->region, c->region);
    conf->status = CF_CONF_INIT;
    conf->date_created = conf->date_updated = now;
    if (pc->conf_status_callback)
        cf_str_copy(conf->status_callback, sizeof conf->status_callback, pc->conf_status_callback);
    cf_str_copy(conf->status_callback_method, sizeof conf->status_callback_method,
                pc->conf_status_callback_method ? pc->conf_status_callback_method : "POST");
    conf->status_callback_events = pc->conf_status_callback_events;
    conf->max_participants = pc->max_participants > 0 ? pc->max_participants : 250;
    conf->record_from_start = pc->record_from_start;
    conf->trim_silence = pc->trim_silence;
    if (pc->rec_callback) {
        cf_str_copy(conf->rec_callback, sizeof conf->rec_callback, pc->rec_callback);
        cf_str_copy(conf->rec_callback_method, sizeof conf->rec_callback_method,
                    pc->rec_callback_method ? pc->rec_callback_method : "POST");
        conf->rec_callback_events = pc->rec_callback_events;
    }
    return st->ops->conf_insert(st, conf);
}

int cf_core_participant_create(struct cf_core *c, const char *project_id, const char *conf_key,
                               const struct cf_part_create *pc, struct cf_participant *out,
                               struct cf_err *err)
{
    struct cf_store *st = c->st;
    struct cf_conference conf, was;
    struct cf_core_after_item d;
    char coach[CF_UUID_SIZE] = "";
    int64_t now = cf_time_now_us();
    int64_t t0 = cf_time_monotonic_us();
    int rc;
    if ((rc = st->ops->begin(st, true))) goto out;
    if ((rc = find_or_create_conference(c, project_id, conf_key, pc, now, &conf, err))) {
        if (rc == CF_EEXIST) rc = CF_ESTORE; /* a racing create: the lock makes this rare */
        goto rollback;
    }
    was = conf;
    if (pc->call_sid_to_coach && *pc->call_sid_to_coach) {
        struct cf_participant target;
        rc = st->ops->part_get(st, project_id, conf.sid, pc->call_sid_to_coach, false, &target);
        if (rc == CF_ENOTFOUND) {
            rc = cf_err_set(err, CF_EREF, "CallSidToCoach %s is not a live participant of "
                            "conference %s", pc->call_sid_to_coach, conf.sid);
            goto rollback;
        }
        if (rc) goto rollback;
        memcpy(coach, target.call_sid, sizeof coach);
    } else if (pc->coaching == 1) {
        rc = cf_err_set(err, CF_EREF, "Coaching=true needs CallSidToCoach naming a live "
                        "participant of conference %s", conf.sid);
        goto rollback;
    }
    if (c->max_live_participants > 0) {
        int64_t nconf = 0, npart = 0;
        if ((rc = st->ops->count_live(st, project_id, &nconf, &npart))) goto rollback;
        if (npart >= c->max_live_participants) {
            rc = cf_err_set(err, CF_ELIMIT, "The project has %lld live participants, its cap",
                            (long long)npart);
            goto rollback;
        }
    }
    memset(out, 0, sizeof *out);
    cf_id_uuid(out->call_sid);
    if (coach[0]) {
        memcpy(out->call_sid_to_coach, coach, sizeof out->call_sid_to_coach);
        out->coaching = pc->coaching != 0;
    }
    memcpy(out->project_id, conf.project_id, sizeof out->project_id);
    memcpy(out->conference_sid, conf.sid, sizeof out->conference_sid);
    if (pc->label) cf_str_copy(out->label, sizeof out->label, pc->label);
    cf_str_copy(out->from, sizeof out->from, pc->from);
    cf_str_copy(out->to, sizeof out->to, pc->to);
    out->status = CF_PART_QUEUED;
    out->muted = pc->muted;
    out->start_on_enter = pc->start_on_enter;
    out->end_on_exit = pc->end_on_exit;
    out->beep_on_exit = pc->beep_on_exit;
    out->timeout_s = pc->timeout_s > 0 ? pc->timeout_s : 60;
    if (pc->status_callback) {
        cf_str_copy(out->status_callback, sizeof out->status_callback, pc->status_callback);
        cf_str_copy(out->status_callback_method, sizeof out->status_callback_method,
                    pc->status_callback_method ? pc->status_callback_method : "POST");
        out->status_callback_events = pc->status_callback_events;
    }
    out->date_created = out->date_updated = now;
    if ((rc = call_event(c, &conf, out, CF_CALLEV_INITIATED, "queued", now))) goto rollback;
    if ((rc = st->ops->part_insert(st, out))) {
        if (rc == CF_EEXIST)
            cf_err_set(err, rc, "A participant labelled '%s' is already in the conference",
                       pc->label ? pc->label : "");
        goto rollback;
    }
    if (pc->wait_url && *pc->wait_url && conf.status == CF_CONF_INIT &&
        (rc = queue_fetch(c, &conf, out, "wait", pc->wait_url, pc->wait_method, false, now)))
        goto rollback;
    conf.date_updated = now;
    if ((rc = save_conf(c, &was, &conf))) goto rollback;
    if ((rc = st->ops->commit(st))) goto out;
    notify(c);
    out->queue_time_ms = (cf_time_monotonic_us() - t0) / 1000;
    memset(&d, 0, sizeof d);
    d.kind = FX_DIAL;
    memcpy(d.d.project_id, out->project_id, sizeof d.d.project_id);
    memcpy(d.d.conference_sid, out->conference_sid, sizeof d.d.conference_sid);
    memcpy(d.d.call_sid, out->call_sid, sizeof d.d.call_sid);
    memcpy(d.d.from, out->from, sizeof d.d.from);
    memcpy(d.d.to, out->to, sizeof d.d.to);
    d.d.timeout_s = out->timeout_s;
    d.d.muted = out->muted;
    fx(c, &d);
    goto out;
rollback:
    st->ops->rollback(st);
out:
    if (rc == CF_ESTORE) cf_err_set(err, rc, "The store failed");
    return rc;
}

static int on_gone(struct cf_core *c, struct cf_conference *conf, struct cf_participant *p,
                   enum cf_part_event pev, const char *detail, struct cf_arena *a,
                   struct hangups *h, int64_t now);

/* Counts the participants whose call is up. */
static int count_connected(struct cf_core *c, const struct cf_conference *conf, struct cf_arena *a,
                           size_t *n)
{
    struct cf_participant *live = NULL;
    size_t nl = 0;
    int rc = c->st->ops->part_live(c->st, conf->project_id, conf->sid, a, &live, &nl);
    *n = 0;
    for (size_t i = 0; i < nl; i++)
        if (live[i].status == CF_PART_IN_PROGRESS) (*n)++;
    return rc;
}

/* The participant's call was answered: it joins, and the conference may start.
 * A conference already at MaxParticipants refuses the join: the call fails. */
static int on_answered(struct cf_core *c, struct cf_conference *conf, struct cf_participant *p,
                       struct cf_arena *a, struct hangups *h, int64_t now)
{
    enum cf_part_status to;
    struct cf_lc_facts facts = {false, false, false};
    struct cf_lc_step step;
    size_t nlive;
    int rc;
    if (conf->status == CF_CONF_COMPLETED || cf_lifecycle_participant(p->status, CF_PE_ANSWERED, &to)) {
        hangups_add(h, a, p->call_sid); /* too late: the store already ended it */
        return 0;
    }
    {
        size_t connected;
        if ((rc = count_connected(c, conf, a, &connected))) return rc;
        if (conf->max_participants > 0 && connected >= (size_t)conf->max_participants) {
            hangups_add(h, a, p->call_sid);
            return on_gone(c, conf, p, CF_PE_FAILED, "failed", a, h, now);
        }
    }
    p->status = to;
    p->joined_at = now;
    p->date_updated = now;
    if ((rc = call_event(c, conf, p, CF_CALLEV_ANSWERED, "in-progress", now))) return rc;
    if ((rc = c->st->ops->part_update(c->st, p))) return rc;
    if ((rc = append_event(c, conf, CF_CEV_JOIN, "participant-join", p, now, NULL))) return rc;
    if ((rc = start_facts(c, conf, a, &facts.can_start, &nlive))) return rc;
    if ((rc = cf_lifecycle_conference(conf->status, CF_LC_CONNECTED, &facts, &step))) return rc;
    if (step.effects & CF_LC_FX_START) {
        conf->status = step.to;
        conf->date_updated = now;
        if ((rc = append_event(c, conf, CF_CEV_START, "conference-start", NULL, now, NULL))) return rc;
        if (conf->record_from_start) {
            struct cf_recording rec;
            memset(&rec, 0, sizeof rec);
            cf_id_uuid(rec.sid);
            memcpy(rec.project_id, conf->project_id, sizeof rec.project_id);
            memcpy(rec.conference_sid, conf->sid, sizeof rec.conference_sid);
            cf_recording_start(&rec, now);
            if ((rc = c->st->ops->rec_insert(c->st, &rec))) return rc;
            if ((rc = rec_event(c, conf, &rec, CF_REV_STARTED | CF_REV_IN_PROGRESS, "in-progress",
                                now)))
                return rc;
            recs_add(h, &rec, true);
        }
    }
    return 0;
}

/* The participant's call ended or failed: it leaves, and the conference may end. */
static int on_gone(struct cf_core *c, struct cf_conference *conf, struct cf_participant *p,
                   enum cf_part_event pev, const char *detail, struct cf_arena *a,
                   struct hangups *h, int64_t now)
{
    bool was_connected = p->status == CF_PART_IN_PROGRESS;
    struct cf_lc_facts facts = {false, false, false};
    struct cf_lc_step step;
    enum cf_leave_reason why = pev == CF_PE_FAILED ? CF_LEAVE_PARTICIPANT_ADD_FAILED
                                                   : CF_LEAVE_PARTICIPANT_HUNG_UP;
    const char *cs = pev == CF_PE_FAILED ? (detail[0] ? detail : "failed") : "completed";
    size_t nlive;
    int rc;
    if (!cf_part_is_live(p->status)) return 0;
    if ((rc = leave(c, conf, p, pev, why, cs, true, a, now))) return rc;
    if ((rc = start_facts(c, conf, a, &facts.can_start, &nlive))) return rc;
    facts.eoe = was_connected && p->end_on_exit;
    facts.last = nlive == 0;
    if ((rc = cf_lifecycle_conference(conf->status, CF_LC_LEFT, &facts, &step))) return rc;
    if (step.effects & CF_LC_FX_END)
        return end_conference(c, conf, step.reason, p, a, h, now);
    return 0;
}

/* An announcement has played (reason NULL) or failed: its status, the
 * announcement-end/-fail event, and for "announce then end" the end. */
static int announcement_outcome(struct cf_core *c, struct cf_conference *conf,
                                const struct cf_ann_row *r, const char *reason, struct cf_arena *a,
                                struct hangups *h, int64_t now)
{
    struct cf_participant p;
    bool have_p = false;
    int rc;
    if ((rc = c->st->ops->ann_set_status(c->st, r->an.sid, reason ? "failed" : "played", reason, now)))
        return rc;
    /* (a completed conference has no announcement still to play: its end
     * cut them short; only rows from before that rule land here) */
    if (conf->status == CF_CONF_COMPLETED || strcmp(r->kind, "announce") != 0) return 0;
    if (r->an.call_sid[0] &&
        c->st->ops->part_get(c->st, conf->project_id, conf->sid, r->an.call_sid, true, &p) == 0)
        have_p = true;
    if ((rc = announcement_event(c, conf, r, reason, have_p ? &p : NULL, now))) return rc;
    if (r->end_after) return end_conference(c, conf, CF_END_API, NULL, a, h, now);
    return 0;
}

int cf_core_announcement_failed(struct cf_core *c, const char *ann_sid, const char *reason)
{
    struct cf_store *st = c->st;
    struct cf_conference conf, was;
    struct cf_ann_row r;
    struct cf_arena a;
    struct hangups h = {0};
    int64_t now = cf_time_now_us();
    int rc;
    cf_arena_init(&a);
    if ((rc = st->ops->begin(st, true))) goto out;
    if ((rc = st->ops->ann_get(st, ann_sid, &r)) ||
        (rc = st->ops->conf_get(st, r.an.project_id, r.an.conference_sid, &conf)))
        goto rollback;
    if (!announcement_active(r.status)) { /* cut short meanwhile: its outcome is written */
        st->ops->rollback(st);
        goto out;
    }
    was = conf;
    if ((rc = announcement_outcome(c, &conf, &r, reason, &a, &h, now)) ||
        (rc = save_conf(c, &was, &conf)))
        goto rollback;
    if ((rc = st->ops->commit(st))) goto out;
    hangups_run(c, &h);
    goto out;
rollback:
    st->ops->rollback(st);
out:
    cf_arena_cleanup(&a);
    return rc;
}

int cf_core_announcement_play(struct cf_core *c, const struct cf_ann_row *r,
                              const struct cf_engine_play_item *items, size_t n, double max_seconds)
{
    struct cf_ann_row now;
    int rc;
    /* Cut short while it was fetched (its conference ended, its participant
     * left): its outcome is written, nothing is played. */
    if ((rc = c->st->ops->ann_get(c->st, r->an.sid, &now))) return rc;
    if (strcmp(now.status, "fetching") != 0) return 0;
    if (strcmp(r->kind, "announce") != 0) {
        /* Hold and wait music loop while the participant holds or waits;
         * the engine is told with hold(): the playlist is ready. */
        return c->st->ops->ann_set_status(c->st, r->an.sid, "ready", NULL, cf_time_now_us());
    }
    rc = c->st->ops->ann_set_status(c->st, r->an.sid, "playing", NULL, cf_time_now_us());
    if (rc) return rc;
    return c->eng->ops->play(c->eng, r->an.project_id, r->an.conference_sid, r->an.call_sid,
                             r->an.sid, items, n, max_seconds);
}

int cf_core_recover(struct cf_core *c)
{
    struct cf_ann_row *rows = NULL;
    struct cf_arena a;
    size_t n = 0;
    int rc;
    cf_arena_init(&a);
    {
        /* Calls a previous run was still dialling are dialled again: the
         * engine lost them with the process, the store still has them. */
        struct cf_participant *dialing = NULL;
        size_t nd = 0;
        if (c->st->ops->part_dialing(c->st, &a, &dialing, &nd) == 0) {
            for (size_t i = 0; i < nd; i++) {
                struct cf_engine_dial d;
                memset(&d, 0, sizeof d);
                memcpy(d.project_id, dialing[i].project_id, sizeof d.project_id);
                memcpy(d.conference_sid, dialing[i].conference_sid, sizeof d.conference_sid);
                memcpy(d.call_sid, dialing[i].call_sid, sizeof d.call_sid);
                memcpy(d.from, dialing[i].from, sizeof d.from);
                memcpy(d.to, dialing[i].to, sizeof d.to);
                d.timeout_s = dialing[i].timeout_s;
                d.muted = dialing[i].muted;
                c->eng->ops->dial(c->eng, &d);
            }
        }
    }
    rc = c->st->ops->ann_interrupted(c->st, &a, &rows, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (strcmp(rows[i].status, "fetching") == 0)
            rc = c->st->ops->ann_set_status(c->st, rows[i].an.sid, "queued", NULL, cf_time_now_us());
        else
            rc = cf_core_announcement_failed(c, rows[i].an.sid, "interrupted");
    }
    cf_arena_cleanup(&a);
    return rc;
}

void cf_core_on_engine_event(struct cf_core *c, const struct cf_engine_event *ev)
{
    struct cf_store *st = c->st;
    struct cf_conference conf, was;
    struct cf_participant p;
    struct cf_arena a;
    struct hangups h = {0};
    int64_t now = ev->at ? ev->at : cf_time_now_us();
    int rc;
    cf_arena_init(&a);
    if ((rc = st->ops->begin(st, true))) goto out;
    if ((rc = st->ops->conf_get(st, ev->project_id, ev->conference_sid, &conf))) goto rollback;
    was = conf;
    if (ev->call_sid[0]) {
        rc = st->ops->part_get(st, ev->project_id, ev->conference_sid, ev->call_sid, true, &p);
        if (rc) goto rollback;
    } else if (ev->type == CF_EE_RINGING || ev->type == CF_EE_ANSWERED ||
               ev->type == CF_EE_FAILED || ev->type == CF_EE_ENDED) {
        rc = CF_EINVAL; /* a call event must name its call */
        goto rollback;
    }
    switch (ev->type) {
    case CF_EE_RINGING: {
        enum cf_part_status to;
        if (cf_lifecycle_participant(p.status, CF_PE_RINGING, &to) == 0) {
            p.status = to;
            p.date_updated = now;
            rc = call_event(c, &conf, &p, CF_CALLEV_RINGING, "ringing", now);
            if (!rc) rc = st->ops->part_update(st, &p);
        }
        break;
    }
    case CF_EE_ANSWERED: rc = on_answered(c, &conf, &p, &a, &h, now); break;
    case CF_EE_FAILED: rc = on_gone(c, &conf, &p, CF_PE_FAILED, ev->detail, &a, &h, now); break;
    case CF_EE_ENDED: rc = on_gone(c, &conf, &p, CF_PE_ENDED, ev->detail, &a, &h, now); break;
    case CF_EE_PLAY_DONE:
    case CF_EE_PLAY_FAILED: {
        struct cf_ann_row r;
        rc = st->ops->ann_get(st, ev->ref_sid, &r);
        if (rc == 0 && strcmp(r.status, "playing") == 0)
            rc = announcement_outcome(c, &conf, &r, ev->type == CF_EE_PLAY_DONE ? NULL : "playback-failed",
                                      &a, &h, now);
        break;
    }
    case CF_EE_RECORDING_DONE: {
        struct cf_recording rec;
        rc = st->ops->rec_get(st, ev->project_id, ev->conference_sid, ev->ref_sid, &rec);
        if (rc == 0 && rec.status == CF_REC_STOPPED) {
            rec.status = CF_REC_COMPLETED;
            rec.date_updated = now;
            rc = st->ops->rec_update(st, &rec);
            if (!rc) rc = rec_event(c, &conf, &rec, CF_REV_COMPLETED, "completed", now);
        }
        break;
    }
    default: break;
    }
    if (rc) goto rollback;
    if ((rc = save_conf(c, &was, &conf))) goto rollback;
    if ((rc = st->ops->commit(st))) goto out;
    hangups_run(c, &h);
    goto out;
rollback:
    st->ops->rollback(st);
out:
    if (rc && rc != CF_ENOTFOUND)
        cf_log(CF_LOG_ERROR, NULL, "msg=\"engine event failed\" call=%s rc=%s", ev->call_sid,
               cf_errname(rc));
    cf_arena_cleanup(&a);
}

/* Runs fn inside one write transaction with the conference and a live
 * participant loaded; commits and carries out the hangups. */
static int with_participant(struct cf_core *c, const char *project_id, const char *conf_sid,
                            const char *key, struct cf_err *err,
                            int (*fn)(struct cf_core *c, struct cf_conference *conf,
                                      struct cf_participant *p, struct cf_arena *a,
                                      struct hangups *h, int64_t now, const void *arg,
                                      struct cf_err *err),
                            const void *arg, struct cf_participant *out)
{
    struct cf_store *st = c->st;
    struct cf_conference conf;
    struct cf_participant p;
    struct cf_arena a;
    struct hangups h = {0};
    int64_t now = cf_time_now_us();
    int rc;
    cf_arena_init(&a);
    if ((rc = st->ops->begin(st, true))) goto out;
    if ((rc = st->ops->conf_get(st, project_id, conf_sid, &conf))) goto rollback;
    if (conf.status == CF_CONF_COMPLETED) {
        rc = cf_err_set(err, CF_ESTATE, "Conference %s is completed and its participants cannot "
                        "be changed", conf.sid);
        goto rollback;
    }
    if ((rc = st->ops->part_get(st, project_id, conf.sid, key, false, &p))) goto rollback;
    {
        /* most participant changes leave the conference as it was but for the
         * sequence number (its date_updated moves only with its own changes) */
        struct cf_conference was = conf;
        if ((rc = fn(c, &conf, &p, &a, &h, now, arg, err))) goto rollback;
        if ((rc = save_conf(c, &was, &conf))) goto rollback;
    }
    if ((rc = st->ops->commit(st))) goto out;
    hangups_run(c, &h);
    if (out) *out = p;
    goto out;
rollback:
    st->ops->rollback(st);
out:
    if (rc == CF_ESTORE) cf_err_set(err, rc, "The store failed");
    cf_arena_cleanup(&a);
    return rc;
}

static int do_update(struct cf_core *c, struct cf_conference *conf, struct cf_participant *p,
                     struct cf_arena *a, struct hangups *h, int64_t now, const void *arg,
                     struct cf_err *err)
{
    const struct cf_part_update *u = arg;
    bool was_muted = p->muted, was_hold = p->hold;
    bool modified = false;
    int rc;
    (void)h;
    if (u->call_sid_to_coach) {
        if (!*u->call_sid_to_coach) {
            p->call_sid_to_coach[0] = '\0';
            p->coaching = false;
        } else {
            struct cf_participant target;
            rc = c->st->ops->part_get(c->st, p->project_id, conf->sid, u->call_sid_to_coach, false,
                                      &target);
            if (rc == CF_ENOTFOUND || (rc == 0 && strcmp(target.call_sid, p->call_sid) == 0))
                return cf_err_set(err, CF_EREF, "CallSidToCoach %s is not another live "
                                  "participant of conference %s", u->call_sid_to_coach, conf->sid);
            if (rc) return rc;
            memcpy(p->call_sid_to_coach, target.call_sid, sizeof p->call_sid_to_coach);
        }
        modified = true;
    }
    if (u->coaching >= 0) {
        if (u->coaching && !p->call_sid_to_coach[0])
            return cf_err_set(err, CF_EREF, "Coaching=true needs CallSidToCoach naming a live "
                              "participant of conference %s", conf->sid);
        if (p->coaching != (u->coaching == 1)) modified = true;
        p->coaching = u->coaching == 1;
    } else if (u->call_sid_to_coach && *u->call_sid_to_coach) {
        p->coaching = true;
    }
    if (u->muted >= 0) p->muted = u->muted == 1;
    if (u->hold >= 0) p->hold = u->hold == 1;
    if (u->beep_on_exit >= 0 && p->beep_on_exit != (u->beep_on_exit == 1)) {
        p->beep_on_exit = u->beep_on_exit == 1;
        modified = true;
    }
    if (u->end_on_exit >= 0 && p->end_on_exit != (u->end_on_exit == 1)) {
        p->end_on_exit = u->end_on_exit == 1;
        modified = true;
    }
    if (u->wait_url) modified = true;
    if (u->announce_url &&
        (rc = queue_fetch(c, conf, p, "announce", u->announce_url, u->announce_method, false, now)))
        return rc;
    if (u->hold == 1 && u->hold_url &&
        (rc = queue_fetch(c, conf, p, "hold", u->hold_url, u->hold_method, false, now)))
        return rc;
    if (u->wait_url && *u->wait_url && conf->status == CF_CONF_INIT &&
        (rc = queue_fetch(c, conf, p, "wait", u->wait_url, u->wait_method, false, now)))
        return rc;
    p->date_updated = now;
    if ((rc = c->st->ops->part_update_flags(c->st, p))) return rc;
    if (p->muted != was_muted &&
        (rc = append_event(c, conf, CF_CEV_MUTE, p->muted ? "participant-mute" : "participant-unmute",
                           p, now, NULL)))
        return rc;
    if (p->hold != was_hold &&
        (rc = append_event(c, conf, CF_CEV_HOLD, p->hold ? "participant-hold" : "participant-unhold",
                           p, now, NULL)))
        return rc;
    if (modified && (rc = append_event(c, conf, CF_CEV_MODIFY, "participant-modify", p, now, NULL)))
        return rc;
    (void)a;
    return 0;
}

int cf_core_participant_update(struct cf_core *c, const char *project_id, const char *conf_sid,
                               const char *key, const struct cf_part_update *u,
                               struct cf_participant *out, struct cf_err *err)
{
    int rc = with_participant(c, project_id, conf_sid, key, err, do_update, u, out);
    if (rc == 0) {
        if (u->muted >= 0) fx_call(c, FX_MUTE, out->call_sid, out->muted);
        if (u->hold >= 0) fx_call(c, FX_HOLD, out->call_sid, out->hold);
    }
    return rc;
}

/* A participant leaves because of the API (kick) or its call being ended. */
static int do_remove(struct cf_core *c, struct cf_conference *conf, struct cf_participant *p,
                     struct cf_arena *a, struct hangups *h, int64_t now, const void *arg,
                     struct cf_err *err)
{
    bool kicked = *(const bool *)arg;
    bool was_connected = p->status == CF_PART_IN_PROGRESS;
    struct cf_lc_facts facts = {false, false, false};
    struct cf_lc_step step;
    size_t nlive;
    int rc;
    (void)err;
    rc = leave(c, conf, p, CF_PE_ENDED,
               kicked ? CF_LEAVE_PARTICIPANT_UPDATED_VIA_API : CF_LEAVE_PARTICIPANT_HUNG_UP,
               was_connected ? "completed" : "canceled", true, a, now);
    if (rc) return rc;
    hangups_add(h, a, p->call_sid);
    if ((rc = start_facts(c, conf, a, &facts.can_start, &nlive))) return rc;
    facts.eoe = was_connected && p->end_on_exit;
    facts.last = nlive == 0;
    if ((rc = cf_lifecycle_conference(conf->status, kicked ? CF_LC_KICKED : CF_LC_LEFT, &facts,
                                      &step)))
        return rc;
    if (step.effects & CF_LC_FX_END)
        return end_conference(c, conf, step.reason, p, a, h, now);
    return 0;
}

int cf_core_participant_kick(struct cf_core *c, const char *project_id, const char *conf_sid,
                             const char *key, struct cf_err *err)
{
    bool kicked = true;
    return with_participant(c, project_id, conf_sid, key, err, do_remove, &kicked, NULL);
}

/* Status=canceled: like Twilio's Calls API, it ends a call only while it is
 * being dialled (queued, ringing); a connected call stays as it is. Decided
 * in the write transaction, where the status cannot change under it. */
static int do_cancel(struct cf_core *c, struct cf_conference *conf, struct cf_participant *p,
                     struct cf_arena *a, struct hangups *h, int64_t now, const void *arg,
                     struct cf_err *err)
{
    if (p->status == CF_PART_IN_PROGRESS) return 0;
    return do_remove(c, conf, p, a, h, now, arg, err);
}

int cf_core_call_hangup(struct cf_core *c, const char *project_id, const char *call_sid,
                        bool cancel, struct cf_participant *out, struct cf_err *err)
{
    bool kicked = false;
    int rc = c->st->ops->call_get(c->st, project_id, call_sid, out);
    if (rc) return rc;
    if (!cf_part_is_live(out->status)) return 0; /* already over: answer its final state */
    rc = with_participant(c, project_id, out->conference_sid, out->call_sid, err,
                          cancel ? do_cancel : do_remove, &kicked, out);
    if (rc == CF_ENOTFOUND || rc == CF_ESTATE) /* it ended meanwhile */
        rc = c->st->ops->call_get(c->st, project_id, call_sid, out);
    return rc;
}

/* Loads a recording by sid or, sid NULL, the conference's current one: the
 * newest still running (in-progress or paused). CF_ENOTFOUND if none. */
static int rec_load(struct cf_core *c, const char *project_id, const char *conf_sid,
                    const char *sid, struct cf_recording *out)
{
    struct cf_recording *live = NULL;
    struct cf_arena a;
    size_t n = 0, best = 0;
    int rc;
    if (sid) return c->st->ops->rec_get(c->st, project_id, conf_sid, sid, out);
    if (!conf_sid) return CF_ENOTFOUND;
    cf_arena_init(&a);
    rc = c->st->ops->rec_live(c->st, project_id, conf_sid, &a, &live, &n);
    if (rc == 0 && n == 0) rc = CF_ENOTFOUND;
    if (rc == 0) {
        for (size_t i = 1; i < n; i++)
            if (live[i].date_created > live[best].date_created ||
                (live[i].date_created == live[best].date_created &&
                 strcmp(live[i].sid, live[best].sid) > 0))
                best = i;
        *out = live[best];
    }
    cf_arena_cleanup(&a);
    return rc;
}

int cf_core_recording_get(struct cf_core *c, const char *project_id, const char *conf_sid,
                          const char *sid, struct cf_recording *out)
{
    return rec_load(c, project_id, conf_sid, sid, out);
}

int cf_core_recording_update(struct cf_core *c, const char *project_id, const char *conf_sid,
                             const char *sid, enum cf_rec_status to, bool skip,
                             struct cf_recording *out, struct cf_err *err)
{
    struct cf_store *st = c->st;
    struct cf_conference conf;
    int64_t now = cf_time_now_us();
    enum cf_rec_status was;
    int rc;
    if ((rc = st->ops->begin(st, true))) goto out;
    if ((rc = rec_load(c, project_id, conf_sid, sid, out))) goto rollback;
    was = out->status;
    switch (to) {
    case CF_REC_PAUSED: rc = cf_recording_pause(out, skip, now); break;
    case CF_REC_IN_PROGRESS: rc = cf_recording_resume(out, now); break;
    default: rc = cf_recording_finish(out, CF_REC_STOPPED, now); break;
    }
    if (rc) {
        cf_err_set(err, rc, "Recording %s has ended and cannot be changed", out->sid);
        goto rollback;
    }
    if ((rc = st->ops->rec_update(st, out))) goto rollback;
    if (out->status != was) {
        /* the paused, resumed or stopped callback (a repeat of the current
         * state changes nothing and sends nothing) */
        if ((rc = st->ops->conf_get(st, project_id, out->conference_sid, &conf))) goto rollback;
        rc = to == CF_REC_PAUSED       ? rec_event(c, &conf, out, CF_REV_PAUSED, "paused", now)
             : to == CF_REC_IN_PROGRESS ? rec_event(c, &conf, out, CF_REV_RESUMED, "resumed", now)
                                        : rec_event(c, &conf, out, CF_REV_STOPPED, "stopped", now);
        if (rc) goto rollback;
    }
    if ((rc = st->ops->commit(st))) goto out;
    notify(c);
    if (to == CF_REC_STOPPED) {
        struct cf_core_after_item it;
        memset(&it, 0, sizeof it);
        it.kind = FX_REC_STOP;
        cf_str_copy(it.project_id, sizeof it.project_id, project_id);
        cf_str_copy(it.conf_sid, sizeof it.conf_sid, out->conference_sid);
        cf_str_copy(it.sid, sizeof it.sid, out->sid);
        it.duration_s = out->duration_s;
        fx(c, &it);
    } else if ((to == CF_REC_PAUSED) != (was == CF_REC_PAUSED)) {
        fx_call(c, FX_REC_PAUSE, out->sid, to == CF_REC_PAUSED);
    }
    goto out;
rollback:
    st->ops->rollback(st);
out:
    if (rc == CF_ESTORE) cf_err_set(err, rc, "The store failed");
    return rc;
}

int cf_core_recording_delete(struct cf_core *c, const char *project_id, const char *conf_sid,
                             const char *sid, struct cf_err *err)
{
    struct cf_store *st = c->st;
    struct cf_recording rec;
    int rc;
    if ((rc = st->ops->begin(st, true))) goto out;
    if ((rc = st->ops->rec_get(st, project_id, conf_sid, sid, &rec))) goto rollback;
    if ((rc = st->ops->rec_delete(st, project_id, rec.sid))) goto rollback;
    if ((rc = st->ops->commit(st))) goto out;
    /* the engine stops a running recording as it deletes it */
    fx_call(c, FX_REC_DELETE, rec.sid, false);
    goto out;
rollback:
    st->ops->rollback(st);
out:
    if (rc == CF_ESTORE) cf_err_set(err, rc, "The store failed");
    return rc;
}
