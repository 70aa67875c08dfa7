/* SPDX-License-Identifier: MIT
 *
 * cf_sim.c - the simulated media engine: no audio, real time.
 *
 * A dialled call rings, then is answered after answer_delay_ms, unless its
 * `To` scripts another outcome:
 *   sim:busy             fails with busy after the delay
 *   sim:no-answer        rings for the call's Timeout, then fails with no-answer
 *   sim:failed           fails at once with failed
 *   sim:hangup-after=N   is answered, then hangs up by itself after N seconds
 * Everything else is answered. A stopped recording becomes a real WAV file
 * (8 kHz, 16-bit mono silence of the recording's duration, written sparse
 * under a temporary name and renamed), then CF_EE_RECORDING_DONE. Commands are put on a queue of timed actions
 * (a mutex, a condition variable and a sorted list); the engine thread pops
 * due actions and calls the event callback outside the lock.
 */
#include <fcntl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/cf_err.h"
#include "../base/cf_mem.h"
#include "../base/cf_str.h"
#include "../base/cf_time.h"
#include "../base/cf_sched.h"
#include "cf_engine.h"

struct action {
    struct action *next;
    int64_t due;                 /* monotonic µs */
    struct cf_engine_event ev;
    int64_t then_hangup_after_s; /* for sim:hangup-after: schedule ENDED once answered */
    int64_t wav_seconds;         /* >= 0: write the recording ref_sid first */
};

struct sim {
    struct cf_engine base; /* must be first */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool stopping;
    struct action *queue;  /* sorted by due */
    int answer_delay_ms;
    char dir[1024];        /* recordings */
    cf_engine_event_cb cb;
    void *ud;
};

static void push_locked(struct sim *s, struct action *a)
{
    struct action **pp = &s->queue;
    while (*pp && (*pp)->due <= a->due) pp = &(*pp)->next;
    a->next = *pp;
    *pp = a;
}

static struct action *new_action(const struct cf_engine_dial *d, enum cf_engine_event_type t,
                                 int64_t due, const char *detail)
{
    struct action *a = cf_calloc(1, sizeof *a);
    a->wav_seconds = -1;
    a->due = due;
    a->ev.type = t;
    memcpy(a->ev.project_id, d->project_id, sizeof a->ev.project_id);
    memcpy(a->ev.conference_sid, d->conference_sid, sizeof a->ev.conference_sid);
    memcpy(a->ev.call_sid, d->call_sid, sizeof a->ev.call_sid);
    if (detail) {
        size_t n = strlen(detail);
        if (n >= sizeof a->ev.detail) n = sizeof a->ev.detail - 1;
        memcpy(a->ev.detail, detail, n);
    }
    return a;
}

/* Parses "sim:hangup-after=N"; returns N seconds or -1. */
static long hangup_after(const char *to)
{
    const char *p = "sim:hangup-after=";
    char *end;
    long n;
    if (strncmp(to, p, strlen(p)) != 0) return -1;
    n = strtol(to + strlen(p), &end, 10);
    if (*end || n < 0 || n > 86400) return -1;
    return n;
}

static int sim_dial(struct cf_engine *e, const struct cf_engine_dial *d)
{
    struct sim *s = (struct sim *)e;
    int64_t now = cf_time_monotonic_us();
    int64_t delay = (int64_t)s->answer_delay_ms * 1000;
    struct action *a[2] = {NULL, NULL};
    a[0] = new_action(d, CF_EE_RINGING, now, NULL);
    if (strcmp(d->to, "sim:busy") == 0) {
        a[1] = new_action(d, CF_EE_FAILED, now + delay, "busy");
    } else if (strcmp(d->to, "sim:no-answer") == 0) {
        a[1] = new_action(d, CF_EE_FAILED, now + (int64_t)d->timeout_s * CF_USEC_PER_SEC,
                          "no-answer");
    } else if (strcmp(d->to, "sim:failed") == 0) {
        CF_FREE(a[0]);
        a[0] = new_action(d, CF_EE_FAILED, now, "failed");
    } else {
        a[1] = new_action(d, CF_EE_ANSWERED, now + delay, NULL);
        a[1]->then_hangup_after_s = hangup_after(d->to);
    }
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < 2; i++)
        if (a[i]) push_locked(s, a[i]);
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

/* Drops every pending action of call_sid: the store has ended the call. */
static int sim_hangup(struct cf_engine *e, const char *call_sid)
{
    struct sim *s = (struct sim *)e;
    struct action **pp, *a;
    pthread_mutex_lock(&s->mu);
    pp = &s->queue;
    while ((a = *pp)) {
        if (strcmp(a->ev.call_sid, call_sid) == 0) {
            *pp = a->next;
            cf_free(a);
        } else {
            pp = &a->next;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return 0;
}

/* Mute and hold change nothing audible in a simulation. */
static int sim_mute(struct cf_engine *e, const char *call_sid, bool muted)
{
    (void)e, (void)call_sid, (void)muted;
    return 0;
}

static int sim_hold(struct cf_engine *e, const char *call_sid, bool hold)
{
    (void)e, (void)call_sid, (void)hold;
    return 0;
}

int cf_engine_recording_path(const char *dir, const char *rec_sid, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%s.wav", dir, rec_sid);
    return n < 0 || (size_t)n >= size ? CF_ETOOBIG : 0;
}

static void put_le(unsigned char *p, uint32_t v, int n)
{
    for (int i = 0; i < n; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* Writes seconds of 8 kHz 16-bit mono silence as a WAV file at path. */
static int write_wav(const char *path, int64_t seconds)
{
    unsigned char h[44];
    char tmp[1100];
    uint32_t data;
    int fd, rc = 0;
    if (seconds < 0) seconds = 0;
    if (seconds > 24 * 3600) seconds = 24 * 3600; /* a WAV holds 4 GiB at most */
    data = (uint32_t)seconds * 16000u;
    memcpy(h, "RIFF", 4);
    put_le(h + 4, 36 + data, 4);
    memcpy(h + 8, "WAVEfmt ", 8);
    put_le(h + 16, 16, 4);    /* fmt chunk size */
    put_le(h + 20, 1, 2);     /* PCM */
    put_le(h + 22, 1, 2);     /* mono */
    put_le(h + 24, 8000, 4);  /* sample rate */
    put_le(h + 28, 16000, 4); /* byte rate */
    put_le(h + 32, 2, 2);     /* block align */
    put_le(h + 34, 16, 2);    /* bits per sample */
    memcpy(h + 36, "data", 4);
    put_le(h + 40, data, 4);
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return CF_ETOOBIG;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return CF_ESYS;
    if (write(fd, h, sizeof h) != (ssize_t)sizeof h || ftruncate(fd, (off_t)(44 + data)) != 0)
        rc = CF_ESYS;
    if (close(fd) != 0) rc = CF_ESYS;
    if (!rc && rename(tmp, path) != 0) rc = CF_ESYS;
    if (rc) unlink(tmp);
    return rc;
}

/* The simulation "plays" for the playlist's real length: PLAY_DONE after it. */
static int sim_play(struct cf_engine *e, const char *project_id, const char *conf_sid,
                    const char *call_sid, const char *ref_sid,
                    const struct cf_engine_play_item *items, size_t n, double max_seconds)
{
    struct sim *s = (struct sim *)e;
    struct action *a;
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].loop == 0) {
            total = max_seconds;
            break;
        }
        total += items[i].seconds * items[i].loop;
    }
    if (total > max_seconds) total = max_seconds;
    if (total < 0) total = 0;
    a = cf_calloc(1, sizeof *a);
    a->wav_seconds = -1;
    a->due = cf_time_monotonic_us() + (int64_t)(total * 1e6);
    a->ev.type = CF_EE_PLAY_DONE;
    cf_str_copy(a->ev.project_id, sizeof a->ev.project_id, project_id);
    cf_str_copy(a->ev.conference_sid, sizeof a->ev.conference_sid, conf_sid);
    cf_str_copy(a->ev.ref_sid, sizeof a->ev.ref_sid, ref_sid);
    (void)call_sid; /* a participant's announcement ends with the announcement, not the call */
    pthread_mutex_lock(&s->mu);
    push_locked(s, a);
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static int sim_record_start(struct cf_engine *e, const char *project_id, const char *conf_sid,
                            const char *rec_sid)
{
    (void)e, (void)project_id, (void)conf_sid, (void)rec_sid;
    return 0;
}

static int sim_record_pause(struct cf_engine *e, const char *rec_sid, bool paused)
{
    (void)e, (void)rec_sid, (void)paused;
    return 0;
}

static int sim_record_stop(struct cf_engine *e, const char *project_id, const char *conf_sid,
                           const char *rec_sid, int64_t duration_s)
{
    struct sim *s = (struct sim *)e;
    struct action *a = cf_calloc(1, sizeof *a);
    a->due = cf_time_monotonic_us();
    a->wav_seconds = duration_s;
    a->ev.type = CF_EE_RECORDING_DONE;
    cf_str_copy(a->ev.project_id, sizeof a->ev.project_id, project_id);
    cf_str_copy(a->ev.conference_sid, sizeof a->ev.conference_sid, conf_sid);
    cf_str_copy(a->ev.ref_sid, sizeof a->ev.ref_sid, rec_sid);
    pthread_mutex_lock(&s->mu);
    push_locked(s, a);
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static int sim_record_delete(struct cf_engine *e, const char *rec_sid)
{
    struct sim *s = (struct sim *)e;
    struct action **pp, *a;
    char path[1100];
    if (cf_engine_recording_path(s->dir, rec_sid, path, sizeof path)) return CF_ETOOBIG;
    /* a pending write of this recording must not bring the file back */
    pthread_mutex_lock(&s->mu);
    pp = &s->queue;
    while ((a = *pp)) {
        if (a->wav_seconds >= 0 && strcmp(a->ev.ref_sid, rec_sid) == 0) {
            *pp = a->next;
            cf_free(a);
        } else {
            pp = &a->next;
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (unlink(path) != 0 && errno != ENOENT) return CF_ESYS;
    return 0;
}

static void *run(void *arg)
{
    struct sim *s = arg;
    cf_sched_name_self("cf-engine");
    pthread_mutex_lock(&s->mu);
    while (!s->stopping) {
        int64_t now = cf_time_monotonic_us();
        struct action *a = s->queue;
        if (!a) {
            pthread_cond_wait(&s->cv, &s->mu);
            continue;
        }
        if (a->due > now) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            int64_t wait = a->due - now;
            ts.tv_sec += (time_t)(wait / CF_USEC_PER_SEC);
            ts.tv_nsec += (long)(wait % CF_USEC_PER_SEC) * 1000;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&s->cv, &s->mu, &ts);
            continue;
        }
        s->queue = a->next;
        if (a->ev.type == CF_EE_ANSWERED && a->then_hangup_after_s >= 0) {
            struct action *end = cf_calloc(1, sizeof *end);
            end->ev = a->ev;
            end->ev.type = CF_EE_ENDED;
            end->due = now + a->then_hangup_after_s * CF_USEC_PER_SEC;
            push_locked(s, end);
        }
        pthread_mutex_unlock(&s->mu);
        if (a->wav_seconds >= 0) {
            char path[1100];
            if (cf_engine_recording_path(s->dir, a->ev.ref_sid, path, sizeof path) ||
                write_wav(path, a->wav_seconds))
                cf_str_copy(a->ev.detail, sizeof a->ev.detail, "failed");
        }
        a->ev.at = cf_time_now_us();
        s->cb(s->ud, &a->ev);
        cf_free(a);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void sim_destroy(struct cf_engine *e)
{
    struct sim *s = (struct sim *)e;
    struct action *a;
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    while ((a = s->queue)) {
        s->queue = a->next;
        cf_free(a);
    }
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    cf_free(s);
}

static const struct cf_engine_ops sim_ops = {
    .name = "sim",
    .dial = sim_dial,
    .hangup = sim_hangup,
    .mute = sim_mute,
    .hold = sim_hold,
    .play = sim_play,
    .record_start = sim_record_start,
    .record_pause = sim_record_pause,
    .record_stop = sim_record_stop,
    .record_delete = sim_record_delete,
    .destroy = sim_destroy,
};

int cf_engine_sim_create(const struct cf_engine_sim_opts *opts, cf_engine_event_cb cb, void *ud,
                         struct cf_engine **out)
{
    struct sim *s = cf_calloc(1, sizeof *s);
    pthread_condattr_t ca;
    s->base.ops = &sim_ops;
    s->answer_delay_ms = opts->answer_delay_ms;
    if (cf_str_copy(s->dir, sizeof s->dir, opts->recordings_dir ? opts->recordings_dir : ".")) {
        cf_free(s);
        return CF_ETOOBIG;
    }
    s->cb = cb;
    s->ud = ud;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        cf_free(s);
        return CF_ESYS;
    }
    *out = &s->base;
    return 0;
}
