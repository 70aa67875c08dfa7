/* SPDX-License-Identifier: MIT
 *
 * cf_route.c - request path matching (see cf_route.h).
 */
#include "cf_route.h"

#include <string.h>

#include "../base/cf_err.h"

#define MAX_SEGS 10

struct seg {
    const char *p;
    size_t len;
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes one segment into the arena; NULL on a bad escape, a NUL
 * byte or an empty result. */
static const char *decode(struct cf_arena *a, const char *p, size_t len)
{
    char *out = cf_arena_alloc(a, len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= len) return NULL;
            hi = hexval(p[i + 1]);
            lo = hexval(p[i + 2]);
            if (hi < 0 || lo < 0) return NULL;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') return NULL; /* raw or %00: a NUL would cut the id short */
        out[n++] = c;
    }
    out[n] = '\0';
    return n ? out : NULL;
}

static bool seg_is(const struct seg *s, const char *z)
{
    size_t n = strlen(z);
    return s->len == n && memcmp(s->p, z, n) == 0;
}

int cf_route_match(const char *path, size_t len, struct cf_arena *a, struct cf_route *r)
{
    struct seg segs[MAX_SEGS];
    size_t nseg = 0, i = 0, first;
    const char *ids[3] = {NULL, NULL, NULL};
    memset(r, 0, sizeof *r);
    if (len == 0 || len > CF_ROUTE_MAX_PATH || path[0] != '/') return CF_ENOTFOUND;
    /* split on '/', skipping the leading one; an empty segment is an error */
    i = 1;
    while (i <= len) {
        size_t start = i;
        while (i < len && path[i] != '/') i++;
        if (nseg == MAX_SEGS) return CF_ENOTFOUND;
        segs[nseg].p = path + start;
        segs[nseg].len = i - start;
        if (segs[nseg].len == 0) return CF_ENOTFOUND;
        nseg++;
        i++;
    }
    /* strip .json from the last segment */
    if (nseg && segs[nseg - 1].len > 5 &&
        memcmp(segs[nseg - 1].p + segs[nseg - 1].len - 5, ".json", 5) == 0) {
        segs[nseg - 1].len -= 5;
        r->json = true;
    }
    if (nseg >= 3 && seg_is(&segs[0], "api") && seg_is(&segs[1], "laml") &&
        seg_is(&segs[2], "2010-04-01")) {
        r->prefix = "/api/laml/2010-04-01";
        first = 3;
    } else if (nseg >= 1 && seg_is(&segs[0], "2010-04-01")) {
        r->prefix = "/2010-04-01";
        first = 1;
    } else {
        return CF_ENOTFOUND;
    }
    /* Accounts/{A}/<Collection>[/{id}[/<Sub>[/{id}]]] */
    if (nseg < first + 3 || !seg_is(&segs[first], "Accounts")) return CF_ENOTFOUND;
    if (!(r->account_sid = decode(a, segs[first + 1].p, segs[first + 1].len))) return CF_ENOTFOUND;
    i = first + 2;
    if (seg_is(&segs[i], "Conferences")) {
        size_t rest = nseg - i - 1;
        if (rest >= 1 && !(ids[0] = decode(a, segs[i + 1].p, segs[i + 1].len))) return CF_ENOTFOUND;
        if (rest == 0) {
            r->res = CF_R_CONFERENCES;
        } else if (rest == 1) {
            r->res = CF_R_CONFERENCE;
        } else if (rest == 2 || rest == 3) {
            bool parts = seg_is(&segs[i + 2], "Participants");
            bool recs = seg_is(&segs[i + 2], "Recordings");
            bool evs = seg_is(&segs[i + 2], "Events");
            if (!parts && !recs && !evs) return CF_ENOTFOUND;
            if (rest == 3 && !(ids[1] = decode(a, segs[i + 3].p, segs[i + 3].len)))
                return CF_ENOTFOUND;
            if (parts)
                r->res = rest == 2 ? CF_R_PARTICIPANTS : CF_R_PARTICIPANT;
            else if (evs)
                r->res = rest == 2 ? CF_R_EVENTS : CF_R_EVENT;
            else
                r->res = rest == 2 ? CF_R_RECORDINGS : CF_R_RECORDING;
        } else {
            return CF_ENOTFOUND;
        }
    } else if (seg_is(&segs[i], "Calls")) {
        size_t rest = nseg - i - 1;
        if (rest > 1) return CF_ENOTFOUND;
        if (rest == 1 && !(ids[0] = decode(a, segs[i + 1].p, segs[i + 1].len))) return CF_ENOTFOUND;
        r->res = rest ? CF_R_CALL : CF_R_CALLS;
    } else if (seg_is(&segs[i], "Recordings") && nseg - i - 1 == 1 && !r->json) {
        /* the audio (Twilio's RecordingUrl convention): {Sid} and {Sid}.wav
         * are the WAV; {Sid}.mp3 is named so that it can be refused clearly;
         * any other extension names nothing */
        const struct seg *s = &segs[i + 1];
        size_t n = s->len;
        if (n > 4 && memcmp(s->p + n - 4, ".wav", 4) == 0) {
            n -= 4;
        } else if (n > 4 && memcmp(s->p + n - 4, ".mp3", 4) == 0) {
            n -= 4;
            r->mp3 = true;
        }
        if (memchr(s->p, '.', n) || !(ids[0] = decode(a, s->p, n))) return CF_ENOTFOUND;
        r->res = CF_R_RECORDING_MEDIA;
    } else {
        return CF_ENOTFOUND;
    }
    r->id1 = ids[0];
    r->id2 = ids[1];
    return 0;
}

const char *cf_route_name(enum cf_resource res)
{
    static const char *const names[CF_R_COUNT] = {
        "none", "conferences", "conference", "participants", "participant",
        "recordings", "recording", "calls", "call", "recording_media", "events", "event",
    };
    return (unsigned)res < CF_R_COUNT ? names[res] : "none";
}
