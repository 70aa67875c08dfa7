/* SPDX-License-Identifier: MIT
 *
 * cf_model.h - the conference model's plain data: projects, conferences,
 * participants (= calls in a conference), announcements and events, with
 * their enums and the text each enum has on the wire. No behaviour lives
 * here (see cf_lifecycle.h for the rules and cf_core.h for the use-cases).
 *
 * Strings are fixed-size arrays so that a row can be copied and returned by
 * value without ownership questions; every size is the input cap plus NUL.
 */
#ifndef CF_MODEL_H
#define CF_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/cf_id.h"

#define CF_NAME_MAX 512        /* friendly_name: 128 characters of up to 4 UTF-8 bytes */
#define CF_NAME_MAX_CHARS 128
#define CF_URL_MAX 2048
#define CF_ADDR_MAX 256        /* From/To */
#define CF_LABEL_MAX 512       /* 128 characters */
#define CF_REGION_MAX 16

enum cf_conf_status { CF_CONF_INIT, CF_CONF_IN_PROGRESS, CF_CONF_COMPLETED };

enum cf_end_reason {
    CF_END_NONE,
    CF_END_API,        /* conference-ended-via-api */
    CF_END_EOE_LEFT,   /* participant-with-end-conference-on-exit-left */
    CF_END_EOE_KICKED, /* participant-with-end-conference-on-exit-kicked */
    CF_END_LAST_LEFT,  /* last-participant-left */
    CF_END_LAST_KICKED /* last-participant-kicked */
};

enum cf_part_status {
    CF_PART_QUEUED,
    CF_PART_CONNECTING,
    CF_PART_RINGING,
    CF_PART_IN_PROGRESS,
    CF_PART_COMPLETED,
    CF_PART_FAILED
};

/* Why a participant left (ReasonParticipantLeft). */
enum cf_leave_reason {
    CF_LEAVE_NONE,
    CF_LEAVE_CONFERENCE_ENDED_VIA_API,
    CF_LEAVE_MODERATOR_ENDED_CONFERENCE,
    CF_LEAVE_PARTICIPANT_UPDATED_VIA_API, /* kicked */
    CF_LEAVE_PARTICIPANT_HUNG_UP,
    CF_LEAVE_PARTICIPANT_ADD_FAILED
};

/* Bits of ConferenceStatusCallbackEvent. */
enum {
    CF_CEV_START = 1 << 0,
    CF_CEV_END = 1 << 1,
    CF_CEV_JOIN = 1 << 2,
    CF_CEV_LEAVE = 1 << 3,
    CF_CEV_MUTE = 1 << 4,
    CF_CEV_HOLD = 1 << 5,
    CF_CEV_MODIFY = 1 << 6,
    CF_CEV_SPEAKER = 1 << 7,
    CF_CEV_ANNOUNCEMENT = 1 << 8
};

/* Bits of StatusCallbackEvent (call progress). */
enum {
    CF_CALLEV_INITIATED = 1 << 0,
    CF_CALLEV_RINGING = 1 << 1,
    CF_CALLEV_ANSWERED = 1 << 2,
    CF_CALLEV_COMPLETED = 1 << 3
};

/* Bits of RecordingStatusCallbackEvent (spec §4.4's words). STARTED and
 * IN_PROGRESS both subscribe to the callback at the start; ABSENT and
 * FAILED are accepted, but nothing produces them yet. */
enum {
    CF_REV_IN_PROGRESS = 1 << 0,
    CF_REV_COMPLETED = 1 << 1,
    CF_REV_ABSENT = 1 << 2,
    CF_REV_FAILED = 1 << 3,
    CF_REV_STARTED = 1 << 4,
    CF_REV_PAUSED = 1 << 5,
    CF_REV_RESUMED = 1 << 6,
    CF_REV_STOPPED = 1 << 7
};

struct cf_project {
    char id[CF_UUID_SIZE];
    char name[CF_NAME_MAX + 1];
    char signing_key[65]; /* hex of 32 random bytes */
    int64_t date_created; /* µs */
};

#define CF_SEQ_UNKNOWN (-1)

struct cf_conference {
    char sid[CF_UUID_SIZE];
    char project_id[CF_UUID_SIZE];
    char friendly_name[CF_NAME_MAX + 1];
    char region[CF_REGION_MAX];
    enum cf_conf_status status;
    enum cf_end_reason end_reason;
    char call_sid_ending[CF_UUID_SIZE]; /* "" = null */
    int64_t date_created;               /* µs since epoch, UTC */
    int64_t date_updated;
    int64_t next_seq;                   /* next SequenceNumber of its events, or
                                           CF_SEQ_UNKNOWN until asked of the store */
    /* Conference-wide settings, taken from the first participant. */
    char status_callback[CF_URL_MAX + 1]; /* "" = none */
    char status_callback_method[8];
    unsigned status_callback_events;      /* CF_CEV_* bits */
    int max_participants;
    bool record_from_start;
    bool trim_silence;                    /* ConferenceTrim: trim-silence (the default),
                                             false: do-not-trim; its recordings' trim */
    /* Recording status callbacks of the conference's recordings. */
    char rec_callback[CF_URL_MAX + 1];    /* "" = none */
    char rec_callback_method[8];
    unsigned rec_callback_events;         /* CF_REV_* bits */
};

struct cf_participant {
    char call_sid[CF_UUID_SIZE];
    char project_id[CF_UUID_SIZE];
    char conference_sid[CF_UUID_SIZE];
    char label[CF_LABEL_MAX + 1];          /* "" = null */
    char call_sid_to_coach[CF_UUID_SIZE];  /* "" = null */
    char from[CF_ADDR_MAX + 1];
    char to[CF_ADDR_MAX + 1];
    enum cf_part_status status;
    bool muted, hold, coaching, start_on_enter, end_on_exit, beep_on_exit;
    enum cf_leave_reason leave_reason;
    char call_status[16];                  /* ParticipantCallStatus on leave, "" while live */
    int timeout_s;                         /* ring time */
    char status_callback[CF_URL_MAX + 1];  /* call progress webhook, "" = none */
    char status_callback_method[8];
    unsigned status_callback_events;       /* CF_CALLEV_* bits */
    int64_t next_cb_seq;                   /* SequenceNumber of its next call progress
                                              callback: 0, 1, … per call */
    int64_t date_created, date_updated;    /* µs */
    int64_t joined_at, left_at;            /* µs, 0 = not yet */
    int64_t queue_time_ms;                 /* -1 = null (only set in the create response) */
};

enum cf_rec_status { CF_REC_IN_PROGRESS, CF_REC_PAUSED, CF_REC_STOPPED, CF_REC_COMPLETED };

struct cf_recording {
    char sid[CF_UUID_SIZE];
    char project_id[CF_UUID_SIZE];
    char conference_sid[CF_UUID_SIZE];
    enum cf_rec_status status;
    bool pause_skip;          /* the current pause leaves its span out (PauseBehavior=skip) */
    int64_t start_time;       /* µs */
    int64_t end_time;         /* µs, 0 while recording */
    int64_t skipped_us;       /* closed paused spans that are left out */
    int64_t paused_since;     /* µs, 0 unless paused */
    int64_t duration_s;       /* -1 until it ends */
    int64_t date_created, date_updated;
};

struct cf_announcement {
    char sid[CF_UUID_SIZE];
    char project_id[CF_UUID_SIZE];
    char conference_sid[CF_UUID_SIZE];
    char call_sid[CF_UUID_SIZE]; /* "" = conference-wide */
    char url[CF_URL_MAX + 1];
    char method[8];
    int64_t date_created;
};

/* The outbox's delivery streams of a conference besides each call's. */
#define CF_STREAM_CONFERENCE ""    /* conference status callbacks */
#define CF_STREAM_RECORDING "rec"  /* recording status callbacks */

/* One status-callback event for the outbox. params is form-encoded. */
struct cf_event {
    char project_id[CF_UUID_SIZE];
    char conference_sid[CF_UUID_SIZE];
    char call_sid[CF_UUID_SIZE];   /* "" for conference-wide events */
    /* The delivery stream, delivered in seq order independently of the
     * conference's other streams: CF_STREAM_CONFERENCE, a call sid (that
     * call's progress callbacks) or CF_STREAM_RECORDING. */
    char stream[CF_UUID_SIZE];
    int64_t seq;
    char name[48];                 /* e.g. "participant-leave" */
    char url[CF_URL_MAX + 1];      /* "" = nobody subscribed: kept as history only */
    char method[8];
    const char *params;            /* borrowed form-encoded body */
    int64_t created;
};

const char *cf_conf_status_str(enum cf_conf_status s);
int cf_conf_status_parse(const char *z, enum cf_conf_status *out); /* 0 or CF_EINVAL */
const char *cf_end_reason_str(enum cf_end_reason r);               /* NULL for NONE */
int cf_end_reason_parse(const char *z, enum cf_end_reason *out);
const char *cf_part_status_str(enum cf_part_status s);
int cf_part_status_parse(const char *z, enum cf_part_status *out);
const char *cf_leave_reason_str(enum cf_leave_reason r);           /* NULL for NONE */
int cf_leave_reason_parse(const char *z, enum cf_leave_reason *out);
bool cf_part_is_live(enum cf_part_status s);
const char *cf_rec_status_str(enum cf_rec_status s);
int cf_rec_status_parse(const char *z, enum cf_rec_status *out);
/* Parses one ConferenceStatusCallbackEvent keyword into its bit; 0 if unknown. */
unsigned cf_cev_parse(const char *word);
/* Likewise for StatusCallbackEvent and RecordingStatusCallbackEvent words. */
unsigned cf_callev_parse(const char *word);
unsigned cf_rev_parse(const char *word);

#endif
