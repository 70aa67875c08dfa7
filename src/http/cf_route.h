/* SPDX-License-Identifier: MIT
 *
 * cf_route.h - maps a raw request path onto the API's resources.
 *
 * Pure: the raw path (as sent, before percent-decoding, without the query)
 * is split on '/', then each segment is percent-decoded on its own, so an
 * encoded '/' inside a FriendlyName or label stays inside its segment. Both
 * prefixes are accepted, /api/laml/2010-04-01 and /2010-04-01, and the last
 * segment may carry ".json". Every decoded piece is copied into the arena.
 */
#ifndef CF_ROUTE_H
#define CF_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/cf_arena.h"

enum cf_resource {
    CF_R_NONE,
    CF_R_CONFERENCES,  /* …/Conferences */
    CF_R_CONFERENCE,   /* …/Conferences/{Sid} */
    CF_R_PARTICIPANTS, /* …/Conferences/{Sid}/Participants */
    CF_R_PARTICIPANT,  /* …/Conferences/{Sid}/Participants/{CallSid or Label} */
    CF_R_RECORDINGS,   /* …/Conferences/{Sid}/Recordings */
    CF_R_RECORDING,    /* …/Conferences/{Sid}/Recordings/{Sid} */
    CF_R_CALLS,        /* …/Calls */
    CF_R_CALL,         /* …/Calls/{Sid} */
    CF_R_RECORDING_MEDIA, /* …/Recordings/{Sid}[.wav|.mp3]: the audio file */
    CF_R_EVENTS,       /* …/Conferences/{Sid}/Events (confab extension) */
    CF_R_EVENT,        /* …/Conferences/{Sid}/Events/{EventSid} */
    CF_R_COUNT
};

#define CF_ROUTE_MAX_PATH 4096

struct cf_route {
    enum cf_resource res;
    const char *prefix;      /* "/api/laml/2010-04-01" or "/2010-04-01" (static) */
    const char *account_sid; /* decoded, arena-owned */
    const char *id1;         /* conference or call sid, or NULL */
    const char *id2;         /* participant key or recording sid, or NULL */
    bool json;               /* the path ended in ".json" */
    bool mp3;                /* CF_R_RECORDING_MEDIA asked for ".mp3" */
};

/* Returns 0 and fills r, or CF_ENOTFOUND for a path that names no resource
 * (also for an empty id, an over-long path, or a bad percent escape). */
int cf_route_match(const char *path, size_t len, struct cf_arena *a, struct cf_route *r);

/* Returns a static name of res for logs and metrics ("conference"). */
const char *cf_route_name(enum cf_resource res);

#endif
