/* SPDX-License-Identifier: MIT
 *
 * api_recordings.c - Conference Recordings: list (DateCreated filters),
 * fetch (SignalWire's field types, spec §5.1), update (Status paused,
 * in-progress, stopped; PauseBehavior skip or silence; fetch and update
 * take Twilio.CURRENT for the conference's running recording), delete, and the
 * audio itself at …/Accounts/{A}/Recordings/{Sid}.wav, or {Sid} with no
 * extension (the RecordingUrl of the callbacks; WAV too, as on Twilio).
 * There is no MP3: {Sid}.mp3 is a 404 that says so.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/cf_str.h"
#include "../base/cf_time.h"
#include "cf_apiInt.h"

/* Writes a recording of conference c (whose ConferenceTrim it shows). */
static void rec_json(struct cf_api_req *r, struct cf_json *w, const struct cf_recording *rec,
                     const struct cf_conference *c)
{
    const char *base = cf_api_conf_base(r), *acct = cf_api_acct_base(r);
    cf_json_open(w, '{');
    cf_json_kstr(w, "account_sid", rec->project_id);
    cf_json_kstr(w, "api_version", "2010-04-01");
    cf_json_key(w, "call_sid");
    cf_json_null(w);
    cf_json_kstr(w, "channel", "1");
    cf_json_kstr(w, "channels", "1");
    cf_json_kstr(w, "conference_sid", rec->conference_sid);
    cf_json_kdate(w, "date_created", rec->date_created);
    cf_json_kdate(w, "date_updated", rec->date_updated);
    cf_json_key(w, "duration");
    if (rec->duration_s >= 0)
        cf_json_int(w, rec->duration_s);
    else
        cf_json_null(w);
    cf_json_key(w, "encryption_details");
    cf_json_null(w);
    cf_json_key(w, "end_time");
    if (rec->end_time) {
        char d[CF_RFC2822_LEN];
        cf_time_rfc2822(rec->end_time, d);
        cf_json_str(w, d);
    } else {
        cf_json_null(w);
    }
    cf_json_key(w, "error_code");
    cf_json_null(w);
    cf_json_kstr(w, "media_url",
                 cf_arena_cat(r->a, acct, "/Recordings/", rec->sid, ".wav"));
    cf_json_key(w, "price");
    cf_json_null(w);
    cf_json_kstr(w, "price_unit", "USD");
    cf_json_kstr(w, "sid", rec->sid);
    cf_json_kstr(w, "source", "Conference");
    cf_json_kdate(w, "start_time", rec->start_time);
    cf_json_kstr(w, "status", cf_rec_status_str(rec->status));
    cf_json_key(w, "subresource_uris");
    cf_json_open(w, '{');
    cf_json_kstr(w, "transcriptions", cf_arena_cat(r->a, acct, "/Recordings/", rec->sid,
                                                   "/Transcriptions.json"));
    cf_json_close(w, '}');
    cf_json_kstr(w, "trim", c->trim_silence ? "trim-silence" : "do-not-trim");
    cf_json_kstr(w, "uri", cf_arena_cat(r->a, base, "/", rec->conference_sid, "/Recordings/",
                                        rec->sid, ".json"));
    cf_json_close(w, '}');
}

static void write_rec(struct cf_api_req *r, const struct cf_recording *rec,
                      const struct cf_conference *c)
{
    struct cf_json w;
    r->resp->status = 200;
    cf_json_init(&w, &r->resp->body);
    rec_json(r, &w, rec, c);
}

/* The recording sid of the path for the core: NULL for Twilio.CURRENT
 * (spec §2.5, §5.2), the conference's current recording. */
static const char *rec_key(const struct cf_api_req *r)
{
    return strcmp(r->route.id2, "Twilio.CURRENT") == 0 ? NULL : r->route.id2;
}

/* The 404 of a recording fetch or update; CURRENT gets a sentence of its own. */
static void rec_error(struct cf_api_req *r, int rc, const struct cf_err *err, const char *what,
                      const struct cf_conference *c)
{
    if (rc == CF_ENOTFOUND && !rec_key(r))
        cf_api_error(r, 404, 20404, "Conference %s has no current recording (none is in progress "
                     "or paused)", c->sid);
    else
        cf_api_core_error(r, rc, err, what, r->route.id2);
}

/* The conference must exist in this project for its recordings to. */
static int load_conf(struct cf_api_req *r, struct cf_conference *c)
{
    int rc = cf_core_conference_get(&r->core, r->project_id, r->route.id1, c);
    if (rc) cf_api_core_error(r, rc, NULL, "recording", r->route.id1);
    return rc;
}

void cf_api_recordings_list(struct cf_api_req *r)
{
    struct cf_conference c;
    struct cf_api_page pg;
    struct cf_page_res res = {0, false};
    struct cf_recording *items = NULL;
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    struct cf_buf echo;
    struct cf_json w;
    int rc;
    cf_buf_init(&echo, 4096);
    if (cf_api_date_filter(r, "DateCreated", '=', &lo, &hi, &echo) ||
        cf_api_date_filter(r, "DateCreated<", '<', &lo, &hi, &echo) ||
        cf_api_date_filter(r, "DateCreated>", '>', &lo, &hi, &echo) || cf_api_page_parse(r, &pg) ||
        load_conf(r, &c))
        goto out;
    rc = r->core.st->ops->rec_list(r->core.st, r->project_id, c.sid, lo, hi, &pg.req, r->a, &items,
                                   &res);
    if (rc == CF_EINVAL) {
        cf_api_error(r, 400, 21481, "PageToken does not name an item of this list");
        goto out;
    }
    if (rc) {
        cf_api_core_error(r, rc, NULL, "recording list", c.sid);
        goto out;
    }
    r->resp->status = 200;
    cf_json_init(&w, &r->resp->body);
    cf_api_page_begin(&w, "recordings");
    for (size_t i = 0; i < res.n; i++) rec_json(r, &w, &items[i], &c);
    cf_api_page_end(r, &w,
                    cf_arena_cat(r->a, cf_api_conf_base(r), "/", c.sid, "/Recordings",
                                 r->route.json ? ".json" : ""),
                    cf_buf_str(&echo), &pg, &res, res.n ? items[0].sid : NULL,
                    res.n ? items[res.n - 1].sid : NULL);
out:
    cf_buf_cleanup(&echo);
}

void cf_api_recording_fetch(struct cf_api_req *r)
{
    struct cf_recording rec;
    struct cf_conference c;
    int rc;
    if (load_conf(r, &c)) return;
    rc = cf_core_recording_get(&r->core, r->project_id, c.sid, rec_key(r), &rec);
    if (rc) {
        rec_error(r, rc, NULL, "recording fetch", &c);
        return;
    }
    write_rec(r, &rec, &c);
}

void cf_api_recording_update(struct cf_api_req *r)
{
    const char *status = cf_params_get(&r->params, "Status");
    const char *pb = cf_params_get(&r->params, "PauseBehavior");
    struct cf_recording rec;
    struct cf_conference c;
    struct cf_err err = {0, ""};
    enum cf_rec_status to;
    bool skip = false;
    int rc;
    if (!status) {
        cf_api_error(r, 400, 10000, "Status is required: paused, in-progress or stopped");
        return;
    }
    if (strcmp(status, "paused") == 0) {
        to = CF_REC_PAUSED;
    } else if (strcmp(status, "in-progress") == 0 || strcmp(status, "resumed") == 0) {
        to = CF_REC_IN_PROGRESS;
    } else if (strcmp(status, "stopped") == 0) {
        to = CF_REC_STOPPED;
    } else {
        cf_api_error(r, 400, 10000, "Status must be paused, in-progress or stopped");
        return;
    }
    if (pb) {
        if (strcmp(pb, "skip") == 0) {
            skip = true;
        } else if (strcmp(pb, "silence") != 0) {
            cf_api_error(r, 400, 10000, "PauseBehavior must be skip or silence");
            return;
        }
    }
    if (load_conf(r, &c)) return;
    rc = cf_core_recording_update(&r->core, r->project_id, c.sid, rec_key(r), to, skip, &rec,
                                  &err);
    if (rc) {
        rec_error(r, rc, &err, "recording update", &c);
        return;
    }
    write_rec(r, &rec, &c);
}

void cf_api_recording_delete(struct cf_api_req *r)
{
    struct cf_conference c;
    struct cf_err err = {0, ""};
    int rc;
    if (load_conf(r, &c)) return;
    rc = cf_core_recording_delete(&r->core, r->project_id, c.sid, r->route.id2, &err);
    if (rc) {
        cf_api_core_error(r, rc, &err, "recording delete", r->route.id2);
        return;
    }
    r->resp->status = 204;
}

void cf_api_recording_media(struct cf_api_req *r)
{
    struct cf_recording rec;
    char path[2048];
    struct stat sb;
    int fd, rc;
    rc = cf_core_recording_get(&r->core, r->project_id, NULL, r->route.id1, &rec);
    if (rc) {
        cf_api_core_error(r, rc, NULL, "recording media", r->route.id1);
        return;
    }
    if (r->route.mp3) {
        cf_api_error(r, 404, 20404, "The recording %s is available as WAV only: request it with .wav "
                     "or without an extension", rec.sid);
        return;
    }
    if (cf_engine_recording_path(r->api->recordings_dir, rec.sid, path, sizeof path) ||
        (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        cf_api_error(r, 404, 20404, "The recording %s has no audio yet", rec.sid);
        return;
    }
    if (fstat(fd, &sb) != 0) {
        close(fd);
        cf_api_error(r, 500, 20500, "Internal error (request %s)", r->req->id);
        return;
    }
    r->resp->status = 200;
    r->resp->content_type = "audio/x-wav";
    r->resp->fd = fd;
    r->resp->fd_size = (uint64_t)sb.st_size;
}
