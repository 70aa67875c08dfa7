/* SPDX-License-Identifier: MIT
 *
 * cf_core.h - the conference use-cases.
 *
 * Each write use-case runs in ONE store transaction: load, check the rules
 * of cf_lifecycle.h, write the new state, append the resulting events to the
 * outbox, commit. Only after the commit does it tell the engine what to do,
 * so the store stays the truth and a crash never leaves an acknowledged
 * change half done. Reads are single statements and need no transaction.
 *
 * A struct cf_core is a per-thread context: it borrows the thread's store
 * connection and the shared engine. Nothing here does I/O of its own.
 *
 * Errors: CF_ENOTFOUND (no such conference/participant in this project),
 * CF_ESTATE (the conference is completed), CF_EEXIST (a uniqueness rule,
 * e.g. a duplicate live label), CF_ETOOBIG (a cap such as MaxParticipants),
 * CF_ESTORE. err->msg holds a sentence for the API message.
 */
#ifndef CF_CORE_H
#define CF_CORE_H

#include <stdbool.h>

#include "../base/cf_arena.h"
#include "../base/cf_err.h"
#include "../engine/cf_engine.h"
#include "../store/cf_store.h"
#include "cf_model.h"

struct cf_core {
    struct cf_store *st;     /* borrowed: this thread's connection */
    struct cf_engine *eng;   /* borrowed: shared, thread-safe commands */
    const char *region;      /* borrowed: the node's region */
    const char *base_url;    /* borrowed: public URL of this server, for RecordingUrl */
    /* Called after a commit that queued work for the webhook worker (an
     * event to deliver, an announcement to fetch); may be NULL. */
    void (*kick)(void *ud);
    void *kick_ud;
    bool kicked;             /* set by a use-case, cleared once the kick is given */
    /* NULL: a use-case's engine commands and kick are carried out right
     * after its commit. Set (the writer thread): that commit is only a
     * savepoint's, so they wait here until the batch is committed. */
    struct cf_core_after *after;
    int max_live_conferences;  /* per project; 0 = no cap */
    int max_live_participants; /* per project; 0 = no cap */
};

struct cf_core_after_item;

/* Effects held back until a batch commits (see cf_core.after). */
struct cf_core_after {
    struct cf_arena *a;               /* borrowed: holds the items */
    struct cf_core_after_item *items; /* in the order the use-cases ran */
    bool kick;                        /* the webhook worker has work */
};

/* Carries out (committed) or forgets (not committed) what c->after holds,
 * and empties it. */
void cf_core_after_finish(struct cf_core *c, bool committed);

struct cf_conf_update {
    bool end;                      /* Status=completed */
    const char *announce_url;      /* NULL = no announcement */
    const char *announce_method;   /* "GET" or "POST" */
};

struct cf_part_create {
    const char *from, *to;
    const char *label;             /* NULL = none */
    bool muted, start_on_enter, end_on_exit, beep_on_exit;
    int timeout_s;
    /* conference-wide settings, used only when this participant creates the conference */
    const char *conf_status_callback; /* NULL = none */
    const char *conf_status_callback_method;
    unsigned conf_status_callback_events;
    int max_participants;
    bool record_from_start;
    bool trim_silence;             /* ConferenceTrim (or Trim): true = trim-silence */
    const char *rec_callback;      /* recording status callback, NULL = none */
    const char *rec_callback_method;
    unsigned rec_callback_events;  /* CF_REV_* */
    const char *wait_url, *wait_method; /* music while the conference waits; NULL = none */
    int coaching;                  /* -1 not given, 0, 1 */
    const char *call_sid_to_coach; /* NULL = none: a live participant's call sid or label */
    /* the call's own progress callback */
    const char *status_callback;   /* NULL = none */
    const char *status_callback_method;
    unsigned status_callback_events; /* CF_CALLEV_* */
};

struct cf_part_update {
    int muted, hold, beep_on_exit, end_on_exit, coaching; /* -1 = not given, else 0/1 */
    const char *call_sid_to_coach;  /* NULL = not given, "" = clear */
    const char *hold_url, *hold_method;
    const char *announce_url, *announce_method;
    const char *wait_url, *wait_method;
};

/* Reads */
int cf_core_conference_get(struct cf_core *c, const char *project_id, const char *sid,
                           struct cf_conference *out);
/* What the API shows of a conference (its settings left empty): the fetch. */
int cf_core_conference_get_public(struct cf_core *c, const char *project_id, const char *sid,
                                  struct cf_conference *out);
int cf_core_conference_list(struct cf_core *c, const char *project_id,
                            const struct cf_conf_filter *f, const struct cf_page_req *pg,
                            struct cf_arena *a, struct cf_conference **items,
                            struct cf_page_res *res);
int cf_core_participant_get(struct cf_core *c, const char *project_id, const char *conf_sid,
                            const char *key, struct cf_participant *out);
int cf_core_participant_list(struct cf_core *c, const char *project_id, const char *conf_sid,
                             const struct cf_part_filter *f, const struct cf_page_req *pg,
                             struct cf_arena *a, struct cf_participant **items,
                             struct cf_page_res *res);

/* Writes */
int cf_core_conference_update(struct cf_core *c, const char *project_id, const char *sid,
                              const struct cf_conf_update *u, struct cf_conference *out,
                              struct cf_err *err);
/* conf_key is a conference sid or a FriendlyName (a new conference is made
 * for a name with no live conference). Fills *out (status queued). */
int cf_core_participant_create(struct cf_core *c, const char *project_id, const char *conf_key,
                               const struct cf_part_create *pc, struct cf_participant *out,
                               struct cf_err *err);

/* Updates a live participant (key = call sid or label). CF_ESTATE when the
 * conference is completed; CF_EINVAL with err naming 16002 coaching rules. */
int cf_core_participant_update(struct cf_core *c, const char *project_id, const char *conf_sid,
                               const char *key, const struct cf_part_update *u,
                               struct cf_participant *out, struct cf_err *err);
/* Removes a live participant (DELETE): it leaves, and the conference may end. */
int cf_core_participant_kick(struct cf_core *c, const char *project_id, const char *conf_sid,
                             const char *key, struct cf_err *err);
/* Ends a participant's call (Calls API Status=completed, or canceled, which
 * leaves a connected call alone): it leaves with participant_hung_up. Fills
 * *out with the call's state after it. */
int cf_core_call_hangup(struct cf_core *c, const char *project_id, const char *call_sid,
                        bool cancel, struct cf_participant *out, struct cf_err *err);

/* Conference recordings: fetch, change status (PAUSED with skip or
 * silence, IN_PROGRESS to resume, STOPPED), delete (the file goes too).
 * For fetch and change, sid NULL names the conference's current recording
 * (Twilio.CURRENT): the newest one in progress or paused; CF_ENOTFOUND
 * when it has none. */
int cf_core_recording_get(struct cf_core *c, const char *project_id, const char *conf_sid,
                          const char *sid, struct cf_recording *out);
int cf_core_recording_update(struct cf_core *c, const char *project_id, const char *conf_sid,
                             const char *sid, enum cf_rec_status to, bool skip,
                             struct cf_recording *out, struct cf_err *err);
int cf_core_recording_delete(struct cf_core *c, const char *project_id, const char *conf_sid,
                             const char *sid, struct cf_err *err);

/* Announcements (webhook worker thread). fail: the fetch or the markup
 * failed (reason goes into ReasonAnnouncementFailed). play: hands the
 * playlist to the engine and marks it playing. recover: at start, puts
 * announcements a previous run was fetching back in the queue and fails
 * those it was playing. */
int cf_core_announcement_failed(struct cf_core *c, const char *ann_sid, const char *reason);
int cf_core_announcement_play(struct cf_core *c, const struct cf_ann_row *r,
                              const struct cf_engine_play_item *items, size_t n,
                              double max_seconds);
int cf_core_recover(struct cf_core *c);

/* Runs the use-case for one engine event (engine thread). */
void cf_core_on_engine_event(struct cf_core *c, const struct cf_engine_event *ev);

#endif
