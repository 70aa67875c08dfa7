/* SPDX-License-Identifier: MIT
 *
 * cf_engine.h - the media engine interface: commands out, events back.
 *
 * The simulated engine (sim.c) and the SIP/RTP engine implement the same
 * ops table. Commands are asynchronous and idempotent: they return at once
 * (0, or an error meaning the command was not accepted) and the engine acts
 * on its own thread. What happened comes back as events through the
 * callback given at creation, on the engine's thread; the callback runs a
 * core use-case in one store transaction. The store is the truth: a command
 * for a call the engine no longer knows is a no-op, and an event for a call
 * the store has already ended is ignored by core.
 */
#ifndef CF_ENGINE_H
#define CF_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/cf_model.h"

struct cf_engine;

enum cf_engine_event_type {
    CF_EE_RINGING,       /* the far end is alerting */
    CF_EE_ANSWERED,      /* the call is up and in the conference mix */
    CF_EE_FAILED,        /* never answered: detail is busy, no-answer or failed */
    CF_EE_ENDED,         /* the far end hung up after answering */
    CF_EE_PLAY_DONE,     /* a playlist finished */
    CF_EE_PLAY_FAILED,   /* a playlist could not be played */
    CF_EE_RECORDING_DONE /* a recording finished writing */
};

struct cf_engine_event {
    enum cf_engine_event_type type;
    char project_id[CF_UUID_SIZE];
    char conference_sid[CF_UUID_SIZE];
    char call_sid[CF_UUID_SIZE];   /* "" for conference-wide events */
    char ref_sid[CF_UUID_SIZE];    /* announcement or recording sid, "" otherwise */
    char detail[32];               /* busy, no-answer, failed, … */
    int64_t at;                    /* µs, when it happened */
};

/* Called on the engine's thread; must not call back into the engine's
 * blocking functions (commands are fine: they only queue). */
typedef void (*cf_engine_event_cb)(void *ud, const struct cf_engine_event *ev);

struct cf_engine_dial {
    char project_id[CF_UUID_SIZE];
    char conference_sid[CF_UUID_SIZE];
    char call_sid[CF_UUID_SIZE];
    char from[CF_ADDR_MAX + 1];
    char to[CF_ADDR_MAX + 1];
    int timeout_s;    /* ring time before no-answer */
    bool muted;
};

enum cf_engine_play_kind { CF_EPLAY_AUDIO, CF_EPLAY_SAY, CF_EPLAY_PAUSE };

/* One entry of a playlist (an announcement, hold or wait music). */
struct cf_engine_play_item {
    enum cf_engine_play_kind kind;
    const char *url;      /* AUDIO: where the media is (borrowed for the call) */
    const char *text;     /* SAY: what to say (borrowed for the call) */
    char voice[32], language[16];
    int loop;             /* times; 0 = until stopped or max_seconds */
    double seconds;       /* length of one pass, as measured or estimated */
};

struct cf_engine_ops {
    const char *name;
    /* Places a call and joins it to the conference when answered. */
    int (*dial)(struct cf_engine *e, const struct cf_engine_dial *d);
    /* Ends a call (ringing or answered); no event comes back for it. */
    int (*hangup)(struct cf_engine *e, const char *call_sid);
    int (*mute)(struct cf_engine *e, const char *call_sid, bool muted);
    int (*hold)(struct cf_engine *e, const char *call_sid, bool hold);
    /* Plays a playlist to the whole conference (call_sid "") or to one call,
     * at most max_seconds, then reports CF_EE_PLAY_DONE (or PLAY_FAILED)
     * with ref_sid. The items are copied. */
    int (*play)(struct cf_engine *e, const char *project_id, const char *conf_sid,
                const char *call_sid, const char *ref_sid,
                const struct cf_engine_play_item *items, size_t n, double max_seconds);
    /* Conference recording: the engine writes <recordings_dir>/<rec_sid>.wav.
     * stop finishes the file with duration_s seconds of audio and reports
     * CF_EE_RECORDING_DONE; delete removes the file. */
    int (*record_start)(struct cf_engine *e, const char *project_id, const char *conf_sid,
                        const char *rec_sid);
    int (*record_pause)(struct cf_engine *e, const char *rec_sid, bool paused);
    int (*record_stop)(struct cf_engine *e, const char *project_id, const char *conf_sid,
                       const char *rec_sid, int64_t duration_s);
    int (*record_delete)(struct cf_engine *e, const char *rec_sid);
    /* Stops the engine's thread and frees it; destroy(NULL) is a no-op. */
    void (*destroy)(struct cf_engine *e);
};

struct cf_engine {
    const struct cf_engine_ops *ops;
};

struct cf_engine_sim_opts {
    int answer_delay_ms;        /* how long a call rings before it is answered */
    const char *recordings_dir; /* where recordings are written (must exist) */
};

/* Writes the path of a recording's file into out; returns 0 or CF_ETOOBIG. */
int cf_engine_recording_path(const char *dir, const char *rec_sid, char *out, size_t size);

/* Creates the simulated engine and starts its thread. cb(ud, ev) receives
 * its events. Returns 0 and *out, or an error. */
int cf_engine_sim_create(const struct cf_engine_sim_opts *opts, cf_engine_event_cb cb, void *ud,
                         struct cf_engine **out);

#endif
