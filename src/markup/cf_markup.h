/* SPDX-License-Identifier: MIT
 *
 * cf_markup.h - the cXML (TwiML-like) markup parser: bytes in, playlist out.
 *
 * AnnounceUrl, HoldUrl and WaitUrl may answer with a cXML document instead of
 * audio (spec part 0 "Announcements", §8.2, §9 waitUrl). This module turns
 * such a document into a flat playlist for the engine: <Play>, <Say> and
 * <Pause> become items in document order, a <Redirect> ends the document and
 * is handed back as a URL for the caller to follow (the caller owns the hop
 * limit), and every other verb (Dial, Gather, Hangup, Record, ...) is
 * skipped and counted so the caller can log warning 13238.
 *
 * Design: libxml2 builds a tree from the bytes, and the tree is copied into
 * the caller's arena and freed before cf_markup_parse returns, so nothing of
 * libxml2 leaks out of this module. Hostile input is bounded before and
 * during parsing: the size cap is checked before libxml2 sees a byte, depth
 * and element count are counted in SAX callbacks that stop the parser as
 * soon as a cap is passed (so a deep or wide document never becomes a big
 * tree), and a DOCTYPE stops the parser the moment it is seen, before any
 * entity or DTD declaration is read (no entity expansion, no external
 * entities, no network: billion laughs and XXE both end in CF_EINVAL).
 * libxml2 never prints: its errors go to a per-parse handler, and the first
 * one becomes the cf_err message.
 *
 * Threads: call cf_markup_init() once from the main thread before any other
 * thread may parse; after that cf_markup_parse may run on any thread (each
 * call uses its own parser context and an arena that belongs to the caller).
 */
#ifndef CF_MARKUP_H
#define CF_MARKUP_H

#include <stddef.h>

#include "../base/cf_arena.h"
#include "../base/cf_err.h"

/* What one playlist item does. */
enum cf_play_kind {
    CF_PLAY_AUDIO, /* fetch and play an audio URL (<Play>) */
    CF_PLAY_SAY,   /* speak a text (<Say>) */
    CF_PLAY_PAUSE  /* silence (<Pause>) */
};

/* One playlist item. Strings are arena-owned and NUL-terminated. */
struct cf_play_item {
    enum cf_play_kind kind;
    const char *text;   /* AUDIO: absolute http(s) URL (relative ones resolved
                           against base_url); SAY: the text, UTF-8, trimmed of
                           ASCII white space, never ""; PAUSE: NULL. Arena-owned. */
    char voice[32];     /* SAY: the voice attribute, or "" (also when too long) */
    char language[16];  /* SAY: the language attribute, or "" (also when too long) */
    int loop;           /* times to play: 1..1000, or 0 = forever (loop="0");
                           default 1, and an invalid value counts as 1; PAUSE: 1 */
    int pause_s;        /* PAUSE: seconds, 1..600 (default 1); otherwise 0 */
};

/* A parsed document. Everything points into the arena given to the parser. */
struct cf_playlist {
    struct cf_play_item *items; /* arena-owned array of n items (NULL when n == 0) */
    size_t n;                   /* items, at most limits.max_items */
    const char *redirect_url;   /* absolute URL when the document ends in
                                   <Redirect> (an empty <Redirect/> gives base_url,
                                   i.e. "fetch this document again"), else NULL */
    char redirect_method[8];    /* "POST" (the default) or "GET" */
    int skipped;                /* verbs not played: other verbs (Dial, Gather,
                                   Hangup, Record, unknown ...), <Play digits=...>,
                                   and <Pause> with an invalid length. The caller
                                   logs warning 13238 when this is > 0. */
};

/* Caps on one document; every one is enforced (CF_ETOOBIG beyond it). */
struct cf_markup_limits {
    size_t max_bytes; /* document size; default 1 MiB (part 0 fetch limit); at most INT_MAX */
    int max_depth;    /* element nesting, <Response> being depth 1; default 16 */
    size_t max_items; /* elements below <Response>, nested ones and those after a
                         <Redirect> included (so also the playlist length); default 100 */
    size_t max_text;  /* bytes of one <Say> text (trimmed) or one URL (raw and
                         resolved); default 4096 */
};

/* Fills lim (OUT) with the defaults above. */
void cf_markup_limits_default(struct cf_markup_limits *lim);

/* Initialises libxml2 (xmlInitParser). main must call it once from the main
 * thread before any thread calls cf_markup_parse. Idempotent. */
void cf_markup_init(void);

/* Releases libxml2's global state (xmlCleanupParser). Call once at exit,
 * after every thread that parsed has stopped; optional (for leak checkers). */
void cf_markup_cleanup(void);

/* Parses a cXML document.
 *   buf, len  IN  the document bytes (need not be NUL-terminated; borrowed).
 *             UTF-8 unless the XML declaration names another encoding.
 *   base_url  IN  the URL the document came from, or NULL; relative <Play> and
 *             <Redirect> URLs are resolved against it (RFC 3986).
 *   lim       IN  caps; NULL means cf_markup_limits_default.
 *   a         IN  arena that receives every string and the item array.
 *   out       OUT the playlist; written only on success.
 *   err       OUT may be NULL; on failure its msg says what was wrong.
 * Returns 0; CF_ETOOBIG when a cap of lim is passed (size, depth, element
 * count, text or URL length); CF_EINVAL for an empty or not well-formed
 * document, a root other than <Response>, any DOCTYPE (internal or external
 * subset, hence any DTD or entity declaration), a <Play> with no URL, a URL
 * that is not http(s) or a relative URL with no usable base_url; CF_ENOMEM
 * if libxml2 cannot allocate a parser. On failure the arena may hold partial
 * allocations; they go with the arena.
 * Any thread (after cf_markup_init); no I/O, never prints. */
int cf_markup_parse(const char *buf, size_t len, const char *base_url,
                    const struct cf_markup_limits *lim, struct cf_arena *a,
                    struct cf_playlist *out, struct cf_err *err);

/* Returns the estimated seconds a <Say> of text takes: about 150 words a
 * minute (0.4 s a word, rounded up), at least 1 s; text NULL or blank gives 1.
 * A word is a run of non-white-space bytes, so text without spaces (e.g.
 * Chinese) is underestimated. Pure. */
int cf_markup_say_seconds(const char *text);

#endif
